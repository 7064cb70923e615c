use super::*;

fn fonts() -> FontSet {
    FontSet::bundled().expect("bundled fonts")
}

/// The text of each run's clusters, left to right.
fn run_texts(s: &Shaped) -> Vec<String> {
    s.runs
        .iter()
        .map(|r| {
            let mut out = String::new();
            let mut last = None;
            for g in &r.glyphs {
                if last != Some(&g.text) {
                    out.push_str(&s.text[g.text.clone()]);
                }
                last = Some(&g.text);
            }
            out
        })
        .collect()
}

#[test]
fn latin_is_kerned_and_ligated() {
    let f = fonts();
    let kerned = f.shape("AVATAR", false, Direction::Auto);
    let plain: f32 = "AVATAR"
        .chars()
        .map(|c| f.shape(&c.to_string(), false, Direction::Auto).width)
        .sum();
    assert!(kerned.width < plain - 0.1, "{} vs {plain}", kerned.width);
    // DejaVu Sans has an fi ligature: one glyph standing for both letters.
    let fi = f.shape("fine", false, Direction::Auto);
    assert_eq!(fi.runs[0].glyphs.len(), 3, "{fi:?}");
    assert_eq!(run_texts(&fi), ["fine"]);
    assert_eq!(&fi.text[fi.runs[0].glyphs[0].text.clone()], "fi");
}

#[test]
fn arabic_joins_and_runs_right_to_left() {
    let f = fonts();
    let s = f.shape("شركة", false, Direction::Auto);
    assert!(s.rtl);
    let glyphs = &s.runs[0].glyphs;
    assert_eq!(glyphs.len(), 4);
    // Visual order: the last letter (ة, final form) is drawn first.
    assert_eq!(&s.text[glyphs[0].text.clone()], "ة");
    assert_eq!(&s.text[glyphs[3].text.clone()], "ش");
    // Joined forms are other glyphs than the isolated letters.
    let isolated = |c: char| f.shape(&c.to_string(), false, Direction::Auto).runs[0].glyphs[0].id;
    assert_ne!(glyphs[3].id, isolated('ش'), "initial form expected");
    assert_ne!(glyphs[0].id, isolated('ة'), "final form expected");
}

#[test]
fn mixed_directions_are_in_visual_order() {
    let f = fonts();
    // An Arabic word and a number inside a left-to-right line.
    let s = f.shape("Total شركة 2024 end", false, Direction::Auto);
    assert!(!s.rtl);
    // Left to right on the page: the Arabic letters reversed, the digits
    // not; the number after the Arabic word takes its direction (rule W2:
    // Arabic digits), so "شركة 2024" reads from the right and 2024 is
    // drawn left of the word.
    assert_eq!(run_texts(&s), ["Total ", "2024", " ةكرش", " end"]);
    // A right-to-left paragraph with a Latin word: the Latin word is drawn
    // left to right, at the left of the Arabic.
    let s = f.shape("شركة ABC", false, Direction::Auto);
    assert!(s.rtl);
    let first = run_texts(&s).remove(0);
    assert_eq!(first, "ABC");
}

#[test]
fn cached_lines_are_shared_and_follow_the_font_set() {
    let f = fonts();
    let a = f.shape("SKU-1234", false, Direction::Auto);
    let b = f.shape("SKU-1234", false, Direction::Auto);
    assert!(std::sync::Arc::ptr_eq(&a, &b));
    let bold = f.shape("SKU-1234", true, Direction::Auto);
    assert!(!std::sync::Arc::ptr_eq(&a, &bold));
    assert!(bold.width > a.width);
    let other = fonts();
    let c = other.shape("SKU-1234", false, Direction::Auto);
    assert!(!std::sync::Arc::ptr_eq(&a, &c));
    assert_eq!(*a, *c);
}

#[test]
fn missing_characters_are_reported_and_take_no_room() {
    let f = fonts();
    let s = f.shape("a東b", false, Direction::Auto);
    assert_eq!(s.missing, ['東']);
    assert_eq!(s.width, f.shape("ab", false, Direction::Auto).width);
    let s = f.shape("x\ty", false, Direction::Auto);
    assert_eq!(s.text, "x y");
}

#[test]
fn numbers_shape_without_the_shaper_in_dejavu() {
    let f = fonts();
    let free = f.faces()[0].context_free();
    let chars: String = (0u8..128)
        .filter(|&b| free & 1 << b != 0)
        .map(char::from)
        .collect();
    assert!(chars.contains("0123456789"), "{chars:?}");
    // What the shortcut gives is what the shaper gives.
    let line = f.shape("18,312.24 (3%)", false, Direction::Auto);
    let mut plans = cache::Plans::default();
    let mut buffer = UnicodeBuffer::new();
    buffer.push_str("18,312.24 (3%)");
    buffer.set_direction(rustybuzz::Direction::LeftToRight);
    buffer.guess_segment_properties();
    let plan = plans.get_for(f.faces()[0].shaping(), buffer.direction(), buffer.script());
    let out = rustybuzz::shape_with_plan(f.faces()[0].shaping(), plan, buffer);
    let ids: Vec<u32> = line.runs[0]
        .glyphs
        .iter()
        .map(|g| u32::from(g.id))
        .collect();
    let want: Vec<u32> = out.glyph_infos().iter().map(|g| g.glyph_id).collect();
    assert_eq!(ids, want);
    let adv: f32 = out
        .glyph_positions()
        .iter()
        .map(|p| p.x_advance as f32)
        .sum();
    assert!((line.width - adv / f.faces()[0].upem()).abs() < 1e-4);
}

#[test]
fn word_by_word_shaping_gives_what_whole_lines_give() {
    let texts = [
        "AVATAR Toyota office",
        "hardened Sprocket B87",
        "  two  spaces ",
        "fi fl ffi office",
        "Zürich Göteborg Señora",
        "SKU-42098 (12.50) x",
    ];
    let whole = fonts();
    let mut words = fonts();
    let chars = texts.iter().flat_map(|t| t.chars()).collect();
    words.check_word_shaping(&chars);
    assert!(words.faces()[0].spaces_stand_apart());
    assert!(!whole.faces()[0].spaces_stand_apart());
    for text in texts {
        let a = whole.shape(text, false, Direction::Auto);
        let b = words.shape(text, false, Direction::Auto);
        assert_eq!(a.runs, b.runs, "{text:?}");
        assert_eq!(a.width, b.width, "{text:?}");
    }
}

//! What a face embeds: a cut of it made once per run, holding every glyph
//! the run's text can be shaped into, instead of the whole face.
//!
//! printpdf subsets each face it embeds, for every document: it reads the
//! face's whole glyph table (5,000-6,000 glyphs for DejaVu Sans, 15,000
//! for a CJK face) to keep the few dozen a statement uses. That was a
//! third of the time spent drawing a report. The characters of a run are
//! known before its first report (the whole input is read to group it),
//! so the glyphs shaping can produce from them are too: their cmap
//! glyphs, and every glyph a substitution (ligatures, contextual and
//! positional forms, mirroring) can turn them into, found by following the
//! face's `GSUB` lookups to a fixed point. The face is cut to those once,
//! and every document embeds the cut as it is (a few dozen glyphs more
//! than it draws), deflated once for all of them.
//!
//! Shaping still reads the whole face (its `GSUB` and `GPOS` are intact
//! there), so the glyphs it returns are ids of the whole face: [`Cut::gid`]
//! maps them into the cut. A document with a glyph the cut lacks embeds
//! the whole face instead (see `Canvas::to_pdf`): slower, never wrong.

use std::collections::{BTreeMap, BTreeSet};

use printpdf::ParsedFont;
use ttf_parser::GlyphId;
use ttf_parser::gsub::SubstitutionSubtable;

/// A face cut down to the glyphs of a run, renumbered.
pub(crate) struct Cut {
    /// The cut, as printpdf embeds it.
    pub(crate) font: ParsedFont,
    /// The cut's id of each glyph of the whole face (0: not in the cut).
    ids: Vec<u16>,
    /// The cut's font program (`font`'s bytes), deflated (zlib, best compression) once for every document.
    packed: Vec<u8>,
}

impl std::fmt::Debug for Cut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cut")
            .field("glyphs", &self.ids.iter().filter(|&&g| g != 0).count())
            .finish_non_exhaustive()
    }
}

impl Cut {
    /// Cuts `font` (parsed by printpdf; `face` is the same font as
    /// rustybuzz reads it) down to the glyphs `chars` can be shaped into.
    /// `None` when the cut would not be smaller by much, or the font
    /// cannot be cut.
    pub(crate) fn new(
        font: &ParsedFont,
        face: &rustybuzz::Face<'_>,
        chars: &BTreeSet<char>,
    ) -> Option<Cut> {
        let glyphs = closure(face, chars);
        let total = face.number_of_glyphs();
        // A small face, or one the run uses most of: nothing to gain.
        if usize::from(total) < 512 || glyphs.len() * 4 > usize::from(total) {
            return None;
        }
        let keep: BTreeMap<u16, String> = glyphs.iter().map(|&g| (g, String::new())).collect();
        let sub = printpdf::subset_font(font, &keep).ok()?;
        // The name table is no use in a PDF (DejaVu's holds its licence:
        // 15 KB a face, in every report); the name goes on /BaseFont, with
        // the tag that says the font is a subset.
        let bytes = crate::sfnt::without_tables(&sub.bytes, &[*b"name"])?;
        let mut warnings = Vec::new();
        let mut cut = ParsedFont::from_bytes(&bytes, 0, &mut warnings)?;
        let name = font.font_name.clone().unwrap_or_else(|| "Font".into());
        cut.font_name = Some(format!("{}+{name}", subset_tag(&bytes)));
        let mut ids = vec![0u16; usize::from(total)];
        for (&old, &(new, _)) in &sub.glyph_mapping {
            if let Some(slot) = ids.get_mut(usize::from(old)) {
                *slot = new;
            }
        }
        let packed = deflate(&bytes)?;
        Some(Cut {
            font: cut,
            ids,
            packed,
        })
    }

    /// The cut's font program deflated, if `program` is it.
    pub(crate) fn packed_if_same(&self, program: &[u8]) -> Option<&[u8]> {
        let same = self
            .font
            .source_bytes()
            .is_some_and(|b| b.as_slice() == program);
        same.then_some(self.packed.as_slice())
    }

    /// The cut's id of glyph `id` of the whole face; `None` if the cut
    /// lacks it.
    pub(crate) fn gid(&self, id: u16) -> Option<u16> {
        if id == 0 {
            return Some(0);
        }
        self.ids.get(usize::from(id)).copied().filter(|&g| g != 0)
    }
}

/// Six capital letters from a hash of `bytes`: the subset tag of a font
/// name (`ABCDEF+DejaVuSans`, ISO 32000-1, 9.6.4).
fn subset_tag(bytes: &[u8]) -> String {
    // FNV-1a: stable across builds and runs.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    (0..6)
        .map(|i| char::from(b'A' + ((h >> (i * 8)) % 26) as u8))
        .collect()
}

/// `bytes` deflated at zlib's best level.
fn deflate(bytes: &[u8]) -> Option<Vec<u8>> {
    use std::io::Write as _;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(bytes).ok()?;
    z.finish().ok()
}

/// Characters a shaper can draw in place of others: the space (for the
/// spaces a face lacks), the dotted circle (for a mark with no base), and
/// the mirrored form of brackets in right-to-left text.
fn stand_ins(c: char) -> &'static [char] {
    match c {
        '(' | ')' => &['(', ')'],
        '[' | ']' => &['[', ']'],
        '{' | '}' => &['{', '}'],
        '<' | '>' => &['<', '>'],
        '«' | '»' => &['«', '»'],
        '‹' | '›' => &['‹', '›'],
        '\u{2000}'..='\u{200A}' | '\u{00A0}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => &[' '],
        _ => &[],
    }
}

/// Every glyph shaping `chars` with `face` can produce: .notdef, the cmap
/// glyph of each character (and of the characters a shaper draws instead,
/// see [`stand_ins`]), then whatever the `GSUB` lookups turn a set of them
/// into, until nothing new comes. Contextual lookups only apply others, so
/// applying every lookup to the whole set covers them (a superset: a
/// glyph too many costs a few bytes).
pub(crate) fn closure(face: &rustybuzz::Face<'_>, chars: &BTreeSet<char>) -> BTreeSet<u16> {
    let mut set = BTreeSet::from([0u16]);
    let extra = ['\u{25CC}', ' ', '-', '\u{2010}'];
    for c in chars
        .iter()
        .copied()
        .chain(chars.iter().flat_map(|&c| stand_ins(c).iter().copied()))
        .chain(extra)
    {
        if let Some(g) = face.glyph_index(c) {
            set.insert(g.0);
        }
    }
    let Some(gsub) = face.tables().gsub else {
        return set;
    };
    loop {
        let before = set.len();
        for lookup in gsub.lookups {
            for index in 0..lookup.subtables.len() {
                if let Some(sub) = lookup.subtables.get::<SubstitutionSubtable<'_>>(index) {
                    apply(&sub, &mut set);
                }
            }
        }
        if set.len() == before {
            return set;
        }
    }
}

/// Adds to `set` what `sub` substitutes for glyphs of `set`.
fn apply(sub: &SubstitutionSubtable<'_>, set: &mut BTreeSet<u16>) {
    use ttf_parser::gsub::SingleSubstitution;
    let mut add = Vec::new();
    match sub {
        SubstitutionSubtable::Single(SingleSubstitution::Format1 { coverage, delta }) => {
            for &g in set.iter() {
                if coverage.contains(GlyphId(g)) {
                    // The spec's delta is modulo 65536.
                    add.push(g.wrapping_add_signed(*delta));
                }
            }
        }
        SubstitutionSubtable::Single(SingleSubstitution::Format2 {
            coverage,
            substitutes,
        }) => {
            for &g in set.iter() {
                if let Some(s) = coverage.get(GlyphId(g)).and_then(|i| substitutes.get(i)) {
                    add.push(s.0);
                }
            }
        }
        SubstitutionSubtable::Multiple(m) => {
            for &g in set.iter() {
                if let Some(seq) = m.coverage.get(GlyphId(g)).and_then(|i| m.sequences.get(i)) {
                    add.extend(seq.substitutes.into_iter().map(|s| s.0));
                }
            }
        }
        SubstitutionSubtable::Alternate(a) => {
            for &g in set.iter() {
                if let Some(alts) = a
                    .coverage
                    .get(GlyphId(g))
                    .and_then(|i| a.alternate_sets.get(i))
                {
                    add.extend(alts.alternates.into_iter().map(|s| s.0));
                }
            }
        }
        SubstitutionSubtable::Ligature(l) => {
            for &g in set.iter() {
                let Some(ligatures) = l
                    .coverage
                    .get(GlyphId(g))
                    .and_then(|i| l.ligature_sets.get(i))
                else {
                    continue;
                };
                for lig in ligatures {
                    if lig.components.into_iter().all(|c| set.contains(&c.0)) {
                        add.push(lig.glyph.0);
                    }
                }
            }
        }
        SubstitutionSubtable::ReverseChainSingle(r) => {
            for &g in set.iter() {
                if let Some(s) = r
                    .coverage
                    .get(GlyphId(g))
                    .and_then(|i| r.substitutes.get(i))
                {
                    add.push(s.0);
                }
            }
        }
        // They apply other lookups, which are all applied anyway.
        SubstitutionSubtable::Context(_) | SubstitutionSubtable::ChainContext(_) => {}
    }
    set.extend(add);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canvas::{Anchor, Canvas};
    use crate::fonts::FontSet;
    use crate::shaping::Direction;

    const TEXTS: &[&str] = &[
        "AVATAR Toyota office fine fluffy",
        "Señora Núñez, Göteborg (1,234.50)",
        "شركة الأمل (القاهرة) ١٢٣",
        "שלום עולם [תל אביב]",
    ];

    fn chars(texts: &[&str]) -> BTreeSet<char> {
        texts.iter().flat_map(|t| t.chars()).collect()
    }

    #[test]
    fn the_closure_holds_every_glyph_shaping_produces() {
        let fonts = FontSet::bundled().expect("bundled fonts");
        let face = &fonts.faces()[0];
        let set = closure(face.shaping(), &chars(TEXTS));
        for text in TEXTS {
            for dir in [Direction::Auto, Direction::Rtl] {
                let shaped = fonts.shape(text, false, dir);
                for g in shaped.runs.iter().flat_map(|r| &r.glyphs) {
                    assert!(
                        set.contains(&g.id),
                        "{text:?}: glyph {} not in the closure",
                        g.id
                    );
                }
            }
        }
        // Substitutions were followed: ligatures and Arabic forms are not
        // any character's cmap glyph.
        let cmap: BTreeSet<u16> = chars(TEXTS).iter().filter_map(|&c| face.glyph(c)).collect();
        let fi = fonts.shape("fi", false, Direction::Auto);
        assert!(!cmap.contains(&fi.runs[0].glyphs[0].id));
        assert!(
            set.len() > cmap.len() + 10,
            "{} vs {}",
            set.len(),
            cmap.len()
        );
        // And it is a cut: a small part of DejaVu Sans' 6,000 glyphs.
        assert!(set.len() < 600, "{}", set.len());
    }

    #[test]
    fn the_cut_numbers_glyphs_as_its_own_cmap_does() {
        let fonts = FontSet::bundled().expect("bundled fonts");
        let face = &fonts.faces()[0];
        let chars = chars(TEXTS);
        let cut = Cut::new(&face.font, face.shaping(), &chars).expect("DejaVu Sans is cut");
        for &c in &chars {
            let Some(full) = face.glyph(c) else { continue };
            let in_cut = cut.font.lookup_glyph_index(c as u32);
            assert_eq!(cut.gid(full), in_cut, "{c:?}");
        }
        assert_eq!(cut.gid(0), Some(0));
        // A glyph the text cannot produce is not in the cut.
        let other = face.glyph('Ж').expect("DejaVu has Cyrillic");
        assert_eq!(cut.gid(other), None);
    }

    /// The glyph codes the content streams of `pdf` draw, in order, and
    /// the one font program it embeds.
    fn drawn(pdf: &[u8]) -> (Vec<u16>, Vec<u8>) {
        let doc = lopdf::Document::load_mem(pdf).expect("the PDF parses");
        let mut codes = Vec::new();
        let mut programs = Vec::new();
        for stream in doc.objects.values().filter_map(|o| o.as_stream().ok()) {
            let bytes = stream
                .decompressed_content()
                .unwrap_or_else(|_| stream.content.clone());
            if stream.dict.get(b"Length1").is_ok() {
                programs.push(bytes);
                continue;
            }
            let Ok(content) = lopdf::content::Content::decode(&bytes) else {
                continue;
            };
            for op in content
                .operations
                .iter()
                .filter(|o| o.operator == "TJ" || o.operator == "Tj")
            {
                let items = op.operands.iter().flat_map(|a| match a.as_array() {
                    Ok(items) => items.clone(),
                    Err(_) => vec![a.clone()],
                });
                for item in items {
                    if let Ok(s) = item.as_str() {
                        codes.extend(s.chunks(2).map(|c| u16::from_be_bytes([c[0], c[1]])));
                    }
                }
            }
        }
        assert_eq!(programs.len(), 1, "one face embedded");
        (codes, programs.remove(0))
    }

    /// Draws `text` with `fonts` and checks that the embedded font draws,
    /// code by code, the outlines of the glyphs shaping gave.
    fn draws_the_shaped_glyphs(fonts: &FontSet, text: &str) -> Vec<u8> {
        let mut canvas = Canvas::new(fonts, 595.0, 842.0);
        let black = crate::canvas::Rgb(0.0, 0.0, 0.0);
        canvas.text(
            50.0,
            50.0,
            10.0,
            false,
            Anchor::Left,
            text,
            Direction::Auto,
            black,
        );
        let info = crate::DocInfo {
            title: "t",
            producer: "p",
            created: 0,
        };
        let pdf = canvas.to_pdf(&info).expect("saves");
        let (codes, program) = drawn(&pdf);
        let embedded = ttf_parser::Face::parse(&program, 0).expect("the font program parses");
        let face = &fonts.faces()[0];
        let shaped = fonts.shape(text, false, Direction::Auto);
        let glyphs: Vec<u16> = shaped
            .runs
            .iter()
            .flat_map(|r| &r.glyphs)
            .map(|g| g.id)
            .collect();
        assert_eq!(codes.len(), glyphs.len(), "{text:?}");
        for (code, id) in codes.iter().zip(&glyphs) {
            let want = face.shaping().glyph_bounding_box(GlyphId(*id));
            let got = embedded.glyph_bounding_box(GlyphId(*code));
            assert_eq!(got, want, "{text:?}: code {code} for glyph {id}");
        }
        program
    }

    #[test]
    fn a_document_draws_the_same_glyphs_from_the_cut_or_the_whole_face() {
        let mut fonts = FontSet::bundled().expect("bundled fonts");
        let whole = draws_the_shaped_glyphs(&fonts, "Zürich office (fine)");
        fonts.cut_for_embedding(&chars(&["Zürich"]));
        let cut = draws_the_shaped_glyphs(&fonts, "Zürich office (fine)");
        // The cut is embedded as it is; without it, printpdf's own subset.
        let made = fonts.faces()[0].cut().expect("DejaVu Sans is cut");
        assert!(made.packed_if_same(&cut).is_some());
        assert!(made.packed_if_same(&whole).is_none());
        let named = ttf_parser::Face::parse(&whole, 0).expect("parses");
        let unnamed = ttf_parser::Face::parse(&cut, 0).expect("parses");
        assert!(named.names().into_iter().next().is_some());
        assert!(
            unnamed.names().into_iter().next().is_none(),
            "no name table"
        );
        // Ж is in no character the run was cut for: that document embeds
        // (a subset of) the whole face, and still draws every glyph.
        draws_the_shaped_glyphs(&fonts, "Zürich Ж office");
    }
}

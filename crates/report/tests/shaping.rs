//! Shaping checked against HarfBuzz itself: the glyphs, advances and
//! offsets `FontSet::shape` gives for Latin with kerning and ligatures,
//! Arabic, Hebrew and Devanagari are those `hb-shape` (Debian's
//! libharfbuzz-bin) gives on the same font and text.
//!
//! The tests need `hb-shape` (and a Devanagari font), so they are
//! `#[ignore]`d with the reason; `.ci/deps/reporter.sh` installs them and
//! `.ci/run` runs them with `cargo test -- --ignored`, where a missing
//! program fails them.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

use report_jobs::{Direction, FontSet};

const DEJAVU: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fonts/DejaVuSans.ttf");
const LOHIT: &str = "/usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf";

/// One glyph as hb-shape prints it (font units).
#[derive(Debug, PartialEq)]
struct HbGlyph {
    id: u32,
    advance: i64,
    dx: i64,
    dy: i64,
}

fn hb_shape(font: &str, text: &str) -> Vec<HbGlyph> {
    let out = Command::new("hb-shape")
        .args(["--output-format=json", "--no-glyph-names", font, text])
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "hb-shape: {e}: run .ci/deps/reporter.sh (Debian: apt-get install libharfbuzz-bin)"
            )
        });
    assert!(out.status.success(), "hb-shape {font} {text}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    json.as_array()
        .unwrap()
        .iter()
        .map(|g| HbGlyph {
            id: g["g"].as_u64().unwrap() as u32,
            advance: g["ax"].as_i64().unwrap(),
            dx: g["dx"].as_i64().unwrap(),
            dy: g["dy"].as_i64().unwrap(),
        })
        .collect()
}

fn upem(font: &str) -> f32 {
    let data = std::fs::read(font).unwrap();
    f32::from(ttf_parser::Face::parse(&data, 0).unwrap().units_per_em())
}

/// Our glyphs for `text` (one run, in `face`), in font units.
fn ours(fonts: &FontSet, text: &str, face: usize, font: &str) -> Vec<HbGlyph> {
    let line = fonts.shape(text, false, Direction::Auto);
    assert_eq!(line.runs.len(), 1, "{text}: {line:?}");
    assert_eq!(line.runs[0].face, face, "{text}");
    assert!(line.missing.is_empty(), "{text}: {:?}", line.missing);
    let scale = upem(font);
    let units = |v: f32| (v * scale).round() as i64;
    line.runs[0]
        .glyphs
        .iter()
        .map(|g| HbGlyph {
            id: u32::from(g.id),
            advance: units(g.advance),
            dx: units(g.dx),
            dy: units(g.dy),
        })
        .collect()
}

#[test]
#[ignore = "needs hb-shape (libharfbuzz-bin)"]
fn latin_arabic_and_hebrew_shape_as_harfbuzz_does() {
    let fonts = FontSet::bundled().unwrap();
    for text in [
        "AVATAR",
        "Toyota",
        "office",
        "fine",
        "AVATAR Toyota office",
        "شركة الأمل",
        "القاهرة",
        "שלום עולם",
        "תל אביב",
    ] {
        let want = hb_shape(DEJAVU, text);
        assert_eq!(ours(&fonts, text, 0, DEJAVU), want, "{text}");
    }
    // Shaped word by word (as a run does when the face's spaces stand
    // apart), lines still come out as HarfBuzz shapes them whole.
    let mut words = FontSet::bundled().unwrap();
    let lines = [
        "AVATAR Toyota office",
        "hardened Sprocket B87 fine",
        "Señora Núñez, Göteborg",
    ];
    words.check_word_shaping(&lines.iter().flat_map(|l| l.chars()).collect());
    for text in lines {
        let want = hb_shape(DEJAVU, text);
        assert_eq!(ours(&words, text, 0, DEJAVU), want, "{text}");
    }
    // The checks mean something: kerning moved "AVATAR" closer, "fi" is one
    // glyph, and Arabic letters took joined forms.
    let kerned: i64 = hb_shape(DEJAVU, "AVATAR").iter().map(|g| g.advance).sum();
    let loose: i64 = "AVATAR"
        .chars()
        .map(|c| hb_shape(DEJAVU, &c.to_string())[0].advance)
        .sum();
    assert!(kerned < loose, "{kerned} vs {loose}");
    assert_eq!(hb_shape(DEJAVU, "fi").len(), 1);
    let joined = hb_shape(DEJAVU, "شركة");
    let isolated = hb_shape(DEJAVU, "ش");
    assert_ne!(joined[3].id, isolated[0].id);
}

#[test]
#[ignore = "needs hb-shape (libharfbuzz-bin) and Lohit Devanagari (fonts-lohit-deva)"]
fn devanagari_shapes_as_harfbuzz_does() {
    assert!(
        Path::new(LOHIT).exists(),
        "{LOHIT} is missing: run .ci/deps/reporter.sh (Debian: apt-get install fonts-lohit-deva)"
    );
    let mut fonts = FontSet::bundled().unwrap();
    fonts.add_fallback(Path::new(LOHIT)).unwrap();
    for text in ["मानक हिन्दी", "दिल्ली", "क्षत्रिय"]
    {
        let want = hb_shape(LOHIT, text);
        let got = ours(&fonts, text, 2, LOHIT);
        assert_eq!(got, want, "{text}");
        // Reordering happened: the vowel sign of "हि"/"दि" comes first.
        assert_ne!(
            want.len(),
            text.chars().count(),
            "{text}: no conjuncts or reordering?"
        );
    }
}

//! Splits a run of one direction into items of one face and one script,
//! in logical order.

use std::ops::Range;

use unicode_script::{Script, UnicodeScript};

use crate::text::fonts::{FaceId, FontSet};

/// Text shaped in one call: one face, one script, one direction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Item {
    /// Bytes of the line.
    pub range: Range<usize>,
    /// The face.
    pub face: FaceId,
}

/// Whether `s` is a real script (not Common, Inherited or Unknown, which
/// take their neighbours').
fn is_real(s: Script) -> bool {
    !matches!(s, Script::Common | Script::Inherited | Script::Unknown)
}

/// Whether shaping `c` needs the font's layout tables (GSUB/GPOS): joining,
/// reordering, conjuncts or mark placement. Han, kana, Hangul, Latin,
/// Greek and Cyrillic read fine without them (no kerning, no ligatures);
/// Arabic, Hebrew (marks), the Indic scripts, Thai and most others do not.
pub(crate) fn needs_layout_tables(c: char) -> bool {
    !matches!(
        c.script(),
        Script::Common
            | Script::Inherited
            | Script::Unknown
            | Script::Han
            | Script::Hiragana
            | Script::Katakana
            | Script::Hangul
            | Script::Bopomofo
            | Script::Latin
            | Script::Greek
            | Script::Cyrillic
    )
}

/// The items of `text[run]`: each character takes the first face of the
/// chain that has it (see [`follows`] for those that stay with the one
/// before); characters no face has go to the primary face and to `missing`.
pub(crate) fn items(
    fonts: &FontSet,
    text: &str,
    run: Range<usize>,
    bold: bool,
    missing: &mut Vec<char>,
) -> Vec<Item> {
    let part = &text[run.clone()];
    let primary = FontSet::primary(bold);
    if part.is_ascii() && part.chars().all(|c| fonts.faces()[primary].has(c)) {
        // Latin letters, digits and punctuation in the primary face.
        return vec![Item {
            range: run,
            face: primary,
        }];
    }
    // Per character: its face and its script (None until resolved).
    let mut chars: Vec<(usize, FaceId, Option<Script>)> = Vec::new();
    let mut prev: Option<FaceId> = None;
    for (i, c) in part.char_indices() {
        let script = Some(c.script()).filter(|&s| is_real(s));
        // Combining marks, joiners, variation selectors and the characters
        // shared by every script (spaces, digits, punctuation) keep the
        // face of the character before them when it has them: a run of
        // Arabic keeps its spaces, so the shaper sees whole phrases.
        let keep = prev.filter(|&f| script.is_none() && fonts.faces()[f].has(c));
        let face = keep.or_else(|| fonts.face_for(c, bold)).unwrap_or_else(|| {
            if !missing.contains(&c) {
                missing.push(c);
            }
            FontSet::primary(bold)
        });
        prev = Some(face);
        chars.push((run.start + i, face, script));
    }
    // Common and inherited characters take the script before them, or
    // after them at the start.
    let mut last = None;
    for ch in &mut chars {
        match ch.2 {
            Some(s) => last = Some(s),
            None => ch.2 = last,
        }
    }
    let mut next = None;
    for ch in chars.iter_mut().rev() {
        match ch.2 {
            Some(s) => next = Some(s),
            None => ch.2 = next,
        }
    }
    let mut items: Vec<Item> = Vec::new();
    let mut script = None;
    for (k, &(at, face, s)) in chars.iter().enumerate() {
        let end = chars.get(k + 1).map_or(run.end, |c| c.0);
        match items.last_mut() {
            Some(item) if item.face == face && script == s => item.range.end = end,
            _ => {
                items.push(Item {
                    range: at..end,
                    face,
                });
                script = s;
            }
        }
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_item_per_face_and_script() {
        let fonts = FontSet::bundled().expect("bundled fonts");
        let mut missing = Vec::new();
        let text = "Привет, world 東京!";
        let items = items(&fonts, text, 0..text.len(), false, &mut missing);
        let parts: Vec<&str> = items.iter().map(|i| &text[i.range.clone()]).collect();
        assert_eq!(parts, ["Привет, ", "world ", "東京!"]);
        assert_eq!(missing, ['東', '京']);
        assert!(!needs_layout_tables('東') && needs_layout_tables('ش'));
    }
}

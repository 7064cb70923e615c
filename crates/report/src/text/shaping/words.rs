//! Word by word: a left-to-right item shaped one word at a time, each word
//! from a cache, when the face's spaces stand apart.
//!
//! A statement's text cells are mostly new strings made of old words
//! ("hardened Sprocket B87"): shaping whole lines, the line cache rarely
//! hits and every cell goes through the shaper. Browsers cache shaped
//! words instead, and so does this, where that gives what shaping the
//! whole item gives: when no glyph of the face interacts with a space
//! (no kerning pair, ligature or contextual form with one). That is
//! checked once per run and face ([`stand_apart`]): every character the
//! run draws in the face is shaped next to a space, both ways, and the
//! result must equal the two shaped apart. Items are still split by face
//! and script first, and each word is shaped with its item's script, so
//! the same plan applies.

use std::cell::RefCell;
use std::collections::BTreeSet;

use rustc_hash::FxHashMap as HashMap;
use std::rc::Rc;

use rustybuzz::{Script, UnicodeBuffer};

use super::{RawGlyph, cache, prepare_buffer, run_shaper};
use crate::text::fonts::{FaceId, FontSet};

/// Words kept per thread before the cache starts over.
const MAX_WORDS: usize = 50_000;

/// Shaped words by text.
type Known = HashMap<Box<str>, Rc<[RawGlyph]>>;

#[derive(Default)]
struct Words {
    /// The font set the words were shaped with.
    fonts: u64,
    len: usize,
    /// Per face and script.
    map: HashMap<(FaceId, Script), Known>,
}

thread_local! {
    static WORDS: RefCell<Words> = RefCell::default();
}

/// The pieces of `s`: each word and each space on its own, with its byte
/// offset.
fn pieces(s: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut at = 0;
    s.split(' ').enumerate().flat_map(move |(i, word)| {
        let space = (i > 0).then(|| {
            let p = (at, " ");
            at += 1;
            p
        });
        let w = (!word.is_empty()).then_some((at, word));
        at += word.len();
        space.into_iter().chain(w)
    })
}

/// Shapes `s` (one left-to-right item in face `face`) word by word into
/// `out`; hands the buffer back.
pub(super) fn shape(
    fonts: &FontSet,
    face: FaceId,
    s: &str,
    plans: &mut cache::Plans,
    mut buffer: UnicodeBuffer,
    out: &mut Vec<RawGlyph>,
) -> UnicodeBuffer {
    // The script the shaper would take for the whole item: Latin for
    // ASCII with a letter (its first character of a script of its own).
    let script = if s.is_ascii() && s.bytes().any(|b| b.is_ascii_alphabetic()) {
        rustybuzz::script::LATIN
    } else {
        prepare_buffer(&mut buffer, s, false);
        let script = buffer.script();
        buffer.clear();
        script
    };
    WORDS.with_borrow_mut(move |words| {
        if words.fonts != fonts.id() || words.len >= MAX_WORDS {
            *words = Words {
                fonts: fonts.id(),
                ..Words::default()
            };
        }
        let known = words.map.entry((face, script)).or_default();
        for (at, piece) in pieces(s) {
            let offset = u32::try_from(at).unwrap_or(u32::MAX);
            if let Some(glyphs) = known.get(piece) {
                out.extend(glyphs.iter().map(|g| RawGlyph {
                    cluster: g.cluster + offset,
                    ..*g
                }));
                continue;
            }
            let mut glyphs = Vec::with_capacity(piece.len());
            prepare_buffer(&mut buffer, piece, false);
            buffer.set_script(script);
            buffer = run_shaper(fonts, face, plans, buffer, 0, &mut glyphs);
            out.extend(glyphs.iter().map(|g| RawGlyph {
                cluster: g.cluster + offset,
                ..*g
            }));
            known.insert(piece.into(), glyphs.into());
            words.len += 1;
        }
        buffer
    })
}

/// Whether face `face` of `fonts` shapes each of `chars` it has next to a
/// space as it shapes the two apart, both ways round: then a line of them
/// can be shaped word by word.
pub(crate) fn stand_apart(fonts: &FontSet, face: FaceId, chars: &BTreeSet<char>) -> bool {
    let f = &fonts.faces()[face];
    if !f.has(' ') {
        return false;
    }
    let mut plans = cache::Plans::default();
    let mut buffer = UnicodeBuffer::new();
    let mut shape = |text: &str, script: Option<Script>, offset: u32, out: &mut Vec<RawGlyph>| {
        let mut b = std::mem::take(&mut buffer);
        prepare_buffer(&mut b, text, false);
        if let Some(script) = script {
            b.set_script(script);
        }
        let script = b.script();
        buffer = run_shaper(fonts, face, &mut plans, b, offset, out);
        script
    };
    for c in chars.iter().copied().filter(|&c| f.has(c)) {
        let mut one = [0u8; 4];
        let c = &*c.encode_utf8(&mut one);
        for (a, b) in [(c, " "), (" ", c)] {
            let (mut whole, mut apart) = (Vec::new(), Vec::new());
            let script = shape(&format!("{a}{b}"), None, 0, &mut whole);
            shape(a, Some(script), 0, &mut apart);
            shape(
                b,
                Some(script),
                u32::try_from(a.len()).unwrap_or(0),
                &mut apart,
            );
            if whole != apart {
                return false;
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_are_words_and_single_spaces() {
        let got: Vec<_> = pieces(" ab  c ").collect();
        assert_eq!(
            got,
            [(0, " "), (1, "ab"), (3, " "), (4, " "), (5, "c"), (6, " ")]
        );
        assert_eq!(pieces("word").collect::<Vec<_>>(), [(0, "word")]);
    }
}

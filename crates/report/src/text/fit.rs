//! A [`FontSet`] readied for a run with shaped text: fallbacks cut down
//! to what they draw, word-by-word shaping where it gives the same as
//! whole lines, and the text shaped and measured. This sits after both
//! [`crate::text::fonts`] and [`crate::text::shaping`], which do not
//! know of each other's work beyond the font types.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::text::fonts::{Face, FontSet, next_id, with_printable_ascii};
use crate::text::shaping::{self, Direction, Shaped};

impl Face {
    /// The ASCII characters (a bit each) that shape context-free in this
    /// face: any string of them comes out of the shaper as the font's own
    /// glyph for each character at its own advance, so a line made only
    /// of them (an amount, a date, a quantity) needs no shaping. Digits,
    /// spaces and the punctuation of numbers are the candidates; those
    /// the font kerns, ligates or substitutes in any pair or triple of
    /// candidates are left out (checked by shaping them all, once).
    pub(crate) fn context_free(&self) -> u128 {
        *self.free.get_or_init(|| shaping::context_free(self))
    }
}

impl FontSet {
    /// Readies the set for a run whose text (beside printable ASCII) is
    /// made of `chars`: fallback faces cut down to what they draw
    /// ([`FontSet::restrict_fallbacks`]), every face cut for embedding
    /// ([`FontSet::cut_for_embedding`]), word-by-word shaping where it
    /// gives the same ([`FontSet::check_word_shaping`]).
    pub fn fit_to_run(&mut self, chars: &BTreeSet<char>) {
        self.restrict_fallbacks(chars);
        self.cut_for_embedding(chars);
        self.check_word_shaping(chars);
    }

    /// Checks, for each face, whether the run's text (`chars`, and
    /// printable ASCII) can be shaped word by word in it: when it can,
    /// shaping caches words, not only whole lines.
    pub fn check_word_shaping(&mut self, chars: &BTreeSet<char>) {
        let all = with_printable_ascii(chars);
        let apart: Vec<bool> = (0..self.faces.len())
            .map(|f| shaping::words_stand_apart(self, f, &all))
            .collect();
        for (face, apart) in self.faces.iter_mut().zip(apart) {
            face.words = apart;
        }
        // Shaping results change with this: caches start over.
        self.id = next_id();
    }

    /// Cuts each fallback face down, once, to the glyphs of `chars` that it
    /// would draw (the characters earlier faces lack). printpdf subsets every
    /// face per document, and subsetting reads the whole glyph table: for a
    /// CJK font of 15,000 glyphs that was most of a report's time.
    ///
    /// The cut-down copy has no layout tables (no ligatures, joining forms or
    /// kerning), so a face is cut down only when every character it draws
    /// is of a script that needs none ([`shaping::needs_layout_tables`]):
    /// Han, kana and Hangul faces are, Arabic or Devanagari ones are not. A
    /// face whose cut-down copy cannot be read back keeps its full glyph set.
    /// Characters outside `chars` that only a cut-down face has are then
    /// reported missing, so `chars` must hold every character a report can
    /// draw.
    pub fn restrict_fallbacks(&mut self, chars: &BTreeSet<char>) {
        for f in 2..self.faces.len() {
            let mut glyphs = BTreeMap::new();
            let mut complex = false;
            for &c in chars {
                let earlier = (0..f).any(|e| self.faces[e].has(c));
                if !earlier && let Some(gid) = self.faces[f].font.lookup_glyph_index(c as u32) {
                    complex |= shaping::needs_layout_tables(c);
                    glyphs.insert(gid, c.to_string());
                }
            }
            if complex {
                continue;
            }
            let Ok(sub) = printpdf::subset_font(&self.faces[f].font, &glyphs) else {
                continue;
            };
            let Some(face) = Face::parse_at(Cow::Owned(sub.bytes), 0, &self.faces[f].name) else {
                continue;
            };
            let same = glyphs.iter().all(|(&gid, c)| {
                c.chars().all(|ch| {
                    let (old, new) = (&self.faces[f], &face);
                    let before = old.glyph(ch).map(|g| old.pdf_width(g));
                    let after = new.glyph(ch).map(|g| new.pdf_width(g));
                    before.is_some() && before == after
                }) && gid != 0
            });
            if same {
                self.faces[f] = face;
                self.id = next_id();
            }
        }
    }

    /// `text` shaped on one line (see [`crate::text::shaping`]), from this
    /// thread's cache when it was shaped before. `direction` is the
    /// paragraph's: [`Direction::Auto`] takes it from the first strong
    /// character.
    pub fn shape(&self, text: &str, bold: bool, direction: Direction) -> Arc<Shaped> {
        shaping::cached(self, text, bold, direction)
    }

    /// Width of `text` at size 1, shaped (kerning and ligatures included).
    pub fn width(&self, text: &str, bold: bool) -> f32 {
        self.shape(text, bold, Direction::Auto).width
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    #[ignore = "needs fonts-ipafont-gothic (.ci/deps/reporter.sh)"]
    fn a_cjk_fallback_cut_down_to_the_run_shapes_as_the_whole_font() {
        let cjk = Path::new("/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf");
        let mut fonts = FontSet::bundled().expect("bundled fonts parse");
        fonts
            .add_fallback(cjk)
            .unwrap_or_else(|e| panic!("{e}: run .ci/deps/reporter.sh"));
        let full = fonts.shape("Zürich 東京支店", false, Direction::Auto);
        assert!(full.missing.is_empty(), "{:?}", full.missing);
        assert!(full.runs.iter().any(|r| r.face == 2), "{full:?}");
        fonts.restrict_fallbacks(&"ü東京支店".chars().collect());
        let cut = fonts.shape("Zürich 東京支店", false, Direction::Auto);
        assert_eq!(cut.width, full.width);
        assert_eq!(cut.missing, full.missing);
        let faces = |s: &Shaped| s.runs.iter().map(|r| r.face).collect::<Vec<_>>();
        assert_eq!(faces(&cut), faces(&full));
        // Characters outside the run's are gone from the cut.
        let missing = &fonts.shape("大阪", false, Direction::Auto).missing;
        assert_eq!(missing, &vec!['大', '阪']);
    }
}

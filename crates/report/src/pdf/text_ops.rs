//! A shaped glyph run as PDF text operations: glyph ids (Identity-H codes)
//! in `TJ` arrays, with the shaper's advances and offsets as `TJ`
//! adjustments and text rise, and the text each glyph stands for.
//!
//! Text comes back out of a PDF (copy and paste, `pdftotext`, search) from
//! the font's ToUnicode map, one text per glyph, in an order the reader
//! works out. Three things make that give back what was written:
//! - a glyph drawn for exactly one cluster is mapped to that cluster's
//!   text (a ligature to all its letters); a cluster of several glyphs (a
//!   Devanagari syllable whose vowel sign is drawn before its consonant),
//!   or a glyph already mapped to another text, is wrapped in a marked
//!   span whose `/ActualText` is the cluster's text;
//! - readers show right-to-left text by reversing the characters of each
//!   word they find, so the text of a right-to-left glyph is stored
//!   reversed too (a lam-alef ligature maps to alef then lam);
//! - runs, and the words of a right-to-left run, are written in reading
//!   order (each placed where it belongs), so readers that follow the
//!   content's order (`pdftotext -raw`) read the words in order.

use std::collections::BTreeMap;
use std::ops::Range;

use rustc_hash::FxHashMap as HashMap;

use crate::pdf::content::{FaceCodes, TextOut};
use crate::text::fonts::{Face, FaceId};
use crate::text::shaping::{Glyph, GlyphRun, Shaped};

/// The text a glyph stands for as the reader wants it: right-to-left text
/// reversed (see the module docs).
fn glyph_text(text: &str, rtl: bool) -> String {
    if rtl {
        text.chars().rev().collect()
    } else {
        text.to_owned()
    }
}

/// The glyphs of `run` cut into clusters (index ranges into its glyphs).
fn clusters(run: &GlyphRun) -> impl Iterator<Item = Range<usize>> + '_ {
    let g = &run.glyphs;
    let mut i = 0;
    std::iter::from_fn(move || {
        let start = i;
        let first = g.get(start)?;
        i += 1;
        while g.get(i).is_some_and(|n| n.text == first.text) {
            i += 1;
        }
        Some(start..i)
    })
}

/// The text each glyph of a document stands for, per face. A PDF font maps
/// a glyph to one text, whatever cluster it is drawn for: the first text
/// it is drawn for alone.
#[derive(Debug, Default)]
pub(crate) struct ToUnicode {
    faces: HashMap<FaceId, BTreeMap<u16, String>>,
}

impl ToUnicode {
    /// Records the glyphs of `run`, a run of `line`.
    pub(crate) fn add(&mut self, line: &Shaped, run: &GlyphRun) {
        let map = self.faces.entry(run.face).or_default();
        for c in clusters(run) {
            let glyphs = &run.glyphs[c];
            let alone = glyphs.len() == 1;
            for g in glyphs {
                match map.get_mut(&g.id) {
                    Some(t) if t.is_empty() && alone => {
                        *t = glyph_text(&line.text[g.text.clone()], run.rtl);
                    }
                    Some(_) => {}
                    None => {
                        let text = if alone {
                            glyph_text(&line.text[g.text.clone()], run.rtl)
                        } else {
                            String::new()
                        };
                        map.insert(g.id, text);
                    }
                }
            }
        }
    }

    /// The glyphs of `face` in the document, by id, with their texts.
    pub(crate) fn glyphs(&self, face: FaceId) -> impl Iterator<Item = (u16, &str)> {
        self.faces
            .get(&face)
            .into_iter()
            .flat_map(|m| m.iter().map(|(&id, t)| (id, t.as_str())))
    }

    fn get(&self, face: FaceId, id: u16) -> &str {
        self.faces
            .get(&face)
            .and_then(|m| m.get(&id))
            .map_or("", String::as_str)
    }
}

/// A glyph run placed on a page.
#[derive(Debug)]
pub(crate) struct Placed<'a> {
    /// The line the run belongs to.
    pub line: &'a Shaped,
    /// The run.
    pub run: &'a GlyphRun,
    /// Its face.
    pub face: &'a Face,
    /// The codes of the face's glyphs in the document.
    pub codes: &'a FaceCodes,
    /// The document's glyph texts.
    pub unicode: &'a ToUnicode,
    /// Where the pen starts, in PDF points (y up).
    pub x: f32,
    /// The baseline, in PDF points (y up).
    pub baseline: f32,
    /// The font size.
    pub size: f32,
}

impl Placed<'_> {
    /// Writes the run: glyphs placed by [`Adjust`], a glyph raised or
    /// lowered (a mark over its base) under a text rise, a cluster whose
    /// glyphs do not give back its text in an `/ActualText` span.
    pub(crate) fn write(&self, out: &mut TextOut) {
        let glyphs = &self.run.glyphs;
        // Where each glyph is drawn, in ems from the pen's start.
        let mut at = Vec::with_capacity(glyphs.len());
        let mut pen = 0.0f32;
        for g in glyphs {
            at.push(pen + g.dx);
            pen += g.advance;
        }
        let mut rise = 0.0f32;
        for words in self.stretches() {
            let Some(first) = words.clone().next() else {
                continue;
            };
            out.move_to(self.x + at[first] * self.size, self.baseline);
            let mut adjust = self.adjust(&at, &words);
            if self.run.simple {
                // Every glyph is its character's own: nothing to map.
                for i in words {
                    let g = &glyphs[i];
                    out.glyph(self.codes.code(g.id));
                    out.adjust(adjust.after(i, g.id));
                }
                out.close_array();
                continue;
            }
            for c in clusters(self.run).filter(|c| words.contains(&c.start)) {
                let text = glyph_text(&self.line.text[glyphs[c.start].text.clone()], self.run.rtl);
                let plain =
                    c.len() == 1 && self.unicode.get(self.run.face, glyphs[c.start].id) == text;
                if !plain {
                    out.begin_span(&text);
                }
                for i in c.clone() {
                    let g: &Glyph = &glyphs[i];
                    let dy = g.dy * self.size;
                    if dy != rise {
                        rise = dy;
                        out.rise(dy);
                    }
                    out.glyph(self.codes.code(g.id));
                    out.adjust(adjust.after(i, g.id));
                }
                if !plain {
                    out.end_span();
                }
            }
            out.close_array();
        }
        if rise != 0.0 {
            out.rise(0.0);
        }
    }

    /// The adjustments of the glyphs `words`, drawn at `at`.
    fn adjust<'s>(&'s self, at: &'s [f32], words: &Range<usize>) -> Adjust<'s> {
        Adjust {
            face: self.face,
            at,
            end: words.end,
            carry: 0.0,
        }
    }

    /// The stretches of glyphs written with one text matrix, in reading
    /// order: the whole run, or each word of a right-to-left run (and each
    /// space between them), last on the page first.
    fn stretches(&self) -> Vec<Range<usize>> {
        let glyphs = &self.run.glyphs;
        if !self.run.rtl {
            return std::iter::once(0..glyphs.len()).collect();
        }
        let space = |g: &Glyph| self.line.text[g.text.clone()].trim().is_empty();
        let mut out: Vec<Range<usize>> = Vec::new();
        for (i, g) in glyphs.iter().enumerate() {
            match out.last_mut() {
                Some(r) if space(&glyphs[r.start]) == space(g) => r.end = i + 1,
                _ => out.push(i..i + 1),
            }
        }
        out.reverse();
        out
    }
}

/// The `TJ` adjustments of a stretch of glyphs written from one text
/// matrix.
///
/// In a `TJ` array a number after a glyph moves the next one left by that
/// many thousandths of an em, from where the font's `/W` width would put
/// it: the difference between that width and the shaper's advance
/// (kerning), plus the horizontal offsets of this glyph and the next.
/// Differences under two thousandths of an em (0.02 pt at 10 pt) are
/// carried to the next glyph instead of written: the `/W` widths are
/// whole thousandths, so without that a correction of one would follow
/// every few glyphs of plain text; with it a plain word is one string of
/// glyphs and the position is never off by more than that.
struct Adjust<'a> {
    face: &'a Face,
    /// Where each glyph of the run is drawn, in ems.
    at: &'a [f32],
    /// The end of the stretch: nothing is written after its last glyph.
    end: usize,
    carry: f32,
}

/// The largest difference, in thousandths of an em, carried instead of
/// written.
const CARRIED: f32 = 2.0;

impl Adjust<'_> {
    /// The adjustment after glyph `i` (glyph id `id`).
    fn after(&mut self, i: usize, id: u16) -> f32 {
        if i + 1 >= self.end {
            return 0.0;
        }
        self.carry += self.face.pdf_width(id) + 1000.0 * (self.at[i] - self.at[i + 1]);
        if self.carry.abs() < CARRIED {
            return 0.0;
        }
        let o = self.carry.round();
        self.carry -= o;
        o
    }
}

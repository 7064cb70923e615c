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

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use printpdf::{Codepoint, DictItem, Op, Pt, TextItem, TextMatrix};

use crate::embed::Cut;
use crate::fonts::{Face, FaceId};
use crate::shaping::{Glyph, GlyphRun, Shaped};

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
    /// The cut of the face the document embeds, if it does (glyph ids are
    /// written as the cut's).
    pub cut: Option<&'a Cut>,
    /// The document's glyph texts.
    pub unicode: &'a ToUnicode,
    /// Where the pen starts, in PDF points (y up).
    pub x: f32,
    /// The baseline, in PDF points (y up).
    pub baseline: f32,
    /// The font size.
    pub size: f32,
}

/// The state of the operations being written for one stretch of glyphs.
struct Writer<'o> {
    ops: &'o mut Vec<Op>,
    items: Vec<Codepoint>,
    rise: f32,
}

impl Writer<'_> {
    fn flush(&mut self) {
        if !self.items.is_empty() {
            self.ops.push(Op::ShowText {
                items: vec![TextItem::GlyphIds(std::mem::take(&mut self.items))],
            });
        }
    }

    fn raise(&mut self, dy: f32) {
        if dy != self.rise {
            self.flush();
            self.rise = dy;
            self.ops.push(Op::SetLineOffset { multiplier: dy });
        }
    }
}

impl Placed<'_> {
    /// Appends the run's operations: glyphs placed by [`Adjust`], a glyph
    /// raised or lowered (a mark over its base) under a text rise.
    pub(crate) fn ops(&self, ops: &mut Vec<Op>) {
        let glyphs = &self.run.glyphs;
        // Where each glyph is drawn, in ems from the pen's start.
        let mut at = Vec::with_capacity(glyphs.len());
        let mut pen = 0.0f32;
        for g in glyphs {
            at.push(pen + g.dx);
            pen += g.advance;
        }
        let mut w = Writer {
            ops,
            items: Vec::with_capacity(glyphs.len()),
            rise: 0.0,
        };
        for words in self.stretches() {
            let Some(first) = words.clone().next() else {
                continue;
            };
            w.ops.push(Op::SetTextMatrix {
                matrix: TextMatrix::Translate(
                    Pt(self.x + at[first] * self.size),
                    Pt(self.baseline),
                ),
            });
            if self.run.simple {
                self.simple_ops(&at, words, &mut w);
                continue;
            }
            let mut adjust = self.adjust(&at, &words);
            for c in clusters(self.run).filter(|c| words.contains(&c.start)) {
                let text = glyph_text(&self.line.text[glyphs[c.start].text.clone()], self.run.rtl);
                let plain =
                    c.len() == 1 && self.unicode.get(self.run.face, glyphs[c.start].id) == text;
                if !plain {
                    w.flush();
                    w.ops.push(actual_text(&text));
                }
                for i in c.clone() {
                    let g: &Glyph = &glyphs[i];
                    w.raise(g.dy * self.size);
                    w.items.push(Codepoint {
                        gid: self.cut.map_or(Some(g.id), |c| c.gid(g.id)).unwrap_or(0),
                        offset: adjust.after(i, g.id),
                        cid: Some(self.unicode.get(self.run.face, g.id).to_owned()),
                    });
                }
                if !plain {
                    w.flush();
                    w.ops.push(Op::EndMarkedContentWithProperties);
                }
            }
            w.flush();
        }
        w.raise(0.0);
    }

    /// The glyphs `words` of a [simple](GlyphRun::simple) run as text: one
    /// string of characters between kerning adjustments. printpdf maps the
    /// characters to their glyphs and back (ToUnicode), and writes each
    /// string as one run of codes: the cheapest way through it.
    fn simple_ops(&self, at: &[f32], words: Range<usize>, w: &mut Writer<'_>) {
        let glyphs = &self.run.glyphs;
        let mut items = Vec::new();
        let mut text = String::new();
        let mut adjust = self.adjust(at, &words);
        for i in words.clone() {
            let g = &glyphs[i];
            text.push_str(&self.line.text[g.text.clone()]);
            let o = adjust.after(i, g.id);
            if o != 0.0 {
                items.push(TextItem::Text(std::mem::take(&mut text)));
                items.push(TextItem::Offset(o));
            }
        }
        if !text.is_empty() {
            items.push(TextItem::Text(text));
        }
        w.ops.push(Op::ShowText { items });
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
/// Differences under a thousandth of an em are carried to the next glyph
/// instead of written, so plain text stays a plain list of glyphs.
struct Adjust<'a> {
    face: &'a Face,
    /// Where each glyph of the run is drawn, in ems.
    at: &'a [f32],
    /// The end of the stretch: nothing is written after its last glyph.
    end: usize,
    carry: f32,
}

impl Adjust<'_> {
    /// The adjustment after glyph `i` (glyph id `id`).
    fn after(&mut self, i: usize, id: u16) -> f32 {
        if i + 1 >= self.end {
            return 0.0;
        }
        self.carry += self.face.pdf_width(id) + 1000.0 * (self.at[i] - self.at[i + 1]);
        let o = self.carry.round();
        self.carry -= o;
        o
    }
}

/// `BDC` of a span whose text is `text` (UTF-16BE with a byte order mark).
fn actual_text(text: &str) -> Op {
    let mut data = vec![0xFE, 0xFF];
    for u in text.encode_utf16() {
        data.extend_from_slice(&u.to_be_bytes());
    }
    let map = BTreeMap::from([(
        "ActualText".to_owned(),
        DictItem::String {
            data,
            literal: false,
        },
    )]);
    Op::BeginMarkedContentWithProperties {
        tag: "Span".into(),
        properties: DictItem::Dict { map },
    }
}

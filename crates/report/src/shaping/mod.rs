//! Text shaping: a line of text to positioned glyphs, the way HarfBuzz
//! does it for browsers, Typst and LibreOffice.
//!
//! 1. Control characters become spaces; the Unicode bidirectional
//!    algorithm ([`unicode_bidi`]) splits the line into runs of one
//!    direction, in visual order (Arabic inside a Latin table cell, digits
//!    inside Arabic).
//! 2. [`itemize`] splits each run by script and by face: each character
//!    takes the first face of the fallback chain that has it, and marks,
//!    joiners and spaces stay with the face of the character before them.
//! 3. Each item is shaped by [`rustybuzz`] with the font's own features
//!    (kerning, ligatures, Arabic joining forms, Indic reordering).
//!
//! The result is a [`Shaped`] line: glyph runs in visual order (left to
//! right on the page), each glyph with its advance and offsets and, for
//! the first glyph of each cluster, the text it stands for (the PDF's
//! ToUnicode map gives it back to copy and paste). Shaping is cached per
//! thread and per distinct string ([`cached`]): a statement repeats the
//! same headers, SKUs and labels hundreds of times.

mod cache;
mod itemize;

use std::ops::Range;

use rustybuzz::UnicodeBuffer;
use unicode_bidi::{BidiInfo, Level};

use crate::fonts::{FaceId, FontSet};

pub(crate) use cache::cached;
pub(crate) use itemize::needs_layout_tables;

/// The direction of a paragraph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// From the first strong character (rules P2 and P3 of the bidi
    /// algorithm); left to right when there is none.
    Auto,
    /// Left to right.
    Ltr,
    /// Right to left.
    Rtl,
}

impl Direction {
    /// The direction of the paragraph `text`, from its first strong
    /// character.
    pub fn of(text: &str) -> Direction {
        match unicode_bidi::get_base_direction(text) {
            unicode_bidi::Direction::Rtl => Direction::Rtl,
            _ => Direction::Ltr,
        }
    }
}

/// One glyph. Lengths are in ems (multiply by the font size).
#[derive(Debug, Clone, PartialEq)]
pub struct Glyph {
    /// Glyph id in its face.
    pub id: u16,
    /// How far the pen moves after it.
    pub advance: f32,
    /// Horizontal offset from the pen (marks placed over a base).
    pub dx: f32,
    /// Vertical offset from the baseline, up.
    pub dy: f32,
    /// The bytes of [`Shaped::text`] of the glyph's cluster: the text it
    /// stands for together with the glyphs next to it that have the same
    /// range (a ligature stands for several characters, a Devanagari
    /// syllable is several glyphs).
    pub text: Range<usize>,
}

/// Glyphs drawn with one face, left to right.
#[derive(Debug, Clone, PartialEq)]
pub struct GlyphRun {
    /// The face.
    pub face: FaceId,
    /// The glyphs.
    pub glyphs: Vec<Glyph>,
    /// The sum of the advances, in ems.
    pub width: f32,
    /// Whether the text runs right to left (the glyphs are still in visual
    /// order, left to right).
    pub rtl: bool,
    /// Where its text starts in [`Shaped::text`]: runs drawn in this order
    /// are in reading order.
    pub start: usize,
}

/// A shaped line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Shaped {
    /// The text, control characters replaced by spaces.
    pub text: String,
    /// Glyph runs in visual order.
    pub runs: Vec<GlyphRun>,
    /// Total width in ems.
    pub width: f32,
    /// Characters no face has (drawn blank, no width).
    pub missing: Vec<char>,
    /// Whether the paragraph is right to left.
    pub rtl: bool,
}

/// Shapes `text` as one line, without the cache; `plan` gives the shaping
/// plan for a face, direction and script (cached by the caller).
pub(crate) fn shape(
    fonts: &FontSet,
    text: &str,
    bold: bool,
    direction: Direction,
    plans: &mut cache::Plans,
) -> Shaped {
    let text: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let level = match direction {
        Direction::Auto => None,
        Direction::Ltr => Some(Level::ltr()),
        Direction::Rtl => Some(Level::rtl()),
    };
    let bidi = BidiInfo::new(&text, level);
    let mut out = Shaped {
        rtl: bidi.paragraphs.first().is_some_and(|p| p.level.is_rtl()),
        ..Shaped::default()
    };
    let mut buffer = UnicodeBuffer::new();
    for para in &bidi.paragraphs {
        let (levels, runs) = bidi.visual_runs(para, para.range.clone());
        for run in runs {
            let rtl = levels[run.start].is_rtl();
            let items = itemize::items(fonts, &text, run, bold, &mut out.missing);
            let first = out.runs.len();
            for item in items {
                let (glyphs, back) = shape_item(fonts, &text, &item, rtl, plans, buffer);
                buffer = back;
                out.runs.push(glyphs);
            }
            if rtl {
                out.runs[first..].reverse();
            }
        }
    }
    out.runs.retain(|r| !r.glyphs.is_empty());
    out.width = out.runs.iter().map(|r| r.width).sum();
    out.text = text;
    out
}

/// Shapes one item; hands the buffer back for the next one.
fn shape_item(
    fonts: &FontSet,
    text: &str,
    item: &itemize::Item,
    rtl: bool,
    plans: &mut cache::Plans,
    mut buffer: UnicodeBuffer,
) -> (GlyphRun, UnicodeBuffer) {
    let face = &fonts.faces()[item.face];
    let range = item.range.clone();
    let s = &text[range.clone()];
    buffer.push_str(s);
    buffer.set_pre_context(&text[..range.start]);
    buffer.set_post_context(&text[range.end..]);
    buffer.set_direction(if rtl {
        rustybuzz::Direction::RightToLeft
    } else {
        rustybuzz::Direction::LeftToRight
    });
    buffer.guess_segment_properties();
    // Marks and other characters keep clusters of their own where the font
    // allows: fewer glyphs whose text depends on their neighbours.
    buffer.set_cluster_level(rustybuzz::BufferClusterLevel::MonotoneCharacters);
    let plan = plans.get(fonts, item.face, buffer.direction(), buffer.script());
    let out = rustybuzz::shape_with_plan(face.shaping(), plan, buffer);
    let scale = face.upem();
    // Where each cluster ends: the next cluster's start, in logical order.
    let mut starts: Vec<usize> = out
        .glyph_infos()
        .iter()
        .map(|g| g.cluster as usize)
        .collect();
    starts.sort_unstable();
    starts.dedup();
    let mut run = GlyphRun {
        face: item.face,
        glyphs: Vec::with_capacity(out.len()),
        width: 0.0,
        rtl,
        start: range.start,
    };
    for (info, pos) in out.glyph_infos().iter().zip(out.glyph_positions()) {
        let Ok(id) = u16::try_from(info.glyph_id) else {
            continue;
        };
        if id == 0 {
            // No face has the character: drawn blank, as reported.
            continue;
        }
        let cluster = info.cluster as usize;
        let k = starts.partition_point(|&c| c < cluster);
        let end = starts.get(k + 1).copied().unwrap_or(s.len());
        let text = range.start + cluster..range.start + end;
        let advance = pos.x_advance as f32 / scale;
        run.width += advance;
        run.glyphs.push(Glyph {
            id,
            advance,
            dx: pos.x_offset as f32 / scale,
            dy: pos.y_offset as f32 / scale,
            text,
        });
    }
    (run, out.clear())
}

#[cfg(test)]
mod tests;

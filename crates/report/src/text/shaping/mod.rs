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
mod words;

use std::ops::Range;

use rustybuzz::UnicodeBuffer;
use unicode_bidi::{BidiInfo, Level};

use crate::text::fonts::{FaceId, FontSet};

pub(crate) use cache::cached;
pub(crate) use itemize::needs_layout_tables;
pub(crate) use words::stand_apart as words_stand_apart;

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
        if text.is_ascii() {
            return Direction::Ltr;
        }
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
    /// Whether each glyph is the font's own glyph for the one character it
    /// stands for, without offsets (Latin, CJK, Hebrew without points): the
    /// run can then be written as text, kerning as adjustments.
    pub simple: bool,
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
    let text: String = if text.chars().any(char::is_control) {
        text.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect()
    } else {
        text.to_owned()
    };
    let mut out = Shaped::default();
    if direction != Direction::Rtl
        && let Some(run) = context_free_run(fonts, &text, bold)
    {
        out.runs.push(run);
        return finish(out, text);
    }
    // The runs of one direction, in visual order.
    let runs: Vec<(Range<usize>, bool)> =
        if direction != Direction::Rtl && !text.chars().any(may_be_rtl) {
            // Nothing to reorder: one left-to-right run (most table cells).
            vec![(0..text.len(), false)]
        } else {
            let level = match direction {
                Direction::Auto => None,
                Direction::Ltr => Some(Level::ltr()),
                Direction::Rtl => Some(Level::rtl()),
            };
            let bidi = BidiInfo::new(&text, level);
            out.rtl = bidi.paragraphs.first().is_some_and(|p| p.level.is_rtl());
            let mut runs = Vec::new();
            for para in &bidi.paragraphs {
                let (levels, visual) = bidi.visual_runs(para, para.range.clone());
                runs.extend(visual.into_iter().map(|r| {
                    let rtl = levels[r.start].is_rtl();
                    (r, rtl)
                }));
            }
            runs
        };
    let mut buffer = UnicodeBuffer::new();
    for (run, rtl) in runs {
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
    finish(out, text)
}

/// `out` with its text, without empty runs, and with its width.
fn finish(mut out: Shaped, text: String) -> Shaped {
    out.runs.retain(|r| !r.glyphs.is_empty());
    out.width = out.runs.iter().map(|r| r.width).sum();
    out.text = text;
    out
}

/// `text` laid out glyph by glyph when every character of it shapes
/// context-free in the primary face ([`Face::context_free`]): what the
/// shaper would give, without running it.
///
/// [`Face::context_free`]: crate::text::fonts::Face::context_free
fn context_free_run(fonts: &FontSet, text: &str, bold: bool) -> Option<GlyphRun> {
    let face_id = FontSet::primary(bold);
    let face = &fonts.faces()[face_id];
    let free = face.context_free();
    if text.is_empty() || !text.bytes().all(|b| b < 128 && free & 1 << b != 0) {
        return None;
    }
    let mut run = GlyphRun {
        face: face_id,
        glyphs: Vec::with_capacity(text.len()),
        width: 0.0,
        rtl: false,
        start: 0,
        simple: true,
    };
    for (i, c) in text.char_indices() {
        let id = face.glyph(c)?;
        let advance = face.advance(id);
        run.width += advance;
        run.glyphs.push(Glyph {
            id,
            advance,
            dx: 0.0,
            dy: 0.0,
            text: i..i + 1,
        });
    }
    Some(run)
}

/// The ASCII characters that shape context-free in `face` (see
/// [`Face::context_free`]).
///
/// [`Face::context_free`]: crate::text::fonts::Face::context_free
pub(crate) fn context_free(face: &crate::text::fonts::Face) -> u128 {
    const CANDIDATES: &str = "0123456789 .,-+/:%$#()";
    let rb = face.shaping();
    let mut plans = cache::Plans::default();
    let mut plain = |s: &str| -> bool {
        let mut buffer = UnicodeBuffer::new();
        buffer.push_str(s);
        buffer.set_direction(rustybuzz::Direction::LeftToRight);
        buffer.guess_segment_properties();
        let plan = plans.get_for(rb, buffer.direction(), buffer.script());
        let out = rustybuzz::shape_with_plan(rb, plan, buffer);
        out.len() == s.len()
            && s.chars()
                .zip(out.glyph_infos().iter().zip(out.glyph_positions()))
                .all(|(c, (info, pos))| {
                    let id = face.glyph(c);
                    id.is_some_and(|id| u32::from(id) == info.glyph_id)
                        && id.is_some_and(|id| pos.x_advance == i32::from(face.advance_units(id)))
                        && pos.x_offset == 0
                        && pos.y_offset == 0
                        && pos.y_advance == 0
                })
    };
    let mut set: Vec<char> = CANDIDATES
        .chars()
        .filter(|c| plain(&c.to_string()))
        .collect();
    // Leave out every character of a pair or triple that does not shape
    // plainly, until none is left.
    'again: loop {
        for &a in &set {
            for &b in &set {
                let pair: String = [a, b].into_iter().collect();
                let bad = if plain(&pair) {
                    set.iter()
                        .find(|&&c| !plain(&format!("{pair}{c}")))
                        .map(|&c| vec![a, b, c])
                } else {
                    Some(vec![a, b])
                };
                if let Some(bad) = bad {
                    set.retain(|c| !bad.contains(c));
                    continue 'again;
                }
            }
        }
        break;
    }
    set.iter().fold(0u128, |m, &c| m | 1 << (c as u32))
}

/// Whether `c` can start or change a right-to-left run: a letter of a
/// right-to-left script, or a bidi control. Cheaper than the bidi
/// algorithm, which a line without any of them does not need.
fn may_be_rtl(c: char) -> bool {
    matches!(
        u32::from(c),
        0x0590..=0x08FF
            | 0x200E..=0x200F
            | 0x202A..=0x202E
            | 0x2066..=0x2069
            | 0xFB1D..=0xFDFF
            | 0xFE70..=0xFEFF
            | 0x1_0800..=0x1_0FFF
            | 0x1_E800..=0x1_EFFF
    )
}

/// A glyph as the shaper gives it, in font units; `cluster` is the byte
/// offset of its cluster in the item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawGlyph {
    pub(crate) id: u32,
    pub(crate) x_advance: i32,
    pub(crate) x_offset: i32,
    pub(crate) y_offset: i32,
    pub(crate) cluster: u32,
}

/// Sets `buffer` up to shape `s` (a part of a line) in `direction`, with
/// clusters kept apart where the font allows: marks and other characters
/// keep clusters of their own, so fewer glyphs' text depends on their
/// neighbours.
pub(crate) fn prepare_buffer(buffer: &mut UnicodeBuffer, s: &str, rtl: bool) {
    buffer.push_str(s);
    buffer.set_direction(if rtl {
        rustybuzz::Direction::RightToLeft
    } else {
        rustybuzz::Direction::LeftToRight
    });
    buffer.guess_segment_properties();
    buffer.set_cluster_level(rustybuzz::BufferClusterLevel::MonotoneCharacters);
}

/// Shapes `buffer` (made by [`prepare_buffer`]) with face `face` of
/// `fonts`; appends the glyphs to `out`, clusters moved by `offset`.
pub(crate) fn run_shaper(
    fonts: &FontSet,
    face: FaceId,
    plans: &mut cache::Plans,
    buffer: UnicodeBuffer,
    offset: u32,
    out: &mut Vec<RawGlyph>,
) -> UnicodeBuffer {
    let plan = plans.get(fonts, face, buffer.direction(), buffer.script());
    let shaped = rustybuzz::shape_with_plan(fonts.faces()[face].shaping(), plan, buffer);
    out.extend(
        shaped
            .glyph_infos()
            .iter()
            .zip(shaped.glyph_positions())
            .map(|(info, pos)| RawGlyph {
                id: info.glyph_id,
                x_advance: pos.x_advance,
                x_offset: pos.x_offset,
                y_offset: pos.y_offset,
                cluster: info.cluster + offset,
            }),
    );
    shaped.clear()
}

/// Shapes one item; hands the buffer back for the next one. A
/// left-to-right item of a face whose spaces stand apart
/// ([`words`]) is shaped word by word, each word from the cache.
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
    let mut raw = Vec::with_capacity(s.len());
    if !rtl && face.spaces_stand_apart() && s.contains(' ') {
        buffer = words::shape(fonts, item.face, s, plans, buffer, &mut raw);
    } else {
        prepare_buffer(&mut buffer, s, rtl);
        buffer.set_pre_context(&text[..range.start]);
        buffer.set_post_context(&text[range.end..]);
        buffer = run_shaper(fonts, item.face, plans, buffer, 0, &mut raw);
    }
    (glyph_run(fonts, item, s, rtl, &raw), buffer)
}

/// The glyph run of `item` (its text `s`) from the shaper's glyphs.
fn glyph_run(
    fonts: &FontSet,
    item: &itemize::Item,
    s: &str,
    rtl: bool,
    raw: &[RawGlyph],
) -> GlyphRun {
    let face = &fonts.faces()[item.face];
    let range = item.range.clone();
    let scale = face.upem();
    // Where each cluster ends: the next cluster's start, in logical order.
    let mut starts: Vec<usize> = raw.iter().map(|g| g.cluster as usize).collect();
    starts.sort_unstable();
    starts.dedup();
    let mut run = GlyphRun {
        face: item.face,
        glyphs: Vec::with_capacity(raw.len()),
        width: 0.0,
        rtl,
        start: range.start,
        simple: true,
    };
    for g in raw {
        let Ok(id) = u16::try_from(g.id) else {
            continue;
        };
        if id == 0 {
            // No face has the character: drawn blank, as reported.
            continue;
        }
        let cluster = g.cluster as usize;
        let k = starts.partition_point(|&c| c < cluster);
        let end = starts.get(k + 1).copied().unwrap_or(s.len());
        let text = range.start + cluster..range.start + end;
        if run.simple {
            let mut chars = s[cluster..end].chars();
            run.simple = match (chars.next(), chars.next()) {
                (Some(c), None) => g.x_offset == 0 && g.y_offset == 0 && face.glyph(c) == Some(id),
                _ => false,
            };
        }
        let advance = g.x_advance as f32 / scale;
        run.width += advance;
        run.glyphs.push(Glyph {
            id,
            advance,
            dx: g.x_offset as f32 / scale,
            dy: g.y_offset as f32 / scale,
            text,
        });
    }
    run
}

#[cfg(test)]
mod tests;

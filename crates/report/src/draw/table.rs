//! The table as drawn: its columns' edges (from [`super::fit`]), its
//! cells cut into lines, its heading row.

use crate::canvas::{Anchor, BLACK, Canvas};
use crate::fonts::{FontSet, wrap};
use crate::layout::Align;
use crate::shaping::Direction;

use super::{HEADER_FILL, warn};

/// Padding inside a cell, each side.
pub(super) const PAD: f32 = 3.0;

/// The room between the totals label and the first total.
pub(super) const LABEL_GAP: f32 = 10.0;

/// The table as drawn: column edges, alignment, size and row heights.
#[derive(Debug)]
pub(super) struct Table {
    /// Each column's left and right edge.
    pub(super) xs: Vec<(f32, f32)>,
    pub(super) aligns: Vec<Align>,
    /// Whether each column's values stay on one line.
    pub(super) keep: Vec<bool>,
    /// Each heading, in lines that fit its column.
    pub(super) headings: Vec<Vec<String>>,
    /// The type size of the whole table.
    pub(super) size: f32,
    pub(super) row_h: f32,
    pub(super) line_h: f32,
    /// The height of the heading row.
    pub(super) header_h: f32,
    pub(super) left: f32,
    pub(super) right: f32,
}

impl Table {
    /// The lines of cell `k` holding `text`, and the direction of its
    /// paragraph (every line is drawn in it). A value that must stay on
    /// one line does, however long.
    pub(super) fn cell_lines(
        &self,
        fonts: &FontSet,
        k: usize,
        text: &str,
    ) -> (Vec<String>, Direction) {
        let (l, r) = self.xs[k];
        let max = (r - l - 2.0 * PAD) / self.size;
        let dir = Direction::of(text);
        let fits =
            self.keep[k] || !text.contains('\n') && fonts.shape(text, false, dir).width <= max;
        if fits {
            return (vec![text.to_owned()], dir);
        }
        (wrap(fonts, text, false, max), dir)
    }

    /// Draws a line of cell `k` in its paragraph direction `dir`. A left
    /// aligned (text) column starts right-to-left text at its right edge,
    /// where a reader of Arabic or Hebrew starts.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn text_at(
        &self,
        cv: &mut Canvas<'_>,
        k: usize,
        baseline: f32,
        bold: bool,
        text: &str,
        dir: Direction,
    ) -> Vec<char> {
        let (l, r) = self.xs[k];
        let (x, a) = match self.aligns[k] {
            Align::Left if dir == Direction::Rtl => (r - PAD, Anchor::Right),
            Align::Left => (l + PAD, Anchor::Left),
            Align::Right => (r - PAD, Anchor::Right),
            Align::Center => ((l + r) / 2.0, Anchor::Center),
        };
        cv.text(x, baseline, self.size, bold, a, text, dir, BLACK)
    }

    /// The heading row at `top`; returns its bottom.
    pub(super) fn header(
        &self,
        cv: &mut Canvas<'_>,
        top: f32,
        warnings: &mut super::Warnings,
        line: u64,
    ) -> f32 {
        cv.rect(
            self.left,
            top,
            self.right - self.left,
            self.header_h,
            HEADER_FILL,
        );
        for (k, lines) in self.headings.iter().enumerate() {
            for (j, heading) in lines.iter().enumerate() {
                let dir = Direction::of(heading);
                let base = top + self.size + 3.0 + j as f32 * self.line_h;
                let m = self.text_at(cv, k, base, true, heading, dir);
                warn(warnings, line, m);
            }
        }
        top + self.header_h
    }
}

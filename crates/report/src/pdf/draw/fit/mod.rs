//! The table's columns across the page: how wide each is and at what size
//! the table is set, so that no number, date or code is ever broken across
//! lines and no total runs into another.
//!
//! Each column starts with its share of the page (the layout's relative
//! widths). A column whose values must stay on one line (numbers, dates,
//! `wrap = false`) needs the width of its widest value or total; text
//! columns can wrap down to a few characters. When a column's share is
//! less than it needs, it gets what it needs and the others give it up in
//! proportion to their shares; when the columns cannot all have what they
//! need, the table is set in smaller type (down to three fifths of the
//! layout's size); when even that is not enough, codes may wrap after all,
//! and then the group fails with a message that says what does not fit. A table whose columns fit their
//! shares is drawn exactly as the layout says.
use crate::error::ReportError;
use crate::layout::{Align, CellFormat, Layout};
use crate::prepare::{Prepared, Rows};
use crate::text::fonts::FontSet;
use crate::text::shaping::Direction;
use crate::text::wrap::wrap;

use super::table::{LABEL_GAP, PAD, Table};
use super::total_text;

/// What a text column that wraps needs at least: about three characters.
const TEXT_FLOOR_EMS: f32 = 2.0;

/// What a column needs, at type size `s`: `units * s + points`.
#[derive(Debug, Clone, Copy)]
struct Need {
    units: f32,
    points: f32,
    /// What sets it, for the message when nothing fits.
    widest: Option<usize>,
}

impl Need {
    fn at(&self, s: f32) -> f32 {
        self.units * s + self.points
    }
}

/// The widths at type size `size`: each column's share of `avail`
/// (`weights`) when that is enough for all, else the columns short of
/// what they need given it and the rest shared among the others; `None`
/// when the needs alone are more than `avail`.
fn widths_at(weights: &[f32], needs: &[Need], size: f32, avail: f32) -> Option<Vec<f32>> {
    let total: f32 = weights.iter().sum::<f32>().max(f32::EPSILON);
    let share: Vec<f32> = weights.iter().map(|w| w / total * avail).collect();
    let need: Vec<f32> = needs.iter().map(|n| n.at(size)).collect();
    if share.iter().zip(&need).all(|(s, n)| s >= n) {
        return Some(share);
    }
    let mut fixed: Vec<bool> = share.iter().zip(&need).map(|(s, n)| s < n).collect();
    loop {
        let used: f32 = (0..need.len()).filter(|&k| fixed[k]).map(|k| need[k]).sum();
        let rest = avail - used;
        if rest < -0.01 {
            return None;
        }
        let free: f32 = (0..need.len())
            .filter(|&k| !fixed[k])
            .map(|k| weights[k])
            .sum();
        if free <= 0.0 {
            // Every column at what it needs; what is left goes by share.
            return Some(
                need.iter()
                    .zip(weights)
                    .map(|(n, w)| n + rest.max(0.0) * w / total)
                    .collect(),
            );
        }
        let mut more = false;
        for k in 0..need.len() {
            if !fixed[k] && rest * weights[k] / free < need[k] {
                fixed[k] = true;
                more = true;
            }
        }
        if !more {
            return Some(
                (0..need.len())
                    .map(|k| {
                        if fixed[k] {
                            need[k]
                        } else {
                            rest * weights[k] / free
                        }
                    })
                    .collect(),
            );
        }
    }
}

/// The widest cell (regular type) of each column of `layout` that may
/// have to stay on one line, and its width at size 1, in one pass over
/// the rows.
///
/// # Errors
///
/// A row that cannot be read back.
pub(crate) fn widest_cells(
    layout: &Layout,
    fonts: &FontSet,
    rows: &dyn Rows,
) -> Result<Vec<(f32, Option<String>)>, ReportError> {
    let cols = &layout.columns;
    let mut widest = vec![(0.0f32, None); cols.len()];
    // The columns `fit` may keep on one line; the others it never measures.
    let measured: Vec<bool> = cols
        .iter()
        .map(|c| c.keeps_lines() || c.is_numeric() || c.format == CellFormat::Date)
        .collect();
    rows.each(&mut |row| {
        for ((cell, w), _) in row
            .cells
            .iter()
            .zip(&mut widest)
            .zip(&measured)
            .filter(|(_, m)| **m)
        {
            let width = fonts.shape(cell, false, Direction::of(cell)).width;
            if width > w.0 {
                *w = (width, Some(cell.clone()));
            }
        }
        Ok(())
    })?;
    Ok(widest)
}

/// The totals row's texts, at size 1: each total with its column, and the
/// label.
struct TotalsRow {
    /// (column, width, text), left to right.
    totals: Vec<(usize, f32, String)>,
    label: f32,
}

impl TotalsRow {
    fn new(layout: &Layout, fonts: &FontSet, data: &Prepared) -> TotalsRow {
        let totals = data
            .totals
            .iter()
            .enumerate()
            .filter_map(|(k, t)| {
                let s = total_text(layout, k, (*t)?);
                Some((k, fonts.width(&s, true), s))
            })
            .collect();
        TotalsRow {
            totals,
            label: fonts.width(&layout.totals.label, true),
        }
    }

    /// Where the row does not fit the columns `xs` at `size`: the column
    /// that needs more room and how much. A right-aligned total may reach
    /// left into the columns before it, up to the total before it or the
    /// label; the label needs room before the first total and in the
    /// columns up to the one before it. (Totals aligned otherwise, and
    /// cells, are held to their own column by its need.)
    fn short(&self, xs: &[(f32, f32)], aligns: &[Align], size: f32) -> Option<(usize, f32)> {
        let left = xs.first().map_or(0.0, |x| x.0);
        let label = self.label * size;
        let mut prev: Option<usize> = None;
        for &(k, w, _) in &self.totals {
            let fw = w * size;
            if aligns[k] == Align::Right {
                let (start, room) = match prev {
                    Some(p) => (xs[p].1, fw + 2.0 * PAD),
                    None => (left, fw + 2.0 * PAD + LABEL_GAP + label),
                };
                let missing = room - (xs[k].1 - start);
                if missing > 0.005 {
                    return Some((k, missing));
                }
            }
            if prev.is_none() && k > 0 {
                let missing = label + LABEL_GAP + PAD - (xs[k - 1].1 - left);
                if missing > 0.005 {
                    return Some((k - 1, missing));
                }
            }
            prev = Some(k);
        }
        None
    }
}

/// Lays the layout's columns out between `left` and `right`.
///
/// # Errors
///
/// [`ReportError::TooWide`] when the values that must stay on one line
/// do not fit across the page even in the smallest type allowed.
pub(super) fn fit(
    layout: &Layout,
    fonts: &FontSet,
    data: &Prepared,
    widest: &[(f32, Option<String>)],
    left: f32,
    right: f32,
) -> Result<Table, ReportError> {
    let keep: Vec<bool> = layout.columns.iter().map(|c| c.keeps_lines()).collect();
    fit_keeping(layout, fonts, data, widest, left, right, keep).or_else(|e| {
        // Codes (`wrap = false`) wrap after all rather than fail the
        // report; numbers and dates never do.
        let strict: Vec<bool> = layout
            .columns
            .iter()
            .map(|c| c.is_numeric() || c.format == CellFormat::Date)
            .collect();
        if strict
            .iter()
            .zip(&layout.columns)
            .all(|(s, c)| *s == c.keeps_lines())
        {
            return Err(e);
        }
        fit_keeping(layout, fonts, data, widest, left, right, strict).map_err(|_| e)
    })
}

/// [`fit`] with the columns whose values stay on one line given.
fn fit_keeping(
    layout: &Layout,
    fonts: &FontSet,
    data: &Prepared,
    widest: &[(f32, Option<String>)],
    left: f32,
    right: f32,
    keep: Vec<bool>,
) -> Result<Table, ReportError> {
    let avail = right - left;
    let cols = &layout.columns;
    let aligns: Vec<Align> = cols.iter().map(|c| c.alignment()).collect();
    let totals = TotalsRow::new(layout, fonts, data);
    let mut widest_text = vec![None; cols.len()];
    let mut needs: Vec<Need> = (0..cols.len())
        .map(|k| {
            if keep[k] {
                let (w, text) = widest[k].clone();
                widest_text[k] = text;
                Need {
                    units: w,
                    points: 2.0 * PAD,
                    widest: Some(k),
                }
            } else {
                Need {
                    units: TEXT_FLOOR_EMS,
                    points: 2.0 * PAD,
                    widest: None,
                }
            }
        })
        .collect();
    // A total not aligned right stays in its column; in the first column
    // it shares it with the label.
    for &(k, w, ref text) in &totals.totals {
        let (units, points) = match (k, aligns[k]) {
            (_, Align::Right) => continue,
            (0, _) => (w + totals.label, 2.0 * PAD + LABEL_GAP),
            _ => (w, 2.0 * PAD),
        };
        let n = &mut needs[k];
        if units > n.units {
            n.units = units;
            n.widest = Some(k);
            widest_text[k] = Some(text.clone());
        }
        n.points = n.points.max(points);
    }
    let weights: Vec<f32> = cols.iter().map(|c| c.width).collect();
    let size0 = layout.font_size;
    let min_size = size0.min((size0 * 0.6).max(5.0));
    // The largest size at which the needs add up to the page, to start
    // from when the layout's size is too large.
    let units: f32 = needs.iter().map(|n| n.units).sum();
    let points: f32 = needs.iter().map(|n| n.points).sum();
    let largest = ((avail - points) / units.max(f32::EPSILON) * 10.0).floor() / 10.0;
    let mut sizes = std::iter::once(size0).chain(
        (0..)
            .map(|i| largest.min(size0 - 0.1) - i as f32 * 0.1)
            .take_while(|&s| s >= min_size - 1e-4),
    );
    let (size, widths) = loop {
        let Some(size) = sizes.next() else {
            return Err(too_wide(layout, &needs, &widest_text, min_size, avail));
        };
        if let Some(w) = widths_with_totals(&weights, &needs, &totals, &aligns, size, left, avail) {
            break (size, w);
        }
    };
    let mut xs = Vec::with_capacity(widths.len());
    let mut x = left;
    for w in widths {
        xs.push((x, x + w));
        x += w;
    }
    let row_h = size + 7.0;
    let line_h = size * 1.3;
    let headings: Vec<Vec<String>> = cols
        .iter()
        .zip(&xs)
        .map(|(c, (l, r))| {
            let h = c.heading();
            let max = (r - l - 2.0 * PAD) / size;
            if fonts.width(h, true) <= max || h.is_empty() {
                vec![h.to_owned()]
            } else {
                wrap(fonts, h, true, max)
            }
        })
        .collect();
    let lines = headings.iter().map(Vec::len).max().unwrap_or(1).max(1);
    Ok(Table {
        xs,
        aligns,
        keep,
        headings,
        size,
        row_h,
        line_h,
        header_h: row_h + (lines - 1) as f32 * line_h,
        left,
        right,
    })
}

/// The widths at `size` ([`widths_at`]) with room for the totals row: a
/// column the row is short of in them needs that much more, until the
/// row fits or the needs are more than the page.
fn widths_with_totals(
    weights: &[f32],
    needs: &[Need],
    totals: &TotalsRow,
    aligns: &[Align],
    size: f32,
    left: f32,
    avail: f32,
) -> Option<Vec<f32>> {
    let mut needs = needs.to_vec();
    for _ in 0..=2 * needs.len() + 2 {
        let widths = widths_at(weights, &needs, size, avail)?;
        let mut xs = Vec::with_capacity(widths.len());
        let mut x = left;
        for w in &widths {
            xs.push((x, x + w));
            x += w;
        }
        match totals.short(&xs, aligns, size) {
            None => return Some(widths),
            Some((k, missing)) => {
                let n = &mut needs[k];
                n.points = (widths[k] + missing - n.units * size).max(n.points);
            }
        }
    }
    None
}

/// The message for a table that does not fit: what the values that
/// must stay on one line need, against what the page has.
fn too_wide(
    layout: &Layout,
    needs: &[Need],
    widest: &[Option<String>],
    size: f32,
    avail: f32,
) -> ReportError {
    let total: f32 = needs.iter().map(|n| n.at(size)).sum();
    let mut worst: Vec<(f32, usize)> = needs
        .iter()
        .enumerate()
        .filter(|(_, n)| n.widest.is_some())
        .map(|(k, n)| (n.at(size), k))
        .collect();
    worst.sort_by(|a, b| b.0.total_cmp(&a.0));
    let examples: Vec<String> = worst
        .iter()
        .take(3)
        .map(|&(w, k)| {
            let v = widest[k].as_deref().unwrap_or_default();
            format!("{:?} {w:.0} pt for {v:?}", layout.columns[k].field)
        })
        .collect();
    ReportError::TooWide(format!(
        "the table does not fit across the page: its {} columns need {total:.0} pt in {size:.1}-point type \
         and the page has {avail:.0} pt between the margins (widest: {}); make the page landscape, \
         larger or its margins smaller, or show fewer columns",
        layout.columns.len(),
        examples.join(", ")
    ))
}

#[cfg(test)]
mod tests;

//! The bar chart above the table: one bar per month or category, its value
//! above it (below it when negative, under a zero line), its label under
//! the axis. Month labels and values that would overlap are thinned to
//! every second, third ... bar; a category's label wraps to two lines
//! under its bar and is cut there if it is longer.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::layout::ChartBy;
use crate::pdf::canvas::{Anchor, BLACK};
use crate::text::shaping::Direction;
use crate::text::wrap::{clip, wrap_at_most};

use super::{BAR_FILL, Drawer, GREY};

/// Size of the bar labels and of the values above the bars.
const LABEL_SIZE: f32 = 7.0;
const VALUE_SIZE: f32 = 6.0;

/// Room left between two labels.
const LABEL_GAP: f32 = 2.0;

/// A value as the chart writes it above its bar: `12k`, `1.5M`.
fn compact(v: Decimal) -> String {
    let f = v.to_f64().unwrap_or(0.0);
    if f.abs() >= 1e6 {
        format!("{:.1}M", f / 1e6)
    } else if f.abs() >= 1e3 {
        format!("{:.0}k", f / 1e3)
    } else {
        format!("{f:.0}")
    }
}

/// Every how many bars a label of the widest `widest` points is drawn,
/// with bars `bw` points apart: 1 when every label fits its bar.
fn every(widest: f32, bw: f32) -> usize {
    if widest + LABEL_GAP <= bw || bw <= 0.0 {
        1
    } else {
        ((widest + LABEL_GAP) / bw).ceil() as usize
    }
}

impl Drawer<'_, '_> {
    /// The bar chart below `y`, when the layout has one and there are bars.
    /// Returns where the table starts.
    pub(super) fn chart(&mut self, y: f32) -> f32 {
        let (Some(ch), Some(bars)) = (&self.layout.chart, &self.data.bars) else {
            return y + 16.0;
        };
        if bars.is_empty() {
            return y + 16.0;
        }
        // Below a title and header lines that took the page, the chart
        // starts the next one (the layout is refused unless a chart fits
        // on a page).
        let y = if y + 53.0 + ch.height > self.bottom() {
            self.next_page();
            self.mt
        } else {
            y
        };
        let (ml, fonts) = (self.ml, self.fonts);
        let ty = y + 17.0;
        let title = clip(fonts, &ch.title, true, (self.w - ml - self.mr) / 11.0);
        self.group_text(ml, ty, 11.0, true, Anchor::Left, &title, BLACK);
        let (cx, cy, cw, chh) = (ml + 30.0, ty + 3.0, self.w - ml - self.mr - 30.0, ch.height);
        self.cv
            .line(cx, cy + chh + 5.0, cx + cw, cy + chh + 5.0, 0.5, GREY);
        let max = bars
            .iter()
            .map(|b| b.1)
            .max()
            .unwrap_or(Decimal::ONE)
            .max(Decimal::ONE);
        let min = bars
            .iter()
            .map(|b| b.1)
            .min()
            .unwrap_or(Decimal::ZERO)
            .min(Decimal::ZERO);
        // All values at or above zero: the bars stand on the bottom of the
        // plot. With negatives, on a zero line, the plot leaving room
        // under the lowest bar for its value.
        let (maxf, minf) = (max.to_f64().unwrap_or(1.0), min.to_f64().unwrap_or(0.0));
        let span = maxf - minf;
        let plot = if min.is_zero() {
            chh - 15.0
        } else {
            chh - 25.0
        };
        let zero = cy + 15.0 + (f64::from(plot) * maxf / span) as f32;
        if !min.is_zero() {
            self.cv.line(cx, zero, cx + cw, zero, 0.5, GREY);
        }
        let bw = cw / bars.len() as f32;
        let values: Vec<String> = bars.iter().map(|b| compact(b.1)).collect();
        let widest = |texts: &mut dyn Iterator<Item = &str>, size: f32| {
            texts
                .map(|t| fonts.width(t, false) * size)
                .fold(0.0, f32::max)
        };
        let label_every = match ch.by {
            ChartBy::Month => every(
                widest(&mut bars.iter().map(|b| b.0.as_str()), LABEL_SIZE),
                bw,
            ),
            ChartBy::Category => 1,
        };
        let value_every = every(
            widest(&mut values.iter().map(String::as_str), VALUE_SIZE),
            bw,
        );
        // A label gets the room of the bars it stands for, inside the
        // chart, and never runs into the one before it.
        let room = (label_every as f32 * bw - LABEL_GAP) / LABEL_SIZE;
        let (left, right) = (ml, cx + cw);
        let mut after = f32::MIN;
        for (i, ((label, v), value)) in bars.iter().zip(&values).enumerate() {
            let frac = (v.to_f64().unwrap_or(0.0) / span) as f32;
            let bh = frac.abs() * plot;
            let x = cx + i as f32 * bw + bw * 0.1;
            let mid = x + bw * 0.4;
            let negative = v.is_sign_negative() && !v.is_zero();
            let top = if min.is_zero() {
                let bh = (v.to_f64().unwrap_or(0.0) / maxf).clamp(0.0, 1.0) as f32 * plot;
                self.cv.rect(x, cy + chh - bh, bw * 0.8, bh, BAR_FILL);
                cy + chh - bh
            } else if negative {
                self.cv.rect(x, zero, bw * 0.8, bh, BAR_FILL);
                zero
            } else {
                self.cv.rect(x, zero - bh, bw * 0.8, bh, BAR_FILL);
                zero - bh
            };
            if i % label_every == 0 {
                let lines = match ch.by {
                    ChartBy::Month => vec![clip(fonts, label, false, room)],
                    ChartBy::Category => wrap_at_most(fonts, label, false, room, 2),
                };
                let half = lines
                    .iter()
                    .map(|l| fonts.width(l, false) * LABEL_SIZE / 2.0)
                    .fold(0.0, f32::max);
                let at = mid.clamp(left + half, (right - half).max(left + half));
                if at - half >= after + LABEL_GAP {
                    for (j, line) in lines.iter().enumerate() {
                        let base = cy + chh + 14.0 + j as f32 * (LABEL_SIZE + 1.5);
                        self.group_text(at, base, LABEL_SIZE, false, Anchor::Center, line, BLACK);
                    }
                    after = at + half;
                }
            }
            if i % value_every == 0 {
                let base = if negative {
                    zero + bh + VALUE_SIZE + 1.0
                } else {
                    top - 2.0
                };
                let dir = Direction::Auto;
                let size = VALUE_SIZE;
                self.cv
                    .text(mid, base, size, false, Anchor::Center, value, dir, BLACK);
            }
        }
        cy + chh + 33.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_thinned_to_what_fits() {
        assert_eq!(every(10.0, 40.0), 1);
        assert_eq!(every(38.0, 40.0), 1);
        assert_eq!(every(39.0, 40.0), 2);
        assert_eq!(every(25.0, 4.0), 7);
        assert_eq!(compact(Decimal::from(-12_345)), "-12k");
        assert_eq!(compact(Decimal::from(1_500_000)), "1.5M");
    }
}

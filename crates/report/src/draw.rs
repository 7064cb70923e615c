//! Draws one report: title, header lines, optional bar chart, the table
//! across pages (repeated header, "(continued)", wrapped cells, zebra rows,
//! right-aligned numbers), the totals row (never alone at the top of a
//! page) and "Page i of n" footers.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::canvas::{Anchor, BLACK, Canvas, Rgb};
use crate::fonts::{FontSet, wrap};
use crate::format::format_number;
use crate::layout::{Align, Layout};
use crate::logo::LogoImage;
use crate::prepare::Prepared;

const HEADER_FILL: Rgb = Rgb(0.85, 0.88, 0.95);
const ZEBRA_FILL: Rgb = Rgb(0.95, 0.95, 0.95);
const BAR_FILL: Rgb = Rgb(0.27, 0.45, 0.75);
const GREY: Rgb = Rgb(0.3, 0.3, 0.3);
const PAD: f32 = 3.0;
const MAX_LINES: usize = 40;

/// The texts of a report that come from its group.
#[derive(Debug, Clone, Default)]
pub struct Texts {
    /// Title.
    pub title: String,
    /// Header lines (label, value).
    pub header: Vec<(String, String)>,
    /// Left footer.
    pub footer: String,
    /// Input line of the group's first row (named in glyph warnings).
    pub first_line: u64,
}

struct Table<'a> {
    xs: Vec<(f32, f32)>,
    aligns: Vec<Align>,
    headings: Vec<&'a str>,
    size: f32,
    row_h: f32,
    line_h: f32,
    left: f32,
    right: f32,
}

fn warn(warnings: &mut Vec<String>, line: u64, missing: Vec<char>) {
    if missing.is_empty() {
        return;
    }
    let chars: Vec<String> = missing
        .iter()
        .map(|c| format!("{c:?} (U+{:04X})", *c as u32))
        .collect();
    let msg = format!(
        "line {line}: no font has {}; drawn blank (add a font with --font)",
        chars.join(", ")
    );
    if !warnings.contains(&msg) {
        warnings.push(msg);
    }
}

impl Table<'_> {
    fn cell_lines(&self, fonts: &FontSet, k: usize, text: &str) -> Vec<String> {
        let (l, r) = self.xs[k];
        let max = (r - l - 2.0 * PAD) / self.size;
        let fits = !text.contains('\n') && fonts.width(text, false) <= max;
        if fits {
            return vec![text.to_owned()];
        }
        let mut lines = wrap(fonts, text, false, max);
        if lines.len() > MAX_LINES {
            lines.truncate(MAX_LINES);
            if let Some(l) = lines.last_mut() {
                l.push('…');
            }
        }
        lines
    }

    fn text_at(
        &self,
        cv: &mut Canvas<'_>,
        k: usize,
        baseline: f32,
        bold: bool,
        text: &str,
    ) -> Vec<char> {
        let (l, r) = self.xs[k];
        let (x, a) = match self.aligns[k] {
            Align::Left => (l + PAD, Anchor::Left),
            Align::Right => (r - PAD, Anchor::Right),
            Align::Center => ((l + r) / 2.0, Anchor::Center),
        };
        cv.text(x, baseline, self.size, bold, a, text, BLACK)
    }

    fn header(&self, cv: &mut Canvas<'_>, top: f32, warnings: &mut Vec<String>, line: u64) -> f32 {
        cv.rect(
            self.left,
            top,
            self.right - self.left,
            self.row_h,
            HEADER_FILL,
        );
        for k in 0..self.xs.len() {
            let m = self.text_at(cv, k, top + self.size + 3.0, true, self.headings[k]);
            warn(warnings, line, m);
        }
        top + self.row_h
    }
}

fn total_text(layout: &Layout, k: usize, t: Decimal) -> String {
    let c = &layout.columns[k];
    format!(
        "{}{}{}{}",
        layout.totals.prefix,
        c.prefix,
        format_number(t, c.places(), &c.thousands),
        c.suffix
    )
}

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

/// Draws the report on a new canvas; characters no font has are added to
/// `warnings` with the input line of their row. The logo (the layout's,
/// loaded once per run) goes at the top right of the first page only, like
/// a letterhead: the following pages keep their room for the table.
pub fn draw<'f>(
    layout: &Layout,
    fonts: &'f FontSet,
    logo: Option<&'f LogoImage>,
    texts: &Texts,
    data: &Prepared,
    warnings: &mut Vec<String>,
) -> Canvas<'f> {
    let (w, h) = layout.page.dimensions().unwrap_or((595.28, 841.89));
    let [mt, mr, mb, ml] = layout.page.margins();
    let mut cv = Canvas::new(fonts, w, h);
    let first = texts.first_line;

    // Logo at the top right; the title starts below it, so a long title
    // never runs into it.
    let mut t = mt;
    if let (Some(img), Some(l)) = (logo, &layout.logo) {
        let (lw, lh) = img.fit(l.width, Some(l.height.unwrap_or(h / 3.0)));
        cv.logo(img, w - mr - lw, mt, lw, lh);
        t += lh + 6.0;
    }

    // Title and header lines.
    let m = cv.text(ml, t + 20.0, 18.0, true, Anchor::Left, &texts.title, BLACK);
    warn(warnings, first, m);
    let mut y = t + 20.0;
    for (i, (label, value)) in texts.header.iter().enumerate() {
        y += if i == 0 { 20.0 } else { 15.0 };
        let s = format!("{label}: {value}");
        let m = cv.text(ml, y, 10.0, false, Anchor::Left, &s, BLACK);
        warn(warnings, first, m);
    }

    // Chart.
    let mut top = y + 16.0;
    if let (Some(ch), Some(bars)) = (&layout.chart, &data.bars)
        && !bars.is_empty()
    {
        let ty = y + 17.0;
        let m = cv.text(ml, ty, 11.0, true, Anchor::Left, &ch.title, BLACK);
        warn(warnings, first, m);
        let (cx, cy, cw, chh) = (ml + 30.0, ty + 3.0, w - ml - mr - 30.0, ch.height);
        cv.line(cx, cy + chh + 5.0, cx + cw, cy + chh + 5.0, 0.5, GREY);
        let max = bars
            .iter()
            .map(|b| b.1)
            .max()
            .unwrap_or(Decimal::ONE)
            .max(Decimal::ONE);
        let maxf = max.to_f64().unwrap_or(1.0);
        let bw = cw / bars.len() as f32;
        for (i, (label, v)) in bars.iter().enumerate() {
            let frac = (v.to_f64().unwrap_or(0.0) / maxf).clamp(0.0, 1.0) as f32;
            let bh = frac * (chh - 15.0);
            let x = cx + i as f32 * bw + bw * 0.1;
            let mid = x + bw * 0.4;
            cv.rect(x, cy + chh - bh, bw * 0.8, bh, BAR_FILL);
            let m = cv.text(
                mid,
                cy + chh + 14.0,
                7.0,
                false,
                Anchor::Center,
                label,
                BLACK,
            );
            warn(warnings, first, m);
            cv.text(
                mid,
                cy + chh - bh - 2.0,
                6.0,
                false,
                Anchor::Center,
                &compact(*v),
                BLACK,
            );
        }
        top = cy + chh + 33.0;
    }

    // Table geometry.
    let avail = w - ml - mr;
    let total_w: f32 = layout
        .columns
        .iter()
        .map(|c| c.width)
        .sum::<f32>()
        .max(f32::EPSILON);
    let mut x = ml;
    let mut xs = Vec::new();
    for c in &layout.columns {
        let cw = c.width / total_w * avail;
        xs.push((x, x + cw));
        x += cw;
    }
    let size = layout.font_size;
    let table = Table {
        xs,
        aligns: layout.columns.iter().map(|c| c.alignment()).collect(),
        headings: layout.columns.iter().map(|c| c.heading()).collect(),
        size,
        row_h: size + 7.0,
        line_h: size * 1.3,
        left: ml,
        right: w - mr,
    };
    let bottom = h - mb - 20.0;
    let has_totals = data.totals.iter().any(Option::is_some);
    let totals_h = if has_totals { table.row_h + 8.0 } else { 0.0 };

    let continued = |cv: &mut Canvas<'f>, warnings: &mut Vec<String>| -> f32 {
        cv.new_page();
        let s = format!("{} (continued)", texts.title);
        let m = cv.text(ml, mt, 8.0, false, Anchor::Left, &s, GREY);
        warn(warnings, first, m);
        table.header(cv, mt + 8.0, warnings, first)
    };

    // The header never sits alone at the bottom of a page.
    let first_h = data.rows.first().map_or(table.row_h, |_| table.row_h);
    y = if top + table.row_h + first_h > bottom {
        continued(&mut cv, warnings)
    } else {
        table.header(&mut cv, top, warnings, first)
    };
    let mut on_page = 0usize;
    let last = data.rows.len().saturating_sub(1);
    for (i, row) in data.rows.iter().enumerate() {
        let lines: Vec<Vec<String>> = row
            .cells
            .iter()
            .enumerate()
            .map(|(k, t)| table.cell_lines(fonts, k, t))
            .collect();
        let n = lines.iter().map(Vec::len).max().unwrap_or(1).max(1);
        let rh = table.row_h + (n - 1) as f32 * table.line_h;
        // The last row carries the totals with it, so they are never alone.
        let need = if i == last { rh + totals_h } else { rh };
        if y + need > bottom && on_page > 0 {
            y = continued(&mut cv, warnings);
            on_page = 0;
        }
        if i % 2 == 1 {
            cv.rect(table.left, y, table.right - table.left, rh, ZEBRA_FILL);
        }
        for (k, cell) in lines.iter().enumerate() {
            for (j, l) in cell.iter().enumerate() {
                let base = y + size + 3.0 + j as f32 * table.line_h;
                let m = table.text_at(&mut cv, k, base, false, l);
                warn(warnings, row.line, m);
            }
        }
        y += rh;
        on_page += 1;
    }

    if has_totals {
        if data.rows.is_empty() && y + totals_h > bottom {
            y = continued(&mut cv, warnings);
        }
        let first_total = data.totals.iter().position(Option::is_some).unwrap_or(0);
        let label_col = first_total.saturating_sub(1);
        let lx = table.xs[label_col].0;
        y += 6.0;
        cv.line(lx, y, table.right, y, 0.5, GREY);
        let base = y + size + 5.0;
        // The label ends just left of the first total, however wide it is.
        let first_text = data.totals[first_total]
            .map(|t| total_text(layout, first_total, t))
            .unwrap_or_default();
        let fw = fonts.width(&first_text, true) * size;
        let label_right =
            (table.xs[first_total].1 - PAD - fw - 10.0).min(table.xs[label_col].1 - PAD);
        let m = cv.text(
            label_right,
            base,
            size,
            true,
            Anchor::Right,
            &layout.totals.label,
            BLACK,
        );
        warn(warnings, first, m);
        for (k, t) in data.totals.iter().enumerate() {
            if let Some(t) = t {
                let s = total_text(layout, k, *t);
                let saved = table.aligns[k];
                let m = if saved == Align::Right {
                    table.text_at(&mut cv, k, base, true, &s)
                } else {
                    let (_, r) = table.xs[k];
                    cv.text(r - PAD, base, size, true, Anchor::Right, &s, BLACK)
                };
                warn(warnings, first, m);
            }
        }
    }

    // Footers, now that the page count is known.
    let n = cv.pages.len();
    let fy = h - mb + 15.0;
    for page in 0..n {
        cv.goto(page);
        cv.text(
            w - mr,
            fy,
            8.0,
            false,
            Anchor::Right,
            &format!("Page {} of {n}", page + 1),
            BLACK,
        );
        let m = cv.text(ml, fy, 8.0, false, Anchor::Left, &texts.footer, BLACK);
        warn(warnings, first, m);
    }
    cv
}

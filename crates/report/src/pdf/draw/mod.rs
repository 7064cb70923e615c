//! Draws one report: title, header lines, optional bar chart, the table
//! across pages (repeated header, "(continued)", wrapped cells, zebra rows,
//! right-aligned numbers, a cell longer than a page carried over to the
//! next), the totals row (never alone at the top of a page) and "Page i
//! of n" footers. [`fit`] fits the columns across the page.

mod chart;
mod fit;
mod table;

use std::collections::BTreeSet;

use rust_decimal::Decimal;

use crate::error::ReportError;
use crate::format::{format_number, with_affixes};
use crate::layout::{Align, Layout};
use crate::pdf::canvas::{Anchor, BLACK, Canvas, Mode, Rgb};
use crate::pdf::logo::LogoImage;
use crate::prepare::{Prepared, Rows};
use crate::text::fonts::FontSet;
use crate::text::shaping::Direction;
use crate::text::wrap::{clip, wrap_at_most};

use table::{LABEL_GAP, PAD, Table};

const HEADER_FILL: Rgb = Rgb(0.85, 0.88, 0.95);
const ZEBRA_FILL: Rgb = Rgb(0.95, 0.95, 0.95);
const BAR_FILL: Rgb = Rgb(0.27, 0.45, 0.75);
const GREY: Rgb = Rgb(0.3, 0.3, 0.3);

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

/// What a report drew blank: one line per input line and run of
/// characters no font has, and those characters.
#[derive(Debug, Default, Clone)]
pub struct Warnings {
    /// The messages, each once.
    pub lines: Vec<String>,
    /// Every character no font has, once.
    pub missing: BTreeSet<char>,
}

fn warn(warnings: &mut Warnings, line: u64, missing: Vec<char>) {
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
    warnings.missing.extend(missing);
    if !warnings.lines.contains(&msg) {
        warnings.lines.push(msg);
    }
}

fn total_text(layout: &Layout, k: usize, t: Decimal) -> String {
    let c = &layout.columns[k];
    let prefix = format!("{}{}", layout.totals.prefix, c.prefix);
    with_affixes(
        &prefix,
        &format_number(t, c.places(), &c.thousands),
        &c.suffix,
    )
}

/// Draws the report on a new canvas; characters no font has are added to
/// `warnings` with the input line of their row. The logo (the layout's,
/// loaded once per run) goes at the top right of the first page only, like
/// a letterhead: the following pages keep their room for the table.
///
/// # Errors
///
/// [`ReportError::TooWide`] when the table cannot fit across the page
/// without breaking a number (see [`fit`]).
#[cfg(test)]
pub fn draw<'f>(
    layout: &Layout,
    fonts: &'f FontSet,
    logo: Option<&'f LogoImage>,
    texts: &Texts,
    data: &Prepared,
    warnings: &mut Warnings,
) -> Result<Canvas<'f>, ReportError> {
    let sheet = Sheet {
        layout,
        fonts,
        logo,
        texts,
        data,
        rows: &data.rows,
    };
    sheet.draw_in(warnings, Mode::Keep, None)
}

/// What one report is drawn from, the same for each of its passes.
pub(crate) struct Sheet<'a, 'f> {
    /// The layout.
    pub(crate) layout: &'a Layout,
    /// The fonts, whose cuts the canvas keeps.
    pub(crate) fonts: &'f FontSet,
    /// The layout's logo, loaded once per run.
    pub(crate) logo: Option<&'f LogoImage>,
    /// The title, header, footer and the first row's line.
    pub(crate) texts: &'a Texts,
    /// The totals and the chart.
    pub(crate) data: &'a Prepared,
    /// The rows, read again in each pass.
    pub(crate) rows: &'a dyn Rows,
}

impl<'f> Sheet<'_, 'f> {
    /// [`draw`] of the sheet's rows on a canvas doing `mode` with its
    /// pages. With the page count known (`pages`, from a first pass), each
    /// page gets its footer as it is finished; else every page gets it at
    /// the end.
    ///
    /// # Errors
    ///
    /// As [`draw`].
    pub(crate) fn draw_in(
        &self,
        warnings: &mut Warnings,
        mode: Mode<'f>,
        pages: Option<usize>,
    ) -> Result<Canvas<'f>, ReportError> {
        let widest = fit::widest_cells(self.layout, self.fonts, self.rows)?;
        let mut d = Drawer::new(
            self.layout,
            self.fonts,
            self.texts,
            self.data,
            self.rows,
            warnings,
            mode,
            pages,
        );
        let table = d.table(&widest)?;
        let y = d.letterhead(self.logo);
        let top = d.chart(y);
        let y = d.rows(&table, top)?;
        d.totals(&table, y);
        d.footers();
        Ok(d.cv)
    }
}

/// The page size of `layout`, in points.
pub(crate) fn page_size(layout: &Layout) -> (f32, f32) {
    layout.page.dimensions().unwrap_or((595.28, 841.89))
}

/// One report being drawn: the canvas and what every step reads.
struct Drawer<'a, 'f> {
    layout: &'a Layout,
    fonts: &'f FontSet,
    texts: &'a Texts,
    data: &'a Prepared,
    rows: &'a dyn Rows,
    warnings: &'a mut Warnings,
    cv: Canvas<'f>,
    /// The page count, when known before drawing.
    pages: Option<usize>,
    /// Page width and height.
    w: f32,
    h: f32,
    /// Margins: top, right, bottom, left.
    mt: f32,
    mr: f32,
    mb: f32,
    ml: f32,
}

impl<'a, 'f> Drawer<'a, 'f> {
    #[allow(clippy::too_many_arguments)]
    fn new(
        layout: &'a Layout,
        fonts: &'f FontSet,
        texts: &'a Texts,
        data: &'a Prepared,
        rows: &'a dyn Rows,
        warnings: &'a mut Warnings,
        mode: Mode<'f>,
        pages: Option<usize>,
    ) -> Self {
        let (w, h) = page_size(layout);
        let [mt, mr, mb, ml] = layout.page.margins();
        Drawer {
            layout,
            fonts,
            texts,
            data,
            rows,
            warnings,
            cv: Canvas::with_mode(fonts, w, h, mode),
            pages,
            w,
            h,
            mt,
            mr,
            mb,
            ml,
        }
    }

    /// Notes the characters no font had, against input line `line`.
    fn warn(&mut self, line: u64, missing: Vec<char>) {
        warn(self.warnings, line, missing);
    }

    /// Text drawn for the group as a whole (title, labels, footers): the
    /// arguments of [`Canvas::text`].
    #[allow(clippy::too_many_arguments)]
    fn group_text(
        &mut self,
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        anchor: Anchor,
        text: &str,
        color: Rgb,
    ) {
        let m = self
            .cv
            .text(x, y, size, bold, anchor, text, Direction::Auto, color);
        self.warn(self.texts.first_line, m);
    }

    /// The logo at the top right, then the title (below the logo, so a long
    /// title never runs into it) and the header lines. Returns the baseline
    /// of the last line.
    fn letterhead(&mut self, logo: Option<&'f LogoImage>) -> f32 {
        let mut t = self.mt;
        if let (Some(img), Some(l)) = (logo, &self.layout.logo) {
            let (lw, lh) = img.fit(l.width, Some(l.height.unwrap_or(self.h / 3.0)));
            self.cv.logo(img, self.w - self.mr - lw, self.mt, lw, lh);
            t += lh + 6.0;
        }
        let (texts, ml) = (self.texts, self.ml);
        let width = self.w - self.ml - self.mr;
        // A title or header line too long for the page wraps, to three
        // lines at most.
        let title = wrap_at_most(self.fonts, &texts.title, true, width / 18.0, 3);
        let mut y = t + 20.0;
        for (j, line) in title.iter().enumerate() {
            if j > 0 {
                y += 22.0;
            }
            self.group_text(ml, y, 18.0, true, Anchor::Left, line, BLACK);
        }
        for (i, (label, value)) in texts.header.iter().enumerate() {
            y += if i == 0 { 20.0 } else { 15.0 };
            let line = format!("{label}: {value}");
            let lines = wrap_at_most(self.fonts, &line, false, width / 10.0, 3);
            for (j, part) in lines.iter().enumerate() {
                if j > 0 {
                    y += 12.5;
                }
                self.group_text(ml, y, 10.0, false, Anchor::Left, part, BLACK);
            }
        }
        y
    }

    /// The table's columns across the page between the margins.
    fn table(&self, widest: &[(f32, Option<String>)]) -> Result<Table, ReportError> {
        fit::fit(
            self.layout,
            self.fonts,
            self.data,
            widest,
            self.ml,
            self.w - self.mr,
        )
    }

    /// The lowest a row may reach: above the footer.
    fn bottom(&self) -> f32 {
        self.h - self.mb - 20.0
    }

    /// The height the totals row needs, 0 without totals.
    fn totals_height(&self, table: &Table) -> f32 {
        if self.data.totals.iter().any(Option::is_some) {
            table.row_h + 8.0
        } else {
            0.0
        }
    }

    /// A new page: "(continued)" and the table header. Returns the top of
    /// the first row.
    fn continued(&mut self, table: &Table) -> f32 {
        self.next_page();
        let more = " (continued)";
        let room = (self.w - self.ml - self.mr) / 8.0 - self.fonts.width(more, false);
        let line = format!("{}{more}", clip(self.fonts, &self.texts.title, false, room));
        let (ml, mt) = (self.ml, self.mt);
        self.group_text(ml, mt, 8.0, false, Anchor::Left, &line, GREY);
        table.header(&mut self.cv, mt + 8.0, self.warnings, self.texts.first_line)
    }

    /// Each row's cells cut into lines, and the row's height.
    fn row_lines(&self, table: &Table, cells: &[String]) -> (Vec<(Vec<String>, Direction)>, f32) {
        let lines: Vec<(Vec<String>, Direction)> = cells
            .iter()
            .enumerate()
            .map(|(k, t)| table.cell_lines(self.fonts, k, t))
            .collect();
        let n = lines.iter().map(|c| c.0.len()).max().unwrap_or(1).max(1);
        (lines, table.row_h + (n - 1) as f32 * table.line_h)
    }

    /// The table header at `top` and every row below it, across pages.
    /// The header never sits alone at the bottom of a page: when it and
    /// the first row (with the totals, if that row is the last) do not
    /// both fit, the table starts on the next page. A row taller than a
    /// page is carried over, line by line, to the pages it needs (its last
    /// lines with the totals, if it is the last). Returns the bottom of
    /// the last row.
    ///
    /// # Errors
    ///
    /// A row that cannot be read back.
    fn rows(&mut self, table: &Table, top: f32) -> Result<f32, ReportError> {
        let bottom = self.bottom();
        let totals_h = self.totals_height(table);
        let rows = self.rows;
        let last = rows.count().saturating_sub(1);
        let first_h = match rows.first()? {
            Some(row) => {
                let (_, rh) = self.row_lines(table, &row.cells);
                if last == 0 { rh + totals_h } else { rh }
            }
            None => totals_h,
        };
        let mut y = if top + table.header_h + first_h > bottom {
            self.continued(table)
        } else {
            table.header(&mut self.cv, top, self.warnings, self.texts.first_line)
        };
        let mut on_page = 0usize;
        let mut i = 0usize;
        rows.each(&mut |row| {
            let (lines, rh) = self.row_lines(table, &row.cells);
            // The last row carries the totals with it, so they are never alone.
            let tail = if i == last { totals_h } else { 0.0 };
            if y + (rh + tail) > bottom && on_page > 0 {
                y = self.continued(table);
                on_page = 0;
            }
            let n = lines.iter().map(|c| c.0.len()).max().unwrap_or(1).max(1);
            let height = |m: usize| table.row_h + (m.max(1) - 1) as f32 * table.line_h;
            let mut from = 0;
            loop {
                let rest = n - from;
                // The lines of this row that go on this page: all that are
                // left when they fit (with the totals after the last row),
                // else as many as fit, leaving at least one to carry over.
                let upto = if y + (height(rest) + tail) <= bottom {
                    n
                } else {
                    let room = ((bottom - y - table.row_h) / table.line_h).floor();
                    let fit = if room >= 0.0 { room as usize + 1 } else { 1 };
                    from + fit.clamp(1, rest.saturating_sub(1).max(1))
                };
                let h = height(upto - from);
                if i % 2 == 1 {
                    self.cv
                        .rect(table.left, y, table.right - table.left, h, ZEBRA_FILL);
                }
                for (k, (cell, dir)) in lines.iter().enumerate() {
                    for (j, l) in cell.iter().enumerate().take(upto).skip(from) {
                        let base = y + table.size + 3.0 + (j - from) as f32 * table.line_h;
                        let m = table.text_at(&mut self.cv, k, base, false, l, *dir);
                        self.warn(row.line, m);
                    }
                }
                y += h;
                if upto >= n {
                    break;
                }
                from = upto;
                y = self.continued(table);
            }
            on_page += 1;
            i += 1;
            Ok(())
        })?;
        Ok(y)
    }

    /// The totals row below `y`: a rule, the label just left of the first
    /// total (beside it, in the first column), each total aligned as its
    /// column is.
    fn totals(&mut self, table: &Table, y: f32) {
        let (layout, data) = (self.layout, self.data);
        let Some(first_total) = data.totals.iter().position(Option::is_some) else {
            return;
        };
        let mut y = y;
        if self.rows.count() == 0 && y + self.totals_height(table) > self.bottom() {
            y = self.continued(table);
        }
        let size = table.size;
        let label_col = first_total.saturating_sub(1);
        let lx = table.xs[label_col].0;
        y += 6.0;
        self.cv.line(lx, y, table.right, y, 0.5, GREY);
        let base = y + size + 5.0;
        // The label ends just left of the first total, however wide it is.
        let first_text = data.totals[first_total]
            .map(|t| total_text(layout, first_total, t))
            .unwrap_or_default();
        let fw = self.fonts.width(&first_text, true) * size;
        let (l, r) = table.xs[first_total];
        let align = table.aligns[first_total];
        // In the first column, a total that is not right-aligned starts
        // after the label.
        let after_label = first_total == 0 && align != Align::Right;
        let label = &layout.totals.label;
        if after_label {
            self.group_text(l + PAD, base, size, true, Anchor::Left, label, BLACK);
        } else {
            let total_left = match align {
                Align::Right => r - PAD - fw,
                Align::Left => l + PAD,
                Align::Center => (l + r - fw) / 2.0,
            };
            let label_right = (total_left - LABEL_GAP).min(table.xs[label_col].1 - PAD);
            self.group_text(label_right, base, size, true, Anchor::Right, label, BLACK);
        }
        for (k, t) in data.totals.iter().enumerate() {
            if let Some(t) = t {
                let s = total_text(layout, k, *t);
                let m = if k == 0 && after_label {
                    let x = l + PAD + self.fonts.width(label, true) * size + LABEL_GAP;
                    let dir = Direction::Ltr;
                    self.cv
                        .text(x, base, size, true, Anchor::Left, &s, dir, BLACK)
                } else {
                    table.text_at(&mut self.cv, k, base, true, &s, Direction::Ltr)
                };
                self.warn(self.texts.first_line, m);
            }
        }
    }

    /// "Page i of n" and the layout's footer: on the last page when each
    /// page got its own as it was finished, else on every page now that
    /// the page count is known.
    fn footers(&mut self) {
        let n = self.cv.page_count();
        if self.pages.is_some() {
            self.footer(n - 1, n);
            return;
        }
        for page in 0..n {
            self.cv.goto(page);
            self.footer(page, n);
        }
    }

    /// Starts a new page, finishing the one drawn with its footer when the
    /// page count is known.
    fn next_page(&mut self) {
        if let Some(n) = self.pages {
            let page = self.cv.page_count() - 1;
            self.footer(page, n);
        }
        self.cv.new_page();
    }

    /// "Page `page + 1` of `n`" and the layout's footer, on the page drawn.
    fn footer(&mut self, page: usize, n: usize) {
        let fy = self.h - self.mb + 15.0;
        // The footer stops short of the widest page number.
        let number = self.fonts.width(&format!("Page {n} of {n}"), false) * 8.0;
        let room = (self.w - self.mr - self.ml - number - 10.0) / 8.0;
        let footer = clip(self.fonts, &self.texts.footer, false, room);
        let (w, mr, ml) = (self.w, self.mr, self.ml);
        let number = format!("Page {} of {n}", page + 1);
        let dir = Direction::Ltr;
        self.cv
            .text(w - mr, fy, 8.0, false, Anchor::Right, &number, dir, BLACK);
        self.group_text(ml, fy, 8.0, false, Anchor::Left, &footer, BLACK);
    }
}

#[cfg(test)]
mod tests;

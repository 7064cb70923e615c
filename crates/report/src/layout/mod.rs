//! The layout file (TOML): what a report shows and how.
//!
//! Lengths are in PDF points (1/72 inch). A minimal layout:
//!
//! ```toml
//! title = "Statement {account}"
//! file_name = "statement-{account}"
//! [[columns]]
//! field = "amount"
//! format = "number"
//! decimals = 2
//! total = true
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::column_stats::ColumnStats;
use crate::error::LayoutError;
use crate::input::Columns;

mod check;

/// A report layout. Every field has a default; see the crate docs.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layout {
    /// Title template (group fields in `{}`; `{group}` is the group key).
    #[serde(default = "default_title")]
    pub title: String,
    /// File name template, without `.pdf`; sanitised before use.
    #[serde(default = "default_file_name")]
    pub file_name: String,
    /// Lines under the title: `label: value` (value is a template).
    #[serde(default)]
    pub header: Vec<HeaderField>,
    /// Table columns; none means every input column, as the default layout
    /// makes them ([`Layout::columns_for`]).
    #[serde(default)]
    pub columns: Vec<Column>,
    /// The totals row.
    #[serde(default)]
    pub totals: Totals,
    /// An optional bar chart above the table.
    pub chart: Option<Chart>,
    /// Page size and margins.
    #[serde(default)]
    pub page: Page,
    /// Left footer template (right footer is always "Page i of n").
    #[serde(default)]
    pub footer: String,
    /// Font size of the table text.
    #[serde(default = "default_font_size")]
    pub font_size: f32,
    /// A logo (PNG or JPEG) at the top right of the first page.
    pub logo: Option<Logo>,
}

/// A header line.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderField {
    /// Label, e.g. "Account".
    pub label: String,
    /// Value template, e.g. "{account}".
    pub value: String,
}

/// Horizontal alignment of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Align {
    /// Flush left.
    Left,
    /// Flush right (numbers).
    Right,
    /// Centred.
    Center,
}

/// How a column's values are checked and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CellFormat {
    /// As is.
    #[default]
    Text,
    /// A decimal number (a non-number fails the group).
    Number,
    /// A number with 2 decimals (unless `decimals` says otherwise) and the
    /// column's `prefix`/`suffix`.
    Currency,
    /// A `YYYY-MM-DD` date, shown with `date_format`.
    Date,
}

/// A table column.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Column {
    /// Input column.
    pub field: String,
    /// Heading (defaults to the field name).
    pub heading: Option<String>,
    /// Relative width; the columns are scaled to fill the page width.
    #[serde(default = "default_width")]
    pub width: f32,
    /// Alignment (numbers default to right, the rest to left).
    pub align: Option<Align>,
    /// Value format.
    #[serde(default)]
    pub format: CellFormat,
    /// Decimal places for numbers.
    pub decimals: Option<u32>,
    /// Thousands separator for numbers (default none).
    #[serde(default)]
    pub thousands: String,
    /// Text before a number (e.g. "CHF ").
    #[serde(default)]
    pub prefix: String,
    /// Text after a number (e.g. " €").
    #[serde(default)]
    pub suffix: String,
    /// Output pattern for dates (`%Y-%m-%d` by default; `%d %b %y` ...).
    pub date_format: Option<String>,
    /// Sum this column in the totals row (numbers only).
    #[serde(default)]
    pub total: bool,
    /// Whether a text value too long for the column wraps onto more
    /// lines (the default) or stays on one line, the column made as wide
    /// as it needs (codes, ids), unless the table cannot fit across the
    /// page that way. Numbers and dates never wrap.
    #[serde(default = "default_wrap")]
    pub wrap: bool,
}

impl Column {
    /// A plain column for `field`.
    pub fn new(field: &str) -> Column {
        Column {
            field: field.to_owned(),
            heading: None,
            width: 1.0,
            align: None,
            format: CellFormat::Text,
            decimals: None,
            thousands: String::new(),
            prefix: String::new(),
            suffix: String::new(),
            date_format: None,
            total: false,
            wrap: true,
        }
    }
    /// Whether values are numbers.
    pub fn is_numeric(&self) -> bool {
        matches!(self.format, CellFormat::Number | CellFormat::Currency)
    }
    /// Effective alignment.
    pub fn alignment(&self) -> Align {
        self.align.unwrap_or(if self.is_numeric() {
            Align::Right
        } else {
            Align::Left
        })
    }
    /// Effective decimals.
    pub fn places(&self) -> Option<u32> {
        match (self.decimals, self.format) {
            (Some(d), _) => Some(d),
            (None, CellFormat::Currency) => Some(2),
            _ => None,
        }
    }
    /// Whether every value stays on one line: numbers, dates and text
    /// columns with `wrap = false`.
    pub fn keeps_lines(&self) -> bool {
        self.is_numeric() || self.format == CellFormat::Date || !self.wrap
    }
    /// Heading text.
    pub fn heading(&self) -> &str {
        self.heading.as_deref().unwrap_or(&self.field)
    }
}

/// The totals row.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Totals {
    /// Label in the first column.
    #[serde(default = "default_total_label")]
    pub label: String,
    /// Text before each total (e.g. "CHF ").
    #[serde(default)]
    pub prefix: String,
}

impl Default for Totals {
    fn default() -> Self {
        Totals {
            label: default_total_label(),
            prefix: String::new(),
        }
    }
}

/// What the bars of the chart are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChartBy {
    /// One bar per month of the `field` date column.
    Month,
    /// One bar per value of the `field` column (the 12 largest).
    Category,
}

/// A bar chart: the sum of `value` by month or category.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Chart {
    /// Numeric column to sum.
    pub value: String,
    /// Month or category.
    pub by: ChartBy,
    /// Date column (by month) or category column.
    pub field: String,
    /// Title above the chart.
    #[serde(default)]
    pub title: String,
    /// Height of the plot area.
    #[serde(default = "default_chart_height")]
    pub height: f32,
}

/// Page size and margins.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Page {
    /// `A4`, `A3`, `A5`, `Letter` or `Legal`.
    #[serde(default = "default_size")]
    pub size: String,
    /// Turn the page sideways.
    #[serde(default)]
    pub landscape: bool,
    /// Margin on all four sides unless one is given below.
    #[serde(default = "default_margin")]
    pub margin: f32,
    /// Top margin.
    pub margin_top: Option<f32>,
    /// Bottom margin.
    pub margin_bottom: Option<f32>,
    /// Left margin.
    pub margin_left: Option<f32>,
    /// Right margin.
    pub margin_right: Option<f32>,
}

impl Default for Page {
    fn default() -> Self {
        Page {
            size: default_size(),
            landscape: false,
            margin: default_margin(),
            margin_top: None,
            margin_bottom: None,
            margin_left: None,
            margin_right: None,
        }
    }
}

impl Page {
    /// Width and height in points.
    ///
    /// # Errors
    ///
    /// A message for an unknown size name.
    pub fn dimensions(&self) -> Result<(f32, f32), String> {
        let (w, h) = match self.size.to_ascii_lowercase().as_str() {
            "a4" => (595.28, 841.89),
            "a3" => (841.89, 1190.55),
            "a5" => (419.53, 595.28),
            "letter" => (612.0, 792.0),
            "legal" => (612.0, 1008.0),
            other => {
                return Err(format!(
                    "unknown page size {other:?} (A3, A4, A5, Letter, Legal)"
                ));
            }
        };
        Ok(if self.landscape { (h, w) } else { (w, h) })
    }
    /// Margins: top, right, bottom, left.
    pub fn margins(&self) -> [f32; 4] {
        [
            self.margin_top.unwrap_or(self.margin),
            self.margin_right.unwrap_or(self.margin),
            self.margin_bottom.unwrap_or(self.margin),
            self.margin_left.unwrap_or(self.margin),
        ]
    }
}

/// A logo image.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Logo {
    /// PNG or JPEG file, relative to the layout file.
    pub path: PathBuf,
    /// Width of the box the logo is drawn in (default 80 points).
    #[serde(default = "default_logo_width")]
    pub width: f32,
    /// Height of that box (default: a third of the page). The logo keeps
    /// its aspect ratio: as wide as the box unless that would make it too
    /// tall.
    pub height: Option<f32>,
}

fn default_title() -> String {
    "{group}".into()
}
fn default_file_name() -> String {
    "{group}".into()
}
fn default_font_size() -> f32 {
    9.0
}
fn default_width() -> f32 {
    1.0
}
fn default_wrap() -> bool {
    true
}
fn default_total_label() -> String {
    "Total".into()
}
fn default_chart_height() -> f32 {
    150.0
}
fn default_size() -> String {
    "A4".into()
}
fn default_margin() -> f32 {
    40.0
}
fn default_logo_width() -> f32 {
    80.0
}

impl Layout {
    /// Reads and parses a layout file (relative logo paths are resolved
    /// against its folder).
    ///
    /// # Errors
    ///
    /// [`LayoutError::Io`] or [`LayoutError::Parse`] (with line and column),
    /// or [`LayoutError::Invalid`] for values that cannot work.
    pub fn from_file(path: &Path) -> Result<Layout, LayoutError> {
        let text = std::fs::read_to_string(path).map_err(|error| LayoutError::Io {
            path: path.to_path_buf(),
            error,
        })?;
        let mut layout = Layout::from_toml(&text).map_err(|e| e.in_file(path))?;
        if let Some(logo) = &mut layout.logo
            && logo.path.is_relative()
            && let Some(dir) = path.parent()
        {
            logo.path = dir.join(&logo.path);
        }
        Ok(layout)
    }

    /// Parses a layout from TOML text.
    ///
    /// # Errors
    ///
    /// As [`Layout::from_file`].
    pub fn from_toml(text: &str) -> Result<Layout, LayoutError> {
        let layout: Layout = toml::from_str(text).map_err(|e| LayoutError::Parse {
            path: PathBuf::from("layout"),
            message: e.to_string(),
        })?;
        layout.check_static()?;
        Ok(layout)
    }

    /// The default layout for an input: every column (but the group
    /// column, which is in the title), as wide as its content; numbers
    /// right-aligned with the column's decimals, and totalled where a total
    /// means something (amounts and quantities, not ids, years or unit
    /// prices); landscape when the columns need it.
    pub fn default_for(columns: &Columns, stats: &[ColumnStats], group_by: &str) -> Layout {
        let mut layout = Layout {
            title: format!("{group_by}: {{group}}"),
            file_name: default_file_name(),
            header: Vec::new(),
            columns: Vec::new(),
            totals: Totals::default(),
            chart: None,
            page: Page::default(),
            footer: String::new(),
            font_size: default_font_size(),
            logo: None,
        };
        layout.columns = Layout::columns_for(columns, stats, Some(group_by));
        // About 100 characters of 9-point text fit across a portrait A4.
        let chars: f32 = layout.columns.iter().map(|c| c.width).sum();
        layout.page.landscape = chars > 100.0;
        layout
    }

    /// A column for every input column but `skip`, as the default layout
    /// makes them: numbers right-aligned with their decimals and their
    /// thousands separator, totalled where a total means something, every
    /// column as wide as its content.
    pub fn columns_for(
        columns: &Columns,
        stats: &[ColumnStats],
        skip: Option<&str>,
    ) -> Vec<Column> {
        let mut out = Vec::new();
        for (i, name) in columns.names().iter().enumerate() {
            if Some(name.as_str()) == skip {
                continue;
            }
            let mut c = Column::new(name);
            let none = ColumnStats::default();
            let st = stats.get(i).unwrap_or(&none);
            if st.is_numeric() {
                c.format = CellFormat::Number;
                c.decimals = Some(st.max_scale);
                c.total = st.is_summable(name);
                // Written with a thousands separator, shown with it.
                c.thousands = st.thousands.map(String::from).unwrap_or_default();
            }
            // Codes (SKU-29811) are not broken across lines.
            c.wrap = !st.is_code();
            c.width = st.width(name);
            out.push(c);
        }
        out
    }
}

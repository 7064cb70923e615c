//! report-jobs: a batch of PDF reports from tabular data, one per group.
//!
//! The pipeline, by stage, each a folder of its own; a stage uses the
//! ones before it and never one after:
//!
//! 1. `data`: the rows. Streams CSV, a JSON array or NDJSON one
//!    [`Record`] at a time, and groups unsorted rows by a column with
//!    bounded memory (buffers spill to one temporary file per group);
//! 2. `layout`: the TOML layout (or a default one made from the
//!    columns), its templates and checks;
//! 3. `prepare`: checks a group's rows, formats the cells and sums the
//!    totals exactly ([`rust_decimal`]), failing on the first bad row with
//!    its line number;
//! 4. `text`: the fonts (bundled DejaVu Sans, plus fallbacks per
//!    character), shaping and the widths of shaped text;
//! 5. `pdf`: lays the report out across pages and writes it with
//!    printpdf, embedding cuts of the fonts.
//!
//! Below them all: the errors and the formats of numbers and dates.
//!
//! [`Batch`] ties them together for the `reporter` tool: it does every check
//! that can fail the whole run first, then yields one [`ReportJob`] per
//! group for a worker pool, and a shared [`Renderer`].
//!
//! # Example
//!
//! ```
//! use report_jobs::{Batch, Options};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let csv = dir.path().join("items.csv");
//! std::fs::write(&csv, "account,item,amount\nA,tea,0.1\nB,milk,2\nA,cake,0.2\n")?;
//! let batch = Batch::prepare(&Options {
//!     input: csv,
//!     group_by: "account".into(),
//!     out_dir: dir.path().join("out"),
//!     layout: None,
//!     fonts: vec![],
//!     memory_limit: 1 << 20,
//!     system_fonts: false,
//!     delimiter: None,
//! })?;
//! assert_eq!(batch.jobs.len(), 2);
//! let done = batch.renderer.render(&batch.jobs[0])?;
//! assert_eq!(done.pages, 1);
//! assert!(done.path.ends_with("A.pdf"));
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

mod batch;
mod data;
mod error;
mod format;
mod items;
mod layout;
mod names;
mod pdf;
mod plan;
mod prepare;
mod render;
mod text;
mod tool;

pub use batch::{Batch, Options};
pub use data::column_stats::ColumnStats;
pub use data::group::{Group, GroupOptions, Grouped, group_file};
pub use data::input::{Columns, Format, Record, detect_delimiter};
pub use error::{InputError, LayoutError, ReportError, SetupError};
pub use items::GroupItem;
pub use layout::Layout;
pub use pdf::doc_info::{DocInfo, SOURCE_DATE_EPOCH, pdf_date, run_time};
pub use pdf::draw::Warnings;
pub use pdf::logo::LogoImage;
pub use plan::{ReportPayload, ReportPlan};
pub use prepare::{Prepared, Row, prepare};
pub use render::{Rendered, Renderer, ReportJob};
pub use text::fonts::FontSet;
pub use text::shaping::{Direction, Glyph, GlyphRun, Shaped};
pub use tool::{InvalidGroup, Jobs, Render, Reporter};

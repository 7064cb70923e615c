//! report-jobs: a batch of PDF reports from tabular data, one per group.
//!
//! The pipeline, each step in its own module:
//!
//! 1. [`input`] streams CSV, a JSON array or NDJSON, one [`Record`] at a
//!    time;
//! 2. [`group`] groups unsorted rows by a column with bounded memory
//!    (buffers spill to one temporary file per group);
//! 3. [`layout`] reads the TOML layout (or builds a default one);
//! 4. [`prepare`] checks a group's rows, formats the cells and sums the
//!    totals exactly ([`rust_decimal`]), failing on the first bad row with
//!    its line number;
//! 5. [`draw`] lays the report out across pages and [`canvas`] writes it
//!    with printpdf, embedding subsets of the fonts ([`fonts`]: bundled
//!    DejaVu Sans, plus fallbacks per character).
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
mod canvas;
mod column_stats;
mod content;
mod doc_info;
mod draw;
mod embed;
mod error;
mod fonts;
mod format;
mod glyph_codes;
mod group;
mod input;
mod json_rows;
mod layout;
mod lines;
mod logo;
mod names;
mod output;
mod plan;
mod prepare;
mod sfnt;
mod shaping;
mod system_fonts;
mod template;
mod text_ops;
mod tool;

pub use batch::{Batch, Options, Rendered, Renderer, ReportJob, SetupError};
pub use column_stats::ColumnStats;
pub use doc_info::{DocInfo, SOURCE_DATE_EPOCH, pdf_date, run_time};
pub use draw::Warnings;
pub use error::{InputError, LayoutError, ReportError};
pub use fonts::FontSet;
pub use group::{Group, GroupOptions, Grouped, group_file};
pub use input::{Columns, Format, Record, detect_delimiter};
pub use layout::Layout;
pub use logo::LogoImage;
pub use plan::{ReportPayload, ReportPlan};
pub use prepare::{Prepared, Row, prepare};
pub use shaping::{Direction, Glyph, GlyphRun, Shaped};
pub use tool::{InvalidGroup, Jobs, Render, Reporter};

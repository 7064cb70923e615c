//! `reporter consume`: the layout and output folder; each message is one
//! group.

use std::path::{Path, PathBuf};

use pool::cli::Consume;
use report_jobs::Reporter;

use pool::cli::NoFlags;

use crate::app::ReporterApp;

/// The layout, fonts and output folder of `reporter consume` (the groups
/// come as messages).
#[derive(Debug, Clone, clap::Args)]
pub struct Layout {
    /// Output folder for the PDFs (created if missing), or s3://bucket/prefix
    #[arg(long, short = 'o', env = "REPORTER_OUT")]
    pub out: PathBuf,
    /// Layout file (TOML): title, header, columns, totals, chart, page
    /// (a consumer sees one group at a time, so the layout is needed)
    #[arg(long, short = 'l', env = "REPORTER_LAYOUT")]
    pub layout: PathBuf,
    /// Fallback font (TTF/OTF) for characters DejaVu Sans lacks, e.g. a CJK
    /// font; repeat for a chain, tried in order per character
    #[arg(long = "font", value_name = "PATH")]
    pub fonts: Vec<PathBuf>,
    /// Where failed groups are listed (CSV: group,file,reason)
    /// [default: OUT/failures.csv]
    #[arg(long, env = "REPORTER_FAILURES")]
    pub failures: Option<PathBuf>,
}

impl Consume for ReporterApp {
    type Settings = Layout;

    async fn consumer(
        layout: Layout,
        _worker: NoFlags,
        _quiet: bool,
        _staging: &Path,
    ) -> anyhow::Result<Reporter> {
        Ok(Reporter::for_items(
            &layout.layout,
            &layout.fonts,
            &layout.out,
            layout.failures,
        )?)
    }
}

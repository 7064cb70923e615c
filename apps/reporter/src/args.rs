//! The command line.

use std::path::PathBuf;

use pool::cli::PoolArgs;
use report_jobs::{Options, Reporter};

/// Generate one PDF report per group of rows (CSV, JSON array or NDJSON).
///
/// Exit status: 0 all reports written, 1 some groups failed (listed in the
/// failures file), 2 bad usage, layout, font or input file (nothing written).
#[derive(Debug, clap::Parser)]
#[command(name = "reporter", version)]
pub struct Cli {
    #[command(flatten)]
    pub inputs: Inputs,
    #[command(flatten)]
    pub pool: PoolArgs,
}

/// The input, its grouping, the layout and the output folder: the same for
/// a single-machine run and `reporter enqueue`.
#[derive(Debug, Clone, clap::Args)]
pub struct Inputs {
    /// Input rows: .csv (with a header), .json (an array of objects) or
    /// .ndjson/.jsonl (one object per line); need not be sorted; a local
    /// path or s3://bucket/key
    pub input: PathBuf,
    /// Column whose value names the group: one report per distinct value
    #[arg(long, short = 'g', env = "REPORTER_GROUP_BY")]
    pub group_by: String,
    /// Output folder for the PDFs (created if missing), or s3://bucket/prefix;
    /// file names from data are sanitised and always stay inside it
    #[arg(long, short = 'o', env = "REPORTER_OUT")]
    pub out: PathBuf,
    /// Layout file (TOML): title, header, columns, totals, chart, page;
    /// without it every column is shown and numeric columns are totalled
    #[arg(long, short = 'l', env = "REPORTER_LAYOUT")]
    pub layout: Option<PathBuf>,
    /// Fallback font (TTF/OTF) for characters DejaVu Sans lacks, e.g. a CJK
    /// font; repeat for a chain, tried in order per character
    #[arg(long = "font", value_name = "PATH")]
    pub fonts: Vec<PathBuf>,
    /// Do not look for system fonts that have the characters DejaVu Sans
    /// and --font lack (for output that does not depend on the machine)
    #[arg(long, env = "REPORTER_NO_SYSTEM_FONTS")]
    pub no_system_fonts: bool,
    /// Where failed groups are listed (CSV: group,file,reason)
    /// [default: OUT/failures.csv]
    #[arg(long, env = "REPORTER_FAILURES")]
    pub failures: Option<PathBuf>,
    /// CSV delimiter: , ; tab or | [default: detected from the header line]
    #[arg(long, value_parser = pool::cli::parse_delimiter, env = "REPORTER_DELIMITER")]
    pub delimiter: Option<u8>,
    /// Memory for buffering rows while grouping, in MiB; past it rows spill
    /// to temporary files
    #[arg(long, default_value_t = 64, env = "REPORTER_MEMORY_MB")]
    pub memory_mb: usize,
}

impl Inputs {
    /// The batch options the flags ask for.
    pub fn options(&self) -> Options {
        Options {
            input: self.input.clone(),
            group_by: self.group_by.clone(),
            out_dir: self.out.clone(),
            layout: self.layout.clone(),
            fonts: self.fonts.clone(),
            memory_limit: self.memory_mb.saturating_mul(1 << 20),
            system_fonts: !self.no_system_fonts,
            delimiter: self.delimiter,
        }
    }

    /// The reporter the flags ask for, prepared ([`Reporter::prepare`]:
    /// the input read and grouped, the layout and fonts checked); an
    /// `s3://` input is fetched first into a temporary folder, which is
    /// gone once the input is read.
    pub async fn reporter(&self) -> anyhow::Result<Reporter> {
        let staged = tempfile::tempdir()?;
        let mut opts = self.options();
        if let Some(local) = object_files::fetch_location(&opts.input, staged.path()).await? {
            opts.input = local;
        }
        Ok(Reporter::prepare(&opts, self.failures.clone())?)
    }
}

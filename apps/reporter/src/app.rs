//! The reporter as an [`App`]: its flags, the single-machine run, and how
//! `enqueue` and `work` build it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use pool::cli::{App, NoFlags};
use report_jobs::{ReportPlan, Reporter};

use crate::args::{Cli, Inputs};

/// `reporter`.
#[derive(Debug)]
pub struct ReporterApp;

impl App for ReporterApp {
    const NAME: &'static str = "reporter";
    // The work runs on blocking threads: one runtime thread is enough.
    const THREADS: Option<usize> = Some(1);

    type Tool = Reporter;
    type Inputs = Inputs;
    type Worker = NoFlags;
    type Single = Cli;
    type Error = anyhow::Error;

    async fn single(cli: Cli) -> anyhow::Result<ExitCode> {
        // Reading and grouping the input blocks; nothing else runs yet.
        let reporter = cli.inputs.reporter().await?;
        Ok(pool::cli::run_tool(reporter, &cli.pool).await?)
    }

    /// Local paths are stored absolute, so that a worker started in any
    /// folder finds them (`s3://` locations stay as they are); each
    /// group's rows are checked now, and a group that cannot make a report
    /// is reported and written to the failures file here, not stored.
    async fn open(mut inputs: Inputs, _staging: &Path) -> anyhow::Result<Reporter> {
        for path in [&mut inputs.input, &mut inputs.out]
            .into_iter()
            .chain(inputs.layout.as_mut())
            .chain(inputs.failures.as_mut())
            .chain(inputs.fonts.iter_mut())
        {
            *path = absolute(path)?;
        }
        Ok(inputs.reporter().await?.check_rows_first())
    }

    async fn worker(
        plan: ReportPlan,
        _worker: NoFlags,
        _quiet: bool,
        _staging: &Path,
    ) -> anyhow::Result<Reporter> {
        Ok(Reporter::from_plan(plan, None)?)
    }
}

/// `path` as every worker must see it: a local path made absolute against
/// this folder (an `s3://` location as it is).
fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    if object_files::parse_s3(path).is_some() {
        return Ok(path.to_owned());
    }
    std::path::absolute(path)
        .map_err(|e| anyhow::anyhow!("{}: cannot be made absolute: {e}", path.display()))
}

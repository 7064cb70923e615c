//! The reporter as an [`App`]: its flags, the single-machine run, and how
//! `enqueue` and `work` build it.

use std::path::Path;
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

    async fn open(inputs: Inputs, _staging: &Path) -> anyhow::Result<Reporter> {
        inputs.reporter().await
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

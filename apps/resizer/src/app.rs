//! The resizer as an [`App`]: its flags, the single-machine run, and how
//! `enqueue` and `work` build it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use image_jobs::{ResizePlan, Resizer};
use pool::cli::{App, NoFlags};

use crate::args::{Cli, Inputs};

/// `resizer`.
#[derive(Debug)]
pub struct ResizerApp;

impl App for ResizerApp {
    const NAME: &'static str = "resizer";
    // The work runs on blocking threads: one runtime thread walks the
    // input, or claims and records.
    const THREADS: Option<usize> = Some(1);

    type Tool = Resizer;
    type Inputs = Inputs;
    type Worker = NoFlags;
    type Single = Cli;
    type Error = anyhow::Error;

    async fn single(cli: Cli) -> anyhow::Result<ExitCode> {
        let resizer = cli.inputs.resizer()?;
        Ok(pool::cli::run_tool(resizer, &cli.pool).await?)
    }

    async fn open(inputs: Inputs, _staging: &Path) -> anyhow::Result<Resizer> {
        Ok(inputs.resizer()?)
    }

    async fn worker(
        plan: ResizePlan,
        _worker: NoFlags,
        _quiet: bool,
        _staging: &Path,
    ) -> anyhow::Result<Resizer> {
        Ok(Resizer::from_plan(
            plan,
            PathBuf::from("resizer-failures.tsv"),
        )?)
    }
}

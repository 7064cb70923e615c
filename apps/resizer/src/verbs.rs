//! `resizer enqueue|work|status|retry`: the resizer across machines, on a
//! PostgreSQL queue (see `pool_postgres`). The input and output folders
//! are a shared mount every worker sees at the same path.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use image_jobs::{ResizePlan, Resizer};
use pool_postgres::cli::{self, EnqueueArgs, Verb, WorkArgs};

use crate::args::Cli;

/// `resizer enqueue`: the usual folders and flags, and the database.
#[derive(Debug, clap::Parser)]
#[command(
    about = "Store one job per image of the input folder in a run on the database; prints the run's name"
)]
struct EnqueueCli {
    #[command(flatten)]
    cli: Cli,
    #[command(flatten)]
    queue: EnqueueArgs,
}

/// `resizer work`: the run.
#[derive(Debug, clap::Parser)]
#[command(about = "Resize the images of a run on the database, beside any number of other workers")]
struct WorkCli {
    #[command(flatten)]
    work: WorkArgs,
}

/// Runs `verb` with the whole command line `args`.
pub fn main(verb: Verb, args: Vec<OsString>) -> ExitCode {
    // The work runs on blocking threads: one runtime thread claims and
    // records.
    cli::dispatch("resizer", Some(1), verb, args, enqueue, work)
}

async fn enqueue(cli: EnqueueCli) -> anyhow::Result<ExitCode> {
    pool::cli::init_logging(cli.cli.pool.quiet);
    let resizer = cli.cli.resizer()?;
    Ok(cli::enqueue_command(resizer, &cli.cli.pool, &cli.queue).await?)
}

async fn work(cli: WorkCli) -> anyhow::Result<ExitCode> {
    pool::cli::init_logging(cli.work.quiet);
    let run = cli::find_run("resizer", &cli.work).await?;
    let plan: ResizePlan = run.plan()?;
    let resizer = Resizer::from_plan(plan, PathBuf::from("resizer-failures.tsv"))?;
    Ok(cli::work_command(resizer, &run, &cli.work).await?)
}

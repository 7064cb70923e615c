//! `reporter enqueue|work|status|retry`: the reporter across machines, on
//! a PostgreSQL queue (see `pool_postgres`). The output folder (and any
//! `--font` or logo file) is a shared mount every worker sees at the same
//! path.

use std::ffi::OsString;
use std::process::ExitCode;

use pool_postgres::cli::{self, EnqueueArgs, Verb, WorkArgs};
use report_jobs::{ReportPlan, Reporter};

use crate::args::Cli;

/// `reporter enqueue`: the usual input and flags, and the database.
#[derive(Debug, clap::Parser)]
#[command(
    about = "Store one job per group of rows in a run on the database; prints the run's name"
)]
struct EnqueueCli {
    #[command(flatten)]
    cli: Cli,
    #[command(flatten)]
    queue: EnqueueArgs,
}

/// `reporter work`: the run.
#[derive(Debug, clap::Parser)]
#[command(about = "Draw the reports of a run on the database, beside any number of other workers")]
struct WorkCli {
    #[command(flatten)]
    work: WorkArgs,
}

/// Runs `verb` with the whole command line `args`.
pub fn main(verb: Verb, args: Vec<OsString>) -> ExitCode {
    // The work runs on blocking threads: one runtime thread claims and
    // records.
    cli::dispatch("reporter", Some(1), verb, args, enqueue, work)
}

async fn enqueue(cli: EnqueueCli) -> anyhow::Result<ExitCode> {
    pool::cli::init_logging(cli.cli.pool.quiet);
    let reporter = cli.cli.reporter().await?;
    Ok(cli::enqueue_command(reporter, &cli.cli.pool, &cli.queue).await?)
}

async fn work(cli: WorkCli) -> anyhow::Result<ExitCode> {
    pool::cli::init_logging(cli.work.quiet);
    let run = cli::find_run("reporter", &cli.work).await?;
    let plan: ReportPlan = run.plan()?;
    let reporter = Reporter::from_plan(plan, None)?;
    Ok(cli::work_command(reporter, &run, &cli.work).await?)
}

//! `reporter enqueue|work|status|retry`: the reporter across machines, on
//! a PostgreSQL queue (see `pool_postgres`). The output folder (and any
//! `--font` or logo file) is a shared mount every worker sees at the same
//! path: `enqueue` stores local paths made absolute, so a worker started
//! in any folder finds them.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
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

async fn enqueue(mut cli: EnqueueCli) -> anyhow::Result<ExitCode> {
    pool::cli::init_logging(cli.cli.pool.quiet);
    let c = &mut cli.cli;
    for path in [&mut c.input, &mut c.out]
        .into_iter()
        .chain(c.layout.as_mut())
        .chain(c.failures.as_mut())
        .chain(c.fonts.iter_mut())
    {
        *path = absolute(path)?;
    }
    // Bad rows are found now, reported and written to the failures file,
    // not when a worker draws their group.
    let reporter = cli.cli.reporter().await?.check_rows_first();
    Ok(cli::enqueue_command(reporter, &cli.cli.pool, &cli.queue).await?)
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

async fn work(cli: WorkCli) -> anyhow::Result<ExitCode> {
    pool::cli::init_logging(cli.work.quiet);
    let run = cli::find_run("reporter", &cli.work).await?;
    let plan: ReportPlan = run.plan()?;
    let reporter = Reporter::from_plan(plan, None)?;
    Ok(cli::work_command(reporter, &run, &cli.work).await?)
}

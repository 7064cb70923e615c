//! `TOOL work`: one worker of a run.

use std::process::ExitCode;
use std::time::Duration;

use pool::cli::{App, StopArgs};
use pool::{Distributed, JobOf};

use super::{DbArgs, open};
use crate::error::QueueError;
use crate::run::{self, RunInfo};
use crate::work::{WorkOptions, work};

/// Flags of `work`, beside the tool's worker flags.
#[derive(Debug, Clone, clap::Args)]
pub struct WorkArgs {
    /// The database.
    #[command(flatten)]
    pub db: DbArgs,
    /// The run to work on [default: the one run of this tool with jobs
    /// left; its name is printed]
    #[arg(long)]
    pub run: Option<String>,
    /// Jobs run at once on this machine [default: the tool's own]
    #[arg(long, env = "WORKPOOL_WORKERS", value_parser = clap::value_parser!(u16).range(1..))]
    pub workers: Option<u16>,
    /// Jobs claimed per round trip to the database; a worker holds at most
    /// its running jobs and two batches claimed ahead of them (so a small
    /// batch shares a short run between workers) [default: --workers]
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub batch: Option<u16>,
    /// How long a claimed job stays this worker's without renewal; the
    /// worker renews every third of it, and a job whose lease expired is
    /// taken back by the other workers
    #[arg(long, default_value = "30s", value_parser = pool::cli::parse_positive_duration)]
    pub lease: Duration,
    /// With nothing to do, how often to look for work without being told:
    /// the run's notifications (LISTEN/NOTIFY) wake a worker at once, and
    /// this is the fallback for those lost, or never delivered through a
    /// pooler in transaction mode (PgBouncer); also how soon a worker ends
    /// once another finished the run
    #[arg(long, env = "WORKPOOL_POLL", default_value = "1s", value_parser = pool::cli::parse_positive_duration)]
    pub poll: Duration,
    /// When the run has no jobs left, wait for new ones instead of ending
    /// (needs --run: a worker never picks up an old run by itself)
    #[arg(long, requires = "run")]
    pub follow: bool,
    /// When this worker stops (--max-failures counts its dead jobs).
    #[command(flatten)]
    pub stop: StopArgs,
    /// Print the worker's summary as one JSON object on stdout
    #[arg(long)]
    pub json: bool,
    /// No progress bar, no summary text
    #[arg(long, short)]
    pub quiet: bool,
}

/// Finds the run, builds app `A`'s tool from its plan and the worker's own
/// flags, then [`work_command`].
pub(super) async fn work_app<A: App>(
    worker: A::Worker,
    args: WorkArgs,
) -> Result<ExitCode, String> {
    let run = find_run(A::NAME, &args).await.map_err(|e| e.to_string())?;
    if args.run.is_none() && !args.quiet {
        eprintln!(
            "{}: working on run {} (the one {} run with jobs left; --run names another)",
            A::NAME,
            run.name,
            A::NAME
        );
    }
    let plan = run.plan().map_err(|e| e.to_string())?;
    let staging = tempfile::Builder::new()
        .prefix("workpool-")
        .tempdir()
        .map_err(|e| format!("cannot make a temporary folder: {e}"))?;
    let tool = A::worker(plan, worker, args.quiet, staging.path())
        .await
        .map_err(|e| format!("{e:#}"))?;
    work_command(tool, &run, &args)
        .await
        .map_err(|e| e.to_string())
}

/// Finds the run `work` is for: `--run`, or the one run of `tool` with
/// jobs left.
///
/// # Errors
///
/// As [`run::find`].
pub async fn find_run(tool: &str, args: &WorkArgs) -> Result<RunInfo, QueueError> {
    let client = open(&args.db).await?;
    run::find(&client, tool, args.run.as_deref()).await
}

/// `TOOL work`: runs `tool` (built from the run's plan) as one worker of
/// `run`; prints the worker's summary. Exit 0 when every job it ran
/// finished; 1 when some failed for good, it was interrupted, it lost its
/// lease or the database failed.
///
/// # Errors
///
/// The database cannot be reached at the start.
pub async fn work_command<T>(
    tool: T,
    run: &RunInfo,
    args: &WorkArgs,
) -> Result<ExitCode, QueueError>
where
    T: Distributed,
    JobOf<T>: Sync,
{
    let name = tool.name();
    let workers = args
        .workers
        .map_or_else(|| tool.default_workers(), usize::from);
    let options = WorkOptions {
        workers,
        batch: args.batch.map_or(workers, usize::from),
        lease: args.lease,
        poll: args.poll,
        follow: args.follow,
        max_failures: args.stop.max_failures,
        quiet: args.quiet,
    };
    let worked = work(tool, args.db.conninfo(), run, &options).await?;
    worked.summary.print(args.json, args.quiet);
    if let Some(e) = &worked.error {
        eprintln!("{name}: {e}");
    }
    let failed = worked.error.is_some()
        || worked.lease_lost
        || worked.tally.dead > 0
        || worked.summary.report.interrupted;
    Ok(ExitCode::from(u8::from(failed)))
}

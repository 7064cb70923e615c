//! The four verbs every tool takes to run across machines (`enqueue`,
//! `work`, `status`, `retry`): their shared flags and what each does once
//! the tool is built.

use std::ffi::OsString;
use std::fmt;
use std::future::Future;
use std::process::ExitCode;
use std::time::Duration;

use pool::cli::{FailuresFile, Format, PoolArgs};
use pool::{Distributed, JobOf};

use crate::connect::connect;
use crate::enqueue::enqueue;
use crate::error::QueueError;
use crate::run::{self, RunInfo, RunSettings};
use crate::schema;
use crate::status;
use crate::work::{WorkOptions, work};

/// The verb a command line starts with, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// `TOOL enqueue ...`
    Enqueue,
    /// `TOOL work ...`
    Work,
    /// `TOOL status ...`
    Status,
    /// `TOOL retry ...`
    Retry,
}

impl Verb {
    /// The verb `args` (the whole command line, program name first) start
    /// with; `None` for the single-machine command.
    pub fn of(args: &[OsString]) -> Option<Verb> {
        match args.get(1)?.to_str()? {
            "enqueue" => Some(Verb::Enqueue),
            "work" => Some(Verb::Work),
            "status" => Some(Verb::Status),
            "retry" => Some(Verb::Retry),
            _ => None,
        }
    }
}

/// Runs `verb` for `tool` with the rest of `args` (the whole command line;
/// the verb is left out of what the parsers see): `enqueue` and `work`
/// parse the app's own `E` and `W` and hand them to the app's functions
/// (which build the tool and call [`enqueue_command`] or
/// [`work_command`]); `status` and `retry` are the same for every tool.
/// Bad usage exits 2, as the single-machine command does.
pub fn dispatch<E, W, FE, FW, X>(
    tool: &'static str,
    worker_threads: Option<usize>,
    verb: Verb,
    args: Vec<OsString>,
    enqueue: impl FnOnce(E) -> FE,
    work: impl FnOnce(W) -> FW,
) -> ExitCode
where
    E: clap::Parser,
    W: clap::Parser,
    FE: Future<Output = Result<ExitCode, X>>,
    FW: Future<Output = Result<ExitCode, X>>,
    X: fmt::Display,
{
    use clap::Args as _;

    let name = |v: &str| format!("{tool} {v}");
    let argv =
        |v: &str| std::iter::once(OsString::from(name(v))).chain(args.iter().skip(2).cloned());
    fn parse<T: clap::FromArgMatches>(
        command: clap::Command,
        argv: impl Iterator<Item = OsString>,
    ) -> T {
        let matches = command.get_matches_from(argv);
        T::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
    }
    match verb {
        Verb::Enqueue => {
            let cli: E = parse(E::command().bin_name(name("enqueue")), argv("enqueue"));
            pool::cli::run_main(tool, worker_threads, enqueue(cli))
        }
        Verb::Work => {
            let cli: W = parse(W::command().bin_name(name("work")), argv("work"));
            pool::cli::run_main(tool, worker_threads, work(cli))
        }
        Verb::Status => {
            pool::cli::init_logging(false);
            let cli: StatusArgs = parse(
                StatusArgs::augment_args(clap::Command::new(tool).bin_name(name("status")))
                    .about("A run's progress over all its workers"),
                argv("status"),
            );
            pool::cli::run_main(tool, Some(1), status_command(tool, &cli))
        }
        Verb::Retry => {
            pool::cli::init_logging(false);
            let cli: RetryArgs = parse(
                RetryArgs::augment_args(clap::Command::new(tool).bin_name(name("retry")))
                    .about("Put a run's dead jobs back to ready"),
                argv("retry"),
            );
            pool::cli::run_main(tool, Some(1), retry_command(tool, &cli))
        }
    }
}

/// The help text's paragraph on the verbs, for each tool's `--help`.
pub const VERBS_HELP: &str = "Across machines (a PostgreSQL database holds the queue): \
    TOOL enqueue <the usual inputs and flags> --db URL, then TOOL work --db URL on each machine, \
    TOOL status --db URL, TOOL retry --db URL --run NAME. See TOOL work --help.";

/// The database to use.
#[derive(Debug, Clone, clap::Args)]
pub struct DbArgs {
    /// The PostgreSQL database holding the queue: postgres://user@host/db
    #[arg(long = "db", env = "WORKPOOL_DATABASE_URL", value_name = "URL")]
    pub url: String,
}

/// Flags of `enqueue`, beside the tool's usual ones.
#[derive(Debug, Clone, clap::Args)]
pub struct EnqueueArgs {
    /// The database.
    #[command(flatten)]
    pub db: DbArgs,
    /// The run's name [default: the tool and a hash of its inputs, so that
    /// enqueueing the same inputs again finds the same run; new --retries,
    /// --timeout or --rate then change that run's settings]
    #[arg(long)]
    pub run: Option<String>,
}

/// Flags of `work`.
#[derive(Debug, Clone, clap::Args)]
pub struct WorkArgs {
    /// The database.
    #[command(flatten)]
    pub db: DbArgs,
    /// The run to work on [default: the one run of this tool with jobs left]
    #[arg(long)]
    pub run: Option<String>,
    /// Jobs run at once on this machine [default: the tool's own]
    #[arg(long, env = "WORKPOOL_WORKERS", value_parser = clap::value_parser!(u16).range(1..))]
    pub workers: Option<u16>,
    /// Jobs claimed per round trip to the database [default: the workers]
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub batch: Option<u16>,
    /// How long a claimed job stays this worker's without renewal; the
    /// worker renews every third of it, and a job whose lease expired is
    /// taken back by the other workers
    #[arg(long, default_value = "30s", value_parser = pool::cli::parse_positive_duration)]
    pub lease: Duration,
    /// When the run has no jobs left, wait for new ones instead of ending
    #[arg(long)]
    pub follow: bool,
    /// Print the worker's summary as one JSON object on stdout
    #[arg(long)]
    pub json: bool,
    /// No progress bar, no summary text
    #[arg(long, short)]
    pub quiet: bool,
}

/// `TOOL status`.
#[derive(Debug, Clone, clap::Args)]
pub struct StatusArgs {
    /// The database.
    #[command(flatten)]
    pub db: DbArgs,
    /// The run [default: every run of this tool]
    #[arg(long)]
    pub run: Option<String>,
    /// One JSON object per run on stdout
    #[arg(long)]
    pub json: bool,
}

/// `TOOL retry`.
#[derive(Debug, Clone, clap::Args)]
pub struct RetryArgs {
    /// The database.
    #[command(flatten)]
    pub db: DbArgs,
    /// The run whose dead jobs go back to ready
    #[arg(long)]
    pub run: String,
}

/// Connects to the database and brings its schema up to date.
///
/// # Errors
///
/// As [`connect`] and [`schema::migrate`].
pub async fn open(db: &DbArgs) -> Result<tokio_postgres::Client, QueueError> {
    let mut client = connect(&db.url).await?;
    schema::migrate(&mut client).await?;
    Ok(client)
}

/// The run settings the usual pool flags ask for (`--workers`, `--queue`
/// and `--journal` are each worker's or the single machine's).
pub fn run_settings(args: &PoolArgs) -> RunSettings {
    RunSettings {
        max_attempts: args.retries.saturating_add(1),
        timeout: args.timeout,
        rate: args.rate,
    }
}

/// `TOOL enqueue`: stores `tool`'s inputs as jobs of a run and prints the
/// run's name on stdout. Items the input cannot read are printed and
/// written to the tool's failures file, as in a single-machine run.
///
/// # Errors
///
/// A database error (nothing was stored) or a usage error.
pub async fn enqueue_command<T: Distributed>(
    mut tool: T,
    pool_args: &PoolArgs,
    args: &EnqueueArgs,
) -> Result<ExitCode, QueueError> {
    let mut client = open(&args.db).await?;
    let format = match tool.failures_header() {
        Some(header) => Format::Csv { header },
        None => Format::Tsv,
    };
    let mut failures = FailuresFile::new(tool.failures_path(), format);
    let mut write_error = None;
    let name = tool.name();
    let enqueued = enqueue(
        &mut client,
        &mut tool,
        args.run.as_deref(),
        &run_settings(pool_args),
        |tool, failure| {
            eprintln!("{name}: {}", tool.failure_line(failure));
            if let Err(e) = failures.row(&tool.failure_row(failure)) {
                write_error.get_or_insert(e);
            }
        },
    )
    .await?;
    if let Err(e) = failures.finish(enqueued.invalid == 0) {
        write_error.get_or_insert(e);
    }
    let written = if enqueued.invalid > 0 {
        format!(" (written to {})", failures.path().display())
    } else {
        String::new()
    };
    if !enqueued.kept {
        eprintln!(
            "{name}: nothing to enqueue: the input holds no job ({} skipped, {} invalid{written}); no run was made",
            enqueued.skipped, enqueued.invalid
        );
        if let Some(e) = write_error {
            eprintln!("{name}: failures file: {e}");
        }
        return Ok(ExitCode::from(u8::from(enqueued.invalid > 0)));
    }
    if let Some(old) = &enqueued.changed_from {
        eprintln!(
            "{name}: run {}: settings changed from {} to {}",
            enqueued.run.name,
            old.describe(),
            enqueued.run.settings.describe()
        );
    }
    if !pool_args.quiet {
        eprintln!(
            "{name}: run {}: {} jobs added, {} already in the run, {} skipped, {} invalid{written}",
            enqueued.run.name,
            enqueued.added,
            enqueued.already(),
            enqueued.skipped,
            enqueued.invalid,
        );
    }
    println!("{}", enqueued.run.name);
    if let Some(e) = write_error {
        eprintln!("{name}: failures file: {e}");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::from(u8::from(enqueued.invalid > 0)))
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
/// finished, 1 when some failed for good, it lost its lease or the
/// database failed.
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
        follow: args.follow,
        quiet: args.quiet,
    };
    let worked = work(tool, &args.db.url, run, &options).await?;
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

/// `TOOL status`.
///
/// # Errors
///
/// A database or usage error.
pub async fn status_command(tool: &str, args: &StatusArgs) -> Result<ExitCode, QueueError> {
    let client = open(&args.db).await?;
    let runs = match &args.run {
        Some(name) => vec![run::find(&client, tool, Some(name)).await?],
        None => {
            let names: Vec<String> = client
                .query(
                    "SELECT name FROM workpool.runs WHERE tool = $1 ORDER BY id",
                    &[&tool],
                )
                .await?
                .iter()
                .map(|r| r.get(0))
                .collect();
            let mut runs = Vec::new();
            for name in names {
                runs.push(run::find(&client, tool, Some(&name)).await?);
            }
            runs
        }
    };
    if runs.is_empty() && !args.json {
        eprintln!("{tool}: no runs in the database");
    }
    for run in &runs {
        let state = status::status(&client, run).await?;
        if args.json {
            match serde_json::to_string(&state) {
                Ok(line) => println!("{line}"),
                Err(e) => eprintln!("{tool}: {e}"),
            }
        } else {
            print!("{}", state.text());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `TOOL retry`: dead jobs back to ready.
///
/// # Errors
///
/// A database or usage error.
pub async fn retry_command(tool: &str, args: &RetryArgs) -> Result<ExitCode, QueueError> {
    let client = open(&args.db).await?;
    let run = run::find(&client, tool, Some(&args.run)).await?;
    let n = status::retry(&client, &run).await?;
    eprintln!("{tool}: run {}: {n} dead jobs are ready again", run.name);
    Ok(ExitCode::SUCCESS)
}

/// What a failed verb exits with: 2 for a usage error (nothing was done),
/// 1 otherwise; the error is printed.
pub fn exit_on(tool: &str, error: &QueueError) -> ExitCode {
    eprintln!("{tool}: {error}");
    ExitCode::from(if error.is_usage() { 2 } else { 1 })
}

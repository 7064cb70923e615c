//! The verbs every tool takes to run across machines on a PostgreSQL
//! queue, for any [`App`]: [`engine`] hands them to `pool::cli::main`.
//!
//! | verb | what |
//! |---|---|
//! | `enqueue` | the tool's inputs and flags: one job per item in a run |
//! | `work` | one worker: claims jobs of a run, runs them, records outcomes |
//! | `status` | every run's progress, its workers and its dead jobs |
//! | `retry` | a run's dead jobs back to ready |
//! | `pause` | a run's workers claim nothing more and wait |
//! | `resume` | a paused run's workers go on |
//! | `cancel` | a run's jobs not started are cancelled; its workers end |
//!
//! ```no_run
//! # use pool::cli::App;
//! # fn main_of<MyApp: App>() -> std::process::ExitCode {
//! pool::cli::main::<MyApp>(&[pool_postgres::cli::engine()])
//! # }
//! ```

mod control;
mod enqueue;
mod manage;
mod work;

use std::marker::PhantomData;
use std::process::ExitCode;

use clap::{ArgMatches, Args as _, Command, FromArgMatches as _};
use pool::cli::{App, Engine, RunArgs, Verb};

use crate::connect::connect;
use crate::error::QueueError;
use crate::schema;

pub use control::{Control, ControlArgs, control_command};
pub use enqueue::{EnqueueArgs, enqueue_command};
pub use manage::{RetryArgs, StatusArgs, retry_command, status_command};
pub use work::{WorkArgs, find_run, work_command};

/// The verbs, as the program's `--help` lists them.
const VERBS: &[Verb] = &[
    Verb {
        name: "enqueue",
        about: "store one job per input item in a run (the usual inputs and flags, and --db)",
    },
    Verb {
        name: "work",
        about: "run the jobs of a run, beside any number of other workers",
    },
    Verb {
        name: "status",
        about: "every run's progress, its workers and its dead jobs",
    },
    Verb {
        name: "retry",
        about: "put a run's dead jobs back to ready",
    },
    Verb {
        name: "pause",
        about: "a run's workers claim nothing more, give back what they have not started, and wait",
    },
    Verb {
        name: "resume",
        about: "a paused run's workers go on",
    },
    Verb {
        name: "cancel",
        about: "a run's jobs not started are cancelled; the running ones finish, then its workers end",
    },
];

/// The PostgreSQL engine's verbs for app `A`.
pub fn engine<A: App>() -> Engine<A> {
    Engine {
        title: "Across machines, on a PostgreSQL queue (--db URL, WORKPOOL_DATABASE_URL or the PG* variables)",
        verbs: VERBS,
        command: command::<A>,
        run: run::<A>,
        app: PhantomData,
    }
}

/// The command line of `verb`.
fn command<A: App>(verb: &'static str) -> Command {
    let base = Command::new(format!("{} {verb}", A::NAME));
    match verb {
        "enqueue" => A::Inputs::augment_args(EnqueueArgs::augment_args(base)).about(format!(
            "Store one job per input item in a run on the database (its name is printed); \
             {} work then runs them on any number of machines",
            A::NAME
        )),
        "work" => A::Worker::augment_args(WorkArgs::augment_args(base)).about(
            "Run the jobs of a run on the database, beside any number of other workers; \
             the worker's own flags (where results go, secrets) are never stored",
        ),
        "status" => StatusArgs::augment_args(base).about("A run's progress over all its workers"),
        "retry" => RetryArgs::augment_args(base)
            .about("Put a run's dead jobs back to ready (a cancelled run's jobs stay cancelled)"),
        "pause" => ControlArgs::augment_args(base).about(
            "Pause a run: its workers claim nothing more, give back at once the jobs they hold \
             and have not started, finish those running, and wait (they do not exit) until resume",
        ),
        "resume" => ControlArgs::augment_args(base)
            .about("Resume a paused run: its workers, woken, claim its jobs again"),
        "cancel" => ControlArgs::augment_args(base).about(
            "Cancel a run: every job not started ends cancelled (kept and counted by status, \
             never run, never retried); the jobs running finish; its workers then exit 0",
        ),
        other => base.about(format!("unknown verb {other}")),
    }
}

/// Runs `verb` with its parsed flags.
fn run<A: App>(verb: &'static str, matches: ArgMatches) -> ExitCode {
    let threads = A::THREADS;
    match verb {
        "enqueue" => match (
            A::Inputs::from_arg_matches(&matches),
            EnqueueArgs::from_arg_matches(&matches),
        ) {
            (Ok(inputs), Ok(args)) => {
                pool::cli::run_main(A::NAME, threads, enqueue::enqueue_app::<A>(inputs, args))
            }
            (Err(e), _) | (_, Err(e)) => e.exit(),
        },
        "work" => match (
            A::Worker::from_arg_matches(&matches),
            WorkArgs::from_arg_matches(&matches),
        ) {
            (Ok(worker), Ok(args)) => {
                pool::cli::run_main(A::NAME, threads, work::work_app::<A>(worker, args))
            }
            (Err(e), _) | (_, Err(e)) => e.exit(),
        },
        "status" => match StatusArgs::from_arg_matches(&matches) {
            Ok(args) => pool::cli::run_main(A::NAME, Some(1), status_command(A::NAME, args)),
            Err(e) => e.exit(),
        },
        "retry" => match RetryArgs::from_arg_matches(&matches) {
            Ok(args) => pool::cli::run_main(A::NAME, Some(1), retry_command(A::NAME, args)),
            Err(e) => e.exit(),
        },
        "pause" | "resume" | "cancel" => {
            let what = match verb {
                "pause" => Control::Pause,
                "resume" => Control::Resume,
                _ => Control::Cancel,
            };
            match ControlArgs::from_arg_matches(&matches) {
                Ok(args) => {
                    pool::cli::run_main(A::NAME, Some(1), control_command(A::NAME, what, args))
                }
                Err(e) => e.exit(),
            }
        }
        _ => ExitCode::from(2),
    }
}

/// The database to use.
#[derive(Debug, Clone, clap::Args)]
pub struct DbArgs {
    /// The PostgreSQL database holding the queue, as psql takes it: a
    /// postgres://user@host/db URL or key=value words (sslmode=verify-full,
    /// sslrootcert=FILE, ...), completed from PGHOST, PGPORT, PGUSER,
    /// PGDATABASE, PGSSLMODE, PGSSLROOTCERT; the password from PGPASSWORD
    /// or ~/.pgpass, never needed here [default: the PG* variables alone]
    #[arg(
        long = "db",
        env = "WORKPOOL_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub url: Option<String>,
}

impl DbArgs {
    /// The connection string (empty: the `PG*` variables alone).
    pub fn conninfo(&self) -> &str {
        self.url.as_deref().unwrap_or("")
    }
}

/// Connects to the database and brings its schema up to date.
///
/// # Errors
///
/// As [`connect`] and [`schema::migrate`].
pub async fn open(db: &DbArgs) -> Result<tokio_postgres::Client, QueueError> {
    let mut client = connect(db.conninfo()).await?;
    schema::migrate(&mut client).await?;
    Ok(client)
}

/// The run settings the pool's run flags ask for.
pub fn run_settings(args: &RunArgs) -> crate::run::RunSettings {
    crate::run::RunSettings {
        max_attempts: args.retries.saturating_add(1),
        timeout: args.timeout,
        rate: args.rate,
    }
}

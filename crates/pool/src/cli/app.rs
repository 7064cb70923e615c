//! [`App`]: a tool as a command-line program, named once; every engine
//! (one machine, a PostgreSQL queue, a message broker) runs it from there.
//!
//! A tool's flags fall in three groups, and each verb takes the groups it
//! uses (a flag of another group is refused, naming where it belongs):
//!
//! | group | what | single machine | `enqueue` / `publish` | `work` / `consume` |
//! |---|---|---|---|---|
//! | [`Inputs`](App::Inputs) | the inputs and what shapes a job (CSV, template, sizes, layout) | yes | yes | from the run's plan |
//! | [`Worker`](App::Worker) | where results go, with which secrets (SMTP server, password) | yes | no | yes |
//! | the pool's | workers, queue, retries, rate, journal | [`PoolArgs`](super::PoolArgs) | [`RunArgs`](super::RunArgs), stored with the run | each worker's own |
//!
//! An app implements [`App`] and its `main` is one call:
//! `pool::cli::main::<MyApp>(&[pool_postgres::engine()])`.

use std::fmt;
use std::future::Future;
use std::path::Path;
use std::process::ExitCode;

use crate::distributed::Distributed;

/// The plan of app `A`'s tool.
pub type PlanOf<A> = <<A as App>::Tool as Distributed>::Plan;

/// A tool as a command-line program; see the [module docs](self).
pub trait App: Send + 'static {
    /// The program's name: `mailer`.
    const NAME: &'static str;

    /// The async runtime's threads (`None`: one per CPU; `Some(1)`: the
    /// main thread only, for tools whose CPU work runs on blocking
    /// threads).
    const THREADS: Option<usize> = None;

    /// The tool.
    type Tool: Distributed<Source: Send, Handler: Send> + Send;

    /// The inputs and the settings that shape a job.
    type Inputs: clap::Args + Send + 'static;

    /// A worker's own flags: where results go and with which secrets;
    /// never stored in a run.
    type Worker: clap::Args + Send + 'static;

    /// The single-machine command line (the inputs, the worker's flags, the
    /// pool's, and any of its own).
    type Single: clap::Parser + Send + 'static;

    /// What building the tool can fail with (a usage or configuration
    /// error: exit 2).
    type Error: fmt::Display + Send + 'static;

    /// Runs the single-machine command; its exit status.
    fn single(cli: Self::Single) -> impl Future<Output = Result<ExitCode, Self::Error>>;

    /// Builds the tool for a run of `inputs` whose jobs are stored, not run
    /// here (`enqueue`, `publish`). Files it fetches (an `s3://` folder)
    /// go under `staging`, which outlives the tool.
    ///
    /// # Errors
    ///
    /// Bad usage or configuration, found before any job is stored.
    fn open(
        inputs: Self::Inputs,
        staging: &Path,
    ) -> impl Future<Output = Result<Self::Tool, Self::Error>>;

    /// Builds a worker's tool from a run's plan and the worker's own flags
    /// (`work`). Files it fetches go under `staging`.
    ///
    /// # Errors
    ///
    /// Bad usage or configuration, found before any job is claimed.
    fn worker(
        plan: PlanOf<Self>,
        worker: Self::Worker,
        quiet: bool,
        staging: &Path,
    ) -> impl Future<Output = Result<Self::Tool, Self::Error>>;
}

/// An empty set of flags: the [`Worker`](App::Worker) of a tool whose
/// workers need nothing of their own (the folders, settings and layout are
/// the run's).
#[derive(Debug, Clone, Copy, Default, clap::Args)]
pub struct NoFlags {}

//! Runs any workpool tool as many worker processes, on any number of
//! machines, over one job queue in PostgreSQL (15 or later).
//!
//! The single-machine commands need none of this: it is what the tools'
//! verbs do. `TOOL enqueue` reads the tool's usual inputs and stores one
//! job per item ([`enqueue()`]); `TOOL work` on each machine claims jobs
//! in batches, runs them with the tool's handler on a local [`pool`], and
//! records each outcome ([`work()`]); `TOOL status` and `TOOL retry` read
//! and repair a run ([`status()`], [`cli`]); `TOOL pause`, `resume` and
//! `cancel` control it ([`control`]).
//!
//! What holds:
//! - **At least once, with a lease per job.** A claim sets a lease that
//!   the worker renews for all its jobs in one statement every third of
//!   it; a job whose lease expired is taken back and retried by any live
//!   worker. The pair (job id, attempt) fences a stale worker: its late
//!   completion changes nothing and counts nothing. A worker that could
//!   not renew for a whole lease stops.
//! - **Retries through the queue**: a transient failure comes back after
//!   the pool's backoff (`run_at`); after the last attempt the job is dead
//!   with its error, until `TOOL retry`.
//! - **No transaction open while a job runs**; claims and completions go
//!   many jobs per round trip; a finished job is deleted (its key stays in
//!   `keys`, written at enqueue), so the queue stays as small as the work
//!   left.
//! - **A run's rate is the run's**: with `--rate`, claims take tokens from
//!   one bucket in the run's row, shared by every worker.
//! - **Idle workers are woken, not polling**: each worker process listens
//!   on its run's channel; `enqueue`, `retry`, `pause`, `resume` and
//!   `cancel` send one notification per statement (never a completion).
//!   A worker with nothing to do looks once per notification, and once
//!   per poll (`--poll`, 1 s) for what it missed: one statement, which
//!   also takes back expired jobs and beats its heartbeat.
//!
//! Any [`pool::Tool`] that is also [`pool::Distributed`] (its run's plan
//! stored once, each job a small payload) gets all of it.
//!
//! # Example
//!
//! ```no_run
//! use pool_postgres::{connect, schema, run};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), pool_postgres::QueueError> {
//! let mut client = connect("postgres://postgres@localhost/jobs").await?;
//! schema::migrate(&mut client).await?;
//! let run = run::find(&client, "mailer", None).await?;
//! let state = pool_postgres::status(&client, &run).await?;
//! println!("{} of {} done", state.done, state.enqueued);
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

mod claims;
pub mod cli;
mod complete;
mod completions;
mod connect;
pub mod control;
mod enqueue;
mod error;
mod hand;
mod keeper;
pub mod lease;
mod leased;
pub mod look;
pub mod run;
pub mod schema;
mod session;
mod status;
mod work;

pub use claims::Unusable;
pub use complete::{Completion, Recorded, record};
pub use completions::Tally;
pub use connect::{Attempt, Conn, ConnInfo, ConnectError, connect, redact_url};
pub use enqueue::{Enqueued, enqueue};
pub use error::QueueError;
pub use leased::{Attempted, Fenced, Leased};
pub use run::{RunInfo, RunSettings, RunState};
pub use status::{CancelledJob, DeadJob, RunStatus, WorkerStatus, retry, status};
pub use work::{WorkOptions, Worked, work};

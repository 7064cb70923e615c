//! A bounded worker pool for bulk jobs that loses nothing.
//!
//! `pool` runs jobs through a fixed number of workers fed by a queue of
//! fixed capacity, and reports exactly one [`Outcome`] per accepted job:
//! succeeded, failed, timed out, panicked or cancelled. It is the Go
//! pattern (jobs channel, N workers, results channel) with what bulk jobs
//! need on top:
//!
//! - **backpressure**: [`Pool::submit`] waits while the queue is full;
//!   [`Pool::try_submit`] hands the job back; memory stays bounded by the
//!   capacities, not by the size of the input;
//! - **retries** with exponential backoff and jitter ([`RetryPolicy`]), for
//!   errors the [`Handler`] marks [transient](JobError::Transient);
//! - a **per-attempt timeout**, a **rate limit** shared by all workers
//!   ([`Rate`]), and **panic isolation** (a panic becomes
//!   [`Status::Panicked`]; the worker keeps serving);
//! - **shutdown**: [`Pool::close`] drains, [`Pool::cancel`] reports what is
//!   still queued as cancelled, [`Pool::close_with_deadline`] turns one into
//!   the other;
//! - a live [`Snapshot`] for progress bars, and a [`Journal`] of finished
//!   keys so that a re-run after a crash skips what was done;
//! - [`JobSource`] and [`OutcomeSink`], the seams where a distributed engine
//!   plugs in, and [`run`], which drives a pool from one to the other;
//! - [`Consumable`], a tool whose items other programs send one by one
//!   (a broker's queue);
//! - [`Tool`], the one shape of a bulk tool (source, handler, what to write
//!   down of failures), which `cli::run_tool` (feature `cli`) runs with the
//!   journal, progress bar, Ctrl-C handling, summary and exit code.
//!
//! Async, I/O-bound handlers implement [`Handler`]; CPU-bound work
//! implements [`BlockingHandler`] and runs through [`Blocking`] on tokio's
//! blocking threads (or wraps a plain function with [`blocking_fn`]),
//! through the same `Pool`.
//!
//! # Example
//!
//! ```
//! use std::time::Duration;
//! use pool::{async_fn, JobError, Pool, RetryPolicy, Status};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let handler = async_fn(|n: u64, _cx| async move {
//!     if n % 10 == 0 {
//!         Err(JobError::Permanent(format!("{n} is round")))
//!     } else {
//!         Ok(n * n)
//!     }
//! });
//! let (pool, mut outcomes) = Pool::builder(handler)
//!     .workers(4)
//!     .queue(16)
//!     .retry(RetryPolicy::new(3).backoff(Duration::from_millis(10), Duration::from_secs(1)))
//!     .start();
//!
//! tokio::spawn(async move {
//!     for n in 1..=100 {
//!         pool.submit(n).await.expect("the pool is open");
//!     }
//!     // Dropping the last handle closes the pool: it drains, then the
//!     // outcomes end.
//! });
//!
//! let (mut ok, mut failed) = (0, 0);
//! while let Some(outcome) = outcomes.recv().await {
//!     match outcome.status {
//!         Status::Succeeded(square) => { assert_eq!(square, outcome.job * outcome.job); ok += 1 }
//!         Status::Failed(_) => failed += 1,
//!         other => panic!("unexpected {other:?}"),
//!     }
//! }
//! assert_eq!((ok, failed), (90, 10));
//! # }
//! ```
#![deny(missing_docs)]

mod atomic_write;
mod blocking;
#[cfg(feature = "cli")]
pub mod cli;
mod consumable;
mod delimiter;
mod distributed;
mod error;
mod handler;
mod job_scope;
mod journal;
mod outcome;
mod pool;
mod queue;
mod rate;
mod report;
mod retry;
mod run;
mod shared;
mod sink;
mod source;
mod stats;
mod tool;
mod words;
mod worker;

pub use atomic_write::write_atomic;
pub use blocking::{Blocking, BlockingFn, BlockingHandler, FnHandler, blocking_fn};
pub use consumable::Consumable;
pub use delimiter::detect_delimiter;
pub use distributed::Distributed;
pub use error::{JournalError, SubmitError, TrySubmitError};
pub use handler::{AsyncFn, Handler, JobContext, JobError, async_fn};
pub use job_scope::in_job;
pub use journal::{Journal, Keyed};
pub use outcome::{Outcome, Status};
pub use pool::{Builder, Outcomes, OutcomesOf, Pool};
pub use rate::{Rate, RateParseError};
pub use report::RunReport;
pub use retry::RetryPolicy;
pub use run::{RunError, run};
pub use sink::OutcomeSink;
pub use source::{IterSource, JobSource};
pub use stats::Snapshot;
pub use tokio_util::sync::CancellationToken;
pub use tool::{ErrorOf, Failure, InvalidOf, JobOf, OutputOf, Tool};
pub use words::io_words;

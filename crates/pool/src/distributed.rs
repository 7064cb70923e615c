//! [`Distributed`]: a [`Tool`] whose runs can be spread over many machines.
//!
//! A distributed engine (the `pool-postgres` crate) stores a run as two
//! things: the run's [`Plan`](Distributed::Plan), what every job shares (a
//! template, resize settings, a layout), stored once; and one
//! [`Payload`](Distributed::Payload) per job, small (a CSV row, a file's
//! key), never file bytes. A worker on another machine builds the tool from
//! the plan and its own settings (where to send, its secrets), then turns
//! each payload it claims back into a job with [`job`](Distributed::job).
//! Nothing here knows of a database: `pool` stays free of one.
//!
//! # Example
//!
//! ```
//! # use std::convert::Infallible;
//! # use std::path::PathBuf;
//! # use pool::{async_fn, AsyncFn, Failure, IterSource, JobContext, JobError, Tool, Distributed, JobOf};
//! # struct Squares { n: u64 }
//! # type Source = IterSource<std::iter::Map<std::ops::Range<u64>, fn(u64) -> Result<String, Infallible>>>;
//! # type Square = fn(String, JobContext) -> std::future::Ready<Result<u64, JobError<String>>>;
//! # fn square(job: String, _cx: JobContext) -> std::future::Ready<Result<u64, JobError<String>>> {
//! #     std::future::ready(Ok(job.len() as u64))
//! # }
//! # impl Tool for Squares {
//! #     type Source = Source;
//! #     type Handler = AsyncFn<Square>;
//! #     fn name(&self) -> &'static str { "squares" }
//! #     fn handler(&self) -> Self::Handler { async_fn(square as Square) }
//! #     fn source(&mut self) -> Self::Source {
//! #         IterSource((1..self.n + 1).map((|n| Ok(n.to_string())) as fn(u64) -> Result<String, Infallible>))
//! #     }
//! #     fn failures_path(&self) -> PathBuf { PathBuf::from("squares-failures.tsv") }
//! #     fn failure_row(&self, failure: &Failure<'_, Self>) -> Vec<String> { vec![failure.reason()] }
//! # }
//! /// The run shares `n`; each job is its number, as text.
//! impl Distributed for Squares {
//!     type Plan = u64;
//!     type Payload = String;
//!
//!     fn plan(&self) -> u64 { self.n }
//!     fn payload(&self, job: &String) -> Result<String, String> { Ok(job.clone()) }
//!     fn job(&self, payload: String) -> Result<String, String> { Ok(payload) }
//! }
//!
//! let squares = Squares { n: 3 };
//! assert_eq!(squares.payload(&"2".to_owned()).and_then(|p| squares.job(p)), Ok("2".to_owned()));
//! ```

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::tool::{JobOf, Tool};

/// A [`Tool`] whose jobs can be stored and run elsewhere; see the
/// [module docs](self).
pub trait Distributed: Tool {
    /// What every job of a run shares, stored once per run.
    type Plan: Serialize + DeserializeOwned + Send + 'static;
    /// One job as stored: small, and enough with the plan to rebuild the
    /// job.
    type Payload: Serialize + DeserializeOwned + Send + 'static;

    /// This run's plan, at enqueue.
    fn plan(&self) -> Self::Plan;

    /// What is stored of `job`, at enqueue.
    ///
    /// # Errors
    ///
    /// Why the job cannot be stored (its rows could not be read back from
    /// a spill file): the enqueue stops and stores nothing.
    fn payload(&self, job: &JobOf<Self>) -> Result<Self::Payload, String>;

    /// Rebuilds a job from its payload, on the worker that claimed it.
    ///
    /// # Errors
    ///
    /// Why the payload cannot become a job on this worker (a row that no
    /// longer renders, a file that is not there): the job fails
    /// permanently with this text.
    fn job(&self, payload: Self::Payload) -> Result<JobOf<Self>, String>;
}

//! [`Tool`]: one bulk tool, as the pool runs it from end to end.
//!
//! A tool is three things: where its jobs come from (a [`JobSource`]), what
//! runs each job (a [`Handler`], which classifies its own errors as
//! transient or permanent), and what it does with outcomes (the row it
//! writes in the failures file for an item that did not succeed, what it
//! counts of its successes, the lines it adds to the summary). Everything
//! else, the journal, the progress bar, Ctrl-C, retries, rate limits, the
//! summary and the exit code, is the runner's: `pool::cli::run_tool` with
//! the `cli` feature, or a distributed engine. So whatever is added to the
//! runner reaches every tool at once.
//!
//! # Example
//!
//! ```
//! use std::convert::Infallible;
//! use std::path::PathBuf;
//! use pool::{async_fn, AsyncFn, Failure, IterSource, JobContext, JobError, Tool};
//!
//! /// Squares numbers; a round one is an error.
//! struct Squares { n: u64 }
//!
//! type Source = IterSource<std::iter::Map<std::ops::Range<u64>, fn(u64) -> Result<String, Infallible>>>;
//! type Square = fn(String, JobContext) -> std::future::Ready<Result<u64, JobError<String>>>;
//!
//! fn square(job: String, _cx: JobContext) -> std::future::Ready<Result<u64, JobError<String>>> {
//!     let n: u64 = job.parse().unwrap_or(0);
//!     std::future::ready(if n % 10 == 0 { Err(JobError::Permanent(format!("{n} is round"))) } else { Ok(n * n) })
//! }
//!
//! impl Tool for Squares {
//!     type Source = Source;
//!     type Handler = AsyncFn<Square>;
//!
//!     fn name(&self) -> &'static str { "squares" }
//!     fn handler(&self) -> Self::Handler { async_fn(square as Square) }
//!     fn source(&mut self) -> Self::Source {
//!         IterSource((1..self.n + 1).map((|n| Ok(n.to_string())) as fn(u64) -> Result<String, Infallible>))
//!     }
//!     fn failures_path(&self) -> PathBuf { PathBuf::from("squares-failures.tsv") }
//!     fn failure_row(&self, failure: &Failure<'_, Self>) -> Vec<String> {
//!         match failure {
//!             Failure::Job { job, .. } => vec![job.to_string(), failure.reason()],
//!             Failure::Invalid(never) => match **never {},
//!         }
//!     }
//! }
//! # let _ = Squares { n: 3 };
//! ```

use std::fmt;
use std::future::Future;
use std::path::PathBuf;

use crate::handler::Handler;
use crate::journal::Keyed;
use crate::outcome::Status;
use crate::source::JobSource;

/// The jobs of tool `T`.
pub type JobOf<T> = <<T as Tool>::Source as JobSource>::Job;
/// The per-item input errors of tool `T`'s source.
pub type InvalidOf<T> = <<T as Tool>::Source as JobSource>::Error;
/// What a succeeded job of tool `T` produces.
pub type OutputOf<T> = <<T as Tool>::Handler as Handler<JobOf<T>>>::Output;
/// What a failed job of tool `T` reports.
pub type ErrorOf<T> = <<T as Tool>::Handler as Handler<JobOf<T>>>::Error;

/// An item of tool `T` that did not succeed, as the tool writes it down.
pub enum Failure<'a, T: Tool + ?Sized> {
    /// A job that ended without success: failed, timed out, panicked or
    /// cancelled. `status` is never [`Status::Succeeded`].
    Job {
        /// The job.
        job: &'a JobOf<T>,
        /// How it ended; [`Status::reason`] says why in words.
        status: &'a Status<OutputOf<T>, ErrorOf<T>>,
        /// How many attempts ran (0 when it was cancelled before the first).
        attempts: u32,
    },
    /// An input item that could not become a job.
    Invalid(&'a InvalidOf<T>),
}

impl<T: Tool + ?Sized> Failure<'_, T> {
    /// Why the item did not succeed, in words: the error's text, `timed
    /// out`, `panicked: ...` or `cancelled`, with the number of attempts
    /// when there was more than one.
    pub fn reason(&self) -> String {
        match self {
            Failure::Job {
                status, attempts, ..
            } => {
                let reason = status.reason().unwrap_or_default();
                if *attempts > 1 {
                    format!("{reason} (after {attempts} attempts)")
                } else {
                    reason
                }
            }
            Failure::Invalid(error) => error.to_string(),
        }
    }
}

impl<T: Tool + ?Sized> fmt::Debug for Failure<'_, T>
where
    JobOf<T>: fmt::Debug,
    InvalidOf<T>: fmt::Debug,
    OutputOf<T>: fmt::Debug,
    ErrorOf<T>: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Job {
                job,
                status,
                attempts,
            } => f
                .debug_struct("Job")
                .field("job", job)
                .field("status", status)
                .field("attempts", attempts)
                .finish(),
            Failure::Invalid(e) => f.debug_tuple("Invalid").field(e).finish(),
        }
    }
}

/// A bulk tool the pool knows how to run; see the [module docs](self).
///
/// The runner calls [`handler`](Tool::handler) and then
/// [`source`](Tool::source) once each, feeds the source through a pool
/// running the handler, and calls the other methods as outcomes arrive and
/// at the end.
pub trait Tool: Send + 'static {
    /// Where the jobs come from; its per-item errors are written to the
    /// failures file like failed jobs.
    type Source: JobSource<Job: Keyed + Sync, Error: fmt::Display>;
    /// What runs each job; its errors say whether they are transient.
    type Handler: Handler<JobOf<Self>, Error: fmt::Display>;

    /// The tool's name, as it starts messages and the summary: `mailer`.
    fn name(&self) -> &'static str;

    /// How many workers run when the user does not say (default: one per
    /// CPU, for CPU-bound tools).
    fn default_workers(&self) -> usize {
        std::thread::available_parallelism().map_or(1, usize::from)
    }

    /// The number of jobs, when known before the run (for the progress
    /// bar). Default: unknown.
    fn total(&self) -> Option<u64> {
        None
    }

    /// The handler the workers run. Called once, before
    /// [`source`](Tool::source).
    fn handler(&self) -> Self::Handler;

    /// The source of the jobs. Called once.
    ///
    /// # Panics
    ///
    /// An implementation may panic when called a second time.
    fn source(&mut self) -> Self::Source;

    /// Whether the run reads and writes the journal the user gave
    /// (default: yes). A trial run that does not do the real work (a test
    /// send to oneself) says no, so that the real run does everything.
    fn uses_journal(&self) -> bool {
        true
    }

    /// What the run's journal is the journal of, written in its first
    /// line when the run creates it: a run of another kind given that
    /// journal is refused, so that the keys of one kind of run (a dry run)
    /// never make another (a send) skip its work. Default: the tool's name.
    fn journal_kind(&self) -> String {
        self.name().into()
    }

    /// Where the failures file goes.
    fn failures_path(&self) -> PathBuf;

    /// The failures file's column names: `Some` for a CSV file with a
    /// header line, `None` (the default) for a tab-separated file without
    /// one (a list that the tool reads back as input).
    fn failures_header(&self) -> Option<Vec<String>> {
        None
    }

    /// The failures file's row for an item that did not succeed: fed back
    /// as input, it redoes that item.
    fn failure_row(&self, failure: &Failure<'_, Self>) -> Vec<String>;

    /// The line printed for an item that did not succeed (default: the
    /// job's key and the reason).
    fn failure_line(&self, failure: &Failure<'_, Self>) -> String {
        match failure {
            Failure::Job { job, .. } => format!("{}: {}", job.key(), failure.reason()),
            Failure::Invalid(_) => failure.reason(),
        }
    }

    /// Takes a succeeded job's output: counts what the tool reports at the
    /// end, and returns warnings worth showing (default: none).
    fn succeeded(&mut self, job: &JobOf<Self>, output: OutputOf<Self>) -> Vec<String> {
        let _ = (job, output);
        Vec::new()
    }

    /// Lines the tool adds below the summary's counts (default: none).
    fn summary_lines(&self) -> Vec<String> {
        Vec::new()
    }

    /// Counts the tool adds to the summary's JSON object (default: none).
    fn summary_counts(&self) -> Vec<(&'static str, u64)> {
        Vec::new()
    }

    /// Lists the tool adds to the summary's JSON object (default: none):
    /// the mailer's suppressed addresses.
    fn summary_lists(&self) -> Vec<(&'static str, Vec<String>)> {
        Vec::new()
    }

    /// Runs once the pool has drained, before the summary: close
    /// connections, flush what the tool buffered.
    fn finish(&mut self) -> impl Future<Output = ()> + Send {
        async {}
    }
}

//! Driving a pool from a [`JobSource`] into an [`OutcomeSink`]: [`run`].
//!
//! The apps read their input lazily (CSV rows, directory entries, groups of
//! rows) through a [`JobSource`], and hand every outcome to an
//! [`OutcomeSink`] (progress, failures file, summary). The two traits are
//! the seams where a distributed engine plugs in: a source that claims jobs
//! from a database table, a sink that writes outcomes back to it, with the
//! same pool and the same worker loop.
//!
//! # Example
//!
//! ```
//! use std::convert::Infallible;
//! use pool::{async_fn, IterSource, JobError, Outcome, OutcomeSink, Pool};
//!
//! struct Count(u64);
//!
//! impl OutcomeSink<u64, u64, String, Infallible> for Count {
//!     type Error = Infallible;
//!     async fn outcome(&mut self, _: Outcome<u64, u64, String>) -> Result<(), Infallible> {
//!         self.0 += 1;
//!         Ok(())
//!     }
//!     async fn invalid(&mut self, e: Infallible) -> Result<(), Infallible> {
//!         match e {}
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let handler = async_fn(|n: u64, _cx| async move { Ok::<_, JobError<String>>(n + 1) });
//! let (pool, outcomes) = Pool::builder(handler).workers(4).queue(8).start();
//! let source = IterSource((0..1000u64).map(Ok::<_, Infallible>));
//! let mut sink = Count(0);
//! let report = pool::run(pool, outcomes, source, &mut sink).await.expect("the sink cannot fail");
//! assert_eq!((report.total, report.succeeded, sink.0), (1000, 1000, 1000));
//! # }
//! ```

use std::fmt;
use std::time::Instant;

use tokio::sync::mpsc;

use crate::handler::Handler;
use crate::journal::Keyed;
use crate::pool::{Outcomes, Pool};
use crate::report::RunReport;
use crate::sink::OutcomeSink;
use crate::source::JobSource;

/// [`run`] stopped because the sink could not record an outcome, or the
/// journal could not record a key. The report counted until then comes
/// back with the error.
#[derive(Debug)]
pub enum RunError<S> {
    /// The sink failed; the pool was cancelled and drained, so every
    /// accepted job still ended and is counted in the report.
    Sink(S, RunReport),
    /// The journal failed to record a key: a re-run may repeat the jobs
    /// after it.
    Journal(String, RunReport),
}

impl<S> RunError<S> {
    /// The report counted until the error.
    pub fn report(&self) -> &RunReport {
        match self {
            RunError::Sink(_, report) | RunError::Journal(_, report) => report,
        }
    }
}

impl<S: fmt::Display> fmt::Display for RunError<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Sink(e, _) => write!(f, "could not record an outcome: {e}"),
            RunError::Journal(e, _) => write!(f, "could not record a finished job: {e}"),
        }
    }
}

impl<S: fmt::Debug + fmt::Display> std::error::Error for RunError<S> {}

/// What the feeder task tells the run loop, in input order.
enum Event<J, I> {
    Invalid(I),
    Skipped(J),
    Accepted,
    Interrupted,
}

/// Feeds every job of `source` into `pool` and every outcome into `sink`,
/// until the source ends and the pool has drained, or the pool is closed or
/// cancelled from outside (then the rest of the input is left unread and
/// the report says `interrupted`).
///
/// Jobs whose key the pool's [journal](crate::Builder::journal) holds, and
/// jobs the source [skips](JobSource::should_skip), are skipped:
/// counted, handed to [`OutcomeSink::skipped`], never run.
///
/// The source is read in a spawned task, so that a full queue never stops
/// outcomes from being drained; memory stays bounded by the pool's
/// capacities whatever the size of the input. The loop reads both the
/// source's events and the pool's outcomes until both have ended, and the
/// reading task checks before each item whether the pool is still open, so
/// no order of close, cancel, sink error and end of input leaves `run`
/// waiting: a close stops reading input within one item, even where every
/// item is skipped and none reaches the pool.
///
/// # Errors
///
/// [`RunError::Sink`] if the sink fails (the pool is cancelled and drained
/// first, so every accepted job still ends); [`RunError::Journal`] if the
/// journal failed to record a key.
///
/// # Panics
///
/// Panics if called outside a tokio runtime, and passes on a panic of the
/// source (after the pool has drained).
///
/// # Cancel safety
///
/// Not cancel safe: dropping the future stops reading outcomes, and the
/// jobs still queued run with nobody to hear their outcomes.
pub async fn run<S, H, K>(
    pool: Pool<S::Job, H>,
    mut outcomes: Outcomes<S::Job, H::Output, H::Error>,
    mut source: S,
    sink: &mut K,
) -> Result<RunReport, RunError<K::Error>>
where
    S: JobSource,
    S::Job: Keyed,
    H: Handler<S::Job>,
    K: OutcomeSink<S::Job, H::Output, H::Error, S::Error>,
{
    let started = Instant::now();
    let (events_tx, mut events) = mpsc::channel(64);
    let feeder_pool = pool.clone();
    let feeder = tokio::spawn(async move {
        let pool = feeder_pool;
        let journal = pool.journal().cloned();
        loop {
            if pool.is_closed() {
                let _ = events_tx.send(Event::Interrupted).await;
                break;
            }
            let Some(item) = source.next().await else {
                break;
            };
            let event = match item {
                Err(e) => Event::Invalid(e),
                Ok(job) if journal.as_ref().is_some_and(|j| j.contains(&job.key())) => {
                    tracing::debug!("{}: skipped: the journal says it was done", job.key());
                    Event::Skipped(job)
                }
                Ok(job) if source.should_skip(&job) => {
                    tracing::debug!("{}: skipped: nothing to do", job.key());
                    Event::Skipped(job)
                }
                Ok(job) => match pool.submit(job).await {
                    Ok(()) => Event::Accepted,
                    Err(_) => Event::Interrupted,
                },
            };
            let stop = matches!(event, Event::Interrupted);
            if events_tx.send(event).await.is_err() || stop {
                break;
            }
        }
        // Dropping this handle leaves the run's own, which the loop closes
        // once the events end.
    });

    let mut report = RunReport::default();
    let mut sink_error = None;
    let (mut events_open, mut outcomes_open) = (true, true);
    while events_open || outcomes_open {
        tokio::select! {
            event = events.recv(), if events_open => match event {
                None => {
                    events_open = false;
                    // The feeder is done: close intake so the pool drains.
                    pool.close();
                }
                Some(event) => {
                    let sink_ok = sink_error.is_none();
                    if let Err(e) = record_event(&mut report, sink, event, sink_ok).await {
                        sink_error = Some(e);
                        pool.cancel();
                    }
                }
            },
            outcome = outcomes.recv(), if outcomes_open => match outcome {
                None => outcomes_open = false,
                Some(outcome) => {
                    report.count(&outcome.status);
                    if sink_error.is_none()
                        && let Err(e) = sink.outcome(outcome).await
                    {
                        sink_error = Some(e);
                        pool.cancel();
                    }
                }
            },
        }
    }
    // The events ended, so the feeder has returned or panicked.
    if let Err(e) = feeder.await
        && e.is_panic()
    {
        std::panic::resume_unwind(e.into_panic());
    }
    report.retried = pool.snapshot().retried;
    report.elapsed = started.elapsed();
    if let Some(e) = sink_error {
        return Err(RunError::Sink(e, report));
    }
    if let Some(e) = pool.journal().and_then(|j| j.take_error()) {
        return Err(RunError::Journal(e, report));
    }
    Ok(report)
}

/// Counts a feeder event and passes it to the sink (unless the sink
/// already failed).
async fn record_event<J, O, E, I, K>(
    report: &mut RunReport,
    sink: &mut K,
    event: Event<J, I>,
    sink_ok: bool,
) -> Result<(), K::Error>
where
    K: OutcomeSink<J, O, E, I>,
{
    match event {
        Event::Accepted => {
            report.total += 1;
            report.accepted += 1;
        }
        Event::Interrupted => report.interrupted = true,
        Event::Invalid(e) => {
            report.count_invalid();
            if sink_ok {
                return sink.invalid(e).await;
            }
        }
        Event::Skipped(job) => {
            report.total += 1;
            report.skipped += 1;
            if sink_ok {
                return sink.skipped(job).await;
            }
        }
    }
    Ok(())
}

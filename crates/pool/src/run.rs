//! Driving a pool from a [`JobSource`] into an [`OutcomeSink`]: [`run`].
//!
//! The apps read their input lazily (CSV rows, directory entries, groups of
//! rows) through a [`JobSource`], and hand every outcome to an
//! [`OutcomeSink`] (progress, failures file, summary). The two traits are the
//! seams where a distributed engine plugs in later: a source that claims jobs
//! from a database table, a sink that writes outcomes back to it, with the
//! same pool and the same worker loop.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::mpsc;

use crate::handler::Handler;
use crate::journal::{Journal, Keyed};
use crate::outcome::{Outcome, Status};
use crate::pool::{Outcomes, Pool};

/// Where jobs come from, one at a time, read lazily.
///
/// An item is `Err` when the input is bad for that item only (a malformed
/// row, an unreadable file): it is reported to the sink as
/// [`invalid`](OutcomeSink::invalid) and the run goes on. A source that can
/// no longer read at all ends with `None` after reporting that as an item
/// error.
pub trait JobSource: Send + 'static {
    /// The jobs it yields.
    type Job: Send + 'static;
    /// A per-item input error.
    type Error: Send + 'static;

    /// The next job, a per-item error, or `None` at the end.
    fn next(&mut self) -> impl Future<Output = Option<Result<Self::Job, Self::Error>>> + Send;
}

/// A [`JobSource`] over an iterator (a CSV reader, a directory walk).
///
/// Reading happens on the runtime's thread; for files on a local disk each
/// item is a short buffered read.
#[derive(Debug)]
pub struct IterSource<I>(pub I);

impl<I, J, E> JobSource for IterSource<I>
where
    I: Iterator<Item = Result<J, E>> + Send + 'static,
    J: Send + 'static,
    E: Send + 'static,
{
    type Job = J;
    type Error = E;

    async fn next(&mut self) -> Option<Result<J, E>> {
        self.0.next()
    }
}

/// Where outcomes go: a failures file, a progress bar, a database table.
pub trait OutcomeSink<J, O, E, I>: Send {
    /// Why the sink could not record something; ends the run.
    type Error: Send + 'static;

    /// Records one job's outcome.
    fn outcome(
        &mut self,
        outcome: Outcome<J, O, E>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Records an input item that could not become a job.
    fn invalid(&mut self, error: I) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Records a job skipped because the journal says an earlier run did it.
    fn skipped(&mut self, job: J) -> impl Future<Output = Result<(), Self::Error>> + Send {
        let _ = job;
        async { Ok(()) }
    }
}

/// What a [`run`] did, counted as it went.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RunReport {
    /// Items read from the source: jobs and invalid items.
    pub total: u64,
    /// Jobs accepted by the pool.
    pub accepted: u64,
    /// Jobs that succeeded.
    pub succeeded: u64,
    /// Jobs that failed, plus invalid input items.
    pub failed: u64,
    /// Of `failed`: input items that could not become jobs.
    pub invalid: u64,
    /// Jobs whose last attempt timed out.
    pub timed_out: u64,
    /// Jobs whose handler panicked.
    pub panicked: u64,
    /// Jobs cancelled before they finished.
    pub cancelled: u64,
    /// Jobs skipped because the journal holds their key.
    pub skipped: u64,
    /// Retries over all jobs.
    pub retried: u64,
    /// Whether intake stopped before the source ended (Ctrl-C, or the
    /// pool closed from outside): the rest of the input was not read.
    pub interrupted: bool,
    /// Wall time of the run.
    #[serde(serialize_with = "secs")]
    pub elapsed: Duration,
}

fn secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

impl RunReport {
    fn count<O, E>(&mut self, status: &Status<O, E>) {
        match status {
            Status::Succeeded(_) => self.succeeded += 1,
            Status::Failed(_) => self.failed += 1,
            Status::TimedOut => self.timed_out += 1,
            Status::Panicked(_) => self.panicked += 1,
            Status::Cancelled => self.cancelled += 1,
        }
    }

    /// Whether every item read succeeded or was skipped, and the input was
    /// read to its end.
    pub fn all_succeeded(&self) -> bool {
        !self.interrupted && self.succeeded + self.skipped == self.total
    }

    /// Jobs that ended badly: failed (including invalid items), timed out,
    /// panicked or cancelled.
    pub fn not_succeeded(&self) -> u64 {
        self.failed + self.timed_out + self.panicked + self.cancelled
    }
}

/// [`run`] stopped because the sink could not record an outcome, or the
/// journal could not record a key.
#[derive(Debug)]
pub enum RunError<S> {
    /// The sink failed; the pool was cancelled and drained, and what was
    /// counted until then is in the report.
    Sink(S, RunReport),
    /// The journal failed to record a key: a re-run may repeat the jobs
    /// after it.
    Journal(String, RunReport),
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

enum Event<J, I> {
    Invalid(I),
    Skipped(J),
    Accepted,
    Interrupted,
}

/// Feeds every job of `source` into `pool` (skipping keys `journal` holds)
/// and every outcome into `sink`, until the source ends and the pool has
/// drained, or the pool is closed from outside (then the rest of the input
/// is left unread and the report says `interrupted`).
///
/// The source is read in a spawned task, so that a full queue never stops
/// outcomes from being drained; memory stays bounded by the pool's
/// capacities whatever the size of the input.
///
/// # Errors
///
/// [`RunError::Sink`] if the sink fails (the pool is cancelled and drained
/// first, so every accepted job still ends); [`RunError::Journal`] if the
/// journal failed to record a key.
///
/// # Panics
///
/// Panics if called outside a tokio runtime.
pub async fn run<S, H, K>(
    pool: Pool<S::Job, H>,
    mut outcomes: Outcomes<S::Job, H::Output, H::Error>,
    mut source: S,
    journal: Option<Arc<Journal>>,
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
        while let Some(item) = source.next().await {
            let event = match item {
                Err(e) => Event::Invalid(e),
                Ok(job) if journal.as_ref().is_some_and(|j| j.contains(&job.key())) => {
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
        // Dropping the last handle closes intake: the workers drain.
    });

    let mut report = RunReport::default();
    let mut sink_error = None;
    let mut events_open = true;
    loop {
        tokio::select! {
            event = events.recv(), if events_open => match event {
                None => {
                    events_open = false;
                    // The feeder is done: let intake close so the pool drains.
                    pool.close();
                }
                Some(event) => {
                    if let Err(e) = record_event(&mut report, sink, event, sink_error.is_none()).await {
                        sink_error = Some(e);
                        pool.cancel();
                    }
                }
            },
            outcome = outcomes.recv() => match outcome {
                None => break,
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
    // The outcomes ended, so the feeder is done; collect its last events.
    let _ = feeder.await;
    while let Some(event) = events.recv().await {
        if let Err(e) = record_event(&mut report, sink, event, sink_error.is_none()).await {
            sink_error = Some(e);
        }
    }
    report.retried = pool.snapshot().retried;
    report.elapsed = started.elapsed();
    if let Some(e) = sink_error {
        return Err(RunError::Sink(e, report));
    }
    if let Some(hook) = &pool_journal_error(&pool) {
        return Err(RunError::Journal(hook.clone(), report));
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
            report.total += 1;
            report.failed += 1;
            report.invalid += 1;
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

fn pool_journal_error<J: Send + 'static, H: Handler<J>>(pool: &Pool<J, H>) -> Option<String> {
    pool.journal().and_then(|j| j.take_error())
}

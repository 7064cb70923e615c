//! The worker loop: take a batch of jobs, run each through retries, timeout,
//! rate limit and panic guard, report one outcome per job.

use std::any::Any;
use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::Either;

use crate::handler::{Handler, JobContext, JobError};
use crate::job_scope::{JobScope, as_job};
use crate::outcome::{Outcome, Status};
use crate::shared::Shared;
use crate::stats::WorkerStats;

/// Runs worker `index` until the job queue is closed and empty.
pub(crate) async fn run<J, H>(shared: Arc<Shared<J, H>>, index: usize)
where
    J: Send + 'static,
    H: Handler<J>,
{
    let stats = &shared.stats.workers[index];
    let mut cx = JobContext::new(1, shared.cancel.clone());
    let mut batch = VecDeque::new();
    let mut outcomes = VecDeque::new();
    loop {
        let taken = shared
            .jobs
            .pop_batch(&mut batch, shared.config.max_batch, shared.config.workers)
            .await;
        if taken == 0 {
            break;
        }
        stats.held.store(taken as u64, Ordering::Relaxed);
        // One clock read per job: a job starts when the one before it ended.
        let mut mark = shared.stats.clock.raw();
        while let Some(job) = batch.pop_front() {
            stats.held.store(batch.len() as u64, Ordering::Relaxed);
            // A stopped pool starts nothing new: what is still in hand was
            // never tried.
            let outcome = if shared.is_stopped() {
                Outcome {
                    job,
                    status: Status::Cancelled,
                    attempts: 0,
                    elapsed: Duration::ZERO,
                }
            } else {
                stats.in_flight.store(1, Ordering::Relaxed);
                let mut outcome = run_job(&shared, job, &mut cx, stats).await;
                let now = shared.stats.clock.raw();
                outcome.elapsed = shared.stats.clock.delta(mark, now);
                mark = now;
                stats.in_flight.store(0, Ordering::Relaxed);
                outcome
            };
            stats.record(&outcome.status, outcome.elapsed, outcome.attempts > 0);
            if matches!(
                outcome.status,
                Status::Failed(_) | Status::TimedOut | Status::Panicked(_)
            ) {
                shared.job_failed();
            }
            outcomes.push_back(outcome);
        }
        if shared.outcomes.push_all(&mut outcomes).await.is_err() {
            // Nobody listens any more; the jobs' effects are done, and
            // their outcomes have nowhere to go.
            outcomes.clear();
        }
        // Only now do the jobs leave this worker's hands (they are in the
        // outcome queue, which bounds them): give their room back, so that
        // jobs alive never exceed the two capacities.
        shared.jobs.release(taken);
    }
    shared.worker_exited();
}

async fn run_job<J, H>(
    shared: &Shared<J, H>,
    job: J,
    cx: &mut JobContext,
    stats: &WorkerStats,
) -> Outcome<J, H::Output, H::Error>
where
    J: Send + 'static,
    H: Handler<J>,
{
    let config = &shared.config;
    let mut attempt = 1;
    let mut ran = 0;
    let status = loop {
        if let Some(limiter) = &shared.limiter {
            // A job waiting for a rate token has not started: a stop ends
            // the wait.
            let waited = std::time::Instant::now();
            tokio::select! {
                biased;
                () = shared.stop.cancelled() => break Status::Cancelled,
                () = limiter.acquire() => {}
            }
            let waited = waited.elapsed();
            if waited >= Duration::from_millis(1) {
                tracing::debug!("waited {waited:.1?} for the rate limit");
            }
        }
        if shared.is_stopped() {
            break Status::Cancelled;
        }
        cx.set_attempt(attempt);
        ran = attempt;
        // A handler that panics making its future is caught too.
        let made = std::panic::catch_unwind(AssertUnwindSafe(|| {
            as_job(|| shared.handler.call(&job, cx))
        }));
        let call = match made {
            Ok(future) => Either::Left(AssertUnwindSafe(JobScope { inner: future }).catch_unwind()),
            Err(panic) => Either::Right(std::future::ready(Err(panic))),
        };
        let attempt_run = async {
            match config.timeout {
                Some(limit) => tokio::time::timeout(limit, call).await.ok(),
                None => Some(call.await),
            }
        };
        // A cancel (a second Ctrl-C) ends a running attempt that does not
        // end itself when it sees the token: its effect is unknown, so it
        // is not journaled and a re-run does it again. The attempt is
        // polled first, so a result ready at once (or one the handler
        // returns on seeing the token) wins, and an attempt that completes
        // at its first poll never registers with the token.
        let result = tokio::select! {
            biased;
            result = attempt_run => result,
            () = shared.cancel.cancelled() => break Status::Cancelled,
        };
        let retry_status = match result {
            Some(Ok(Ok(output))) => {
                if let Some(journal) = &shared.journal {
                    journal.journal.record_or_remember(&(journal.key)(&job));
                }
                break Status::Succeeded(output);
            }
            Some(Ok(Err(JobError::Permanent(e)))) => break Status::Failed(e),
            Some(Ok(Err(JobError::Transient(e)))) => Status::Failed(e),
            Some(Err(panic)) => break Status::Panicked(panic_message(panic.as_ref())),
            None => Status::TimedOut,
        };
        if attempt >= config.retry.max_attempts() {
            break retry_status;
        }
        if shared.is_stopped() {
            // It would have been retried: it did not fail, it was stopped.
            break Status::Cancelled;
        }
        stats.retried();
        let delay = config.retry.delay(attempt);
        if let Some(on_retry) = &shared.on_retry {
            let error = match &retry_status {
                Status::Failed(e) => Some(e),
                _ => None,
            };
            on_retry(&job, error, attempt, delay);
        }
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            () = shared.stop.cancelled() => break Status::Cancelled,
        }
        attempt += 1;
    };
    Outcome {
        job,
        status,
        attempts: ran,
        // Measured by the caller, with one clock read per job.
        elapsed: Duration::ZERO,
    }
}

/// The message of a panic payload (`panic!` gives a `&str` or a `String`).
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a non-string payload".to_owned()
    }
}

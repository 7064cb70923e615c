//! The [`Pool`] handle, its [`Builder`] and the [`Outcomes`] receiver.

use std::collections::VecDeque;
use std::fmt;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::error::{SubmitError, TrySubmitError};
use crate::handler::Handler;
use crate::journal::{Journal, Keyed};
use crate::outcome::Outcome;
use crate::queue::{Queue, TryPushError};
use crate::rate::{Limiter, Rate};
use crate::retry::RetryPolicy;
use crate::shared::{Config, JournalHook, RetryHook, Shared};
use crate::stats::{Snapshot, Stats};
use crate::worker;

/// The default number of workers: the number of CPUs.
fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(4, |n| n.get())
}

/// The [`Outcomes`] of a pool running handler `H` on jobs `J`.
pub type OutcomesOf<J, H> = Outcomes<J, <H as Handler<J>>::Output, <H as Handler<J>>::Error>;

/// Configures and starts a [`Pool`]; made by [`Pool::builder`].
#[must_use = "a builder does nothing until `start` is called"]
pub struct Builder<J, H: Handler<J>> {
    handler: H,
    config: Config,
    queue: usize,
    outcome_queue: Option<usize>,
    rate: Option<Rate>,
    journal: Option<JournalHook<J>>,
    on_retry: Option<RetryHook<J, H::Error>>,
    cancel: Option<CancellationToken>,
}

impl<J, H: Handler<J>> fmt::Debug for Builder<J, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("config", &self.config)
            .field("queue", &self.queue)
            .field("rate", &self.rate)
            .finish_non_exhaustive()
    }
}

impl<J, H> Builder<J, H>
where
    J: Send + 'static,
    H: Handler<J>,
{
    /// The number of workers (at least 1; default: the number of CPUs).
    /// It is also the most jobs that run at once.
    pub fn workers(mut self, workers: usize) -> Self {
        self.config.workers = workers.max(1);
        self
    }

    /// The job queue's capacity (at least 1; default 1024): jobs accepted and
    /// not yet finished, beyond those running, never exceed it.
    pub fn queue(mut self, capacity: usize) -> Self {
        self.queue = capacity.max(1);
        self
    }

    /// The outcome queue's capacity (default: the job queue's). Workers wait
    /// when it is full, so a slow reader slows the pool instead of growing
    /// memory.
    pub fn outcome_queue(mut self, capacity: usize) -> Self {
        self.outcome_queue = Some(capacity.max(1));
        self
    }

    /// The most jobs a worker takes from the queue at once (default 16).
    /// Larger batches lower the cost per job for tiny jobs; for long jobs
    /// (seconds each) use 1, so that no job waits behind another in a
    /// worker's hands while a worker is free.
    pub fn max_batch(mut self, max_batch: usize) -> Self {
        self.config.max_batch = max_batch.max(1);
        self
    }

    /// How failed attempts are retried (default: not at all).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.config.retry = policy;
        self
    }

    /// A time limit for each attempt (default: none). An attempt that runs
    /// past it counts as a transient failure; if it was the last attempt,
    /// the job ends [`TimedOut`](crate::Status::TimedOut).
    pub fn timeout(mut self, limit: Duration) -> Self {
        self.config.timeout = Some(limit);
        self
    }

    /// Like [`timeout`](Self::timeout), from an option.
    pub fn timeout_opt(mut self, limit: Option<Duration>) -> Self {
        self.config.timeout = limit;
        self
    }

    /// [Stops](Pool::stop) the pool once `max` items have failed, timed
    /// out or panicked (default: never): a relay that refuses everything, a
    /// full disk. The job that reaches `max` stops it as its outcome is
    /// recorded, so no other job starts after it; jobs already running (at
    /// most one per other worker) finish, and every job still queued ends
    /// [`Cancelled`](crate::Status::Cancelled). Items that failed outside
    /// the pool count too: see [`Pool::count_failure`].
    pub fn max_failures(mut self, max: Option<u64>) -> Self {
        self.config.max_failures = max.map(|m| m.max(1));
        self
    }

    /// Limits attempts (first tries and retries) across all workers
    /// (default: no limit).
    pub fn rate(mut self, rate: Rate) -> Self {
        self.rate = Some(rate);
        self
    }

    /// Like [`rate`](Self::rate), from an option.
    pub fn rate_opt(mut self, rate: Option<Rate>) -> Self {
        self.rate = rate;
        self
    }

    /// Records each succeeded job's key in `journal` before its outcome is
    /// reported. Skipping keys an earlier run recorded is the job source's
    /// business: see [`run`](crate::run) and [`Journal::contains`].
    pub fn journal(mut self, journal: Arc<Journal>) -> Self
    where
        J: Keyed,
    {
        self.journal = Some(JournalHook {
            journal,
            key: <J as Keyed>::key,
        });
        self
    }

    /// Calls `hook` each time a job is about to be retried, with the job,
    /// the failed attempt's error (`None` when it timed out), that
    /// attempt's number and the wait before the next: for logging.
    pub fn on_retry(
        mut self,
        hook: impl Fn(&J, Option<&H::Error>, u32, Duration) + Send + Sync + 'static,
    ) -> Self {
        self.on_retry = Some(Box::new(hook));
        self
    }

    /// Uses `token` as the pool's cancellation token (default: a new one),
    /// so that cancelling it cancels the pool.
    pub fn cancellation(mut self, token: CancellationToken) -> Self {
        self.cancel = Some(token);
        self
    }

    /// Spawns the workers and returns the pool's handle and its outcomes.
    ///
    /// # Panics
    ///
    /// Panics if called outside a tokio runtime.
    pub fn start(self) -> (Pool<J, H>, OutcomesOf<J, H>) {
        let workers = self.config.workers;
        let outcomes = Arc::new(Queue::new(self.outcome_queue.unwrap_or(self.queue)));
        let shared = Arc::new(Shared {
            handler: self.handler,
            jobs: Queue::new(self.queue),
            outcomes: Arc::clone(&outcomes),
            limiter: self.rate.map(Limiter::new),
            journal: self.journal,
            on_retry: self.on_retry,
            cancel: self.cancel.clone().unwrap_or_default(),
            cancelled: AtomicBool::new(false),
            stop: CancellationToken::new(),
            stopped: AtomicBool::new(false),
            stats: Stats::new(workers),
            failures: AtomicU64::new(0),
            handles: AtomicUsize::new(1),
            live_workers: AtomicUsize::new(workers),
            drained: AtomicBool::new(false),
            drained_notify: Notify::new(),
            config: self.config,
        });
        if let Some(token) = self.cancel {
            // Cancelling the caller's token cancels the pool. The watcher
            // holds the pool weakly, so an uncancelled token keeps nothing
            // alive but this small task.
            let weak = Arc::downgrade(&shared);
            tokio::spawn(async move {
                token.cancelled().await;
                if let Some(shared) = weak.upgrade() {
                    shared.cancel();
                }
            });
        }
        for index in 0..workers {
            tokio::spawn(worker::run(Arc::clone(&shared), index));
        }
        (
            Pool { shared },
            Outcomes {
                queue: outcomes,
                buf: VecDeque::new(),
                taken: 0,
            },
        )
    }
}

/// A handle to a running worker pool: submit jobs, close or cancel it,
/// watch it.
///
/// Cloning the handle gives another producer. When the last handle is
/// dropped, the pool [closes](Pool::close): it drains and then ends its
/// [`Outcomes`].
pub struct Pool<J, H: Handler<J>> {
    shared: Arc<Shared<J, H>>,
}

impl<J, H: Handler<J>> fmt::Debug for Pool<J, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("workers", &self.shared.config.workers)
            .field("capacity", &self.shared.jobs.capacity())
            .finish_non_exhaustive()
    }
}

impl<J, H: Handler<J>> Clone for Pool<J, H> {
    fn clone(&self) -> Self {
        self.shared.handles.fetch_add(1, Ordering::Relaxed);
        Pool {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<J, H: Handler<J>> Drop for Pool<J, H> {
    fn drop(&mut self) {
        if self.shared.handles.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.shared.jobs.close();
        }
    }
}

impl<J, H> Pool<J, H>
where
    J: Send + 'static,
    H: Handler<J>,
{
    /// Starts configuring a pool that runs `handler`.
    pub fn builder(handler: H) -> Builder<J, H> {
        Builder {
            handler,
            config: Config {
                workers: default_workers(),
                max_batch: 16,
                max_failures: None,
                retry: RetryPolicy::none(),
                timeout: None,
            },
            queue: 1024,
            outcome_queue: None,
            rate: None,
            journal: None,
            on_retry: None,
            cancel: None,
        }
    }

    /// Submits a job, waiting while the queue is full.
    ///
    /// # Errors
    ///
    /// Hands the job back in [`SubmitError`] if the pool is closed or
    /// cancelled.
    ///
    /// # Cancel safety
    ///
    /// If the future is dropped before it completes, the job was not
    /// accepted (and is dropped with the future). To wait for room in a
    /// `select!` without risking the job, use [`ready`](Self::ready) then
    /// [`try_submit`](Self::try_submit).
    pub async fn submit(&self, job: J) -> Result<(), SubmitError<J>> {
        self.shared.jobs.push(job).await.map_err(SubmitError)
    }

    /// Submits a job if the queue has room, without waiting.
    ///
    /// # Errors
    ///
    /// Hands the job back in [`TrySubmitError::Full`] or
    /// [`TrySubmitError::Closed`]; it is never dropped.
    pub fn try_submit(&self, job: J) -> Result<(), TrySubmitError<J>> {
        self.shared.jobs.try_push(job).map_err(|e| match e {
            TryPushError::Full(j) => TrySubmitError::Full(j),
            TryPushError::Closed(j) => TrySubmitError::Closed(j),
        })
    }

    /// Stops intake: later submits fail, the workers finish every job
    /// already accepted, then the [`Outcomes`] end. Idempotent.
    pub fn close(&self) {
        self.shared.jobs.close();
    }

    /// Starts nothing new (what a first Ctrl-C asks for): intake closes,
    /// jobs still queued and jobs waiting for a retry or for the rate limit
    /// end [`Cancelled`](crate::Status::Cancelled) (they did not run, or
    /// not to their end: a journal does not record them, so a re-run does
    /// them), and running handlers finish undisturbed. Every accepted job
    /// still gets exactly one outcome. Idempotent.
    pub fn stop(&self) {
        self.shared.stop();
    }

    /// [Stops](Self::stop), and running handlers see the [cancellation
    /// token](crate::JobContext::cancellation) and finish as they choose
    /// (what a second Ctrl-C asks for). Every accepted job still gets
    /// exactly one outcome.
    pub fn cancel(&self) {
        self.shared.cancel();
    }

    /// Counts an item that failed outside the pool (an input item that
    /// could not become a job) towards [`Builder::max_failures`], as a
    /// failed job counts.
    pub fn count_failure(&self) {
        self.shared.job_failed();
    }

    /// Closes now, and cancels if the pool has not drained within
    /// `deadline`. Returns at once; the deadline is watched by a spawned
    /// task.
    ///
    /// # Panics
    ///
    /// Panics if called outside a tokio runtime.
    pub fn close_with_deadline(&self, deadline: Duration) {
        self.close();
        let pool = self.clone();
        tokio::spawn(async move {
            tokio::select! {
                () = pool.drained() => {}
                () = tokio::time::sleep(deadline) => pool.cancel(),
            }
        });
    }

    /// Waits until every worker has exited: intake is closed and every
    /// accepted job has its outcome in the outcome queue (or the outcomes'
    /// reader is gone).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn drained(&self) {
        loop {
            let mut notified = pin!(self.shared.drained_notify.notified());
            notified.as_mut().enable();
            if self.shared.drained.load(Ordering::Acquire) {
                return;
            }
            notified.await;
        }
    }

    /// Waits until the queue has room for a job (or the pool is closed).
    /// Another producer may take the room first: follow with
    /// [`try_submit`](Self::try_submit) and wait again on `Full`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn ready(&self) {
        self.shared.jobs.ready().await;
    }

    /// Whether intake is closed (by [`close`](Self::close),
    /// [`cancel`](Self::cancel) or dropping every handle).
    pub fn is_closed(&self) -> bool {
        self.shared.jobs.is_closed()
    }

    /// Whether the pool was stopped (or cancelled): no job starts any more.
    pub fn is_stopped(&self) -> bool {
        self.shared.is_stopped()
    }

    /// Whether the pool was cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.shared.is_cancelled()
    }

    /// The pool's cancellation token.
    pub fn cancellation(&self) -> &CancellationToken {
        &self.shared.cancel
    }

    /// The number of workers.
    pub fn workers(&self) -> usize {
        self.shared.config.workers
    }

    /// The job queue's capacity.
    pub fn capacity(&self) -> usize {
        self.shared.jobs.capacity()
    }

    /// The journal that records this pool's finished jobs, if any.
    pub fn journal(&self) -> Option<&Arc<Journal>> {
        self.shared.journal.as_ref().map(|hook| &hook.journal)
    }

    /// A live view of the pool's counters and latencies.
    pub fn snapshot(&self) -> Snapshot {
        self.shared.snapshot()
    }

    /// A function that [counts a failure](Self::count_failure), for an
    /// outcome sink. Unlike a clone of the handle, it does not keep the
    /// pool open.
    pub fn count_failure_fn(&self) -> impl Fn() + Send + Sync + 'static {
        let shared = Arc::clone(&self.shared);
        move || shared.job_failed()
    }

    /// A function that takes [`snapshot`](Self::snapshot)s, for a progress
    /// bar. Unlike a clone of the handle, it does not keep the pool open.
    pub fn snapshot_fn(&self) -> impl Fn() -> Snapshot + Send + Sync + 'static {
        let shared = Arc::clone(&self.shared);
        move || shared.snapshot()
    }
}

/// The stream of outcomes, one per accepted job, in the order jobs finish.
///
/// Ends (returns `None`) once the pool is closed and every accepted job has
/// been reported. Dropping it tells the workers nobody listens: jobs still
/// run, their outcomes are discarded.
pub struct Outcomes<J, O, E> {
    queue: Arc<Queue<Outcome<J, O, E>>>,
    buf: VecDeque<Outcome<J, O, E>>,
    taken: usize,
}

impl<J, O, E> fmt::Debug for Outcomes<J, O, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Outcomes")
            .field("buffered", &self.buf.len())
            .finish_non_exhaustive()
    }
}

impl<J, O, E> Outcomes<J, O, E> {
    /// The next outcome, or `None` when the pool has drained.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: an outcome is only removed when this returns it.
    pub async fn recv(&mut self) -> Option<Outcome<J, O, E>> {
        if let Some(outcome) = self.buf.pop_front() {
            return Some(outcome);
        }
        // Everything taken before has been handed out: give the room back.
        self.queue.release(std::mem::take(&mut self.taken));
        self.taken = self.queue.pop_batch(&mut self.buf, usize::MAX, 1).await;
        self.buf.pop_front()
    }
}

impl<J, O, E> Drop for Outcomes<J, O, E> {
    fn drop(&mut self) {
        self.queue.close();
    }
}

//! What a pool's handles and workers share: the queues, the handler, the
//! configuration and the counters.

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::handler::Handler;
use crate::journal::Journal;
use crate::outcome::Outcome;
use crate::queue::Queue;
use crate::rate::Limiter;
use crate::retry::RetryPolicy;
use crate::stats::{Snapshot, Stats};

#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) workers: usize,
    pub(crate) max_batch: usize,
    pub(crate) retry: RetryPolicy,
    pub(crate) timeout: Option<Duration>,
    /// Cancel the pool once this many jobs have failed.
    pub(crate) max_failures: Option<u64>,
}

/// Records a finished job's key in the journal.
pub(crate) struct JournalHook<J> {
    pub(crate) journal: Arc<Journal>,
    pub(crate) key: for<'a> fn(&'a J) -> Cow<'a, str>,
}

/// Called before a retry's wait: the job, the attempt's error (`None` when
/// it timed out), the attempt that failed and the wait before the next.
pub(crate) type RetryHook<J, E> = Box<dyn Fn(&J, Option<&E>, u32, Duration) + Send + Sync>;

type OutcomeOf<J, H> = Outcome<J, <H as Handler<J>>::Output, <H as Handler<J>>::Error>;

/// What the pool's handles and workers share.
pub(crate) struct Shared<J, H: Handler<J>> {
    pub(crate) handler: H,
    pub(crate) config: Config,
    pub(crate) jobs: Queue<J>,
    pub(crate) outcomes: Arc<Queue<OutcomeOf<J, H>>>,
    pub(crate) limiter: Option<Limiter>,
    pub(crate) journal: Option<JournalHook<J>>,
    pub(crate) on_retry: Option<RetryHook<J, H::Error>>,
    /// Cancelled by [`Pool::cancel`](crate::Pool::cancel): running
    /// handlers see it.
    pub(crate) cancel: CancellationToken,
    /// Mirrors `cancel` for the workers' per-job check: a plain atomic load
    /// (the token's own check takes a lock).
    pub(crate) cancelled: AtomicBool,
    /// Cancelled by [`Pool::stop`](crate::Pool::stop) and by a cancel: no
    /// job starts after it (waits for a rate token or a retry end).
    pub(crate) stop: CancellationToken,
    /// Mirrors `stop`, as `cancelled` mirrors `cancel`.
    pub(crate) stopped: AtomicBool,
    pub(crate) stats: Stats,
    /// Jobs that failed, timed out or panicked, for `max_failures`.
    pub(crate) failures: AtomicU64,
    /// Live `Pool` handles: the last one dropped closes intake.
    pub(crate) handles: AtomicUsize,
    pub(crate) live_workers: AtomicUsize,
    pub(crate) drained: AtomicBool,
    pub(crate) drained_notify: Notify,
}

impl<J, H: Handler<J>> Shared<J, H> {
    #[inline]
    pub(crate) fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Acquire)
    }

    /// Whether the pool was stopped (or cancelled): no job starts any
    /// more.
    #[inline]
    pub(crate) fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::Acquire)
    }

    /// Starts nothing new: intake closes, queued jobs and jobs waiting for
    /// a rate token or a retry end cancelled; running handlers go on.
    pub(crate) fn stop(&self) {
        self.stopped.store(true, Ordering::Release);
        self.stop.cancel();
        self.jobs.close();
    }

    /// [`stop`](Self::stop), and running handlers see the cancellation
    /// token.
    pub(crate) fn cancel(&self) {
        self.stop();
        self.cancelled.store(true, Ordering::Release);
        self.cancel.cancel();
    }

    pub(crate) fn snapshot(&self) -> Snapshot {
        let (waiting, pushed) = self.jobs.counts();
        self.stats.snapshot(waiting, pushed)
    }

    /// Counts an item that ended badly (a job failed, timed out or
    /// panicked; an input item that could not become a job); the
    /// `max_failures`-th stops the pool.
    pub(crate) fn job_failed(&self) {
        let failed = self.failures.fetch_add(1, Ordering::AcqRel) + 1;
        if self.config.max_failures.is_some_and(|max| failed >= max) {
            if !self.is_stopped() {
                tracing::debug!("{failed} items failed: stopping: no new job starts");
            }
            self.stop();
        }
    }

    /// Called by each worker as it exits; the last one ends the outcomes.
    pub(crate) fn worker_exited(&self) {
        if self.live_workers.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.outcomes.close();
            self.drained.store(true, Ordering::Release);
            self.drained_notify.notify_waiters();
        }
    }
}

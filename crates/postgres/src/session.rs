//! One session of a worker: a local pool fed by the claimer until the run
//! has no jobs left, is paused or cancelled, or the worker stops; then
//! every completion recorded and every job claimed and not started given
//! back. A paused worker waits between two sessions.

use std::sync::Arc;

use parking_lot::Mutex;
use pool::cli::Progress;
use pool::{Distributed, JobOf, Pool, RetryPolicy, RunError, RunReport};

use crate::claims::{Claimer, Ended};
use crate::completions::{self, Completions};
use crate::connect::Conn;
use crate::error::QueueError;
use crate::hand::Hand;
use crate::lease;
use crate::leased::{Fenced, Leased};
use crate::look::At;
use crate::run::{RunInfo, RunState};
use crate::work::WorkOptions;

/// The pool of a worker of tool `T`.
pub(crate) type PoolOf<T> = Pool<Leased<JobOf<T>>, Fenced<<T as pool::Tool>::Handler>>;

/// The worker's two-level stop, reaching the pool of the session under
/// way at once: [`Stopper::stop`] claims nothing more and starts nothing
/// new (a first Ctrl-C, `--max-failures`), [`Stopper::cancel`] also
/// cancels the running jobs (a second Ctrl-C, a lost lease).
pub(crate) struct Stopper<P> {
    pub(crate) stop: pool::CancellationToken,
    cancel: pool::CancellationToken,
    pool: Mutex<Option<P>>,
}

/// A pool's two levels of stop.
pub(crate) trait Stoppable {
    fn stop(&self);
    fn cancel(&self);
}

impl<J: Send + 'static, H: pool::Handler<J>> Stoppable for Pool<J, H> {
    fn stop(&self) {
        Pool::stop(self);
    }
    fn cancel(&self) {
        Pool::cancel(self);
    }
}

impl<P: Stoppable> Stopper<P> {
    pub(crate) fn new() -> Stopper<P> {
        Stopper {
            stop: pool::CancellationToken::new(),
            cancel: pool::CancellationToken::new(),
            pool: Mutex::new(None),
        }
    }

    pub(crate) fn stop(&self) {
        self.stop.cancel();
        if let Some(pool) = self.pool.lock().as_ref() {
            pool.stop();
        }
    }

    pub(crate) fn cancel(&self) {
        self.stop();
        self.cancel.cancel();
        if let Some(pool) = self.pool.lock().as_ref() {
            pool.cancel();
        }
    }

    /// The session's pool, stopped at once if the worker already is.
    fn set(&self, pool: Option<P>) {
        let mut slot = self.pool.lock();
        *slot = pool;
        if let Some(pool) = slot.as_ref() {
            if self.stop.is_cancelled() {
                pool.stop();
            }
            if self.cancel.is_cancelled() {
                pool.cancel();
            }
        }
    }
}

/// What a worker's sessions share.
pub(crate) struct Worker<'a, T: Distributed> {
    pub(crate) name: &'static str,
    pub(crate) run: &'a RunInfo,
    pub(crate) id: i64,
    pub(crate) options: &'a WorkOptions,
    pub(crate) tool: Arc<Mutex<T>>,
    pub(crate) hand: Arc<Hand>,
    pub(crate) stopper: Arc<Stopper<PoolOf<T>>>,
}

/// How a session ended.
pub(crate) struct SessionEnd {
    /// Why the claims ended, or the first error (the recorder's, the
    /// claimer's, then the sink's).
    pub(crate) ended: Result<Ended, QueueError>,
    /// What the pool counted.
    pub(crate) report: RunReport,
    /// The connections, back (none when its task failed).
    pub(crate) claim: Option<Conn>,
    pub(crate) record: Option<Conn>,
}

impl<T> Worker<'_, T>
where
    T: Distributed,
    JobOf<T>: Sync,
{
    fn at(&self) -> At {
        At {
            run: self.run.id,
            worker: self.id,
            lease: self.options.lease,
            poll: self.options.poll,
        }
    }

    /// Runs one session on `claim` and `record`, with `sink`.
    pub(crate) async fn session(
        &self,
        claim: Conn,
        record: Conn,
        sink: &mut Completions<T>,
    ) -> SessionEnd {
        self.hand.set_halted(false);
        let handler = Fenced(self.tool.lock().handler());
        let batch = self.options.batch.max(1);
        let (pool, outcomes) = Pool::builder(handler)
            .workers(self.options.workers.max(1))
            .queue(batch)
            .retry(RetryPolicy::none())
            .timeout_opt(self.run.settings.timeout)
            .start();
        self.stopper.set(Some(pool.clone()));
        let halt = self.stopper.stop.child_token();
        sink.progress = Progress::start(self.name, None, self.options.quiet, pool.snapshot_fn());
        let (recorder, recording) =
            completions::start_recorder(record, self.id, Arc::clone(&self.hand));
        sink.recorder = Some(recorder);
        let on_halt = {
            let pool = pool.clone();
            Box::new(move || pool.stop())
        };
        let (claims, claiming) = Claimer {
            conn: claim,
            run: self.run.id,
            rated: self.run.settings.rate.is_some(),
            worker: self.id,
            batch,
            lease: self.options.lease,
            poll: self.options.poll,
            follow: self.options.follow,
            hand: Arc::clone(&self.hand),
            stop: halt.clone(),
            on_halt,
        }
        .start(Arc::clone(&self.tool));
        let snapshot = pool.snapshot_fn();
        let result = pool::run(pool, outcomes, claims, sink).await;
        self.stopper.set(None);
        // The claimer may be waiting for work: the session is over.
        halt.cancel();
        sink.recorder = None;
        sink.progress = Progress::start(self.name, None, true, snapshot);
        let (report, sink_error) = match result {
            Ok(report) => (report, None),
            Err(RunError::Sink(e, report)) => (report, Some(e)),
            Err(RunError::Journal(e, report)) => (report, Some(QueueError::Usage(e))),
        };
        let (record, recorded) = match recording.await {
            Ok((conn, Ok(recorded))) => {
                sink.tally.refused += recorded.refused;
                (Some(conn), None)
            }
            Ok((conn, Err(e))) => (Some(conn), Some(e)),
            Err(e) => (
                None,
                Some(QueueError::Usage(format!("the recorder failed: {e}"))),
            ),
        };
        let (mut claim, ended) = match claiming.await {
            Ok((conn, ended)) => (Some(conn), ended),
            Err(e) => (
                None,
                Err(QueueError::Usage(format!("the claimer failed: {e}"))),
            ),
        };
        // The first cause: the recorder's or the claimer's own error comes
        // before the sink's "the recorder stopped".
        let ended = match (recorded, ended, sink_error) {
            (Some(e), _, _) | (None, Err(e), _) | (None, Ok(_), Some(e)) => Err(e),
            (None, Ok(ended), None) => Ok(ended),
        };
        // Every completion is recorded: what the worker still holds was
        // claimed and never started. It goes back at once.
        if let Some(conn) = &mut claim {
            match lease::release(conn, self.run.id, self.id).await {
                Ok(0) => {}
                Ok(n) => tracing::info!("gave back {n} jobs claimed and not started"),
                Err(e) => tracing::warn!("giving back unstarted jobs: {e}"),
            }
        }
        self.hand.emptied();
        SessionEnd {
            ended,
            report,
            claim,
            record,
        }
    }

    /// Waits while the run is paused, looking when woken or every poll;
    /// returns the state it left for (none when the worker stopped).
    /// Woken by news (a resume wakes every paused worker of the run), it
    /// waits its share of [`Hand::stagger`] first (see [`Hand::idle`]), so
    /// their looks and first claims do not all run at once.
    ///
    /// # Errors
    ///
    /// A database error.
    pub(crate) async fn wait_paused(
        &self,
        conn: &mut Conn,
    ) -> Result<Option<RunState>, QueueError> {
        loop {
            let until = self.hand.next_look(self.options.poll);
            if !self.hand.idle(until, &self.stopper.stop).await {
                return Ok(None);
            }
            let look = self.at().look(conn, &self.hand, 0).await?;
            if look.state != RunState::Paused {
                return Ok(Some(look.state));
            }
        }
    }
}

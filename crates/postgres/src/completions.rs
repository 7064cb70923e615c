//! [`Completions`]: the worker's outcome sink: each outcome becomes a
//! [`Completion`] recorded by a task of its own in batches (all that came
//! in while the previous batch was written), and failures are printed as
//! the single-machine command prints them.

use std::sync::Arc;

use parking_lot::Mutex;
use pool::cli::{FailuresFile, Progress};
use pool::{
    Distributed, ErrorOf, Failure, JobOf, Outcome, OutcomeSink, OutputOf, RetryPolicy, RunReport,
    Status,
};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::claims::Unusable;
use crate::complete::{self, Completion, Recorded};
use crate::connect::Conn;
use crate::error::QueueError;
use crate::hand::Hand;
use crate::leased::{Attempted, Leased};

/// Completions written per statement at most.
const MAX_BATCH: usize = 1000;

/// Completions a statement waits for, up to [`LINGER`], when fewer came in.
const FULL_BATCH: usize = 100;

/// How long a short batch of completions waits for more.
const LINGER: std::time::Duration = std::time::Duration::from_millis(2);

/// What this worker's completions came to.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    /// Jobs this worker finished (accepted by the database).
    pub done: u64,
    /// Failed attempts sent back for a retry.
    pub retried: u64,
    /// Jobs that failed for good.
    pub dead: u64,
    /// Late completions the database refused (the lease had expired).
    pub refused: u64,
    /// Jobs claimed and not started, given back because the run was
    /// paused or cancelled (not this worker's items: another attempt, here
    /// or elsewhere, or the run's cancel, ends them).
    pub given_back: u64,
}

/// What a recorder hands back as it ends: its connection, and the
/// database's count of what it took (or the error that stopped it).
pub(crate) type RecorderEnd = (Conn, Result<Recorded, QueueError>);

/// Starts the task that records completions over `conn`; returns its
/// sender and handle (which ends when every sender is dropped). Each batch
/// recorded leaves the worker's `hand`; a retry sent back tells it when it
/// is due.
pub(crate) fn start_recorder(
    mut conn: Conn,
    worker: i64,
    hand: Arc<Hand>,
) -> (mpsc::Sender<Completion>, JoinHandle<RecorderEnd>) {
    let (tx, mut rx) = mpsc::channel::<Completion>(4 * MAX_BATCH);
    let handle = tokio::spawn(async move {
        let result = record_all(&mut conn, worker, &hand, &mut rx).await;
        (conn, result)
    });
    (tx, handle)
}

async fn record_all(
    conn: &mut Conn,
    worker: i64,
    hand: &Hand,
    rx: &mut mpsc::Receiver<Completion>,
) -> Result<Recorded, QueueError> {
    let mut total = Recorded::default();
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        // A short batch waits a little for more: fewer, fuller
        // statements (the database's work per job is what limits a
        // busy run; a completion's latency only matters to its lease).
        if batch.len() < FULL_BATCH {
            let linger = tokio::time::sleep(LINGER);
            tokio::pin!(linger);
            while batch.len() < FULL_BATCH {
                let room = MAX_BATCH - batch.len();
                tokio::select! {
                    n = rx.recv_many(&mut batch, room) => if n == 0 { break },
                    () = &mut linger => break,
                }
            }
        }
        let recorded = complete::record(conn, worker, &batch).await?;
        let now = tokio::time::Instant::now();
        for completion in &batch {
            if let Completion::Retry { delay, .. } = completion {
                hand.retry_at(now + *delay);
            }
        }
        hand.recorded(batch.len());
        if recorded.refused > 0 {
            tracing::warn!(
                "{} late completions refused: their lease had expired and the jobs were taken back",
                recorded.refused
            );
        }
        total.accepted += recorded.accepted;
        total.refused += recorded.refused;
        batch.clear();
    }
    Ok(total)
}

/// The sink of a `work` process.
pub(crate) struct Completions<T> {
    pub(crate) tool: Arc<Mutex<T>>,
    /// The session's recorder (none between sessions).
    pub(crate) recorder: Option<mpsc::Sender<Completion>>,
    pub(crate) hand: Arc<Hand>,
    pub(crate) policy: RetryPolicy,
    pub(crate) progress: Progress,
    pub(crate) tally: Tally,
    /// The jobs this worker ended, counted as a single-machine run counts
    /// its items: a job sent back for a retry is not an item yet (its
    /// retry is counted), one given back unstarted is a cancelled one.
    pub(crate) items: RunReport,
    /// This machine's failures file: a row per job that ended dead here,
    /// in the tool's own shape (fed back as input, it redoes them).
    pub(crate) failures: FailuresFile,
    /// `--max-failures`: dead jobs that stop this worker.
    pub(crate) max_failures: Option<u64>,
    /// Stops the worker (claims nothing more, starts nothing new).
    pub(crate) stop: Box<dyn Fn() + Send + Sync>,
}

impl<T: Distributed> Completions<T> {
    async fn send(&self, completion: Completion) -> Result<(), QueueError> {
        let stopped =
            || QueueError::Usage("the completion recorder stopped (the database failed)".into());
        let recorder = self.recorder.as_ref().ok_or_else(stopped)?;
        recorder.send(completion).await.map_err(|_| stopped())
    }

    fn print(&self, line: &str) {
        let name = self.tool.lock().name();
        self.progress.println(&format!("{name}: {line}"));
    }

    /// Counts a job that ended dead here; the `--max-failures`-th stops
    /// the worker.
    fn count_dead(&mut self) {
        self.tally.dead += 1;
        self.items.total += 1;
        self.items.failed += 1;
        if self.max_failures.is_some_and(|max| self.tally.dead == max) {
            self.print(&format!(
                "{} jobs failed on this worker: stopping (--max-failures): nothing more is claimed or started",
                self.tally.dead
            ));
            (self.stop)();
        }
    }
}

impl<T: Distributed> OutcomeSink<Leased<JobOf<T>>, OutputOf<T>, Attempted<ErrorOf<T>>, Unusable>
    for Completions<T>
where
    JobOf<T>: Sync,
{
    type Error = QueueError;

    async fn outcome(
        &mut self,
        outcome: Outcome<Leased<JobOf<T>>, OutputOf<T>, Attempted<ErrorOf<T>>>,
    ) -> Result<(), QueueError> {
        let Leased { id, attempt, job } = outcome.job;
        let attempts = u32::try_from(attempt).unwrap_or(1);
        let (status, transient) = match outcome.status {
            Status::Succeeded(output) => {
                for warning in self.tool.lock().succeeded(&job, output) {
                    tracing::warn!("{warning}");
                }
                self.tally.done += 1;
                self.items.total += 1;
                self.items.succeeded += 1;
                return self.send(Completion::Done { id, attempt }).await;
            }
            Status::Cancelled => {
                if self.hand.halted() {
                    self.tally.given_back += 1;
                } else {
                    self.items.total += 1;
                    self.items.failed += 1;
                    self.items.cancelled += 1;
                }
                return self.send(Completion::Release { id, attempt }).await;
            }
            Status::Failed(Attempted { error, transient }) => (Status::Failed(error), transient),
            Status::TimedOut => (Status::TimedOut, true),
            Status::Panicked(message) => (Status::Panicked(message), false),
        };
        let status: Status<OutputOf<T>, ErrorOf<T>> = status;
        let error = status.reason().unwrap_or_default();
        if transient && attempts < self.policy.max_attempts() {
            let delay = self.policy.delay(attempts);
            tracing::debug!(
                "{}: attempt {attempts} failed, retrying in {delay:.1?}: {error}",
                pool::Keyed::key(&job)
            );
            self.tally.retried += 1;
            self.items.retried += 1;
            return self
                .send(Completion::Retry {
                    id,
                    attempt,
                    delay,
                    error,
                })
                .await;
        }
        match &status {
            Status::TimedOut => self.items.timed_out += 1,
            Status::Panicked(_) => self.items.panicked += 1,
            _ => self.items.errors += 1,
        }
        let (line, row) = {
            let tool = self.tool.lock();
            let failure = Failure::Job {
                job: &job,
                status: &status,
                attempts,
            };
            (tool.failure_line(&failure), tool.failure_row(&failure))
        };
        drop(status);
        drop(job);
        self.print(&line);
        if let Err(e) = self.failures.row(&row) {
            tracing::warn!(
                "cannot write the failures file {}: {e}",
                self.failures.path().display()
            );
        }
        self.count_dead();
        // What `status` shows of a dead job: the tool's own line, which
        // names the row, file or group.
        self.send(Completion::Dead {
            id,
            attempt,
            error: line,
        })
        .await
    }

    async fn invalid(&mut self, unusable: Unusable) -> Result<(), QueueError> {
        let line = unusable.to_string();
        self.print(&line);
        self.items.invalid += 1;
        self.count_dead();
        self.send(Completion::Dead {
            id: unusable.id,
            attempt: unusable.attempt,
            error: line,
        })
        .await
    }
}

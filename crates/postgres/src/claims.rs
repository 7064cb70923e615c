//! [`Claims`]: the worker's job source: jobs claimed from the queue in
//! batches, turned back into the tool's jobs.

use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use pool::{CancellationToken, Distributed, JobOf, JobSource};
use tokio::sync::mpsc;

use crate::connect::Conn;
use crate::error::QueueError;
use crate::lease::{self, Claimed, Rated};
use crate::leased::Leased;

/// A payload that did not become a job on this worker.
#[derive(Debug)]
pub struct Unusable {
    /// The job's id.
    pub id: i64,
    /// The claim's attempt.
    pub attempt: i32,
    /// The job's key.
    pub key: String,
    /// Why.
    pub message: String,
}

impl std::fmt::Display for Unusable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

/// What the claimer hands the source: a claimed job, with the instant it
/// may start (rate-limited runs).
type Slot = (Claimed, Option<tokio::time::Instant>);

/// The source a `work` process feeds its pool from: jobs a claimer task
/// claims ahead (the next batch while this one runs), turned back into the
/// tool's jobs.
#[derive(Debug)]
pub struct Claims<T> {
    pub(crate) tool: Arc<Mutex<T>>,
    pub(crate) claimed: mpsc::Receiver<Slot>,
    pub(crate) stop: CancellationToken,
}

/// How a claimer claims.
#[derive(Debug)]
pub(crate) struct Claimer {
    pub(crate) conn: Conn,
    pub(crate) run: i64,
    pub(crate) rated: bool,
    pub(crate) worker: i64,
    pub(crate) batch: usize,
    pub(crate) lease: Duration,
    pub(crate) follow: bool,
    pub(crate) stop: CancellationToken,
    /// A database error that ended the claims.
    pub(crate) error: Arc<Mutex<Option<QueueError>>>,
}

/// How long an idle worker waits before looking for work again (jobs
/// running elsewhere, or waiting for a retry).
const IDLE: Duration = Duration::from_millis(50);

impl Claimer {
    /// Starts claiming on a task of its own: a batch whenever there is room
    /// for one in the channel (one batch deep: the next batch is claimed
    /// while the pool's queue holds this one), until the run has no jobs
    /// left (without `follow`), the worker stops, or the database fails.
    pub(crate) fn start<T>(self, tool: Arc<Mutex<T>>) -> Claims<T> {
        let (tx, rx) = mpsc::channel(self.batch.max(1));
        let stop = self.stop.clone();
        tokio::spawn(async move {
            let error = Arc::clone(&self.error);
            if let Err(e) = self.run(tx).await {
                *error.lock() = Some(e);
            }
        });
        Claims {
            tool,
            claimed: rx,
            stop,
        }
    }

    async fn run(mut self, tx: mpsc::Sender<Slot>) -> Result<(), QueueError> {
        let limit = i64::try_from(self.batch).unwrap_or(i64::MAX);
        loop {
            let permits = tokio::select! {
                permits = tx.reserve_many(self.batch) => match permits {
                    Ok(permits) => permits,
                    Err(_) => return Ok(()),
                },
                () = self.stop.cancelled() => return Ok(()),
            };
            if self.stop.is_cancelled() {
                return Ok(());
            }
            let claimed: Vec<Slot> = if self.rated {
                match lease::claim_rated(&mut self.conn, self.run, self.worker, limit, self.lease)
                    .await?
                {
                    Rated::Claimed(claimed) => {
                        let now = tokio::time::Instant::now();
                        claimed
                            .into_iter()
                            .map(|(c, wait)| (c, Some(now + wait)))
                            .collect()
                    }
                    Rated::Wait(wait) => {
                        drop(permits);
                        self.pause(wait).await;
                        continue;
                    }
                }
            } else {
                lease::claim(&mut self.conn, self.run, self.worker, limit, self.lease)
                    .await?
                    .into_iter()
                    .map(|c| (c, None))
                    .collect()
            };
            if claimed.is_empty() {
                drop(permits);
                // Nothing ready: take back the jobs of a worker that died
                // as soon as their lease ends (the keepers reap only every
                // third of a lease), then look again.
                let reaped = lease::reap(&mut self.conn, self.run).await?;
                if reaped > 0 {
                    tracing::warn!("took back {reaped} jobs whose worker's lease expired");
                    continue;
                }
                if !self.follow && !lease::pending(&mut self.conn, self.run).await? {
                    return Ok(());
                }
                self.pause(IDLE).await;
                continue;
            }
            for (permit, slot) in permits.zip(claimed) {
                permit.send(slot);
            }
        }
    }

    async fn pause(&self, wait: Duration) {
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = self.stop.cancelled() => {}
        }
    }
}

impl<T: Distributed> JobSource for Claims<T> {
    type Job = Leased<JobOf<T>>;
    type Error = Unusable;

    /// The next claimed job; claims a batch when none is left in hand,
    /// waits while the run has jobs running elsewhere or waiting for a
    /// retry (or always, with `--follow`), and ends when the run has none
    /// left, the worker is told to stop, or the database fails.
    async fn next(&mut self) -> Option<Result<Leased<JobOf<T>>, Unusable>> {
        let (claimed, start) = tokio::select! {
            slot = self.claimed.recv() => slot?,
            () = self.stop.cancelled() => return None,
        };
        if let Some(start) = start {
            // The run's rate: this job's slot.
            tokio::select! {
                () = tokio::time::sleep_until(start) => {}
                () = self.stop.cancelled() => {}
            }
        }
        let payload = match serde_json::from_str::<T::Payload>(&claimed.payload) {
            Ok(payload) => payload,
            Err(e) => {
                return Some(Err(Unusable {
                    id: claimed.id,
                    attempt: claimed.attempt,
                    key: claimed.key,
                    message: format!("its payload is not a {} job: {e}", self.tool.lock().name()),
                }));
            }
        };
        let job = self.tool.lock().job(payload);
        Some(match job {
            Ok(job) => Ok(Leased {
                id: claimed.id,
                attempt: claimed.attempt,
                job,
            }),
            Err(message) => Err(Unusable {
                id: claimed.id,
                attempt: claimed.attempt,
                key: claimed.key,
                message,
            }),
        })
    }
}

//! [`Claims`]: the worker's job source: jobs claimed from the queue in
//! batches, turned back into the tool's jobs.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use pool::{CancellationToken, Distributed, JobOf, JobSource};
use tokio_postgres::Client;

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

/// The source a `work` process feeds its pool from.
#[derive(Debug)]
pub struct Claims<T> {
    pub(crate) tool: Arc<Mutex<T>>,
    pub(crate) client: Client,
    pub(crate) run: i64,
    pub(crate) rated: bool,
    pub(crate) worker: i64,
    pub(crate) batch: i64,
    pub(crate) lease: Duration,
    pub(crate) follow: bool,
    pub(crate) stop: CancellationToken,
    /// Jobs claimed, with the instant each may start (rate-limited runs).
    pub(crate) buffer: VecDeque<(Claimed, Option<tokio::time::Instant>)>,
    /// A database error that ended the claims.
    pub(crate) error: Arc<Mutex<Option<QueueError>>>,
}

/// How long an idle worker waits before looking for work again.
const IDLE: Duration = Duration::from_millis(200);

impl<T: Distributed> Claims<T> {
    async fn fill(&mut self) -> Result<bool, QueueError> {
        loop {
            if self.stop.is_cancelled() {
                return Ok(false);
            }
            let claimed = if self.rated {
                match lease::claim_rated(
                    &mut self.client,
                    self.run,
                    self.worker,
                    self.batch,
                    self.lease,
                )
                .await?
                {
                    Rated::Claimed(claimed) => {
                        let now = tokio::time::Instant::now();
                        if claimed.is_empty() {
                            Vec::new()
                        } else {
                            self.buffer
                                .extend(claimed.into_iter().map(|(c, wait)| (c, Some(now + wait))));
                            return Ok(true);
                        }
                    }
                    Rated::Wait(wait) => {
                        self.pause(wait).await;
                        continue;
                    }
                }
            } else {
                lease::claim(&self.client, self.run, self.worker, self.batch, self.lease).await?
            };
            if !claimed.is_empty() {
                self.buffer.extend(claimed.into_iter().map(|c| (c, None)));
                return Ok(true);
            }
            if !self.follow && !lease::pending(&self.client, self.run).await? {
                return Ok(false);
            }
            self.pause(IDLE).await;
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
        if self.buffer.is_empty() {
            match self.fill().await {
                Ok(true) => {}
                Ok(false) => return None,
                Err(e) => {
                    *self.error.lock() = Some(e);
                    return None;
                }
            }
        }
        let (claimed, start) = self.buffer.pop_front()?;
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

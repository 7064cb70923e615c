//! [`Claims`]: the worker's job source: jobs claimed from the queue in
//! batches, turned back into the tool's jobs.

use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use pool::{CancellationToken, Distributed, JobOf, JobSource};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::connect::Conn;
use crate::error::QueueError;
use crate::hand::Hand;
use crate::lease::{self, Claimed, Rated};
use crate::leased::Leased;
use crate::look::{self, Look};
use crate::run::RunState;

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
pub(crate) struct Claimer {
    pub(crate) conn: Conn,
    pub(crate) run: i64,
    pub(crate) rated: bool,
    pub(crate) worker: i64,
    pub(crate) batch: usize,
    pub(crate) lease: Duration,
    /// How often an idle worker looks without being woken.
    pub(crate) poll: Duration,
    pub(crate) follow: bool,
    pub(crate) hand: Arc<Hand>,
    /// Stops the claims: the worker stops, or the run was paused or
    /// cancelled (the claimer cancels it itself then).
    pub(crate) stop: CancellationToken,
    /// Stops the session's pool (starts nothing more: what it holds goes
    /// back), when the run was paused or cancelled.
    pub(crate) on_halt: Box<dyn Fn() + Send + Sync>,
}

impl std::fmt::Debug for Claimer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Claimer")
            .field("run", &self.run)
            .field("worker", &self.worker)
            .finish_non_exhaustive()
    }
}

/// Why the claims ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ended {
    /// The run has no jobs left (without `--follow`).
    Done,
    /// The worker was told to stop (a signal, `--max-failures`, a lost
    /// lease).
    Stopped,
    /// The run was paused.
    Paused,
    /// The run was cancelled.
    Cancelled,
}

impl Ended {
    /// The end a run in `state` makes, if any.
    pub(crate) fn of(state: RunState) -> Option<Ended> {
        match state {
            RunState::Active => None,
            RunState::Paused => Some(Ended::Paused),
            RunState::Cancelled => Some(Ended::Cancelled),
        }
    }
}

/// What a claimer hands back as it ends: its connection, and why it ended
/// (or the database error that ended it).
pub(crate) type ClaimsEnd = (Conn, Result<Ended, QueueError>);

impl Claimer {
    /// Starts claiming on a task of its own: a batch whenever there is room
    /// for one in the channel (one batch deep: the next batch is claimed
    /// while the pool's queue holds this one), until the run has no jobs
    /// left (without `follow`), is paused or cancelled, the worker stops,
    /// or the database fails.
    pub(crate) fn start<T>(self, tool: Arc<Mutex<T>>) -> (Claims<T>, JoinHandle<ClaimsEnd>) {
        let (tx, rx) = mpsc::channel(self.batch.max(1));
        let stop = self.stop.clone();
        let task = tokio::spawn(async move {
            let mut this = self;
            let ended = this.run(tx).await;
            if matches!(ended, Ok(Ended::Paused | Ended::Cancelled)) {
                // Start nothing more of what is claimed: it goes back.
                this.hand.set_halted(true);
                (this.on_halt)();
                this.stop.cancel();
            }
            (this.conn, ended)
        });
        let claims = Claims {
            tool,
            claimed: rx,
            stop,
        };
        (claims, task)
    }

    async fn look(&mut self, limit: i64) -> Result<Look, QueueError> {
        let at = look::At {
            run: self.run,
            worker: self.worker,
            lease: self.lease,
            poll: self.poll,
        };
        at.look(&mut self.conn, &self.hand, limit).await
    }

    async fn run(&mut self, tx: mpsc::Sender<Slot>) -> Result<Ended, QueueError> {
        let limit = i64::try_from(self.batch).unwrap_or(i64::MAX);
        // Whether to claim straight away (the last claim was full) rather
        // than look first.
        let mut busy = false;
        loop {
            // Room for a batch. A worker whose hands are full still looks
            // at news of the run, or every poll: a pause or a cancel must
            // reach it.
            let permits = loop {
                tokio::select! {
                    biased;
                    () = self.stop.cancelled() => return Ok(Ended::Stopped),
                    permits = tx.reserve_many(self.batch) => match permits {
                        Ok(permits) => break permits,
                        Err(_) => return Ok(Ended::Stopped),
                    },
                    () = self.hand.told() => {}
                    () = tokio::time::sleep(self.poll) => {}
                }
                if let Some(end) = Ended::of(self.look(0).await?.state) {
                    return Ok(end);
                }
            };
            if self.stop.is_cancelled() {
                return Ok(Ended::Stopped);
            }
            let claimed: Vec<Slot> = if !busy {
                // Woken, or the last claim came back short: one statement
                // takes back expired jobs, reads the run's state, claims.
                let look = self.look(if self.rated { 0 } else { limit }).await?;
                if let Some(end) = Ended::of(look.state) {
                    return Ok(end);
                }
                if look.claimed.is_empty() {
                    drop(permits);
                    if look.reaped > 0 || (self.rated && look.ready) {
                        busy = true;
                        continue;
                    }
                    if !self.follow && !look.pending {
                        return Ok(Ended::Done);
                    }
                    self.idle().await;
                    continue;
                }
                busy = look.claimed.len() == self.batch;
                look.claimed.into_iter().map(|c| (c, None)).collect()
            } else if self.rated {
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
                let claimed =
                    lease::claim(&mut self.conn, self.run, self.worker, limit, self.lease).await?;
                busy = claimed.len() == self.batch;
                claimed.into_iter().map(|c| (c, None)).collect()
            };
            if claimed.is_empty() {
                // Nothing ready, or the run is no longer active: look.
                busy = false;
                continue;
            }
            self.hand.claimed(claimed.len());
            for (permit, slot) in permits.zip(claimed) {
                permit.send(slot);
            }
        }
    }

    /// Waits, with nothing to do, until woken (a notification, the
    /// listener reconnected, this worker's last job recorded), a retry
    /// sent back from here is due, the poll comes round, or the worker
    /// stops (see [`Hand::idle`]).
    async fn idle(&self) {
        let until = self.hand.next_look(self.poll);
        self.hand.idle(until, &self.stop).await;
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
            // The run's rate: this job's slot. Stopped meanwhile, it has
            // not started: it goes back with the rest the worker holds.
            tokio::select! {
                () = tokio::time::sleep_until(start) => {}
                () = self.stop.cancelled() => return None,
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

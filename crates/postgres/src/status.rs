//! [`status`]: a run's progress over all its workers, read from the
//! database.

use std::fmt::Write as _;

use serde::Serialize;
use tokio_postgres::Client;

use crate::control;
use crate::error::QueueError;
use crate::run::{RunInfo, RunState};

/// Jobs listed by name (dead, cancelled) at most.
const LISTED: i64 = 100;

/// Cancelled jobs the text lists by name at most.
const LISTED_TEXT: usize = 10;

/// A run's state.
#[derive(Debug, Clone, Serialize)]
pub struct RunStatus {
    /// The run's name.
    pub run: String,
    /// Its tool.
    pub tool: String,
    /// `active`, `paused` (its workers claim nothing and wait) or
    /// `cancelled`.
    pub state: RunState,
    /// Jobs enqueued in all.
    pub enqueued: i64,
    /// Jobs ready to run now.
    pub ready: i64,
    /// Jobs waiting for a retry's backoff.
    pub waiting: i64,
    /// Jobs held by a worker.
    pub running: i64,
    /// Jobs that failed for good.
    pub dead: i64,
    /// Jobs cancelled with the run before they started: kept, never run,
    /// never retried.
    pub cancelled: i64,
    /// Jobs finished.
    pub done: i64,
    /// Jobs finished per second over the last minute (or since the run's
    /// first worker started, when that is sooner).
    pub per_s: f64,
    /// Seconds to finish what is left at that rate (none when nothing
    /// finishes).
    pub eta_s: Option<f64>,
    /// Attempts a job gets (1 + retries).
    pub max_attempts: u32,
    /// The time limit per attempt, in seconds.
    pub timeout_s: Option<f64>,
    /// The run's rate over all workers (`10/s`, `0.5/s,burst=4`).
    pub rate: Option<String>,
    /// The run's workers.
    pub workers: Vec<WorkerStatus>,
    /// The dead jobs (the first 100) with their last error.
    pub dead_jobs: Vec<DeadJob>,
    /// The cancelled jobs (the first 100).
    pub cancelled_jobs: Vec<CancelledJob>,
}

/// A job cancelled with its run before it started.
#[derive(Debug, Clone, Serialize)]
pub struct CancelledJob {
    /// Its key.
    pub key: String,
    /// Attempts it had before (a retry that was waiting).
    pub attempts: i32,
}

/// One worker of a run.
#[derive(Debug, Clone, Serialize)]
pub struct WorkerStatus {
    /// Its id.
    pub id: i64,
    /// The machine.
    pub host: String,
    /// The process.
    pub pid: i32,
    /// `alive`, `stopped` (it ended) or `dead` (it missed its last
    /// heartbeat: every third of its lease, with half a beat to spare).
    pub state: &'static str,
    /// Seconds since its last heartbeat.
    pub heartbeat_age_s: f64,
    /// Jobs it holds now (claimed, running or about to).
    pub in_flight: i64,
    /// Jobs it finished.
    pub done: i64,
}

/// A dead job.
#[derive(Debug, Clone, Serialize)]
pub struct DeadJob {
    /// Its key.
    pub key: String,
    /// Attempts it had.
    pub attempts: i32,
    /// Its last error.
    pub error: Option<String>,
}

/// Reads `run`'s status.
///
/// # Errors
///
/// A database error.
pub async fn status(client: &Client, run: &RunInfo) -> Result<RunStatus, QueueError> {
    let counts = client
        .query_one(
            "SELECT count(*) FILTER (WHERE state = 0 AND run_at <= now()),
                    count(*) FILTER (WHERE state = 0 AND run_at > now()),
                    count(*) FILTER (WHERE state = 1),
                    count(*) FILTER (WHERE state = 2),
                    (SELECT coalesce(sum(done), 0)::int8 FROM workpool.workers WHERE run = $1),
                    (SELECT enqueued FROM workpool.runs WHERE id = $1),
                    (SELECT coalesce(sum(n), 0)::int8 FROM workpool.finished
                      WHERE run = $1 AND at > now() - interval '1 minute'),
                    count(*) FILTER (WHERE state = 3),
                    (SELECT state FROM workpool.runs WHERE id = $1)
               FROM workpool.jobs WHERE run = $1",
            &[&run.id],
        )
        .await?;
    let workers = client
        .query(
            "SELECT w.id, w.host, w.pid, w.stopped IS NOT NULL,
                    extract(epoch FROM now() - w.heartbeat)::float8,
                    w.lease_ms, w.done,
                    (SELECT count(*) FROM workpool.jobs j
                      WHERE j.run = w.run AND j.state = 1 AND j.worker = w.id)
               FROM workpool.workers w WHERE w.run = $1 ORDER BY w.id",
            &[&run.id],
        )
        .await?;
    // How long the last-minute rate is over: a run whose first worker
    // started 10 s ago has finished its jobs in 10 s, not in a minute.
    let since_start: Option<f64> = client
        .query_one(
            "SELECT extract(epoch FROM now() - min(started))::float8
               FROM workpool.workers WHERE run = $1",
            &[&run.id],
        )
        .await?
        .get(0);
    let dead_jobs = client
        .query(
            "SELECT key, attempt, last_error FROM workpool.jobs
              WHERE run = $1 AND state = 2 ORDER BY id LIMIT $2",
            &[&run.id, &LISTED],
        )
        .await?;
    let cancelled_jobs = client
        .query(
            "SELECT key, attempt FROM workpool.jobs
              WHERE run = $1 AND state = 3 ORDER BY id LIMIT $2",
            &[&run.id, &LISTED],
        )
        .await?;
    let state: Option<&str> = counts.get(8);
    let (ready, waiting, running, dead): (i64, i64, i64, i64) =
        (counts.get(0), counts.get(1), counts.get(2), counts.get(3));
    let last_minute: i64 = counts.get(6);
    // Over the last minute, or since the first worker started if sooner.
    let window = since_start.unwrap_or(60.0).clamp(1.0, 60.0);
    let per_s = last_minute as f64 / window;
    let left = (ready + waiting + running) as f64;
    Ok(RunStatus {
        run: run.name.clone(),
        tool: run.tool.clone(),
        // The run's row is gone when it was deleted meanwhile.
        state: state.map_or(run.state, RunState::from_column),
        enqueued: counts.get(5),
        ready,
        waiting,
        running,
        dead,
        cancelled: counts.get(7),
        done: counts.get(4),
        per_s: (per_s * 10.0).round() / 10.0,
        eta_s: (per_s > 0.0).then(|| (left / per_s).round()),
        max_attempts: run.settings.max_attempts,
        timeout_s: run.settings.timeout.map(|t| t.as_secs_f64()),
        rate: run.settings.rate.map(|r| r.to_string()),
        workers: workers
            .iter()
            .map(|w| {
                let stopped: bool = w.get(3);
                let age: f64 = w.get(4);
                let lease_ms: i64 = w.get(5);
                // The keeper beats every third of the lease.
                let beat_s = lease_ms as f64 / 3000.0;
                WorkerStatus {
                    id: w.get(0),
                    host: w.get(1),
                    pid: w.get(2),
                    state: if stopped {
                        "stopped"
                    } else if age > beat_s * 1.5 {
                        "dead"
                    } else {
                        "alive"
                    },
                    heartbeat_age_s: (age * 10.0).round() / 10.0,
                    done: w.get(6),
                    in_flight: w.get(7),
                }
            })
            .collect(),
        dead_jobs: dead_jobs
            .iter()
            .map(|j| DeadJob {
                key: j.get(0),
                attempts: j.get(1),
                error: j.get(2),
            })
            .collect(),
        cancelled_jobs: cancelled_jobs
            .iter()
            .map(|j| CancelledJob {
                key: j.get(0),
                attempts: j.get(1),
            })
            .collect(),
    })
}

impl RunStatus {
    /// The status as a few lines of text.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let state = match self.state {
            RunState::Active => String::new(),
            RunState::Paused => format!(
                ", paused (`{} resume --run {}` lets its workers go on)",
                self.tool, self.run
            ),
            RunState::Cancelled => ", cancelled".to_owned(),
        };
        let cancelled = if self.cancelled > 0 || self.state == RunState::Cancelled {
            format!(", {} cancelled", self.cancelled)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{} ({}){state}: {} done, {} ready, {} waiting to retry, {} running, {} dead{cancelled}, of {} enqueued",
            self.run,
            self.tool,
            self.done,
            self.ready,
            self.waiting,
            self.running,
            self.dead,
            self.enqueued
        );
        let eta = self
            .eta_s
            .map_or_else(|| "-".to_owned(), |s| format!("{s:.0} s"));
        let _ = writeln!(
            out,
            "  {:.1} jobs/s over the last minute, ETA {eta}",
            self.per_s
        );
        for w in &self.workers {
            let _ = writeln!(
                out,
                "  worker {} on {} (pid {}): {}, heartbeat {:.1} s ago, {} in hand, {} done",
                w.id, w.host, w.pid, w.state, w.heartbeat_age_s, w.in_flight, w.done
            );
        }
        for j in &self.dead_jobs {
            let _ = writeln!(
                out,
                "  dead: {} after {} attempts: {}",
                j.key,
                j.attempts,
                j.error.as_deref().unwrap_or("-")
            );
        }
        for j in self.cancelled_jobs.iter().take(LISTED_TEXT) {
            let _ = writeln!(out, "  cancelled: {}", j.key);
        }
        let more = self.cancelled - self.cancelled_jobs.len().min(LISTED_TEXT) as i64;
        if more > 0 {
            let _ = writeln!(
                out,
                "  ... and {more} more cancelled (--json lists the first {LISTED})"
            );
        }
        out
    }
}

/// Puts `run`'s dead jobs back to ready, with their attempts reset, and
/// wakes its workers; returns how many. Cancelled jobs stay cancelled.
///
/// # Errors
///
/// [`QueueError::Usage`] when the run was cancelled (nothing of it runs
/// again); a database error.
pub async fn retry(client: &Client, run: &RunInfo) -> Result<u64, QueueError> {
    if run.state == RunState::Cancelled {
        return Err(QueueError::Usage(format!(
            "run {:?} was cancelled: nothing of it runs again; enqueue its inputs under another --run name to do them",
            run.name
        )));
    }
    // The run's state is read again in the statement: a cancel that came
    // in between wins.
    let n = client
        .execute(
            "UPDATE workpool.jobs SET state = 0, attempt = 0, run_at = now(), last_error = NULL
              WHERE run = $1 AND state = 2
                AND (SELECT state FROM workpool.runs WHERE id = $1) <> 'cancelled'",
            &[&run.id],
        )
        .await?;
    if n > 0 {
        control::notify(client, run.id).await?;
    }
    Ok(n)
}

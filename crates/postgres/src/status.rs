//! [`status`]: a run's progress over all its workers, read from the
//! database.

use std::fmt::Write as _;

use serde::Serialize;
use tokio_postgres::Client;

use crate::error::QueueError;
use crate::run::RunInfo;

/// A run's state.
#[derive(Debug, Clone, Serialize)]
pub struct RunStatus {
    /// The run's name.
    pub run: String,
    /// Its tool.
    pub tool: String,
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
    /// Jobs finished.
    pub done: i64,
    /// Jobs finished per second over the last minute.
    pub per_s: f64,
    /// Seconds to finish what is left at that rate (none when nothing
    /// finishes).
    pub eta_s: Option<f64>,
    /// The run's workers.
    pub workers: Vec<WorkerStatus>,
    /// The dead jobs (the first 100) with their last error.
    pub dead_jobs: Vec<DeadJob>,
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
    /// `alive`, `stopped` (it ended) or `dead` (no heartbeat for a lease).
    pub state: &'static str,
    /// Seconds since its last heartbeat.
    pub heartbeat_age_s: f64,
    /// Jobs it holds.
    pub in_flight: i32,
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
                      WHERE run = $1 AND at > now() - interval '1 minute')
               FROM workpool.jobs WHERE run = $1",
            &[&run.id],
        )
        .await?;
    let workers = client
        .query(
            "SELECT id, host, pid, stopped IS NOT NULL,
                    extract(epoch FROM now() - heartbeat)::float8,
                    lease_ms, in_flight, done
               FROM workpool.workers WHERE run = $1 ORDER BY id",
            &[&run.id],
        )
        .await?;
    let dead_jobs = client
        .query(
            "SELECT key, attempt, last_error FROM workpool.jobs
              WHERE run = $1 AND state = 2 ORDER BY id LIMIT 100",
            &[&run.id],
        )
        .await?;
    let (ready, waiting, running, dead): (i64, i64, i64, i64) =
        (counts.get(0), counts.get(1), counts.get(2), counts.get(3));
    let last_minute: i64 = counts.get(6);
    // Over the last minute, or since the first job finished if sooner.
    let per_s = last_minute as f64 / 60.0;
    let left = (ready + waiting + running) as f64;
    Ok(RunStatus {
        run: run.name.clone(),
        tool: run.tool.clone(),
        enqueued: counts.get(5),
        ready,
        waiting,
        running,
        dead,
        done: counts.get(4),
        per_s: (per_s * 10.0).round() / 10.0,
        eta_s: (per_s > 0.0).then(|| (left / per_s).round()),
        workers: workers
            .iter()
            .map(|w| {
                let stopped: bool = w.get(3);
                let age: f64 = w.get(4);
                let lease_ms: i64 = w.get(5);
                WorkerStatus {
                    id: w.get(0),
                    host: w.get(1),
                    pid: w.get(2),
                    state: if stopped {
                        "stopped"
                    } else if age * 1000.0 > lease_ms as f64 {
                        "dead"
                    } else {
                        "alive"
                    },
                    heartbeat_age_s: (age * 10.0).round() / 10.0,
                    in_flight: w.get(6),
                    done: w.get(7),
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
    })
}

impl RunStatus {
    /// The status as a few lines of text.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} ({}): {} done, {} ready, {} waiting to retry, {} running, {} dead, of {} enqueued",
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
        out
    }
}

/// Puts `run`'s dead jobs back to ready, with their attempts reset;
/// returns how many.
///
/// # Errors
///
/// A database error.
pub async fn retry(client: &Client, run: &RunInfo) -> Result<u64, QueueError> {
    Ok(client
        .execute(
            "UPDATE workpool.jobs SET state = 0, attempt = 0, run_at = now(), last_error = NULL
              WHERE run = $1 AND state = 2",
            &[&run.id],
        )
        .await?)
}

//! The queue's statements on finished attempts, each for many jobs in one
//! round trip, each fenced by (id, attempt, state = running): a worker
//! whose lease expired and whose job was taken back (its attempt bumped by
//! the new claim, or its state reset) changes nothing and counts nothing.

use std::time::Duration;

use crate::connect::Conn;
use crate::error::QueueError;
use crate::lease::given_back;

/// A finished attempt, as the worker reports it.
#[derive(Debug, Clone)]
pub enum Completion {
    /// The job succeeded: it leaves the queue (its key stays in `keys`).
    Done {
        /// The job.
        id: i64,
        /// The attempt that succeeded.
        attempt: i32,
    },
    /// The attempt failed and another may succeed: ready again after
    /// `delay` (cancelled, when its run is).
    Retry {
        /// The job.
        id: i64,
        /// The attempt that failed.
        attempt: i32,
        /// The backoff before the next attempt.
        delay: Duration,
        /// Why it failed.
        error: String,
    },
    /// The job failed for good: dead, with its error, until `retry`.
    Dead {
        /// The job.
        id: i64,
        /// The last attempt.
        attempt: i32,
        /// Why it failed.
        error: String,
    },
    /// The job was claimed but not started (the worker is stopping, or its
    /// run was paused): ready again at once (cancelled, when its run is),
    /// the attempt not counted.
    Release {
        /// The job.
        id: i64,
        /// The claim's attempt.
        attempt: i32,
    },
}

/// How many completions the database took, and how many it refused as
/// stale (their lease had expired and the job was taken back).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recorded {
    /// Completions that changed their job.
    pub accepted: u64,
    /// Completions fenced off: late, from a lease that expired.
    pub refused: u64,
}

/// Records `batch` for `worker`: one statement per kind present. Finished
/// jobs are deleted, and nothing is written per job besides: the worker's
/// own row counts them (a run's count is the sum over its workers: no row
/// that every worker would have to lock), and one `finished` row per batch
/// gives `status` its rate.
///
/// # Errors
///
/// A database error; nothing of the failed statement is recorded, and the
/// leases of its jobs expire as if the worker had died.
pub async fn record(
    conn: &mut Conn,
    worker: i64,
    batch: &[Completion],
) -> Result<Recorded, QueueError> {
    let mut done = (Vec::new(), Vec::new());
    let mut retry = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut dead = (Vec::new(), Vec::new(), Vec::new());
    let mut release = (Vec::new(), Vec::new());
    for completion in batch {
        match completion {
            Completion::Done { id, attempt } => {
                done.0.push(*id);
                done.1.push(*attempt);
            }
            Completion::Retry {
                id,
                attempt,
                delay,
                error,
            } => {
                retry.0.push(*id);
                retry.1.push(*attempt);
                retry.2.push(delay.as_secs_f64());
                retry.3.push(error.as_str());
            }
            Completion::Dead { id, attempt, error } => {
                dead.0.push(*id);
                dead.1.push(*attempt);
                dead.2.push(error.as_str());
            }
            Completion::Release { id, attempt } => {
                release.0.push(*id);
                release.1.push(*attempt);
            }
        }
    }
    let mut accepted = 0u64;
    if !done.0.is_empty() {
        let row = conn
            .query_one(
                "WITH d AS (DELETE FROM workpool.jobs j
                             USING unnest($1::bigint[], $2::int[]) AS f(id, att)
                             WHERE j.id = f.id AND j.attempt = f.att AND j.state = 1
                            RETURNING 1),
                      n AS (SELECT count(*) AS n FROM d),
                      w AS (UPDATE workpool.workers SET done = done + (SELECT n FROM n)
                             WHERE id = $3 RETURNING run),
                      f AS (INSERT INTO workpool.finished (run, worker, n)
                            SELECT w.run, $3, n.n FROM w, n WHERE n.n > 0)
                 SELECT n FROM n",
                &[&done.0, &done.1, &worker],
            )
            .await?;
        accepted += u64::try_from(row.get::<_, i64>(0)).unwrap_or(0);
    }
    if !retry.0.is_empty() {
        accepted += conn
            .execute(
                "UPDATE workpool.jobs j
                    SET state = CASE WHEN r.state = 'cancelled' THEN 3 ELSE 0 END,
                        run_at = now() + make_interval(secs => f.delay),
                        last_error = f.error, worker = NULL, lease_until = NULL
                   FROM unnest($1::bigint[], $2::int[], $3::float8[], $4::text[]) AS f(id, att, delay, error),
                        workpool.runs r
                  WHERE j.id = f.id AND j.attempt = f.att AND j.state = 1 AND r.id = j.run",
                &[&retry.0, &retry.1, &retry.2, &retry.3],
            )
            .await?;
    }
    if !dead.0.is_empty() {
        accepted += conn
            .execute(
                "UPDATE workpool.jobs j
                    SET state = 2, last_error = f.error, worker = NULL, lease_until = NULL
                   FROM unnest($1::bigint[], $2::int[], $3::text[]) AS f(id, att, error)
                  WHERE j.id = f.id AND j.attempt = f.att AND j.state = 1",
                &[&dead.0, &dead.1, &dead.2],
            )
            .await?;
    }
    if !release.0.is_empty() {
        accepted += conn
            .execute(
                concat!(
                    "UPDATE workpool.jobs j SET ",
                    given_back!(),
                    " FROM unnest($1::bigint[], $2::int[]) AS f(id, att), workpool.runs r
                     WHERE j.id = f.id AND j.attempt = f.att AND j.state = 1 AND r.id = j.run"
                ),
                &[&release.0, &release.1],
            )
            .await?;
    }
    let total = batch.len() as u64;
    Ok(Recorded {
        accepted,
        refused: total.saturating_sub(accepted),
    })
}

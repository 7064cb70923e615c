//! The queue's statements on leases: claim jobs, renew the leases a worker
//! holds, take back jobs whose lease expired, and give back jobs a worker
//! will not run.
//!
//! A claim sets `state = 1`, bumps `attempt` and sets `lease_until`; the
//! pair (id, attempt) then fences every later statement about that claim
//! (see [`crate::complete`]): a worker whose lease expired and whose job was
//! taken back can change nothing about it.

use std::time::Duration;

use tokio_postgres::Client;

use crate::error::QueueError;

/// One claimed job.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// The job's id.
    pub id: i64,
    /// The attempt this claim is (1 for the first); with `id`, the fence.
    pub attempt: i32,
    /// The job's key.
    pub key: String,
    /// The job's payload (JSON).
    pub payload: String,
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// Claims up to `limit` ready jobs of `run` for `worker`, oldest first,
/// skipping those other workers are claiming (`FOR UPDATE SKIP LOCKED`),
/// each with a lease of `lease`.
///
/// # Errors
///
/// A database error.
pub async fn claim(
    client: &Client,
    run: i64,
    worker: i64,
    limit: i64,
    lease: Duration,
) -> Result<Vec<Claimed>, QueueError> {
    let rows = client
        .query(
            "WITH c AS MATERIALIZED (
                 SELECT id FROM workpool.jobs
                 WHERE run = $1 AND state = 0 AND run_at <= now()
                 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
             UPDATE workpool.jobs j
                SET state = 1, attempt = j.attempt + 1, worker = $3,
                    lease_until = now() + make_interval(secs => $4)
               FROM c WHERE j.id = c.id
             RETURNING j.id, j.attempt, j.key, j.payload",
            &[&run, &limit, &worker, &secs(lease)],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|row| Claimed {
            id: row.get(0),
            attempt: row.get(1),
            key: row.get(2),
            payload: row.get(3),
        })
        .collect())
}

/// What a rate-limited claim got.
#[derive(Debug)]
pub enum Rated {
    /// Jobs claimed (possibly none: nothing ready).
    Claimed(Vec<Claimed>),
    /// The run's rate allows no job now: try again after this long.
    Wait(Duration),
}

/// As [`claim`], for a run with a rate: takes tokens from the run's bucket
/// (refilled at the run's rate up to its burst) in the same transaction,
/// at most one job per whole token, so that all workers together start no
/// more than the rate allows.
///
/// # Errors
///
/// A database error.
pub async fn claim_rated(
    client: &mut Client,
    run: i64,
    worker: i64,
    limit: i64,
    lease: Duration,
) -> Result<Rated, QueueError> {
    let tx = client.transaction().await?;
    let row = tx
        .query_one(
            "UPDATE workpool.runs
                SET tokens = least(burst::float8, tokens + rate_per_s * extract(epoch FROM clock_timestamp() - refilled)::float8),
                    refilled = clock_timestamp()
              WHERE id = $1
             RETURNING tokens, rate_per_s",
            &[&run],
        )
        .await?;
    let tokens: f64 = row.get(0);
    let rate: Option<f64> = row.get(1);
    let rate = rate.unwrap_or(f64::INFINITY).max(1e-9);
    let allowed = (tokens.floor() as i64).min(limit);
    if allowed < 1 {
        tx.commit().await?;
        return Ok(Rated::Wait(Duration::from_secs_f64(
            ((1.0 - tokens) / rate).clamp(0.001, 1.0),
        )));
    }
    let rows = tx
        .query(
            "WITH c AS MATERIALIZED (
                 SELECT id FROM workpool.jobs
                 WHERE run = $1 AND state = 0 AND run_at <= now()
                 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
             UPDATE workpool.jobs j
                SET state = 1, attempt = j.attempt + 1, worker = $3,
                    lease_until = now() + make_interval(secs => $4)
               FROM c WHERE j.id = c.id
             RETURNING j.id, j.attempt, j.key, j.payload",
            &[&run, &allowed, &worker, &secs(lease)],
        )
        .await?;
    let taken = rows.len() as f64;
    tx.execute(
        "UPDATE workpool.runs SET tokens = tokens - $2 WHERE id = $1",
        &[&run, &taken],
    )
    .await?;
    tx.commit().await?;
    Ok(Rated::Claimed(
        rows.iter()
            .map(|row| Claimed {
                id: row.get(0),
                attempt: row.get(1),
                key: row.get(2),
                payload: row.get(3),
            })
            .collect(),
    ))
}

/// Renews, in one statement, the lease of every job `worker` holds, and
/// its heartbeat. Returns how many jobs it holds.
///
/// # Errors
///
/// A database error.
pub async fn renew(client: &Client, worker: i64, lease: Duration) -> Result<i64, QueueError> {
    let row = client
        .query_one(
            "WITH r AS (
                 UPDATE workpool.jobs SET lease_until = now() + make_interval(secs => $2)
                  WHERE worker = $1 AND state = 1 RETURNING 1)
             UPDATE workpool.workers SET heartbeat = now(), in_flight = (SELECT count(*) FROM r)
              WHERE id = $1 RETURNING in_flight",
            &[&worker, &secs(lease)],
        )
        .await?;
    Ok(i64::from(row.get::<_, i32>(0)))
}

/// Takes back the jobs of `run` whose lease expired (their worker died or
/// stopped renewing): ready again, to be retried by any worker, or dead
/// when that was their last attempt. Returns how many.
///
/// # Errors
///
/// A database error.
pub async fn reap(client: &Client, run: i64) -> Result<u64, QueueError> {
    Ok(client
        .execute(
            "UPDATE workpool.jobs j
                SET state = CASE WHEN j.attempt >= r.max_attempts THEN 2 ELSE 0 END,
                    run_at = now(), lease_until = NULL,
                    last_error = 'the lease of worker ' || j.worker || ' expired (the worker died or stopped)',
                    worker = NULL
               FROM workpool.runs r
              WHERE j.run = $1 AND r.id = j.run AND j.state = 1 AND j.lease_until < now()",
            &[&run],
        )
        .await?)
}

/// Gives back the jobs `worker` still holds and will not run (claimed but
/// never started when it stopped): ready at once, the attempt not counted.
///
/// # Errors
///
/// A database error.
pub async fn release(client: &Client, worker: i64) -> Result<u64, QueueError> {
    Ok(client
        .execute(
            "UPDATE workpool.jobs SET state = 0, attempt = attempt - 1, worker = NULL,
                    lease_until = NULL, run_at = now()
              WHERE worker = $1 AND state = 1",
            &[&worker],
        )
        .await?)
}

/// Whether `run` still has jobs ready (now or later) or running.
///
/// # Errors
///
/// A database error.
pub async fn pending(client: &Client, run: i64) -> Result<bool, QueueError> {
    let row = client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM workpool.jobs WHERE run = $1 AND state = 0)
                 OR EXISTS (SELECT 1 FROM workpool.jobs WHERE run = $1 AND state = 1)",
            &[&run],
        )
        .await?;
    Ok(row.get(0))
}

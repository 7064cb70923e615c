//! The queue's statements on leases: claim jobs, renew the leases a worker
//! holds, take back jobs whose lease expired, and give back jobs a worker
//! will not run.
//!
//! A claim sets `state = 1`, bumps `attempt` and sets `lease_until`; the
//! pair (id, attempt) then fences every later statement about that claim
//! (see [`crate::complete`]): a worker whose lease expired and whose job was
//! taken back can change nothing about it.

use std::time::Duration;

use crate::connect::Conn;

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

impl Claimed {
    /// A row of [`CLAIM`]'s result.
    fn from_row(row: &tokio_postgres::Row) -> Claimed {
        Claimed {
            id: row.get(0),
            attempt: row.get(1),
            key: row.get(2),
            payload: row.get(3),
        }
    }
}

/// Claims up to $2 ready jobs of run $1 for worker $3 with a lease of $4
/// seconds, none unless the run is active (a paused or cancelled run's
/// workers claim nothing from the moment it is).
const CLAIM: &str = "WITH c AS MATERIALIZED (
         SELECT id FROM workpool.jobs
         WHERE run = $1 AND state = 0 AND run_at <= now()
           AND (SELECT state FROM workpool.runs WHERE id = $1) = 'active'
         ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
     UPDATE workpool.jobs j
        SET state = 1, attempt = j.attempt + 1, worker = $3,
            lease_until = now() + make_interval(secs => $4)
       FROM c WHERE j.id = c.id
     RETURNING j.id, j.attempt, j.key, j.payload";

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// Claims up to `limit` ready jobs of `run` for `worker`, oldest first,
/// skipping those other workers are claiming (`FOR UPDATE SKIP LOCKED`),
/// each with a lease of `lease`; none when the run is paused or cancelled.
///
/// # Errors
///
/// A database error.
pub async fn claim(
    conn: &mut Conn,
    run: i64,
    worker: i64,
    limit: i64,
    lease: Duration,
) -> Result<Vec<Claimed>, QueueError> {
    let rows = conn
        .query(CLAIM, &[&run, &limit, &worker, &secs(lease)])
        .await?;
    Ok(rows.iter().map(Claimed::from_row).collect())
}

/// What a rate-limited claim got.
#[derive(Debug)]
pub enum Rated {
    /// Jobs claimed (possibly none: nothing ready), each with how long
    /// from now it may start.
    Claimed(Vec<(Claimed, Duration)>),
    /// The run's rate allows no job now: try again after this long.
    Wait(Duration),
}

/// How far ahead a rate-limited claim takes its slots: the jobs wait for
/// their start on the worker, so that the time a claim takes does not
/// slow the run's rate.
const LOOKAHEAD: f64 = 0.1;

/// As [`claim`], for a run with a rate. The run's row holds the next
/// start slot (`tat`); in one transaction a claim reads it, takes the
/// slots due within a short lookahead (one job per slot, slots one
/// interval apart, at most `burst` banked from idle time), and moves it on
/// by one interval per job claimed. Each job comes back with the time to
/// its slot: every worker together starts no more than the rate allows,
/// and a claim made a little late loses none of the run's rate.
///
/// # Errors
///
/// A database error.
pub async fn claim_rated(
    conn: &mut Conn,
    run: i64,
    worker: i64,
    limit: i64,
    lease: Duration,
) -> Result<Rated, QueueError> {
    let claim = conn.statement(CLAIM).await?;
    let tx = conn.client().transaction().await?;
    let row = tx
        .query_one(
            "SELECT extract(epoch FROM clock_timestamp() - tat)::float8,
                    coalesce(rate_per_s, 1e9), burst, state = 'active'
               FROM workpool.runs WHERE id = $1 FOR UPDATE",
            &[&run],
        )
        .await?;
    let (since_tat, rate, burst): (f64, f64, i32) = (row.get(0), row.get(1), row.get(2));
    if !row.get::<_, bool>(3) {
        // A paused or cancelled run: nothing (the claimer then looks).
        tx.commit().await?;
        return Ok(Rated::Claimed(Vec::new()));
    }
    let interval = 1.0 / rate.max(1e-9);
    // The first free slot, relative to now (negative: in the past), no
    // earlier than a burst's worth of slots back.
    let first = (-since_tat).max(-f64::from(burst.max(1) - 1) * interval);
    if first > LOOKAHEAD {
        tx.commit().await?;
        return Ok(Rated::Wait(Duration::from_secs_f64(
            (first - LOOKAHEAD).clamp(0.0005, 1.0),
        )));
    }
    let due = ((LOOKAHEAD - first) / interval).floor() as i64 + 1;
    let allowed = due.min(limit).max(1);
    let rows = tx
        .query(&claim, &[&run, &allowed, &worker, &secs(lease)])
        .await?;
    if !rows.is_empty() {
        // The next free slot: `first` and one interval per job on, as an
        // offset from the old value (which is `since_tat` before now).
        let advance = since_tat + first + rows.len() as f64 * interval;
        tx.execute(
            "UPDATE workpool.runs SET tat = tat + make_interval(secs => $2) WHERE id = $1",
            &[&run, &advance],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Rated::Claimed(
        rows.iter()
            .enumerate()
            .map(|(i, row)| {
                let slot = first + i as f64 * interval;
                (
                    Claimed::from_row(row),
                    Duration::from_secs_f64(slot.max(0.0)),
                )
            })
            .collect(),
    ))
}

/// What a job whose lease expired becomes, as `SET` assignments of an
/// `UPDATE workpool.jobs j ... FROM workpool.runs r`: cancelled when its
/// run is, dead after its last attempt, else ready at once; its error
/// says why.
macro_rules! expired {
    () => {
        "state = CASE WHEN r.state = 'cancelled' THEN 3
                      WHEN j.attempt >= r.max_attempts THEN 2 ELSE 0 END,
         run_at = now(), lease_until = NULL,
         last_error = 'the lease of worker ' || j.worker || ' expired (the worker died or stopped)',
         worker = NULL"
    };
}
pub(crate) use expired;

/// What a job given back unstarted becomes, as `SET` assignments of an
/// `UPDATE workpool.jobs j ... FROM workpool.runs r`: ready at once (or
/// cancelled, when its run is), the attempt not counted.
macro_rules! given_back {
    () => {
        "state = CASE WHEN r.state = 'cancelled' THEN 3 ELSE 0 END,
         attempt = j.attempt - 1, worker = NULL, lease_until = NULL, run_at = now()"
    };
}
pub(crate) use given_back;

/// What [`keep`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kept {
    /// Jobs the worker holds, whose leases it renewed.
    pub held: i64,
    /// Jobs of other workers taken back (their lease had expired).
    pub reaped: i64,
}

/// In one statement: renews the lease of every job `worker` holds and its
/// heartbeat, and takes back the jobs of `run` whose lease expired on
/// other workers (as [`reap`]). Rows another statement holds (the
/// worker's own completion of them, a reaper) are skipped: this never
/// waits, so it can never be half of a deadlock, and no statement of the
/// queue waits on a statement that waits.
///
/// # Errors
///
/// A database error.
pub async fn keep(
    conn: &mut Conn,
    run: i64,
    worker: i64,
    lease: Duration,
) -> Result<Kept, QueueError> {
    let row = conn
        .query_one(
            concat!(
                "WITH mine AS (
                     SELECT id FROM workpool.jobs
                      WHERE run = $3 AND state = 1 AND worker = $1
                      FOR UPDATE SKIP LOCKED),
                      renewed AS (
                     UPDATE workpool.jobs j SET lease_until = now() + make_interval(secs => $2)
                       FROM mine WHERE j.id = mine.id RETURNING 1),
                      x AS (
                     SELECT id FROM workpool.jobs
                      WHERE run = $3 AND state = 1 AND lease_until < now()
                        AND worker IS DISTINCT FROM $1
                      ORDER BY id FOR UPDATE SKIP LOCKED),
                      reaped AS (
                     UPDATE workpool.jobs j SET ",
                expired!(),
                " FROM x, workpool.runs r WHERE j.id = x.id AND r.id = j.run RETURNING 1)
                 UPDATE workpool.workers
                    SET heartbeat = now(), in_flight = (SELECT count(*) FROM renewed)
                  WHERE id = $1 RETURNING in_flight, (SELECT count(*) FROM reaped)"
            ),
            &[&worker, &secs(lease), &run],
        )
        .await?;
    Ok(Kept {
        held: i64::from(row.get::<_, i32>(0)),
        reaped: row.get(1),
    })
}

/// Takes back the jobs of `run` whose lease expired (their worker died or
/// stopped renewing): ready again, to be retried by any worker, dead when
/// that was their last attempt, cancelled when the run is. Returns how
/// many. Rows another statement holds are skipped (the next round takes
/// them), so that two workers reaping at once never wait on each other.
///
/// # Errors
///
/// A database error.
pub async fn reap(conn: &mut Conn, run: i64) -> Result<u64, QueueError> {
    conn.execute(
        concat!(
            "WITH x AS (
                 SELECT id FROM workpool.jobs
                  WHERE run = $1 AND state = 1 AND lease_until < now()
                  ORDER BY id FOR UPDATE SKIP LOCKED)
             UPDATE workpool.jobs j SET ",
            expired!(),
            " FROM x, workpool.runs r WHERE j.id = x.id AND r.id = j.run"
        ),
        &[&run],
    )
    .await
}

/// Gives back the jobs `worker` still holds and will not run (claimed but
/// never started when it stopped): ready at once (cancelled, when the run
/// is), the attempt not counted.
///
/// # Errors
///
/// A database error.
pub async fn release(conn: &mut Conn, run: i64, worker: i64) -> Result<u64, QueueError> {
    conn.execute(
        concat!(
            "UPDATE workpool.jobs j SET ",
            given_back!(),
            " FROM workpool.runs r
             WHERE j.run = $2 AND j.state = 1 AND j.worker = $1 AND r.id = j.run"
        ),
        &[&worker, &run],
    )
    .await
}

/// Whether `run` still has jobs ready (now or later) or running.
///
/// # Errors
///
/// A database error.
pub async fn pending(conn: &mut Conn, run: i64) -> Result<bool, QueueError> {
    let row = conn
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM workpool.jobs WHERE run = $1 AND state = 0)
                 OR EXISTS (SELECT 1 FROM workpool.jobs WHERE run = $1 AND state = 1)",
            &[&run],
        )
        .await?;
    Ok(row.get(0))
}

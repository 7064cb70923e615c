//! [`look()`]: what a worker with nothing to run asks the queue, in one
//! statement, when it is woken (a notification, its poll, its own jobs
//! done): the run's state, the jobs whose lease expired taken back,
//! ready jobs claimed, whether any job is left, and the heartbeat when it
//! is due. One statement per wake is what keeps an idle worker's cost to
//! the database at one query per poll.

use std::time::Duration;

use crate::connect::Conn;
use crate::error::QueueError;
use crate::hand::Hand;
use crate::lease::{Claimed, expired};
use crate::run::RunState;

/// What [`look()`] found.
#[derive(Debug)]
pub struct Look {
    /// The run's state.
    pub state: RunState,
    /// Jobs claimed (none when the run is not active or `limit` was 0).
    pub claimed: Vec<Claimed>,
    /// Jobs whose lease had expired, taken back (ready again, dead or
    /// cancelled): those ready can be claimed at once.
    pub reaped: i64,
    /// Whether jobs were ready to run (before this claim).
    pub ready: bool,
    /// Whether the run has jobs left: ready (now or later) or running.
    pub pending: bool,
    /// How many workers of the run are alive (not stopped, heartbeat
    /// within a lease), this one included: counted only when the look
    /// beat the heartbeat.
    pub peers: Option<i64>,
}

/// Looks at run `run` for `worker`: takes back the jobs whose lease
/// expired, claims up to `limit` ready jobs with a lease of `lease` (none
/// unless the run is active), and beats the worker's heartbeat and counts
/// the run's live workers if `beat`.
/// Jobs taken back by this statement are claimed by the next (one
/// statement sees the rows as they were when it began).
///
/// # Errors
///
/// A database error; [`QueueError::NoRun`] when the run was deleted.
pub async fn look(
    conn: &mut Conn,
    run: i64,
    worker: i64,
    limit: i64,
    lease: Duration,
    beat: bool,
) -> Result<Look, QueueError> {
    let rows = conn
        .query(
            concat!(
                "WITH r AS (SELECT state, max_attempts FROM workpool.runs WHERE id = $1),
                      x AS (
                     SELECT id FROM workpool.jobs
                      WHERE run = $1 AND state = 1 AND lease_until < now()
                      ORDER BY id FOR UPDATE SKIP LOCKED),
                      reaped AS (
                     UPDATE workpool.jobs j SET ",
                expired!(),
                " FROM x, r WHERE j.id = x.id RETURNING 1),
                      c AS MATERIALIZED (
                     SELECT id FROM workpool.jobs
                      WHERE run = $1 AND state = 0 AND run_at <= now()
                        AND (SELECT state FROM r) = 'active'
                      ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED),
                      claimed AS (
                     UPDATE workpool.jobs j
                        SET state = 1, attempt = j.attempt + 1, worker = $2,
                            lease_until = now() + make_interval(secs => $4)
                       FROM c WHERE j.id = c.id
                     RETURNING j.id, j.attempt, j.key, j.payload),
                      beat AS (
                     UPDATE workpool.workers SET heartbeat = now() WHERE id = $2 AND $5)
                 SELECT s.state, s.reaped, s.ready, s.pending, s.peers,
                        claimed.id, claimed.attempt, claimed.key, claimed.payload
                   FROM (SELECT (SELECT state FROM r) AS state,
                                (SELECT count(*) FROM reaped) AS reaped,
                                EXISTS (SELECT 1 FROM workpool.jobs
                                         WHERE run = $1 AND state = 0 AND run_at <= now()) AS ready,
                                EXISTS (SELECT 1 FROM workpool.jobs
                                         WHERE run = $1 AND state IN (0, 1)) AS pending,
                                CASE WHEN $5 THEN
                                  (SELECT count(*) FROM workpool.workers
                                    WHERE run = $1 AND stopped IS NULL
                                      AND heartbeat > now() - make_interval(secs => $4))
                                END AS peers) s
                   LEFT JOIN claimed ON true"
            ),
            &[&run, &worker, &limit, &lease.as_secs_f64(), &beat],
        )
        .await?;
    // One row at least (the left side); the state is null when the run
    // was deleted.
    let first = rows.first();
    let Some((first, state)) = first.and_then(|row| Some((row, row.get::<_, Option<&str>>(0)?)))
    else {
        return Err(QueueError::NoRun(format!(
            "the run (id {run}) was deleted from the database"
        )));
    };
    Ok(Look {
        state: RunState::from_column(state),
        reaped: first.get(1),
        ready: first.get(2),
        pending: first.get(3),
        peers: first.get(4),
        claimed: rows
            .iter()
            .filter_map(|row| {
                Some(Claimed {
                    id: row.get::<_, Option<i64>>(5)?,
                    attempt: row.get(6),
                    key: row.get(7),
                    payload: row.get(8),
                })
            })
            .collect(),
    })
}

/// Who looks, at what: a worker of a run, with its lease and its poll.
#[derive(Debug, Clone, Copy)]
pub(crate) struct At {
    pub(crate) run: i64,
    pub(crate) worker: i64,
    pub(crate) lease: Duration,
    pub(crate) poll: Duration,
}

impl At {
    /// [`look()`], with the heartbeat when it is due before the next poll
    /// or two: the keeper then has nothing to do while the worker holds
    /// nothing, and an idle worker costs one statement per poll.
    ///
    /// # Errors
    ///
    /// A database error.
    pub(crate) async fn look(
        &self,
        conn: &mut Conn,
        hand: &Hand,
        limit: i64,
    ) -> Result<Look, QueueError> {
        // The first look beats too: it counts the run's workers, which
        // spreads out their looks after a notification (Hand::stagger).
        let beat = hand.beat_age() + 2 * self.poll >= self.lease / 3 || !hand.knows_peers();
        let found = look(conn, self.run, self.worker, limit, self.lease, beat).await?;
        if beat {
            hand.beaten();
        }
        if let Some(peers) = found.peers {
            hand.set_peers(peers);
        }
        if found.reaped > 0 {
            tracing::warn!(
                "took back {} jobs whose worker's lease expired",
                found.reaped
            );
        }
        Ok(found)
    }
}

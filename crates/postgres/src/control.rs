//! A run's control: pause, resume and cancel it, and wake its workers.
//!
//! Each `work` process listens on its run's channel (`LISTEN`, see
//! [`crate::keeper`]). What gives its workers something to do or changes
//! what they may do sends one `NOTIFY` in the same transaction, whatever
//! the number of jobs: `enqueue`, `retry`, `pause`, `resume`, `cancel`.
//! Never a completion: a `NOTIFY` takes a lock on the whole database's
//! notification queue at commit, which a busy run's completions would
//! fight over. A worker that misses one finds out at its next poll.

use tokio_postgres::{Client, GenericClient};

use crate::error::QueueError;
use crate::run::{RunInfo, RunState};

/// The channel the workers of run `run` listen on.
pub(crate) fn channel(run: i64) -> String {
    format!("workpool_run_{run}")
}

/// Wakes the workers of `run` when the caller's transaction commits (at
/// once outside one): one notification, however many jobs changed.
///
/// # Errors
///
/// A database error.
pub(crate) async fn notify(client: &impl GenericClient, run: i64) -> Result<(), QueueError> {
    client
        .execute("SELECT pg_notify($1, '')", &[&channel(run)])
        .await?;
    Ok(())
}

/// What a [`pause`], [`resume`] or [`cancel`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Changed {
    /// The run went from the state it had to the one asked for; with
    /// [`cancel`], how many jobs not started were cancelled.
    Now {
        /// The state it had.
        from: RunState,
        /// Jobs cancelled (by [`cancel`]; 0 otherwise).
        cancelled: u64,
    },
    /// The run was already in the state asked for: nothing changed.
    Already,
}

/// The run's state now, locked until the transaction ends.
async fn locked_state(client: &impl GenericClient, run: &RunInfo) -> Result<RunState, QueueError> {
    let row = client
        .query_opt(
            "SELECT state FROM workpool.runs WHERE id = $1 FOR UPDATE",
            &[&run.id],
        )
        .await?
        .ok_or_else(|| QueueError::NoRun(format!("run {:?} was deleted", run.name)))?;
    Ok(RunState::from_column(row.get(0)))
}

/// Sets `run`'s state to `to` (from `from`), and wakes its workers.
async fn set_state(
    client: &mut Client,
    run: &RunInfo,
    to: RunState,
    allowed: impl Fn(RunState) -> Result<(), String>,
) -> Result<Changed, QueueError> {
    let tx = client.transaction().await?;
    let from = locked_state(&tx, run).await?;
    if from == to {
        return Ok(Changed::Already);
    }
    allowed(from).map_err(QueueError::Usage)?;
    tx.execute(
        "UPDATE workpool.runs SET state = $2 WHERE id = $1",
        &[&run.id, &to.as_str()],
    )
    .await?;
    let cancelled = if to == RunState::Cancelled {
        // Every job not started, ready now or waiting for a retry. Those
        // a worker holds and has not started, it gives back as cancelled
        // (its completions read the run's state); those running finish.
        tx.execute(
            "UPDATE workpool.jobs SET state = 3, run_at = now() WHERE run = $1 AND state = 0",
            &[&run.id],
        )
        .await?
    } else {
        0
    };
    notify(&tx, run.id).await?;
    tx.commit().await?;
    Ok(Changed::Now { from, cancelled })
}

/// Pauses `run`: its workers claim nothing more, give back at once the
/// jobs they hold and have not started, finish those running, and wait.
///
/// # Errors
///
/// [`QueueError::Usage`] when the run was cancelled; a database error.
pub async fn pause(client: &mut Client, run: &RunInfo) -> Result<Changed, QueueError> {
    set_state(client, run, RunState::Paused, |from| match from {
        RunState::Cancelled => Err(format!(
            "run {:?} was cancelled: there is nothing to pause",
            run.name
        )),
        _ => Ok(()),
    })
    .await
}

/// Resumes a paused `run`: its workers claim its jobs again, at once.
///
/// # Errors
///
/// [`QueueError::Usage`] when the run was cancelled; a database error.
pub async fn resume(client: &mut Client, run: &RunInfo) -> Result<Changed, QueueError> {
    set_state(client, run, RunState::Active, |from| match from {
        RunState::Cancelled => Err(format!(
            "run {:?} was cancelled, which is final: enqueue its inputs under another --run name to do them",
            run.name
        )),
        _ => Ok(()),
    })
    .await
}

/// Cancels `run`, paused or not: every job not started ends cancelled
/// (kept, counted by `status`, never run, never retried); the jobs running
/// finish; the run's workers then exit. Final.
///
/// # Errors
///
/// A database error.
pub async fn cancel(client: &mut Client, run: &RunInfo) -> Result<Changed, QueueError> {
    set_state(client, run, RunState::Cancelled, |_| Ok(())).await
}

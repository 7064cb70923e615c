//! [`RunsView`]: every run in the database, newest first, each with its
//! status as `TOOL status --json` prints it.
//!
//! The status is `pool_postgres::status` serialised as it is: whatever
//! the engine adds to it (a run's paused state, cancelled jobs) is in the
//! page's JSON, its metrics and its counts without a change here.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use pool_postgres::{QueueError, run};
use serde_json::Value;
use tokio_postgres::Client;

/// How often a settled run (nothing left to run, no live worker) is read
/// again: its status only changes when someone enqueues, retries or
/// deletes, and each read scans its jobs.
pub const SETTLED_EVERY: Duration = Duration::from_secs(15);

/// One run.
#[derive(Debug, Clone)]
pub struct RunEntry {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its tool.
    pub tool: String,
    /// When it was enqueued (made): `2026-12-03 05:43:10` UTC.
    pub created: String,
    /// Seconds since.
    pub age_s: f64,
    /// Its status, as `status --json` prints it.
    pub status: Arc<Value>,
    /// When the status was read.
    pub read: Instant,
}

impl RunEntry {
    /// A count of the status (`done`, `dead`, ...); 0 when absent.
    pub fn count(&self, field: &str) -> i64 {
        count(&self.status, field)
    }

    /// Whether nothing of the run is left to do or being done: its jobs
    /// are finished, dead or cancelled and no worker is alive.
    pub fn settled(&self) -> bool {
        let left = ["ready", "waiting", "running"]
            .iter()
            .map(|f| self.count(f))
            .sum::<i64>();
        let alive = self.status["workers"]
            .as_array()
            .is_some_and(|w| w.iter().any(|w| w["state"] == "alive"));
        left == 0 && !alive
    }
}

/// A count in a status object; 0 when absent or not a number.
pub fn count(status: &Value, field: &str) -> i64 {
    status[field].as_i64().unwrap_or(0)
}

/// Every run, newest first.
#[derive(Debug, Clone, Default)]
pub struct RunsView {
    /// The runs.
    pub runs: Vec<RunEntry>,
}

impl RunsView {
    /// The run named `name`.
    pub fn get(&self, name: &str) -> Option<&RunEntry> {
        self.runs.iter().find(|r| r.name == name)
    }
}

/// Reads every run; the status of a settled run in `before` read less
/// than [`SETTLED_EVERY`] ago is kept, unless its name is in `fresh`.
///
/// # Errors
///
/// A database error.
pub async fn read(
    client: &Client,
    before: Option<&RunsView>,
    fresh: &[String],
) -> Result<RunsView, QueueError> {
    let rows = client
        .query(
            "SELECT id, name, tool,
                    to_char(created AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
                    extract(epoch FROM now() - created)::float8
               FROM workpool.runs ORDER BY id DESC",
            &[],
        )
        .await?;
    let reads = rows.iter().map(|row| async move {
        let (id, name, tool): (i64, String, String) = (row.get(0), row.get(1), row.get(2));
        let kept = before
            .and_then(|b| b.runs.iter().find(|r| r.id == id))
            .filter(|r| {
                r.settled() && r.read.elapsed() < SETTLED_EVERY && !fresh.contains(&r.name)
            });
        let (status, read) = match kept {
            Some(r) => (r.status.clone(), r.read),
            None => match status(client, &tool, &name).await? {
                Some(status) => (Arc::new(status), Instant::now()),
                // Deleted between the two reads.
                None => return Ok(None),
            },
        };
        Ok::<_, QueueError>(Some(RunEntry {
            id,
            name,
            tool,
            created: row.get(3),
            age_s: row.get(4),
            status,
            read,
        }))
    });
    // One connection: tokio-postgres pipelines the statements.
    let mut runs = Vec::with_capacity(rows.len());
    for entry in join_all(reads).await {
        if let Some(entry) = entry? {
            runs.push(entry);
        }
    }
    Ok(RunsView { runs })
}

/// The status of run `name` of `tool` as JSON; `None` when it is gone.
async fn status(client: &Client, tool: &str, name: &str) -> Result<Option<Value>, QueueError> {
    let info = match run::find(client, tool, Some(name)).await {
        Ok(info) => info,
        Err(QueueError::NoRun(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    let status = pool_postgres::status(client, &info).await?;
    serde_json::to_value(&status)
        .map(Some)
        .map_err(|error| QueueError::Json {
            what: format!("the status of run {name:?}"),
            error,
        })
}

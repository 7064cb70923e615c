//! [`RunInfo`]: a run as stored in `workpool.runs`, found or created.

use std::time::Duration;

use pool::Rate;
use sha2::{Digest as _, Sha256};
use tokio_postgres::{GenericClient, Row};

use crate::error::QueueError;

/// What a run shares besides its plan: how many attempts a job gets, its
/// time limit, its rate (for the whole run, over all workers).
#[derive(Debug, Clone, PartialEq)]
pub struct RunSettings {
    /// Attempts per job (1 + retries).
    pub max_attempts: u32,
    /// Time limit per attempt.
    pub timeout: Option<Duration>,
    /// Jobs started per second over all workers, with its burst.
    pub rate: Option<Rate>,
}

/// A run in the database.
#[derive(Debug, Clone)]
pub struct RunInfo {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// The tool that runs it: `mailer`, `resizer`, `reporter`.
    pub tool: String,
    /// The plan, as JSON.
    pub plan: String,
    /// Its settings.
    pub settings: RunSettings,
}

impl RunInfo {
    fn from_row(row: &Row) -> RunInfo {
        let timeout: Option<i64> = row.get("timeout_ms");
        let rate: Option<f64> = row.get("rate_per_s");
        let burst: i32 = row.get("burst");
        let attempts: i32 = row.get("max_attempts");
        RunInfo {
            id: row.get("id"),
            name: row.get("name"),
            tool: row.get("tool"),
            plan: row.get("plan"),
            settings: RunSettings {
                max_attempts: u32::try_from(attempts).unwrap_or(1).max(1),
                timeout: timeout.map(|ms| Duration::from_millis(u64::try_from(ms).unwrap_or(0))),
                rate: rate.map(|per_s| {
                    Rate::every(Duration::from_secs_f64(1.0 / per_s.max(1e-9)))
                        .with_burst(u32::try_from(burst).unwrap_or(1).max(1))
                }),
            },
        }
    }

    /// The plan, read back as the tool's.
    ///
    /// # Errors
    ///
    /// [`QueueError::Json`] when it is not.
    pub fn plan<P: serde::de::DeserializeOwned>(&self) -> Result<P, QueueError> {
        serde_json::from_str(&self.plan).map_err(|source| QueueError::Json {
            what: format!("run {:?}: its plan is not a {} plan", self.name, self.tool),
            source,
        })
    }
}

const COLUMNS: &str = "id, name, tool, plan, max_attempts, timeout_ms, rate_per_s, burst";

/// The default name of a run: the tool's name and a hash of its plan and
/// settings, so that enqueueing the same inputs again finds the same run.
pub fn default_name(tool: &str, plan: &str, settings: &RunSettings) -> String {
    let mut hash = Sha256::new();
    hash.update(tool.as_bytes());
    hash.update([0]);
    hash.update(plan.as_bytes());
    hash.update(format!("{settings:?}").as_bytes());
    let digest = hash.finalize();
    let hex: String = digest[..5].iter().map(|b| format!("{b:02x}")).collect();
    format!("{tool}-{hex}")
}

/// Finds run `name`, or creates it with `plan` and `settings`. Returns the
/// run and whether this call created it.
///
/// # Errors
///
/// [`QueueError::Usage`] when the run exists for another tool or with
/// another plan; a database error.
pub async fn create(
    client: &impl GenericClient,
    name: &str,
    tool: &str,
    plan: &str,
    settings: &RunSettings,
) -> Result<(RunInfo, bool), QueueError> {
    let attempts = i32::try_from(settings.max_attempts).unwrap_or(i32::MAX);
    let timeout = settings
        .timeout
        .map(|t| i64::try_from(t.as_millis()).unwrap_or(i64::MAX));
    let rate = settings.rate.map(|r| r.per_second_f64());
    let burst = settings
        .rate
        .map_or(1, |r| i32::try_from(r.burst()).unwrap_or(i32::MAX));
    let created = client
        .query_opt(
            &format!(
                "INSERT INTO workpool.runs (name, tool, plan, max_attempts, timeout_ms, rate_per_s, burst)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (name) DO NOTHING RETURNING {COLUMNS}"
            ),
            &[&name, &tool, &plan, &attempts, &timeout, &rate, &burst],
        )
        .await?;
    if let Some(row) = created {
        return Ok((RunInfo::from_row(&row), true));
    }
    let run = find(client, tool, Some(name)).await?;
    if run.plan != plan || run.settings != *settings {
        return Err(QueueError::Usage(format!(
            "run {name:?} exists with other inputs or settings: give another --run name, or enqueue the same inputs"
        )));
    }
    Ok((run, false))
}

/// Finds run `name` of `tool`; without a name, the one run of `tool` that
/// still has jobs to do.
///
/// # Errors
///
/// [`QueueError::NoRun`] when there is none; [`QueueError::Usage`] when it
/// belongs to another tool or several runs could be meant.
pub async fn find(
    client: &impl GenericClient,
    tool: &str,
    name: Option<&str>,
) -> Result<RunInfo, QueueError> {
    if let Some(name) = name {
        let row = client
            .query_opt(
                &format!("SELECT {COLUMNS} FROM workpool.runs WHERE name = $1"),
                &[&name],
            )
            .await?
            .ok_or_else(|| QueueError::NoRun(format!("no run named {name:?} in the database")))?;
        let run = RunInfo::from_row(&row);
        if run.tool != tool {
            return Err(QueueError::Usage(format!(
                "run {name:?} is a {} run, not a {tool} run",
                run.tool
            )));
        }
        return Ok(run);
    }
    let rows = client
        .query(
            &format!(
                "SELECT {COLUMNS} FROM workpool.runs r WHERE tool = $1
                   AND EXISTS (SELECT 1 FROM workpool.jobs j WHERE j.run = r.id AND j.state IN (0, 1))
                 ORDER BY id"
            ),
            &[&tool],
        )
        .await?;
    match rows.as_slice() {
        [] => Err(QueueError::NoRun(format!(
            "no {tool} run has jobs left to do: enqueue one first"
        ))),
        [row] => Ok(RunInfo::from_row(row)),
        several => Err(QueueError::Usage(format!(
            "several {tool} runs have jobs left: give --run with one of {}",
            several
                .iter()
                .map(|r| r.get::<_, String>("name"))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

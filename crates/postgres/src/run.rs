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

/// Whether a run's workers may claim its jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunState {
    /// Its workers claim and run its jobs.
    Active,
    /// Its workers claim nothing and wait (`TOOL pause`), until `TOOL
    /// resume`.
    Paused,
    /// Its jobs not started are cancelled and never run (`TOOL cancel`):
    /// final.
    Cancelled,
}

impl RunState {
    /// The state as the `runs.state` column holds it.
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Active => "active",
            RunState::Paused => "paused",
            RunState::Cancelled => "cancelled",
        }
    }

    /// The state of a `runs.state` value (the column's check allows no
    /// other than the three).
    pub(crate) fn from_column(value: &str) -> RunState {
        match value {
            "paused" => RunState::Paused,
            "cancelled" => RunState::Cancelled,
            _ => RunState::Active,
        }
    }
}

impl std::fmt::Display for RunState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
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
    /// Its state when it was read.
    pub state: RunState,
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
            state: RunState::from_column(row.get("state")),
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
        serde_json::from_str(&self.plan).map_err(|error| QueueError::Json {
            what: format!("run {:?}: its plan is not a {} plan", self.name, self.tool),
            error,
        })
    }
}

const COLUMNS: &str = "id, name, tool, plan, max_attempts, timeout_ms, rate_per_s, burst, state";

/// The default name of a run: the tool's name and a hash of its plan (its
/// inputs and whatever changes what a job produces), so that enqueueing
/// the same inputs again finds the same run. The run's settings (retries,
/// timeout, rate) are not part of it: they are the run's to change.
pub fn default_name(tool: &str, plan: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(tool.as_bytes());
    hash.update([0]);
    hash.update(plan.as_bytes());
    let digest = hash.finalize();
    let hex: String = digest[..5].iter().map(|b| format!("{b:02x}")).collect();
    format!("{tool}-{hex}")
}

/// What [`create`] found or made.
#[derive(Debug, Clone)]
pub struct Created {
    /// The run, with the settings it has now.
    pub run: RunInfo,
    /// Whether this call created it.
    pub created: bool,
    /// The settings the run had before this call changed them (`None`
    /// when it created the run or its settings were already these).
    pub changed_from: Option<RunSettings>,
}

/// Finds the run of `tool` with `plan` (run `name` if given, else any run
/// of that tool with that plan, whatever its name), or creates it named
/// `name` or [`default_name`]. An existing run takes `settings` when they
/// differ from its own: enqueueing the same inputs with another rate or
/// another number of retries changes the run, never makes a second one.
///
/// # Errors
///
/// [`QueueError::Usage`] when run `name` exists for another tool or with
/// another plan, or was cancelled; a database error.
pub async fn create(
    client: &impl GenericClient,
    name: Option<&str>,
    tool: &str,
    plan: &str,
    settings: &RunSettings,
) -> Result<Created, QueueError> {
    let existing = match name {
        Some(name) => client
            .query_opt(
                &format!("SELECT {COLUMNS} FROM workpool.runs WHERE name = $1 FOR UPDATE"),
                &[&name],
            )
            .await?
            .map(|row| RunInfo::from_row(&row)),
        // Any run of this tool with this plan, whatever its name (one
        // enqueued by an older version, named with its settings, too).
        None => client
            .query_opt(
                &format!(
                    "SELECT {COLUMNS} FROM workpool.runs WHERE tool = $1 AND plan = $2
                     ORDER BY id LIMIT 1 FOR UPDATE"
                ),
                &[&tool, &plan],
            )
            .await?
            .map(|row| RunInfo::from_row(&row)),
    };
    let default;
    let name = match name {
        Some(name) => name,
        None => {
            default = default_name(tool, plan);
            &default
        }
    };
    let (attempts, timeout, rate, burst) = columns(settings);
    let Some(mut run) = existing else {
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
        return match created {
            Some(row) => Ok(Created {
                run: RunInfo::from_row(&row),
                created: true,
                changed_from: None,
            }),
            // Made by another enqueue at the same instant, or a run of
            // that name with other inputs.
            None => Box::pin(create(client, Some(name), tool, plan, settings)).await,
        };
    };
    if run.tool != tool {
        return Err(QueueError::Usage(format!(
            "run {name:?} is a {} run, not a {tool} run: give another --run name",
            run.tool
        )));
    }
    if run.plan != plan {
        return Err(QueueError::Usage(format!(
            "run {name:?} exists with other inputs (another file, template, layout or size): give another --run name, or enqueue the same inputs"
        )));
    }
    if run.state == RunState::Cancelled {
        return Err(QueueError::Usage(format!(
            "run {:?} was cancelled: nothing of it runs again; to do these inputs anyway, enqueue them under another --run name",
            run.name
        )));
    }
    if run.settings == *settings {
        return Ok(Created {
            run,
            created: false,
            changed_from: None,
        });
    }
    client
        .execute(
            "UPDATE workpool.runs SET max_attempts = $2, timeout_ms = $3, rate_per_s = $4, burst = $5
             WHERE id = $1",
            &[&run.id, &attempts, &timeout, &rate, &burst],
        )
        .await?;
    let old = std::mem::replace(&mut run.settings, settings.clone());
    Ok(Created {
        run,
        created: false,
        changed_from: Some(old),
    })
}

/// `settings` as the columns of `workpool.runs`: max_attempts, timeout_ms,
/// rate_per_s, burst.
fn columns(settings: &RunSettings) -> (i32, Option<i64>, Option<f64>, i32) {
    (
        i32::try_from(settings.max_attempts).unwrap_or(i32::MAX),
        settings
            .timeout
            .map(|t| i64::try_from(t.as_millis()).unwrap_or(i64::MAX)),
        settings.rate.map(|r| r.per_second_f64()),
        settings
            .rate
            .map_or(1, |r| i32::try_from(r.burst()).unwrap_or(i32::MAX)),
    )
}

impl RunSettings {
    /// The settings in words, as `enqueue` reports a change:
    /// `3 attempts, no time limit, 50/s`.
    pub fn describe(&self) -> String {
        let timeout = self.timeout.map_or_else(
            || "no time limit".to_owned(),
            |t| format!("{t:?} per attempt"),
        );
        let rate = self
            .rate
            .map_or_else(|| "no rate limit".to_owned(), |r| r.to_string());
        format!("{} attempts, {timeout}, {rate}", self.max_attempts)
    }
}

/// Finds run `name` of `tool`; without a name, the one run of `tool` that
/// still has jobs to do (a cancelled run has none).
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
                "SELECT {COLUMNS} FROM workpool.runs r WHERE tool = $1 AND state <> 'cancelled'
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

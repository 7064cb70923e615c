//! A run's dead (or cancelled) jobs, a page at a time: filtered by text in
//! their key or last error, in key order, each page after the last key of
//! the one before (keyset pagination: page 2,000 costs what page 1 does,
//! and a job retried meanwhile shifts nothing).

use pool_postgres::QueueError;
use serde::Serialize;
use tokio_postgres::Client;

/// Jobs on a page.
pub const PAGE: usize = 50;

/// The jobs listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Listed {
    /// Failed for good (state 2).
    Dead,
    /// Cancelled with their run before they started (state 3, with the
    /// engine's `cancel`).
    Cancelled,
}

impl Listed {
    /// `dead` or `cancelled`, as the query string and the JSON say it.
    pub fn parse(text: &str) -> Option<Listed> {
        match text {
            "dead" => Some(Listed::Dead),
            "cancelled" => Some(Listed::Cancelled),
            _ => None,
        }
    }

    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            Listed::Dead => "dead",
            Listed::Cancelled => "cancelled",
        }
    }

    /// The `workpool.jobs.state` value.
    fn state(self) -> i16 {
        match self {
            Listed::Dead => 2,
            Listed::Cancelled => 3,
        }
    }
}

/// Which page of which jobs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JobsQuery {
    /// The run's id.
    pub run: i64,
    /// Dead or cancelled.
    pub listed: Listed,
    /// Text to find in the key or the last error, ignoring case (empty:
    /// every job).
    pub text: String,
    /// The last key of the page before (none: the first page).
    pub after: Option<String>,
}

/// A job listed: the shape of `status --json`'s dead jobs.
#[derive(Debug, Clone, Serialize)]
pub struct ListedJob {
    /// Its key.
    pub key: String,
    /// Attempts it had.
    pub attempts: i32,
    /// Its last error.
    pub error: Option<String>,
}

/// One page.
#[derive(Debug, Clone, Serialize)]
pub struct JobsPage {
    /// Dead or cancelled.
    pub state: Listed,
    /// The filter.
    pub q: String,
    /// The key the page starts after.
    pub after: Option<String>,
    /// The jobs, as `status --json` lists dead jobs: key, attempts, last
    /// error.
    pub jobs: Vec<ListedJob>,
    /// The `after` of the next page; none on the last.
    pub next_after: Option<String>,
}

/// Reads one page.
///
/// # Errors
///
/// A database error.
pub async fn read(client: &Client, query: &JobsQuery) -> Result<JobsPage, QueueError> {
    let limit = i64::try_from(PAGE + 1).unwrap_or(i64::MAX);
    // Keys sort bytewise (as workpool.keys does), so `after` means the same
    // whatever the database's collation; strpos, not LIKE, so a % or _ in
    // the filter is only text.
    let rows = client
        .query(
            r#"SELECT key, attempt, last_error FROM workpool.jobs
                WHERE run = $1 AND state = $2
                  AND ($3::text IS NULL OR key COLLATE "C" > $3::text COLLATE "C")
                  AND ($4 = '' OR strpos(lower(key), lower($4)) > 0
                       OR strpos(lower(coalesce(last_error, '')), lower($4)) > 0)
                ORDER BY key COLLATE "C" LIMIT $5"#,
            &[
                &query.run,
                &query.listed.state(),
                &query.after,
                &query.text,
                &limit,
            ],
        )
        .await?;
    let mut jobs: Vec<ListedJob> = rows
        .iter()
        .map(|row| ListedJob {
            key: row.get(0),
            attempts: row.get(1),
            error: row.get(2),
        })
        .collect();
    let next_after = if jobs.len() > PAGE {
        jobs.truncate(PAGE);
        jobs.last().map(|j| j.key.clone())
    } else {
        None
    };
    Ok(JobsPage {
        state: query.listed,
        q: query.text.clone(),
        after: query.after.clone(),
        jobs,
        next_after,
    })
}

//! [`QueueError`]: what can go wrong between a tool and its database.

/// Why a queue operation failed.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// The database could not be reached or refused the login, or the
    /// connection settings are unusable: one line that names each server
    /// tried, its sslmode and what failed.
    #[error("{0}")]
    Connect(crate::ConnectError),
    /// A statement failed.
    #[error("database: {}", explain(.0))]
    Db(tokio_postgres::Error),
    /// The schema in the database is newer than this program knows.
    #[error(
        "the database's workpool schema is version {found}, newer than this program's {known}: run a newer workpool"
    )]
    SchemaTooNew {
        /// The version found.
        found: i32,
        /// The newest version this program knows.
        known: i32,
    },
    /// No run by that name (or none for this tool).
    #[error("{0}")]
    NoRun(String),
    /// A usage problem: a run of another tool, a run with other settings,
    /// several runs to choose from.
    #[error("{0}")]
    Usage(String),
    /// A plan or payload that does not read back as the tool's.
    #[error("{what}: {error}")]
    Json {
        /// What was being read or written.
        what: String,
        /// The JSON error.
        error: serde_json::Error,
    },
}

impl QueueError {
    /// Whether the error is the user's to fix before anything runs (exit 2)
    /// rather than a failure along the way (exit 1).
    pub fn is_usage(&self) -> bool {
        matches!(self, QueueError::NoRun(_) | QueueError::Usage(_))
    }
}

impl From<crate::ConnectError> for QueueError {
    fn from(e: crate::ConnectError) -> Self {
        QueueError::Connect(e)
    }
}

impl From<tokio_postgres::Error> for QueueError {
    fn from(e: tokio_postgres::Error) -> Self {
        QueueError::Db(e)
    }
}

/// The whole of a database error in one line: the server's message with
/// its detail and hint, or the client's error with its cause.
fn explain(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut text = format!("{}: {}", db.severity(), db.message());
        if let Some(detail) = db.detail() {
            text.push_str(&format!(" ({detail})"));
        }
        if let Some(hint) = db.hint() {
            text.push_str(&format!(" (hint: {hint})"));
        }
        return text;
    }
    match std::error::Error::source(e) {
        Some(cause) => format!("{e}: {cause}"),
        None => e.to_string(),
    }
}

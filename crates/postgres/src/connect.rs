//! [`connect`]: one connection to the database, made as libpq makes it
//! (the `PG*` variables, `~/.pgpass`, `sslmode` and `sslrootcert`, TLS
//! through rustls), driven on its own task.

mod binding;
mod conninfo;
mod endpoint;
mod failure;
mod login;
mod open;
mod pgpass;
mod settings;
mod sslmode;
mod tls;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::mpsc::UnboundedReceiver;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Notification, Row, Statement};

pub use failure::{Attempt, ConnectError};
pub use settings::ConnInfo;

use crate::error::QueueError;

/// Connects to `url` (`postgres://user@host:port/database?sslmode=...`,
/// the `key=value` form, or empty for the `PG*` variables alone) as libpq
/// would, and drives the connection on a task of the current runtime until
/// the [`Client`] is dropped. See [`ConnInfo::parse`] for what completes
/// the URL; print it with [`redact_url`], never as given.
///
/// A password inside `url` works, with a warning (once per process) that
/// the process list shows it, unless `url` came from
/// `WORKPOOL_DATABASE_URL`.
///
/// # Errors
///
/// [`QueueError::Connect`]: bad settings, or every server refused or
/// could not be reached (each named, with its sslmode and why).
///
/// # Panics
///
/// Panics if called outside a tokio runtime.
pub async fn connect(url: &str) -> Result<Client, QueueError> {
    Ok(parse(url)?.connect().await?)
}

/// As [`connect`], handing each notification the server sends on the
/// connection (after `LISTEN`) to the receiver, which ends when the
/// connection does.
pub(crate) async fn connect_listening(
    url: &str,
) -> Result<(Client, UnboundedReceiver<Notification>), QueueError> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let client = parse(url)?.connect_with(Some(&tx)).await?;
    Ok((client, rx))
}

/// `url` read as libpq would, with the warning about a password in it.
fn parse(url: &str) -> Result<ConnInfo, QueueError> {
    let info = ConnInfo::parse(url)?;
    static WARNED: AtomicBool = AtomicBool::new(false);
    // The variable is the tools' way to give the URL without the command
    // line, so a password there is not in `ps`.
    let from_env = std::env::var("WORKPOOL_DATABASE_URL").is_ok_and(|v| v == url);
    if info.has_password_in_conninfo() && !from_env && !WARNED.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            "the database URL holds a password, which other users of this machine can see in the process list: \
             put it in PGPASSWORD or ~/.pgpass instead"
        );
    }
    Ok(info)
}

/// `url` without its password (the user and everything else kept): what
/// logs, errors and `status` may print. A string that does not parse is
/// replaced by a note, since the password could be anywhere in it.
pub fn redact_url(url: &str) -> String {
    conninfo::redact(url)
}

/// A connection that prepares each statement once and reuses it: a
/// statement given as text is otherwise parsed and planned on every call,
/// a second round trip for each.
#[derive(Debug)]
pub struct Conn {
    client: Client,
    prepared: HashMap<&'static str, Statement>,
}

impl Conn {
    /// Wraps `client`.
    pub fn new(client: Client) -> Conn {
        Conn {
            client,
            prepared: HashMap::new(),
        }
    }

    /// The connection's client.
    pub fn client(&mut self) -> &mut Client {
        &mut self.client
    }

    /// `sql`, prepared on this connection (the first time only).
    ///
    /// # Errors
    ///
    /// A database error.
    pub async fn statement(&mut self, sql: &'static str) -> Result<Statement, QueueError> {
        if let Some(statement) = self.prepared.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(sql).await?;
        self.prepared.insert(sql, statement.clone());
        Ok(statement)
    }

    /// Runs `sql` (prepared once) and returns its rows.
    ///
    /// # Errors
    ///
    /// A database error.
    pub async fn query(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, QueueError> {
        let statement = self.statement(sql).await?;
        Ok(self.client.query(&statement, params).await?)
    }

    /// Runs `sql` (prepared once) and returns its one row.
    ///
    /// # Errors
    ///
    /// A database error, or not exactly one row.
    pub async fn query_one(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Row, QueueError> {
        let statement = self.statement(sql).await?;
        Ok(self.client.query_one(&statement, params).await?)
    }

    /// Runs `sql` (prepared once) and returns the rows it changed.
    ///
    /// # Errors
    ///
    /// A database error.
    pub async fn execute(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, QueueError> {
        let statement = self.statement(sql).await?;
        Ok(self.client.execute(&statement, params).await?)
    }
}

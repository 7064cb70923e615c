//! [`connect`]: one connection to the database, driven on its own task.

use std::collections::HashMap;

use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, NoTls, Row, Statement};

use crate::error::QueueError;

/// Connects to `url` (`postgres://user:password@host:port/database`, or the
/// `key=value` form) and drives the connection on a task of the current
/// runtime until the [`Client`] is dropped.
///
/// # Errors
///
/// [`QueueError::Connect`] when the server cannot be reached or refuses the
/// login.
///
/// # Panics
///
/// Panics if called outside a tokio runtime.
pub async fn connect(url: &str) -> Result<Client, QueueError> {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .map_err(QueueError::Connect)?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!("database connection ended: {e}");
        }
    });
    Ok(client)
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

//! [`connect`]: one connection to the database, driven on its own task.

use tokio_postgres::{Client, NoTls};

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

//! [`Db`]: the page's connection to the database, made again when it
//! breaks (a restarted server, a network cut) at the next read.

use std::sync::Arc;

use pool_postgres::QueueError;
use tokio_postgres::Client;

/// The database the page reads.
#[derive(Debug)]
pub struct Db {
    conninfo: String,
    shown: String,
    client: tokio::sync::Mutex<Option<Arc<Client>>>,
}

impl Db {
    /// Connects to `conninfo` (as `--db` takes it) and brings the schema up
    /// to date, once: a database that cannot be reached at start stops the
    /// command.
    ///
    /// # Errors
    ///
    /// As [`pool_postgres::cli::open`].
    pub async fn open(db: &pool_postgres::cli::DbArgs) -> Result<Db, QueueError> {
        let client = pool_postgres::cli::open(db).await?;
        let conninfo = db.conninfo().to_owned();
        Ok(Db {
            shown: shown(&conninfo),
            conninfo,
            client: tokio::sync::Mutex::new(Some(Arc::new(client))),
        })
    }

    /// The database as the page shows it: without its password.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// The shared connection, made again if it closed.
    ///
    /// # Errors
    ///
    /// The database cannot be reached.
    pub async fn client(&self) -> Result<Arc<Client>, QueueError> {
        let mut slot = self.client.lock().await;
        if let Some(client) = slot.as_ref()
            && !client.is_closed()
        {
            return Ok(client.clone());
        }
        *slot = None;
        let client = Arc::new(pool_postgres::connect(&self.conninfo).await?);
        *slot = Some(client.clone());
        Ok(client)
    }

    /// A connection of its own, for an action's transaction.
    ///
    /// # Errors
    ///
    /// The database cannot be reached.
    pub async fn own(&self) -> Result<Client, QueueError> {
        pool_postgres::connect(&self.conninfo).await
    }
}

/// `conninfo` without its password; the `PG*` variables' database when
/// it is empty.
fn shown(conninfo: &str) -> String {
    if conninfo.is_empty() {
        return "the PG* variables' database".to_owned();
    }
    pool_postgres::redact_url(conninfo)
}

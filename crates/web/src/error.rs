//! [`WebError`]: what stops the status page from starting or serving.

use std::net::SocketAddr;

use pool_postgres::QueueError;

/// Why the status page could not start, or stopped.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// A flag or variable that cannot work together (exit 2, before
    /// anything is served).
    #[error("{0}")]
    Usage(String),
    /// The database could not be read.
    #[error("{0}")]
    Queue(QueueError),
    /// The address could not be listened on.
    #[error("--serve {addr}: cannot listen there: {error}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// Why.
        error: std::io::Error,
    },
    /// The server failed while serving.
    #[error("the status page stopped: {0}")]
    Serve(std::io::Error),
}

impl From<QueueError> for WebError {
    fn from(e: QueueError) -> Self {
        WebError::Queue(e)
    }
}

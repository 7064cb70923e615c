//! [`AmqpError`]: what can go wrong with the broker or the flags.

/// Why a command could not go on.
#[derive(Debug, thiserror::Error)]
pub enum AmqpError {
    /// Bad usage or configuration (a URL, a file, a queue name).
    #[error("{0}")]
    Usage(String),
    /// The broker refused or failed something: what was being done, and
    /// the broker's (or the connection's) reason.
    #[error("{what}: {error}")]
    Broker {
        /// What was being done: `cannot connect to amqp://host:5672/%2f`.
        what: String,
        /// Why.
        error: lapin::Error,
    },
}

impl AmqpError {
    /// A [`Broker`](AmqpError::Broker) error for `what`.
    pub(crate) fn broker(what: impl Into<String>) -> impl FnOnce(lapin::Error) -> AmqpError {
        let what = what.into();
        move |error| AmqpError::Broker { what, error }
    }
}

//! What the pool reports for each job: [`Outcome`] and its [`Status`].

use std::time::Duration;

/// How a job ended. Every job the pool accepted ends in exactly one of these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status<O, E> {
    /// The handler returned `Ok` on some attempt.
    Succeeded(O),
    /// The handler returned a permanent error, or a transient one on its
    /// last allowed attempt; this is that last error.
    Failed(E),
    /// The last allowed attempt ran past the pool's per-job timeout.
    TimedOut,
    /// The handler panicked; this is the panic's message. Panics are not
    /// retried.
    Panicked(String),
    /// The pool was cancelled before the job could finish (it was still
    /// queued, waiting for a retry, or waiting for the rate limit).
    Cancelled,
}

impl<O, E> Status<O, E> {
    /// Whether the job succeeded.
    pub fn is_success(&self) -> bool {
        matches!(self, Status::Succeeded(_))
    }

    /// A short lower-case name for the status: `succeeded`, `failed`,
    /// `timed_out`, `panicked` or `cancelled`.
    pub fn name(&self) -> &'static str {
        match self {
            Status::Succeeded(_) => "succeeded",
            Status::Failed(_) => "failed",
            Status::TimedOut => "timed_out",
            Status::Panicked(_) => "panicked",
            Status::Cancelled => "cancelled",
        }
    }

    /// Why the job did not succeed, in words: the error's text, `timed
    /// out`, `panicked: ...` or `cancelled`; `None` for a success.
    pub fn reason(&self) -> Option<String>
    where
        E: std::fmt::Display,
    {
        match self {
            Status::Succeeded(_) => None,
            Status::Failed(e) => Some(e.to_string()),
            Status::TimedOut => Some("timed out".to_owned()),
            Status::Panicked(message) => Some(format!("panicked: {message}")),
            Status::Cancelled => Some("cancelled".to_owned()),
        }
    }
}

/// The one report of a finished job: the job itself, handed back, and how
/// it ended.
#[derive(Debug, Clone)]
pub struct Outcome<J, O, E> {
    /// The job, as it was submitted.
    pub job: J,
    /// How it ended.
    pub status: Status<O, E>,
    /// How many attempts ran (0 when it was cancelled before the first).
    pub attempts: u32,
    /// Time from the start of the first attempt to the end of the last
    /// (zero when no attempt ran).
    pub elapsed: Duration,
}

//! Errors of the pool's own operations (submitting jobs, opening a journal).

use std::fmt;
use std::io;
use std::path::PathBuf;

/// [`Pool::submit`](crate::Pool::submit) failed: the pool no longer accepts
/// jobs. The job is handed back.
#[derive(PartialEq, Eq, Clone, Copy)]
pub struct SubmitError<J>(pub J);

impl<J> SubmitError<J> {
    /// The job that was not accepted.
    pub fn into_inner(self) -> J {
        self.0
    }
}

impl<J> fmt::Debug for SubmitError<J> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SubmitError(..)")
    }
}

impl<J> fmt::Display for SubmitError<J> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the pool is closed")
    }
}

impl<J> std::error::Error for SubmitError<J> {}

/// [`Pool::try_submit`](crate::Pool::try_submit) failed. The job is handed
/// back, never dropped.
#[derive(PartialEq, Eq, Clone, Copy)]
pub enum TrySubmitError<J> {
    /// The queue is at capacity; try again later or use `submit`.
    Full(J),
    /// The pool no longer accepts jobs.
    Closed(J),
}

impl<J> TrySubmitError<J> {
    /// The job that was not accepted.
    pub fn into_inner(self) -> J {
        match self {
            TrySubmitError::Full(j) | TrySubmitError::Closed(j) => j,
        }
    }
}

impl<J> fmt::Debug for TrySubmitError<J> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySubmitError::Full(_) => f.write_str("Full(..)"),
            TrySubmitError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<J> fmt::Display for TrySubmitError<J> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySubmitError::Full(_) => f.write_str("the queue is full"),
            TrySubmitError::Closed(_) => f.write_str("the pool is closed"),
        }
    }
}

impl<J> std::error::Error for TrySubmitError<J> {}

/// A [`Journal`](crate::Journal) could not be opened or written.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// An I/O error on the journal file.
    #[error("journal {path}: {}", crate::io_words(error))]
    Io {
        /// The journal file.
        path: PathBuf,
        /// What went wrong (in the message, not a `source`, so that a
        /// printer walking the chain says it once).
        error: io::Error,
    },
    /// A complete line of the journal is not valid UTF-8: the file is not a
    /// journal, or it was damaged somewhere other than its last line.
    #[error("journal {path}, line {line}: not valid UTF-8; is this really a journal file?")]
    Corrupt {
        /// The journal file.
        path: PathBuf,
        /// The 1-based line number.
        line: u64,
    },
    /// The journal is that of another kind of run (its first line says
    /// which): the mailer's dry run given to a send, say. Its keys would
    /// make this run skip work it never did.
    #[error("journal {path} records {recorded}, not {wanted}: use another --journal")]
    OtherKind {
        /// The journal file.
        path: PathBuf,
        /// What the journal is the journal of.
        recorded: String,
        /// What this run would have it be the journal of.
        wanted: String,
    },
    /// A key contains a line break, which the line-based journal cannot hold.
    #[error("journal {path}: the key {key:?} contains a line break")]
    BadKey {
        /// The journal file.
        path: PathBuf,
        /// The offending key.
        key: String,
    },
}

//! The errors of `email-jobs`: configuration errors (found before any row
//! is sent), row errors (one bad row; the run goes on) and send errors.
//!
//! One convention: each message is complete, its cause's text included,
//! and no error has a `source()`, so a printer that walks the chain
//! (anyhow's `{:#}`) says each cause once. Messages are in the user's
//! words: the file, line, column or flag, never an internal name.

use std::fmt;
use std::path::PathBuf;

/// A problem with the input files or the settings, found before any
/// message is written or sent. The apps exit with status 2 on these.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A file could not be read.
    #[error("{what} {path}: {}", pool::io_words(error))]
    Io {
        /// What the file is: `the CSV file`, `the template`.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// Why (in the message: not a `source`, so that a printer walking
        /// the chain does not say it twice).
        error: std::io::Error,
    },
    /// A file or folder given with a flag could not be read (or the
    /// outbox created).
    #[error("{flag} {path}: {}", pool::io_words(error))]
    FlagFile {
        /// The flag: `--suppress`, `--dkim-key`, `--ca-file`, `--outbox`.
        flag: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// Why (in the message, not a `source`).
        error: std::io::Error,
    },
    /// The CSV file's header row could not be read.
    #[error("{path}: cannot read the CSV header row: {message}")]
    CsvHeader {
        /// The CSV file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// The template file is malformed.
    #[error("{path}, line {line}: {message}")]
    Template {
        /// The template file.
        path: PathBuf,
        /// The 1-based line of the problem.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A line of the suppression list (`--suppress`) is not an address.
    #[error("{path}, line {line}: {message}")]
    Suppression {
        /// The list.
        path: PathBuf,
        /// The 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The template names a variable that is not a CSV column.
    #[error(
        "the template uses {{{{ {name} }}}} ({part}) but {csv} has no column {name:?} (columns: {columns})"
    )]
    MissingColumn {
        /// The variable.
        name: String,
        /// Where in the template it is used (`Subject`, `body`, ...).
        part: String,
        /// The CSV file.
        csv: PathBuf,
        /// The CSV's columns, comma-separated.
        columns: String,
    },
    /// A setting is invalid (an address, a URL, a flag combination).
    #[error("{0}")]
    Invalid(String),
}

/// One CSV row that could not become a message: a malformed row, an
/// invalid address, a line break in a header value, an attachment outside
/// the attachments folder. The run goes on without it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The 1-based line of the CSV file where the row starts.
    pub line: u64,
    /// The row's fields, when they could be read (for the failures file).
    pub fields: Option<Vec<String>>,
    /// What is wrong.
    pub message: String,
}

impl RowError {
    pub(crate) fn new(line: u64, fields: Option<Vec<String>>, message: impl Into<String>) -> Self {
        RowError {
            line,
            fields,
            message: message.into(),
        }
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for RowError {}

/// Why a message could not be delivered (written to the outbox, or sent).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    /// What went wrong, with the server's reply when there was one.
    pub message: String,
}

impl SendError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        SendError {
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cause is in the message and nowhere else: a printer walking
    /// `source()` (anyhow's `{:#}`) says it once.
    #[test]
    fn causes_are_in_the_message_not_the_chain() {
        let enoent = || std::io::Error::from(std::io::ErrorKind::NotFound);
        let errors = [
            ConfigError::Io {
                what: "the template",
                path: "t.txt".into(),
                error: enoent(),
            },
            ConfigError::FlagFile {
                flag: "--suppress",
                path: "s.txt".into(),
                error: enoent(),
            },
        ];
        for e in &errors {
            assert!(std::error::Error::source(e).is_none(), "{e:?}");
            let text = e.to_string();
            assert_eq!(text.matches("does not exist").count(), 1, "{text}");
        }
        assert_eq!(errors[0].to_string(), "the template t.txt: does not exist");
        assert_eq!(errors[1].to_string(), "--suppress s.txt: does not exist");
    }
}

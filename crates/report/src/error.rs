//! Error types: input files, layout files and single reports.
//!
//! One convention for all of them: each message is complete, its cause's
//! text included, and no cause is also a `#[source]` (a printer that walks
//! the source chain would print it twice). A field holding a cause is
//! named `error`, never `source`, which thiserror would take for one.

use std::path::{Path, PathBuf};

/// A problem with the input file as a whole (not one row): it cannot be
/// opened, its header is unusable, or its syntax breaks the stream.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// Reading or writing a file failed.
    #[error("{path}: {error}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause (in the message, not a source).
        error: std::io::Error,
    },
    /// The CSV reader failed in a way that stops the stream.
    #[error("{path}: line {line}: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line where the problem was found.
        line: u64,
        /// What went wrong.
        message: String,
    },
    /// The column to group by is not in the CSV header.
    #[error("{path}: no column {column:?} to group by (columns: {available})")]
    NoGroupColumn {
        /// The file.
        path: PathBuf,
        /// The requested column.
        column: String,
        /// The header, comma separated.
        available: String,
    },
    /// The file extension is not one of csv, json, ndjson, jsonl.
    #[error("{0}: unknown input format (expected .csv, .json, .ndjson or .jsonl)")]
    UnknownFormat(PathBuf),
}

/// A layout file that cannot be used: found before any report is drawn.
#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    /// The file cannot be read.
    #[error("{path}: {error}")]
    Io {
        /// The layout file.
        path: PathBuf,
        /// The cause (in the message, not a source).
        error: std::io::Error,
    },
    /// The TOML does not parse or does not match the layout schema.
    #[error("{path}: {message}")]
    Parse {
        /// The layout file.
        path: PathBuf,
        /// The parser's message, with line and column.
        message: String,
    },
    /// The layout parses but is inconsistent (or names unknown columns).
    #[error("{path}: {message}")]
    Invalid {
        /// The layout file (`layout` for one not read from a file).
        path: PathBuf,
        /// What is wrong, naming the setting.
        message: String,
    },
    /// The layout's logo cannot be used.
    #[error("logo {path}: {message}")]
    Logo {
        /// The image file (resolved against the layout's folder).
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A font file given with `--font` (or the layout) cannot be used.
    #[error("font {path}: {message}")]
    Font {
        /// The font file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

impl LayoutError {
    /// An inconsistent layout; [`LayoutError::in_file`] names its file.
    pub(crate) fn invalid(message: impl Into<String>) -> LayoutError {
        LayoutError::Invalid {
            path: PathBuf::from("layout"),
            message: message.into(),
        }
    }

    /// The same error, naming `file` as the layout it is about.
    pub(crate) fn in_file(self, file: &Path) -> LayoutError {
        match self {
            LayoutError::Parse { message, .. } => LayoutError::Parse {
                path: file.to_owned(),
                message,
            },
            LayoutError::Invalid { message, .. } => LayoutError::Invalid {
                path: file.to_owned(),
                message,
            },
            other => other,
        }
    }
}

/// Why one group's report was not written. The other groups are unaffected.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ReportError {
    /// A row of the group holds bad data (the report would be wrong).
    #[error("line {line}: {message}")]
    Row {
        /// 1-based line of the row in the input file.
        line: u64,
        /// What is wrong with it.
        message: String,
    },
    /// Reading the spilled rows back or writing the PDF failed.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The kind of I/O error: whether another attempt may succeed.
        kind: std::io::ErrorKind,
        /// What went wrong.
        message: String,
    },
    /// The table cannot be drawn across the page without breaking a
    /// number, a date or a code across lines: what needs how much room.
    #[error("{0}")]
    TooWide(String),
    /// The PDF library reported an error.
    #[error("the PDF cannot be written: {0}")]
    Pdf(String),
}

impl ReportError {
    /// An I/O error on `path`.
    pub(crate) fn io(path: &std::path::Path, e: &std::io::Error) -> ReportError {
        ReportError::Io {
            path: path.to_owned(),
            kind: e.kind(),
            message: e.to_string(),
        }
    }

    /// Whether another attempt may succeed: an I/O error that can pass
    /// (interrupted, busy, disk full, timed out). A bad row, a PDF error, a
    /// missing or forbidden folder, a corrupt spill file never do.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ReportError::Io { kind, .. } if matches!(
                kind,
                std::io::ErrorKind::Interrupted
                    | std::io::ErrorKind::WouldBlock
                    | std::io::ErrorKind::TimedOut
                    | std::io::ErrorKind::StorageFull
                    | std::io::ErrorKind::ResourceBusy
            )
        )
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    fn missing() -> std::io::Error {
        std::io::Error::from(std::io::ErrorKind::NotFound)
    }

    /// Each message holds its cause, and no cause is a source too: a
    /// printer walking the chain prints every cause once.
    #[test]
    fn causes_are_in_the_message_and_not_sources() {
        let input = InputError::Io {
            path: "in.csv".into(),
            error: missing(),
        };
        let layout = LayoutError::Io {
            path: "l.toml".into(),
            error: missing(),
        };
        assert_eq!(input.to_string(), format!("in.csv: {}", missing()));
        assert_eq!(layout.to_string(), format!("l.toml: {}", missing()));
        assert!(input.source().is_none() && layout.source().is_none());
        let setup = crate::SetupError::from(input);
        assert_eq!(setup.to_string(), format!("in.csv: {}", missing()));
        assert!(setup.source().is_none());
        let invalid = LayoutError::invalid("font_size 100 is outside 4..24");
        assert_eq!(
            invalid.to_string(),
            "layout: font_size 100 is outside 4..24"
        );
        assert_eq!(
            invalid.in_file(Path::new("a.toml")).to_string(),
            "a.toml: font_size 100 is outside 4..24"
        );
    }
}

//! The failures file: every row that failed, with its columns and an
//! `error` column, so it can be fed back as input; and the outcome sink
//! that writes it.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use pool::{Outcome, OutcomeSink, Status};

use crate::error::{RowError, SendError};
use crate::message::Email;

/// Writes failed rows to a CSV file, created at the first failure: the
/// input's columns plus `error` (reused if the input already has one, as a
/// failures file fed back in does).
#[derive(Debug)]
pub struct FailuresFile {
    path: PathBuf,
    columns: Arc<[String]>,
    error_index: Option<usize>,
    writer: Option<csv::Writer<File>>,
    written: u64,
}

impl FailuresFile {
    /// A failures file at `path` for rows with `columns`.
    pub fn new(path: &Path, columns: Arc<[String]>) -> FailuresFile {
        let error_index = columns.iter().position(|c| c == "error");
        FailuresFile {
            path: path.to_path_buf(),
            columns,
            error_index,
            writer: None,
            written: 0,
        }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How many rows were written.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Appends a failed row. Fields missing from a malformed row are left
    /// empty; extra ones are kept in the error text.
    ///
    /// # Errors
    ///
    /// The I/O or CSV error, naming the file.
    pub fn write(&mut self, fields: Option<&[String]>, error: &str) -> Result<(), String> {
        let fail = |e: &dyn std::fmt::Display| {
            format!(
                "cannot write the failures file {}: {e}",
                self.path.display()
            )
        };
        if self.writer.is_none() {
            let mut writer = csv::Writer::from_path(&self.path).map_err(|e| fail(&e))?;
            let mut header: Vec<&str> = self.columns.iter().map(String::as_str).collect();
            if self.error_index.is_none() {
                header.push("error");
            }
            writer.write_record(&header).map_err(|e| fail(&e))?;
            self.writer = Some(writer);
        }
        let width = self.columns.len();
        let fields = fields.unwrap_or_default();
        let mut record: Vec<String> = (0..width)
            .map(|i| fields.get(i).cloned().unwrap_or_default())
            .collect();
        let mut error = error.to_owned();
        if fields.len() > width {
            error.push_str(&format!(" (extra fields: {})", fields[width..].join(" | ")));
        }
        match self.error_index {
            Some(i) => record[i] = error,
            None => record.push(error),
        }
        if let Some(writer) = &mut self.writer {
            writer.write_record(&record).map_err(|e| fail(&e))?;
            writer.flush().map_err(|e| fail(&e))?;
        }
        self.written += 1;
        Ok(())
    }

    /// Flushes the file.
    ///
    /// # Errors
    ///
    /// The I/O error, naming the file.
    pub fn flush(&mut self) -> Result<(), String> {
        match &mut self.writer {
            Some(w) => w.flush().map_err(|e| {
                format!(
                    "cannot write the failures file {}: {e}",
                    self.path.display()
                )
            }),
            None => Ok(()),
        }
    }
}

/// The error text of an outcome that did not succeed.
pub fn describe<O>(status: &Status<O, SendError>, attempts: u32) -> Option<String> {
    let tries = if attempts > 1 {
        format!(" (after {attempts} attempts)")
    } else {
        String::new()
    };
    match status {
        Status::Succeeded(_) => None,
        Status::Failed(e) => Some(format!("{e}{tries}")),
        Status::TimedOut => Some(format!("timed out{tries}")),
        Status::Panicked(m) => Some(format!("internal error: {m}")),
        Status::Cancelled => Some("cancelled before it was sent".into()),
    }
}

/// The [`OutcomeSink`] of a mailer run: failed rows go to the
/// [`FailuresFile`], and one line per failure to `report` (stderr, above the
/// progress bar).
pub struct FailureSink<R> {
    /// The failures file.
    pub failures: FailuresFile,
    report: R,
}

impl<R> std::fmt::Debug for FailureSink<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FailureSink")
            .field("failures", &self.failures)
            .finish_non_exhaustive()
    }
}

impl<R: FnMut(&str) + Send> FailureSink<R> {
    /// A sink writing to `failures` and reporting each failure to `report`.
    pub fn new(failures: FailuresFile, report: R) -> Self {
        FailureSink { failures, report }
    }
}

impl<R: FnMut(&str) + Send> OutcomeSink<Email, (), SendError, RowError> for FailureSink<R> {
    type Error = String;

    async fn outcome(&mut self, outcome: Outcome<Email, (), SendError>) -> Result<(), String> {
        let Some(error) = describe(&outcome.status, outcome.attempts) else {
            return Ok(());
        };
        let job = &outcome.job;
        (self.report)(&format!("line {} ({}): {error}", job.line, job.recipient));
        self.failures
            .write(Some(&job.fields), &format!("line {}: {error}", job.line))
    }

    async fn invalid(&mut self, error: RowError) -> Result<(), String> {
        (self.report)(&error.to_string());
        self.failures
            .write(error.fields.as_deref(), &error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_keep_the_columns_and_reuse_an_error_column()
    -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("f.csv");
        let mut f = FailuresFile::new(&path, vec!["email".to_owned(), "name".to_owned()].into());
        f.write(
            Some(&["a@example.com".into(), "Ann, \"A\"".into()]),
            "line 2: 550 no",
        )?;
        f.write(Some(&["b@example.com".into()]), "line 3: short")?;
        f.flush()?;
        let text = std::fs::read_to_string(&path)?;
        assert_eq!(
            text,
            "email,name,error\na@example.com,\"Ann, \"\"A\"\"\",line 2: 550 no\nb@example.com,,line 3: short\n"
        );
        let mut again = FailuresFile::new(
            &dir.path().join("g.csv"),
            vec!["email".to_owned(), "error".to_owned()].into(),
        );
        again.write(Some(&["a@example.com".into(), "old".into()]), "new")?;
        again.flush()?;
        assert_eq!(
            std::fs::read_to_string(dir.path().join("g.csv"))?,
            "email,error\na@example.com,new\n"
        );
        Ok(())
    }
}

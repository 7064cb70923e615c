//! Where outcomes go: warnings logged, failures printed and listed in the
//! failures file (CSV: group,file,reason).

use std::io;
use std::path::Path;
use std::sync::Arc;

use pool::cli::{FailuresFile, Format, Progress};
use pool::{Outcome, OutcomeSink, Status};
use report_jobs::{Rendered, ReportError};

use crate::Job;

/// The reporter's [`OutcomeSink`].
pub struct Sink {
    progress: Arc<Progress>,
    /// The failures file.
    pub failures: FailuresFile,
    /// Pages written.
    pub pages: u64,
    /// Bytes written.
    pub bytes: u64,
    /// Glyph warnings.
    pub warnings: u64,
}

impl Sink {
    pub fn new(path: &Path, progress: Arc<Progress>) -> Sink {
        let header = &["group", "file", "reason"];
        Sink {
            progress,
            failures: FailuresFile::new(path, Format::Csv { header }),
            pages: 0,
            bytes: 0,
            warnings: 0,
        }
    }

    fn fail(&mut self, job: &Job, reason: &str) -> io::Result<()> {
        let key = &job.0.group.key;
        self.progress
            .println(&format!("reporter: group {key:?}: {reason}"));
        self.failures.row(&[key, &job.0.file_name, reason])
    }
}

impl OutcomeSink<Job, Rendered, ReportError, std::convert::Infallible> for Sink {
    type Error = io::Error;

    async fn outcome(&mut self, outcome: Outcome<Job, Rendered, ReportError>) -> io::Result<()> {
        match outcome.status {
            Status::Succeeded(done) => {
                self.pages += done.pages as u64;
                self.bytes += done.bytes;
                for w in &done.warnings {
                    self.warnings += 1;
                    tracing::warn!("group {:?}: {w}", outcome.job.0.group.key);
                }
                Ok(())
            }
            Status::Failed(e) => self.fail(&outcome.job, &e.to_string()),
            Status::TimedOut => self.fail(&outcome.job, "timed out"),
            Status::Panicked(m) => self.fail(&outcome.job, &format!("panicked: {m}")),
            Status::Cancelled => self.fail(&outcome.job, "cancelled"),
        }
    }

    async fn invalid(&mut self, error: std::convert::Infallible) -> io::Result<()> {
        match error {}
    }
}

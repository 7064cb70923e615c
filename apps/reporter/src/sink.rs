//! Where outcomes go: warnings logged, failures printed and listed in the
//! failures file (CSV: group,file,reason).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use pool::cli::Progress;
use pool::{Outcome, OutcomeSink, Status};
use report_jobs::{Rendered, ReportError};

use crate::Job;

/// The reporter's [`OutcomeSink`].
pub struct Sink {
    progress: Arc<Progress>,
    path: PathBuf,
    file: Option<BufWriter<File>>,
    /// Failures written to the file.
    pub failed: u64,
    /// Pages written.
    pub pages: u64,
    /// Bytes written.
    pub bytes: u64,
    /// Glyph warnings.
    pub warnings: u64,
}

fn csv_field(s: &str) -> String {
    let s = s.replace(['\r', '\n'], " ");
    if s.contains([',', '"']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

impl Sink {
    pub fn new(path: &Path, progress: Arc<Progress>) -> Sink {
        Sink {
            progress,
            path: path.to_owned(),
            file: None,
            failed: 0,
            pages: 0,
            bytes: 0,
            warnings: 0,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn fail(&mut self, job: &Job, reason: &str) -> io::Result<()> {
        let key = &job.0.group.key;
        self.progress
            .println(&format!("reporter: group {key:?}: {reason}"));
        if self.file.is_none() {
            let mut f = BufWriter::new(File::create(&self.path)?);
            writeln!(f, "group,file,reason")?;
            self.file = Some(f);
        }
        if let Some(file) = &mut self.file {
            writeln!(
                file,
                "{},{},{}",
                csv_field(key),
                csv_field(&job.0.file_name),
                csv_field(reason)
            )?;
        }
        self.failed += 1;
        Ok(())
    }

    /// Flushes the failures file. After a run that went through all its
    /// groups without a failure, removes a failures file left by an earlier
    /// run, so that it cannot be mistaken for this run's (removed rather
    /// than emptied: "no file" is what a clean first run leaves too).
    pub fn finish(&mut self, complete: bool) -> io::Result<()> {
        match &mut self.file {
            Some(file) => file.flush(),
            None if complete => match std::fs::remove_file(&self.path) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            },
            None => Ok(()),
        }
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

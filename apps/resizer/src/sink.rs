//! Where outcomes go: failures printed and listed in the failures file
//! (TSV: path, reason), up-to-date outputs counted.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use image_jobs::{Done, ImageError, Job};
use pool::cli::{FailuresFile, Format, Progress};
use pool::{Outcome, OutcomeSink, Status};

/// The resizer's [`OutcomeSink`].
pub struct Sink {
    progress: Arc<Progress>,
    /// The failures file (a new file, not the old one truncated: the old
    /// one may be the list this run reads, `--only resizer-failures.tsv`).
    pub failures: FailuresFile,
    /// Jobs whose outputs were all up to date.
    pub up_to_date: u64,
    /// Outputs written.
    pub written: u64,
}

impl Sink {
    pub fn new(path: &Path, progress: Arc<Progress>) -> Sink {
        Sink {
            progress,
            failures: FailuresFile::new(path, Format::Tsv),
            up_to_date: 0,
            written: 0,
        }
    }

    fn fail(&mut self, path: &Path, reason: &str) -> io::Result<()> {
        self.progress.println(&format!("resizer: {reason}"));
        self.failures.row(&[&path.display().to_string(), reason])
    }
}

impl OutcomeSink<Job, Done, ImageError, ImageError> for Sink {
    type Error = io::Error;

    async fn outcome(&mut self, outcome: Outcome<Job, Done, ImageError>) -> io::Result<()> {
        let input = &outcome.job.input;
        match outcome.status {
            Status::Succeeded(done) => {
                if done.up_to_date {
                    self.up_to_date += 1;
                }
                self.written += done.written as u64;
                for note in done.notes {
                    tracing::warn!("{note}");
                }
                Ok(())
            }
            Status::Failed(e) => self.fail(input, &e.to_string()),
            Status::TimedOut => self.fail(input, &format!("{}: timed out", input.display())),
            Status::Panicked(m) => self.fail(input, &format!("{}: panicked: {m}", input.display())),
            Status::Cancelled => self.fail(input, &format!("{}: cancelled", input.display())),
        }
    }

    async fn invalid(&mut self, error: ImageError) -> io::Result<()> {
        let path = match &error {
            ImageError::Io { path, .. } | ImageError::NotInInput { path, .. } => path.clone(),
            ImageError::Collision { input, .. } | ImageError::Escape { input, .. } => input.clone(),
            _ => PathBuf::new(),
        };
        self.fail(&path, &error.to_string())
    }
}

//! Where outcomes go: failures printed and listed in the failures file,
//! up-to-date outputs counted.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use image_jobs::{Done, ImageError, Job};
use pool::cli::Progress;
use pool::{Outcome, OutcomeSink, Status};

/// The resizer's [`OutcomeSink`].
pub struct Sink {
    progress: Arc<Progress>,
    path: PathBuf,
    file: Option<BufWriter<File>>,
    /// Failures written to the file.
    pub failed: u64,
    /// Jobs whose outputs were all up to date.
    pub up_to_date: u64,
    /// Outputs written.
    pub written: u64,
}

impl Sink {
    pub fn new(path: &Path, progress: Arc<Progress>) -> Sink {
        Sink {
            progress,
            path: path.to_owned(),
            file: None,
            failed: 0,
            up_to_date: 0,
            written: 0,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn fail(&mut self, path: &Path, reason: &str) -> io::Result<()> {
        self.progress.println(&format!("resizer: {reason}"));
        if self.file.is_none() {
            // A new file, not the old one truncated: the old one may be the
            // list this run reads (`--only resizer-failures.tsv`).
            remove_if_present(&self.path)?;
            self.file = Some(BufWriter::new(File::create(&self.path)?));
        }
        if let Some(file) = &mut self.file {
            let reason = reason.replace(['\t', '\n'], " ");
            writeln!(file, "{}\t{reason}", path.display())?;
        }
        self.failed += 1;
        Ok(())
    }

    /// Flushes the failures file. After a run that read all its input and
    /// had no failure, removes a failures file left by an earlier run, so
    /// that it cannot be mistaken for this run's.
    pub fn finish(&mut self, complete: bool) -> io::Result<()> {
        match &mut self.file {
            Some(file) => file.flush(),
            None if complete => remove_if_present(&self.path),
            None => Ok(()),
        }
    }
}

fn remove_if_present(path: &Path) -> io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
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

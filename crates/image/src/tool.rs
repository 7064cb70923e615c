//! [`Resizer`]: the resizer as a [`pool::Tool`]: the walk of the input
//! folder (or an `--only` list) in, one [`process`] per image on the
//! blocking threads, failed images listed in a TSV file that `--only` reads
//! back.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use pool::{Blocking, BlockingHandler, Distributed, Failure, JobContext, JobError, Status, Tool};

use crate::context::Context;
use crate::error::{ImageError, SettingsError};
use crate::input::{Job, Walker, own_format};
use crate::job::{Done, process};
use crate::remote::Remote;
use crate::settings::Settings;

/// Runs [`process`] on the pool's blocking threads: I/O errors that may
/// pass (interrupted, busy, disk full) are transient, everything else
/// permanent.
#[derive(Debug)]
pub struct Resize {
    ctx: Arc<Context>,
    remote: Option<Arc<Remote>>,
}

impl Resize {
    /// Fetches the input (from S3), resizes it, uploads the outputs; an
    /// error names the `s3://` location rather than the staged copy.
    fn run(&self, job: &Job) -> Result<Done, ImageError> {
        let Some(remote) = &self.remote else {
            return process(&self.ctx, job);
        };
        let shown = |e: ImageError| e.map_paths(|p| remote.shown(p));
        remote.fetch(&job.rel, &job.input).map_err(shown)?;
        let done = process(&self.ctx, job);
        if remote.input_url().is_some() {
            let _ = std::fs::remove_file(&job.input);
        }
        let mut done = done.map_err(shown)?;
        for output in &job.outputs {
            remote.store(output, &self.ctx.output_root).map_err(shown)?;
        }
        if remote.input_url().is_some() {
            let (staged, url) = (
                job.input.display().to_string(),
                remote.shown(&job.input).display().to_string(),
            );
            for note in &mut done.notes {
                *note = note.replace(&staged, &url);
            }
        }
        Ok(done)
    }
}

impl BlockingHandler<Job> for Resize {
    type Output = Done;
    type Error = ImageError;

    fn call(&self, job: &Job, _cx: &JobContext) -> Result<Done, JobError<ImageError>> {
        self.run(job)
            .map_err(|e| JobError::classify(e, ImageError::is_transient))
    }
}

/// The resizer as a [`Tool`]; see the [module docs](self).
///
/// # Example
///
/// ```
/// use image_jobs::{Resizer, Settings};
/// use pool::Tool as _;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let (input, output) = (tempfile::tempdir()?, tempfile::tempdir()?);
/// let settings = Settings { sizes: vec!["800x800".parse()?], ..Settings::default() };
/// let resizer = Resizer::open(input.path(), output.path(), settings, false, None, "failures.tsv".into())?;
/// assert_eq!(resizer.name(), "resizer");
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Resizer {
    ctx: Arc<Context>,
    /// The bucket, when the folders are `s3://` locations.
    remote: Option<Arc<Remote>>,
    list: Option<(PathBuf, File)>,
    failures: PathBuf,
    written: u64,
    ignored: Arc<AtomicU64>,
    up_to_date: Arc<AtomicU64>,
}

impl Resizer {
    /// Checks the settings and folders ([`Context::prepare`]) and opens the
    /// `only` list (the files to do, one per line: a failures file of an
    /// earlier run) if there is one.
    ///
    /// # Errors
    ///
    /// A [`SettingsError`] naming the flag, folder or list.
    pub fn open(
        input: &Path,
        output: &Path,
        settings: Settings,
        force: bool,
        only: Option<&Path>,
        failures: PathBuf,
    ) -> Result<Resizer, SettingsError> {
        Resizer::open_with(input, output, settings, force, only, failures, true)
    }

    /// [`Resizer::open`]; `listing` checks an `s3://` input now (it exists
    /// and has objects), as a run that lists it needs and a worker of a
    /// distributed run does not.
    fn open_with(
        input: &Path,
        output: &Path,
        settings: Settings,
        force: bool,
        only: Option<&Path>,
        failures: PathBuf,
        listing: bool,
    ) -> Result<Resizer, SettingsError> {
        settings.validate()?;
        // S3 locations: the images pass through local staging folders.
        let remote = Remote::open(input, output, listing)?.map(Arc::new);
        let staged_input = remote.as_ref().and_then(|r| r.staging_input());
        if let (Some(only), Some(_)) = (only, &staged_input) {
            return Err(SettingsError::OnlyRemote(only.to_owned()));
        }
        let staged_output = remote.as_ref().and_then(|r| r.staging_output());
        let ctx = Context::prepare(
            staged_input.as_deref().unwrap_or(input),
            staged_output.as_deref().unwrap_or(output),
            settings,
            force,
        )?;
        let list = match only {
            Some(path) => Some((
                path.to_owned(),
                File::open(path).map_err(|error| SettingsError::List {
                    path: path.to_owned(),
                    error,
                })?,
            )),
            None => None,
        };
        Ok(Resizer {
            ctx,
            remote,
            list,
            failures,
            written: 0,
            ignored: Arc::default(),
            up_to_date: Arc::default(),
        })
    }

    /// The input and output folders as the user named them: the
    /// `s3://` locations, or the local folders (canonical).
    fn locations(&self) -> (PathBuf, PathBuf) {
        let remote = self.remote.as_deref();
        (
            remote
                .and_then(Remote::input_url)
                .unwrap_or_else(|| self.ctx.input_root.clone()),
            remote
                .and_then(Remote::output_url)
                .unwrap_or_else(|| self.ctx.output_root.clone()),
        )
    }

    /// `path` as the user knows it: a staged file as its `s3://` location.
    fn shown(&self, path: &Path) -> PathBuf {
        match &self.remote {
            Some(remote) => remote.shown(path),
            None => path.to_owned(),
        }
    }

    /// The checked settings and folders.
    pub fn context(&self) -> &Arc<Context> {
        &self.ctx
    }
}

/// `1 image`, `2 images`.
fn plural(n: u64, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

impl Tool for Resizer {
    type Source = Walker;
    type Handler = Blocking<Resize>;

    fn name(&self) -> &'static str {
        "resizer"
    }

    fn handler(&self) -> Blocking<Resize> {
        Blocking::new(Resize {
            ctx: Arc::clone(&self.ctx),
            remote: self.remote.clone(),
        })
    }

    fn source(&mut self) -> Walker {
        let keys = self.remote.as_ref().and_then(|r| r.list());
        let walker = match (self.list.take(), keys) {
            (_, Some(keys)) => Walker::remote(Arc::clone(&self.ctx), keys),
            (Some((path, file)), None) => {
                Walker::from_list(Arc::clone(&self.ctx), Box::new(BufReader::new(file)), &path)
            }
            (None, None) => Walker::new(Arc::clone(&self.ctx)),
        };
        self.ignored = walker.ignored();
        self.up_to_date = walker.up_to_date();
        walker
    }

    fn failures_path(&self) -> PathBuf {
        self.failures.clone()
    }

    fn failure_row(&self, failure: &Failure<'_, Self>) -> Vec<String> {
        let path = match failure {
            Failure::Job { job, .. } => self.shown(&job.input),
            Failure::Invalid(error) => self.shown(error.path()),
        };
        vec![path.display().to_string(), self.failure_line(failure)]
    }

    /// The error's own text names the file; the other endings get the
    /// input's path in front.
    fn failure_line(&self, failure: &Failure<'_, Self>) -> String {
        match failure {
            Failure::Job {
                job,
                status: Status::TimedOut | Status::Panicked(_) | Status::Cancelled,
                ..
            } => format!("{}: {}", self.shown(&job.input).display(), failure.reason()),
            _ => failure.reason(),
        }
    }

    fn succeeded(&mut self, _job: &Job, done: Done) -> Vec<String> {
        self.written += done.written as u64;
        done.notes
    }

    fn summary_lines(&self) -> Vec<String> {
        let mut lines = vec![format!(
            "{} written to {}; {} up to date (--force redoes them)",
            plural(self.written, "image"),
            self.locations().1.display(),
            self.up_to_date.load(Ordering::Relaxed)
        )];
        let ignored = self.ignored.load(Ordering::Relaxed);
        if ignored > 0 {
            lines.push(format!(
                "{} ignored: not images by their extension",
                plural(ignored, "file")
            ));
        }
        lines
    }

    fn summary_counts(&self) -> Vec<(&'static str, u64)> {
        vec![
            ("written", self.written),
            ("up_to_date", self.up_to_date.load(Ordering::Relaxed)),
            ("ignored", self.ignored.load(Ordering::Relaxed)),
        ]
    }
}

/// What every job of a distributed resizer run shares: the folders (a
/// shared mount every worker sees at the same path, or `s3://` prefixes),
/// the settings and `--force`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ResizePlan {
    /// The input folder, canonical.
    pub input: PathBuf,
    /// The output folder, canonical.
    pub output: PathBuf,
    /// What to make.
    pub settings: Settings,
    /// Redo outputs that are up to date.
    pub force: bool,
}

impl Resizer {
    /// A resizer for a worker of a distributed run: the folders and
    /// settings of `plan`, checked as [`Resizer::open`] checks them.
    ///
    /// # Errors
    ///
    /// As [`Resizer::open`].
    pub fn from_plan(plan: ResizePlan, failures: PathBuf) -> Result<Resizer, SettingsError> {
        Resizer::open_with(
            &plan.input,
            &plan.output,
            plan.settings,
            plan.force,
            None,
            failures,
            false,
        )
    }
}

/// A resizer run across machines: each job is an input's path relative to
/// the input folder; the worker that claims it finds its outputs.
impl Distributed for Resizer {
    type Plan = ResizePlan;
    type Payload = PathBuf;

    fn plan(&self) -> ResizePlan {
        let (input, output) = self.locations();
        ResizePlan {
            input,
            output,
            settings: self.ctx.settings.clone(),
            force: self.ctx.force,
        }
    }

    fn payload(&self, job: &Job) -> Result<PathBuf, String> {
        Ok(job.rel.clone())
    }

    fn job(&self, rel: PathBuf) -> Result<Job, String> {
        if !rel
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
        {
            return Err(format!(
                "{}: not a path inside the input folder",
                rel.display()
            ));
        }
        let own = own_format(&rel)
            .ok_or_else(|| format!("{}: not an image by its extension", rel.display()))?;
        Ok(Job {
            input: self.ctx.input_root.join(&rel),
            outputs: self.ctx.outputs_for(&rel, own),
            rel,
        })
    }
}

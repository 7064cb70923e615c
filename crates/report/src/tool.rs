//! [`Reporter`]: the reporter as a [`pool::Tool`]: the prepared batch's
//! groups in, one PDF per group drawn on the blocking threads, failed
//! groups listed in a CSV file (group, file, reason).

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use pool::{
    Blocking, BlockingHandler, Distributed, Failure, IterSource, JobContext, JobError, Keyed, Tool,
};

use crate::batch::{Batch, Options, Rendered, Renderer, ReportJob, SetupError};
use crate::error::ReportError;
use crate::group::Group;
use crate::plan::{ReportPayload, ReportPlan};

impl Keyed for ReportJob {
    fn key(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.group.key)
    }
}

/// Draws and writes one report on the pool's blocking threads: an I/O
/// error that can pass is transient, a bad row or a PDF error permanent.
#[derive(Debug)]
pub struct Render {
    renderer: Arc<Renderer>,
}

impl BlockingHandler<ReportJob> for Render {
    type Output = Rendered;
    type Error = ReportError;

    fn call(&self, job: &ReportJob, _cx: &JobContext) -> Result<Rendered, JobError<ReportError>> {
        self.renderer
            .render(job)
            .map_err(|e| JobError::classify(e, ReportError::is_transient))
    }
}

/// A group whose rows cannot make a report, found before it became a job
/// (at enqueue, where the rows are checked as the mailer checks its).
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct InvalidGroup {
    /// The group column's value.
    pub key: String,
    /// The report's file name in the output folder.
    pub file_name: String,
    /// What is wrong with its rows (in the message, not a source).
    pub error: ReportError,
}

/// The jobs of a run, each group's rows checked first when `check` holds
/// the renderer to check them with.
#[derive(Debug)]
pub struct Jobs {
    jobs: std::vec::IntoIter<ReportJob>,
    check: Option<Arc<Renderer>>,
}

impl Iterator for Jobs {
    type Item = Result<ReportJob, InvalidGroup>;

    fn next(&mut self) -> Option<Self::Item> {
        let job = self.jobs.next()?;
        let Some(renderer) = &self.check else {
            return Some(Ok(job));
        };
        Some(match renderer.check(&job.group) {
            Ok(()) => Ok(job),
            Err(error) => Err(InvalidGroup {
                key: job.group.key,
                file_name: job.file_name,
                error,
            }),
        })
    }
}

/// The reporter as a [`Tool`]; see the [module docs](self).
///
/// # Example
///
/// ```
/// use report_jobs::{Options, Reporter};
/// use pool::Tool as _;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = tempfile::tempdir()?;
/// let csv = dir.path().join("items.csv");
/// std::fs::write(&csv, "account,item,amount\nA,tea,0.10\nB,milk,2.00\n")?;
/// let reporter = Reporter::prepare(&Options {
///     input: csv,
///     group_by: "account".into(),
///     out_dir: dir.path().join("out"),
///     layout: None,
///     fonts: vec![],
///     memory_limit: 1 << 20,
///     system_fonts: false,
///     delimiter: None,
/// }, None)?;
/// assert_eq!(reporter.total(), Some(2));
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Reporter {
    renderer: Arc<Renderer>,
    plan: ReportPlan,
    jobs: Vec<ReportJob>,
    groups: u64,
    rows: u64,
    spilled: bool,
    system_fonts: Vec<String>,
    out_dir: PathBuf,
    failures: PathBuf,
    reports: u64,
    pages: u64,
    bytes: u64,
    /// Whether the source checks each group's rows before it is a job.
    check_rows: bool,
    /// Every character no font had, in any report.
    missing: BTreeSet<char>,
}

impl Reporter {
    /// Prepares the batch ([`Batch::prepare`]: layout, fonts, input,
    /// grouping, file names), everything that can fail the whole run,
    /// before any report is drawn. The failures file is `failures`, or
    /// `failures.csv` in the output folder.
    ///
    /// # Errors
    ///
    /// A [`SetupError`] naming the file (and line) at fault.
    pub fn prepare(opts: &Options, failures: Option<PathBuf>) -> Result<Reporter, SetupError> {
        let batch = Batch::prepare(opts)?;
        Ok(Reporter {
            renderer: batch.renderer,
            plan: batch.plan,
            groups: batch.jobs.len() as u64,
            jobs: batch.jobs,
            rows: batch.rows,
            spilled: batch.spilled,
            system_fonts: batch.system_fonts,
            failures: failures.unwrap_or_else(|| default_failures(&opts.out_dir)),
            out_dir: opts.out_dir.clone(),
            reports: 0,
            pages: 0,
            bytes: 0,
            check_rows: false,
            missing: BTreeSet::new(),
        })
    }
}

impl Reporter {
    /// Checks each group's rows as the source reads it (numbers, dates, a
    /// malformed row, a missing column), so that a group that cannot make
    /// a report is an invalid item of the input, reported and written to
    /// the failures file then, instead of a job that fails: what `enqueue`
    /// does, as the mailer checks its rows there. A run on one machine
    /// need not: its workers check the rows as they draw them.
    pub fn check_rows_first(mut self) -> Reporter {
        self.check_rows = true;
        self
    }

    /// A reporter for a worker of a distributed run: the renderer `plan`
    /// describes, and no groups of its own (they come as payloads).
    ///
    /// # Errors
    ///
    /// As [`ReportPlan::renderer`].
    pub fn from_plan(plan: ReportPlan, failures: Option<PathBuf>) -> Result<Reporter, SetupError> {
        let renderer = plan.renderer()?;
        Ok(Reporter {
            renderer: Arc::new(renderer),
            failures: failures.unwrap_or_else(|| default_failures(&plan.out_dir)),
            out_dir: plan.out_dir.clone(),
            plan,
            jobs: Vec::new(),
            groups: 0,
            rows: 0,
            spilled: false,
            system_fonts: Vec::new(),
            reports: 0,
            pages: 0,
            bytes: 0,
            check_rows: false,
            missing: BTreeSet::new(),
        })
    }
}

/// A reporter run across machines: each job is a group's key, file name
/// and rows; the worker that claims it draws it with the run's layout and
/// fonts.
impl Distributed for Reporter {
    type Plan = ReportPlan;
    type Payload = ReportPayload;

    fn plan(&self) -> ReportPlan {
        self.plan.clone()
    }

    fn payload(&self, job: &ReportJob) -> Result<ReportPayload, String> {
        let rows = job.group.rows().map_err(|e| e.to_string())?;
        Ok(ReportPayload {
            key: job.group.key.clone(),
            file_name: job.file_name.clone(),
            rows: rows.as_ref().clone(),
        })
    }

    fn job(&self, payload: ReportPayload) -> Result<ReportJob, String> {
        let name_ok = !payload.file_name.is_empty()
            && !payload.file_name.contains(['/', '\\'])
            && payload.file_name != ".."
            && payload.file_name != ".";
        if !name_ok {
            return Err(format!("{:?} is not a file name", payload.file_name));
        }
        let group = Group::from_rows(payload.key.clone(), payload.rows)
            .ok_or_else(|| format!("group {:?} has no rows", payload.key))?;
        Ok(ReportJob {
            group,
            file_name: payload.file_name,
        })
    }
}

/// `failures.csv` in the output folder; `reporter-failures.csv` here when
/// the output is an `s3://` location.
fn default_failures(out_dir: &std::path::Path) -> PathBuf {
    match object_files::parse_s3(out_dir) {
        Some(_) => PathBuf::from("reporter-failures.csv"),
        None => out_dir.join("failures.csv"),
    }
}

impl Tool for Reporter {
    type Source = IterSource<Jobs>;
    type Handler = Blocking<Render>;

    fn name(&self) -> &'static str {
        "reporter"
    }

    fn total(&self) -> Option<u64> {
        Some(self.groups)
    }

    fn handler(&self) -> Blocking<Render> {
        Blocking::new(Render {
            renderer: Arc::clone(&self.renderer),
        })
    }

    fn source(&mut self) -> IterSource<Jobs> {
        IterSource(Jobs {
            jobs: std::mem::take(&mut self.jobs).into_iter(),
            check: self.check_rows.then(|| Arc::clone(&self.renderer)),
        })
    }

    fn failures_path(&self) -> PathBuf {
        self.failures.clone()
    }

    fn failures_header(&self) -> Option<Vec<String>> {
        Some(["group", "file", "reason"].map(String::from).to_vec())
    }

    fn failure_row(&self, failure: &Failure<'_, Self>) -> Vec<String> {
        match failure {
            Failure::Job { job, .. } => vec![
                job.group.key.clone(),
                job.file_name.clone(),
                failure.reason(),
            ],
            Failure::Invalid(group) => {
                vec![group.key.clone(), group.file_name.clone(), failure.reason()]
            }
        }
    }

    fn failure_line(&self, failure: &Failure<'_, Self>) -> String {
        match failure {
            Failure::Job { job, .. } => format!("group {:?}: {}", job.group.key, failure.reason()),
            Failure::Invalid(group) => format!("group {:?}: {}", group.key, failure.reason()),
        }
    }

    fn succeeded(&mut self, job: &ReportJob, done: Rendered) -> Vec<String> {
        self.reports += 1;
        self.pages += done.pages as u64;
        self.bytes += done.bytes;
        self.missing.extend(&done.missing);
        done.warnings
            .into_iter()
            .map(|w| format!("group {:?}: {w}", job.group.key))
            .collect()
    }

    fn summary_lines(&self) -> Vec<String> {
        let mut lines = vec![format!(
            "{} reports ({} pages, {} KB on average) written to {}; {} rows in {} groups{}",
            self.reports,
            self.pages,
            self.bytes / self.reports.max(1) / 1024,
            self.out_dir.display(),
            self.rows,
            self.groups,
            if self.spilled {
                " (grouped on disk)"
            } else {
                ""
            }
        )];
        if !self.system_fonts.is_empty() {
            lines.push(format!(
                "fallback fonts from the system: {} (--no-system-fonts leaves them out)",
                self.system_fonts.join(", ")
            ));
        }
        if !self.missing.is_empty() {
            let n = self.missing.len();
            let mut chars: String = self.missing.iter().take(20).collect();
            if n > 20 {
                chars.push('…');
            }
            lines.push(format!(
                "{n} distinct characters no font has: {chars} (see the warnings above; add --font)"
            ));
        }
        lines
    }

    fn summary_counts(&self) -> Vec<(&'static str, u64)> {
        vec![
            ("pages", self.pages),
            ("bytes", self.bytes),
            ("rows", self.rows),
            ("chars_without_font", self.missing.len() as u64),
        ]
    }
}

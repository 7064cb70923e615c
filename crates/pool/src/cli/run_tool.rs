//! [`run_tool`]: runs any [`Tool`] from the command line, with the journal,
//! progress bar, Ctrl-C handling, failures file, summary and exit code.

use std::io;
use std::process::ExitCode;
use std::sync::Arc;

use parking_lot::Mutex;

use tokio_util::sync::CancellationToken;

use super::args::PoolArgs;
use super::failures::{FailuresFile, Format};
use super::progress::Progress;
use super::signal::{Interrupt, on_interrupt};
use super::summary::{Summary, exit_code};
use crate::tool::{ErrorOf, Failure, InvalidOf, JobOf, OutputOf, Tool};
use crate::{Journal, JournalError, Keyed as _, Outcome, OutcomeSink, Pool, RunError, Status};

/// Runs `tool` on a pool configured by `args` and returns the exit status:
/// 0 when every item succeeded or was skipped, 1 otherwise.
///
/// What it does, the same for every tool:
/// - opens `--journal`, so that items an earlier run finished are skipped
///   and items this run finishes are recorded as they finish;
/// - starts the pool with the tool's handler and the pool flags, and a
///   progress bar on stderr when it is a terminal;
/// - watches Ctrl-C and SIGTERM: the first starts nothing new (the jobs
///   running finish; those queued, waiting for a retry or for the rate
///   limit end cancelled, unjournaled, so a re-run does them), the second
///   cancels the running ones too; the run then exits 1 and its summary
///   says it was interrupted and how much was left;
/// - prints each item that did not succeed as it ends and writes it to the
///   tool's failures file (a new file; a stale one from an earlier run is
///   removed after a complete run without failures);
/// - at the end, syncs the journal and prints the summary (`--json`: one
///   JSON object on stdout).
///
/// With `--max-failures N`, the N-th item that fails (a job, or an input
/// item that could not become one) stops the run: no new item is read, the
/// items in progress finish, those queued end cancelled (they were never
/// tried: a re-run with the same journal does them), and the summary says
/// why the run stopped. A failure to write the failures
/// file or the journal stops the run (cancelling what is queued), is
/// printed, and exits 1.
///
/// # Errors
///
/// The journal cannot be opened: nothing has run (exit 2 is the caller's).
///
/// # Panics
///
/// Panics if called outside a tokio runtime.
pub async fn run_tool<T: Tool>(mut tool: T, args: &PoolArgs) -> Result<ExitCode, JournalError> {
    let name = tool.name();
    let journal = match &args.journal {
        Some(path) if tool.uses_journal() => {
            Some(Arc::new(Journal::open_as(path, &tool.journal_kind())?))
        }
        Some(path) => {
            if !args.quiet {
                eprintln!(
                    "{name}: a trial run: the journal {} is left alone",
                    path.display()
                );
            }
            None
        }
        None => None,
    };
    // One job at a time in a worker's hands: the tools' jobs are long beside
    // the pool's cost per job, and a stop (--max-failures, Ctrl-C twice)
    // then cancels everything not yet started.
    let mut builder = args
        .configure(Pool::builder(tool.handler()), tool.default_workers())
        .max_batch(1)
        .on_retry(
            |job: &JobOf<T>, error: Option<&ErrorOf<T>>, attempt, delay| {
                let key = job.key();
                match error {
                    Some(error) => tracing::debug!(
                        "{key}: attempt {attempt} failed, retrying in {delay:.1?}: {error}"
                    ),
                    None => tracing::debug!(
                        "{key}: attempt {attempt} timed out, retrying in {delay:.1?}"
                    ),
                }
            },
        );
    if let Some(journal) = &journal {
        builder = builder.journal(Arc::clone(journal));
    }
    let (pool, outcomes) = builder.start();
    let progress = Progress::start(name, tool.total(), args.quiet, pool.snapshot_fn());
    let watching = CancellationToken::new();
    let interrupted: Arc<Mutex<Option<Interrupt>>> = Arc::default();
    let (stopper, canceller, seen) = (pool.clone(), pool.clone(), Arc::clone(&interrupted));
    on_interrupt(
        watching.clone(),
        move |signal| {
            *seen.lock() = Some(signal);
            stopper.stop();
        },
        move |_| canceller.cancel(),
    );
    let count_failure = Box::new(pool.count_failure_fn());

    let source = tool.source();
    let format = match tool.failures_header() {
        Some(header) => Format::Csv { header },
        None => Format::Tsv,
    };
    let failures = FailuresFile::new(tool.failures_path(), format);
    let mut sink = ToolSink {
        tool,
        failures,
        progress,
        max_failures: args.stop.max_failures,
        pool_failure: count_failure,
        failed: 0,
        stopped: false,
    };
    let result = crate::run(pool, outcomes, source, &mut sink).await;
    watching.cancel();
    let ToolSink {
        mut tool,
        mut failures,
        progress,
        stopped,
        ..
    } = sink;
    progress.finish();
    tool.finish().await;

    let mut problems = Vec::new();
    let report = match result {
        Ok(report) => report,
        Err(RunError::Sink(e, report)) => {
            problems.push(format!("failures file: {e}"));
            report
        }
        Err(RunError::Journal(e, report)) => {
            problems.push(format!("journal: {e}"));
            report
        }
    };
    let interrupted = *interrupted.lock();
    let complete = problems.is_empty() && !report.interrupted && interrupted.is_none();
    if let Err(e) = failures.finish(complete) {
        problems.push(format!("failures file: {e}"));
    }
    if let Some(journal) = &journal
        && let Err(e) = journal.sync()
    {
        problems.push(format!("journal: {e}"));
    }
    let written = (failures.count() > 0).then(|| failures.path());
    let mut summary = Summary::new(name, report, written);
    summary.counts = tool.summary_counts().into_iter().collect();
    summary.lists = tool.summary_lists().into_iter().collect();
    summary.lines = tool.summary_lines();
    if stopped && let Some(max) = args.stop.max_failures {
        summary.lines.push(format!(
            "stopped taking new items after {max} failures (--max-failures {max})"
        ));
    }
    summary.interrupted(interrupted.map(Interrupt::name), tool.total());
    summary.print(args.json, args.quiet);
    if !problems.is_empty() {
        for problem in problems {
            eprintln!("{name}: {problem}");
        }
        return Ok(ExitCode::from(1));
    }
    Ok(exit_code(&summary.report))
}

/// The [`OutcomeSink`] every tool shares: successes to the tool, failures
/// printed and written to the failures file in the tool's own row shape.
struct ToolSink<T> {
    tool: T,
    failures: FailuresFile,
    progress: Progress,
    /// `--max-failures`: failed items that stop intake.
    max_failures: Option<u64>,
    /// Counts an invalid input item towards the pool's `--max-failures`
    /// (the pool counts its failed jobs itself).
    pool_failure: Box<dyn Fn() + Send + Sync>,
    /// Items that failed so far: failed jobs and invalid input items.
    failed: u64,
    /// Whether `--max-failures` stopped the run (the pool itself cancels;
    /// the sink says so).
    stopped: bool,
}

impl<T: Tool> ToolSink<T> {
    fn fail(&mut self, failure: &Failure<'_, T>) -> io::Result<()> {
        let line = self.tool.failure_line(failure);
        self.progress
            .println(&format!("{}: {line}", self.tool.name()));
        self.failures.row(&self.tool.failure_row(failure))
    }

    /// Counts a failed job; at `--max-failures` (where the pool cancels
    /// itself), says so.
    fn count_failure(&mut self) {
        self.failed += 1;
        if !self.stopped && self.max_failures.is_some_and(|max| self.failed >= max) {
            self.stopped = true;
            self.progress.println(&format!(
                "{}: {} failures: stopping (--max-failures): no new items; those in progress finish, those queued are cancelled",
                self.tool.name(),
                self.failed
            ));
        }
    }
}

impl<T: Tool> OutcomeSink<JobOf<T>, OutputOf<T>, ErrorOf<T>, InvalidOf<T>> for ToolSink<T> {
    type Error = io::Error;

    async fn outcome(
        &mut self,
        outcome: Outcome<JobOf<T>, OutputOf<T>, ErrorOf<T>>,
    ) -> io::Result<()> {
        match outcome.status {
            Status::Succeeded(output) => {
                for note in self.tool.succeeded(&outcome.job, output) {
                    tracing::warn!("{note}");
                }
                Ok(())
            }
            // Not started because the run stopped: counted and written to
            // the failures file (fed back, it does them), not printed one
            // by one: the summary says how many.
            Status::Cancelled => self.failures.row(&self.tool.failure_row(&Failure::Job {
                job: &outcome.job,
                status: &Status::Cancelled,
                attempts: outcome.attempts,
            })),
            status => {
                self.count_failure();
                self.fail(&Failure::Job {
                    job: &outcome.job,
                    status: &status,
                    attempts: outcome.attempts,
                })
            }
        }
    }

    async fn invalid(&mut self, error: InvalidOf<T>) -> io::Result<()> {
        (self.pool_failure)();
        self.count_failure();
        self.fail(&Failure::Invalid(&error))
    }
}

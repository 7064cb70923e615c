//! [`run_tool`]: runs any [`Tool`] from the command line, with the journal,
//! progress bar, Ctrl-C handling, failures file, summary and exit code.

use std::io;
use std::process::ExitCode;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::args::PoolArgs;
use super::failures::{FailuresFile, Format};
use super::progress::Progress;
use super::signal::on_ctrl_c;
use super::summary::{Summary, exit_code};
use crate::tool::{ErrorOf, Failure, InvalidOf, JobOf, OutputOf, Tool};
use crate::{Journal, JournalError, Outcome, OutcomeSink, Pool, RunError, Status};

/// Runs `tool` on a pool configured by `args` and returns the exit status:
/// 0 when every item succeeded or was skipped, 1 otherwise.
///
/// What it does, the same for every tool:
/// - opens `--journal`, so that items an earlier run finished are skipped
///   and items this run finishes are recorded as they finish;
/// - starts the pool with the tool's handler and the pool flags, and a
///   progress bar on stderr when it is a terminal;
/// - watches Ctrl-C: the first press stops reading input and drains, the
///   second cancels what is still queued;
/// - prints each item that did not succeed as it ends and writes it to the
///   tool's failures file (a new file; a stale one from an earlier run is
///   removed after a complete run without failures);
/// - at the end, syncs the journal and prints the summary (`--json`: one
///   JSON object on stdout).
///
/// A failure to write the failures file or the journal stops the run
/// (cancelling what is queued), is printed, and exits 1.
///
/// # Errors
///
/// The journal cannot be opened: nothing has run (exit 2 is the caller's).
///
/// # Panics
///
/// Panics if called outside a tokio runtime.
pub async fn run_tool<T: Tool>(mut tool: T, args: &PoolArgs) -> Result<ExitCode, JournalError> {
    let journal = match &args.journal {
        Some(path) => Some(Arc::new(Journal::open(path)?)),
        None => None,
    };
    let name = tool.name();
    let mut builder = args.configure(Pool::builder(tool.handler()), tool.default_workers());
    if let Some(journal) = &journal {
        builder = builder.journal(Arc::clone(journal));
    }
    let (pool, outcomes) = builder.start();
    let progress = Progress::start(name, tool.total(), args.quiet, pool.snapshot_fn());
    let watching = CancellationToken::new();
    let (closer, canceller) = (pool.clone(), pool.clone());
    on_ctrl_c(
        watching.clone(),
        move || closer.close(),
        move || canceller.cancel(),
    );

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
    };
    let result = crate::run(pool, outcomes, source, &mut sink).await;
    watching.cancel();
    let ToolSink {
        mut tool,
        mut failures,
        progress,
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
    let complete = problems.is_empty() && !report.interrupted;
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
    summary.lines = tool.summary_lines();
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
}

impl<T: Tool> ToolSink<T> {
    fn fail(&mut self, failure: &Failure<'_, T>) -> io::Result<()> {
        let line = self.tool.failure_line(failure);
        self.progress
            .println(&format!("{}: {line}", self.tool.name()));
        self.failures.row(&self.tool.failure_row(failure))
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
            status => self.fail(&Failure::Job {
                job: &outcome.job,
                status: &status,
                attempts: outcome.attempts,
            }),
        }
    }

    async fn invalid(&mut self, error: InvalidOf<T>) -> io::Result<()> {
        self.fail(&Failure::Invalid(&error))
    }
}

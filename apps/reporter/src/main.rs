//! `reporter`: a batch of PDF reports from tabular data, on the workpool.
//!
//! [`report_jobs::Batch::prepare`] does everything that can fail the whole
//! run (layout, fonts, input syntax, grouping) before any work: a problem
//! there exits 2 with nothing written. Then one job per group runs on the
//! pool's blocking handler (one worker per core by default); the end of the
//! run prints the summary (`--json` for one JSON object), lists failed
//! groups in the failures file and exits 0 or 1.

mod args;
mod sink;

use std::borrow::Cow;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Parser as _;
use pool::cli::{Progress, Summary, exit_code, on_ctrl_c};
use pool::{CancellationToken, IterSource, JobError, Journal, Keyed, Pool, RunError, blocking_fn};
use report_jobs::{Batch, Options, ReportJob};

use crate::args::Cli;
use crate::sink::Sink;

/// A report job with the pool's [`Keyed`] (the group key).
#[derive(Debug, Clone)]
pub struct Job(pub ReportJob);

impl Keyed for Job {
    fn key(&self) -> Cow<'_, str> {
        self.0.key()
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    pool::cli::init_logging(cli.pool.quiet);
    pool::cli::run_main("reporter", Some(1), run(cli))
}

/// Runs the command; an `Err` is a usage, configuration or input-file error
/// (exit 2), found before any report is drawn.
async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let opts = Options {
        input: cli.input.clone(),
        group_by: cli.group_by.clone(),
        out_dir: cli.out.clone(),
        layout: cli.layout.clone(),
        fonts: cli.fonts.clone(),
        memory_limit: cli.memory_mb.saturating_mul(1 << 20),
    };
    let batch = tokio::task::spawn_blocking(move || Batch::prepare(&opts))
        .await
        .context("preparing the batch")??;
    let journal = match &cli.pool.journal {
        Some(path) => {
            Some(Arc::new(Journal::open(path).with_context(|| {
                format!("cannot open the journal {}", path.display())
            })?))
        }
        None => None,
    };
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let renderer = Arc::clone(&batch.renderer);
    let handler = blocking_fn(move |job: &Job, _cx: &pool::JobContext| {
        renderer.render(&job.0).map_err(|e| match e {
            report_jobs::ReportError::Io(_) => JobError::Transient(e),
            other => JobError::Permanent(other),
        })
    });
    let mut builder = cli.pool.configure(Pool::builder(handler), cores);
    if let Some(journal) = &journal {
        builder = builder.journal(Arc::clone(journal));
    }
    let (pool, outcomes) = builder.start();
    let groups = batch.jobs.len() as u64;
    let progress = Arc::new(Progress::start(
        "reporter",
        Some(groups),
        cli.pool.quiet,
        pool.snapshot_fn(),
    ));
    let done = CancellationToken::new();
    let (closer, canceller) = (pool.clone(), pool.clone());
    on_ctrl_c(
        done.clone(),
        move || closer.close(),
        move || canceller.cancel(),
    );

    let failures_path = cli
        .failures
        .clone()
        .unwrap_or_else(|| cli.out.join("failures.csv"));
    let mut sink = Sink::new(&failures_path, Arc::clone(&progress));
    let source = IterSource(
        batch
            .jobs
            .into_iter()
            .map(|j| Ok::<_, std::convert::Infallible>(Job(j))),
    );
    let result = pool::run(pool, outcomes, source, journal.clone(), &mut sink).await;
    done.cancel();
    drop(progress);
    if let Some(journal) = &journal {
        journal.sync().context("cannot sync the journal")?;
    }
    let (report, fatal) = match result {
        Ok(report) => (report, None),
        Err(RunError::Sink(e, report)) => (report, Some(format!("failures file: {e}"))),
        Err(RunError::Journal(e, report)) => (report, Some(format!("journal: {e}"))),
    };
    // Every group done (now or, with --journal, before): an old failures
    // file would only mislead.
    let complete =
        fatal.is_none() && !report.interrupted && report.succeeded + report.skipped == groups;
    let flushed = sink.failures.finish(complete);
    let failures = (sink.failures.count() > 0).then(|| sink.failures.path());
    let summary = Summary::new("reporter", &report, failures);
    summary.print(cli.pool.json, cli.pool.quiet);
    if !cli.pool.quiet && !cli.pool.json {
        let ok = report.succeeded.max(1);
        eprintln!(
            "  {} reports ({} pages, {} KB on average) written to {}; {} rows in {groups} groups{}",
            report.succeeded,
            sink.pages,
            sink.bytes / ok / 1024,
            cli.out.display(),
            batch.rows,
            if batch.spilled {
                " (grouped on disk)"
            } else {
                ""
            }
        );
        if sink.warnings > 0 {
            eprintln!(
                "  {} characters no font has (see the warnings above; add --font)",
                sink.warnings
            );
        }
    }
    if let Some(e) = fatal.or(flushed.err().map(|e| format!("failures file: {e}"))) {
        eprintln!("reporter: {e}");
        return Ok(ExitCode::from(1));
    }
    Ok(exit_code(&report))
}

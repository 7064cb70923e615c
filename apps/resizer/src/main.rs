//! `resizer`: resize a folder of images on the workpool.
//!
//! Flags become [`image_jobs::Settings`]; the input folder is walked lazily
//! into a bounded pool whose workers decode, resize and encode on tokio's
//! blocking threads (one job per core by default). The end of the run
//! prints the summary (`--json` for one JSON object), lists failures in
//! the failures file, and exits 0 (all done), 1 (some failed) or 2 (bad
//! usage, nothing done).

mod args;
mod malloc;
mod sink;

use std::io::BufReader;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use anyhow::Context as _;
use clap::Parser as _;
use image_jobs::{Context, Walker, process};
use pool::cli::{Progress, Summary, exit_code, on_ctrl_c};
use pool::{CancellationToken, IterSource, JobError, Journal, Pool, RunError, blocking_fn};

use crate::args::Cli;
use crate::sink::Sink;

fn main() -> ExitCode {
    malloc::tune();
    let cli = Cli::parse();
    pool::cli::init_logging(cli.pool.quiet);
    pool::cli::run_main("resizer", Some(1), run(cli))
}

/// Runs the command; an `Err` is a usage or configuration error (exit 2),
/// found before any image is touched.
async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let ctx = Context::prepare(&cli.input, &cli.output, cli.settings(), cli.force)?;
    let list = match &cli.only {
        Some(path) => Some((
            path,
            std::fs::File::open(path)
                .with_context(|| format!("cannot read the list {}", path.display()))?,
        )),
        None => None,
    };
    let journal = match &cli.pool.journal {
        Some(path) => {
            Some(Arc::new(Journal::open(path).with_context(|| {
                format!("cannot open the journal {}", path.display())
            })?))
        }
        None => None,
    };
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let worker_ctx = Arc::clone(&ctx);
    let handler = blocking_fn(move |job: &image_jobs::Job, _cx: &pool::JobContext| {
        process(&worker_ctx, job).map_err(|e| {
            if e.is_transient() {
                JobError::Transient(e)
            } else {
                JobError::Permanent(e)
            }
        })
    });
    let mut builder = cli.pool.configure(Pool::builder(handler), cores);
    if let Some(journal) = &journal {
        builder = builder.journal(Arc::clone(journal));
    }
    let (pool, outcomes) = builder.start();
    let progress = Arc::new(Progress::start(
        "resizer",
        None,
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

    let walker = match list {
        Some((path, file)) => {
            Walker::from_list(Arc::clone(&ctx), Box::new(BufReader::new(file)), path)
        }
        None => Walker::new(Arc::clone(&ctx)),
    };
    let ignored = walker.ignored();
    let mut sink = Sink::new(&cli.failures, Arc::clone(&progress));
    let result = pool::run(
        pool,
        outcomes,
        IterSource(walker),
        journal.clone(),
        &mut sink,
    )
    .await;
    done.cancel();
    drop(progress);
    let complete = result.as_ref().is_ok_and(|r| !r.interrupted);
    let flushed = sink.failures.finish(complete);
    if let Some(journal) = &journal {
        journal.sync().context("cannot sync the journal")?;
    }
    let (report, fatal) = match result {
        Ok(report) => (report, None),
        Err(RunError::Sink(e, report)) => (report, Some(format!("failures file: {e}"))),
        Err(RunError::Journal(e, report)) => (report, Some(format!("journal: {e}"))),
    };
    let failures = (sink.failures.count() > 0).then(|| sink.failures.path());
    let mut summary = Summary::new("resizer", &report, failures);
    summary.succeeded -= sink.up_to_date.min(summary.succeeded);
    summary.skipped += sink.up_to_date;
    summary.print(cli.pool.json, cli.pool.quiet);
    let ignored = ignored.load(Ordering::Relaxed);
    if !cli.pool.quiet && !cli.pool.json {
        eprintln!(
            "  {} written to {}; {} up to date (--force redoes them)",
            plural(sink.written, "image"),
            ctx.output_root.display(),
            sink.up_to_date
        );
        if ignored > 0 {
            eprintln!(
                "  {} ignored: not images by their extension",
                plural(ignored, "file")
            );
        }
    }
    if let Some(e) = fatal.or(flushed.err().map(|e| format!("failures file: {e}"))) {
        eprintln!("resizer: {e}");
        return Ok(ExitCode::from(1));
    }
    Ok(exit_code(&report))
}

/// `1 image`, `2 images`.
fn plural(n: u64, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

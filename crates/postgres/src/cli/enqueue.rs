//! `TOOL enqueue`: the tool's inputs into a run, one job per item.

use std::process::ExitCode;

use pool::Distributed;
use pool::cli::{App, FailuresFile, Format, RunArgs};
use serde::Serialize;

use super::{DbArgs, open, run_settings};
use crate::enqueue::{Enqueued, enqueue};
use crate::error::QueueError;

/// Flags of `enqueue`, beside the tool's inputs.
#[derive(Debug, Clone, clap::Args)]
pub struct EnqueueArgs {
    /// The database.
    #[command(flatten)]
    pub db: DbArgs,
    /// The run's name [default: the tool and a hash of its inputs, so that
    /// enqueueing the same inputs again finds the same run; new --retries,
    /// --timeout or --rate then change that run's settings]
    #[arg(long)]
    pub run: Option<String>,
    /// How each job is tried: stored with the run, followed by every worker.
    #[command(flatten)]
    pub settings: RunArgs,
    /// Print what was stored as one JSON object on stdout (instead of the
    /// run's name)
    #[arg(long)]
    pub json: bool,
    /// Nothing on stderr but errors
    #[arg(long, short)]
    pub quiet: bool,
}

/// What `enqueue --json` prints.
#[derive(Debug, Serialize)]
struct Report<'a> {
    tool: &'a str,
    run: Option<&'a str>,
    created: bool,
    added: u64,
    already: u64,
    skipped: u64,
    invalid: u64,
    settings_changed: bool,
    failures_file: Option<String>,
}

/// Builds app `A`'s tool from `inputs`, then [`enqueue_command`].
pub(super) async fn enqueue_app<A: App>(
    inputs: A::Inputs,
    args: EnqueueArgs,
) -> Result<ExitCode, String> {
    let staging = tempfile_dir()?;
    let tool = A::open(inputs, staging.path())
        .await
        .map_err(|e| format!("{e:#}"))?;
    enqueue_command(tool, &args)
        .await
        .map_err(|e| e.to_string())
}

/// A folder for what the tool fetches (an `s3://` folder), removed at the
/// end.
fn tempfile_dir() -> Result<tempfile::TempDir, String> {
    tempfile::Builder::new()
        .prefix("workpool-")
        .tempdir()
        .map_err(|e| format!("cannot make a temporary folder: {e}"))
}

/// `TOOL enqueue`: stores `tool`'s inputs as jobs of a run and prints the
/// run's name on stdout (or, with `--json`, what was stored). Items the
/// input cannot read are printed and written to the tool's failures file,
/// as in a single-machine run. An input with no job for a new run leaves no
/// run.
///
/// # Errors
///
/// A database error (nothing was stored) or a usage error.
pub async fn enqueue_command<T: Distributed>(
    mut tool: T,
    args: &EnqueueArgs,
) -> Result<ExitCode, QueueError> {
    let mut client = open(&args.db).await?;
    let format = match tool.failures_header() {
        Some(header) => Format::Csv { header },
        None => Format::Tsv,
    };
    let mut failures = FailuresFile::new(tool.failures_path(), format);
    let mut write_error = None;
    let name = tool.name();
    let enqueued = enqueue(
        &mut client,
        &mut tool,
        args.run.as_deref(),
        &run_settings(&args.settings),
        |tool, failure| {
            eprintln!("{name}: {}", tool.failure_line(failure));
            if let Err(e) = failures.row(&tool.failure_row(failure)) {
                write_error.get_or_insert(e);
            }
        },
    )
    .await?;
    if let Err(e) = failures.finish(enqueued.invalid == 0) {
        write_error.get_or_insert(e);
    }
    let failures_file = (enqueued.invalid > 0).then(|| failures.path().display().to_string());
    let written = failures_file
        .as_ref()
        .map_or_else(String::new, |f| format!(" (written to {f})"));
    if !enqueued.kept {
        eprintln!(
            "{name}: nothing to enqueue: the input holds no job ({} skipped, {} invalid{written}); no run was made",
            enqueued.skipped, enqueued.invalid
        );
    } else {
        if let Some(old) = &enqueued.changed_from {
            eprintln!(
                "{name}: run {}: settings changed from {} to {}",
                enqueued.run.name,
                old.describe(),
                enqueued.run.settings.describe()
            );
        }
        if !args.quiet {
            eprintln!(
                "{name}: run {}: {} jobs added, {} already in the run, {} skipped, {} invalid{written}",
                enqueued.run.name,
                enqueued.added,
                enqueued.already(),
                enqueued.skipped,
                enqueued.invalid,
            );
        }
    }
    print_result(name, &enqueued, args.json, failures_file);
    if let Some(e) = write_error {
        eprintln!("{name}: cannot write the failures file: {e}");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::from(u8::from(enqueued.invalid > 0)))
}

/// The run's name on stdout, or the JSON report.
fn print_result(name: &str, enqueued: &Enqueued, json: bool, failures_file: Option<String>) {
    if json {
        let report = Report {
            tool: name,
            run: enqueued.kept.then_some(enqueued.run.name.as_str()),
            created: enqueued.created,
            added: enqueued.added,
            already: enqueued.already(),
            skipped: enqueued.skipped,
            invalid: enqueued.invalid,
            settings_changed: enqueued.changed_from.is_some(),
            failures_file,
        };
        match serde_json::to_string(&report) {
            Ok(line) => println!("{line}"),
            Err(e) => eprintln!("{name}: cannot write the report as JSON: {e}"),
        }
    } else if enqueued.kept {
        println!("{}", enqueued.run.name);
    }
}

//! `mailer`: bulk-send personalised emails from a CSV file and a template.
//!
//! By default a dry run: every message is written as an `.eml` file to
//! `--outbox`. With `--send --smtp URL` the messages go to the SMTP server
//! over `--connections` reused connections. `--check` only checks the
//! template against the CSV and renders every row.
//!
//! Delivery is at least once: a row is recorded in the `--journal` only
//! after the server's 250 reply, so after `kill -9` a re-run may send again
//! the messages that were in flight at that instant (at most
//! `--connections`), and loses none.

mod args;
mod check;

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Parser as _;
use email_jobs::{Campaign, Delivery, FailureSink, FailuresFile, SmtpConfig, SmtpSender};
use pool::cli::{Progress, Summary, exit_code, on_ctrl_c};
use pool::{CancellationToken, IterSource, Journal, Pool, RunError};

use crate::args::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    pool::cli::init_logging(cli.pool.quiet);
    pool::cli::run_main("mailer", None, run(cli))
}

/// Runs the command; an `Err` is a usage or configuration error (exit 2),
/// found before anything is sent.
async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let campaign = Campaign::open(&cli.csv, &cli.template, &cli.options())?;
    if cli.check {
        return Ok(check::check(campaign, &cli));
    }
    let failures_path = cli.failures_path()?;
    let delivery = if cli.send {
        let url = cli.smtp.as_deref().context(
            "--send needs an SMTP server: give --smtp smtp://host:port or set MAILER_SMTP_URL",
        )?;
        let mut config = SmtpConfig::parse(url, cli.insecure, cli.password()?)?;
        if let Some(user) = &cli.user {
            let password = config.credentials.take().map(|c| c.1).unwrap_or_default();
            config.credentials = Some((user.clone(), password));
        }
        let sender = Arc::new(SmtpSender::new(config));
        sender.check().await?;
        Delivery::Smtp(sender)
    } else {
        if cli.smtp.is_some() && !cli.pool.quiet {
            eprintln!(
                "mailer: dry run (no --send): writing to {}",
                cli.outbox.display()
            );
        }
        Delivery::outbox(&cli.outbox)?
    };
    let journal = match &cli.pool.journal {
        Some(path) => {
            Some(Arc::new(Journal::open(path).with_context(|| {
                format!("cannot open the journal {}", path.display())
            })?))
        }
        None => None,
    };

    let mut builder = cli.pool.configure(
        Pool::builder(delivery.clone()),
        usize::from(cli.connections),
    );
    if let Some(journal) = &journal {
        builder = builder.journal(Arc::clone(journal));
    }
    let (pool, outcomes) = builder.start();
    let progress = Arc::new(Progress::start(
        "mailer",
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

    let printer = Arc::clone(&progress);
    let failures = FailuresFile::new(&failures_path, Arc::clone(campaign.columns()));
    let mut sink = FailureSink::new(failures, move |line: &str| {
        printer.println(&format!("mailer: {line}"))
    });
    let result = pool::run(
        pool,
        outcomes,
        IterSource(campaign),
        journal.clone(),
        &mut sink,
    )
    .await;
    done.cancel();
    drop(progress);
    if let Delivery::Smtp(sender) = &delivery {
        sender.close().await;
    }
    let flushed = sink.failures.flush();
    if let Some(journal) = &journal {
        journal.sync().context("cannot sync the journal")?;
    }
    let (report, fatal) = match result {
        Ok(report) => (report, None),
        Err(RunError::Sink(e, report)) => (report, Some(e)),
        Err(RunError::Journal(e, report)) => (report, Some(format!("journal: {e}"))),
    };
    let written = (sink.failures.written() > 0).then(|| sink.failures.path());
    Summary::new("mailer", &report, written).print(cli.pool.json, cli.pool.quiet);
    if let Some(e) = fatal.or(flushed.err()) {
        eprintln!("mailer: {e}");
        return Ok(ExitCode::from(1));
    }
    Ok(exit_code(&report))
}

//! `--check`: render every row, report the bad ones, send nothing.

use std::process::ExitCode;
use std::time::Instant;

use email_jobs::Campaign;
use pool::RunReport;
use pool::cli::{Summary, exit_code};

use crate::args::Cli;

/// Renders every row of `campaign`; prints each row error; returns 0 when
/// every row renders, 1 otherwise.
pub fn check(campaign: Campaign, cli: &Cli) -> ExitCode {
    let started = Instant::now();
    let mut report = RunReport::default();
    for item in campaign {
        report.total += 1;
        match item {
            Ok(_) => report.succeeded += 1,
            Err(e) => {
                report.failed += 1;
                report.invalid += 1;
                eprintln!("mailer: {e}");
            }
        }
    }
    report.accepted = report.succeeded;
    report.elapsed = started.elapsed();
    Summary::new("mailer", &report, None).print(cli.pool.json, cli.pool.quiet);
    exit_code(&report)
}

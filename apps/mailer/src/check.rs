//! `--check`: render every row, report the bad ones, send nothing.

use std::process::ExitCode;
use std::time::Instant;

use email_jobs::Campaign;
use pool::RunReport;
use pool::cli::{PoolArgs, Summary, exit_code};

/// Renders every row of `campaign`; prints each row error; returns 0 when
/// every row renders, 1 otherwise.
pub fn check(campaign: Campaign, args: &PoolArgs) -> ExitCode {
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
    let code = exit_code(&report);
    Summary::new("mailer", report, None).print(args.json, args.quiet);
    code
}

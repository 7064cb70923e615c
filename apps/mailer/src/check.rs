//! `--check`: render every row, report the bad ones, send nothing.

use std::process::ExitCode;
use std::time::Instant;

use email_jobs::Mailer;
use pool::RunReport;
use pool::cli::{PoolArgs, Summary, exit_code};

/// Renders every row of the mailer's campaign; prints each row error;
/// returns 0 when every row renders, 1 otherwise.
pub fn check(mailer: Mailer, args: &PoolArgs) -> ExitCode {
    let started = Instant::now();
    let mut report = RunReport::default();
    for item in mailer.into_campaign().into_iter().flatten() {
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

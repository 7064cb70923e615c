//! The end-of-run summary and the exit code.

use std::path::Path;
use std::process::ExitCode;

use serde::Serialize;

use crate::RunReport;

/// The summary printed at the end of every run; `--json` prints it as one
/// object on stdout with these keys.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// `mailer`, `resizer` or `reporter`.
    pub tool: String,
    /// Items read: jobs and invalid input items.
    pub total: u64,
    /// Items done.
    pub succeeded: u64,
    /// Items that failed (invalid input included), timed out, panicked or
    /// were cancelled.
    pub failed: u64,
    /// Of `failed`: invalid input items.
    pub invalid: u64,
    /// Of `failed`: timed out.
    pub timed_out: u64,
    /// Of `failed`: the handler panicked.
    pub panicked: u64,
    /// Of `failed`: cancelled.
    pub cancelled: u64,
    /// Items skipped: done by an earlier run (journal) or up to date.
    pub skipped: u64,
    /// Retries over all items.
    pub retried: u64,
    /// Whether the run stopped reading input early (Ctrl-C).
    pub interrupted: bool,
    /// Wall time in seconds.
    pub elapsed_s: f64,
    /// Items finished (succeeded or failed) per second.
    pub per_s: f64,
    /// Where the failed items were written, if any failed.
    pub failures_file: Option<String>,
}

impl Summary {
    /// The summary of `report` for `tool`, with the failures file if one
    /// was written.
    pub fn new(tool: &str, report: &RunReport, failures_file: Option<&Path>) -> Summary {
        let failed = report.not_succeeded();
        let elapsed_s = report.elapsed.as_secs_f64();
        let done = report.succeeded + failed;
        Summary {
            tool: tool.to_owned(),
            total: report.total,
            succeeded: report.succeeded,
            failed,
            invalid: report.invalid,
            timed_out: report.timed_out,
            panicked: report.panicked,
            cancelled: report.cancelled,
            skipped: report.skipped,
            retried: report.retried,
            interrupted: report.interrupted,
            elapsed_s: (elapsed_s * 1000.0).round() / 1000.0,
            per_s: if elapsed_s > 0.0 {
                ((done as f64 / elapsed_s) * 10.0).round() / 10.0
            } else {
                0.0
            },
            failures_file: failures_file
                .filter(|_| failed > 0)
                .map(|p| p.display().to_string()),
        }
    }

    /// Prints the summary: one JSON line on stdout with `json`, else a few
    /// lines of text on stderr (unless `quiet`).
    pub fn print(&self, json: bool, quiet: bool) {
        if json {
            match serde_json::to_string(self) {
                Ok(line) => println!("{line}"),
                Err(e) => eprintln!("{}: cannot encode the summary: {e}", self.tool),
            }
            return;
        }
        if quiet {
            return;
        }
        eprintln!(
            "{}: {} items: {} succeeded, {} failed, {} skipped, {} retries in {:.2}s ({:.1}/s)",
            self.tool,
            self.total,
            self.succeeded,
            self.failed,
            self.skipped,
            self.retried,
            self.elapsed_s,
            self.per_s
        );
        if self.failed > 0 {
            eprintln!(
                "  failed: {} invalid input, {} timed out, {} panicked, {} cancelled, {} other errors",
                self.invalid,
                self.timed_out,
                self.panicked,
                self.cancelled,
                self.failed - self.invalid - self.timed_out - self.panicked - self.cancelled
            );
        }
        if let Some(file) = &self.failures_file {
            eprintln!("  failures written to {file}");
        }
        if self.interrupted {
            eprintln!(
                "  interrupted: the rest of the input was not read; run again with the same --journal to resume"
            );
        }
    }
}

/// The exit status for a finished run: 0 when every item succeeded (or was
/// skipped), 1 otherwise. (2, bad usage, is returned before any work.)
pub fn exit_code(report: &RunReport) -> ExitCode {
    if report.all_succeeded() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn json_has_the_design_keys_and_counts_add_up() {
        let report = RunReport {
            total: 1000,
            accepted: 995,
            succeeded: 990,
            failed: 5,
            invalid: 5,
            timed_out: 2,
            panicked: 1,
            cancelled: 2,
            skipped: 0,
            retried: 12,
            interrupted: false,
            elapsed: Duration::from_millis(500),
        };
        let summary = Summary::new("mailer", &report, Some(Path::new("failures.csv")));
        let json: serde_json::Value =
            serde_json::from_str(&serde_json::to_string(&summary).expect("serialises"))
                .expect("parses");
        for key in [
            "tool",
            "total",
            "succeeded",
            "failed",
            "skipped",
            "retried",
            "elapsed_s",
            "per_s",
            "failures_file",
        ] {
            assert!(json.get(key).is_some(), "missing key {key}");
        }
        assert_eq!(json["tool"], "mailer");
        assert_eq!(
            json["failed"], 10,
            "failed counts every item that did not succeed"
        );
        assert_eq!(json["failures_file"], "failures.csv");
        assert_eq!(json["per_s"], 2000.0);
        assert_eq!(exit_code(&report), ExitCode::from(1));
    }

    #[test]
    fn no_failures_file_when_nothing_failed_and_exit_zero() {
        let report = RunReport {
            total: 3,
            accepted: 2,
            succeeded: 2,
            skipped: 1,
            elapsed: Duration::from_secs(1),
            ..RunReport::default()
        };
        let summary = Summary::new("resizer", &report, Some(Path::new("failures.csv")));
        assert_eq!(summary.failures_file, None);
        assert_eq!(exit_code(&report), ExitCode::SUCCESS);
        let interrupted = RunReport {
            interrupted: true,
            ..report
        };
        assert_eq!(
            exit_code(&interrupted),
            ExitCode::from(1),
            "an interrupted run did not do everything"
        );
    }
}

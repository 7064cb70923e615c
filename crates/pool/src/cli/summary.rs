//! The end-of-run summary and the exit code.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use serde::Serialize;

use crate::RunReport;

/// The summary printed at the end of every run: the run's [`RunReport`]
/// (the same counters, with the same meanings), the tool's name, the rate,
/// the failures file and what the tool adds. `--json` prints it as one
/// object on stdout: `tool`, every [`RunReport`] field (`elapsed_s` in
/// seconds), `per_s`, `failures_file` and the tool's own counts.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// `mailer`, `resizer` or `reporter`.
    pub tool: String,
    /// What the run counted.
    #[serde(flatten)]
    pub report: RunReport,
    /// Items finished (succeeded or failed) per second.
    pub per_s: f64,
    /// Where the failed items were written, if any failed.
    pub failures_file: Option<String>,
    /// The tool's own counts (pages written, outputs up to date, ...).
    #[serde(flatten)]
    pub counts: BTreeMap<&'static str, u64>,
    /// The tool's own lists (the mailer's suppressed addresses).
    #[serde(flatten)]
    pub lists: BTreeMap<&'static str, Vec<String>>,
    /// The signal that stopped the run (`Ctrl-C`, `SIGTERM`), if one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interrupted_by: Option<&'static str>,
    /// Items left undone by an interrupted run: those not started, and the
    /// input not read when its size is known. `None` when the run was not
    /// interrupted or the rest of the input is of unknown size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub left: Option<u64>,
    /// Whether intake stopped before the input's end.
    #[serde(skip)]
    input_unread: bool,
    /// The tool's own lines for the text summary.
    #[serde(skip)]
    pub lines: Vec<String>,
}

impl Summary {
    /// The summary of `report` for `tool`, with the failures file if rows
    /// were written to it.
    pub fn new(tool: &str, report: RunReport, failures_file: Option<&Path>) -> Summary {
        Summary {
            input_unread: report.interrupted,
            tool: tool.to_owned(),
            per_s: (report.per_s() * 10.0).round() / 10.0,
            failures_file: failures_file.map(|p| p.display().to_string()),
            report,
            counts: BTreeMap::new(),
            lists: BTreeMap::new(),
            interrupted_by: None,
            left: None,
            lines: Vec::new(),
        }
    }

    /// Marks the run interrupted by `signal` (when one came), and counts
    /// what it [left](Self::left) from an input of `total` items (when
    /// known).
    pub fn interrupted(&mut self, signal: Option<&'static str>, total: Option<u64>) {
        self.input_unread = self.report.interrupted;
        if signal.is_some() {
            self.report.interrupted = true;
            self.interrupted_by = signal;
        }
        let r = &self.report;
        if r.interrupted {
            self.left = total.map(|total| r.cancelled + total.saturating_sub(r.total));
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
        eprintln!("{}", self.text());
    }

    /// The text summary, a few lines.
    pub fn text(&self) -> String {
        let r = &self.report;
        let mut text = format!(
            "{}: {} items: {} succeeded, {} failed, {} skipped, {} retries in {:.2}s ({:.1}/s)",
            self.tool,
            r.total,
            r.succeeded,
            r.failed,
            r.skipped,
            r.retried,
            r.elapsed.as_secs_f64(),
            self.per_s
        );
        if r.failed > 0 {
            let parts = [
                (r.errors, "errors"),
                (r.invalid, "invalid input"),
                (r.timed_out, "timed out"),
                (r.panicked, "panicked"),
                (r.cancelled, "cancelled"),
            ];
            let parts: Vec<String> = parts
                .iter()
                .filter(|(n, _)| *n > 0)
                .map(|(n, what)| format!("{n} {what}"))
                .collect();
            text.push_str(&format!("\n  failed: {}", parts.join(", ")));
        }
        if let Some(file) = &self.failures_file {
            text.push_str(&format!("\n  failures written to {file}"));
        }
        for line in &self.lines {
            text.push_str(&format!("\n  {line}"));
        }
        if r.interrupted {
            let by = self
                .interrupted_by
                .map_or_else(String::new, |signal| format!(" by {signal}"));
            let left = match self.left {
                Some(left) => format!("{left} items left undone"),
                None if self.input_unread => format!(
                    "{} items not started and the rest of the input not read",
                    r.cancelled
                ),
                None => format!("{} items not started", r.cancelled),
            };
            text.push_str(&format!(
                "\n  interrupted{by}: {left}; run the same command again (with the same --journal) to do them"
            ));
        }
        text
    }
}

/// The exit status for a finished run: 0 when every item succeeded (or was
/// skipped) and the input was read to its end, 1 otherwise. (2, bad usage,
/// is returned before any work.)
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

    fn report() -> RunReport {
        RunReport {
            total: 1000,
            accepted: 995,
            succeeded: 990,
            failed: 10,
            errors: 0,
            invalid: 5,
            timed_out: 2,
            panicked: 1,
            cancelled: 2,
            skipped: 0,
            retried: 12,
            interrupted: false,
            elapsed: Duration::from_millis(500),
        }
    }

    #[test]
    fn json_has_the_design_keys_and_the_tool_counts() {
        let mut summary = Summary::new("mailer", report(), Some(Path::new("failures.csv")));
        summary.counts.insert("pages", 7);
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
        assert_eq!(json["failed"], 10);
        assert_eq!(json["elapsed_s"], 0.5);
        assert_eq!(json["failures_file"], "failures.csv");
        assert_eq!(json["per_s"], 2000.0);
        assert_eq!(json["pages"], 7);
        assert_eq!(exit_code(&summary.report), ExitCode::from(1));
    }

    #[test]
    fn the_text_breaks_failed_down_and_adds_the_tool_lines() {
        let mut summary = Summary::new("reporter", report(), None);
        summary.lines.push("3 reports written".to_owned());
        let text = summary.text();
        assert!(
            text.contains("failed: 5 invalid input, 2 timed out, 1 panicked, 2 cancelled"),
            "{text}"
        );
        assert!(text.ends_with("\n  3 reports written"), "{text}");
    }

    #[test]
    fn exit_zero_only_for_a_complete_run_without_failures() {
        let clean = RunReport {
            total: 3,
            accepted: 2,
            succeeded: 2,
            skipped: 1,
            elapsed: Duration::from_secs(1),
            ..RunReport::default()
        };
        assert_eq!(exit_code(&clean), ExitCode::SUCCESS);
        let interrupted = RunReport {
            interrupted: true,
            ..clean
        };
        assert_eq!(
            exit_code(&interrupted),
            ExitCode::from(1),
            "an interrupted run did not do everything"
        );
    }
}

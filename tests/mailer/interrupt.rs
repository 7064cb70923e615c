//! Ctrl-C during the skip phase of a resumed run: the run that used to
//! hang for good ("interrupted: finishing the jobs in progress", then
//! nothing) must end within seconds, keep the journal whole, and leave a
//! journal that a third run skips entirely.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{Case, TEMPLATE, emails, stderr, stdout};

const ROWS: usize = 100_000;

/// The offset the process `pid` has reached in its open file `path`
/// (`/proc/PID/fdinfo`), if it has it open.
fn read_offset(pid: u32, path: &Path) -> Option<u64> {
    let path = path.canonicalize().ok()?;
    for fd in std::fs::read_dir(format!("/proc/{pid}/fd")).ok()? {
        let fd = fd.ok()?;
        if std::fs::read_link(fd.path()).ok().as_deref() != Some(path.as_path()) {
            continue;
        }
        let info = std::fs::read_to_string(format!(
            "/proc/{pid}/fdinfo/{}",
            fd.file_name().to_string_lossy()
        ))
        .ok()?;
        return info
            .lines()
            .find_map(|l| l.strip_prefix("pos:"))
            .and_then(|n| n.trim().parse().ok());
    }
    None
}

fn journal_keys(path: &Path) -> usize {
    std::fs::read_to_string(path).unwrap().lines().count()
}

#[test]
fn sigint_while_a_resumed_run_skips_ends_it_and_keeps_the_journal() {
    let case = Case::new();
    let csv = case.csv(&emails(ROWS, "user"));
    case.write("template.txt", TEMPLATE);
    let args = [
        "rows.csv",
        "template.txt",
        "--journal",
        "sent.journal",
        "--outbox",
        "outbox",
        "--json",
    ];

    // Run 1 completes: every row is in the journal.
    let out = case.mailer(&args).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(journal_keys(&case.path("sent.journal")), ROWS);

    // Run 2 skips every row; Ctrl-C lands while it is reading the CSV:
    // past the first twentieth (opening it reads the header, before the
    // Ctrl-C handler is installed) and before the half.
    let size = std::fs::metadata(&csv).unwrap().len();
    let mut child = case
        .mailer(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if read_offset(child.id(), &csv).is_some_and(|pos| pos > size / 20 && pos < size / 2) {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "run 2 ended before it could be interrupted"
        );
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "run 2 never started reading its CSV"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    let interrupted_at = Instant::now();
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    // Wait for the exit, at most a few seconds; kill it if it hangs.
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if interrupted_at.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("run 2 still running 10 s after Ctrl-C: the skip phase hangs");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        status.code(),
        Some(1),
        "an interrupted run exits 1: {}",
        stderr(&out)
    );
    let summary: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(summary["interrupted"], true, "{summary}");
    assert_eq!(summary["succeeded"], 0, "{summary}");
    let skipped = summary["skipped"].as_u64().unwrap();
    assert!(skipped > 0 && skipped < ROWS as u64, "{summary}");
    assert_eq!(summary["total"], summary["skipped"], "{summary}");
    assert_eq!(
        journal_keys(&case.path("sent.journal")),
        ROWS,
        "the journal lost keys"
    );

    // Run 3 finds everything done.
    let out = case.mailer(&args).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let summary: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(summary["skipped"], ROWS as u64, "{summary}");
    assert_eq!(summary["succeeded"], 0, "{summary}");
}

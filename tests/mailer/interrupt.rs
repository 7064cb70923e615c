//! Ctrl-C and SIGTERM stop a send now, not after the queue drains: the
//! first starts nothing new (the messages being sent finish, the queued
//! ones are left for a re-run, unjournaled), the summary says so and the
//! run exits 1; a re-run with the same journal sends the rest, each row
//! once. And a Ctrl-C while a resumed run skips what it sent before ends it
//! within seconds with the journal whole.

use std::io::Write as _;
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use workpool_tests::{Signal, make_fifo, send_signal};

use super::smtp_server::SmtpServer;
use super::{Case, TEMPLATE, each_row_once, emails, stderr, stdout};

fn journal_keys(case: &Case, name: &str) -> usize {
    std::fs::read_to_string(case.path(name))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .count()
}

/// Waits for `child` to exit, at most `limit`; kills it and fails if it
/// does not.
fn wait_at_most(mut child: Child, limit: Duration, what: &str) -> Output {
    let since = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if since.elapsed() > limit {
            let _ = child.kill();
            panic!("{what}: still running {limit:?} after the signal");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child.wait_with_output().unwrap()
}

/// 40 rows at 5 messages a second with the default queue (1,024): one
/// signal once 3 messages went out. Nothing that was not being sent at
/// that instant goes out after it (at most one per connection), the run
/// exits 1 saying it was interrupted and how many were left, the journal
/// holds exactly what was sent, and a re-run sends the rest: every row
/// once.
fn a_signal_stops_a_rate_limited_send(signal: Signal, name: &str) {
    const ROWS: usize = 40;
    const CONNECTIONS: usize = 2;
    let server = SmtpServer::start(Duration::ZERO);
    let case = Case::new();
    case.csv(&emails(ROWS, "user"));
    case.write("template.txt", TEMPLATE);
    let url = server.url();
    let connections = CONNECTIONS.to_string();
    let args = [
        "rows.csv",
        "template.txt",
        "--send",
        "--smtp",
        &url,
        "--rate",
        "5/s",
        "--connections",
        &connections,
        "--journal",
        "sent.journal",
        "--json",
    ];
    let child = case
        .mailer(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while server.count() < 3 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the first messages never arrived"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    send_signal(child.id(), signal);
    let signalled = Instant::now();
    let at_signal = server.count();
    let out = wait_at_most(child, Duration::from_secs(10), name);
    let after = server
        .messages()
        .iter()
        .filter(|m| m.at > signalled)
        .count();
    assert!(
        after <= CONNECTIONS,
        "{after} messages arrived after {name} (at most the {CONNECTIONS} being sent may)"
    );
    let sent = server.count();
    assert!(
        sent < ROWS,
        "{name} did not stop the send: {sent} of {ROWS} went out"
    );
    assert_eq!(out.status.code(), Some(1), "{name}: {}", stderr(&out));
    let summary: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(summary["interrupted"], true, "{summary}");
    assert_eq!(summary["interrupted_by"], name, "{summary}");
    assert_eq!(
        summary["succeeded"].as_u64(),
        Some(sent as u64),
        "{summary}"
    );
    assert!(summary["cancelled"].as_u64().unwrap() > 0, "{summary}");
    assert_eq!(
        summary["succeeded"].as_u64().unwrap() + summary["cancelled"].as_u64().unwrap(),
        summary["total"].as_u64().unwrap(),
        "every row read was sent or left: {summary}"
    );
    assert_eq!(
        journal_keys(&case, "sent.journal"),
        sent,
        "the journal holds what was sent, and only that (at the signal: {at_signal})"
    );

    // The re-run sends the rest; nobody gets two.
    let out = case.mailer(&args).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let summary: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(summary["skipped"].as_u64(), Some(sent as u64), "{summary}");
    each_row_once(&server, ROWS);
}

#[test]
fn ctrl_c_stops_a_rate_limited_send_now() {
    a_signal_stops_a_rate_limited_send(Signal::INT, "Ctrl-C");
}

#[test]
fn sigterm_stops_a_rate_limited_send_as_ctrl_c_does() {
    a_signal_stops_a_rate_limited_send(Signal::TERM, "SIGTERM");
}

/// A second Ctrl-C cancels the messages being sent: with a server that
/// takes 30 s to answer each message, the run ends at once, sends nothing
/// more, and journals nothing (their fate is unknown: a re-run sends them).
#[test]
fn a_second_ctrl_c_cancels_the_sends_in_flight() {
    let server = SmtpServer::start(Duration::from_secs(30));
    let case = Case::new();
    case.csv(&emails(10, "slow"));
    case.write("template.txt", TEMPLATE);
    let url = server.url();
    let args = [
        "rows.csv",
        "template.txt",
        "--send",
        "--smtp",
        &url,
        "--connections",
        "2",
        "--journal",
        "sent.journal",
        "--json",
    ];
    let child = case
        .mailer(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    // Both connections are waiting for the server's reply to a message.
    while server.count() < 2 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no message arrived"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    send_signal(child.id(), Signal::INT);
    std::thread::sleep(Duration::from_millis(300));
    send_signal(child.id(), Signal::INT);
    let out = wait_at_most(child, Duration::from_secs(10), "the second Ctrl-C");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let summary: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(summary["interrupted"], true, "{summary}");
    assert_eq!(summary["succeeded"], 0, "{summary}");
    assert_eq!(summary["cancelled"], 10, "{summary}");
    assert_eq!(server.count(), 2, "nothing more was sent");
    assert_eq!(journal_keys(&case, "sent.journal"), 0);
}

/// Ctrl-C while a resumed run skips the rows an earlier run sent: the run
/// used to hang for good; it must end within seconds, keep the journal
/// whole, and leave a journal that a third run skips entirely. The second
/// run reads its CSV from a named pipe the test writes, so the signal lands
/// exactly while it skips: after the test has written half the rows.
#[test]
fn sigint_while_a_resumed_run_skips_ends_it_and_keeps_the_journal() {
    const ROWS: usize = 100_000;
    let case = Case::new();
    let csv = case.csv(&emails(ROWS, "user"));
    case.write("template.txt", TEMPLATE);
    let args = |input: &str| {
        [
            input.to_owned(),
            "template.txt".into(),
            "--journal".into(),
            "sent.journal".into(),
            "--outbox".into(),
            "outbox".into(),
            "--json".into(),
        ]
    };

    // Run 1 completes: every row is in the journal.
    let out = case
        .mailer(&args("rows.csv").each_ref().map(String::as_str))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(journal_keys(&case, "sent.journal"), ROWS);

    // Run 2 reads the same rows from a pipe.
    let rows = std::fs::read(&csv).unwrap();
    let pipe = case.path("rows.pipe");
    make_fifo(&pipe);
    let child = case
        .mailer(&args("rows.pipe").each_ref().map(String::as_str))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (half_tx, half_rx) = std::sync::mpsc::channel();
    let writer = std::thread::spawn(move || {
        let mut fifo = std::fs::OpenOptions::new().write(true).open(&pipe).unwrap();
        let half = rows.len() / 2;
        let half = half + rows[half..].iter().position(|&b| b == b'\n').unwrap() + 1;
        fifo.write_all(&rows[..half]).unwrap();
        half_tx.send(()).unwrap();
        // The rest, until the reader stops reading (a broken pipe).
        let _ = fifo.write_all(&rows[half..]);
    });
    half_rx
        .recv_timeout(Duration::from_secs(60))
        .expect("run 2 never read half its rows");
    send_signal(child.id(), Signal::INT);
    let out = wait_at_most(child, Duration::from_secs(10), "Ctrl-C while skipping");
    writer.join().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "an interrupted run exits 1: {}",
        stderr(&out)
    );
    let summary: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(summary["interrupted"], true, "{summary}");
    assert_eq!(summary["succeeded"], 0, "{summary}");
    let skipped = summary["skipped"].as_u64().unwrap();
    assert!(
        skipped >= ROWS as u64 / 3 && skipped < ROWS as u64,
        "{summary}"
    );
    assert_eq!(summary["total"], summary["skipped"], "{summary}");
    assert_eq!(
        journal_keys(&case, "sent.journal"),
        ROWS,
        "the journal lost keys"
    );

    // Run 3 finds everything done.
    let out = case
        .mailer(&args("rows.csv").each_ref().map(String::as_str))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let summary: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(summary["skipped"], ROWS as u64, "{summary}");
    assert_eq!(summary["succeeded"], 0, "{summary}");
}

/// `--max-failures` counts bad rows as the summary does: 3,000 rows, every
/// other one with an invalid address, stop after 5 failures. The run stops
/// reading within a few rows of the fifth bad one, sends nothing after it,
/// exits 1 and says why.
#[test]
fn max_failures_counts_bad_rows() {
    let case = Case::new();
    let rows: Vec<String> = (0..3000)
        .map(|i| {
            if i % 2 == 1 {
                format!("not-an-address-{i}")
            } else {
                format!("good{i}@example.com")
            }
        })
        .collect();
    case.csv(&rows);
    case.write("template.txt", TEMPLATE);
    let out = case
        .mailer(&[
            "rows.csv",
            "template.txt",
            "--outbox",
            "outbox",
            "--max-failures",
            "5",
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let summary: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(summary["interrupted"], true, "{summary}");
    assert!(summary["invalid"].as_u64().unwrap() >= 5, "{summary}");
    let total = summary["total"].as_u64().unwrap();
    assert!(
        total < 100,
        "the run read {total} of 3,000 rows after its fifth bad one: {summary}"
    );
    let written = std::fs::read_dir(case.path("outbox")).unwrap().count() as u64;
    assert_eq!(
        Some(written),
        summary["succeeded"].as_u64(),
        "what was written is what the summary counts"
    );
}

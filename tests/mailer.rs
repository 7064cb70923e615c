//! End-to-end tests of `mailer`: the built binary, real files, and a real
//! SMTP server over TCP (tests/mailer/smtp_server.rs).
#![allow(clippy::unwrap_used)]

#[path = "mailer/control.rs"]
mod control;
#[path = "mailer/crlf.rs"]
mod crlf;
#[path = "mailer/distributed.rs"]
mod distributed;
#[path = "mailer/dkim.rs"]
mod dkim;
#[path = "mailer/errors.rs"]
mod errors;
#[path = "mailer/headers.rs"]
mod headers;
#[path = "mailer/interrupt.rs"]
mod interrupt;
#[path = "mailer/journal.rs"]
mod journal;
#[path = "mailer/scale.rs"]
mod scale;
#[path = "mailer/smtp_server.rs"]
mod smtp_server;
#[path = "mailer/starttls.rs"]
mod starttls;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use smtp_server::SmtpServer;
use workpool_tests::{command, samples_dir, temp_dir};

const TEMPLATE: &str = "From: Shop <shop@example.com>\n\
To: {{ name }} <{{ email }}>\n\
Subject: Order {{ order }} for {{ name }}\n\
\n\
Hello {{ name }}, your order {{ order }} is ready.\n";

struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new() -> Case {
        Case { dir: temp_dir() }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, content: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, content).unwrap();
        path
    }

    /// A CSV of `emails`, with names and order numbers derived from the row.
    fn csv(&self, emails: &[String]) -> PathBuf {
        let mut text = String::from("email,name,order\n");
        for (i, email) in emails.iter().enumerate() {
            writeln!(text, "{email},Person {i},{}", 1000 + i).unwrap();
        }
        self.write("rows.csv", &text)
    }

    /// The mailer, run in the case's folder, with none of the tool's own
    /// environment variables of the caller's shell (`MAILER_SMTP_URL`,
    /// `MAILER_SUPPRESS`, ...), which would change what the test sees.
    fn mailer(&self, args: &[&str]) -> std::process::Command {
        let mut cmd = command("mailer");
        cmd.current_dir(self.dir.path()).args(args);
        for (name, _) in std::env::vars_os() {
            let name_text = name.to_string_lossy();
            if name_text.starts_with("MAILER_") || name_text.starts_with("WORKPOOL_") {
                cmd.env_remove(&name);
            }
        }
        cmd
    }

    fn send(&self, server: &SmtpServer, extra: &[&str]) -> Output {
        let url = server.url();
        let mut args = vec![
            "rows.csv",
            "template.txt",
            "--send",
            "--smtp",
            &url,
            "--json",
        ];
        args.extend_from_slice(extra);
        self.mailer(&args).output().unwrap()
    }
}

fn emails(n: usize, prefix: &str) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i}@example.com")).collect()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The `--json` summary a run printed on stdout.
fn json(out: &Output) -> serde_json::Value {
    serde_json::from_str(stdout(out).trim())
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(out), stderr(out)))
}

/// How many messages each recipient received.
fn per_recipient(server: &SmtpServer) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for m in server.messages() {
        for to in m.to {
            *counts.entry(to).or_insert(0) += 1;
        }
    }
    counts
}

/// Asserts that `server` got each of the `rows` recipients exactly once,
/// naming a few that came twice.
fn each_row_once(server: &SmtpServer, rows: usize) {
    let counts = per_recipient(server);
    assert_eq!(counts.len(), rows, "every row was sent");
    let twice: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).take(5).collect();
    assert!(twice.is_empty(), "rows sent more than once: {twice:?}");
}

#[test]
fn dry_run_on_the_samples_writes_one_eml_per_row() {
    let case = Case::new();
    let samples = samples_dir().join("mailer");
    let out = case
        .mailer(&[
            samples.join("customers.csv").to_str().unwrap(),
            samples.join("template.txt").to_str().unwrap(),
            "--outbox",
            "out",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let files: Vec<_> = std::fs::read_dir(case.path("out"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 20);
    let ada =
        std::fs::read_to_string(case.path("out/000002-ada.lovelace@example.com.eml")).unwrap();
    assert!(
        ada.contains("To: \"Ada Lovelace\" <ada.lovelace@example.com>\r\n"),
        "{ada}"
    );
    assert!(
        ada.contains("Subject: Your order 1001 has shipped\r\n"),
        "{ada}"
    );
    assert!(
        ada.contains("Hello Ada,") && ada.contains("<p>Hello Ada,</p>"),
        "{ada}"
    );
    let with_invoice = files
        .iter()
        .filter(|f| {
            std::fs::read_to_string(f)
                .unwrap()
                .contains("filename=\"invoice.txt\"")
        })
        .count();
    assert_eq!(with_invoice, 4);
    let summary = json(&out);
    assert_eq!(summary["succeeded"], 20, "{summary}");
    assert_eq!(summary["total"], 20, "{summary}");
}

#[test]
fn n_rows_become_n_distinct_messages_with_their_content() {
    let server = SmtpServer::start(Duration::ZERO);
    let case = Case::new();
    let rows = emails(60, "user");
    case.csv(&rows);
    case.write(
        "template.txt",
        "From: Shop <shop@example.com>\nTo: {{ name }} <{{ email }}>\nBcc: audit@example.com\nSubject: Order {{ order }} for {{ name }}\n\nHello {{ name }}, your order {{ order }} is ready.\n",
    );
    let out = case.send(&server, &["--connections", "4"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(json(&out)["succeeded"], 60);
    let messages = server.messages();
    assert_eq!(messages.len(), 60);
    let mut seen = std::collections::HashSet::new();
    for m in &messages {
        assert_eq!(m.from, "shop@example.com");
        assert_eq!(m.to.len(), 2, "{:?}", m.to);
        assert_eq!(m.to[1], "audit@example.com");
        let i: usize = m.to[0]
            .trim_start_matches("user")
            .trim_end_matches("@example.com")
            .parse()
            .unwrap();
        assert!(seen.insert(i), "user{i} received twice");
        assert!(
            m.data
                .contains(&format!("Subject: Order {} for Person {i}\r\n", 1000 + i)),
            "{}",
            m.data
        );
        assert!(
            m.data
                .contains(&format!("To: \"Person {i}\" <user{i}@example.com>\r\n")),
            "{}",
            m.data
        );
        assert!(
            m.data.contains(&format!(
                "Hello Person {i}, your order {} is ready.",
                1000 + i
            )),
            "{}",
            m.data
        );
        assert!(
            !m.data.contains("audit@example.com"),
            "Bcc must not show in the message"
        );
    }
    assert!(
        server.connections() <= 5,
        "{} connections for 4 workers (and the check)",
        server.connections()
    );
}

/// With PIPELINING offered, MAIL, RCPT and DATA go together; without it
/// (or when the server will not say it twice), one at a time; every row is
/// delivered once either way.
#[test]
fn commands_are_pipelined_only_when_the_server_offers_it() {
    for (offered, one_ehlo) in [(true, false), (false, false), (true, true)] {
        let server = SmtpServer::start(Duration::ZERO);
        if !offered {
            server.no_pipelining();
        }
        // The mailer asks a second time (lettre keeps none of the first
        // reply): refused, it sends one command at a time.
        if one_ehlo {
            server.one_ehlo();
        }
        let offered = offered && !one_ehlo;
        let case = Case::new();
        let rows = emails(30, "user");
        case.csv(&rows);
        case.write("template.txt", TEMPLATE);
        let out = case.send(&server, &["--connections", "3"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let counts = per_recipient(&server);
        assert_eq!(counts.len(), 30);
        assert!(counts.values().all(|&n| n == 1), "{counts:?}");
        let body = server.messages()[0].data.clone();
        assert!(body.contains("Hello Person"), "{body}");
        assert_eq!(
            server.pipelined(),
            if offered { 30 } else { 0 },
            "offered: {offered}"
        );
    }
}

#[test]
fn transient_450_is_retried_and_delivered() {
    let server = SmtpServer::start(Duration::ZERO);
    let case = Case::new();
    let mut rows = emails(20, "ok");
    rows.extend(emails(5, "tempfail"));
    case.csv(&rows);
    case.write("template.txt", TEMPLATE);
    let out = case.send(&server, &["--retries", "3"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let counts = per_recipient(&server);
    for r in &rows {
        assert_eq!(counts.get(r), Some(&1), "{r}");
    }
    for i in 0..5 {
        let address = format!("tempfail{i}@example.com");
        assert_eq!(server.rcpt_attempts(&address), 2, "{address}");
    }
    assert_eq!(json(&out)["retried"], 5);
}

/// `RUST_LOG=debug` shows what an operator looks for: each connection
/// opened and reused, each retry with its reason, each suppressed row and
/// why, the journal's and the failures file's writes.
#[test]
fn debug_logs_show_connections_retries_suppressions_and_writes() {
    let server = SmtpServer::start(Duration::ZERO);
    let case = Case::new();
    let rows: Vec<String> = [
        "ok0@example.com",
        "tempfail0@example.com",
        "gone@example.com",
        "reject0@example.com",
    ]
    .map(String::from)
    .to_vec();
    case.csv(&rows);
    case.write("template.txt", TEMPLATE);
    case.write("suppress.txt", "Gone@Example.com\n");
    let url = server.url();
    let out = case
        .mailer(&[
            "rows.csv",
            "template.txt",
            "--send",
            "--smtp",
            &url,
            "--connections",
            "1",
            "--retries",
            "2",
            "--suppress",
            "suppress.txt",
            "--journal",
            "sent.journal",
            "--failures",
            "failed.csv",
        ])
        .env("RUST_LOG", "debug")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(server.count(), 2);
    let err = stderr(&out);
    let port = server.port;
    for line in [
        format!("SMTP connection opened to 127.0.0.1:{port} (no TLS, pipelining)"),
        format!("SMTP connection to 127.0.0.1:{port} reused (message 2 on it)"),
        "line 3 (tempfail0@example.com): attempt 1 failed: the server replied 450 4.2.0 mailbox busy, try later (tried again if --retries allows)".into(),
        "line 3 (tempfail0@example.com): attempt 2".into(),
        "line 4 not sent: gone@example.com is on the suppression list (--suppress) as gone@example.com".into(),
        "line 5 (reject0@example.com): attempt 1 failed: the server replied 550 5.1.1 no such user (not tried again: the same would happen)".into(),
        "line 5: written to the failures file failed.csv".into(),
        "journal sent.journal: recorded ".into(),
        format!("SMTP connection to 127.0.0.1:{port} closed after a failed message"),
    ] {
        assert!(err.contains(&line), "{line:?} not in\n{err}");
    }
    // Without RUST_LOG, none of it.
    let out = case.send(&server, &["--journal", "sent.journal", "--quiet"]);
    assert!(!stderr(&out).contains("DEBUG"), "{}", stderr(&out));
}

#[test]
fn a_421_and_a_dropped_connection_reconnect_and_deliver_each_once() {
    let server = SmtpServer::start(Duration::ZERO);
    let case = Case::new();
    let mut rows = emails(30, "ok");
    for (i, r) in emails(4, "drop").into_iter().enumerate() {
        rows.insert(i * 7 + 3, r);
    }
    case.csv(&rows);
    case.write("template.txt", TEMPLATE);
    let out = case.send(&server, &["--connections", "2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let counts = per_recipient(&server);
    assert_eq!(counts.len(), rows.len());
    assert!(counts.values().all(|&n| n == 1), "{counts:?}");
    assert!(server.connections() >= 5, "every 421 costs a connection");
}

#[test]
fn a_550_goes_to_the_failures_file_and_is_not_retried() {
    let server = SmtpServer::start(Duration::ZERO);
    let case = Case::new();
    let mut rows = emails(10, "ok");
    rows.insert(4, "reject-me@example.com".into());
    case.csv(&rows);
    case.write("template.txt", TEMPLATE);
    let out = case.send(&server, &["--retries", "3", "--failures", "failed.csv"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        server.rcpt_attempts("reject-me@example.com"),
        1,
        "a 550 is not retried"
    );
    assert_eq!(server.count(), 10);
    let err = stderr(&out);
    assert!(
        err.contains("line 6") && err.contains("reject-me@example.com") && err.contains("550"),
        "{err}"
    );
    let failures = std::fs::read_to_string(case.path("failed.csv")).unwrap();
    let lines: Vec<&str> = failures.lines().collect();
    assert_eq!(lines.len(), 2, "{failures}");
    assert_eq!(lines[0], "email,name,order,error");
    assert!(
        lines[1].starts_with("reject-me@example.com,Person 4,1004,") && lines[1].contains("550"),
        "{failures}"
    );
    let summary = json(&out);
    assert_eq!(summary["failures_file"], "failed.csv", "{summary}");
    assert_eq!(summary["failed"], 1, "{summary}");
    // The failures file is valid input for the same template.
    let again = case
        .mailer(&["failed.csv", "template.txt", "--check"])
        .output()
        .unwrap();
    assert!(again.status.success(), "{}", stderr(&again));
}

#[test]
fn sigkill_mid_run_then_rerun_with_the_journal_delivers_every_row() {
    let server = SmtpServer::start(Duration::from_millis(3));
    let case = Case::new();
    let rows = emails(600, "user");
    case.csv(&rows);
    case.write("template.txt", TEMPLATE);
    let url = server.url();
    let args = [
        "rows.csv",
        "template.txt",
        "--send",
        "--smtp",
        &url,
        "--connections",
        "4",
        "--journal",
        "sent.journal",
        "--quiet",
    ];
    let mut child = case
        .mailer(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while server.count() < 150 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the first run is stuck at {}",
            server.count()
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the first run ended before it was killed"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let first = server.count();
    assert!(first < rows.len(), "killed too late to test anything");
    // The keys the first run recorded (complete lines; not the first line,
    // which says what the journal is of): the re-run skips exactly those.
    let journal = std::fs::read_to_string(case.path("sent.journal")).unwrap();
    let recorded = journal
        .split_inclusive('\n')
        .filter(|l| l.ends_with('\n') && !l.starts_with("# workpool journal of "))
        .count();
    assert!(
        recorded > 0 && recorded <= first,
        "{recorded} keys, {first} sent"
    );

    let out = case.mailer(&args).arg("--json").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let counts = per_recipient(&server);
    for r in &rows {
        assert!(counts.contains_key(r), "{r} never received");
    }
    let duplicates: usize = counts.values().map(|n| n - 1).sum();
    assert!(
        duplicates <= 4,
        "{duplicates} duplicates, more than the 4 connections"
    );
    let summary = json(&out);
    assert_eq!(summary["skipped"], recorded, "{summary}");
    assert_eq!(summary["succeeded"], rows.len() - recorded, "{summary}");

    // A third run finds everything done.
    let out = case.mailer(&args).arg("--json").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let summary = json(&out);
    assert_eq!(summary["skipped"], 600, "{summary}");
    assert_eq!(summary["succeeded"], 0, "{summary}");
    assert_eq!(server.count(), rows.len() + duplicates);
}

/// A relay that starts refusing everything (a block list): with
/// `--max-failures` the run stops taking rows, finishes what is in flight
/// and exits 1; once the relay accepts again, a re-run with the journal
/// sends the rest: every row delivered, none twice.
#[test]
fn max_failures_stops_a_run_against_a_refusing_relay_and_a_rerun_resumes() {
    let server = SmtpServer::start(Duration::ZERO);
    server.refuse_after(Some(40));
    let case = Case::new();
    let rows = emails(400, "user");
    case.csv(&rows);
    case.write("template.txt", TEMPLATE);
    let extra = [
        "--journal",
        "sent.journal",
        "--max-failures",
        "5",
        "--connections",
        "1",
        "--retries",
        "0",
        "--queue",
        "16",
    ];
    let out = case.send(&server, &extra);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let summary: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(server.count(), 40);
    assert_eq!(summary["succeeded"], 40, "{summary}");
    // The fifth refusal stops the run; the one connection may have started
    // the next message by then. What was queued is cancelled, untried.
    let errors = summary["errors"].as_u64().unwrap();
    assert!((5..=6).contains(&errors), "{summary}");
    assert_eq!(summary["interrupted"], true, "{summary}");
    let total = summary["total"].as_u64().unwrap();
    assert!(total < 100, "it kept reading rows: {summary}");
    assert_eq!(
        summary["cancelled"].as_u64().unwrap(),
        total - 40 - errors,
        "{summary}"
    );
    assert!(
        stderr(&out).contains("5 failures: stopping (--max-failures)"),
        "{}",
        stderr(&out)
    );

    server.refuse_after(None);
    let out = case.send(&server, &extra);
    assert!(out.status.success(), "{}", stderr(&out));
    let counts = per_recipient(&server);
    assert_eq!(counts.len(), rows.len(), "every row delivered");
    assert!(counts.values().all(|&n| n == 1), "a row was sent twice");
}

/// A test send: the first rows only, every message to the tester's
/// address in the envelope, the headers as the recipients would see them,
/// the journal left alone.
#[test]
fn limit_and_test_to_try_a_campaign_on_oneself() {
    let server = SmtpServer::start(Duration::ZERO);
    let case = Case::new();
    case.csv(&emails(50, "user"));
    case.write("template.txt", TEMPLATE);
    let journal = case.write("sent.journal", "");
    let out = case.send(
        &server,
        &[
            "--limit",
            "5",
            "--test-to",
            "me@example.org",
            "--journal",
            "sent.journal",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let messages = server.messages();
    assert_eq!(messages.len(), 5);
    for m in &messages {
        assert_eq!(m.to, ["me@example.org"], "the envelope goes to the tester");
    }
    let mut to_headers: Vec<_> = messages
        .iter()
        .filter_map(|m| {
            m.data
                .lines()
                .find(|l| l.starts_with("To: "))
                .map(str::to_owned)
        })
        .collect();
    to_headers.sort();
    assert_eq!(to_headers.len(), 5);
    assert!(
        to_headers[0].contains("user0@example.com"),
        "{to_headers:?}"
    );
    assert_eq!(
        std::fs::read_to_string(journal).unwrap(),
        "",
        "journal untouched"
    );
    let summary = json(&out);
    assert_eq!(summary["total"], 5, "{summary}");
    assert_eq!(summary["succeeded"], 5, "{summary}");
}

/// `--suppress`: rows whose recipients are on the list (or in a listed
/// domain, whatever its case) never reach the server; they count as
/// skipped and are listed in the JSON summary.
#[test]
fn suppressed_rows_never_reach_the_server() {
    let server = SmtpServer::start(Duration::ZERO);
    let case = Case::new();
    let rows: Vec<String> = [
        "ann@example.com",
        "bob@example.com",
        "cy@Blocked.example",
        "dee@example.com",
    ]
    .map(String::from)
    .to_vec();
    case.csv(&rows);
    case.write("template.txt", TEMPLATE);
    case.write(
        "suppress.txt",
        "# unsubscribed
bob@EXAMPLE.com
@blocked.example
",
    );
    let out = case.send(&server, &["--suppress", "suppress.txt"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut got: Vec<String> = per_recipient(&server).into_keys().collect();
    got.sort();
    assert_eq!(got, ["ann@example.com", "dee@example.com"]);
    let summary: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(summary["skipped"], 2, "{summary}");
    assert_eq!(summary["suppressed"], 2, "{summary}");
    assert_eq!(
        summary["suppressed_addresses"],
        serde_json::json!(["bob@example.com", "cy@Blocked.example"]),
        "{summary}"
    );
}

/// Local parts compare without case too (`Alan.Turing@` on the list stops
/// `alan.turing@`), a `Name <address>` line is read as the address, and a
/// line that is no address stops the run before anything is sent, naming
/// its line.
#[test]
fn suppression_ignores_case_reads_named_addresses_and_refuses_the_rest() {
    let server = SmtpServer::start(Duration::ZERO);
    let case = Case::new();
    let rows: Vec<String> = [
        "alan.turing@example.com",
        "grace.hopper@example.com",
        "ada@example.com",
    ]
    .map(String::from)
    .to_vec();
    case.csv(&rows);
    case.write("template.txt", TEMPLATE);
    case.write(
        "suppress.txt",
        "Alan.Turing@example.com\nGrace Hopper <Grace.Hopper@Example.com>\n",
    );
    let out = case.send(&server, &["--suppress", "suppress.txt"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let got: Vec<String> = per_recipient(&server).into_keys().collect();
    assert_eq!(got, ["ada@example.com"]);
    let summary: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(
        summary["suppressed_addresses"],
        serde_json::json!(["alan.turing@example.com", "grace.hopper@example.com"]),
        "{summary}"
    );

    case.write(
        "suppress.txt",
        "alan.turing@example.com\nGrace Hopper grace.hopper@example.com\n",
    );
    let out = case.send(&server, &["--suppress", "suppress.txt"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with(
            "mailer: suppress.txt, line 2: \"Grace Hopper grace.hopper@example.com\" is not an address"
        ),
        "{}",
        stderr(&out)
    );
    assert_eq!(server.count(), 1, "nothing more sent");
}

/// `AUTH XOAUTH2` with an access token from a file: accepted with the
/// right token; a wrong one is exit 2 before any row is read.
#[test]
fn oauth2_logs_in_with_a_token_and_a_wrong_token_stops_before_sending() {
    let server = SmtpServer::start(Duration::ZERO);
    server.accept_oauth2("news@example.com", "ya29.good-token");
    let case = Case::new();
    case.csv(&emails(3, "user"));
    case.write("template.txt", TEMPLATE);
    case.write("token", "ya29.good-token\n");
    let login = ["--user", "news@example.com", "--oauth2-token-file", "token"];
    let out = case.send(&server, &login);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(server.count(), 3);
    assert!(server.logins().iter().all(|u| u == "news@example.com"));
    assert!(!server.logins().is_empty());

    case.write("token", "ya29.expired\n");
    let before = server.count();
    let out = case.send(&server, &login);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("535"), "{}", stderr(&out));
    assert_eq!(server.count(), before, "nothing sent");
}

/// `--per-connection N`: a new connection after every N messages.
#[test]
fn per_connection_reconnects_after_n_messages() {
    let server = SmtpServer::start(Duration::ZERO);
    let case = Case::new();
    case.csv(&emails(10, "user"));
    case.write("template.txt", TEMPLATE);
    let out = case.send(&server, &["--connections", "1", "--per-connection", "3"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(server.count(), 10);
    // 10 messages, 3 per connection: 4 connections (the check's included).
    assert_eq!(server.connections(), 4);
}

#[test]
fn header_injection_and_attachment_escape_are_row_errors() {
    let server = SmtpServer::start(Duration::ZERO);
    let case = Case::new();
    std::fs::create_dir(case.path("files")).unwrap();
    case.write("files/a.txt", "attached");
    case.write("secret.txt", "do not send");
    case.write(
        "rows.csv",
        "email,name,file\nann@example.com,Ann,a.txt\n\
         bob@example.com,\"Bob\r\nBcc: victim@example.com\",a.txt\n\
         eve@example.com,Eve,../secret.txt\n\
         dan@example.com,Dan,/etc/passwd\n\
         cat@example.com,Cat,\n",
    );
    case.write("template.txt", "From: shop@example.com\nSubject: Hi {{ name }}\nAttachment: {{ file }}\n\nHello {{ name }}\n");
    let out = case.send(&server, &["--attachments-dir", "files"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("line 3") && err.contains("injection"), "{err}");
    assert!(
        err.contains("line 5") && err.contains("outside the attachments folder"),
        "{err}"
    );
    assert!(
        err.contains("line 6") && err.contains("outside the attachments folder"),
        "{err}"
    );
    let messages = server.messages();
    let to: Vec<&str> = messages.iter().map(|m| m.to[0].as_str()).collect();
    assert_eq!(messages.len(), 2, "{to:?}");
    // Attachments are base64: look for the files' contents encoded.
    let encoded = |text: &str| {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(text)
    };
    for m in &messages {
        for leak in [
            encoded("do not send").as_str(),
            "secret.txt",
            "passwd",
            "victim",
        ] {
            assert!(!m.data.contains(leak), "{leak} in\n{}", m.data);
        }
    }
    let ann = messages.iter().find(|m| m.to[0] == "ann@example.com");
    let ann = ann.expect("ann's message was sent");
    assert!(
        ann.data.contains("filename=\"a.txt\"") && ann.data.contains(&encoded("attached")),
        "{}",
        ann.data
    );
}

#[test]
fn malformed_rows_are_reported_with_their_line_and_the_rest_is_sent() {
    let server = SmtpServer::start(Duration::ZERO);
    let case = Case::new();
    case.write(
        "rows.csv",
        "email;name;order\nann@example.com;Ann;1\nbob@example.com;Bob\nnot-an-address;Cy;3\ndan@example.com;Dan;4\n",
    );
    case.write("template.txt", TEMPLATE);
    let out = case.send(&server, &["--failures", "failed.csv"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("line 3") && err.contains("2 fields"), "{err}");
    assert!(
        err.contains("line 4") && err.contains("not-an-address"),
        "{err}"
    );
    assert_eq!(server.count(), 2);
    let failures = std::fs::read_to_string(case.path("failed.csv")).unwrap();
    assert_eq!(failures.lines().count(), 3, "{failures}");
    let summary = json(&out);
    assert_eq!(summary["invalid"], 2, "{summary}");
    assert_eq!(summary["succeeded"], 2, "{summary}");
}

#[test]
fn a_template_variable_that_is_no_column_stops_before_sending() {
    let server = SmtpServer::start(Duration::ZERO);
    let case = Case::new();
    case.csv(&emails(3, "user"));
    case.write(
        "template.txt",
        "From: shop@example.com\nSubject: Hi {{ nmae }}\n\nHello\n",
    );
    let out = case.send(&server, &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("nmae") && err.contains("rows.csv"), "{err}");
    assert_eq!(server.count(), 0);
    assert_eq!(
        server.connections(),
        0,
        "nothing is sent, not even a connection"
    );
    let check = case
        .mailer(&["rows.csv", "template.txt", "--check"])
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(2));
}

#[test]
fn check_renders_every_row_and_sends_nothing() {
    let case = Case::new();
    case.csv(&emails(5, "user"));
    case.write("template.txt", TEMPLATE);
    let out = case
        .mailer(&["rows.csv", "template.txt", "--check", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let summary = json(&out);
    assert_eq!(summary["succeeded"], 5, "{summary}");
    assert_eq!(summary["total"], 5, "{summary}");
    assert!(!Path::new(&case.path("outbox")).exists());
}

/// Delivers to postfix's `smtp-sink` (installed by .ci/deps/mailer.sh, run
/// by .ci/run with `--ignored`): a third-party SMTP implementation, one file
/// per message received.
#[test]
#[ignore = "needs postfix's smtp-sink (apt-get install postfix, or .ci/deps/mailer.sh)"]
fn delivers_to_postfix_smtp_sink() {
    let sink = ["/usr/sbin/smtp-sink", "/usr/bin/smtp-sink"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("smtp-sink is missing: .ci/deps/mailer.sh installs it");
    let case = Case::new();
    let dump = case.path("dump");
    std::fs::create_dir(&dump).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(case.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&dump, std::fs::Permissions::from_mode(0o777)).unwrap();
    }
    // A port picked free can be taken by another test's server before
    // smtp-sink binds it (smtp-sink then exits): try again on another.
    let (mut server, port) = (0..5)
        .find_map(|_| {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let mut server = std::process::Command::new(sink)
                .args(["-u", "nobody", "-d"])
                .arg(format!("{}/%M.", dump.display()))
                .arg(format!("127.0.0.1:{port}"))
                .arg("256")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let started = Instant::now();
            loop {
                if server.try_wait().unwrap().is_some() {
                    return None;
                }
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    // Ours, if it is still running once the probe is in.
                    std::thread::sleep(Duration::from_millis(50));
                    return server
                        .try_wait()
                        .unwrap()
                        .is_none()
                        .then_some((server, port));
                }
                assert!(
                    started.elapsed() < Duration::from_secs(10),
                    "smtp-sink did not start"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        })
        .expect("smtp-sink starts on one of five free ports");
    let rows = emails(40, "user");
    case.csv(&rows);
    case.write("template.txt", TEMPLATE);
    let url = format!("smtp://127.0.0.1:{port}");
    let out = case
        .mailer(&["rows.csv", "template.txt", "--send", "--smtp", &url])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // smtp-sink writes each message's file as it receives it: wait until
    // there are as many as rows (the readiness probe made no message).
    let subjects_of = || -> Vec<String> {
        std::fs::read_dir(&dump)
            .unwrap()
            .filter_map(|entry| std::fs::read_to_string(entry.unwrap().path()).ok())
            .filter_map(|text| {
                text.lines()
                    .find(|l| l.starts_with("Subject: "))
                    .map(str::to_owned)
            })
            .collect()
    };
    let waited = Instant::now();
    while subjects_of().len() < rows.len() && waited.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = server.kill();
    let _ = server.wait();
    let mut subjects = std::collections::HashSet::new();
    for subject in subjects_of() {
        assert!(subjects.insert(subject.clone()), "twice: {subject}");
    }
    assert_eq!(subjects.len(), rows.len());
    assert!(
        subjects.contains("Subject: Order 1039 for Person 39"),
        "{subjects:?}"
    );
}

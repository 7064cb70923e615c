//! What the mailer prints for the usual mistakes, pinned whole: each cause
//! said once, in the user's words (the file or flag given, never an
//! internal classification such as "transient").

use std::time::Duration;

use super::smtp_server::SmtpServer;
use super::{Case, TEMPLATE, emails, stderr};

/// Whether a segment between `: ` repeats within a line of `text`.
fn repeated_segment(text: &str) -> Option<String> {
    for line in text.lines() {
        let segments: Vec<&str> = line.split(": ").collect();
        for (i, s) in segments.iter().enumerate() {
            if segments[i + 1..].contains(s) {
                return Some(format!("{s:?} twice in {line:?}"));
            }
        }
    }
    None
}

/// A port on which nothing listens (bound, then let go).
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn setup_errors_say_what_where_and_why_once() {
    let case = Case::new();
    case.csv(&emails(3, "user"));
    case.write("template.txt", TEMPLATE);
    case.write("suppress.txt", "ann@example.com\nnot an address\n");
    let refused = format!("smtp://127.0.0.1:{}", closed_port());
    let enoent = "does not exist";
    let cases: Vec<(Vec<&str>, String)> = vec![
        (
            vec!["rows.csv", "missing.txt"],
            format!("the template missing.txt: {enoent}"),
        ),
        (
            vec!["missing.csv", "template.txt"],
            format!("the CSV file missing.csv: {enoent}"),
        ),
        (
            vec!["rows.csv", "template.txt", "--suppress", "missing.txt"],
            format!("--suppress missing.txt: {enoent}"),
        ),
        (
            vec!["rows.csv", "template.txt", "--suppress", "suppress.txt"],
            "suppress.txt, line 2: \"not an address\" is not an address, `Name <address>` or `@domain`: fix or remove the line, so that no one on the list is mailed".into(),
        ),
        (
            vec![
                "rows.csv",
                "template.txt",
                "--dkim-key",
                "missing.pem",
                "--dkim-selector",
                "s1",
                "--dkim-domain",
                "example.com",
            ],
            format!("--dkim-key missing.pem: {enoent}"),
        ),
        (
            vec!["rows.csv", "template.txt", "--journal", "missing/sent.journal"],
            format!("journal missing/sent.journal: {enoent}"),
        ),
        (
            vec!["rows.csv", "template.txt", "--send", "--smtp", &refused],
            format!(
                "cannot connect to the SMTP server {} (--smtp): connection refused",
                refused.trim_start_matches("smtp://")
            ),
        ),
    ];
    for (args, want) in cases {
        let out = case.mailer(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert_eq!(stderr(&out), format!("mailer: {want}\n"), "{args:?}");
        assert_eq!(repeated_segment(&stderr(&out)), None);
    }
    assert_eq!(
        std::fs::read_dir(case.path("outbox")).map_or(0, Iterator::count),
        0,
        "nothing written"
    );
}

#[test]
fn a_refused_login_and_a_refused_message_say_the_servers_reply_once() {
    let server = SmtpServer::start(Duration::ZERO);
    server.accept_oauth2("news@example.com", "good");
    let case = Case::new();
    case.write("token", "bad\n");
    case.csv(&["ann@example.com".into(), "reject-me@example.com".into()]);
    case.write("template.txt", TEMPLATE);
    let login = ["--user", "news@example.com", "--oauth2-token-file", "token"];
    let out = case.send(&server, &login);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        format!(
            "mailer: the SMTP server 127.0.0.1:{} refused the login as \"news@example.com\": the server replied 535 5.7.8 invalid credentials\n",
            server.port
        )
    );

    let out = case.send(&server, &["--quiet"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(
        err.lines().next(),
        Some("mailer: line 3 (reject-me@example.com): the server replied 550 5.1.1 no such user"),
        "{err}"
    );
    assert_eq!(repeated_segment(&err), None);
}

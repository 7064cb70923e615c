//! A journal says what it is the journal of: a dry run's journal given to
//! a send (or the other way round) is refused before anything is sent or
//! written, so that a preview never counts as a send.

use std::time::Duration;

use super::smtp_server::SmtpServer;
use super::{Case, TEMPLATE, emails, stderr, stdout};

fn eml_count(case: &Case) -> usize {
    match std::fs::read_dir(case.path("outbox")) {
        Ok(dir) => dir.count(),
        Err(_) => 0,
    }
}

#[test]
fn a_dry_runs_journal_is_refused_by_a_send() {
    let server = SmtpServer::start(Duration::ZERO);
    let case = Case::new();
    case.csv(&emails(5, "user"));
    case.write("template.txt", TEMPLATE);
    let dry = ["rows.csv", "template.txt", "--journal", "sent.journal"];
    let out = case.mailer(&dry).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(eml_count(&case), 5);

    let out = case.send(&server, &["--journal", "sent.journal"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        format!(
            "mailer: journal sent.journal records a dry run into outbox/, not a send to smtp://127.0.0.1:{}: use another --journal\n",
            server.port
        )
    );
    assert_eq!(stdout(&out), "");
    assert_eq!(server.count(), 0, "nothing sent");

    // Its own journal: every row is sent; the dry run's still skips all.
    let out = case.send(&server, &["--journal", "send.journal"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(server.count(), 5);
    let out = case.mailer(&dry).arg("--json").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let summary: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(summary["skipped"], 5, "{summary}");
}

#[test]
fn a_sends_journal_is_refused_by_a_dry_run_and_by_a_send_elsewhere() {
    let server = SmtpServer::start(Duration::ZERO);
    let case = Case::new();
    case.csv(&emails(5, "user"));
    case.write("template.txt", TEMPLATE);
    let out = case.send(&server, &["--journal", "sent.journal"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(server.count(), 5);

    let dry = ["rows.csv", "template.txt", "--journal", "sent.journal"];
    let out = case.mailer(&dry).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let want = format!(
        "mailer: journal sent.journal records a send to smtp://127.0.0.1:{}, not a dry run into outbox/: use another --journal\n",
        server.port
    );
    assert_eq!(stderr(&out), want);
    assert_eq!(eml_count(&case), 0, "nothing written");

    // Another server: the rows sent to the first are still to be sent here.
    let other = SmtpServer::start(Duration::ZERO);
    let out = case.send(&other, &["--journal", "sent.journal"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("not a send to smtp://127.0.0.1:{}", other.port)),
        "{}",
        stderr(&out)
    );
    assert_eq!(other.count(), 0);

    // The same send again skips every row.
    let out = case.send(&server, &["--journal", "sent.journal"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let summary: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(summary["skipped"], 5, "{summary}");
    assert_eq!(server.count(), 5);
}

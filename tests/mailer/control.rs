//! An operator's hands on a running campaign (`mailer pause|resume|cancel
//! --run NAME`, `mailer retry`), and idle workers woken rather than
//! polling (`work --follow`, its listener cut and made again), on a real
//! PostgreSQL and the test SMTP server. Workers that must be woken run
//! with `--poll 1h`: only a notification can reach them within the test.

use std::process::{Child, Output};
use std::time::Duration;

use workpool_tests::{Postgres, Signal, send_signal};

use super::scale::{finish, summary, wait_until};
use super::smtp_server::SmtpServer;
use super::{Case, TEMPLATE, each_row_once, emails, per_recipient, stderr, stdout};

/// Jobs run at once per worker, and claimed per batch: a worker holds at
/// most `IN_HAND` jobs (running, queued in its pool, claimed ahead).
const WORKERS: usize = 4;
const BATCH: usize = 8;
const IN_HAND: usize = WORKERS + 2 * BATCH;

impl Case {
    /// `mailer VERB --run RUN` (pause, resume, cancel, retry).
    fn control(&self, db: &Postgres, verb: &str, run: &str) -> Output {
        let url = db.url();
        self.mailer(&[verb, "--db", &url, "--run", run])
            .output()
            .unwrap()
    }

    /// Two workers, `WORKERS` jobs at once and batches of `BATCH` each.
    fn two_workers(&self, db: &Postgres, server: &SmtpServer) -> Vec<Child> {
        let (workers, batch) = (WORKERS.to_string(), BATCH.to_string());
        let extra = [
            "--connections",
            &workers,
            "--workers",
            &workers,
            "--batch",
            &batch,
        ];
        (0..2)
            .map(|_| case_worker(self, db, server, &extra))
            .collect()
    }
}

fn case_worker(case: &Case, db: &Postgres, server: &SmtpServer, extra: &[&str]) -> Child {
    case.worker(db, server, extra).spawn().unwrap()
}

fn ok(out: &Output) {
    assert!(out.status.success(), "{}", stderr(out));
}

/// A mailer run of 5,000 rows over two workers, paused after about 1,000
/// sends: the workers finish what they were sending, give back what they
/// held, and wait; nothing arrives for 3 s; resumed, they send the rest;
/// every row arrives exactly once, and each worker sent part of it.
#[test]
#[ignore = "needs PostgreSQL (.ci/deps/postgres.sh installs it)"]
fn a_paused_run_sends_nothing_until_resumed_then_every_row_once() {
    const ROWS: usize = 5000;
    let db = Postgres::start();
    let server = SmtpServer::start(Duration::from_millis(1));
    let case = Case::new();
    case.csv(&emails(ROWS, "pause"));
    case.write("template.txt", TEMPLATE);
    ok(&case.enqueue(&db, &["--run", "news"]));
    let workers = case.two_workers(&db, &server);
    wait_until("about 1,000 sent", Duration::from_secs(120), || {
        server.count() >= 1000
    });

    let out = case.control(&db, "pause", "news");
    ok(&out);
    assert!(stderr(&out).contains("run news paused"), "{}", stderr(&out));
    let at_pause = server.count();
    assert!(
        at_pause < ROWS,
        "the run ended before the pause: nothing tested"
    );
    // What was running finishes; what was held goes back at once.
    wait_until("nothing left running", Duration::from_secs(60), || {
        case.status(&db)["running"] == 0
    });
    let quiet_from = server.count();
    eprintln!(
        "paused after {at_pause} sends; {} more arrived as the pause took hold",
        quiet_from - at_pause
    );
    assert!(
        quiet_from - at_pause <= 2 * IN_HAND,
        "{} messages arrived after the pause: more than the two workers held",
        quiet_from - at_pause
    );
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        server.count(),
        quiet_from,
        "messages arrived while the run was paused"
    );
    let status = case.status(&db);
    assert_eq!(status["state"], "paused", "{status}");
    assert_eq!(
        status["ready"].as_u64().unwrap() + status["done"].as_u64().unwrap(),
        ROWS as u64,
        "every job not done is ready again: {status}"
    );
    let states: Vec<&str> = status["workers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["alive", "alive"], "the workers wait: {status}");
    let url = db.url();
    let text = case.mailer(&["status", "--db", &url]).output().unwrap();
    assert!(
        stdout(&text).contains("news (mailer), paused"),
        "{}",
        stdout(&text)
    );

    ok(&case.control(&db, "resume", "news"));
    let (mut sent_by, mut given_back) = (Vec::new(), 0);
    for worker in workers {
        let out = finish(worker, Duration::from_secs(180));
        ok(&out);
        let worked = summary(&out);
        sent_by.push(worked["succeeded"].as_u64().unwrap());
        given_back += worked["given_back"].as_u64().unwrap();
    }
    // Busy workers hold jobs not started: the pause gave them back rather
    // than sending them.
    assert!(given_back > 0, "nothing was given back at the pause");
    each_row_once(&server, ROWS);
    // Given back and sent later are one item: the workers' counts add up.
    assert_eq!(sent_by.iter().sum::<u64>(), ROWS as u64, "{sent_by:?}");
    assert!(sent_by.iter().all(|&n| n > 0), "{sent_by:?}");
    assert_eq!(case.status(&db)["state"], "active");
}

/// A run cancelled mid-send: nothing more goes out than the workers had
/// in hand, the workers exit 0, every job not sent is counted cancelled;
/// `retry` and `enqueue` leave it alone and a new worker has nothing to do.
#[test]
#[ignore = "needs PostgreSQL (.ci/deps/postgres.sh installs it)"]
fn a_cancelled_run_sends_nothing_more_and_its_workers_exit_0() {
    const ROWS: usize = 3000;
    let db = Postgres::start();
    let server = SmtpServer::start(Duration::from_millis(1));
    let case = Case::new();
    case.csv(&emails(ROWS, "cancel"));
    case.write("template.txt", TEMPLATE);
    ok(&case.enqueue(&db, &["--run", "promo"]));
    let workers = case.two_workers(&db, &server);
    wait_until("500 sent", Duration::from_secs(120), || {
        server.count() >= 500
    });

    let out = case.control(&db, "cancel", "promo");
    ok(&out);
    assert!(
        stderr(&out).contains("run promo cancelled"),
        "{}",
        stderr(&out)
    );
    let at_cancel = server.count();
    assert!(
        at_cancel < ROWS,
        "the run ended before the cancel: nothing tested"
    );
    for worker in workers {
        let out = finish(worker, Duration::from_secs(60));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let after = server.count() - at_cancel;
    eprintln!("cancelled after {at_cancel} sends; {after} more were in flight");
    assert!(
        after <= 2 * IN_HAND,
        "{after} messages went out after the cancel"
    );

    let status = case.status(&db);
    assert_eq!(status["state"], "cancelled", "{status}");
    let (done, cancelled) = (
        status["done"].as_u64().unwrap(),
        status["cancelled"].as_u64().unwrap(),
    );
    assert!(cancelled > 0, "{status}");
    assert_eq!(done + cancelled, ROWS as u64, "{status}");
    for state in ["ready", "waiting", "running", "dead"] {
        assert_eq!(status[state], 0, "{state}: {status}");
    }
    let listed = status["cancelled_jobs"].as_array().unwrap();
    assert_eq!(listed.len() as u64, cancelled.min(100), "{status}");
    // Sent once each, and what was sent is what is done: no cancelled
    // job was sent.
    let counts = per_recipient(&server);
    assert_eq!(counts.len() as u64, done, "what was sent is what is done");
    assert!(counts.values().all(|&n| n == 1), "a row was sent twice");

    // `retry` leaves cancelled jobs alone.
    let out = case.control(&db, "retry", "promo");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("was cancelled"), "{}", stderr(&out));
    assert_eq!(case.status(&db)["cancelled"], cancelled);
    // So does a second enqueue of the same inputs, and `resume`.
    let out = case.enqueue(&db, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("was cancelled"), "{}", stderr(&out));
    let out = case.control(&db, "resume", "promo");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    // A worker started on it now has nothing to do.
    let out = finish(
        case_worker(&case, &db, &server, &["--run", "promo"]),
        Duration::from_secs(30),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(summary(&out)["total"], 0);
    assert_eq!(server.count() - at_cancel, after, "nothing more was sent");
    let status = case.status(&db);
    assert_eq!(status["cancelled"], cancelled, "{status}");
    assert_eq!(status["done"], done, "{status}");
    let url = db.url();
    let text = case.mailer(&["status", "--db", &url]).output().unwrap();
    let text = stdout(&text);
    assert!(
        text.contains("promo (mailer), cancelled") && text.contains("  cancelled: "),
        "{text}"
    );
}

/// `retry` puts dead jobs back and wakes an idle `work --follow`, which
/// also wakes for rows enqueued later; SIGTERM ends it.
#[test]
#[ignore = "needs PostgreSQL (.ci/deps/postgres.sh installs it)"]
fn retry_and_enqueue_wake_an_idle_follow_worker() {
    const ROWS: usize = 40;
    let db = Postgres::start();
    let server = SmtpServer::start(Duration::ZERO);
    let case = Case::new();
    case.csv(&emails(ROWS, "again"));
    case.write("template.txt", TEMPLATE);
    ok(&case.enqueue(&db, &["--run", "again", "--retries", "0"]));
    // The relay blocks the sender after 10 messages: 30 jobs end dead.
    server.refuse_after(Some(10));
    let out = finish(
        case_worker(&case, &db, &server, &["--connections", "1"]),
        Duration::from_secs(60),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let status = case.status(&db);
    assert_eq!(status["dead"], 30, "{status}");
    assert_eq!(server.count(), 10);

    server.refuse_after(None);
    let follower = case_worker(
        &case,
        &db,
        &server,
        &["--run", "again", "--follow", "--poll", "1h"],
    );
    wait_until("the follower is up", Duration::from_secs(30), || {
        db.count("SELECT count(*) FROM workpool.workers WHERE stopped IS NULL") == 1
    });
    let out = case.control(&db, "retry", "again");
    ok(&out);
    assert!(
        stderr(&out).contains("30 dead jobs are ready again"),
        "{}",
        stderr(&out)
    );
    wait_until("the 30 sent after retry", Duration::from_secs(30), || {
        server.count() == ROWS
    });
    // More rows in the same file: only the new ones are added, and sent.
    case.csv(&emails(ROWS + 20, "again"));
    let out = case.enqueue(&db, &["--run", "again", "--retries", "0"]);
    ok(&out);
    assert!(stderr(&out).contains("20 jobs added"), "{}", stderr(&out));
    wait_until("the 20 new rows sent", Duration::from_secs(30), || {
        server.count() == ROWS + 20
    });
    send_signal(follower.id(), Signal::TERM);
    let out = finish(follower, Duration::from_secs(30));
    let worked = summary(&out);
    assert_eq!(worked["succeeded"], 50, "{worked}");
    assert_eq!(worked["interrupted_by"], "SIGTERM", "{worked}");
    let counts = per_recipient(&server);
    assert_eq!(counts.len(), ROWS + 20);
    assert!(counts.values().all(|&n| n == 1), "a row was sent twice");
    assert_eq!(case.status(&db)["dead"], 0);
}

/// The connection a worker listens on is cut: the worker connects again
/// and looks once (a notification sent meanwhile is lost), so rows
/// enqueued right then are still sent, without waiting for its poll.
#[test]
#[ignore = "needs PostgreSQL (.ci/deps/postgres.sh installs it)"]
fn a_worker_whose_listener_is_cut_connects_again_and_looks() {
    let db = Postgres::start();
    let server = SmtpServer::start(Duration::ZERO);
    let case = Case::new();
    case.csv(&emails(10, "cut"));
    case.write("template.txt", TEMPLATE);
    ok(&case.enqueue(&db, &["--run", "cut"]));
    // Its warnings shown (--quiet keeps only errors).
    let follower = case
        .worker(&db, &server, &["--run", "cut", "--follow", "--poll", "1h"])
        .env("RUST_LOG", "warn")
        .spawn()
        .unwrap();
    wait_until("10 sent", Duration::from_secs(30), || server.count() == 10);
    let listeners = "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'LISTEN%'";
    assert_eq!(db.count(listeners), 1);
    let cut = db.count(
        "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE query LIKE 'LISTEN%') t",
    );
    assert_eq!(cut, 1);
    case.csv(&emails(25, "cut"));
    ok(&case.enqueue(&db, &["--run", "cut"]));
    wait_until("15 more sent", Duration::from_secs(30), || {
        server.count() == 25
    });
    wait_until("listening again", Duration::from_secs(30), || {
        db.count(listeners) == 1
    });
    send_signal(follower.id(), Signal::TERM);
    let out = finish(follower, Duration::from_secs(30));
    assert!(
        stderr(&out).contains("connecting again"),
        "{}",
        stderr(&out)
    );
    assert_eq!(summary(&out)["succeeded"], 25);
}

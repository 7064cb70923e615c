//! What an operator meets running `mailer enqueue` and `mailer work`: the
//! same inputs enqueued again with other settings change the run and never
//! make a second one; SIGTERM (what systemd, Docker and Kubernetes send)
//! stops a worker as Ctrl-C does and gives its unstarted jobs back at once.

use std::process::Child;
use std::time::{Duration, Instant};

use workpool_tests::{Postgres, Signal, send_signal};

use super::scale::{finish, summary, wait_until};
use super::smtp_server::SmtpServer;
use super::{Case, TEMPLATE, each_row_once, emails, per_recipient, stderr, stdout};

/// Enqueueing the same rows with three different rates (and retries)
/// leaves one run whose settings are the last ones; the workers send each
/// row once.
#[test]
#[ignore = "needs PostgreSQL (.ci/deps/postgres.sh installs it)"]
fn the_same_inputs_enqueued_with_other_settings_are_one_run() {
    const ROWS: usize = 60;
    let db = Postgres::start();
    let server = SmtpServer::start(Duration::ZERO);
    let case = Case::new();
    case.csv(&emails(ROWS, "once"));
    case.write("template.txt", TEMPLATE);
    let mut names = Vec::new();
    for (rate, retries) in [("100/s", "3"), ("50/s", "5"), ("200/s", "1")] {
        let out = case.enqueue(&db, &["--rate", rate, "--retries", retries]);
        assert!(out.status.success(), "{}", stderr(&out));
        names.push(stdout(&out).trim().to_owned());
        if names.len() > 1 {
            let err = stderr(&out);
            assert!(
                err.contains("settings changed from") && err.contains(rate),
                "the second enqueue says what changed: {err}"
            );
            assert!(err.contains("0 jobs added"), "{err}");
        }
    }
    assert!(
        names.windows(2).all(|w| w[0] == w[1]),
        "one run, not {names:?}"
    );
    let status = case.status(&db);
    assert_eq!(status["run"], names[0].as_str(), "{status}");
    assert_eq!(status["enqueued"], ROWS, "{status}");
    assert_eq!(
        status["max_attempts"], 2,
        "the last enqueue's --retries 1: {status}"
    );
    let workers: Vec<Child> = (0..2)
        .map(|_| case.worker(&db, &server, &[]).spawn().unwrap())
        .collect();
    for worker in workers {
        let out = finish(worker, Duration::from_secs(60));
        assert!(out.status.success(), "{}", stderr(&out));
    }
    each_row_once(&server, ROWS);
}

/// SIGTERM to a worker sending at 10/s: it starts nothing new, finishes
/// what it was sending, gives back at once the jobs it had claimed (no
/// lease to wait out), says it stopped, prints its summary and exits 1;
/// another worker then sends the rest: each row once.
#[test]
#[ignore = "needs PostgreSQL (.ci/deps/postgres.sh installs it)"]
fn sigterm_stops_a_worker_and_gives_its_jobs_back_at_once() {
    const ROWS: usize = 40;
    let db = Postgres::start();
    let server = SmtpServer::start(Duration::ZERO);
    let case = Case::new();
    case.csv(&emails(ROWS, "term"));
    case.write("template.txt", TEMPLATE);
    let out = case.enqueue(&db, &["--rate", "10/s"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // A long lease: jobs left claimed would stay stuck for a minute.
    let worker = case
        .worker(&db, &server, &["--lease", "60s", "--batch", "20"])
        .spawn()
        .unwrap();
    wait_until("5 messages sent", Duration::from_secs(30), || {
        server.count() >= 5
    });
    send_signal(worker.id(), Signal::TERM);
    let signalled = Instant::now();
    let out = finish(worker, Duration::from_secs(10));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let worked = summary(&out);
    assert_eq!(worked["interrupted"], true, "{worked}");
    assert_eq!(worked["interrupted_by"], "SIGTERM", "{worked}");
    assert!(
        stderr(&out).contains("SIGTERM: starting nothing new; the jobs running finish, the rest go back to the queue at once"),
        "the worker says where its jobs not started go: {}",
        stderr(&out)
    );
    let after = server
        .messages()
        .iter()
        .filter(|m| m.at > signalled)
        .count();
    assert!(after <= 1, "{after} messages went out after SIGTERM");
    let status = case.status(&db);
    assert_eq!(status["running"], 0, "nothing is left claimed: {status}");
    assert_eq!(
        status["done"].as_u64().unwrap() + status["ready"].as_u64().unwrap(),
        ROWS as u64,
        "{status}"
    );
    let states: Vec<&str> = status["workers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["stopped"], "{status}");

    // Another worker picks the rest up at once: no lease to wait out.
    let started = Instant::now();
    let out = finish(
        case.worker(&db, &server, &[]).spawn().unwrap(),
        Duration::from_secs(30),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "the second worker waited for a lease"
    );
    each_row_once(&server, ROWS);
}

/// A run two seconds old is rated over those two seconds, not over a
/// minute: 20 messages a second show as about 20/s, with an ETA to match.
#[test]
#[ignore = "needs PostgreSQL (.ci/deps/postgres.sh installs it)"]
fn status_rates_a_young_run_over_its_age() {
    const ROWS: usize = 200;
    let db = Postgres::start();
    let server = SmtpServer::start(Duration::ZERO);
    let case = Case::new();
    case.csv(&emails(ROWS, "young"));
    case.write("template.txt", TEMPLATE);
    let out = case.enqueue(&db, &["--rate", "20/s"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let worker = case.worker(&db, &server, &[]).spawn().unwrap();
    wait_until("40 messages sent", Duration::from_secs(30), || {
        server.count() >= 40
    });
    let status = case.status(&db);
    let per_s = status["per_s"].as_f64().unwrap();
    assert!(
        (12.0..=28.0).contains(&per_s),
        "a run sending 20/s for about 2 s shows {per_s}/s: {status}"
    );
    let eta = status["eta_s"].as_f64().unwrap();
    let left = (ROWS - server.count()) as f64;
    assert!(
        eta < left / 10.0,
        "an ETA of {eta} s for {left} messages at 20/s"
    );
    send_signal(worker.id(), Signal::TERM);
    let _ = finish(worker, Duration::from_secs(10));
}

/// kill -9 of a worker holding jobs: `status` calls it dead once it has
/// missed a heartbeat, not a lease later, shows what it held from the jobs
/// table, and another worker takes its jobs back within the lease and a
/// few seconds.
#[test]
#[ignore = "needs PostgreSQL (.ci/deps/postgres.sh installs it)"]
fn a_killed_worker_is_dead_in_status_at_once_and_its_jobs_come_back_within_the_lease() {
    const ROWS: usize = 30;
    let db = Postgres::start();
    // Slow answers: the killed worker dies holding jobs.
    let server = SmtpServer::start(Duration::from_millis(500));
    let case = Case::new();
    case.csv(&emails(ROWS, "killed"));
    case.write("template.txt", TEMPLATE);
    let out = case.enqueue(&db, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lease = ["--lease", "6s", "--batch", "4", "--connections", "2"];
    let doomed = case.worker(&db, &server, &lease).spawn().unwrap();
    wait_until("the first messages", Duration::from_secs(30), || {
        server.count() >= 2
    });
    send_signal(doomed.id(), Signal::KILL);
    let killed = Instant::now();
    let _ = doomed.wait_with_output();
    let held = |status: &serde_json::Value| status["workers"][0]["in_flight"].as_i64().unwrap();
    let status = case.status(&db);
    assert!(held(&status) > 0, "the killed worker held jobs: {status}");
    // A heartbeat every 2 s (a third of the lease): dead after 3 s.
    wait_until(
        "the killed worker shown dead",
        Duration::from_secs(5),
        || case.status(&db)["workers"][0]["state"] == "dead",
    );
    let out = finish(
        case.worker(&db, &server, &["--lease", "6s"])
            .spawn()
            .unwrap(),
        Duration::from_secs(60),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let counts = per_recipient(&server);
    assert_eq!(counts.len(), ROWS, "every row was sent");
    let taken_back = killed.elapsed();
    // The rest of the run (about 28 messages at 2 connections of 0.5 s)
    // takes about 7 s; the jobs in the dead worker's hands add the lease.
    assert!(
        taken_back < Duration::from_secs(6 + 7 + 6),
        "the killed worker's jobs came back after {taken_back:?}"
    );
}

/// Forgetting a run is one statement, as the README says: its jobs and
/// keys go with it (a trigger: they have no foreign key, which made every
/// enqueued row pay a check), and nothing of another run.
#[test]
#[ignore = "needs PostgreSQL (.ci/deps/postgres.sh installs it)"]
fn deleting_a_run_removes_its_jobs_and_keys_and_nothing_else() {
    let db = Postgres::start();
    let case = Case::new();
    case.csv(&emails(30, "forget"));
    case.write("template.txt", TEMPLATE);
    let first = case.enqueue(&db, &[]);
    assert!(first.status.success(), "{}", stderr(&first));
    let other = case.enqueue(&db, &["--run", "other"]);
    assert!(other.status.success(), "{}", stderr(&other));
    assert_eq!(db.count("SELECT count(*) FROM workpool.jobs"), 60);
    let name = stdout(&first).trim().to_owned();
    db.query(&format!("DELETE FROM workpool.runs WHERE name = '{name}'"));
    assert_eq!(db.count("SELECT count(*) FROM workpool.jobs"), 30);
    assert_eq!(db.count("SELECT count(*) FROM workpool.keys"), 30);
    assert_eq!(
        db.count(
            "SELECT count(*) FROM workpool.jobs j JOIN workpool.runs r ON r.id = j.run WHERE r.name = 'other'"
        ),
        30
    );
    // The same inputs find the run that has them, whatever its name...
    let again = case.enqueue(&db, &[]);
    assert_eq!(stdout(&again).trim(), "other", "{}", stderr(&again));
    assert!(
        stderr(&again).contains("0 jobs added"),
        "{}",
        stderr(&again)
    );
    // ... and with no run left, make one again, with every job.
    db.query("DELETE FROM workpool.runs");
    assert_eq!(db.count("SELECT count(*) FROM workpool.keys"), 0);
    let fresh = case.enqueue(&db, &[]);
    assert!(
        stderr(&fresh).contains("30 jobs added"),
        "{}",
        stderr(&fresh)
    );
}

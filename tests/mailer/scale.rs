//! `mailer enqueue|work|status` on a real PostgreSQL (a throwaway cluster
//! per test) and the test SMTP server: workers killed, stopped past their
//! lease, enqueueing twice, a rate for the whole run.

use std::collections::HashMap;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use workpool_tests::Postgres;

use super::smtp_server::SmtpServer;
use super::{Case, TEMPLATE, emails, per_recipient, stderr, stdout};

impl Case {
    pub(super) fn enqueue(&self, db: &Postgres, extra: &[&str]) -> Output {
        let url = db.url();
        let mut args = vec!["enqueue", "rows.csv", "template.txt", "--db", &url];
        args.extend_from_slice(extra);
        self.mailer(&args).output().unwrap()
    }

    pub(super) fn worker(&self, db: &Postgres, server: &SmtpServer, extra: &[&str]) -> Command {
        let (url, smtp) = (db.url(), server.url());
        let mut args = vec![
            "work", "--db", &url, "--send", "--smtp", &smtp, "--json", "--quiet",
        ];
        args.extend_from_slice(extra);
        let mut cmd = self.mailer(&args);
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        cmd
    }

    pub(super) fn status(&self, db: &Postgres) -> Value {
        let url = db.url();
        let out = self
            .mailer(&["status", "--db", &url, "--json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_str(stdout(&out).trim()).unwrap()
    }
}

/// Waits for `child` with a deadline; its output.
pub(super) fn finish(child: Child, limit: Duration) -> Output {
    let started = Instant::now();
    let mut child = child;
    while child.try_wait().unwrap().is_none() {
        assert!(
            started.elapsed() < limit,
            "a worker is still running after {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

/// Sends `signal` (`-STOP`, `-CONT`) to process `pid`.
fn signal(signal: &str, pid: &str) {
    let sent = Command::new("kill").args([signal, pid]).status().unwrap();
    assert!(sent.success(), "kill {signal} {pid}");
}

pub(super) fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "{what}: not after {limit:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

pub(super) fn summary(out: &Output) -> Value {
    serde_json::from_str(stdout(out).trim())
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(out), stderr(out)))
}

#[test]
#[ignore = "needs PostgreSQL (.ci/deps/postgres.sh installs it)"]
fn enqueue_twice_adds_no_job_and_bad_usage_writes_nothing() {
    let db = Postgres::start();
    let case = Case::new();
    case.csv(&emails(500, "twice"));
    case.write("template.txt", TEMPLATE);

    let bad = case
        .mailer(&[
            "enqueue",
            "rows.csv",
            "template.txt",
            "--db",
            &db.url(),
            "--to-column",
            "mail",
        ])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    assert!(
        stderr(&bad).contains("no column \"mail\""),
        "{}",
        stderr(&bad)
    );

    let first = case.enqueue(&db, &[]);
    assert!(first.status.success(), "{}", stderr(&first));
    let run = stdout(&first).trim().to_owned();
    assert!(run.starts_with("mailer-"), "{run}");
    assert_eq!(db.count("SELECT count(*) FROM workpool.jobs"), 500);
    let second = case.enqueue(&db, &[]);
    assert!(second.status.success(), "{}", stderr(&second));
    assert_eq!(
        stdout(&second).trim(),
        run,
        "the same inputs find the same run"
    );
    assert!(
        stderr(&second).contains("0 jobs added, 500 already in the run"),
        "{}",
        stderr(&second)
    );
    assert_eq!(db.count("SELECT count(*) FROM workpool.jobs"), 500);
    assert_eq!(db.count("SELECT count(*) FROM workpool.runs"), 1);

    // After the run is done, the same inputs still add nothing.
    let server = SmtpServer::start(Duration::ZERO);
    let out = finish(
        case.worker(&db, &server, &[]).spawn().unwrap(),
        Duration::from_secs(120),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(server.count(), 500);
    let third = case.enqueue(&db, &[]);
    assert!(
        stderr(&third).contains("0 jobs added, 500 already in the run"),
        "{}",
        stderr(&third)
    );
    assert_eq!(db.count("SELECT count(*) FROM workpool.jobs"), 0);
    // Other inputs under the same name are refused, before anything is
    // written (other settings change the run: tests/mailer/distributed.rs).
    case.write("other.txt", &TEMPLATE.replace("is ready", "has shipped"));
    let url = db.url();
    let clash = case
        .mailer(&[
            "enqueue",
            "rows.csv",
            "other.txt",
            "--db",
            &url,
            "--run",
            &run,
        ])
        .output()
        .unwrap();
    assert_eq!(clash.status.code(), Some(2), "{}", stderr(&clash));
    assert!(
        stderr(&clash).contains("exists with other inputs"),
        "{}",
        stderr(&clash)
    );
    assert_eq!(db.count("SELECT count(*) FROM workpool.runs"), 1);
}

#[test]
#[ignore = "needs PostgreSQL (.ci/deps/postgres.sh installs it)"]
fn three_workers_one_killed_every_message_arrives() {
    const ROWS: usize = 20_000;
    const CONNECTIONS: usize = 4;
    let db = Postgres::start();
    let server = SmtpServer::start(Duration::from_millis(1));
    let case = Case::new();
    case.csv(&emails(ROWS, "kill"));
    case.write("template.txt", TEMPLATE);
    let out = case.enqueue(&db, &[]);
    assert!(out.status.success(), "{}", stderr(&out));

    let connections = CONNECTIONS.to_string();
    let extra = ["--connections", &connections, "--lease", "3s"];
    let mut workers: Vec<Child> = (0..3)
        .map(|_| case.worker(&db, &server, &extra).spawn().unwrap())
        .collect();
    wait_until(
        "a quarter of the messages sent",
        Duration::from_secs(120),
        || server.count() > ROWS / 4,
    );
    let victim = workers.remove(0);
    let victim_pid = i32::try_from(victim.id()).unwrap();
    let mut victim = victim;
    victim.kill().unwrap();
    victim.wait().unwrap();
    let before = server.count();
    assert!(
        before < ROWS,
        "the run ended before the kill: nothing tested"
    );

    for worker in workers {
        let out = finish(worker, Duration::from_secs(300));
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let counts = per_recipient(&server);
    let missing: Vec<_> = emails(ROWS, "kill")
        .into_iter()
        .filter(|e| !counts.contains_key(&format!("<{e}>")) && !counts.contains_key(e))
        .collect();
    assert!(
        missing.is_empty(),
        "{} never arrived, e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(3)]
    );
    let duplicates: usize = counts.values().map(|n| n - 1).sum();
    eprintln!("duplicates after kill -9: {duplicates}");
    // Sent twice at most: what the killed worker had in hand (a message on
    // each connection, and those whose 250 it had not yet recorded).
    assert!(
        duplicates <= 2 * CONNECTIONS,
        "{duplicates} messages arrived twice"
    );

    assert_eq!(
        db.count("SELECT coalesce(sum(n), 0)::int8 FROM workpool.finished"),
        ROWS as i64
    );
    assert_eq!(
        db.count("SELECT count(*) FROM workpool.jobs"),
        0,
        "jobs left in the queue"
    );
    let status = case.status(&db);
    assert_eq!(status["done"], ROWS as i64, "{status}");
    assert_eq!(status["running"], 0, "{status}");
    assert_eq!(status["ready"], 0, "{status}");
    let states: HashMap<i64, String> = status["workers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["pid"].as_i64().unwrap(),
                w["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        states.get(&i64::from(victim_pid)).map(String::as_str),
        Some("dead"),
        "{status}"
    );
    assert_eq!(
        states.values().filter(|s| *s == "stopped").count(),
        2,
        "{status}"
    );
}

#[test]
#[ignore = "needs PostgreSQL (.ci/deps/postgres.sh installs it)"]
fn a_worker_stopped_past_its_lease_changes_nothing_when_it_wakes() {
    const ROWS: usize = 3000;
    let db = Postgres::start();
    // Slow enough that the stopped worker has messages in hand.
    let server = SmtpServer::start(Duration::from_millis(20));
    let case = Case::new();
    case.csv(&emails(ROWS, "stop"));
    case.write("template.txt", TEMPLATE);
    assert!(case.enqueue(&db, &[]).status.success());

    // A lease long enough that the worker left running renews it on a
    // busy machine, short enough for a quick test.
    let extra = ["--connections", "4", "--lease", "4s"];
    let sleeper = case.worker(&db, &server, &extra).spawn().unwrap();
    let other = case.worker(&db, &server, &extra).spawn().unwrap();
    wait_until("some messages sent", Duration::from_secs(60), || {
        server.count() > 200
    });
    let pid = sleeper.id().to_string();
    signal("-STOP", &pid);
    // Past the lease: the other worker takes its jobs back and finishes
    // the run, which it can only do with them.
    let other = finish(other, Duration::from_secs(300));
    assert!(other.status.success(), "{}", stderr(&other));
    assert_eq!(db.count("SELECT count(*) FROM workpool.jobs"), 0);
    signal("-CONT", &pid);
    let woke = finish(sleeper, Duration::from_secs(60));
    assert_eq!(
        woke.status.code(),
        Some(1),
        "a worker that lost its lease exits 1: {}",
        stderr(&woke)
    );
    assert!(
        stderr(&woke).contains("could not renew the leases"),
        "{}",
        stderr(&woke)
    );
    let report = summary(&woke);
    assert!(
        report["refused"].as_u64().unwrap() >= 1,
        "its late completions were refused: {report}"
    );

    // Every job done once, counted once.
    assert_eq!(
        db.count("SELECT coalesce(sum(n), 0)::int8 FROM workpool.finished"),
        ROWS as i64
    );
    assert_eq!(
        db.count("SELECT sum(done) FROM workpool.workers"),
        ROWS as i64
    );
    let counts = per_recipient(&server);
    assert_eq!(counts.len(), ROWS, "every recipient got a message");
}

#[test]
#[ignore = "needs PostgreSQL (.ci/deps/postgres.sh installs it)"]
fn a_rate_is_the_whole_runs_over_three_workers() {
    const ROWS: usize = 250;
    let db = Postgres::start();
    let server = SmtpServer::start(Duration::ZERO);
    let case = Case::new();
    case.csv(&emails(ROWS, "rate"));
    case.write("template.txt", TEMPLATE);
    let out = case.enqueue(&db, &["--rate", "50/s"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let workers: Vec<Child> = (0..3)
        .map(|_| {
            case.worker(&db, &server, &["--connections", "4"])
                .spawn()
                .unwrap()
        })
        .collect();
    for worker in workers {
        let out = finish(worker, Duration::from_secs(120));
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let mut times: Vec<Instant> = server.messages().iter().map(|m| m.at).collect();
    assert_eq!(times.len(), ROWS);
    times.sort();
    let span = times[ROWS - 1] - times[0];
    let rate = (ROWS - 1) as f64 / span.as_secs_f64();
    eprintln!("{ROWS} messages over three workers at --rate 50/s: {rate:.1}/s");
    // Never above the run's rate (three workers each at 50/s would be
    // 150/s); below it only as far as a busy machine can slow a run down,
    // well above a rate split three ways (16.7/s).
    assert!(
        rate <= 55.0,
        "the run's rate was {rate:.1}/s, above --rate 50/s"
    );
    assert!(
        rate >= 30.0,
        "the run's rate was {rate:.1}/s, far below --rate 50/s"
    );
}

/// `text` without what differs from one rendering to the next: the Date
/// header and the MIME boundaries.
fn normalised(text: &str) -> String {
    let mut text = text
        .lines()
        .filter(|l| !l.starts_with("Date:"))
        .collect::<Vec<_>>()
        .join("\n");
    let boundaries: Vec<String> = text
        .split("boundary=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next().map(str::to_owned))
        .collect();
    for b in boundaries {
        text = text.replace(&b, "BOUNDARY");
    }
    text
}

#[test]
#[ignore = "needs PostgreSQL (.ci/deps/postgres.sh) and moto (.ci/deps/s3.sh)"]
fn attachments_from_s3_reach_every_message_of_a_distributed_run() {
    let db = Postgres::start();
    let s3 = workpool_tests::S3Server::start();
    let samples = workpool_tests::samples_dir().join("mailer");
    // The rows name `attachments/invoice.txt`, relative to the folder.
    s3.upload("mail", &samples.join("attachments"), "files/attachments");
    let case = Case::new();
    let csv = samples.join("customers.csv");
    let template = samples.join("template.txt");
    let (csv, template) = (csv.to_str().unwrap(), template.to_str().unwrap());

    // The single-machine dry run, with the attachments on disk.
    let out = case
        .mailer(&[csv, template, "--outbox", "single", "--quiet"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));

    let url = db.url();
    let env = s3.env();
    let out = case
        .mailer(&[
            "enqueue",
            csv,
            template,
            "--attachments-dir",
            "s3://mail/files",
            "--db",
            &url,
            "--quiet",
        ])
        .envs(env.iter().cloned())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let workers: Vec<Child> = (0..2)
        .map(|_| {
            case.mailer(&["work", "--db", &url, "--outbox", "spread", "--quiet"])
                .envs(env.iter().cloned())
                .spawn()
                .unwrap()
        })
        .collect();
    for worker in workers {
        let out = finish(worker, Duration::from_secs(120));
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let mut names: Vec<_> = std::fs::read_dir(case.path("single"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert_eq!(names.len(), 20);
    let mut attached = 0;
    for name in &names {
        let a = std::fs::read_to_string(case.path("single").join(name)).unwrap();
        let b = std::fs::read_to_string(case.path("spread").join(name))
            .unwrap_or_else(|e| panic!("{name:?}: {e}"));
        assert_eq!(normalised(&a), normalised(&b), "{name:?}");
        attached += usize::from(a.contains("Content-Disposition: attachment"));
    }
    assert!(attached > 0, "the samples attach files to some rows");
}

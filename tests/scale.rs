//! `resizer` and `reporter` across machines: `enqueue`, then two `work`
//! processes on a real PostgreSQL (a throwaway cluster per test), each
//! doing part of the run, give the same outputs as the single-machine
//! command on the same inputs.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Output};

use workpool_tests::{Postgres, S3Server, command, files, pdf_text, samples_dir, temp_dir};

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn run(tool: &str, args: &[&str]) -> String {
    ok(&command(tool).args(args).output().unwrap())
}

/// Runs `work` twice at once for `tool` on run `name`, with `env` (the S3
/// server's variables, or none), one job at a time each (`--workers 1
/// --batch 1`), and checks that each worker did part of the run. The run
/// is paused until both workers are up, then resumed: both are woken at
/// once, whatever the time each took to start.
fn two_workers(tool: &str, db: &Postgres, name: &str, env: &[(&str, String)]) {
    let url = db.url();
    let control = |verb: &str| {
        ok(&command(tool)
            .args([verb, "--db", &url, "--run", name])
            .output()
            .unwrap());
    };
    control("pause");
    let workers: Vec<_> = (0..2)
        .map(|_| {
            command(tool)
                .args(["work", "--db", &url, "--quiet", "--json"])
                .args(["--workers", "1", "--batch", "1"])
                .envs(env.iter().cloned())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let started = std::time::Instant::now();
    while db.count("SELECT count(*) FROM workpool.workers") < 2 {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "the {tool} workers did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    control("resume");
    let mut succeeded = Vec::new();
    for worker in workers {
        let out = worker.wait_with_output().unwrap();
        assert!(out.status.success(), "a {tool} worker failed");
        let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        succeeded.push(summary["succeeded"].as_i64().unwrap());
    }
    // Nothing is left, every job was counted once, and each worker did
    // some of them.
    assert_eq!(db.count("SELECT count(*) FROM workpool.workers"), 2);
    assert_eq!(db.count("SELECT count(*) FROM workpool.jobs"), 0);
    let done = db.count("SELECT coalesce(sum(n), 0)::int8 FROM workpool.finished");
    assert_eq!(
        db.count("SELECT sum(done)::int8 FROM workpool.workers"),
        done
    );
    assert_eq!(succeeded.iter().sum::<i64>(), done, "{succeeded:?}");
    assert!(
        succeeded.iter().all(|&n| n > 0),
        "a {tool} worker did nothing: {succeeded:?}"
    );
}

#[test]
#[ignore = "needs PostgreSQL (.ci/deps/postgres.sh installs it)"]
fn resizer_two_workers_make_the_single_machine_outputs() {
    let db = Postgres::start();
    let dir = temp_dir();
    let input = samples_dir().join("resizer");
    let (single, spread) = (dir.path().join("single"), dir.path().join("spread"));
    let input = input.to_str().unwrap();
    let sizes = ["--size", "800x800", "--size", "200x200"];
    let mut args = vec![input, single.to_str().unwrap(), "--quiet"];
    args.extend(sizes);
    run("resizer", &args);
    let url = db.url();
    let mut args = vec![
        "enqueue",
        input,
        spread.to_str().unwrap(),
        "--db",
        &url,
        "--quiet",
    ];
    args.extend(sizes);
    let name = run("resizer", &args);
    two_workers("resizer", &db, name.trim(), &[]);
    let (a, b) = (files(&single), files(&spread));
    assert!(a.len() >= 6, "the samples make outputs: {:?}", a.keys());
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, bytes) in &a {
        assert!(bytes == &b[name], "{name} differs");
    }
}

#[test]
#[ignore = "needs PostgreSQL (.ci/deps/postgres.sh) and moto (python3 -m moto.server, .ci/deps/s3.sh)"]
fn resizer_two_workers_with_inputs_and_outputs_in_s3() {
    let db = Postgres::start();
    let s3 = S3Server::start();
    let dir = temp_dir();
    let input = samples_dir().join("resizer");
    s3.upload("photos", &input, "in");
    let single = dir.path().join("single");
    let sizes = ["--size", "800x800", "--size", "200x200"];
    let mut args = vec![input.to_str().unwrap(), single.to_str().unwrap(), "--quiet"];
    args.extend(sizes);
    run("resizer", &args);

    let url = db.url();
    let env = s3.env();
    let mut args = vec![
        "enqueue",
        "s3://photos/in",
        "s3://photos/out",
        "--db",
        &url,
        "--quiet",
    ];
    args.extend(sizes);
    let name = ok(&command("resizer")
        .args(&args)
        .envs(env.iter().cloned())
        .output()
        .unwrap());
    two_workers("resizer", &db, name.trim(), &env);
    let fetched = dir.path().join("fetched");
    s3.download("photos", "out", &fetched);

    // The same files, byte for byte (the settings file is the local
    // run's own: it tells up-to-date outputs apart on disk).
    let mut a = files(&single);
    a.retain(|name, _| !name.starts_with('.'));
    let b = files(&fetched);
    assert!(a.len() >= 6, "{:?}", a.keys());
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, bytes) in &a {
        assert!(bytes == &b[name], "{name} differs");
    }
}

#[test]
#[ignore = "needs PostgreSQL (.ci/deps/postgres.sh) and pdftotext (poppler-utils, .ci/deps/reporter.sh)"]
fn reporter_two_workers_make_the_single_machine_reports() {
    let db = Postgres::start();
    let dir = temp_dir();
    let samples = samples_dir().join("reports");
    let items = samples.join("items.csv");
    let layout = samples.join("statement-logo.toml");
    let (single, spread) = (dir.path().join("single"), dir.path().join("spread"));
    let common = [
        items.to_str().unwrap(),
        "--group-by",
        "account",
        "--layout",
        layout.to_str().unwrap(),
        "--quiet",
    ];
    let mut args = common.to_vec();
    args.extend(["--out", single.to_str().unwrap()]);
    run("reporter", &args);
    let url = db.url();
    let mut args = vec!["enqueue"];
    args.extend(common);
    args.extend(["--out", spread.to_str().unwrap(), "--db", &url]);
    let name = run("reporter", &args);
    two_workers("reporter", &db, name.trim(), &[]);
    let (a, b) = (files(&single), files(&spread));
    assert!(a.len() >= 4, "{:?}", a.keys());
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    // The same pages and text. (The bytes differ in the names printpdf
    // gives fonts and images, drawn from a per-process counter.)
    for name in a.keys() {
        let (x, y) = (single.join(name), spread.join(name));
        assert_eq!(pdf_text(&x), pdf_text(&y), "{name}");
        let out = Command::new("qpdf")
            .args(["--check"])
            .arg(&y)
            .output()
            .unwrap();
        assert!(out.status.success(), "qpdf --check {name}");
        let size = |p: &Path| std::fs::metadata(p).unwrap().len() as i64;
        assert!((size(&x) - size(&y)).abs() < 64, "{name}: sizes differ");
    }
}

#[test]
#[ignore = "needs PostgreSQL (.ci/deps/postgres.sh), moto (.ci/deps/s3.sh) and pdftotext (.ci/deps/reporter.sh)"]
fn reporter_two_workers_read_and_write_s3() {
    let db = Postgres::start();
    let s3 = S3Server::start();
    // The input is read from the bucket too.
    s3.upload("reports", &samples_dir().join("reports"), "in");
    let dir = temp_dir();
    let samples = samples_dir().join("reports");
    let items = samples.join("items.csv");
    let single = dir.path().join("single");
    let common = [items.to_str().unwrap(), "--group-by", "account", "--quiet"];
    let mut args = common.to_vec();
    args.extend(["--out", single.to_str().unwrap()]);
    run("reporter", &args);

    let url = db.url();
    let env = s3.env();
    let mut args = vec!["enqueue", "s3://reports/in/items.csv"];
    args.extend(&common[1..]);
    args.extend(["--out", "s3://reports/statements", "--db", &url]);
    let name = ok(&command("reporter")
        .args(&args)
        .envs(env.iter().cloned())
        .output()
        .unwrap());
    two_workers("reporter", &db, name.trim(), &env);
    let fetched = dir.path().join("fetched");
    s3.download("reports", "statements", &fetched);
    let (a, b) = (files(&single), files(&fetched));
    assert!(a.len() >= 4, "{:?}", a.keys());
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for name in a.keys() {
        assert_eq!(
            pdf_text(&single.join(name)),
            pdf_text(&fetched.join(name)),
            "{name}"
        );
    }
}

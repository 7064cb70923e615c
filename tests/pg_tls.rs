//! The three tools across machines over TLS, on a cluster set up as
//! managed databases are (TLS only, a certificate from a private CA,
//! scram-sha-256): `enqueue`, `work` and `status` with the password from
//! `PGPASSWORD`, a password file or the URL, and a connection that cannot
//! be made told in one line, exit 2.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use workpool_tests::{Postgres, TLS_PASSWORD, command, samples_dir, temp_dir};

/// The libpq variables a developer's shell may hold, cleared so that only
/// what each test gives counts.
const PG_VARS: &[&str] = &[
    "PGHOST",
    "PGHOSTADDR",
    "PGPORT",
    "PGDATABASE",
    "PGUSER",
    "PGPASSWORD",
    "PGPASSFILE",
    "PGSSLMODE",
    "PGSSLROOTCERT",
    "PGCHANNELBINDING",
    "PGOPTIONS",
    "PGAPPNAME",
    "WORKPOOL_DATABASE_URL",
];

/// `tool` run in `dir` with `HOME` there too (no `~/.pgpass` or
/// `~/.postgresql/root.crt` of the machine's) and `env`.
fn tool(name: &str, dir: &Path, env: &[(&str, &str)]) -> Command {
    let mut cmd = command(name);
    cmd.current_dir(dir).env("HOME", dir);
    for var in PG_VARS {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied());
    cmd
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn ok(out: Output) -> Output {
    assert!(
        out.status.success(),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    out
}

/// `TOOL status --json` of the one run: (enqueued, done).
fn status(name: &str, dir: &Path, url: &str, env: &[(&str, &str)]) -> (i64, i64) {
    let out = ok(tool(name, dir, env)
        .args(["status", "--db", url, "--json"])
        .output()
        .unwrap());
    let run: Value = serde_json::from_str(text(&out.stdout).trim()).unwrap();
    (
        run["enqueued"].as_i64().unwrap(),
        run["done"].as_i64().unwrap(),
    )
}

fn count_files(dir: &Path, extension: &str) -> usize {
    let mut n = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == extension) {
                n += 1;
            }
        }
    }
    n
}

#[test]
#[ignore = "needs PostgreSQL (postgresql) and openssl"]
fn mailer_over_verify_full_with_the_password_in_pgpassword() {
    let db = Postgres::start_tls();
    let dir = temp_dir();
    let mut rows = String::from("email,name\n");
    for i in 0..40 {
        rows.push_str(&format!("person{i}@example.com,Person {i}\n"));
    }
    std::fs::write(dir.path().join("rows.csv"), rows).unwrap();
    std::fs::write(
        dir.path().join("template.txt"),
        "From: Shop <shop@example.com>\nTo: {{ name }} <{{ email }}>\nSubject: Hi {{ name }}\n\nHello.\n",
    )
    .unwrap();
    let ca = db.ca_file().display().to_string();
    let url = db.tls_url(&format!("sslmode=verify-full&sslrootcert={ca}"));
    let env = [("PGPASSWORD", TLS_PASSWORD)];

    let out = ok(tool("mailer", dir.path(), &env)
        .args([
            "enqueue",
            "rows.csv",
            "template.txt",
            "--db",
            &url,
            "--quiet",
        ])
        .output()
        .unwrap());
    assert!(
        text(&out.stdout).starts_with("mailer-"),
        "{}",
        text(&out.stdout)
    );
    // A dry run: the worker writes each message to the outbox.
    ok(tool("mailer", dir.path(), &env)
        .args(["work", "--db", &url, "--quiet", "--json"])
        .output()
        .unwrap());
    assert_eq!(count_files(&dir.path().join("outbox"), "eml"), 40);
    assert_eq!(status("mailer", dir.path(), &url, &env), (40, 40));
    // psql (libpq) agrees: over verify-full, nothing left.
    assert_eq!(db.count("SELECT count(*) FROM workpool.jobs"), 0);

    // Without the CA, nothing to trust the server by: one line, exit 2.
    let port = db.port();
    let out = tool("mailer", dir.path(), &env)
        .args(["status", "--db", &db.tls_url("sslmode=verify-full")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stderr),
        format!(
            "mailer: cannot connect to the database at db.test:{port} (address 127.0.0.1) \
             (sslmode=verify-full): server certificate not trusted: no certificate authority in \
             the platform's trusted roots signed it (give the CA that did with sslrootcert)\n"
        )
    );
}

#[test]
#[ignore = "needs PostgreSQL (postgresql) and openssl"]
fn resizer_with_everything_from_the_environment_and_a_password_file() {
    let db = Postgres::start_tls();
    let dir = temp_dir();
    // The URL names only the server; PGSSLMODE, PGSSLROOTCERT and
    // PGPASSFILE say the rest.
    let url = db.tls_url("");
    let passfile = dir.path().join("pgpass");
    let escaped = TLS_PASSWORD.replace('\\', "\\\\").replace(':', "\\:");
    std::fs::write(&passfile, format!("db.test:*:*:postgres:{escaped}\n")).unwrap();
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&passfile, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let ca = db.ca_file().display().to_string();
    let passfile = passfile.display().to_string();
    let env = [
        ("PGSSLMODE", "verify-full"),
        ("PGSSLROOTCERT", ca.as_str()),
        ("PGPASSFILE", passfile.as_str()),
    ];
    let input = samples_dir().join("resizer");
    let output = dir.path().join("out");
    ok(tool("resizer", dir.path(), &env)
        .args(["enqueue", input.to_str().unwrap(), output.to_str().unwrap()])
        .args(["--size", "100x100", "--db", &url, "--quiet"])
        .output()
        .unwrap());
    ok(tool("resizer", dir.path(), &env)
        .args(["work", "--db", &url, "--quiet", "--json"])
        .output()
        .unwrap());
    let (enqueued, done) = status("resizer", dir.path(), &url, &env);
    assert!(enqueued >= 5, "{enqueued}");
    assert_eq!(done, enqueued);
    let made = count_files(&output, "jpg") + count_files(&output, "png");
    assert!(made >= 5, "{made} images resized");
}

#[test]
#[ignore = "needs PostgreSQL (postgresql) and openssl"]
fn reporter_with_the_password_in_the_url_warns_and_never_prints_it() {
    let db = Postgres::start_tls();
    let dir = temp_dir();
    let ca = db.ca_file().display().to_string();
    let encoded = TLS_PASSWORD.replace('\\', "%5C").replace(':', "%3A");
    let url = format!(
        "postgres://postgres:{encoded}@db.test:{}/postgres?hostaddr=127.0.0.1&sslmode=verify-full&sslrootcert={ca}",
        db.port()
    );
    let items = samples_dir().join("reports").join("items.csv");
    let out = dir.path().join("out");
    let enqueue = ok(tool("reporter", dir.path(), &[])
        .args(["enqueue", items.to_str().unwrap(), "--group-by", "account"])
        .args(["--out", out.to_str().unwrap(), "--db", &url])
        .output()
        .unwrap());
    let warning = text(&enqueue.stderr);
    assert!(
        warning.contains("the database URL holds a password, which other users of this machine can see in the process list"),
        "{warning}"
    );
    let work = ok(tool("reporter", dir.path(), &[])
        .args(["work", "--db", &url, "--json"])
        .output()
        .unwrap());
    let status = ok(tool("reporter", dir.path(), &[])
        .args(["status", "--db", &url])
        .output()
        .unwrap());
    assert!(count_files(&out, "pdf") >= 4);
    assert!(text(&status.stderr).contains("process list"));
    for out in [&enqueue, &work, &status] {
        for stream in [&out.stdout, &out.stderr] {
            let shown = text(stream);
            assert!(
                !shown.contains(&encoded) && !shown.contains(TLS_PASSWORD),
                "{shown}"
            );
        }
    }
    // From the tools' own variable it is not on the command line: no
    // warning.
    let quiet = ok(
        tool("reporter", dir.path(), &[("WORKPOOL_DATABASE_URL", &url)])
            .args(["status"])
            .output()
            .unwrap(),
    );
    assert!(
        !text(&quiet.stderr).contains("process list"),
        "{}",
        text(&quiet.stderr)
    );
}

//! A throwaway PostgreSQL cluster per test: `initdb` into a temporary
//! folder, `pg_ctl start` on a free loopback port, stopped and removed
//! when the guard drops. As root, the server runs as the `postgres` user
//! (PostgreSQL refuses root), as Debian's packages set it up.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A running cluster.
#[derive(Debug)]
pub struct Postgres {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
}

/// The folder of PostgreSQL's programs (`initdb`, `pg_ctl`), newest
/// version first, if installed.
pub fn postgres_bin() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").is_file())
        .collect();
    dirs.sort();
    dirs.pop()
}

fn is_root() -> bool {
    // The effective user of this process, read without libc.
    std::fs::read_to_string("/proc/self/status").is_ok_and(|s| {
        s.lines()
            .find(|l| l.starts_with("Uid:"))
            .and_then(|l| l.split_whitespace().nth(2))
            == Some("0")
    })
}

fn run_as_server(program: &Path, args: &[&str]) -> Output {
    let out = if is_root() {
        let mut line = shell_quote(&program.display().to_string());
        for arg in args {
            line.push(' ');
            line.push_str(&shell_quote(arg));
        }
        Command::new("su")
            .args(["postgres", "-s", "/bin/sh", "-c", &line])
            .output()
    } else {
        Command::new(program).args(args).output()
    };
    out.unwrap_or_else(|e| panic!("{} cannot run: {e}", program.display()))
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

impl Postgres {
    /// Starts a cluster.
    ///
    /// # Panics
    ///
    /// When PostgreSQL is not installed (the tests that call this are
    /// `#[ignore]`d with that reason) or does not start.
    pub fn start() -> Postgres {
        let bin = postgres_bin().expect(
            "PostgreSQL is not installed: apt-get install postgresql (.ci/deps/postgres.sh)",
        );
        let dir = tempfile::Builder::new()
            .prefix("workpool-pg-")
            .tempdir()
            .expect("a temporary folder");
        if is_root() {
            let ok = Command::new("chown")
                .args(["postgres", &dir.path().display().to_string()])
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "chown postgres {}", dir.path().display());
        }
        let data = dir.path().join("data");
        let out = run_as_server(
            &bin.join("initdb"),
            &[
                "-D",
                &data.display().to_string(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ],
        );
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // A port picked free can be taken by another test's server before
        // PostgreSQL binds it: try again on another.
        let mut failure = String::new();
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port();
            let options = format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
                dir.path().display()
            );
            let out = run_as_server(
                &bin.join("pg_ctl"),
                &[
                    "-s",
                    "-D",
                    &data.display().to_string(),
                    "-l",
                    &dir.path().join("log").display().to_string(),
                    "-o",
                    &options,
                    "-w",
                    "start",
                ],
            );
            if out.status.success() {
                return Postgres { bin, dir, port };
            }
            failure = String::from_utf8_lossy(&out.stderr).into_owned();
        }
        panic!("pg_ctl start failed on five ports: {failure}");
    }

    /// The URL of the cluster's `postgres` database.
    pub fn url(&self) -> String {
        self.database_url("postgres")
    }

    /// The URL of database `name` in the cluster.
    pub fn database_url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// Runs `sql` with `psql` and returns its unaligned output, trimmed.
    ///
    /// # Panics
    ///
    /// When psql fails.
    pub fn query(&self, sql: &str) -> String {
        let out = Command::new(self.bin.join("psql"))
            .args(["-X", "-At", "-d", &self.url(), "-c", sql])
            .output()
            .expect("psql runs");
        assert!(
            out.status.success(),
            "psql {sql:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// As [`Postgres::query`], one number.
    pub fn count(&self, sql: &str) -> i64 {
        let text = self.query(sql);
        text.parse()
            .unwrap_or_else(|_| panic!("{sql:?} gave {text:?}, not a number"))
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // A failed test shows what the server said (deadlocks, errors).
        if std::thread::panicking()
            && let Ok(log) = std::fs::read_to_string(self.dir.path().join("log"))
        {
            let tail: Vec<&str> = log.lines().rev().take(60).collect();
            eprintln!("--- PostgreSQL log (last lines) ---");
            for line in tail.iter().rev() {
                eprintln!("{line}");
            }
        }
        let data = self.dir.path().join("data");
        let _ = run_as_server(
            &self.bin.join("pg_ctl"),
            &[
                "-s",
                "-D",
                &data.display().to_string(),
                "-m",
                "immediate",
                "stop",
            ],
        );
    }
}

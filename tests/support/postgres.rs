//! A throwaway PostgreSQL cluster per test: `initdb` into a temporary
//! folder, `pg_ctl start` on a free loopback port, stopped and removed
//! when the guard drops. As root, the server runs as the `postgres` user
//! (PostgreSQL refuses root), as Debian's packages set it up.
//!
//! [`Postgres::start`] trusts every local connection (fast, for the scale
//! tests); [`Postgres::start_tls`] is set up as managed databases are: TLS
//! only, with a certificate from a private CA, and passwords.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A running cluster.
#[derive(Debug)]
pub struct Postgres {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    /// The CA that signed the server's certificate, in TLS mode.
    ca: Option<PathBuf>,
}

/// The only name in the TLS cluster's certificate (it listens on
/// 127.0.0.1: connect with `host=TLS_HOST hostaddr=127.0.0.1`).
pub const TLS_HOST: &str = "db.test";

/// The password of user `postgres` in the TLS cluster.
pub const TLS_PASSWORD: &str = "pw-for:tests\\only";

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
        Postgres::start_in(false)
    }

    /// Starts a cluster as managed databases run: `ssl=on` with a server
    /// certificate for [`TLS_HOST`] only, signed by a CA made here by
    /// openssl ([`Postgres::ca_file`]); `pg_hba.conf` with nothing but
    /// `hostssl ... scram-sha-256`; user `postgres` with password
    /// [`TLS_PASSWORD`].
    ///
    /// # Panics
    ///
    /// As [`Postgres::start`], and when openssl fails.
    pub fn start_tls() -> Postgres {
        Postgres::start_in(true)
    }

    fn start_in(tls: bool) -> Postgres {
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
        let data_arg = data.display().to_string();
        let pwfile = dir.path().join("pwfile");
        let pwfile_arg = format!("--pwfile={}", pwfile.display());
        let mut initdb = vec!["-D", &data_arg, "-U", "postgres", "--no-sync"];
        if tls {
            std::fs::write(&pwfile, format!("{TLS_PASSWORD}\n")).expect("the password file");
            initdb.extend(["-A", "scram-sha-256", &pwfile_arg]);
        } else {
            initdb.extend(["-A", "trust"]);
        }
        let out = run_as_server(&bin.join("initdb"), &initdb);
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let ca = tls.then(|| tls_setup(dir.path(), &data));
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
                return Postgres { bin, dir, port, ca };
            }
            failure = String::from_utf8_lossy(&out.stderr).into_owned();
        }
        panic!("pg_ctl start failed on five ports: {failure}");
    }

    /// The URL of the cluster's `postgres` database (in TLS mode, without
    /// the password and settings it needs: see [`Postgres::tls_url`]).
    pub fn url(&self) -> String {
        self.database_url("postgres")
    }

    /// The port the cluster listens on (on 127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The PEM file of the CA that signed the TLS cluster's certificate.
    ///
    /// # Panics
    ///
    /// When the cluster was not started with [`Postgres::start_tls`].
    pub fn ca_file(&self) -> &Path {
        self.ca
            .as_deref()
            .expect("a cluster started with Postgres::start_tls")
    }

    /// `postgres://postgres@db.test:PORT/postgres?hostaddr=127.0.0.1&PARAMS`:
    /// the TLS cluster under the name its certificate holds, without a
    /// password.
    pub fn tls_url(&self, params: &str) -> String {
        format!(
            "postgres://postgres@{TLS_HOST}:{}/postgres?hostaddr=127.0.0.1&{params}",
            self.port
        )
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
        let mut psql = Command::new(self.bin.join("psql"));
        psql.args(["-X", "-At", "-c", sql]);
        match &self.ca {
            // libpq itself checks the certificate: what the tests expect
            // of the tools holds for the reference client too.
            Some(ca) => psql
                .args(["-d", &self.tls_url("sslmode=verify-full")])
                .envs([
                    ("PGPASSWORD", TLS_PASSWORD.as_ref()),
                    ("PGSSLROOTCERT", ca.as_os_str()),
                ]),
            None => psql.args(["-d", &self.url()]),
        };
        let out = psql.output().expect("psql runs");
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

/// Makes a CA and a certificate for [`TLS_HOST`] signed by it in
/// `dir/tls` with openssl, and sets the cluster in `data` up for TLS and
/// passwords only; returns the CA's file.
fn tls_setup(dir: &Path, data: &Path) -> PathBuf {
    let tls = dir.join("tls");
    std::fs::create_dir(&tls).expect("a folder for the certificates");
    let write = |name: &str, text: &str| {
        std::fs::write(tls.join(name), text).unwrap_or_else(|e| panic!("{name}: {e}"));
    };
    write(
        "ca.cnf",
        "[req]\ndistinguished_name = dn\nx509_extensions = ca\nprompt = no\n\
         [dn]\nCN = workpool test CA\n\
         [ca]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\n\
         subjectKeyIdentifier = hash\n",
    );
    write(
        "server.ext",
        &format!(
            "basicConstraints = CA:FALSE\nkeyUsage = critical,digitalSignature\n\
             extendedKeyUsage = serverAuth\nsubjectAltName = DNS:{TLS_HOST}\n\
             authorityKeyIdentifier = keyid\n"
        ),
    );
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let mut ca = vec!["req", "-x509", "-config", "ca.cnf", "-days", "2"];
    ca.extend(ec);
    ca.extend(["-keyout", "ca.key", "-out", "ca.crt"]);
    crate::openssl(&ca, &tls);
    let mut csr = vec!["req", "-new", "-subj", "/CN=workpool test server"];
    csr.extend(ec);
    csr.extend(["-keyout", "server.key", "-out", "server.csr"]);
    crate::openssl(&csr, &tls);
    crate::openssl(
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-set_serial",
            "2",
            "-days",
            "2",
            "-extfile",
            "server.ext",
            "-out",
            "server.crt",
        ],
        &tls,
    );
    // The server refuses a key that others can read.
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(
            tls.join("server.key"),
            std::fs::Permissions::from_mode(0o600),
        )
        .expect("chmod 0600 server.key");
    }
    if is_root() {
        let ok = Command::new("chown")
            .args(["-R", "postgres", &tls.display().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "chown -R postgres {}", tls.display());
    }
    let mut conf = std::fs::OpenOptions::new()
        .append(true)
        .open(data.join("postgresql.conf"))
        .expect("postgresql.conf");
    std::io::Write::write_all(
        &mut conf,
        format!(
            "\nssl = on\nssl_cert_file = '{}'\nssl_key_file = '{}'\n",
            tls.join("server.crt").display(),
            tls.join("server.key").display()
        )
        .as_bytes(),
    )
    .expect("postgresql.conf");
    // What managed databases allow: TLS, and a password, nothing else.
    std::fs::write(
        data.join("pg_hba.conf"),
        "hostssl all all 127.0.0.1/32 scram-sha-256\nhostssl all all ::1/128 scram-sha-256\n",
    )
    .expect("pg_hba.conf");
    tls.join("ca.crt")
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
        // Whatever still talks to this cluster (a worker a failed test
        // left running, say with `--follow`) goes with it: it would
        // otherwise outlive the test run, holding its pipes and locks.
        kill_clients(&format!("127.0.0.1:{}/", self.port));
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

/// Kills (SIGKILL) every process but this one whose command line or
/// environment holds `needle`: the clients of a cluster, by its address.
fn kill_clients(needle: &str) {
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return;
    };
    let me = std::process::id();
    let needle = needle.as_bytes();
    for entry in procs.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == me {
            continue;
        }
        let holds = |file: &str| {
            std::fs::read(entry.path().join(file))
                .is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle))
        };
        if (holds("cmdline") || holds("environ"))
            && let Some(pid) = i32::try_from(pid)
                .ok()
                .and_then(rustix::process::Pid::from_raw)
        {
            // Gone meanwhile is fine.
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
        }
    }
}

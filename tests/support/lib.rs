//! Helpers shared by the end-to-end tests in `tests/`.
//!
//! The tests run the real binaries (`mailer`, `resizer`, `reporter`) the way a
//! user would. The README's test command builds them first
//! (`cargo build --workspace --bins && cargo test --workspace`); [`bin`]
//! finds them next to the test executable, in the same target profile.

pub mod http;
mod outputs;
mod postgres;
mod rabbitmq;
mod s3;

use std::path::{Path, PathBuf};

pub use outputs::{files, pdf_text};
pub use postgres::{Postgres, TLS_HOST, TLS_PASSWORD, postgres_bin};
pub use rabbitmq::{RabbitMq, rabbitmq_installed};
pub use s3::S3Server;
use std::process::Command;

/// The path of a workspace binary built in the same profile as this test.
///
/// # Panics
///
/// Panics with a message that says how to build it when the binary is
/// missing: an end-to-end test must never pass by not running.
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test knows its own path");
    // target/<profile>/deps/<test>-<hash> -> target/<profile>/<name>
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("test executables live in target/<profile>/deps");
    let path = profile_dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.is_file(),
        "{} is missing: build the binaries first with `cargo build --workspace --bins` \
         (the README's test command does this)",
        path.display()
    );
    if let Some(source) = newer_source(&path) {
        panic!(
            "{} is older than {}, which it is built from: build the binaries again with \
             `cargo build --workspace --bins` (the README's test command does this)",
            path.display(),
            source.display()
        );
    }
    path
}

/// A source file the binary at `path` is built from (as cargo's dep-info
/// beside it, `<name>.d`, lists them) that changed after the binary was
/// built: `cargo test -p workpool-tests` alone does not rebuild the
/// binaries, and a test must not pass or fail on an old one.
fn newer_source(path: &Path) -> Option<PathBuf> {
    let built = std::fs::metadata(path).and_then(|m| m.modified()).ok()?;
    let info = std::fs::read_to_string(path.with_extension("d")).ok()?;
    let (_, list) = info.lines().next()?.split_once(": ")?;
    // Paths are separated by spaces; a space inside one is escaped ("\ ").
    let mut sources = Vec::new();
    let mut current = String::new();
    for part in list.split(' ') {
        match part.strip_suffix('\\') {
            Some(head) => {
                current.push_str(head);
                current.push(' ');
            }
            None => {
                current.push_str(part);
                sources.push(PathBuf::from(std::mem::take(&mut current)));
            }
        }
    }
    sources.into_iter().find(|source| {
        std::fs::metadata(source)
            .and_then(|m| m.modified())
            .is_ok_and(|changed| changed > built)
    })
}

/// The prefixes of the environment variables the tools read: a developer's
/// shell that sets one must not change what a test sees.
const TOOL_VARIABLES: [&str; 6] = [
    "WORKPOOL_",
    "MAILER_",
    "RESIZER_",
    "REPORTER_",
    "AMQP_",
    "PG",
];

/// A [`Command`] for the workspace binary `name`, with `RUST_LOG`,
/// `SOURCE_DATE_EPOCH` and every variable the tools read (`WORKPOOL_*`,
/// `MAILER_*`, `RESIZER_*`, `REPORTER_*`, `AMQP_*`, libpq's `PG*`) cleared,
/// so that the output the test reads does not depend on the caller's
/// shell. A test sets what it needs on the command it gets.
pub fn command(name: &str) -> Command {
    let mut cmd = Command::new(bin(name));
    cmd.env_remove("RUST_LOG").env_remove("SOURCE_DATE_EPOCH");
    for (key, _) in std::env::vars_os() {
        if key
            .to_str()
            .is_some_and(|k| TOOL_VARIABLES.iter().any(|p| k.starts_with(p)))
        {
            cmd.env_remove(key);
        }
    }
    cmd
}

pub use rustix::process::Signal;

/// Sends `signal` to the process `pid` (a child the test started), as a
/// terminal's Ctrl-C (`Signal::INT`), systemd's stop (`Signal::TERM`) or
/// `kill -9` (`Signal::KILL`) would.
///
/// # Panics
///
/// When the signal cannot be sent (the process is gone).
pub fn send_signal(pid: u32, signal: Signal) {
    let pid = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
        .expect("a child's pid is a positive i32");
    rustix::process::kill_process(pid, signal)
        .unwrap_or_else(|e| panic!("sending {signal:?} to {pid:?}: {e}"));
}

/// Makes a named pipe (FIFO) at `path`: an input file the test writes at
/// its own pace while the binary reads it.
///
/// # Panics
///
/// When it cannot be made.
pub fn make_fifo(path: &Path) {
    use rustix::fs::{CWD, FileType, Mode, mknodat};
    mknodat(CWD, path, FileType::Fifo, Mode::from_raw_mode(0o600), 0)
        .unwrap_or_else(|e| panic!("mkfifo {}: {e}", path.display()));
}

/// The repository's `samples/` folder.
pub fn samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ lives inside the workspace")
        .join("samples")
}

/// A fresh temporary directory, removed when the returned guard is dropped.
pub fn temp_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("workpool-test-")
        .tempdir()
        .expect("a temporary directory can be created")
}

/// Runs `openssl ARGS` in `dir` (making keys and certificates as a user
/// would) and returns its standard output.
///
/// # Panics
///
/// When openssl cannot run or fails, with its message.
pub fn openssl(args: &[&str], dir: &Path) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

//! An app's `main`: start the runtime, run the command, map a setup error to
//! exit status 2.

use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::process::ExitCode;
use std::sync::OnceLock;

/// The first panic outside a job, as one line.
static BUG: OnceLock<String> = OnceLock::new();

/// Reports panics: a job's is its outcome (quiet here, unless
/// `RUST_BACKTRACE` asks for details); any other is a bug, said in one line
/// and remembered, so that the command exits 2 whatever it returned.
fn install_panic_hook(tool: &'static str) {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let details = std::env::var_os("RUST_BACKTRACE").is_some_and(|v| v != "0");
        if crate::in_job() {
            tracing::debug!("a job panicked: {info}");
            if details {
                default(info);
            }
            return;
        }
        let message = crate::worker::panic_message(info.payload());
        let at = info
            .location()
            .map_or_else(String::new, |l| format!(" (at {}:{})", l.file(), l.line()));
        let line = format!("{message}{at}");
        eprintln!("{tool}: internal error: {line}");
        if details {
            default(info);
        }
        let _ = BUG.set(line);
    }));
}

/// Runs an app's command on a multi-thread tokio runtime and returns its
/// exit status.
///
/// `command` returns `Ok(status)` once it ran (0 or 1, from
/// [`exit_code`](super::exit_code)) and `Err` for bad usage, configuration
/// or input files found before any work: that error is printed as
/// `tool: error` (with its causes, `{:#}`) and the status is 2, as it is
/// when the runtime cannot start. A panic outside a job (a job's own is
/// its outcome) is a bug: it is printed in one line (`RUST_BACKTRACE=1`
/// adds the details) and the status is 2, whatever `command` returned. `worker_threads` caps the runtime's
/// threads (default: one per CPU); `Some(1)` runs everything on the main
/// thread (a current-thread runtime): enough for tools whose async work is
/// I/O and whose CPU work runs on blocking threads.
pub fn run_main<F, E>(tool: &'static str, worker_threads: Option<usize>, command: F) -> ExitCode
where
    F: Future<Output = Result<ExitCode, E>>,
    E: fmt::Display,
{
    // One thread: the current-thread runtime, on which the command and
    // every task it spawns share the main thread, with no wake-ups across
    // threads (for the mailer, a quarter of its CPU with one worker thread
    // beside the main one). Blocking work still goes to blocking threads.
    let mut builder = match worker_threads {
        Some(threads) if threads <= 1 => tokio::runtime::Builder::new_current_thread(),
        Some(threads) => {
            let mut builder = tokio::runtime::Builder::new_multi_thread();
            builder.worker_threads(threads);
            builder
        }
        None => tokio::runtime::Builder::new_multi_thread(),
    };
    let runtime = match builder.enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("{tool}: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    install_panic_hook(tool);
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| runtime.block_on(command)));
    // A panic outside a job is a bug: whatever the command went on to do
    // (a task that died early can look like an input that ended), the run
    // cannot be trusted.
    if BUG.get().is_some() {
        eprintln!(
            "{tool}: stopped by the internal error above; this is a bug: please report it (RUST_BACKTRACE=1 shows where)"
        );
        return ExitCode::from(2);
    }
    match result {
        Ok(Ok(code)) => code,
        Ok(Err(e)) => {
            eprintln!("{tool}: {e:#}");
            ExitCode::from(2)
        }
        Err(_) => ExitCode::from(2),
    }
}

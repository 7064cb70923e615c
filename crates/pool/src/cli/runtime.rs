//! An app's `main`: start the runtime, run the command, map a setup error to
//! exit status 2.

use std::fmt;
use std::future::Future;
use std::process::ExitCode;

/// Runs an app's command on a multi-thread tokio runtime and returns its
/// exit status.
///
/// `command` returns `Ok(status)` once it ran (0 or 1, from
/// [`exit_code`](super::exit_code)) and `Err` for bad usage, configuration
/// or input files found before any work: that error is printed as
/// `tool: error` (with its causes, `{:#}`) and the status is 2, as it is
/// when the runtime cannot start. `worker_threads` caps the runtime's
/// threads (default: one per CPU); `Some(1)` runs everything on the main
/// thread (a current-thread runtime): enough for tools whose async work is
/// I/O and whose CPU work runs on blocking threads.
pub fn run_main<F, E>(tool: &str, worker_threads: Option<usize>, command: F) -> ExitCode
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
    match runtime.block_on(command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{tool}: {e:#}");
            ExitCode::from(2)
        }
    }
}

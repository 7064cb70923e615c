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
/// threads (default: one per CPU); tools whose work runs on blocking threads
/// need only one.
pub fn run_main<F, E>(tool: &str, worker_threads: Option<usize>, command: F) -> ExitCode
where
    F: Future<Output = Result<ExitCode, E>>,
    E: fmt::Display,
{
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(threads) = worker_threads {
        builder.worker_threads(threads.max(1));
    }
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

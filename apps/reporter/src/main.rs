//! `reporter`: a batch of PDF reports from tabular data, on the workpool.
//!
//! [`report_jobs::Reporter::prepare`] does everything that can fail the
//! whole run (layout, fonts, input syntax, grouping) before any work: a
//! problem there exits 2 with nothing written. Then `pool::cli::run_tool`
//! draws one report per group on the blocking threads (one worker per core
//! by default), prints the summary, lists failed groups in the failures
//! file and exits 0 or 1. `reporter enqueue|work|status|retry` run it
//! across machines on a PostgreSQL queue.

mod app;
mod args;
mod consume;

use std::process::ExitCode;

/// mimalloc instead of glibc's malloc: drawing a report allocates many
/// small, short-lived objects (operations, strings, maps), and with glibc
/// a quarter of the CPU went to malloc and free.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    pool::cli::main::<app::ReporterApp>(&[pool_web::engine(), pool_amqp::cli::engine()])
}

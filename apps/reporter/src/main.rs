//! `reporter`: a batch of PDF reports from tabular data, on the workpool.
//!
//! [`report_jobs::Reporter::prepare`] does everything that can fail the
//! whole run (layout, fonts, input syntax, grouping) before any work: a
//! problem there exits 2 with nothing written. Then `pool::cli::run_tool`
//! draws one report per group on the blocking threads (one worker per core
//! by default), prints the summary, lists failed groups in the failures
//! file and exits 0 or 1. `reporter enqueue|work|status|retry` run it
//! across machines on a PostgreSQL queue.

mod args;
mod verbs;

use std::process::ExitCode;

use clap::Parser as _;

use crate::args::Cli;

/// mimalloc instead of glibc's malloc: drawing a report allocates many
/// small, short-lived objects (operations, strings, maps), and with glibc
/// a quarter of the CPU went to malloc and free.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(verb) = pool_postgres::cli::Verb::of(&args) {
        return verbs::main(verb, args);
    }
    let cli = Cli::parse_from(args);
    pool::cli::init_logging(cli.pool.quiet);
    // The work runs on blocking threads: one runtime thread is enough.
    pool::cli::run_main("reporter", Some(1), async move {
        // Reading and grouping the input blocks; nothing else runs yet.
        let reporter = cli.reporter().await?;
        anyhow::Ok(pool::cli::run_tool(reporter, &cli.pool).await?)
    })
}

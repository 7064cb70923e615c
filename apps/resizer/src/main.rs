//! `resizer`: resize a folder of images on the workpool.
//!
//! Flags become an [`image_jobs::Resizer`]: the input folder is walked
//! lazily into a bounded pool whose workers decode, resize and encode on
//! tokio's blocking threads (one job per core by default);
//! `pool::cli::run_tool` runs it with the journal, progress, Ctrl-C,
//! summary and exit code (0 all done, 1 some failed, 2 bad usage).
//! `resizer enqueue|work|status|retry` run it across machines on a
//! PostgreSQL queue.

mod args;
mod malloc;
mod verbs;

use std::process::ExitCode;

use clap::Parser as _;

use crate::args::Cli;

fn main() -> ExitCode {
    malloc::tune();
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(verb) = pool_postgres::cli::Verb::of(&args) {
        return verbs::main(verb, args);
    }
    let cli = Cli::parse_from(args);
    pool::cli::init_logging(cli.pool.quiet);
    // The work runs on blocking threads: one runtime thread walks the input.
    pool::cli::run_main("resizer", Some(1), async move {
        let resizer = cli.resizer()?;
        anyhow::Ok(pool::cli::run_tool(resizer, &cli.pool).await?)
    })
}

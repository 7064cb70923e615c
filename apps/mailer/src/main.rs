//! `mailer`: bulk-send personalised emails from a CSV file and a template.
//!
//! By default a dry run: every message is written as an `.eml` file to
//! `--outbox`. With `--send --smtp URL` the messages go to the SMTP server
//! over `--connections` reused connections. `--check` only renders every
//! row. The tool is [`email_jobs::Mailer`]; `pool::cli::run_tool` runs it.
//!
//! Delivery is at least once: a row is recorded in the `--journal` only
//! after the server's 250 reply, so after `kill -9` a re-run may send again
//! the messages that were in flight at that instant (at most
//! `--connections`), and loses none.

mod args;
mod attachments;
mod check;
mod verbs;

use std::process::ExitCode;

use clap::Parser as _;
use email_jobs::Campaign;

use crate::args::Cli;

/// mimalloc instead of glibc's malloc: every message is built, formatted,
/// signed and dropped in many small allocations, a tenth of the CPU with
/// glibc's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(verb) = pool_postgres::cli::Verb::of(&args) {
        return verbs::main(verb, args);
    }
    let cli = Cli::parse_from(args);
    pool::cli::init_logging(cli.pool.quiet);
    // The connections' work is I/O: one thread, with no wake-ups across
    // threads (RSA signatures go to blocking threads).
    pool::cli::run_main("mailer", Some(1), async move {
        if cli.check {
            let campaign = Campaign::open(&cli.csv, &cli.template, &cli.options())?;
            return Ok(check::check(campaign, &cli.pool));
        }
        let staged = tempfile::tempdir()?;
        let mailer = attachments::open(cli.settings()?, staged.path()).await?;
        anyhow::Ok(pool::cli::run_tool(mailer, &cli.pool).await?)
    })
}

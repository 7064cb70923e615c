//! `mailer`: bulk-send personalised emails from a CSV file and a template.
//!
//! By default a dry run: every message is written as an `.eml` file to
//! `--outbox`. With `--send --smtp URL` the messages go to the SMTP server
//! over `--connections` reused connections. `--check` only renders every
//! row. The tool is [`email_jobs::Mailer`]; [`app::MailerApp`] says how
//! each command builds it, and `pool::cli::main` runs it on one machine
//! and through every engine's verbs.
//!
//! Delivery is at least once: a row is recorded in the `--journal` only
//! after the server's 250 reply, so after `kill -9` a re-run may send again
//! the messages that were in flight at that instant (at most
//! `--connections`), and loses none.

mod app;
mod args;
mod attachments;
mod check;

use std::process::ExitCode;

/// mimalloc instead of glibc's malloc: every message is built, formatted,
/// signed and dropped in many small allocations, a tenth of the CPU with
/// glibc's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    pool::cli::main::<app::MailerApp>(&[pool_postgres::cli::engine()])
}

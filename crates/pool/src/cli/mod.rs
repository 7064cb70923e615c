//! What the three apps share on the command line (feature `cli`): the pool
//! flags ([`PoolArgs`]), logging, the progress bar ([`Progress`]), Ctrl-C
//! handling ([`on_ctrl_c`]), the [`FailuresFile`], the end-of-run [`Summary`]
//! and exit codes.
//!
//! An app's `main` reads its own flags, builds its source, handler and
//! sink, and hands the pool flags to [`PoolArgs::configure`]:
//!
//! ```no_run
//! use clap::Parser;
//! use pool::cli::PoolArgs;
//!
//! #[derive(Parser)]
//! struct Cli {
//!     #[command(flatten)]
//!     pool: PoolArgs,
//! }
//!
//! let cli = Cli::parse();
//! pool::cli::init_logging(cli.pool.quiet);
//! ```

mod args;
mod failures;
mod progress;
mod runtime;
mod signal;
mod summary;

pub use args::{PoolArgs, parse_duration};
pub use failures::{FailuresFile, Format};
pub use progress::Progress;
pub use runtime::run_main;
pub use signal::on_ctrl_c;
pub use summary::{Summary, exit_code};

/// Starts logging to stderr with `tracing`: `RUST_LOG` tunes it (default
/// `warn`, or `error` with `quiet`).
pub fn init_logging(quiet: bool) {
    use tracing_subscriber::EnvFilter;
    let default = if quiet { "error" } else { "warn" };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

//! What the three apps share on the command line (feature `cli`): the pool
//! flags ([`PoolArgs`]), logging, and [`run_tool`], which runs any
//! [`Tool`](crate::Tool) with the journal, the progress bar
//! ([`Progress`]), Ctrl-C handling ([`on_ctrl_c`]), the [`FailuresFile`],
//! the end-of-run [`Summary`] and the exit code.
//!
//! An app's `main` reads its flags, builds its tool (a usage or
//! configuration error is exit 2, before any work) and hands it over:
//!
//! ```no_run
//! use clap::Parser;
//! use pool::cli::PoolArgs;
//!
//! #[derive(Parser)]
//! struct Cli {
//!     /// The input file
//!     input: std::path::PathBuf,
//!     #[command(flatten)]
//!     pool: PoolArgs,
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     let cli = Cli::parse();
//!     pool::cli::init_logging(cli.pool.quiet);
//!     pool::cli::run_main("my-tool", None, async move {
//!         // Open the input and build the tool here: an error is exit 2.
//!         let _input = std::fs::File::open(&cli.input)?;
//!         // ... then: Ok(pool::cli::run_tool(tool, &cli.pool).await?)
//!         Ok::<_, std::io::Error>(std::process::ExitCode::SUCCESS)
//!     })
//! }
//! ```

mod args;
mod failures;
mod progress;
mod run_tool;
mod runtime;
mod signal;
mod summary;

pub use args::{PoolArgs, parse_duration};
pub use failures::{FailuresFile, Format};
pub use progress::Progress;
pub use run_tool::run_tool;
pub use runtime::run_main;
pub use signal::on_ctrl_c;
pub use summary::{Summary, exit_code};

/// Starts logging to stderr with `tracing`: `RUST_LOG` tunes it (default
/// `warn`, or `error` with `quiet`). Colour only when stderr is a terminal
/// and `NO_COLOR` is unset or empty, so a log file gets plain text.
pub fn init_logging(quiet: bool) {
    use std::io::IsTerminal as _;
    use tracing_subscriber::EnvFilter;
    let default = if quiet { "error" } else { "warn" };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(!no_color && std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
}

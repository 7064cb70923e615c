//! What the three apps share on the command line (feature `cli`): the pool
//! flags ([`PoolArgs`]), logging, and [`run_tool`], which runs any
//! [`Tool`](crate::Tool) with the journal, the progress bar
//! ([`Progress`]), Ctrl-C and SIGTERM handling ([`on_interrupt`]), the [`FailuresFile`],
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

mod app;
mod args;
mod failures;
mod front;
mod progress;
mod run_tool;
mod runtime;
mod signal;
mod summary;

pub use app::{App, Consume, NoFlags, PlanOf};
pub use args::{
    PoolArgs, RunArgs, StopArgs, parse_delimiter, parse_duration, parse_positive_duration,
};
pub use failures::{FailuresFile, Format};
pub use front::{Engine, Verb, belongs_to, commands, main, main_with, single_command};
pub use progress::Progress;
pub use run_tool::run_tool;
pub use runtime::run_main;
pub use signal::{Interrupt, on_ctrl_c, on_interrupt, on_interrupt_saying};
pub use summary::{Summary, exit_code};

/// Starts logging to stderr with `tracing`: `RUST_LOG` tunes it with levels
/// and `target=level` pairs (`debug`, `warn,pool=trace`; default `warn`, or
/// `error` with `quiet`; a value that does not parse is reported and the
/// default used). Colour only when stderr is a terminal and `NO_COLOR` is
/// unset or empty, so a log file gets plain text.
pub fn init_logging(quiet: bool) {
    use std::io::IsTerminal as _;
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;

    let default = Targets::new().with_default(if quiet {
        LevelFilter::ERROR
    } else {
        LevelFilter::WARN
    });
    let filter = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.trim().is_empty() => spec.parse::<Targets>().unwrap_or_else(|e| {
            eprintln!(
                "RUST_LOG={spec:?} is not levels and target=level pairs ({e}); using the default"
            );
            default
        }),
        _ => default,
    };
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(!no_color && std::io::stderr().is_terminal())
        .with_target(false)
        .with_filter(filter);
    let _ = tracing_subscriber::registry().with(layer).try_init();
}

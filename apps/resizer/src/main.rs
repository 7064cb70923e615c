//! `resizer`: resize a folder of images on the workpool.
//!
//! Flags become an [`image_jobs::Resizer`]: the input folder is walked
//! lazily into a bounded pool whose workers decode, resize and encode on
//! tokio's blocking threads (one job per core by default);
//! `pool::cli::run_tool` runs it with the journal, progress, Ctrl-C,
//! summary and exit code (0 all done, 1 some failed, 2 bad usage).
//! `resizer enqueue|work|status|retry` run it across machines on a
//! PostgreSQL queue.

mod app;
mod args;
mod consume;
mod malloc;

use std::process::ExitCode;

fn main() -> ExitCode {
    malloc::tune();
    pool::cli::main::<app::ResizerApp>(&[pool_web::engine(), pool_amqp::cli::engine()])
}

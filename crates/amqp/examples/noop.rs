//! No-op items through RabbitMQ, for the benchmark (`benches/vs-lapin.sh`):
//! what `publish` and `consume` themselves cost per item.
//!
//! ```text
//! noop publish --count N --amqp URL --amqp-queue NAME
//! noop consume --amqp URL --amqp-queue NAME --queue 256 [--workers N]
//! ```
//!
//! Both print their rate on stderr at the end, and the process's peak
//! resident memory (VmHWM).

use std::convert::Infallible;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser as _;
use pool::{AsyncFn, Consumable, Failure, IterSource, JobContext, JobError, Tool, async_fn};
use pool_amqp::Broker;
use pool_amqp::cli::{ConsumeArgs, PublishArgs};

type Jobs = std::iter::Map<std::ops::Range<u64>, fn(u64) -> Result<u64, Infallible>>;
type Run = fn(u64, JobContext) -> std::future::Ready<Result<(), JobError<Infallible>>>;

fn run(_job: u64, _cx: JobContext) -> std::future::Ready<Result<(), JobError<Infallible>>> {
    std::future::ready(Ok(()))
}

/// `n` items that do nothing.
struct NoOp {
    n: u64,
}

impl Tool for NoOp {
    type Source = IterSource<Jobs>;
    type Handler = AsyncFn<Run>;

    fn name(&self) -> &'static str {
        "noop"
    }
    fn default_workers(&self) -> usize {
        64
    }
    fn handler(&self) -> Self::Handler {
        async_fn(run as Run)
    }
    fn source(&mut self) -> Self::Source {
        IterSource((0..self.n).map(Ok as fn(u64) -> Result<u64, Infallible>))
    }
    fn failures_path(&self) -> PathBuf {
        PathBuf::from("noop-failures.tsv")
    }
    fn failure_row(&self, failure: &Failure<'_, Self>) -> Vec<String> {
        vec![failure.reason()]
    }
}

impl Consumable for NoOp {
    type Item = u64;
    fn item(&self, job: &u64) -> Result<u64, String> {
        Ok(*job)
    }
    fn job_from_item(&self, item: u64, _number: u64) -> Result<u64, String> {
        Ok(item)
    }
    fn written(&self, _job: &u64, _output: &()) -> Vec<String> {
        Vec::new()
    }
}

#[derive(Debug, clap::Parser)]
enum Cli {
    /// Publish N no-op items.
    Publish {
        #[arg(long)]
        count: u64,
        #[command(flatten)]
        args: PublishArgs,
    },
    /// Consume no-op items until SIGTERM.
    Consume {
        #[command(flatten)]
        args: ConsumeArgs,
    },
}

/// The process's peak resident memory, from /proc.
fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l[6..].trim().to_owned())
        })
        .unwrap_or_default()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    pool::cli::run_main("noop", Some(1), async move {
        let started = Instant::now();
        let code = match cli {
            Cli::Publish { count, args } => {
                let broker = Broker::from_args(&args.amqp, "noop publish")?;
                let code =
                    pool_amqp::cli::publish_command(NoOp { n: count }, &broker, &args).await?;
                eprintln!(
                    "noop publish: publish_per_s={:.0} peak_rss={}",
                    count as f64 / started.elapsed().as_secs_f64(),
                    peak_rss()
                );
                code
            }
            Cli::Consume { args } => {
                let broker = Broker::from_args(&args.amqp, "noop consume")?;
                let code = pool_amqp::cli::consume_command(NoOp { n: 0 }, &broker, &args).await?;
                eprintln!("noop consume: peak_rss={}", peak_rss());
                code
            }
        };
        anyhow::Ok(code)
    })
}

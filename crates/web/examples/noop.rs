//! No-op jobs as a tool with every verb of the PostgreSQL engine and the
//! status page, for the page's benchmark (`benches/status-page.sh`): a
//! run of a million jobs costs seconds to make and nothing to work.
//!
//! ```text
//! noop enqueue --jobs N --db URL [--run NAME]
//! noop work --db URL --run NAME
//! noop status --db URL [--json | --serve ADDR]
//! ```

use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use pool::cli::{App, NoFlags, PoolArgs};
use pool::{AsyncFn, Distributed, Failure, IterSource, JobContext, JobError, Tool, async_fn};

type Jobs = std::iter::Map<std::ops::Range<u64>, fn(u64) -> Result<u64, Infallible>>;
type Run = fn(u64, JobContext) -> std::future::Ready<Result<(), JobError<Infallible>>>;

fn run(_job: u64, _cx: JobContext) -> std::future::Ready<Result<(), JobError<Infallible>>> {
    std::future::ready(Ok(()))
}

/// `n` jobs that do nothing.
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

impl Distributed for NoOp {
    type Plan = u64;
    type Payload = u64;
    fn plan(&self) -> u64 {
        self.n
    }
    fn payload(&self, job: &u64) -> Result<u64, String> {
        Ok(*job)
    }
    fn job(&self, payload: u64) -> Result<u64, String> {
        Ok(payload)
    }
}

/// How many jobs.
#[derive(Debug, clap::Args)]
struct Inputs {
    /// The number of no-op jobs
    #[arg(long)]
    jobs: u64,
}

/// `noop --jobs N`: the jobs on this machine alone.
#[derive(Debug, clap::Parser)]
#[command(name = "noop")]
struct Single {
    #[command(flatten)]
    inputs: Inputs,
    #[command(flatten)]
    pool: PoolArgs,
}

struct NoOpApp;

impl App for NoOpApp {
    const NAME: &'static str = "noop";
    const THREADS: Option<usize> = Some(1);

    type Tool = NoOp;
    type Inputs = Inputs;
    type Worker = NoFlags;
    type Single = Single;
    type Error = pool::JournalError;

    async fn single(cli: Single) -> Result<ExitCode, Self::Error> {
        pool::cli::run_tool(NoOp { n: cli.inputs.jobs }, &cli.pool).await
    }

    async fn open(inputs: Inputs, _staging: &Path) -> Result<NoOp, Self::Error> {
        Ok(NoOp { n: inputs.jobs })
    }

    async fn worker(
        plan: u64,
        _worker: NoFlags,
        _quiet: bool,
        _staging: &Path,
    ) -> Result<NoOp, Self::Error> {
        Ok(NoOp { n: plan })
    }
}

fn main() -> ExitCode {
    pool::cli::main::<NoOpApp>(&[pool_web::engine()])
}

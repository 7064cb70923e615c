//! No-op jobs through the PostgreSQL queue, for the benchmark
//! (`benches/vs-pgbench.sh`): what the queue itself costs per job.
//!
//! ```text
//! noop enqueue --db URL --jobs N [--run NAME]   # prints the run, then enqueue_per_s
//! noop work --db URL --run NAME [--workers N] [--batch N]
//! ```

use std::convert::Infallible;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser as _;
use pool::{AsyncFn, Distributed, Failure, IterSource, JobContext, JobError, Tool, async_fn};
use pool_postgres::cli::{EnqueueArgs, WorkArgs};

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

#[derive(Debug, clap::Parser)]
enum Cli {
    /// Enqueue N no-op jobs.
    Enqueue {
        #[arg(long)]
        jobs: u64,
        #[command(flatten)]
        queue: EnqueueArgs,
    },
    /// Work on a run.
    Work {
        #[command(flatten)]
        work: WorkArgs,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    pool::cli::run_main("noop", Some(1), async move {
        match cli {
            Cli::Enqueue { jobs, queue } => {
                let started = Instant::now();
                let code = pool_postgres::cli::enqueue_command(NoOp { n: jobs }, &queue).await?;
                eprintln!(
                    "enqueue_per_s={:.0}",
                    jobs as f64 / started.elapsed().as_secs_f64()
                );
                anyhow::Ok(code)
            }
            Cli::Work { work } => {
                let run = pool_postgres::cli::find_run("noop", &work).await?;
                let n: u64 = run.plan()?;
                Ok(pool_postgres::cli::work_command(NoOp { n }, &run, &work).await?)
            }
        }
    })
}

//! No-op jobs through the PostgreSQL queue, for the benchmarks
//! (`benches/vs-pgbench.sh`, `benches/idle.sh`): what the queue itself
//! costs per job, and what idle workers cost.
//!
//! ```text
//! noop enqueue --db URL --jobs N [--first K] [--run NAME]   # prints the run, then enqueue_per_s
//! noop work --db URL --run NAME [--workers N] [--batch N] [--follow]
//! noop pickup --db URL --run NAME --starts FILE [--trials N]
//! ```
//!
//! With `NOOP_STARTS=FILE`, `work` appends a line `JOB MICROS` to FILE as
//! each job starts (the wall clock, in microseconds since the epoch);
//! `pickup` enqueues one job at a time into a run that idle `work
//! --follow` processes watch, and reads there when it started (the
//! server needs `track_commit_timestamp = on`: the pickup is counted from
//! the enqueue's commit).

use std::convert::Infallible;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::Parser as _;
use pool::{AsyncFn, Distributed, Failure, IterSource, JobContext, JobError, Tool, async_fn};
use pool_postgres::cli::{DbArgs, EnqueueArgs, WorkArgs};

type Jobs = std::iter::Map<std::ops::Range<u64>, fn(u64) -> Result<u64, Infallible>>;
type Run = fn(u64, JobContext) -> std::future::Ready<Result<(), JobError<Infallible>>>;

/// The wall clock in microseconds since the epoch.
fn micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

/// The file named by `NOOP_STARTS`, if any.
fn starts_file() -> Option<&'static Mutex<std::fs::File>> {
    static FILE: OnceLock<Option<Mutex<std::fs::File>>> = OnceLock::new();
    FILE.get_or_init(|| {
        let path = std::env::var_os("NOOP_STARTS")?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .ok()?;
        Some(Mutex::new(file))
    })
    .as_ref()
}

fn run(job: u64, _cx: JobContext) -> std::future::Ready<Result<(), JobError<Infallible>>> {
    if let Some(file) = starts_file() {
        let line = format!("{job} {}\n", micros());
        if let Ok(mut file) = file.lock() {
            let _ = file.write_all(line.as_bytes());
        }
    }
    std::future::ready(Ok(()))
}

/// Jobs `first..first + n` that do nothing.
struct NoOp {
    first: u64,
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
        IterSource((self.first..self.first + self.n).map(Ok as fn(u64) -> Result<u64, Infallible>))
    }
    fn failures_path(&self) -> PathBuf {
        PathBuf::from("noop-failures.tsv")
    }
    fn failure_row(&self, failure: &Failure<'_, Self>) -> Vec<String> {
        vec![failure.reason()]
    }
}

impl Distributed for NoOp {
    /// Every no-op run has the same plan: jobs are added to a run by name.
    type Plan = ();
    type Payload = u64;
    fn plan(&self) {}
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
        /// The first job's number (its key)
        #[arg(long, default_value_t = 0)]
        first: u64,
        #[command(flatten)]
        queue: EnqueueArgs,
    },
    /// Work on a run.
    Work {
        #[command(flatten)]
        work: WorkArgs,
    },
    /// Enqueue one job at a time into run NAME, which idle workers started
    /// with NOOP_STARTS=FILE watch, and measure how long until it starts.
    Pickup {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        run: String,
        /// The file the workers append their job starts to
        #[arg(long)]
        starts: PathBuf,
        #[arg(long, default_value_t = 100)]
        trials: u32,
    },
}

/// The start time the workers wrote for `job`, if they did.
fn started(starts: &std::path::Path, job: u64) -> Option<u64> {
    let text = std::fs::read_to_string(starts).ok()?;
    text.lines().find_map(|line| {
        let (j, at) = line.split_once(' ')?;
        (j.parse::<u64>().ok()? == job)
            .then(|| at.parse().ok())
            .flatten()
    })
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

async fn pickup(
    db: &DbArgs,
    name: &str,
    starts: &std::path::Path,
    trials: u32,
) -> anyhow::Result<()> {
    let mut client = pool_postgres::connect(db.conninfo()).await?;
    let run = pool_postgres::run::find(&client, "noop", Some(name)).await?;
    // Job numbers no earlier enqueue used.
    let base = micros();
    let (mut from_commit, mut from_call) = (Vec::new(), Vec::new());
    for trial in 0..u64::from(trials) {
        // Idle workers, at a random phase of their polling.
        let gap = 150 + rand::random::<u64>() % 200;
        tokio::time::sleep(Duration::from_millis(gap)).await;
        let job = base + trial;
        let mut tool = NoOp { first: job, n: 1 };
        let called = micros();
        let enqueued =
            pool_postgres::enqueue(&mut client, &mut tool, Some(name), &run.settings, |_, _| {})
                .await?;
        anyhow::ensure!(enqueued.added == 1, "job {job} was not added");
        // When the enqueue committed, by the server's clock (this machine's):
        // its key's row was written in the same transaction. (`enqueue`
        // returns later, after an ANALYZE.)
        let committed: f64 = client
            .query_one(
                "SELECT extract(epoch FROM pg_xact_commit_timestamp(xmin))::float8
                   FROM workpool.keys WHERE run = $1 AND key = $2",
                &[&enqueued.run.id, &job.to_string()],
            )
            .await?
            .get(0);
        let committed = (committed * 1e6) as u64;
        let waited = Instant::now();
        let at = loop {
            if let Some(at) = started(starts, job) {
                break at;
            }
            anyhow::ensure!(
                waited.elapsed() < Duration::from_secs(10),
                "job {job} did not start within 10 s"
            );
            tokio::time::sleep(Duration::from_micros(500)).await;
        };
        from_commit.push(at.saturating_sub(committed) as f64 / 1000.0);
        from_call.push(at.saturating_sub(called) as f64 / 1000.0);
    }
    for (what, mut v) in [("commit", from_commit), ("call", from_call)] {
        v.sort_by(f64::total_cmp);
        println!(
            "pickup from_enqueue_{what} trials={trials} median_ms={:.2} p99_ms={:.2} max_ms={:.2}",
            percentile(&v, 50.0),
            percentile(&v, 99.0),
            v[v.len() - 1]
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    pool::cli::run_main("noop", Some(1), async move {
        match cli {
            Cli::Enqueue { jobs, first, queue } => {
                let started = Instant::now();
                let code =
                    pool_postgres::cli::enqueue_command(NoOp { first, n: jobs }, &queue).await?;
                eprintln!(
                    "enqueue_per_s={:.0}",
                    jobs as f64 / started.elapsed().as_secs_f64()
                );
                anyhow::Ok(code)
            }
            Cli::Work { work } => {
                let run = pool_postgres::cli::find_run("noop", &work).await?;
                let tool = NoOp { first: 0, n: 0 };
                Ok(pool_postgres::cli::work_command(tool, &run, &work).await?)
            }
            Cli::Pickup {
                db,
                run,
                starts,
                trials,
            } => {
                pickup(&db, &run, &starts, trials).await?;
                Ok(ExitCode::SUCCESS)
            }
        }
    })
}

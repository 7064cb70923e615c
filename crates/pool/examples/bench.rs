//! The pool's benchmark: the same workloads and output line as the Go
//! anchor in `../shared/anchors/go-seed-pool`, so the two can be compared in
//! the same run.
//!
//! ```text
//! cargo run --release -p pool --example bench -- --jobs 1000000 --workers 8 --queue 1024 --work none
//! rust-pool jobs=1000000 workers=8 wall_s=0.150 jobs_per_s=6666666 checksum=1000001000000
//! ```
//!
//! `--work none|spin|sleep1ms` is the work per job; `--mode pool` (default)
//! runs the jobs through the pool (producer -> bounded queue -> workers ->
//! outcomes -> consumer); `--mode bare` runs W plain tasks that share an
//! atomic job counter, with no queue and no outcomes: the runtime's own
//! limit for the work. `--batch N` is the most jobs a worker takes from the
//! queue at once (default 64).

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use pool::{Handler, JobContext, JobError, Pool, Status};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Work {
    None,
    Spin,
    Sleep1ms,
}

/// The same work as the Go anchor's `work` function.
async fn work(kind: Work, job: u64) -> u64 {
    match kind {
        Work::None => job * 2,
        Work::Spin => {
            // Opaque constants: with literals, LLVM folds pairs of steps
            // into one (x*a*a + c*a + c) and the loop no longer does the
            // 1000 dependent multiply-adds that Go's does.
            let (a, c) = std::hint::black_box((1103515245u64, 12345u64));
            let mut x = job;
            for _ in 0..1000 {
                x = x.wrapping_mul(a).wrapping_add(c);
            }
            x & 1
        }
        Work::Sleep1ms => {
            tokio::time::sleep(Duration::from_millis(1)).await;
            job * 2
        }
    }
}

struct Bench(Work);

impl Handler<u64> for Bench {
    type Output = u64;
    type Error = ();

    async fn call(&self, job: &u64, _cx: &JobContext) -> Result<u64, JobError<()>> {
        Ok(work(self.0, *job).await)
    }
}

struct Args {
    jobs: u64,
    workers: usize,
    queue: usize,
    work: Work,
    bare: bool,
    batch: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        jobs: 1_000_000,
        workers: 8,
        queue: 1024,
        work: Work::None,
        bare: false,
        batch: 64,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--jobs" => args.jobs = value()?.parse().map_err(|e| format!("--jobs: {e}"))?,
            "--workers" => {
                args.workers = value()?.parse().map_err(|e| format!("--workers: {e}"))?
            }
            "--batch" => args.batch = value()?.parse().map_err(|e| format!("--batch: {e}"))?,
            "--queue" => args.queue = value()?.parse().map_err(|e| format!("--queue: {e}"))?,
            "--work" => {
                args.work = match value()?.as_str() {
                    "none" => Work::None,
                    "spin" => Work::Spin,
                    "sleep1ms" => Work::Sleep1ms,
                    other => return Err(format!("--work: unknown {other:?} (none|spin|sleep1ms)")),
                }
            }
            "--mode" => {
                args.bare = match value()?.as_str() {
                    "pool" => false,
                    "bare" => true,
                    other => return Err(format!("--mode: unknown {other:?} (pool|bare)")),
                }
            }
            other => return Err(format!("unknown flag {other:?}")),
        }
    }
    Ok(args)
}

async fn run_pool(args: &Args) -> u64 {
    let (pool, mut outcomes) = Pool::builder(Bench(args.work))
        .workers(args.workers)
        .queue(args.queue)
        .max_batch(args.batch)
        .start();
    let jobs = args.jobs;
    let producer = tokio::spawn(async move {
        for job in 1..=jobs {
            if pool.submit(job).await.is_err() {
                break;
            }
        }
    });
    // The consumer is a task like the others (Go's main goroutine is one
    // too), not the thread blocked in `block_on`.
    let consumer = tokio::spawn(async move {
        let mut sum = 0u64;
        let mut seen = 0u64;
        while let Some(outcome) = outcomes.recv().await {
            seen += 1;
            if let Status::Succeeded(v) = outcome.status {
                sum = sum.wrapping_add(v);
            }
        }
        (sum, seen)
    });
    let _ = producer.await;
    let (sum, seen) = consumer.await.unwrap_or((0, 0));
    assert_eq!(seen, jobs, "every job has an outcome");
    sum
}

async fn run_bare(args: &Args) -> u64 {
    let next = Arc::new(AtomicU64::new(1));
    let tasks: Vec<_> = (0..args.workers)
        .map(|_| {
            let next = Arc::clone(&next);
            let (jobs, kind) = (args.jobs, args.work);
            tokio::spawn(async move {
                let mut sum = 0u64;
                loop {
                    let job = next.fetch_add(1, Ordering::Relaxed);
                    if job > jobs {
                        return sum;
                    }
                    sum = sum.wrapping_add(work(kind, job).await);
                }
            })
        })
        .collect();
    let mut sum = 0u64;
    for task in tasks {
        sum = sum.wrapping_add(task.await.unwrap_or(0));
    }
    sum
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("bench: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("bench: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let start = Instant::now();
    let checksum = runtime.block_on(async {
        if args.bare {
            run_bare(&args).await
        } else {
            run_pool(&args).await
        }
    });
    let wall = start.elapsed().as_secs_f64();
    println!(
        "rust-{} jobs={} workers={} wall_s={wall:.3} jobs_per_s={:.0} checksum={checksum}",
        if args.bare { "bare" } else { "pool" },
        args.jobs,
        args.workers,
        args.jobs as f64 / wall,
    );
    ExitCode::SUCCESS
}

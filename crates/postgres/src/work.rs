//! [`work`]: a worker process: claims jobs of one run, runs them with the
//! tool's handler on a local pool, records each outcome in the queue.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use parking_lot::Mutex;
use pool::cli::{FailuresFile, Format, Progress, Summary};
use pool::{CancellationToken, Distributed, JobOf, Pool, RetryPolicy, RunError, RunReport};

use crate::claims::Claimer;
use crate::completions::{self, Completions, Tally};
use crate::connect::{Conn, connect};
use crate::error::QueueError;
use crate::keeper;
use crate::lease;
use crate::leased::Fenced;
use crate::run::RunInfo;

/// How a worker runs.
#[derive(Debug, Clone)]
pub struct WorkOptions {
    /// Jobs run at once on this worker.
    pub workers: usize,
    /// Jobs claimed per round trip; the worker holds at most its running
    /// jobs and two batches claimed ahead.
    pub batch: usize,
    /// How long a claim holds a job without renewal.
    pub lease: Duration,
    /// Wait for new jobs when the run has none left, instead of ending.
    pub follow: bool,
    /// Stop this worker after this many of its jobs ended dead.
    pub max_failures: Option<u64>,
    /// No progress bar, no summary text.
    pub quiet: bool,
}

/// What a worker did, as it ends.
#[derive(Debug)]
pub struct Worked {
    /// The jobs this worker ended, counted as a single-machine run counts
    /// items (a job retried through the queue is one item, and its retries
    /// are counted as retries).
    pub report: RunReport,
    /// What the database recorded of them.
    pub tally: Tally,
    /// Whether the worker lost its lease and stopped.
    pub lease_lost: bool,
    /// A database error that stopped the worker.
    pub error: Option<QueueError>,
    /// The summary to print.
    pub summary: Summary,
}

/// This worker's own failures file: `mailer-failures.csv` becomes
/// `mailer-failures.worker-17.csv`, so that workers sharing a folder never
/// write over each other's.
fn worker_file(path: &std::path::Path, worker: i64) -> std::path::PathBuf {
    let stem = path
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    let name = match path.extension() {
        Some(ext) => format!("{stem}.worker-{worker}.{}", ext.to_string_lossy()),
        None => format!("{stem}.worker-{worker}"),
    };
    path.with_file_name(name)
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".into())
}

/// Runs `tool` as a worker of `run` on the database at `url` until the run
/// has no jobs left (or, with `follow`, until stopped): claims jobs in
/// batches with a lease, runs them on a local pool of `workers`, records
/// outcomes in batches, renews the leases it holds every third of a lease.
/// Ctrl-C or SIGTERM stops claiming and starting jobs: the jobs running
/// finish, those claimed and not started go back to the queue at once; a
/// second one cancels the running jobs too (they go back as well).
///
/// # Errors
///
/// The database cannot be reached at the start. Errors later end the run
/// and are in [`Worked::error`].
///
/// # Panics
///
/// Panics if called outside a tokio runtime.
pub async fn work<T>(
    tool: T,
    url: &str,
    run: &RunInfo,
    options: &WorkOptions,
) -> Result<Worked, QueueError>
where
    T: Distributed,
    JobOf<T>: Sync,
{
    let name = tool.name();
    let (claim_client, record_client, keeper_client) =
        tokio::try_join!(connect(url), connect(url), connect(url))?;
    let lease_ms = i64::try_from(options.lease.as_millis()).unwrap_or(i64::MAX);
    let pid = i32::try_from(std::process::id()).unwrap_or(0);
    let worker: i64 = claim_client
        .query_one(
            "INSERT INTO workpool.workers (run, host, pid, lease_ms) VALUES ($1, $2, $3, $4) RETURNING id",
            &[&run.id, &host_name(), &pid, &lease_ms],
        )
        .await?
        .get(0);

    let workers = options.workers.max(1);
    let batch = options.batch.max(1);
    let handler = Fenced(tool.handler());
    let (pool, outcomes) = Pool::builder(handler)
        .workers(workers)
        .queue(batch)
        .retry(RetryPolicy::none())
        .timeout_opt(run.settings.timeout)
        .start();
    let stop = CancellationToken::new();
    let done = CancellationToken::new();
    let lost = Arc::new(AtomicBool::new(false));
    let keeper = {
        let (stop, pool) = (stop.clone(), pool.clone());
        keeper::start(
            keeper_client,
            run.id,
            worker,
            options.lease,
            done.clone(),
            Arc::clone(&lost),
            move || {
                stop.cancel();
                pool.cancel();
            },
        )
    };
    // Ctrl-C or SIGTERM: claim nothing more and start nothing new (the
    // jobs claimed and not started end cancelled and go back at once);
    // the second cancels the running ones too.
    let interrupted: Arc<Mutex<Option<pool::cli::Interrupt>>> = Arc::default();
    {
        let (stop_1, stop_2, stopper, canceller) =
            (stop.clone(), stop.clone(), pool.clone(), pool.clone());
        let seen = Arc::clone(&interrupted);
        pool::cli::on_interrupt(
            done.clone(),
            move |signal| {
                *seen.lock() = Some(signal);
                stop_1.cancel();
                stopper.stop();
            },
            move |_| {
                stop_2.cancel();
                canceller.cancel();
            },
        );
    }
    let progress = Progress::start(name, None, options.quiet, pool.snapshot_fn());
    let tool = Arc::new(Mutex::new(tool));
    let claim_error = Arc::new(Mutex::new(None));
    let source = Claimer {
        conn: Conn::new(claim_client),
        run: run.id,
        rated: run.settings.rate.is_some(),
        worker,
        batch,
        lease: options.lease,
        follow: options.follow,
        stop: stop.clone(),
        error: Arc::clone(&claim_error),
    }
    .start(Arc::clone(&tool));
    let (recorder, recording) = completions::start_recorder(record_client, worker);
    let failures = {
        let tool = tool.lock();
        let format = match tool.failures_header() {
            Some(header) => Format::Csv { header },
            None => Format::Tsv,
        };
        FailuresFile::new(worker_file(&tool.failures_path(), worker), format)
    };
    let stopper = {
        let (stop, pool) = (stop.clone(), pool.clone());
        Box::new(move || {
            stop.cancel();
            pool.stop();
        })
    };
    let mut sink = Completions {
        tool: Arc::clone(&tool),
        recorder,
        policy: RetryPolicy::new(run.settings.max_attempts),
        progress,
        tally: Tally::default(),
        items: RunReport::default(),
        failures,
        max_failures: options.max_failures,
        stop: stopper,
    };
    let result = pool::run(pool, outcomes, source, &mut sink).await;
    let Completions {
        recorder,
        progress,
        mut tally,
        mut items,
        mut failures,
        ..
    } = sink;
    drop(recorder);
    progress.finish();
    let (pool_report, sink_error) = match result {
        Ok(report) => (report, None),
        Err(RunError::Sink(e, report)) => (report, Some(e)),
        Err(RunError::Journal(e, report)) => (report, Some(QueueError::Usage(e.to_string()))),
    };
    items.elapsed = pool_report.elapsed;
    items.interrupted = pool_report.interrupted;
    let report = items;
    if let Err(e) = failures.finish(false) {
        tracing::warn!(
            "cannot write the failures file {}: {e}",
            failures.path().display()
        );
    }
    let failures_file = (failures.count() > 0).then(|| failures.path().to_path_buf());
    // The first cause: the recorder's or the claimer's own error comes
    // before the sink's "the recorder stopped".
    let mut error = match recording.await {
        Ok(Ok(recorded)) => {
            tally.refused = recorded.refused;
            None
        }
        Ok(Err(e)) => Some(e),
        Err(e) => Some(QueueError::Usage(format!("the recorder failed: {e}"))),
    };
    error = error.or_else(|| claim_error.lock().take()).or(sink_error);
    done.cancel();
    // The jobs still held (claimed, never started) go back at once, and the
    // worker says it stopped, on the keeper's connection.
    if let Ok(mut conn) = keeper.await {
        match lease::release(&mut conn, run.id, worker).await {
            Ok(0) => {}
            Ok(n) => tracing::info!("gave back {n} jobs claimed and not started"),
            Err(e) => tracing::warn!("giving back unstarted jobs: {e}"),
        }
        let _ = conn
            .execute(
                "UPDATE workpool.workers SET stopped = now(), in_flight = 0 WHERE id = $1",
                &[&worker],
            )
            .await;
    }
    let lease_lost = lost.load(Ordering::SeqCst);
    let tool = Arc::try_unwrap(tool).ok().map(Mutex::into_inner);
    let mut summary = Summary::new(name, report.clone(), failures_file.as_deref());
    summary.interrupted(interrupted.lock().map(pool::cli::Interrupt::name), None);
    summary.counts.insert("done", tally.done);
    summary.counts.insert("retry_later", tally.retried);
    summary.counts.insert("dead", tally.dead);
    summary.counts.insert("refused", tally.refused);
    summary.lines.push(format!(
        "worker {worker} of run {}: {} done, {} to retry later, {} dead, {} late completions refused",
        run.name, tally.done, tally.retried, tally.dead, tally.refused
    ));
    if let Some(mut tool) = tool {
        tool.finish().await;
        summary.counts.extend(tool.summary_counts());
        summary.lines.extend(tool.summary_lines());
    }
    if lease_lost {
        summary
            .lines
            .push("stopped: the lease was lost (see above)".into());
    }
    Ok(Worked {
        report,
        tally,
        lease_lost,
        error,
        summary,
    })
}

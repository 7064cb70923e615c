//! [`work`]: a worker process: claims jobs of one run, runs them with the
//! tool's handler on a local pool, records each outcome in the queue.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use parking_lot::Mutex;
use pool::cli::{FailuresFile, Format, Progress, Summary};
use pool::{CancellationToken, Distributed, JobOf, RetryPolicy, RunReport};

use crate::claims::Ended;
use crate::completions::{Completions, Tally};
use crate::connect::{Conn, connect};
use crate::error::QueueError;
use crate::hand::Hand;
use crate::keeper::{self, Keeper};
use crate::run::{RunInfo, RunState};
use crate::session::{SessionEnd, Stopper, Worker};

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
    /// How often a worker with nothing to do looks for work without being
    /// woken (a notification wakes it at once): the fallback for
    /// notifications lost, or never sent through a pooler in transaction
    /// mode.
    pub poll: Duration,
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
    /// Whether the run was cancelled (what ended the worker, then).
    pub cancelled: bool,
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
/// has no jobs left (or, with `follow`, until stopped) or is cancelled:
/// claims jobs in batches with a lease, runs them on a local pool of
/// `workers`, records outcomes in batches, renews the leases it holds
/// every third of a lease. With nothing to do, it waits for the run's
/// notifications (`LISTEN`), and looks every `poll` besides.
///
/// Ctrl-C or SIGTERM stops claiming and starting jobs: the jobs running
/// finish, those claimed and not started go back to the queue at once; a
/// second one cancels the running jobs too (they go back as well). A
/// paused run is met the same way, without the second level: the worker
/// then waits, and goes on when the run is resumed; a cancelled run's
/// jobs not started end cancelled, and the worker ends.
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
    let (claim_client, record_client, listening) =
        tokio::try_join!(connect(url), connect(url), keeper::listen(url, run.id))?;
    let lease_ms = i64::try_from(options.lease.as_millis()).unwrap_or(i64::MAX);
    let pid = i32::try_from(std::process::id()).unwrap_or(0);
    let worker: i64 = claim_client
        .query_one(
            "INSERT INTO workpool.workers (run, host, pid, lease_ms) VALUES ($1, $2, $3, $4) RETURNING id",
            &[&run.id, &host_name(), &pid, &lease_ms],
        )
        .await?
        .get(0);

    let hand = Arc::new(Hand::new());
    let stopper = Arc::new(Stopper::new());
    let done = CancellationToken::new();
    let lost = Arc::new(AtomicBool::new(false));
    let keeper = {
        let stopper = Arc::clone(&stopper);
        Keeper {
            url: url.to_owned(),
            run: run.id,
            worker,
            lease: options.lease,
            hand: Arc::clone(&hand),
            lost: Arc::clone(&lost),
        }
        .start(listening, done.clone(), move || stopper.cancel())
    };
    // Ctrl-C or SIGTERM: claim nothing more and start nothing new (the
    // jobs claimed and not started end cancelled and go back at once);
    // the second cancels the running ones too.
    let interrupted: Arc<Mutex<Option<pool::cli::Interrupt>>> = Arc::default();
    {
        let (first, second) = (Arc::clone(&stopper), Arc::clone(&stopper));
        let seen = Arc::clone(&interrupted);
        pool::cli::on_interrupt_saying(
            done.clone(),
            "the rest go back to the queue at once",
            move |signal| {
                *seen.lock() = Some(signal);
                first.stop();
            },
            move |_| second.cancel(),
        );
    }
    let tool = Arc::new(Mutex::new(tool));
    let failures = {
        let tool = tool.lock();
        let format = match tool.failures_header() {
            Some(header) => Format::Csv { header },
            None => Format::Tsv,
        };
        FailuresFile::new(worker_file(&tool.failures_path(), worker), format)
    };
    let mut sink = Completions {
        tool: Arc::clone(&tool),
        recorder: None,
        hand: Arc::clone(&hand),
        policy: RetryPolicy::new(run.settings.max_attempts),
        progress: Progress::start(name, None, true, pool::Snapshot::default),
        tally: Tally::default(),
        items: RunReport::default(),
        failures,
        max_failures: options.max_failures,
        stop: {
            let stopper = Arc::clone(&stopper);
            Box::new(move || stopper.stop())
        },
    };
    let this = Worker {
        name,
        run,
        id: worker,
        options,
        tool: Arc::clone(&tool),
        hand,
        stopper: Arc::clone(&stopper),
    };
    let say = |line: String| {
        if !options.quiet {
            eprintln!("{name}: {line}");
        }
    };
    let started = std::time::Instant::now();
    let (mut claim, mut record) = (
        Some(Conn::new(claim_client)),
        Some(Conn::new(record_client)),
    );
    let mut interrupted_run = false;
    let mut error = None;
    let mut cancelled = false;
    while let (Some(claim_conn), Some(record_conn)) = (claim.take(), record.take()) {
        let SessionEnd {
            ended,
            report,
            claim: claim_back,
            record: record_back,
        } = this.session(claim_conn, record_conn, &mut sink).await;
        (claim, record) = (claim_back, record_back);
        let ended = match ended {
            Ok(ended) => ended,
            Err(e) => {
                error = Some(e);
                interrupted_run |= report.interrupted;
                break;
            }
        };
        match ended {
            Ended::Done => break,
            Ended::Stopped => {
                interrupted_run |= report.interrupted;
                break;
            }
            Ended::Cancelled => {
                cancelled = true;
                break;
            }
            Ended::Paused => {}
        }
        say(format!(
            "run {} is paused: nothing more is claimed, the jobs held and not started went back; waiting for `{name} resume --run {}`",
            run.name, run.name
        ));
        let Some(conn) = claim.as_mut() else { break };
        match this.wait_paused(conn).await {
            Ok(Some(RunState::Active)) => say(format!("run {} resumed", run.name)),
            Ok(Some(_)) => {
                cancelled = true;
                break;
            }
            Ok(None) => break,
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    if cancelled {
        say(format!(
            "run {} was cancelled: its jobs not started are cancelled; the ones running here finished",
            run.name
        ));
    }
    let Completions {
        progress,
        tally,
        mut items,
        mut failures,
        ..
    } = sink;
    progress.finish();
    items.elapsed = started.elapsed();
    items.interrupted = interrupted_run;
    let report = items;
    if let Err(e) = failures.finish(false) {
        tracing::warn!(
            "cannot write the failures file {}: {e}",
            failures.path().display()
        );
    }
    let failures_file = (failures.count() > 0).then(|| failures.path().to_path_buf());
    done.cancel();
    // The worker says it stopped (on the keeper's connection if the
    // claimer's was lost).
    let mut keeper_conn = keeper.await.ok().flatten();
    let conn = match claim.as_mut() {
        Some(conn) => Some(conn),
        None => keeper_conn.as_mut(),
    };
    if let Some(conn) = conn {
        let _ = conn
            .execute(
                "UPDATE workpool.workers SET stopped = now(), in_flight = 0 WHERE id = $1",
                &[&worker],
            )
            .await;
    }
    let lease_lost = lost.load(Ordering::SeqCst);
    drop(this);
    let tool = Arc::try_unwrap(tool).ok().map(Mutex::into_inner);
    let mut summary = Summary::new(name, report.clone(), failures_file.as_deref());
    summary.interrupted(interrupted.lock().map(pool::cli::Interrupt::name), None);
    summary.counts.insert("done", tally.done);
    summary.counts.insert("retry_later", tally.retried);
    summary.counts.insert("dead", tally.dead);
    summary.counts.insert("refused", tally.refused);
    summary.counts.insert("given_back", tally.given_back);
    summary.lines.push(format!(
        "worker {worker} of run {}: {} done, {} to retry later, {} dead, {} late completions refused, {} given back unstarted (run paused or cancelled)",
        run.name, tally.done, tally.retried, tally.dead, tally.refused, tally.given_back
    ));
    if let Some(mut tool) = tool {
        tool.finish().await;
        summary.counts.extend(tool.summary_counts());
        summary.lines.extend(tool.summary_lines());
    }
    if cancelled {
        summary
            .lines
            .push(format!("run {} was cancelled", run.name));
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
        cancelled,
        summary,
    })
}

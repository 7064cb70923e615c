//! [`consume`]: a long-running consumer: deliveries from the queue run on
//! the tool's pool, each settled once its outcome is recorded.

mod delivered;
mod session;
mod settle;
mod sink;
mod source;

use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use pool::cli::{FailuresFile, Format, Progress, Summary};
use pool::{CancellationToken, Consumable, JobOf, Pool, Rate, RetryPolicy, RunError, RunReport};
use tokio::sync::mpsc;

use self::delivered::Attempts;
use self::session::Session;
use self::settle::Current;
use self::sink::Settler;
use self::source::Deliveries;
use crate::connect::Broker;
use crate::error::AmqpError;

pub use settle::Settled;

/// How a consumer runs.
#[derive(Debug, Clone)]
pub struct ConsumeOptions {
    /// Jobs run at once.
    pub workers: usize,
    /// Deliveries held at once (the broker's prefetch): running, queued in
    /// the pool, and being settled.
    pub prefetch: u16,
    /// Attempts per item (1 + retries), counted in the messages' headers.
    pub max_attempts: u32,
    /// Time limit per attempt.
    pub timeout: Option<Duration>,
    /// Jobs started per second by this process.
    pub rate: Option<Rate>,
    /// Stop after this many items ended dead here.
    pub max_failures: Option<u64>,
    /// The queue of one result per finished item.
    pub results: Option<String>,
    /// No progress bar.
    pub quiet: bool,
}

/// What a consumer's items came to.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    /// Items done.
    pub done: u64,
    /// Failed attempts sent back for a retry.
    pub retried: u64,
    /// Items sent to `NAME.dead`.
    pub dead: u64,
    /// Jobs cancelled unfinished (Ctrl-C), given back to the queue.
    pub given_back: u64,
}

/// What [`consume`] did, as it ends.
#[derive(Debug)]
pub struct Consumed {
    /// The items this consumer ended, counted as a single-machine run
    /// counts them.
    pub report: RunReport,
    /// What became of them in the queue.
    pub tally: Tally,
    /// How their deliveries were settled.
    pub settled: Settled,
    /// What ended the consumer other than a signal or `--max-failures`.
    pub error: Option<String>,
    /// The summary to print.
    pub summary: Summary,
}

/// Runs `tool` as a consumer of `broker`'s queue until Ctrl-C, SIGTERM or
/// `--max-failures`: see the [crate docs](crate) for what happens to each
/// message.
///
/// # Errors
///
/// The broker cannot be reached, or refuses the queues, at the start.
///
/// # Panics
///
/// Panics if called outside a tokio runtime.
pub async fn consume<T>(
    tool: T,
    broker: &Broker,
    options: &ConsumeOptions,
) -> Result<Consumed, AmqpError>
where
    T: Consumable,
    JobOf<T>: Sync,
{
    let name = tool.name();
    let queues = Arc::new(broker.queues.clone());
    let prefetch = options.prefetch.max(1);
    let current = Current::default();
    let stop = CancellationToken::new();
    let (incoming_tx, incoming) = mpsc::channel(usize::from(prefetch));
    let session = Session {
        broker: broker.clone(),
        results: options.results.clone(),
        prefetch,
        tag: format!("{name}-{}", std::process::id()),
        current: current.clone(),
        deliveries: incoming_tx,
        stop: stop.clone(),
    };
    let opened = session.open(1).await?;
    let live = Arc::clone(opened.live());
    current.set(Some(Arc::clone(&live)));
    let (settle, settling) = settle::start(current.clone(), Arc::clone(&queues));

    let (pool, outcomes) = Pool::builder(Attempts(tool.handler()))
        .workers(options.workers.max(1))
        .queue(usize::from(prefetch))
        .retry(RetryPolicy::none())
        .timeout_opt(options.timeout)
        .rate_opt(options.rate)
        .start();
    let session = tokio::spawn(session.run(opened));
    let done = CancellationToken::new();
    let interrupted: Arc<Mutex<Option<pool::cli::Interrupt>>> = Arc::default();
    {
        let (stop, stopper, canceller) = (stop.clone(), pool.clone(), pool.clone());
        let seen = Arc::clone(&interrupted);
        pool::cli::on_interrupt_saying(
            done.clone(),
            "the rest go back to the broker's queue at once",
            move |signal| {
                *seen.lock() = Some(signal);
                stop.cancel();
                stopper.stop();
            },
            move |_| canceller.cancel(),
        );
    }
    let progress = Progress::start(name, None, options.quiet, pool.snapshot_fn());
    let tool = Arc::new(Mutex::new(tool));
    let failures = {
        let tool = tool.lock();
        let format = match tool.failures_header() {
            Some(header) => Format::Csv { header },
            None => Format::Tsv,
        };
        FailuresFile::new(tool.failures_path(), format)
    };
    let source = Deliveries {
        tool: Arc::clone(&tool),
        incoming,
        current: current.clone(),
        settle: settle.clone(),
        stop: stop.clone(),
        taken: 0,
    };
    let stopper = {
        let (stop, pool) = (stop.clone(), pool.clone());
        Box::new(move || {
            stop.cancel();
            pool.stop();
        })
    };
    let mut sink = Settler {
        tool: Arc::clone(&tool),
        settle,
        results: options.results.as_deref().map(Arc::from),
        policy: RetryPolicy::new(options.max_attempts),
        progress,
        tally: Tally::default(),
        items: RunReport::default(),
        failures,
        max_failures: options.max_failures,
        stop: stopper,
    };
    let result = pool::run(pool, outcomes, source, &mut sink).await;
    let Settler {
        progress,
        tally,
        mut items,
        mut failures,
        settle,
        ..
    } = sink;
    progress.finish();
    let (pool_report, mut error) = match result {
        Ok(report) => (report, None),
        Err(RunError::Sink(e, report)) => (report, Some(e.to_string())),
        Err(RunError::Journal(e, report)) => (report, Some(e)),
    };
    // Whatever ended the run, stop the session: it gives back what the
    // broker still sends and ends.
    stop.cancel();
    let opened = match session.await {
        Ok(opened) => opened,
        Err(_) => {
            error.get_or_insert_with(|| "the connection's task failed".into());
            None
        }
    };
    drop(settle);
    let settled = settling.await.unwrap_or_default();
    done.cancel();
    if let Some(opened) = opened {
        opened.close().await;
    }
    items.elapsed = pool_report.elapsed;
    items.interrupted = pool_report.interrupted || interrupted.lock().is_some();
    if let Err(e) = failures.finish(false) {
        tracing::warn!(
            "cannot write the failures file {}: {e}",
            failures.path().display()
        );
    }
    let failures_file = (failures.count() > 0).then(|| failures.path().to_path_buf());
    let tool = Arc::try_unwrap(tool).ok().map(Mutex::into_inner);
    let mut summary = Summary::new(name, items.clone(), failures_file.as_deref());
    summary.interrupted(interrupted.lock().map(pool::cli::Interrupt::name), None);
    summary.counts.insert("done", tally.done);
    summary.counts.insert("retry_later", tally.retried);
    summary.counts.insert("dead", tally.dead);
    summary.counts.insert("acked", settled.acked);
    summary.counts.insert("lost", settled.lost);
    summary
        .counts
        .insert("given_back", settled.given_back + settled.lost);
    summary.lines.push(format!(
        "consumed from {}: {} done, {} sent back for a retry, {} dead (in {}), {} given back to the queue",
        queues.work,
        tally.done,
        tally.retried,
        tally.dead,
        queues.dead,
        settled.given_back + settled.lost
    ));
    if let Some(mut tool) = tool {
        tool.finish().await;
        summary.counts.extend(tool.summary_counts());
        summary.lines.extend(tool.summary_lines());
    }
    Ok(Consumed {
        report: items,
        tally,
        settled,
        error,
        summary,
    })
}

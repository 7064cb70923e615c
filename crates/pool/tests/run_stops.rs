//! `pool::run` always returns: wherever a close, a cancel or a sink error
//! lands (while jobs run, while journaled items are skipped, while invalid
//! items are read), every accepted job has exactly one outcome and the
//! report's counts add up. A hang shows as a failed timeout on tokio's
//! paused clock, never as a test that does not end.
#![allow(clippy::unwrap_used)]

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use pool::{
    JobContext, JobError, JobSource, Journal, Keyed, Outcome, OutcomeSink, Pool, RunError,
    RunReport, async_fn,
};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Job {
    key: String,
    fail: bool,
}

impl Keyed for Job {
    fn key(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.key)
    }
}

/// What the source yields at one position.
#[derive(Debug, Clone, Copy)]
enum Item {
    /// A job whose key the journal holds: skipped.
    Journaled,
    /// A job to run; it fails when `true`.
    Run(bool),
    /// An input item that cannot become a job.
    Invalid,
}

fn item() -> impl Strategy<Value = Item> {
    prop_oneof![
        4 => Just(Item::Journaled),
        3 => any::<bool>().prop_map(Item::Run),
        1 => Just(Item::Invalid),
    ]
}

/// How the run is stopped.
#[derive(Debug, Clone, Copy)]
enum Stop {
    /// `Pool::close` (Ctrl-C) when the source reaches the position.
    Close,
    /// `Pool::cancel` (a second Ctrl-C) at the position.
    Cancel,
    /// The sink fails on its call number `at` (an outcome, a skip or an
    /// invalid item, whichever comes).
    SinkError,
}

/// Yields `items` in order; at position `stop_at` it closes or cancels the
/// pool through `stopper` before yielding.
struct Source {
    items: std::vec::IntoIter<(usize, Item)>,
    stop_at: usize,
    stopper: Option<Box<dyn FnOnce() + Send>>,
}

impl JobSource for Source {
    type Job = Job;
    type Error = String;

    async fn next(&mut self) -> Option<Result<Job, String>> {
        let (i, item) = self.items.next()?;
        if i == self.stop_at
            && let Some(stop) = self.stopper.take()
        {
            stop();
        }
        tokio::task::yield_now().await;
        Some(match item {
            Item::Journaled => Ok(Job {
                key: format!("done-{i}"),
                fail: false,
            }),
            Item::Run(fail) => Ok(Job {
                key: format!("job-{i}"),
                fail,
            }),
            Item::Invalid => Err(format!("item {i} is bad")),
        })
    }
}

/// Counts what it is given; fails on call number `fail_at`.
#[derive(Default)]
struct Sink {
    calls: usize,
    fail_at: Option<usize>,
    outcomes: HashSet<String>,
    skipped: usize,
    invalid: usize,
}

impl Sink {
    fn call(&mut self) -> Result<(), String> {
        self.calls += 1;
        if Some(self.calls) == self.fail_at {
            return Err(format!("disk full at call {}", self.calls));
        }
        Ok(())
    }
}

impl OutcomeSink<Job, (), String, String> for Sink {
    type Error = String;

    async fn outcome(&mut self, outcome: Outcome<Job, (), String>) -> Result<(), String> {
        self.call()?;
        assert!(
            self.outcomes.insert(outcome.job.key.clone()),
            "{} had two outcomes",
            outcome.job.key
        );
        Ok(())
    }

    async fn invalid(&mut self, _error: String) -> Result<(), String> {
        self.call()?;
        self.invalid += 1;
        Ok(())
    }

    async fn skipped(&mut self, _job: Job) -> Result<(), String> {
        self.call()?;
        self.skipped += 1;
        Ok(())
    }
}

fn journal_with(dir: &tempfile::TempDir, keys: impl Iterator<Item = String>) -> Arc<Journal> {
    let path = dir.path().join("run.journal");
    {
        let journal = Journal::open(&path).unwrap();
        for key in keys {
            journal.record(&key).unwrap();
        }
        journal.sync().unwrap();
    }
    Arc::new(Journal::open(&path).unwrap())
}

/// Runs `items` with `stop` landing at `stop_at`; returns the report and
/// the sink. Fails the test if `run` does not return within an hour of the
/// paused clock.
async fn run_with(
    items: Vec<Item>,
    workers: usize,
    queue: usize,
    stop_at: usize,
    stop: Stop,
) -> (Result<RunReport, RunError<String>>, Sink) {
    let dir = tempfile::tempdir().unwrap();
    let journaled = items
        .iter()
        .enumerate()
        .filter(|(_, item)| matches!(item, Item::Journaled))
        .map(|(i, _)| format!("done-{i}"));
    let journal = journal_with(&dir, journaled);
    let handler = async_fn(|job: Job, _cx: JobContext| async move {
        tokio::time::sleep(Duration::from_millis(job.key.len() as u64)).await;
        if job.fail {
            Err(JobError::Permanent(format!("{} failed", job.key)))
        } else {
            Ok(())
        }
    });
    let (pool, outcomes) = Pool::builder(handler)
        .workers(workers)
        .queue(queue)
        .journal(journal)
        .start();
    let handle = pool.clone();
    let stopper: Option<Box<dyn FnOnce() + Send>> = match stop {
        Stop::Close => Some(Box::new(move || handle.close())),
        Stop::Cancel => Some(Box::new(move || handle.cancel())),
        Stop::SinkError => None,
    };
    let source = Source {
        items: items
            .into_iter()
            .enumerate()
            .collect::<Vec<_>>()
            .into_iter(),
        stop_at,
        stopper,
    };
    let mut sink = Sink {
        fail_at: matches!(stop, Stop::SinkError).then_some(stop_at + 1),
        ..Sink::default()
    };
    let result = tokio::time::timeout(
        Duration::from_secs(3600),
        pool::run(pool, outcomes, source, &mut sink),
    )
    .await
    .expect("run returned");
    (result, sink)
}

fn check(items: Vec<Item>, workers: usize, queue: usize, stop_at: usize, stop: Stop) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    let n = items.len();
    let (result, sink) = rt.block_on(run_with(items, workers, queue, stop_at, stop));
    let report = match &result {
        Ok(report) => report.clone(),
        Err(RunError::Sink(_, report)) => {
            assert!(matches!(stop, Stop::SinkError), "{result:?}");
            report.clone()
        }
        Err(RunError::Journal(..)) => panic!("{result:?}"),
    };
    let outcomes = report.succeeded + report.failed - report.invalid;
    assert_eq!(outcomes, report.accepted, "one outcome per accepted job");
    assert_eq!(
        report.succeeded + report.failed + report.skipped,
        report.total
    );
    assert_eq!(
        report.errors + report.invalid + report.timed_out + report.panicked + report.cancelled,
        report.failed
    );
    assert!(report.total as usize <= n);
    match stop {
        Stop::Close | Stop::Cancel if stop_at < n => {
            assert!(report.interrupted, "stopped at {stop_at} of {n}");
            assert!(
                report.total as usize <= stop_at + 1,
                "read {} items after a stop at {stop_at}",
                report.total
            );
        }
        Stop::SinkError if result.is_err() => {
            // The failing sink stops the reading: past what it was told,
            // only what was read ahead of it (the events channel of 64,
            // the queue, the jobs in the workers' hands, one more item).
            let read_ahead = 64 + queue + workers + 1;
            assert!(
                report.total as usize <= sink.calls + read_ahead,
                "read {} items though the sink failed at call {}",
                report.total,
                sink.calls
            );
            assert!(
                report.interrupted || report.total as usize == n,
                "stopped reading without saying so"
            );
        }
        _ => {
            assert!(!report.interrupted);
            assert_eq!(report.total as usize, n, "every item was read");
        }
    }
    if result.is_ok() {
        // The sink heard of everything the report counted.
        assert_eq!(sink.outcomes.len() as u64, report.accepted);
        assert_eq!(sink.skipped as u64, report.skipped);
        assert_eq!(sink.invalid as u64, report.invalid);
    }
    if matches!(stop, Stop::Close) {
        assert_eq!(report.cancelled, 0, "a close cancels nothing");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Close, cancel or sink error anywhere, during runs of skipped items
    /// as much as during jobs.
    #[test]
    fn run_returns_and_counts_add_up(
        items in prop::collection::vec(item(), 0..200),
        workers in 1usize..5,
        queue in 1usize..8,
        stop_at in 0usize..220,
        stop in prop_oneof![Just(Stop::Close), Just(Stop::Cancel), Just(Stop::SinkError)],
    ) {
        check(items, workers, queue, stop_at, stop);
    }
}

/// The hang of a resumed run: 10,000 journaled keys, then jobs; a close
/// lands while the keys are skipped, then a cancel. `run` returns at once,
/// having read nothing after the close.
#[test]
fn a_close_during_ten_thousand_skips_returns() {
    for stop_at in [0, 1, 63, 64, 65, 4_999, 9_999, 10_000, 10_050] {
        let mut items = vec![Item::Journaled; 10_000];
        items.extend((0..100).map(|i| Item::Run(i % 10 == 0)));
        check(items.clone(), 4, 16, stop_at, Stop::Close);
        check(items.clone(), 4, 16, stop_at, Stop::Cancel);
        check(items, 4, 16, stop_at, Stop::SinkError);
    }
}

/// The same from another task, as Ctrl-C comes: a close and then a cancel
/// at a random instant on a multi-thread runtime.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_close_then_cancel_from_outside_during_skips_returns() {
    for round in 0..20u64 {
        let dir = tempfile::tempdir().unwrap();
        let journal = journal_with(&dir, (0..10_000).map(|i| format!("done-{i}")));
        let handler = async_fn(|_job: Job, _cx: JobContext| async move {
            tokio::time::sleep(Duration::from_millis(1)).await;
            Ok::<_, JobError<String>>(())
        });
        let (pool, outcomes) = Pool::builder(handler)
            .workers(4)
            .queue(16)
            .journal(journal)
            .start();
        let mut items = vec![Item::Journaled; 10_000];
        items.extend(std::iter::repeat_n(Item::Run(false), 1_000));
        let source = Source {
            items: items
                .into_iter()
                .enumerate()
                .collect::<Vec<_>>()
                .into_iter(),
            stop_at: usize::MAX,
            stopper: None,
        };
        let handle = pool.clone();
        let delay = Duration::from_micros(rand_delay(round));
        let stopper = tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            handle.close();
            tokio::task::yield_now().await;
            handle.cancel();
        });
        let mut sink = Sink::default();
        let report = tokio::time::timeout(
            Duration::from_secs(30),
            pool::run(pool, outcomes, source, &mut sink),
        )
        .await
        .expect("run returned after the close")
        .unwrap();
        stopper.await.unwrap();
        assert_eq!(sink.outcomes.len() as u64, report.accepted);
        assert_eq!(
            report.succeeded + report.failed + report.skipped,
            report.total
        );
    }
}

/// A spread of delays from 0 to about 20 ms, different each round.
fn rand_delay(round: u64) -> u64 {
    round.wrapping_mul(2_654_435_761) % 20_000
}

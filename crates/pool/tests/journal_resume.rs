//! Resume: a run killed mid-way (its pool dropped, the journal's last line
//! torn) is re-run with the same journal; no finished key runs again, no
//! unfinished key is skipped.
#![allow(clippy::unwrap_used)]

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::convert::Infallible;
use std::sync::Arc;

use parking_lot::Mutex;
use pool::{IterSource, JobContext, JobError, Journal, Keyed, Outcome, OutcomeSink, Pool};

#[derive(Debug, Clone)]
struct Row(String);

impl Keyed for Row {
    fn key(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.0)
    }
}

/// Runs jobs and remembers which ran.
struct Recorder(Arc<Mutex<Vec<String>>>);

impl pool::Handler<Row> for Recorder {
    type Output = ();
    type Error = String;
    async fn call(&self, job: &Row, _cx: &JobContext) -> Result<(), JobError<String>> {
        tokio::task::yield_now().await;
        self.0.lock().push(job.0.clone());
        Ok(())
    }
}

#[derive(Default)]
struct CountingSink {
    outcomes: usize,
    skipped: usize,
}

impl OutcomeSink<Row, (), String, Infallible> for CountingSink {
    type Error = Infallible;
    async fn outcome(&mut self, _o: Outcome<Row, (), String>) -> Result<(), Infallible> {
        self.outcomes += 1;
        Ok(())
    }
    async fn invalid(&mut self, _e: Infallible) -> Result<(), Infallible> {
        Ok(())
    }
    async fn skipped(&mut self, _job: Row) -> Result<(), Infallible> {
        self.skipped += 1;
        Ok(())
    }
}

fn rows(n: usize) -> impl Iterator<Item = Result<Row, Infallible>> + Send + 'static {
    (0..n).map(|i| Ok(Row(format!("row-{i:04}"))))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_run_resumes_without_repeats_or_gaps() {
    const N: usize = 500;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.journal");

    // Run 1: killed after 200 outcomes. Its pool and runtime state are
    // dropped mid-flight; jobs in flight may or may not have finished.
    let ran1 = Arc::new(Mutex::new(Vec::new()));
    {
        let journal = Arc::new(Journal::open(&path).unwrap());
        let (pool, mut outcomes) = Pool::builder(Recorder(Arc::clone(&ran1)))
            .workers(4)
            .queue(16)
            .journal(Arc::clone(&journal))
            .start();
        let watch = pool.clone();
        let feeder = tokio::spawn(async move {
            for row in rows(N) {
                if pool.submit(row.unwrap()).await.is_err() {
                    break;
                }
            }
        });
        for _ in 0..200 {
            outcomes.recv().await.unwrap();
        }
        feeder.abort();
        drop(outcomes);
        // Wait for the workers that were mid-job to stop: after this,
        // nothing of run 1 writes to the journal any more.
        watch.close();
        watch.drained().await;
    }
    // Simulate a crash that tore the journal's last line.
    let ran1: Vec<String> = ran1.lock().clone();
    let text = std::fs::read_to_string(&path).unwrap();
    let recorded: Vec<&str> = text.lines().collect();
    assert_eq!(
        recorded.iter().copied().collect::<BTreeSet<_>>(),
        ran1.iter().map(String::as_str).collect::<BTreeSet<_>>(),
        "the journal holds exactly the jobs that ran"
    );
    let torn_key = recorded.last().unwrap().to_string();
    std::fs::write(&path, &text[..text.len() - 3]).unwrap(); // cut "…9\n"-style tail

    // Run 2: same input, same journal.
    let ran2 = Arc::new(Mutex::new(Vec::new()));
    let journal = Arc::new(Journal::open(&path).unwrap());
    assert_eq!(journal.len(), ran1.len() - 1, "the torn key is not trusted");
    let (pool, outcomes) = Pool::builder(Recorder(Arc::clone(&ran2)))
        .workers(4)
        .queue(16)
        .journal(Arc::clone(&journal))
        .start();
    let mut sink = CountingSink::default();
    let report = pool::run(pool, outcomes, IterSource(rows(N)), &mut sink)
        .await
        .unwrap();
    let ran2: Vec<String> = ran2.lock().clone();

    let first: BTreeSet<_> = ran1.iter().cloned().collect();
    let second: BTreeSet<_> = ran2.iter().cloned().collect();
    let repeated: Vec<_> = first.intersection(&second).cloned().collect();
    assert_eq!(repeated, [torn_key], "only the torn record runs twice");
    let all: BTreeSet<_> = first.union(&second).cloned().collect();
    assert_eq!(all.len(), N, "no job was skipped without having run");
    assert_eq!(ran2.len(), second.len(), "no job ran twice within run 2");
    assert_eq!(report.total as usize, N);
    assert_eq!(report.skipped as usize, ran1.len() - 1);
    assert_eq!(report.succeeded as usize, N - (ran1.len() - 1));
    assert!(report.all_succeeded());
    assert_eq!((sink.outcomes, sink.skipped), (ran2.len(), ran1.len() - 1));
}

//! Backpressure: a million jobs through a small pool never have more than
//! the pool's capacities alive at once.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use pool::{JobError, Pool, Status};

/// A job that counts how many of its kind are alive.
struct Tracked {
    live: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
}

impl Tracked {
    fn new(live: &Arc<AtomicUsize>, peak: &Arc<AtomicUsize>) -> Self {
        let now = live.fetch_add(1, Ordering::SeqCst) + 1;
        peak.fetch_max(now, Ordering::SeqCst);
        Tracked {
            live: Arc::clone(live),
            peak: Arc::clone(peak),
        }
    }
}

impl Clone for Tracked {
    fn clone(&self) -> Self {
        Tracked::new(&self.live, &self.peak)
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.live.fetch_sub(1, Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_million_jobs_never_exceed_the_capacities() {
    const JOBS: usize = 1_000_000;
    const CAPACITY: usize = 64;
    const WORKERS: usize = 8;
    let live = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    // The job is the Tracked guard; the handler sees it by reference.
    let (pool, mut outcomes) = Pool::builder(Noop)
        .workers(WORKERS)
        .queue(CAPACITY)
        // Outcomes hand the job back, so they are bounded too: with room for
        // one outcome per worker, jobs alive are at most C + W.
        .outcome_queue(WORKERS)
        .start();
    let (l, p) = (Arc::clone(&live), Arc::clone(&peak));
    let producer = tokio::spawn(async move {
        for _ in 0..JOBS {
            // The job in the producer's hand counts too.
            pool.submit(Tracked::new(&l, &p)).await.unwrap();
        }
    });
    let mut n = 0;
    while let Some(o) = outcomes.recv().await {
        assert!(matches!(o.status, Status::Succeeded(())));
        n += 1;
    }
    producer.await.unwrap();
    assert_eq!(n, JOBS);
    assert_eq!(
        live.load(Ordering::SeqCst),
        0,
        "every job was dropped in the end"
    );
    let peak = peak.load(Ordering::SeqCst);
    // C + W, plus the one job the producer holds while it waits for room.
    assert!(
        peak <= CAPACITY + WORKERS + 1,
        "peak of {peak} live jobs with capacity {CAPACITY} and {WORKERS} workers"
    );
    assert!(
        peak >= CAPACITY,
        "the test never filled the queue (peak {peak})"
    );
}

/// Does nothing: the test is about the jobs' lifetimes.
struct Noop;

impl pool::Handler<Tracked> for Noop {
    type Output = ();
    type Error = ();
    async fn call(&self, _job: &Tracked, _cx: &pool::JobContext) -> Result<(), JobError<()>> {
        Ok(())
    }
}

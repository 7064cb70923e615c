//! The pool contract, item by item, on tokio's paused clock where time
//! matters (no wall-clock timing in tests).
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use parking_lot::Mutex;
use pool::{
    Handler, JobContext, JobError, Pool, Rate, RetryPolicy, Status, TrySubmitError, async_fn,
    blocking_fn,
};
use tokio::time::Instant;

async fn collect<J, O, E>(mut outcomes: pool::Outcomes<J, O, E>) -> Vec<pool::Outcome<J, O, E>> {
    let mut all = Vec::new();
    while let Some(o) = outcomes.recv().await {
        all.push(o);
    }
    all
}

#[tokio::test(start_paused = true)]
async fn retries_follow_the_policy_count_and_spacing() {
    let attempts: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let seen = Arc::clone(&attempts);
    let handler = async_fn(move |_job: u32, cx: JobContext| {
        let seen = Arc::clone(&seen);
        async move {
            seen.lock().push(Instant::now());
            if cx.attempt() < 4 {
                Err(JobError::Transient("busy"))
            } else {
                Ok(cx.attempt())
            }
        }
    });
    let policy = RetryPolicy::new(5)
        .backoff(Duration::from_millis(100), Duration::from_secs(10))
        .jitter(false);
    let (pool, outcomes) = Pool::builder(handler).workers(1).retry(policy).start();
    pool.submit(1).await.unwrap();
    drop(pool);
    let all = collect(outcomes).await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].status, Status::Succeeded(4));
    assert_eq!(all[0].attempts, 4);
    let times = attempts.lock().clone();
    let gaps: Vec<_> = times.windows(2).map(|w| w[1] - w[0]).collect();
    assert_eq!(
        gaps,
        [100, 200, 400].map(Duration::from_millis),
        "exponential backoff without jitter"
    );
}

#[tokio::test(start_paused = true)]
async fn jittered_retries_stay_within_half_to_full_backoff_and_give_up() {
    let attempts: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let seen = Arc::clone(&attempts);
    let handler = async_fn(move |_job: u32, _cx| {
        let seen = Arc::clone(&seen);
        async move {
            seen.lock().push(Instant::now());
            Err::<(), _>(JobError::Transient("always busy"))
        }
    });
    let policy =
        RetryPolicy::new(4).backoff(Duration::from_millis(200), Duration::from_millis(500));
    let (pool, outcomes) = Pool::builder(handler).workers(1).retry(policy).start();
    pool.submit(1).await.unwrap();
    drop(pool);
    let all = collect(outcomes).await;
    assert_eq!(all[0].status, Status::Failed("always busy"));
    assert_eq!(all[0].attempts, 4);
    let times = attempts.lock().clone();
    assert_eq!(times.len(), 4);
    for (i, w) in times.windows(2).enumerate() {
        let base = [200, 400, 500][i]; // capped at 500 ms
        let gap = (w[1] - w[0]).as_millis() as u64;
        assert!(
            gap >= base / 2 && gap <= base,
            "gap {i} = {gap} ms, base {base} ms"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn permanent_errors_are_not_retried() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let handler = async_fn(move |_job: u32, _cx| {
        counter.fetch_add(1, Ordering::SeqCst);
        async { Err::<(), _>(JobError::Permanent("550 no such user")) }
    });
    let (pool, outcomes) = Pool::builder(handler).retry(RetryPolicy::new(5)).start();
    pool.submit(1).await.unwrap();
    drop(pool);
    let all = collect(outcomes).await;
    assert_eq!(all[0].status, Status::Failed("550 no such user"));
    assert_eq!(all[0].attempts, 1);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn a_slow_attempt_times_out_and_is_retried_then_reported() {
    let handler = async_fn(|job: u64, cx: JobContext| async move {
        // Job 1 is slow on its first attempt only; job 2 always.
        if job == 2 || cx.attempt() == 1 {
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
        Ok::<_, JobError<()>>(job)
    });
    let (pool, outcomes) = Pool::builder(handler)
        .workers(2)
        .timeout(Duration::from_secs(1))
        .retry(RetryPolicy::new(2).backoff(Duration::from_millis(10), Duration::from_millis(10)))
        .start();
    let start = Instant::now();
    pool.submit(1).await.unwrap();
    pool.submit(2).await.unwrap();
    drop(pool);
    let mut all = collect(outcomes).await;
    all.sort_by_key(|o| o.job);
    assert_eq!(all[0].status, Status::Succeeded(1));
    assert_eq!(all[0].attempts, 2);
    assert_eq!(all[1].status, Status::TimedOut);
    assert_eq!(all[1].attempts, 2);
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "timeouts cut the 60 s sleeps"
    );
}

#[tokio::test(start_paused = true)]
async fn rate_limit_spaces_attempts_across_workers() {
    let handler = async_fn(|job: u64, _cx| async move { Ok::<_, JobError<()>>(job) });
    let (pool, outcomes) = Pool::builder(handler)
        .workers(8)
        .rate("10/s".parse::<Rate>().unwrap())
        .start();
    let start = Instant::now();
    let feeder = tokio::spawn(async move {
        for job in 0..50 {
            pool.submit(job).await.unwrap();
        }
    });
    let all = collect(outcomes).await;
    feeder.await.unwrap();
    assert_eq!(all.len(), 50);
    // The first attempt goes at once, then one every 100 ms: 49 intervals.
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(4_850) && took <= Duration::from_millis(5_100),
        "50 jobs at 10/s took {took:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn rate_limit_allows_the_burst_at_once() {
    let handler = async_fn(|job: u64, _cx| async move { Ok::<_, JobError<()>>(job) });
    let (pool, outcomes) = Pool::builder(handler)
        .workers(4)
        .rate("2/s,burst=5".parse::<Rate>().unwrap())
        .start();
    let start = Instant::now();
    for job in 0..5 {
        pool.submit(job).await.unwrap();
    }
    drop(pool);
    let all = collect(outcomes).await;
    assert_eq!(all.len(), 5);
    assert!(
        start.elapsed() < Duration::from_millis(10),
        "a burst of 5 needs no waiting"
    );
}

/// Keeps the test jobs' own panics (messages ending in `exploded` or
/// `bad pixel`) quiet and passes every other panic to the hook that was
/// there before, so that a failing assertion still prints. Installed once:
/// tests run on parallel threads, and the hook is global.
fn quiet_job_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let message = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("");
            if !(message.ends_with(" exploded") || message == "bad pixel") {
                previous(info);
            }
        }));
    });
}

#[tokio::test(start_paused = true)]
async fn a_panicking_job_does_not_kill_its_worker() {
    quiet_job_panics();
    let handler = async_fn(|job: u64, _cx| async move {
        if job < 10 {
            panic!("job {job} exploded");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        Ok::<_, JobError<()>>(job)
    });
    let (pool, outcomes) = Pool::builder(handler).workers(4).max_batch(1).start();
    let feeder = tokio::spawn(async move {
        for job in 0..110 {
            pool.submit(job).await.unwrap();
        }
    });
    let start = Instant::now();
    let all = collect(outcomes).await;
    feeder.await.unwrap();
    let panicked: Vec<_> = all
        .iter()
        .filter_map(|o| match &o.status {
            Status::Panicked(m) => Some(m.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(panicked.len(), 10);
    assert!(panicked.iter().any(|m| m == "job 3 exploded"));
    assert_eq!(all.iter().filter(|o| o.status.is_success()).count(), 100);
    // 100 jobs of 10 ms on 4 workers: 250 ms if all 4 still serve; a lost
    // worker would make it 334 ms or more.
    let took = start.elapsed();
    assert!(
        took < Duration::from_millis(300),
        "took {took:?}: a worker was lost"
    );
}

#[tokio::test]
async fn blocking_handlers_run_off_the_runtime_and_report_panics() {
    quiet_job_panics();
    let handler = blocking_fn(|job: &u64, _cx: &JobContext| {
        if *job == 3 {
            panic!("bad pixel");
        }
        std::thread::sleep(Duration::from_millis(5));
        Ok::<_, JobError<()>>(std::thread::current().id())
    });
    // Under #[tokio::test] the runtime runs on the test's own thread.
    let runtime_thread = std::thread::current().id();
    let (pool, outcomes) = Pool::builder(handler).workers(2).start();
    for job in 0..6 {
        pool.submit(job).await.unwrap();
    }
    drop(pool);
    let all = collect(outcomes).await;
    assert_eq!(all.len(), 6);
    for o in &all {
        match &o.status {
            Status::Succeeded(thread) => assert_ne!(
                *thread, runtime_thread,
                "blocking work ran on the runtime's thread"
            ),
            Status::Panicked(m) => assert_eq!((o.job, m.as_str()), (3, "bad pixel")),
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test]
async fn try_submit_hands_the_job_back_when_full_or_closed() {
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let g = Arc::clone(&gate);
    let handler = async_fn(move |job: u64, _cx| {
        let g = Arc::clone(&g);
        async move {
            let _permit = g.acquire().await;
            Ok::<_, JobError<()>>(job)
        }
    });
    let (pool, outcomes) = Pool::builder(handler).workers(1).queue(2).start();
    pool.try_submit(1).unwrap();
    pool.try_submit(2).unwrap();
    match pool.try_submit(3) {
        Err(TrySubmitError::Full(3)) => {}
        other => panic!("expected Full(3), got {other:?}"),
    }
    pool.close();
    match pool.try_submit(4) {
        Err(TrySubmitError::Closed(4)) => {}
        other => panic!("expected Closed(4), got {other:?}"),
    }
    assert_eq!(pool.submit(5).await.map_err(|e| e.into_inner()), Err(5));
    gate.add_permits(10);
    let all = collect(outcomes).await;
    let mut jobs: Vec<_> = all.iter().map(|o| o.job).collect();
    jobs.sort_unstable();
    assert_eq!(jobs, [1, 2], "close drains what was accepted");
    assert!(all.iter().all(|o| o.status.is_success()));
}

#[tokio::test(start_paused = true)]
async fn cancel_reports_queued_jobs_cancelled_and_in_flight_ones_see_the_token() {
    let handler = async_fn(|job: u64, cx: JobContext| async move {
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(10)) => Ok(job),
            () = cx.cancellation().cancelled() => Err(JobError::Permanent("stopped")),
        }
    });
    let (pool, outcomes) = Pool::builder(handler)
        .workers(2)
        .max_batch(1)
        .queue(100)
        .start();
    for job in 0..20 {
        pool.submit(job).await.unwrap();
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    pool.cancel();
    let all = collect(outcomes).await;
    assert_eq!(all.len(), 20, "every accepted job has an outcome");
    let stopped = all
        .iter()
        .filter(|o| o.status == Status::Failed("stopped"))
        .count();
    let cancelled = all.iter().filter(|o| o.status == Status::Cancelled).count();
    assert_eq!((stopped, cancelled), (2, 18));
    assert!(
        all.iter()
            .filter(|o| o.status == Status::Cancelled)
            .all(|o| o.attempts == 0)
    );
}

#[tokio::test(start_paused = true)]
async fn a_drain_deadline_turns_into_a_cancel() {
    let handler = async_fn(|job: u64, _cx| async move {
        tokio::time::sleep(Duration::from_secs(1)).await;
        Ok::<_, JobError<()>>(job)
    });
    let (pool, outcomes) = Pool::builder(handler).workers(1).max_batch(1).start();
    for job in 0..10 {
        pool.submit(job).await.unwrap();
    }
    let start = Instant::now();
    pool.close_with_deadline(Duration::from_millis(3_500));
    let all = collect(outcomes).await;
    assert_eq!(all.len(), 10);
    let ok = all.iter().filter(|o| o.status.is_success()).count();
    let cancelled = all.iter().filter(|o| o.status == Status::Cancelled).count();
    // Jobs 0..3 finish by 3 s; the 4th was in flight at the deadline and
    // ignores the token: the cancel ends it; the rest never start.
    assert_eq!((ok, cancelled), (3, 7));
    assert_eq!(start.elapsed(), Duration::from_millis(3_500));
}

#[tokio::test(start_paused = true)]
async fn stop_starts_nothing_new_and_lets_running_jobs_finish() {
    // Two workers: job 0 runs (2 s), job 1 fails once and waits 10 s for
    // its retry; the rest wait for a rate token (one per 10 s) or in the
    // queue. A stop at 1 s: job 0 finishes undisturbed (it never sees the
    // token), job 1's retry and every other job end cancelled.
    let handler = async_fn(|job: u64, cx: JobContext| async move {
        match job {
            0 => {
                tokio::time::sleep(Duration::from_secs(2)).await;
                if cx.is_cancelled() {
                    Err(JobError::Permanent("saw the token"))
                } else {
                    Ok(job)
                }
            }
            _ if cx.attempt() == 1 && job == 1 => Err(JobError::Transient("try again")),
            _ => Ok(job),
        }
    });
    let (pool, outcomes) = Pool::builder(handler)
        .workers(2)
        .max_batch(1)
        .queue(100)
        .retry(
            RetryPolicy::new(3)
                .backoff(Duration::from_secs(10), Duration::from_secs(10))
                .jitter(false),
        )
        .rate(Rate::every(Duration::from_secs(10)).with_burst(2))
        .start();
    for job in 0..20 {
        pool.submit(job).await.unwrap();
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    pool.stop();
    assert!(pool.is_stopped() && !pool.is_cancelled());
    let start = Instant::now();
    let all = collect(outcomes).await;
    assert_eq!(all.len(), 20, "every accepted job has an outcome");
    let by_job = |n: u64| all.iter().find(|o| o.job == n).expect("an outcome per job");
    assert_eq!(
        by_job(0).status,
        Status::Succeeded(0),
        "a running job finishes"
    );
    assert_eq!(
        by_job(1).status,
        Status::Cancelled,
        "a retry is not started"
    );
    assert_eq!(by_job(1).attempts, 1);
    for n in 2..20 {
        assert_eq!(by_job(n).status, Status::Cancelled, "job {n} never started");
        assert_eq!(by_job(n).attempts, 0, "job {n} never started");
    }
    assert_eq!(
        start.elapsed(),
        Duration::from_secs(1),
        "only job 0 was waited for"
    );
}

#[tokio::test(start_paused = true)]
async fn cancel_ends_a_running_job_that_ignores_the_token() {
    let handler = async_fn(|job: u64, _cx| async move {
        tokio::time::sleep(Duration::from_secs(60)).await;
        Ok::<_, JobError<()>>(job)
    });
    let (pool, outcomes) = Pool::builder(handler).workers(1).max_batch(1).start();
    pool.submit(7).await.unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    pool.stop();
    tokio::time::sleep(Duration::from_secs(1)).await;
    pool.cancel();
    let start = Instant::now();
    let all = collect(outcomes).await;
    assert_eq!(all.len(), 1);
    assert_eq!(
        (all[0].status.clone(), all[0].attempts),
        (Status::Cancelled, 1)
    );
    assert_eq!(
        start.elapsed(),
        Duration::ZERO,
        "the cancel did not wait for the job"
    );
}

#[tokio::test]
async fn snapshot_counts_every_outcome() {
    struct Flaky;
    impl Handler<u64> for Flaky {
        type Output = u64;
        type Error = String;
        async fn call(&self, job: &u64, cx: &JobContext) -> Result<u64, JobError<String>> {
            match job % 4 {
                0 => Ok(*job),
                1 if cx.attempt() == 1 => Err(JobError::Transient("try again".into())),
                1 => Ok(*job),
                _ => Err(JobError::Permanent(format!("job {job} is bad"))),
            }
        }
    }
    let (pool, outcomes) = Pool::builder(Flaky)
        .workers(3)
        .retry(RetryPolicy::new(2).backoff(Duration::ZERO, Duration::ZERO))
        .start();
    let snapshot = pool.snapshot_fn();
    for job in 0..400 {
        pool.submit(job).await.unwrap();
    }
    drop(pool);
    let all = collect(outcomes).await;
    let s = snapshot();
    assert_eq!(all.len(), 400);
    assert_eq!(
        (s.submitted, s.succeeded, s.failed, s.retried),
        (400, 200, 200, 100)
    );
    assert_eq!((s.queued, s.in_flight), (0, 0));
    assert_eq!(s.finished(), 400);
}

#[tokio::test(start_paused = true)]
async fn max_failures_cancels_the_pool_at_the_nth_failure() {
    // Every third job fails; at the fourth failure the pool cancels.
    let handler = async_fn(|job: u64, _cx| async move {
        tokio::time::sleep(Duration::from_millis(1)).await;
        if job.is_multiple_of(3) {
            Err(JobError::Permanent(format!("{job} refused")))
        } else {
            Ok(job)
        }
    });
    let (pool, outcomes) = Pool::builder(handler)
        .workers(1)
        .queue(100)
        .max_batch(1)
        .max_failures(Some(4))
        .start();
    for job in 0..100 {
        pool.submit(job).await.unwrap();
    }
    drop(pool);
    let all = collect(outcomes).await;
    assert_eq!(all.len(), 100, "every accepted job has its outcome");
    let failed: Vec<u64> = all
        .iter()
        .filter(|o| matches!(o.status, Status::Failed(_)))
        .map(|o| o.job)
        .collect();
    assert_eq!(
        failed,
        [0, 3, 6, 9],
        "one worker: nothing ran after the 4th"
    );
    let ran_last = all.iter().filter(|o| o.attempts > 0).map(|o| o.job).max();
    assert_eq!(ran_last, Some(9));
    assert!(
        all.iter()
            .filter(|o| o.job > 9)
            .all(|o| o.status == Status::Cancelled)
    );
}

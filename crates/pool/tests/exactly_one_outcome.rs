//! Property: whatever the jobs do (succeed, fail transiently or for good,
//! panic, hang past the timeout) and wherever a close or cancel lands, every
//! accepted job yields exactly one outcome, and the counts add up.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::time::Duration;

use pool::{JobContext, JobError, Pool, RetryPolicy, Status, async_fn};
use proptest::prelude::*;

#[derive(Debug, Clone, Copy)]
enum Behaviour {
    Succeed,
    /// Fails transiently on the first `n` attempts.
    Flaky(u32),
    Permanent,
    Panic,
    Hang,
}

fn behaviour() -> impl Strategy<Value = Behaviour> {
    prop_oneof![
        4 => Just(Behaviour::Succeed),
        2 => (1u32..4).prop_map(Behaviour::Flaky),
        1 => Just(Behaviour::Permanent),
        1 => Just(Behaviour::Panic),
        1 => Just(Behaviour::Hang),
    ]
}

#[derive(Debug, Clone, Copy)]
enum Stop {
    Close,
    Cancel,
}

async fn act(job: (usize, Behaviour), cx: JobContext) -> Result<usize, JobError<String>> {
    let (id, b) = job;
    tokio::time::sleep(Duration::from_millis((id % 7) as u64)).await;
    match b {
        Behaviour::Succeed => Ok(id),
        Behaviour::Flaky(n) if cx.attempt() <= n => Err(JobError::Transient(format!("{id} flaky"))),
        Behaviour::Flaky(_) => Ok(id),
        Behaviour::Permanent => Err(JobError::Permanent(format!("{id} broken"))),
        Behaviour::Panic => panic!("{id} panicked"),
        Behaviour::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Ok(id)
        }
    }
}

/// Keeps the jobs' own panics quiet, and every other panic loud.
fn quiet_job_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .unwrap_or("");
        if !message.ends_with(" panicked") {
            default(info);
        }
    }));
}

fn check(jobs: Vec<Behaviour>, workers: usize, queue: usize, stop_at: usize, stop: Stop) {
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(quiet_job_panics);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    rt.block_on(async move {
        let (pool, mut outcomes) = Pool::builder(async_fn(act))
            .workers(workers)
            .queue(queue)
            .timeout(Duration::from_millis(500))
            .retry(RetryPolicy::new(3).backoff(Duration::from_millis(5), Duration::from_millis(20)))
            .start();
        let n = jobs.len();
        let producer = tokio::spawn(async move {
            let mut accepted = Vec::new();
            for (id, b) in jobs.into_iter().enumerate() {
                if id == stop_at {
                    match stop {
                        Stop::Close => pool.close(),
                        Stop::Cancel => pool.cancel(),
                    }
                }
                if pool.submit((id, b)).await.is_ok() {
                    accepted.push((id, b));
                }
                if id % 5 == 0 {
                    tokio::task::yield_now().await;
                }
            }
            accepted
        });
        let mut seen: HashMap<usize, Status<usize, String>> = HashMap::new();
        while let Some(o) = outcomes.recv().await {
            let id = o.job.0;
            assert!(
                seen.insert(id, o.status.clone()).is_none(),
                "job {id} had two outcomes"
            );
            if let Status::Succeeded(out) = o.status {
                assert_eq!(out, id);
            }
        }
        let accepted = producer.await.unwrap();
        assert_eq!(seen.len(), accepted.len(), "one outcome per accepted job");
        assert!(accepted.len() <= n);
        if stop_at < n {
            assert_eq!(
                accepted.len(),
                stop_at,
                "nothing is accepted after close/cancel"
            );
        }
        let count = |name: &str| seen.values().filter(|s| s.name() == name).count();
        assert_eq!(
            count("succeeded")
                + count("failed")
                + count("timed_out")
                + count("panicked")
                + count("cancelled"),
            accepted.len()
        );
        for (id, b) in accepted {
            let status = &seen[&id];
            if let Status::Cancelled = status {
                assert!(
                    matches!(stop, Stop::Cancel),
                    "job {id} cancelled by a close"
                );
                continue;
            }
            let expected = match b {
                Behaviour::Succeed => "succeeded",
                Behaviour::Flaky(n) if n < 3 => "succeeded",
                Behaviour::Flaky(_) | Behaviour::Permanent => "failed",
                Behaviour::Panic => "panicked",
                Behaviour::Hang => "timed_out",
            };
            assert_eq!(status.name(), expected, "job {id} ({b:?})");
        }
    });
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn every_accepted_job_has_exactly_one_outcome(
        jobs in prop::collection::vec(behaviour(), 0..120),
        workers in 1usize..6,
        queue in 1usize..16,
        stop_at in 0usize..160,
        cancel in any::<bool>(),
    ) {
        check(jobs, workers, queue, stop_at, if cancel { Stop::Cancel } else { Stop::Close });
    }
}

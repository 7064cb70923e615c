//! A property test on a real PostgreSQL: workers claim (busy or idle),
//! complete, give back, send back for a retry, die, stall past their lease
//! and wake to complete late, renew and take back, while the run is paused,
//! resumed and cancelled, in random orders. Every job ends done exactly
//! once, or cancelled if the run was; a paused or cancelled run gives out
//! no job; every late completion is refused; nothing is counted twice.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::time::Duration;

use pool_postgres::lease::{self, Claimed};
use pool_postgres::{
    Completion, Conn, RunInfo, RunSettings, RunState, connect, control, look, record, run, schema,
};
use proptest::prelude::*;
use workpool_tests::Postgres;

const LEASE: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Copy)]
enum Op {
    /// The worker claims up to n jobs (a busy worker's claim).
    Claim(u8),
    /// The worker looks: takes back expired jobs and claims up to n (an
    /// idle worker's statement).
    Look(u8),
    /// The worker completes up to n of the jobs in its hands.
    Complete(u8),
    /// The worker gives back up to n jobs it has not started.
    Release(u8),
    /// The worker sends up to n jobs back for a retry.
    Retry(u8),
    /// The worker dies: what it holds is forgotten (its leases run out).
    Die,
    /// Time passes beyond the worker's lease (it stalled); it keeps what
    /// it holds and may complete it later.
    Expire,
    /// Some worker takes back the expired jobs.
    Reap,
    /// The worker's keeper: renews its leases, takes back others'.
    Keep,
    /// `pause`, `resume`, `cancel` (the worker index is unused).
    Pause,
    Resume,
    Cancel,
}

fn op() -> impl Strategy<Value = (usize, Op)> {
    (
        0..3usize,
        prop_oneof![
            4 => (1..20u8).prop_map(Op::Claim),
            2 => (1..20u8).prop_map(Op::Look),
            4 => (1..20u8).prop_map(Op::Complete),
            1 => (1..5u8).prop_map(Op::Release),
            1 => (1..5u8).prop_map(Op::Retry),
            1 => Just(Op::Die),
            1 => Just(Op::Expire),
            1 => Just(Op::Reap),
            1 => Just(Op::Keep),
            1 => Just(Op::Pause),
            1 => Just(Op::Resume),
            1 => Just(Op::Cancel),
        ],
    )
}

struct Sim {
    conn: Conn,
    run: RunInfo,
    state: RunState,
    workers: Vec<i64>,
    held: Vec<Vec<Claimed>>,
    /// `Done` completions the database accepted.
    done: u64,
    refused: u64,
}

impl Sim {
    /// Whether (id, attempt) is the job's live claim in the database.
    async fn live(&mut self, id: i64, attempt: i32) -> bool {
        let row = self
            .conn
            .client()
            .query_opt(
                "SELECT 1 FROM workpool.jobs WHERE id = $1 AND attempt = $2 AND state = 1",
                &[&id, &attempt],
            )
            .await
            .unwrap();
        row.is_some()
    }

    /// Reports up to `n` of `worker`'s jobs, each as `completion` makes it.
    async fn report(
        &mut self,
        worker: usize,
        n: usize,
        completion: impl Fn(&Claimed) -> Completion,
    ) {
        let n = n.min(self.held[worker].len());
        let batch: Vec<Claimed> = self.held[worker].drain(..n).collect();
        for job in batch {
            let live = self.live(job.id, job.attempt).await;
            let c = completion(&job);
            let recorded = record(
                &mut self.conn,
                self.workers[worker],
                std::slice::from_ref(&c),
            )
            .await
            .unwrap();
            // The fence: accepted exactly when the claim was still live.
            assert_eq!(recorded.accepted, u64::from(live), "{c:?}");
            if matches!(c, Completion::Done { .. }) {
                self.done += recorded.accepted;
            }
            self.refused += recorded.refused;
        }
    }

    async fn complete(&mut self, worker: usize, n: usize) {
        self.report(worker, n, |job| Completion::Done {
            id: job.id,
            attempt: job.attempt,
        })
        .await;
    }

    /// Takes `claimed` into `worker`'s hands; a run that is not active
    /// gives out nothing.
    fn took(&mut self, worker: usize, claimed: Vec<Claimed>) {
        if self.state != RunState::Active {
            assert!(claimed.is_empty(), "a {} run gave out jobs", self.state);
        }
        self.held[worker].extend(claimed);
    }

    async fn step(&mut self, worker: usize, op: Op) {
        let (run, id) = (self.run.id, self.workers[worker]);
        match op {
            Op::Claim(n) => {
                let claimed = lease::claim(&mut self.conn, run, id, i64::from(n), LEASE)
                    .await
                    .unwrap();
                self.took(worker, claimed);
            }
            Op::Look(n) => {
                let found = look::look(&mut self.conn, run, id, i64::from(n), LEASE, true)
                    .await
                    .unwrap();
                assert_eq!(found.state, self.state);
                self.took(worker, found.claimed);
            }
            Op::Complete(n) => self.complete(worker, usize::from(n)).await,
            Op::Release(n) => {
                self.report(worker, usize::from(n), |job| Completion::Release {
                    id: job.id,
                    attempt: job.attempt,
                })
                .await;
            }
            Op::Retry(n) => {
                self.report(worker, usize::from(n), |job| Completion::Retry {
                    id: job.id,
                    attempt: job.attempt,
                    delay: Duration::ZERO,
                    error: "try again".into(),
                })
                .await;
            }
            Op::Die => self.held[worker].clear(),
            Op::Expire => {
                self.conn
                    .client()
                    .execute(
                        "UPDATE workpool.jobs SET lease_until = now() - interval '1 second'
                          WHERE worker = $1 AND state = 1",
                        &[&id],
                    )
                    .await
                    .unwrap();
            }
            Op::Reap => {
                lease::reap(&mut self.conn, run).await.unwrap();
            }
            Op::Keep => {
                lease::keep(&mut self.conn, run, id, LEASE).await.unwrap();
            }
            Op::Pause if self.state == RunState::Active => {
                control::pause(self.conn.client(), &self.run).await.unwrap();
                self.state = RunState::Paused;
            }
            Op::Resume if self.state == RunState::Paused => {
                control::resume(self.conn.client(), &self.run)
                    .await
                    .unwrap();
                self.state = RunState::Active;
            }
            Op::Cancel => {
                control::cancel(self.conn.client(), &self.run)
                    .await
                    .unwrap();
                self.state = RunState::Cancelled;
            }
            Op::Pause | Op::Resume => {}
        }
    }
}

async fn case(db: &str, index: usize, jobs: i64, ops: Vec<(usize, Op)>) {
    let client = connect(db).await.unwrap();
    let settings = RunSettings {
        max_attempts: 1000,
        timeout: None,
        rate: None,
    };
    let name = format!("sim-{index}");
    let info = run::create(&client, Some(&name), "sim", "null", &settings)
        .await
        .unwrap()
        .run;
    client
        .execute(
            "INSERT INTO workpool.jobs (run, key, payload)
             SELECT $1, 'job-' || g, 'null' FROM generate_series(1, $2::int8) g",
            &[&info.id, &jobs],
        )
        .await
        .unwrap();
    let mut workers = Vec::new();
    for _ in 0..3 {
        let id: i64 = client
            .query_one(
                "INSERT INTO workpool.workers (run, host, pid, lease_ms) VALUES ($1, 'sim', 0, 60000) RETURNING id",
                &[&info.id],
            )
            .await
            .unwrap()
            .get(0);
        workers.push(id);
    }
    let mut sim = Sim {
        conn: Conn::new(client),
        run: info,
        state: RunState::Active,
        workers,
        held: vec![Vec::new(); 3],
        done: 0,
        refused: 0,
    };
    for (worker, op) in ops {
        sim.step(worker, op).await;
    }
    // The stalled and dead workers' claims run out; a paused run is
    // resumed and a healthy worker finishes it (a cancelled run only has
    // its expired jobs taken back); the stalled ones then wake and
    // complete late.
    let late: Vec<Vec<Claimed>> = sim.held.clone();
    for worker in 0..3 {
        sim.step(worker, Op::Expire).await;
        sim.held[worker].clear();
    }
    sim.step(0, Op::Resume).await;
    loop {
        sim.step(0, Op::Reap).await;
        sim.step(0, Op::Claim(50)).await;
        if sim.held[0].is_empty() {
            break;
        }
        sim.complete(0, usize::MAX).await;
    }
    let run = sim.run.id;
    assert!(!lease::pending(&mut sim.conn, run).await.unwrap());
    let mut stale = 0;
    for (worker, held) in late.into_iter().enumerate() {
        stale += held.len() as u64;
        sim.held[worker] = held;
        sim.complete(worker, usize::MAX).await;
    }

    let client = sim.conn.client();
    // The deletes the database accepted, the batches and the workers'
    // counts agree; a job can be deleted once, so each was done once.
    let finished: i64 = client
        .query_one(
            "SELECT coalesce(sum(n), 0)::int8 FROM workpool.finished WHERE run = $1",
            &[&run],
        )
        .await
        .unwrap()
        .get(0);
    let counted: i64 = client
        .query_one(
            "SELECT sum(done)::int8 FROM workpool.workers WHERE run = $1",
            &[&run],
        )
        .await
        .unwrap()
        .get(0);
    let left: HashMap<i16, i64> = client
        .query(
            "SELECT state, count(*) FROM workpool.jobs WHERE run = $1 GROUP BY 1",
            &[&run],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let cancelled = left.get(&3).copied().unwrap_or(0);
    assert_eq!(finished, sim.done as i64, "batches recorded");
    assert_eq!(counted, sim.done as i64, "the workers' counts");
    assert!(sim.refused >= stale, "every late completion refused");
    // Every job done once, or cancelled with its run; nothing else left.
    assert_eq!(sim.done as i64 + cancelled, jobs, "left: {left:?}");
    assert!(
        left.keys().all(|&state| state == 3),
        "jobs left in the queue: {left:?}"
    );
    if sim.state != RunState::Cancelled {
        assert_eq!(cancelled, 0, "cancelled jobs in a run never cancelled");
    }
    client
        .execute("DELETE FROM workpool.runs WHERE id = $1", &[&run])
        .await
        .unwrap();
}

#[test]
#[ignore = "needs PostgreSQL (.ci/deps/postgres.sh installs it)"]
fn every_job_ends_done_once_or_cancelled_whatever_dies_stalls_or_pauses() {
    let db = Postgres::start();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let url = db.url();
    runtime.block_on(async {
        let mut client = connect(&url).await.unwrap();
        schema::migrate(&mut client).await.unwrap();
    });
    let index = std::sync::atomic::AtomicUsize::new(0);
    // Each case is a run of its own in one database: hundreds of cases
    // fit in about a minute.
    let config = ProptestConfig {
        cases: 800,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(jobs in 1..60i64, ops in prop::collection::vec(op(), 0..80))| {
        let n = index.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        runtime.block_on(case(&url, n, jobs, ops));
    });
}

//! A property test on a real PostgreSQL: workers claim, complete, die,
//! stall past their lease and wake to complete late, in random orders;
//! every job ends done exactly once, every late completion is refused, and
//! nothing is counted twice.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::time::Duration;

use pool_postgres::lease::{self, Claimed};
use pool_postgres::{Completion, Conn, RunSettings, connect, record, run, schema};
use proptest::prelude::*;
use workpool_tests::Postgres;

const LEASE: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Copy)]
enum Op {
    /// The worker claims up to n jobs.
    Claim(u8),
    /// The worker completes up to n of the jobs in its hands.
    Complete(u8),
    /// The worker dies: what it holds is forgotten (its leases run out).
    Die,
    /// Time passes beyond the worker's lease (it stalled); it keeps what
    /// it holds and may complete it later.
    Expire,
    /// Some worker takes back the expired jobs.
    Reap,
}

fn op() -> impl Strategy<Value = (usize, Op)> {
    (
        0..3usize,
        prop_oneof![
            (1..20u8).prop_map(Op::Claim),
            (1..20u8).prop_map(Op::Complete),
            Just(Op::Die),
            Just(Op::Expire),
            Just(Op::Reap),
        ],
    )
}

struct Sim {
    conn: Conn,
    run: i64,
    workers: Vec<i64>,
    held: Vec<Vec<Claimed>>,
    accepted: u64,
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

    async fn complete(&mut self, worker: usize, n: usize) {
        let n = n.min(self.held[worker].len());
        let batch: Vec<Claimed> = self.held[worker].drain(..n).collect();
        for job in batch {
            let live = self.live(job.id, job.attempt).await;
            let recorded = record(
                &mut self.conn,
                self.workers[worker],
                &[Completion::Done {
                    id: job.id,
                    attempt: job.attempt,
                }],
            )
            .await
            .unwrap();
            // The fence: accepted exactly when the claim was still live.
            assert_eq!(recorded.accepted, u64::from(live), "{job:?}");
            self.accepted += recorded.accepted;
            self.refused += recorded.refused;
        }
    }

    async fn step(&mut self, worker: usize, op: Op) {
        match op {
            Op::Claim(n) => {
                let claimed = lease::claim(
                    &mut self.conn,
                    self.run,
                    self.workers[worker],
                    i64::from(n),
                    LEASE,
                )
                .await
                .unwrap();
                self.held[worker].extend(claimed);
            }
            Op::Complete(n) => self.complete(worker, usize::from(n)).await,
            Op::Die => self.held[worker].clear(),
            Op::Expire => {
                self.conn
                    .client()
                    .execute(
                        "UPDATE workpool.jobs SET lease_until = now() - interval '1 second'
                          WHERE worker = $1 AND state = 1",
                        &[&self.workers[worker]],
                    )
                    .await
                    .unwrap();
            }
            Op::Reap => {
                lease::reap(&mut self.conn, self.run).await.unwrap();
            }
        }
    }
}

async fn case(db: &Postgres, index: usize, jobs: i64, ops: Vec<(usize, Op)>) {
    let name = format!("fencing_{index}");
    let admin = connect(&db.url()).await.unwrap();
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .unwrap();
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let url = db.database_url(&name);
    let mut client = connect(&url).await.unwrap();
    schema::migrate(&mut client).await.unwrap();
    let settings = RunSettings {
        max_attempts: 1000,
        timeout: None,
        rate: None,
    };
    let info = run::create(&client, Some("sim"), "sim", "null", &settings)
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
        run: info.id,
        workers,
        held: vec![Vec::new(); 3],
        accepted: 0,
        refused: 0,
    };
    for (worker, op) in ops {
        sim.step(worker, op).await;
    }
    // The stalled and dead workers' claims run out; a healthy worker
    // finishes the run; the stalled ones then wake and complete late.
    let late: Vec<Vec<Claimed>> = sim.held.clone();
    for worker in 0..3 {
        sim.step(worker, Op::Expire).await;
        sim.held[worker].clear();
    }
    loop {
        sim.step(0, Op::Reap).await;
        sim.step(0, Op::Claim(50)).await;
        if sim.held[0].is_empty() {
            break;
        }
        sim.complete(0, usize::MAX).await;
    }
    assert!(!lease::pending(&mut sim.conn, sim.run).await.unwrap());
    let mut stale = 0;
    for (worker, held) in late.into_iter().enumerate() {
        stale += held.len() as u64;
        sim.held[worker] = held;
        sim.complete(worker, usize::MAX).await;
    }

    let client = sim.conn.client();
    // Every job left the queue, and the deletes the database accepted add
    // up to the jobs: a job can be deleted once, so each was done once.
    let done: i64 = client
        .query_one(
            "SELECT coalesce(sum(n), 0)::int8 FROM workpool.finished",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let counted: i64 = client
        .query_one("SELECT sum(done)::int8 FROM workpool.workers", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(done, jobs, "every job done once");
    assert_eq!(sim.accepted, jobs as u64, "completions accepted");
    assert_eq!(counted, jobs, "the workers' counts");
    assert!(sim.refused >= stale, "every late completion refused");
    let left: HashMap<i16, i64> = client
        .query("SELECT state, count(*) FROM workpool.jobs GROUP BY 1", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert!(left.is_empty(), "jobs left: {left:?}");
    drop(sim);
    admin
        .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await
        .unwrap();
}

#[test]
#[ignore = "needs PostgreSQL (.ci/deps/postgres.sh installs it)"]
fn every_job_ends_done_once_whatever_dies_or_stalls() {
    let db = Postgres::start();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let index = std::sync::atomic::AtomicUsize::new(0);
    let config = ProptestConfig {
        cases: 32,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(jobs in 1..60i64, ops in prop::collection::vec(op(), 0..60))| {
        let n = index.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        runtime.block_on(case(&db, n, jobs, ops));
    });
}

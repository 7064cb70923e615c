//! The idle worker's look on a real PostgreSQL: when it beats the
//! heartbeat it also counts the run's live workers, which spread out
//! their looks after a notification.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use pool_postgres::{Conn, RunSettings, connect, look, run, schema};
use workpool_tests::Postgres;

const LEASE: Duration = Duration::from_secs(60);

#[test]
#[ignore = "needs PostgreSQL (.ci/deps/postgres.sh installs it)"]
fn a_beating_look_counts_the_runs_live_workers_and_no_others() {
    let db = Postgres::start();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut client = connect(&db.url()).await.unwrap();
        schema::migrate(&mut client).await.unwrap();
        let settings = RunSettings {
            max_attempts: 3,
            timeout: None,
            rate: None,
        };
        let mine = run::create(&client, Some("mine"), "sim", "null", &settings)
            .await
            .unwrap()
            .run;
        let other = run::create(&client, Some("other"), "sim", "null", &settings)
            .await
            .unwrap()
            .run;
        // Three live workers of the run, one stopped, one whose heartbeat
        // is older than a lease, and two live workers of another run.
        let worker = |run: i64, stopped: bool, beat_ago_s: f64| {
            let client = &client;
            async move {
                client
                    .query_one(
                        "INSERT INTO workpool.workers (run, host, pid, lease_ms, stopped, heartbeat)
                         VALUES ($1, 'sim', 0, 60000,
                                 CASE WHEN $2 THEN now() END,
                                 now() - make_interval(secs => $3))
                         RETURNING id",
                        &[&run, &stopped, &beat_ago_s],
                    )
                    .await
                    .unwrap()
                    .get::<_, i64>(0)
            }
        };
        let me = worker(mine.id, false, 0.0).await;
        worker(mine.id, false, 5.0).await;
        worker(mine.id, false, 59.0).await;
        worker(mine.id, true, 0.0).await;
        worker(mine.id, false, 61.0).await;
        worker(other.id, false, 0.0).await;
        worker(other.id, false, 0.0).await;
        let mut conn = Conn::new(client);
        let beating = look::look(&mut conn, mine.id, me, 0, LEASE, true)
            .await
            .unwrap();
        assert_eq!(beating.peers, Some(3));
        let quiet = look::look(&mut conn, mine.id, me, 0, LEASE, false)
            .await
            .unwrap();
        assert_eq!(quiet.peers, None, "only a look that beats counts");
    });
}

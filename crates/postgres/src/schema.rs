//! The `workpool` schema: created or migrated at start, under an advisory
//! lock so that workers starting at once do not race.
//!
//! Tables:
//! - `runs`: one row per run: its tool, its plan (what every job shares,
//!   stored once), retry and rate settings, counters, and its state
//!   (active, paused or cancelled).
//! - `jobs`: the queue: jobs ready, running (with a lease), dead, or
//!   cancelled (their run was, before they started). A finished job
//!   leaves it (one fenced `DELETE`, nothing else per job), so the queue
//!   stays as small as the work left.
//! - `keys`: every key a run was given (run, key), written at enqueue:
//!   what makes enqueueing the same inputs again add nothing, whether
//!   their jobs are still queued or long finished.
//! - `finished`: one row per batch of completions (run, worker, time,
//!   how many): the run's recent rate for `status`.
//! - `workers`: one row per `work` process: host, heartbeat, jobs in hand.
//!
//! Version 1 kept a `done` row per finished job instead of `keys` and
//! `finished`: one more insert (and a text-keyed index entry) per job, at
//! completion, where the queue is busiest. Version 2 moves that work to
//! enqueue, which runs once and in bulk. Version 3 drops the foreign keys
//! of jobs and keys to their run (a trigger removes them with it). Version
//! 4 gives a run its state (`active`, `paused`, `cancelled`) and a job
//! state 3, cancelled: a job of a cancelled run that never started, kept
//! for `status`.

use tokio_postgres::Client;

use crate::error::QueueError;

/// The advisory lock key under which the schema is created or migrated
/// (`workpool` in ASCII).
const LOCK: i64 = 0x776f_726b_706f_6f6c;

/// The migrations, in order; version N is `MIGRATIONS[N - 1]`. Never edit
/// one that has shipped: add the next.
const MIGRATIONS: &[&str] = &[
    // 1: the queue, its runs and workers, a `done` row per finished job.
    r#"
CREATE TABLE workpool.runs (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL UNIQUE,
    tool         text NOT NULL,
    plan         text NOT NULL,
    max_attempts int NOT NULL,
    timeout_ms   bigint,
    rate_per_s   double precision,
    burst        int NOT NULL DEFAULT 1,
    -- The rate limit's theoretical arrival time (GCRA): the next job may
    -- start at tat - (burst - 1) / rate_per_s.
    tat          timestamptz NOT NULL DEFAULT now(),
    enqueued     bigint NOT NULL DEFAULT 0,
    created      timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE workpool.jobs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run         bigint NOT NULL REFERENCES workpool.runs ON DELETE CASCADE,
    key         text NOT NULL,
    payload     text NOT NULL,
    state       smallint NOT NULL DEFAULT 0,
    attempt     int NOT NULL DEFAULT 0,
    run_at      timestamptz NOT NULL DEFAULT now(),
    lease_until timestamptz,
    worker      bigint,
    last_error  text,
    UNIQUE (run, key)
);
COMMENT ON COLUMN workpool.jobs.state IS '0 ready, 1 running (leased), 2 dead';
-- Few indexes: a claim changes `state`, so it writes a new entry in each.
-- The running jobs are few (the workers' hands): renewing and reaping scan
-- them all through jobs_leased, which holds no lease time, so a renewal
-- writes no index.
CREATE INDEX jobs_ready ON workpool.jobs (run, id) WHERE state = 0;
CREATE INDEX jobs_leased ON workpool.jobs (run) WHERE state = 1;
CREATE TABLE workpool.done (
    run      bigint NOT NULL REFERENCES workpool.runs ON DELETE CASCADE,
    key      text NOT NULL,
    attempt  int NOT NULL,
    worker   bigint NOT NULL,
    finished timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run, key)
);
CREATE INDEX done_finished ON workpool.done USING brin (finished);
CREATE TABLE workpool.workers (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run       bigint NOT NULL REFERENCES workpool.runs ON DELETE CASCADE,
    host      text NOT NULL,
    pid       int NOT NULL,
    started   timestamptz NOT NULL DEFAULT now(),
    heartbeat timestamptz NOT NULL DEFAULT now(),
    lease_ms  bigint NOT NULL,
    in_flight int NOT NULL DEFAULT 0,
    done      bigint NOT NULL DEFAULT 0,
    stopped   timestamptz
);
"#,
    // 2: keys at enqueue instead of a `done` row per finished job; keys
    // compare bytewise (COLLATE "C": with the cluster's default collation
    // every index comparison is a strcoll).
    r#"
CREATE TABLE workpool.keys (
    run bigint NOT NULL REFERENCES workpool.runs ON DELETE CASCADE,
    key text COLLATE "C" NOT NULL,
    PRIMARY KEY (run, key)
);
INSERT INTO workpool.keys (run, key)
    SELECT run, key FROM workpool.jobs UNION SELECT run, key FROM workpool.done;
CREATE TABLE workpool.finished (
    run    bigint NOT NULL REFERENCES workpool.runs ON DELETE CASCADE,
    worker bigint NOT NULL,
    at     timestamptz NOT NULL DEFAULT now(),
    n      int NOT NULL
);
CREATE INDEX finished_at ON workpool.finished USING brin (at);
INSERT INTO workpool.finished (run, worker, at, n)
    SELECT run, worker, finished, count(*) FROM workpool.done GROUP BY 1, 2, 3;
DROP TABLE workpool.done;
ALTER TABLE workpool.jobs DROP CONSTRAINT jobs_run_key_key;
"#,
    // 3: no foreign key from the jobs and their keys to their run: each
    // row inserted paid a referential check (half the time of an enqueue);
    // a trigger removes them with their run instead. Only `enqueue` writes
    // them, in the transaction that made the run or holds its row.
    r#"
DO $$
DECLARE c record;
BEGIN
    FOR c IN SELECT conrelid::regclass AS tab, conname FROM pg_constraint
              WHERE contype = 'f'
                AND conrelid IN ('workpool.jobs'::regclass, 'workpool.keys'::regclass)
    LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', c.tab, c.conname);
    END LOOP;
END $$;
CREATE FUNCTION workpool.forget_run() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM workpool.jobs WHERE run = OLD.id;
    DELETE FROM workpool.keys WHERE run = OLD.id;
    RETURN OLD;
END $$;
CREATE TRIGGER runs_forget AFTER DELETE ON workpool.runs
    FOR EACH ROW EXECUTE FUNCTION workpool.forget_run();
-- The planner needs the statistics of the columns claims filter and sort
-- on, not of the payloads, keys and errors: ANALYZE after an enqueue
-- skips those.
ALTER TABLE workpool.jobs
    ALTER COLUMN payload SET STATISTICS 0,
    ALTER COLUMN key SET STATISTICS 0,
    ALTER COLUMN last_error SET STATISTICS 0;
"#,
    // 4: a run can be paused or cancelled (`TOOL pause|resume|cancel`); a
    // cancelled run's jobs that never started are kept, as state 3.
    r#"
ALTER TABLE workpool.runs ADD COLUMN state text NOT NULL DEFAULT 'active'
    CHECK (state IN ('active', 'paused', 'cancelled'));
COMMENT ON COLUMN workpool.jobs.state IS '0 ready, 1 running (leased), 2 dead, 3 cancelled';
"#,
    // 5: `status` and the status page list a run's dead and cancelled jobs
    // a page at a time; without an index on them each list walked every
    // job left of the run (50 ms each at 500,000 left, most of a status).
    // Jobs enter them only when they die or are cancelled: no cost to a
    // claim or a completion.
    r#"
CREATE INDEX jobs_dead ON workpool.jobs (run, id) WHERE state = 2;
CREATE INDEX jobs_cancelled ON workpool.jobs (run, id) WHERE state = 3;
"#,
];

/// The schema version this program writes.
pub const VERSION: i32 = MIGRATIONS.len() as i32;

/// Creates the `workpool` schema, or brings it up to [`VERSION`], holding
/// an advisory lock meanwhile (a second caller waits, then finds it done).
///
/// # Errors
///
/// A statement failed, or the database's schema is newer than this
/// program ([`QueueError::SchemaTooNew`]).
pub async fn migrate(client: &mut Client) -> Result<(), QueueError> {
    client
        .execute("SELECT pg_advisory_lock($1)", &[&LOCK])
        .await?;
    let result = migrate_locked(client).await;
    let unlocked = client
        .execute("SELECT pg_advisory_unlock($1)", &[&LOCK])
        .await;
    result?;
    unlocked?;
    Ok(())
}

async fn migrate_locked(client: &mut Client) -> Result<(), QueueError> {
    client
        .batch_execute(
            "CREATE SCHEMA IF NOT EXISTS workpool;
             CREATE TABLE IF NOT EXISTS workpool.schema_version (version int NOT NULL);",
        )
        .await?;
    let row = client
        .query_one(
            "SELECT coalesce(max(version), 0) FROM workpool.schema_version",
            &[],
        )
        .await?;
    let found: i32 = row.get(0);
    if found > VERSION {
        return Err(QueueError::SchemaTooNew {
            found,
            known: VERSION,
        });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let version = index as i32 + 1;
        let tx = client.transaction().await?;
        tx.batch_execute(sql).await?;
        tx.execute("DELETE FROM workpool.schema_version", &[])
            .await?;
        tx.execute(
            "INSERT INTO workpool.schema_version (version) VALUES ($1)",
            &[&version],
        )
        .await?;
        tx.commit().await?;
        tracing::info!("workpool schema: version {version}");
    }
    Ok(())
}

//! [`enqueue`]: a tool's inputs into the queue, one job per item, in one
//! transaction, by binary `COPY`.

use futures_util::pin_mut;
use pool::{Distributed, Failure, JobSource, Keyed as _};
use tokio_postgres::Client;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::Type;

use crate::control;
use crate::error::QueueError;
use crate::run::{self, RunInfo, RunSettings};

/// The first half of the advisory lock that serialises enqueues of one run
/// (`work` in ASCII); the second is the run's id.
const ADVISORY_CLASS: i32 = 0x776f_726b;

/// The fewest jobs an enqueue adds for it to refresh the planner's
/// statistics itself (see the end of [`enqueue`]).
const ANALYZE_AFTER: u64 = 1_000;

/// What an [`enqueue`] did.
#[derive(Debug, Clone)]
pub struct Enqueued {
    /// The run (created, or found with the same plan).
    pub run: RunInfo,
    /// Whether this call created the run.
    pub created: bool,
    /// The run's settings before this call changed them, if it did (an
    /// enqueue of the same inputs with another rate, retries or timeout).
    pub changed_from: Option<RunSettings>,
    /// Items read from the input that became jobs to store.
    pub read: u64,
    /// Jobs added to the queue.
    pub added: u64,
    /// Items skipped by the tool's source (outputs up to date, suppressed
    /// addresses).
    pub skipped: u64,
    /// Input items that could not become jobs (reported to `on_invalid`).
    pub invalid: u64,
    /// Whether the run is in the database: `false` when the input held no
    /// job for a new run (nothing was stored).
    pub kept: bool,
}

impl Enqueued {
    /// Jobs read that the run already had (queued or done).
    pub fn already(&self) -> u64 {
        self.read - self.added
    }
}

/// Reads `tool`'s source and stores one job per item in run `name` (by
/// default named after the tool and a hash of its plan and settings), in
/// one transaction: the run and its plan once, then every job's key and
/// payload by binary `COPY`. Keys the run already has, queued or done, are
/// not added again (every key is kept in `workpool.keys`). Items the source cannot read are handed to
/// `on_invalid` and stored nowhere; items it skips are counted.
///
/// Memory stays bounded: items stream from the source into the `COPY`.
///
/// # Errors
///
/// A database error (nothing is stored), or [`QueueError::Usage`] when the
/// run exists with another plan or for another tool, or was cancelled.
pub async fn enqueue<T, F>(
    client: &mut Client,
    tool: &mut T,
    name: Option<&str>,
    settings: &RunSettings,
    mut on_invalid: F,
) -> Result<Enqueued, QueueError>
where
    T: Distributed,
    F: FnMut(&T, &Failure<'_, T>),
{
    let plan = serde_json::to_string(&tool.plan()).map_err(|error| QueueError::Json {
        what: "the run's plan cannot be written".into(),
        error,
    })?;
    let tx = client.transaction().await?;
    let run::Created {
        run,
        created,
        changed_from,
    } = run::create(&tx, name, tool.name(), &plan, settings).await?;
    // Two enqueues of one run take turns, so that the second sees the
    // first's keys (an advisory lock: claims never wait on it).
    tx.execute(
        "SELECT pg_advisory_xact_lock($1::int4, ($2::int8 % 2147483647)::int4)",
        &[&ADVISORY_CLASS, &run.id],
    )
    .await?;
    // The items go to a temporary table (no WAL, no index), then to `keys`
    // and `jobs` in two bulk statements; those a run already has are left
    // out first.
    tx.batch_execute(
        "CREATE TEMP TABLE incoming (run bigint, key text COLLATE \"C\", payload text) ON COMMIT DROP",
    )
    .await?;
    let target = "COPY incoming (run, key, payload) FROM STDIN BINARY";
    let sink = tx.copy_in(target).await?;
    let writer = BinaryCopyInWriter::new(sink, &[Type::INT8, Type::TEXT, Type::TEXT]);
    pin_mut!(writer);
    let mut source = tool.source();
    let (mut read, mut skipped, mut invalid) = (0u64, 0u64, 0u64);
    while let Some(item) = source.next().await {
        match item {
            Ok(job) if source.should_skip(&job) => skipped += 1,
            Ok(job) => {
                let payload = tool.payload(&job).map_err(|e| {
                    QueueError::Usage(format!("job {}: cannot be stored: {e}", job.key()))
                })?;
                let payload = serde_json::to_string(&payload).map_err(|e| QueueError::Json {
                    what: format!("job {}: its payload cannot be written", job.key()),
                    error: e,
                })?;
                let key = job.key();
                writer
                    .as_mut()
                    .write(&[&run.id, &key.as_ref(), &payload])
                    .await?;
                read += 1;
            }
            Err(error) => {
                invalid += 1;
                on_invalid(tool, &Failure::Invalid(&error));
            }
        }
    }
    writer.finish().await?;
    if created && read == 0 {
        // Nothing to store: no run is left behind for `work` to find.
        tx.rollback().await?;
        return Ok(Enqueued {
            run,
            created: false,
            changed_from: None,
            read,
            added: 0,
            skipped,
            invalid,
            kept: false,
        });
    }
    if !created {
        tx.execute(
            "DELETE FROM incoming i USING workpool.keys k WHERE k.run = i.run AND k.key = i.key",
            &[],
        )
        .await?;
    }
    // A key twice in one input fails here, naming it: two jobs cannot
    // share a key.
    // In key order: each key goes to the right-hand end of the index
    // instead of a random page of it.
    tx.execute(
        "INSERT INTO workpool.keys (run, key) SELECT run, key FROM incoming ORDER BY key",
        &[],
    )
    .await?;
    let added = tx
        .execute(
            "INSERT INTO workpool.jobs (run, key, payload) SELECT run, key, payload FROM incoming",
            &[],
        )
        .await?;
    let added_i = i64::try_from(added).unwrap_or(i64::MAX);
    tx.execute(
        "UPDATE workpool.runs SET enqueued = enqueued + $2 WHERE id = $1",
        &[&run.id, &added_i],
    )
    .await?;
    if added > 0 {
        // One notification for the whole enqueue: idle workers look at once.
        control::notify(&tx, run.id).await?;
    }
    tx.commit().await?;
    // The planner's statistics, so that the first claims use the queue's
    // indexes (a big COPY into a fresh table leaves it guessing until
    // autovacuum comes by). Not after a small enqueue: autovacuum keeps
    // up with those, and an ANALYZE invalidates every worker's plans just
    // as the notification wakes them to claim what was added.
    if added >= ANALYZE_AFTER {
        client.batch_execute("ANALYZE workpool.jobs").await?;
    }
    Ok(Enqueued {
        run,
        created,
        changed_from,
        read,
        added,
        skipped,
        invalid,
        kept: true,
    })
}

//! [`Cache`]: what the open pages show, read from the database by one
//! ticker, once a second, whoever and however many are looking.
//!
//! A request asks for a value by its [`Key`] (every run, one run's chart,
//! one page of a run's dead jobs) and gets the last one read. The ticker
//! reads again each value asked for in the last [`IDLE`], one at a time:
//! ten viewers of the same page cost the database what one does, and a
//! page nobody looks at costs nothing. A value asked for the first time
//! (or after a pause) is read by its request; two requests for it at once
//! wait for one read.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use pool_postgres::QueueError;
use tokio::sync::Notify;

use crate::chart::{self, Chart};
use crate::db::Db;
use crate::jobs::{self, JobsPage, JobsQuery};
use crate::runs::{self, RunsView};

/// How often the ticker reads what is watched.
pub const TICK: Duration = Duration::from_secs(1);

/// A value nobody asked for in this long is no longer read.
pub const IDLE: Duration = Duration::from_secs(10);

/// A request takes a value read at most this long ago; an older one (the
/// ticker is behind, or stopped for want of viewers) it reads itself.
pub const FRESH: Duration = Duration::from_millis(2500);

/// Values kept at most (each filter typed is one).
const ENTRIES: usize = 256;

/// What a page shows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    /// Every run with its status.
    Runs,
    /// A run's chart, by the run's id.
    Chart(i64),
    /// A page of a run's dead or cancelled jobs.
    Jobs(JobsQuery),
}

impl Key {
    /// The kind, as the page's own metrics name it.
    fn kind(&self) -> usize {
        match self {
            Key::Runs => 0,
            Key::Chart(_) => 1,
            Key::Jobs(_) => 2,
        }
    }
}

/// The kinds of [`Key`], by [`Key::kind`].
pub const KINDS: [&str; 3] = ["runs", "chart", "jobs"];

/// A value read.
#[derive(Debug)]
pub enum Value {
    /// Every run.
    Runs(RunsView),
    /// A chart.
    Chart(Chart),
    /// A page of jobs.
    Jobs(JobsPage),
}

type Stamped = (Instant, Arc<Value>);

#[derive(Debug)]
struct Entry {
    slot: tokio::sync::Mutex<Option<Stamped>>,
    wanted: parking_lot::Mutex<Instant>,
}

/// The shared snapshot; see the [module docs](self).
#[derive(Debug)]
pub struct Cache {
    db: Db,
    entries: parking_lot::Mutex<HashMap<Key, Arc<Entry>>>,
    /// Runs whose status must be read at the next read of [`Key::Runs`],
    /// even if settled (an action changed them).
    fresh: parking_lot::Mutex<HashSet<String>>,
    wake: Notify,
    reads: [AtomicU64; 3],
}

impl Cache {
    /// A cache over `db`; [`Cache::tick`] must run beside it.
    pub fn new(db: Db) -> Cache {
        Cache {
            db,
            entries: parking_lot::Mutex::new(HashMap::new()),
            fresh: parking_lot::Mutex::new(HashSet::new()),
            wake: Notify::new(),
            reads: Default::default(),
        }
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Reads of the database so far, by kind ([`KINDS`]).
    pub fn reads(&self) -> [u64; 3] {
        [0, 1, 2].map(|i| self.reads[i].load(Ordering::Relaxed))
    }

    /// Every run.
    ///
    /// # Errors
    ///
    /// The database could not be read.
    pub async fn runs(&self) -> Result<Arc<Value>, QueueError> {
        self.get(Key::Runs).await
    }

    /// The value of `key`, read at most [`FRESH`] ago.
    ///
    /// # Errors
    ///
    /// The database could not be read.
    pub async fn get(&self, key: Key) -> Result<Arc<Value>, QueueError> {
        let entry = self.entry(&key);
        let mut slot = entry.slot.lock().await;
        if let Some((at, value)) = slot.as_ref()
            && at.elapsed() < FRESH
        {
            return Ok(value.clone());
        }
        let before = slot.as_ref().map(|(_, v)| v.clone());
        let value = Arc::new(self.read(&key, before.as_deref()).await?);
        *slot = Some((Instant::now(), value.clone()));
        Ok(value)
    }

    /// Makes the next request read everything again, and `run`'s status
    /// in particular: an action changed it.
    pub async fn changed(&self, run: &str) {
        self.fresh.lock().insert(run.to_owned());
        let entries: Vec<Arc<Entry>> = self.entries.lock().values().cloned().collect();
        for entry in entries {
            *entry.slot.lock().await = None;
        }
    }

    /// The entry of `key`, made if new, marked as wanted now.
    fn entry(&self, key: &Key) -> Arc<Entry> {
        let mut entries = self.entries.lock();
        if let Some(entry) = entries.get(key) {
            *entry.wanted.lock() = Instant::now();
            return entry.clone();
        }
        if entries.len() >= ENTRIES
            && let Some(oldest) = entries
                .iter()
                .min_by_key(|(_, e)| *e.wanted.lock())
                .map(|(k, _)| k.clone())
        {
            entries.remove(&oldest);
        }
        let entry = Arc::new(Entry {
            slot: tokio::sync::Mutex::new(None),
            wanted: parking_lot::Mutex::new(Instant::now()),
        });
        entries.insert(key.clone(), entry.clone());
        drop(entries);
        self.wake.notify_one();
        entry
    }

    /// Reads `key` from the database.
    async fn read(&self, key: &Key, before: Option<&Value>) -> Result<Value, QueueError> {
        self.reads[key.kind()].fetch_add(1, Ordering::Relaxed);
        let client = self.db.client().await?;
        Ok(match key {
            Key::Runs => {
                let before = match before {
                    Some(Value::Runs(runs)) => Some(runs),
                    _ => None,
                };
                let fresh: Vec<String> = self.fresh.lock().drain().collect();
                Value::Runs(runs::read(&client, before, &fresh).await?)
            }
            Key::Chart(run) => Value::Chart(chart::read(&client, *run).await?),
            Key::Jobs(query) => Value::Jobs(jobs::read(&client, query).await?),
        })
    }

    /// Reads every watched value again once per [`TICK`], and forgets those
    /// nobody asked for in [`IDLE`]; sleeps while nothing is watched. Runs
    /// until the task is dropped.
    pub async fn tick(&self) {
        loop {
            let started = Instant::now();
            let watched: Vec<(Key, Arc<Entry>)> = {
                let mut entries = self.entries.lock();
                entries.retain(|_, e| e.wanted.lock().elapsed() < IDLE);
                entries
                    .iter()
                    .map(|(k, e)| (k.clone(), e.clone()))
                    .collect()
            };
            if watched.is_empty() {
                self.wake.notified().await;
                continue;
            }
            for (key, entry) in watched {
                let mut slot = entry.slot.lock().await;
                // Read by a request since the last tick: fresh enough.
                if slot.as_ref().is_some_and(|(at, _)| at.elapsed() < TICK / 2) {
                    continue;
                }
                let before = slot.as_ref().map(|(_, v)| v.clone());
                match self.read(&key, before.as_deref()).await {
                    Ok(value) => *slot = Some((Instant::now(), Arc::new(value))),
                    // Kept as it was: a request past FRESH reads it again
                    // and shows the error.
                    Err(e) => tracing::warn!("status page: {e}"),
                }
            }
            tokio::time::sleep_until((started + TICK).into()).await;
        }
    }
}

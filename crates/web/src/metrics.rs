//! `/metrics`: the runs in Prometheus's text format (0.0.4), from the same
//! snapshot the pages show.
//!
//! | metric | labels | what |
//! |---|---|---|
//! | `workpool_jobs` | run, tool, state | jobs in the queue: ready, waiting (to retry), running, dead, and cancelled where the engine has them |
//! | `workpool_jobs_finished_total` | run, tool | jobs finished |
//! | `workpool_jobs_enqueued_total` | run, tool | jobs enqueued |
//! | `workpool_jobs_per_second` | run, tool | jobs finished per second over the last minute |
//! | `workpool_workers` | run, tool, state | worker processes: alive, dead (missed its heartbeat), stopped |
//! | `workpool_run_state` | run, tool, state | 1 for the run's state (active, paused, cancelled) where the engine has one |
//! | `workpool_web_reads_total` | what | the page's own reads of the database: runs, chart, jobs |

use prometheus_client::encoding::prometheus_text;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;

use crate::cache::KINDS;
use crate::runs::RunsView;

/// The `Content-Type` of the text.
pub const CONTENT_TYPE: &str = prometheus_text::CONTENT_TYPE;

/// The states of jobs in the queue, as `status --json` names its counts.
pub const QUEUE_STATES: &[&str] = &["ready", "waiting", "running", "dead", "cancelled"];

/// The states of a worker, as `status --json` names them.
const WORKER_STATES: &[&str] = &["alive", "dead", "stopped"];

type Labels = Vec<(&'static str, String)>;

/// The metrics of `runs`, and of the page's `reads` (by [`KINDS`]).
pub fn encode(runs: &RunsView, reads: [u64; 3]) -> String {
    let mut registry = Registry::default();
    let jobs = Family::<Labels, Gauge>::default();
    let finished = Family::<Labels, Counter>::default();
    let enqueued = Family::<Labels, Counter>::default();
    let per_s = Family::<Labels, Gauge<f64, AtomicU64>>::default();
    let workers = Family::<Labels, Gauge>::default();
    let state = Family::<Labels, Gauge>::default();
    let web_reads = Family::<Labels, Counter>::default();
    for run in &runs.runs {
        let labels = |more: Option<&str>| {
            let mut l = vec![("run", run.name.clone()), ("tool", run.tool.clone())];
            if let Some(s) = more {
                l.push(("state", s.to_owned()));
            }
            l
        };
        let status = &run.status;
        for s in QUEUE_STATES {
            if let Some(n) = status[*s].as_i64() {
                jobs.get_or_create(&labels(Some(s))).set(n);
            }
        }
        finished
            .get_or_create(&labels(None))
            .inc_by(u64::try_from(run.count("done")).unwrap_or(0));
        enqueued
            .get_or_create(&labels(None))
            .inc_by(u64::try_from(run.count("enqueued")).unwrap_or(0));
        per_s
            .get_or_create(&labels(None))
            .set(status["per_s"].as_f64().unwrap_or(0.0));
        let listed = status["workers"].as_array();
        for s in WORKER_STATES {
            let n = listed.map_or(0, |w| w.iter().filter(|w| w["state"] == *s).count());
            workers
                .get_or_create(&labels(Some(s)))
                .set(i64::try_from(n).unwrap_or(i64::MAX));
        }
        if let Some(s) = status["state"].as_str() {
            state.get_or_create(&labels(Some(s))).set(1);
        }
    }
    for (what, n) in KINDS.iter().zip(reads) {
        web_reads
            .get_or_create(&vec![("what", (*what).to_owned())])
            .inc_by(n);
    }
    registry.register(
        "workpool_jobs",
        "Jobs in the queue, by run, tool and state",
        jobs,
    );
    registry.register("workpool_jobs_finished", "Jobs finished", finished);
    registry.register("workpool_jobs_enqueued", "Jobs enqueued", enqueued);
    registry.register(
        "workpool_jobs_per_second",
        "Jobs finished per second over the last minute",
        per_s,
    );
    registry.register(
        "workpool_workers",
        "Worker processes, by state: alive, dead (missed its heartbeat), stopped",
        workers,
    );
    registry.register("workpool_run_state", "1 for the state a run is in", state);
    registry.register(
        "workpool_web_reads",
        "The status page's reads of the database, by what it read",
        web_reads,
    );
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = prometheus_text::encode(&mut out, &registry);
    out
}

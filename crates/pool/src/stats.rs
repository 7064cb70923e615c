//! Live counters and latency histogram, and the [`Snapshot`] read from them.
//!
//! Each worker owns one [`WorkerStats`] slot that only it writes (plain
//! load-and-store on atomics: no locked instructions, no shared cache line),
//! and [`Stats::snapshot`] sums the slots when asked.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use serde::Serialize;

/// Buckets of the latency histogram: exact below 8 ns, then 8 per power of
/// two (about 6% resolution) up to `u64::MAX` ns.
const BUCKETS: usize = 8 + 61 * 8;

fn bucket_of(nanos: u64) -> usize {
    if nanos < 8 {
        return nanos as usize;
    }
    let exp = 63 - nanos.leading_zeros() as usize; // >= 3
    let mantissa = ((nanos >> (exp - 3)) & 7) as usize;
    8 + (exp - 3) * 8 + mantissa
}

/// The middle of bucket `index`, in ns.
fn bucket_value(index: usize) -> u64 {
    if index < 8 {
        return index as u64;
    }
    let exp = (index - 8) / 8 + 3;
    let mantissa = ((index - 8) % 8) as u64;
    let width = 1u64 << (exp - 3);
    ((8 + mantissa) << (exp - 3)).saturating_add(width / 2)
}

/// Increments a counter that only one thread writes.
#[inline]
fn bump(counter: &AtomicU64) {
    counter.store(counter.load(Relaxed).wrapping_add(1), Relaxed);
}

/// Counters written by one worker only.
#[derive(Debug)]
#[repr(align(128))]
pub(crate) struct WorkerStats {
    pub(crate) held: AtomicU64,
    pub(crate) in_flight: AtomicU64,
    succeeded: AtomicU64,
    errors: AtomicU64,
    timed_out: AtomicU64,
    panicked: AtomicU64,
    cancelled: AtomicU64,
    retried: AtomicU64,
    latency: Box<[AtomicU64]>,
}

impl WorkerStats {
    fn new() -> Self {
        WorkerStats {
            held: AtomicU64::new(0),
            in_flight: AtomicU64::new(0),
            succeeded: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            timed_out: AtomicU64::new(0),
            panicked: AtomicU64::new(0),
            cancelled: AtomicU64::new(0),
            retried: AtomicU64::new(0),
            latency: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    #[inline]
    pub(crate) fn record<O, E>(&self, status: &crate::Status<O, E>, elapsed: Duration, ran: bool) {
        use crate::Status::*;
        bump(match status {
            Succeeded(_) => &self.succeeded,
            Failed(_) => &self.errors,
            TimedOut => &self.timed_out,
            Panicked(_) => &self.panicked,
            Cancelled => &self.cancelled,
        });
        if ran {
            let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
            bump(&self.latency[bucket_of(nanos)]);
        }
    }

    #[inline]
    pub(crate) fn retried(&self) {
        bump(&self.retried);
    }
}

/// All workers' counters.
#[derive(Debug)]
pub(crate) struct Stats {
    pub(crate) workers: Box<[WorkerStats]>,
    /// A cheap clock (the CPU's time-stamp counter where it is reliable) for
    /// per-job latencies: the OS clock costs more than a no-op job.
    pub(crate) clock: quanta::Clock,
    started_at: Instant,
}

impl Stats {
    pub(crate) fn new(workers: usize) -> Self {
        Stats {
            workers: (0..workers).map(|_| WorkerStats::new()).collect(),
            clock: quanta::Clock::new(),
            started_at: Instant::now(),
        }
    }

    pub(crate) fn snapshot(&self, waiting: usize, submitted: u64) -> Snapshot {
        let mut s = Snapshot {
            submitted,
            queued: waiting as u64,
            ..Snapshot::default()
        };
        let mut histogram = vec![0u64; BUCKETS];
        for w in self.workers.iter() {
            s.queued += w.held.load(Relaxed);
            s.in_flight += w.in_flight.load(Relaxed);
            s.succeeded += w.succeeded.load(Relaxed);
            s.errors += w.errors.load(Relaxed);
            s.timed_out += w.timed_out.load(Relaxed);
            s.panicked += w.panicked.load(Relaxed);
            s.cancelled += w.cancelled.load(Relaxed);
            s.retried += w.retried.load(Relaxed);
            for (sum, b) in histogram.iter_mut().zip(w.latency.iter()) {
                *sum += b.load(Relaxed);
            }
        }
        s.failed = s.errors + s.timed_out + s.panicked + s.cancelled;
        s.elapsed = self.started_at.elapsed();
        let done = s.finished();
        let secs = s.elapsed.as_secs_f64();
        s.per_s = if secs > 0.0 { done as f64 / secs } else { 0.0 };
        s.latency_p50 = percentile(&histogram, 0.50);
        s.latency_p99 = percentile(&histogram, 0.99);
        s
    }
}

fn percentile(histogram: &[u64], q: f64) -> Duration {
    let total: u64 = histogram.iter().sum();
    if total == 0 {
        return Duration::ZERO;
    }
    let rank = ((total as f64) * q).ceil().max(1.0) as u64;
    let mut seen = 0;
    for (i, &n) in histogram.iter().enumerate() {
        seen += n;
        if seen >= rank {
            return Duration::from_nanos(bucket_value(i));
        }
    }
    Duration::from_nanos(bucket_value(histogram.len() - 1))
}

/// A live view of a pool, for progress bars and summaries.
///
/// Counters are read one after another while workers run, so a snapshot
/// taken mid-run may be off by the jobs that moved while it was taken; one
/// taken after the outcomes stream ended is exact.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Snapshot {
    /// Jobs accepted so far.
    pub submitted: u64,
    /// Jobs accepted and not yet started.
    pub queued: u64,
    /// Jobs being run now (including those waiting for a retry or the rate
    /// limit).
    pub in_flight: u64,
    /// Jobs that succeeded.
    pub succeeded: u64,
    /// Jobs that did not succeed: the sum of the four counters below (the
    /// same meaning as [`RunReport::failed`](crate::RunReport::failed),
    /// which also counts invalid input items).
    pub failed: u64,
    /// Of `failed`: jobs whose handler returned an error.
    pub errors: u64,
    /// Of `failed`: jobs whose last attempt timed out.
    pub timed_out: u64,
    /// Of `failed`: jobs whose handler panicked.
    pub panicked: u64,
    /// Of `failed`: jobs cancelled before they could finish.
    pub cancelled: u64,
    /// Retries (attempts after the first), over all jobs.
    pub retried: u64,
    /// Time since the pool started.
    #[serde(serialize_with = "secs")]
    pub elapsed: Duration,
    /// Finished jobs per second since the pool started.
    pub per_s: f64,
    /// Median time from a job's first attempt to its outcome.
    #[serde(serialize_with = "secs")]
    pub latency_p50: Duration,
    /// 99th percentile of the same.
    #[serde(serialize_with = "secs")]
    pub latency_p99: Duration,
}

impl Snapshot {
    /// Jobs with an outcome: succeeded + failed.
    pub fn finished(&self) -> u64 {
        self.succeeded + self.failed
    }
}

fn secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_monotonic_and_close() {
        let mut last = 0;
        for v in [
            0u64,
            1,
            7,
            8,
            9,
            15,
            16,
            100,
            1_000,
            123_456,
            1 << 40,
            u64::MAX,
        ] {
            let b = bucket_of(v);
            assert!(b >= last, "bucket of {v} went down");
            last = b;
            let mid = bucket_value(b);
            let err = (mid as f64 - v as f64).abs() / (v.max(1) as f64);
            assert!(err <= 0.07, "{v} -> bucket {b} -> {mid}: {err}");
        }
        assert!(bucket_of(u64::MAX) < BUCKETS);
    }

    #[test]
    fn percentiles_pick_the_right_bucket() {
        let mut h = vec![0u64; BUCKETS];
        h[bucket_of(1_000)] = 98;
        h[bucket_of(1_000_000)] = 2;
        let p50 = percentile(&h, 0.5).as_nanos() as f64;
        let p99 = percentile(&h, 0.99).as_nanos() as f64;
        assert!((p50 - 1_000.0).abs() < 70.0, "{p50}");
        assert!((p99 - 1_000_000.0).abs() < 70_000.0, "{p99}");
    }
}

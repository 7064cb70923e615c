//! [`Hand`]: what a worker's tasks (claimer, recorder, keeper) tell each
//! other without asking the database: how many jobs the worker holds,
//! when its heartbeat was last written, when a job it sent back for a
//! retry is due, and when the claimer should look at the queue again: at
//! news of the run (a notification, the listener connected again), which
//! even a worker whose hands are full heeds (a pause must reach it), or,
//! when it has nothing to do, once its own last job is recorded or the
//! keeper took jobs back.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

use parking_lot::Mutex;
use pool::CancellationToken;
use tokio::sync::Notify;
use tokio::time::Instant;

/// How far apart, on average, the idle workers of a run look after one
/// notification: about what one look costs the two of them (the worker
/// and its server process) on a small machine.
const SPREAD_PER_PEER: Duration = Duration::from_micros(250);

/// The longest an idle worker waits after a notification before it looks.
const MAX_SPREAD: Duration = Duration::from_millis(50);

/// Whether [`Hand::woken`] was news of the run or the worker's own doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Woken {
    /// A notification, or the listener connected again: every idle worker
    /// of the run heard it.
    News,
    /// This worker's last job recorded, or jobs taken back by its keeper.
    Own,
}

/// The worker's hand, shared by its tasks.
#[derive(Debug)]
pub(crate) struct Hand {
    /// Jobs claimed and not yet recorded.
    held: AtomicI64,
    /// Whether the run was paused or cancelled in this session: the jobs
    /// the pool gives back unstarted are not this worker's items.
    halted: AtomicBool,
    /// When the heartbeat was last written (by the claimer's look or the
    /// keeper), by the clock that counts while the process is stopped.
    beat: Mutex<std::time::Instant>,
    /// The earliest time a job this worker sent back for a retry is ready.
    retry_at: Mutex<Option<Instant>>,
    /// News of the run: a notification, or the listener connected again
    /// (what was sent meanwhile is lost).
    news: Notify,
    /// For a claimer with nothing to do: the worker's last held job
    /// recorded, jobs taken back by the keeper.
    wake: Notify,
    /// The run's live workers, this one included, as last counted (0:
    /// not counted yet).
    peers: AtomicI64,
}

impl Hand {
    pub(crate) fn new() -> Hand {
        Hand {
            held: AtomicI64::new(0),
            halted: AtomicBool::new(false),
            beat: Mutex::new(std::time::Instant::now()),
            retry_at: Mutex::new(None),
            news: Notify::new(),
            wake: Notify::new(),
            peers: AtomicI64::new(0),
        }
    }

    /// `n` jobs claimed.
    pub(crate) fn claimed(&self, n: usize) {
        self.held
            .fetch_add(i64::try_from(n).unwrap_or(i64::MAX), Ordering::SeqCst);
    }

    /// `n` completions recorded (accepted or refused: the jobs left the
    /// worker's hand either way); the last wakes the claimer, which may
    /// find the run finished.
    pub(crate) fn recorded(&self, n: usize) {
        let n = i64::try_from(n).unwrap_or(i64::MAX);
        if self.held.fetch_sub(n, Ordering::SeqCst) <= n {
            self.held.store(0, Ordering::SeqCst);
            self.wake.notify_one();
        }
    }

    /// Every job the worker held was given back.
    pub(crate) fn emptied(&self) {
        self.held.store(0, Ordering::SeqCst);
    }

    /// Jobs claimed and not yet recorded.
    pub(crate) fn held(&self) -> i64 {
        self.held.load(Ordering::SeqCst)
    }

    /// Marks the session halted (the run was paused or cancelled), or not.
    pub(crate) fn set_halted(&self, halted: bool) {
        self.halted.store(halted, Ordering::SeqCst);
    }

    /// Whether the run was paused or cancelled in this session.
    pub(crate) fn halted(&self) -> bool {
        self.halted.load(Ordering::SeqCst)
    }

    /// The heartbeat was written now.
    pub(crate) fn beaten(&self) {
        *self.beat.lock() = std::time::Instant::now();
    }

    /// How long ago the heartbeat was written.
    pub(crate) fn beat_age(&self) -> Duration {
        self.beat.lock().elapsed()
    }

    /// A job sent back for a retry is ready at `at`.
    pub(crate) fn retry_at(&self, at: Instant) {
        let mut due = self.retry_at.lock();
        if due.is_none_or(|due| at < due) {
            *due = Some(at);
        }
    }

    /// When to look again at the latest: after `poll`, or when the
    /// earliest retry sent back from here is due, if sooner (forgotten
    /// once passed).
    pub(crate) fn next_look(&self, poll: Duration) -> Instant {
        let now = Instant::now();
        let mut due = self.retry_at.lock();
        match *due {
            Some(at) if at <= now => {
                *due = None;
                now + poll
            }
            Some(at) => at.min(now + poll),
            None => now + poll,
        }
    }

    /// News of the run: the claimer looks (once, even if it is not
    /// waiting yet).
    pub(crate) fn tell(&self) {
        self.news.notify_one();
    }

    /// Until [`Hand::tell`] is called (or was, since the last wait).
    pub(crate) async fn told(&self) {
        self.news.notified().await;
    }

    /// Wakes the claimer if it has nothing to do (once, even if it is not
    /// waiting yet).
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }

    /// Until [`Hand::tell`] or [`Hand::wake`] is called (or was, since the
    /// last wait), saying which.
    async fn woken(&self) -> Woken {
        tokio::select! {
            () = self.news.notified() => Woken::News,
            () = self.wake.notified() => Woken::Own,
        }
    }

    /// Waits, with nothing to do, until woken, `until` comes, or `stop`
    /// is cancelled. Woken by news every idle worker of the run heard, it
    /// waits its share of [`Hand::stagger`] more (`stop` cuts that short
    /// too), so that they do not all look at once. Returns `false` when
    /// stopped.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`Hand::woken`]: a wake it consumed before being
    /// dropped is lost, and the next look finds what it was about.
    pub(crate) async fn idle(&self, until: Instant, stop: &CancellationToken) -> bool {
        let woken = tokio::select! {
            biased;
            () = stop.cancelled() => return false,
            woken = self.woken() => woken,
            () = tokio::time::sleep_until(until) => return true,
        };
        if woken == Woken::News {
            tokio::select! {
                () = stop.cancelled() => return false,
                () = tokio::time::sleep(self.stagger()) => {}
            }
        }
        true
    }

    /// The run has `n` live workers, this one included.
    pub(crate) fn set_peers(&self, n: i64) {
        self.peers.store(n.max(1), Ordering::Relaxed);
    }

    /// Whether the run's live workers were ever counted.
    pub(crate) fn knows_peers(&self) -> bool {
        self.peers.load(Ordering::Relaxed) > 0
    }

    /// How long to wait, after news that woke every idle worker of the
    /// run, before looking: a random share of a spread that grows with
    /// the number of workers (none for a worker alone). One notification
    /// wakes them all at once; looking all at once, they fight for the
    /// same cores and the same rows, and the first job starts only when
    /// most of them have looked. Spread out, the first look runs alone.
    pub(crate) fn stagger(&self) -> Duration {
        let others = u32::try_from(self.peers.load(Ordering::Relaxed) - 1).unwrap_or(0);
        let spread = SPREAD_PER_PEER.saturating_mul(others).min(MAX_SPREAD);
        spread.mul_f64(rand::random::<f64>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_worker_alone_or_not_yet_counted_looks_at_once() {
        let hand = Hand::new();
        assert!(!hand.knows_peers());
        assert_eq!(hand.stagger(), Duration::ZERO);
        hand.set_peers(1);
        assert!(hand.knows_peers());
        assert_eq!(hand.stagger(), Duration::ZERO);
    }

    #[test]
    fn many_workers_spread_their_looks_within_a_bound_that_grows_with_them() {
        let hand = Hand::new();
        hand.set_peers(41);
        let draws: Vec<Duration> = (0..200).map(|_| hand.stagger()).collect();
        let bound = SPREAD_PER_PEER * 40;
        assert!(draws.iter().all(|d| *d < bound), "{draws:?}");
        // Spread out, not all at the same moment: some early, some late.
        assert!(draws.iter().any(|d| *d < bound / 4), "{draws:?}");
        assert!(draws.iter().any(|d| *d > bound * 3 / 4), "{draws:?}");
        hand.set_peers(1_000_000);
        assert!((0..200).all(|_| hand.stagger() <= MAX_SPREAD));
    }
}

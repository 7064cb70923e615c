//! When to try a failed job again: [`RetryPolicy`].

use std::time::Duration;

use rand::Rng;

/// How many attempts a job gets and how long to wait between them.
///
/// The delay before attempt `n + 1` is `initial * 2^(n-1)`, capped at `max`,
/// then, with jitter on (the default), drawn uniformly from the upper half of
/// that ("equal jitter"), so that workers that failed together do not retry
/// together. Only [transient](crate::JobError::Transient) errors and
/// timeouts are retried.
///
/// ```
/// use std::time::Duration;
/// use pool::RetryPolicy;
///
/// let policy = RetryPolicy::new(4).backoff(Duration::from_millis(100), Duration::from_secs(5));
/// assert_eq!(policy.max_attempts(), 4);
/// assert_eq!(policy.base_delay(1), Duration::from_millis(100));
/// assert_eq!(policy.base_delay(3), Duration::from_millis(400));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial: Duration,
    max: Duration,
    jitter: bool,
}

impl Default for RetryPolicy {
    /// One attempt, no retries.
    fn default() -> Self {
        RetryPolicy::none()
    }
}

impl RetryPolicy {
    /// A single attempt: nothing is retried.
    pub fn none() -> Self {
        RetryPolicy::new(1)
    }

    /// Up to `max_attempts` attempts in all (at least 1), with a backoff of
    /// 100 ms doubling up to 30 s, jittered.
    pub fn new(max_attempts: u32) -> Self {
        RetryPolicy {
            max_attempts: max_attempts.max(1),
            initial: Duration::from_millis(100),
            max: Duration::from_secs(30),
            jitter: true,
        }
    }

    /// Sets the first delay and the cap of the exponential backoff.
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial = initial;
        self.max = max.max(initial);
        self
    }

    /// Turns jitter on or off (on by default). Off makes delays exact, for
    /// tests.
    pub fn jitter(mut self, on: bool) -> Self {
        self.jitter = on;
        self
    }

    /// The most attempts a job gets, the first included.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The delay after failed attempt `attempt` (1-based) before jitter.
    pub fn base_delay(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(31);
        self.initial
            .checked_mul(1u32 << doublings)
            .map_or(self.max, |d| d.min(self.max))
    }

    /// The delay to wait after failed attempt `attempt` (1-based), jittered
    /// when jitter is on.
    pub fn delay(&self, attempt: u32) -> Duration {
        let base = self.base_delay(attempt);
        if !self.jitter || base.is_zero() {
            return base;
        }
        let half = base / 2;
        half + rand::rng().random_range(Duration::ZERO..=base - half)
    }
}

//! A rate limit shared by all workers: [`Rate`] and the limiter behind it.

use std::fmt;
use std::num::NonZeroU32;
use std::str::FromStr;
use std::time::Duration;

use governor::clock::Clock;
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};

/// A rate: at most `count` job attempts per `per`, with bursts of up to
/// `burst` at once.
///
/// Parsed from the text users type: `10/s`, `600/min`, `5000/h`,
/// `100000/day` (a provider's daily quota), `2.5/s`, optionally with a
/// burst: `10/s,burst=20`. Without a burst, the burst is 1
/// (attempts are evenly spaced).
///
/// ```
/// use std::time::Duration;
/// use pool::Rate;
///
/// let rate: Rate = "600/min".parse()?;
/// assert_eq!(rate.interval(), Duration::from_millis(100));
/// let rate: Rate = "10/s,burst=5".parse()?;
/// assert_eq!(rate.burst(), 5);
/// let rate: Rate = "86400/day".parse()?;
/// assert_eq!(rate.interval(), Duration::from_secs(1));
/// # Ok::<(), pool::RateParseError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    interval: Duration,
    burst: NonZeroU32,
}

/// The text is not a rate such as `10/s` or `600/min`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid rate {text:?}: {reason} (expected e.g. 10/s, 600/min, 5000/h, 100000/day, 10/s,burst=20)"
)]
pub struct RateParseError {
    text: String,
    reason: &'static str,
}

impl Rate {
    /// `n` attempts per second (at least 1), burst 1.
    pub fn per_second(n: u32) -> Self {
        Rate::every(Duration::from_secs(1) / n.max(1))
    }

    /// One attempt every `interval` (at least 1 ns), burst 1.
    pub fn every(interval: Duration) -> Self {
        Rate {
            interval: interval.max(Duration::from_nanos(1)),
            burst: NonZeroU32::MIN,
        }
    }

    /// Allows up to `burst` attempts at once (at least 1) after a quiet spell.
    pub fn with_burst(mut self, burst: u32) -> Self {
        self.burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
        self
    }

    /// The steady spacing between attempts.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// The largest burst.
    pub fn burst(&self) -> u32 {
        self.burst.get()
    }

    /// Attempts per second at the steady rate.
    pub fn per_second_f64(&self) -> f64 {
        1.0 / self.interval.as_secs_f64()
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/s", self.per_second_f64())?;
        if self.burst.get() > 1 {
            write!(f, ",burst={}", self.burst)?;
        }
        Ok(())
    }
}

impl FromStr for Rate {
    type Err = RateParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = |reason| RateParseError {
            text: text.to_owned(),
            reason,
        };
        let (rate, burst) = match text.split_once(',') {
            Some((rate, burst)) => {
                let burst = burst
                    .trim()
                    .strip_prefix("burst=")
                    .ok_or_else(|| err("the part after ',' must be burst=N"))?;
                let burst: u32 = burst
                    .parse()
                    .map_err(|_| err("burst must be a whole number"))?;
                (rate, burst)
            }
            None => (text, 1),
        };
        let (count, unit) = rate
            .trim()
            .split_once('/')
            .ok_or_else(|| err("missing '/unit'"))?;
        let count: f64 = count
            .trim()
            .parse()
            .map_err(|_| err("the count is not a number"))?;
        if !(count.is_finite() && count > 0.0) {
            return Err(err("the count must be greater than zero"));
        }
        let unit_secs = match unit.trim() {
            "s" | "sec" | "second" => 1.0,
            "m" | "min" | "minute" => 60.0,
            "h" | "hour" => 3600.0,
            "d" | "day" => 86_400.0,
            _ => return Err(err("the unit must be s, min, h or day")),
        };
        let interval = Duration::try_from_secs_f64(unit_secs / count)
            .map_err(|_| err("the rate is out of range"))?;
        Ok(Rate::every(interval).with_burst(burst))
    }
}

/// A clock on tokio's time, so that a paused test clock drives the limiter.
#[derive(Debug, Clone)]
struct TokioClock {
    origin: tokio::time::Instant,
}

impl Clock for TokioClock {
    type Instant = Duration;

    fn now(&self) -> Duration {
        tokio::time::Instant::now().saturating_duration_since(self.origin)
    }
}

/// The limiter the workers share.
pub(crate) struct Limiter {
    clock: TokioClock,
    inner: RateLimiter<NotKeyed, InMemoryState, TokioClock, NoOpMiddleware<Duration>>,
}

impl fmt::Debug for Limiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Limiter").finish_non_exhaustive()
    }
}

impl Limiter {
    pub(crate) fn new(rate: Rate) -> Self {
        let clock = TokioClock {
            origin: tokio::time::Instant::now(),
        };
        // `Rate::every` keeps the interval at 1 ns or more, so the quota
        // always exists; fall back to one per second rather than panic.
        let quota = Quota::with_period(rate.interval)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(rate.burst);
        let inner = RateLimiter::direct_with_clock(quota, clock.clone());
        Limiter { clock, inner }
    }

    /// Waits until one more attempt may start.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a permit is only taken when this returns.
    pub(crate) async fn acquire(&self) {
        loop {
            match self.inner.check() {
                Ok(()) => return,
                Err(not_until) => {
                    let wait = not_until.wait_time_from(self.clock.now());
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }
}

//! The pool flags every app shares.

use std::path::PathBuf;
use std::time::Duration;

use crate::{Builder, Handler, Rate, RetryPolicy};

/// Flags shared by `mailer`, `resizer` and `reporter`; flatten into an
/// app's clap struct with `#[command(flatten)]`.
#[derive(Debug, Clone, clap::Args)]
pub struct PoolArgs {
    /// Number of workers: jobs run at once [default: the tool's own]
    #[arg(long, env = "WORKPOOL_WORKERS", value_parser = clap::value_parser!(u16).range(1..))]
    pub workers: Option<u16>,

    /// Capacity of the job queue (memory stays bounded by it)
    #[arg(long, env = "WORKPOOL_QUEUE", default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..))]
    pub queue: u32,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub run: RunArgs,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub stop: StopArgs,

    /// Journal file of finished items: a re-run with the same journal skips
    /// them (resume after Ctrl-C or a crash)
    #[arg(long, env = "WORKPOOL_JOURNAL")]
    pub journal: Option<PathBuf>,

    /// Print the end-of-run summary as one JSON object on stdout
    #[arg(long)]
    pub json: bool,

    /// No progress bar, no summary text (errors and --json still print)
    #[arg(long, short)]
    pub quiet: bool,
}

/// The flags that say how each job of a run is tried: on one machine, and
/// stored with a run across machines (where every worker follows them).
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// Retries for transient failures (attempts = 1 + retries), with
    /// exponential backoff and jitter
    #[arg(long, env = "WORKPOOL_RETRIES", default_value_t = 3)]
    pub retries: u32,

    /// Time limit per attempt, e.g. 30s, 500ms, 2m [default: none]
    #[arg(long, env = "WORKPOOL_TIMEOUT", value_parser = parse_positive_duration)]
    pub timeout: Option<Duration>,

    /// Rate limit across all workers, e.g. 10/s, 600/min, 10/s,burst=20
    #[arg(long, env = "WORKPOOL_RATE")]
    pub rate: Option<Rate>,
}

impl RunArgs {
    /// The retry policy the flags ask for.
    pub fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy::new(self.retries.saturating_add(1))
    }
}

/// `--max-failures`: on one machine, and for each worker of a run.
#[derive(Debug, Clone, clap::Args)]
pub struct StopArgs {
    /// Stop after this many items have failed (a relay that starts refusing
    /// everything, a full disk): no new item is started, those in progress
    /// finish, those queued are left for a re-run, and the run exits 1
    /// [default: never stop]
    #[arg(long, env = "WORKPOOL_MAX_FAILURES", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_failures: Option<u64>,
}

impl PoolArgs {
    /// The worker count: the flag, or `default`.
    pub fn workers_or(&self, default: usize) -> usize {
        self.workers.map_or(default, usize::from).max(1)
    }

    /// Applies the flags to a pool builder, with `default_workers` when
    /// `--workers` is not given.
    pub fn configure<J, H>(&self, builder: Builder<J, H>, default_workers: usize) -> Builder<J, H>
    where
        J: Send + 'static,
        H: Handler<J>,
    {
        builder
            .workers(self.workers_or(default_workers))
            .queue(self.queue as usize)
            .retry(self.run.retry_policy())
            .timeout_opt(self.run.timeout)
            .rate_opt(self.run.rate)
            .max_failures(self.stop.max_failures)
    }
}

/// Parses a duration such as `30s`, `500ms`, `2m`, `1h` or `1.5s`.
///
/// # Errors
///
/// A message naming the expected form.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("invalid duration {text:?}: expected e.g. 30s, 500ms, 2m"))?;
    let scale = match unit.trim() {
        "ms" => 0.001,
        "" | "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        other => {
            return Err(format!(
                "invalid duration unit {other:?}: use ms, s, m or h"
            ));
        }
    };
    Duration::try_from_secs_f64(number * scale)
        .map_err(|e| format!("invalid duration {text:?}: {e}"))
}

/// Parses a CSV delimiter as the tools take it: `,` `;` tab `|`, or their
/// names (`comma`, `semicolon`, `tab`, `pipe`).
///
/// # Errors
///
/// A message naming the delimiters taken.
pub fn parse_delimiter(text: &str) -> Result<u8, String> {
    match text {
        "," | "comma" => Ok(b','),
        ";" | "semicolon" => Ok(b';'),
        "\t" | "\\t" | "tab" | "TAB" => Ok(b'\t'),
        "|" | "pipe" => Ok(b'|'),
        other => Err(format!("unsupported delimiter {other:?}: use , ; tab or |")),
    }
}

/// Parses a duration as [`parse_duration`] does, refusing zero (a time
/// limit of nothing, a lease of nothing).
///
/// # Errors
///
/// A message naming the expected form, or saying that zero is not allowed.
pub fn parse_positive_duration(text: &str) -> Result<Duration, String> {
    let duration = parse_duration(text)?;
    if duration.is_zero() {
        return Err(format!(
            "{text:?} is no time at all: give more than zero, e.g. 30s"
        ));
    }
    Ok(duration)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5 parsecs").is_err());
    }

    #[test]
    fn zero_is_refused_where_a_time_must_pass() {
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
        for zero in ["0s", "0", "0ms", "0.0m"] {
            assert!(parse_positive_duration(zero).is_err(), "{zero}");
        }
        assert_eq!(parse_positive_duration("1ms"), Ok(Duration::from_millis(1)));
    }
}

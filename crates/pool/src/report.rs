//! [`RunReport`]: what a [`run`](crate::run) did, counted as it went.

use std::time::Duration;

use serde::Serialize;

use crate::outcome::Status;

/// What a [`run`](crate::run) did, counted as it went.
///
/// Every counter has one meaning, here, in [`Snapshot`](crate::Snapshot)
/// and in the apps' summary: `total = succeeded + failed + skipped` once a
/// run has ended, and `failed` is every item that did not succeed, whatever
/// the reason, broken down into `errors`, `invalid`, `timed_out`,
/// `panicked` and `cancelled`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RunReport {
    /// Items read from the source: jobs (run or skipped) and invalid items.
    pub total: u64,
    /// Jobs accepted by the pool.
    pub accepted: u64,
    /// Jobs that succeeded.
    pub succeeded: u64,
    /// Items that did not succeed: the sum of the five counters below.
    pub failed: u64,
    /// Of `failed`: jobs whose handler returned an error.
    pub errors: u64,
    /// Of `failed`: input items that could not become jobs.
    pub invalid: u64,
    /// Of `failed`: jobs whose last attempt timed out.
    pub timed_out: u64,
    /// Of `failed`: jobs whose handler panicked.
    pub panicked: u64,
    /// Of `failed`: jobs cancelled before they finished.
    pub cancelled: u64,
    /// Jobs skipped: done before (in the journal, or outputs up to date)
    /// or not to be done (a suppressed address).
    pub skipped: u64,
    /// Retries over all jobs.
    pub retried: u64,
    /// Whether intake stopped before the source ended (Ctrl-C, a sink
    /// error, or the pool closed from outside): the rest of the input was
    /// not read.
    pub interrupted: bool,
    /// Wall time of the run.
    #[serde(rename = "elapsed_s", serialize_with = "secs")]
    pub elapsed: Duration,
}

fn secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((d.as_secs_f64() * 1000.0).round() / 1000.0)
}

impl RunReport {
    /// Counts one job's outcome.
    pub(crate) fn count<O, E>(&mut self, status: &Status<O, E>) {
        let counter = match status {
            Status::Succeeded(_) => {
                self.succeeded += 1;
                return;
            }
            Status::Failed(_) => &mut self.errors,
            Status::TimedOut => &mut self.timed_out,
            Status::Panicked(_) => &mut self.panicked,
            Status::Cancelled => &mut self.cancelled,
        };
        *counter += 1;
        self.failed += 1;
    }

    /// Counts an input item that could not become a job.
    pub(crate) fn count_invalid(&mut self) {
        self.total += 1;
        self.invalid += 1;
        self.failed += 1;
    }

    /// Whether every item read succeeded or was skipped, and the input was
    /// read to its end.
    pub fn all_succeeded(&self) -> bool {
        !self.interrupted && self.failed == 0 && self.succeeded + self.skipped == self.total
    }

    /// Items finished (succeeded or failed) per second of wall time.
    pub fn per_s(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            (self.succeeded + self.failed) as f64 / secs
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_is_the_sum_of_its_parts() {
        let mut report = RunReport::default();
        let statuses: [Status<(), ()>; 6] = [
            Status::Succeeded(()),
            Status::Failed(()),
            Status::TimedOut,
            Status::Panicked("boom".into()),
            Status::Cancelled,
            Status::Failed(()),
        ];
        for status in &statuses {
            report.total += 1;
            report.count(status);
        }
        report.count_invalid();
        assert_eq!(report.failed, 6);
        assert_eq!(
            report.errors + report.invalid + report.timed_out + report.panicked + report.cancelled,
            report.failed
        );
        assert_eq!(
            report.succeeded + report.failed + report.skipped,
            report.total
        );
        assert!(!report.all_succeeded());
    }
}

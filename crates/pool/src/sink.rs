//! Where a run's outcomes go: [`OutcomeSink`].

use std::future::Future;

use crate::outcome::Outcome;

/// Where outcomes go: a failures file, a progress bar, a database table.
///
/// `J`, `O` and `E` are the jobs, outputs and errors of the pool's
/// handler; `I` is the source's per-item input error.
pub trait OutcomeSink<J, O, E, I>: Send {
    /// Why the sink could not record something; ends the run.
    type Error: Send + 'static;

    /// Records one job's outcome.
    fn outcome(
        &mut self,
        outcome: Outcome<J, O, E>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Records an input item that could not become a job.
    fn invalid(&mut self, error: I) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Records a job skipped: the journal holds its key, or the source
    /// [skips it](crate::JobSource::should_skip).
    fn skipped(&mut self, job: J) -> impl Future<Output = Result<(), Self::Error>> + Send {
        let _ = job;
        async { Ok(()) }
    }
}

//! Where a run's jobs come from: [`JobSource`], and [`IterSource`] over an
//! iterator.

use std::future::Future;

/// Where jobs come from, one at a time, read lazily.
///
/// An item is `Err` when the input is bad for that item only (a malformed
/// row, an unreadable file): it is reported to the sink as
/// [`invalid`](crate::OutcomeSink::invalid) and the run goes on. A source
/// that can no longer read at all ends with `None` after reporting that as
/// an item error.
///
/// # Example
///
/// ```
/// use pool::JobSource;
///
/// /// The numbers below `n`, odd ones done already.
/// struct Below { next: u64, n: u64 }
///
/// impl JobSource for Below {
///     type Job = u64;
///     type Error = std::convert::Infallible;
///
///     async fn next(&mut self) -> Option<Result<u64, Self::Error>> {
///         (self.next < self.n).then(|| { self.next += 1; Ok(self.next - 1) })
///     }
///
///     fn should_skip(&self, job: &u64) -> bool {
///         job % 2 == 1
///     }
/// }
/// ```
pub trait JobSource: Send + 'static {
    /// The jobs it yields.
    type Job: Send + 'static;
    /// A per-item input error.
    type Error: Send + 'static;

    /// The next job, a per-item error, or `None` at the end.
    ///
    /// # Cancel safety
    ///
    /// Need not be cancel safe: [`run`](crate::run) never drops this
    /// future before it completes.
    fn next(&mut self) -> impl Future<Output = Option<Result<Self::Job, Self::Error>>> + Send;

    /// Whether the run skips `job` (counted as skipped, like a key the
    /// journal holds): its effect is already there (the resizer's outputs
    /// newer than their input), or it must not happen (the mailer's
    /// suppressed addresses). Default: never.
    fn should_skip(&self, job: &Self::Job) -> bool {
        let _ = job;
        false
    }
}

/// A [`JobSource`] over an iterator (a CSV reader, a directory walk).
///
/// Reading happens on the runtime's thread; for files on a local disk each
/// item is a short buffered read.
#[derive(Debug)]
pub struct IterSource<I>(pub I);

impl<I, J, E> JobSource for IterSource<I>
where
    I: Iterator<Item = Result<J, E>> + Send + 'static,
    J: Send + 'static,
    E: Send + 'static,
{
    type Job = J;
    type Error = E;

    async fn next(&mut self) -> Option<Result<J, E>> {
        self.0.next()
    }
}

//! What a worker runs: the [`Handler`] trait and its closure adapters.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

/// An error returned by a [`Handler`], classified so the pool knows whether
/// another attempt can succeed.
///
/// A transient error (a dropped connection, a `421` reply, a busy server) is
/// retried as the pool's [`RetryPolicy`](crate::RetryPolicy) allows; a
/// permanent one (a `550` reply, a corrupt file) ends the job at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobError<E> {
    /// Another attempt may succeed.
    Transient(E),
    /// No attempt will succeed.
    Permanent(E),
}

impl<E> JobError<E> {
    /// The error, whatever its class.
    pub fn into_inner(self) -> E {
        match self {
            JobError::Transient(e) | JobError::Permanent(e) => e,
        }
    }

    /// A reference to the error, whatever its class.
    pub fn inner(&self) -> &E {
        match self {
            JobError::Transient(e) | JobError::Permanent(e) => e,
        }
    }

    /// Whether another attempt may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, JobError::Transient(_))
    }
}

impl<E: fmt::Display> fmt::Display for JobError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JobError::Transient(e) => write!(f, "transient: {e}"),
            JobError::Permanent(e) => write!(f, "permanent: {e}"),
        }
    }
}

/// What a handler knows about the attempt it is running.
#[derive(Debug, Clone)]
pub struct JobContext {
    attempt: u32,
    cancel: CancellationToken,
}

impl JobContext {
    pub(crate) fn new(attempt: u32, cancel: CancellationToken) -> Self {
        JobContext { attempt, cancel }
    }

    pub(crate) fn set_attempt(&mut self, attempt: u32) {
        self.attempt = attempt;
    }

    /// The attempt being run, starting at 1.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The pool's cancellation token: cancelled by [`Pool::cancel`]
    /// (or a drain deadline). Long handlers should watch it and stop early.
    ///
    /// [`Pool::cancel`]: crate::Pool::cancel
    pub fn cancellation(&self) -> &CancellationToken {
        &self.cancel
    }

    /// Whether the pool has been cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }
}

/// Async work run by the pool's workers, one job at a time per worker.
///
/// The worker keeps ownership of the job, so that a failed attempt can be
/// retried and the job handed back in its [`Outcome`](crate::Outcome).
///
/// I/O-bound work (SMTP, HTTP) implements this directly. CPU-bound work
/// (decoding an image, drawing a PDF) should not run on the runtime's
/// threads: wrap a plain function with [`blocking_fn`] instead.
///
/// # Example
///
/// ```
/// use pool::{Handler, JobContext, JobError};
///
/// struct Double;
///
/// impl Handler<u64> for Double {
///     type Output = u64;
///     type Error = String;
///
///     async fn call(&self, job: &u64, _cx: &JobContext) -> Result<u64, JobError<String>> {
///         job.checked_mul(2).ok_or_else(|| JobError::Permanent(format!("{job} overflows")))
///     }
/// }
/// ```
pub trait Handler<J>: Send + Sync + 'static {
    /// What a successful job produces.
    type Output: Send + 'static;
    /// What a failed attempt reports.
    type Error: Send + 'static;

    /// Runs one attempt of `job`.
    ///
    /// # Errors
    ///
    /// Returns [`JobError::Transient`] when another attempt may succeed and
    /// [`JobError::Permanent`] when none will.
    fn call(
        &self,
        job: &J,
        cx: &JobContext,
    ) -> impl Future<Output = Result<Self::Output, JobError<Self::Error>>> + Send;
}

/// A [`Handler`] made from an async closure; see [`async_fn`].
pub struct AsyncFn<F> {
    f: F,
}

impl<F> fmt::Debug for AsyncFn<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFn").finish_non_exhaustive()
    }
}

/// Makes a [`Handler`] from a closure that returns a future.
///
/// The closure gets its own copy of the job (`J: Clone`) and of the context,
/// so the future it returns owns everything it needs.
///
/// ```
/// use pool::{async_fn, JobError};
///
/// let handler = async_fn(|job: u64, _cx| async move { Ok::<_, JobError<()>>(job + 1) });
/// # let _ = handler;
/// ```
pub fn async_fn<J, O, E, F, Fut>(f: F) -> AsyncFn<F>
where
    J: Clone + Send + Sync,
    F: Fn(J, JobContext) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<O, JobError<E>>> + Send,
{
    AsyncFn { f }
}

impl<J, O, E, F, Fut> Handler<J> for AsyncFn<F>
where
    J: Clone + Send + Sync,
    O: Send + 'static,
    E: Send + 'static,
    F: Fn(J, JobContext) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<O, JobError<E>>> + Send,
{
    type Output = O;
    type Error = E;

    fn call(
        &self,
        job: &J,
        cx: &JobContext,
    ) -> impl Future<Output = Result<O, JobError<E>>> + Send {
        (self.f)(job.clone(), cx.clone())
    }
}

/// A CPU-bound [`Handler`] that runs on tokio's blocking threads; see
/// [`blocking_fn`].
pub struct BlockingFn<F> {
    f: Arc<F>,
}

impl<F> fmt::Debug for BlockingFn<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockingFn").finish_non_exhaustive()
    }
}

/// Makes a [`Handler`] from a blocking, CPU-bound function.
///
/// Each attempt runs on tokio's blocking thread pool
/// ([`spawn_blocking`](tokio::task::spawn_blocking)), so resizing an image or
/// drawing a PDF never stalls the runtime's threads; the number of
/// concurrent calls is the pool's worker count. The job is cloned for each
/// attempt (a path or a group of rows: cheap beside the work).
///
/// A panic in `f` becomes a [`Status::Panicked`](crate::Status::Panicked)
/// outcome like any other. A blocking call cannot be interrupted: when a
/// timeout fires, the outcome is reported at once but the thread finishes
/// its call in the background; `f` can poll
/// [`JobContext::is_cancelled`] to stop early.
///
/// ```
/// use pool::{blocking_fn, JobError};
///
/// let handler = blocking_fn(|path: &String, _cx| {
///     std::fs::metadata(path).map(|m| m.len()).map_err(|e| JobError::Permanent(e.to_string()))
/// });
/// # let _ = handler;
/// ```
pub fn blocking_fn<J, O, E, F>(f: F) -> BlockingFn<F>
where
    J: Clone + Send + 'static,
    F: Fn(&J, &JobContext) -> Result<O, JobError<E>> + Send + Sync + 'static,
{
    BlockingFn { f: Arc::new(f) }
}

impl<J, O, E, F> Handler<J> for BlockingFn<F>
where
    J: Clone + Send + Sync + 'static,
    O: Send + 'static,
    E: Send + 'static,
    F: Fn(&J, &JobContext) -> Result<O, JobError<E>> + Send + Sync + 'static,
{
    type Output = O;
    type Error = E;

    fn call(
        &self,
        job: &J,
        cx: &JobContext,
    ) -> impl Future<Output = Result<O, JobError<E>>> + Send {
        let f = Arc::clone(&self.f);
        let job = job.clone();
        let cx = cx.clone();
        async move {
            match tokio::task::spawn_blocking(move || f(&job, &cx)).await {
                Ok(result) => result,
                // Re-raise the panic here so the worker's panic guard turns it
                // into a `Panicked` outcome with the original message.
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                // The runtime is shutting down: the call never ran to the end.
                Err(_) => std::panic::resume_unwind(Box::new(
                    "the runtime shut down before the blocking job finished",
                )),
            }
        }
    }
}

//! What a worker runs: the [`Handler`] trait, its errors and context, and
//! [`async_fn`]. CPU-bound handlers are in `blocking`.

use std::fmt;
use std::future::Future;

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
    /// Classifies `error` by a predicate of the domain's error type:
    /// transient when `is_transient` says so, permanent otherwise.
    ///
    /// ```
    /// use pool::JobError;
    ///
    /// let e = std::io::Error::from(std::io::ErrorKind::Interrupted);
    /// let e = JobError::classify(e, |e| e.kind() == std::io::ErrorKind::Interrupted);
    /// assert!(e.is_transient());
    /// ```
    pub fn classify(error: E, is_transient: impl FnOnce(&E) -> bool) -> Self {
        if is_transient(&error) {
            JobError::Transient(error)
        } else {
            JobError::Permanent(error)
        }
    }

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
/// threads: implement [`BlockingHandler`](crate::BlockingHandler) and wrap it
/// in [`Blocking`](crate::Blocking), or wrap a plain function with
/// [`blocking_fn`](crate::blocking_fn).
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

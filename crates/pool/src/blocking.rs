//! CPU-bound handlers: [`BlockingHandler`], run through [`Blocking`] on
//! tokio's blocking threads, and [`blocking_fn`] for a plain function.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use crate::handler::{Handler, JobContext, JobError};

/// CPU-bound work (decoding an image, drawing a PDF): a plain function of
/// the job, run through [`Blocking`] on tokio's blocking thread pool so
/// that it never stalls the runtime's threads.
///
/// # Example
///
/// ```
/// use pool::{Blocking, BlockingHandler, JobContext, JobError, Pool};
///
/// struct FileSize;
///
/// impl BlockingHandler<String> for FileSize {
///     type Output = u64;
///     type Error = std::io::Error;
///
///     fn call(&self, path: &String, _cx: &JobContext) -> Result<u64, JobError<std::io::Error>> {
///         std::fs::metadata(path).map(|m| m.len()).map_err(|e| match e.kind() {
///             std::io::ErrorKind::NotFound => JobError::Permanent(e),
///             _ => JobError::Transient(e),
///         })
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let (pool, mut outcomes) = Pool::builder(Blocking::new(FileSize)).workers(2).start();
/// pool.submit("Cargo.toml".to_owned()).await.expect("open");
/// drop(pool);
/// assert!(outcomes.recv().await.expect("one outcome").status.is_success());
/// # }
/// ```
pub trait BlockingHandler<J>: Send + Sync + 'static {
    /// What a successful job produces.
    type Output: Send + 'static;
    /// What a failed attempt reports.
    type Error: Send + 'static;

    /// Runs one attempt of `job` on a blocking thread.
    ///
    /// # Errors
    ///
    /// Returns [`JobError::Transient`] when another attempt may succeed and
    /// [`JobError::Permanent`] when none will.
    fn call(&self, job: &J, cx: &JobContext) -> Result<Self::Output, JobError<Self::Error>>;
}

/// Runs a [`BlockingHandler`] as a pool [`Handler`]: each attempt on
/// tokio's blocking thread pool
/// ([`spawn_blocking`](tokio::task::spawn_blocking)); the number of
/// concurrent calls is the pool's worker count. The job is cloned for each
/// attempt (a path or a group of rows: cheap beside the work).
///
/// A panic in the handler becomes a
/// [`Status::Panicked`](crate::Status::Panicked) outcome like any other. A
/// blocking call cannot be interrupted: when a timeout fires, the outcome is
/// reported at once but the thread finishes its call in the background; the
/// handler can poll [`JobContext::is_cancelled`] to stop early.
pub struct Blocking<H> {
    inner: Arc<H>,
}

impl<H> Blocking<H> {
    /// Wraps `handler`.
    pub fn new(handler: H) -> Self {
        Blocking {
            inner: Arc::new(handler),
        }
    }

    /// The wrapped handler.
    pub fn get_ref(&self) -> &H {
        &self.inner
    }
}

impl<H> Clone for Blocking<H> {
    fn clone(&self) -> Self {
        Blocking {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<H> fmt::Debug for Blocking<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Blocking").finish_non_exhaustive()
    }
}

impl<J, H> Handler<J> for Blocking<H>
where
    J: Clone + Send + Sync + 'static,
    H: BlockingHandler<J>,
{
    type Output = H::Output;
    type Error = H::Error;

    fn call(
        &self,
        job: &J,
        cx: &JobContext,
    ) -> impl Future<Output = Result<H::Output, JobError<H::Error>>> + Send {
        let inner = Arc::clone(&self.inner);
        let job = job.clone();
        let cx = cx.clone();
        on_blocking_thread(move || crate::job_scope::as_job(|| inner.call(&job, &cx)))
    }
}

/// A [`BlockingHandler`] made from a function; see [`blocking_fn`].
pub struct FnHandler<F> {
    f: F,
}

impl<F> fmt::Debug for FnHandler<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FnHandler").finish_non_exhaustive()
    }
}

impl<J, O, E, F> BlockingHandler<J> for FnHandler<F>
where
    O: Send + 'static,
    E: Send + 'static,
    F: Fn(&J, &JobContext) -> Result<O, JobError<E>> + Send + Sync + 'static,
{
    type Output = O;
    type Error = E;

    fn call(&self, job: &J, cx: &JobContext) -> Result<O, JobError<E>> {
        (self.f)(job, cx)
    }
}

/// A CPU-bound [`Handler`] made from a function; see [`blocking_fn`].
pub type BlockingFn<F> = Blocking<FnHandler<F>>;

/// Makes a [`Handler`] from a blocking, CPU-bound function, run as
/// [`Blocking`] runs a [`BlockingHandler`].
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
    Blocking::new(FnHandler { f })
}

/// Runs `f` on tokio's blocking thread pool and hands back its result, or
/// re-raises its panic here, so that the worker's panic guard turns it into
/// a `Panicked` outcome with the original message.
async fn on_blocking_thread<R, F>(f: F) -> R
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        // The runtime is shutting down: the call never ran to the end.
        Err(_) => std::panic::resume_unwind(Box::new(
            "the runtime shut down before the blocking job finished",
        )),
    }
}

//! [`Leased`]: a claimed job with its fence, and [`Fenced`], the tool's
//! handler run on it with its errors kept classified.

use std::borrow::Cow;
use std::fmt;

use pool::{Handler, JobContext, JobError, Keyed};

/// A job claimed from the queue: the tool's job, and the (id, attempt)
/// pair that fences what the worker later says about it.
#[derive(Debug)]
pub struct Leased<J> {
    /// The job's id in the queue.
    pub id: i64,
    /// The claim's attempt (1 for the first).
    pub attempt: i32,
    /// The tool's job.
    pub job: J,
}

impl<J: Keyed> Keyed for Leased<J> {
    fn key(&self) -> Cow<'_, str> {
        self.job.key()
    }
}

/// A failed attempt's error, with whether another attempt may succeed:
/// the queue, not the local pool, decides on retries.
#[derive(Debug)]
pub struct Attempted<E> {
    /// The tool's error.
    pub error: E,
    /// Whether the tool said it was transient.
    pub transient: bool,
}

impl<E: fmt::Display> fmt::Display for Attempted<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}

/// The tool's handler `H` over [`Leased`] jobs. Every error comes back as
/// permanent to the local pool (which runs one attempt per claim), with its
/// class kept in [`Attempted`] for the queue's retry.
#[derive(Debug)]
pub struct Fenced<H>(pub H);

impl<J, H> Handler<Leased<J>> for Fenced<H>
where
    J: Send + Sync + 'static,
    H: Handler<J>,
{
    type Output = H::Output;
    type Error = Attempted<H::Error>;

    async fn call(
        &self,
        job: &Leased<J>,
        cx: &JobContext,
    ) -> Result<H::Output, JobError<Attempted<H::Error>>> {
        self.0.call(&job.job, cx).await.map_err(|e| {
            let transient = e.is_transient();
            JobError::Permanent(Attempted {
                error: e.into_inner(),
                transient,
            })
        })
    }
}

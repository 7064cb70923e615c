//! A delivery as the pool runs it ([`Delivered`]), one that cannot become
//! a job ([`Unusable`]), and the [`Token`] that settles it exactly once.

use std::borrow::Cow;
use std::fmt;

use lapin::{Acker, BasicProperties};
use pool::{Handler, JobContext, JobError, Keyed};
use tokio::sync::mpsc;

use super::settle::Settle;

/// The right to settle one delivery: acknowledge it, or give it back. A
/// token dropped unsettled (a job dropped on the way, a delivery left in a
/// channel) gives its delivery back at once.
pub(crate) struct Token {
    /// The connection the delivery came on.
    pub(crate) epoch: u64,
    acker: Option<Acker>,
    settle: mpsc::UnboundedSender<Settle>,
}

impl Token {
    pub(crate) fn new(epoch: u64, acker: Acker, settle: mpsc::UnboundedSender<Settle>) -> Token {
        Token {
            epoch,
            acker: Some(acker),
            settle,
        }
    }

    /// The connection's epoch and the acker, for settling.
    pub(crate) fn take(mut self) -> Option<(u64, Acker)> {
        self.acker.take().map(|acker| (self.epoch, acker))
    }
}

impl Drop for Token {
    fn drop(&mut self) {
        if let Some(acker) = self.acker.take() {
            let _ = self.settle.send(Settle::GiveBack {
                epoch: self.epoch,
                acker,
            });
        }
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("epoch", &self.epoch)
            .field("settled", &self.acker.is_none())
            .finish()
    }
}

/// A message as it came: its body and properties (copied when it is sent
/// back for a retry or to the dead-letter queue), and the attempts its
/// headers say it had.
#[derive(Debug)]
pub(crate) struct Message {
    pub(crate) body: Vec<u8>,
    pub(crate) properties: BasicProperties,
    pub(crate) attempts: u32,
}

impl Message {
    /// The message's `message_id`, if it has one.
    pub(crate) fn id(&self) -> Option<String> {
        self.properties
            .message_id()
            .as_ref()
            .map(|id| id.to_string())
    }
}

/// A delivery turned into the tool's job.
#[derive(Debug)]
pub(crate) struct Delivered<J> {
    pub(crate) job: J,
    pub(crate) message: Message,
    pub(crate) token: Token,
}

impl<J: Keyed> Keyed for Delivered<J> {
    fn key(&self) -> Cow<'_, str> {
        self.job.key()
    }
}

/// A delivery that cannot become a job: not JSON, the wrong shape, or an
/// item the tool refuses.
#[derive(Debug)]
pub(crate) struct Unusable {
    pub(crate) message: Message,
    pub(crate) token: Token,
    pub(crate) reason: String,
}

impl fmt::Display for Unusable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.message.id() {
            Some(id) => write!(f, "message {id}: {}", self.reason),
            None => write!(f, "a message: {}", self.reason),
        }
    }
}

/// A failed attempt's error, with whether another attempt may succeed:
/// the queue, not the local pool, retries.
#[derive(Debug)]
pub(crate) struct Attempted<E> {
    pub(crate) error: E,
    pub(crate) transient: bool,
}

impl<E: fmt::Display> fmt::Display for Attempted<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}

/// The tool's handler `H` over [`Delivered`] jobs: one attempt per
/// delivery, every error permanent to the local pool, its class kept.
#[derive(Debug)]
pub(crate) struct Attempts<H>(pub(crate) H);

impl<J, H> Handler<Delivered<J>> for Attempts<H>
where
    J: Send + Sync + 'static,
    H: Handler<J>,
{
    type Output = H::Output;
    type Error = Attempted<H::Error>;

    async fn call(
        &self,
        job: &Delivered<J>,
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

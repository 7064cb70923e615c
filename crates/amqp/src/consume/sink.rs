//! [`Settler`]: the pool's outcome sink: each outcome becomes what the
//! queue needs (an acknowledgement, a retry, a dead letter, a result),
//! handed to the settling task; failures are printed and written down as
//! a single-machine run does.

use std::sync::Arc;

use parking_lot::Mutex;
use pool::cli::{FailuresFile, Progress};
use pool::{
    Consumable, ErrorOf, Failure, JobOf, Keyed, Outcome, OutcomeSink, OutputOf, RetryPolicy,
    RunReport, Status,
};
use serde::Serialize;
use tokio::sync::mpsc;

use super::Tally;
use super::delivered::{Attempted, Delivered, Message, Token, Unusable};
use super::settle::{Outgoing, Settle, Target};
use crate::headers;

/// One result message (`--results`).
#[derive(Debug, Serialize)]
pub(crate) struct ResultMessage<'a> {
    /// The item's key (the job's; for a message that did not become a
    /// job, its `message_id`, if any).
    pub(crate) key: Option<String>,
    /// `succeeded`, `failed`, `timed_out`, `panicked` or `invalid`.
    pub(crate) status: &'a str,
    /// Why it did not succeed.
    pub(crate) error: Option<String>,
    /// What it wrote.
    pub(crate) written: Vec<String>,
    /// Attempts, this one included.
    pub(crate) attempts: u32,
    /// The tool.
    pub(crate) tool: &'a str,
}

/// The sink of a consumer.
pub(crate) struct Settler<T> {
    pub(crate) tool: Arc<Mutex<T>>,
    pub(crate) settle: mpsc::UnboundedSender<Settle>,
    pub(crate) results: Option<Arc<str>>,
    pub(crate) policy: RetryPolicy,
    pub(crate) progress: Progress,
    pub(crate) tally: Tally,
    pub(crate) items: RunReport,
    pub(crate) failures: FailuresFile,
    pub(crate) max_failures: Option<u64>,
    /// Stops the consumer (`--max-failures`).
    pub(crate) stop: Box<dyn Fn() + Send + Sync>,
}

/// Why the sink cannot go on: the settling task is gone.
#[derive(Debug, thiserror::Error)]
#[error("the settling of deliveries stopped")]
pub(crate) struct Stopped;

impl<T: Consumable> Settler<T> {
    fn print(&self, line: &str) {
        let name = self.tool.lock().name();
        self.progress.println(&format!("{name}: {line}"));
    }

    fn send(&self, token: Token, outgoing: Vec<Outgoing>) -> Result<(), Stopped> {
        let Some((epoch, acker)) = token.take() else {
            return Ok(());
        };
        self.settle
            .send(Settle::Ack {
                epoch,
                acker,
                outgoing,
            })
            .map_err(|_| Stopped)
    }

    fn result(&self, message: &ResultMessage<'_>) -> Vec<Outgoing> {
        let Some(queue) = &self.results else {
            return Vec::new();
        };
        let body = match serde_json::to_vec(message) {
            Ok(body) => body,
            Err(e) => {
                tracing::warn!("cannot write a result as JSON: {e}");
                return Vec::new();
            }
        };
        let mut properties = headers::json();
        if let Some(key) = &message.key {
            properties = properties.with_correlation_id(key.as_str().into());
        }
        vec![Outgoing {
            target: Target::Results(Arc::clone(queue)),
            body,
            properties,
        }]
    }

    /// The item ends dead: to `NAME.dead` with `reason`, a result, and the
    /// `--max-failures` count.
    fn dead(
        &mut self,
        message: Message,
        token: Token,
        reason: &str,
        result: &ResultMessage<'_>,
    ) -> Result<(), Stopped> {
        let mut outgoing = vec![Outgoing {
            target: Target::Dead,
            properties: headers::marked(&message.properties, result.attempts, Some(reason)),
            body: message.body,
        }];
        outgoing.extend(self.result(result));
        self.send(token, outgoing)?;
        self.tally.dead += 1;
        self.items.total += 1;
        self.items.failed += 1;
        if self.max_failures.is_some_and(|max| self.tally.dead == max) {
            self.print(&format!(
                "{} items failed on this consumer: stopping (--max-failures): nothing more is taken or started",
                self.tally.dead
            ));
            (self.stop)();
        }
        Ok(())
    }
}

impl<T: Consumable> OutcomeSink<Delivered<JobOf<T>>, OutputOf<T>, Attempted<ErrorOf<T>>, Unusable>
    for Settler<T>
where
    JobOf<T>: Sync,
{
    type Error = Stopped;

    async fn outcome(
        &mut self,
        outcome: Outcome<Delivered<JobOf<T>>, OutputOf<T>, Attempted<ErrorOf<T>>>,
    ) -> Result<(), Stopped> {
        let Delivered {
            job,
            message,
            token,
        } = outcome.job;
        let attempts = message.attempts.saturating_add(1);
        let name = self.tool.lock().name();
        let (status, transient) = match outcome.status {
            Status::Succeeded(output) => {
                let written = {
                    let mut tool = self.tool.lock();
                    let written = tool.written(&job, &output);
                    for warning in tool.succeeded(&job, output) {
                        tracing::warn!("{warning}");
                    }
                    written
                };
                let result = self.result(&ResultMessage {
                    key: Some(job.key().into_owned()),
                    status: "succeeded",
                    error: None,
                    written,
                    attempts,
                    tool: name,
                });
                self.tally.done += 1;
                self.items.total += 1;
                self.items.succeeded += 1;
                return self.send(token, result);
            }
            Status::Cancelled => {
                // Not started, or cancelled by a second Ctrl-C: back to
                // the queue, as it was.
                self.tally.given_back += 1;
                self.items.total += 1;
                self.items.cancelled += 1;
                self.items.failed += 1;
                drop(token);
                return Ok(());
            }
            Status::Failed(Attempted { error, transient }) => (Status::Failed(error), transient),
            Status::TimedOut => (Status::TimedOut, true),
            Status::Panicked(text) => (Status::Panicked(text), false),
        };
        let status: Status<OutputOf<T>, ErrorOf<T>> = status;
        if transient && attempts < self.policy.max_attempts() {
            let delay = self.policy.base_delay(attempts);
            tracing::debug!(
                "{}: attempt {attempts} failed, retrying in {delay:?}: {}",
                job.key(),
                status.reason().unwrap_or_default()
            );
            let copy = Outgoing {
                target: Target::Retry(delay),
                properties: headers::marked(&message.properties, attempts, None),
                body: message.body,
            };
            self.tally.retried += 1;
            self.items.retried += 1;
            return self.send(token, vec![copy]);
        }
        match &status {
            Status::TimedOut => self.items.timed_out += 1,
            Status::Panicked(_) => self.items.panicked += 1,
            _ => self.items.errors += 1,
        }
        let (line, row) = {
            let tool = self.tool.lock();
            let failure = Failure::Job {
                job: &job,
                status: &status,
                attempts,
            };
            (tool.failure_line(&failure), tool.failure_row(&failure))
        };
        self.print(&line);
        if let Err(e) = self.failures.row(&row) {
            tracing::warn!(
                "cannot write the failures file {}: {e}",
                self.failures.path().display()
            );
        }
        let result = ResultMessage {
            key: Some(job.key().into_owned()),
            status: status.name(),
            error: status.reason(),
            written: Vec::new(),
            attempts,
            tool: name,
        };
        self.dead(message, token, &line, &result)
    }

    async fn invalid(&mut self, unusable: Unusable) -> Result<(), Stopped> {
        let line = unusable.to_string();
        self.print(&line);
        self.items.invalid += 1;
        let name = self.tool.lock().name();
        let result = ResultMessage {
            key: unusable.message.id(),
            status: "invalid",
            error: Some(unusable.reason.clone()),
            written: Vec::new(),
            attempts: unusable.message.attempts.saturating_add(1),
            tool: name,
        };
        let Unusable {
            message,
            token,
            reason,
        } = unusable;
        self.dead(message, token, &reason, &result)
    }
}

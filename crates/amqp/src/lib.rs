//! pool-amqp: any workpool tool as consumers of a RabbitMQ queue (AMQP
//! 0-9-1) that other programs feed, with one result per item on another
//! queue if asked: the queue consumers of the worker-pool pattern.
//!
//! [`cli::engine`] gives every app two verbs:
//!
//! | verb | what |
//! |---|---|
//! | `TOOL publish --amqp URL --amqp-queue NAME <inputs>` | checks the tool's usual inputs as `enqueue` does and sends one message per item (persistent, counted once the broker confirmed it) |
//! | `TOOL consume --amqp URL --amqp-queue NAME <settings>` | a long-running worker: each message is one item, run on the tool's pool, acknowledged once its outcome is recorded |
//!
//! # Messages
//!
//! A message body is one item, JSON, in the shape its tool documents
//! ([`pool::Consumable::Item`]):
//!
//! | tool | body |
//! |---|---|
//! | mailer | `{"email": "ann@example.com", "name": "Ann", ...}`: one row, its columns; rendered with the consumer's template, checked as a CSV row |
//! | resizer | `{"image": "2024/a.jpg"}` (a path under the input folder, or an `s3://` key under the input prefix), with `"sizes": ["800x800"]` to override `--size` |
//! | reporter | `{"key": "ACME", "rows": [{...}, ...]}`: one group, its key and rows; `"file": "acme.pdf"` names the report |
//!
//! The message's `message_id` property, when set, names the item in
//! results; `publish` sets it to the item's key.
//!
//! # Queues
//!
//! For `--amqp-queue NAME` both verbs declare (durable, on the default
//! exchange):
//!
//! - `NAME`: a quorum queue with `x-delivery-limit` 20 and dead-lettering
//!   (at least once) to `NAME.dead`. The limit is only a guard against a
//!   message that kills every consumer: retries never count against it,
//!   since a retry is a new message (below);
//! - `NAME.dead`: a quorum queue of the items that failed for good;
//! - `NAME.retry-<ms>ms`, when a retry needs one: a quorum queue whose
//!   messages wait `<ms>` and then go back to `NAME`;
//! - with `--results R`, `R`: a quorum queue of one JSON result per
//!   finished item.
//!
//! A queue that exists with other arguments (made by another program) is
//! used as it is, with a warning.
//!
//! # What happens to a message
//!
//! - Prefetch (`basic.qos`) is `--queue`, the pool's capacity: a consumer
//!   never holds more deliveries than it can run or queue.
//! - A message is acknowledged only after its outcome is recorded: the
//!   job's effect is done (sent, written, uploaded), and the copies and
//!   result below are confirmed by the broker. A consumer killed with
//!   `kill -9` loses nothing: its unacknowledged messages go back to the
//!   queue (what was running may be done twice).
//! - A transient failure goes back for another attempt after the pool's
//!   backoff for that attempt (100 ms doubling, up to 30 s): a copy with
//!   the header `x-workpool-attempts` (the attempts so far) is published to
//!   `NAME.retry-<ms>ms`, whose TTL dead-letters it back to `NAME`. After
//!   `--retries` retries it is dead.
//! - A permanent failure, or a message that is not JSON, has the wrong
//!   shape or cannot become a job, goes to `NAME.dead` at once with the
//!   reason in the header `x-workpool-reason` (and `x-workpool-attempts`).
//!   The consumer never stops on a bad message.
//! - Ctrl-C or SIGTERM: nothing new starts, the jobs running finish and
//!   are acknowledged, the deliveries not started go back to the queue at
//!   once (nack with requeue); a second Ctrl-C cancels the running jobs,
//!   which go back too.
//! - A lost connection (a broker restart): the consumer reconnects with
//!   backoff, declares the queues again and goes on; the outcomes of jobs
//!   from the old connection are not acknowledged (the broker gave those
//!   messages back when the connection dropped, and they run again).
#![deny(missing_docs)]

pub mod cli;
mod connect;
mod consume;
mod error;
mod headers;
mod publish;
mod topology;

pub use connect::{AmqpArgs, Broker};
pub use consume::{ConsumeOptions, Consumed, Tally, consume};
pub use error::AmqpError;
pub use headers::{ATTEMPTS, REASON};
pub use publish::{Published, publish};
pub use topology::{DELIVERY_LIMIT, Queues};

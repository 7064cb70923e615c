//! The queues of `--amqp-queue NAME` ([`Queues`]) and their declaration.

use std::time::Duration;

use lapin::options::QueueDeclareOptions;
use lapin::types::{AMQPValue, FieldTable, LongString};
use lapin::{Connection, ErrorKind};

use crate::error::AmqpError;
use crate::headers::table;

/// The quorum queue's `x-delivery-limit`: a guard against a message that
/// kills every consumer that takes it (RabbitMQ 3.10 counts every return:
/// a crash, a Ctrl-C, a lost connection). Retries are new messages and
/// never count against it.
pub const DELIVERY_LIMIT: i64 = 20;

/// The names of the queues of `--amqp-queue NAME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queues {
    /// `NAME`: the items.
    pub work: String,
    /// `NAME.dead`: items that failed for good, with their reason.
    pub dead: String,
}

impl Queues {
    /// The queues of `name`.
    ///
    /// # Errors
    ///
    /// [`AmqpError::Usage`] for a name RabbitMQ would refuse (empty, too
    /// long, `amq.` reserved).
    pub fn new(name: &str) -> Result<Queues, AmqpError> {
        if name.is_empty() || name.len() > 200 || name.starts_with("amq.") {
            return Err(AmqpError::Usage(format!(
                "--amqp-queue {name:?}: give a queue name of 1 to 200 bytes, not starting with amq."
            )));
        }
        Ok(Queues {
            work: name.to_owned(),
            dead: format!("{name}.dead"),
        })
    }

    /// The queue where a message waits `delay` before going back to
    /// `NAME`.
    pub fn retry(&self, delay: Duration) -> String {
        format!("{}.retry-{}ms", self.work, delay.as_millis())
    }
}

fn quorum() -> (&'static str, AMQPValue) {
    (
        "x-queue-type",
        AMQPValue::LongString(LongString::from("quorum")),
    )
}

fn dead_letter_to(queue: &str) -> [(&'static str, AMQPValue); 4] {
    [
        (
            "x-dead-letter-exchange",
            AMQPValue::LongString(LongString::from("")),
        ),
        (
            "x-dead-letter-routing-key",
            AMQPValue::LongString(LongString::from(queue.to_owned())),
        ),
        // At-least-once dead-lettering: the message leaves only once the
        // target queue has it (RabbitMQ asks for reject-publish with it).
        (
            "x-dead-letter-strategy",
            AMQPValue::LongString(LongString::from("at-least-once")),
        ),
        (
            "x-overflow",
            AMQPValue::LongString(LongString::from("reject-publish")),
        ),
    ]
}

/// Declares `NAME` and `NAME.dead`.
///
/// # Errors
///
/// The broker refused a declaration other than for other arguments.
pub(crate) async fn declare(connection: &Connection, queues: &Queues) -> Result<(), AmqpError> {
    let mut work = vec![
        quorum(),
        ("x-delivery-limit", AMQPValue::LongLongInt(DELIVERY_LIMIT)),
    ];
    work.extend(dead_letter_to(&queues.dead));
    declare_one(connection, &queues.dead, &table(&[quorum()])).await?;
    declare_one(connection, &queues.work, &table(&work)).await
}

/// Declares the queue where messages wait `delay` before going back to
/// `NAME`.
///
/// # Errors
///
/// As [`declare`].
pub(crate) async fn declare_retry(
    connection: &Connection,
    queues: &Queues,
    delay: Duration,
) -> Result<String, AmqpError> {
    let name = queues.retry(delay);
    let ttl = i64::try_from(delay.as_millis()).unwrap_or(i64::MAX);
    let mut args = vec![quorum(), ("x-message-ttl", AMQPValue::LongLongInt(ttl))];
    args.extend(dead_letter_to(&queues.work));
    declare_one(connection, &name, &table(&args)).await?;
    Ok(name)
}

/// Declares the results queue `name`.
///
/// # Errors
///
/// As [`declare`].
pub(crate) async fn declare_results(connection: &Connection, name: &str) -> Result<(), AmqpError> {
    declare_one(connection, name, &table(&[quorum()])).await
}

/// Declares `name` (durable, with `args`) on a channel of its own; when
/// the queue exists with other arguments (another program made it), uses
/// it as it is, with a warning.
async fn declare_one(
    connection: &Connection,
    name: &str,
    args: &FieldTable,
) -> Result<(), AmqpError> {
    let what = || format!("cannot declare the queue {name}");
    let channel = connection
        .create_channel()
        .await
        .map_err(AmqpError::broker(what()))?;
    let durable = QueueDeclareOptions {
        durable: true,
        ..QueueDeclareOptions::default()
    };
    match channel
        .queue_declare(name.into(), durable, args.clone())
        .await
    {
        Ok(_) => {
            let _ = channel.close(200, "declared".into()).await;
            Ok(())
        }
        Err(e) if matches!(e.kind(), ErrorKind::ProtocolError(p) if p.get_id() == 406) => {
            // The broker closed that channel; look on another.
            let channel = connection
                .create_channel()
                .await
                .map_err(AmqpError::broker(what()))?;
            let passive = QueueDeclareOptions {
                passive: true,
                ..QueueDeclareOptions::default()
            };
            channel
                .queue_declare(name.into(), passive, FieldTable::default())
                .await
                .map_err(AmqpError::broker(what()))?;
            let _ = channel.close(200, "declared".into()).await;
            tracing::warn!(
                "the queue {name} exists with other arguments than workpool's (another program made it): using it as it is ({e})"
            );
            Ok(())
        }
        Err(e) => Err(AmqpError::broker(what())(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_queue() {
        let q = Queues::new("mail").expect("a name");
        assert_eq!((q.work.as_str(), q.dead.as_str()), ("mail", "mail.dead"));
        assert_eq!(q.retry(Duration::from_millis(400)), "mail.retry-400ms");
        for bad in ["", "amq.x", &"x".repeat(201)] {
            assert!(Queues::new(bad).is_err(), "{bad}");
        }
    }
}

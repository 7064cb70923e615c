//! Settling deliveries: a task of its own acknowledges each delivery once
//! the copies its outcome asks for (a retry, a dead letter, a result) are
//! confirmed by the broker, or gives it back; many at once, so that the
//! pool's outcomes never wait for the broker.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt as _;
use futures_util::future::BoxFuture;
use futures_util::stream::FuturesUnordered;
use lapin::options::{BasicAckOptions, BasicNackOptions, BasicPublishOptions};
use lapin::{Acker, BasicProperties, Channel, Confirmation, Connection};
use parking_lot::RwLock;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::error::AmqpError;
use crate::topology::{self, Queues};

/// The connection in use, numbered: deliveries of an older one are never
/// settled on it (the broker gave them back when it was lost).
pub(crate) struct Live {
    pub(crate) epoch: u64,
    pub(crate) connection: Connection,
    /// A channel in confirm mode for the copies and results.
    pub(crate) publish: Channel,
    /// The retry queues declared on this connection, by delay in ms.
    retries: tokio::sync::Mutex<HashSet<u128>>,
}

impl Live {
    pub(crate) fn new(epoch: u64, connection: Connection, publish: Channel) -> Live {
        Live {
            epoch,
            connection,
            publish,
            retries: tokio::sync::Mutex::default(),
        }
    }

    /// The queue for retries after `delay`, declared once per connection.
    async fn retry_queue(&self, queues: &Queues, delay: Duration) -> Result<String, AmqpError> {
        let mut declared = self.retries.lock().await;
        if !declared.contains(&delay.as_millis()) {
            topology::declare_retry(&self.connection, queues, delay).await?;
            declared.insert(delay.as_millis());
        }
        Ok(queues.retry(delay))
    }
}

/// The connection in use, if one is up.
#[derive(Clone, Default)]
pub(crate) struct Current(Arc<RwLock<Option<Arc<Live>>>>);

impl Current {
    pub(crate) fn set(&self, live: Option<Arc<Live>>) {
        *self.0.write() = live;
    }

    /// The connection in use, if it is the one of `epoch`.
    pub(crate) fn of(&self, epoch: u64) -> Option<Arc<Live>> {
        self.0.read().as_ref().filter(|l| l.epoch == epoch).cloned()
    }

    /// The epoch of the connection in use.
    pub(crate) fn epoch(&self) -> Option<u64> {
        self.0.read().as_ref().map(|l| l.epoch)
    }
}

/// Where a copy goes.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    /// `NAME.retry-<ms>ms`, back to `NAME` after the delay.
    Retry(Duration),
    /// `NAME.dead`.
    Dead,
    /// The results queue.
    Results(Arc<str>),
}

/// A message to publish before a delivery is acknowledged.
#[derive(Debug)]
pub(crate) struct Outgoing {
    pub(crate) target: Target,
    pub(crate) body: Vec<u8>,
    pub(crate) properties: BasicProperties,
}

/// What to do with a delivery.
pub(crate) enum Settle {
    /// Publish `outgoing` (each confirmed), then acknowledge.
    Ack {
        epoch: u64,
        acker: Acker,
        outgoing: Vec<Outgoing>,
    },
    /// Give it back to the queue now (nack with requeue).
    GiveBack { epoch: u64, acker: Acker },
}

/// What became of the deliveries settled.
#[derive(Debug, Default, Clone, Copy)]
pub struct Settled {
    /// Acknowledged.
    pub acked: u64,
    /// Given back to the queue (not started, cancelled, or a copy the
    /// broker did not take).
    pub given_back: u64,
    /// Left to the broker: their connection was lost, so the broker gave
    /// them back itself.
    pub lost: u64,
}

enum Done {
    Acked,
    GivenBack,
    Lost,
}

/// Starts the settling task; it ends once every sender is dropped and
/// every delivery sent to it is settled.
pub(crate) fn start(
    current: Current,
    queues: Arc<Queues>,
) -> (mpsc::UnboundedSender<Settle>, JoinHandle<Settled>) {
    let (tx, mut rx) = mpsc::unbounded_channel::<Settle>();
    let handle = tokio::spawn(async move {
        let mut running: FuturesUnordered<BoxFuture<'static, Done>> = FuturesUnordered::new();
        let mut settled = Settled::default();
        let mut count = |done: Done| match done {
            Done::Acked => settled.acked += 1,
            Done::GivenBack => settled.given_back += 1,
            Done::Lost => settled.lost += 1,
        };
        loop {
            tokio::select! {
                command = rx.recv() => match command {
                    Some(command) => running.push(Box::pin(settle(command, current.clone(), Arc::clone(&queues)))),
                    None => break,
                },
                Some(done) = running.next(), if !running.is_empty() => count(done),
            }
        }
        while let Some(done) = running.next().await {
            count(done);
        }
        settled
    });
    (tx, handle)
}

async fn settle(command: Settle, current: Current, queues: Arc<Queues>) -> Done {
    match command {
        Settle::GiveBack { epoch, acker } => {
            if current.of(epoch).is_none() {
                return Done::Lost;
            }
            give_back(&acker).await
        }
        Settle::Ack {
            epoch,
            acker,
            outgoing,
        } => {
            let Some(live) = current.of(epoch) else {
                return Done::Lost;
            };
            if !acker.usable() {
                return Done::Lost;
            }
            for out in outgoing {
                if let Err(e) = send(&live, &queues, out).await {
                    tracing::warn!("{e}: the message goes back to the queue");
                    return give_back(&acker).await;
                }
            }
            match acker.ack(BasicAckOptions::default()).await {
                Ok(true) => Done::Acked,
                _ => Done::Lost,
            }
        }
    }
}

async fn give_back(acker: &Acker) -> Done {
    let requeue = BasicNackOptions {
        requeue: true,
        ..BasicNackOptions::default()
    };
    match acker.nack(requeue).await {
        Ok(true) => Done::GivenBack,
        _ => Done::Lost,
    }
}

/// Publishes `out` and waits for the broker's confirmation.
async fn send(live: &Live, queues: &Queues, out: Outgoing) -> Result<(), String> {
    let queue = match &out.target {
        Target::Retry(delay) => live
            .retry_queue(queues, *delay)
            .await
            .map_err(|e| e.to_string())?,
        Target::Dead => queues.dead.clone(),
        Target::Results(name) => name.to_string(),
    };
    let options = BasicPublishOptions {
        mandatory: true,
        ..BasicPublishOptions::default()
    };
    let published = live
        .publish
        .basic_publish(
            "".into(),
            queue.as_str().into(),
            options,
            &out.body,
            out.properties,
        )
        .await;
    let confirmed = match published {
        Ok(confirm) => confirm.await,
        Err(e) => Err(e),
    };
    let confirmation = match confirmed {
        Ok(confirmation) => confirmation,
        Err(e) => {
            // The publishing channel is broken: closing the connection
            // makes the consumer reconnect.
            let _ = live
                .connection
                .close(320, "the publishing channel failed".into())
                .await;
            return Err(format!("cannot publish to {queue}: {e}"));
        }
    };
    match confirmation {
        Confirmation::Ack(None) | Confirmation::NotRequested => Ok(()),
        Confirmation::Ack(Some(_)) => Err(format!("the queue {queue} is missing")),
        Confirmation::Nack(_) => Err(format!("the broker refused a message for {queue}")),
    }
}

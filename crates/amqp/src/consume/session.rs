//! The connection to the broker over a consumer's life: opened, the
//! queues declared, prefetch set, deliveries forwarded to the pool's
//! source; lost and opened again with backoff; closed at the end, when the
//! deliveries still coming are given back.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt as _;
use lapin::message::Delivery;
use lapin::options::{
    BasicCancelOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions,
    ConfirmSelectOptions,
};
use lapin::types::FieldTable;
use lapin::{Channel, Consumer};
use pool::CancellationToken;
use rand::Rng as _;
use tokio::sync::mpsc;

use super::settle::{Current, Live};
use crate::connect::Broker;
use crate::error::AmqpError;
use crate::topology;

/// A delivery, with the connection it came on.
pub(crate) struct Incoming {
    pub(crate) epoch: u64,
    pub(crate) delivery: Delivery,
}

/// Backoff between attempts to reconnect.
const FIRST_WAIT: Duration = Duration::from_millis(100);
const LONGEST_WAIT: Duration = Duration::from_secs(30);

/// An open connection's consuming side.
pub(crate) struct Opened {
    live: Arc<Live>,
    channel: Channel,
    consumer: Consumer,
}

/// How the consumer talks to the broker.
pub(crate) struct Session {
    pub(crate) broker: Broker,
    pub(crate) results: Option<String>,
    pub(crate) prefetch: u16,
    pub(crate) tag: String,
    pub(crate) current: Current,
    pub(crate) deliveries: mpsc::Sender<Incoming>,
    pub(crate) stop: CancellationToken,
}

impl Session {
    /// Connects, declares the queues, sets the prefetch and starts
    /// consuming.
    ///
    /// # Errors
    ///
    /// Whatever the broker refuses.
    pub(crate) async fn open(&self, epoch: u64) -> Result<Opened, AmqpError> {
        let connection = self.broker.connect().await?;
        let queues = &self.broker.queues;
        topology::declare(&connection, queues).await?;
        if let Some(results) = &self.results {
            topology::declare_results(&connection, results).await?;
        }
        let channel = connection
            .create_channel()
            .await
            .map_err(AmqpError::broker("cannot open a channel"))?;
        channel
            .basic_qos(self.prefetch, BasicQosOptions::default())
            .await
            .map_err(AmqpError::broker("cannot set the prefetch"))?;
        let publish = connection
            .create_channel()
            .await
            .map_err(AmqpError::broker("cannot open a channel"))?;
        publish
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .map_err(AmqpError::broker("cannot turn publisher confirms on"))?;
        let consumer = channel
            .basic_consume(
                queues.work.as_str().into(),
                self.tag.as_str().into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(AmqpError::broker(format!(
                "cannot consume from {}",
                queues.work
            )))?;
        Ok(Opened {
            live: Arc::new(Live::new(epoch, connection, publish)),
            channel,
            consumer,
        })
    }

    /// Forwards deliveries until told to stop, reconnecting whenever the
    /// connection is lost; returns the connection in use, whose channel
    /// must stay open until the jobs running are settled (dropping its
    /// consumer closes it).
    pub(crate) async fn run(self, mut opened: Opened) -> Option<Opened> {
        loop {
            self.current.set(Some(Arc::clone(&opened.live)));
            let epoch = opened.live.epoch;
            let lost = self.forward(&mut opened).await;
            let Some(reason) = lost else {
                self.finish(&mut opened).await;
                return Some(opened);
            };
            self.current.set(None);
            tracing::warn!(
                "lost the broker ({reason}): reconnecting; the messages this consumer held go back to the queue"
            );
            drop(opened);
            match self.reconnect(epoch + 1).await {
                Some(again) => opened = again,
                None => return None,
            }
        }
    }

    /// Forwards deliveries; `None` once told to stop, else why the
    /// connection was lost.
    async fn forward(&self, opened: &mut Opened) -> Option<String> {
        let epoch = opened.live.epoch;
        loop {
            let next = tokio::select! {
                biased;
                () = self.stop.cancelled() => return None,
                next = opened.consumer.next() => next,
            };
            match next {
                Some(Ok(delivery)) => {
                    let permit = tokio::select! {
                        biased;
                        () = self.stop.cancelled() => None,
                        permit = self.deliveries.reserve() => permit.ok(),
                    };
                    let Some(permit) = permit else {
                        give_back(&delivery).await;
                        return None;
                    };
                    permit.send(Incoming { epoch, delivery });
                }
                Some(Err(e)) => return Some(e.to_string()),
                None => {
                    return Some(format!(
                        "the broker cancelled the consumer of {} (was the queue deleted?)",
                        self.broker.queues.work
                    ));
                }
            }
        }
    }

    /// Stops consuming; what the broker still sends is given back, then
    /// the channel closes (the broker gives back anything unsettled).
    async fn finish(&self, opened: &mut Opened) {
        let _ = opened
            .channel
            .basic_cancel(self.tag.as_str().into(), BasicCancelOptions::default())
            .await;
        while let Ok(Some(Ok(delivery))) =
            tokio::time::timeout(Duration::from_millis(100), opened.consumer.next()).await
        {
            give_back(&delivery).await;
        }
    }

    /// Opens a new connection, waiting longer after each failure, until it
    /// works or the consumer is told to stop.
    async fn reconnect(&self, epoch: u64) -> Option<Opened> {
        let mut wait = FIRST_WAIT;
        loop {
            let jittered = wait / 2 + rand::rng().random_range(Duration::ZERO..=wait / 2);
            tokio::select! {
                () = self.stop.cancelled() => return None,
                () = tokio::time::sleep(jittered) => {}
            }
            match self.open(epoch).await {
                Ok(opened) => {
                    tracing::warn!("connected to {} again", self.broker.display());
                    return Some(opened);
                }
                Err(e) => {
                    tracing::warn!(
                        "{e}; trying again in up to {:?}",
                        (wait * 2).min(LONGEST_WAIT)
                    );
                    wait = (wait * 2).min(LONGEST_WAIT);
                }
            }
        }
    }
}

impl Opened {
    /// The connection.
    pub(crate) fn live(&self) -> &Arc<Live> {
        &self.live
    }

    /// Closes the connection (the broker gives back what is unsettled).
    pub(crate) async fn close(self) {
        let _ = self.channel.close(200, "consumer stopped".into()).await;
        let _ = self
            .live
            .connection
            .close(200, "consumer stopped".into())
            .await;
    }
}

async fn give_back(delivery: &Delivery) {
    let requeue = BasicNackOptions {
        requeue: true,
        ..BasicNackOptions::default()
    };
    let _ = delivery.acker.nack(requeue).await;
}

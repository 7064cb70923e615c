//! [`Deliveries`]: the pool's job source: deliveries from the session,
//! turned into the tool's jobs.

use std::sync::Arc;

use parking_lot::Mutex;
use pool::{CancellationToken, Consumable, JobOf, JobSource};
use tokio::sync::mpsc;

use super::delivered::{Delivered, Message, Token, Unusable};
use super::session::Incoming;
use super::settle::{Current, Settle};
use crate::headers;

/// The deliveries of a consumer, as jobs.
pub(crate) struct Deliveries<T> {
    pub(crate) tool: Arc<Mutex<T>>,
    pub(crate) incoming: mpsc::Receiver<Incoming>,
    pub(crate) current: Current,
    pub(crate) settle: mpsc::UnboundedSender<Settle>,
    pub(crate) stop: CancellationToken,
    /// Deliveries taken so far.
    pub(crate) taken: u64,
}

impl<T: Consumable> JobSource for Deliveries<T> {
    type Job = Delivered<JobOf<T>>;
    type Error = Unusable;

    /// The next delivery as a job; one whose connection was lost since is
    /// passed over (the broker gave it back). Ends when told to stop.
    async fn next(&mut self) -> Option<Result<Delivered<JobOf<T>>, Unusable>> {
        loop {
            let incoming = tokio::select! {
                biased;
                () = self.stop.cancelled() => return None,
                incoming = self.incoming.recv() => incoming?,
            };
            let Incoming { epoch, delivery } = incoming;
            let token = Token::new(epoch, delivery.acker, self.settle.clone());
            if self.current.epoch() != Some(epoch) {
                continue;
            }
            self.taken += 1;
            let message = Message {
                attempts: headers::attempts(&delivery.properties),
                body: delivery.data,
                properties: delivery.properties,
            };
            let tool = self.tool.lock();
            let item = match serde_json::from_slice::<T::Item>(&message.body) {
                Ok(item) => item,
                Err(e) => {
                    let reason = format!("not a {} message: {e}", tool.name());
                    return Some(Err(Unusable {
                        message,
                        token,
                        reason,
                    }));
                }
            };
            return Some(match tool.job_from_item(item, self.taken) {
                Ok(job) => Ok(Delivered {
                    job,
                    message,
                    token,
                }),
                Err(reason) => Err(Unusable {
                    message,
                    token,
                    reason,
                }),
            });
        }
    }
}

impl<T> Drop for Deliveries<T> {
    /// The deliveries not taken yet go back to the queue at once.
    fn drop(&mut self) {
        self.incoming.close();
        while let Ok(Incoming { epoch, delivery }) = self.incoming.try_recv() {
            drop(Token::new(epoch, delivery.acker, self.settle.clone()));
        }
    }
}

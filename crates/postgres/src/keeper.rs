//! The keeper: the worker's lease keeper and its listener, on one
//! connection.
//!
//! Every third of a lease it renews the leases of every job the worker
//! holds and its heartbeat, and takes back the run's jobs whose lease
//! expired elsewhere (one statement); a worker that holds nothing and
//! whose claimer wrote the heartbeat lately (an idle worker's look does)
//! skips it. A worker that could not renew for a whole lease (the
//! database was unreachable, or the process was stopped) has lost its
//! jobs to the others: it stops.
//!
//! The connection listens on the run's channel (see [`crate::control`]):
//! each notification wakes the claimer. When the connection drops, it is
//! made again with a backoff (a tenth of a second, doubling up to 30 s),
//! and the claimer looks once after each reconnect (what was sent
//! meanwhile is lost).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use pool::CancellationToken;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_postgres::{Client, Notification};

use crate::connect::{Conn, connect_listening};
use crate::control::channel;
use crate::error::QueueError;
use crate::hand::Hand;
use crate::lease;

/// The first wait before making the connection again, doubled after each
/// failure up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(100);

/// The longest wait between two attempts to connect again.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// The keeper's settings.
pub(crate) struct Keeper {
    /// The database, to connect again.
    pub(crate) url: String,
    pub(crate) run: i64,
    pub(crate) worker: i64,
    pub(crate) lease: Duration,
    pub(crate) hand: Arc<Hand>,
    /// Set when the lease is lost.
    pub(crate) lost: Arc<AtomicBool>,
}

/// Connects to `url` and listens on `run`'s channel.
///
/// # Errors
///
/// The connection cannot be made, or `LISTEN` fails.
pub(crate) async fn listen(
    url: &str,
    run: i64,
) -> Result<(Client, UnboundedReceiver<Notification>), QueueError> {
    let (client, notifications) = connect_listening(url).await?;
    client
        .batch_execute(&format!("LISTEN \"{}\"", channel(run)))
        .await?;
    Ok((client, notifications))
}

impl Keeper {
    /// Starts the keeper on `first` (from [`listen`]); `on_lost` is called
    /// when the lease is lost. Ends when `done` is cancelled (or the lease
    /// is lost), handing its connection back (none while it was making it
    /// again).
    pub(crate) fn start(
        self,
        first: (Client, UnboundedReceiver<Notification>),
        done: CancellationToken,
        on_lost: impl FnOnce() + Send + 'static,
    ) -> JoinHandle<Option<Conn>> {
        tokio::spawn(self.run(first, done, on_lost))
    }

    async fn run(
        self,
        first: (Client, UnboundedReceiver<Notification>),
        done: CancellationToken,
        on_lost: impl FnOnce() + Send + 'static,
    ) -> Option<Conn> {
        let mut on_lost = Some(on_lost);
        let (client, notifications) = first;
        let mut conn = Some(Conn::new(client));
        let mut notifications = Some(notifications);
        let mut backoff = FIRST_BACKOFF;
        let mut reconnect_at = Instant::now();
        let mut tick = tokio::time::interval(self.lease / 3);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        // When every lease the worker holds was last known renewed, by the
        // clock that counts while the process is stopped too: a worker
        // resumed after SIGSTOP must see the time it missed.
        let mut renewed = std::time::Instant::now();
        loop {
            tokio::select! {
                () = done.cancelled() => return conn,
                _ = tick.tick() => {}
                note = next(&mut notifications) => {
                    if note.is_some() {
                        self.hand.tell();
                    } else {
                        tracing::warn!("the connection that listens for the run's news dropped: connecting again");
                        (conn, notifications) = (None, None);
                        reconnect_at = Instant::now() + backoff;
                    }
                    continue;
                }
                () = tokio::time::sleep_until(reconnect_at), if conn.is_none() => {
                    match listen(&self.url, self.run).await {
                        Ok((client, rx)) => {
                            (conn, notifications) = (Some(Conn::new(client)), Some(rx));
                            backoff = FIRST_BACKOFF;
                            // Anything sent meanwhile was lost: look once.
                            self.hand.tell();
                        }
                        Err(e) => {
                            backoff = (backoff * 2).min(MAX_BACKOFF);
                            reconnect_at = Instant::now() + backoff;
                            tracing::warn!("connecting again (next try in {backoff:?}): {e}");
                        }
                    }
                    continue;
                }
            }
            if self.hand.held() == 0 {
                // Nothing held, nothing to lose.
                renewed = std::time::Instant::now();
                if self.hand.beat_age() < self.lease / 3 {
                    // The claimer's looks beat the heartbeat and take back
                    // expired jobs: nothing to add.
                    continue;
                }
            }
            if renewed.elapsed() > self.lease {
                if !self.lost.swap(true, Ordering::SeqCst) {
                    tracing::error!(
                        "could not renew the leases for {:?} (longer than the lease of {:?}): other workers take these jobs back; stopping",
                        renewed.elapsed(),
                        self.lease
                    );
                    if let Some(f) = on_lost.take() {
                        f();
                    }
                }
                return conn;
            }
            let Some(c) = &mut conn else {
                continue;
            };
            match lease::keep(c, self.run, self.worker, self.lease).await {
                Ok(kept) => {
                    renewed = std::time::Instant::now();
                    self.hand.beaten();
                    if kept.reaped > 0 {
                        tracing::warn!(
                            "took back {} jobs whose worker's lease expired",
                            kept.reaped
                        );
                        self.hand.wake();
                    }
                }
                Err(e) => tracing::warn!("renewing leases: {e}"),
            }
        }
    }
}

/// The next notification (none: the connection dropped); never, without
/// a connection.
async fn next(notifications: &mut Option<UnboundedReceiver<Notification>>) -> Option<Notification> {
    match notifications {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

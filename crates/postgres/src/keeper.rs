//! The lease keeper: every third of a lease, renews the leases of every job
//! the worker holds and its heartbeat (one statement), and takes back the
//! run's jobs whose lease expired elsewhere. A worker that could not renew
//! for a whole lease (the database was unreachable, or the process was
//! stopped) has lost its jobs to the others: it stops.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use pool::CancellationToken;
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_postgres::Client;

use crate::connect::Conn;
use crate::lease;

/// Starts the keeper on `client`; `lost` is set and `on_lost` called when
/// the lease is lost. Ends when `done` is cancelled (or the lease is lost),
/// handing its connection back.
pub(crate) fn start(
    client: Client,
    run: i64,
    worker: i64,
    lease_time: Duration,
    done: CancellationToken,
    lost: Arc<AtomicBool>,
    on_lost: impl FnOnce() + Send + 'static,
) -> JoinHandle<Conn> {
    let mut conn = Conn::new(client);
    tokio::spawn(async move {
        let mut on_lost = Some(on_lost);
        let mut tick = tokio::time::interval(lease_time / 3);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        // When the leases were last renewed, by the clock that counts while
        // the process is stopped too: a worker resumed after SIGSTOP must
        // see the time it missed.
        let mut renewed = std::time::Instant::now();
        let mut next_reap = Instant::now();
        loop {
            tokio::select! {
                () = done.cancelled() => return conn,
                _ = tick.tick() => {}
            }
            if renewed.elapsed() > lease_time {
                if !lost.swap(true, Ordering::SeqCst) {
                    tracing::error!(
                        "could not renew the leases for {:?} (longer than the lease of {lease_time:?}): other workers take these jobs back; stopping",
                        renewed.elapsed()
                    );
                    if let Some(f) = on_lost.take() {
                        f();
                    }
                }
                return conn;
            }
            match lease::renew(&mut conn, run, worker, lease_time).await {
                Ok(_) => renewed = std::time::Instant::now(),
                Err(e) => tracing::warn!("renewing leases: {e}"),
            }
            if Instant::now() >= next_reap {
                match lease::reap(&mut conn, run).await {
                    Ok(0) => {}
                    Ok(n) => tracing::warn!("took back {n} jobs whose worker's lease expired"),
                    Err(e) => tracing::warn!("taking back expired jobs: {e}"),
                }
                next_reap = Instant::now() + lease_time / 3;
            }
        }
    })
}

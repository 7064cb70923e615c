//! Ctrl-C: the first press drains, the second cancels.

use tokio_util::sync::CancellationToken;

/// Watches Ctrl-C in a spawned task: on the first press it calls `close`
/// (stop reading input, finish what was accepted, write the summary and
/// journal), on the second `cancel` (queued jobs end cancelled). `done`
/// stops the watch.
///
/// # Panics
///
/// Panics if called outside a tokio runtime.
pub fn on_ctrl_c<C, X>(done: CancellationToken, close: C, cancel: X)
where
    C: FnOnce() + Send + 'static,
    X: FnOnce() + Send + 'static,
{
    tokio::spawn(async move {
        tokio::select! {
            () = done.cancelled() => return,
            r = tokio::signal::ctrl_c() => if r.is_err() { return },
        }
        eprintln!(
            "interrupted: finishing the jobs in progress (press Ctrl-C again to cancel them)"
        );
        close();
        tokio::select! {
            () = done.cancelled() => {}
            r = tokio::signal::ctrl_c() => if r.is_ok() {
                eprintln!("cancelling: queued jobs will be reported as cancelled");
                cancel();
            },
        }
    });
}

//! Ctrl-C and SIGTERM: the first stops starting jobs, the second cancels
//! the running ones.
//!
//! systemd, Docker and Kubernetes stop a program with SIGTERM, a user at a
//! terminal with Ctrl-C (SIGINT): both mean the same here.

use tokio_util::sync::CancellationToken;

/// Which signal asked the program to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interrupt {
    /// Ctrl-C (SIGINT).
    CtrlC,
    /// SIGTERM (systemd, Docker, Kubernetes, `kill`).
    Terminate,
}

impl Interrupt {
    /// How the signal is named in messages.
    pub fn name(self) -> &'static str {
        match self {
            Interrupt::CtrlC => "Ctrl-C",
            Interrupt::Terminate => "SIGTERM",
        }
    }
}

/// The program's Ctrl-C and SIGTERM handlers, installed once: a signal
/// that comes between two waits is kept for the second.
struct Signals {
    #[cfg(unix)]
    int: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    fn install() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Signals {
                int: signal(SignalKind::interrupt()).ok(),
                term: signal(SignalKind::terminate()).ok(),
            }
        }
        #[cfg(not(unix))]
        Signals {}
    }

    /// The next Ctrl-C or SIGTERM; `None` when neither can be watched.
    async fn next(&mut self) -> Option<Interrupt> {
        #[cfg(unix)]
        {
            async fn recv(signal: Option<&mut tokio::signal::unix::Signal>) -> Option<()> {
                match signal {
                    Some(signal) => signal.recv().await,
                    None => std::future::pending().await,
                }
            }
            if self.int.is_none() && self.term.is_none() {
                return None;
            }
            tokio::select! {
                r = recv(self.int.as_mut()) => r.map(|()| Interrupt::CtrlC),
                r = recv(self.term.as_mut()) => r.map(|()| Interrupt::Terminate),
            }
        }
        #[cfg(not(unix))]
        {
            tokio::signal::ctrl_c()
                .await
                .ok()
                .map(|()| Interrupt::CtrlC)
        }
    }
}

/// Watches Ctrl-C and SIGTERM in a spawned task, until `done` is
/// cancelled: on the first signal it calls `stop` (start nothing new: the
/// jobs running finish, the queued ones are left for a re-run, the summary
/// and journal are written), on the second `cancel` (the running jobs are
/// cancelled too).
///
/// The signal handlers are installed before this returns, so a signal
/// that arrives right after is not lost (and does not kill the process).
///
/// # Panics
///
/// Panics if called outside a tokio runtime.
pub fn on_interrupt<S, X>(done: CancellationToken, stop: S, cancel: X)
where
    S: FnOnce(Interrupt) + Send + 'static,
    X: FnOnce(Interrupt) + Send + 'static,
{
    on_interrupt_saying(done, "the rest are left for a re-run", stop, cancel);
}

/// As [`on_interrupt`], for an engine whose jobs not started go somewhere
/// else than a re-run: the first signal's message says `rest` of them
/// (`"the rest go back to the queue at once"`), so an operator reads what
/// really happens to them.
///
/// # Panics
///
/// Panics if called outside a tokio runtime.
pub fn on_interrupt_saying<S, X>(done: CancellationToken, rest: &'static str, stop: S, cancel: X)
where
    S: FnOnce(Interrupt) + Send + 'static,
    X: FnOnce(Interrupt) + Send + 'static,
{
    let mut signals = Signals::install();
    tokio::spawn(async move {
        let first = tokio::select! {
            () = done.cancelled() => return,
            first = signals.next() => match first { Some(i) => i, None => return },
        };
        eprintln!(
            "{}: starting nothing new; the jobs running finish, {rest} ({} again to cancel the running ones)",
            first.name(),
            first.name()
        );
        stop(first);
        tokio::select! {
            () = done.cancelled() => {}
            second = signals.next() => if let Some(second) = second {
                eprintln!("{}: cancelling the running jobs", second.name());
                cancel(second);
            },
        }
    });
}

/// Watches Ctrl-C and SIGTERM (see [`on_interrupt`]) with closures that do
/// not care which signal came.
///
/// # Panics
///
/// Panics if called outside a tokio runtime.
pub fn on_ctrl_c<C, X>(done: CancellationToken, stop: C, cancel: X)
where
    C: FnOnce() + Send + 'static,
    X: FnOnce() + Send + 'static,
{
    on_interrupt(done, move |_| stop(), move |_| cancel());
}

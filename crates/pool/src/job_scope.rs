//! Whether the code running on this thread is a job's: a panic there is the
//! job's outcome ([`Status::Panicked`](crate::Status::Panicked)); a panic
//! anywhere else is a bug of the program, which the command-line runner
//! reports as one and exits 2 for (`pool::cli::run_main`).

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

thread_local! {
    static IN_JOB: Cell<bool> = const { Cell::new(false) };
}

/// Whether this thread is running a job's code now.
pub fn in_job() -> bool {
    IN_JOB.with(Cell::get)
}

/// Runs `f` marked as a job's code.
pub(crate) fn as_job<R>(f: impl FnOnce() -> R) -> R {
    let before = IN_JOB.with(|c| c.replace(true));
    // Restored on unwind too: the guard drops while the panic unwinds.
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            IN_JOB.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(before);
    f()
}

pin_project_lite::pin_project! {
    /// A future whose every poll is marked as a job's code.
    pub(crate) struct JobScope<F> {
        #[pin]
        pub(crate) inner: F,
    }
}

impl<F: Future> Future for JobScope<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let inner = self.project().inner;
        as_job(|| inner.poll(cx))
    }
}

//! A progress bar on stderr, fed by pool snapshots.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::task::JoinHandle;

use crate::Snapshot;

/// A progress bar that redraws from [`Snapshot`]s ten times a second. It
/// shows only when stderr is a terminal and `quiet` is off; otherwise it
/// costs nothing.
#[derive(Debug)]
pub struct Progress {
    bar: Option<ProgressBar>,
    task: Option<JoinHandle<()>>,
}

impl Progress {
    /// Starts the bar. `snapshot` is called on each tick: pass
    /// [`Pool::snapshot_fn`](crate::Pool::snapshot_fn), which does not keep
    /// the pool open. `total` is the number of jobs when known.
    ///
    /// # Panics
    ///
    /// Panics if called outside a tokio runtime.
    pub fn start<F>(label: &str, total: Option<u64>, quiet: bool, snapshot: F) -> Progress
    where
        F: Fn() -> Snapshot + Send + 'static,
    {
        if quiet || !std::io::stderr().is_terminal() {
            return Progress {
                bar: None,
                task: None,
            };
        }
        let bar = match total {
            Some(n) => ProgressBar::new(n),
            None => ProgressBar::no_length(),
        };
        bar.set_draw_target(ProgressDrawTarget::stderr_with_hz(10));
        let template = if total.is_some() {
            "{prefix} [{elapsed_precise}] {wide_bar} {pos}/{len} {msg} (ETA {eta})"
        } else {
            "{prefix} [{elapsed_precise}] {spinner} {pos} done {msg}"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style);
        }
        bar.set_prefix(label.to_owned());
        let ticker = bar.clone();
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(100));
            loop {
                tick.tick().await;
                let s = snapshot();
                ticker.set_position(s.finished());
                ticker.set_message(format!(
                    "{:.0}/s, {} failed, {} retried, {} running, {} queued",
                    s.per_s,
                    s.failed + s.timed_out + s.panicked,
                    s.retried,
                    s.in_flight,
                    s.queued
                ));
            }
        });
        Progress {
            bar: Some(bar),
            task: Some(task),
        }
    }

    /// Sets the total once it is known.
    pub fn set_total(&self, total: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(total);
        }
    }

    /// Prints a line above the bar (or plainly on stderr with no bar).
    pub fn println(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    /// Removes the bar.
    pub fn finish(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop();
    }
}

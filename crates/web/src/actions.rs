//! What the page's buttons do to a run: the command line's verbs, from
//! one table.
//!
//! `retry` is the engine's [`pool_postgres::retry`]; `pause`, `resume`
//! and `cancel` are [`pool_postgres::control`]'s, which wake the run's
//! workers as the command line's verbs do.

use pool_postgres::control::{self, Changed};
use pool_postgres::{QueueError, RunInfo};
use tokio_postgres::Client;

/// An action on a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Dead jobs back to ready.
    Retry,
    /// The run's workers claim nothing more until resumed.
    Pause,
    /// A paused run's workers go on.
    Resume,
    /// The run's jobs not started are cancelled, for good.
    Cancel,
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 4] = [Action::Retry, Action::Pause, Action::Resume, Action::Cancel];

    /// The action named `name` in a URL.
    pub fn parse(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == name)
    }

    /// Its name, as the command line's verb.
    pub fn name(self) -> &'static str {
        match self {
            Action::Retry => "retry",
            Action::Pause => "pause",
            Action::Resume => "resume",
            Action::Cancel => "cancel",
        }
    }
}

/// What an action did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Done {
    /// Jobs it changed (dead jobs made ready, by retry).
    Jobs(u64),
    /// The run's state changed (`false`: it was already so), and jobs not
    /// started were cancelled (by cancel).
    State {
        /// Whether the state changed.
        changed: bool,
        /// Jobs cancelled.
        cancelled: u64,
    },
}

/// Why an action failed.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    /// The engine refused it (a cancelled run cannot be resumed) or the
    /// database failed.
    #[error("{0}")]
    Queue(#[from] QueueError),
}

impl ActionError {
    /// Whether it is the user's request that cannot be done (rather than a
    /// failure of the database).
    pub fn is_refusal(&self) -> bool {
        match self {
            ActionError::Queue(e) => e.is_usage(),
        }
    }
}

/// Does `action` to `run` on `client` (a connection of its own).
///
/// # Errors
///
/// What the engine says: a refusal (a cancelled run cannot be resumed)
/// or a database failure.
pub async fn perform(
    action: Action,
    client: &mut Client,
    run: &RunInfo,
) -> Result<Done, ActionError> {
    match action {
        Action::Retry => Ok(Done::Jobs(pool_postgres::retry(client, run).await?)),
        Action::Pause => Ok(state(control::pause(client, run).await?)),
        Action::Resume => Ok(state(control::resume(client, run).await?)),
        Action::Cancel => Ok(state(control::cancel(client, run).await?)),
    }
}

/// A change of the run's state as the page reports it.
fn state(changed: Changed) -> Done {
    match changed {
        Changed::Now { cancelled, .. } => Done::State {
            changed: true,
            cancelled,
        },
        Changed::Already => Done::State {
            changed: false,
            cancelled: 0,
        },
    }
}

/// What `done` means, in a sentence for the page.
pub fn said(action: Action, done: &Done) -> String {
    match (action, done) {
        (Action::Retry, Done::Jobs(1)) => "1 dead job is ready again".to_owned(),
        (_, Done::Jobs(n)) => format!("{n} dead jobs are ready again"),
        (Action::Pause, Done::State { changed: true, .. }) => {
            "paused: its workers claim nothing more".to_owned()
        }
        (Action::Resume, Done::State { changed: true, .. }) => {
            "resumed: its workers claim its jobs again".to_owned()
        }
        (
            Action::Cancel,
            Done::State {
                changed: true,
                cancelled,
            },
        ) => format!("cancelled: {cancelled} jobs not started will never run"),
        (a, Done::State { changed: false, .. }) => {
            format!("nothing to do: the run was already {}", past(a))
        }
        (Action::Retry, Done::State { .. }) => "done".to_owned(),
    }
}

fn past(action: Action) -> &'static str {
    match action {
        Action::Retry => "retried",
        Action::Pause => "paused",
        Action::Resume => "running",
        Action::Cancel => "cancelled",
    }
}

//! What the page's buttons do to a run: the command line's verbs, from
//! one table.
//!
//! `retry` is the engine's [`pool_postgres::retry`]. `pause`, `resume`
//! and `cancel` are the engine's to provide; until it does, [`offered`]
//! hides them and [`perform`] answers that they are not available yet.

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

/// Whether the page offers `action` (and [`perform`] does it).
pub fn offered(action: Action) -> bool {
    match action {
        Action::Retry => true,
        Action::Pause | Action::Resume | Action::Cancel => false,
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
    /// The engine does not have it yet.
    #[error("{} is not available yet on this version's database engine", .0.name())]
    NotYet(Action),
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
            ActionError::NotYet(_) => true,
            ActionError::Queue(e) => e.is_usage(),
        }
    }
}

/// Does `action` to `run` on `client` (a connection of its own).
///
/// # Errors
///
/// [`ActionError::NotYet`] for an action not [`offered`]; what the engine
/// says otherwise.
pub async fn perform(
    action: Action,
    client: &mut Client,
    run: &RunInfo,
) -> Result<Done, ActionError> {
    match action {
        Action::Retry => Ok(Done::Jobs(pool_postgres::retry(client, run).await?)),
        Action::Pause | Action::Resume | Action::Cancel => Err(ActionError::NotYet(action)),
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

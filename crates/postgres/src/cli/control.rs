//! `TOOL pause`, `TOOL resume` and `TOOL cancel`: a run's control, from
//! anywhere.

use std::process::ExitCode;

use super::{DbArgs, open};
use crate::control::{self, Changed};
use crate::error::QueueError;
use crate::run::{self, RunState};

/// `TOOL pause`, `TOOL resume`, `TOOL cancel`.
#[derive(Debug, Clone, clap::Args)]
pub struct ControlArgs {
    /// The database.
    #[command(flatten)]
    pub db: DbArgs,
    /// The run
    #[arg(long)]
    pub run: String,
}

/// What to do to the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// `TOOL pause`.
    Pause,
    /// `TOOL resume`.
    Resume,
    /// `TOOL cancel`.
    Cancel,
}

/// `TOOL pause|resume|cancel --run NAME`: changes the run's state, wakes
/// its workers, and says what they do now.
///
/// # Errors
///
/// A database or usage error (a cancelled run cannot be paused or
/// resumed).
pub async fn control_command(
    tool: &str,
    what: Control,
    args: ControlArgs,
) -> Result<ExitCode, QueueError> {
    let mut client = open(&args.db).await?;
    let run = run::find(&client, tool, Some(&args.run)).await?;
    let name = &run.name;
    let line = match what {
        Control::Pause => match control::pause(&mut client, &run).await? {
            Changed::Now { .. } => format!(
                "run {name} paused: its workers claim nothing more, give back the jobs they hold and have not started, \
                 finish those running, and wait (`{tool} resume --run {name}` lets them go on)"
            ),
            Changed::Already => format!("run {name} is already paused"),
        },
        Control::Resume => match control::resume(&mut client, &run).await? {
            Changed::Now { .. } => {
                format!("run {name} resumed: its workers claim its jobs again")
            }
            Changed::Already => format!("run {name} is not paused: nothing to resume"),
        },
        Control::Cancel => match control::cancel(&mut client, &run).await? {
            Changed::Now { from, cancelled } => {
                let paused = if from == RunState::Paused {
                    " (it was paused)"
                } else {
                    ""
                };
                format!(
                    "run {name} cancelled{paused}: {cancelled} jobs not started are cancelled (kept, never run, never retried); \
                     the jobs running finish, then its workers end"
                )
            }
            Changed::Already => format!("run {name} was already cancelled"),
        },
    };
    eprintln!("{tool}: {line}");
    Ok(ExitCode::SUCCESS)
}

//! `TOOL status` and `TOOL retry`: a run's progress, and its dead jobs back
//! to ready.

use std::process::ExitCode;

use super::{DbArgs, open};
use crate::error::QueueError;
use crate::run;
use crate::status;

/// `TOOL status`.
#[derive(Debug, Clone, clap::Args)]
pub struct StatusArgs {
    /// The database.
    #[command(flatten)]
    pub db: DbArgs,
    /// The run [default: every run of this tool]
    #[arg(long)]
    pub run: Option<String>,
    /// One JSON object per run on stdout
    #[arg(long)]
    pub json: bool,
}

/// `TOOL retry`.
#[derive(Debug, Clone, clap::Args)]
pub struct RetryArgs {
    /// The database.
    #[command(flatten)]
    pub db: DbArgs,
    /// The run whose dead jobs go back to ready
    #[arg(long)]
    pub run: String,
}

/// `TOOL status`.
///
/// # Errors
///
/// A database or usage error.
pub async fn status_command(tool: &str, args: StatusArgs) -> Result<ExitCode, QueueError> {
    let client = open(&args.db).await?;
    let runs = match &args.run {
        Some(name) => vec![run::find(&client, tool, Some(name)).await?],
        None => {
            let names: Vec<String> = client
                .query(
                    "SELECT name FROM workpool.runs WHERE tool = $1 ORDER BY id",
                    &[&tool],
                )
                .await?
                .iter()
                .map(|r| r.get(0))
                .collect();
            let mut runs = Vec::new();
            for name in names {
                runs.push(run::find(&client, tool, Some(&name)).await?);
            }
            runs
        }
    };
    if runs.is_empty() && !args.json {
        eprintln!("{tool}: no runs in the database");
    }
    for run in &runs {
        let state = status::status(&client, run).await?;
        if args.json {
            match serde_json::to_string(&state) {
                Ok(line) => println!("{line}"),
                Err(e) => eprintln!("{tool}: {e}"),
            }
        } else {
            print!("{}", state.text());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `TOOL retry`: dead jobs back to ready.
///
/// # Errors
///
/// A database or usage error.
pub async fn retry_command(tool: &str, args: RetryArgs) -> Result<ExitCode, QueueError> {
    let client = open(&args.db).await?;
    let run = run::find(&client, tool, Some(&args.run)).await?;
    let n = status::retry(&client, &run).await?;
    eprintln!("{tool}: run {}: {n} dead jobs are ready again", run.name);
    Ok(ExitCode::SUCCESS)
}

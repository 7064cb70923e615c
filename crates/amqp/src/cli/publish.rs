//! `TOOL publish`: the tool's inputs as messages on the queue.

use std::process::ExitCode;

use pool::Consumable;
use pool::cli::{App, FailuresFile, Format};

use super::staging;
use crate::connect::{AmqpArgs, Broker};
use crate::error::AmqpError;
use crate::publish::publish;

/// Flags of `publish`, beside the tool's inputs.
#[derive(Debug, Clone, clap::Args)]
pub struct PublishArgs {
    /// The broker and queue.
    #[command(flatten)]
    pub amqp: AmqpArgs,
    /// Print what was sent as one JSON object on stdout
    #[arg(long)]
    pub json: bool,
    /// Nothing on stderr but errors
    #[arg(long, short)]
    pub quiet: bool,
}

/// Builds app `A`'s tool from `inputs`, then [`publish_command`].
pub(super) async fn publish_app<A: App<Tool: Consumable>>(
    inputs: A::Inputs,
    args: PublishArgs,
) -> Result<ExitCode, String> {
    let broker = Broker::from_args(&args.amqp, &format!("{} publish", A::NAME))
        .map_err(|e| e.to_string())?;
    let staging = staging()?;
    let tool = A::open(inputs, staging.path())
        .await
        .map_err(|e| format!("{e:#}"))?;
    publish_command(tool, &broker, &args)
        .await
        .map_err(|e| e.to_string())
}

/// `TOOL publish`: sends `tool`'s items to the queue and says how many;
/// items the input cannot read are printed and written to the tool's
/// failures file, as `enqueue` does. Exit 0 when every item was sent; 1
/// when some could not be, or the broker failed midway.
///
/// # Errors
///
/// The broker cannot be reached, or refuses the queues, before anything
/// is sent.
pub async fn publish_command<T: Consumable>(
    tool: T,
    broker: &Broker,
    args: &PublishArgs,
) -> Result<ExitCode, AmqpError> {
    let name = tool.name();
    let format = match tool.failures_header() {
        Some(header) => Format::Csv { header },
        None => Format::Tsv,
    };
    let mut failures = FailuresFile::new(tool.failures_path(), format);
    let mut write_error = None;
    let published = publish(
        tool,
        broker,
        |tool, failure| {
            eprintln!("{name}: {}", tool.failure_line(failure));
            if let Err(e) = failures.row(&tool.failure_row(failure)) {
                write_error.get_or_insert(e);
            }
        },
        |key, why| eprintln!("{name}: {key}: {why}"),
    )
    .await?;
    let rows = failures.count();
    if let Err(e) = failures.finish(rows == 0) {
        write_error.get_or_insert(e);
    }
    let written = if rows > 0 {
        format!(" (written to {})", failures.path().display())
    } else {
        String::new()
    };
    if let Some(e) = &published.error {
        eprintln!("{name}: {e}");
    }
    if args.json {
        match serde_json::to_string(&published) {
            Ok(line) => println!("{line}"),
            Err(e) => eprintln!("{name}: cannot write the report as JSON: {e}"),
        }
    }
    if !args.quiet {
        eprintln!(
            "{name}: {} messages published to {}, {} invalid{written}, {} skipped, {} refused by the broker",
            published.published,
            broker.queues.work,
            published.invalid,
            published.skipped,
            published.refused
        );
    }
    if let Some(e) = write_error {
        eprintln!("{name}: cannot write the failures file: {e}");
        return Ok(ExitCode::from(1));
    }
    let failed = published.error.is_some() || published.invalid > 0 || published.refused > 0;
    Ok(ExitCode::from(u8::from(failed)))
}

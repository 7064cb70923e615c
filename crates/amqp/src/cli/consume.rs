//! `TOOL consume`: one consumer of the queue.

use std::process::ExitCode;

use pool::cli::{Consume, RunArgs, StopArgs};
use pool::{Consumable, JobOf};

use super::staging;
use crate::connect::{AmqpArgs, Broker};
use crate::consume::{ConsumeOptions, consume};
use crate::error::AmqpError;

/// Flags of `consume`, beside the tool's settings and the worker's own.
#[derive(Debug, Clone, clap::Args)]
pub struct ConsumeArgs {
    /// The broker and queue.
    #[command(flatten)]
    pub amqp: AmqpArgs,
    /// Jobs run at once in this process [default: the tool's own]
    #[arg(long, env = "WORKPOOL_WORKERS", value_parser = clap::value_parser!(u16).range(1..))]
    pub workers: Option<u16>,
    /// Deliveries this process holds at once, running or waiting to run:
    /// the pool's capacity and the broker's prefetch [default: twice
    /// --workers]
    #[arg(long, env = "WORKPOOL_QUEUE", value_parser = clap::value_parser!(u16).range(1..))]
    pub queue: Option<u16>,
    /// Retries, timeout and rate (--rate is this process's own).
    #[command(flatten)]
    pub settings: RunArgs,
    /// When this consumer stops (--max-failures counts its dead items).
    #[command(flatten)]
    pub stop: StopArgs,
    /// Publish one JSON result per finished item (key, status, error,
    /// written, attempts) to this queue (declared if missing)
    #[arg(long, value_name = "QUEUE")]
    pub results: Option<String>,
    /// Print the consumer's summary as one JSON object on stdout
    #[arg(long)]
    pub json: bool,
    /// No progress bar, no summary text
    #[arg(long, short)]
    pub quiet: bool,
}

/// Builds app `A`'s consumer from its settings and worker flags, then
/// [`consume_command`].
pub(super) async fn consume_app<A: Consume>(
    settings: A::Settings,
    worker: A::Worker,
    args: ConsumeArgs,
) -> Result<ExitCode, String>
where
    JobOf<A::Tool>: Sync,
{
    let broker = Broker::from_args(&args.amqp, &format!("{} consume", A::NAME))
        .map_err(|e| e.to_string())?;
    if let Some(results) = &args.results {
        crate::topology::Queues::new(results)
            .map_err(|e| e.to_string().replace("--amqp-queue", "--results"))?;
    }
    let staging = staging()?;
    let tool = A::consumer(settings, worker, args.quiet, staging.path())
        .await
        .map_err(|e| format!("{e:#}"))?;
    consume_command(tool, &broker, &args)
        .await
        .map_err(|e| e.to_string())
}

/// `TOOL consume`: runs `tool` as a consumer of the queue until Ctrl-C,
/// SIGTERM or `--max-failures`; prints its summary. Exit 0 when every item
/// it ended succeeded; 1 when some failed for good (they are in
/// `NAME.dead`) or something ended it early.
///
/// # Errors
///
/// The broker cannot be reached, or refuses the queues, at the start.
pub async fn consume_command<T>(
    tool: T,
    broker: &Broker,
    args: &ConsumeArgs,
) -> Result<ExitCode, AmqpError>
where
    T: Consumable,
    JobOf<T>: Sync,
{
    let name = tool.name();
    let workers = args
        .workers
        .map_or_else(|| tool.default_workers(), usize::from)
        .max(1);
    let prefetch = args
        .queue
        .unwrap_or_else(|| u16::try_from(workers.saturating_mul(2)).unwrap_or(u16::MAX));
    let options = ConsumeOptions {
        workers,
        prefetch,
        max_attempts: args.settings.retries.saturating_add(1),
        timeout: args.settings.timeout,
        rate: args.settings.rate,
        max_failures: args.stop.max_failures,
        results: args.results.clone(),
        quiet: args.quiet,
    };
    if !args.quiet {
        eprintln!(
            "{name}: consuming from {} on {} ({workers} workers, prefetch {prefetch}); Ctrl-C stops",
            broker.queues.work,
            broker.display()
        );
    }
    let consumed = consume(tool, broker, &options).await?;
    consumed.summary.print(args.json, args.quiet);
    if let Some(e) = &consumed.error {
        eprintln!("{name}: {e}");
    }
    let failed = consumed.error.is_some() || consumed.tally.dead > 0;
    Ok(ExitCode::from(u8::from(failed)))
}

//! `mailer enqueue|work|status|retry`: the mailer across machines, on a
//! PostgreSQL queue (see `pool_postgres`).

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use email_jobs::{Destination, MailPlan, Mailer, Options, Settings};
use pool_postgres::cli::{self, EnqueueArgs, Verb, WorkArgs};

use crate::args::{Cli, Delivery};
use crate::attachments;

/// `mailer enqueue`: the usual inputs and flags, and the database.
#[derive(Debug, clap::Parser)]
#[command(about = "Store one job per CSV row in a run on the database; prints the run's name")]
struct EnqueueCli {
    #[command(flatten)]
    cli: Cli,
    #[command(flatten)]
    queue: EnqueueArgs,
}

/// `mailer work`: the run, and where to send (this machine's server and
/// secrets: they are never stored in the database).
#[derive(Debug, clap::Parser)]
#[command(about = "Send the messages of a run on the database, beside any number of other workers")]
struct WorkCli {
    #[command(flatten)]
    work: WorkArgs,
    #[command(flatten)]
    delivery: Delivery,
}

/// Runs `verb` with the whole command line `args`.
pub fn main(verb: Verb, args: Vec<OsString>) -> ExitCode {
    cli::dispatch("mailer", Some(1), verb, args, enqueue, work)
}

async fn enqueue(cli: EnqueueCli) -> anyhow::Result<ExitCode> {
    pool::cli::init_logging(cli.cli.pool.quiet);
    let delivery = &cli.cli.delivery;
    if delivery.send || delivery.test_to.is_some() || delivery.per_connection.is_some() {
        anyhow::bail!(
            "enqueue sends nothing: give --send, --smtp, --test-to and the other delivery flags to `mailer work`"
        );
    }
    let mut settings = cli.cli.settings()?;
    // Enqueueing sends nothing: each worker's own flags say where to.
    settings.destination = Destination::Outbox(std::env::temp_dir());
    // Attachments in S3: the rows are checked against a copy; the workers
    // fetch their own.
    let staged = tempfile::tempdir()?;
    let mailer = attachments::open(settings, staged.path()).await?;
    Ok(cli::enqueue_command(mailer, &cli.cli.pool, &cli.queue).await?)
}

async fn work(cli: WorkCli) -> anyhow::Result<ExitCode> {
    pool::cli::init_logging(cli.work.quiet);
    let run = cli::find_run("mailer", &cli.work).await?;
    let mut plan: MailPlan = run.plan()?;
    // Attachments in S3: fetched once, for every message of this worker.
    let staged = tempfile::tempdir()?;
    if let Some(local) = attachments::fetch(plan.attachments_dir.as_deref(), staged.path()).await? {
        plan.attachments_dir = Some(local);
    }
    let settings = Settings {
        csv: plan.csv.clone(),
        template: plan.template.clone(),
        options: Options::default(),
        destination: cli.delivery.destination(cli.work.quiet)?,
        connections: usize::from(cli.delivery.connections),
        failures: PathBuf::from("mailer-failures.csv"),
        limit: None,
        suppress: None,
        dkim: cli.delivery.dkim(),
    };
    let mailer = Mailer::from_plan(plan, settings).await?;
    Ok(cli::work_command(mailer, &run, &cli.work).await?)
}

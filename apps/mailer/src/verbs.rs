//! `mailer enqueue|work|status|retry`: the mailer across machines, on a
//! PostgreSQL queue (see `pool_postgres`).

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser as _;
use email_jobs::{MailPlan, Mailer, Options, Settings};
use pool_postgres::cli::{self, EnqueueArgs, RetryArgs, StatusArgs, Verb, WorkArgs};

use crate::args::{Cli, Delivery};

/// `mailer enqueue`: the usual inputs and flags, and the database.
#[derive(Debug, clap::Parser)]
#[command(
    name = "mailer enqueue",
    about = "Store one job per CSV row in a run on the database; prints the run's name"
)]
struct EnqueueCli {
    #[command(flatten)]
    cli: Cli,
    #[command(flatten)]
    queue: EnqueueArgs,
}

/// `mailer work`: where to send (this machine's server and secrets), and
/// the run.
#[derive(Debug, clap::Parser)]
#[command(
    name = "mailer work",
    about = "Send the messages of a run on the database, with any number of other workers"
)]
struct WorkCli {
    #[command(flatten)]
    work: WorkArgs,
    #[command(flatten)]
    delivery: Delivery,
}

#[derive(Debug, clap::Parser)]
#[command(
    name = "mailer status",
    about = "A run's progress over all its workers"
)]
struct StatusCli {
    #[command(flatten)]
    status: StatusArgs,
}

#[derive(Debug, clap::Parser)]
#[command(name = "mailer retry", about = "Put a run's dead jobs back to ready")]
struct RetryCli {
    #[command(flatten)]
    retry: RetryArgs,
}

/// Runs `verb` with the rest of `args` (the verb itself left out).
pub fn main(verb: Verb, args: Vec<OsString>) -> ExitCode {
    let rest = args.into_iter().skip(2);
    let argv = |name: &str| std::iter::once(OsString::from(name)).chain(rest);
    match verb {
        Verb::Enqueue => {
            let cli = EnqueueCli::parse_from(argv("mailer enqueue"));
            pool::cli::init_logging(cli.cli.pool.quiet);
            pool::cli::run_main("mailer", None, async move {
                let mut settings = cli.cli.settings()?;
                // Enqueue sends nothing: the workers' own flags say where to.
                settings.destination = email_jobs::Destination::Outbox(std::env::temp_dir());
                let mailer = Mailer::open(settings).await?;
                anyhow::Ok(cli::enqueue_command(mailer, &cli.cli.pool, &cli.queue).await?)
            })
        }
        Verb::Work => {
            let cli = WorkCli::parse_from(argv("mailer work"));
            pool::cli::init_logging(cli.work.quiet);
            pool::cli::run_main("mailer", None, async move {
                let run = cli::find_run("mailer", &cli.work).await?;
                let plan: MailPlan = run.plan()?;
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
                anyhow::Ok(cli::work_command(mailer, &run, &cli.work).await?)
            })
        }
        Verb::Status => {
            let cli = StatusCli::parse_from(argv("mailer status"));
            pool::cli::run_main("mailer", Some(1), async move {
                cli::status_command("mailer", &cli.status).await
            })
        }
        Verb::Retry => {
            let cli = RetryCli::parse_from(argv("mailer retry"));
            pool::cli::run_main("mailer", Some(1), async move {
                cli::retry_command("mailer", &cli.retry).await
            })
        }
    }
}

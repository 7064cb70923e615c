//! The mailer as an [`App`]: its flags, the single-machine run, and how
//! `enqueue` and `work` build it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use email_jobs::{Campaign, Destination, MailPlan, Mailer, Options, Settings};
use pool::cli::App;

use crate::args::{Cli, Delivery, Inputs};
use crate::{attachments, check};

/// `mailer`.
#[derive(Debug)]
pub struct MailerApp;

impl App for MailerApp {
    const NAME: &'static str = "mailer";
    // The connections' work is I/O: one thread, with no wake-ups across
    // threads (RSA signatures go to blocking threads).
    const THREADS: Option<usize> = Some(1);

    type Tool = Mailer;
    type Inputs = Inputs;
    type Worker = Delivery;
    type Single = Cli;
    type Error = anyhow::Error;

    async fn single(cli: Cli) -> anyhow::Result<ExitCode> {
        if cli.check {
            let inputs = &cli.inputs;
            let campaign = Campaign::open(&inputs.csv, &inputs.template, &inputs.options())?;
            return Ok(check::check(campaign, &cli.pool));
        }
        let staged = tempfile::tempdir()?;
        let mailer = attachments::open(cli.settings()?, staged.path()).await?;
        Ok(pool::cli::run_tool(mailer, &cli.pool).await?)
    }

    /// Enqueueing sends nothing: each worker's own flags say where to. The
    /// rows are checked against a copy of an `s3://` attachments folder;
    /// the workers fetch their own.
    async fn open(inputs: Inputs, staging: &Path) -> anyhow::Result<Mailer> {
        let settings = inputs.settings(Destination::Outbox(std::env::temp_dir()), 1, None);
        attachments::open(settings, staging).await
    }

    async fn worker(
        mut plan: MailPlan,
        delivery: Delivery,
        quiet: bool,
        staging: &Path,
    ) -> anyhow::Result<Mailer> {
        // Attachments in S3: fetched once, for every message of this worker.
        if let Some(local) = attachments::fetch(plan.attachments_dir.as_deref(), staging).await? {
            plan.attachments_dir = Some(local);
        }
        let settings = Settings {
            csv: plan.csv.clone(),
            template: plan.template.clone(),
            options: Options::default(),
            destination: delivery.destination(quiet)?,
            connections: usize::from(delivery.connections),
            failures: PathBuf::from("mailer-failures.csv"),
            limit: None,
            suppress: None,
            dkim: delivery.dkim(),
        };
        Ok(Mailer::from_plan(plan, settings).await?)
    }
}

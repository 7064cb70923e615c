//! `mailer consume`: the campaign's settings without its CSV; each message
//! is one row.

use std::path::{Path, PathBuf};

use email_jobs::{MailPlan, Mailer, Options, Settings};
use pool::cli::Consume;

use crate::app::MailerApp;
use crate::args::Delivery;
use crate::attachments;

/// What shapes each message of `mailer consume` (the rows come as
/// messages: JSON objects of their columns).
#[derive(Debug, Clone, clap::Args)]
pub struct Template {
    /// The template file: headers, a blank line, the body (minijinja,
    /// strict); each message must hold every column it uses
    pub template: PathBuf,

    /// One-click unsubscribe (RFC 8058): an https:// URL template rendered
    /// per row; once more with a mailto: address for a mail-based fallback
    #[arg(long, value_name = "URL-TEMPLATE")]
    pub unsubscribe: Vec<String>,

    /// The column with each row's recipient address
    #[arg(long, env = "MAILER_TO_COLUMN", default_value = "email")]
    pub to_column: String,

    /// The column with a unique key per row [default: a hash of the
    /// recipient and the rendered message]; the Message-ID derives from it
    #[arg(long, env = "MAILER_KEY_COLUMN")]
    pub key_column: Option<String>,

    /// The only folder attachments may be read from, or an s3://bucket/prefix
    /// fetched once at the start [default: the template's folder]
    #[arg(long, env = "MAILER_ATTACHMENTS_DIR")]
    pub attachments_dir: Option<PathBuf>,

    /// Where failed rows are written (their columns plus `error`)
    #[arg(long, env = "MAILER_FAILURES", default_value = "mailer-failures.csv")]
    pub failures: PathBuf,
}

impl Consume for MailerApp {
    type Settings = Template;

    async fn consumer(
        template: Template,
        delivery: Delivery,
        quiet: bool,
        staging: &Path,
    ) -> anyhow::Result<Mailer> {
        let options = Options {
            to_column: template.to_column,
            key_column: template.key_column,
            attachments_dir: template.attachments_dir,
            delimiter: None,
            unsubscribe: template.unsubscribe,
        };
        let mut plan = MailPlan::for_items(&template.template, &options)?;
        if let Some(local) = attachments::fetch(plan.attachments_dir.as_deref(), staging).await? {
            plan.attachments_dir = Some(local);
        }
        let settings = Settings {
            csv: PathBuf::new(),
            template: template.template,
            options,
            destination: delivery.destination(quiet)?,
            connections: usize::from(delivery.connections),
            failures: template.failures,
            limit: None,
            suppress: None,
            dkim: delivery.dkim(),
        };
        Ok(Mailer::from_plan(plan, settings).await?)
    }
}

//! [`Mailer`]: the mailer as a [`pool::Tool`]: the campaign's rows in, one
//! delivery per row, failed rows written back with their columns and an
//! `error` column, so that the failures file can be fed back as input.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::Mutex;
use pool::{Distributed, Failure, JobSource, Tool};

use crate::csv_rows::Row;
use crate::deliver::{Delivery, Target};
use crate::dkim::{self, DkimSettings, Signer};
use crate::error::{ConfigError, RowError};
use crate::message::Email;
use crate::plan::{MailPayload, MailPlan};
use crate::smtp::SmtpSender;
use crate::smtp_config::SmtpConfig;
use crate::source::{Campaign, Options};
use crate::suppress::Suppression;
use crate::template::HeaderKind;

/// Where a [`Mailer`] delivers.
#[derive(Debug, Clone)]
pub enum Destination {
    /// Dry run: one `.eml` file per message in this folder.
    Outbox(PathBuf),
    /// Over SMTP.
    Smtp {
        /// `smtp://[user@]host[:port]` or `smtps://...`.
        url: String,
        /// Allow an unencrypted connection to a non-loopback host.
        insecure: bool,
        /// The user name, if not in the URL.
        user: Option<String>,
        /// The password (from the environment or a file, never the command
        /// line).
        password: Option<String>,
        /// `password` is an OAuth2 access token: log in with `AUTH XOAUTH2`.
        oauth2: bool,
        /// A private CA's certificate (PEM file) to trust for TLS.
        ca_file: Option<PathBuf>,
        /// Messages per connection before a reconnect (`None`: no limit).
        per_connection: Option<u32>,
        /// Test sends: every message goes to this address instead (the
        /// envelope only; headers unchanged); the journal is not used.
        test_to: Option<String>,
    },
}

/// What a mailer run needs; [`Mailer::open`] checks it.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The CSV file: a header row, one row per message.
    pub csv: PathBuf,
    /// The template file.
    pub template: PathBuf,
    /// CSV and template options.
    pub options: Options,
    /// Where the messages go.
    pub destination: Destination,
    /// SMTP connections, i.e. messages in flight at once (the default
    /// worker count).
    pub connections: usize,
    /// The failures file.
    pub failures: PathBuf,
    /// Only the first this many rows (a trial run).
    pub limit: Option<u64>,
    /// The suppression list (`--suppress`): recipients never mailed.
    pub suppress: Option<PathBuf>,
    /// DKIM signing, when set: every message (the dry run's too) is signed
    /// by the worker that sends it.
    pub dkim: Option<DkimSettings>,
}

/// The mailer as a [`Tool`]: see the [module docs](self).
///
/// # Example
///
/// ```
/// use email_jobs::{Destination, Mailer, Options, Settings};
/// use pool::Tool as _;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = tempfile::tempdir()?;
/// std::fs::write(dir.path().join("people.csv"), "email,name\nann@example.com,Ann\n")?;
/// std::fs::write(dir.path().join("t.txt"), "From: shop@example.com\nSubject: Hi {{ name }}\n\nHello\n")?;
/// let mailer = Mailer::open(Settings {
///     csv: dir.path().join("people.csv"),
///     template: dir.path().join("t.txt"),
///     options: Options::default(),
///     destination: Destination::Outbox(dir.path().join("outbox")),
///     connections: 4,
///     failures: dir.path().join("failures.csv"),
///     limit: None,
///     suppress: None,
///     dkim: None,
/// })
/// .await?;
/// assert_eq!(mailer.failures_header(), Some(vec!["email".into(), "name".into(), "error".into()]));
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Mailer {
    /// The campaign: its rows are the source (taken by
    /// [`Tool::source`]); a worker renders payloads with it.
    campaign: Option<Campaign>,
    plan: MailPlan,
    limit: Option<u64>,
    test_send: bool,
    suppression: Arc<Suppression>,
    suppressed: Arc<Mutex<Vec<String>>>,
    columns: Arc<[String]>,
    error_index: Option<usize>,
    delivery: Delivery,
    /// What the run's journal is the journal of: the dry run into its
    /// outbox, or the send to its server.
    journal_kind: String,
    connections: usize,
    failures: PathBuf,
}

impl Mailer {
    /// Opens the CSV and the template and checks them against each other,
    /// checks that the failures file is not the input, and readies the
    /// destination: creates the outbox folder, or connects to the SMTP
    /// server once (EHLO, STARTTLS, AUTH) so that a wrong host or password
    /// fails here, before any row is read.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the file, line, column or setting.
    pub async fn open(settings: Settings) -> Result<Mailer, ConfigError> {
        let campaign = Campaign::open(&settings.csv, &settings.template, &settings.options)?;
        if same_file(&settings.csv, &settings.failures) {
            return Err(ConfigError::Invalid(format!(
                "the failures file {} is the input: give another path with --failures",
                settings.failures.display()
            )));
        }
        let plan = MailPlan::new(&campaign, &settings.template, &settings.options)?;
        Mailer::build(campaign, plan, settings).await
    }

    /// A mailer for a worker of a distributed run: the campaign is the
    /// run's `plan` (its rows come one by one as payloads); `settings`
    /// give the destination, the connections and the DKIM key (its `csv`,
    /// `template`, `options`, `limit` and `suppress` are not used).
    ///
    /// # Errors
    ///
    /// As [`Mailer::open`].
    pub async fn from_plan(plan: MailPlan, settings: Settings) -> Result<Mailer, ConfigError> {
        let campaign = plan.campaign()?;
        let settings = Settings {
            template: plan.template.clone(),
            limit: None,
            suppress: None,
            ..settings
        };
        Mailer::build(campaign, plan, settings).await
    }

    async fn build(
        campaign: Campaign,
        plan: MailPlan,
        settings: Settings,
    ) -> Result<Mailer, ConfigError> {
        let suppression = match &settings.suppress {
            Some(path) => Suppression::read(path)?,
            None => Suppression::default(),
        };
        let dkim = match &settings.dkim {
            Some(dkim) => {
                let signer = Signer::open(dkim)?;
                dkim::check_alignment(
                    &signer,
                    campaign.constant_header(HeaderKind::From).as_deref(),
                    &settings.template,
                )?;
                Some(Arc::new(signer))
            }
            None => None,
        };
        let mut test_send = false;
        let journal_kind;
        let delivery = match settings.destination {
            Destination::Outbox(dir) => {
                journal_kind = format!("a dry run into {}", folder_name(&dir));
                Delivery::outbox(&dir)?
            }
            Destination::Smtp {
                url,
                insecure,
                user,
                password,
                oauth2,
                ca_file,
                per_connection,
                test_to,
            } => {
                let mut config = SmtpConfig::parse(&url, insecure, password.clone())?;
                journal_kind = format!("a send to {}", config.address());
                config.per_connection = per_connection;
                config.oauth2 = oauth2;
                if let Some(path) = ca_file {
                    let pem = std::fs::read(&path).map_err(|error| ConfigError::FlagFile {
                        flag: "--ca-file",
                        path: path.clone(),
                        error,
                    })?;
                    if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
                        return Err(ConfigError::Invalid(format!(
                            "--ca-file {}: no PEM certificate in it",
                            path.display()
                        )));
                    }
                    config.ca_pem = Some(pem);
                }
                if let Some(to) = test_to {
                    let address = to.parse::<lettre::Address>().map_err(|e| {
                        ConfigError::Invalid(format!("--test-to {to:?} is not an address: {e}"))
                    })?;
                    config.redirect_to = Some(address);
                    test_send = true;
                }
                if let Some(user) = user {
                    // The secret: the one given apart (environment, file),
                    // or the URL's.
                    let secret = config.credentials.take().map(|c| c.1);
                    let secret = password.or(secret).unwrap_or_default();
                    config.credentials = Some((user, secret));
                }
                if oauth2 && config.credentials.is_none() {
                    return Err(ConfigError::Invalid(
                        "AUTH XOAUTH2 needs a user name: give --user or put it in the URL".into(),
                    ));
                }
                let sender = Arc::new(SmtpSender::new(config)?);
                sender.check().await?;
                Delivery::smtp(sender)
            }
        };
        let columns = Arc::clone(campaign.columns());
        Ok(Mailer {
            error_index: columns.iter().position(|c| c == "error"),
            columns,
            campaign: Some(campaign),
            plan,
            limit: settings.limit,
            test_send,
            suppression: Arc::new(suppression),
            suppressed: Arc::default(),
            delivery: delivery.signed(dkim),
            journal_kind,
            connections: settings.connections.max(1),
            failures: settings.failures,
        })
    }

    /// Records `location` as the run's attachments folder in the plan (an
    /// `s3://` prefix the workers fetch, when the campaign was checked
    /// against a local copy of it).
    pub fn with_attachments_location(mut self, location: PathBuf) -> Mailer {
        self.plan.attachments_dir = Some(location);
        self
    }

    /// A failures-file row: the row's fields (missing ones empty) with the
    /// error in the `error` column (the input's own, or one added at the
    /// end); extra fields of a malformed row are kept in the error text.
    fn row(&self, fields: &[String], error: String) -> Vec<String> {
        let width = self.columns.len();
        let mut row: Vec<String> = (0..width)
            .map(|i| fields.get(i).cloned().unwrap_or_default())
            .collect();
        let mut error = error;
        if fields.len() > width {
            error.push_str(&format!(" (extra fields: {})", fields[width..].join(" | ")));
        }
        match self.error_index {
            Some(i) => row[i] = error,
            None => row.push(error),
        }
        row
    }
}

/// The mailer's job source: the campaign's rows (the first `--limit` of
/// them), with the rows whose recipients are suppressed skipped.
#[derive(Debug)]
pub struct Rows {
    rows: std::iter::Take<Campaign>,
    dkim: Option<Arc<Signer>>,
    suppression: Arc<Suppression>,
    suppressed: Arc<Mutex<Vec<String>>>,
}

impl JobSource for Rows {
    type Job = Email;
    type Error = RowError;

    /// The next row; with DKIM, a row whose From domain does not align
    /// with the signing domain is a row error (it would fail DMARC).
    async fn next(&mut self) -> Option<Result<Email, RowError>> {
        let item = self.rows.next()?;
        Some(item.and_then(|email| match &self.dkim {
            Some(signer) if !signer.aligned(&email.from_domain) => Err(RowError::new(
                email.line,
                Some(email.fields),
                format!(
                    "the From domain {:?} does not align with --dkim-domain {:?}: not sent",
                    email.from_domain,
                    signer.domain()
                ),
            )),
            _ => Ok(email),
        }))
    }

    /// A row is skipped when any of its recipients (To, Cc, Bcc) is on the
    /// suppression list, whatever the case of its letters; it is
    /// remembered for the summary.
    fn should_skip(&self, email: &Email) -> bool {
        let hit = email.envelope.to().iter().find_map(|address| {
            self.suppression
                .find(address.as_ref())
                .map(|entry| (address, entry))
        });
        match hit {
            Some((address, entry)) => {
                tracing::debug!(
                    "line {} not sent: {address} is on the suppression list (--suppress) as {entry}",
                    email.line
                );
                self.suppressed.lock().push(address.to_string());
                true
            }
            None => false,
        }
    }
}

impl Tool for Mailer {
    type Source = Rows;
    type Handler = Delivery;

    fn name(&self) -> &'static str {
        "mailer"
    }

    fn default_workers(&self) -> usize {
        self.connections
    }

    fn handler(&self) -> Delivery {
        self.delivery.clone()
    }

    /// # Panics
    ///
    /// When called a second time: the campaign's rows are read once.
    fn source(&mut self) -> Rows {
        #[allow(clippy::expect_used)]
        let campaign = self.campaign.take().expect("the campaign is read once");
        let limit = self
            .limit
            .map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX));
        Rows {
            rows: campaign.take(limit),
            dkim: self.delivery.dkim.clone(),
            suppression: Arc::clone(&self.suppression),
            suppressed: Arc::clone(&self.suppressed),
        }
    }

    /// A test send (`--test-to`) leaves the journal alone: the rows it
    /// sent to the tester are still to be sent to their recipients.
    fn uses_journal(&self) -> bool {
        !self.test_send
    }

    /// A dry run's journal is never a send's (its keys would make the
    /// send skip every row it previewed), nor a send's to another server.
    fn journal_kind(&self) -> String {
        self.journal_kind.clone()
    }

    fn failures_path(&self) -> PathBuf {
        self.failures.clone()
    }

    fn failures_header(&self) -> Option<Vec<String>> {
        let mut header = self.columns.to_vec();
        if self.error_index.is_none() {
            header.push("error".to_owned());
        }
        Some(header)
    }

    fn failure_row(&self, failure: &Failure<'_, Self>) -> Vec<String> {
        let line = match failure {
            Failure::Job { job, .. } => job.line,
            Failure::Invalid(error) => error.line,
        };
        tracing::debug!(
            "line {line}: written to the failures file {}",
            self.failures.display()
        );
        match failure {
            Failure::Job { job, .. } => self.row(
                &job.fields,
                format!("line {}: {}", job.line, failure.reason()),
            ),
            Failure::Invalid(error) => self.row(
                error.fields.as_deref().unwrap_or_default(),
                error.to_string(),
            ),
        }
    }

    fn failure_line(&self, failure: &Failure<'_, Self>) -> String {
        match failure {
            Failure::Job { job, .. } => {
                format!(
                    "line {} ({}): {}",
                    job.line,
                    job.recipient,
                    failure.reason()
                )
            }
            Failure::Invalid(error) => error.to_string(),
        }
    }

    fn summary_lines(&self) -> Vec<String> {
        let suppressed = self.suppressed.lock().len();
        if suppressed == 0 {
            return Vec::new();
        }
        vec![format!(
            "{suppressed} rows not sent: their recipients are on the suppression list (--suppress)"
        )]
    }

    fn summary_counts(&self) -> Vec<(&'static str, u64)> {
        vec![("suppressed", self.suppressed.lock().len() as u64)]
    }

    fn summary_lists(&self) -> Vec<(&'static str, Vec<String>)> {
        vec![("suppressed_addresses", self.suppressed.lock().clone())]
    }

    async fn finish(&mut self) {
        if let Target::Smtp(sender) = &self.delivery.target {
            sender.close().await;
        }
    }
}

/// A mailer run across machines: the plan is the template and the CSV's
/// columns; each job is a row's line and fields, rendered by the worker
/// that claims it.
impl Distributed for Mailer {
    type Plan = MailPlan;
    type Payload = MailPayload;

    fn plan(&self) -> MailPlan {
        self.plan.clone()
    }

    fn payload(&self, email: &Email) -> Result<MailPayload, String> {
        Ok(MailPayload {
            line: email.line,
            fields: email.fields.clone(),
        })
    }

    /// Renders the row; with DKIM, a From domain that does not align with
    /// this worker's signing domain fails the row.
    fn job(&self, payload: MailPayload) -> Result<Email, String> {
        let campaign = self
            .campaign
            .as_ref()
            .ok_or_else(|| "this mailer has given its campaign away".to_owned())?;
        let email = campaign
            .email(Row {
                line: payload.line,
                fields: payload.fields,
            })
            .map_err(|e| e.to_string())?;
        if let Some(signer) = &self.delivery.dkim
            && !signer.aligned(&email.from_domain)
        {
            return Err(format!(
                "line {}: the From domain {:?} does not align with --dkim-domain {:?}: not sent",
                email.line,
                email.from_domain,
                signer.domain()
            ));
        }
        Ok(email)
    }
}

/// `dir` as the user wrote it, without `./` steps, ending in `/`.
fn folder_name(dir: &Path) -> String {
    let dir: PathBuf = dir
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect();
    let name = dir.display().to_string();
    if name.is_empty() {
        "./".into()
    } else if name.ends_with('/') {
        name
    } else {
        format!("{name}/")
    }
}

/// Whether `a` and `b` name the same existing file.
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn mailer(dir: &Path, header: &str) -> Result<Mailer, Box<dyn std::error::Error>> {
        std::fs::write(dir.join("in.csv"), format!("{header}\n"))?;
        std::fs::write(
            dir.join("t.txt"),
            "From: a@example.com\nSubject: x\n\nbody\n",
        )?;
        Mailer::open(Settings {
            csv: dir.join("in.csv"),
            template: dir.join("t.txt"),
            options: Options::default(),
            destination: Destination::Outbox(dir.join("outbox")),
            connections: 1,
            failures: dir.join("failures.csv"),
            limit: None,
            suppress: None,
            dkim: None,
        })
        .await
        .map_err(Into::into)
    }

    #[tokio::test]
    async fn rows_keep_the_columns_and_reuse_an_error_column()
    -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let m = mailer(dir.path(), "email,name").await?;
        assert_eq!(
            m.failures_header(),
            Some(vec!["email".into(), "name".into(), "error".into()])
        );
        assert_eq!(
            m.row(&["b@example.com".into()], "line 3: short".into()),
            ["b@example.com", "", "line 3: short"]
        );
        assert_eq!(
            m.row(&["a".into(), "b".into(), "c".into()], "line 4: long".into()),
            ["a", "b", "line 4: long (extra fields: c)"]
        );
        let again = mailer(dir.path(), "email,error").await?;
        assert_eq!(
            again.failures_header(),
            Some(vec!["email".into(), "error".into()])
        );
        assert_eq!(
            again.row(&["a@example.com".into(), "old".into()], "new".into()),
            ["a@example.com", "new"]
        );
        Ok(())
    }

    #[test]
    fn folder_names_are_written_one_way() {
        for (dir, name) in [
            ("outbox", "outbox/"),
            ("./outbox/", "outbox/"),
            ("out/./box", "out/box/"),
            ("/tmp/outbox", "/tmp/outbox/"),
            (".", "./"),
        ] {
            assert_eq!(folder_name(Path::new(dir)), name, "{dir}");
        }
    }

    #[tokio::test]
    async fn the_failures_file_cannot_be_the_input() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        std::fs::write(dir.path().join("in.csv"), "email\n")?;
        std::fs::write(
            dir.path().join("t.txt"),
            "From: a@example.com\nSubject: x\n\nbody\n",
        )?;
        let e = Mailer::open(Settings {
            csv: dir.path().join("in.csv"),
            template: dir.path().join("t.txt"),
            options: Options::default(),
            destination: Destination::Outbox(dir.path().join("outbox")),
            connections: 1,
            failures: dir.path().join("in.csv"),
            limit: None,
            suppress: None,
            dkim: None,
        })
        .await
        .expect_err("the input was accepted as the failures file");
        assert!(e.to_string().contains("is the input"), "{e}");
        Ok(())
    }
}

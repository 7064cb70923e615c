//! The command line.

use std::path::PathBuf;

use anyhow::Context as _;
use email_jobs::{Destination, DkimSettings, Options, Settings};
use pool::cli::PoolArgs;

/// Bulk-send personalised emails from a CSV file and a template.
///
/// Without --send this is a dry run that writes every message as an .eml
/// file to --outbox. Every CSV column is a template variable; the template
/// has header lines (From, To, Subject, Reply-To, Cc, Bcc, Attachment,
/// Format), a blank line, then the body (a line `--- html ---` starts an
/// HTML alternative).
#[derive(Debug, clap::Parser)]
#[command(name = "mailer", version, about)]
pub struct Cli {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub inputs: Inputs,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub delivery: Delivery,

    /// Only check the template against the CSV and render every row; send nothing
    #[arg(long)]
    pub check: bool,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub pool: PoolArgs,
}

/// The campaign: the rows, the template and what shapes each message; the
/// same for a single-machine run and `mailer enqueue`.
#[derive(Debug, Clone, clap::Args)]
pub struct Inputs {
    /// The CSV file: a header row, then one row per message (delimiter , ; or tab)
    pub csv: PathBuf,

    /// The template file: headers, a blank line, the body (minijinja, strict)
    pub template: PathBuf,

    /// One-click unsubscribe (RFC 8058, required by Gmail and Yahoo of bulk
    /// senders): an https:// URL template rendered per row, e.g.
    /// 'https://example.com/u?id={{ id }}'; give it once more with a
    /// mailto: address for a mail-based fallback. Adds List-Unsubscribe and
    /// List-Unsubscribe-Post
    #[arg(long, value_name = "URL-TEMPLATE")]
    pub unsubscribe: Vec<String>,

    /// Suppression list: addresses (and @domain lines) never mailed, such as
    /// past unsubscribes and bounces; their rows count as skipped and are
    /// listed in --json
    #[arg(long, env = "MAILER_SUPPRESS", value_name = "FILE")]
    pub suppress: Option<PathBuf>,

    /// Only the first N rows: try a campaign on a few messages first
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub limit: Option<u64>,

    /// The column with each row's recipient address
    #[arg(long, env = "MAILER_TO_COLUMN", default_value = "email")]
    pub to_column: String,

    /// The column with a unique key per row for the journal [default: a
    /// hash of the recipient and the rendered message]
    #[arg(long, env = "MAILER_KEY_COLUMN")]
    pub key_column: Option<String>,

    /// CSV delimiter: , ; or tab [default: detected from the header line]
    #[arg(long, value_parser = pool::cli::parse_delimiter)]
    pub delimiter: Option<u8>,

    /// The only folder attachments may be read from, or an s3://bucket/prefix
    /// fetched once at the start [default: the template's folder]
    #[arg(long, env = "MAILER_ATTACHMENTS_DIR")]
    pub attachments_dir: Option<PathBuf>,

    /// Where failed rows are written (the CSV's columns plus `error`); it
    /// can be fed back as input
    #[arg(long, env = "MAILER_FAILURES", default_value = "mailer-failures.csv")]
    pub failures: PathBuf,
}

impl Inputs {
    /// The options for the CSV reader and the template.
    pub fn options(&self) -> Options {
        Options {
            to_column: self.to_column.clone(),
            key_column: self.key_column.clone(),
            attachments_dir: self.attachments_dir.clone(),
            delimiter: self.delimiter,
            unsubscribe: self.unsubscribe.clone(),
        }
    }

    /// What the mailer needs to deliver to `destination` over
    /// `connections`, signing with `dkim`.
    pub fn settings(
        &self,
        destination: Destination,
        connections: usize,
        dkim: Option<DkimSettings>,
    ) -> Settings {
        Settings {
            csv: self.csv.clone(),
            template: self.template.clone(),
            options: self.options(),
            destination,
            connections,
            failures: self.failures.clone(),
            limit: self.limit,
            suppress: self.suppress.clone(),
            dkim,
        }
    }
}

impl Cli {
    /// What the mailer needs, from the flags: bad usage is an error here,
    /// before any file is opened.
    pub fn settings(&self) -> anyhow::Result<Settings> {
        let destination = self.delivery.destination(self.pool.quiet)?;
        Ok(self.inputs.settings(
            destination,
            usize::from(self.delivery.connections),
            self.delivery.dkim(),
        ))
    }
}

/// Where and how messages go: the flags a single-machine run and each
/// worker of a distributed run (`mailer work`) take, since the server and
/// its secrets are each machine's own.
#[derive(Debug, Clone, clap::Args)]
pub struct Delivery {
    /// Send for real over --smtp (default: dry run into --outbox)
    #[arg(long)]
    pub send: bool,

    /// SMTP server, smtp://[user@]host[:port] (STARTTLS required unless the
    /// host is loopback; add ?tls=required to require it there too) or
    /// smtps://...
    #[arg(long, env = "MAILER_SMTP_URL")]
    pub smtp: Option<String>,

    /// SMTP user name (or put it in the URL); the password comes from
    /// MAILER_SMTP_PASSWORD or --password-file
    #[arg(long, env = "MAILER_SMTP_USER")]
    pub user: Option<String>,

    /// File holding an OAuth2 access token (first line) to log in with AUTH
    /// XOAUTH2 instead of a password (Microsoft 365, Gmail); needs --user or
    /// a user in the URL. MAILER_SMTP_OAUTH2_TOKEN may hold the token itself
    #[arg(long, env = "MAILER_SMTP_OAUTH2_TOKEN_FILE", value_name = "FILE")]
    pub oauth2_token_file: Option<PathBuf>,

    /// File holding the SMTP password (first line)
    #[arg(long, env = "MAILER_SMTP_PASSWORD_FILE")]
    pub password_file: Option<PathBuf>,

    /// A private CA's certificate (PEM) to trust for the server's TLS
    /// certificate, beside the web's root certificates
    #[arg(long, env = "MAILER_CA_FILE", value_name = "FILE")]
    pub ca_file: Option<PathBuf>,

    /// Allow an unencrypted connection to a non-loopback host
    #[arg(long)]
    pub insecure: bool,

    /// Number of SMTP connections, i.e. messages in flight at once
    #[arg(long, env = "MAILER_CONNECTIONS", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..))]
    pub connections: u16,

    /// DKIM: sign every message with this private key (PEM, as
    /// `openssl genpkey -algorithm ed25519` or `openssl genrsa 2048` write
    /// it; the algorithm follows from the key). Needs --dkim-selector and
    /// --dkim-domain
    #[arg(long, env = "MAILER_DKIM_KEY", value_name = "FILE", requires_all = ["dkim_selector", "dkim_domain"])]
    pub dkim_key: Option<PathBuf>,

    /// DKIM selector: the public key is published at
    /// SELECTOR._domainkey.DOMAIN
    #[arg(long, env = "MAILER_DKIM_SELECTOR", requires = "dkim_key")]
    pub dkim_selector: Option<String>,

    /// DKIM signing domain (d=); the From domain must be it or below it
    #[arg(long, env = "MAILER_DKIM_DOMAIN", requires = "dkim_key")]
    pub dkim_domain: Option<String>,

    /// Messages sent on one connection before it is closed and a new one
    /// opened (some providers ask for 20 or fewer) [default: no limit]
    #[arg(long, env = "MAILER_PER_CONNECTION", value_parser = clap::value_parser!(u32).range(1..))]
    pub per_connection: Option<u32>,

    /// Test send: every message goes to ADDR instead of its recipients
    /// (headers unchanged: it arrives as they would see it); the journal is
    /// left alone
    #[arg(long, value_name = "ADDR", requires = "send")]
    pub test_to: Option<String>,

    /// Dry run: the folder the .eml files are written to
    #[arg(long, env = "MAILER_OUTBOX", default_value = "outbox")]
    pub outbox: PathBuf,
}

impl Delivery {
    /// The destination the flags ask for.
    pub fn destination(&self, quiet: bool) -> anyhow::Result<Destination> {
        Ok(if self.send {
            let url = self.smtp.clone().context(
                "--send needs an SMTP server: give --smtp smtp://host:port or set MAILER_SMTP_URL",
            )?;
            // An OAuth2 token, when there is one, is the secret XOAUTH2 sends.
            let token = self.oauth2_token()?;
            Destination::Smtp {
                url,
                insecure: self.insecure,
                user: self.user.clone(),
                oauth2: token.is_some(),
                ca_file: self.ca_file.clone(),
                password: match token {
                    Some(token) => Some(token),
                    None => self.password()?,
                },
                per_connection: self.per_connection,
                test_to: self.test_to.clone(),
            }
        } else {
            if self.smtp.is_some() && !quiet {
                eprintln!(
                    "mailer: dry run (no --send): writing to {}",
                    self.outbox.display()
                );
            }
            Destination::Outbox(self.outbox.clone())
        })
    }

    /// DKIM signing, when asked for.
    pub fn dkim(&self) -> Option<DkimSettings> {
        self.dkim_key.clone().map(|key| DkimSettings {
            key,
            selector: self.dkim_selector.clone().unwrap_or_default(),
            domain: self.dkim_domain.clone().unwrap_or_default(),
        })
    }
    /// The OAuth2 access token: from --oauth2-token-file or
    /// MAILER_SMTP_OAUTH2_TOKEN.
    pub fn oauth2_token(&self) -> anyhow::Result<Option<String>> {
        if let Some(path) = &self.oauth2_token_file {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the token file {}", path.display()))?;
            let token = text.lines().next().unwrap_or_default().trim().to_owned();
            anyhow::ensure!(
                !token.is_empty(),
                "the token file {} is empty",
                path.display()
            );
            return Ok(Some(token));
        }
        Ok(std::env::var("MAILER_SMTP_OAUTH2_TOKEN")
            .ok()
            .filter(|t| !t.is_empty()))
    }

    /// The SMTP password: from MAILER_SMTP_PASSWORD or --password-file.
    pub fn password(&self) -> anyhow::Result<Option<String>> {
        if let Some(path) = &self.password_file {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the password file {}", path.display()))?;
            return Ok(Some(text.lines().next().unwrap_or_default().to_owned()));
        }
        Ok(std::env::var("MAILER_SMTP_PASSWORD")
            .ok()
            .filter(|p| !p.is_empty()))
    }
}

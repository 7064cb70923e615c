//! Personalised emails from the rows of a CSV file and a template, for the
//! `mailer` tool: read rows lazily, render each with minijinja in strict
//! mode, build the message with lettre, and deliver it through a
//! [`pool::Pool`]: to an outbox folder (dry run) or over SMTP.
//!
//! - [`Campaign`] checks the template against the CSV header (a variable
//!   that is not a column is an error naming it) and yields one [`Email`]
//!   or one [`RowError`] (with its CSV line) per row;
//! - [`Delivery`] is the pool [handler](pool::Handler): `.eml` files, or
//!   [`SmtpSender`] over a capped set of reused connections, with 4xx,
//!   network errors and timeouts transient and 5xx permanent;
//! - an [`Email`]'s key (the `--key-column` value, or a hash of the
//!   recipient and the rendered message) is what the pool's journal
//!   records once the server has replied 250;
//! - [`Mailer`] is the whole tool as a [`pool::Tool`]: `pool::cli::run_tool`
//!   runs it with the journal, progress, Ctrl-C and summary, and writes each
//!   failed row (its columns plus `error`) to a failures file that can be fed
//!   back as input.
//!
//! # Example
//!
//! ```
//! use email_jobs::{Campaign, Delivery, Options};
//! use pool::{IterSource, Pool};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let csv = dir.path().join("people.csv");
//! let template = dir.path().join("template.txt");
//! std::fs::write(&csv, "email;name\nann@example.com;Ann\nbob@example.com;Bob\n")?;
//! std::fs::write(&template, "From: Shop <shop@example.com>\nSubject: Hello {{ name }}\n\nHi {{ name }}!\n")?;
//!
//! let campaign = Campaign::open(&csv, &template, &Options::default())?;
//! let outbox = dir.path().join("outbox");
//! let (pool, mut outcomes) = Pool::builder(Delivery::outbox(&outbox)?).workers(2).start();
//! for email in campaign {
//!     pool.submit(email?).await?;
//! }
//! drop(pool);
//! while let Some(outcome) = outcomes.recv().await {
//!     assert!(outcome.status.is_success());
//! }
//! let written = std::fs::read_to_string(outbox.join("000002-ann@example.com.eml"))?;
//! assert!(written.contains("Subject: Hello Ann"));
//! # let _ = IterSource(std::iter::empty::<Result<u8, ()>>());
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

mod csv_rows;
mod deliver;
mod dkim;
mod error;
mod message;
mod pipeline;
mod plan;
mod render;
mod smtp;
mod smtp_config;
mod smtp_words;
mod source;
mod suppress;
mod template;
mod tool;
mod unsubscribe;

pub use csv_rows::{CsvRows, Row, detect_delimiter};
pub use deliver::{Delivery, Target};
pub use dkim::{DkimSettings, Signer};
pub use error::{ConfigError, RowError, SendError};
pub use message::{Composer, Email, content_key, sanitize};
pub use plan::{MailPayload, MailPlan};
pub use render::{AttachmentsDir, Rendered, Renderer, markdown_to_html};
pub use smtp::SmtpSender;
pub use smtp_config::{Security, SmtpConfig};
pub use source::{Campaign, Options};
pub use suppress::Suppression;
pub use template::{BodyFormat, HTML_SEPARATOR, HeaderKind, TemplateFile, TemplateHeader};
pub use tool::{Destination, Mailer, Rows, Settings};

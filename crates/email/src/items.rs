//! The mailer as a consumer of messages ([`Consumable`]): each message is
//! one row, a JSON object of its columns, rendered with the consumer's
//! template and checked as a CSV row is.
//!
//! A consumer has no CSV: its columns are the template's variables, the
//! recipient column and the key column ([`MailPlan::for_items`]). A
//! message must hold each of them (a missing one fails that message, as a
//! short CSV row fails); other keys are left alone. A message's line, in
//! failure lines and outbox file names, is its number among those the
//! consumer received.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use minijinja::Environment;
use pool::Consumable;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::ConfigError;
use crate::message::Email;
use crate::plan::{MailPayload, MailPlan};
use crate::source::Options;
use crate::template::TemplateFile;
use crate::tool::Mailer;
use crate::unsubscribe;

/// One row as a message: `{"email": "ann@example.com", "name": "Ann"}`,
/// column names to values. Text is used as it is; a number or a boolean as
/// JSON writes it; `null` is empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MailItem(pub Map<String, Value>);

impl MailItem {
    /// The value of `column` as a CSV field holds it.
    ///
    /// # Errors
    ///
    /// The message lacks the column, or holds an array or an object there.
    pub fn field(&self, column: &str) -> Result<String, String> {
        match self.0.get(column) {
            Some(Value::String(text)) => Ok(text.clone()),
            Some(Value::Null) => Ok(String::new()),
            Some(Value::Number(n)) => Ok(n.to_string()),
            Some(Value::Bool(b)) => Ok(b.to_string()),
            Some(Value::Array(_)) => Err(format!("column {column:?} holds an array, not text")),
            Some(Value::Object(_)) => Err(format!("column {column:?} holds an object, not text")),
            None => Err(format!("the message has no column {column:?}")),
        }
    }
}

impl MailPlan {
    /// The plan of a consumer: the template at `template` with `options`
    /// (its CSV-only settings, the delimiter, unused), and as columns the
    /// template's variables, the recipient column and the key column: what
    /// every message must hold.
    ///
    /// # Errors
    ///
    /// The template cannot be read or parsed, or `--unsubscribe` is bad.
    pub fn for_items(template: &Path, options: &Options) -> Result<MailPlan, ConfigError> {
        let parsed = TemplateFile::read(template)?;
        let mut columns = variables(&parsed, &options.unsubscribe)?;
        columns.insert(options.to_column.clone());
        columns.extend(options.key_column.clone());
        let template_text = std::fs::read_to_string(template).map_err(|error| ConfigError::Io {
            what: "the template",
            path: template.to_path_buf(),
            error,
        })?;
        let attachments_dir = options.attachments_dir.clone().unwrap_or_else(|| {
            template
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .to_path_buf()
        });
        Ok(MailPlan {
            csv: PathBuf::from("the message"),
            template: template.to_path_buf(),
            template_text,
            columns: columns.into_iter().collect(),
            delimiter: b',',
            to_column: options.to_column.clone(),
            key_column: options.key_column.clone(),
            attachments_dir: Some(attachments_dir.canonicalize().unwrap_or(attachments_dir)),
            unsubscribe: options.unsubscribe.clone(),
        })
    }
}

/// The variables the template (with its `--unsubscribe` headers) uses. A
/// part that does not compile is passed over: building the renderer
/// reports it, with its line.
fn variables(
    template: &TemplateFile,
    unsubscribe: &[String],
) -> Result<BTreeSet<String>, ConfigError> {
    let mut template = template.clone();
    unsubscribe::add_headers(&mut template, unsubscribe)?;
    let mut sources: Vec<&str> = template.headers.iter().map(|h| h.source.as_str()).collect();
    sources.push(&template.text);
    sources.extend(template.html.as_deref());
    let mut env = Environment::new();
    let mut used = BTreeSet::new();
    for (i, source) in sources.into_iter().enumerate() {
        let name = format!("part{i}");
        if env
            .add_template_owned(name.clone(), source.to_owned())
            .is_err()
        {
            continue;
        }
        if let Ok(compiled) = env.get_template(&name) {
            used.extend(compiled.undeclared_variables(false));
        }
    }
    Ok(used)
}

/// The mailer's messages: a row's columns in, the row rendered with the
/// consumer's template out.
impl Consumable for Mailer {
    type Item = MailItem;

    /// The row's columns, as the CSV names them.
    fn item(&self, email: &Email) -> Result<MailItem, String> {
        let columns = &self.plan_columns();
        Ok(MailItem(
            columns
                .iter()
                .zip(&email.fields)
                .map(|(column, field)| (column.clone(), Value::String(field.clone())))
                .collect(),
        ))
    }

    /// Renders the row, numbered `number`, with this consumer's template:
    /// the same checks as a CSV row (addresses, header injection,
    /// attachments), and with DKIM the From domain's alignment.
    fn job_from_item(&self, item: MailItem, number: u64) -> Result<Email, String> {
        let fields = self
            .plan_columns()
            .iter()
            .map(|column| item.field(column))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("line {number}: {e}"))?;
        pool::Distributed::job(
            self,
            MailPayload {
                line: number,
                fields,
            },
        )
    }

    /// The message's Message-ID (the same for the same row every time, so
    /// that a message sent again after a crash is recognisable).
    fn written(&self, email: &Email, _sent: &()) -> Vec<String> {
        email
            .message
            .headers()
            .get_raw("Message-ID")
            .map(str::to_owned)
            .into_iter()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tool::{Destination, Settings};

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("written");
        path
    }

    async fn consumer(dir: &Path, template: &str) -> Result<Mailer, ConfigError> {
        let template = write(dir, "t.txt", template);
        let options = Options::default();
        let plan = MailPlan::for_items(&template, &options)?;
        Mailer::from_plan(
            plan,
            Settings {
                csv: PathBuf::new(),
                template,
                options,
                destination: Destination::Outbox(dir.join("outbox")),
                connections: 1,
                failures: dir.join("failures.csv"),
                limit: None,
                suppress: None,
                dkim: None,
            },
        )
        .await
    }

    fn item(json: &str) -> MailItem {
        serde_json::from_str(json).expect("an object")
    }

    #[test]
    fn the_columns_are_what_the_template_uses() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let template = write(
            dir.path(),
            "t.txt",
            "From: shop@example.com\nSubject: Hi {{ name }}\n\n{% if vip %}Dear {{ title }}{% endif %}\n",
        );
        let options = Options {
            key_column: Some("id".into()),
            unsubscribe: vec!["https://example.com/u?c={{ code }}".into()],
            ..Options::default()
        };
        let plan = MailPlan::for_items(&template, &options)?;
        assert_eq!(
            plan.columns,
            ["code", "email", "id", "name", "title", "vip"]
        );
        Ok(())
    }

    #[tokio::test]
    async fn a_message_renders_as_its_csv_row_would() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let mailer = consumer(
            dir.path(),
            "From: shop@example.com\nSubject: Order {{ order }}\n\nHello {{ name }}\n",
        )
        .await?;
        let email = mailer.job_from_item(
            item(r#"{"email": "ann@example.com", "name": "Ann", "order": 17, "extra": [1]}"#),
            4,
        )?;
        assert_eq!(
            (email.line, email.recipient.as_str()),
            (4, "ann@example.com")
        );
        let text = String::from_utf8(email.formatted(None))?;
        assert!(text.contains("Subject: Order 17"), "{text}");
        assert!(text.contains("Hello Ann"), "{text}");
        // The same row twice: the same Message-ID.
        let again = mailer.job_from_item(
            item(r#"{"email": "ann@example.com", "name": "Ann", "order": 17}"#),
            9,
        )?;
        let id = mailer.written(&email, &());
        assert_eq!(id.len(), 1);
        assert_eq!(id, mailer.written(&again, &()));
        Ok(())
    }

    #[tokio::test]
    async fn a_bad_message_fails_with_its_reason() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let mailer = consumer(
            dir.path(),
            "From: shop@example.com\nSubject: Hi\n\nHello {{ name }}\n",
        )
        .await?;
        let missing = mailer
            .job_from_item(item(r#"{"email": "ann@example.com"}"#), 2)
            .expect_err("no name");
        assert_eq!(missing, "line 2: the message has no column \"name\"");
        let nested = mailer
            .job_from_item(
                item(r#"{"email": "ann@example.com", "name": {"first": "Ann"}}"#),
                3,
            )
            .expect_err("an object");
        assert!(nested.contains("holds an object"), "{nested}");
        let injected = mailer
            .job_from_item(
                item(r#"{"email": "ann@example.com\nBcc: x@evil.test", "name": "Ann"}"#),
                5,
            )
            .expect_err("header injection");
        assert!(injected.contains("line break"), "{injected}");
        Ok(())
    }
}

//! [`Campaign`]: a CSV file and a template, checked against each other,
//! yielding one [`Email`] (or one [`RowError`]) per row, lazily.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use lettre::message::Mailbox;

use crate::csv_rows::{CsvRows, Row};
use crate::error::{ConfigError, RowError};
use crate::message::{Composer, Email};
use crate::render::{AttachmentsDir, Renderer};
use crate::template::{HeaderKind, TemplateFile};
use crate::unsubscribe;

/// How a [`Campaign`] reads its input.
#[derive(Debug, Clone)]
pub struct Options {
    /// The column holding each row's recipient address.
    pub to_column: String,
    /// The column holding each row's key for the journal; `None`: a hash of
    /// the recipient and the rendered message.
    pub key_column: Option<String>,
    /// The only folder attachments may be read from ([`Campaign::open`]'s
    /// default: the template's folder).
    pub attachments_dir: Option<PathBuf>,
    /// The CSV delimiter; `None`: detected from the header line.
    pub delimiter: Option<u8>,
    /// One-click unsubscribe URL templates (`--unsubscribe`): one
    /// `https://` URL and optionally one `mailto:`, rendered per row into
    /// the RFC 8058 headers.
    pub unsubscribe: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            to_column: "email".into(),
            key_column: None,
            attachments_dir: None,
            delimiter: None,
            unsubscribe: Vec::new(),
        }
    }
}

/// The rows of a CSV file rendered through a template: an iterator of
/// [`Email`]s and [`RowError`]s, one per row, read as it goes.
#[derive(Debug)]
pub struct Campaign {
    rows: CsvRows,
    renderer: Renderer,
    composer: Composer,
    /// Keys seen in this run, with their line: a second row with the same
    /// key is an error, not a second message.
    seen: HashMap<String, u64>,
}

impl Campaign {
    /// Opens `csv` and `template` and checks them against each other: every
    /// template variable, the recipient column and the key column must be
    /// CSV columns; a From address without variables must be valid.
    /// Attachments are read only from inside `options.attachments_dir`,
    /// by default the template's folder.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the file, line or column.
    pub fn open(csv: &Path, template: &Path, options: &Options) -> Result<Campaign, ConfigError> {
        let parsed = TemplateFile::read(template)?;
        let rows = CsvRows::open(csv, options.delimiter)?;
        let mut options = options.clone();
        if options.attachments_dir.is_none() {
            let dir = template.parent().filter(|d| !d.as_os_str().is_empty());
            options.attachments_dir = Some(dir.unwrap_or(Path::new(".")).to_path_buf());
        }
        Campaign::new(rows, &parsed, &options)
    }

    /// As [`Campaign::open`], from an open CSV reader and a parsed template.
    ///
    /// # Errors
    ///
    /// As [`Campaign::open`].
    pub fn new(
        rows: CsvRows,
        template: &TemplateFile,
        options: &Options,
    ) -> Result<Campaign, ConfigError> {
        let columns = Arc::clone(rows.headers());
        let mut template = template.clone();
        let unsubscribe_uris = unsubscribe::add_headers(&mut template, &options.unsubscribe)?;
        let template = &template;
        let renderer = Renderer::new(template, Arc::clone(&columns), rows.path())?;
        let column = |name: &str, flag: &str| {
            columns
                .iter()
                .position(|c| c == name)
                .ok_or_else(|| ConfigError::MissingColumn {
                    name: name.to_owned(),
                    part: flag.to_owned(),
                    csv: rows.path().to_path_buf(),
                    columns: columns.join(", "),
                })
        };
        let to_index = column(&options.to_column, "--to-column")?;
        let key_index = match &options.key_column {
            Some(k) => Some(column(k, "--key-column")?),
            None => None,
        };
        if let Some(from) = renderer.constant_header(HeaderKind::From) {
            from.parse::<Mailbox>().map_err(|e| {
                ConfigError::Invalid(format!(
                    "{}: the From address {from:?} is invalid: {e}",
                    template.path.display()
                ))
            })?;
        }
        let attachments = match &options.attachments_dir {
            Some(dir) => Some(AttachmentsDir::new(dir)?),
            None if renderer.has_header(HeaderKind::Attachment) => {
                return Err(ConfigError::Invalid(format!(
                    "{} attaches files: give the folder they are in with --attachments-dir",
                    template.path.display()
                )));
            }
            None => None,
        };
        Ok(Campaign {
            rows,
            renderer,
            composer: Composer {
                to_index,
                to_column: options.to_column.clone(),
                key_index,
                attachments,
                unsubscribe_uris: (unsubscribe_uris > 0).then_some(unsubscribe_uris),
            },
            seen: HashMap::new(),
        })
    }

    /// The CSV columns.
    pub fn columns(&self) -> &Arc<[String]> {
        self.rows.headers()
    }

    /// A header's value when it has no template variables (the same for
    /// every row), such as a fixed From address.
    pub fn constant_header(&self, kind: HeaderKind) -> Option<String> {
        self.renderer.constant_header(kind)
    }

    /// The CSV delimiter.
    pub fn delimiter(&self) -> u8 {
        self.rows.delimiter()
    }

    /// The CSV file.
    pub fn csv_path(&self) -> &Path {
        self.rows.path()
    }

    /// Renders one row into its message (without the check for repeated
    /// keys, which is the reader's: see [`Iterator::next`]).
    ///
    /// # Errors
    ///
    /// A [`RowError`] naming the row's line.
    pub fn email(&self, row: Row) -> Result<Email, RowError> {
        self.renderer
            .render(&row)
            .and_then(|rendered| self.composer.compose(row, rendered))
    }
}

impl Iterator for Campaign {
    type Item = Result<Email, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        let row = match self.rows.next()? {
            Ok(row) => row,
            Err(e) => return Some(Err(e)),
        };
        let email = match self.email(row) {
            Ok(email) => email,
            Err(e) => return Some(Err(e)),
        };
        if let Some(first) = self.seen.get(&email.key) {
            let message = format!(
                "same key {:?} as line {first} (a repeated row): not sent twice",
                email.key
            );
            return Some(Err(RowError::new(email.line, Some(email.fields), message)));
        }
        self.seen.insert(email.key.clone(), email.line);
        Some(Ok(email))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_row_is_an_error_not_a_second_message() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let csv = dir.path().join("r.csv");
        let template = dir.path().join("t.txt");
        std::fs::write(
            &csv,
            "id,email\n1,a@example.com\n2,b@example.com\n1,c@example.com\n",
        )?;
        std::fs::write(&template, "From: s@example.com\n\nHi\n")?;
        let options = Options {
            key_column: Some("id".into()),
            ..Options::default()
        };
        let items: Vec<_> = Campaign::open(&csv, &template, &options)?.collect();
        assert!(items[0].is_ok() && items[1].is_ok());
        let e = items[2].as_ref().expect_err("repeated key");
        assert_eq!(e.line, 4);
        assert!(e.message.contains("line 2"), "{e}");
        Ok(())
    }
}

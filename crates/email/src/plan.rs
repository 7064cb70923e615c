//! [`MailPlan`] and [`MailPayload`]: a mailer run as a distributed engine
//! stores it: the template and the CSV's header once per run, each row as
//! its line and fields.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::csv_rows::CsvRows;
use crate::error::ConfigError;
use crate::source::{Campaign, Options};
use crate::template::TemplateFile;

/// What every message of a run shares: the template's text, the CSV's
/// columns and the reading options. Workers render each row with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailPlan {
    /// The CSV file the rows came from (named in messages).
    pub csv: PathBuf,
    /// The template file (named in messages).
    pub template: PathBuf,
    /// The template's text.
    pub template_text: String,
    /// The CSV's columns.
    pub columns: Vec<String>,
    /// The CSV's delimiter.
    pub delimiter: u8,
    /// The recipient column.
    pub to_column: String,
    /// The key column, if any.
    pub key_column: Option<String>,
    /// The folder attachments are read from (absolute: a folder every
    /// worker sees, such as a shared mount).
    pub attachments_dir: Option<PathBuf>,
    /// The unsubscribe URL templates.
    pub unsubscribe: Vec<String>,
}

/// One row of a run: its line in the CSV and its fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailPayload {
    /// The row's line in the CSV.
    pub line: u64,
    /// The row's fields, in the plan's column order.
    pub fields: Vec<String>,
}

impl MailPlan {
    /// The plan of `campaign`, opened from `template` with `options`.
    ///
    /// # Errors
    ///
    /// The template cannot be read again.
    pub fn new(
        campaign: &Campaign,
        template: &Path,
        options: &Options,
    ) -> Result<MailPlan, ConfigError> {
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
            csv: campaign.csv_path().to_path_buf(),
            template: template.to_path_buf(),
            template_text,
            columns: campaign.columns().to_vec(),
            delimiter: campaign.delimiter(),
            to_column: options.to_column.clone(),
            key_column: options.key_column.clone(),
            attachments_dir: Some(attachments_dir.canonicalize().unwrap_or(attachments_dir)),
            unsubscribe: options.unsubscribe.clone(),
        })
    }

    /// The reading options the plan was made with.
    pub fn options(&self) -> Options {
        Options {
            to_column: self.to_column.clone(),
            key_column: self.key_column.clone(),
            attachments_dir: self.attachments_dir.clone(),
            delimiter: Some(self.delimiter),
            unsubscribe: self.unsubscribe.clone(),
        }
    }

    /// A campaign that renders rows with this plan (it has no rows of its
    /// own: rows come as payloads).
    ///
    /// # Errors
    ///
    /// As [`Campaign::open`], on the stored template and columns.
    pub fn campaign(&self) -> Result<Campaign, ConfigError> {
        let template = TemplateFile::parse(&self.template, &self.template_text)?;
        let mut header = csv::WriterBuilder::new()
            .delimiter(self.delimiter)
            .from_writer(Vec::new());
        header
            .write_record(&self.columns)
            .and_then(|()| header.flush().map_err(Into::into))
            .map_err(|e| ConfigError::Invalid(format!("the run's CSV columns: {e}")))?;
        let bytes = header
            .into_inner()
            .map_err(|e| ConfigError::Invalid(format!("the run's CSV columns: {e}")))?;
        let rows = CsvRows::from_reader(&self.csv, Box::new(Cursor::new(bytes)), self.delimiter)?;
        Campaign::new(rows, &template, &self.options())
    }
}

//! The reporter as a consumer of messages ([`Consumable`]): each message is
//! one group, its key and its rows, drawn with the consumer's layout.
//!
//! `{"key": "ACME", "rows": [{"date": "2025-01-03", "amount": "12.50"},
//! ...]}`: rows are objects of column names to values, as an NDJSON input
//! holds them (`null` or a missing key: no value). `"file": "acme.pdf"`
//! names the report (one file name, no folder); without it the layout's
//! `file_name` template makes the name, as a single-machine run does for a
//! group whose name no other group takes. A row's line, in messages, is
//! its number in the message.
//!
//! A consumer knows its layout and fonts but not the characters of the
//! messages to come: the fonts are cut for embedding to the layout's own
//! characters (and printable ASCII), and a report drawing a glyph outside
//! that cut embeds the face's own subset; the `--font` fallbacks are kept
//! whole. System fonts are not searched.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use pool::{Consumable, Distributed};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::batch::layout_texts;
use crate::data::input::{Columns, Record};
use crate::error::{LayoutError, SetupError};
use crate::layout::Layout;
use crate::layout::template::Template;
use crate::names::UniqueNames;
use crate::pdf::logo::LogoImage;
use crate::plan::{ReportPayload, ReportPlan};
use crate::render::{Rendered, Renderer, ReportJob};
use crate::text::fonts::FontSet;
use crate::tool::Reporter;

/// One group as a message; see the [module docs](self).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupItem {
    /// The group's key (the group column's value).
    pub key: String,
    /// The group's rows: column names to values.
    pub rows: Vec<Map<String, Value>>,
    /// The report's file name in the output folder [default: from the
    /// layout's `file_name`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

impl Reporter {
    /// A reporter for a consumer: `layout` with the fallback `fonts`,
    /// writing into `out_dir` (a folder or an `s3://` prefix); no groups of
    /// its own (they come as messages). The failures file is `failures`,
    /// or `failures.csv` in the output folder.
    ///
    /// # Errors
    ///
    /// A [`SetupError`] naming the layout, font or logo file at fault, or
    /// an output folder that cannot be made.
    pub fn for_items(
        layout: &Path,
        fonts: &[PathBuf],
        out_dir: &Path,
        failures: Option<PathBuf>,
    ) -> Result<Reporter, SetupError> {
        let layout = Layout::from_file(layout)?;
        let mut columns = Columns::default();
        for field in fields(&layout)? {
            columns.intern(&field);
        }
        let mut set = FontSet::bundled()?;
        let mut fallbacks = Vec::new();
        for font in fonts {
            set.add_fallback(font)?;
            fallbacks.push((font.clone(), 0));
        }
        let mut chars: BTreeSet<char> = layout_texts(&layout)
            .flat_map(str::chars)
            .filter(|c| !c.is_ascii())
            .collect();
        chars.insert('…');
        set.cut_for_embedding(&chars);
        set.check_word_shaping(&chars);
        let logo = layout
            .logo
            .as_ref()
            .map(|l| LogoImage::load(&l.path))
            .transpose()?;
        let plan = ReportPlan {
            layout: layout.clone(),
            columns: columns.names().to_vec(),
            fallbacks,
            chars: chars.iter().collect(),
            out_dir: out_dir.to_path_buf(),
        };
        let renderer = Renderer::new(layout, set, logo, Arc::new(columns), out_dir)?;
        Ok(Reporter::from_renderer(plan, renderer, failures))
    }
}

/// Every column the layout draws or names: its columns, the chart's, and
/// the fields of its title, header, footer and file name.
fn fields(layout: &Layout) -> Result<Vec<String>, SetupError> {
    let mut fields: Vec<String> = layout.columns.iter().map(|c| c.field.clone()).collect();
    if let Some(chart) = &layout.chart {
        fields.extend([chart.value.clone(), chart.field.clone()]);
    }
    let templates = [&layout.title, &layout.footer, &layout.file_name]
        .into_iter()
        .chain(layout.header.iter().map(|h| &h.value));
    for source in templates {
        let template = Template::parse(source).map_err(LayoutError::invalid)?;
        fields.extend(template.fields().map(str::to_owned));
    }
    Ok(fields)
}

/// A JSON value as a cell: text as it is, other scalars as JSON writes
/// them, `null` as no value.
fn cell(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// The reporter's messages: a group in, its PDF out.
impl Consumable for Reporter {
    type Item = GroupItem;

    /// The group's rows with every column of the input, and its file name.
    fn item(&self, job: &ReportJob) -> Result<GroupItem, String> {
        let plan = Distributed::plan(self);
        let rows = job.group.rows().map_err(|e| e.to_string())?;
        let mut items = Vec::with_capacity(rows.len());
        for record in rows.iter() {
            if let Some(error) = &record.error {
                return Err(format!(
                    "group {:?}, line {}: {error}",
                    job.group.key, record.line
                ));
            }
            items.push(
                plan.columns
                    .iter()
                    .zip(&record.values)
                    .filter_map(|(name, value)| Some((name.clone(), Value::String(value.clone()?))))
                    .collect(),
            );
        }
        Ok(GroupItem {
            key: job.group.key.clone(),
            rows: items,
            file: Some(job.file_name.clone()),
        })
    }

    fn job_from_item(&self, item: GroupItem, _number: u64) -> Result<ReportJob, String> {
        let plan = Distributed::plan(self);
        let rows: Vec<Record> = item
            .rows
            .iter()
            .enumerate()
            .map(|(i, row)| Record {
                line: i as u64 + 1,
                values: plan
                    .columns
                    .iter()
                    .map(|c| row.get(c).and_then(cell))
                    .collect(),
                error: None,
            })
            .collect();
        let file_name = match item.file {
            Some(file) => file,
            None => {
                let template = Template::parse(&plan.layout.file_name)
                    .map_err(|e| format!("the layout's file_name: {e}"))?;
                let first = rows.first();
                let stem =
                    template.render(|field| match plan.columns.iter().position(|c| c == field) {
                        Some(i) => first.and_then(|r| r.get(i)),
                        None if field == "group" => Some(item.key.as_str()),
                        None => None,
                    });
                UniqueNames::default().claim(&stem)
            }
        };
        Distributed::job(
            self,
            ReportPayload {
                key: item.key,
                file_name,
                rows,
            },
        )
    }

    /// The report's path (or `s3://` URL).
    fn written(&self, _job: &ReportJob, done: &Rendered) -> Vec<String> {
        vec![done.path.display().to_string()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pool::Tool as _;

    fn item(json: &str) -> GroupItem {
        serde_json::from_str(json).expect("a group item")
    }

    fn consumer(dir: &Path) -> Reporter {
        let layout = dir.join("layout.toml");
        std::fs::write(
            &layout,
            "title = \"Statement {customer}\"\nfile_name = \"{account}\"\n[[columns]]\nfield = \"item\"\n[[columns]]\nfield = \"amount\"\nformat = \"number\"\ntotal = true\n",
        )
        .expect("written");
        Reporter::for_items(&layout, &[], &dir.join("out"), None).expect("a consumer")
    }

    #[tokio::test]
    async fn a_message_is_one_group_drawn_with_the_layout() -> Result<(), Box<dyn std::error::Error>>
    {
        let dir = tempfile::tempdir()?;
        let reporter = consumer(dir.path());
        let job = reporter.job_from_item(
            item(r#"{"key": "A-1", "rows": [{"account": "A/1", "customer": "Ann", "item": "tea", "amount": 1.5}, {"item": "milk", "amount": "2"}]}"#),
            1,
        )?;
        assert_eq!(
            (job.group.key.as_str(), job.file_name.as_str()),
            ("A-1", "A_1.pdf")
        );
        let (pool, mut outcomes) = pool::Pool::builder(reporter.handler()).workers(1).start();
        pool.submit(job.clone()).await?;
        drop(pool);
        let outcome = outcomes.recv().await.ok_or("no outcome")?;
        let pool::Status::Succeeded(done) = outcome.status else {
            return Err(format!("{:?}", outcome.status.reason()).into());
        };
        let pdf = lopdf::Document::load(&done.path)?;
        assert_eq!(pdf.get_pages().len(), 1);
        assert_eq!(
            reporter.written(&job, &done),
            [dir.path().join("out/A_1.pdf").display().to_string()]
        );
        Ok(())
    }

    #[test]
    fn a_bad_group_fails_with_its_reason() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let reporter = consumer(dir.path());
        let empty = reporter
            .job_from_item(item(r#"{"key": "A", "rows": []}"#), 1)
            .expect_err("no rows");
        assert!(empty.contains("has no rows"), "{empty}");
        let path = reporter
            .job_from_item(
                item(r#"{"key": "A", "rows": [{"item": "x"}], "file": "../x.pdf"}"#),
                2,
            )
            .expect_err("a path");
        assert!(path.contains("not a file name"), "{path}");
        assert!(serde_json::from_str::<GroupItem>(r#"{"key": "A"}"#).is_err());
        Ok(())
    }
}

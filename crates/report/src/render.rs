//! [`Renderer`]: draws one report of a run, for any worker: it checks and
//! prepares the group's rows, lays the pages out and writes the PDF where
//! the run's output goes. [`crate::Batch`] makes one for a local run,
//! [`crate::ReportPlan::renderer`] for a distributed one.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::data::group::Group;
use crate::data::input::Columns;
use crate::data::input::Record;
use crate::error::{ReportError, SetupError};
use crate::layout::Layout;
use crate::layout::template::Template;
use crate::pdf::canvas::{Mode, Writing};
use crate::pdf::doc_info::{DocInfo, run_time};
use crate::pdf::draw::{Sheet, Texts, Warnings, page_size};
use crate::pdf::logo::LogoImage;
use crate::pdf::output::Output;
use crate::pdf::prelude::{Prelude, Usage};
use crate::prepare::{GroupRows, Prepared};
use crate::text::fonts::FontSet;

/// One report to draw: a group and its file name.
#[derive(Debug, Clone)]
pub struct ReportJob {
    /// The group.
    pub group: Group,
    /// The file name inside the output folder (sanitised, unique).
    pub file_name: String,
}

/// A finished report.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// Where it was written.
    pub path: PathBuf,
    /// Page count.
    pub pages: usize,
    /// File size.
    pub bytes: u64,
    /// Characters no font had, with their rows.
    pub warnings: Vec<String>,
    /// Those characters, each once.
    pub missing: BTreeSet<char>,
}

/// Draws reports; shared by all workers.
#[derive(Debug)]
pub struct Renderer {
    layout: Layout,
    fonts: FontSet,
    logo: Option<LogoImage>,
    columns: Arc<Columns>,
    output: Output,
    producer: String,
    /// The run's date, stamped on every report.
    created: i64,
}

impl Renderer {
    /// A renderer writing into `out_dir`, dating its reports with the
    /// run's date ([`run_time`]); `logo` is drawn when the layout has one.
    ///
    /// # Errors
    ///
    /// The folder cannot be created, an `s3://` location's bucket cannot
    /// be configured, or `SOURCE_DATE_EPOCH` is not a number.
    pub fn new(
        layout: Layout,
        fonts: FontSet,
        logo: Option<LogoImage>,
        columns: Arc<Columns>,
        out_dir: &Path,
    ) -> Result<Renderer, SetupError> {
        let created = run_time().map_err(SetupError::Environment)?;
        Ok(Renderer::with_output(
            layout,
            fonts,
            logo,
            columns,
            Output::open(out_dir)?,
            created,
        ))
    }

    pub(crate) fn with_output(
        layout: Layout,
        fonts: FontSet,
        logo: Option<LogoImage>,
        columns: Arc<Columns>,
        output: Output,
        created: i64,
    ) -> Renderer {
        Renderer {
            layout,
            fonts,
            logo,
            columns,
            output,
            producer: format!(
                "reporter {} (workpool, printpdf)",
                env!("CARGO_PKG_VERSION")
            ),
            created,
        }
    }

    /// The layout in use.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The run's columns.
    pub(crate) fn columns(&self) -> &Columns {
        &self.columns
    }

    /// Checks `group`'s rows as [`Renderer::draw`] would, without drawing.
    ///
    /// # Errors
    ///
    /// [`ReportError::Row`] for the first bad row, [`ReportError::Io`]
    /// when a spill file cannot be read back.
    pub fn check(&self, group: &Group) -> Result<(), ReportError> {
        self.rows_of(group).sums().map(|_| ())
    }

    /// The rows of `group`, read and formatted again at each pass.
    fn rows_of<'a>(&'a self, group: &'a Group) -> GroupRows<'a> {
        GroupRows {
            group,
            layout: &self.layout,
            columns: &self.columns,
        }
    }

    /// Draws `group` and returns the PDF bytes, page count and what was
    /// drawn blank.
    ///
    /// # Errors
    ///
    /// [`ReportError::Row`] for a bad row (line number included), other
    /// variants when the spill file or the PDF fails.
    pub fn draw(&self, group: &Group) -> Result<(Vec<u8>, usize, Warnings), ReportError> {
        let mut bytes = Vec::new();
        let (pages, _, warnings) = self.draw_to(group, Box::new(&mut bytes))?;
        Ok((bytes, pages, warnings))
    }

    /// Draws `group` into `out`, one row and one page at a time: a first
    /// pass over the rows checks them and sums the totals and the chart, a
    /// second counts the pages and gathers the glyphs they use, keeping no
    /// page, and a third writes each page as it is finished (the widest
    /// values, for the columns' widths, are read at each drawing pass).
    /// Returns the page count, the bytes written and what was drawn blank.
    fn draw_to<'w>(
        &'w self,
        group: &Group,
        out: Box<dyn Write + 'w>,
    ) -> Result<(usize, u64, Warnings), ReportError> {
        let rows = self.rows_of(group);
        let (totals, bars) = rows.sums()?;
        // The totals and the chart; the rows are read again as drawn.
        let data = Prepared {
            rows: Vec::new(),
            totals,
            bars,
        };
        let first = &group.first;
        let fill = |src: &str| {
            Template::parse(src)
                .map(|t| t.render(|f| lookup(&self.columns, &group.key, first, f)))
                .unwrap_or_default()
        };
        let texts = Texts {
            title: fill(&self.layout.title),
            header: self
                .layout
                .header
                .iter()
                .map(|h| (h.label.clone(), fill(&h.value)))
                .collect(),
            footer: fill(&self.layout.footer),
            first_line: first.line,
        };
        let layout = &self.layout;
        let sheet = Sheet {
            layout,
            fonts: &self.fonts,
            logo: self.logo.as_ref(),
            texts: &texts,
            data: &data,
            rows: &rows,
        };
        let mut warnings = Warnings::default();
        let counted = sheet.draw_in(&mut warnings, Mode::Count(Usage::default()), None)?;
        let (usage, pages) = counted
            .into_usage()
            .ok_or_else(|| ReportError::Pdf("the first pass kept no count".into()))?;
        let info = DocInfo {
            title: &texts.title,
            producer: &self.producer,
            created: self.created,
        };
        let (w, h) = page_size(layout);
        let prelude = Prelude::new(&self.fonts, usage, (w, h), &info)?;
        let write = Mode::Write(Box::new(Writing::new(out, prelude, pages, w, h)?));
        // The same warnings again: the first pass has them all.
        let cv = sheet.draw_in(&mut Warnings::default(), write, Some(pages))?;
        let bytes = cv.finish(&info)?;
        Ok((pages, bytes, warnings))
    }

    /// Draws the job's report and writes it (atomically, page by page)
    /// into the output folder. A report with a bad row is not written at
    /// all.
    ///
    /// # Errors
    ///
    /// As [`Renderer::draw`], plus [`ReportError::Io`] when writing fails.
    pub fn render(&self, job: &ReportJob) -> Result<Rendered, ReportError> {
        let (path, (pages, bytes, warnings)) = self.output.write_with(&job.file_name, |out| {
            self.draw_to(&job.group, Box::new(out))
        })?;
        Ok(Rendered {
            path,
            pages,
            bytes,
            warnings: warnings.lines,
            missing: warnings.missing,
        })
    }
}

/// The value of `field` for a template: a column of the group's first
/// row, or `group` for the group's key.
pub(crate) fn lookup<'a>(
    columns: &Columns,
    key: &'a str,
    first: &'a Record,
    field: &str,
) -> Option<&'a str> {
    match columns.get(field) {
        Some(i) => first.get(i),
        None if field == "group" => Some(key),
        None => None,
    }
}

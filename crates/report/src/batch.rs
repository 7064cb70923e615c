//! A batch: layout + fonts + grouped input -> one job per group, and the
//! renderer a worker calls for each job.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::canvas::Canvas;
use crate::doc_info::{DocInfo, run_time};
use crate::draw::{Texts, Warnings, draw};
use crate::error::{InputError, LayoutError, ReportError};
use crate::fonts::FontSet;
use crate::group::{Group, GroupOptions, group_file};
use crate::input::{Columns, Format, Record};
use crate::layout::Layout;
use crate::logo::LogoImage;
use crate::names::UniqueNames;
use crate::output::Output;
use crate::plan::ReportPlan;
use crate::prepare::prepare;
use crate::system_fonts;
use crate::template::Template;

/// What the `reporter` command line asks for.
#[derive(Debug, Clone)]
pub struct Options {
    /// Input file (.csv, .json, .ndjson).
    pub input: PathBuf,
    /// Column to group by.
    pub group_by: String,
    /// Output folder (created when missing).
    pub out_dir: PathBuf,
    /// Layout file; `None` for the default layout.
    pub layout: Option<PathBuf>,
    /// Fallback fonts, tried in order after the bundled ones.
    pub fonts: Vec<PathBuf>,
    /// Bytes of rows buffered before spilling to disk.
    pub memory_limit: usize,
    /// Whether to look for system fonts that have the characters the
    /// bundled faces and `fonts` lack (off for reproducible output).
    pub system_fonts: bool,
    /// The CSV delimiter; `None`: taken from the header line (`,`, `;`
    /// or tab).
    pub delimiter: Option<u8>,
}

/// A problem found before any report is drawn (the tool exits 2). Its
/// message is the inner error's, which has no source of its own.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The layout or a font is unusable.
    #[error("{0}")]
    Layout(LayoutError),
    /// The input file is unusable.
    #[error("{0}")]
    Input(InputError),
    /// An environment variable is set to something unusable
    /// (`SOURCE_DATE_EPOCH`).
    #[error("{0}")]
    Environment(String),
}

impl From<LayoutError> for SetupError {
    fn from(e: LayoutError) -> Self {
        SetupError::Layout(e)
    }
}

impl From<InputError> for SetupError {
    fn from(e: InputError) -> Self {
        SetupError::Input(e)
    }
}

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

/// The prepared batch.
#[derive(Debug)]
pub struct Batch {
    /// The renderer for the jobs.
    pub renderer: Arc<Renderer>,
    /// One job per group, in order of first appearance.
    pub jobs: Vec<ReportJob>,
    /// Input rows read.
    pub rows: u64,
    /// Whether grouping spilled rows to disk.
    pub spilled: bool,
    /// The system fonts added as fallbacks, for characters the bundled
    /// faces and `--font` lack.
    pub system_fonts: Vec<String>,
    /// The run as a distributed engine stores it.
    pub plan: ReportPlan,
}

impl Batch {
    /// Reads the layout and fonts, groups the input and names the files:
    /// everything that can make the whole run pointless, before any work.
    ///
    /// # Errors
    ///
    /// A [`SetupError`] naming the file (and line) at fault.
    pub fn prepare(opts: &Options) -> Result<Batch, SetupError> {
        let layout = opts.layout.as_deref().map(Layout::from_file).transpose()?;
        // Decoded once per run; every report embeds the same finished bytes.
        let logo = layout
            .as_ref()
            .and_then(|l| l.logo.as_ref())
            .map(|l| LogoImage::load(&l.path))
            .transpose()?;
        // The fonts are parsed on a thread of their own while the input is
        // read and grouped: both take a while, and nothing else runs yet.
        // A font error is still reported first.
        let (fonts, grouped) = std::thread::scope(|scope| {
            let fonts = scope.spawn(|| -> Result<_, SetupError> {
                let mut fonts = FontSet::bundled()?;
                let mut fallbacks = Vec::new();
                for f in &opts.fonts {
                    fonts.add_fallback(f)?;
                    fallbacks.push((f.clone(), 0));
                }
                Ok((fonts, fallbacks))
            });
            let grouped = (|| -> Result<_, SetupError> {
                let format = Format::from_path(&opts.input)?;
                let mut gopts = GroupOptions::new(&opts.group_by);
                gopts.memory_limit = opts.memory_limit;
                gopts.delimiter = opts.delimiter;
                Ok(group_file(&opts.input, format, &gopts)?)
            })();
            let fonts = fonts
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (fonts, grouped)
        });
        let (mut fonts, mut fallbacks) = fonts?;
        let grouped = grouped?;
        let layout = match layout {
            Some(mut l) => {
                if l.columns.is_empty() {
                    l.columns = Layout::columns_for(&grouped.columns, &grouped.stats, None);
                }
                l
            }
            None => Layout::default_for(&grouped.columns, &grouped.stats, &opts.group_by),
        };
        layout
            .check_columns(&grouped.columns)
            .map_err(|e| match &opts.layout {
                Some(file) => e.in_file(file),
                None => e,
            })?;
        let mut chars = grouped.chars.clone();
        chars.extend(
            layout_texts(&layout)
                .flat_map(str::chars)
                .filter(|c| !c.is_ascii()),
        );
        chars.insert('…');
        let mut system_fonts = Vec::new();
        if opts.system_fonts {
            let missing = chars.iter().copied().filter(|&c| !fonts.has(c)).collect();
            for face in system_fonts::cover(&missing, &system_fonts::font_dirs()) {
                // A face that ttf-parser reads but printpdf does not is
                // passed over: its characters stay missing, with a warning.
                if fonts.add_fallback_face(&face.path, face.index).is_ok() {
                    system_fonts.push(face.path.display().to_string());
                    fallbacks.push((face.path.clone(), face.index));
                }
            }
        }
        fonts.fit_to_run(&chars);
        let created = run_time().map_err(SetupError::Environment)?;
        let output = Output::open(&opts.out_dir)?;
        let plan = ReportPlan {
            layout: layout.clone(),
            columns: grouped.columns.names().to_vec(),
            fallbacks,
            chars: chars.iter().collect(),
            out_dir: opts.out_dir.clone(),
        };
        let renderer = Renderer::with_output(
            layout,
            fonts,
            logo,
            Arc::clone(&grouped.columns),
            output,
            created,
        );
        let mut names = UniqueNames::default();
        let name_t = Template::parse(&renderer.layout.file_name).map_err(LayoutError::invalid)?;
        let jobs = grouped
            .groups
            .into_iter()
            .map(|group| {
                let stem =
                    name_t.render(|f| lookup(&renderer.columns, &group.key, &group.first, f));
                ReportJob {
                    file_name: names.claim(&stem),
                    group,
                }
            })
            .collect();
        Ok(Batch {
            renderer: Arc::new(renderer),
            jobs,
            rows: grouped.rows,
            spilled: grouped.spilled,
            system_fonts,
            plan,
        })
    }
}

/// Every text of the layout a report can draw.
fn layout_texts(layout: &Layout) -> impl Iterator<Item = &str> {
    let head = [
        layout.title.as_str(),
        &layout.footer,
        &layout.totals.label,
        &layout.totals.prefix,
    ];
    let header = layout
        .header
        .iter()
        .flat_map(|h| [h.label.as_str(), &h.value]);
    let columns = layout.columns.iter().flat_map(|c| {
        [
            c.heading(),
            &c.prefix,
            &c.suffix,
            &c.thousands,
            c.date_format.as_deref().unwrap_or_default(),
        ]
    });
    let chart = layout.chart.iter().map(|c| c.title.as_str());
    head.into_iter().chain(header).chain(columns).chain(chart)
}

fn lookup<'a>(columns: &Columns, key: &'a str, first: &'a Record, field: &str) -> Option<&'a str> {
    match columns.get(field) {
        Some(i) => first.get(i),
        None if field == "group" => Some(key),
        None => None,
    }
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

    fn with_output(
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

    /// Checks `group`'s rows as [`Renderer::draw`] would, without drawing.
    ///
    /// # Errors
    ///
    /// [`ReportError::Row`] for the first bad row, [`ReportError::Io`]
    /// when a spill file cannot be read back.
    pub fn check(&self, group: &Group) -> Result<(), ReportError> {
        let rows = group.rows()?;
        prepare(&self.layout, &self.columns, &rows).map(|_| ())
    }

    /// Draws `group` and returns the PDF bytes, page count and what was
    /// drawn blank.
    ///
    /// # Errors
    ///
    /// [`ReportError::Row`] for a bad row (line number included), other
    /// variants when the spill file or the PDF fails.
    pub fn draw(&self, group: &Group) -> Result<(Vec<u8>, usize, Warnings), ReportError> {
        let rows = group.rows()?;
        let data = prepare(&self.layout, &self.columns, &rows)?;
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
        let mut warnings = Warnings::default();
        let canvas: Canvas<'_> = draw(
            &self.layout,
            &self.fonts,
            self.logo.as_ref(),
            &texts,
            &data,
            &mut warnings,
        )?;
        let pages = canvas.pages.len();
        let bytes = canvas.to_pdf(&DocInfo {
            title: &texts.title,
            producer: &self.producer,
            created: self.created,
        })?;
        Ok((bytes, pages, warnings))
    }

    /// Draws the job's report and writes it (atomically) into the output
    /// folder. A report with a bad row is not written at all.
    ///
    /// # Errors
    ///
    /// As [`Renderer::draw`], plus [`ReportError::Io`] when writing fails.
    pub fn render(&self, job: &ReportJob) -> Result<Rendered, ReportError> {
        let (bytes, pages, warnings) = self.draw(&job.group)?;
        let path = self.output.write(&job.file_name, &bytes)?;
        Ok(Rendered {
            path,
            pages,
            bytes: bytes.len() as u64,
            warnings: warnings.lines,
            missing: warnings.missing,
        })
    }
}

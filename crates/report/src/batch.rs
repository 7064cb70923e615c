//! A batch: layout + fonts + grouped input -> one job per group, and the
//! [`Renderer`] a worker calls for each job.

use std::path::PathBuf;
use std::sync::Arc;

use crate::data::group::{GroupOptions, group_file};
use crate::data::input::Format;
use crate::error::{LayoutError, SetupError};
use crate::layout::Layout;
use crate::layout::template::Template;
use crate::names::UniqueNames;
use crate::pdf::doc_info::run_time;
use crate::pdf::logo::LogoImage;
use crate::pdf::output::Output;
use crate::plan::ReportPlan;
use crate::render::{Renderer, ReportJob, lookup};
use crate::text::fonts::FontSet;
use crate::text::system_fonts;

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
        let name_t = Template::parse(&renderer.layout().file_name).map_err(LayoutError::invalid)?;
        let jobs = grouped
            .groups
            .into_iter()
            .map(|group| {
                let stem =
                    name_t.render(|f| lookup(renderer.columns(), &group.key, &group.first, f));
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
pub(crate) fn layout_texts(layout: &Layout) -> impl Iterator<Item = &str> {
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

//! A small page model in top-down points. A report is drawn twice on
//! it: first counting pages and gathering the glyphs and images used
//! ([`Usage`]), nothing kept; then, with the page count known ("Page i of
//! n") and the fonts embedded ([`Prelude`]), each page is written to the
//! file as soon as it is finished ([`PdfFile`]), so only the page being
//! drawn is in memory.

use std::io::Write;
use std::sync::Arc;

use crate::error::ReportError;
use crate::pdf::content::{FaceCodes, TextOut};
use crate::pdf::doc_info::DocInfo;
use crate::pdf::logo::LogoImage;
use crate::pdf::prelude::{Prelude, Usage, page_size};
use crate::pdf::text_ops::{self, ToUnicode};
use crate::pdf::writer::PdfFile;
use crate::text::fonts::{FaceId, FontSet};
use crate::text::shaping::{Direction, Shaped};

pub(crate) use crate::pdf::colour::{BLACK, Rgb};

/// One thing drawn on a page. `y` grows downwards from the top edge.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// One glyph run of a shaped line, its pen starting at (`x`, `y`) on
    /// the baseline.
    Text {
        /// Left edge.
        x: f32,
        /// Baseline.
        y: f32,
        /// Font size.
        size: f32,
        /// The shaped line.
        line: Arc<Shaped>,
        /// Which of its runs.
        run: usize,
        /// Colour.
        color: Rgb,
    },
    /// A filled rectangle; `y` is its top.
    Rect {
        /// Left.
        x: f32,
        /// Top.
        y: f32,
        /// Width.
        w: f32,
        /// Height.
        h: f32,
        /// Fill colour.
        color: Rgb,
    },
    /// A straight line.
    Line {
        /// Start x.
        x1: f32,
        /// Start y.
        y1: f32,
        /// End x.
        x2: f32,
        /// End y.
        y2: f32,
        /// Stroke width.
        width: f32,
        /// Colour.
        color: Rgb,
    },
    /// The logo, stretched to the box whose top-left corner is (`x`, `y`).
    Logo {
        /// Left.
        x: f32,
        /// Top.
        y: f32,
        /// Width.
        w: f32,
        /// Height.
        h: f32,
    },
}

/// How text is anchored at `x`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// `x` is the left edge.
    Left,
    /// `x` is the right edge.
    Right,
    /// `x` is the centre.
    Center,
}

/// What a canvas does with the pages it draws.
pub(crate) enum Mode<'f> {
    /// Keeps every page (the tests read them).
    #[cfg_attr(not(test), allow(dead_code))]
    Keep,
    /// Counts the pages and records what they use; keeps none.
    Count(Usage<'f>),
    /// Writes each page to the file when the next one starts.
    Write(Box<Writing<'f>>),
}

/// A report being written page by page.
pub(crate) struct Writing<'f> {
    file: PdfFile<Box<dyn Write + 'f>>,
    prelude: Prelude,
}

impl<'f> Writing<'f> {
    /// Writing a document of `pages` pages of `width` by `height` points
    /// to `out`, using what `prelude` embeds.
    pub(crate) fn new(
        out: Box<dyn Write + 'f>,
        prelude: Prelude,
        pages: usize,
        width: f32,
        height: f32,
    ) -> Result<Self, ReportError> {
        let pages = u32::try_from(pages)
            .map_err(|_| ReportError::Pdf(format!("{pages} pages are too many for one PDF")))?;
        let file = PdfFile::begin(out, pages, page_size(width, height)).map_err(write_error)?;
        Ok(Writing { file, prelude })
    }
}

fn write_error(e: std::io::Error) -> ReportError {
    ReportError::Pdf(format!("writing the PDF: {e}"))
}

/// Pages being drawn.
pub struct Canvas<'f> {
    fonts: &'f FontSet,
    logo: Option<&'f LogoImage>,
    /// Page width.
    #[cfg_attr(not(test), allow(dead_code))]
    pub width: f32,
    /// Page height.
    pub height: f32,
    /// The pages kept: every page when keeping them, else the one being
    /// drawn.
    pub pages: Vec<Vec<Item>>,
    /// The pages begun.
    count: usize,
    current: usize,
    mode: Mode<'f>,
    /// The first error writing a page (drawing goes on, the report fails).
    failed: Option<ReportError>,
}

impl std::fmt::Debug for Canvas<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Canvas")
            .field("pages", &self.count)
            .finish_non_exhaustive()
    }
}

impl<'f> Canvas<'f> {
    /// A canvas with one empty page, keeping every page.
    #[cfg(test)]
    pub fn new(fonts: &'f FontSet, width: f32, height: f32) -> Self {
        Canvas::with_mode(fonts, width, height, Mode::Keep)
    }

    /// A canvas with one empty page, doing `mode` with its pages.
    pub(crate) fn with_mode(fonts: &'f FontSet, width: f32, height: f32, mode: Mode<'f>) -> Self {
        Canvas {
            fonts,
            logo: None,
            width,
            height,
            pages: vec![Vec::new()],
            count: 1,
            current: 0,
            mode,
            failed: None,
        }
    }

    /// The pages begun so far.
    pub fn page_count(&self) -> usize {
        self.count
    }

    /// Starts a new page (writing the one finished, when writing).
    pub fn new_page(&mut self) {
        self.count += 1;
        match self.mode {
            Mode::Keep => {
                self.pages.push(Vec::new());
                self.current = self.pages.len() - 1;
            }
            Mode::Count(_) => {}
            Mode::Write(_) => self.write_page(),
        }
    }

    /// Writes the page drawn and empties it.
    fn write_page(&mut self) {
        let Mode::Write(w) = &mut self.mode else {
            return;
        };
        let items = std::mem::take(&mut self.pages[0]);
        if self.failed.is_some() {
            return;
        }
        let content = page_content(
            self.fonts,
            self.height,
            &items,
            &w.prelude.codes,
            &w.prelude.unicode,
        );
        if let Err(e) = w.file.page(&content) {
            self.failed = Some(write_error(e));
        }
    }

    /// Makes page `i` (0-based) the one drawn on, when the pages are kept;
    /// out of range is ignored.
    pub fn goto(&mut self, i: usize) {
        if matches!(self.mode, Mode::Keep) && i < self.pages.len() {
            self.current = i;
        }
    }

    fn push(&mut self, item: Item) {
        if let Mode::Count(usage) = &mut self.mode {
            match &item {
                Item::Text { line, run, .. } => usage.text(self.fonts, line, &line.runs[*run]),
                Item::Logo { .. } => usage.logo = self.logo,
                _ => {}
            }
            return;
        }
        if let Some(p) = self.pages.get_mut(self.current) {
            p.push(item);
        }
    }

    /// What the pages drawn use, when counting.
    pub(crate) fn into_usage(self) -> Option<(Usage<'f>, usize)> {
        match self.mode {
            Mode::Count(u) => Some((u, self.count)),
            _ => None,
        }
    }

    /// Writes the last page and what follows the pages, when writing;
    /// returns the bytes written.
    ///
    /// # Errors
    ///
    /// [`ReportError::Pdf`] when a page or the end cannot be written.
    pub(crate) fn finish(mut self, info: &DocInfo<'_>) -> Result<u64, ReportError> {
        self.write_page();
        if let Some(e) = self.failed {
            return Err(e);
        }
        let Mode::Write(w) = self.mode else {
            return Err(ReportError::Pdf("a canvas not writing was finished".into()));
        };
        let Writing { file, prelude } = *w;
        let id = info.id(file.digest.clone());
        let (_, bytes) = file
            .finish(&prelude.doc, &prelude.resources, &id)
            .map_err(write_error)?;
        Ok(bytes)
    }

    /// Draws `text` shaped ([`FontSet::shape`]) in the paragraph direction
    /// `direction`, and returns the characters no face has.
    #[allow(clippy::too_many_arguments)]
    pub fn text(
        &mut self,
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        anchor: Anchor,
        text: &str,
        direction: Direction,
        color: Rgb,
    ) -> Vec<char> {
        if text.is_empty() {
            return Vec::new();
        }
        let line = self.fonts.shape(text, bold, direction);
        let w = line.width * size;
        let mut x = match anchor {
            Anchor::Left => x,
            Anchor::Right => x - w,
            Anchor::Center => x - w / 2.0,
        };
        // Each run where it goes on the page, written in reading order.
        let mut runs: Vec<(usize, f32)> = Vec::with_capacity(line.runs.len());
        for (run, r) in line.runs.iter().enumerate() {
            runs.push((run, x));
            x += r.width * size;
        }
        runs.sort_by_key(|&(run, _)| line.runs[run].start);
        for (run, x) in runs {
            self.push(Item::Text {
                x,
                y,
                size,
                line: Arc::clone(&line),
                run,
                color,
            });
        }
        line.missing.clone()
    }

    /// Fills a rectangle whose top-left corner is (`x`, `y`).
    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: Rgb) {
        self.push(Item::Rect { x, y, w, h, color });
    }

    /// Draws a line.
    pub fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, width: f32, color: Rgb) {
        self.push(Item::Line {
            x1,
            y1,
            x2,
            y2,
            width,
            color,
        });
    }

    /// Draws `logo` in the box whose top-left corner is (`x`, `y`); the
    /// caller keeps the aspect ratio ([`LogoImage::fit`]).
    pub fn logo(&mut self, logo: &'f LogoImage, x: f32, y: f32, w: f32, h: f32) {
        self.logo = Some(logo);
        self.push(Item::Logo { x, y, w, h });
    }

    /// Serialises the pages kept to PDF bytes with the given information,
    /// as a report is written: what they use, then each page.
    ///
    /// # Errors
    ///
    /// [`ReportError::Pdf`] when printpdf reports an error while embedding.
    #[cfg(test)]
    pub fn to_pdf(&self, info: &DocInfo<'_>) -> Result<Vec<u8>, ReportError> {
        let mut usage = Usage::default();
        for item in self.pages.iter().flatten() {
            match item {
                Item::Text { line, run, .. } => usage.text(self.fonts, line, &line.runs[*run]),
                Item::Logo { .. } => usage.logo = self.logo,
                _ => {}
            }
        }
        let prelude = Prelude::new(self.fonts, usage, (self.width, self.height), info)?;
        let mut bytes = Vec::new();
        let mut cv = Canvas::with_mode(
            self.fonts,
            self.width,
            self.height,
            Mode::Write(Box::new(Writing::new(
                Box::new(&mut bytes),
                prelude,
                self.pages.len(),
                self.width,
                self.height,
            )?)),
        );
        cv.logo = self.logo;
        for (i, items) in self.pages.iter().enumerate() {
            if i > 0 {
                cv.new_page();
            }
            cv.pages[0].clone_from(items);
        }
        cv.finish(info)?;
        Ok(bytes)
    }
}

/// One page's content: its shapes and logo (in their own graphics state),
/// then its text in one text section.
fn page_content(
    fonts: &FontSet,
    height: f32,
    items: &[Item],
    codes: &std::collections::BTreeMap<FaceId, FaceCodes>,
    unicode: &ToUnicode,
) -> Vec<u8> {
    let mut out = TextOut::default();
    out.buf.reserve(items.len() * 48 + 64);
    out.buf.extend_from_slice(b"q\n");
    let mut fill = None;
    for item in items {
        shape_ops(height, item, &mut fill, &mut out.buf);
    }
    out.buf.extend_from_slice(b"Q\nBT\n");
    let mut font = None;
    let mut fill = None;
    for item in items {
        text_ops(
            fonts, height, item, codes, unicode, &mut font, &mut fill, &mut out,
        );
    }
    out.close_array();
    out.buf.extend_from_slice(b"ET\n");
    out.buf
}

/// The operations of a rectangle, line or logo (nothing for text);
/// `fill` is the fill colour in force, set only when it changes.
fn shape_ops(h: f32, item: &Item, fill: &mut Option<Rgb>, out: &mut Vec<u8>) {
    use std::io::Write as _;
    // Writing into a Vec cannot fail.
    let _ = match *item {
        Item::Rect {
            x,
            y,
            w,
            h: rh,
            color: c,
        } => {
            if *fill != Some(c) {
                *fill = Some(c);
                let _ = writeln!(out, "{} {} {} rg", c.0, c.1, c.2);
            }
            writeln!(out, "{x} {} {w} {rh} re\nf", h - y - rh)
        }
        Item::Line {
            x1,
            y1,
            x2,
            y2,
            width,
            color: c,
        } => writeln!(
            out,
            "{} {} {} RG\n{width} w\n{x1} {} m\n{x2} {} l\nS",
            c.0,
            c.1,
            c.2,
            h - y1,
            h - y2
        ),
        // The image is the unit square: scaled to the box, moved into place.
        Item::Logo { x, y, w, h: lh } => {
            writeln!(out, "q\n{w} 0 0 {lh} {x} {} cm\n/X0 Do\nQ", h - y - lh)
        }
        Item::Text { .. } => Ok(()),
    };
}

/// The text of a text item (nothing for the others); `font` and `fill`
/// are the face, size and colour in force, set only when they change.
#[allow(clippy::too_many_arguments)]
fn text_ops(
    fonts: &FontSet,
    height: f32,
    item: &Item,
    codes: &std::collections::BTreeMap<FaceId, FaceCodes>,
    unicode: &ToUnicode,
    font: &mut Option<(FaceId, f32)>,
    fill: &mut Option<Rgb>,
    out: &mut TextOut,
) {
    let Item::Text {
        x,
        y,
        size,
        ref line,
        run,
        color: c,
    } = *item
    else {
        return;
    };
    let run = &line.runs[run];
    let face = run.face;
    let Some(face_codes) = codes.get(&face) else {
        return;
    };
    if *font != Some((face, size)) {
        out.font(&face_codes.name, size);
        *font = Some((face, size));
    }
    if *fill != Some(c) {
        out.fill(c);
        *fill = Some(c);
    }
    let glyphs = text_ops::Placed {
        line,
        run,
        face: &fonts.faces()[face],
        codes: face_codes,
        unicode,
        x,
        baseline: height - y,
        size,
    };
    glyphs.write(out);
}

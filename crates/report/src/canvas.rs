//! A small page model in top-down points, turned into a printpdf document
//! at the end (so "Page i of n" can be added once n is known, and only the
//! faces actually used are embedded).

use std::collections::BTreeMap;
use std::io::Write as _;
use std::sync::Arc;

use printpdf::{
    Color, FontId, Line, LinePoint, Op, PaintMode, PdfDocument, PdfPage, PdfParseErrorSeverity,
    PdfSaveOptions, Point, Pt, Rect, XObjectId, XObjectTransform,
};

use sha2::{Digest as _, Sha256};

use crate::content::{FaceCodes, TextOut};
use crate::doc_info::DocInfo;
use crate::embed::Cut;
use crate::error::ReportError;
use crate::fonts::{FaceId, FontSet};
use crate::glyph_codes::{self, Embedded};
use crate::logo::LogoImage;
use crate::shaping::{Direction, Shaped};
use crate::text_ops::{self, ToUnicode};

/// An RGB colour, components 0..=1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rgb(pub f32, pub f32, pub f32);

/// Black.
pub const BLACK: Rgb = Rgb(0.0, 0.0, 0.0);

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

/// Pages being drawn.
#[derive(Debug)]
pub struct Canvas<'f> {
    fonts: &'f FontSet,
    logo: Option<&'f LogoImage>,
    /// Page width.
    pub width: f32,
    /// Page height.
    pub height: f32,
    /// The pages.
    pub pages: Vec<Vec<Item>>,
    current: usize,
}

impl<'f> Canvas<'f> {
    /// A canvas with one empty page.
    pub fn new(fonts: &'f FontSet, width: f32, height: f32) -> Self {
        Canvas {
            fonts,
            logo: None,
            width,
            height,
            pages: vec![Vec::new()],
            current: 0,
        }
    }

    /// Starts a new page.
    pub fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.current = self.pages.len() - 1;
    }

    /// Makes page `i` (0-based) the one drawn on; out of range is ignored.
    pub fn goto(&mut self, i: usize) {
        if i < self.pages.len() {
            self.current = i;
        }
    }

    fn push(&mut self, item: Item) {
        if let Some(p) = self.pages.get_mut(self.current) {
            p.push(item);
        }
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

    /// Serialises the pages to PDF bytes with the given information,
    /// embedding subsets of the faces used. Resources are named by what
    /// they are (`F0` for face 0, `X0` for the logo), not at random, so
    /// the same pages make the same bytes.
    ///
    /// printpdf writes the document, the shapes and the logo, and embeds
    /// the fonts; the text of each page is written here
    /// ([`crate::content`]) and added to the page's content stream, with
    /// the glyph codes printpdf gave the fonts it embedded
    /// ([`crate::glyph_codes`]).
    ///
    /// # Errors
    ///
    /// [`ReportError::Pdf`] when printpdf reports an error while saving.
    pub fn to_pdf(&self, info: &DocInfo<'_>) -> Result<Vec<u8>, ReportError> {
        let mut doc = PdfDocument::new(info.title);
        doc.metadata.info.producer = info.producer.to_owned();
        doc.metadata.info.creator = info.producer.to_owned();
        let faces = self.add_faces(&mut doc);
        let unicode = self.to_unicode();
        let logo = self.logo.map(|l| {
            let random = doc.add_xobject(&l.xobject);
            let named = XObjectId("X0".to_owned());
            let map = &mut doc.resources.xobjects.map;
            if let Some(x) = map.remove(&random) {
                map.insert(named.clone(), x);
            }
            named
        });
        let mut pages: Vec<PdfPage> = self
            .pages
            .iter()
            .map(|items| self.page(items, logo.as_ref()))
            .collect();
        pages.push(self.pdf_page(glyph_codes::probe_ops(&faces, &unicode)));
        // printpdf's `optimize` deflates every stream at the best (slowest)
        // level; `deflate_streams` does it faster below.
        let opts = PdfSaveOptions {
            optimize: false,
            ..PdfSaveOptions::default()
        };
        let mut warnings = Vec::new();
        let mut lo = doc
            .with_pages(pages)
            .to_lopdf_document(&opts, &mut warnings);
        if let Some(w) = warnings
            .iter()
            .find(|w| w.severity == PdfParseErrorSeverity::Error)
        {
            return Err(ReportError::Pdf(w.msg.clone()));
        }
        let codes = glyph_codes::take_codes(&mut lo, &faces, &unicode)?;
        let ids: Vec<lopdf::ObjectId> = lo.get_pages().values().copied().collect();
        let mut digest = Sha256::new();
        for (items, id) in self.pages.iter().zip(ids) {
            let text = self.text_content(items, &codes, &unicode);
            digest.update(&text);
            append_content(&mut lo, id, &text)?;
        }
        info.stamp(&mut lo, digest)?;
        let cuts: Vec<&Cut> = faces.values().filter_map(|e| e.cut).collect();
        deflate_streams(&mut lo, &cuts);
        let mut bytes = Vec::new();
        lo.save_to(&mut bytes)
            .map_err(|e| ReportError::Pdf(e.to_string()))?;
        Ok(bytes)
    }

    /// Adds every face some text uses to `doc` (printpdf subsets it when
    /// saving): the face's cut when it has every glyph the document draws
    /// in that face, else the whole face. Returns them by face.
    fn add_faces(&self, doc: &mut PdfDocument) -> BTreeMap<FaceId, Embedded<'_>> {
        // Per face used: its cut, while the cut has every glyph seen.
        let mut used: BTreeMap<FaceId, Option<&Cut>> = BTreeMap::new();
        for item in self.pages.iter().flatten() {
            if let Item::Text { line, run, .. } = item {
                let run = &line.runs[*run];
                let cut = used
                    .entry(run.face)
                    .or_insert_with(|| self.fonts.faces()[run.face].cut());
                if cut.is_some_and(|c| run.glyphs.iter().any(|g| c.gid(g.id).is_none())) {
                    *cut = None;
                }
            }
        }
        used.into_iter()
            .map(|(face, cut)| {
                let font = cut.map_or(&self.fonts.faces()[face].font, |c| &c.font);
                let random = doc.add_font(font);
                let id = FontId(format!("F{face}"));
                let map = &mut doc.resources.fonts.map;
                if let Some(f) = map.remove(&random) {
                    map.insert(id.clone(), f);
                }
                // A cut is embedded whole: it is already the run's subset.
                if cut.is_some()
                    && let Some(f) = doc.resources.fonts.map.get_mut(&id)
                {
                    f.meta.embedding_mode = printpdf::FontEmbeddingMode::Full;
                }
                (face, Embedded { id, cut })
            })
            .collect()
    }

    /// The text each glyph of the document stands for.
    fn to_unicode(&self) -> ToUnicode {
        let mut map = ToUnicode::default();
        for item in self.pages.iter().flatten() {
            if let Item::Text { line, run, .. } = item {
                map.add(line, &line.runs[*run]);
            }
        }
        map
    }

    /// One page's shapes and logo, as printpdf writes them (the text is
    /// added to its content stream after, see [`Canvas::to_pdf`]).
    fn page(&self, items: &[Item], logo: Option<&XObjectId>) -> PdfPage {
        let mut ops = Vec::with_capacity(items.len() + 8);
        let mut fill = None;
        for item in items {
            self.shape_ops(item, logo, &mut fill, &mut ops);
        }
        self.pdf_page(ops)
    }

    /// A printpdf page of this canvas's size holding `ops`.
    fn pdf_page(&self, ops: Vec<Op>) -> PdfPage {
        let mm = |v: f32| printpdf::Mm::from(Pt(v));
        PdfPage::new(mm(self.width), mm(self.height), ops)
    }

    /// One page's text, in one text section.
    fn text_content(
        &self,
        items: &[Item],
        codes: &BTreeMap<FaceId, FaceCodes>,
        unicode: &ToUnicode,
    ) -> Vec<u8> {
        let mut out = TextOut::default();
        out.buf.reserve(items.len() * 48);
        out.buf.extend_from_slice(b"BT\n");
        let mut font = None;
        let mut fill = None;
        for item in items {
            self.text_ops(item, codes, unicode, &mut font, &mut fill, &mut out);
        }
        out.close_array();
        out.buf.extend_from_slice(b"ET\n");
        out.buf
    }

    /// The operations of a rectangle, line or logo (nothing for text);
    /// `fill` is the fill colour in force, set only when it changes.
    fn shape_ops(
        &self,
        item: &Item,
        logo: Option<&XObjectId>,
        fill: &mut Option<Rgb>,
        ops: &mut Vec<Op>,
    ) {
        let h = self.height;
        match *item {
            Item::Rect {
                x,
                y,
                w,
                h: rh,
                color: c,
            } => {
                if *fill != Some(c) {
                    ops.push(Op::SetFillColor { col: pdf_color(c) });
                    *fill = Some(c);
                }
                let mut r = Rect::from_xywh(Pt(x), Pt(h - y - rh), Pt(w), Pt(rh));
                r.mode = Some(PaintMode::Fill);
                ops.push(Op::DrawRectangle { rectangle: r });
            }
            Item::Line {
                x1,
                y1,
                x2,
                y2,
                width,
                color: c,
            } => {
                ops.push(Op::SetOutlineColor { col: pdf_color(c) });
                ops.push(Op::SetOutlineThickness { pt: Pt(width) });
                let p = |x: f32, y: f32| LinePoint {
                    p: Point {
                        x: Pt(x),
                        y: Pt(h - y),
                    },
                    bezier: false,
                };
                ops.push(Op::DrawLine {
                    line: Line {
                        points: vec![p(x1, y1), p(x2, y2)],
                        is_closed: false,
                    },
                });
            }
            Item::Logo { x, y, w, h: lh } => {
                if let Some(id) = logo {
                    // The image is the unit square: scale it to the box,
                    // then move it into place.
                    ops.push(Op::UseXobject {
                        id: id.clone(),
                        transform: XObjectTransform {
                            translate_x: Some(Pt(x)),
                            translate_y: Some(Pt(h - y - lh)),
                            scale_x: Some(w),
                            scale_y: Some(lh),
                            ..XObjectTransform::default()
                        },
                    });
                }
            }
            Item::Text { .. } => {}
        }
    }

    /// The text of a text item (nothing for the others); `font` and
    /// `fill` are the face, size and colour in force, set only when they
    /// change.
    fn text_ops(
        &self,
        item: &Item,
        codes: &BTreeMap<FaceId, FaceCodes>,
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
            face: &self.fonts.faces()[face],
            codes: face_codes,
            unicode,
            x,
            baseline: self.height - y,
            size,
        };
        glyphs.write(out);
    }
}

/// Appends `text` to the content stream of page `id`, after what printpdf
/// wrote there (kept in its own graphics state).
fn append_content(
    doc: &mut lopdf::Document,
    id: lopdf::ObjectId,
    text: &[u8],
) -> Result<(), ReportError> {
    let broken = |e: lopdf::Error| ReportError::Pdf(format!("a page as printpdf wrote it: {e}"));
    let contents = doc
        .get_dictionary(id)
        .and_then(|p| p.get(b"Contents"))
        .and_then(lopdf::Object::as_reference)
        .map_err(broken)?;
    let stream = doc
        .get_object_mut(contents)
        .and_then(lopdf::Object::as_stream_mut)
        .map_err(broken)?;
    let mut bytes = Vec::with_capacity(stream.content.len() + text.len() + 8);
    bytes.extend_from_slice(b"q\n");
    bytes.extend_from_slice(&stream.content);
    bytes.extend_from_slice(b"\nQ\n");
    bytes.extend_from_slice(text);
    stream.set_content(bytes);
    Ok(())
}

/// A printpdf colour.
fn pdf_color(c: Rgb) -> Color {
    Color::Rgb(printpdf::Rgb {
        r: c.0,
        g: c.1,
        b: c.2,
        icc_profile: None,
    })
}

/// Deflates (zlib level 2: level 1 was 5% faster and PDFs 20% larger)
/// every stream printpdf left uncompressed; a font program that is one of
/// `cuts` gets the cut's bytes deflated once for the run.
fn deflate_streams(lo: &mut lopdf::Document, cuts: &[&Cut]) {
    for obj in lo.objects.values_mut() {
        if let lopdf::Object::Stream(s) = obj
            && s.dict.get(b"Filter").is_err()
            && s.content.len() > 64
        {
            if s.dict.get(b"Length1").is_ok()
                && let Some(packed) = cuts.iter().find_map(|c| c.packed_if_same(&s.content))
            {
                // Length1 stays the unpacked length printpdf set.
                s.set_content(packed.to_vec());
                s.dict
                    .set("Filter", lopdf::Object::Name(b"FlateDecode".to_vec()));
                continue;
            }
            let mut z = flate2::write::ZlibEncoder::new(
                Vec::with_capacity(s.content.len() / 3),
                flate2::Compression::new(2),
            );
            if z.write_all(&s.content).is_ok()
                && let Ok(packed) = z.finish()
            {
                s.set_content(packed);
                s.dict
                    .set("Filter", lopdf::Object::Name(b"FlateDecode".to_vec()));
            }
        }
    }
}

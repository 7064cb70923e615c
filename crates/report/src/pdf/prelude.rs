//! What a report's pages refer to, made by printpdf before the pages are
//! written: the fonts (cut or subset to the glyphs the report draws, with
//! their widths and ToUnicode maps), the logo, the document information,
//! and the code of each glyph in the fonts as embedded.
//!
//! A first pass over the report ([`Usage`]) records which faces and
//! glyphs its text uses and whether it draws the logo, without keeping
//! any page; printpdf then makes a document of one page, the probe (see
//! [`crate::pdf::glyph_codes`]), whose resources become every page's.

use std::collections::BTreeMap;

use printpdf::{
    FontId, Op, PdfDocument, PdfPage, PdfParseErrorSeverity, PdfSaveOptions, Pt, XObjectId,
    XObjectTransform,
};

use crate::error::ReportError;
use crate::pdf::content::FaceCodes;
use crate::pdf::doc_info::DocInfo;
use crate::pdf::glyph_codes::{self, Embedded};
use crate::pdf::logo::LogoImage;
use crate::pdf::text_ops::ToUnicode;
use crate::pdf::writer::deflate;
use crate::text::embed::Cut;
use crate::text::fonts::{FaceId, FontSet};
use crate::text::shaping::{GlyphRun, Shaped};

/// What a report's text and images use, gathered over all its pages.
#[derive(Debug, Default)]
pub(crate) struct Usage<'f> {
    /// The text each glyph stands for.
    pub(crate) unicode: ToUnicode,
    /// Per face used: its cut, while the cut has every glyph seen.
    faces: BTreeMap<FaceId, Option<&'f Cut>>,
    /// The logo, when drawn.
    pub(crate) logo: Option<&'f LogoImage>,
}

impl<'f> Usage<'f> {
    /// Records the glyphs of `run`, a run of `line`.
    pub(crate) fn text(&mut self, fonts: &'f FontSet, line: &Shaped, run: &GlyphRun) {
        self.unicode.add(line, run);
        let cut = self
            .faces
            .entry(run.face)
            .or_insert_with(|| fonts.faces()[run.face].cut());
        if cut.is_some_and(|c| run.glyphs.iter().any(|g| c.gid(g.id).is_none())) {
            *cut = None;
        }
    }
}

/// The document around a report's pages, made by printpdf.
pub(crate) struct Prelude {
    /// The document printpdf made (its probe page taken out).
    pub(crate) doc: lopdf::Document,
    /// The resources of every page.
    pub(crate) resources: lopdf::Object,
    /// Each face's glyph codes.
    pub(crate) codes: BTreeMap<FaceId, FaceCodes>,
    /// The text each glyph stands for.
    pub(crate) unicode: ToUnicode,
}

impl Prelude {
    /// Embeds what `usage` says the pages use (faces are named `F0` for
    /// face 0, the logo `X0`, not at random, so the same report makes the
    /// same bytes), and dates the document.
    ///
    /// # Errors
    ///
    /// [`ReportError::Pdf`] when printpdf reports an error, or writes the
    /// probe in a way this does not know.
    pub(crate) fn new(
        fonts: &FontSet,
        usage: Usage<'_>,
        size: (f32, f32),
        info: &DocInfo<'_>,
    ) -> Result<Prelude, ReportError> {
        let mut doc = PdfDocument::new(info.title);
        doc.metadata.info.producer = info.producer.to_owned();
        doc.metadata.info.creator = info.producer.to_owned();
        let faces = add_faces(fonts, &usage.faces, &mut doc);
        let mut ops = glyph_codes::probe_ops(&faces, &usage.unicode);
        if let Some(l) = usage.logo {
            let random = doc.add_xobject(&l.xobject);
            let named = XObjectId("X0".to_owned());
            let map = &mut doc.resources.xobjects.map;
            if let Some(x) = map.remove(&random) {
                map.insert(named.clone(), x);
            }
            // Used on the probe, so that it is in the probe's resources.
            ops.push(Op::UseXobject {
                id: named,
                transform: XObjectTransform::default(),
            });
        }
        let mm = |v: f32| printpdf::Mm::from(Pt(v));
        let probe = PdfPage::new(mm(size.0), mm(size.1), ops);
        // printpdf's `optimize` deflates every stream at the best (slowest)
        // level; `deflate_streams` does it faster below.
        let opts = PdfSaveOptions {
            optimize: false,
            ..PdfSaveOptions::default()
        };
        let mut warnings = Vec::new();
        let mut lo = doc
            .with_pages(vec![probe])
            .to_lopdf_document(&opts, &mut warnings);
        if let Some(w) = warnings
            .iter()
            .find(|w| w.severity == PdfParseErrorSeverity::Error)
        {
            return Err(ReportError::Pdf(w.msg.clone()));
        }
        let resources = probe_resources(&lo)?;
        let codes = glyph_codes::take_codes(&mut lo, &faces, &usage.unicode)?;
        info.date(&mut lo)?;
        let cuts: Vec<&Cut> = faces.values().filter_map(|e| e.cut).collect();
        deflate_streams(&mut lo, &cuts);
        Ok(Prelude {
            doc: lo,
            resources,
            codes,
            unicode: usage.unicode,
        })
    }
}

/// The size of a page as printpdf writes it (through millimetres).
pub(crate) fn page_size(width: f32, height: f32) -> (f32, f32) {
    let pt = |v: f32| Pt::from(printpdf::Mm::from(Pt(v))).0;
    (pt(width), pt(height))
}

/// The resources of the probe, the document's only page.
fn probe_resources(lo: &lopdf::Document) -> Result<lopdf::Object, ReportError> {
    let broken = |e: lopdf::Error| ReportError::Pdf(format!("the probe page printpdf made: {e}"));
    let page = lo
        .get_pages()
        .values()
        .last()
        .copied()
        .ok_or_else(|| ReportError::Pdf("printpdf made no page".into()))?;
    let r = lo
        .get_dictionary(page)
        .and_then(|p| p.get(b"Resources"))
        .map_err(broken)?;
    Ok(match r {
        lopdf::Object::Reference(id) => lo.get_object(*id).map_err(broken)?.clone(),
        other => other.clone(),
    })
}

/// Adds every face some text uses to `doc` (printpdf subsets it when
/// saving): the face's cut when it has every glyph the document draws in
/// that face, else the whole face. Returns them by face.
fn add_faces<'f>(
    fonts: &'f FontSet,
    used: &BTreeMap<FaceId, Option<&'f Cut>>,
    doc: &mut PdfDocument,
) -> BTreeMap<FaceId, Embedded<'f>> {
    used.iter()
        .map(|(&face, &cut)| {
            let font = cut.map_or(&fonts.faces()[face].font, |c| &c.font);
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

/// Deflates every stream printpdf left uncompressed; a font program that
/// is one of `cuts` gets the cut's bytes deflated once for the run.
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
            if let Ok(packed) = deflate(&s.content) {
                s.set_content(packed);
                s.dict
                    .set("Filter", lopdf::Object::Name(b"FlateDecode".to_vec()));
            }
        }
    }
}

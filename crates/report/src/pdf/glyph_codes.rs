//! The code each glyph has in a saved document, asked of printpdf.
//!
//! The page text is written as bytes by [`crate::pdf::content`], but printpdf
//! still embeds the fonts: it subsets each one to the glyphs its pages
//! draw, renumbers them, and builds the widths and the ToUnicode map. The
//! codes it gives the glyphs are its own (the subset's glyph ids, or the
//! CIDs of a CID-keyed CFF font). So a document is saved with one more
//! page, the *probe*: for each face, every glyph the document draws, each
//! with its text, in one `TJ`. printpdf subsets, maps and writes it like
//! any page; the probe's content stream then says which code each glyph
//! got, and the probe page is taken out of the document.

use std::collections::BTreeMap;

use printpdf::{Codepoint, FontId, Op, PdfFontHandle, Pt, TextItem};

use crate::error::ReportError;
use crate::pdf::content::FaceCodes;
use crate::pdf::text_ops::ToUnicode;
use crate::text::embed::Cut;
use crate::text::fonts::FaceId;

/// A face as a document embeds it.
pub(crate) struct Embedded<'f> {
    /// Its resource.
    pub(crate) id: FontId,
    /// The cut embedded instead of the whole face (glyph ids go through it).
    pub(crate) cut: Option<&'f Cut>,
}

/// The probe page's operations: for each face, each glyph of the document
/// in `unicode`'s order, with its text.
pub(crate) fn probe_ops(faces: &BTreeMap<FaceId, Embedded<'_>>, unicode: &ToUnicode) -> Vec<Op> {
    let mut ops = Vec::with_capacity(faces.len() * 4);
    for (&face, e) in faces {
        let glyphs: Vec<Codepoint> = unicode
            .glyphs(face)
            .map(|(id, text)| Codepoint {
                gid: e.cut.map_or(Some(id), |c| c.gid(id)).unwrap_or(0),
                offset: 0.0,
                cid: Some(text.to_owned()),
            })
            .collect();
        if glyphs.is_empty() {
            continue;
        }
        ops.push(Op::StartTextSection);
        ops.push(Op::SetFont {
            font: PdfFontHandle::External(e.id.clone()),
            size: Pt(1.0),
        });
        ops.push(Op::ShowText {
            items: vec![TextItem::GlyphIds(glyphs)],
        });
        ops.push(Op::EndTextSection);
    }
    ops
}

fn broken(what: &str) -> ReportError {
    ReportError::Pdf(format!("reading glyph codes back from printpdf: {what}"))
}

/// Reads each face's glyph codes off the probe (the last page of `doc`),
/// then takes the probe out of the document.
///
/// # Errors
///
/// [`ReportError::Pdf`] when the probe is not as written (printpdf wrote
/// it in a way this does not know).
pub(crate) fn take_codes(
    doc: &mut lopdf::Document,
    faces: &BTreeMap<FaceId, Embedded<'_>>,
    unicode: &ToUnicode,
) -> Result<BTreeMap<FaceId, FaceCodes>, ReportError> {
    let probe = *doc
        .get_pages()
        .values()
        .last()
        .ok_or_else(|| broken("no pages"))?;
    let page = doc
        .get_dictionary(probe)
        .map_err(|e| broken(&e.to_string()))?;
    let contents = page
        .get(b"Contents")
        .and_then(lopdf::Object::as_reference)
        .map_err(|e| broken(&e.to_string()))?;
    let resources = page.get(b"Resources").and_then(lopdf::Object::as_reference);
    let parent = page
        .get(b"Parent")
        .and_then(lopdf::Object::as_reference)
        .map_err(|e| broken(&e.to_string()))?;
    let bytes = doc
        .get_object(contents)
        .and_then(lopdf::Object::as_stream)
        .map_err(|e| broken(&e.to_string()))?
        .content
        .clone();
    let content = lopdf::content::Content::decode(&bytes).map_err(|e| broken(&e.to_string()))?;

    // The codes of each font, in the order they were written.
    let mut written: BTreeMap<Vec<u8>, Vec<u16>> = BTreeMap::new();
    let mut font = None;
    for op in &content.operations {
        match op.operator.as_str() {
            "Tf" => font = op.operands.first().and_then(|n| n.as_name().ok()),
            "TJ" | "Tj" => {
                let name = font.ok_or_else(|| broken("text before a font"))?;
                let codes = written.entry(name.to_vec()).or_default();
                let items = op.operands.iter().flat_map(|o| match o.as_array() {
                    Ok(items) => items.iter().collect::<Vec<_>>(),
                    Err(_) => vec![o],
                });
                for s in items.filter_map(|i| i.as_str().ok()) {
                    codes.extend(s.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])));
                }
            }
            _ => {}
        }
    }
    let mut out = BTreeMap::new();
    for (&face, e) in faces {
        let codes = written.remove(e.id.0.as_bytes()).unwrap_or_default();
        let ids: Vec<u16> = unicode.glyphs(face).map(|(id, _)| id).collect();
        if codes.len() != ids.len() {
            return Err(broken(&format!(
                "{} codes for {} glyphs of font {}",
                codes.len(),
                ids.len(),
                e.id.0
            )));
        }
        out.insert(
            face,
            FaceCodes {
                name: e.id.0.clone(),
                codes: ids.into_iter().zip(codes).collect(),
            },
        );
    }

    // Take the probe out: off the page tree, and its objects deleted.
    let pages = doc
        .get_object_mut(parent)
        .and_then(lopdf::Object::as_dict_mut)
        .map_err(|e| broken(&e.to_string()))?;
    let kids = pages
        .get_mut(b"Kids")
        .and_then(lopdf::Object::as_array_mut)
        .map_err(|e| broken(&e.to_string()))?;
    kids.retain(|k| k.as_reference().ok() != Some(probe));
    let count = i64::try_from(kids.len()).unwrap_or(i64::MAX);
    pages.set("Count", count);
    doc.objects.remove(&probe);
    doc.objects.remove(&contents);
    if let Ok(r) = resources {
        doc.objects.remove(&r);
    }
    Ok(out)
}

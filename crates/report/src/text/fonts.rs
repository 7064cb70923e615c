//! Fonts: bundled DejaVu Sans (regular and bold) plus a fallback chain,
//! resolved character by character. Each face is kept twice over the same
//! bytes: as printpdf parsed it (to embed it) and as rustybuzz reads it (to
//! shape text with it, see [`crate::text::shaping`]).

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use printpdf::ParsedFont;

use crate::error::LayoutError;
use crate::text::embed::Cut;

static DEJAVU_SANS: &[u8] = include_bytes!("../../fonts/DejaVuSans.ttf");
static DEJAVU_SANS_BOLD: &[u8] = include_bytes!("../../fonts/DejaVuSans-Bold.ttf");

/// Index of a face in a [`FontSet`].
pub type FaceId = usize;

type ShapingFace<'a> = rustybuzz::Face<'a>;

self_cell::self_cell!(
    /// A rustybuzz face and the font bytes it borrows.
    struct Shaper {
        owner: Cow<'static, [u8]>,
        #[covariant]
        dependent: ShapingFace,
    }
);

/// One parsed face.
#[derive(Clone)]
pub struct Face {
    /// Name for messages (file name).
    pub name: String,
    pub(crate) font: ParsedFont,
    shaper: Arc<Shaper>,
    upem: f32,
    /// The glyph of each ASCII character (0: none).
    ascii: Arc<[u16; 128]>,
    /// The ASCII characters that shape context-free in this face, found
    /// the first time they are asked for ([`Face::context_free`]).
    pub(super) free: Arc<OnceLock<u128>>,
    /// The face cut down to the run's glyphs, for embedding
    /// ([`FontSet::cut_for_embedding`]).
    cut: Option<Arc<Cut>>,
    /// Whether the run's text can be shaped word by word in this face
    /// ([`FontSet::check_word_shaping`]).
    pub(super) words: bool,
}

impl std::fmt::Debug for Face {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Face")
            .field("name", &self.name)
            .field("upem", &self.upem)
            .finish_non_exhaustive()
    }
}

impl Face {
    pub(super) fn parse_at(bytes: Cow<'static, [u8]>, index: usize, name: &str) -> Option<Face> {
        let mut warnings = Vec::new();
        let font = ParsedFont::from_bytes(&bytes, index, &mut warnings)?;
        let index = u32::try_from(index).ok()?;
        let shaper =
            Shaper::try_new(bytes, |b| rustybuzz::Face::from_slice(b, index).ok_or(())).ok()?;
        let upem = f32::from(shaper.borrow_dependent().units_per_em().clamp(1, 16384) as u16);
        let mut ascii = [0u16; 128];
        for (b, gid) in (0u8..).zip(ascii.iter_mut()) {
            *gid = shaper
                .borrow_dependent()
                .glyph_index(char::from(b))
                .map_or(0, |g| g.0);
        }
        Some(Face {
            name: name.to_owned(),
            font,
            shaper: Arc::new(shaper),
            upem,
            ascii: Arc::new(ascii),
            free: Arc::default(),
            cut: None,
            words: false,
        })
    }

    /// Whether no glyph of the run's text interacts with a space in this
    /// face, so a line can be shaped word by word
    /// (`text::shaping::words`).
    pub(crate) fn spaces_stand_apart(&self) -> bool {
        self.words
    }

    /// The face cut down to the run's glyphs, if it was.
    pub(crate) fn cut(&self) -> Option<&Cut> {
        self.cut.as_deref()
    }

    /// The face as rustybuzz reads it.
    pub(crate) fn shaping(&self) -> &rustybuzz::Face<'_> {
        self.shaper.borrow_dependent()
    }

    /// Units per em.
    pub(crate) fn upem(&self) -> f32 {
        self.upem
    }

    /// Whether the face maps `c` to a glyph.
    pub(crate) fn has(&self, c: char) -> bool {
        self.glyph(c).is_some()
    }

    /// The face's own glyph for `c` (its cmap), if any.
    pub(crate) fn glyph(&self, c: char) -> Option<u16> {
        match self.ascii.get(c as usize) {
            Some(&0) => None,
            Some(&g) => Some(g),
            None => self.shaping().glyph_index(c).map(|g| g.0),
        }
    }

    /// The advance of glyph `id` in font units.
    pub(crate) fn advance_units(&self, id: u16) -> u16 {
        self.shaping()
            .glyph_hor_advance(ttf_parser::GlyphId(id))
            .unwrap_or(0)
    }

    /// The advance of glyph `id` in ems.
    pub(crate) fn advance(&self, id: u16) -> f32 {
        f32::from(self.advance_units(id)) / self.upem
    }

    /// The advance of glyph `id` as the PDF's `/W` array gives it, in
    /// thousandths of an em (printpdf truncates it the same way).
    pub(crate) fn pdf_width(&self, id: u16) -> f32 {
        (f32::from(self.advance_units(id)) * 1000.0 / self.upem).trunc()
    }
}

/// Regular and bold faces and the fallbacks tried, in order, for characters
/// they lack.
#[derive(Debug, Clone)]
pub struct FontSet {
    pub(super) faces: Vec<Face>,
    /// Tells shaping caches which font set their entries belong to: new for
    /// every set built or changed, kept by clones (same faces).
    pub(super) id: u64,
}

const REGULAR: FaceId = 0;
const BOLD: FaceId = 1;

pub(super) fn next_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

impl FontSet {
    /// DejaVu Sans and DejaVu Sans Bold, bundled in the binary.
    ///
    /// # Errors
    ///
    /// [`LayoutError::Font`] if the bundled fonts cannot be parsed (a build
    /// problem, never input).
    pub fn bundled() -> Result<FontSet, LayoutError> {
        let parse = |b: &'static [u8], n: &str| {
            Face::parse_at(Cow::Borrowed(b), 0, n).ok_or_else(|| LayoutError::Font {
                path: n.into(),
                message: "bundled font does not parse".into(),
            })
        };
        Ok(FontSet {
            faces: vec![
                parse(DEJAVU_SANS, "DejaVuSans.ttf")?,
                parse(DEJAVU_SANS_BOLD, "DejaVuSans-Bold.ttf")?,
            ],
            id: next_id(),
        })
    }

    /// Adds a fallback font (TrueType/OpenType; the first face of a collection).
    ///
    /// # Errors
    ///
    /// [`LayoutError::Font`] when the file cannot be read or parsed.
    pub fn add_fallback(&mut self, path: &Path) -> Result<(), LayoutError> {
        self.add_fallback_face(path, 0)
    }

    /// Adds face `index` of a font file (a collection holds several) as a
    /// fallback.
    ///
    /// # Errors
    ///
    /// [`LayoutError::Font`] when the file cannot be read or parsed.
    pub fn add_fallback_face(&mut self, path: &Path, index: u32) -> Result<(), LayoutError> {
        let bytes = std::fs::read(path).map_err(|e| LayoutError::Font {
            path: path.to_path_buf(),
            message: pool::io_words(&e),
        })?;
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let index = usize::try_from(index).unwrap_or(usize::MAX);
        let face =
            Face::parse_at(Cow::Owned(bytes), index, &name).ok_or_else(|| LayoutError::Font {
                path: path.to_path_buf(),
                message: "not a TrueType/OpenType font this program can read".into(),
            })?;
        self.faces.push(face);
        self.id = next_id();
        Ok(())
    }

    /// Whether some face has `c`.
    pub fn has(&self, c: char) -> bool {
        self.faces.iter().any(|f| f.has(c))
    }

    /// All faces, by [`FaceId`].
    pub fn faces(&self) -> &[Face] {
        &self.faces
    }

    /// The id shaping caches key their entries by.
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// Cuts every face down, once, to the glyphs that `chars` (and
    /// printable ASCII) can be shaped into, for embedding: every document
    /// embeds the cut as it is instead of a subset of the whole face (see
    /// [`crate::text::embed`]). Shaping is unchanged: it keeps the whole face.
    pub fn cut_for_embedding(&mut self, chars: &BTreeSet<char>) {
        let all = with_printable_ascii(chars);
        for face in &mut self.faces {
            face.cut = Cut::new(&face.font, face.shaping(), &all).map(Arc::new);
        }
    }

    /// The faces tried for a character, in order: regular then bold (bold
    /// then regular for bold text), then the fallbacks.
    pub(crate) fn chain(&self, bold: bool) -> impl Iterator<Item = FaceId> + '_ {
        let first = if bold {
            [BOLD, REGULAR]
        } else {
            [REGULAR, BOLD]
        };
        first.into_iter().chain(2..self.faces.len())
    }

    /// The face drawing `c` in the chain for regular or bold text, if any.
    pub(crate) fn face_for(&self, c: char, bold: bool) -> Option<FaceId> {
        self.chain(bold).find(|&f| self.faces[f].has(c))
    }

    /// The primary face: regular or bold.
    pub(crate) fn primary(bold: bool) -> FaceId {
        if bold { BOLD } else { REGULAR }
    }
}

/// `chars` and the printable ASCII characters: what a run can draw beside
/// its input (numbers, labels, page numbers).
pub(super) fn with_printable_ascii(chars: &BTreeSet<char>) -> BTreeSet<char> {
    let mut all = chars.clone();
    all.extend(' '..='~');
    all
}

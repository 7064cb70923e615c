//! Fonts: bundled DejaVu Sans (regular and bold) plus a fallback chain,
//! resolved character by character. Each face is kept twice over the same
//! bytes: as printpdf parsed it (to embed it) and as rustybuzz reads it (to
//! shape text with it, see [`crate::shaping`]).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use printpdf::ParsedFont;

use crate::embed::Cut;
use crate::error::LayoutError;
use crate::shaping::{self, Direction, Shaped};

static DEJAVU_SANS: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static DEJAVU_SANS_BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

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
    free: Arc<OnceLock<u128>>,
    /// The face cut down to the run's glyphs, for embedding
    /// ([`FontSet::cut_for_embedding`]).
    cut: Option<Arc<Cut>>,
    /// Whether the run's text can be shaped word by word in this face
    /// ([`FontSet::check_word_shaping`]).
    words: bool,
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
    fn parse_at(bytes: Cow<'static, [u8]>, index: usize, name: &str) -> Option<Face> {
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
    /// ([`crate::shaping::words`]).
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

    /// The ASCII characters (a bit each) that shape context-free in this
    /// face: any string of them comes out of the shaper as the font's own
    /// glyph for each character at its own advance, so a line made only
    /// of them (an amount, a date, a quantity) needs no shaping. Digits,
    /// spaces and the punctuation of numbers are the candidates; those
    /// the font kerns, ligates or substitutes in any pair or triple of
    /// candidates are left out (checked by shaping them all, once).
    pub(crate) fn context_free(&self) -> u128 {
        *self.free.get_or_init(|| shaping::context_free(self))
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
    faces: Vec<Face>,
    /// Tells shaping caches which font set their entries belong to: new for
    /// every set built or changed, kept by clones (same faces).
    id: u64,
}

const REGULAR: FaceId = 0;
const BOLD: FaceId = 1;

fn next_id() -> u64 {
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
            message: e.to_string(),
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

    /// Readies the set for a run whose text (beside printable ASCII) is
    /// made of `chars`: fallback faces cut down to what they draw
    /// ([`FontSet::restrict_fallbacks`]), every face cut for embedding
    /// ([`FontSet::cut_for_embedding`]), word-by-word shaping where it
    /// gives the same ([`FontSet::check_word_shaping`]).
    pub fn fit_to_run(&mut self, chars: &BTreeSet<char>) {
        self.restrict_fallbacks(chars);
        self.cut_for_embedding(chars);
        self.check_word_shaping(chars);
    }

    /// Cuts every face down, once, to the glyphs that `chars` (and
    /// printable ASCII) can be shaped into, for embedding: every document
    /// embeds the cut as it is instead of a subset of the whole face (see
    /// [`crate::embed`]). Shaping is unchanged: it keeps the whole face.
    pub fn cut_for_embedding(&mut self, chars: &BTreeSet<char>) {
        let all = with_printable_ascii(chars);
        for face in &mut self.faces {
            face.cut = Cut::new(&face.font, face.shaping(), &all).map(Arc::new);
        }
    }

    /// Checks, for each face, whether the run's text (`chars`, and
    /// printable ASCII) can be shaped word by word in it: when it can,
    /// shaping caches words, not only whole lines.
    pub fn check_word_shaping(&mut self, chars: &BTreeSet<char>) {
        let all = with_printable_ascii(chars);
        let apart: Vec<bool> = (0..self.faces.len())
            .map(|f| shaping::words_stand_apart(self, f, &all))
            .collect();
        for (face, apart) in self.faces.iter_mut().zip(apart) {
            face.words = apart;
        }
        // Shaping results change with this: caches start over.
        self.id = next_id();
    }

    /// Cuts each fallback face down, once, to the glyphs of `chars` that it
    /// would draw (the characters earlier faces lack). printpdf subsets every
    /// face per document, and subsetting reads the whole glyph table: for a
    /// CJK font of 15,000 glyphs that was most of a report's time.
    ///
    /// The cut-down copy has no layout tables (no ligatures, joining forms or
    /// kerning), so a face is cut down only when every character it draws
    /// is of a script that needs none ([`shaping::needs_layout_tables`]):
    /// Han, kana and Hangul faces are, Arabic or Devanagari ones are not. A
    /// face whose cut-down copy cannot be read back keeps its full glyph set.
    /// Characters outside `chars` that only a cut-down face has are then
    /// reported missing, so `chars` must hold every character a report can
    /// draw.
    pub fn restrict_fallbacks(&mut self, chars: &BTreeSet<char>) {
        for f in 2..self.faces.len() {
            let mut glyphs = BTreeMap::new();
            let mut complex = false;
            for &c in chars {
                let earlier = (0..f).any(|e| self.faces[e].has(c));
                if !earlier && let Some(gid) = self.faces[f].font.lookup_glyph_index(c as u32) {
                    complex |= shaping::needs_layout_tables(c);
                    glyphs.insert(gid, c.to_string());
                }
            }
            if complex {
                continue;
            }
            let Ok(sub) = printpdf::subset_font(&self.faces[f].font, &glyphs) else {
                continue;
            };
            let Some(face) = Face::parse_at(Cow::Owned(sub.bytes), 0, &self.faces[f].name) else {
                continue;
            };
            let same = glyphs.iter().all(|(&gid, c)| {
                c.chars().all(|ch| {
                    let (old, new) = (&self.faces[f], &face);
                    let before = old.glyph(ch).map(|g| old.pdf_width(g));
                    let after = new.glyph(ch).map(|g| new.pdf_width(g));
                    before.is_some() && before == after
                }) && gid != 0
            });
            if same {
                self.faces[f] = face;
                self.id = next_id();
            }
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

    /// `text` shaped on one line (see [`crate::shaping`]), from this
    /// thread's cache when it was shaped before. `direction` is the
    /// paragraph's: [`Direction::Auto`] takes it from the first strong
    /// character.
    pub fn shape(&self, text: &str, bold: bool, direction: Direction) -> Arc<Shaped> {
        shaping::cached(self, text, bold, direction)
    }

    /// Width of `text` at size 1, shaped (kerning and ligatures included).
    pub fn width(&self, text: &str, bold: bool) -> f32 {
        self.shape(text, bold, Direction::Auto).width
    }
}

/// `chars` and the printable ASCII characters: what a run can draw beside
/// its input (numbers, labels, page numbers).
fn with_printable_ascii(chars: &BTreeSet<char>) -> BTreeSet<char> {
    let mut all = chars.clone();
    all.extend(' '..='~');
    all
}

/// `text` cut to fit `max` (at size 1) with an ellipsis at the end, or
/// whole when it fits.
pub fn clip(fonts: &FontSet, text: &str, bold: bool, max: f32) -> String {
    if fonts.width(text, bold) <= max {
        return text.to_owned();
    }
    // The longest start of the text that fits with the ellipsis, by
    // bisection over its character boundaries.
    let ends: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
    let fits = |n: usize| fonts.width(&format!("{}…", &text[..ends[n]]), bold) <= max;
    let (mut lo, mut hi) = (0, ends.len());
    while lo + 1 < hi {
        let mid = (lo + hi) / 2;
        if fits(mid) { lo = mid } else { hi = mid }
    }
    if lo == 0 && !fits(0) {
        return String::new();
    }
    format!("{}…", text[..ends[lo]].trim_end())
}

/// `text` in at most `most` lines no wider than `max` (at size 1):
/// wrapped ([`wrap`]), the last line ending in an ellipsis when there
/// was more. Text that fits is one line, as it is.
pub fn wrap_at_most(fonts: &FontSet, text: &str, bold: bool, max: f32, most: usize) -> Vec<String> {
    if !text.contains('\n') && fonts.width(text, bold) <= max {
        return vec![text.to_owned()];
    }
    let mut lines = wrap(fonts, text, bold, max);
    if lines.len() > most {
        lines.truncate(most.max(1));
        if let Some(last) = lines.last_mut() {
            *last = clip(fonts, &format!("{last}…"), bold, max);
        }
    }
    lines
}

/// Wraps `text` into lines no wider than `max` (at size 1): at spaces where
/// possible, inside a word when it alone is too wide. Newlines break lines.
pub fn wrap(fonts: &FontSet, text: &str, bold: bool, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let space = fonts.width(" ", bold);
    for para in text.split('\n') {
        let mut line = String::new();
        let mut lw = 0.0f32;
        for word in para.split(' ').filter(|w| !w.is_empty()) {
            let ww = fonts.width(word, bold);
            let extra = if line.is_empty() { ww } else { space + ww };
            if lw + extra <= max {
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(word);
                lw += extra;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                lw = 0.0;
            }
            if ww <= max {
                line.push_str(word);
                lw = ww;
                continue;
            }
            // A word wider than the column: break between characters.
            for c in word.chars() {
                let cw = fonts.width(c.encode_utf8(&mut [0; 4]), bold);
                if lw + cw > max && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    lw = 0.0;
                }
                line.push(c);
                lw += cw;
            }
        }
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_and_wraps() {
        let fonts = FontSet::bundled().expect("bundled fonts parse");
        let s = fonts.shape("Grüße Ωμέγα Привет", false, Direction::Auto);
        assert!(s.runs.iter().all(|r| r.face == 0), "{s:?}");
        assert!(s.missing.is_empty());
        assert!(s.width > 5.0);
        let s = fonts.shape("東京", false, Direction::Auto);
        assert_eq!(s.missing, vec!['東', '京']);
        let lines = wrap(&fonts, "a long description that will not fit", false, 6.0);
        assert!(lines.len() > 1, "{lines:?}");
        assert!(lines.iter().all(|l| fonts.width(l, false) <= 6.0));
        assert_eq!(lines.join(" "), "a long description that will not fit");
        let lines = wrap(&fonts, "Supercalifragilistic", false, 3.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), "Supercalifragilistic");
    }

    #[test]
    fn clipped_and_bounded_text_fits() {
        let fonts = FontSet::bundled().expect("bundled fonts parse");
        let long = "Account statement for a customer with a very long name indeed";
        assert_eq!(clip(&fonts, "short", false, 10.0), "short");
        let c = clip(&fonts, long, false, 10.0);
        assert!(c.ends_with('…') && fonts.width(&c, false) <= 10.0, "{c}");
        assert!(long.starts_with(c.trim_end_matches('…')), "{c}");
        assert!(
            fonts.width(&clip(&fonts, long, false, 10.5), false) > fonts.width(&c, false) - 1.0
        );
        assert_eq!(clip(&fonts, long, false, 0.1), "");
        let lines = wrap_at_most(&fonts, long, true, 12.0, 2);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[1].ends_with('…'), "{lines:?}");
        assert!(
            lines.iter().all(|l| fonts.width(l, true) <= 12.0),
            "{lines:?}"
        );
        assert_eq!(wrap_at_most(&fonts, "fits", true, 12.0, 2), ["fits"]);
    }

    #[test]
    #[ignore = "needs fonts-ipafont-gothic (.ci/deps/reporter.sh)"]
    fn a_cjk_fallback_cut_down_to_the_run_shapes_as_the_whole_font() {
        let cjk = Path::new("/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf");
        let mut fonts = FontSet::bundled().expect("bundled fonts parse");
        fonts
            .add_fallback(cjk)
            .unwrap_or_else(|e| panic!("{e}: run .ci/deps/reporter.sh"));
        let full = fonts.shape("Zürich 東京支店", false, Direction::Auto);
        assert!(full.missing.is_empty(), "{:?}", full.missing);
        assert!(full.runs.iter().any(|r| r.face == 2), "{full:?}");
        fonts.restrict_fallbacks(&"ü東京支店".chars().collect());
        let cut = fonts.shape("Zürich 東京支店", false, Direction::Auto);
        assert_eq!(cut.width, full.width);
        assert_eq!(cut.missing, full.missing);
        let faces = |s: &Shaped| s.runs.iter().map(|r| r.face).collect::<Vec<_>>();
        assert_eq!(faces(&cut), faces(&full));
        // Characters outside the run's are gone from the cut.
        let missing = &fonts.shape("大阪", false, Direction::Auto).missing;
        assert_eq!(missing, &vec!['大', '阪']);
    }
}

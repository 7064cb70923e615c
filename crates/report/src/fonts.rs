//! Fonts: bundled DejaVu Sans (regular and bold) plus a fallback chain,
//! resolved character by character.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use printpdf::ParsedFont;

use crate::error::LayoutError;

static DEJAVU_SANS: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static DEJAVU_SANS_BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// Index of a face in a [`FontSet`].
pub type FaceId = usize;

/// One parsed face.
#[derive(Debug, Clone)]
pub struct Face {
    /// Name for messages (file name).
    pub name: String,
    pub(crate) font: ParsedFont,
    upem: f32,
}

impl Face {
    fn parse(bytes: &[u8], name: &str) -> Option<Face> {
        Face::parse_at(bytes, 0, name)
    }

    fn parse_at(bytes: &[u8], index: usize, name: &str) -> Option<Face> {
        let mut warnings = Vec::new();
        let font = ParsedFont::from_bytes(bytes, index, &mut warnings)?;
        let upem = f32::from(font.pdf_font_metrics.units_per_em.max(1));
        Some(Face {
            name: name.to_owned(),
            font,
            upem,
        })
    }
    fn advance(&self, c: char) -> Option<f32> {
        let gid = self.font.lookup_glyph_index(c as u32)?;
        Some(f32::from(self.font.get_horizontal_advance(gid)) / self.upem)
    }
}

/// A run of text drawn with one face.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// The face.
    pub face: FaceId,
    /// The text.
    pub text: String,
    /// Width at size 1 (multiply by the font size).
    pub width: f32,
}

/// Text split into runs by face, with its width and the characters no face has.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Shaped {
    /// The runs, in order.
    pub runs: Vec<Run>,
    /// Total width at size 1.
    pub width: f32,
    /// Characters no font has (drawn blank).
    pub missing: Vec<char>,
}

/// Regular and bold faces and the fallbacks tried, in order, for characters
/// they lack.
#[derive(Debug, Clone)]
pub struct FontSet {
    faces: Vec<Face>,
}

const REGULAR: FaceId = 0;
const BOLD: FaceId = 1;

impl FontSet {
    /// DejaVu Sans and DejaVu Sans Bold, bundled in the binary.
    ///
    /// # Errors
    ///
    /// [`LayoutError::Font`] if the bundled fonts cannot be parsed (a build
    /// problem, never input).
    pub fn bundled() -> Result<FontSet, LayoutError> {
        let parse = |b: &[u8], n: &str| {
            Face::parse(b, n).ok_or_else(|| LayoutError::Font {
                path: n.into(),
                message: "bundled font does not parse".into(),
            })
        };
        Ok(FontSet {
            faces: vec![
                parse(DEJAVU_SANS, "DejaVuSans.ttf")?,
                parse(DEJAVU_SANS_BOLD, "DejaVuSans-Bold.ttf")?,
            ],
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
        let face = Face::parse_at(&bytes, index, &name).ok_or_else(|| LayoutError::Font {
            path: path.to_path_buf(),
            message: "not a TrueType/OpenType font this program can read".into(),
        })?;
        self.faces.push(face);
        Ok(())
    }

    /// Whether some face has `c`.
    pub fn has(&self, c: char) -> bool {
        self.faces.iter().any(|f| f.advance(c).is_some())
    }

    /// All faces, by [`FaceId`].
    pub fn faces(&self) -> &[Face] {
        &self.faces
    }

    /// Cuts each fallback face down, once, to the glyphs of `chars` that it
    /// would draw (the characters earlier faces lack). printpdf subsets every
    /// face per document, and subsetting reads the whole glyph table: for a
    /// CJK font of 15,000 glyphs that was most of a report's time. A face
    /// whose cut-down copy cannot be read back keeps its full glyph set.
    /// Characters outside `chars` that only a fallback has are then reported
    /// missing, so `chars` must hold every character a report can draw.
    pub fn restrict_fallbacks(&mut self, chars: &BTreeSet<char>) {
        for f in 2..self.faces.len() {
            let mut glyphs = BTreeMap::new();
            for &c in chars {
                let earlier = (0..f).any(|e| self.faces[e].advance(c).is_some());
                if !earlier && let Some(gid) = self.faces[f].font.lookup_glyph_index(c as u32) {
                    glyphs.insert(gid, c.to_string());
                }
            }
            let Ok(sub) = printpdf::subset_font(&self.faces[f].font, &glyphs) else {
                continue;
            };
            let Some(mut face) = Face::parse(&sub.bytes, &self.faces[f].name) else {
                continue;
            };
            let same = glyphs.iter().all(|(&gid, c)| {
                c.chars().all(|ch| {
                    let before = self.faces[f].advance(ch);
                    face.advance(ch) == before && before.is_some()
                }) && gid != 0
            });
            if same {
                face.name.clone_from(&self.faces[f].name);
                self.faces[f] = face;
            }
        }
    }

    fn chain(&self, bold: bool) -> impl Iterator<Item = FaceId> + '_ {
        let first = if bold {
            [BOLD, REGULAR]
        } else {
            [REGULAR, BOLD]
        };
        first.into_iter().chain(2..self.faces.len())
    }

    /// Splits `text` into runs by the first face (in the chain for regular or
    /// bold) that has each character. Control characters become spaces.
    pub fn shape(&self, text: &str, bold: bool) -> Shaped {
        let mut out = Shaped::default();
        let primary = if bold { BOLD } else { REGULAR };
        for c in text.chars() {
            let c = if c.is_control() { ' ' } else { c };
            let found = self
                .chain(bold)
                .find_map(|f| self.faces[f].advance(c).map(|w| (f, w)));
            let (face, w) = match found {
                Some(x) => x,
                None => {
                    if !out.missing.contains(&c) {
                        out.missing.push(c);
                    }
                    (primary, 0.0)
                }
            };
            out.width += w;
            match out.runs.last_mut() {
                Some(r) if r.face == face => {
                    r.text.push(c);
                    r.width += w;
                }
                _ => out.runs.push(Run {
                    face,
                    text: c.to_string(),
                    width: w,
                }),
            }
        }
        out
    }

    /// Width of `text` at size 1.
    pub fn width(&self, text: &str, bold: bool) -> f32 {
        let mut w = 0.0;
        for c in text.chars() {
            w += self
                .chain(bold)
                .find_map(|f| self.faces[f].advance(c))
                .unwrap_or(0.0);
        }
        w
    }
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
        let s = fonts.shape("Grüße Ωμέγα Привет", false);
        assert_eq!(s.runs.len(), 1);
        assert!(s.missing.is_empty());
        assert!(s.width > 5.0);
        let s = fonts.shape("東京", false);
        assert_eq!(s.missing, vec!['東', '京']);
        let lines = wrap(&fonts, "a long description that will not fit", false, 6.0);
        assert!(lines.len() > 1, "{lines:?}");
        assert!(lines.iter().all(|l| fonts.width(l, false) <= 6.0));
        assert_eq!(lines.join(" "), "a long description that will not fit");
        let cjk = Path::new("/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf");
        let mut fonts2 = fonts.clone();
        let have = fonts2.add_fallback(cjk).is_ok();
        assert!(
            have || std::env::var("CI").as_deref() != Ok("true"),
            "{} is missing: run .ci/deps/reporter.sh",
            cjk.display()
        );
        if have {
            let full = fonts2.shape("Zürich 東京支店", false);
            fonts2.restrict_fallbacks(&"ü東京支店".chars().collect());
            assert_eq!(fonts2.shape("Zürich 東京支店", false), full);
            assert_eq!(fonts2.shape("大阪", false).missing, vec!['大', '阪']);
        }
        let lines = wrap(&fonts, "Supercalifragilistic", false, 3.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), "Supercalifragilistic");
    }
}

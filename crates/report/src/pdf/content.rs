//! [`TextOut`]: a page's text written straight into content-stream bytes.
//!
//! printpdf turns every operation into lopdf objects (each glyph of a `TJ`
//! array its own string object), then formats them: for a statement that
//! was most of the time spent saving it. The text of a page is written
//! here instead, operator by operator into one buffer, with numbers
//! formatted by hand (three decimals at most, no trailing zeros) and glyph
//! codes as hex; printpdf still writes the shapes, the fonts and the
//! document around it.

use rustc_hash::FxHashMap as HashMap;

use crate::pdf::colour::Rgb;

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// The content-stream code of each glyph of one embedded face, by the
/// whole face's glyph id (what shaping gives).
#[derive(Debug, Default)]
pub(crate) struct FaceCodes {
    /// The font's resource name (without the slash).
    pub(crate) name: String,
    /// Code by glyph id.
    pub(crate) codes: HashMap<u16, u16>,
}

impl FaceCodes {
    /// The code of glyph `id` (.notdef's if the document has none).
    pub(crate) fn code(&self, id: u16) -> u16 {
        self.codes.get(&id).copied().unwrap_or(0)
    }
}

/// Text operators written into a byte buffer.
#[derive(Debug, Default)]
pub(crate) struct TextOut {
    /// The bytes written.
    pub(crate) buf: Vec<u8>,
    /// Whether a `TJ` array is open.
    in_array: bool,
    /// Whether a hex string is open in it (glyphs in a row share one).
    in_hex: bool,
}

impl TextOut {
    /// A number: integral ones without a point, others to three decimals
    /// with trailing zeros dropped.
    pub(crate) fn num(&mut self, v: f32) {
        let milli = (f64::from(v) * 1000.0).round();
        // Coordinates and sizes on a page are far inside i64.
        let mut m = milli as i64;
        if m < 0 {
            self.buf.push(b'-');
            m = -m;
        }
        let (int, mut frac) = (m / 1000, m % 1000);
        self.int(int);
        if frac != 0 {
            self.buf.push(b'.');
            let mut digits = 3;
            while frac % 10 == 0 {
                frac /= 10;
                digits -= 1;
            }
            let s = format_frac(frac, digits);
            self.buf.extend_from_slice(&s[..digits]);
        }
    }

    fn int(&mut self, mut v: i64) {
        let mut tmp = [0u8; 20];
        let mut i = tmp.len();
        loop {
            i -= 1;
            tmp[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        self.buf.extend_from_slice(&tmp[i..]);
    }

    fn op(&mut self, op: &[u8]) {
        self.buf.extend_from_slice(op);
        self.buf.push(b'\n');
    }

    /// `/name size Tf`.
    pub(crate) fn font(&mut self, name: &str, size: f32) {
        self.close_array();
        self.buf.push(b'/');
        self.buf.extend_from_slice(name.as_bytes());
        self.buf.push(b' ');
        self.num(size);
        self.op(b" Tf");
    }

    /// `r g b rg`.
    pub(crate) fn fill(&mut self, c: Rgb) {
        self.close_array();
        for v in [c.0, c.1, c.2] {
            self.num(v);
            self.buf.push(b' ');
        }
        self.op(b"rg");
    }

    /// `1 0 0 1 x y Tm`.
    pub(crate) fn move_to(&mut self, x: f32, y: f32) {
        self.close_array();
        self.buf.extend_from_slice(b"1 0 0 1 ");
        self.num(x);
        self.buf.push(b' ');
        self.num(y);
        self.op(b" Tm");
    }

    /// `rise Ts`.
    pub(crate) fn rise(&mut self, rise: f32) {
        self.close_array();
        self.num(rise);
        self.op(b" Ts");
    }

    /// A glyph code in the open `TJ` array (opened if need be); glyphs in
    /// a row go in one hex string.
    pub(crate) fn glyph(&mut self, code: u16) {
        if !self.in_array {
            self.buf.push(b'[');
            self.in_array = true;
        }
        if !self.in_hex {
            self.buf.push(b'<');
            self.in_hex = true;
        }
        let b = code.to_be_bytes();
        self.buf.extend_from_slice(&[
            HEX[usize::from(b[0] >> 4)],
            HEX[usize::from(b[0] & 15)],
            HEX[usize::from(b[1] >> 4)],
            HEX[usize::from(b[1] & 15)],
        ]);
    }

    fn close_hex(&mut self) {
        if self.in_hex {
            self.buf.push(b'>');
            self.in_hex = false;
        }
    }

    /// An adjustment in the open `TJ` array: the next glyph moves left by
    /// `thousandths` of an em.
    pub(crate) fn adjust(&mut self, thousandths: f32) {
        if thousandths != 0.0 && self.in_array {
            self.close_hex();
            self.num(thousandths);
        }
    }

    /// Ends the open `TJ` array, if any.
    pub(crate) fn close_array(&mut self) {
        if self.in_array {
            self.close_hex();
            self.in_array = false;
            self.op(b"] TJ");
        }
    }

    /// `/Span <</ActualText <FEFF…>>> BDC`: what the glyphs up to the
    /// matching [`TextOut::end_span`] stand for.
    pub(crate) fn begin_span(&mut self, text: &str) {
        self.close_array();
        self.buf.extend_from_slice(b"/Span <</ActualText <FEFF");
        for u in text.encode_utf16() {
            for b in u.to_be_bytes() {
                self.buf
                    .extend_from_slice(&[HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
            }
        }
        self.op(b">>> BDC");
    }

    /// `EMC`.
    pub(crate) fn end_span(&mut self) {
        self.close_array();
        self.op(b"EMC");
    }
}

/// The `digits` decimal digits of `frac` (below 10^digits), zero-padded.
fn format_frac(frac: i64, digits: usize) -> [u8; 3] {
    let mut out = [b'0'; 3];
    let mut f = frac;
    for i in (0..digits).rev() {
        out[i] = b'0' + (f % 10) as u8;
        f /= 10;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(v: f32) -> String {
        let mut out = TextOut::default();
        out.num(v);
        String::from_utf8(out.buf).unwrap_or_default()
    }

    #[test]
    fn numbers_are_short_and_exact_to_a_thousandth() {
        assert_eq!(num(0.0), "0");
        assert_eq!(num(12.0), "12");
        assert_eq!(num(-3.5), "-3.5");
        assert_eq!(num(0.05), "0.05");
        assert_eq!(num(841.89), "841.89");
        assert_eq!(num(1.0004), "1");
        assert_eq!(num(-0.0004), "0");
        assert_eq!(num(0.001), "0.001");
        assert_eq!(num(100.1), "100.1");
    }

    #[test]
    fn text_operators_parse_back() {
        let mut out = TextOut::default();
        out.font("F1", 9.5);
        out.fill(Rgb(0.2, 0.4, 1.0));
        out.move_to(56.7, 800.25);
        out.glyph(0x41);
        out.adjust(-12.0);
        out.glyph(0x1F3);
        out.glyph(0x20);
        out.begin_span("fi");
        out.glyph(7);
        out.end_span();
        out.rise(-1.5);
        out.glyph(8);
        out.close_array();
        let text = String::from_utf8(out.buf.clone()).unwrap_or_default();
        assert!(text.contains("[<0041>-12<01F30020>] TJ"), "{text}");
        let content = lopdf::content::Content::decode(&out.buf).expect("parses");
        let ops: Vec<&str> = content
            .operations
            .iter()
            .map(|o| o.operator.as_str())
            .collect();
        assert_eq!(
            ops,
            ["Tf", "rg", "Tm", "TJ", "BDC", "TJ", "EMC", "Ts", "TJ"]
        );
    }
}

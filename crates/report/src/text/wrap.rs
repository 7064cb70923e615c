//! Text measured with shaped widths: clipped with an ellipsis, wrapped
//! at spaces (inside a word only when it alone is too wide), or both.

use crate::text::fonts::FontSet;

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
    use crate::text::shaping::Direction;

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
}

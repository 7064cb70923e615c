//! Where `--fit cover` crops when not in the centre: the window (of the
//! crop's size, slid along the axis the crop leaves room on) with the most
//! entropy or the most attention, scored on a small sample of the decoded
//! pixels, as sharp's `entropy` and `attention` strategies do. A window
//! that scores no better than the centre leaves the centre.

use crate::pixels::{Channels, Pixels};
use crate::settings::Crop;

/// The sample's longest side: enough to find a subject, cheap to score.
const SAMPLE: u32 = 160;

/// One sampled pixel: 8-bit RGB and alpha.
#[derive(Clone, Copy)]
struct Rgba([u8; 4]);

impl Rgba {
    fn luma(self) -> u32 {
        let [r, g, b, _] = self.0.map(u32::from);
        (r * 299 + g * 587 + b * 114) / 1000
    }

    /// The colour's saturation: its spread across channels.
    fn saturation(self) -> u32 {
        let [r, g, b, _] = self.0;
        u32::from(r.max(g).max(b) - r.min(g).min(b))
    }

    /// A common rule for skin tones in daylight (Kovac et al.).
    fn skin(self) -> bool {
        let [r, g, b, _] = self.0;
        r > 95
            && g > 40
            && b > 20
            && r > g
            && r > b
            && r.max(g).max(b) - r.min(g).min(b) > 15
            && r.abs_diff(g) > 15
    }
}

/// Every `step`-th pixel of `px` in both axes, as `w` x `h` samples.
fn sample(px: &Pixels, step: u32) -> (Vec<Rgba>, usize, usize) {
    let (w, h) = ((px.width / step).max(1), (px.height / step).max(1));
    let n = px.channels.count();
    // The high byte of a 16-bit sample is its 8-bit value.
    let at = |i: usize| -> u8 {
        if px.depth16 {
            (u16::from_ne_bytes([px.data[i * 2], px.data[i * 2 + 1]]) >> 8) as u8
        } else {
            px.data[i]
        }
    };
    let mut out = Vec::with_capacity(w as usize * h as usize);
    for y in 0..h {
        for x in 0..w {
            let first = ((y * step) as usize * px.width as usize + (x * step) as usize) * n;
            let c = |k: usize| at(first + k);
            out.push(Rgba(match px.channels {
                Channels::L => [c(0), c(0), c(0), 255],
                Channels::La => [c(0), c(0), c(0), c(1)],
                Channels::Rgb => [c(0), c(1), c(2), 255],
                Channels::Rgba => [c(0), c(1), c(2), c(3)],
            }));
        }
    }
    (out, w as usize, h as usize)
}

/// The crop `crop` (left, top, width, height in `px`'s pixels) moved along
/// the axis it leaves room on to the window `strategy` prefers.
pub(crate) fn place(
    px: &Pixels,
    crop: (f64, f64, f64, f64),
    strategy: Crop,
) -> (f64, f64, f64, f64) {
    let (l, t, w, h) = crop;
    let (fw, fh) = (f64::from(px.width), f64::from(px.height));
    let horizontal = w < fw - 0.5;
    if strategy == Crop::Centre || (!horizontal && h >= fh - 0.5) || px.data.is_empty() {
        return crop;
    }
    let step = px.width.max(px.height).div_ceil(SAMPLE).max(1);
    let (cells, gw, gh) = sample(px, step);
    // Along the free axis: `len` sample lines, the window `window` of them.
    let (len, across, window) = if horizontal {
        (gw, gh, (w / f64::from(step)).round() as usize)
    } else {
        (gh, gw, (h / f64::from(step)).round() as usize)
    };
    let window = window.clamp(1, len);
    let cell = |along: usize, other: usize| {
        if horizontal {
            cells[other * gw + along]
        } else {
            cells[along * gw + other]
        }
    };
    let scores: Vec<f64> = match strategy {
        Crop::Entropy => entropy_scores(len, across, window, |a, o| cell(a, o).luma() as usize),
        _ => attention_scores(len, across, window, |a, o| {
            attention(&cell, a, o, len, across)
        }),
    };
    // The best window; among equals, the one nearest the centre.
    let centre = (len - window) as f64 / 2.0;
    let best = (0..scores.len())
        .max_by(|&a, &b| {
            scores[a].total_cmp(&scores[b]).then_with(|| {
                (b as f64 - centre)
                    .abs()
                    .total_cmp(&(a as f64 - centre).abs())
            })
        })
        .unwrap_or(0);
    let start = best as f64 * f64::from(step);
    if horizontal {
        (start.min(fw - w).max(0.0), t, w, h)
    } else {
        (l, start.min(fh - h).max(0.0), w, h)
    }
}

/// A sample's attention: the luminance edges around it, its saturation,
/// and a bonus for skin, weighted by its opacity.
fn attention(
    cell: &impl Fn(usize, usize) -> Rgba,
    a: usize,
    o: usize,
    len: usize,
    across: usize,
) -> f64 {
    let here = cell(a, o);
    let luma = here.luma();
    let next_a = cell((a + 1).min(len - 1), o).luma();
    let next_o = cell(a, (o + 1).min(across - 1)).luma();
    let edges = luma.abs_diff(next_a) + luma.abs_diff(next_o);
    let skin = if here.skin() { 128 } else { 0 };
    let score = f64::from(edges + here.saturation() / 2 + skin);
    score * f64::from(here.0[3]) / 255.0
}

/// The summed attention of each window of `window` lines among `len`.
fn attention_scores(
    len: usize,
    across: usize,
    window: usize,
    score: impl Fn(usize, usize) -> f64,
) -> Vec<f64> {
    let lines: Vec<f64> = (0..len)
        .map(|a| (0..across).map(|o| score(a, o)).sum())
        .collect();
    let mut sums = Vec::with_capacity(len - window + 1);
    let mut sum: f64 = lines[..window].iter().sum();
    sums.push(sum);
    for start in 1..=len - window {
        sum += lines[start + window - 1] - lines[start - 1];
        sums.push(sum);
    }
    sums
}

/// The Shannon entropy (bits) of the luminance histogram of each window of
/// `window` lines among `len`, the histogram slid a line at a time.
fn entropy_scores(
    len: usize,
    across: usize,
    window: usize,
    luma: impl Fn(usize, usize) -> usize,
) -> Vec<f64> {
    let mut histogram = [0u32; 256];
    let add = |a: usize, sign: i32, histogram: &mut [u32; 256]| {
        for o in 0..across {
            let bin = &mut histogram[luma(a, o).min(255)];
            *bin = bin.saturating_add_signed(sign);
        }
    };
    for a in 0..window {
        add(a, 1, &mut histogram);
    }
    let total = (window * across) as f64;
    let entropy = |h: &[u32; 256]| -> f64 {
        h.iter()
            .filter(|&&n| n > 0)
            .map(|&n| {
                let p = f64::from(n) / total;
                -p * p.log2()
            })
            .sum()
    };
    let mut scores = vec![entropy(&histogram)];
    for start in 1..=len - window {
        add(start - 1, -1, &mut histogram);
        add(start + window - 1, 1, &mut histogram);
        scores.push(entropy(&histogram));
    }
    scores
}

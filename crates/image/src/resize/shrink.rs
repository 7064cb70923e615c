//! Integer box shrink of rows as a decoder hands them over, so only the
//! shrunk image and one row of sums are ever in memory (what libvips's
//! `vips_shrink` does before its final filter).

use crate::pixels::{Channels, Pixels};

/// The largest shrink whose 8-bit column sums over a block's rows
/// (colour times alpha: `k` x 255 x 255) fit in a u32.
const MAX_K8: usize = 65_000;

/// Averages `k`x`k` blocks of a `width`x`height` image fed one row at a
/// time. The last block of a row or column averages the pixels that are
/// left, so the result is ceil(width/k) x ceil(height/k). With alpha, the
/// colour is averaged weighted by alpha (premultiplied, then divided back),
/// so transparent pixels do not bleed their colour.
#[derive(Debug)]
pub struct BoxShrink {
    k: usize,
    width: usize,
    height: usize,
    channels: Channels,
    depth16: bool,
    /// Sums for one output row: colour x alpha (or colour), then alpha.
    sums: Vec<u64>,
    /// For 8-bit samples, instead of `sums`: the sums per source column,
    /// gathered into blocks once per output row (a row then costs one add
    /// per sample, which vectorises, instead of a walk block by block).
    cols: Vec<u32>,
    /// Source rows added to `sums` so far.
    rows_in_sums: usize,
    rows_seen: usize,
    out: Vec<u8>,
}

impl BoxShrink {
    /// A shrink by `k` (at least 1) of rows of `width` pixels with
    /// `channels`, 8 or 16 bits (`depth16`).
    pub fn new(width: u32, height: u32, channels: Channels, depth16: bool, k: u32) -> BoxShrink {
        let k = (k.max(1)) as usize;
        let (width, height) = (width as usize, height as usize);
        let out_w = width.div_ceil(k);
        let bytes = channels.count() * if depth16 { 2 } else { 1 };
        BoxShrink {
            k,
            width,
            height,
            channels,
            depth16,
            sums: if depth16 || k > MAX_K8 {
                vec![0; out_w * channels.count()]
            } else {
                Vec::new()
            },
            cols: if depth16 || k > MAX_K8 {
                Vec::new()
            } else {
                vec![0; width * channels.count()]
            },
            rows_in_sums: 0,
            rows_seen: 0,
            out: Vec::with_capacity(out_w * height.div_ceil(k) * bytes),
        }
    }

    /// Adds the next source row: interleaved samples, 16-bit ones
    /// big-endian (as PNG stores them). Extra bytes past `width` pixels
    /// are ignored; rows past `height` too.
    pub fn push_row(&mut self, row: &[u8]) {
        if self.rows_seen == self.height {
            return;
        }
        if self.depth16 {
            self.add(row, 2, |s| u64::from(u16::from_be_bytes([s[0], s[1]])));
        } else if !self.cols.is_empty() {
            match self.channels {
                Channels::L => self.add8::<1>(row),
                Channels::La => self.add8::<2>(row),
                Channels::Rgb => self.add8::<3>(row),
                Channels::Rgba => self.add8::<4>(row),
            }
        } else {
            self.add(row, 1, |s| u64::from(s[0]));
        }
        self.rows_seen += 1;
        self.rows_in_sums += 1;
        if self.rows_in_sums == self.k || self.rows_seen == self.height {
            self.emit();
        }
    }

    /// [`BoxShrink::add`] for 8-bit samples, `N` channels a pixel, into
    /// the column sums (u32: [`MAX_K8`] rows of colour x alpha fit).
    fn add8<const N: usize>(&mut self, row: &[u8]) {
        let row = &row[..row.len().min(self.width * N)];
        if N == 4 && opaque4(row) {
            add_opaque4(&mut self.cols, row);
        } else if N == 2 || N == 4 {
            for (p, c) in row.chunks_exact(N).zip(self.cols.chunks_exact_mut(N)) {
                let a = u32::from(p[N - 1]);
                for i in 0..N - 1 {
                    c[i] += u32::from(p[i]) * a;
                }
                c[N - 1] += a;
            }
        } else {
            for (c, &v) in self.cols.iter_mut().zip(row) {
                *c += u32::from(v);
            }
        }
    }

    /// [`BoxShrink::emit`] from the 8-bit column sums: each block's sums
    /// gathered in registers, its averages written, the columns cleared.
    fn emit8<const N: usize>(&mut self) {
        let alpha = N == 2 || N == 4;
        let rows = self.rows_in_sums as u64;
        let (k, width) = (self.k, self.width);
        let out = &mut self.out;
        let reciprocal = |d: u64| 1.0 / (d as i64) as f64;
        // Every block but a row's last has k columns: one divisor for them.
        let full = (k as u64 * rows, reciprocal(k as u64 * rows));
        for (bx, block) in self.cols.chunks_mut(k * N).enumerate() {
            let mut acc = [0u64; N];
            for p in block.chunks_exact(N) {
                for (a, &v) in acc.iter_mut().zip(p) {
                    *a += u64::from(v);
                }
            }
            block.fill(0);
            let (n, inv_n) = if block.len() == k * N {
                full
            } else {
                let n = (k.min(width - bx * k) as u64) * rows;
                (n, reciprocal(n))
            };
            let colours = if alpha { N - 1 } else { N };
            let (d, inv) = if alpha {
                let a = acc[N - 1];
                (a, if a == 0 { 0.0 } else { reciprocal(a) })
            } else {
                (n, inv_n)
            };
            for &s in &acc[..colours] {
                let v = if d == 0 {
                    0
                } else {
                    div_floor(s + d / 2, d, inv)
                };
                out.push(v.min(255) as u8);
            }
            if alpha {
                out.push(div_floor(acc[N - 1] + n / 2, n, inv_n).min(255) as u8);
            }
        }
        self.rows_in_sums = 0;
    }

    fn add(&mut self, row: &[u8], sample_bytes: usize, sample: impl Fn(&[u8]) -> u64) {
        let c = self.channels.count();
        let px = c * sample_bytes;
        let row = &row[..row.len().min(self.width * px)];
        let alpha = self.channels.has_alpha();
        for (block, sums) in row.chunks(self.k * px).zip(self.sums.chunks_exact_mut(c)) {
            for p in block.chunks_exact(px) {
                if alpha {
                    let a = sample(&p[(c - 1) * sample_bytes..]);
                    for (i, s) in sums[..c - 1].iter_mut().enumerate() {
                        *s += sample(&p[i * sample_bytes..]) * a;
                    }
                    sums[c - 1] += a;
                } else {
                    for (i, s) in sums.iter_mut().enumerate() {
                        *s += sample(&p[i * sample_bytes..]);
                    }
                }
            }
        }
    }

    /// Turns the sums into one output row and clears them.
    fn emit(&mut self) {
        if !self.cols.is_empty() {
            return match self.channels {
                Channels::L => self.emit8::<1>(),
                Channels::La => self.emit8::<2>(),
                Channels::Rgb => self.emit8::<3>(),
                Channels::Rgba => self.emit8::<4>(),
            };
        }
        let c = self.channels.count();
        let alpha = self.channels.has_alpha();
        let rows = self.rows_in_sums as u64;
        let (k, width, depth16) = (self.k, self.width, self.depth16);
        let out = &mut self.out;
        let mut put = |v: u64| {
            if depth16 {
                out.extend_from_slice(&(v.min(65_535) as u16).to_ne_bytes());
            } else {
                out.push(v.min(255) as u8);
            }
        };
        for (bx, sums) in self.sums.chunks_exact_mut(c).enumerate() {
            let n = (k.min(width - bx * k) as u64) * rows;
            if alpha {
                let a = sums[c - 1];
                for &s in &sums[..c - 1] {
                    put((s + a / 2).checked_div(a).unwrap_or(0));
                }
                put((a + n / 2) / n);
            } else {
                for &s in sums.iter() {
                    put((s + n / 2) / n);
                }
            }
            sums.fill(0);
        }
        self.rows_in_sums = 0;
    }

    /// Number of source rows added so far.
    pub fn rows_seen(&self) -> usize {
        self.rows_seen
    }

    /// The shrunk image (complete once `height` rows were added).
    pub fn finish(self) -> Pixels {
        Pixels {
            width: self.width.div_ceil(self.k) as u32,
            height: self.height.div_ceil(self.k) as u32,
            channels: self.channels,
            depth16: self.depth16,
            data: self.out,
        }
    }
}

/// Whether every pixel of the RGBA `row` is opaque (alpha 255).
fn opaque4(row: &[u8]) -> bool {
    // Whole chunks folded without an early exit, which vectorises.
    let mut chunks = row.chunks_exact(64);
    let alphas = |p: &[u8]| p.iter().skip(3).step_by(4).fold(255u8, |m, &a| m & a);
    chunks.all(|c| {
        let mut m = 255u8;
        for i in (3..64).step_by(4) {
            m &= c[i];
        }
        m == 255
    }) && alphas(chunks.remainder()) == 255
}

/// [`BoxShrink::add8`] of an opaque RGBA `row`: colour x 255 and alpha
/// 255 into each column's sums, the same values the general path adds,
/// with a fixed weight per lane (which vectorises; the general path's
/// weight, the pixel's own alpha, does not).
fn add_opaque4(cols: &mut [u32], row: &[u8]) {
    let cols = &mut cols[..row.len()];
    const W: [u32; 16] = [
        255, 255, 255, 1, 255, 255, 255, 1, 255, 255, 255, 1, 255, 255, 255, 1,
    ];
    let mut rows = row.chunks_exact(16);
    let mut sums = cols.chunks_exact_mut(16);
    for (p, c) in (&mut rows).zip(&mut sums) {
        for i in 0..16 {
            c[i] += u32::from(p[i]) * W[i];
        }
    }
    for ((c, &v), w) in sums
        .into_remainder()
        .iter_mut()
        .zip(rows.remainder())
        .zip(W)
    {
        *c += u32::from(v) * w;
    }
}

/// `num / d` rounded down (`d` > 0, `inv` its reciprocal), exactly: a
/// float multiply corrected by one step, where a 64-bit division per
/// sample was most of the box shrink's time. `num` stays far below 2^52,
/// so the float quotient is off by less than one.
fn div_floor(num: u64, d: u64, inv: f64) -> u64 {
    // Through i64, whose conversions to and from f64 are one instruction
    // each on x86-64 (u64's take a dozen, and were a tenth of a PNG's
    // decode): `num` < 2^52, and the product is below 2^52 too.
    let q = ((num as i64) as f64 * inv) as i64 as u64;
    if q * d > num {
        q - 1
    } else if (q + 1) * d <= num {
        q + 1
    } else {
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn div_floor_is_integer_division() {
        // Pixel counts of blocks up to 64x64 and alpha sums far larger as
        // divisors, numerators just around multiples of them, where a
        // float quotient would land on either side.
        for d in (1..=4096u64).chain([65_025, 65_025 * 4096, 1 << 40]) {
            let inv = 1.0 / d as f64;
            for q in [0u64, 1, 2, 255, 65_025, 1 << 20] {
                for num in (q * d).saturating_sub(2)..=q * d + 2 {
                    assert_eq!(div_floor(num, d, inv), num / d, "{num} / {d}");
                }
            }
        }
    }

    #[test]
    fn averages_blocks_and_the_partial_ones_at_the_edges() {
        // 3x3 gray, k = 2: blocks of 4, 2, 2 and 1 pixels.
        let mut s = BoxShrink::new(3, 3, Channels::L, false, 2);
        for row in [[10u8, 20, 100], [30, 40, 200], [7, 9, 50]] {
            s.push_row(&row);
        }
        assert_eq!(s.rows_seen(), 3);
        let px = s.finish();
        assert_eq!((px.width, px.height), (2, 2));
        assert_eq!(px.data, vec![25, 150, 8, 50]);
    }

    #[test]
    fn every_channel_layout_matches_a_direct_average() {
        // 7x5 of varied samples, k = 3: full, partial and corner blocks;
        // the averages worked out block by block here.
        let (w, h, k) = (7usize, 5usize, 3usize);
        for channels in [Channels::L, Channels::La, Channels::Rgb, Channels::Rgba] {
            let n = channels.count();
            let sample = |x: usize, y: usize, c: usize| ((x * 37 + y * 91 + c * 53) % 256) as u8;
            let mut s = BoxShrink::new(w as u32, h as u32, channels, false, k as u32);
            for y in 0..h {
                let row: Vec<u8> = (0..w * n).map(|i| sample(i / n, y, i % n)).collect();
                s.push_row(&row);
            }
            let px = s.finish();
            let mut want = Vec::new();
            for by in 0..h.div_ceil(k) {
                for bx in 0..w.div_ceil(k) {
                    let cells: Vec<(usize, usize)> = (by * k..(by * k + k).min(h))
                        .flat_map(|y| (bx * k..(bx * k + k).min(w)).map(move |x| (x, y)))
                        .collect();
                    let count = cells.len() as u64;
                    let alpha = |&(x, y): &(usize, usize)| u64::from(sample(x, y, n - 1));
                    let a: u64 = cells.iter().map(alpha).sum();
                    for c in 0..n {
                        let sum: u64 = cells.iter().map(|&(x, y)| u64::from(sample(x, y, c))).sum();
                        want.push(if !channels.has_alpha() {
                            ((sum + count / 2) / count) as u8
                        } else if c == n - 1 {
                            ((a + count / 2) / count) as u8
                        } else {
                            let weighted: u64 = cells
                                .iter()
                                .map(|&(x, y)| u64::from(sample(x, y, c)) * alpha(&(x, y)))
                                .sum();
                            ((weighted + a / 2) / a) as u8
                        });
                    }
                }
            }
            assert_eq!(px.data, want, "{channels:?}");
        }
    }

    #[test]
    fn opaque_rgba_rows_average_as_their_colours_do() {
        // 37 pixels a row: two 64-byte chunks and a remainder. Opaque
        // rows take the fast path and must match the RGB shrink of the
        // same colours; one translucent pixel, in a chunk or in the
        // remainder, sends its row down the general path.
        let (w, h, k) = (37usize, 6usize, 3u32);
        let colour = |x: usize, y: usize, c: usize| ((x * 29 + y * 83 + c * 41) % 256) as u8;
        let mut rgb = BoxShrink::new(w as u32, h as u32, Channels::Rgb, false, k);
        let mut rgba = BoxShrink::new(w as u32, h as u32, Channels::Rgba, false, k);
        for y in 0..h {
            let row3: Vec<u8> = (0..w * 3).map(|i| colour(i / 3, y, i % 3)).collect();
            let row4: Vec<u8> = (0..w * 4)
                .map(|i| {
                    if i % 4 == 3 {
                        255
                    } else {
                        colour(i / 4, y, i % 4)
                    }
                })
                .collect();
            rgb.push_row(&row3);
            rgba.push_row(&row4);
        }
        let (rgb, rgba) = (rgb.finish(), rgba.finish());
        let colours: Vec<u8> = rgba
            .data
            .chunks_exact(4)
            .flat_map(|p| {
                assert_eq!(p[3], 255);
                p[..3].to_vec()
            })
            .collect();
        assert_eq!(colours, rgb.data);

        let mut row = vec![255u8; w * 4];
        assert!(opaque4(&row));
        for translucent in [5, 36] {
            row[translucent * 4 + 3] = 254;
            assert!(!opaque4(&row), "pixel {translucent}");
            row[translucent * 4 + 3] = 255;
        }
        // A transparent pixel in a chunk: its colour must not count.
        let mut s = BoxShrink::new(20, 1, Channels::Rgba, false, 20);
        let mut row = [[200u8, 100, 50, 255]; 20];
        row[3] = [0, 255, 255, 0];
        s.push_row(&row.concat());
        assert_eq!(s.finish().data, vec![200, 100, 50, 242]);
    }

    #[test]
    fn colour_is_weighted_by_alpha() {
        // Opaque red next to transparent green: the colour stays red.
        let mut s = BoxShrink::new(2, 1, Channels::Rgba, false, 2);
        s.push_row(&[255, 0, 0, 255, 0, 255, 0, 0]);
        assert_eq!(s.finish().data, vec![255, 0, 0, 128]);
    }

    #[test]
    fn sixteen_bit_big_endian_becomes_native() {
        let mut s = BoxShrink::new(2, 2, Channels::La, true, 2);
        let be = |v: u16, a: u16| [v.to_be_bytes(), a.to_be_bytes()].concat();
        s.push_row(&[be(1000, 65_535), be(3000, 65_535)].concat());
        s.push_row(&[be(1000, 65_535), be(3000, 65_535)].concat());
        let px = s.finish();
        let words: Vec<u16> = px
            .data
            .chunks_exact(2)
            .map(|b| u16::from_ne_bytes([b[0], b[1]]))
            .collect();
        assert_eq!(words, vec![2000, 65_535]);
    }
}

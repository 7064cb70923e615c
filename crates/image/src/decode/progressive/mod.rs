//! A progressive JPEG decoder for the resizer's common case, faster than
//! libjpeg-turbo's: a YCbCr (or grey) progressive file decoded at 1/4 or
//! 1/2 of its size into its planes as stored, byte for byte what
//! libjpeg-turbo's `tj3DecompressToYUVPlanes8` gives at that scale.
//!
//! Why: at the resizer's usual scales, most of the time spent on a
//! progressive JPEG is the entropy decoding of its AC refinement scans
//! (`decode_mcu_AC_refine`, 37-39% of the CPU time over the benchmark's
//! photos). [`scans`] decodes those with a mask of non-zero coefficients
//! per block instead of one coefficient at a time.
//!
//! Anything else is refused with [`NotDecoded`], before or during the
//! decode, and the caller goes to libjpeg-turbo: baseline and arithmetic
//! files, 12-bit samples, restart intervals, a DNL, a quantisation table
//! redefined between scans, any progression libjpeg-turbo would only warn
//! about, truncated or damaged data, files whose coefficients it would
//! smooth (some left unrefined), and blocks out of the range of its SSE2
//! IDCT (see [`idct`]). So nothing decodes differently, and a damaged file
//! still fails or decodes with libjpeg-turbo's words.
//!
//! ```ignore
//! // The Y, Cb and Cr planes of a 4:2:0 file of 400x300 at a quarter of
//! // its size (chroma factors 2 and 2), after at most 500 scans.
//! let sizes = [(100, 75), (50, 38), (50, 38)];
//! let planes = progressive::decode_planes(&bytes, 2, &sizes, (2, 2), 500)?;
//! ```

mod bits;
mod frame;
mod huffman;
mod idct;
mod scans;

use bits::Bits;
use frame::{Frame, segment};
use huffman::Table;
use scans::{Coefficients, Tables};

/// Why a file was left to libjpeg-turbo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotDecoded(pub &'static str);

/// Decodes the progressive JPEG `bytes` at `eighths`/8 of its size (2 or
/// 4) into one plane per component, of the sizes `sizes` gives in frame
/// order (each within the blocks the component has), after at most
/// `scan_limit` scans. `factors` are the luma samples a chroma sample
/// covers across and down, as the caller takes the planes.
///
/// # Errors
///
/// [`NotDecoded`] saying why, for any file this decoder leaves to
/// libjpeg-turbo (see the module's docs).
pub fn decode_planes(
    bytes: &[u8],
    eighths: u32,
    sizes: &[(usize, usize)],
    factors: (usize, usize),
    scan_limit: u32,
) -> Result<Vec<Vec<u8>>, NotDecoded> {
    if !matches!(eighths, 2 | 4) {
        return Err(NotDecoded("a scale with no IDCT here"));
    }
    if bytes.get(..2) != Some(&[0xFF, 0xD8]) {
        return Err(NotDecoded("no SOI"));
    }
    match eighths {
        2 => decode_with::<32>(bytes, sizes, factors, scan_limit),
        _ => decode_with::<64>(bytes, sizes, factors, scan_limit),
    }
}

/// [`decode_planes`] with blocks of `S` slots (see [`idct::slots_of`]):
/// 32 for the 2x2 IDCT (1/4 of the size), 64 for the 4x4 (1/2).
fn decode_with<const S: usize>(
    bytes: &[u8],
    sizes: &[(usize, usize)],
    factors: (usize, usize),
    scan_limit: u32,
) -> Result<Vec<Vec<u8>>, NotDecoded> {
    let mut at = 2;
    let mut frame: Option<Frame> = None;
    let mut components: Vec<Coefficients<S>> = Vec::new();
    let mut quant: [Option<[u16; 64]>; 4] = [None; 4];
    let mut tables: Tables = Default::default();
    let mut scans = 0u32;
    loop {
        if bytes.get(at) != Some(&0xFF) {
            return Err(NotDecoded("bytes between segments"));
        }
        while bytes.get(at) == Some(&0xFF) {
            at += 1;
        }
        let marker = *bytes.get(at).ok_or(NotDecoded("no EOI"))?;
        at += 1;
        match marker {
            0xD9 => break,
            0xC2 => {
                if frame.is_some() {
                    return Err(NotDecoded("two frames"));
                }
                let f = frame::frame(segment(bytes, at)?)?;
                check_layout(&f, sizes, factors)?;
                components = (0..f.components.len())
                    .map(|i| Coefficients::new(&f, i))
                    .collect();
                frame = Some(f);
            }
            0xC4 => {
                for t in frame::huffman(segment(bytes, at)?)? {
                    tables[t.class][t.slot] = Some(Table::new(&t.counts, t.symbols)?);
                }
            }
            0xDB => {
                if scans > 0 {
                    return Err(NotDecoded("a quantisation table after the first scan"));
                }
                frame::quantisation(segment(bytes, at)?, &mut quant)?;
            }
            0xDD => {
                if frame::u16_at(segment(bytes, at)?, 0)? != 0 {
                    return Err(NotDecoded("restart intervals"));
                }
            }
            0xDA => {
                let f = frame
                    .as_ref()
                    .ok_or(NotDecoded("a scan before the frame"))?;
                let payload = segment(bytes, at)?;
                let header = frame::scan(payload, f)?;
                scans += 1;
                if scans > scan_limit {
                    return Err(NotDecoded("over the scan limit"));
                }
                let mut bits = Bits::new(bytes, at + 2 + payload.len());
                scans::decode(&header, &mut components, &tables, f.mcus(), &mut bits)?;
                if bits.overran() {
                    return Err(NotDecoded("a scan's data ends early"));
                }
                at = bits.end().ok_or(NotDecoded("bytes after a scan's data"))?;
                continue;
            }
            0xE0..=0xEF | 0xFE => {}
            _ => return Err(NotDecoded("a marker this decoder leaves to libjpeg-turbo")),
        }
        at += 2 + segment(bytes, at)?.len();
    }
    let f = frame.ok_or(NotDecoded("no frame"))?;
    // libjpeg-turbo smooths the blocks of a component whose DC or first
    // nine AC coefficients are not fully refined.
    if components
        .iter()
        .any(|c| c.known[..10].iter().any(|&bits| bits != 0))
    {
        return Err(NotDecoded("coefficients left unrefined"));
    }
    let mut planes = Vec::with_capacity(components.len());
    for (i, c) in components.iter().enumerate() {
        let q = quant[f.components[i].table]
            .as_ref()
            .ok_or(NotDecoded("a component without its quantisation table"))?;
        let (w, h) = sizes[i];
        let q = idct::Quant::new(q);
        planes.push(if S == 32 {
            paint(c, &q, w, h, idct::idct_2x2)?
        } else {
            paint(c, &q, w, h, idct::idct_4x4)?
        });
    }
    Ok(planes)
}

/// Checks that the frame has a plane for each of `sizes`, laid out as
/// the caller takes them: the first component at full resolution, the
/// others at `factors` below it, each size within the component's blocks
/// (see [`paint`]).
fn check_layout(
    f: &Frame,
    sizes: &[(usize, usize)],
    factors: (usize, usize),
) -> Result<(), NotDecoded> {
    if f.components.len() != sizes.len() {
        return Err(NotDecoded("another number of components"));
    }
    let (h_max, v_max) = f.max_sampling();
    for (i, (c, &(w, h))) in f.components.iter().zip(sizes).enumerate() {
        let (fx, fy) = if i == 0 { (1, 1) } else { factors };
        if c.h * fx != h_max || c.v * fy != v_max {
            return Err(NotDecoded("another subsampling"));
        }
        if w == 0 || h == 0 {
            return Err(NotDecoded("an empty plane"));
        }
    }
    Ok(())
}

/// The `w`x`h` plane of `c`, each block's `D`x`D` samples from `idct`.
///
/// # Errors
///
/// When the plane is larger than the component's blocks at this scale,
/// or a block is out of the range where this IDCT and libjpeg-turbo's
/// SSE2 code agree (see [`idct`]).
fn paint<const S: usize, const D: usize>(
    c: &Coefficients<S>,
    quant: &idct::Quant<S>,
    w: usize,
    h: usize,
    idct: impl Fn(&idct::Block<'_, S>) -> Option<[[u8; D]; D]>,
) -> Result<Vec<u8>, NotDecoded> {
    if w.div_ceil(D) > c.blocks_w || h.div_ceil(D) > c.blocks_h {
        return Err(NotDecoded("a plane larger than its blocks"));
    }
    let mut plane = vec![0u8; w * h];
    for by in 0..h.div_ceil(D) {
        let row = by * c.stride;
        for bx in 0..w.div_ceil(D) {
            let samples = idct(&idct::Block {
                dc: c.dc[row + bx],
                ac: &c.blocks[row + bx],
                nonzero: c.nonzero[row + bx],
                quant,
            })
            .ok_or(NotDecoded("coefficients out of libjpeg-turbo's SIMD range"))?;
            for (r, row) in samples.iter().enumerate() {
                let y = by * D + r;
                if y >= h {
                    break;
                }
                let x = bx * D;
                let n = D.min(w - x);
                plane[y * w + x..y * w + x + n].copy_from_slice(&row[..n]);
            }
        }
    }
    Ok(plane)
}

#[cfg(test)]
mod tests;

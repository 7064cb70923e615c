//! A progressive JPEG cut down to the scans an eighth-size decode reads.
//!
//! At 1/8 of the size, libjpeg-turbo's IDCT makes each 8x8 block one pixel
//! from its DC coefficient alone, yet it still decodes every AC scan of a
//! progressive file, and those are most of its bytes and of the decoding
//! time (the refinement scans above all). [`for_eighth_scale`] keeps the DC
//! scans whole and, per component, its first AC scan that starts at the
//! first coefficient, and drops the rest. The first AC scan stays because
//! libjpeg-turbo, finding no AC data at all for a component, would
//! interpolate its DC values from their neighbours (block smoothing of a
//! partly loaded image); with some AC data it leaves the DC values exact.
//! The pixels are then the same as from the whole file.

/// The bytes of the progressive Huffman JPEG `jpeg` with only the scans an
/// eighth-size decode needs, or `None` when the file is anything else
/// (baseline, arithmetic-coded, lossless, truncated, unusual) or nothing
/// could be dropped: the caller then decodes the file as it is.
pub(crate) fn for_eighth_scale(jpeg: &[u8]) -> Option<Vec<u8>> {
    if jpeg.get(..2)? != [0xFF, 0xD8] {
        return None;
    }
    let mut out = Vec::with_capacity(jpeg.len() / 2);
    out.extend_from_slice(&jpeg[..2]);
    let mut components: Vec<u8> = Vec::new();
    let mut with_ac: Vec<u8> = Vec::new();
    let mut progressive = false;
    let mut dropped = false;
    let mut at = 2;
    loop {
        if *jpeg.get(at)? != 0xFF {
            return None;
        }
        // Fill bytes (0xFF) may pad a marker.
        let mut m = at + 1;
        while *jpeg.get(m)? == 0xFF {
            m += 1;
        }
        let marker = jpeg[m];
        match marker {
            0xD9 => {
                out.extend_from_slice(&[0xFF, 0xD9]);
                break;
            }
            // Progressive Huffman: the frame's component ids.
            0xC2 => progressive = true,
            // Any other frame type, a DNL, or a stray marker outside a scan.
            0xC0
            | 0xC1
            | 0xC3
            | 0xC5..=0xC7
            | 0xC9..=0xCB
            | 0xCD..=0xCF
            | 0xDC
            | 0x01
            | 0xD0..=0xD8 => return None,
            _ => {}
        }
        let len = usize::from(u16::from_be_bytes([*jpeg.get(m + 1)?, *jpeg.get(m + 2)?]));
        let end = (m + 1).checked_add(len)?;
        let segment = jpeg.get(m + 1..end).filter(|_| len >= 2)?;
        if marker == 0xC2 {
            let n = usize::from(*segment.get(7)?);
            components = (0..n)
                .map(|i| segment.get(8 + 3 * i).copied())
                .collect::<Option<_>>()?;
        }
        if marker != 0xDA {
            out.extend_from_slice(&jpeg[at..end]);
            at = end;
            continue;
        }
        if !progressive {
            return None;
        }
        // A scan: its header, then entropy-coded data up to the next
        // marker that is neither a stuffed 0x00 nor a restart.
        let n = usize::from(*segment.get(2)?);
        let ids: Vec<u8> = (0..n)
            .map(|i| segment.get(3 + 2 * i).copied())
            .collect::<Option<_>>()?;
        let ss = *segment.get(3 + 2 * n)?;
        let ah = *segment.get(5 + 2 * n)? >> 4;
        let mut data_end = end;
        loop {
            data_end += jpeg.get(data_end..)?.iter().position(|&b| b == 0xFF)?;
            match *jpeg.get(data_end + 1)? {
                0x00 | 0xD0..=0xD7 => data_end += 2,
                0xFF => data_end += 1,
                _ => break,
            }
        }
        let keep = match ids.as_slice() {
            _ if ss == 0 => true,
            &[id] if ss == 1 && ah == 0 && !with_ac.contains(&id) => {
                with_ac.push(id);
                true
            }
            _ => false,
        };
        if keep {
            out.extend_from_slice(&jpeg[at..data_end]);
        } else {
            dropped = true;
        }
        at = data_end;
    }
    // Every component keeps some AC data (see the module's docs).
    let all = components.iter().all(|id| with_ac.contains(id));
    (progressive && dropped && all).then_some(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::decode::test_jpeg;
    use turbojpeg::{Decompressor, ScalingFactor, Subsamp, YuvImage};

    /// A 333x251 picture with edges, gradients and noise (so every AC
    /// scan has data), as a JPEG with `subsamp`.
    fn jpeg(progressive: bool, arithmetic: bool, subsamp: Subsamp) -> Vec<u8> {
        test_jpeg::jpeg(333, 251, subsamp, progressive, arithmetic)
    }

    /// The Y, Cb and Cr planes of `jpeg` decoded at 1/8 of its size.
    fn eighth(jpeg: &[u8]) -> Vec<u8> {
        let mut d = Decompressor::new().unwrap();
        let header = d.read_header(jpeg).unwrap();
        let factor = ScalingFactor::new(1, 8);
        d.set_scaling_factor(factor).unwrap();
        let scaled = header.scaled(factor);
        let len = turbojpeg::yuv_pixels_len(scaled.width, 1, scaled.height, header.subsamp);
        let mut image = YuvImage {
            pixels: vec![0u8; len.unwrap()],
            width: scaled.width,
            align: 1,
            height: scaled.height,
            subsamp: header.subsamp,
        };
        d.decompress_to_yuv(jpeg, image.as_deref_mut()).unwrap();
        image.pixels
    }

    #[test]
    fn the_cut_file_decodes_at_an_eighth_to_the_same_planes_from_far_fewer_bytes() {
        for subsamp in [Subsamp::Sub2x2, Subsamp::None, Subsamp::Gray] {
            let whole = jpeg(true, false, subsamp);
            let cut = for_eighth_scale(&whole).unwrap();
            assert!(
                cut.len() * 2 < whole.len(),
                "{subsamp:?}: {} of {} bytes kept",
                cut.len(),
                whole.len()
            );
            assert_eq!(eighth(&cut), eighth(&whole), "{subsamp:?}");
        }
    }

    #[test]
    fn other_files_are_left_whole() {
        assert_eq!(for_eighth_scale(&jpeg(false, false, Subsamp::Sub2x2)), None);
        assert_eq!(for_eighth_scale(&jpeg(true, true, Subsamp::Sub2x2)), None);
        let whole = jpeg(true, false, Subsamp::Sub2x2);
        assert_eq!(for_eighth_scale(&whole[..whole.len() / 2]), None);
        assert_eq!(for_eighth_scale(b"not a jpeg"), None);
    }
}

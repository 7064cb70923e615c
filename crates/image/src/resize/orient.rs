//! EXIF orientation: reading the tag and turning pixels upright.

use crate::pixels::Pixels;
use crate::tiff::Tiff;

/// Reads the orientation tag (0x0112) from EXIF data that starts at the
/// TIFF header (`II*\0` or `MM\0*`). Returns 1 (upright) when the data has
/// no valid tag.
pub fn exif_orientation(tiff: &[u8]) -> u8 {
    read_orientation(tiff)
        .filter(|o| (1..=8).contains(o))
        .unwrap_or(1)
}

fn read_orientation(tiff: &[u8]) -> Option<u8> {
    let tiff = tiff.strip_prefix(b"Exif\0\0").unwrap_or(tiff);
    let (at, big) = orientation_value_at(tiff)?;
    let b = tiff.get(at..at + 2)?;
    let value = if big {
        u16::from_be_bytes([b[0], b[1]])
    } else {
        u16::from_le_bytes([b[0], b[1]])
    };
    u8::try_from(value).ok()
}

/// Sets the orientation tag of EXIF data (starting at the TIFF header, or
/// at `Exif\0\0`) to 1, upright, for outputs whose pixels were turned. Data
/// without the tag is left as it is.
pub fn reset_orientation(tiff: &mut [u8]) {
    let skip = if tiff.starts_with(b"Exif\0\0") { 6 } else { 0 };
    let Some((at, big)) = orientation_value_at(&tiff[skip..]) else {
        return;
    };
    let one = if big {
        1u16.to_be_bytes()
    } else {
        1u16.to_le_bytes()
    };
    if let Some(value) = tiff.get_mut(skip + at..skip + at + 2) {
        value.copy_from_slice(&one);
    }
}

/// Where the orientation tag's SHORT value sits in `tiff` (which starts at
/// the TIFF header), and whether the data is big-endian.
fn orientation_value_at(tiff: &[u8]) -> Option<(usize, bool)> {
    let data = Tiff::new(tiff)?;
    let entry = data.find(data.ifd0()?, 0x0112)?;
    // Type SHORT (3): the value sits in the first two bytes.
    (entry.kind == 3).then_some(())?;
    data.u16_at(entry.value_at())?;
    Some((entry.value_at(), data.big_endian()))
}

/// Whether orientation `o` swaps width and height (5 to 8).
pub fn swaps_axes(o: u8) -> bool {
    (5..=8).contains(&o)
}

/// Turns stored pixels upright for EXIF orientation `o` (1 to 8; other
/// values leave the image as it is).
pub fn apply(px: Pixels, o: u8) -> Pixels {
    if !(2..=8).contains(&o) {
        return px;
    }
    let (w, h) = (px.width as usize, px.height as usize);
    let (ow, oh) = if swaps_axes(o) { (h, w) } else { (w, h) };
    let bpp = px.pixel_bytes();
    let mut out = vec![0u8; px.data.len()];
    for y in 0..oh {
        for x in 0..ow {
            // The stored pixel shown at (x, y).
            let (sx, sy) = match o {
                2 => (w - 1 - x, y),
                3 => (w - 1 - x, h - 1 - y),
                4 => (x, h - 1 - y),
                5 => (y, x),
                6 => (y, h - 1 - x),
                7 => (w - 1 - y, h - 1 - x),
                _ => (w - 1 - y, x),
            };
            let src = (sy * w + sx) * bpp;
            let dst = (y * ow + x) * bpp;
            out[dst..dst + bpp].copy_from_slice(&px.data[src..src + bpp]);
        }
    }
    Pixels {
        width: ow as u32,
        height: oh as u32,
        data: out,
        ..px
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pixels::Channels;

    fn exif(big: bool, value: u16) -> Vec<u8> {
        let mut v = Vec::new();
        if big {
            v.extend_from_slice(b"MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01");
            v.extend_from_slice(&value.to_be_bytes());
        } else {
            v.extend_from_slice(b"II\x2a\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0");
            v.extend_from_slice(&value.to_le_bytes());
        }
        v.extend_from_slice(&[0; 6]);
        v
    }

    #[test]
    fn reads_both_byte_orders() {
        for o in 1..=8 {
            assert_eq!(exif_orientation(&exif(true, o)), o as u8);
            assert_eq!(exif_orientation(&exif(false, o)), o as u8);
        }
        assert_eq!(exif_orientation(&exif(true, 9)), 1);
        assert_eq!(exif_orientation(b"MM\0*"), 1);
        assert_eq!(exif_orientation(b""), 1);
    }

    #[test]
    fn reset_sets_upright_and_keeps_the_rest() {
        for big in [true, false] {
            let mut data = b"Exif\0\0".to_vec();
            data.extend(exif(big, 6));
            let before = data.clone();
            reset_orientation(&mut data);
            assert_eq!(exif_orientation(&data), 1);
            let changed = before.iter().zip(&data).filter(|(a, b)| a != b).count();
            assert_eq!(changed, 1, "only the value's low byte changes");
        }
        let mut junk = b"not exif".to_vec();
        reset_orientation(&mut junk);
        assert_eq!(junk, b"not exif");
    }

    #[test]
    fn rotate_90_moves_the_left_column_to_the_top_row() {
        // 2x3 stored image, values = index.
        let px = Pixels {
            width: 2,
            height: 3,
            channels: Channels::L,
            depth16: false,
            data: vec![0, 1, 2, 3, 4, 5],
        };
        let r = apply(px.clone(), 6);
        assert_eq!((r.width, r.height), (3, 2));
        assert_eq!(r.data, vec![4, 2, 0, 5, 3, 1]);
        let back = apply(r, 8);
        assert_eq!(back, px);
    }
}

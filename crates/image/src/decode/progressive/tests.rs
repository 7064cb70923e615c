#![allow(clippy::unwrap_used)]

use super::*;
use crate::decode::test_jpeg::jpeg;
use turbojpeg::{Decompressor, ScalingFactor, Subsamp, YuvImage};

/// Planes, their sizes and the chroma factors.
type Planes = (Vec<Vec<u8>>, Vec<(usize, usize)>, (usize, usize));

/// The planes libjpeg-turbo decodes `bytes` to at `eighths`/8, each cut
/// to the size the resizer takes, with those sizes and the chroma factors.
fn turbo(bytes: &[u8], eighths: u32) -> Planes {
    let mut d = Decompressor::new().unwrap();
    let header = d.read_header(bytes).unwrap();
    let factor = ScalingFactor::new(eighths as usize, 8);
    d.set_scaling_factor(factor).unwrap();
    let scaled = header.scaled(factor);
    let len = turbojpeg::yuv_pixels_len(scaled.width, 1, scaled.height, header.subsamp).unwrap();
    let mut image = YuvImage {
        pixels: vec![0u8; len],
        width: scaled.width,
        align: 1,
        height: scaled.height,
        subsamp: header.subsamp,
    };
    d.decompress_to_yuv(bytes, image.as_deref_mut()).unwrap();
    let (fx, fy) = if header.subsamp == Subsamp::Gray {
        (1, 1)
    } else {
        header.subsamp.size()
    };
    let (w, h) = (
        (header.width * eighths as usize / 8).max(1),
        (header.height * eighths as usize / 8).max(1),
    );
    let (yw, yh) = image.y_size();
    let mut sizes = vec![(w, h)];
    let mut planes = vec![crop(&image.pixels[..yw * yh], yw, w, h)];
    if header.subsamp != Subsamp::Gray {
        let (cw, ch) = image.uv_size();
        let rest = &image.pixels[yw * yh..];
        for plane in [&rest[..cw * ch], &rest[cw * ch..2 * cw * ch]] {
            planes.push(crop(plane, cw, w.div_ceil(fx), h.div_ceil(fy)));
            sizes.push((w.div_ceil(fx), h.div_ceil(fy)));
        }
    }
    (planes, sizes, (fx, fy))
}

fn crop(plane: &[u8], stride: usize, w: usize, h: usize) -> Vec<u8> {
    (0..h)
        .flat_map(|y| &plane[y * stride..y * stride + w])
        .copied()
        .collect()
}

#[test]
fn planes_match_libjpeg_turbos_to_the_byte() {
    let subsamplings = [
        Subsamp::Sub2x2,
        Subsamp::None,
        Subsamp::Sub2x1,
        Subsamp::Sub1x2,
        Subsamp::Gray,
    ];
    for subsamp in subsamplings {
        for (w, h) in [(333, 251), (64, 48), (17, 9), (1, 1), (250, 7)] {
            let bytes = jpeg(w, h, subsamp, true, false);
            for eighths in [2, 4] {
                let (expected, sizes, factors) = turbo(&bytes, eighths);
                let ours = decode_planes(&bytes, eighths, &sizes, factors, 500)
                    .unwrap_or_else(|e| panic!("{subsamp:?} {w}x{h} at {eighths}/8: {e:?}"));
                assert_eq!(ours.len(), expected.len());
                for (i, (a, b)) in ours.iter().zip(&expected).enumerate() {
                    let differ = a.iter().zip(b).filter(|(x, y)| x != y).count();
                    assert!(
                        a == b,
                        "{subsamp:?} {w}x{h} at {eighths}/8, plane {i}: {differ} of {} samples differ",
                        b.len()
                    );
                }
            }
        }
    }
}

#[test]
fn other_files_are_left_to_libjpeg_turbo() {
    let progressive = jpeg(96, 64, Subsamp::Sub2x2, true, false);
    let (_, sizes, factors) = turbo(&progressive, 2);
    let refused = |bytes: &[u8], eighths| decode_planes(bytes, eighths, &sizes, factors, 500).err();
    assert_eq!(refused(&progressive, 2), None);
    assert!(refused(&progressive, 8).is_some(), "no IDCT at full size");
    assert!(
        refused(&jpeg(96, 64, Subsamp::Sub2x2, false, false), 2).is_some(),
        "baseline"
    );
    assert!(
        refused(&jpeg(96, 64, Subsamp::Sub2x2, true, true), 2).is_some(),
        "arithmetic"
    );
    for cut in [progressive.len() / 2, progressive.len() - 2] {
        assert!(refused(&progressive[..cut], 2).is_some(), "cut at {cut}");
    }
    // Bytes after a scan's data, before the next marker (libjpeg-turbo
    // warns of them): the first scan's data, then its last byte again.
    let first_sos = progressive
        .windows(2)
        .position(|w| w == [0xFF, 0xDA])
        .unwrap();
    let next = first_sos
        + 2
        + progressive[first_sos + 2..]
            .windows(2)
            .position(|w| w[0] == 0xFF && w[1] != 0)
            .unwrap();
    let mut extra = progressive[..next].to_vec();
    extra.push(progressive[next - 1]);
    extra.extend_from_slice(&progressive[next..]);
    assert_eq!(
        refused(&extra, 2),
        Some(NotDecoded("bytes after a scan's data"))
    );
    // Another subsampling than the caller takes.
    let sizes_444 = vec![sizes[0], sizes[0], sizes[0]];
    assert!(decode_planes(&progressive, 2, &sizes_444, (1, 1), 500).is_err());
    // The scan limit.
    assert_eq!(
        decode_planes(&progressive, 2, &sizes, factors, 3).err(),
        Some(NotDecoded("over the scan limit"))
    );
}

/// libjpeg-turbo's planes, or `None` when it fails or warns.
fn turbo_clean(bytes: &[u8], eighths: u32) -> Option<Vec<Vec<u8>>> {
    std::panic::catch_unwind(|| turbo(bytes, eighths).0).ok()
}

#[test]
fn damaged_files_never_panic_and_decode_as_libjpeg_turbo_does_or_not_at_all() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let (mut same, mut refused) = (0, 0);
    for subsamp in [Subsamp::Sub2x2, Subsamp::None] {
        let good = jpeg(72, 56, subsamp, true, false);
        let (_, sizes, factors) = turbo(&good, 2);
        for round in 0..300 {
            let mut bytes = good.clone();
            for _ in 0..1 + round % 3 {
                let at = 2 + (next() as usize) % (bytes.len() - 2);
                match next() % 3 {
                    0 => bytes[at] ^= 1 << (next() % 8),
                    1 => bytes[at] = next() as u8,
                    _ => {
                        bytes.remove(at);
                    }
                }
            }
            for eighths in [2, 4] {
                let sizes: Vec<(usize, usize)> = if eighths == 2 {
                    sizes.clone()
                } else {
                    turbo(&good, 4).1
                };
                match decode_planes(&bytes, eighths, &sizes, factors, 500) {
                    Ok(ours) => {
                        let theirs = turbo_clean(&bytes, eighths);
                        assert!(
                            theirs.as_ref() == Some(&ours),
                            "{subsamp:?} round {round} at {eighths}/8: decoded here, but not so by libjpeg-turbo"
                        );
                        same += 1;
                    }
                    Err(_) => refused += 1,
                }
            }
        }
    }
    // Most damage is refused; some (in a spare byte, or a value changed
    // into another valid one) decodes the same as libjpeg-turbo's.
    assert!(same > 0 && refused > 0, "same {same}, refused {refused}");
}

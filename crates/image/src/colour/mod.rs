//! Colour: embedded ICC profiles converted to sRGB (moxcms, pure Rust),
//! and CMYK to RGB.

pub(crate) mod metadata;

use moxcms::{ColorProfile, DataColorSpace, Layout, TransformOptions};

use crate::pixels::{Channels, Pixels};

/// Whether `profile` has sRGB's primaries (then converting is a no-op
/// worth skipping: most camera JPEGs embed sRGB).
fn is_srgb_like(profile: &ColorProfile) -> bool {
    let srgb = ColorProfile::new_srgb();
    let close = |a: moxcms::Xyzd, b: moxcms::Xyzd| {
        (a.x - b.x).abs() < 0.002 && (a.y - b.y).abs() < 0.002 && (a.z - b.z).abs() < 0.002
    };
    close(profile.red_colorant, srgb.red_colorant)
        && close(profile.green_colorant, srgb.green_colorant)
        && close(profile.blue_colorant, srgb.blue_colorant)
}

/// Whether [`to_srgb`] would change pixels described by `icc`: a readable
/// RGB profile other than sRGB.
pub fn needs_conversion(icc: &[u8]) -> bool {
    ColorProfile::new_from_slice(icc)
        .is_ok_and(|p| p.color_space == DataColorSpace::Rgb && !is_srgb_like(&p))
}

/// Converts RGB(A) pixels described by the ICC profile `icc` to sRGB.
/// Gray images, sRGB-like profiles and profiles that cannot be read or
/// used are left as they are; the reason is returned for logging.
pub fn to_srgb(px: Pixels, icc: &[u8]) -> (Pixels, Option<String>) {
    if px.channels.is_gray() {
        return (px, None);
    }
    let profile = match ColorProfile::new_from_slice(icc) {
        Ok(p) => p,
        Err(e) => return (px, Some(format!("unreadable ICC profile ignored: {e:?}"))),
    };
    if profile.color_space != DataColorSpace::Rgb || is_srgb_like(&profile) {
        return (px, None);
    }
    let layout = if px.channels.has_alpha() {
        Layout::Rgba
    } else {
        Layout::Rgb
    };
    let srgb = ColorProfile::new_srgb();
    let options = TransformOptions::default();
    if px.depth16 {
        let src: Vec<u16> = px
            .data
            .chunks_exact(2)
            .map(|b| u16::from_ne_bytes([b[0], b[1]]))
            .collect();
        let mut dst = vec![0u16; src.len()];
        let result = profile
            .create_transform_16bit(layout, &srgb, layout, options)
            .and_then(|t| t.transform(&src, &mut dst));
        match result {
            Ok(()) => {
                let data = dst.iter().flat_map(|v| v.to_ne_bytes()).collect();
                (Pixels { data, ..px }, None)
            }
            Err(e) => (
                px,
                Some(format!("ICC conversion failed, kept as is: {e:?}")),
            ),
        }
    } else {
        let mut dst = vec![0u8; px.data.len()];
        let result = profile
            .create_transform_8bit(layout, &srgb, layout, options)
            .and_then(|t| t.transform(&px.data, &mut dst));
        match result {
            Ok(()) => (Pixels { data: dst, ..px }, None),
            Err(e) => (
                px,
                Some(format!("ICC conversion failed, kept as is: {e:?}")),
            ),
        }
    }
}

/// Converts CMYK ink amounts (0 = no ink, 255 = full; 4 bytes a pixel) to
/// RGB, through the embedded CMYK profile when there is a usable one,
/// else with the naive formula `R = (1 - C)(1 - K)`.
pub fn cmyk_to_rgb(cmyk: &[u8], width: u32, height: u32, icc: Option<&[u8]>) -> Pixels {
    let mut rgb = vec![0u8; cmyk.len() / 4 * 3];
    let managed = icc
        .and_then(|icc| ColorProfile::new_from_slice(icc).ok())
        .filter(|p| p.color_space == DataColorSpace::Cmyk)
        .and_then(|p| {
            p.create_transform_8bit(
                Layout::Rgba,
                &ColorProfile::new_srgb(),
                Layout::Rgb,
                TransformOptions::default(),
            )
            .ok()
        })
        .is_some_and(|t| t.transform(cmyk, &mut rgb).is_ok());
    if !managed {
        for (out, p) in rgb.chunks_exact_mut(3).zip(cmyk.chunks_exact(4)) {
            let k = 255 - u32::from(p[3]);
            for c in 0..3 {
                out[c] = (((255 - u32::from(p[c])) * k + 127) / 255) as u8;
            }
        }
    }
    Pixels {
        width,
        height,
        channels: Channels::Rgb,
        depth16: false,
        data: rgb,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naive_cmyk() {
        let px = cmyk_to_rgb(&[0, 0, 0, 0, 255, 0, 0, 0, 0, 0, 0, 255], 3, 1, None);
        assert_eq!(px.data, vec![255, 255, 255, 0, 255, 255, 0, 0, 0]);
    }

    #[test]
    fn adobe_rgb_red_becomes_a_more_saturated_srgb_red_and_green_is_clipped() {
        // Expected values from the published matrices (Adobe RGB (1998)
        // with gamma 563/256 to XYZ D65, then to sRGB), worked out apart
        // from moxcms: Adobe (200, 40, 40) is sRGB (232.7, 35.2, 35.2);
        // Adobe (60, 200, 60) lies outside sRGB, at (-, 201.3, 36.6) with
        // red clipped to 0.
        let icc = ColorProfile::new_adobe_rgb().encode().expect("encode");
        let px = Pixels {
            width: 2,
            height: 1,
            channels: Channels::Rgb,
            depth16: false,
            data: vec![200, 40, 40, 60, 200, 60],
        };
        let (out, note) = to_srgb(px, &icc);
        assert!(note.is_none(), "{note:?}");
        let near = |got: &[u8], want: [f64; 3]| {
            got.iter()
                .zip(want)
                .all(|(&g, w)| (f64::from(g) - w).abs() <= 3.0)
        };
        assert!(
            near(&out.data[..3], [232.7, 35.2, 35.2]),
            "red {:?}",
            &out.data[..3]
        );
        assert!(
            near(&out.data[3..], [0.0, 201.3, 36.6]),
            "green {:?}",
            &out.data[3..]
        );
    }

    #[test]
    fn srgb_profile_is_a_no_op() {
        let icc = ColorProfile::new_srgb().encode().expect("encode");
        let px = Pixels {
            width: 1,
            height: 1,
            channels: Channels::Rgb,
            depth16: false,
            data: vec![10, 20, 30],
        };
        assert_eq!(to_srgb(px.clone(), &icc).0, px);
    }
}

//! Resampling with fast_image_resize (SIMD; alpha premultiplied while
//! filtering).

use fast_image_resize::images::Image;
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};

use crate::geometry::Plan;
use crate::pixels::{Channels, Pixels};
use crate::settings::Filter;

fn pixel_type(channels: Channels, depth16: bool) -> PixelType {
    match (channels, depth16) {
        (Channels::L, false) => PixelType::U8,
        (Channels::La, false) => PixelType::U8x2,
        (Channels::Rgb, false) => PixelType::U8x3,
        (Channels::Rgba, false) => PixelType::U8x4,
        (Channels::L, true) => PixelType::U16,
        (Channels::La, true) => PixelType::U16x2,
        (Channels::Rgb, true) => PixelType::U16x3,
        (Channels::Rgba, true) => PixelType::U16x4,
    }
}

fn algorithm(filter: Filter) -> ResizeAlg {
    let f = match filter {
        Filter::Nearest => return ResizeAlg::Nearest,
        Filter::Box => FilterType::Box,
        Filter::Bilinear => FilterType::Bilinear,
        Filter::Hamming => FilterType::Hamming,
        Filter::CatmullRom => FilterType::CatmullRom,
        Filter::Mitchell => FilterType::Mitchell,
        Filter::Lanczos3 => FilterType::Lanczos3,
    };
    ResizeAlg::Convolution(f)
}

/// Resamples the `plan.crop` region of `src` to `plan.width` x
/// `plan.height` with `filter`. Alpha is premultiplied while filtering, so
/// transparent pixels do not bleed their colour.
///
/// # Errors
///
/// The resizer's message, when the buffer does not match the size.
pub fn resize(
    resizer: &mut Resizer,
    src: &Pixels,
    plan: &Plan,
    filter: Filter,
) -> Result<Pixels, String> {
    if plan.is_identity(src.width, src.height) {
        return Ok(src.clone());
    }
    let pt = pixel_type(src.channels, src.depth16);
    let view = fast_image_resize::images::ImageRef::new(src.width, src.height, &src.data, pt)
        .map_err(|e| e.to_string())?;
    let mut dst = Image::new(plan.width, plan.height, pt);
    let (l, t, w, h) = inside(plan.crop, src.width, src.height);
    let options = ResizeOptions::new()
        .resize_alg(algorithm(filter))
        .crop(l, t, w, h);
    resizer
        .resize(&view, &mut dst, &options)
        .map_err(|e| e.to_string())?;
    Ok(Pixels {
        width: plan.width,
        height: plan.height,
        channels: src.channels,
        depth16: src.depth16,
        data: dst.into_vec(),
    })
}

/// `crop` kept inside a `width` x `height` source. A crop scaled to a
/// source decoded at a reduced size (`Plan::scaled`) can overshoot its edge
/// by a rounding error (2572 x 322/2572 is 322.00000000000006), which the
/// resampler refuses.
fn inside(crop: (f64, f64, f64, f64), width: u32, height: u32) -> (f64, f64, f64, f64) {
    let (w, h) = (f64::from(width), f64::from(height));
    let (l, t) = (crop.0.clamp(0.0, w), crop.1.clamp(0.0, h));
    (l, t, crop.2.min(w - l), crop.3.min(h - t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crop_scaled_past_the_edge_by_rounding_still_resizes() {
        // A 2572 x 1740 JPEG decoded at 1/8 is 322 x 218; the full-image
        // crop scaled by 322/2572 and 218/1740 lands a hair past the edge.
        let (w, h) = (322u32, 218u32);
        let plan = Plan {
            width: 100,
            height: 68,
            crop: (0.0, 0.0, 2572.0, 1740.0),
        }
        .scaled(f64::from(w) / 2572.0, f64::from(h) / 1740.0);
        assert!(
            plan.crop.2 > f64::from(w) || plan.crop.3 > f64::from(h),
            "the case this test is about: {:?}",
            plan.crop
        );
        let src = Pixels {
            width: w,
            height: h,
            channels: Channels::Rgb,
            depth16: false,
            data: vec![128; (w * h * 3) as usize],
        };
        let out = resize(&mut Resizer::new(), &src, &plan, Filter::Lanczos3).expect("resize");
        assert_eq!((out.width, out.height), (100, 68));
        assert!(out.data.iter().all(|&v| v.abs_diff(128) <= 1));
    }

    #[test]
    fn transparent_pixels_do_not_bleed() {
        // Left half opaque red, right half transparent green.
        let mut data = Vec::new();
        for _y in 0..4 {
            for x in 0..8 {
                data.extend_from_slice(if x < 4 {
                    &[255, 0, 0, 255]
                } else {
                    &[0, 255, 0, 0]
                });
            }
        }
        let src = Pixels {
            width: 8,
            height: 4,
            channels: Channels::Rgba,
            depth16: false,
            data,
        };
        let plan = Plan {
            width: 2,
            height: 1,
            crop: (0.0, 0.0, 8.0, 4.0),
        };
        let out = resize(&mut Resizer::new(), &src, &plan, Filter::Lanczos3).expect("resize");
        // The left output pixel is red; no green leaks in.
        assert!(out.data[0] > 240 && out.data[1] < 10, "{:?}", out.data);
        // Where alpha is non-zero, colour is still red.
        if out.data[7] > 0 {
            assert!(out.data[5] < 10, "{:?}", out.data);
        }
    }
}

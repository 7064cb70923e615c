//! Resampling with fast_image_resize (SIMD; alpha premultiplied while
//! filtering).

pub(crate) mod geometry;
pub(crate) mod orient;
pub(crate) mod planes;
pub(crate) mod shrink;
pub(crate) mod smart_crop;

use fast_image_resize::images::Image;
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};

use crate::pixels::{Channels, Pixels};
use crate::resize::geometry::Plan;
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
    // A `contain` crop may end past the image's edge (see `Plan::scaled`):
    // the edge pixels are repeated there, as libvips does.
    let (l, t, w, h) = plan.crop;
    let before = |start: f64| (-start - EDGE_SLACK).ceil().max(0.0) as u32;
    let after = |end: f64, len: u32| ((end - EDGE_SLACK - f64::from(len)).ceil().max(0.0)) as u32;
    let pad = Pad {
        left: before(l),
        top: before(t),
        right: after(l + w, src.width),
        bottom: after(t + h, src.height),
    };
    let padded;
    let (src, crop) = if pad == Pad::default() {
        (src, plan.crop)
    } else {
        padded = repeat_edges(src, pad);
        (
            &padded,
            (l + f64::from(pad.left), t + f64::from(pad.top), w, h),
        )
    };
    let pt = pixel_type(src.channels, src.depth16);
    let view = fast_image_resize::images::ImageRef::new(src.width, src.height, &src.data, pt)
        .map_err(|e| e.to_string())?;
    let mut dst = Image::new(plan.width, plan.height, pt);
    let (l, t, w, h) = inside(crop, src.width, src.height);
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

/// How far past the edge a crop may end and still count as ending on it:
/// far more than a float rounding error, far less than a pixel.
const EDGE_SLACK: f64 = 1e-6;

/// Pixels added on each side of an image.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Pad {
    left: u32,
    top: u32,
    right: u32,
    bottom: u32,
}

/// `src` grown by `pad` on each side, repeating its edge pixels.
fn repeat_edges(src: &Pixels, pad: Pad) -> Pixels {
    let bpp = src.pixel_bytes();
    let row = src.width as usize * bpp;
    let width = src.width + pad.left + pad.right;
    let height = src.height + pad.top + pad.bottom;
    let mut data = Vec::with_capacity(width as usize * height as usize * bpp);
    for y in 0..height {
        let from = y.saturating_sub(pad.top).min(src.height.saturating_sub(1)) as usize * row;
        let line = &src.data[from..from + row];
        let (first, last) = (&line[..bpp], &line[row.saturating_sub(bpp)..]);
        (0..pad.left).for_each(|_| data.extend_from_slice(first));
        data.extend_from_slice(line);
        (0..pad.right).for_each(|_| data.extend_from_slice(last));
    }
    Pixels {
        width,
        height,
        data,
        ..*src
    }
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
            fills: None,
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
    fn a_crop_past_the_edge_repeats_the_edge_pixels() {
        // Rows 0..6 of gray levels 0, 40, ..., 200; the crop covers 8 rows,
        // the last 2 past the bottom edge, and 9 columns, 1 past the right;
        // then the same past the top and left edges.
        let (w, h) = (8u32, 6u32);
        let data: Vec<u8> = (0..h)
            .flat_map(|y| std::iter::repeat_n(40 * y as u8, w as usize))
            .collect();
        let src = Pixels {
            width: w,
            height: h,
            channels: Channels::L,
            depth16: false,
            data,
        };
        let plan = Plan {
            width: 3,
            height: 4,
            crop: (0.0, 0.0, 9.0, 8.0),
            fills: None,
        };
        let out = resize(&mut Resizer::new(), &src, &plan, Filter::Box).expect("resize");
        assert_eq!((out.width, out.height), (3, 4));
        // Box filter, 2 rows an output row: (0+40)/2, (80+120)/2,
        // (160+200)/2, then rows 6 and 7 repeat row 5's 200.
        let column: Vec<u8> = (0..4).map(|y| out.data[y * 3 + 2]).collect();
        assert_eq!(column, vec![20, 100, 180, 200]);
        // The same 8 rows from 2 above the top: rows -2 and -1 repeat row 0.
        let plan = Plan {
            crop: (-1.0, -2.0, 9.0, 8.0),
            ..plan
        };
        let out = resize(&mut Resizer::new(), &src, &plan, Filter::Box).expect("resize");
        let column: Vec<u8> = (0..4).map(|y| out.data[y * 3]).collect();
        assert_eq!(column, vec![0, 20, 100, 180]);
    }

    #[test]
    fn transparent_pixels_do_not_bleed() {
        // Left half opaque red, right half transparent green: 16x4 to 4x1,
        // so the third output pixel lies over the transparent half and
        // Lanczos reaches into the red half from it.
        let mut data = Vec::new();
        for _y in 0..4 {
            for x in 0..16 {
                data.extend_from_slice(if x < 8 {
                    &[255, 0, 0, 255]
                } else {
                    &[0, 255, 0, 0]
                });
            }
        }
        let src = Pixels {
            width: 16,
            height: 4,
            channels: Channels::Rgba,
            depth16: false,
            data,
        };
        let plan = Plan {
            width: 4,
            height: 1,
            crop: (0.0, 0.0, 16.0, 4.0),
            fills: None,
        };
        let out = resize(&mut Resizer::new(), &src, &plan, Filter::Lanczos3).expect("resize");
        let px: Vec<&[u8]> = out.data.chunks_exact(4).collect();
        // The left pixels are red; no green leaks in.
        assert!(px[0][0] > 240 && px[0][1] < 10, "{px:?}");
        assert!(px[1][0] > 240 && px[1][1] < 10, "{px:?}");
        // The third is mostly transparent but not quite (the case this
        // test is about), and what colour it has is red, not green.
        assert!((1..128).contains(&px[2][3]), "alpha {px:?}");
        assert!(px[2][0] > 200 && px[2][1] < 10, "{px:?}");
    }
}

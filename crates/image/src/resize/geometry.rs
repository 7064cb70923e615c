//! Where each output's pixels come from: output size and source crop for
//! every fit mode, and how far a JPEG may be shrunk while it is decoded.

use crate::settings::{Fit, Size};

/// One output's geometry, in the coordinates of the (stored) source.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plan {
    /// Output width.
    pub width: u32,
    /// Output height.
    pub height: u32,
    /// Source region: left, top, width, height (fractional).
    pub crop: (f64, f64, f64, f64),
    /// For `contain`: the axis that fills the box, whose scale the other
    /// axis shares (see [`Plan::scaled`]); `None` for the other fits.
    pub fills: Option<Axis>,
}

/// An image axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Axis {
    /// Horizontal.
    Width,
    /// Vertical.
    Height,
}

impl Plan {
    /// Whether the output is the source unchanged (no crop, no scaling).
    pub fn is_identity(&self, src_w: u32, src_h: u32) -> bool {
        self.width == src_w
            && self.height == src_h
            && self.crop == (0.0, 0.0, f64::from(src_w), f64::from(src_h))
    }

    /// The same plan for a source decoded at `sx`, `sy` times its size.
    ///
    /// A `contain` plan then takes libvips's geometry: one scale for both
    /// axes, that of the axis filling the box (its whole decoded length to
    /// the box), and the other axis covers its output length at that scale
    /// from the top left. The output's height was rounded, so that cover
    /// may end up to half an output pixel short of or past the image's
    /// edge (the resampler repeats the edge pixels there); stretching it
    /// to the edge instead would scale the axes differently by that
    /// rounding, shifting the far rows or columns by up to a quarter of an
    /// output pixel against vips's output.
    pub fn scaled(&self, sx: f64, sy: f64) -> Plan {
        let (l, t, w, h) = self.crop;
        let crop = match self.fills {
            None => (l * sx, t * sy, w * sx, h * sy),
            Some(axis) => {
                let shrink = match axis {
                    Axis::Width => w * sx / f64::from(self.width),
                    Axis::Height => h * sy / f64::from(self.height),
                };
                let (cw, ch) = (
                    f64::from(self.width) * shrink,
                    f64::from(self.height) * shrink,
                );
                // Centred: the rounding is shared by both edges.
                ((w * sx - cw) / 2.0, (h * sy - ch) / 2.0, cw, ch)
            }
        };
        Plan { crop, ..*self }
    }
}

fn round_dim(v: f64) -> u32 {
    (v.round() as u32).max(1)
}

/// The plan for fitting a `w`x`h` image to `size`. `enlarge` allows
/// scaling up; without it an image smaller than the box keeps its size
/// (`cover` and `exact` then use at most the image's own size per axis).
pub fn plan(w: u32, h: u32, size: Size, fit: Fit, enlarge: bool) -> Plan {
    let (fw, fh) = (f64::from(w), f64::from(h));
    let (bw, bh) = (f64::from(size.width), f64::from(size.height));
    let full = (0.0, 0.0, fw, fh);
    match fit {
        Fit::Contain => {
            let mut scale = (bw / fw).min(bh / fh);
            if !enlarge {
                scale = scale.min(1.0);
            }
            let (ow, oh) = if scale == 1.0 {
                (w, h)
            } else {
                (
                    round_dim(fw * scale).min(size.width.max(w.min(size.width))),
                    round_dim(fh * scale),
                )
            };
            let fills = (scale != 1.0).then_some(if bw / fw <= bh / fh {
                Axis::Width
            } else {
                Axis::Height
            });
            Plan {
                width: ow,
                height: oh,
                crop: full,
                fills,
            }
        }
        Fit::Cover => {
            let (bw, bh, size) = if enlarge || (size.width <= w && size.height <= h) {
                (bw, bh, size)
            } else {
                // Not enlarging: the box shrinks to what the image covers.
                let s = Size {
                    width: size.width.min(w),
                    height: size.height.min(h),
                };
                (f64::from(s.width), f64::from(s.height), s)
            };
            let scale = (bw / fw).max(bh / fh);
            let (cw, ch) = ((bw / scale).min(fw), (bh / scale).min(fh));
            Plan {
                width: size.width,
                height: size.height,
                crop: ((fw - cw) / 2.0, (fh - ch) / 2.0, cw, ch),
                fills: None,
            }
        }
        Fit::Exact => {
            let (ow, oh) = if enlarge {
                (size.width, size.height)
            } else {
                (size.width.min(w), size.height.min(h))
            };
            Plan {
                width: ow,
                height: oh,
                crop: full,
                fills: None,
            }
        }
    }
}

/// The length of a JPEG side of `len` pixels decoded at `eighths`/8 of
/// its size, counting whole pixels only: libjpeg-turbo rounds up (3391
/// rows at 1/2 make 1696, the last half padding), and the decoders drop
/// such a part pixel, as libvips does (see `jpeg::whole_pixels`).
pub fn jpeg_decoded_len(len: u32, eighths: u32) -> u32 {
    (u64::from(len) * u64::from(eighths) / 8).max(1) as u32
}

/// The eighths (1, 2, 4 or 8) at which a `w`x`h` JPEG may be decoded so
/// that every plan still has at least `margin` times its output pixels
/// across its crop in both axes (shrink-on-load; the resampling filter
/// does the rest).
pub fn jpeg_eighths(w: u32, h: u32, plans: &[Plan], margin: f64) -> u32 {
    for eighths in [1u32, 2, 4] {
        let ok = plans.iter().all(|p| {
            let (_, _, cw, ch) = p.crop;
            let sx = f64::from(jpeg_decoded_len(w, eighths)) / f64::from(w);
            let sy = f64::from(jpeg_decoded_len(h, eighths)) / f64::from(h);
            cw * sx >= margin * f64::from(p.width) && ch * sy >= margin * f64::from(p.height)
        });
        if ok {
            return eighths;
        }
    }
    8
}

/// How far a decoder may shrink an image while loading it, so that the
/// resampling filter still has at least `margin` times every output's
/// pixels to work from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadShrink {
    /// Eighths of the full size for a JPEG's reduced-size IDCT (1, 2, 4
    /// or 8); see [`jpeg_eighths`].
    pub jpeg_eighths: u32,
    /// Integer factor for a box shrink while rows stream in (1 = none);
    /// see [`box_factor`].
    pub box_factor: u32,
}

/// Both shrink-on-load figures for a `w`x`h` image and its `plans`: the
/// JPEG's reduced DCT leaving the filter `jpeg_margin` times the output,
/// the box shrink `box_margin` times.
pub fn load_shrink(
    w: u32,
    h: u32,
    plans: &[Plan],
    jpeg_margin: f64,
    box_margin: f64,
) -> LoadShrink {
    LoadShrink {
        jpeg_eighths: jpeg_eighths(w, h, plans, jpeg_margin),
        box_factor: box_factor(plans, box_margin),
    }
}

/// The largest integer `k` such that a `k`x`k` box shrink (the image
/// becoming ceil(w/k) x ceil(h/k)) leaves every plan at least `margin`
/// times its output pixels across its crop in both axes, as libvips's
/// `vips_resize` shrinks by an integer factor before its final filter.
/// The smallest reduction among the plans decides. 1 means no shrink.
pub fn box_factor(plans: &[Plan], margin: f64) -> u32 {
    let ratio = plans
        .iter()
        .map(|p| {
            let (_, _, cw, ch) = p.crop;
            (cw / (margin * f64::from(p.width))).min(ch / (margin * f64::from(p.height)))
        })
        .fold(f64::INFINITY, f64::min);
    // Rounding the shrunk size up only leaves more pixels, so floor(ratio)
    // always satisfies the margin.
    if ratio.is_finite() && ratio >= 1.0 {
        ratio.floor().min(f64::from(u32::MAX)) as u32
    } else {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn size(w: u32, h: u32) -> Size {
        Size {
            width: w,
            height: h,
        }
    }

    #[test]
    fn contain_keeps_aspect_inside_the_box() {
        let p = plan(4000, 3000, size(800, 800), Fit::Contain, false);
        assert_eq!((p.width, p.height), (800, 600));
        let p = plan(3000, 4000, size(800, 800), Fit::Contain, false);
        assert_eq!((p.width, p.height), (600, 800));
        let p = plan(400, 300, size(800, 800), Fit::Contain, false);
        assert_eq!((p.width, p.height), (400, 300));
        assert!(p.is_identity(400, 300));
        let p = plan(400, 300, size(800, 800), Fit::Contain, true);
        assert_eq!((p.width, p.height), (800, 600));
    }

    #[test]
    fn contain_shares_the_filling_axis_scale_as_libvips_does() {
        let near = |a: (f64, f64, f64, f64), b: (f64, f64, f64, f64)| {
            let d = [a.0 - b.0, a.1 - b.1, a.2 - b.2, a.3 - b.3];
            assert!(d.iter().all(|d| d.abs() < 1e-9), "{a:?} != {b:?}");
        };
        // 3088 / 800 = 3.86: 2056 rows make 532.6, rounded to 533, which
        // at 3.86 cover 2057.38 rows: 0.69 past the top and the bottom.
        let p = plan(3088, 2056, size(800, 800), Fit::Contain, false);
        assert_eq!((p.width, p.height, p.fills), (800, 533, Some(Axis::Width)));
        near(p.scaled(1.0, 1.0).crop, (0.0, -0.69, 3088.0, 533.0 * 3.86));
        // Decoded at 1/2 (1544 x 1028): the decoded width fills the box.
        near(p.scaled(0.5, 0.5).crop, (0.0, -0.345, 1544.0, 533.0 * 1.93));
        // A JPEG decoded at 1/2 keeps its whole rows (3391 -> 1695): the
        // scale comes from the filling axis alone, 3014 / 800.
        let p = plan(6028, 3391, size(800, 800), Fit::Contain, false);
        assert_eq!((p.width, p.height), (800, 450));
        let h = 450.0 * 3014.0 / 800.0;
        near(
            p.scaled(0.5, 1695.0 / 3391.0).crop,
            (0.0, (1695.0 - h) / 2.0, 3014.0, h),
        );
        // Portrait: the height fills the box.
        let p = plan(2560, 3837, size(800, 800), Fit::Contain, false);
        assert_eq!((p.width, p.height, p.fills), (534, 800, Some(Axis::Height)));
        // Kept at its size: nothing to share.
        assert_eq!(
            plan(400, 300, size(800, 800), Fit::Contain, false).fills,
            None
        );
    }

    #[test]
    fn cover_fills_and_crops_the_centre() {
        let p = plan(4000, 3000, size(800, 800), Fit::Cover, false);
        assert_eq!((p.width, p.height), (800, 800));
        assert_eq!(p.crop, (500.0, 0.0, 3000.0, 3000.0));
        let p = plan(400, 300, size(800, 200), Fit::Cover, false);
        assert_eq!((p.width, p.height), (400, 200));
        assert_eq!(p.crop, (0.0, 50.0, 400.0, 200.0));
    }

    #[test]
    fn exact_distorts() {
        let p = plan(4000, 3000, size(100, 300), Fit::Exact, false);
        assert_eq!((p.width, p.height), (100, 300));
        let p = plan(40, 30, size(100, 300), Fit::Exact, false);
        assert_eq!((p.width, p.height), (40, 30));
    }

    #[test]
    fn shrink_on_load_leaves_a_margin() {
        let p = plan(6000, 4000, size(800, 800), Fit::Contain, false);
        // 1/4 gives 1500 px wide: less than 2 x 800, so 1/2.
        assert_eq!(jpeg_eighths(6000, 4000, &[p], 2.0), 4);
        let p = plan(6000, 4000, size(200, 200), Fit::Contain, false);
        assert_eq!(jpeg_eighths(6000, 4000, &[p], 2.0), 1);
        let p = plan(800, 600, size(800, 800), Fit::Contain, false);
        assert_eq!(jpeg_eighths(800, 600, &[p], 2.0), 8);
    }

    #[test]
    fn box_factor_leaves_a_margin_for_every_size() {
        // 5120 / 800 = 6.4: a 3x box shrink leaves 1707 >= 2 x 800.
        let p = plan(5120, 2880, size(800, 800), Fit::Contain, false);
        assert_eq!(box_factor(&[p], 2.0), 3);
        // The largest output decides.
        let small = plan(5120, 2880, size(200, 200), Fit::Contain, false);
        assert_eq!(box_factor(&[small], 2.0), 12);
        assert_eq!(box_factor(&[small, p], 2.0), 3);
        // Cover crops: the crop's short side counts.
        let p = plan(4000, 3000, size(800, 800), Fit::Cover, false);
        assert_eq!(box_factor(&[p], 2.0), 1);
        let p = plan(1000, 800, size(800, 800), Fit::Contain, false);
        assert_eq!(box_factor(&[p], 2.0), 1);
        assert_eq!(box_factor(&[], 2.0), 1);
    }
}

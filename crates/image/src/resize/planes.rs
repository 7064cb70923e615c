//! Resampling a JPEG's own Y, Cb and Cr planes straight to a 4:2:0
//! output: no chroma upsampling and colour conversion at the decoded size,
//! a third of the samples to filter, and no conversion back at the end.
//! Resampling in YCbCr gives the same image as in RGB, since the two are
//! linear transforms of each other (up to rounding and clipping).

use fast_image_resize::Resizer;

use crate::decode::Chroma;
use crate::encode::chroma;
use crate::encode::jpeg::Ycbcr420;
use crate::pixels::Pixels;
use crate::resize::geometry::Plan;
use crate::resize::{orient, resize};
use crate::settings::Filter;

/// Resamples `luma` and `chroma` (a JPEG's planes) for `plan` (in the
/// luma plane's coordinates) and turns them upright per EXIF
/// `orientation`: luma at the plan's size, chroma resampled to it too and
/// then fitted to half of it for the decoder's upsampling (see
/// `encode::chroma`).
///
/// # Errors
///
/// The resizer's message.
pub fn resize_420(
    resizer: &mut Resizer,
    luma: &Pixels,
    chroma: &Chroma,
    plan: &Plan,
    filter: Filter,
    orientation: u8,
) -> Result<Ycbcr420, String> {
    let y = orient::apply(resize(resizer, luma, plan, filter)?, orientation);
    let (fx, fy) = (f64::from(chroma.factors.0), f64::from(chroma.factors.1));
    let (l, t, w, h) = plan.crop;
    let chroma_plan = Plan {
        crop: (l / fx, t / fy, w / fx, h / fy),
        fills: None,
        ..*plan
    };
    let [cb, cr] = [&chroma.cb, &chroma.cr].map(|plane| {
        resize(resizer, plane, &chroma_plan, filter)
            .map(|p| chroma::fit(&orient::apply(p, orientation)))
    });
    Ok(Ycbcr420 {
        y,
        cb: cb?,
        cr: cr?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::jpeg::chroma_size;
    use crate::pixels::Channels;

    fn plane(width: u32, height: u32, at: impl Fn(u32, u32) -> u8) -> Pixels {
        Pixels {
            width,
            height,
            channels: Channels::L,
            depth16: false,
            data: (0..height)
                .flat_map(|y| (0..width).map(move |x| (x, y)))
                .map(|(x, y)| at(x, y))
                .collect(),
        }
    }

    /// Where `samples` first cross `level`, in sample positions
    /// (interpolated).
    fn crossing(samples: &[f64], level: f64) -> f64 {
        samples
            .windows(2)
            .enumerate()
            .find_map(|(i, w)| {
                ((w[0] - level) * (w[1] - level) <= 0.0 && w[0] != w[1])
                    .then(|| i as f64 + (level - w[0]) / (w[1] - w[0]))
            })
            .expect("an edge")
    }

    #[test]
    fn colour_edges_land_where_the_luma_edges_are_in_every_orientation() {
        // A 4:2:0 JPEG's planes, 64x48: luma and chroma both change at
        // x = 21 (chroma sample 10.5); resized to an odd 23x17 and turned
        // upright, the chroma edge (sample i standing at output pixel
        // 2i + 0.5) must fall where the luma edge does.
        let luma = plane(64, 48, |x, _| if x < 21 { 40 } else { 200 });
        let cb = plane(32, 24, |x, _| match x {
            0..10 => 220,
            10 => 140,
            _ => 60,
        });
        let chroma = Chroma {
            cr: cb.clone(),
            cb,
            factors: (2, 2),
        };
        let plan = Plan {
            width: 23,
            height: 17,
            crop: (0.0, 0.0, 64.0, 48.0),
            fills: None,
        };
        for o in 1..=8u8 {
            let out = resize_420(
                &mut Resizer::new(),
                &luma,
                &chroma,
                &plan,
                Filter::Lanczos3,
                o,
            )
            .expect("resize");
            let (w, h) = (out.y.width, out.y.height);
            assert_eq!((out.cb.width, out.cb.height), chroma_size(w, h), "{o}");
            // The edge runs across x or down y, depending on the turn.
            let across = orient::swaps_axes(o);
            let line = |p: &Pixels| -> Vec<f64> {
                let (pw, ph) = (p.width as usize, p.height as usize);
                if across {
                    (0..ph)
                        .map(|y| f64::from(p.data[y * pw + pw / 2]))
                        .collect()
                } else {
                    (0..pw)
                        .map(|x| f64::from(p.data[ph / 2 * pw + x]))
                        .collect()
                }
            };
            let luma_edge = crossing(&line(&out.y), 120.0);
            let chroma_edge = 2.0 * crossing(&line(&out.cb), 140.0) + 0.5;
            assert!(
                (luma_edge - chroma_edge).abs() < 0.3,
                "orientation {o}: luma edge at {luma_edge:.2}, chroma edge at {chroma_edge:.2}"
            );
        }
    }
}

//! `--fit cover` with `--crop entropy` and `--crop attention` keeps an
//! off-centre subject that the centre crop cuts away, both ways (a wide
//! image cropped across, a tall one cropped down), and leaves a picture
//! with nothing to choose between at the centre.
#![allow(clippy::unwrap_used)]

mod common;

use common::{run, settings};
use image::{Rgb, RgbImage};
use image_jobs::{Crop, Fit, Settings};

/// A flat grey-beige background with a subject: a disk of radius `r` at
/// (`cx`, `cy`), skin-coloured and textured (fine stripes).
fn scene(w: u32, h: u32, cx: u32, cy: u32, r: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        let (dx, dy) = (x.abs_diff(cx), y.abs_diff(cy));
        if dx * dx + dy * dy <= r * r {
            if (x / 3 + y / 5) % 2 == 0 {
                Rgb([224, 172, 150])
            } else {
                Rgb([150, 95, 70])
            }
        } else {
            Rgb([190, 185, 175])
        }
    })
}

/// How many pixels of `img` are the subject's (far from the background).
fn subject_pixels(img: &RgbImage) -> usize {
    img.pixels()
        .filter(|p| {
            let [r, g, b] = p.0;
            u32::from(r.abs_diff(190)) + u32::from(g.abs_diff(185)) + u32::from(b.abs_diff(175))
                > 40
        })
        .count()
}

fn cover(crop: Crop) -> Settings {
    Settings {
        fit: Fit::Cover,
        crop,
        ..settings("200x200")
    }
}

fn crop_to_square(picture: &RgbImage, crop: Crop) -> RgbImage {
    let input = tempfile::tempdir().unwrap();
    picture.save(input.path().join("scene.png")).unwrap();
    let output = tempfile::tempdir().unwrap();
    for (_, r) in run(input.path(), output.path(), cover(crop), false) {
        r.unwrap();
    }
    let out = image::open(output.path().join("scene.png"))
        .unwrap()
        .to_rgb8();
    assert_eq!(out.dimensions(), (200, 200));
    out
}

#[test]
fn an_off_centre_subject_stays_inside_the_crop() {
    // 800x400 into 200x200: a 400x400 window; the subject (radius 60)
    // sits 60 to 180 px from the left edge, wholly outside the centre
    // window (200 to 600). Scaled by 1/2 it covers about 2,800 pixels.
    let wide = scene(800, 400, 120, 200, 60);
    // 400x800: the same down the height, the subject near the bottom.
    let tall = scene(400, 800, 200, 690, 60);
    for (name, picture) in [("wide", &wide), ("tall", &tall)] {
        let centre = subject_pixels(&crop_to_square(picture, Crop::Centre));
        assert!(
            centre < 100,
            "{name}: the centre crop cuts the subject away ({centre})"
        );
        for crop in [Crop::Entropy, Crop::Attention] {
            let kept = subject_pixels(&crop_to_square(picture, crop));
            assert!(kept > 2_500, "{name} {crop:?}: {kept} subject pixels");
        }
    }
}

#[test]
fn a_flat_picture_keeps_the_centre() {
    // A plain grey picture has nothing to choose between: every strategy
    // keeps the centre. Left third red and the rest blue: the centre
    // window (200 to 400) is all blue; entropy moves to hold both.
    let picture = RgbImage::from_fn(600, 200, |x, _| {
        if x < 200 {
            Rgb([200, 0, 0])
        } else {
            Rgb([0, 0, 200])
        }
    });
    let plain = RgbImage::from_pixel(600, 200, Rgb([90, 90, 90]));
    let centre = crop_to_square(&plain, Crop::Centre);
    for crop in [Crop::Entropy, Crop::Attention] {
        assert_eq!(
            crop_to_square(&plain, crop),
            centre,
            "{crop:?} on a flat picture"
        );
    }
    // With two colours, entropy prefers the window that has both.
    let both = crop_to_square(&picture, Crop::Entropy);
    let red = both.pixels().filter(|p| p.0[0] > 150).count();
    assert!(red > 0 && red < 200 * 200, "{red} red pixels");
}

#[test]
fn a_crop_strategy_without_cover_is_refused() {
    let s = Settings {
        crop: Crop::Attention,
        ..settings("200x200")
    };
    let e = s.validate().expect_err("contain does not crop");
    assert_eq!(
        e.to_string(),
        "--crop attention: only --fit cover crops; add --fit cover or leave --crop out"
    );
}

//! The pipeline on real images made here: sizes for every fit mode,
//! orientation, alpha, 16 bits, gray, colour profiles, CMYK, bad files
//! and unsafe paths.
#![allow(clippy::unwrap_used)]

mod common;

use std::fs;

use common::{jpeg, mean_diff, read_jpeg, run, settings};
use image::{GenericImageView, ImageReader, Rgb, RgbImage, Rgba, RgbaImage};
use image_jobs::{Fit, Format, ImageError, LoadScale, Settings};
use jpeg_encoder::ColorType;

fn dims(path: &std::path::Path) -> (u32, u32) {
    ImageReader::open(path)
        .unwrap()
        .with_guessed_format()
        .unwrap()
        .into_dimensions()
        .unwrap()
}

#[test]
fn every_fit_mode_gives_the_right_size() {
    let input = tempfile::tempdir().unwrap();
    RgbImage::from_fn(400, 300, |x, y| Rgb([x as u8, y as u8, 7]))
        .save(input.path().join("p.png"))
        .unwrap();
    let cases: &[(&str, Fit, bool, (u32, u32))] = &[
        ("200x200", Fit::Contain, false, (200, 150)),
        ("200x200", Fit::Cover, false, (200, 200)),
        ("100x300", Fit::Exact, false, (100, 300)),
        ("800x800", Fit::Contain, false, (400, 300)),
        ("800x800", Fit::Contain, true, (800, 600)),
        ("800x100", Fit::Cover, false, (400, 100)),
        ("800x800", Fit::Cover, true, (800, 800)),
        ("1000x50", Fit::Exact, true, (1000, 50)),
    ];
    for &(size, fit, enlarge, want) in cases {
        let output = tempfile::tempdir().unwrap();
        let s = Settings {
            fit,
            enlarge,
            ..settings(size)
        };
        let results = run(input.path(), output.path(), s, false);
        assert_eq!(results.len(), 1);
        assert!(results[0].1.is_ok(), "{:?}", results[0].1);
        assert_eq!(
            dims(&output.path().join("p.png")),
            want,
            "{size} {fit:?} enlarge={enlarge}"
        );
    }
}

#[test]
fn several_sizes_from_one_decode_get_suffixes() {
    let input = tempfile::tempdir().unwrap();
    let output = tempfile::tempdir().unwrap();
    let px: Vec<u8> = (0..640 * 480 * 3).map(|i| (i % 251) as u8).collect();
    fs::write(
        input.path().join("photo.jpeg"),
        jpeg(&px, 640, 480, ColorType::Rgb, None, None),
    )
    .unwrap();
    let s = Settings {
        sizes: vec!["320x320".parse().unwrap(), "100x100".parse().unwrap()],
        ..Settings::default()
    };
    let results = run(input.path(), output.path(), s, false);
    assert_eq!(results[0].1.as_ref().unwrap().written, 2);
    assert_eq!(dims(&output.path().join("photo-320.jpg")), (320, 240));
    assert_eq!(dims(&output.path().join("photo-100.jpg")), (100, 75));
}

/// The colours of the four quadrants of the upright test picture.
const QUADRANTS: [[u8; 3]; 4] = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]];

/// The upright picture, `w`x`h`: red, green / blue, white quadrants.
fn upright(x: u32, y: u32, w: u32, h: u32) -> [u8; 3] {
    QUADRANTS[usize::from(x >= w / 2) + 2 * usize::from(y >= h / 2)]
}

/// The stored pixels of a camera image whose EXIF orientation is `o` and
/// whose upright view is `upright(w, h)`, derived from the EXIF table of
/// where the stored 0th row and 0th column are shown.
fn stored_for(o: u16, w: u32, h: u32) -> (Vec<u8>, u32, u32) {
    let swap = o >= 5;
    let (sw, sh) = if swap { (h, w) } else { (w, h) };
    let mut data = Vec::new();
    for sy in 0..sh {
        for sx in 0..sw {
            // (row shown at, column shown at) per EXIF 2.3, table for tag 274.
            let (x, y) = match o {
                1 => (sx, sy),                 // top, left
                2 => (w - 1 - sx, sy),         // top, right
                3 => (w - 1 - sx, h - 1 - sy), // bottom, right
                4 => (sx, h - 1 - sy),         // bottom, left
                5 => (sy, sx),                 // left, top
                6 => (w - 1 - sy, sx),         // right, top
                7 => (w - 1 - sy, h - 1 - sx), // right, bottom
                _ => (sy, h - 1 - sx),         // 8: left, bottom
            };
            data.extend_from_slice(&upright(x, y, w, h));
        }
    }
    (data, sw, sh)
}

fn check_quadrants(img: &RgbImage, label: &str) {
    let (w, h) = img.dimensions();
    for (qi, q) in QUADRANTS.iter().enumerate() {
        let cx = if qi % 2 == 0 { w / 4 } else { 3 * w / 4 };
        let cy = if qi < 2 { h / 4 } else { 3 * h / 4 };
        let p = img.get_pixel(cx, cy).0;
        for c in 0..3 {
            assert!(
                p[c].abs_diff(q[c]) < 40,
                "{label}: quadrant {qi} at ({cx},{cy}) is {p:?}, want {q:?}"
            );
        }
    }
}

#[test]
fn all_eight_exif_orientations_come_out_upright() {
    let (w, h) = (96u32, 64u32);
    for o in 1..=8u16 {
        let input = tempfile::tempdir().unwrap();
        let (data, sw, sh) = stored_for(o, w, h);
        let bytes = jpeg(&data, sw as u16, sh as u16, ColorType::Rgb, Some(o), None);
        fs::write(input.path().join("cam.jpg"), bytes).unwrap();
        for (size, want) in [("1000x1000", (96, 64)), ("48x48", (48, 32))] {
            let output = tempfile::tempdir().unwrap();
            let results = run(input.path(), output.path(), settings(size), false);
            assert!(results[0].1.is_ok(), "{:?}", results[0].1);
            let out = image::open(output.path().join("cam.jpg"))
                .unwrap()
                .to_rgb8();
            assert_eq!(out.dimensions(), want, "orientation {o}, size {size}");
            check_quadrants(&out, &format!("orientation {o}, size {size}"));
        }
    }
}

#[test]
fn alpha_is_flattened_onto_the_background_for_jpeg_and_kept_for_png() {
    let input = tempfile::tempdir().unwrap();
    // Left half opaque red, right half fully transparent (green underneath).
    RgbaImage::from_fn(200, 100, |x, _| {
        if x < 100 {
            Rgba([255, 0, 0, 255])
        } else {
            Rgba([0, 255, 0, 0])
        }
    })
    .save(input.path().join("logo.png"))
    .unwrap();
    let output = tempfile::tempdir().unwrap();
    let s = Settings {
        format: Some(Format::Jpeg),
        background: "#0000ff".parse().unwrap(),
        ..settings("100x100")
    };
    run(input.path(), output.path(), s, false)[0]
        .1
        .as_ref()
        .unwrap();
    let out = image::open(output.path().join("logo.jpg"))
        .unwrap()
        .to_rgb8();
    assert_eq!(out.dimensions(), (100, 50));
    let left = out.get_pixel(20, 25).0;
    let right = out.get_pixel(80, 25).0;
    assert!(left[0] > 220 && left[1] < 40 && left[2] < 40, "{left:?}");
    assert!(
        right[2] > 220 && right[0] < 40 && right[1] < 40,
        "{right:?}"
    );

    let output = tempfile::tempdir().unwrap();
    run(input.path(), output.path(), settings("100x100"), false)[0]
        .1
        .as_ref()
        .unwrap();
    let out = image::open(output.path().join("logo.png")).unwrap();
    assert!(out.color().has_alpha());
    let out = out.to_rgba8();
    assert_eq!(out.get_pixel(80, 25).0[3], 0);
    // Premultiplied filtering: no green bleeds into the red edge.
    let edge = out.get_pixel(49, 25).0;
    assert!(edge[1] < 10, "{edge:?}");
}

#[test]
fn sixteen_bit_png_stays_sixteen_bit() {
    let input = tempfile::tempdir().unwrap();
    let img = image::ImageBuffer::<image::Rgb<u16>, _>::from_fn(300, 200, |x, _| {
        let v = (x * 200) as u16;
        image::Rgb([v, 1000, 65_535 - v])
    });
    img.save(input.path().join("deep.png")).unwrap();
    let output = tempfile::tempdir().unwrap();
    run(input.path(), output.path(), settings("150x150"), false)[0]
        .1
        .as_ref()
        .unwrap();
    let out = image::open(output.path().join("deep.png")).unwrap();
    assert_eq!(out.color(), image::ColorType::Rgb16);
    assert_eq!(out.dimensions(), (150, 100));
    let out = out.to_rgb16();
    // Values between 8-bit steps survive: 1000 is not a multiple of 257.
    let g = out.get_pixel(75, 50).0[1];
    assert!(g.abs_diff(1000) < 20, "{g}");
    let r = out.get_pixel(75, 50).0[0];
    assert!(r.abs_diff(151 * 200) < 600, "{r}");
}

#[test]
fn grayscale_stays_grayscale() {
    let input = tempfile::tempdir().unwrap();
    let px: Vec<u8> = (0..320 * 240).map(|i| (i % 320) as u8).collect();
    fs::write(
        input.path().join("gray.jpg"),
        jpeg(&px, 320, 240, ColorType::Luma, None, None),
    )
    .unwrap();
    image::GrayImage::from_fn(64, 64, |x, _| image::Luma([x as u8 * 4]))
        .save(input.path().join("gray.png"))
        .unwrap();
    let output = tempfile::tempdir().unwrap();
    for (_, r) in run(input.path(), output.path(), settings("160x160"), false) {
        r.unwrap();
    }
    let (_, w, h, format) = read_jpeg(&output.path().join("gray.jpg"));
    assert_eq!((w, h, format), (160, 120, jpeg_decoder::PixelFormat::L8));
    let png = image::open(output.path().join("gray.png")).unwrap();
    assert_eq!(png.color(), image::ColorType::L8);
}

#[test]
fn adobe_rgb_jpeg_matches_its_srgb_original() {
    use moxcms::{ColorProfile, Layout, TransformOptions};
    let (w, h) = (256u32, 128u32);
    let original = RgbImage::from_fn(w, h, |x, y| Rgb([x as u8, (y * 2) as u8, 255 - x as u8]));
    // The same colours expressed in Adobe RGB, with its profile embedded.
    let adobe = ColorProfile::new_adobe_rgb();
    let to_adobe = ColorProfile::new_srgb()
        .create_transform_8bit(
            Layout::Rgb,
            &adobe,
            Layout::Rgb,
            TransformOptions::default(),
        )
        .unwrap();
    let mut adobe_px = vec![0u8; original.as_raw().len()];
    to_adobe
        .transform(original.as_raw(), &mut adobe_px)
        .unwrap();
    let icc = adobe.encode().unwrap();
    let input = tempfile::tempdir().unwrap();
    fs::write(
        input.path().join("adobe.jpg"),
        jpeg(
            &adobe_px,
            w as u16,
            h as u16,
            ColorType::Rgb,
            None,
            Some(&icc),
        ),
    )
    .unwrap();
    fs::write(
        input.path().join("untagged.jpg"),
        jpeg(&adobe_px, w as u16, h as u16, ColorType::Rgb, None, None),
    )
    .unwrap();
    let output = tempfile::tempdir().unwrap();
    for (_, r) in run(input.path(), output.path(), settings("1000x1000"), false) {
        r.unwrap();
    }
    let converted = image::open(output.path().join("adobe.jpg"))
        .unwrap()
        .to_rgb8();
    let untagged = image::open(output.path().join("untagged.jpg"))
        .unwrap()
        .to_rgb8();
    let good = mean_diff(&converted, &original);
    let bad = mean_diff(&untagged, &original);
    assert!(good < 3.0, "converted differs by {good}");
    assert!(
        bad > 2.0 * good && bad > 4.0,
        "unconverted differs by only {bad}"
    );
}

#[test]
fn cmyk_jpeg_with_adobe_inversion_becomes_right_rgb() {
    // Ink amounts: cyan, magenta, yellow, black, none; as 5 vertical bands.
    let inks: [[u8; 4]; 5] = [
        [255, 0, 0, 0],
        [0, 255, 0, 0],
        [0, 0, 255, 0],
        [0, 0, 0, 255],
        [0, 0, 0, 0],
    ];
    let want: [[u8; 3]; 5] = [
        [0, 255, 255],
        [255, 0, 255],
        [255, 255, 0],
        [0, 0, 0],
        [255; 3],
    ];
    let (w, h) = (160u16, 32u16);
    let mut data = Vec::new();
    for _ in 0..h {
        for x in 0..w {
            data.extend_from_slice(&inks[usize::from(x / 32)]);
        }
    }
    let input = tempfile::tempdir().unwrap();
    // jpeg-encoder writes Adobe's inverted CMYK (APP14 "Adobe"), once
    // plain and once as YCCK.
    fs::write(
        input.path().join("cmyk.jpg"),
        jpeg(&data, w, h, ColorType::Cmyk, None, None),
    )
    .unwrap();
    fs::write(
        input.path().join("ycck.jpg"),
        jpeg(&data, w, h, ColorType::CmykAsYcck, None, None),
    )
    .unwrap();
    let output = tempfile::tempdir().unwrap();
    for (_, r) in run(input.path(), output.path(), settings("1000x1000"), false) {
        r.unwrap();
    }
    for name in ["cmyk.jpg", "ycck.jpg"] {
        let out = image::open(output.path().join(name)).unwrap().to_rgb8();
        assert_eq!(out.dimensions(), (160, 32));
        for (band, want) in want.iter().enumerate() {
            let p = out.get_pixel(band as u32 * 32 + 16, 16).0;
            for c in 0..3 {
                assert!(
                    p[c].abs_diff(want[c]) < 30,
                    "{name} band {band}: {p:?} want {want:?}"
                );
            }
        }
    }
}

#[test]
fn corrupt_truncated_and_empty_files_are_errors_naming_the_file_and_the_run_goes_on() {
    let input = tempfile::tempdir().unwrap();
    let px: Vec<u8> = (0..200 * 100 * 3).map(|i| (i % 256) as u8).collect();
    let good = jpeg(&px, 200, 100, ColorType::Rgb, None, None);
    fs::write(
        input.path().join("a_truncated.jpg"),
        &good[..good.len() / 3],
    )
    .unwrap();
    fs::write(input.path().join("b_empty.png"), b"").unwrap();
    fs::write(input.path().join("c_text.jpg"), b"this is not a picture").unwrap();
    let mut png = Vec::new();
    RgbImage::from_pixel(10, 10, Rgb([0, 0, 0]))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    png[40] ^= 0xff; // corrupt a chunk's data: the CRC no longer matches
    fs::write(input.path().join("d_corrupt.png"), &png).unwrap();
    fs::write(input.path().join("e_good.jpg"), &good).unwrap();
    let output = tempfile::tempdir().unwrap();
    let results = run(input.path(), output.path(), settings("50x50"), false);
    assert_eq!(results.len(), 5);
    for (path, result) in &results[..4] {
        let e = result.as_ref().expect_err("a bad file must fail");
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(e.to_string().contains(&name), "{e} does not name {name}");
    }
    assert!(matches!(results[1].1, Err(ImageError::Empty(_))));
    assert!(results[4].1.is_ok());
    assert!(output.path().join("e_good.jpg").is_file());
}

#[test]
fn pixel_limit_refuses_before_decoding() {
    let input = tempfile::tempdir().unwrap();
    RgbImage::new(100, 100)
        .save(input.path().join("big.png"))
        .unwrap();
    let output = tempfile::tempdir().unwrap();
    let s = Settings {
        max_pixels: 9_999,
        ..settings("50x50")
    };
    let r = run(input.path(), output.path(), s, false);
    assert!(
        matches!(r[0].1, Err(ImageError::TooLarge { width: 100, .. })),
        "{:?}",
        r[0].1
    );
}

#[test]
fn two_inputs_for_one_output_are_reported() {
    let input = tempfile::tempdir().unwrap();
    RgbImage::new(10, 10)
        .save(input.path().join("x.png"))
        .unwrap();
    RgbImage::new(10, 10)
        .save(input.path().join("x.gif"))
        .unwrap();
    let output = tempfile::tempdir().unwrap();
    let r = run(input.path(), output.path(), settings("5x5"), false);
    assert_eq!(r.len(), 2);
    let errors: Vec<_> = r.iter().filter_map(|(_, r)| r.as_ref().err()).collect();
    assert_eq!(errors.len(), 1);
    assert!(
        matches!(errors[0], ImageError::Collision { .. }),
        "{}",
        errors[0]
    );
    assert!(errors[0].to_string().contains("x.gif") && errors[0].to_string().contains("x.png"));
}

#[cfg(unix)]
#[test]
fn a_symlink_in_the_output_folder_cannot_lead_writes_outside() {
    let input = tempfile::tempdir().unwrap();
    fs::create_dir(input.path().join("sub")).unwrap();
    RgbImage::new(10, 10)
        .save(input.path().join("sub/p.png"))
        .unwrap();
    let output = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(outside.path(), output.path().join("sub")).unwrap();
    let r = run(input.path(), output.path(), settings("5x5"), false);
    assert!(
        matches!(r[0].1, Err(ImageError::Escape { .. })),
        "{:?}",
        r[0].1
    );
    assert_eq!(fs::read_dir(outside.path()).unwrap().count(), 0);
}

#[test]
fn output_inside_input_is_not_walked_and_same_folder_is_refused() {
    let input = tempfile::tempdir().unwrap();
    RgbImage::new(40, 40)
        .save(input.path().join("p.png"))
        .unwrap();
    let output = input.path().join("small");
    for _ in 0..2 {
        let r = run(input.path(), &output, settings("20x20"), true);
        assert_eq!(r.len(), 1, "the output folder was walked: {r:?}");
        r[0].1.as_ref().unwrap();
    }
    let same = image_jobs::Context::prepare(input.path(), input.path(), settings("20x20"), false);
    assert!(matches!(
        same,
        Err(image_jobs::SettingsError::SameFolder(_))
    ));
}

#[test]
fn shrink_on_load_keeps_quality() {
    // A detailed 1600x1200 photo-like JPEG reduced to 200: decoded at 1/8
    // (the DCT's own reduction, as sharp's fast shrink-on-load does) then
    // filtered, against a full decode filtered by `image`.
    let (w, h) = (1600u32, 1200u32);
    let src = RgbImage::from_fn(w, h, |x, y| {
        let v = ((x as f32 / 37.0).sin() * 60.0 + (y as f32 / 23.0).cos() * 60.0 + 128.0) as u8;
        Rgb([v, (x / 7) as u8, (y / 5) as u8])
    });
    let input = tempfile::tempdir().unwrap();
    fs::write(
        input.path().join("big.jpg"),
        jpeg(src.as_raw(), w as u16, h as u16, ColorType::Rgb, None, None),
    )
    .unwrap();
    let output = tempfile::tempdir().unwrap();
    let done = run(input.path(), output.path(), settings("200x200"), false)
        .remove(0)
        .1
        .unwrap();
    // 1/8 leaves exactly the 200 px of the output.
    assert_eq!(done.decoded_at, LoadScale::Eighths(1));
    let ours = image::open(output.path().join("big.jpg"))
        .unwrap()
        .to_rgb8();
    let reference = image::imageops::resize(&src, 200, 150, image::imageops::FilterType::Lanczos3);
    let d = mean_diff(&ours, &reference);
    assert!(d < 4.0, "mean difference {d}");
}

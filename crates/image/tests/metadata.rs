//! `keep_metadata`: EXIF (orientation reset) and the ICC profile survive
//! into JPEG, PNG and WebP outputs, the pixels stay in the profile's space;
//! by default everything is stripped. Outputs are read back with `image`'s
//! own decoders.
#![allow(clippy::unwrap_used)]

mod common;

use std::fs;
use std::path::Path;

use common::{jpeg, run, settings};
use image::{ImageDecoder, ImageReader, RgbImage};
use image_jobs::{Format, Settings, exif_orientation};
use jpeg_encoder::ColorType;

/// The ICC profile and EXIF block an output carries.
fn metadata_of(path: &Path) -> (Option<Vec<u8>>, Option<Vec<u8>>) {
    let mut decoder = ImageReader::open(path)
        .unwrap()
        .with_guessed_format()
        .unwrap()
        .into_decoder()
        .unwrap();
    (
        decoder.icc_profile().unwrap(),
        decoder.exif_metadata().unwrap(),
    )
}

/// A `width`x`height` image, left half red (200, 40, 40), right half blue.
fn red_left_blue_right(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, _| {
        if x < width / 2 {
            image::Rgb([200, 40, 40])
        } else {
            image::Rgb([40, 40, 200])
        }
    })
}

/// A 200x100 Adobe RGB JPEG, stored turned (EXIF orientation 6: the
/// upright image is 100x200), left half red, right half blue as stored.
fn adobe_rotated_jpeg(dir: &Path) -> Vec<u8> {
    let icc = moxcms::ColorProfile::new_adobe_rgb().encode().unwrap();
    let stored = red_left_blue_right(200, 100);
    fs::write(
        dir.join("photo.jpg"),
        jpeg(
            stored.as_raw(),
            200,
            100,
            ColorType::Rgb,
            Some(6),
            Some(&icc),
        ),
    )
    .unwrap();
    icc
}

fn keep(format: Option<Format>) -> Settings {
    Settings {
        keep_metadata: true,
        format,
        ..settings("1000x1000")
    }
}

#[test]
fn jpeg_keeps_exif_with_orientation_reset_and_the_original_profile() {
    let input = tempfile::tempdir().unwrap();
    let icc = adobe_rotated_jpeg(input.path());
    let output = tempfile::tempdir().unwrap();
    for (_, r) in run(input.path(), output.path(), keep(None), false) {
        r.unwrap();
    }
    let out = output.path().join("photo.jpg");
    let (kept_icc, exif) = metadata_of(&out);
    assert_eq!(kept_icc.as_deref(), Some(icc.as_slice()), "profile kept");
    let exif = exif.expect("EXIF kept");
    assert_eq!(exif_orientation(&exif), 1, "pixels are upright now");
    // Upright (orientation 6 = turned 90 degrees clockwise to view).
    let img = image::open(&out).unwrap().to_rgb8();
    assert_eq!(img.dimensions(), (100, 200));
    // Not converted to sRGB: the stored red is still about (200, 40, 40),
    // which conversion would have moved far.
    let mut converted = [0u8; 3];
    moxcms::ColorProfile::new_adobe_rgb()
        .create_transform_8bit(
            moxcms::Layout::Rgb,
            &moxcms::ColorProfile::new_srgb(),
            moxcms::Layout::Rgb,
            moxcms::TransformOptions::default(),
        )
        .unwrap()
        .transform(&[200, 40, 40], &mut converted)
        .unwrap();
    let far = |p: [u8; 3]| {
        p.iter()
            .zip([200u8, 40, 40])
            .any(|(a, b)| a.abs_diff(b) > 12)
    };
    assert!(far(converted), "{converted:?}");
    let top = img.get_pixel(50, 20).0;
    assert!(!far(top), "{top:?} was converted");
}

#[test]
fn png_and_webp_outputs_keep_them_too() {
    let input = tempfile::tempdir().unwrap();
    let icc = adobe_rotated_jpeg(input.path());
    for (format, lossless) in [
        (Format::Png, false),
        (Format::WebP, false),
        (Format::WebP, true),
    ] {
        let output = tempfile::tempdir().unwrap();
        let settings = Settings {
            lossless,
            ..keep(Some(format))
        };
        for (_, r) in run(input.path(), output.path(), settings, false) {
            r.unwrap();
        }
        let out = output.path().join(format!("photo.{}", format.extension()));
        let (kept_icc, exif) = metadata_of(&out);
        let label = format!("{format:?} lossless={lossless}");
        assert_eq!(kept_icc.as_deref(), Some(icc.as_slice()), "{label}");
        assert_eq!(exif_orientation(&exif.expect(&label)), 1, "{label}");
        let img = image::open(&out).unwrap();
        assert_eq!((img.width(), img.height()), (100, 200), "{label}");
    }
}

#[test]
fn metadata_is_stripped_by_default() {
    let input = tempfile::tempdir().unwrap();
    adobe_rotated_jpeg(input.path());
    let output = tempfile::tempdir().unwrap();
    for format in [Format::Jpeg, Format::Png, Format::WebP] {
        let settings = Settings {
            format: Some(format),
            ..settings("1000x1000")
        };
        for (_, r) in run(input.path(), output.path(), settings, true) {
            r.unwrap();
        }
        let out = output.path().join(format!("photo.{}", format.extension()));
        assert_eq!(metadata_of(&out), (None, None), "{format:?}");
    }
}

#[test]
fn a_profile_that_does_not_fit_a_gray_output_is_dropped() {
    let input = tempfile::tempdir().unwrap();
    let icc = moxcms::ColorProfile::new_adobe_rgb().encode().unwrap();
    let gray = vec![120u8; 64 * 32];
    fs::write(
        input.path().join("gray.jpg"),
        jpeg(&gray, 64, 32, ColorType::Luma, Some(1), Some(&icc)),
    )
    .unwrap();
    let output = tempfile::tempdir().unwrap();
    for (_, r) in run(input.path(), output.path(), keep(None), false) {
        r.unwrap();
    }
    let (kept_icc, exif) = metadata_of(&output.path().join("gray.jpg"));
    assert!(kept_icc.is_none(), "an RGB profile on gray pixels is wrong");
    assert!(exif.is_some());
}

#[test]
fn a_png_shrunk_while_streaming_keeps_its_profile_and_exif() {
    use image::ImageEncoder;
    use image::codecs::png::PngEncoder;

    // 400x200 stored, EXIF orientation 6, into a 50x100 box: shrunk by 4,
    // so the rows are box-shrunk (by 2) as they stream in, not decoded
    // whole.
    let input = tempfile::tempdir().unwrap();
    let icc = moxcms::ColorProfile::new_adobe_rgb().encode().unwrap();
    let stored = red_left_blue_right(400, 200);
    let mut bytes = Vec::new();
    let mut encoder = PngEncoder::new(&mut bytes);
    encoder.set_icc_profile(icc.clone()).unwrap();
    encoder
        .set_exif_metadata(common::exif_orientation_block(6))
        .unwrap();
    encoder
        .write_image(stored.as_raw(), 400, 200, image::ExtendedColorType::Rgb8)
        .unwrap();
    fs::write(input.path().join("art.png"), bytes).unwrap();

    for (keep_metadata, name) in [(true, "kept"), (false, "stripped")] {
        let output = tempfile::tempdir().unwrap();
        let settings = Settings {
            keep_metadata,
            ..settings("50x100")
        };
        let done = run(input.path(), output.path(), settings, false)
            .remove(0)
            .1
            .unwrap();
        // Stored 400x200 to 100x50: a box shrink by 2 while streaming
        // leaves the filter its 2x margin.
        assert_eq!(done.decoded_at, image_jobs::LoadScale::Box(2), "{name}");
        let out = output.path().join("art.png");
        let img = image::open(&out).unwrap().to_rgb8();
        // Turned upright: 200x400, fitted into 50x100.
        assert_eq!(img.dimensions(), (50, 100), "{name}");
        let (kept_icc, exif) = metadata_of(&out);
        if keep_metadata {
            assert_eq!(kept_icc.as_deref(), Some(icc.as_slice()), "{name}");
            assert_eq!(exif_orientation(&exif.expect("EXIF kept")), 1, "{name}");
            // Orientation 6 turns the stored left (red) half to the top.
            let top = img.get_pixel(25, 10).0;
            assert!(top[0] > 150 && top[2] < 90, "{top:?}");
        } else {
            assert_eq!((kept_icc, exif), (None, None), "{name}");
        }
    }
}

/// An EXIF block (big-endian) as a camera writes it: orientation 6 and a
/// pointer to the Exif IFD, which gives the stored pixel dimensions,
/// PixelXDimension as a LONG and PixelYDimension as a SHORT.
fn camera_exif(width: u32, height: u16) -> Vec<u8> {
    let mut v = b"MM\0\x2a\0\0\0\x08".to_vec();
    v.extend_from_slice(&2u16.to_be_bytes()); // IFD0: two entries
    v.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]); // Orientation 6
    let exif_ifd = 8 + 2 + 2 * 12 + 4;
    v.extend_from_slice(&[0x87, 0x69, 0, 4, 0, 0, 0, 1]); // ExifIFD pointer
    v.extend_from_slice(&(exif_ifd as u32).to_be_bytes());
    v.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    v.extend_from_slice(&2u16.to_be_bytes()); // Exif IFD: two entries
    v.extend_from_slice(&[0xa0, 0x02, 0, 4, 0, 0, 0, 1]); // PixelXDimension LONG
    v.extend_from_slice(&width.to_be_bytes());
    v.extend_from_slice(&[0xa0, 0x03, 0, 3, 0, 0, 0, 1]); // PixelYDimension SHORT
    v.extend_from_slice(&height.to_be_bytes());
    v.extend_from_slice(&[0, 0]);
    v.extend_from_slice(&0u32.to_be_bytes());
    v
}

/// A tag's value as kamadak-exif reads it from `exif` (a TIFF block).
fn exif_number(exif: &[u8], tag: exif::Tag) -> Option<u32> {
    let fields = exif::Reader::new().read_raw(exif.to_vec()).unwrap();
    fields
        .get_field(tag, exif::In::PRIMARY)
        .and_then(|f| f.value.get_uint(0))
}

#[test]
fn kept_exif_says_the_outputs_pixel_dimensions_not_the_inputs() {
    // Stored 600x400, shown turned (orientation 6) as 400x600; into a
    // 100x100 box: 67x100.
    let input = tempfile::tempdir().unwrap();
    let stored = red_left_blue_right(600, 400);
    let exif = camera_exif(600, 400);
    assert_eq!(exif_number(&exif, exif::Tag::PixelXDimension), Some(600));
    assert_eq!(exif_number(&exif, exif::Tag::PixelYDimension), Some(400));
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&exif);
    let mut bytes = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut bytes, 90);
    encoder.add_app_segment(1, app1).unwrap();
    encoder
        .encode(stored.as_raw(), 600, 400, ColorType::Rgb)
        .unwrap();
    fs::write(input.path().join("cam.jpg"), bytes).unwrap();
    for format in [Format::Jpeg, Format::Png, Format::WebP] {
        let output = tempfile::tempdir().unwrap();
        let settings = Settings {
            sizes: vec!["100x100".parse().unwrap(), "300x300".parse().unwrap()],
            ..keep(Some(format))
        };
        for (_, r) in run(input.path(), output.path(), settings, false) {
            r.unwrap();
        }
        for (suffix, want) in [("-100", (67, 100)), ("-300", (200, 300))] {
            let out = output
                .path()
                .join(format!("cam{suffix}.{}", format.extension()));
            let img = image::open(&out).unwrap();
            assert_eq!((img.width(), img.height()), want, "{format:?}{suffix}");
            let exif = metadata_of(&out).1.expect("EXIF kept");
            let label = format!("{format:?}{suffix}");
            assert_eq!(
                exif_number(&exif, exif::Tag::Orientation),
                Some(1),
                "{label}"
            );
            assert_eq!(
                exif_number(&exif, exif::Tag::PixelXDimension),
                Some(want.0),
                "{label}"
            );
            assert_eq!(
                exif_number(&exif, exif::Tag::PixelYDimension),
                Some(want.1),
                "{label}"
            );
        }
    }
}

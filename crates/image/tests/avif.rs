//! AVIF outputs: an AVIF file of the right size, and, read back by libavif's
//! `avifdec` (with dav1d: a decoder of its own), the same picture as the
//! JPEG output of the same image.
#![allow(clippy::unwrap_used)]

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::{jpeg, run, settings};
use image::RgbImage;
use image_jobs::{Format, Settings};
use jpeg_encoder::ColorType;

/// A detailed photo-like 640x480 JPEG, in `dir`.
fn photo(dir: &Path) {
    let src = RgbImage::from_fn(640, 480, |x, y| {
        let v = ((x as f32 / 29.0).sin() * 60.0 + (y as f32 / 19.0).cos() * 60.0 + 128.0) as u8;
        image::Rgb([v, (x * 255 / 640) as u8, (y * 255 / 480) as u8])
    });
    fs::write(
        dir.join("photo.jpg"),
        jpeg(src.as_raw(), 640, 480, ColorType::Rgb, None, None),
    )
    .unwrap();
}

fn make(input: &Path, format: Format) -> tempfile::TempDir {
    let output = tempfile::tempdir().unwrap();
    let s = Settings {
        format: Some(format),
        ..settings("320x320")
    };
    for (_, r) in run(input, output.path(), s, false) {
        r.unwrap();
    }
    output
}

#[test]
fn avif_outputs_are_avif_files() {
    let input = tempfile::tempdir().unwrap();
    photo(input.path());
    let out = make(input.path(), Format::Avif);
    let bytes = fs::read(out.path().join("photo.avif")).unwrap();
    // An ISO BMFF file whose brand is AVIF's.
    assert_eq!(&bytes[4..12], b"ftypavif");
    assert!(
        bytes.len() > 1000 && bytes.len() < 100_000,
        "{} bytes",
        bytes.len()
    );
}

#[test]
#[ignore = "needs avifdec (libavif-bin, .ci/deps/resizer.sh)"]
fn avifdec_reads_the_picture_the_jpeg_output_shows() {
    let input = tempfile::tempdir().unwrap();
    photo(input.path());
    let avif = make(input.path(), Format::Avif);
    let jpeg_out = make(input.path(), Format::Jpeg);
    let png = avif.path().join("decoded.png");
    let status = Command::new("avifdec")
        .arg(avif.path().join("photo.avif"))
        .arg(&png)
        .output()
        .expect("avifdec runs");
    assert!(
        status.status.success(),
        "avifdec: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let decoded = image::open(&png).unwrap().to_rgb8();
    let reference = image::open(jpeg_out.path().join("photo.jpg"))
        .unwrap()
        .to_rgb8();
    assert_eq!(decoded.dimensions(), (320, 240));
    assert_eq!(reference.dimensions(), (320, 240));
    let se: f64 = decoded
        .as_raw()
        .iter()
        .zip(reference.as_raw())
        .map(|(a, b)| (f64::from(*a) - f64::from(*b)).powi(2))
        .sum();
    let psnr = 10.0 * (255.0f64.powi(2) / (se / decoded.as_raw().len() as f64)).log10();
    // Two lossy encodings at quality 85 of the same pixels differ by
    // their two errors, each around 40 dB here: 30 dB or more. A
    // colour mix-up (channels swapped, the wrong YUV matrix or range)
    // costs far more than that.
    eprintln!("AVIF against JPEG: PSNR {psnr:.1} dB");
    assert!(psnr > 30.0, "PSNR {psnr:.1} dB");
}

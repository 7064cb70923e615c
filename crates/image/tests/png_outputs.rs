//! PNG outputs are as small as their pixels allow: a palette input (GIF)
//! gets a palette PNG, an alpha channel with nothing transparent is
//! dropped, transparency is kept. Read back with `image` and by the bytes
//! of the PNG header.
#![allow(clippy::unwrap_used)]

mod common;

use std::fs;

use common::{run, settings};
use image::{GenericImageView, ImageEncoder as _, RgbImage, Rgba, RgbaImage};

/// The colour type byte of a PNG's header (0 gray, 2 RGB, 3 palette, 4
/// gray and alpha, 6 RGBA), and whether it has a tRNS chunk.
fn png_kind(path: &std::path::Path) -> (u8, bool) {
    let bytes = fs::read(path).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{}", path.display());
    let trns = bytes.windows(4).any(|w| w == b"tRNS");
    (bytes[25], trns)
}

/// A photo-like picture in at most 256 colours, as a GIF holds it.
fn gif_picture(w: u32, h: u32) -> RgbaImage {
    RgbaImage::from_fn(w, h, |x, y| {
        let v = ((x as f32 / 23.0).sin() * 60.0 + (y as f32 / 17.0).cos() * 60.0 + 128.0) as u8;
        // Four bits of red, three of green, one of blue: 256 colours.
        Rgba([
            v & 0xf0,
            ((x * 255 / w) as u8) & 0xe0,
            ((y * 2 / h) * 255) as u8,
            255,
        ])
    })
}

fn psnr(a: &RgbImage, b: &RgbImage) -> f64 {
    let d = mean_squared(a, b);
    10.0 * (255.0f64 * 255.0 / d).log10()
}

fn mean_squared(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let se: f64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| (f64::from(*x) - f64::from(*y)).powi(2))
        .sum();
    se / a.as_raw().len() as f64
}

#[test]
fn an_opaque_gif_becomes_a_palette_png_well_under_its_rgba_size() {
    let input = tempfile::tempdir().unwrap();
    let picture = gif_picture(600, 400);
    picture.save(input.path().join("art.gif")).unwrap();
    let output = tempfile::tempdir().unwrap();
    run(input.path(), output.path(), settings("300x300"), false)[0]
        .1
        .as_ref()
        .unwrap();
    let out = output.path().join("art.png");
    assert_eq!(png_kind(&out), (3, false), "a palette PNG, no transparency");
    // What the same pixels took as RGBA, as they were written before.
    let pixels = image::open(&out).unwrap();
    assert_eq!(pixels.dimensions(), (300, 200));
    let mut rgba = Vec::new();
    image::codecs::png::PngEncoder::new_with_quality(
        &mut rgba,
        image::codecs::png::CompressionType::Fast,
        image::codecs::png::FilterType::Adaptive,
    )
    .write_image(
        pixels.to_rgba8().as_raw(),
        300,
        200,
        image::ExtendedColorType::Rgba8,
    )
    .unwrap();
    let size = fs::metadata(&out).unwrap().len();
    eprintln!("palette {size} bytes, RGBA {} bytes", rgba.len());
    assert!(
        size * 2 < rgba.len() as u64,
        "palette {size} bytes against RGBA {}",
        rgba.len()
    );
    // And still the picture: against an exact Lanczos3 of the GIF.
    let reference = image::imageops::resize(
        &image::DynamicImage::ImageRgba8(picture).to_rgb8(),
        300,
        200,
        image::imageops::FilterType::Lanczos3,
    );
    let db = psnr(&pixels.to_rgb8(), &reference);
    assert!(db > 28.0, "PSNR {db:.1} dB");
}

#[test]
fn an_opaque_rgba_png_loses_its_alpha_and_a_transparent_gif_keeps_it() {
    let input = tempfile::tempdir().unwrap();
    // Many colours, alpha 255 everywhere: RGB out (not a palette: it is
    // not a palette input and its colours do not fit).
    RgbaImage::from_fn(300, 200, |x, y| {
        Rgba([x as u8, y as u8, (x ^ y) as u8, 255])
    })
    .save(input.path().join("opaque.png"))
    .unwrap();
    // A GIF with a transparent background.
    let mut gif = gif_picture(300, 200);
    for (x, _, p) in gif.enumerate_pixels_mut() {
        if x < 100 {
            *p = Rgba([0, 0, 0, 0]);
        }
    }
    gif.save(input.path().join("cutout.gif")).unwrap();
    let output = tempfile::tempdir().unwrap();
    for (_, r) in run(input.path(), output.path(), settings("150x150"), false) {
        r.unwrap();
    }
    assert_eq!(png_kind(&output.path().join("opaque.png")), (2, false));
    let cutout = output.path().join("cutout.png");
    assert_eq!(png_kind(&cutout), (3, true), "palette with transparency");
    let px = image::open(&cutout).unwrap().to_rgba8();
    assert_eq!(
        px.get_pixel(10, 50).0[3],
        0,
        "transparent stays transparent"
    );
    assert_eq!(px.get_pixel(120, 50).0[3], 255, "opaque stays opaque");
}

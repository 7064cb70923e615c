//! Helpers shared by the image-jobs tests: real images made with real
//! encoders, and a one-call run of the pipeline.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use image_jobs::{Context, Done, ImageError, Settings, Walker, process};
use jpeg_encoder::{ColorType, Encoder, SamplingFactor};

/// An EXIF block (TIFF header, big-endian) holding only the orientation.
pub fn exif_orientation_block(orientation: u16) -> Vec<u8> {
    let mut v = b"MM\0\x2a\0\0\0\x08".to_vec(); // TIFF header, IFD at 8
    v.extend_from_slice(&1u16.to_be_bytes()); // one entry
    v.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
    v.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    v.extend_from_slice(&1u32.to_be_bytes()); // count 1
    v.extend_from_slice(&orientation.to_be_bytes());
    v.extend_from_slice(&[0, 0]); // padding of the value field
    v.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    v
}

/// Encodes interleaved `data` as a JPEG (quality 95, 4:4:4), with an
/// APP1 EXIF segment for `orientation` and an ICC profile if given.
pub fn jpeg(
    data: &[u8],
    w: u16,
    h: u16,
    color: ColorType,
    orientation: Option<u16>,
    icc: Option<&[u8]>,
) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = Encoder::new(&mut out, 95);
    enc.set_sampling_factor(SamplingFactor::F_1_1);
    if let Some(o) = orientation {
        // APP1 "Exif\0\0" + TIFF, built by hand.
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend_from_slice(&exif_orientation_block(o));
        enc.add_app_segment(1, app1).expect("app1");
    }
    if let Some(icc) = icc {
        enc.add_icc_profile(icc).expect("icc");
    }
    enc.encode(data, w, h, color).expect("encode jpeg");
    out
}

/// A run over `input` into `output`: every job's result, in walk order.
pub fn run(
    input: &Path,
    output: &Path,
    settings: Settings,
    force: bool,
) -> Vec<(PathBuf, Result<Done, ImageError>)> {
    let ctx: Arc<Context> = Context::prepare(input, output, settings, force).expect("prepare");
    Walker::new(Arc::clone(&ctx))
        .map(|item| match item {
            Ok(job) => (job.input.clone(), process(&ctx, &job)),
            Err(e) => (PathBuf::new(), Err(e)),
        })
        .collect()
}

/// Whether a run over `input` into `output` would skip every image as up
/// to date, as the walk tells the pool.
pub fn all_up_to_date(input: &Path, output: &Path, settings: Settings, force: bool) -> bool {
    use pool::JobSource as _;
    let ctx: Arc<Context> = Context::prepare(input, output, settings, force).expect("prepare");
    let mut walker = Walker::new(ctx);
    let jobs: Vec<_> = walker.by_ref().map(|job| job.expect("a job")).collect();
    !jobs.is_empty() && jobs.iter().all(|job| walker.should_skip(job))
}

/// Settings for one box.
pub fn settings(size: &str) -> Settings {
    Settings {
        sizes: vec![size.parse().expect("size")],
        ..Settings::default()
    }
}

/// Mean absolute difference per channel of two RGB8 images of one size.
pub fn mean_diff(a: &image::RgbImage, b: &image::RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let sum: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    sum as f64 / a.as_raw().len() as f64
}

/// Decodes a JPEG output with jpeg-decoder: pixels and pixel format.
pub fn read_jpeg(path: &Path) -> (Vec<u8>, u16, u16, jpeg_decoder::PixelFormat) {
    let bytes = std::fs::read(path).expect("read output");
    let mut d = jpeg_decoder::Decoder::new(std::io::Cursor::new(bytes));
    let px = d.decode().expect("decode output");
    let info = d.info().expect("info");
    (px, info.width, info.height, info.pixel_format)
}

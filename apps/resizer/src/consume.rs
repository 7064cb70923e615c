//! `resizer consume`: the folders and what shapes each output; each
//! message names one image.

use std::path::{Path, PathBuf};

use image_jobs::{Background, Crop, Filter, Fit, Format, Resizer, Settings, Size};
use pool::cli::{Consume, NoFlags};

use crate::app::ResizerApp;

/// The folders and settings of `resizer consume` (the images come as
/// messages naming them).
#[derive(Debug, Clone, clap::Args)]
pub struct Folders {
    /// The folder (or s3://bucket/prefix) the messages' images are in
    pub input: PathBuf,

    /// Where the resized images go (created if missing; must differ from
    /// the input folder)
    pub output: PathBuf,

    /// A box to fit images in, WxH (repeatable: one decode, several
    /// outputs named photo-800.jpg, photo-200.jpg); a message's "sizes"
    /// replace them for its image
    #[arg(long, short, required = true, value_name = "WxH")]
    pub size: Vec<Size>,

    /// contain (fit inside the box), cover (fill it, crop the centre) or
    /// exact (distort to the box)
    #[arg(long, env = "RESIZER_FIT", default_value = "contain")]
    pub fit: Fit,

    /// Which part --fit cover keeps: centre, entropy (the most detail) or
    /// attention (edges, saturated colour, skin tones)
    #[arg(long, env = "RESIZER_CROP", default_value = "centre")]
    pub crop: Crop,

    /// Resampling filter: lanczos3, mitchell, catmullrom, hamming,
    /// bilinear, box or nearest
    #[arg(long, env = "RESIZER_FILTER", default_value = "lanczos3")]
    pub filter: Filter,

    /// Output format: jpeg, png, webp (lossy with --quality, or
    /// --lossless) or avif (with --quality and --avif-speed; always sRGB)
    /// [default: JPEG for JPEG inputs, WebP for WebP, PNG for PNG, GIF, BMP
    /// and TIFF; the PNGs of GIF and palette PNG inputs have a palette too]
    #[arg(long, env = "RESIZER_FORMAT")]
    pub format: Option<Format>,

    /// JPEG, lossy WebP and AVIF quality, 1 to 100
    #[arg(long, env = "RESIZER_QUALITY", default_value_t = 85,
          value_parser = clap::value_parser!(u8).range(1..=100))]
    pub quality: u8,

    /// AVIF encoding speed: 1 (slowest, smallest files) to 10 (fastest)
    #[arg(long, env = "RESIZER_AVIF_SPEED", default_value_t = 6,
          value_parser = clap::value_parser!(u8).range(1..=10))]
    pub avif_speed: u8,

    /// Write WebP outputs losslessly (--quality is then unused for them)
    #[arg(long)]
    pub lossless: bool,

    /// Keep the input's EXIF (orientation reset to upright, pixel
    /// dimensions set to the output's) and ICC profile;
    /// colours then stay in that profile instead of being converted to sRGB
    /// (CMYK is still converted). XMP and other metadata are not kept
    #[arg(long)]
    pub keep_metadata: bool,

    /// Colour under transparent pixels in JPEG outputs: white, black or
    /// #rrggbb
    #[arg(long, env = "RESIZER_BACKGROUND", default_value = "white")]
    pub background: Background,

    /// Scale up images smaller than the box (by default they keep their
    /// size)
    #[arg(long)]
    pub enlarge: bool,

    /// Refuse images with more pixels than this, before decoding them
    #[arg(long, env = "RESIZER_MAX_PIXELS", default_value_t = 100_000_000)]
    pub max_pixels: u64,

    /// Where the failed images are listed (path, tab, reason)
    #[arg(long, env = "RESIZER_FAILURES", default_value = "resizer-failures.tsv")]
    pub failures: PathBuf,
}

impl Consume for ResizerApp {
    type Settings = Folders;

    async fn consumer(
        folders: Folders,
        _worker: NoFlags,
        _quiet: bool,
        _staging: &Path,
    ) -> anyhow::Result<Resizer> {
        let settings = Settings {
            sizes: folders.size,
            fit: folders.fit,
            crop: folders.crop,
            filter: folders.filter,
            format: folders.format,
            quality: folders.quality,
            avif_speed: folders.avif_speed,
            lossless: folders.lossless,
            keep_metadata: folders.keep_metadata,
            background: folders.background,
            enlarge: folders.enlarge,
            max_pixels: folders.max_pixels,
        };
        // A message is work asked for: it is done even when its outputs
        // look up to date.
        Ok(Resizer::open(
            &folders.input,
            &folders.output,
            settings,
            true,
            None,
            folders.failures,
        )?)
    }
}

//! The command line.

use std::path::PathBuf;

use clap::Parser;
use image_jobs::{Background, Crop, Filter, Fit, Format, Resizer, Settings, SettingsError, Size};
use pool::cli::PoolArgs;

/// Resize a folder of images (JPEG, PNG, WebP, GIF, BMP, TIFF) into
/// another, mirroring its tree: EXIF orientation applied, ICC profiles and
/// CMYK converted to sRGB, metadata stripped (unless --keep-metadata).
/// An image whose outputs were made from it as it is now (same size and
/// modification time, recorded in the output folder's .resizer-sources)
/// with the same settings is skipped (so an interrupted run resumes)
/// unless --force.
#[derive(Debug, Parser)]
#[command(name = "resizer", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub inputs: Inputs,

    #[command(flatten)]
    pub pool: PoolArgs,
}

/// The folders and what shapes each output: the same for a single-machine
/// run and `resizer enqueue`.
#[derive(Debug, Clone, clap::Args)]
pub struct Inputs {
    /// The folder of images, walked recursively, or s3://bucket/prefix
    pub input: PathBuf,

    /// Where the resized images go (created if missing; must differ from
    /// the input folder), or s3://bucket/prefix
    pub output: PathBuf,

    #[command(flatten)]
    pub shape: Shape,

    /// Redo outputs that are up to date
    #[arg(long)]
    pub force: bool,

    /// Where the failed inputs are listed (path, tab, reason), if any fail;
    /// a run that completes without failures removes an old one
    #[arg(long, env = "RESIZER_FAILURES", default_value = "resizer-failures.tsv")]
    pub failures: PathBuf,

    /// Process only the files listed in LIST (one path per line, absolute or
    /// relative to INPUT; text after a tab is ignored), e.g. the failures
    /// file of an earlier run
    #[arg(long, value_name = "LIST")]
    pub only: Option<PathBuf>,
}

/// What shapes each output: the same for a single-machine run, `resizer
/// enqueue` and `resizer consume`.
#[derive(Debug, Clone, clap::Args)]
pub struct Shape {
    /// A box to fit images in, WxH (repeatable, each size once: one
    /// decode, several outputs named photo-800.jpg, photo-200.jpg)
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
    /// (decompression bombs)
    #[arg(long, env = "RESIZER_MAX_PIXELS", default_value_t = 100_000_000)]
    pub max_pixels: u64,
}

impl Inputs {
    /// The resizer the flags ask for, its folders checked.
    pub fn resizer(&self) -> Result<Resizer, SettingsError> {
        Resizer::open(
            &self.input,
            &self.output,
            self.shape.settings(),
            self.force,
            self.only.as_deref(),
            self.failures.clone(),
        )
    }
}

impl Shape {
    /// The image settings the flags ask for.
    pub fn settings(&self) -> Settings {
        Settings {
            sizes: self.size.clone(),
            fit: self.fit,
            crop: self.crop,
            filter: self.filter,
            format: self.format,
            quality: self.quality,
            avif_speed: self.avif_speed,
            lossless: self.lossless,
            keep_metadata: self.keep_metadata,
            background: self.background,
            enlarge: self.enlarge,
            max_pixels: self.max_pixels,
        }
    }
}

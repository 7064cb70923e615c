//! image-jobs: resize a folder of images, correctly and fast.
//!
//! [`Resizer`] is the whole `resizer` tool as a [`pool::Tool`]; these are
//! its pieces, one folder per stage of the pipeline (input, decode, resize,
//! colour, encode):
//!
//! - [`Context::prepare`] checks the settings and folders once;
//! - [`Walker`] walks the input folder lazily, yielding one [`Job`] per
//!   image (outputs mirror the tree; two inputs that would write the same
//!   output are reported);
//! - [`process`] does one job: JPEGs are decoded by libjpeg-turbo at a
//!   reduced DCT size (shrink-on-load, leaving the filter at least a 2x
//!   reduction), other formats through `image`; each size is resampled with
//!   fast_image_resize (premultiplied alpha), turned upright per its EXIF
//!   orientation, converted to sRGB from its ICC profile (CMYK too) and
//!   encoded (JPEG 4:2:0 with jpeg-encoder, PNG up to 16 bits, lossy WebP
//!   with libwebp or lossless WebP). Metadata is stripped, or with
//!   [`Settings::keep_metadata`] EXIF (orientation reset) and the ICC
//!   profile are kept. An input whose outputs were made from it as it is
//!   now (same size and modification time, as recorded in the output
//!   folder when they were written) with the same settings is skipped;
//!   nothing is written outside the output folder or over an input.
//!
//! # Example
//!
//! ```
//! use image_jobs::{Context, Settings, Walker, process};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let input = tempfile::tempdir()?;
//! let output = tempfile::tempdir()?;
//! let photo = image::RgbImage::from_pixel(1600, 1200, image::Rgb([200, 100, 50]));
//! photo.save(input.path().join("photo.png"))?;
//!
//! let settings = Settings { sizes: vec!["800x800".parse()?], ..Settings::default() };
//! let ctx = Context::prepare(input.path(), output.path(), settings, false)?;
//! for job in Walker::new(ctx.clone()) {
//!     let done = process(&ctx, &job?)?;
//!     assert_eq!(done.written, 1);
//! }
//! let out = image::open(output.path().join("photo.png"))?;
//! assert_eq!((out.width(), out.height()), (800, 600));
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

// The pipeline's stages, one folder each, in the order a job runs them:
// input (the walk) -> decode -> resize (geometry, shrink, orientation) ->
// colour (ICC to sRGB, metadata) -> encode. The shared types (pixels,
// settings, errors) sit below them all.
mod colour;
mod context;
mod decode;
mod encode;
mod error;
mod input;
mod job;
mod made;
mod pixels;
mod remote;
mod resize;
mod settings;
mod tiff;
mod tool;

pub use context::{Context, SETTINGS_FILE};
pub use decode::LoadScale;
pub use error::{ImageError, SettingsError};
pub use input::{Job, Walker, own_format};
pub use job::{Done, process};
pub use made::SOURCES_DIR;
pub use remote::Remote;
pub use resize::geometry::{Plan, plan};
pub use resize::orient::{exif_orientation, reset_orientation};
pub use settings::{Background, Crop, Filter, Fit, Format, Settings, Size};
pub use tool::{Resize, ResizePlan, Resizer};

//! Encoding: JPEG with libjpeg-turbo (4:2:0, chroma fitted to the
//! decoder's upsampling, or resampled from a JPEG input's own), PNG and
//! lossless WebP
//! with `image`, lossy WebP with libwebp, AVIF with rav1e; kept metadata
//! written into each.

mod avif;
pub(crate) mod chroma;
pub(crate) mod jpeg;
mod palette;
mod webp;

use image::codecs::png::{CompressionType, FilterType as PngFilter, PngEncoder};
use image::codecs::webp::WebPEncoder;
use image::{ExtendedColorType, ImageEncoder};

use crate::colour::metadata::Metadata;
use crate::pixels::{Channels, Pixels};
use crate::settings::Format;

/// How outputs are encoded.
#[derive(Debug, Clone, Copy)]
pub struct Encoding {
    /// The file format.
    pub format: Format,
    /// JPEG, lossy WebP and AVIF quality, 1 to 100.
    pub quality: u8,
    /// AVIF encoding speed, 1 (slowest, smallest) to 10.
    pub avif_speed: u8,
    /// WebP: lossless instead of lossy.
    pub lossless: bool,
    /// Colour that alpha is flattened onto for JPEG.
    pub background: [u8; 3],
    /// The input was a palette image: a PNG output is quantised to a
    /// palette too (any PNG output whose colours fit is indexed exactly).
    pub palette: bool,
}

/// Encodes `px` as `how` asks, with `meta` (which may be empty). JPEG has
/// alpha flattened onto the background; 16-bit samples are kept for PNG
/// only.
///
/// # Errors
///
/// The encoder's message.
pub fn encode(px: Pixels, how: &Encoding, meta: &Metadata) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(px.data.len() / 8 + 1024);
    match how.format {
        Format::Jpeg => {
            let px = px.into_8bit().flatten(how.background);
            return if px.channels == Channels::L {
                jpeg::encode_gray(&px, how.quality, meta)
            } else {
                // 4:2:0, with chroma samples chosen for the decoder's
                // upsampling (see `chroma`).
                jpeg::encode_420(
                    &chroma::from_rgb(&px.data, px.width, px.height),
                    how.quality,
                    meta,
                )
            };
        }
        Format::Png => {
            if let Some(indexed) = palette::index(&px, how.palette) {
                return palette::encode_png(&indexed, meta);
            }
            let mut encoder =
                PngEncoder::new_with_quality(&mut out, CompressionType::Fast, PngFilter::Adaptive);
            with_metadata(&mut encoder, meta, px.channels.is_gray())?;
            encoder
                .write_image(&px.data, px.width, px.height, color_type(&px))
                .map_err(|e| e.to_string())?;
        }
        Format::WebP if how.lossless => {
            let px = px.into_8bit();
            let mut encoder = WebPEncoder::new_lossless(&mut out);
            // WebP stores gray as RGB, so only an RGB profile fits.
            with_metadata(&mut encoder, meta, false)?;
            encoder
                .write_image(&px.data, px.width, px.height, color_type(&px))
                .map_err(|e| e.to_string())?;
        }
        Format::WebP => return crate::encode::webp::encode_lossy(px, how.quality, meta),
        Format::Avif => return avif::encode(px, how.quality, how.avif_speed, meta),
    }
    Ok(out)
}

/// Hands `meta` to one of `image`'s encoders.
fn with_metadata(
    encoder: &mut impl ImageEncoder,
    meta: &Metadata,
    gray: bool,
) -> Result<(), String> {
    if let Some(icc) = meta.icc_for(gray) {
        encoder
            .set_icc_profile(icc.to_vec())
            .map_err(|e| e.to_string())?;
    }
    if let Some(exif) = &meta.exif {
        encoder
            .set_exif_metadata(exif.clone())
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn color_type(px: &Pixels) -> ExtendedColorType {
    match (px.channels, px.depth16) {
        (Channels::L, false) => ExtendedColorType::L8,
        (Channels::La, false) => ExtendedColorType::La8,
        (Channels::Rgb, false) => ExtendedColorType::Rgb8,
        (Channels::Rgba, false) => ExtendedColorType::Rgba8,
        (Channels::L, true) => ExtendedColorType::L16,
        (Channels::La, true) => ExtendedColorType::La16,
        (Channels::Rgb, true) => ExtendedColorType::Rgb16,
        (Channels::Rgba, true) => ExtendedColorType::Rgba16,
    }
}

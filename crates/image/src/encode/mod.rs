//! Encoding: JPEG with jpeg-encoder (4:2:0, chroma fitted to the
//! decoder's upsampling, SIMD DCT), PNG and lossless WebP
//! with `image`, lossy WebP with libwebp, AVIF with rav1e; kept metadata
//! written into each.

mod avif;
mod chroma;
mod palette;
mod webp;

use image::codecs::png::{CompressionType, FilterType as PngFilter, PngEncoder};
use image::codecs::webp::WebPEncoder;
use image::{ExtendedColorType, ImageEncoder};
use jpeg_encoder::{ChromaSubsamplingMethod, ColorType, Encoder, SamplingFactor};

use crate::colour::metadata::Metadata;
use crate::encode::chroma::Ycbcr420;
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
            let (w, h) = dims16(&px)?;
            let mut encoder = Encoder::new(&mut out, how.quality);
            if let Some(exif) = &meta.exif {
                encoder
                    .add_app_segment(1, [b"Exif\0\0".as_slice(), exif].concat())
                    .map_err(|e| e.to_string())?;
            }
            if let Some(icc) = meta.icc_for(px.channels.is_gray()) {
                encoder.add_icc_profile(icc).map_err(|e| e.to_string())?;
            }
            if px.channels == Channels::L {
                encoder
                    .encode(&px.data, w, h, ColorType::Luma)
                    .map_err(|e| e.to_string())?;
            } else {
                // 4:2:0, with chroma samples chosen for the decoder's
                // upsampling (see `chroma`); each 2x2 block carries its
                // sample, so averaging it keeps it.
                encoder.set_sampling_factor(SamplingFactor::F_2_2);
                encoder.set_chroma_subsampling_method(ChromaSubsamplingMethod::Average);
                encoder
                    .encode_image(Ycbcr420::from_rgb(&px.data, w, h))
                    .map_err(|e| e.to_string())?;
            }
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

fn dims16(px: &Pixels) -> Result<(u16, u16), String> {
    match (u16::try_from(px.width), u16::try_from(px.height)) {
        (Ok(w), Ok(h)) => Ok((w, h)),
        _ => Err(format!(
            "{}x{} is too large for JPEG (65535 at most)",
            px.width, px.height
        )),
    }
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

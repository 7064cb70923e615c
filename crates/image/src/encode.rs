//! Encoding: JPEG with jpeg-encoder (4:2:0, SIMD), PNG and lossless WebP
//! with `image`.

use image::codecs::png::{CompressionType, FilterType as PngFilter, PngEncoder};
use image::codecs::webp::WebPEncoder;
use image::{ExtendedColorType, ImageEncoder};
use jpeg_encoder::{ChromaSubsamplingMethod, ColorType, Encoder, SamplingFactor};

use crate::pixels::{Channels, Pixels};
use crate::settings::Format;

/// Encodes `px` as `format`. JPEG gets `quality` and has alpha flattened
/// onto `background`; 16-bit samples are kept for PNG only.
///
/// # Errors
///
/// The encoder's message.
pub fn encode(
    px: Pixels,
    format: Format,
    quality: u8,
    background: [u8; 3],
) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(px.data.len() / 8 + 1024);
    match format {
        Format::Jpeg => {
            let px = px.into_8bit().flatten(background);
            let (w, h) = dims16(&px)?;
            let mut encoder = Encoder::new(&mut out, quality);
            let color = match px.channels {
                Channels::L => ColorType::Luma,
                _ => {
                    encoder.set_sampling_factor(SamplingFactor::F_2_2);
                    // Box-average each 2x2 chroma block, as libjpeg does
                    // (the crate's default keeps the top-left sample).
                    encoder.set_chroma_subsampling_method(ChromaSubsamplingMethod::Average);
                    ColorType::Rgb
                }
            };
            encoder
                .encode(&px.data, w, h, color)
                .map_err(|e| e.to_string())?;
        }
        Format::Png => {
            let encoder =
                PngEncoder::new_with_quality(&mut out, CompressionType::Fast, PngFilter::Adaptive);
            encoder
                .write_image(&px.data, px.width, px.height, color_type(&px))
                .map_err(|e| e.to_string())?;
        }
        Format::WebP => {
            let px = px.into_8bit();
            WebPEncoder::new_lossless(&mut out)
                .write_image(&px.data, px.width, px.height, color_type(&px))
                .map_err(|e| e.to_string())?;
        }
    }
    Ok(out)
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

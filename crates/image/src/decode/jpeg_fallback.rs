//! JPEG decoding through jpeg-decoder (pure Rust) for what libjpeg-turbo
//! does not take: lossless JPEGs, headers it refuses, and files it only
//! decodes with a warning (data missing or damaged), where jpeg-decoder's
//! verdict decides, as it did before libjpeg-turbo was used.

use std::io::Cursor;
use std::path::Path;

use crate::colour;
use crate::decode::decoded::{Decoded, Header, LoadScale};
use crate::decode::jpeg_markers::JpegMarkers;
use crate::error::ImageError;
use crate::pixels::{Channels, Pixels};
use crate::resize::orient;

/// Decodes `bytes` (of `path`) with jpeg-decoder at the eighths of its size
/// that `eighths` picks, after `check` has accepted its size. Metadata
/// comes from `markers`, read from the same bytes.
///
/// # Errors
///
/// [`ImageError::TooLarge`] from `check`, or [`ImageError::Decode`] naming
/// `path`.
pub fn decode(
    path: &Path,
    bytes: &[u8],
    check: impl Fn(u32, u32) -> Result<(), ImageError>,
    eighths: impl FnOnce(Header) -> u32,
    markers: &JpegMarkers,
) -> Result<Decoded, ImageError> {
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    decoder
        .read_info()
        .map_err(|e| ImageError::decode(path, e))?;
    let info = decoder
        .info()
        .ok_or_else(|| ImageError::decode(path, "no frame header"))?;
    let (full_w, full_h) = (u32::from(info.width), u32::from(info.height));
    check(full_w, full_h)?;
    let orientation = markers.exif.as_deref().map_or(1, orient::exif_orientation);
    let eighths = eighths(Header {
        width: full_w,
        height: full_h,
        orientation,
    });
    if eighths < 8 {
        let scaled = |len: u32| u16::try_from((len * eighths).div_ceil(8)).unwrap_or(u16::MAX);
        decoder
            .scale(scaled(full_w), scaled(full_h))
            .map_err(|e| ImageError::decode(path, e))?;
    }
    let data = decoder.decode().map_err(|e| ImageError::decode(path, e))?;
    let info = decoder
        .info()
        .ok_or_else(|| ImageError::decode(path, "no frame header"))?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    let (channels, depth16) = match info.pixel_format {
        jpeg_decoder::PixelFormat::L8 => (Channels::L, false),
        jpeg_decoder::PixelFormat::L16 => (Channels::L, true),
        jpeg_decoder::PixelFormat::RGB24 => (Channels::Rgb, false),
        jpeg_decoder::PixelFormat::CMYK32 => {
            let mut cmyk = data;
            if !markers.adobe {
                // jpeg-decoder assumes Adobe's inverted CMYK and turns it
                // into ink amounts; plain CMYK (no APP14 "Adobe" segment)
                // is stored as ink amounts already.
                cmyk.iter_mut().for_each(|v| *v = 255 - *v);
            }
            return Ok(Decoded {
                pixels: crate::decode::decoded::whole_pixels(
                    colour::cmyk_to_rgb(&cmyk, w, h, markers.icc.as_deref()),
                    full_w,
                    full_h,
                    eighths,
                ),
                chroma: None,
                orientation,
                icc: None,
                exif: markers.exif.clone(),
                scale: LoadScale::Eighths(eighths.clamp(1, 8)),
                palette: false,
            });
        }
    };
    let expected = w as usize * h as usize * channels.count() * if depth16 { 2 } else { 1 };
    if data.len() < expected {
        return Err(ImageError::decode(path, "decoder returned too few pixels"));
    }
    Ok(Decoded {
        chroma: None,
        pixels: crate::decode::decoded::whole_pixels(
            Pixels {
                width: w,
                height: h,
                channels,
                depth16,
                data,
            },
            full_w,
            full_h,
            eighths,
        ),
        orientation,
        icc: markers.icc.clone(),
        exif: markers.exif.clone(),
        scale: LoadScale::Eighths(eighths.clamp(1, 8)),
        palette: false,
    })
}

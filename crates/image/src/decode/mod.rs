//! Decoding: JPEG through libjpeg-turbo with reduced-size IDCT
//! (shrink-on-load, see [`jpeg`](crate::decode::jpeg); progressive files
//! at 1/4 and 1/2 through [`progressive`]),
//! non-interlaced PNG box-shrunk as its rows stream in, the other formats
//! through `image`.

use std::io::Cursor;
use std::path::Path;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};

mod animation;
mod decoded;
mod jpeg;
mod jpeg_fallback;
pub(crate) mod jpeg_markers;
mod jpeg_scans;
mod png_stream;
mod progressive;
#[cfg(test)]
mod test_jpeg;

use crate::error::ImageError;
use crate::resize::geometry::LoadShrink;

pub use decoded::{Chroma, Decoded, Header, LoadScale, from_dynamic};

/// Decodes `bytes` (the contents of `path`). `max_pixels` is checked on
/// the header before any pixel is decoded. `shrink` is asked how far the
/// image may be shrunk while loading: JPEGs are decoded at that many
/// eighths of their size, non-interlaced PNGs box-shrunk as rows stream in.
/// `planes` is asked, given a YCbCr JPEG's ICC profile, whether the caller
/// takes its Y, Cb and Cr planes as stored (see [`Decoded::chroma`])
/// rather than RGB pixels.
///
/// # Errors
///
/// [`ImageError::Empty`], [`ImageError::Unsupported`],
/// [`ImageError::TooLarge`] or [`ImageError::Decode`], naming `path`.
pub fn decode(
    path: &Path,
    bytes: &[u8],
    max_pixels: u64,
    shrink: impl FnOnce(Header) -> LoadShrink,
    planes: impl FnOnce(Option<&[u8]>) -> bool,
) -> Result<Decoded, ImageError> {
    if bytes.is_empty() {
        return Err(ImageError::Empty(path.to_owned()));
    }
    let format = image::guess_format(bytes).map_err(|_| ImageError::Unsupported {
        path: path.to_owned(),
        reason: "unknown file signature".into(),
    })?;
    if let Some(frames) = animation::frames(format, bytes) {
        return Err(ImageError::Unsupported {
            path: path.to_owned(),
            reason: format!(
                "an animated {} of {frames} frames; only still images are resized",
                animation::name(format)
            ),
        });
    }
    let check = |w: u32, h: u32| {
        if u64::from(w) * u64::from(h) > max_pixels {
            Err(ImageError::TooLarge {
                path: path.to_owned(),
                width: w,
                height: h,
                limit: max_pixels,
            })
        } else {
            Ok(())
        }
    };
    let mut decoded = match format {
        ImageFormat::Jpeg => jpeg::decode(path, bytes, check, |h| shrink(h).jpeg_eighths, planes),
        ImageFormat::Png => match png_stream::decode(path, bytes, &check, shrink)? {
            Some(decoded) => Ok(decoded),
            None => decode_other(path, bytes, format, check),
        },
        ImageFormat::Gif | ImageFormat::Bmp | ImageFormat::Tiff | ImageFormat::WebP => {
            decode_other(path, bytes, format, check)
        }
        other => Err(ImageError::Unsupported {
            path: path.to_owned(),
            reason: format!("{other:?} is not read"),
        }),
    }?;
    // An alpha channel that is opaque everywhere only costs: the outputs
    // go without it (a GIF or an RGBA PNG with nothing transparent).
    decoded.pixels = decoded.pixels.without_opaque_alpha();
    decoded.palette = is_palette(format, bytes);
    Ok(decoded)
}

/// Whether the file stores its pixels as palette indices: every GIF, and
/// a PNG whose header says colour type 3.
fn is_palette(format: ImageFormat, bytes: &[u8]) -> bool {
    match format {
        ImageFormat::Gif => true,
        // Signature (8), IHDR length and name (8), width, height (8), bit
        // depth (1), then the colour type.
        ImageFormat::Png => bytes.get(8 + 8 + 8 + 1) == Some(&3),
        _ => false,
    }
}

fn decode_other(
    path: &Path,
    bytes: &[u8],
    format: ImageFormat,
    check: impl Fn(u32, u32) -> Result<(), ImageError>,
) -> Result<Decoded, ImageError> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.no_limits();
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| ImageError::decode(path, e))?;
    let (w, h) = decoder.dimensions();
    check(w, h)?;
    let orientation = decoder.orientation().map_or(1, |o| o.to_exif());
    let icc = decoder.icc_profile().ok().flatten();
    let exif = decoder.exif_metadata().ok().flatten();
    let image = DynamicImage::from_decoder(decoder).map_err(|e| ImageError::decode(path, e))?;
    Ok(Decoded {
        pixels: from_dynamic(image),
        chroma: None,
        orientation,
        icc,
        exif,
        scale: LoadScale::Full,
        palette: false,
    })
}

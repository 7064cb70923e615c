//! Decoding: JPEG through jpeg-decoder with reduced-size IDCT
//! (shrink-on-load), the other formats through `image`.

use std::io::Cursor;
use std::path::Path;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};

use crate::color;
use crate::error::ImageError;
use crate::geometry::LoadShrink;
use crate::orient;
use crate::pixels::{Channels, Pixels};
use crate::png_stream;

/// A decoded image with what is needed to show it right.
#[derive(Debug)]
pub struct Decoded {
    /// The pixels, as stored (not yet turned upright), possibly shrunk.
    pub pixels: Pixels,
    /// The EXIF orientation, 1 to 8.
    pub orientation: u8,
    /// The embedded ICC profile, if any (already applied for CMYK).
    pub icc: Option<Vec<u8>>,
    /// The raw EXIF block, if any.
    pub exif: Option<Vec<u8>>,
}

/// Size and orientation, read before the pixels are decoded.
#[derive(Debug, Clone, Copy)]
pub struct Header {
    /// Stored width.
    pub width: u32,
    /// Stored height.
    pub height: u32,
    /// EXIF orientation, 1 to 8.
    pub orientation: u8,
}

/// Decodes `bytes` (the contents of `path`). `max_pixels` is checked on
/// the header before any pixel is decoded. `shrink` is asked how far the
/// image may be shrunk while loading: JPEGs are decoded at that many
/// eighths of their size, non-interlaced PNGs box-shrunk as rows stream in.
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
) -> Result<Decoded, ImageError> {
    if bytes.is_empty() {
        return Err(ImageError::Empty(path.to_owned()));
    }
    let format = image::guess_format(bytes).map_err(|_| ImageError::Unsupported {
        path: path.to_owned(),
        reason: "unknown file signature".into(),
    })?;
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
    match format {
        ImageFormat::Jpeg => decode_jpeg(path, bytes, check, shrink),
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
    }
}

fn decode_jpeg(
    path: &Path,
    bytes: &[u8],
    check: impl Fn(u32, u32) -> Result<(), ImageError>,
    shrink: impl FnOnce(Header) -> LoadShrink,
) -> Result<Decoded, ImageError> {
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    decoder
        .read_info()
        .map_err(|e| ImageError::decode(path, e))?;
    let info = decoder
        .info()
        .ok_or_else(|| ImageError::decode(path, "no frame header"))?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    check(w, h)?;
    let exif = decoder.exif_data().map(<[u8]>::to_vec);
    let orientation = exif.as_deref().map_or(1, orient::exif_orientation);
    let eighths = shrink(Header {
        width: w,
        height: h,
        orientation,
    })
    .jpeg_eighths;
    if eighths < 8 {
        let scaled = |len: u32| u16::try_from((len * eighths).div_ceil(8)).unwrap_or(u16::MAX);
        decoder
            .scale(scaled(w), scaled(h))
            .map_err(|e| ImageError::decode(path, e))?;
    }
    let data = on_this_thread(|| decoder.decode()).map_err(|e| ImageError::decode(path, e))?;
    let info = decoder
        .info()
        .ok_or_else(|| ImageError::decode(path, "no frame header"))?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    let icc = decoder.icc_profile();
    let (channels, depth16) = match info.pixel_format {
        jpeg_decoder::PixelFormat::L8 => (Channels::L, false),
        jpeg_decoder::PixelFormat::L16 => (Channels::L, true),
        jpeg_decoder::PixelFormat::RGB24 => (Channels::Rgb, false),
        jpeg_decoder::PixelFormat::CMYK32 => {
            let mut cmyk = data;
            if !has_adobe_marker(bytes) {
                // jpeg-decoder assumes Adobe's inverted CMYK; plain CMYK
                // (no APP14 "Adobe" segment) is stored as ink amounts.
                cmyk.iter_mut().for_each(|v| *v = 255 - *v);
            }
            let pixels = color::cmyk_to_rgb(&cmyk, w, h, icc.as_deref());
            return Ok(Decoded {
                pixels,
                orientation,
                icc: None,
                exif,
            });
        }
    };
    let expected = w as usize * h as usize * channels.count() * if depth16 { 2 } else { 1 };
    if data.len() < expected {
        return Err(ImageError::decode(path, "decoder returned too few pixels"));
    }
    Ok(Decoded {
        pixels: Pixels {
            width: w,
            height: h,
            channels,
            depth16,
            data,
        },
        orientation,
        icc,
        exif,
    })
}

/// Whether the JPEG has an APP14 "Adobe" segment before its first scan.
fn has_adobe_marker(bytes: &[u8]) -> bool {
    let mut at = 2;
    while at + 4 <= bytes.len() {
        if bytes[at] != 0xFF {
            return false;
        }
        let marker = bytes[at + 1];
        if marker == 0xDA {
            return false;
        }
        let len = usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
        if marker == 0xEE && bytes.get(at + 4..at + 9) == Some(b"Adobe") {
            return true;
        }
        at += 2 + len;
    }
    false
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
        orientation,
        icc,
        exif,
    })
}

fn words(v: &[u16]) -> Vec<u8> {
    v.iter().flat_map(|s| s.to_ne_bytes()).collect()
}

/// Converts an `image` buffer to [`Pixels`], keeping gray, alpha and 16 bits.
pub fn from_dynamic(image: DynamicImage) -> Pixels {
    let (width, height) = (image.width(), image.height());
    let (channels, depth16, data) = match image {
        DynamicImage::ImageLuma8(b) => (Channels::L, false, b.into_raw()),
        DynamicImage::ImageLumaA8(b) => (Channels::La, false, b.into_raw()),
        DynamicImage::ImageRgb8(b) => (Channels::Rgb, false, b.into_raw()),
        DynamicImage::ImageRgba8(b) => (Channels::Rgba, false, b.into_raw()),
        DynamicImage::ImageLuma16(b) => (Channels::L, true, words(&b)),
        DynamicImage::ImageLumaA16(b) => (Channels::La, true, words(&b)),
        DynamicImage::ImageRgb16(b) => (Channels::Rgb, true, words(&b)),
        DynamicImage::ImageRgba16(b) => (Channels::Rgba, true, words(&b)),
        other @ DynamicImage::ImageRgb32F(_) => (Channels::Rgb, true, words(&other.to_rgb16())),
        other => (Channels::Rgba, true, words(&other.to_rgba16())),
    };
    Pixels {
        width,
        height,
        channels,
        depth16,
        data,
    }
}

// jpeg-decoder parallelises a decode across threads: without its `rayon`
// feature it starts a thread per colour component for every image and
// hands it each row over a channel. The pool already runs one image per
// core, so that only adds thread starts and wake-ups (about 8% of the time
// in a profile). With the `rayon` feature and a pool made of the calling
// thread alone, the decode stays on the worker's thread: 15% less CPU and
// wall time over the benchmark corpus at 2 workers.
thread_local! {
    /// A one-thread rayon pool made of the calling thread itself.
    static THIS_THREAD: Option<rayon::ThreadPool> = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .use_current_thread()
        .build()
        .ok();
}

/// Runs `f` with rayon confined to the calling thread (or, if such a pool
/// cannot be made, as it is).
fn on_this_thread<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    THIS_THREAD.with(|pool| match pool {
        Some(pool) => pool.install(f),
        None => f(),
    })
}

//! What every decoder hands back ([`Decoded`], [`Header`]) and the
//! conversions they share: the types sit below the decoders that make them
//! and the dispatcher that picks one, so imports run one way.

use image::DynamicImage;

use crate::pixels::{Channels, Pixels};
use crate::resize::geometry::jpeg_decoded_len;

/// A decoded image with what is needed to show it right.
#[derive(Debug)]
pub struct Decoded {
    /// The pixels, as stored (not yet turned upright), possibly shrunk;
    /// with [`Decoded::chroma`], the luma (Y) plane of a JPEG.
    pub pixels: Pixels,
    /// A JPEG's chroma planes as it stores them (when the caller asked for
    /// planes): `pixels` is then its luma, neither upsampled nor converted
    /// to RGB.
    pub chroma: Option<Chroma>,
    /// The EXIF orientation, 1 to 8.
    pub orientation: u8,
    /// The embedded ICC profile, if any (already applied for CMYK).
    pub icc: Option<Vec<u8>>,
    /// The raw EXIF block, if any.
    pub exif: Option<Vec<u8>>,
    /// How far it was shrunk while decoding.
    pub scale: LoadScale,
    /// Whether the input stored its pixels as indices into a palette of at
    /// most 256 colours (GIF, palette PNG): its outputs may be too.
    pub palette: bool,
}

/// The Cb and Cr planes of a JPEG decoded to YCbCr, each sample standing
/// for `factors` (horizontal, vertical) luma samples, centred on them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chroma {
    /// Blue-difference chroma.
    pub cb: Pixels,
    /// Red-difference chroma.
    pub cr: Pixels,
    /// Luma samples a chroma sample covers across and down (1, 2 or 4).
    pub factors: (u32, u32),
}

/// How far an image was shrunk while it was decoded (shrink-on-load).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LoadScale {
    /// Decoded at its full size.
    #[default]
    Full,
    /// A JPEG decoded at this many eighths of its size (1, 2 or 4) by the
    /// reduced-size IDCT.
    Eighths(u32),
    /// Rows box-shrunk by this factor as they were decoded.
    Box(u32),
}

impl std::fmt::Display for LoadScale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            LoadScale::Full | LoadScale::Eighths(8) | LoadScale::Box(1) => f.write_str("full size"),
            LoadScale::Eighths(n) if n % 2 == 0 => write!(f, "1/{} (reduced JPEG DCT)", 8 / n),
            LoadScale::Eighths(n) => write!(f, "{n}/8 (reduced JPEG DCT)"),
            LoadScale::Box(k) => write!(f, "1/{k} (box shrink while streaming)"),
        }
    }
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

/// The pixels of a JPEG decoded at `eighths`/8 of `width` x `height`
/// without its last row and column when they stand for only part of a
/// pixel ([`jpeg_decoded_len`]). libvips does the same, so the
/// resampler's geometry matches vips's.
pub fn whole_pixels(pixels: Pixels, width: u32, height: u32, eighths: u32) -> Pixels {
    if eighths >= 8 {
        return pixels;
    }
    pixels.crop_top_left(
        jpeg_decoded_len(width, eighths),
        jpeg_decoded_len(height, eighths),
    )
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

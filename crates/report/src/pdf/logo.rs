//! The layout's logo: read and checked once per run, turned once into a
//! finished PDF image stream that every report embeds as is.
//!
//! A JPEG is embedded as its own bytes (`/DCTDecode`, no re-encoding); a
//! PNG is decoded and its pixels deflated once (best level), its alpha
//! channel, if any pixel is not opaque, becoming a `/SMask`. Each report
//! then only copies the finished bytes.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;

use printpdf::{DictItem, ExternalStream, ExternalXObject};

use crate::error::LayoutError;

/// Larger images are refused: a logo this big would bloat every report.
const MAX_PIXELS: u64 = 16_000_000;

/// A decoded, checked logo, ready to embed.
#[derive(Debug, Clone)]
pub struct LogoImage {
    /// Width in pixels.
    pub width_px: u32,
    /// Height in pixels.
    pub height_px: u32,
    /// The image XObject (stream already compressed).
    pub xobject: ExternalXObject,
}

impl LogoImage {
    /// Reads and decodes a PNG or JPEG file.
    ///
    /// # Errors
    ///
    /// [`LayoutError::Logo`] naming the file when it cannot be read, is not
    /// a PNG or JPEG, does not decode, is a CMYK or 12-bit JPEG, or has more
    /// than 16 megapixels.
    pub fn load(path: &Path) -> Result<LogoImage, LayoutError> {
        let err = |message: String| LayoutError::Logo {
            path: path.to_path_buf(),
            message,
        };
        let bytes = std::fs::read(path).map_err(|e| err(pool::io_words(&e)))?;
        Self::from_bytes(&bytes).map_err(err)
    }

    /// Decodes PNG or JPEG bytes (see [`LogoImage::load`]).
    ///
    /// # Errors
    ///
    /// A message saying why the bytes are unusable.
    pub fn from_bytes(bytes: &[u8]) -> Result<LogoImage, String> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            from_png(bytes)
        } else if bytes.starts_with(&[0xFF, 0xD8]) {
            from_jpeg(bytes)
        } else {
            Err("not a PNG or JPEG file".into())
        }
    }

    /// The drawn size in points: as wide as `box_w`, or less when the height
    /// would exceed `box_h`; the aspect ratio is kept.
    pub fn fit(&self, box_w: f32, box_h: Option<f32>) -> (f32, f32) {
        let ratio = self.height_px as f32 / self.width_px.max(1) as f32;
        let (mut w, mut h) = (box_w, box_w * ratio);
        if let Some(bh) = box_h
            && h > bh
        {
            h = bh;
            w = bh / ratio.max(f32::EPSILON);
        }
        (w, h)
    }
}

fn check_size(w: u32, h: u32) -> Result<(), String> {
    if w == 0 || h == 0 {
        return Err("the image is empty".into());
    }
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(format!(
            "{w}x{h} pixels is too large for a logo (at most 16 megapixels)"
        ));
    }
    Ok(())
}

fn from_jpeg(bytes: &[u8]) -> Result<LogoImage, String> {
    let mut d = jpeg_decoder::Decoder::new(bytes);
    d.read_info().map_err(|e| format!("JPEG: {e}"))?;
    let info = d.info().ok_or("JPEG: no image header")?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    check_size(w, h)?;
    let space = match info.pixel_format {
        jpeg_decoder::PixelFormat::L8 => "DeviceGray",
        jpeg_decoder::PixelFormat::RGB24 => "DeviceRGB",
        jpeg_decoder::PixelFormat::L16 => return Err("12-bit JPEGs are not supported".into()),
        jpeg_decoder::PixelFormat::CMYK32 => {
            return Err("CMYK JPEGs are not supported (save the logo as RGB)".into());
        }
    };
    // Decode fully once so a truncated or corrupt file fails now, not in
    // every reader that opens a report.
    d.decode().map_err(|e| format!("JPEG: {e}"))?;
    let dict = image_dict(w, h, space, "DCTDecode");
    Ok(LogoImage {
        width_px: w,
        height_px: h,
        xobject: xobject(dict, bytes.to_vec()),
    })
}

fn from_png(bytes: &[u8]) -> Result<LogoImage, String> {
    let img = image::load_from_memory_with_format(bytes, image::ImageFormat::Png)
        .map_err(|e| format!("PNG: {e}"))?;
    let (w, h) = (img.width(), img.height());
    check_size(w, h)?;
    let gray = !img.color().has_color();
    let (pixels, channels, space) = if gray {
        (img.to_luma_alpha8().into_raw(), 1, "DeviceGray")
    } else {
        (img.to_rgba8().into_raw(), 3, "DeviceRGB")
    };
    let mut color = Vec::with_capacity(pixels.len());
    let mut alpha = Vec::with_capacity(pixels.len() / (channels + 1));
    for px in pixels.chunks_exact(channels + 1) {
        color.extend_from_slice(&px[..channels]);
        alpha.push(px[channels]);
    }
    let mut dict = image_dict(w, h, space, "FlateDecode");
    if alpha.iter().any(|&a| a != 255) {
        let mask = ExternalStream {
            dict: image_dict(w, h, "DeviceGray", "FlateDecode"),
            content: deflate(&alpha)?,
            compress: false,
        };
        dict.insert("SMask".into(), DictItem::Stream { stream: mask });
    }
    Ok(LogoImage {
        width_px: w,
        height_px: h,
        xobject: xobject(dict, deflate(&color)?),
    })
}

fn image_dict(w: u32, h: u32, space: &str, filter: &str) -> BTreeMap<String, DictItem> {
    let name = |s: &str| DictItem::Name(s.as_bytes().to_vec());
    BTreeMap::from([
        ("Type".to_owned(), name("XObject")),
        ("Subtype".to_owned(), name("Image")),
        ("Width".to_owned(), DictItem::Int(i64::from(w))),
        ("Height".to_owned(), DictItem::Int(i64::from(h))),
        ("BitsPerComponent".to_owned(), DictItem::Int(8)),
        ("ColorSpace".to_owned(), name(space)),
        ("Filter".to_owned(), name(filter)),
    ])
}

/// Width and height stay unset: the drawing code scales the unit square
/// itself, so printpdf's 300-dpi pixel scaling does not apply.
fn xobject(dict: BTreeMap<String, DictItem>, content: Vec<u8>) -> ExternalXObject {
    ExternalXObject {
        stream: ExternalStream {
            dict,
            content,
            compress: false,
        },
        width: None,
        height: None,
        dpi: None,
    }
}

fn deflate(data: &[u8]) -> Result<Vec<u8>, String> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(data).map_err(|e| e.to_string())?;
    z.finish().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_keeps_the_aspect_ratio_inside_the_box() {
        let logo = LogoImage {
            width_px: 200,
            height_px: 100,
            xobject: xobject(BTreeMap::new(), Vec::new()),
        };
        assert_eq!(logo.fit(80.0, None), (80.0, 40.0));
        assert_eq!(logo.fit(80.0, Some(20.0)), (40.0, 20.0));
        assert_eq!(logo.fit(80.0, Some(100.0)), (80.0, 40.0));
    }

    #[test]
    fn rejects_what_is_not_an_image() {
        assert!(LogoImage::from_bytes(b"GIF89a").is_err());
        let truncated = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert!(LogoImage::from_bytes(truncated).is_err());
        assert!(LogoImage::from_bytes(&[0xFF, 0xD8, 0xFF]).is_err());
    }
}

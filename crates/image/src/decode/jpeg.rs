//! JPEG decoding through libjpeg-turbo (the `turbojpeg` crate): SIMD
//! IDCT, colour conversion and upsampling, and shrink-on-load by the
//! reduced-size IDCT (1/2, 1/4 or 1/8 of the size, the decoder never
//! producing the full-size pixels), as libvips does.
//!
//! What libjpeg-turbo refuses or only warns about (lossless JPEGs, odd
//! subsampling, a truncated or damaged file) goes to jpeg-decoder (see
//! [`jpeg_fallback`](crate::decode::jpeg_fallback)), so a file that decoded before
//! still decodes, and a damaged one fails with libjpeg-turbo's message.

use std::path::Path;

use turbojpeg::{Colorspace, DecompressHeader, Decompressor, Image, PixelFormat, ScalingFactor};

use crate::colour;
use crate::decode::decoded::whole_pixels;
use crate::decode::decoded::{Decoded, Header, LoadScale};
use crate::decode::jpeg_fallback;
use crate::decode::jpeg_markers::{self, JpegMarkers};
use crate::error::ImageError;
use crate::pixels::{Channels, Pixels};
use crate::resize::orient;

/// Decodes the JPEG `bytes` (of `path`) at the eighths of its size that
/// `eighths` picks from its header, after `check` has accepted its size.
///
/// # Errors
///
/// [`ImageError::TooLarge`] from `check`, or [`ImageError::Decode`] naming
/// `path` when neither decoder can read the file.
pub fn decode(
    path: &Path,
    bytes: &[u8],
    check: impl Fn(u32, u32) -> Result<(), ImageError>,
    eighths: impl FnOnce(Header) -> u32,
) -> Result<Decoded, ImageError> {
    decode_with_scan_limit(path, bytes, check, eighths, SCAN_LIMIT)
}

/// Progressive scans a JPEG may have: TurboJPEG's own recommendation
/// (`TJFLAG_LIMITSCANS`). Real files have about 10; a crafted one with
/// thousands takes minutes of CPU to decode (a CPU bomb, where the pixel
/// limit guards against memory bombs).
const SCAN_LIMIT: u32 = 500;

/// [`decode`] with `scan_limit` progressive scans at most. A file over the
/// limit fails without going to jpeg-decoder, which has no such limit.
fn decode_with_scan_limit(
    path: &Path,
    bytes: &[u8],
    check: impl Fn(u32, u32) -> Result<(), ImageError>,
    eighths: impl FnOnce(Header) -> u32,
    scan_limit: u32,
) -> Result<Decoded, ImageError> {
    let markers = jpeg_markers::scan(bytes);
    let orientation = markers.exif.as_deref().map_or(1, orient::exif_orientation);
    let Ok(mut decompressor) = Decompressor::new() else {
        return jpeg_fallback::decode(path, bytes, check, eighths, &markers);
    };
    decompressor
        .set_scan_limit(scan_limit)
        .map_err(|e| ImageError::decode(path, e))?;
    let header = match decompressor.read_header(bytes) {
        Ok(header) if !header.is_lossless => header,
        _ => return jpeg_fallback::decode(path, bytes, check, eighths, &markers),
    };
    let size = |len: usize| u32::try_from(len).unwrap_or(u32::MAX);
    let (width, height) = (size(header.width), size(header.height));
    check(width, height)?;
    let eighths = eighths(Header {
        width,
        height,
        orientation,
    });
    match decompress(&mut decompressor, &header, bytes, eighths, &markers) {
        Ok(pixels) => Ok(Decoded {
            pixels: whole_pixels(pixels, width, height, eighths),
            orientation,
            icc: (header.colorspace != Colorspace::CMYK && header.colorspace != Colorspace::YCCK)
                .then_some(markers.icc)
                .flatten(),
            exif: markers.exif,
            scale: LoadScale::Eighths(eighths.clamp(1, 8)),
            palette: false,
        }),
        Err(turbo) if over_scan_limit(&turbo) => Err(ImageError::decode(path, turbo)),
        Err(turbo) => jpeg_fallback::decode(path, bytes, check, |_| eighths, &markers)
            .map_err(|_| ImageError::decode(path, turbo)),
    }
}

/// Whether libjpeg-turbo stopped at the progressive scan limit (it says so
/// only in its message).
fn over_scan_limit(error: &turbojpeg::Error) -> bool {
    error
        .to_string()
        .contains("Progressive JPEG image has more than")
}

/// Runs libjpeg-turbo at `eighths`/8 of the size. CMYK comes back
/// converted to RGB.
fn decompress(
    decompressor: &mut Decompressor,
    header: &DecompressHeader,
    bytes: &[u8],
    eighths: u32,
    markers: &JpegMarkers,
) -> Result<Pixels, turbojpeg::Error> {
    let factor = ScalingFactor::new(eighths.clamp(1, 8) as usize, 8);
    decompressor.set_scaling_factor(factor)?;
    let scaled = header.scaled(factor);
    let format = match header.colorspace {
        Colorspace::Gray => PixelFormat::GRAY,
        Colorspace::CMYK | Colorspace::YCCK => PixelFormat::CMYK,
        _ => PixelFormat::RGB,
    };
    let pitch = scaled.width * format.size();
    let mut image = Image {
        pixels: vec![0u8; pitch * scaled.height],
        width: scaled.width,
        pitch,
        height: scaled.height,
        format,
    };
    decompressor.decompress(bytes, image.as_deref_mut())?;
    let (width, height) = (
        u32::try_from(scaled.width).map_err(|_| turbojpeg::Error::IntegerOverflow("width"))?,
        u32::try_from(scaled.height).map_err(|_| turbojpeg::Error::IntegerOverflow("height"))?,
    );
    if format == PixelFormat::CMYK {
        let mut cmyk = image.pixels;
        // libjpeg-turbo returns the samples as stored: Adobe's CMYK JPEGs
        // store them inverted (255 = no ink).
        if markers.adobe {
            cmyk.iter_mut().for_each(|v| *v = 255 - *v);
        }
        return Ok(colour::cmyk_to_rgb(
            &cmyk,
            width,
            height,
            markers.icc.as_deref(),
        ));
    }
    Ok(Pixels {
        width,
        height,
        channels: if format == PixelFormat::GRAY {
            Channels::L
        } else {
            Channels::Rgb
        },
        depth16: false,
        data: image.pixels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jpeg_encoder::{ColorType, Encoder};

    /// Left half red, right half blue: a JPEG of `w`x`h` in `color` (RGB
    /// or gray: the gray image is dark on the left, light on the right).
    fn two_halves(w: u16, h: u16, color: ColorType) -> Vec<u8> {
        let gray = matches!(color, ColorType::Luma);
        let mut data = Vec::new();
        for _ in 0..h {
            for x in 0..w {
                let left = x < w / 2;
                match (gray, left) {
                    (true, true) => data.push(40),
                    (true, false) => data.push(220),
                    (false, true) => data.extend_from_slice(&[220, 20, 20]),
                    (false, false) => data.extend_from_slice(&[20, 20, 220]),
                }
            }
        }
        let mut out = Vec::new();
        Encoder::new(&mut out, 95)
            .encode(&data, w, h, color)
            .expect("encode");
        out
    }

    fn near(a: &[u8], b: &[u8]) -> bool {
        a.iter().zip(b).all(|(x, y)| x.abs_diff(*y) < 12)
    }

    #[test]
    fn libjpeg_turbo_decodes_at_every_eighth() {
        for (color, channels) in [
            (ColorType::Rgb, Channels::Rgb),
            (ColorType::Luma, Channels::L),
        ] {
            let bytes = two_halves(203, 101, color);
            for eighths in [1, 2, 4, 8] {
                let mut decompressor = Decompressor::new().expect("init");
                let header = decompressor.read_header(&bytes).expect("header");
                let px = decompress(
                    &mut decompressor,
                    &header,
                    &bytes,
                    eighths,
                    &JpegMarkers::default(),
                )
                .expect("libjpeg-turbo decodes it");
                let (w, h) = ((203 * eighths).div_ceil(8), (101 * eighths).div_ceil(8));
                let whole = whole_pixels(px.clone(), 203, 101, eighths);
                assert_eq!(
                    (whole.width, whole.height),
                    ((203 * eighths / 8).max(1), (101 * eighths / 8).max(1))
                );
                assert_eq!((px.width, px.height, px.channels), (w, h, channels));
                let n = channels.count();
                let at = |x: u32| {
                    let i = ((h / 2 * w + x) as usize) * n;
                    &px.data[i..i + n]
                };
                let (left, right): (&[u8], &[u8]) = if n == 1 {
                    (&[40], &[220])
                } else {
                    (&[220, 20, 20], &[20, 20, 220])
                };
                assert!(near(at(w / 8), left), "{eighths}/8 left {:?}", at(w / 8));
                assert!(near(at(w - 1 - w / 8), right), "{eighths}/8 right");
            }
        }
    }

    #[test]
    fn a_truncated_jpeg_fails_with_libjpeg_turbos_reason_and_its_path() {
        let bytes = two_halves(256, 256, ColorType::Rgb);
        let cut = &bytes[..bytes.len() / 2];
        let err = decode(Path::new("cut.jpg"), cut, |_, _| Ok(()), |_| 8)
            .expect_err("half a file is an error");
        let message = err.to_string();
        assert!(message.contains("cut.jpg"), "{message}");
        assert!(message.contains("Premature end"), "{message}");
    }

    #[test]
    fn too_many_progressive_scans_fail_without_the_fallback() {
        let mut data = Vec::new();
        for i in 0..64u32 * 48 {
            data.extend_from_slice(&[(i % 251) as u8, (i % 13 * 19) as u8, 90]);
        }
        let mut bytes = Vec::new();
        let mut encoder = Encoder::new(&mut bytes, 90);
        encoder.set_progressive(true);
        encoder
            .encode(&data, 64, 48, ColorType::Rgb)
            .expect("encode");
        let err = decode_with_scan_limit(Path::new("bomb.jpg"), &bytes, |_, _| Ok(()), |_| 8, 2)
            .expect_err("over the limit");
        let message = err.to_string();
        assert!(message.contains("bomb.jpg"), "{message}");
        assert!(message.contains("more than 2 scans"), "{message}");
        // The same file decodes under the real limit.
        let decoded = decode(Path::new("ok.jpg"), &bytes, |_, _| Ok(()), |_| 8).expect("decodes");
        assert_eq!((decoded.pixels.width, decoded.pixels.height), (64, 48));
    }

    #[test]
    fn the_size_check_runs_before_any_pixel_is_decoded() {
        let bytes = two_halves(64, 48, ColorType::Rgb);
        let err = decode(
            Path::new("big.jpg"),
            &bytes,
            |w, h| Err(ImageError::decode(Path::new("big.jpg"), format!("{w}x{h}"))),
            |_| unreachable!("no decode after a failed check"),
        )
        .expect_err("refused");
        assert!(err.to_string().contains("64x48"), "{err}");
    }
}

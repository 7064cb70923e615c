//! JPEG decoding through libjpeg-turbo (the `turbojpeg` crate): SIMD
//! IDCT, colour conversion and upsampling, and shrink-on-load by the
//! reduced-size IDCT (1/2, 1/4 or 1/8 of the size, the decoder never
//! producing the full-size pixels), as libvips does. A progressive YCbCr
//! file taken as planes at 1/4 or 1/2 goes first to this crate's own,
//! faster, decoder ([`progressive`]), which
//! gives the same planes or hands the file back.
//!
//! What libjpeg-turbo refuses or only warns about (lossless JPEGs, odd
//! subsampling, a truncated or damaged file) goes to jpeg-decoder (see
//! [`jpeg_fallback`](crate::decode::jpeg_fallback)), so a file that decoded before
//! still decodes, and a damaged one fails with libjpeg-turbo's message.

use std::path::Path;

use turbojpeg::{
    Colorspace, DecompressHeader, Decompressor, Image, PixelFormat, ScalingFactor, Subsamp,
    YuvImage,
};

use crate::colour;
use crate::decode::decoded::whole_pixels;
use crate::decode::decoded::{Chroma, Decoded, Header, LoadScale};
use crate::decode::jpeg_fallback;
use crate::decode::jpeg_markers::{self, JpegMarkers};
use crate::decode::jpeg_scans;
use crate::decode::progressive;
use crate::error::ImageError;
use crate::pixels::{Channels, Pixels};
use crate::resize::geometry::jpeg_decoded_len;
use crate::resize::orient;

/// Decodes the JPEG `bytes` (of `path`) at the eighths of its size that
/// `eighths` picks from its header, after `check` has accepted its size.
/// A YCbCr JPEG comes back as its planes (luma in `pixels`, see
/// [`Decoded::chroma`]) when `planes` accepts its ICC profile.
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
    planes: impl FnOnce(Option<&[u8]>) -> bool,
) -> Result<Decoded, ImageError> {
    decode_with_scan_limit(path, bytes, check, eighths, planes, SCAN_LIMIT)
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
    planes: impl FnOnce(Option<&[u8]>) -> bool,
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
    let factors = chroma_factors(header.subsamp)
        .filter(|_| header.colorspace == Colorspace::YCbCr && planes(markers.icc.as_deref()));
    let mut run = |bytes: &[u8]| match factors {
        Some(factors) => progressive_planes(&header, bytes, eighths, factors, scan_limit)
            .map_or_else(
                || decompress_planes(&mut decompressor, &header, bytes, eighths, factors),
                Ok,
            ),
        None => decompress(&mut decompressor, &header, bytes, eighths, &markers)
            .map(|pixels| (whole_pixels(pixels, width, height, eighths), None)),
    };
    // At an eighth of the size, most of a progressive file's scans are
    // not needed (see `jpeg_scans`); should the cut file fail, the whole.
    let cut = (eighths <= 1)
        .then(|| jpeg_scans::for_eighth_scale(bytes))
        .flatten();
    let decoded = match cut.as_deref() {
        Some(cut) => run(cut).or_else(|_| run(bytes)),
        None => run(bytes),
    };
    match decoded {
        Ok((pixels, chroma)) => Ok(Decoded {
            pixels,
            chroma,
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

/// Luma samples a chroma sample covers across and down, for the
/// subsamplings whose planes the resizer resamples.
fn chroma_factors(subsamp: Subsamp) -> Option<(u32, u32)> {
    match subsamp {
        Subsamp::None
        | Subsamp::Sub2x1
        | Subsamp::Sub2x2
        | Subsamp::Sub1x2
        | Subsamp::Sub4x1
        | Subsamp::Sub1x4 => {
            let (x, y) = subsamp.size();
            Some((u32::try_from(x).ok()?, u32::try_from(y).ok()?))
        }
        _ => None,
    }
}

/// The Y, Cb and Cr planes of a progressive file at `eighths`/8 of its
/// size, as [`decompress_planes`] gives them, from this crate's own
/// decoder where it takes the file (see [`progressive`]); `None` leaves
/// it to libjpeg-turbo.
fn progressive_planes(
    header: &DecompressHeader,
    bytes: &[u8],
    eighths: u32,
    (fx, fy): (u32, u32),
    scan_limit: u32,
) -> Option<(Pixels, Option<Chroma>)> {
    let ((w, h), (cw, ch)) = whole_plane_sizes(header, eighths, (fx, fy))?;
    let size = |w: u32, h: u32| (w as usize, h as usize);
    let sizes = [size(w, h), size(cw, ch), size(cw, ch)];
    let factors = (fx as usize, fy as usize);
    let mut planes = match progressive::decode_planes(bytes, eighths, &sizes, factors, scan_limit) {
        Ok(planes) => planes.into_iter(),
        Err(why) => {
            tracing::trace!(reason = why.0, "progressive JPEG left to libjpeg-turbo");
            return None;
        }
    };
    let mut plane = |width, height| {
        Some(Pixels {
            width,
            height,
            channels: Channels::L,
            depth16: false,
            data: planes.next()?,
        })
    };
    let luma = plane(w, h)?;
    let chroma = Chroma {
        cb: plane(cw, ch)?,
        cr: plane(cw, ch)?,
        factors: (fx, fy),
    };
    Some((luma, Some(chroma)))
}

/// The sizes of the luma and chroma planes at `eighths`/8, whole pixels
/// only, as [`whole_pixels`] keeps for RGB: the luma of the image's size
/// at this scale, the chroma (`factors` below it) covering it. `None` if
/// the header's size does not fit in 32 bits.
fn whole_plane_sizes(
    header: &DecompressHeader,
    eighths: u32,
    (fx, fy): (u32, u32),
) -> Option<((u32, u32), (u32, u32))> {
    let w = jpeg_decoded_len(u32::try_from(header.width).ok()?, eighths);
    let h = jpeg_decoded_len(u32::try_from(header.height).ok()?, eighths);
    Some(((w, h), (w.div_ceil(fx), h.div_ceil(fy))))
}

/// Runs libjpeg-turbo at `eighths`/8 of the size into Y, Cb and Cr planes
/// as stored (no upsampling, no colour conversion), each cut to its whole
/// pixels (see [`whole_pixels`]).
fn decompress_planes(
    decompressor: &mut Decompressor,
    header: &DecompressHeader,
    bytes: &[u8],
    eighths: u32,
    factors: (u32, u32),
) -> Result<(Pixels, Option<Chroma>), turbojpeg::Error> {
    let factor = ScalingFactor::new(eighths.clamp(1, 8) as usize, 8);
    decompressor.set_scaling_factor(factor)?;
    let scaled = header.scaled(factor);
    let mut image = YuvImage {
        pixels: Vec::new(),
        width: scaled.width,
        align: 1,
        height: scaled.height,
        subsamp: header.subsamp,
    };
    image.pixels =
        vec![0u8; turbojpeg::yuv_pixels_len(scaled.width, 1, scaled.height, header.subsamp)?];
    decompressor.decompress_to_yuv(bytes, image.as_deref_mut())?;
    let (yw, yh) = image.y_size();
    let (cw, ch) = image.uv_size();
    let len =
        |v: usize, what| u32::try_from(v).map_err(|_| turbojpeg::Error::IntegerOverflow(what));
    let plane = |data: &[u8], w: usize, h: usize| -> Result<Pixels, turbojpeg::Error> {
        Ok(Pixels {
            width: len(w, "width")?,
            height: len(h, "height")?,
            channels: Channels::L,
            depth16: false,
            data: data.get(..w * h).ok_or(turbojpeg::Error::Null)?.to_vec(),
        })
    };
    let (y_data, rest) = image.pixels.split_at(yw * yh);
    let (cb_data, cr_data) = rest.split_at(cw * ch);
    let ((w, h), (cw_whole, ch_whole)) = whole_plane_sizes(header, eighths, factors)
        .ok_or(turbojpeg::Error::IntegerOverflow("width"))?;
    let luma = plane(y_data, yw, yh)?.crop_top_left(w, h);
    let chroma = Chroma {
        cb: plane(cb_data, cw, ch)?.crop_top_left(cw_whole, ch_whole),
        cr: plane(cr_data, cw, ch)?.crop_top_left(cw_whole, ch_whole),
        factors,
    };
    Ok((luma, Some(chroma)))
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
    fn progressive_planes_come_from_our_decoder_as_libjpeg_turbo_gives_them() {
        let mut data = Vec::new();
        for y in 0..120u32 {
            for x in 0..203u32 {
                let edge = if (x / 9 + y / 7) % 2 == 0 { 90 } else { 0 };
                data.extend_from_slice(&[
                    (x + edge) as u8,
                    (y * 2) as u8,
                    ((x + y) / 2 + edge) as u8,
                ]);
            }
        }
        let mut bytes = Vec::new();
        let mut encoder = Encoder::new(&mut bytes, 90);
        encoder.set_progressive(true);
        encoder
            .encode(&data, 203, 120, ColorType::Rgb)
            .expect("encode");
        let mut decompressor = Decompressor::new().expect("init");
        let header = decompressor.read_header(&bytes).expect("header");
        let factors = chroma_factors(header.subsamp).expect("planes");
        for eighths in [2, 4] {
            let ours = progressive_planes(&header, &bytes, eighths, factors, SCAN_LIMIT)
                .expect("taken by our decoder");
            let theirs = decompress_planes(&mut decompressor, &header, &bytes, eighths, factors)
                .expect("libjpeg-turbo");
            assert_eq!(ours, theirs, "{eighths}/8");
            // And through `decode`, which the resizer calls.
            let decoded = decode(
                Path::new("p.jpg"),
                &bytes,
                |_, _| Ok(()),
                |_| eighths,
                |_| true,
            )
            .expect("decodes");
            assert_eq!((decoded.pixels, decoded.chroma), theirs, "{eighths}/8");
        }
        // Not at full size: there libjpeg-turbo decodes it.
        assert!(progressive_planes(&header, &bytes, 8, factors, SCAN_LIMIT).is_none());
    }

    #[test]
    fn a_truncated_jpeg_fails_with_libjpeg_turbos_reason_and_its_path() {
        let bytes = two_halves(256, 256, ColorType::Rgb);
        let cut = &bytes[..bytes.len() / 2];
        let err = decode(Path::new("cut.jpg"), cut, |_, _| Ok(()), |_| 8, |_| false)
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
        let err = decode_with_scan_limit(
            Path::new("bomb.jpg"),
            &bytes,
            |_, _| Ok(()),
            |_| 8,
            |_| false,
            2,
        )
        .expect_err("over the limit");
        let message = err.to_string();
        assert!(message.contains("bomb.jpg"), "{message}");
        assert!(message.contains("more than 2 scans"), "{message}");
        // The same file decodes under the real limit.
        let decoded =
            decode(Path::new("ok.jpg"), &bytes, |_, _| Ok(()), |_| 8, |_| false).expect("decodes");
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
            |_| unreachable!("no decode after a failed check"),
        )
        .expect_err("refused");
        assert!(err.to_string().contains("64x48"), "{err}");
    }
}

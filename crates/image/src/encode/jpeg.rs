//! JPEG output through libjpeg-turbo's compressor (the library that
//! decodes JPEGs here already): SIMD DCT and Huffman coding with tables
//! optimised per image, as sharp writes them by default. Colour images go
//! in as Y, Cb and Cr planes, chroma at half resolution (4:2:0), so the
//! caller picks the chroma samples (see `chroma`, and the planes resampled
//! from a JPEG's own in `job`). Kept metadata is spliced in as APP1 (EXIF)
//! and APP2 (ICC) segments after the JFIF header.

use turbojpeg::{Compressor, Image, PixelFormat, Subsamp, YuvPlanesImage};

use crate::colour::metadata::Metadata;
use crate::pixels::{Channels, Pixels};

/// An image as JPEG's Y, Cb and Cr: luma `width` x `height`, each chroma
/// plane `ceil(width / 2)` x `ceil(height / 2)`, each sample of which
/// stands for a 2x2 block of luma (centred, as JPEG decoders upsample).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ycbcr420 {
    /// Luma.
    pub y: Pixels,
    /// Blue-difference chroma.
    pub cb: Pixels,
    /// Red-difference chroma.
    pub cr: Pixels,
}

/// The chroma planes' size for a `width` x `height` image.
pub fn chroma_size(width: u32, height: u32) -> (u32, u32) {
    (width.div_ceil(2), height.div_ceil(2))
}

/// JPEG's limit: 65535 pixels a side.
fn check_size(width: u32, height: u32) -> Result<(), String> {
    if width > 65_535 || height > 65_535 {
        return Err(format!(
            "{width}x{height} is too large for JPEG (65535 at most)"
        ));
    }
    Ok(())
}

fn compressor(quality: u8, subsamp: Subsamp) -> Result<Compressor, turbojpeg::Error> {
    let mut c = Compressor::new()?;
    c.set_quality(i32::from(quality))?;
    c.set_subsamp(subsamp)?;
    c.set_optimize(true)?;
    Ok(c)
}

/// Encodes 4:2:0 planes at `quality` (1 to 100), with `meta`.
///
/// # Errors
///
/// libjpeg-turbo's message, or planes of the wrong sizes.
pub fn encode_420(image: &Ycbcr420, quality: u8, meta: &Metadata) -> Result<Vec<u8>, String> {
    let (w, h) = (image.y.width, image.y.height);
    check_size(w, h)?;
    if (image.cb.width, image.cb.height) != chroma_size(w, h)
        || (image.cr.width, image.cr.height) != chroma_size(w, h)
    {
        return Err(format!(
            "chroma planes of {}x{} for a {w}x{h} image",
            image.cb.width, image.cb.height
        ));
    }
    // libjpeg-turbo reads luma in whole 2x2 blocks: an odd last column
    // or row is repeated (it would pad the same way).
    let (pw, ph) = (w.next_multiple_of(2), h.next_multiple_of(2));
    let padded;
    let luma = if (pw, ph) == (w, h) {
        image.y.data.as_slice()
    } else {
        padded = pad_plane(&image.y, pw, ph);
        padded.as_slice()
    };
    let planes = YuvPlanesImage {
        y_plane: luma,
        u_plane: image.cb.data.as_slice(),
        v_plane: image.cr.data.as_slice(),
        width: w as usize,
        height: h as usize,
        y_stride: pw as usize,
        u_stride: image.cb.width as usize,
        v_stride: image.cr.width as usize,
        subsamp: Subsamp::Sub2x2,
    };
    let jpeg = compressor(quality, Subsamp::Sub2x2)
        .and_then(|mut c| c.compress_yuv_planes_to_vec(&planes))
        .map_err(|e| e.to_string())?;
    Ok(with_segments(jpeg, meta, false))
}

/// `plane` grown to `width` x `height` by repeating its last column and
/// row.
fn pad_plane(plane: &Pixels, width: u32, height: u32) -> Vec<u8> {
    let (w, pw) = (plane.width as usize, width as usize);
    let mut out = Vec::with_capacity(pw * height as usize);
    for y in 0..height {
        let y = y.min(plane.height.saturating_sub(1)) as usize;
        let row = &plane.data[y * w..(y + 1) * w];
        out.extend_from_slice(row);
        let last = row.last().copied().unwrap_or(0);
        out.resize(out.len() + pw - w, last);
    }
    out
}

/// Encodes an 8-bit gray image at `quality`, with `meta`.
///
/// # Errors
///
/// libjpeg-turbo's message, or an image that is not 8-bit gray.
pub fn encode_gray(px: &Pixels, quality: u8, meta: &Metadata) -> Result<Vec<u8>, String> {
    if px.channels != Channels::L || px.depth16 {
        return Err("not an 8-bit gray image".into());
    }
    check_size(px.width, px.height)?;
    let image = Image {
        pixels: px.data.as_slice(),
        width: px.width as usize,
        pitch: px.width as usize,
        height: px.height as usize,
        format: PixelFormat::GRAY,
    };
    let jpeg = compressor(quality, Subsamp::Gray)
        .and_then(|mut c| c.compress_to_vec(image))
        .map_err(|e| e.to_string())?;
    Ok(with_segments(jpeg, meta, true))
}

/// The ICC profile's chunk header: `ICC_PROFILE\0`, sequence number and
/// count; a segment holds 65533 bytes after its length.
const ICC_MARKER: &[u8] = b"ICC_PROFILE\0";
const ICC_CHUNK: usize = 65_533 - ICC_MARKER.len() - 2;

/// `jpeg` with `meta`'s EXIF (APP1) and ICC profile (APP2, in chunks)
/// after its SOI and JFIF (APP0) segments, where readers look for them.
fn with_segments(jpeg: Vec<u8>, meta: &Metadata, gray: bool) -> Vec<u8> {
    let icc = meta.icc_for(gray);
    if meta.exif.is_none() && icc.is_none() {
        return jpeg;
    }
    let mut segments = Vec::new();
    let mut segment = |marker: u8, parts: &[&[u8]]| {
        let len = 2 + parts.iter().map(|p| p.len()).sum::<usize>();
        segments.extend_from_slice(&[0xff, marker]);
        segments.extend_from_slice(&u16::try_from(len).unwrap_or(u16::MAX).to_be_bytes());
        parts.iter().for_each(|p| segments.extend_from_slice(p));
    };
    if let Some(exif) = &meta.exif {
        segment(0xe1, &[b"Exif\0\0", exif]);
    }
    if let Some(icc) = icc {
        let chunks: Vec<&[u8]> = icc.chunks(ICC_CHUNK).collect();
        let count = u8::try_from(chunks.len()).unwrap_or(u8::MAX);
        for (i, chunk) in chunks.iter().enumerate().take(255) {
            let seq = u8::try_from(i + 1).unwrap_or(u8::MAX);
            segment(0xe2, &[ICC_MARKER, &[seq, count], chunk]);
        }
    }
    // SOI, then libjpeg's JFIF APP0 segment (its length after the marker).
    let at = match jpeg.get(2..6) {
        Some([0xff, 0xe0, hi, lo]) => 4 + usize::from(u16::from_be_bytes([*hi, *lo])),
        _ => 2,
    }
    .min(jpeg.len());
    let mut out = Vec::with_capacity(jpeg.len() + segments.len());
    out.extend_from_slice(&jpeg[..at]);
    out.extend_from_slice(&segments);
    out.extend_from_slice(&jpeg[at..]);
    out
}

#[cfg(test)]
mod tests {
    use image::ImageDecoder;
    use image::codecs::jpeg::JpegDecoder;

    use super::*;
    use crate::decode::jpeg_markers;
    use crate::encode::chroma;

    /// A smooth colour picture, `width` x `height`, interleaved RGB.
    fn picture(width: u32, height: u32) -> Vec<u8> {
        (0..height)
            .flat_map(|y| (0..width).map(move |x| (x, y)))
            .flat_map(|(x, y)| {
                let (fx, fy) = (f64::from(x) / 7.0, f64::from(y) / 5.0);
                [
                    (128.0 + 90.0 * fx.sin()) as u8,
                    (128.0 + 90.0 * fy.cos()) as u8,
                    (x * 255 / width) as u8,
                ]
            })
            .collect()
    }

    /// Decodes `jpeg` with `image`'s decoder (zune-jpeg, not ours).
    fn decode(jpeg: &[u8]) -> (u32, u32, Vec<u8>) {
        let decoder = JpegDecoder::new(std::io::Cursor::new(jpeg)).expect("a JPEG header");
        let (w, h) = decoder.dimensions();
        let mut data = vec![0u8; usize::try_from(decoder.total_bytes()).expect("size")];
        decoder.read_image(&mut data).expect("decodes");
        (w, h, data)
    }

    fn psnr(a: &[u8], b: &[u8]) -> f64 {
        assert_eq!(a.len(), b.len());
        let mse = a
            .iter()
            .zip(b)
            .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
            .sum::<f64>()
            / a.len() as f64;
        10.0 * (255.0 * 255.0 / mse).log10()
    }

    #[test]
    fn odd_sized_planes_decode_to_the_picture_with_their_exif_and_a_split_profile() {
        let (w, h) = (37u32, 23u32);
        let rgb = picture(w, h);
        let planes = chroma::from_rgb(&rgb, w, h);
        // A profile larger than one APP2 segment holds, so it is split.
        let mut icc: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
        icc[16..20].copy_from_slice(b"RGB ");
        let exif = b"II*\0\x08\0\0\0\0\0".to_vec();
        let meta = Metadata {
            exif: Some(exif.clone()),
            icc: Some(icc.clone()),
        };
        let jpeg = encode_420(&planes, 90, &meta).expect("encodes");
        let (dw, dh, data) = decode(&jpeg);
        assert_eq!((dw, dh), (w, h));
        let p = psnr(&data, &rgb);
        assert!(p > 34.0, "PSNR {p:.1} dB against the picture");
        let markers = jpeg_markers::scan(&jpeg);
        assert_eq!(markers.exif, Some(exif));
        // Compared whole but not printed: 70 kB of numbers say nothing.
        let icc_back = markers.icc.as_ref().map(Vec::len);
        assert!(
            markers.icc.as_ref() == Some(&icc),
            "ICC profile of {} bytes came back as {icc_back:?} bytes or changed",
            icc.len()
        );
    }

    #[test]
    fn chroma_planes_of_the_wrong_size_are_refused() {
        let mut planes = chroma::from_rgb(&picture(8, 8), 8, 8);
        planes.cr.width = 3;
        let err = encode_420(&planes, 85, &Metadata::default()).expect_err("refused");
        assert!(err.contains("chroma planes"), "{err}");
    }

    #[test]
    fn gray_stays_gray_and_keeps_no_rgb_profile() {
        let (w, h) = (19u32, 11u32);
        let gray = Pixels {
            width: w,
            height: h,
            channels: Channels::L,
            depth16: false,
            data: (0..w * h).map(|i| (i * 7 % 256) as u8).collect(),
        };
        let mut icc = vec![0u8; 200];
        icc[16..20].copy_from_slice(b"RGB ");
        let meta = Metadata {
            exif: None,
            icc: Some(icc),
        };
        let jpeg = encode_gray(&gray, 95, &meta).expect("encodes");
        let decoder = JpegDecoder::new(std::io::Cursor::new(&jpeg)).expect("header");
        assert_eq!(decoder.color_type(), image::ColorType::L8);
        let (dw, dh, data) = decode(&jpeg);
        assert_eq!((dw, dh), (w, h));
        assert!(psnr(&data, &gray.data) > 30.0);
        assert_eq!(jpeg_markers::scan(&jpeg).icc, None);
    }
}

//! Lossy WebP: libwebp through the `webp` crate (a C library built from
//! its vendored source by `cc`; no system package needed), and the
//! extended RIFF container (`VP8X`) that carries an ICC profile and EXIF
//! next to the bitstream.

use crate::colour::metadata::Metadata;
use crate::pixels::{Channels, Pixels};

/// The largest width or height WebP can store.
const MAX_SIDE: u32 = 16_383;

/// Encodes 8-bit `px` as lossy WebP at `quality` (1 to 100), keeping
/// alpha (compressed losslessly, as libwebp does), with `meta` in the
/// container. Gray images are stored as RGB (WebP has no gray mode).
///
/// # Errors
///
/// An image larger than WebP allows, or libwebp's error.
pub fn encode_lossy(px: Pixels, quality: u8, meta: &Metadata) -> Result<Vec<u8>, String> {
    if px.width > MAX_SIDE || px.height > MAX_SIDE {
        return Err(format!(
            "{}x{} is too large for WebP ({MAX_SIDE} at most)",
            px.width, px.height
        ));
    }
    let px = expand_gray(px.into_8bit());
    let encoder = if px.channels.has_alpha() {
        webp::Encoder::from_rgba(&px.data, px.width, px.height)
    } else {
        webp::Encoder::from_rgb(&px.data, px.width, px.height)
    };
    let encoded = encoder
        .encode_simple(false, f32::from(quality))
        .map_err(|e| format!("libwebp: {e:?}"))?;
    let icc = meta.icc_for(false);
    if icc.is_none() && meta.exif.is_none() {
        return Ok(encoded.to_vec());
    }
    with_metadata(&encoded, px.width, px.height, icc, meta.exif.as_deref())
}

/// Gray and gray-alpha pixels as RGB and RGBA.
fn expand_gray(px: Pixels) -> Pixels {
    let (channels, data) = match px.channels {
        Channels::L => (
            Channels::Rgb,
            px.data.iter().flat_map(|&v| [v, v, v]).collect(),
        ),
        Channels::La => (
            Channels::Rgba,
            px.data
                .chunks_exact(2)
                .flat_map(|p| [p[0], p[0], p[0], p[1]])
                .collect(),
        ),
        Channels::Rgb | Channels::Rgba => return px,
    };
    Pixels {
        channels,
        data,
        ..px
    }
}

/// Rewrites a simple or extended WebP file as an extended one whose
/// `VP8X` header announces `icc` and `exif`, stored in the order the
/// container specification asks: `VP8X`, `ICCP`, image chunks, `EXIF`.
fn with_metadata(
    webp: &[u8],
    width: u32,
    height: u32,
    icc: Option<&[u8]>,
    exif: Option<&[u8]>,
) -> Result<Vec<u8>, String> {
    let bad = || "libwebp wrote an unreadable RIFF container".to_owned();
    if webp.get(0..4) != Some(b"RIFF") || webp.get(8..12) != Some(b"WEBP") {
        return Err(bad());
    }
    let mut image_chunks: Vec<(&[u8], &[u8])> = Vec::new();
    let mut alpha = false;
    let mut at = 12;
    while at + 8 <= webp.len() {
        let fourcc = &webp[at..at + 4];
        let size = u32::from_le_bytes([webp[at + 4], webp[at + 5], webp[at + 6], webp[at + 7]]);
        let size = usize::try_from(size).map_err(|_| bad())?;
        let data = webp.get(at + 8..at + 8 + size).ok_or_else(bad)?;
        match fourcc {
            b"VP8X" => alpha |= data.first().is_some_and(|flags| flags & 0x10 != 0),
            b"ALPH" => {
                alpha = true;
                image_chunks.push((fourcc, data));
            }
            _ => image_chunks.push((fourcc, data)),
        }
        at += 8 + size + size % 2;
    }
    let mut flags = 0u8;
    if icc.is_some() {
        flags |= 0x20;
    }
    if alpha {
        flags |= 0x10;
    }
    if exif.is_some() {
        flags |= 0x08;
    }
    let mut vp8x = vec![flags, 0, 0, 0];
    vp8x.extend_from_slice(&(width - 1).to_le_bytes()[..3]);
    vp8x.extend_from_slice(&(height - 1).to_le_bytes()[..3]);

    let mut body = b"WEBP".to_vec();
    push_chunk(&mut body, b"VP8X", &vp8x)?;
    if let Some(icc) = icc {
        push_chunk(&mut body, b"ICCP", icc)?;
    }
    for (fourcc, data) in image_chunks {
        push_chunk(&mut body, fourcc, data)?;
    }
    if let Some(exif) = exif {
        push_chunk(&mut body, b"EXIF", exif)?;
    }
    let size = u32::try_from(body.len()).map_err(|_| "WebP file over 4 GiB".to_owned())?;
    let mut out = Vec::with_capacity(body.len() + 8);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(&body);
    Ok(out)
}

/// Appends one RIFF chunk, padded to an even length.
fn push_chunk(out: &mut Vec<u8>, fourcc: &[u8], data: &[u8]) -> Result<(), String> {
    let size = u32::try_from(data.len()).map_err(|_| "WebP chunk over 4 GiB".to_owned())?;
    out.extend_from_slice(fourcc);
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(data);
    if data.len() % 2 == 1 {
        out.push(0);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient(channels: Channels) -> Pixels {
        let (w, h) = (64u32, 48u32);
        let n = channels.count();
        let mut data = Vec::new();
        for y in 0..h {
            for x in 0..w {
                let px = [
                    (x * 4) as u8,
                    (y * 5) as u8,
                    128,
                    if x < 32 { 255 } else { 0 },
                ];
                data.extend_from_slice(&px[..n.max(3)][..n]);
            }
        }
        Pixels {
            width: w,
            height: h,
            channels,
            depth16: false,
            data,
        }
    }

    fn chunks(webp: &[u8]) -> Vec<String> {
        let mut names = Vec::new();
        let mut at = 12;
        while at + 8 <= webp.len() {
            names.push(String::from_utf8_lossy(&webp[at..at + 4]).into_owned());
            let size = u32::from_le_bytes(webp[at + 4..at + 8].try_into().expect("4 bytes"));
            at += 8 + size as usize + size as usize % 2;
        }
        assert_eq!(at, webp.len(), "chunks fill the file");
        names
    }

    #[test]
    fn lossy_rgb_decodes_close_to_the_original() {
        let px = gradient(Channels::Rgb);
        let out = encode_lossy(px.clone(), 90, &Metadata::default()).expect("encode");
        assert_eq!(chunks(&out), ["VP8 "]);
        let back = image::load_from_memory(&out).expect("decode").to_rgb8();
        assert_eq!(back.dimensions(), (64, 48));
        let diff: f64 = back
            .as_raw()
            .iter()
            .zip(&px.data)
            .map(|(&a, &b)| f64::from(a.abs_diff(b)))
            .sum::<f64>()
            / px.data.len() as f64;
        assert!(diff < 4.0, "mean difference {diff}");
    }

    #[test]
    fn metadata_and_alpha_go_into_a_vp8x_container() {
        let meta = Metadata {
            exif: Some(b"II*\0\x08\0\0\0\0\0".to_vec()),
            icc: Some({
                let mut icc = moxcms::ColorProfile::new_srgb().encode().expect("icc");
                icc[16..20].copy_from_slice(b"RGB ");
                icc
            }),
        };
        let out = encode_lossy(gradient(Channels::Rgba), 80, &meta).expect("encode");
        assert_eq!(chunks(&out), ["VP8X", "ICCP", "ALPH", "VP8 ", "EXIF"]);
        assert_eq!(out[20], 0x20 | 0x10 | 0x08, "VP8X flags");
        let back = image::load_from_memory(&out).expect("decode").to_rgba8();
        assert_eq!(back.get_pixel(0, 0)[3], 255);
        assert_eq!(back.get_pixel(63, 0)[3], 0);
    }

    #[test]
    fn gray_is_stored_as_rgb_and_too_large_is_refused() {
        let gray = Pixels {
            width: 4,
            height: 4,
            channels: Channels::L,
            depth16: false,
            data: vec![77; 16],
        };
        let out = encode_lossy(gray, 90, &Metadata::default()).expect("encode");
        let back = image::load_from_memory(&out).expect("decode").to_rgb8();
        assert!(
            back.pixels()
                .all(|p| p.0.iter().all(|&v| v.abs_diff(77) <= 2))
        );
        let huge = Pixels {
            width: 20_000,
            height: 1,
            channels: Channels::Rgb,
            depth16: false,
            data: vec![0; 60_000],
        };
        assert!(encode_lossy(huge, 90, &Metadata::default()).is_err());
    }
}

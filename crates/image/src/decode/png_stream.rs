//! PNG decoded row by row with the `png` crate and box-shrunk on the fly
//! (shrink-on-load for PNG, as libvips shrinks before its final filter):
//! a 5120x2880 RGBA artwork reduced to 800 px never holds its 59 MB of
//! full-size pixels, only the shrunk image and one row.

use std::io::Cursor;
use std::path::Path;

use crate::decode::decoded::{Decoded, Header, LoadScale};
use crate::error::ImageError;
use crate::pixels::Channels;
use crate::resize::geometry::LoadShrink;
use crate::resize::orient;
use crate::resize::shrink::BoxShrink;

/// Decodes the PNG `bytes` (of `path`) shrunk by the box factor that
/// `shrink` allows for its header. Returns `Ok(None)` when streaming
/// would not help (interlaced files, whose rows come in seven passes, and
/// a factor below 2): the caller then decodes the whole image.
///
/// # Errors
///
/// [`ImageError::Decode`] naming `path` for a corrupt or truncated file,
/// or whatever `check` returns for the header's size.
pub fn decode(
    path: &Path,
    bytes: &[u8],
    check: &impl Fn(u32, u32) -> Result<(), ImageError>,
    shrink: impl FnOnce(Header) -> LoadShrink,
) -> Result<Option<Decoded>, ImageError> {
    // The limit covers the decoder's own buffers (a row or two, metadata
    // chunks); the pixel limit is `check`'s.
    let limits = png::Limits { bytes: usize::MAX };
    let mut decoder = png::Decoder::new_with_limits(Cursor::new(bytes), limits);
    decoder.set_transformations(png::Transformations::EXPAND);
    decoder.set_ignore_text_chunk(true);
    let mut reader = decoder
        .read_info()
        .map_err(|e| ImageError::decode(path, e))?;
    let info = reader.info();
    let (width, height) = (info.width, info.height);
    check(width, height)?;
    if info.interlaced {
        return Ok(None);
    }
    let exif = info.exif_metadata.as_deref().map(<[u8]>::to_vec);
    let orientation = exif.as_deref().map_or(1, orient::exif_orientation);
    let k = shrink(Header {
        width,
        height,
        orientation,
    })
    .box_factor;
    if k < 2 {
        return Ok(None);
    }
    let icc = info.icc_profile.as_deref().map(<[u8]>::to_vec);
    let (color, depth) = reader.output_color_type();
    let channels = match color {
        png::ColorType::Grayscale => Channels::L,
        png::ColorType::GrayscaleAlpha => Channels::La,
        png::ColorType::Rgb => Channels::Rgb,
        png::ColorType::Rgba => Channels::Rgba,
        // EXPAND turns palettes into RGB(A).
        png::ColorType::Indexed => return Ok(None),
    };
    let depth16 = match depth {
        png::BitDepth::Eight => false,
        png::BitDepth::Sixteen => true,
        // EXPAND widens 1, 2 and 4 bits to 8.
        _ => return Ok(None),
    };
    let mut boxes = BoxShrink::new(width, height, channels, depth16, k);
    while let Some(row) = reader.next_row().map_err(|e| ImageError::decode(path, e))? {
        boxes.push_row(row.data());
    }
    if boxes.rows_seen() != height as usize {
        return Err(ImageError::decode(path, "image data ends early"));
    }
    Ok(Some(Decoded {
        pixels: boxes.finish(),
        chroma: None,
        orientation,
        icc,
        exif,
        scale: LoadScale::Box(k),
        palette: false,
    }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::pixels::Pixels;
    use crate::resize::geometry::{Plan, plan};
    use crate::settings::{Filter, Fit, Size};

    fn png_bytes(image: &image::DynamicImage) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    }

    fn ok(_: u32, _: u32) -> Result<(), ImageError> {
        Ok(())
    }

    fn by(k: u32) -> impl FnOnce(Header) -> LoadShrink {
        move |_| LoadShrink {
            jpeg_eighths: 8,
            box_factor: k,
        }
    }

    /// A detailed RGBA picture: waves, fine stripes, an alpha ramp with a
    /// fully transparent band.
    fn artwork(w: u32, h: u32) -> image::RgbaImage {
        image::RgbaImage::from_fn(w, h, |x, y| {
            let v = ((x as f32 / 17.0).sin() * 70.0 + (y as f32 / 11.0).cos() * 50.0 + 128.0) as u8;
            let a = if (300..340).contains(&x) {
                0
            } else {
                (y * 255 / h) as u8 | 40
            };
            image::Rgba([v, (x / 5) as u8, ((x + y) % 7 * 30) as u8, a])
        })
    }

    fn psnr(a: &Pixels, b: &Pixels) -> f64 {
        assert_eq!(
            (a.width, a.height, a.data.len()),
            (b.width, b.height, b.data.len())
        );
        let se: f64 = a
            .data
            .iter()
            .zip(&b.data)
            .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
            .sum();
        let mse = se / a.data.len() as f64;
        10.0 * (255.0f64 * 255.0 / mse).log10()
    }

    fn premultiplied(px: &Pixels) -> Pixels {
        let data = px
            .data
            .chunks_exact(4)
            .flat_map(|p| {
                let a = u32::from(p[3]);
                let m = |c: u8| ((u32::from(c) * a + 127) / 255) as u8;
                [m(p[0]), m(p[1]), m(p[2]), p[3]]
            })
            .collect();
        Pixels { data, ..px.clone() }
    }

    fn lanczos(px: &Pixels, plan: &Plan) -> Pixels {
        let mut r = fast_image_resize::Resizer::new();
        crate::resize::resize(&mut r, px, plan, Filter::Lanczos3).unwrap()
    }

    #[test]
    fn streamed_box_shrink_then_lanczos_is_close_to_full_decode_then_lanczos() {
        let (w, h) = (1603, 1201);
        let src = image::DynamicImage::ImageRgba8(artwork(w, h));
        let bytes = png_bytes(&src);
        let size = Size {
            width: 250,
            height: 250,
        };
        let full_plan = plan(w, h, size, Fit::Contain, false);
        let k = crate::resize::geometry::box_factor(&[full_plan], 2.0);
        assert_eq!(k, 3);
        let streamed = decode(Path::new("a.png"), &bytes, &ok, by(k))
            .unwrap()
            .unwrap();
        let px = &streamed.pixels;
        assert_eq!((px.width, px.height), (535, 401));
        let sx = f64::from(px.width) / f64::from(w);
        let sy = f64::from(px.height) / f64::from(h);
        let ours = lanczos(px, &full_plan.scaled(sx, sy));
        let full = crate::decode::decoded::from_dynamic(src);
        let reference = lanczos(&full, &full_plan);
        // Colour under (near-)zero alpha is invisible: compare premultiplied.
        let db = psnr(&premultiplied(&ours), &premultiplied(&reference));
        // Flattened the way JPEG output is, too.
        let flat = psnr(
            &ours.clone().flatten([255, 255, 255]),
            &reference.clone().flatten([255, 255, 255]),
        );
        eprintln!("streamed vs full: PSNR {db:.1} dB, flattened {flat:.1} dB");
        assert!(
            db > 35.0 && flat > 35.0,
            "PSNR {db:.1} dB, flattened {flat:.1} dB"
        );
    }

    #[test]
    fn every_png_kind_streams_with_its_channels_and_depth() {
        let rgba = artwork(40, 30);
        let cases = [
            (
                image::DynamicImage::ImageRgba8(rgba.clone()),
                Channels::Rgba,
                false,
            ),
            (
                image::DynamicImage::ImageRgba8(rgba.clone())
                    .to_rgb8()
                    .into(),
                Channels::Rgb,
                false,
            ),
            (
                image::DynamicImage::ImageRgba8(rgba.clone())
                    .to_luma8()
                    .into(),
                Channels::L,
                false,
            ),
            (
                image::DynamicImage::ImageRgba8(rgba.clone())
                    .to_luma_alpha8()
                    .into(),
                Channels::La,
                false,
            ),
            (
                image::DynamicImage::ImageRgba8(rgba.clone())
                    .to_rgba16()
                    .into(),
                Channels::Rgba,
                true,
            ),
            (
                image::DynamicImage::ImageRgba8(rgba).to_luma16().into(),
                Channels::L,
                true,
            ),
        ];
        for (img, channels, depth16) in cases {
            let bytes = png_bytes(&img);
            let d = decode(Path::new("a.png"), &bytes, &ok, by(4))
                .unwrap()
                .unwrap();
            let px = d.pixels;
            assert_eq!((px.width, px.height), (10, 8));
            assert_eq!((px.channels, px.depth16), (channels, depth16));
            assert_eq!(px.data.len(), 80 * px.pixel_bytes());
            // The top-left block's first channel is the plain (or
            // alpha-weighted) mean of its 16 pixels: compare with the
            // full decode at 8 bits.
            let full = crate::decode::decoded::from_dynamic(img).into_8bit();
            let got = px.into_8bit().data[0];
            let c = full.pixel_bytes();
            let (mut num, mut den) = (0u32, 0u32);
            for y in 0..4 {
                for x in 0..4 {
                    let p = &full.data[(y * 40 + x) * c..][..c];
                    let a = if channels.has_alpha() {
                        u32::from(p[c - 1])
                    } else {
                        1
                    };
                    num += u32::from(p[0]) * a;
                    den += a;
                }
            }
            let want = (num + den / 2) / den.max(1);
            assert!(
                got.abs_diff(want as u8) <= 1,
                "{channels:?} {depth16}: {got} vs {want}"
            );
        }
    }

    #[test]
    fn palette_with_transparency_becomes_rgba() {
        let mut enc_out = Vec::new();
        {
            let mut e = png::Encoder::new(&mut enc_out, 4, 2);
            e.set_color(png::ColorType::Indexed);
            e.set_depth(png::BitDepth::Eight);
            e.set_palette(vec![255, 0, 0, 0, 0, 255]);
            e.set_trns(vec![255, 0]);
            let mut w = e.write_header().unwrap();
            w.write_image_data(&[0, 1, 0, 0, 0, 1, 0, 0]).unwrap();
        }
        let d = decode(Path::new("p.png"), &enc_out, &ok, by(2))
            .unwrap()
            .unwrap();
        assert_eq!(d.pixels.channels, Channels::Rgba);
        // Left block: 2 opaque red + 2 transparent blue -> red, half alpha.
        assert_eq!(&d.pixels.data[..4], &[255, 0, 0, 128]);
        // Right block: all opaque red.
        assert_eq!(&d.pixels.data[4..], &[255, 0, 0, 255]);
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn interlaced_small_factor_and_corrupt_files() {
        // A 1x1 image has the same data interlaced or not: set the IHDR's
        // interlace byte and fix the chunk's CRC.
        let mut interlaced = Vec::new();
        {
            let mut e = png::Encoder::new(&mut interlaced, 1, 1);
            e.set_color(png::ColorType::Grayscale);
            e.set_depth(png::BitDepth::Eight);
            let mut w = e.write_header().unwrap();
            w.write_image_data(&[9]).unwrap();
        }
        interlaced[28] = 1;
        let crc = crc32(&interlaced[12..29]).to_be_bytes();
        interlaced[29..33].copy_from_slice(&crc);
        let none = decode(Path::new("i.png"), &interlaced, &ok, by(2)).unwrap();
        assert!(none.is_none(), "interlaced files are decoded whole");
        let bytes = png_bytes(&image::DynamicImage::ImageRgba8(artwork(64, 64)));
        let none = decode(Path::new("a.png"), &bytes, &ok, by(1)).unwrap();
        assert!(none.is_none(), "no shrink: decoded whole");
        let cut = &bytes[..bytes.len() * 2 / 3];
        let err = decode(Path::new("cut.png"), cut, &ok, by(2)).unwrap_err();
        assert!(err.to_string().contains("cut.png"), "{err}");
        let too_big = |w: u32, h: u32| {
            Err(ImageError::TooLarge {
                path: "big.png".into(),
                width: w,
                height: h,
                limit: 1,
            })
        };
        let err = decode(Path::new("big.png"), &bytes, &too_big, by(2)).unwrap_err();
        assert!(matches!(err, ImageError::TooLarge { .. }), "{err}");
    }
}

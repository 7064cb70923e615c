//! JPEGs made by libjpeg-turbo for the decoders' tests.

#![allow(clippy::unwrap_used)]

use turbojpeg::{Compressor, Image, PixelFormat, Subsamp};

/// A `w`x`h` picture with edges, gradients and noise (so that every AC
/// band has data), as a JPEG.
pub fn jpeg(w: usize, h: usize, subsamp: Subsamp, progressive: bool, arithmetic: bool) -> Vec<u8> {
    let mut seed = 12345u32;
    let mut pixels = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        for x in 0..w {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let noise = (seed >> 24) as usize % 60;
            let edge = if (x / 7 + y / 11) % 2 == 0 { 120 } else { 0 };
            pixels.push(((x * 255 / w + noise + edge) % 256) as u8);
            pixels.push(((y * 255 / h + edge) % 256) as u8);
            pixels.push((((x + y) * 3 + noise * 2) % 256) as u8);
        }
    }
    let mut c = Compressor::new().unwrap();
    c.set_quality(92).unwrap();
    c.set_subsamp(subsamp).unwrap();
    c.set_progressive(progressive).unwrap();
    c.set_arithmetic(arithmetic).unwrap();
    let image = Image {
        pixels: &pixels[..],
        width: w,
        pitch: w * 3,
        height: h,
        format: PixelFormat::RGB,
    };
    c.compress_to_vec(image).unwrap()
}

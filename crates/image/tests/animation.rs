//! Animated GIFs and WebPs are refused, naming the file, never resized to
//! their first frame without a word; a still GIF is resized.
#![allow(clippy::unwrap_used)]

mod common;

use std::fs;

use common::{run, settings};
use image::{ImageEncoder as _, Rgba, RgbaImage};

/// A lossless WebP frame (its `VP8L` chunk) of a `w`x`h` picture.
fn vp8l_chunk(w: u32, h: u32) -> Vec<u8> {
    let mut webp = Vec::new();
    image::codecs::webp::WebPEncoder::new_lossless(&mut webp)
        .write_image(
            RgbaImage::from_pixel(w, h, Rgba([9, 99, 199, 255])).as_raw(),
            w,
            h,
            image::ExtendedColorType::Rgba8,
        )
        .unwrap();
    assert_eq!(&webp[12..16], b"VP8L");
    webp[12..].to_vec()
}

fn chunk(name: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut c = name.to_vec();
    c.extend_from_slice(&(data.len() as u32).to_le_bytes());
    c.extend_from_slice(data);
    if data.len() % 2 == 1 {
        c.push(0);
    }
    c
}

/// An animated WebP of `frames` frames of 8x8, as the container
/// specification lays it out: VP8X (animation flag), ANIM, ANMF each.
fn animated_webp(frames: usize) -> Vec<u8> {
    let mut vp8x = vec![0x02, 0, 0, 0];
    vp8x.extend_from_slice(&[7, 0, 0, 7, 0, 0]);
    let mut body = b"WEBP".to_vec();
    body.extend(chunk(b"VP8X", &vp8x));
    body.extend(chunk(b"ANIM", &[0, 0, 0, 0, 0, 0]));
    for _ in 0..frames {
        // Offset 0,0, size 8x8 (stored less one), 100 ms, no blending.
        let mut anmf = vec![0, 0, 0, 0, 0, 0, 7, 0, 0, 7, 0, 0, 100, 0, 0, 0];
        anmf.extend(vp8l_chunk(8, 8));
        body.extend(chunk(b"ANMF", &anmf));
    }
    let mut riff = b"RIFF".to_vec();
    riff.extend_from_slice(&(body.len() as u32).to_le_bytes());
    riff.extend(body);
    riff
}

#[test]
fn animations_are_refused_naming_the_file_and_stills_are_resized() {
    use image::codecs::gif::GifEncoder;
    let input = tempfile::tempdir().unwrap();
    let mut gif = Vec::new();
    {
        let mut encoder = GifEncoder::new(&mut gif);
        let frames = (0..3u8)
            .map(|i| image::Frame::new(RgbaImage::from_pixel(40, 30, Rgba([i * 80, 0, 0, 255]))));
        encoder.encode_frames(frames).unwrap();
    }
    fs::write(input.path().join("a_moving.gif"), gif).unwrap();
    fs::write(input.path().join("b_moving.webp"), animated_webp(4)).unwrap();
    RgbaImage::from_pixel(40, 30, Rgba([0, 90, 0, 255]))
        .save(input.path().join("c_still.gif"))
        .unwrap();
    let output = tempfile::tempdir().unwrap();
    let results = run(input.path(), output.path(), settings("20x20"), false);
    let said: Vec<String> = results
        .iter()
        .map(|(_, r)| match r {
            Ok(_) => "ok".to_owned(),
            Err(e) => e.to_string(),
        })
        .collect();
    let gif_path = input.path().canonicalize().unwrap().join("a_moving.gif");
    let webp_path = input.path().canonicalize().unwrap().join("b_moving.webp");
    assert_eq!(
        said,
        [
            format!(
                "{}: not a supported image (an animated GIF of 3 frames; only still images \
                 are resized)",
                gif_path.display()
            ),
            format!(
                "{}: not a supported image (an animated WebP of 4 frames; only still images \
                 are resized)",
                webp_path.display()
            ),
            "ok".to_owned(),
        ]
    );
    assert!(!output.path().join("a_moving.png").exists());
    assert!(output.path().join("c_still.png").is_file());
}

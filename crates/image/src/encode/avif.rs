//! AVIF: rav1e through ravif (pure Rust but for rav1e's assembly), 10-bit
//! AV1 inside the HEIF container, alpha kept, EXIF kept on request. ravif
//! writes no ICC profile, so AVIF outputs are always converted to sRGB.

use ravif::{Encoder, Img, RGB8, RGBA8};

use crate::colour::metadata::Metadata;
use crate::pixels::{Channels, Pixels};

/// Encodes `px` as AVIF at `quality` (1 to 100) and `speed` (1, slowest
/// and smallest, to 10), with `meta`'s EXIF.
///
/// # Errors
///
/// rav1e's or ravif's message.
pub fn encode(px: Pixels, quality: u8, speed: u8, meta: &Metadata) -> Result<Vec<u8>, String> {
    let px = px.into_8bit();
    let (w, h) = (px.width as usize, px.height as usize);
    let mut encoder = Encoder::new()
        .with_quality(f32::from(quality.clamp(1, 100)))
        .with_alpha_quality(f32::from(quality.clamp(1, 100)))
        .with_speed(speed.clamp(1, 10))
        // One thread: the pool's workers are the parallelism.
        .with_num_threads(Some(1));
    if let Some(exif) = &meta.exif {
        encoder = encoder.with_exif(exif.clone());
    }
    let encoded = match px.channels {
        Channels::Rgb | Channels::L => {
            let rgb: Vec<RGB8> = match px.channels {
                Channels::L => px.data.iter().map(|&v| RGB8::new(v, v, v)).collect(),
                _ => px
                    .data
                    .chunks_exact(3)
                    .map(|p| RGB8::new(p[0], p[1], p[2]))
                    .collect(),
            };
            encoder.encode_rgb(Img::new(&rgb[..], w, h))
        }
        Channels::Rgba | Channels::La => {
            let rgba: Vec<RGBA8> = match px.channels {
                Channels::La => px
                    .data
                    .chunks_exact(2)
                    .map(|p| RGBA8::new(p[0], p[0], p[0], p[1]))
                    .collect(),
                _ => px
                    .data
                    .chunks_exact(4)
                    .map(|p| RGBA8::new(p[0], p[1], p[2], p[3]))
                    .collect(),
            };
            encoder.encode_rgba(Img::new(&rgba[..], w, h))
        }
    };
    encoded
        .map(|e| e.avif_file)
        .map_err(|e| format!("AVIF: {e}"))
}

//! Animations are refused, naming the file, never resized to their first
//! frame without a word: an animated GIF (more than one image in the file), an animated
//! WebP (the animation flag of its `VP8X` header) or an animated PNG (an
//! `acTL` chunk).

use image::ImageFormat;

/// The name users know `format` by.
pub(crate) fn name(format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::Gif => "GIF",
        ImageFormat::WebP => "WebP",
        ImageFormat::Png => "PNG",
        _ => "image",
    }
}

/// How many frames the file holds when it is an animation; `None` for a
/// still image.
pub(crate) fn frames(format: ImageFormat, bytes: &[u8]) -> Option<u32> {
    let n = match format {
        ImageFormat::Gif => gif_images(bytes),
        ImageFormat::WebP => webp_frames(bytes),
        ImageFormat::Png => png_frames(bytes),
        _ => 0,
    };
    (n > 1).then_some(n)
}

/// Skips GIF data sub-blocks from `at`: returns the offset after their
/// terminator.
fn skip_sub_blocks(bytes: &[u8], mut at: usize) -> Option<usize> {
    loop {
        let len = usize::from(*bytes.get(at)?);
        at += 1 + len;
        if len == 0 {
            return Some(at);
        }
    }
}

/// The number of images (image descriptors) in a GIF, as far as its
/// blocks can be followed.
fn gif_images(bytes: &[u8]) -> u32 {
    let table = |flags: u8| {
        if flags & 0x80 != 0 {
            3 << ((flags & 7) + 1)
        } else {
            0
        }
    };
    let Some(&flags) = bytes.get(10) else {
        return 0;
    };
    let mut at = 13 + table(flags);
    let mut images = 0;
    while let Some(&block) = bytes.get(at) {
        at = match block {
            // Extension: label, then sub-blocks.
            0x21 => match skip_sub_blocks(bytes, at + 2) {
                Some(next) => next,
                None => break,
            },
            // Image: descriptor, local table, LZW code size, sub-blocks.
            0x2C => {
                images += 1;
                let Some(&flags) = bytes.get(at + 9) else {
                    break;
                };
                match skip_sub_blocks(bytes, at + 10 + table(flags) + 1) {
                    Some(next) => next,
                    None => break,
                }
            }
            _ => break,
        };
    }
    images
}

/// The frames (`ANMF` chunks) of a WebP whose `VP8X` header has its
/// animation flag set (at least 2 when the flag is set: the flag alone
/// says it is an animation).
fn webp_frames(bytes: &[u8]) -> u32 {
    let animated =
        bytes.get(12..16) == Some(b"VP8X") && bytes.get(20).is_some_and(|flags| flags & 0x02 != 0);
    if !animated {
        return 0;
    }
    let mut frames = 0;
    let mut at = 12;
    while let Some(head) = bytes.get(at..at + 8) {
        if &head[..4] == b"ANMF" {
            frames += 1;
        }
        let len = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as usize;
        at += 8 + len + len % 2;
    }
    frames.max(2)
}

/// The frame count of an APNG's `acTL` chunk (0 when there is none before
/// the image data).
fn png_frames(bytes: &[u8]) -> u32 {
    let mut at = 8;
    while let Some(head) = bytes.get(at..at + 8) {
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        match &head[4..8] {
            b"acTL" => {
                return bytes
                    .get(at + 8..at + 12)
                    .map_or(2, |n| u32::from_be_bytes([n[0], n[1], n[2], n[3]]).max(2));
            }
            b"IDAT" | b"IEND" => return 0,
            _ => at += 12 + len,
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PNG's chunk: length, name, data, and a CRC this check ignores.
    fn chunk(name: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend_from_slice(name);
        c.extend_from_slice(data);
        c.extend_from_slice(&[0; 4]);
        c
    }

    #[test]
    fn an_apng_says_its_frames_before_its_image_data() {
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(chunk(b"IHDR", &[0; 13]));
        let mut still = png.clone();
        png.extend(chunk(b"acTL", &[0, 0, 0, 5, 0, 0, 0, 0]));
        png.extend(chunk(b"IDAT", &[0; 4]));
        assert_eq!(frames(ImageFormat::Png, &png), Some(5));
        still.extend(chunk(b"IDAT", &[0; 4]));
        still.extend(chunk(b"acTL", &[0, 0, 0, 5, 0, 0, 0, 0]));
        assert_eq!(
            frames(ImageFormat::Png, &still),
            None,
            "after IDAT: not read"
        );
    }
}

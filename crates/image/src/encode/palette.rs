//! Palette PNGs: an output whose colours fit in 256 is written as palette
//! indices (exactly, losslessly), and the output of a palette input (GIF,
//! palette PNG) is quantised to 256 colours with NeuQuant (`color_quant`),
//! as libvips and ImageMagick do for such inputs: a third of the bytes of
//! the same pixels in RGBA.

use std::collections::HashMap;

use crate::colour::metadata::Metadata;
use crate::pixels::Pixels;

/// An image as palette indices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Indexed {
    pub width: u32,
    pub height: u32,
    /// RGBA colours, the translucent ones first (so the tRNS chunk, which
    /// lists alphas from the first entry, stays short).
    pub palette: Vec<[u8; 4]>,
    /// One index per pixel.
    pub indices: Vec<u8>,
}

/// NeuQuant's sampling factor: 1 learns from every pixel, 30 from a
/// thirtieth; 10 is its authors' balance of speed and quality.
const SAMPLE_FACTOR: i32 = 10;

/// `px` as palette indices: exactly when its colours fit in 256, or, with
/// `quantise`, reduced to 256. `None` for other images (gray, 16-bit, or
/// too many colours without `quantise`).
pub(crate) fn index(px: &Pixels, quantise: bool) -> Option<Indexed> {
    if px.depth16 || px.channels.is_gray() {
        return None;
    }
    let n = px.channels.count();
    let rgba = |p: &[u8]| [p[0], p[1], p[2], if n == 4 { p[3] } else { 255 }];
    let mut colours: HashMap<[u8; 4], u8> = HashMap::new();
    let mut exact = true;
    for p in px.data.chunks_exact(n) {
        let c = rgba(p);
        if !colours.contains_key(&c) {
            if colours.len() == 256 {
                exact = false;
                break;
            }
            colours.insert(c, 0);
        }
    }
    if !exact && !quantise {
        return None;
    }
    let quantiser = (!exact).then(|| {
        let pixels: Vec<u8> = px.data.chunks_exact(n).flat_map(rgba).collect();
        color_quant::NeuQuant::new(SAMPLE_FACTOR, 256, &pixels)
    });
    let unsorted: Vec<[u8; 4]> = match &quantiser {
        None => colours.keys().copied().collect(),
        // NeuQuant learns alpha too and may round 255 down: an image
        // without alpha gets opaque entries.
        Some(nq) => nq
            .color_map_rgba()
            .chunks_exact(4)
            .map(|c| [c[0], c[1], c[2], if n == 4 { c[3] } else { 255 }])
            .collect(),
    };
    // Translucent entries first; then a stable order for stable outputs.
    let mut order: Vec<usize> = (0..unsorted.len()).collect();
    order.sort_by_key(|&i| (unsorted[i][3] == 255, unsorted[i]));
    let mut position = vec![0u8; unsorted.len()];
    for (at, &i) in order.iter().enumerate() {
        position[i] = at as u8;
    }
    let palette: Vec<[u8; 4]> = order.iter().map(|&i| unsorted[i]).collect();
    let indices = match &quantiser {
        None => {
            let lookup: HashMap<[u8; 4], u8> = palette
                .iter()
                .enumerate()
                .map(|(i, c)| (*c, i as u8))
                .collect();
            px.data
                .chunks_exact(n)
                .map(|p| lookup.get(&rgba(p)).copied().unwrap_or(0))
                .collect()
        }
        Some(nq) => px
            .data
            .chunks_exact(n)
            .map(|p| position[nq.index_of(&rgba(p))])
            .collect(),
    };
    Some(Indexed {
        width: px.width,
        height: px.height,
        palette,
        indices,
    })
}

/// Encodes `image` as an 8-bit palette PNG with `meta` (an RGB profile
/// fits a palette image).
pub(crate) fn encode_png(image: &Indexed, meta: &Metadata) -> Result<Vec<u8>, String> {
    let mut info = png::Info::with_size(image.width, image.height);
    info.color_type = png::ColorType::Indexed;
    info.bit_depth = png::BitDepth::Eight;
    info.palette = Some(
        image
            .palette
            .iter()
            .flat_map(|c| [c[0], c[1], c[2]])
            .collect::<Vec<_>>()
            .into(),
    );
    let alphas: Vec<u8> = image
        .palette
        .iter()
        .map(|c| c[3])
        .take_while(|&a| a != 255)
        .collect();
    if !alphas.is_empty() {
        info.trns = Some(alphas.into());
    }
    info.icc_profile = meta.icc_for(false).map(|icc| icc.to_vec().into());
    info.exif_metadata = meta.exif.clone().map(Into::into);
    let mut out = Vec::with_capacity(image.indices.len() / 2 + 1024);
    let mut encoder = png::Encoder::with_info(&mut out, info).map_err(|e| e.to_string())?;
    // Indices compress best unfiltered (a quarter less than with adaptive
    // filters on a resized GIF), and are few enough bytes for the
    // balanced level.
    encoder.set_compression(png::Compression::Balanced);
    encoder.set_filter(png::Filter::NoFilter);
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer
        .write_image_data(&image.indices)
        .map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pixels::Channels;

    fn rgba(width: u32, height: u32, f: impl Fn(u32, u32) -> [u8; 4]) -> Pixels {
        let mut data = Vec::new();
        for y in 0..height {
            for x in 0..width {
                data.extend_from_slice(&f(x, y));
            }
        }
        Pixels {
            width,
            height,
            channels: Channels::Rgba,
            depth16: false,
            data,
        }
    }

    #[test]
    fn few_colours_are_indexed_exactly_translucent_ones_first() {
        let px = rgba(16, 16, |x, y| {
            [
                (x * 16) as u8,
                (y * 16) as u8,
                0,
                if x == 0 { 0 } else { 255 },
            ]
        });
        let indexed = index(&px, false).expect("256 colours fit");
        assert_eq!(indexed.palette.len(), 256);
        assert!(indexed.palette[..16].iter().all(|c| c[3] == 0));
        assert!(indexed.palette[16..].iter().all(|c| c[3] == 255));
        for (i, p) in px.data.chunks_exact(4).enumerate() {
            assert_eq!(
                indexed.palette[usize::from(indexed.indices[i])],
                [p[0], p[1], p[2], p[3]]
            );
        }
    }

    #[test]
    fn many_colours_are_quantised_only_when_asked() {
        let px = rgba(64, 64, |x, y| {
            [(x * 4) as u8, (y * 4) as u8, ((x + y) * 2) as u8, 255]
        });
        assert_eq!(index(&px, false), None, "4096 colours do not fit");
        let indexed = index(&px, true).expect("quantised");
        assert!(indexed.palette.len() <= 256);
        // Close to the original: NeuQuant, without dithering, keeps this
        // smooth 4096-colour gradient at 28 dB; a palette entry mixed up
        // with another (the sorted order lost) falls under 15 dB.
        let mut se = 0.0;
        for (i, p) in px.data.chunks_exact(4).enumerate() {
            let q = indexed.palette[usize::from(indexed.indices[i])];
            for c in 0..3 {
                se += (f64::from(p[c]) - f64::from(q[c])).powi(2);
            }
        }
        let mse = se / (64.0 * 64.0 * 3.0);
        let psnr = 10.0 * (255.0f64 * 255.0 / mse).log10();
        assert!(psnr > 26.0, "PSNR {psnr:.1} dB");
    }
}

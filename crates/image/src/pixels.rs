//! A decoded image in memory: interleaved channels, 8 or 16 bits.

/// The channels of a [`Pixels`] buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channels {
    /// Gray.
    L,
    /// Gray and alpha.
    La,
    /// Red, green, blue.
    Rgb,
    /// Red, green, blue, alpha.
    Rgba,
}

impl Channels {
    /// Number of channels.
    pub fn count(self) -> usize {
        match self {
            Channels::L => 1,
            Channels::La => 2,
            Channels::Rgb => 3,
            Channels::Rgba => 4,
        }
    }

    /// Whether there is an alpha channel.
    pub fn has_alpha(self) -> bool {
        matches!(self, Channels::La | Channels::Rgba)
    }

    /// Whether the image is gray.
    pub fn is_gray(self) -> bool {
        matches!(self, Channels::L | Channels::La)
    }
}

/// Pixels, row after row, channels interleaved. 16-bit samples are stored
/// as native-endian byte pairs (`depth16`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pixels {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The channels.
    pub channels: Channels,
    /// Whether samples are 16 bits (else 8).
    pub depth16: bool,
    /// The samples.
    pub data: Vec<u8>,
}

impl Pixels {
    /// Bytes per pixel.
    pub fn pixel_bytes(&self) -> usize {
        self.channels.count() * if self.depth16 { 2 } else { 1 }
    }

    /// Converts 16-bit samples to 8 bits (rounding); 8-bit images are
    /// returned as they are.
    pub fn into_8bit(self) -> Pixels {
        if !self.depth16 {
            return self;
        }
        let data = self
            .data
            .chunks_exact(2)
            .map(|b| {
                let v = u32::from(u16::from_ne_bytes([b[0], b[1]]));
                ((v * 255 + 32_767) / 65_535) as u8
            })
            .collect();
        Pixels {
            depth16: false,
            data,
            ..self
        }
    }

    /// Keeps the top-left `width` x `height` pixels (at most the image),
    /// in place.
    pub fn crop_top_left(mut self, width: u32, height: u32) -> Pixels {
        let (width, height) = (width.min(self.width), height.min(self.height));
        let bpp = self.pixel_bytes();
        let (from, to) = (self.width as usize * bpp, width as usize * bpp);
        if to < from {
            for y in 1..height as usize {
                self.data.copy_within(y * from..y * from + to, y * to);
            }
        }
        self.data.truncate(to * height as usize);
        Pixels {
            width,
            height,
            ..self
        }
    }

    /// The same image without its alpha channel when every pixel is
    /// opaque; otherwise as it is.
    pub fn without_opaque_alpha(self) -> Pixels {
        let (channels, n) = match self.channels {
            Channels::La => (Channels::L, 2),
            Channels::Rgba => (Channels::Rgb, 4),
            Channels::L | Channels::Rgb => return self,
        };
        let size = if self.depth16 { 2 } else { 1 };
        let pixel = n * size;
        let opaque = self
            .data
            .chunks_exact(pixel)
            .all(|p| p[pixel - size..].iter().all(|&b| b == 0xff));
        if !opaque {
            return self;
        }
        let keep = pixel - size;
        let mut data = Vec::with_capacity(self.data.len() / n * (n - 1));
        for p in self.data.chunks_exact(pixel) {
            data.extend_from_slice(&p[..keep]);
        }
        Pixels {
            channels,
            data,
            ..self
        }
    }

    /// Removes alpha by compositing onto `background` (8-bit sRGB; the
    /// image must be 8-bit). Gray images use the background's luma.
    pub fn flatten(self, background: [u8; 3]) -> Pixels {
        if !self.channels.has_alpha() || self.depth16 {
            return self;
        }
        let over = |c: u8, a: u8, bg: u8| -> u8 {
            let (c, a, bg) = (u32::from(c), u32::from(a), u32::from(bg));
            ((c * a + bg * (255 - a) + 127) / 255) as u8
        };
        let (channels, data) = match self.channels {
            Channels::La => {
                let [r, g, b] = background.map(u32::from);
                let bg = ((r * 299 + g * 587 + b * 114 + 500) / 1000) as u8;
                let data = self
                    .data
                    .chunks_exact(2)
                    .map(|p| over(p[0], p[1], bg))
                    .collect();
                (Channels::L, data)
            }
            _ => {
                let mut data = Vec::with_capacity(self.data.len() / 4 * 3);
                for p in self.data.chunks_exact(4) {
                    for c in 0..3 {
                        data.push(over(p[c], p[3], background[c]));
                    }
                }
                (Channels::Rgb, data)
            }
        };
        Pixels {
            channels,
            data,
            ..self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flatten_composites_onto_background() {
        let px = Pixels {
            width: 2,
            height: 1,
            channels: Channels::Rgba,
            depth16: false,
            data: vec![255, 0, 0, 255, 0, 0, 255, 0],
        };
        let flat = px.flatten([0, 255, 0]);
        assert_eq!(flat.channels, Channels::Rgb);
        assert_eq!(flat.data, vec![255, 0, 0, 0, 255, 0]);
    }

    #[test]
    fn an_all_opaque_alpha_channel_is_dropped_and_any_other_kept() {
        let px = Pixels {
            width: 2,
            height: 1,
            channels: Channels::Rgba,
            depth16: false,
            data: vec![1, 2, 3, 255, 4, 5, 6, 255],
        };
        let rgb = px.clone().without_opaque_alpha();
        assert_eq!(
            (rgb.channels, rgb.data),
            (Channels::Rgb, vec![1, 2, 3, 4, 5, 6])
        );
        let mut seen = px.clone();
        seen.data[7] = 254;
        assert_eq!(seen.clone().without_opaque_alpha(), seen);
        // 16 bits: alpha 0xffff only.
        let deep = Pixels {
            width: 1,
            height: 1,
            channels: Channels::La,
            depth16: true,
            data: vec![7, 8, 0xff, 0xff],
        };
        let gray = deep.clone().without_opaque_alpha();
        assert_eq!((gray.channels, gray.data), (Channels::L, vec![7, 8]));
        let mut half = deep;
        half.data[2] = 0;
        assert_eq!(half.clone().without_opaque_alpha(), half);
    }

    #[test]
    fn crop_top_left_keeps_the_rows_it_should() {
        let px = Pixels {
            width: 3,
            height: 3,
            channels: Channels::La,
            depth16: false,
            data: (0..18).collect(),
        };
        let small = px.clone().crop_top_left(2, 2);
        assert_eq!((small.width, small.height), (2, 2));
        assert_eq!(small.data, vec![0, 1, 2, 3, 6, 7, 8, 9]);
        assert_eq!(px.clone().crop_top_left(5, 5), px);
    }

    #[test]
    fn sixteen_bits_round_to_eight() {
        let data = [0u16, 65_535, 32_896]
            .iter()
            .flat_map(|v| v.to_ne_bytes())
            .collect();
        let px = Pixels {
            width: 3,
            height: 1,
            channels: Channels::L,
            depth16: true,
            data,
        };
        assert_eq!(px.into_8bit().data, vec![0, 255, 128]);
    }
}

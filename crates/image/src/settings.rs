//! What a run is asked to do: sizes, fit, filter, output format, quality.

use std::fmt;
use std::str::FromStr;

use crate::error::SettingsError;

/// A bounding box `WxH` that outputs are fitted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Size {
    /// Width in pixels, at least 1.
    pub width: u32,
    /// Height in pixels, at least 1.
    pub height: u32,
}

impl FromStr for Size {
    type Err = SettingsError;

    /// Parses `800x600` (or `800` for a square box).
    fn from_str(text: &str) -> Result<Size, SettingsError> {
        let bad = || SettingsError::Size(text.to_owned());
        let (w, h) = match text.split_once(['x', 'X']) {
            Some((w, h)) => (w, h),
            None => (text, text),
        };
        let width: u32 = w.trim().parse().map_err(|_| bad())?;
        let height: u32 = h.trim().parse().map_err(|_| bad())?;
        if width == 0 || height == 0 || width > 65_535 || height > 65_535 {
            return Err(bad());
        }
        Ok(Size { width, height })
    }
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x{}", self.width, self.height)
    }
}

/// How an image is fitted to a [`Size`].
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Fit {
    /// Scale to fit inside the box, keeping the aspect ratio.
    #[default]
    Contain,
    /// Scale to fill the box, keeping the aspect ratio, and crop the centre.
    Cover,
    /// Scale to exactly the box, distorting the aspect ratio.
    Exact,
}

/// Which part of the image `--fit cover` keeps.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Crop {
    /// The centre.
    #[default]
    Centre,
    /// The window whose luminance carries the most information (the
    /// Shannon entropy of its histogram), as sharp's `entropy`.
    Entropy,
    /// The window with the most edges, saturated colour and skin tones,
    /// as sharp's `attention`.
    Attention,
}

/// The resampling filter.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Filter {
    /// Nearest neighbour (fastest, blocky).
    Nearest,
    /// Box average.
    Box,
    /// Bilinear (triangle).
    Bilinear,
    /// Hamming.
    Hamming,
    /// Catmull-Rom bicubic.
    CatmullRom,
    /// Mitchell-Netravali bicubic.
    Mitchell,
    /// Lanczos with 3 lobes (sharpest; the default).
    #[default]
    Lanczos3,
}

/// The encoding of the outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Format {
    /// JPEG, 4:2:0, with `quality`; alpha is flattened onto the background.
    Jpeg,
    /// PNG, lossless, 8 or 16 bits, alpha kept.
    Png,
    /// WebP, lossy with `quality` (or lossless), alpha kept.
    WebP,
    /// AVIF (AV1, 10 bits), with `quality` and `avif_speed`, alpha kept,
    /// colours always in sRGB (no ICC profile is written).
    Avif,
}

impl Format {
    /// The file extension written for this format.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Jpeg => "jpg",
            Format::Png => "png",
            Format::WebP => "webp",
            Format::Avif => "avif",
        }
    }
}

macro_rules! parse_enum {
    ($ty:ty, $err:ident, $($name:literal => $value:expr),+ $(,)?) => {
        impl FromStr for $ty {
            type Err = SettingsError;
            fn from_str(text: &str) -> Result<Self, SettingsError> {
                match text.to_ascii_lowercase().as_str() {
                    $($name => Ok($value),)+
                    _ => Err(SettingsError::$err(text.to_owned())),
                }
            }
        }
    };
}

parse_enum!(Fit, Fit, "contain" => Fit::Contain, "cover" => Fit::Cover, "exact" => Fit::Exact);
parse_enum!(Crop, Crop, "centre" => Crop::Centre, "center" => Crop::Centre,
    "entropy" => Crop::Entropy, "attention" => Crop::Attention);
parse_enum!(Filter, Filter,
    "nearest" => Filter::Nearest, "box" => Filter::Box, "bilinear" => Filter::Bilinear,
    "triangle" => Filter::Bilinear, "hamming" => Filter::Hamming,
    "catmullrom" => Filter::CatmullRom, "catmull-rom" => Filter::CatmullRom, "bicubic" => Filter::CatmullRom,
    "mitchell" => Filter::Mitchell, "lanczos3" => Filter::Lanczos3, "lanczos" => Filter::Lanczos3);
parse_enum!(Format, Format, "jpeg" => Format::Jpeg, "jpg" => Format::Jpeg, "png" => Format::Png,
    "webp" => Format::WebP, "avif" => Format::Avif);

/// An sRGB colour that transparent pixels are flattened onto for JPEG.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Background(pub [u8; 3]);

impl Default for Background {
    fn default() -> Self {
        Background([255, 255, 255])
    }
}

impl FromStr for Background {
    type Err = SettingsError;

    /// Parses `white`, `black`, `#rrggbb` or `rrggbb`.
    fn from_str(text: &str) -> Result<Background, SettingsError> {
        match text.to_ascii_lowercase().as_str() {
            "white" => return Ok(Background([255; 3])),
            "black" => return Ok(Background([0; 3])),
            _ => {}
        }
        let hex = text.strip_prefix('#').unwrap_or(text);
        let bad = || SettingsError::Background(text.to_owned());
        if hex.len() != 6 || !hex.is_ascii() {
            return Err(bad());
        }
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|_| bad());
        Ok(Background([byte(0)?, byte(2)?, byte(4)?]))
    }
}

/// Everything that decides what an output looks like. Two runs with equal
/// settings make equal outputs, so an up-to-date output can be skipped.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Settings {
    /// The boxes; one output per size.
    pub sizes: Vec<Size>,
    /// How images are fitted to the boxes.
    pub fit: Fit,
    /// Which part `Fit::Cover` keeps.
    #[serde(default)]
    pub crop: Crop,
    /// The resampling filter.
    pub filter: Filter,
    /// The output format, or `None` for the input's own (JPEG for inputs
    /// that are neither PNG nor WebP).
    pub format: Option<Format>,
    /// JPEG, lossy WebP and AVIF quality, 1 to 100.
    pub quality: u8,
    /// AVIF encoding speed, 1 (slowest, smallest files) to 10 (fastest).
    #[serde(default = "default_avif_speed")]
    pub avif_speed: u8,
    /// WebP outputs are lossless (`quality` is then unused for them).
    pub lossless: bool,
    /// Outputs keep the input's EXIF (orientation reset to upright) and ICC
    /// profile; the pixels then stay in the profile's colour space instead
    /// of being converted to sRGB. Off: metadata stripped, colours in sRGB.
    pub keep_metadata: bool,
    /// Colour under transparent pixels in JPEG outputs.
    pub background: Background,
    /// Whether images smaller than the box are scaled up.
    pub enlarge: bool,
    /// Images with more pixels than this are refused before decoding.
    pub max_pixels: u64,
}

/// rav1e's speed 6: a 800-px photo in well under a second on one core.
fn default_avif_speed() -> u8 {
    6
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            sizes: vec![Size {
                width: 800,
                height: 800,
            }],
            fit: Fit::Contain,
            crop: Crop::Centre,
            filter: Filter::Lanczos3,
            format: None,
            quality: 85,
            avif_speed: default_avif_speed(),
            lossless: false,
            keep_metadata: false,
            background: Background::default(),
            enlarge: false,
            max_pixels: 100_000_000,
        }
    }
}

impl Settings {
    /// Checks the settings before any work starts.
    ///
    /// # Errors
    ///
    /// No size, the same size twice, a crop other than the centre without
    /// `Fit::Cover`, a quality outside 1..=100, or a zero pixel limit.
    pub fn validate(&self) -> Result<(), SettingsError> {
        if self.sizes.is_empty() {
            return Err(SettingsError::NoSize);
        }
        for (i, size) in self.sizes.iter().enumerate() {
            if self.sizes[..i].contains(size) {
                return Err(SettingsError::DuplicateSize(*size));
            }
        }
        if self.crop != Crop::Centre && self.fit != Fit::Cover {
            return Err(SettingsError::CropWithoutCover(self.crop));
        }
        if !(1..=100).contains(&self.quality) {
            return Err(SettingsError::Quality(self.quality));
        }
        if !(1..=10).contains(&self.avif_speed) {
            return Err(SettingsError::AvifSpeed(self.avif_speed));
        }
        if self.max_pixels == 0 {
            return Err(SettingsError::MaxPixels);
        }
        Ok(())
    }

    /// A stable fingerprint of everything that changes the output pixels
    /// (FNV-1a over a canonical text form; the pixel limit is not part of
    /// it). Stored in the output folder to tell up-to-date outputs apart.
    pub fn fingerprint(&self) -> String {
        let text = format!(
            "v2 sizes={:?} fit={:?} filter={:?} format={:?} q={} lossless={} meta={} bg={:?} enlarge={}",
            self.sizes
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            self.fit,
            self.filter,
            self.format,
            self.quality,
            self.lossless,
            self.keep_metadata,
            self.background.0,
            self.enlarge
        );
        let text = match self.crop {
            Crop::Centre => text,
            crop => format!("{text} crop={crop:?}"),
        };
        let text = match self.format {
            Some(Format::Avif) => format!("{text} avif_speed={}", self.avif_speed),
            _ => text,
        };
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in text.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        format!("{hash:016x} {text}")
    }

    /// The output file suffixes, one per size: empty with a single size,
    /// else `-W` (or `-WxH` when two boxes share a width).
    pub fn suffixes(&self) -> Vec<String> {
        if self.sizes.len() == 1 {
            return vec![String::new()];
        }
        let widths_unique = self
            .sizes
            .iter()
            .all(|a| self.sizes.iter().filter(|b| b.width == a.width).count() == 1);
        self.sizes
            .iter()
            .map(|s| {
                if widths_unique {
                    format!("-{}", s.width)
                } else {
                    format!("-{}x{}", s.width, s.height)
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(
            "800x600".parse::<Size>().ok(),
            Some(Size {
                width: 800,
                height: 600
            })
        );
        assert_eq!(
            "200".parse::<Size>().ok(),
            Some(Size {
                width: 200,
                height: 200
            })
        );
        assert!("0x10".parse::<Size>().is_err());
        assert!("axb".parse::<Size>().is_err());
        assert!("100x".parse::<Size>().is_err());
    }

    #[test]
    fn backgrounds_parse() {
        assert_eq!(
            "#ff8000".parse::<Background>().ok(),
            Some(Background([255, 128, 0]))
        );
        assert_eq!(
            "black".parse::<Background>().ok(),
            Some(Background([0, 0, 0]))
        );
        assert!("#ff80".parse::<Background>().is_err());
        assert!("ééé".parse::<Background>().is_err());
    }

    #[test]
    fn suffixes_distinguish_sizes() {
        let mut s = Settings::default();
        assert_eq!(s.suffixes(), vec![String::new()]);
        s.sizes = vec![
            "800x800".parse().expect("size"),
            "200x200".parse().expect("size"),
        ];
        assert_eq!(s.suffixes(), vec!["-800", "-200"]);
        s.sizes.push("200x100".parse().expect("size"));
        assert_eq!(s.suffixes(), vec!["-800x800", "-200x200", "-200x100"]);
    }

    #[test]
    fn the_same_size_twice_is_refused_naming_it() {
        let mut s = Settings {
            sizes: vec![
                "800x600".parse().expect("size"),
                "200".parse().expect("size"),
            ],
            ..Settings::default()
        };
        assert!(s.validate().is_ok());
        s.sizes.push("800X600".parse().expect("size"));
        let e = s.validate().expect_err("800x600 twice");
        assert_eq!(
            e.to_string(),
            "--size 800x600 is given twice: give each size once"
        );
    }

    #[test]
    fn fingerprint_follows_settings() {
        let a = Settings::default();
        let mut b = a.clone();
        assert_eq!(a.fingerprint(), b.fingerprint());
        b.quality = 90;
        assert_ne!(a.fingerprint(), b.fingerprint());
        let mut c = a.clone();
        c.max_pixels = 5;
        assert_eq!(a.fingerprint(), c.fingerprint());
    }
}

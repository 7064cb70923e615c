//! Metadata an output carries with `--keep-metadata`: the input's EXIF
//! (orientation reset, since the pixels were turned upright) and its ICC
//! profile. By default outputs carry none.

use crate::resize::orient;
use crate::tiff::{self, Tiff};

/// The largest EXIF block a JPEG APP1 segment holds (65533 bytes of data,
/// less the `Exif\0\0` prefix). Larger blocks are dropped with a note.
const MAX_EXIF: usize = 65_533 - 6;

/// Metadata to write into an output. [`Metadata::default`] is empty:
/// everything stripped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    /// EXIF as a TIFF structure (`II*\0` or `MM\0*`, no `Exif\0\0`
    /// prefix), with the orientation tag set to 1.
    pub exif: Option<Vec<u8>>,
    /// The ICC profile describing the output's pixels.
    pub icc: Option<Vec<u8>>,
}

impl Metadata {
    /// The metadata kept from an input: its EXIF (orientation reset) and
    /// its ICC profile. Returns a note for what could not be kept.
    pub fn kept(exif: Option<&[u8]>, icc: Option<&[u8]>) -> (Metadata, Option<String>) {
        let mut note = None;
        let exif = exif.and_then(|raw| {
            let tiff = raw.strip_prefix(b"Exif\0\0").unwrap_or(raw);
            if !(tiff.starts_with(b"II*\0") || tiff.starts_with(b"MM\0*")) {
                note = Some("EXIF data without a TIFF header not kept".to_owned());
                return None;
            }
            if tiff.len() > MAX_EXIF {
                note = Some(format!(
                    "EXIF data of {} bytes not kept (more than a JPEG segment holds)",
                    tiff.len()
                ));
                return None;
            }
            let mut tiff = tiff.to_vec();
            orient::reset_orientation(&mut tiff);
            Some(tiff)
        });
        let icc = icc.map(<[u8]>::to_vec);
        (Metadata { exif, icc }, note)
    }

    /// The metadata for an output of `width` x `height` (upright): the
    /// EXIF's pixel dimensions (PixelXDimension and PixelYDimension in the
    /// Exif IFD, and the main IFD's ImageWidth and ImageLength where a
    /// camera wrote them) say the output's size, not the input's.
    pub fn for_output(&self, width: u32, height: u32) -> Metadata {
        let mut out = self.clone();
        if let Some(exif) = out.exif.as_mut() {
            set_dimensions(exif, width, height);
        }
        out
    }

    /// The ICC profile if it fits an image that is gray (`gray`) or RGB:
    /// the profile's colour space (bytes 16 to 19 of its header) must match,
    /// else a viewer would misread the pixels.
    pub fn icc_for(&self, gray: bool) -> Option<&[u8]> {
        let icc = self.icc.as_deref()?;
        let space = icc.get(16..20)?;
        let fits = if gray {
            space == b"GRAY"
        } else {
            space == b"RGB "
        };
        fits.then_some(icc)
    }
}

/// The EXIF tags that give the image's width and height: in the main IFD
/// (ImageWidth, ImageLength) and in the Exif IFD (PixelXDimension,
/// PixelYDimension), which the main IFD points to with tag 0x8769.
const MAIN_DIMENSIONS: [u16; 2] = [0x0100, 0x0101];
const EXIF_IFD_POINTER: u16 = 0x8769;
const EXIF_DIMENSIONS: [u16; 2] = [0xA002, 0xA003];

/// Rewrites the pixel dimensions `tiff` holds to `width` x `height`, in
/// place; tags it does not have are not added.
fn set_dimensions(tiff: &mut [u8], width: u32, height: u32) {
    let Some(data) = Tiff::new(tiff) else {
        return;
    };
    let big = data.big_endian();
    let mut writes = Vec::new();
    if let Some(ifd0) = data.ifd0() {
        for (tag, value) in MAIN_DIMENSIONS.into_iter().zip([width, height]) {
            writes.extend(data.find(ifd0, tag).map(|e| (e, value)));
        }
        let exif_ifd = data
            .find(ifd0, EXIF_IFD_POINTER)
            .and_then(|e| data.number(e))
            .and_then(|at| usize::try_from(at).ok());
        if let Some(ifd) = exif_ifd {
            for (tag, value) in EXIF_DIMENSIONS.into_iter().zip([width, height]) {
                writes.extend(data.find(ifd, tag).map(|e| (e, value)));
            }
        }
    }
    for (entry, value) in writes {
        tiff::set_number(tiff, big, entry, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(space: &[u8; 4]) -> Vec<u8> {
        let mut icc = vec![0; 128];
        icc[16..20].copy_from_slice(space);
        icc
    }

    #[test]
    fn icc_goes_only_where_its_colour_space_fits() {
        let rgb = Metadata {
            icc: Some(profile(b"RGB ")),
            ..Metadata::default()
        };
        assert!(rgb.icc_for(false).is_some());
        assert!(rgb.icc_for(true).is_none());
        let gray = Metadata {
            icc: Some(profile(b"GRAY")),
            ..Metadata::default()
        };
        assert!(gray.icc_for(true).is_some());
        assert!(gray.icc_for(false).is_none());
        assert!(Metadata::default().icc_for(false).is_none());
    }

    #[test]
    fn exif_loses_its_prefix_and_orientation() {
        let mut raw = b"Exif\0\0II\x2a\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0\x06\0".to_vec();
        raw.extend_from_slice(&[0; 6]);
        let (meta, note) = Metadata::kept(Some(&raw), None);
        assert!(note.is_none());
        let exif = meta.exif.expect("kept");
        assert!(exif.starts_with(b"II*\0"));
        assert_eq!(orient::exif_orientation(&exif), 1);
        let (meta, note) = Metadata::kept(Some(b"garbage"), None);
        assert!(meta.exif.is_none() && note.is_some());
    }
}

//! The header segments of a JPEG that matter beyond its pixels: EXIF
//! (APP1), the ICC profile (APP2 chunks, joined in order) and whether an
//! Adobe APP14 segment is present (it decides how CMYK samples are stored).
//!
//! Read straight from the bytes, before and independently of the decoder,
//! so every decoder sees the same metadata.

/// What a JPEG's segments before its first scan hold.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct JpegMarkers {
    /// The first EXIF block, as a TIFF structure (the `Exif\0\0` prefix
    /// removed).
    pub exif: Option<Vec<u8>>,
    /// The ICC profile, its chunks joined in sequence order; `None` when a
    /// chunk is missing or numbered twice.
    pub icc: Option<Vec<u8>>,
    /// Whether there is an APP14 "Adobe" segment: Adobe's CMYK JPEGs store
    /// their samples inverted.
    pub adobe: bool,
}

const EXIF: &[u8] = b"Exif\0\0";
const ICC: &[u8] = b"ICC_PROFILE\0";

/// Walks the segments from SOI to the first SOS (start of scan). A
/// malformed header ends the walk with what was found so far; the decoder
/// reports the damage.
pub fn scan(bytes: &[u8]) -> JpegMarkers {
    let mut found = JpegMarkers::default();
    let mut icc_chunks: Vec<(u8, u8, &[u8])> = Vec::new();
    let mut at = 2;
    loop {
        // Markers may be preceded by any number of 0xFF fill bytes.
        while bytes.get(at) == Some(&0xFF) && bytes.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let (Some(&0xFF), Some(&marker)) = (bytes.get(at), bytes.get(at + 1)) else {
            break;
        };
        // Standalone markers carry no length: TEM and RST0-7.
        if marker == 0x01 || (0xD0..=0xD7).contains(&marker) {
            at += 2;
            continue;
        }
        // SOS: the entropy-coded data starts; EOI: the image ends.
        if marker == 0xDA || marker == 0xD9 {
            break;
        }
        let Some(len) = bytes.get(at + 2..at + 4) else {
            break;
        };
        let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
        let Some(data) = len
            .checked_sub(2)
            .and_then(|n| bytes.get(at + 4..at + 4 + n))
        else {
            break;
        };
        match marker {
            0xE1 if found.exif.is_none() => {
                if let Some(tiff) = data.strip_prefix(EXIF) {
                    found.exif = Some(tiff.to_vec());
                }
            }
            0xE2 => {
                if let Some(&[seq, count, ref payload @ ..]) = data.strip_prefix(ICC) {
                    icc_chunks.push((seq, count, payload));
                }
            }
            0xEE if data.starts_with(b"Adobe") => found.adobe = true,
            _ => {}
        }
        at += 2 + len;
    }
    found.icc = join_icc(icc_chunks);
    found
}

/// Joins ICC chunks numbered 1 to n (each saying n) in order.
fn join_icc(mut chunks: Vec<(u8, u8, &[u8])>) -> Option<Vec<u8>> {
    chunks.sort_by_key(|&(seq, _, _)| seq);
    let count = chunks.first()?.1;
    let complete = usize::from(count) == chunks.len()
        && chunks
            .iter()
            .enumerate()
            .all(|(i, &(seq, n, _))| n == count && usize::from(seq) == i + 1);
    complete.then(|| {
        chunks
            .iter()
            .flat_map(|&(_, _, p)| p.iter().copied())
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(marker: u8, data: &[u8]) -> Vec<u8> {
        let len = u16::try_from(data.len() + 2).expect("small");
        let mut s = vec![0xFF, marker];
        s.extend_from_slice(&len.to_be_bytes());
        s.extend_from_slice(data);
        s
    }

    fn icc_chunk(seq: u8, count: u8, payload: &[u8]) -> Vec<u8> {
        segment(0xE2, &[ICC, &[seq, count], payload].concat())
    }

    fn jpeg(segments: &[Vec<u8>]) -> Vec<u8> {
        let mut bytes = vec![0xFF, 0xD8];
        segments.iter().for_each(|s| bytes.extend_from_slice(s));
        // A scan whose data would look like markers if it were walked.
        bytes.extend_from_slice(&segment(0xDA, &[1, 2, 3]));
        bytes.extend_from_slice(&icc_chunk(1, 1, b"not a header segment"));
        bytes
    }

    #[test]
    fn exif_icc_in_chunk_order_and_adobe_are_found() {
        let bytes = jpeg(&[
            segment(0xE0, b"JFIF\0\x01\x02"),
            segment(0xE1, b"Exif\0\0II*\0rest"),
            segment(0xE1, b"Exif\0\0MM\0*second"),
            icc_chunk(2, 2, b"world"),
            segment(0xEE, b"Adobe\0\x64\0\0\0\0\x02"),
            icc_chunk(1, 2, b"hello "),
        ]);
        let found = scan(&bytes);
        assert_eq!(found.exif.as_deref(), Some(&b"II*\0rest"[..]));
        assert_eq!(found.icc.as_deref(), Some(&b"hello world"[..]));
        assert!(found.adobe);
    }

    #[test]
    fn a_missing_or_repeated_icc_chunk_drops_the_profile() {
        let missing = jpeg(&[icc_chunk(1, 2, b"a")]);
        assert_eq!(scan(&missing).icc, None);
        let twice = jpeg(&[icc_chunk(1, 2, b"a"), icc_chunk(1, 2, b"b")]);
        assert_eq!(scan(&twice).icc, None);
    }

    #[test]
    fn plain_and_damaged_headers_give_nothing() {
        let plain = jpeg(&[segment(0xE0, b"JFIF\0")]);
        assert_eq!(scan(&plain), JpegMarkers::default());
        // A length running past the end of the file.
        let mut cut = vec![0xFF, 0xD8, 0xFF, 0xE1, 0x40, 0x00];
        cut.extend_from_slice(b"Exif\0\0II*\0");
        assert_eq!(scan(&cut), JpegMarkers::default());
        assert_eq!(scan(&[]), JpegMarkers::default());
        assert_eq!(scan(&[0xFF, 0xD8, 0xFF]), JpegMarkers::default());
    }
}

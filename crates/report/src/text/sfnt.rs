//! [`without_tables`]: a TrueType/OpenType font file with some of its
//! tables left out, the rest copied as they are.

/// The sum of `data` as big-endian 32-bit words, zero-padded (the sfnt
/// table checksum).
fn checksum(data: &[u8]) -> u32 {
    data.chunks(4).fold(0u32, |sum, c| {
        let mut w = [0u8; 4];
        w[..c.len()].copy_from_slice(c);
        sum.wrapping_add(u32::from_be_bytes(w))
    })
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// `font` (a single-face sfnt) without the tables tagged `drop`: the
/// table directory and checksums rewritten, `head`'s checksum adjustment
/// recomputed. `None` if `font` is not a well-formed sfnt.
pub(crate) fn without_tables(font: &[u8], drop: &[[u8; 4]]) -> Option<Vec<u8>> {
    let version = u32_at(font, 0)?;
    let count = usize::from(u16_at(font, 4)?);
    let mut tables = Vec::with_capacity(count);
    for i in 0..count {
        let record = 12 + 16 * i;
        let tag: [u8; 4] = font.get(record..record + 4)?.try_into().ok()?;
        let offset = usize::try_from(u32_at(font, record + 8)?).ok()?;
        let len = usize::try_from(u32_at(font, record + 12)?).ok()?;
        let data = font.get(offset..offset.checked_add(len)?)?;
        if !drop.contains(&tag) {
            tables.push((tag, data));
        }
    }
    tables.sort_by_key(|t| t.0);
    let n = u16::try_from(tables.len()).ok()?;
    let log2 = if n == 0 {
        0
    } else {
        15 - n.leading_zeros() as u16
    };
    let range = (1u16 << log2) * 16;
    let mut out = Vec::with_capacity(font.len());
    out.extend_from_slice(&version.to_be_bytes());
    for v in [n, range, log2, n * 16 - range] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    let mut offset = 12 + 16 * tables.len();
    let mut head = None;
    for (tag, data) in &tables {
        let sum = if tag == b"head" {
            // Summed with its checksum adjustment (bytes 8..12) as zero.
            let mut h = data.to_vec();
            h.get_mut(8..12)?.fill(0);
            checksum(&h)
        } else {
            checksum(data)
        };
        out.extend_from_slice(tag);
        out.extend_from_slice(&sum.to_be_bytes());
        out.extend_from_slice(&u32::try_from(offset).ok()?.to_be_bytes());
        out.extend_from_slice(&u32::try_from(data.len()).ok()?.to_be_bytes());
        if tag == b"head" {
            head = Some(offset);
        }
        offset += data.len().next_multiple_of(4);
    }
    for (tag, data) in &tables {
        let start = out.len();
        out.extend_from_slice(data);
        if tag == b"head" {
            out.get_mut(start + 8..start + 12)?.fill(0);
        }
        out.resize(out.len().next_multiple_of(4), 0);
    }
    if let Some(at) = head {
        let adjust = 0xB1B0_AFBA_u32.wrapping_sub(checksum(&out));
        out.get_mut(at + 8..at + 12)?
            .copy_from_slice(&adjust.to_be_bytes());
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    static DEJAVU: &[u8] = include_bytes!("../../fonts/DejaVuSans.ttf");

    #[test]
    fn a_font_without_its_name_table_still_reads_and_checks_out() {
        let out = without_tables(DEJAVU, &[*b"name"]).expect("rewritten");
        assert!(out.len() + 10_000 < DEJAVU.len());
        let face = ttf_parser::Face::parse(&out, 0).expect("parses");
        let before = ttf_parser::Face::parse(DEJAVU, 0).expect("parses");
        assert_eq!(face.number_of_glyphs(), before.number_of_glyphs());
        assert_eq!(face.glyph_index('A'), before.glyph_index('A'));
        assert!(face.names().into_iter().next().is_none());
        // Every table's checksum, and the whole file's (0xB1B0AFBA with
        // head's adjustment in), are right.
        let count = usize::from(u16_at(&out, 4).expect("count"));
        for i in 0..count {
            let r = 12 + 16 * i;
            let (tag, sum) = (&out[r..r + 4], u32_at(&out, r + 4).expect("sum"));
            let (at, len) = (
                u32_at(&out, r + 8).expect("offset") as usize,
                u32_at(&out, r + 12).expect("length") as usize,
            );
            let mut data = out[at..at + len].to_vec();
            if tag == b"head" {
                data[8..12].fill(0);
            }
            assert_eq!(checksum(&data), sum, "{}", String::from_utf8_lossy(tag));
        }
        assert_eq!(checksum(&out), 0xB1B0_AFBA);
        assert!(without_tables(b"not a font", &[]).is_none());
    }
}

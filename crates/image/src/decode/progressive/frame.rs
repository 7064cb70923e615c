//! The segments around a progressive JPEG's scans: the frame header
//! (SOF2), quantisation tables, Huffman tables and scan headers, read
//! strictly: anything this decoder does not handle exactly as
//! libjpeg-turbo would is refused, and the caller decodes the file with
//! libjpeg-turbo instead.

use super::NotDecoded;

/// One component of the frame.
#[derive(Debug, Clone, Copy)]
pub struct FrameComponent {
    /// The component's identifier, which scans name it by.
    pub id: u8,
    /// Horizontal and vertical sampling factors (1 to 4).
    pub h: usize,
    /// See `h`.
    pub v: usize,
    /// Its quantisation table's slot (0 to 3).
    pub table: usize,
}

/// The frame header.
#[derive(Debug, Clone)]
pub struct Frame {
    /// Image size in pixels.
    pub width: usize,
    /// See `width`.
    pub height: usize,
    /// The components in frame order (Y, Cb, Cr).
    pub components: Vec<FrameComponent>,
}

impl Frame {
    /// The largest horizontal and vertical sampling factors.
    pub fn max_sampling(&self) -> (usize, usize) {
        let h = self.components.iter().map(|c| c.h).max().unwrap_or(1);
        let v = self.components.iter().map(|c| c.v).max().unwrap_or(1);
        (h, v)
    }

    /// MCUs across and down the frame.
    pub fn mcus(&self) -> (usize, usize) {
        let (h_max, v_max) = self.max_sampling();
        (
            self.width.div_ceil(8 * h_max),
            self.height.div_ceil(8 * v_max),
        )
    }
}

/// One scan's header.
#[derive(Debug, Clone)]
pub struct ScanHeader {
    /// Indices into [`Frame::components`] with each one's DC and AC table
    /// slots.
    pub components: Vec<(usize, usize, usize)>,
    /// Spectral selection: first and last coefficient (zig-zag order).
    pub ss: usize,
    /// See `ss`.
    pub se: usize,
    /// Successive approximation: the bit position of the last scan of
    /// these coefficients (0 for the first), and of this one.
    pub ah: u32,
    /// See `ah`.
    pub al: u32,
}

/// The big-endian u16 at `at`.
pub fn u16_at(data: &[u8], at: usize) -> Result<usize, NotDecoded> {
    match data.get(at..at + 2) {
        Some(&[a, b]) => Ok(usize::from(a) << 8 | usize::from(b)),
        _ => Err(NotDecoded("the file ends inside a segment")),
    }
}

/// A segment's payload, after its length field at `at`.
pub fn segment(data: &[u8], at: usize) -> Result<&[u8], NotDecoded> {
    let len = u16_at(data, at)?;
    if len < 2 {
        return Err(NotDecoded("a segment shorter than its length field"));
    }
    data.get(at + 2..at + len)
        .ok_or(NotDecoded("the file ends inside a segment"))
}

/// Reads an SOF2 payload: 8-bit samples, 1 to 4 components, a height in
/// the header (not in a DNL).
pub fn frame(payload: &[u8]) -> Result<Frame, NotDecoded> {
    let (&precision, rest) = payload
        .split_first()
        .ok_or(NotDecoded("an empty frame header"))?;
    if precision != 8 {
        return Err(NotDecoded("samples of other than 8 bits"));
    }
    let height = u16_at(rest, 0)?;
    let width = u16_at(rest, 2)?;
    let count = usize::from(*rest.get(4).ok_or(NotDecoded("a short frame header"))?);
    if height == 0 || width == 0 || !(1..=4).contains(&count) {
        return Err(NotDecoded("a frame of no height, width or components"));
    }
    let mut components = Vec::with_capacity(count);
    for i in 0..count {
        let c = rest
            .get(5 + 3 * i..8 + 3 * i)
            .ok_or(NotDecoded("a short frame header"))?;
        let (h, v) = (usize::from(c[1] >> 4), usize::from(c[1] & 15));
        if !(1..=4).contains(&h) || !(1..=4).contains(&v) || c[2] > 3 {
            return Err(NotDecoded(
                "a component's sampling or table is out of range",
            ));
        }
        if components.iter().any(|o: &FrameComponent| o.id == c[0]) {
            return Err(NotDecoded("two components with one identifier"));
        }
        components.push(FrameComponent {
            id: c[0],
            h,
            v,
            table: usize::from(c[2]),
        });
    }
    Ok(Frame {
        width,
        height,
        components,
    })
}

/// Reads a DQT payload into `tables` (natural order, as the IDCT uses it).
pub fn quantisation(payload: &[u8], tables: &mut [Option<[u16; 64]>; 4]) -> Result<(), NotDecoded> {
    let mut at = 0;
    while at < payload.len() {
        let pq_tq = payload[at];
        let (wide, slot) = (pq_tq >> 4, usize::from(pq_tq & 15));
        if wide > 1 || slot > 3 {
            return Err(NotDecoded("a quantisation table out of range"));
        }
        let size = if wide == 1 { 2 } else { 1 };
        let values = payload
            .get(at + 1..at + 1 + 64 * size)
            .ok_or(NotDecoded("a short quantisation table"))?;
        let mut table = [0u16; 64];
        for (k, &natural) in ZIGZAG_TO_NATURAL.iter().enumerate() {
            table[natural] = if wide == 1 {
                u16::from(values[2 * k]) << 8 | u16::from(values[2 * k + 1])
            } else {
                u16::from(values[k])
            };
        }
        tables[slot] = Some(table);
        at += 1 + 64 * size;
    }
    Ok(())
}

/// One table of a DHT segment.
pub struct HuffmanSegment<'a> {
    /// 0 for DC, 1 for AC.
    pub class: usize,
    /// 0 to 3.
    pub slot: usize,
    /// Codes of each length, 1 to 16 bits.
    pub counts: [u8; 16],
    /// The symbols, by code.
    pub symbols: &'a [u8],
}

/// A DHT payload's tables.
pub fn huffman(payload: &[u8]) -> Result<Vec<HuffmanSegment<'_>>, NotDecoded> {
    let mut tables = Vec::new();
    let mut at = 0;
    while at < payload.len() {
        let tc_th = payload[at];
        let (class, slot) = (usize::from(tc_th >> 4), usize::from(tc_th & 15));
        if class > 1 || slot > 3 {
            return Err(NotDecoded("a Huffman table out of range"));
        }
        let mut counts = [0u8; 16];
        counts.copy_from_slice(
            payload
                .get(at + 1..at + 17)
                .ok_or(NotDecoded("a short Huffman table"))?,
        );
        let total: usize = counts.iter().map(|&c| usize::from(c)).sum();
        let symbols = payload
            .get(at + 17..at + 17 + total)
            .ok_or(NotDecoded("a short Huffman table"))?;
        tables.push(HuffmanSegment {
            class,
            slot,
            counts,
            symbols,
        });
        at += 17 + total;
    }
    Ok(tables)
}

/// Reads an SOS payload against `frame`, with libjpeg-turbo's checks of
/// a progressive scan's parameters.
pub fn scan(payload: &[u8], frame: &Frame) -> Result<ScanHeader, NotDecoded> {
    let count = usize::from(*payload.first().ok_or(NotDecoded("an empty scan header"))?);
    if !(1..=4).contains(&count) || payload.len() != 4 + 2 * count {
        return Err(NotDecoded("a scan header of the wrong length"));
    }
    let mut components: Vec<(usize, usize, usize)> = Vec::with_capacity(count);
    for i in 0..count {
        let (id, tables) = (payload[1 + 2 * i], payload[2 + 2 * i]);
        let index = frame
            .components
            .iter()
            .position(|c| c.id == id)
            .ok_or(NotDecoded("a scan of a component the frame lacks"))?;
        if components.iter().any(|c| c.0 == index) {
            return Err(NotDecoded("a scan names a component twice"));
        }
        let (dc, ac) = (usize::from(tables >> 4), usize::from(tables & 15));
        if dc > 3 || ac > 3 {
            return Err(NotDecoded("a scan's Huffman table out of range"));
        }
        components.push((index, dc, ac));
    }
    let tail = &payload[1 + 2 * count..];
    let (ss, se) = (usize::from(tail[0]), usize::from(tail[1]));
    let (ah, al) = (u32::from(tail[2] >> 4), u32::from(tail[2] & 15));
    let dc = ss == 0;
    let bad = (dc && se != 0)
        || (!dc && (ss > se || se > 63 || count != 1))
        || (ah != 0 && al + 1 != ah)
        || al > 13;
    if bad {
        return Err(NotDecoded("a scan's progression parameters are invalid"));
    }
    let blocks_per_mcu: usize = components
        .iter()
        .map(|&(i, _, _)| frame.components[i].h * frame.components[i].v)
        .sum();
    if count > 1 && blocks_per_mcu > 10 {
        return Err(NotDecoded("more than 10 blocks in an MCU"));
    }
    Ok(ScanHeader {
        components,
        ss,
        se,
        ah,
        al,
    })
}

/// The natural-order (row-major) position of each zig-zag index.
pub const ZIGZAG_TO_NATURAL: [usize; 64] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
    13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
    52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

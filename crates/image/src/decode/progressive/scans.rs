//! Decoding the four kinds of progressive scan (DC first and refinement,
//! AC first and refinement) into each component's coefficients.
//!
//! The AC refinement, most of a progressive file's decoding time, works
//! on a bit mask per block of the coefficients already non-zero: the
//! correction bits of a run of them are read in one go, and the position
//! a run of zero-history coefficients ends at is found by clearing the
//! mask's lowest bits, instead of stepping through the block one
//! coefficient and one bit at a time as libjpeg-turbo does.

use super::NotDecoded;
use super::bits::Bits;
use super::frame::{Frame, ScanHeader};
use super::huffman::{Table, extend};
use super::idct::slots_of;

/// One component's coefficients: the DC ones apart (a DC scan then
/// touches two bytes a block rather than a cache line), the AC ones of
/// each block in `S` slots: only those the IDCT at this scale reads have
/// a slot of their own (see [`slots_of`]), so that at a quarter of the
/// size a block takes one cache line rather than two.
pub struct Coefficients<const S: usize> {
    /// Sampling factors.
    pub h: usize,
    /// See `h`.
    pub v: usize,
    /// Blocks a row holds: the MCUs across times `h`.
    pub stride: usize,
    /// Blocks across and down that hold the component's samples (what a
    /// scan of this component alone codes).
    pub blocks_w: usize,
    /// See `blocks_w`.
    pub blocks_h: usize,
    /// Each block's DC coefficient, `stride` by the rows.
    pub dc: Vec<i16>,
    /// Each block's AC coefficients, in the slots `slots` gives them.
    pub blocks: Vec<[i16; S]>,
    /// Per block, bit k set where coefficient k (k >= 1) is non-zero.
    pub nonzero: Vec<u64>,
    /// Per coefficient, the bit position its last scan ended at (-1
    /// before any): libjpeg-turbo's `coef_bits`.
    pub known: [i8; 64],
}

impl<const S: usize> Coefficients<S> {
    /// Zeroed coefficients for component `index` of `frame`.
    pub fn new(frame: &Frame, index: usize) -> Self {
        let c = frame.components[index];
        let (h_max, v_max) = frame.max_sampling();
        let (mcus_x, mcus_y) = frame.mcus();
        let comp_w = (frame.width * c.h).div_ceil(h_max);
        let comp_h = (frame.height * c.v).div_ceil(v_max);
        let (stride, rows) = (mcus_x * c.h, mcus_y * c.v);
        Self {
            h: c.h,
            v: c.v,
            stride,
            blocks_w: comp_w.div_ceil(8),
            blocks_h: comp_h.div_ceil(8),
            dc: vec![0i16; stride * rows],
            blocks: vec![[0i16; S]; stride * rows],
            nonzero: vec![0u64; stride * rows],
            known: [-1; 64],
        }
    }
}

/// The Huffman tables defined so far, by class (DC, AC) and slot.
pub type Tables = [[Option<Table>; 4]; 2];

/// Decodes one scan's data from `bits` into `components`.
///
/// # Errors
///
/// A progression libjpeg-turbo would warn about (AC coefficients before
/// their DC, a scan whose `Ah` is not where the last scan of its
/// coefficients left them), a missing table, or data that does not decode.
pub fn decode<const S: usize>(
    scan: &ScanHeader,
    components: &mut [Coefficients<S>],
    tables: &Tables,
    mcus: (usize, usize),
    bits: &mut Bits<'_>,
) -> Result<(), NotDecoded> {
    for &(index, _, _) in &scan.components {
        let c = &mut components[index];
        if scan.ss > 0 && c.known[0] < 0 {
            return Err(NotDecoded("AC coefficients before their DC"));
        }
        for k in scan.ss..=scan.se {
            let expected = c.known[k].max(0) as u32;
            if scan.ah != expected {
                return Err(NotDecoded("a scan out of progression order"));
            }
            c.known[k] = scan.al as i8;
        }
    }
    let table = |class: usize, slot: usize| {
        tables[class][slot]
            .as_ref()
            .ok_or(NotDecoded("a scan's Huffman table is not defined"))
    };
    if scan.ss == 0 {
        let mut dc_tables = Vec::with_capacity(scan.components.len());
        for &(_, dc, _) in &scan.components {
            dc_tables.push(if scan.ah == 0 {
                Some(table(0, dc)?)
            } else {
                None
            });
        }
        return dc_scan(scan, components, &dc_tables, mcus, bits);
    }
    let (index, _, ac) = scan.components[0];
    let table = table(1, ac)?;
    let c = &mut components[index];
    if scan.ah == 0 {
        ac_first(scan, c, table, bits)
    } else {
        ac_refine(scan, c, table, bits)
    }
}

/// A DC scan, first or refinement, interleaved or of one component.
fn dc_scan<const S: usize>(
    scan: &ScanHeader,
    components: &mut [Coefficients<S>],
    tables: &[Option<&Table>],
    mcus: (usize, usize),
    bits: &mut Bits<'_>,
) -> Result<(), NotDecoded> {
    let mut b = *bits;
    let al = scan.al;
    if scan.ah != 0 {
        each_dc(scan, components, mcus, |_, dc| {
            b.ensure(1);
            *dc |= (b.peek(1) as i16) << al;
            b.consume(1);
            Ok(())
        })?;
    } else {
        let mut predictions = [0i32; 4];
        each_dc(scan, components, mcus, |slot, dc| {
            let table = tables[slot].ok_or(NotDecoded("a DC table is missing"))?;
            b.ensure(32);
            let size = u32::from(table.decode(&mut b)?);
            if size > 15 {
                return Err(NotDecoded("a DC difference of over 15 bits"));
            }
            let diff = extend(b.take(size), size);
            let value = predictions[slot]
                .checked_add(diff)
                .ok_or(NotDecoded("a DC value overflows"))?;
            predictions[slot] = value;
            *dc = (value as u32).wrapping_shl(al) as i16;
            Ok(())
        })?;
    }
    *bits = b;
    Ok(())
}

/// Calls `one` with each DC coefficient of a DC scan, in the scan's
/// order, and the index of its component in the scan.
#[inline(always)]
fn each_dc<const S: usize>(
    scan: &ScanHeader,
    components: &mut [Coefficients<S>],
    (mcus_x, mcus_y): (usize, usize),
    mut one: impl FnMut(usize, &mut i16) -> Result<(), NotDecoded>,
) -> Result<(), NotDecoded> {
    if let [(index, _, _)] = scan.components[..] {
        let c = &mut components[index];
        for by in 0..c.blocks_h {
            let row = by * c.stride;
            for dc in &mut c.dc[row..row + c.blocks_w] {
                one(0, dc)?;
            }
        }
        return Ok(());
    }
    for my in 0..mcus_y {
        for mx in 0..mcus_x {
            for (slot, &(index, _, _)) in scan.components.iter().enumerate() {
                let c = &mut components[index];
                for v in 0..c.v {
                    let at = (my * c.v + v) * c.stride + mx * c.h;
                    for dc in &mut c.dc[at..at + c.h] {
                        one(slot, dc)?;
                    }
                }
            }
        }
    }
    Ok(())
}

/// The first scan of a band of AC coefficients of one component.
fn ac_first<const S: usize>(
    scan: &ScanHeader,
    c: &mut Coefficients<S>,
    table: &Table,
    bits: &mut Bits<'_>,
) -> Result<(), NotDecoded> {
    let (ss, se, al) = (scan.ss, scan.se, scan.al);
    let slots = slots_of(S);
    let mut b = *bits;
    let mut eobrun = 0u32;
    for by in 0..c.blocks_h {
        let row = by * c.stride..by * c.stride + c.blocks_w;
        let blocks = c.blocks[row.clone()].iter_mut();
        for (block, nonzero) in blocks.zip(&mut c.nonzero[row]) {
            if eobrun > 0 {
                eobrun -= 1;
                continue;
            }
            let mut k = ss;
            while k <= se {
                b.ensure(32);
                let symbol = table.decode(&mut b)?;
                let (run, size) = (usize::from(symbol >> 4), u32::from(symbol & 15));
                if size != 0 {
                    k += run;
                    if k > se {
                        return Err(NotDecoded("an AC run past the band"));
                    }
                    let value = (extend(b.take(size), size) as u32).wrapping_shl(al) as i16;
                    if value == 0 {
                        return Err(NotDecoded("an AC value shifted out"));
                    }
                    block[usize::from(slots[k & 63]) & (S - 1)] = value;
                    *nonzero |= 1 << (k & 63);
                } else if run == 15 {
                    k += 15;
                } else {
                    eobrun = (1 << run) + b.take(run as u32) - 1;
                    break;
                }
                k += 1;
            }
        }
    }
    *bits = b;
    Ok(())
}

/// Bits `from` to `to` (inclusive) of a u64; empty when `from > to`.
#[inline(always)]
fn band(from: usize, to: usize) -> u64 {
    if from > to {
        return 0;
    }
    (u64::MAX << from) & (u64::MAX >> (63 - to))
}

/// For each byte value and rank, the position of the set bit with that
/// many set bits below it (8 where there is none).
const SELECT_IN_BYTE: [[u8; 8]; 256] = {
    let mut table = [[8u8; 8]; 256];
    let mut byte = 0;
    while byte < 256 {
        let mut rank = 0;
        let mut bit = 0;
        while bit < 8 {
            if byte & (1 << bit) != 0 {
                table[byte][rank] = bit as u8;
                rank += 1;
            }
            bit += 1;
        }
        byte += 1;
    }
    table
};

/// The position of the set bit of `x` that has `r` set bits below it, or
/// `None` if `x` has no more than `r`; without a branch on the bits (a
/// broadword select: running counts per byte, then a table).
#[inline(always)]
fn select(x: u64, r: u32) -> Option<u32> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut s = x - ((x >> 1) & 0x5555_5555_5555_5555);
    s = (s & 0x3333_3333_3333_3333) + ((s >> 2) & 0x3333_3333_3333_3333);
    s = (s + (s >> 4)) & 0x0F0F_0F0F_0F0F_0F0F;
    // Byte i: the set bits in bytes 0 to i.
    let sums = s.wrapping_mul(ONES);
    if (sums >> 56) as u32 <= r {
        return None;
    }
    // The bytes whose running count is at most r come before the bit.
    let before = (((u64::from(r) * ONES) | HIGHS) - sums) & HIGHS;
    let byte = (((before >> 7).wrapping_mul(ONES) >> 56) * 8) as u32;
    let below = ((sums << 8) >> byte) as u32 & 0xFF;
    let in_byte = ((x >> byte) & 0xFF) as usize;
    Some(byte + u32::from(SELECT_IN_BYTE[in_byte][r.wrapping_sub(below) as usize & 7]))
}

/// Reads one correction bit for each coefficient set in `mask` (the
/// lowest first) and adds `p1` to the magnitude of those whose bit is 1,
/// without a branch on the bits.
#[inline(always)]
fn correct<const S: usize>(block: &mut [i16; S], mut mask: u64, p1: i16, b: &mut Bits<'_>) {
    if mask == 0 {
        return;
    }
    let n = mask.count_ones();
    let mut read = if n <= 32 {
        u64::from(b.take(n))
    } else {
        let high = u64::from(b.take(32));
        high << (n - 32) | u64::from(b.take(n - 32))
    };
    // The last bit read is the highest coefficient's.
    while mask != 0 {
        let k = 63 - mask.leading_zeros() as usize;
        mask ^= 1 << k;
        let slot = usize::from(slots_of(S)[k & 63]) & (S - 1);
        let coef = block[slot];
        let add = (read & 1) as i16 & i16::from(coef & p1 == 0);
        let step = if coef >= 0 { p1 } else { -p1 };
        block[slot] = coef.wrapping_add(step * add);
        read >>= 1;
    }
}

/// How many blocks ahead [`ac_refine`] touches.
const AHEAD: usize = 8;

/// A refinement scan of a band of AC coefficients of one component.
fn ac_refine<const S: usize>(
    scan: &ScanHeader,
    c: &mut Coefficients<S>,
    table: &Table,
    bits: &mut Bits<'_>,
) -> Result<(), NotDecoded> {
    let whole = band(scan.ss, scan.se);
    let p1 = 1i16 << scan.al;
    let slots = slots_of(S);
    let mut b = *bits;
    let mut eobrun = 0u32;
    for by in 0..c.blocks_h {
        let row = by * c.stride;
        for i in row..row + c.blocks_w {
            // A load of a block a few ahead, so that it is on its way from
            // memory by the time it is reached (the blocks of a large
            // image are far more than the caches hold).
            if let Some(ahead) = c.blocks.get(i + AHEAD) {
                std::hint::black_box(ahead[0]);
            }
            let (block, nonzero) = (&mut c.blocks[i], &mut c.nonzero[i]);
            // The band's coefficients not yet passed in this block.
            let mut ahead = whole;
            if eobrun == 0 {
                loop {
                    b.ensure(32);
                    let symbol = table.decode(&mut b)?;
                    let (run, size) = (u32::from(symbol >> 4), symbol & 15);
                    let mut value = 0;
                    if size != 0 {
                        if size != 1 {
                            return Err(NotDecoded("a refinement value of over 1 bit"));
                        }
                        value = if b.peek(1) != 0 { p1 } else { -p1 };
                        b.consume(1);
                    } else if run != 15 {
                        eobrun = (1 << run) + b.take(run);
                        break;
                    }
                    // The (run + 1)th coefficient ahead still zero ends
                    // the run (and takes the new value); those passed over
                    // that are not get their correction bits.
                    let at = select(!*nonzero & ahead, run)
                        .ok_or(NotDecoded("a refinement run past the band"))?;
                    let bit = 1u64 << at;
                    correct(block, *nonzero & ahead & (bit - 1), p1, &mut b);
                    block[usize::from(slots[at as usize & 63]) & (S - 1)] = value;
                    *nonzero |= bit & 0u64.wrapping_sub(u64::from(value != 0));
                    ahead &= !(bit | (bit - 1));
                    if ahead == 0 {
                        break;
                    }
                }
            }
            if eobrun > 0 {
                correct(block, *nonzero & ahead, p1, &mut b);
                eobrun -= 1;
            }
        }
    }
    *bits = b;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn select_finds_the_bit_with_r_below_it() {
        let mut seed = 7u64;
        for _ in 0..2000 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let x = seed & seed.rotate_left(17);
            let positions: Vec<u32> = (0..64).filter(|i| x & (1 << i) != 0).collect();
            for r in 0..66u32 {
                assert_eq!(
                    select(x, r),
                    positions.get(r as usize).copied(),
                    "{x:#x} {r}"
                );
            }
        }
    }
}

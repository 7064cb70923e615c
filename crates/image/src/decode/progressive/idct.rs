//! libjpeg-turbo's reduced-size inverse DCTs (`jidctred.c`: 2x2 and 4x4
//! samples from a block), in the same integer arithmetic, so that the
//! planes match libjpeg-turbo's to the byte.

use super::frame::ZIGZAG_TO_NATURAL;

const CONST_BITS: u32 = 13;
const PASS1_BITS: u32 = 2;

const FIX_0_211164243: i64 = 1730;
const FIX_0_509795579: i64 = 4176;
const FIX_0_601344887: i64 = 4926;
const FIX_0_720959822: i64 = 5906;
const FIX_0_765366865: i64 = 6270;
const FIX_0_850430095: i64 = 6967;
const FIX_0_899976223: i64 = 7373;
const FIX_1_061594337: i64 = 8697;
const FIX_1_272758580: i64 = 10426;
const FIX_1_451774981: i64 = 11893;
const FIX_1_847759065: i64 = 15137;
const FIX_2_172734803: i64 = 17799;
const FIX_2_562915447: i64 = 20995;
const FIX_3_624509785: i64 = 29692;

/// Rounds `x` shifted right by `n` (libjpeg's DESCALE).
#[inline(always)]
fn descale(x: i64, n: u32) -> i64 {
    (x + (1 << (n - 1))) >> n
}

/// A sample from the IDCT's output, centred and clamped as libjpeg's
/// range-limit table does (values far out of range wrap as in it).
#[inline(always)]
fn sample(x: i64) -> u8 {
    let index = (x & 0x3FF) as u32;
    match index {
        0..128 => (index + 128) as u8,
        128..512 => 255,
        512..896 => 0,
        _ => (index - 896) as u8,
    }
}

/// The zig-zag index of each natural-order (row-major) position.
const NATURAL_TO_ZIGZAG: [usize; 64] = {
    let mut table = [0; 64];
    let mut k = 0;
    while k < 64 {
        table[ZIGZAG_TO_NATURAL[k]] = k;
        k += 1;
    }
    table
};

/// The zig-zag bits of the AC coefficients at the rows and columns
/// `used` (DC excluded): those an IDCT reads.
const fn used(lines: &[usize]) -> u64 {
    let mut mask = 0u64;
    let mut i = 0;
    while i < lines.len() {
        let mut j = 0;
        while j < lines.len() {
            mask |= 1 << NATURAL_TO_ZIGZAG[lines[i] * 8 + lines[j]];
            j += 1;
        }
        i += 1;
    }
    mask & !1
}

const USED_2X2: u64 = used(&[0, 1, 3, 5, 7]);
const USED_4X4: u64 = used(&[0, 1, 2, 3, 5, 6, 7]);

/// Slots for the coefficients in `used`, in zig-zag order from 0, and
/// `trash` for the others.
const fn slots(used: u64, trash: u8) -> [u8; 64] {
    let mut table = [trash; 64];
    let (mut k, mut next) = (0, 0u8);
    while k < 64 {
        if used & (1 << k) != 0 {
            table[k] = next;
            next += 1;
        }
        k += 1;
    }
    table
}

/// Slots of 32 for the 2x2 IDCT's 24 AC coefficients (slot 31 the trash).
const SLOTS_2X2: [u8; 64] = slots(USED_2X2, 31);
/// Slots of 64 for the 4x4 IDCT: each coefficient in its own.
const SLOTS_4X4: [u8; 64] = slots(!0, 63);

/// By zig-zag index, the slot of a block of `size` slots (32 for the
/// 2x2 IDCT, 64 for the 4x4) that holds the coefficient: the last, a slot
/// written to but never read, for any the IDCT does not read.
pub const fn slots_of(size: usize) -> &'static [u8; 64] {
    if size == 32 { &SLOTS_2X2 } else { &SLOTS_4X4 }
}

/// One block as the IDCTs read it: its DC coefficient, its AC ones in
/// their slots (see [`slots_of`]), the zig-zag bits of those that are not
/// zero, and its component's quantisation table (see [`Quant`]).
pub struct Block<'a, const S: usize> {
    /// The DC coefficient.
    pub dc: i16,
    /// The AC coefficients, in their slots.
    pub ac: &'a [i16; S],
    /// Bit k set when AC coefficient k (zig-zag) is not zero.
    pub nonzero: u64,
    /// The quantisation table.
    pub quant: &'a Quant<S>,
}

/// A quantisation table laid out as the blocks are: the DC value apart,
/// the AC values in the coefficients' slots (0 in the unread one).
pub struct Quant<const S: usize> {
    dc: i32,
    ac: [i32; S],
}

impl<const S: usize> Quant<S> {
    /// `table` (natural order) in slots.
    pub fn new(table: &[u16; 64]) -> Self {
        let slots = slots_of(S);
        let trash = usize::from(slots[0]);
        let mut ac = [0i32; S];
        for (natural, &q) in table.iter().enumerate().skip(1) {
            let slot = usize::from(slots[NATURAL_TO_ZIGZAG[natural]]);
            if slot != trash {
                ac[slot] = i32::from(q);
            }
        }
        Self {
            dc: i32::from(table[0]),
            ac,
        }
    }
}

/// A block's coefficients dequantised, by natural position.
struct Dequantised<const S: usize> {
    dc: i64,
    ac: [i32; S],
}

impl<const S: usize> Dequantised<S> {
    #[inline(always)]
    fn new(block: &Block<'_, S>) -> Self {
        let mut ac = [0i32; S];
        for ((out, &coef), &q) in ac.iter_mut().zip(block.ac).zip(&block.quant.ac) {
            *out = i32::from(coef) * q;
        }
        Self {
            dc: i64::from(i32::from(block.dc) * block.quant.dc),
            ac,
        }
    }

    /// Coefficient (`row`, `col`); the IDCTs call it with constants, so
    /// that the slot is found at compile time.
    #[inline(always)]
    fn at(&self, row: usize, col: usize) -> i64 {
        let natural = row * 8 + col;
        if natural == 0 {
            self.dc
        } else {
            i64::from(self.ac[usize::from(slots_of(S)[NATURAL_TO_ZIGZAG[natural]]) & (S - 1)])
        }
    }
}

/// The one sample of a block whose used AC coefficients are all zero:
/// what both passes give for it, exactly.
#[inline(always)]
fn flat<const S: usize>(block: &Block<'_, S>) -> u8 {
    let dc = i64::from(block.dc) * i64::from(block.quant.dc);
    sample(descale(dc << PASS1_BITS, PASS1_BITS + 3))
}

/// Pass 1 of the 2x2 IDCT on one column, given its rows.
#[inline(always)]
fn column_2x2(at: impl Fn(usize) -> i64) -> [i64; 2] {
    let tmp10 = at(0) << (CONST_BITS + 2);
    let tmp0 = at(7) * -FIX_0_720959822
        + at(5) * FIX_0_850430095
        + at(3) * -FIX_1_272758580
        + at(1) * FIX_3_624509785;
    let shift = CONST_BITS - PASS1_BITS + 2;
    [
        i64::from(descale(tmp10 + tmp0, shift) as i32),
        i64::from(descale(tmp10 - tmp0, shift) as i32),
    ]
}

/// The 2x2 samples of `block` (`jpeg_idct_2x2`), row by row.
pub fn idct_2x2<const S: usize>(block: &Block<'_, S>) -> [[u8; 2]; 2] {
    if block.nonzero & USED_2X2 == 0 {
        return [[flat(block); 2]; 2];
    }
    let z = Dequantised::new(block);
    // Columns 2, 4 and 6 are not read.
    let c = [
        column_2x2(|r| z.at(r, 0)),
        column_2x2(|r| z.at(r, 1)),
        [0, 0],
        column_2x2(|r| z.at(r, 3)),
        [0, 0],
        column_2x2(|r| z.at(r, 5)),
        [0, 0],
        column_2x2(|r| z.at(r, 7)),
    ];
    let mut out = [[0u8; 2]; 2];
    for (row, samples) in out.iter_mut().enumerate() {
        let w = |col: usize| c[col][row];
        let tmp10 = w(0) << (CONST_BITS + 2);
        let tmp0 = w(7) * -FIX_0_720959822
            + w(5) * FIX_0_850430095
            + w(3) * -FIX_1_272758580
            + w(1) * FIX_3_624509785;
        let shift = CONST_BITS + PASS1_BITS + 3 + 2;
        *samples = [
            sample(descale(tmp10 + tmp0, shift)),
            sample(descale(tmp10 - tmp0, shift)),
        ];
    }
    out
}

/// Pass 1 of the 4x4 IDCT on one column, given its rows.
#[inline(always)]
fn column_4x4(at: impl Fn(usize) -> i64) -> [i64; 4] {
    let tmp0 = at(0) << (CONST_BITS + 1);
    let tmp2 = at(2) * FIX_1_847759065 + at(6) * -FIX_0_765366865;
    let (tmp10, tmp12) = (tmp0 + tmp2, tmp0 - tmp2);
    let (z1, z2, z3, z4) = (at(7), at(5), at(3), at(1));
    let odd0 =
        z1 * -FIX_0_211164243 + z2 * FIX_1_451774981 + z3 * -FIX_2_172734803 + z4 * FIX_1_061594337;
    let odd2 =
        z1 * -FIX_0_509795579 + z2 * -FIX_0_601344887 + z3 * FIX_0_899976223 + z4 * FIX_2_562915447;
    let shift = CONST_BITS - PASS1_BITS + 1;
    let out = |x: i64| i64::from(descale(x, shift) as i32);
    [
        out(tmp10 + odd2),
        out(tmp12 + odd0),
        out(tmp12 - odd0),
        out(tmp10 - odd2),
    ]
}

/// The 4x4 samples of `block` (`jpeg_idct_4x4`), row by row.
pub fn idct_4x4<const S: usize>(block: &Block<'_, S>) -> [[u8; 4]; 4] {
    if block.nonzero & USED_4X4 == 0 {
        return [[flat(block); 4]; 4];
    }
    let z = Dequantised::new(block);
    // Column 4 is not read.
    let c = [
        column_4x4(|r| z.at(r, 0)),
        column_4x4(|r| z.at(r, 1)),
        column_4x4(|r| z.at(r, 2)),
        column_4x4(|r| z.at(r, 3)),
        [0; 4],
        column_4x4(|r| z.at(r, 5)),
        column_4x4(|r| z.at(r, 6)),
        column_4x4(|r| z.at(r, 7)),
    ];
    let mut out = [[0u8; 4]; 4];
    for (row, samples) in out.iter_mut().enumerate() {
        let w = |col: usize| c[col][row];
        let tmp0 = w(0) << (CONST_BITS + 1);
        let tmp2 = w(2) * FIX_1_847759065 + w(6) * -FIX_0_765366865;
        let (tmp10, tmp12) = (tmp0 + tmp2, tmp0 - tmp2);
        let (z1, z2, z3, z4) = (w(7), w(5), w(3), w(1));
        let odd0 = z1 * -FIX_0_211164243
            + z2 * FIX_1_451774981
            + z3 * -FIX_2_172734803
            + z4 * FIX_1_061594337;
        let odd2 = z1 * -FIX_0_509795579
            + z2 * -FIX_0_601344887
            + z3 * FIX_0_899976223
            + z4 * FIX_2_562915447;
        let shift = CONST_BITS + PASS1_BITS + 3 + 1;
        *samples = [
            sample(descale(tmp10 + odd2, shift)),
            sample(descale(tmp12 + odd0, shift)),
            sample(descale(tmp12 - odd0, shift)),
            sample(descale(tmp10 - odd2, shift)),
        ];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block<'a>(dc: i16, ac: &'a [i16; 64], nonzero: u64, quant: &'a Quant<64>) -> Block<'a, 64> {
        Block {
            dc,
            ac,
            nonzero,
            quant,
        }
    }

    #[test]
    fn a_dc_only_block_is_flat_at_its_mean() {
        let ac = [0i16; 64];
        let quant = Quant::new(&[8u16; 64]);
        // 10 times quant 8 = 80, over 8 = +10 on 128.
        assert_eq!(idct_2x2(&block(10, &ac, 0, &quant)), [[138; 2]; 2]);
        assert_eq!(idct_4x4(&block(10, &ac, 0, &quant)), [[138; 4]; 4]);
        // The same block through the general path (its mask claiming AC
        // coefficients that are in fact zero) gives the same samples.
        assert_eq!(idct_2x2(&block(10, &ac, !1, &quant)), [[138; 2]; 2]);
        assert_eq!(idct_4x4(&block(10, &ac, !1, &quant)), [[138; 4]; 4]);
    }

    #[test]
    fn out_of_range_values_clamp() {
        let ac = [0i16; 64];
        let quant = Quant::new(&[8u16; 64]);
        assert_eq!(idct_2x2(&block(300, &ac, 0, &quant)), [[255; 2]; 2]);
        assert_eq!(idct_4x4(&block(-300, &ac, !1, &quant)), [[0; 4]; 4]);
    }

    #[test]
    fn the_compact_slots_hold_every_coefficient_the_2x2_idct_reads() {
        assert_eq!(USED_2X2.count_ones(), 24);
        let slots: Vec<u8> = (0..64).map(|k| SLOTS_2X2[k]).filter(|&s| s != 31).collect();
        assert_eq!(slots, (0..24).collect::<Vec<u8>>());
        assert_eq!(SLOTS_2X2[0], 31, "DC is kept apart");
    }
}

//! libjpeg-turbo's reduced-size inverse DCTs (`jidctred.c`: 2x2 and 4x4
//! samples from a block), in the same integer arithmetic, so that the
//! planes match libjpeg-turbo's to the byte.
//!
//! On x86-64 libjpeg-turbo runs them as SSE2 code (`jidctred-sse2.asm`),
//! which works in 16-bit lanes: it truncates a dequantised coefficient to
//! 16 bits, saturates the first pass's outputs to 16 bits and wraps its
//! sums at 32, where the C code does not. Real photos never come near
//! those limits (a dequantised coefficient of 8-bit samples is about
//! +-1024); a block that does (a damaged or crafted file) is refused, and
//! the file goes to libjpeg-turbo, so the two never differ. The outputs
//! saturate, as the SSE2 code's do.

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

/// A sample from the IDCT's output: centred and saturated.
#[inline(always)]
fn sample(x: i64) -> u8 {
    (x.clamp(-128, 127) + 128) as u8
}

/// Whether `x` fits in 32 bits (the SSE2 code's sums wrap beyond).
#[inline(always)]
fn fits32(x: i64) -> bool {
    i64::from(x as i32) == x
}

/// Whether `x` fits in 16 bits (the SSE2 code saturates the first pass's
/// outputs, and truncates dequantised coefficients, beyond).
#[inline(always)]
fn fits16(x: i64) -> bool {
    i64::from(x as i16) == x
}

/// Below this, no dequantised coefficient can take either IDCT out of the
/// ranges above (worked out from their largest sums), so a block with
/// none larger is not checked.
const SAFE: i32 = 1024;

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

/// Rows and columns the 2x2 IDCT reads: 0, 1, 3, 5 and 7.
const READ_2X2: u8 = 0b1010_1011;
/// Rows and columns the 4x4 IDCT reads: all but 4.
const READ_4X4: u8 = 0b1110_1111;

/// The zig-zag bits of the AC coefficients at the rows and columns set
/// in `read` (DC excluded): those an IDCT reads.
const fn used(read: u8) -> u64 {
    let mut mask = 0u64;
    let mut natural = 0;
    while natural < 64 {
        if read & (1 << (natural / 8)) != 0 && read & (1 << (natural % 8)) != 0 {
            mask |= 1 << NATURAL_TO_ZIGZAG[natural];
        }
        natural += 1;
    }
    mask & !1
}

const USED_2X2: u64 = used(READ_2X2);

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
    /// Whether every coefficient is within [`SAFE`].
    safe: bool,
}

impl<const S: usize> Dequantised<S> {
    #[inline(always)]
    fn new(block: &Block<'_, S>) -> Self {
        let mut ac = [0i32; S];
        let mut largest = 0i32;
        for ((out, &coef), &q) in ac.iter_mut().zip(block.ac).zip(&block.quant.ac) {
            *out = i32::from(coef) * q;
            largest = largest.max(out.abs());
        }
        let dc = i32::from(block.dc) * block.quant.dc;
        Self {
            dc: i64::from(dc),
            ac,
            safe: largest.max(dc.abs()) <= SAFE,
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
fn flat<const S: usize>(block: &Block<'_, S>) -> Option<u8> {
    let dc = i64::from(block.dc) * i64::from(block.quant.dc);
    let pass1 = dc << PASS1_BITS;
    fits16(pass1).then(|| sample(descale(pass1, PASS1_BITS + 3)))
}

/// Checks, when `CHECK`, that the coefficients `z` fit in 16 bits, each
/// sum in `sums` in 32 and each output in `outs` in 16 (see the module's
/// docs); always true otherwise.
#[inline(always)]
fn in_range<const CHECK: bool>(z: &[i64], sums: &[i64], outs: &[i64]) -> bool {
    !CHECK
        || (z.iter().all(|&v| fits16(v))
            && sums.iter().all(|&v| fits32(v))
            && outs.iter().all(|&v| fits16(v)))
}

/// `jpeg_idct_2x2`'s 1-D transform of a column or row `v` (2, 4 and 6
/// unread): its two outputs before the descale.
#[inline(always)]
fn sums_2(v: [i64; 8]) -> [i64; 2] {
    let tmp10 = v[0] << (CONST_BITS + 2);
    let tmp0 = v[7] * -FIX_0_720959822
        + v[5] * FIX_0_850430095
        + v[3] * -FIX_1_272758580
        + v[1] * FIX_3_624509785;
    [tmp10 + tmp0, tmp10 - tmp0]
}

/// `jpeg_idct_4x4`'s 1-D transform of a column or row `v` (4 unread): its
/// four outputs before the descale.
#[inline(always)]
fn sums_4(v: [i64; 8]) -> [i64; 4] {
    let tmp0 = v[0] << (CONST_BITS + 1);
    let tmp2 = v[2] * FIX_1_847759065 + v[6] * -FIX_0_765366865;
    let (tmp10, tmp12) = (tmp0 + tmp2, tmp0 - tmp2);
    let (z1, z2, z3, z4) = (v[7], v[5], v[3], v[1]);
    let odd0 =
        z1 * -FIX_0_211164243 + z2 * FIX_1_451774981 + z3 * -FIX_2_172734803 + z4 * FIX_1_061594337;
    let odd2 =
        z1 * -FIX_0_509795579 + z2 * -FIX_0_601344887 + z3 * FIX_0_899976223 + z4 * FIX_2_562915447;
    [tmp10 + odd2, tmp12 + odd0, tmp12 - odd0, tmp10 - odd2]
}

/// Both passes of a `D`x`D` IDCT whose 1-D transform is `sums`, reading
/// the rows and columns set in `read`: the columns of the dequantised
/// block, descaled into 16 bits, then the rows of that. `ok` is cleared
/// when `CHECK` finds a value out of the SSE2 code's range.
#[inline(always)]
fn idct<const CHECK: bool, const S: usize, const D: usize>(
    z: &Dequantised<S>,
    read: u8,
    sums: impl Fn([i64; 8]) -> [i64; D],
    ok: &mut bool,
) -> [[u8; D]; D] {
    // 8 / D = 2^(3 - log2 D) more than a full IDCT's shifts.
    let extra = 3 - D.trailing_zeros();
    let shift1 = CONST_BITS - PASS1_BITS + extra;
    let shift2 = CONST_BITS + PASS1_BITS + 3 + extra;
    // Written out, not a loop, so that each column's slots are constants.
    let columns = [
        column::<CHECK, S, D>(z, read, &sums, 0, shift1, ok),
        column::<CHECK, S, D>(z, read, &sums, 1, shift1, ok),
        column::<CHECK, S, D>(z, read, &sums, 2, shift1, ok),
        column::<CHECK, S, D>(z, read, &sums, 3, shift1, ok),
        column::<CHECK, S, D>(z, read, &sums, 4, shift1, ok),
        column::<CHECK, S, D>(z, read, &sums, 5, shift1, ok),
        column::<CHECK, S, D>(z, read, &sums, 6, shift1, ok),
        column::<CHECK, S, D>(z, read, &sums, 7, shift1, ok),
    ];
    let mut out = [[0u8; D]; D];
    for (row, samples) in out.iter_mut().enumerate() {
        let s = sums(lines(read, |col| columns[col][row])).map(|x| x + (1 << (shift2 - 1)));
        *ok &= in_range::<CHECK>(&[], &s, &[]);
        *samples = s.map(|x| sample(x >> shift2));
    }
    out
}

/// The first pass on column `col` of `z` (zeros if `read` leaves it out),
/// descaled by `shift`; see [`idct`].
#[inline(always)]
fn column<const CHECK: bool, const S: usize, const D: usize>(
    z: &Dequantised<S>,
    read: u8,
    sums: &impl Fn([i64; 8]) -> [i64; D],
    col: usize,
    shift: u32,
    ok: &mut bool,
) -> [i64; D] {
    if read & (1 << col) == 0 {
        return [0; D];
    }
    let v = lines(read, |row| z.at(row, col));
    let s = sums(v).map(|x| x + (1 << (shift - 1)));
    let outs = s.map(|x| x >> shift);
    *ok &= in_range::<CHECK>(&v, &s, &outs);
    outs
}

/// The values `f` gives for the rows (or columns) set in `read`, 0 for
/// the others (which are never read, and may hold anything).
#[inline(always)]
fn lines(read: u8, mut f: impl FnMut(usize) -> i64) -> [i64; 8] {
    let mut at = |i: usize| if read & (1 << i) != 0 { f(i) } else { 0 };
    [at(0), at(1), at(2), at(3), at(4), at(5), at(6), at(7)]
}

/// The 2x2 samples of `block` (`jpeg_idct_2x2`), row by row; `None` for
/// a block out of the SSE2 code's range (see the module's docs).
pub fn idct_2x2<const S: usize>(block: &Block<'_, S>) -> Option<[[u8; 2]; 2]> {
    reduced::<S, 2, READ_2X2>(block, sums_2)
}

/// The 4x4 samples of `block` (`jpeg_idct_4x4`), row by row; see
/// [`idct_2x2`].
pub fn idct_4x4<const S: usize>(block: &Block<'_, S>) -> Option<[[u8; 4]; 4]> {
    reduced::<S, 4, READ_4X4>(block, sums_4)
}

/// The `D`x`D` samples of `block` by [`idct`]: flat where no coefficient
/// it reads (rows and columns `READ`) is non-zero, unchecked where every
/// one is within [`SAFE`], checked otherwise.
#[inline(always)]
fn reduced<const S: usize, const D: usize, const READ: u8>(
    block: &Block<'_, S>,
    sums: impl Fn([i64; 8]) -> [i64; D],
) -> Option<[[u8; D]; D]> {
    if block.nonzero & const { used(READ) } == 0 {
        return flat(block).map(|v| [[v; D]; D]);
    }
    let z = Dequantised::new(block);
    if z.safe {
        return Some(idct::<false, S, D>(&z, READ, sums, &mut true));
    }
    checked(|ok| idct::<true, S, D>(&z, READ, sums, ok))
}

/// The samples `idct` gives, if it left its flag set (out of line: rare).
#[inline(never)]
fn checked<T>(idct: impl FnOnce(&mut bool) -> T) -> Option<T> {
    let mut ok = true;
    let out = idct(&mut ok);
    ok.then_some(out)
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
        assert_eq!(idct_2x2(&block(10, &ac, 0, &quant)), Some([[138; 2]; 2]));
        assert_eq!(idct_4x4(&block(10, &ac, 0, &quant)), Some([[138; 4]; 4]));
        // The same block through the general path (its mask claiming AC
        // coefficients that are in fact zero) gives the same samples.
        assert_eq!(idct_2x2(&block(10, &ac, !1, &quant)), Some([[138; 2]; 2]));
        assert_eq!(idct_4x4(&block(10, &ac, !1, &quant)), Some([[138; 4]; 4]));
    }

    #[test]
    fn out_of_range_values_clamp() {
        let ac = [0i16; 64];
        let quant = Quant::new(&[8u16; 64]);
        assert_eq!(idct_2x2(&block(300, &ac, 0, &quant)), Some([[255; 2]; 2]));
        assert_eq!(idct_4x4(&block(-300, &ac, !1, &quant)), Some([[0; 4]; 4]));
    }

    #[test]
    fn blocks_out_of_the_simd_codes_range_are_refused() {
        let quant = Quant::new(&[255u16; 64]);
        let mut ac = [0i16; 64];
        // A DC value whose first pass leaves 16 bits, flat or not.
        assert_eq!(idct_2x2(&block(200, &ac, 0, &quant)), None);
        assert_eq!(idct_4x4(&block(-200, &ac, !1, &quant)), None);
        // An AC value that does not dequantise into 16 bits.
        ac[1] = 300;
        assert_eq!(idct_4x4(&block(0, &ac, 1 << 1, &quant)), None);
        // Large but in range: decoded, through the checked path.
        ac[1] = 20;
        assert!(idct_4x4(&block(7, &ac, 1 << 1, &quant)).is_some());
    }

    #[test]
    fn the_compact_slots_hold_every_coefficient_the_2x2_idct_reads() {
        assert_eq!(USED_2X2.count_ones(), 24);
        let slots: Vec<u8> = (0..64).map(|k| SLOTS_2X2[k]).filter(|&s| s != 31).collect();
        assert_eq!(slots, (0..24).collect::<Vec<u8>>());
        assert_eq!(SLOTS_2X2[0], 31, "DC is kept apart");
    }
}

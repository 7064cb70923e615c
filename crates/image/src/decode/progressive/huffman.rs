//! Huffman tables (DHT) and the decoding of one symbol: codes of up to
//! [`LOOKUP_BITS`] bits in one table lookup, longer ones by their
//! canonical code ranges.

use super::NotDecoded;
use super::bits::Bits;

/// Bits looked up at once; most codes of real tables are shorter.
const LOOKUP_BITS: u32 = 10;

/// One table, as built from a DHT segment.
#[derive(Clone)]
pub struct Table {
    /// By the next [`LOOKUP_BITS`] bits: code length << 8 | symbol, or 0
    /// for a code longer than the lookup.
    lookup: Box<[u16; 1 << LOOKUP_BITS]>,
    /// By code length: the largest code of that length, left-aligned in
    /// 16 bits, plus one (0 where there is none).
    max_code: [u32; 17],
    /// By code length: the index in `symbols` of its first code minus
    /// the code itself.
    offset: [i32; 17],
    symbols: Vec<u8>,
}

impl Table {
    /// Builds a table from its 16 counts of codes by length and its symbols.
    ///
    /// # Errors
    ///
    /// When the counts overflow the code space or do not match `symbols`.
    pub fn new(counts: &[u8; 16], symbols: &[u8]) -> Result<Self, NotDecoded> {
        let total: usize = counts.iter().map(|&c| usize::from(c)).sum();
        if total != symbols.len() || total > 256 {
            return Err(NotDecoded("a Huffman table's counts do not match"));
        }
        let mut lookup = Box::new([0u16; 1 << LOOKUP_BITS]);
        let mut max_code = [0u32; 17];
        let mut offset = [0i32; 17];
        let mut code = 0u32;
        let mut index = 0usize;
        for len in 1..=16u32 {
            let count = u32::from(counts[len as usize - 1]);
            offset[len as usize] = index as i32 - code as i32;
            for _ in 0..count {
                if code >= (1 << len) {
                    return Err(NotDecoded("a Huffman table overflows its code space"));
                }
                if len <= LOOKUP_BITS {
                    let shift = LOOKUP_BITS - len;
                    let first = (code << shift) as usize;
                    let entry = (len as u16) << 8 | u16::from(symbols[index]);
                    lookup[first..first + (1 << shift)].fill(entry);
                }
                code += 1;
                index += 1;
            }
            max_code[len as usize] = if count > 0 { code << (16 - len) } else { 0 };
            code <<= 1;
        }
        Ok(Self {
            lookup,
            max_code,
            offset,
            symbols: symbols.to_vec(),
        })
    }

    /// Decodes one symbol; `bits` must hold 16 bits.
    ///
    /// # Errors
    ///
    /// When the next bits are no code of the table (damaged data).
    #[inline(always)]
    pub fn decode(&self, bits: &mut Bits<'_>) -> Result<u8, NotDecoded> {
        let entry = self.lookup[bits.peek(LOOKUP_BITS) as usize];
        if entry != 0 {
            bits.consume(u32::from(entry >> 8));
            return Ok(entry as u8);
        }
        self.decode_long(bits)
    }

    #[cold]
    fn decode_long(&self, bits: &mut Bits<'_>) -> Result<u8, NotDecoded> {
        let next = bits.peek(16);
        for len in LOOKUP_BITS + 1..=16 {
            let code = next >> (16 - len);
            if (code << (16 - len)) < self.max_code[len as usize] {
                let at = self.offset[len as usize] + code as i32;
                let symbol = usize::try_from(at)
                    .ok()
                    .and_then(|at| self.symbols.get(at))
                    .copied()
                    .ok_or(NotDecoded("a Huffman code out of its table"))?;
                bits.consume(len);
                return Ok(symbol);
            }
        }
        Err(NotDecoded("bits that are no Huffman code"))
    }
}

/// `bits` (`size` of them) as the signed value they code (JPEG's EXTEND).
#[inline(always)]
pub fn extend(bits: u32, size: u32) -> i32 {
    if size == 0 {
        0
    } else if bits < (1 << (size - 1)) {
        bits as i32 - (1 << size) + 1
    } else {
        bits as i32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_codes_decode_to_their_symbols() {
        // Lengths 1, 2, and twelve of 12 bits: codes 0, 10, 110000000000...
        let mut counts = [0u8; 16];
        counts[0] = 1;
        counts[1] = 1;
        counts[11] = 12;
        let symbols: Vec<u8> = (0..14).collect();
        let table = Table::new(&counts, &symbols).expect("valid");
        // 0 | 10 | 1100_0000_0011 (the 4th 12-bit code) | padding
        let data = [0b0101_1000, 0b0000_0111, 0xFF, 0x00, 0xFF, 0x00];
        let mut bits = Bits::new(&data, 0);
        bits.ensure(16);
        assert_eq!(table.decode(&mut bits), Ok(0));
        bits.ensure(16);
        assert_eq!(table.decode(&mut bits), Ok(1));
        bits.ensure(16);
        assert_eq!(table.decode(&mut bits), Ok(5));
    }

    #[test]
    fn an_overfull_table_is_refused() {
        let mut counts = [0u8; 16];
        counts[0] = 3;
        assert!(Table::new(&counts, &[1, 2, 3]).is_err());
    }

    #[test]
    fn extend_gives_negative_values_below_half_the_range() {
        assert_eq!(extend(0, 1), -1);
        assert_eq!(extend(1, 1), 1);
        assert_eq!(extend(0b010, 3), -5);
        assert_eq!(extend(0b110, 3), 6);
    }
}

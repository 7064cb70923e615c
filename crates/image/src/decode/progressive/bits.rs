//! The bit reader of a scan's entropy-coded data: 64 bits buffered,
//! refilled eight bytes at a time where no `0xFF` is among them, byte by
//! byte (dropping the stuffed `0x00` after each `0xFF`) where one is.

/// Reads the bits of one scan, most significant first. At the marker that
/// ends the scan (or the end of the file) it goes on with zero bits, and
/// counts them: [`Bits::overran`] then says whether the scan used any.
///
/// It is `Copy` so that a hot loop can work on a copy held in registers
/// and store it back once (see [`scans`](super::scans)).
#[derive(Clone, Copy)]
pub struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
    /// The next bits, left-aligned: the top `count` are valid.
    buf: u64,
    count: u32,
    /// Zero bits appended past the end of the scan's data.
    padding: u32,
    ended: bool,
}

/// Whether any byte of `w` is `0xFF`.
fn has_ff(w: u64) -> bool {
    let v = !w;
    (v.wrapping_sub(0x0101_0101_0101_0101) & !v & 0x8080_8080_8080_8080) != 0
}

impl<'a> Bits<'a> {
    /// Reads `data` from `pos`, the first byte after a scan header.
    pub fn new(data: &'a [u8], pos: usize) -> Self {
        Self {
            data,
            pos,
            buf: 0,
            count: 0,
            padding: 0,
            ended: false,
        }
    }

    /// Fills the buffer to at least 57 bits: inline where the next eight
    /// bytes hold no `0xFF`, byte by byte otherwise.
    #[inline(always)]
    fn refill(&mut self) {
        let room = (64 - self.count) / 8;
        if let Some(bytes) = self.data.get(self.pos..self.pos + 8) {
            let mut word = [0u8; 8];
            word.copy_from_slice(bytes);
            let w = u64::from_be_bytes(word);
            if room > 0 && !has_ff(w) {
                let taken = w >> (64 - 8 * room);
                self.buf |= taken << (64 - self.count - 8 * room);
                self.pos += room as usize;
                self.count += 8 * room;
                return;
            }
        }
        self.refill_bytes();
    }

    #[cold]
    #[inline(never)]
    fn refill_bytes(&mut self) {
        while self.count <= 56 {
            let byte = self.next_byte();
            self.buf |= u64::from(byte) << (56 - self.count);
            self.count += 8;
        }
    }

    fn next_byte(&mut self) -> u8 {
        if !self.ended {
            match self.data.get(self.pos) {
                Some(&0xFF) if self.data.get(self.pos + 1) == Some(&0) => {
                    self.pos += 2;
                    return 0xFF;
                }
                Some(&0xFF) | None => self.ended = true,
                Some(&byte) => {
                    self.pos += 1;
                    return byte;
                }
            }
        }
        self.padding = self.padding.saturating_add(8);
        0
    }

    /// Makes sure `n` bits (at most 57) are buffered.
    #[inline(always)]
    pub fn ensure(&mut self, n: u32) {
        if self.count < n {
            self.refill();
        }
    }

    /// The next `n` bits (1 to 32) without consuming them; [`Bits::ensure`]
    /// must have buffered them.
    #[inline(always)]
    pub fn peek(&self, n: u32) -> u32 {
        (self.buf >> (64 - n)) as u32
    }

    /// Consumes `n` buffered bits.
    #[inline(always)]
    pub fn consume(&mut self, n: u32) {
        self.buf <<= n;
        self.count -= n;
    }

    /// The next `n` bits (0 to 32), refilling as needed.
    #[inline(always)]
    pub fn take(&mut self, n: u32) -> u32 {
        if n == 0 {
            return 0;
        }
        self.ensure(n);
        let v = self.peek(n);
        self.consume(n);
        v
    }

    /// Whether the scan read past its data (a truncated or damaged file).
    pub fn overran(&self) -> bool {
        self.count < self.padding
    }

    /// Where the scan's data ends: the next marker's `0xFF`; `None` when
    /// whole bytes of data were left unread before it (libjpeg-turbo warns
    /// of "extraneous bytes before marker").
    pub fn end(&self) -> Option<usize> {
        if self.count >= self.padding + 8 {
            return None;
        }
        match self.data.get(self.pos..self.pos + 2) {
            Some([0xFF, m]) if *m != 0 && !(0xD0..=0xD7).contains(m) => Some(self.pos),
            None if self.pos >= self.data.len() => Some(self.pos),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stuffed_bytes_are_read_as_ff_and_the_marker_ends_the_data() {
        let data = [0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD9];
        let mut bits = Bits::new(&data, 0);
        assert_eq!(bits.take(8), 0x12);
        assert_eq!(bits.take(4), 0xF);
        assert_eq!(bits.take(12), 0xF34);
        assert!(!bits.overran());
        assert_eq!(bits.take(1), 0);
        assert!(bits.overran());
        assert_eq!(bits.end(), Some(4));
    }

    #[test]
    fn eight_plain_bytes_come_in_at_once() {
        let data: Vec<u8> = (1..=20).collect();
        let mut bits = Bits::new(&data, 0);
        for expected in 1..=20u32 {
            assert_eq!(bits.take(8), expected);
        }
        assert!(!bits.overran());
    }

    #[test]
    fn bytes_left_unread_before_the_marker_are_no_end() {
        let data = [0x12, 0x34, 0x56, 0xFF, 0xD9];
        let mut bits = Bits::new(&data, 0);
        assert_eq!(bits.take(8), 0x12);
        assert_eq!(bits.end(), None);
        assert_eq!(bits.take(12), 0x345);
        assert_eq!(bits.end(), Some(3));
    }
}

//! The few TIFF structures EXIF data is made of: the header, image file
//! directories (IFDs) and their entries, read from the bytes as they are
//! (no copy), so that single values can be rewritten in place.

/// EXIF data starting at its TIFF header (`II*\0` or `MM\0*`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tiff<'a> {
    data: &'a [u8],
    big: bool,
}

/// One IFD entry: where it starts, its type and count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entry {
    /// Offset of the 12-byte entry in the data.
    pub at: usize,
    /// TIFF type: 3 SHORT, 4 LONG, ...
    pub kind: u16,
    /// Number of values.
    pub count: u32,
}

impl Entry {
    /// Offset of the value when it fits in the entry (one SHORT or LONG).
    pub fn value_at(&self) -> usize {
        self.at + 8
    }
}

impl<'a> Tiff<'a> {
    /// `data` if it starts with a TIFF header.
    pub fn new(data: &'a [u8]) -> Option<Tiff<'a>> {
        let big = match data.get(0..4)? {
            [b'I', b'I', 42, 0] => false,
            [b'M', b'M', 0, 42] => true,
            _ => return None,
        };
        Some(Tiff { data, big })
    }

    /// Whether the data is big-endian (`MM`).
    pub fn big_endian(&self) -> bool {
        self.big
    }

    /// The 16-bit value at `at`.
    pub fn u16_at(&self, at: usize) -> Option<u16> {
        let b = self.data.get(at..at + 2)?;
        let b = [b[0], b[1]];
        Some(if self.big {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    }

    /// The 32-bit value at `at`.
    pub fn u32_at(&self, at: usize) -> Option<u32> {
        let b = self.data.get(at..at + 4)?;
        let b = [b[0], b[1], b[2], b[3]];
        Some(if self.big {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }

    /// The offset of the first IFD (the main image's).
    pub fn ifd0(&self) -> Option<usize> {
        usize::try_from(self.u32_at(4)?).ok()
    }

    /// The entry for `tag` in the IFD at `ifd`, if it has one.
    pub fn find(&self, ifd: usize, tag: u16) -> Option<Entry> {
        let count = usize::from(self.u16_at(ifd)?);
        (0..count).find_map(|i| {
            let at = ifd + 2 + i * 12;
            (self.u16_at(at)? == tag).then_some(())?;
            let entry = Entry {
                at,
                kind: self.u16_at(at + 2)?,
                count: self.u32_at(at + 4)?,
            };
            self.data.get(at..at + 12).map(|_| entry)
        })
    }

    /// The single SHORT or LONG value of `entry`.
    pub fn number(&self, entry: Entry) -> Option<u32> {
        match (entry.kind, entry.count) {
            (3, 1) => self.u16_at(entry.value_at()).map(u32::from),
            (4, 1) => self.u32_at(entry.value_at()),
            _ => None,
        }
    }
}

/// Writes `value` into the single SHORT or LONG value of `entry` in
/// `data` (big-endian if `big`); a SHORT takes at most 65535. Returns
/// whether it was written.
pub(crate) fn set_number(data: &mut [u8], big: bool, entry: Entry, value: u32) -> bool {
    let at = entry.value_at();
    let bytes: Vec<u8> = match (entry.kind, entry.count) {
        (3, 1) => {
            let v = u16::try_from(value).unwrap_or(u16::MAX);
            if big {
                v.to_be_bytes().to_vec()
            } else {
                v.to_le_bytes().to_vec()
            }
        }
        (4, 1) => {
            if big {
                value.to_be_bytes().to_vec()
            } else {
                value.to_le_bytes().to_vec()
            }
        }
        _ => return false,
    };
    match data.get_mut(at..at + bytes.len()) {
        Some(slot) => {
            slot.copy_from_slice(&bytes);
            true
        }
        None => false,
    }
}

//! One way of counting lines for every input format: a line ends at a
//! line feed, a carriage return and line feed, or a carriage return alone
//! (Unix, Windows and old Mac files), so a row's line number is the one an
//! editor shows whichever the file uses.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{self, BufRead, Read};
use std::rc::Rc;

/// The line breaks a [`CountLines`] has passed, shared with its reader's
/// owner.
#[derive(Debug, Default)]
pub(crate) struct Breaks {
    /// Bytes read so far.
    offset: u64,
    /// Whether the last byte read was a carriage return (a line feed
    /// right after it ends no new line).
    after_cr: bool,
    /// Line breaks read so far.
    count: u64,
    /// Where the breaks not yet passed by [`Breaks::line_at`] start and
    /// end, in order (those in a reader's read-ahead).
    ahead: VecDeque<(u64, u64)>,
    /// Breaks [`Breaks::line_at`] has passed.
    passed: u64,
    /// Whether to keep `ahead` (for [`Breaks::line_at`]).
    keep_offsets: bool,
}

impl Breaks {
    fn scan(&mut self, bytes: &[u8]) {
        for &b in bytes {
            let at = self.offset;
            self.offset += 1;
            match b {
                b'\n' if std::mem::replace(&mut self.after_cr, false) => {
                    // The line feed of a CRLF: the break ends after it.
                    if let Some(last) = self.ahead.back_mut() {
                        last.1 = self.offset;
                    }
                }
                b'\n' | b'\r' => {
                    self.after_cr = b == b'\r';
                    self.count += 1;
                    if self.keep_offsets {
                        self.ahead.push_back((at, self.offset));
                    }
                }
                _ => self.after_cr = false,
            }
        }
    }

    /// The 1-based line of everything read so far's last byte.
    pub(crate) fn current_line(&self) -> u64 {
        self.count + 1
    }

    /// The 1-based line of the first byte at or after `offset` that is
    /// no line break: where a record that a CSV reader says starts at
    /// `offset` starts (it counts the blank lines it skips as part of the
    /// record). Offsets must be asked for in increasing order.
    pub(crate) fn line_at(&mut self, offset: u64) -> u64 {
        let mut offset = offset;
        while let Some(&(start, end)) = self.ahead.front() {
            if end <= offset {
                self.ahead.pop_front();
                self.passed += 1;
            } else if start <= offset {
                // A blank line where the record was said to start (or
                // the line feed of the CRLF before it).
                self.ahead.pop_front();
                self.passed += 1;
                offset = end;
            } else {
                break;
            }
        }
        self.passed + 1
    }
}

/// A reader that counts the line breaks of what is read through it.
#[derive(Debug)]
pub(crate) struct CountLines<R> {
    inner: R,
    breaks: Rc<RefCell<Breaks>>,
}

impl<R> CountLines<R> {
    /// Counts the lines of `inner`; with `offsets`, keeps where they end
    /// for [`Breaks::line_at`].
    pub(crate) fn new(inner: R, offsets: bool) -> (CountLines<R>, Rc<RefCell<Breaks>>) {
        let breaks = Rc::new(RefCell::new(Breaks {
            keep_offsets: offsets,
            ..Breaks::default()
        }));
        let reader = CountLines {
            inner,
            breaks: Rc::clone(&breaks),
        };
        (reader, breaks)
    }
}

impl<R: Read> Read for CountLines<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.breaks.borrow_mut().scan(&buf[..n]);
        Ok(n)
    }
}

/// The line, counted as [`Breaks`] counts, of the place that a parser
/// counting line feeds only (serde_json) calls line `lf_line`, column
/// `column` (both 1-based) of `reader`'s text. Read again from the start:
/// for a message, once.
pub(crate) fn line_of<R: Read>(reader: R, lf_line: u64, column: u64) -> io::Result<u64> {
    let (mut counted, breaks) = CountLines::new(reader, false);
    let mut lfs = 0;
    let mut left = column.saturating_sub(1);
    let mut byte = [0u8];
    // Up to the line feed that starts line `lf_line`, then `column - 1`
    // bytes into it.
    while lfs + 1 < lf_line || left > 0 {
        if counted.read(&mut byte)? == 0 {
            break;
        }
        if lfs + 1 < lf_line {
            lfs += u64::from(byte[0] == b'\n');
        } else {
            left -= 1;
        }
    }
    let line = breaks.borrow().current_line();
    Ok(line)
}

/// Reads one line of `reader` into `line` (cleared first), without its
/// break; a line ends at LF, CRLF or CR. Returns `false` at the end of the
/// input.
pub(crate) fn read_line<R: BufRead>(reader: &mut R, line: &mut Vec<u8>) -> io::Result<bool> {
    line.clear();
    let mut any = false;
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok(any);
        }
        any = true;
        match buf.iter().position(|&b| b == b'\n' || b == b'\r') {
            Some(i) => {
                let cr = buf[i] == b'\r';
                line.extend_from_slice(&buf[..i]);
                reader.consume(i + 1);
                if cr {
                    // A line feed right after a carriage return is part of
                    // the same break.
                    let next = reader.fill_buf()?;
                    if next.first() == Some(&b'\n') {
                        reader.consume(1);
                    }
                }
                return Ok(true);
            }
            None => {
                let n = buf.len();
                line.extend_from_slice(buf);
                reader.consume(n);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENDINGS: [&str; 3] = ["\n", "\r\n", "\r"];

    #[test]
    fn lines_end_at_lf_crlf_or_cr_alike() {
        for nl in ENDINGS {
            let text = ["a", "b", "", "d"].join(nl);
            let mut r = std::io::Cursor::new(text.as_bytes());
            let mut line = Vec::new();
            let mut lines = Vec::new();
            while read_line(&mut r, &mut line).expect("reads") {
                lines.push(String::from_utf8(line.clone()).expect("utf-8"));
            }
            assert_eq!(lines, ["a", "b", "", "d"], "{nl:?}");

            // Read one byte at a time: a CRLF split between reads is one
            // break.
            let (mut counted, breaks) = CountLines::new(text.as_bytes(), true);
            let mut byte = [0u8];
            while counted.read(&mut byte).expect("reads") == 1 {}
            assert_eq!(breaks.borrow().current_line(), 4, "{nl:?}");
            let at = |c: char| u64::try_from(text.find(c).expect("there")).expect("small");
            let mut b = breaks.borrow_mut();
            assert_eq!(b.line_at(0), 1, "{nl:?}");
            assert_eq!(b.line_at(at('b')), 2, "{nl:?}");
            assert_eq!(b.line_at(at('d')), 4, "{nl:?}");
        }
    }
}

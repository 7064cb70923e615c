//! [`detect_delimiter`]: the delimiter of a CSV file, read the same way by
//! every tool that takes one (the mailer's rows, the reporter's input).

/// Picks the delimiter of a CSV file from its first line: the most
/// frequent of `,`, `;` and tab outside quotes (`,` when none: a file of
/// one column). European spreadsheets write `;`.
///
/// ```
/// assert_eq!(pool::detect_delimiter(b"a;b;\"c,d,e\"\n"), b';');
/// ```
pub fn detect_delimiter(start: &[u8]) -> u8 {
    let start = start.strip_prefix(b"\xef\xbb\xbf").unwrap_or(start);
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in start {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let candidates = [b',', b';', b'\t'];
    let mut best = 0;
    for i in 1..3 {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    candidates[best]
}

#[cfg(test)]
mod tests {
    use super::detect_delimiter;

    #[test]
    fn the_most_frequent_outside_quotes_wins_and_a_bom_is_skipped() {
        assert_eq!(detect_delimiter(b"a,b,c\n1;2"), b',');
        assert_eq!(detect_delimiter(b"a;b;\"c,d,e\"\n"), b';');
        assert_eq!(detect_delimiter(b"\xef\xbb\xbfa\tb\n"), b'\t');
        assert_eq!(detect_delimiter(b"email\n"), b',');
    }
}

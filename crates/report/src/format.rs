//! Exact decimal parsing and number / date formatting for cells.

use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};

/// The characters read as thousands separators: between groups of three
/// digits, one kind per number (`1,234,567.50`, `1'234.50`, `1 234`).
const THOUSANDS: [char; 5] = [',', '\'', '’', ' ', '\u{a0}'];

/// Parses a decimal number exactly (`12`, `-0.10`, `1e3`, `+4.5`,
/// `1,234.50`).
///
/// # Errors
///
/// A message naming the value when it is not a number, and why when it
/// nearly is (a thousands separator out of place, a decimal comma).
pub fn parse_decimal(s: &str) -> Result<Decimal, String> {
    decimal(s).ok_or_else(|| {
        let t = s.trim();
        let digits = t.trim_start_matches(['-', '+']);
        let numeric = digits.starts_with(|c: char| c.is_ascii_digit())
            && digits
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.' || THOUSANDS.contains(&c));
        if numeric && !t.contains('.') && t.matches(',').count() == 1 {
            format!(
                "{s:?} is not a number (the decimal separator is \".\"; \",\" separates \
                 thousands, between groups of three digits)"
            )
        } else if numeric && digits.contains(THOUSANDS) {
            format!(
                "{s:?} is not a number (a thousands separator goes between groups of three \
                 digits, the same one throughout, before the decimal point)"
            )
        } else {
            format!("{s:?} is not a number")
        }
    })
}

/// [`parse_decimal`] without the message: for the many cells that are
/// tried as numbers and are text, where the message would be thrown away.
pub fn decimal(s: &str) -> Option<Decimal> {
    let t = s.trim();
    let t = t.strip_prefix('+').unwrap_or(t);
    // Text is told apart at its first character, before any parsing.
    if !t.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.') {
        return None;
    }
    Decimal::from_str(t).ok().or_else(|| {
        if t.contains(['e', 'E']) {
            Decimal::from_scientific(t).ok()
        } else if t.contains(THOUSANDS) {
            grouped(t)
        } else {
            None
        }
    })
}

/// The thousands separator `s` uses, if it is a number written with one
/// ([`decimal`] reads it).
pub fn thousands_separator(s: &str) -> Option<char> {
    let t = s.trim();
    let c = t.chars().find(|c| THOUSANDS.contains(c))?;
    decimal(t).map(|_| c)
}

/// `-1,234.50` and the like: an integer part in groups of three digits
/// split by one separator throughout, then an optional fraction after a
/// point.
fn grouped(t: &str) -> Option<Decimal> {
    let (sign, body) = match t.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", t),
    };
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let sep = int.chars().find(|c| !c.is_ascii_digit())?;
    if !THOUSANDS.contains(&sep) {
        return None;
    }
    let mut groups = int.split(sep);
    let first = groups.next()?;
    if first.is_empty() || first.len() > 3 || !first.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut plain = String::with_capacity(t.len());
    plain.push_str(sign);
    plain.push_str(first);
    for g in groups {
        if g.len() != 3 || !g.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        plain.push_str(g);
    }
    if let Some(f) = frac {
        if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        plain.push('.');
        plain.push_str(f);
    }
    Decimal::from_str(&plain).ok()
}

/// `number` (as [`format_number`] writes it) between `prefix` and
/// `suffix`, the minus sign in front of them all: `-$23,652.11 USD`, not
/// `$-23,652.11 USD`.
pub fn with_affixes(prefix: &str, number: &str, suffix: &str) -> String {
    match number.strip_prefix('-') {
        Some(abs) => format!("-{prefix}{abs}{suffix}"),
        None => format!("{prefix}{number}{suffix}"),
    }
}

/// Formats `d` with `decimals` places (rounded half away from zero; `None`
/// keeps the value's own scale) and `thousands` between groups of three.
pub fn format_number(d: Decimal, decimals: Option<u32>, thousands: &str) -> String {
    let d = match decimals {
        Some(n) => {
            let mut r = d.round_dp_with_strategy(n, RoundingStrategy::MidpointAwayFromZero);
            r.rescale(n);
            r
        }
        None => d.normalize(),
    };
    let s = d.abs().to_string();
    let (int, frac) = s
        .split_once('.')
        .map_or((s.as_str(), None), |(i, f)| (i, Some(f)));
    let mut out = String::with_capacity(s.len() + 8);
    if d.is_sign_negative() && !d.is_zero() {
        out.push('-');
    }
    let n = int.len();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (n - i) % 3 == 0 {
            out.push_str(thousands);
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year.
    pub year: i32,
    /// Month, 1..=12.
    pub month: u32,
    /// Day, 1..=31.
    pub day: u32,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const MONTHS_LONG: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The short English name of month `m` (1..=12).
pub fn month_abbrev(m: u32) -> &'static str {
    MONTHS
        .get((m as usize).wrapping_sub(1))
        .copied()
        .unwrap_or("?")
}

impl Date {
    /// Parses `YYYY-MM-DD` (a time after it, `T...` or ` ...`, is ignored).
    ///
    /// # Errors
    ///
    /// A message naming the value when it is not a valid date.
    pub fn parse(s: &str) -> Result<Date, String> {
        let bad = || format!("{s:?} is not a date (YYYY-MM-DD)");
        let t = s.trim();
        let day_part = t.get(..10).ok_or_else(bad)?;
        if let Some(rest) = t.get(10..)
            && !(rest.is_empty() || rest.starts_with('T') || rest.starts_with(' '))
        {
            return Err(bad());
        }
        let b = day_part.as_bytes();
        if b[4] != b'-' || b[7] != b'-' {
            return Err(bad());
        }
        let num = |r: std::ops::Range<usize>| -> Result<u32, String> {
            let p = day_part.get(r).ok_or_else(bad)?;
            if !p.bytes().all(|c| c.is_ascii_digit()) {
                return Err(bad());
            }
            p.parse().map_err(|_| bad())
        };
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return Err(bad()),
        };
        if day == 0 || day > days {
            return Err(bad());
        }
        Ok(Date {
            year: i32::try_from(year).map_err(|_| bad())?,
            month,
            day,
        })
    }

    /// Formats with `%Y %y %m %d %e %b %B %%`.
    pub fn format(&self, pattern: &str) -> String {
        let mut out = String::new();
        let mut chars = pattern.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            let m = (self.month as usize).saturating_sub(1).min(11);
            match chars.next() {
                Some('Y') => out.push_str(&format!("{:04}", self.year)),
                Some('y') => out.push_str(&format!("{:02}", self.year.rem_euclid(100))),
                Some('m') => out.push_str(&format!("{:02}", self.month)),
                Some('d') => out.push_str(&format!("{:02}", self.day)),
                Some('e') => out.push_str(&self.day.to_string()),
                Some('b') => out.push_str(MONTHS[m]),
                Some('B') => out.push_str(MONTHS_LONG[m]),
                Some('%') => out.push('%'),
                Some(o) => {
                    out.push('%');
                    out.push(o);
                }
                None => out.push('%'),
            }
        }
        out
    }
}

/// Checks that a date pattern uses only known `%` directives.
///
/// # Errors
///
/// A message naming the unknown directive.
pub fn check_date_pattern(p: &str) -> Result<(), String> {
    let mut chars = p.chars();
    while let Some(c) = chars.next() {
        if c == '%' {
            match chars.next() {
                Some('Y' | 'y' | 'm' | 'd' | 'e' | 'b' | 'B' | '%') => {}
                Some(o) => return Err(format!("unknown date directive %{o} in {p:?}")),
                None => return Err(format!("dangling % in {p:?}")),
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_exact() {
        let a = parse_decimal("0.1").expect("n");
        let b = parse_decimal("0.2").expect("n");
        assert_eq!(format_number(a + b, Some(2), "'"), "0.30");
        assert_eq!(format_number(a + b, None, ","), "0.3");
        assert_eq!(
            format_number(parse_decimal("-1234567.005").expect("n"), Some(2), "'"),
            "-1'234'567.01"
        );
        assert_eq!(
            format_number(parse_decimal("999").expect("n"), Some(0), ","),
            "999"
        );
        assert_eq!(
            format_number(parse_decimal("1e3").expect("n"), None, ","),
            "1,000"
        );
        assert!(parse_decimal("12abc").is_err());
        assert!(parse_decimal("").is_err());
    }

    #[test]
    fn thousands_separators_between_groups_of_three_are_read() {
        let d = |s: &str| decimal(s).map(|d| d.to_string());
        assert_eq!(d("1,234.50").as_deref(), Some("1234.50"));
        assert_eq!(d("-1,234,567").as_deref(), Some("-1234567"));
        assert_eq!(d("1'234'567.5").as_deref(), Some("1234567.5"));
        assert_eq!(d("12 345").as_deref(), Some("12345"));
        for bad in [
            "1,23",
            "1,2345",
            "12,50",
            "1,234'567",
            ",123",
            "1,234.",
            "1234,567",
        ] {
            assert_eq!(d(bad), None, "{bad:?}");
        }
        assert!(
            parse_decimal("12,50")
                .expect_err("not a number")
                .contains("decimal separator is \".\"")
        );
        assert!(
            parse_decimal("1,23,456")
                .expect_err("not a number")
                .contains("between groups of three digits")
        );
        assert_eq!(
            parse_decimal("abc").expect_err("not a number"),
            "\"abc\" is not a number"
        );
        assert_eq!(thousands_separator("1'234.50"), Some('\''));
        assert_eq!(thousands_separator("1234.50"), None);
        assert_eq!(thousands_separator("a, b"), None);
    }

    #[test]
    fn the_minus_sign_goes_before_the_prefix() {
        assert_eq!(with_affixes("$", "-23,652.11", " USD"), "-$23,652.11 USD");
        assert_eq!(with_affixes("CHF ", "12.00", ""), "CHF 12.00");
    }

    #[test]
    fn dates() {
        let d = Date::parse("2024-02-29").expect("leap day");
        assert_eq!(d.format("%d.%m.%Y %b %y"), "29.02.2024 Feb 24");
        assert!(Date::parse("2025-02-29").is_err());
        assert!(Date::parse("2025-13-01").is_err());
        assert!(Date::parse("2025-1-01").is_err());
        assert!(Date::parse("yesterday").is_err());
        assert!(Date::parse("2025-01-02T10:00:00Z").is_ok());
        assert!(check_date_pattern("%d.%m.%Y").is_ok());
        assert!(check_date_pattern("%q").is_err());
    }
}

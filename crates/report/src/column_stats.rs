//! What the default layout learns of each input column while the rows are
//! grouped: whether it holds numbers, with how many decimals, whether a
//! total of it means anything, and how wide its values are.

use crate::format::{decimal, thousands_separator};

/// Words in a column name that say its numbers are labels, not quantities:
/// a total of ids, years, postal codes or unit prices means nothing.
const NOT_SUMMED: &[&str] = &[
    "id",
    "code",
    "zip",
    "postal",
    "postcode",
    "plz",
    "year",
    "period",
    "month",
    "day",
    "date",
    "phone",
    "tel",
    "fax",
    "no",
    "nr",
    "num",
    "number",
    "ref",
    "reference",
    "sku",
    "ean",
    "upc",
    "isbn",
    "iban",
    "account",
    "invoice",
    "order",
    "customer",
    "unit",
    "price",
    "rate",
    "percent",
    "pct",
    "ratio",
    "age",
    "version",
];

/// The widest a column gets, in characters of content: longer values wrap.
const MAX_WIDTH_CHARS: usize = 40;

/// The longest value of one word that is a code, not a text.
const MAX_CODE_CHARS: usize = 24;

/// What one input column's values look like.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnStats {
    /// Non-empty values.
    pub values: u64,
    /// Of them, decimal numbers.
    pub numbers: u64,
    /// The most decimals a number had (`1.50` has 2).
    pub max_scale: u32,
    /// Numbers that are whole years, 1900 to 2100.
    pub years: u64,
    /// Whole numbers written with a leading zero (`007`, a postal code).
    pub leading_zeros: u64,
    /// The longest value, in characters.
    pub max_chars: usize,
    /// The thousands separator the numbers are written with, if any (the
    /// first one seen).
    pub thousands: Option<char>,
    /// Values with a space or another blank in them (words, not codes).
    pub spaced: u64,
}

impl ColumnStats {
    /// Takes one value into account; blank values are not counted.
    pub fn add(&mut self, value: &str) {
        let v = value.trim();
        if v.is_empty() {
            return;
        }
        self.values += 1;
        self.max_chars = self.max_chars.max(v.chars().count());
        if v.contains(char::is_whitespace) {
            self.spaced += 1;
        }
        let Some(d) = decimal(v) else {
            return;
        };
        self.numbers += 1;
        self.max_scale = self.max_scale.max(d.scale());
        if self.thousands.is_none()
            && !v
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
        {
            self.thousands = thousands_separator(v);
        }
        let digits = v.trim_start_matches(['-', '+']);
        if d.scale() == 0 && digits.len() > 1 && digits.starts_with('0') {
            self.leading_zeros += 1;
        }
        if d.scale() == 0 && d >= 1900.into() && d <= 2100.into() {
            self.years += 1;
        }
    }

    /// Whether the column holds numbers: nearly every value (9 in 10) is
    /// one, and none is written with a leading zero (a code keeps its
    /// zeros as text). The values that are not numbers then fail their
    /// group with their line, instead of turning the column into text.
    pub fn is_numeric(&self) -> bool {
        self.numbers > 0 && self.leading_zeros == 0 && self.numbers * 10 >= self.values * 9
    }

    /// Whether a total of the column means something: a numeric column
    /// whose name is no label (id, year, code, unit price, ...) and whose
    /// values are not all years.
    pub fn is_summable(&self, name: &str) -> bool {
        let label = name
            .to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .any(|word| NOT_SUMMED.contains(&word));
        self.is_numeric() && !label && self.years < self.numbers
    }

    /// Whether the column holds codes (`SKU-29811`, `AB12`): text of one
    /// word, at most 24 characters long, which should never be broken
    /// across lines.
    pub fn is_code(&self) -> bool {
        self.values > 0
            && !self.is_numeric()
            && self.spaced == 0
            && self.max_chars <= MAX_CODE_CHARS
    }

    /// The column's relative width: its widest value (at most
    /// [`MAX_WIDTH_CHARS`]) or its heading, whichever is wider, plus room
    /// for the padding.
    pub fn width(&self, heading: &str) -> f32 {
        let content = self.max_chars.min(MAX_WIDTH_CHARS);
        (content.max(heading.chars().count()) + 2) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(values: &[&str]) -> ColumnStats {
        let mut s = ColumnStats::default();
        for v in values {
            s.add(v);
        }
        s
    }

    #[test]
    fn one_bad_cell_does_not_make_an_amount_column_text() {
        let mut values = vec!["12.50"; 30];
        values.push("12,50x");
        let s = stats(&values);
        assert!(s.is_numeric());
        assert!(s.is_summable("amount"));
        assert_eq!(s.max_scale, 2);
        assert!(!stats(&["a", "b", "1"]).is_numeric());
    }

    #[test]
    fn labels_years_and_codes_are_not_totalled() {
        let years = stats(&["2025", "2025", "2024"]);
        assert!(years.is_numeric() && !years.is_summable("fiscal"));
        assert!(!stats(&["1", "2"]).is_summable("customer_id"));
        assert!(!stats(&["9.90", "4.50"]).is_summable("Unit price"));
        let zips = stats(&["01234", "80331"]);
        assert!(!zips.is_numeric(), "a postal code keeps its leading zero");
        assert!(stats(&["3", "4"]).is_summable("quantity"));
        assert!(stats(&["0.10", "1.00"]).is_summable("Amount (CHF)"));
    }

    #[test]
    fn codes_are_one_short_word() {
        assert!(stats(&["SKU-29811", "SKU-1"]).is_code());
        assert!(stats(&["2025-01-31", "2025-02-01"]).is_code());
        assert!(!stats(&["stainless Widget A1"]).is_code());
        assert!(!stats(&["12.50", "3"]).is_code(), "numbers are numbers");
        assert!(!stats(&["x".repeat(25).as_str()]).is_code());
        assert!(!stats(&[]).is_code());
    }

    #[test]
    fn widths_follow_the_content() {
        let sku = stats(&["AB-123", "CD-456"]);
        let description = stats(&["a long description of the thing that was sold, with details"]);
        assert_eq!(sku.width("sku"), 8.0);
        assert_eq!(description.width("description"), 42.0);
        assert_eq!(stats(&["1"]).width("quantity"), 10.0);
    }
}

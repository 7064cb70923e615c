//! What a report's PDF says about itself: title, producer, the date it
//! was made, and the file identifier. Every run stamps its reports with
//! one date, the run's start or `SOURCE_DATE_EPOCH` when set, and nothing
//! in a report is random: two runs on the same input with the same
//! `SOURCE_DATE_EPOCH` write the same bytes (reproducible output).

use sha2::{Digest as _, Sha256};

use crate::error::ReportError;

/// The variable that fixes the date of reproducible output
/// (reproducible-builds.org): seconds since 1970-01-01 UTC.
pub const SOURCE_DATE_EPOCH: &str = "SOURCE_DATE_EPOCH";

/// The run's date, in seconds since 1970 (UTC): `SOURCE_DATE_EPOCH` when
/// set, else now.
///
/// # Errors
///
/// A message naming the variable when it is set to anything but a whole
/// number of seconds.
pub fn run_time() -> Result<i64, String> {
    match std::env::var_os(SOURCE_DATE_EPOCH) {
        Some(v) => {
            let text = v.to_string_lossy();
            text.trim().parse::<i64>().map_err(|_| {
                format!("{SOURCE_DATE_EPOCH}={text:?} is not a whole number of seconds since 1970")
            })
        }
        None => Ok(std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))),
    }
}

/// The document information of one report.
#[derive(Debug, Clone, Copy)]
pub struct DocInfo<'a> {
    /// The report's title.
    pub title: &'a str,
    /// The program that made it (Producer and Creator).
    pub producer: &'a str,
    /// When it was made, in seconds since 1970 (UTC).
    pub created: i64,
}

impl DocInfo<'_> {
    /// Sets the dates in `doc`'s information dictionary.
    pub(crate) fn date(&self, doc: &mut lopdf::Document) -> Result<(), ReportError> {
        let date = pdf_date(self.created);
        let broken = |e: lopdf::Error| ReportError::Pdf(format!("its information dictionary: {e}"));
        let info = doc
            .trailer
            .get(b"Info")
            .and_then(lopdf::Object::as_reference)
            .map_err(broken)?;
        let dict = doc
            .get_object_mut(info)
            .and_then(lopdf::Object::as_dict_mut)
            .map_err(broken)?;
        for key in ["CreationDate", "ModDate"] {
            dict.set(key, lopdf::Object::string_literal(date.as_bytes()));
        }
        Ok(())
    }

    /// The file identifier: a digest of the title, the date and `content`
    /// (the bytes that make the pages), so that a document written twice
    /// is the same and two different documents differ.
    pub(crate) fn id(&self, content: Sha256) -> Vec<u8> {
        let mut digest = content;
        digest.update(self.title.as_bytes());
        digest.update(pdf_date(self.created).as_bytes());
        digest.finalize()[..16].to_vec()
    }
}

/// `secs` since 1970 as a PDF date in UTC: `D:YYYYMMDDHHmmSS+00'00'`.
pub fn pdf_date(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "D:{y:04}{m:02}{d:02}{:02}{:02}{:02}+00'00'",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// The proleptic Gregorian date of day `z` since 1970-01-01 (Howard
/// Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The expected dates are Python's:
    /// `datetime.fromtimestamp(s, timezone.utc).strftime("%Y%m%d%H%M%S")`.
    #[test]
    fn dates_are_utc_calendar_dates() {
        assert_eq!(pdf_date(0), "D:19700101000000+00'00'");
        assert_eq!(pdf_date(1_700_000_000), "D:20231114221320+00'00'");
        assert_eq!(pdf_date(951_782_400), "D:20000229000000+00'00'");
        assert_eq!(pdf_date(4_107_542_399), "D:21000228235959+00'00'");
        assert_eq!(pdf_date(-1), "D:19691231235959+00'00'");
    }
}

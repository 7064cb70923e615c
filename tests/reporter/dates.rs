//! The date a report says it was made, and reproducible output: with
//! `SOURCE_DATE_EPOCH` set, two runs write the same bytes.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use workpool_tests::{command, samples_dir, temp_dir};

use super::{pdfs, stderr};

/// Runs the reporter on the sample statements (with the logo, two workers)
/// into `out`, with `SOURCE_DATE_EPOCH` set to `epoch` or unset.
fn statements(out: &Path, epoch: Option<&str>) -> std::process::Output {
    let mut cmd = command("reporter");
    cmd.arg(samples_dir().join("reports/items.csv"))
        .args(["--group-by", "account", "--layout"])
        .arg(samples_dir().join("reports/statement-logo.toml"))
        .args(["--no-system-fonts", "--workers", "2", "--quiet", "--out"])
        .arg(out)
        .env_remove("SOURCE_DATE_EPOCH");
    if let Some(e) = epoch {
        cmd.env("SOURCE_DATE_EPOCH", e);
    }
    cmd.output().unwrap()
}

/// The CreationDate and ModDate of `pdf`, as written.
fn dates(pdf: &Path) -> (String, String) {
    let bytes = std::fs::read(pdf).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    // `/Key(D:...)`, with or without white space before the string.
    let find = |key: &str| {
        let name = format!("/{key}");
        let rest = text
            .match_indices(&name)
            .map(|(at, _)| text[at + name.len()..].trim_start())
            .find(|rest| rest.starts_with("(D:"))
            .unwrap_or_else(|| panic!("no {key} in {}", pdf.display()));
        let rest = &rest[1..];
        rest[..rest.find(')').unwrap()].to_owned()
    };
    (find("CreationDate"), find("ModDate"))
}

/// Seconds since 1970 of a `D:YYYYMMDDHHmmSS+00'00'` date.
fn seconds(date: &str) -> i64 {
    assert!(date.ends_with("+00'00'"), "{date}");
    let n = |r: std::ops::Range<usize>| date[r].parse::<i64>().unwrap();
    let (y, m, d) = (n(2..6), n(6..8), n(8..10));
    // Days from 1970-01-01 to y-m-d (Howard Hinnant's days_from_civil).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + n(10..12) * 3600 + n(12..14) * 60 + n(14..16)
}

#[test]
fn two_runs_with_source_date_epoch_write_the_same_bytes() {
    let dir = temp_dir();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for out in [&a, &b] {
        let o = statements(out, Some("1700000000"));
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let (a, b) = (pdfs(&a), pdfs(&b));
    assert_eq!(a.len(), 4);
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.file_name(), y.file_name());
        assert!(
            std::fs::read(x).unwrap() == std::fs::read(y).unwrap(),
            "{} differs between the runs",
            x.display()
        );
        // 1700000000 is 2023-11-14 22:13:20 UTC (Python:
        // datetime.fromtimestamp(1700000000, timezone.utc)).
        let d = "D:20231114221320+00'00'".to_owned();
        assert_eq!(dates(x), (d.clone(), d));
    }
    // Different reports have different file identifiers.
    let id = |p: &Path| {
        let bytes = std::fs::read(p).unwrap();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let at = text.find("/ID[").unwrap();
        text[at..at + 40].to_owned()
    };
    assert_ne!(id(&a[0]), id(&a[1]));
}

#[test]
fn reports_are_dated_with_the_run_and_a_bad_epoch_is_refused() {
    let dir = temp_dir();
    let out = dir.path().join("now");
    let secs = || {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
    };
    let before = secs();
    let o = statements(&out, None);
    let after = secs();
    assert!(o.status.success(), "{}", stderr(&o));
    let all = pdfs(&out);
    let (created, modified) = dates(&all[0]);
    assert_eq!(created, modified);
    let t = seconds(&created);
    assert!(
        before <= t && t <= after,
        "{created}: not in {before}..={after}"
    );
    // One date for the whole run.
    for pdf in &all {
        assert_eq!(dates(pdf).0, created, "{}", pdf.display());
    }

    let out = dir.path().join("bad");
    let o = statements(&out, Some("yesterday"));
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "reporter: SOURCE_DATE_EPOCH=\"yesterday\" is not a whole number of seconds since 1970\n"
    );
    assert!(!out.exists(), "nothing written");
}

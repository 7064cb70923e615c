//! One huge report: 200,000 rows in one group make one PDF of thousands
//! of pages, written page by page as it is drawn (issue #22). Read back
//! whole: every row once and in order, the page count, "Page i of n" on
//! the first and last pages, and the exact total on the last.

use workpool_tests::temp_dir;

use super::{pages, qpdf_check, reporter, require_tools, stderr, text};

const ROWS: u64 = 200_000;

/// The amount of row `i`, in cents.
fn amount(i: u64) -> i64 {
    ((i * 7919) % 100_000) as i64
}

#[test]
#[ignore = "needs pdftotext, pdfinfo and qpdf (poppler-utils, qpdf)"]
fn a_group_of_200000_rows_is_one_report_with_every_row_and_the_exact_total() {
    require_tools();
    let dir = temp_dir();
    let input = dir.path().join("ledger.csv");
    let mut csv = String::from("account,date,item,qty,amount\n");
    let mut total = 0i64;
    for i in 1..=ROWS {
        let c = amount(i);
        total += c;
        csv.push_str(&format!(
            "ACME,2025-{:02}-{:02},item{i},{},{}.{:02}\n",
            i * 12 / (ROWS + 1) + 1,
            i % 28 + 1,
            i % 97 + 1,
            c / 100,
            c % 100
        ));
    }
    std::fs::write(&input, csv).unwrap();
    let out = dir.path().join("out");
    // Rows past 1 MiB spill to disk while grouping: the report is drawn
    // from its spill file, read back a row at a time.
    let o = reporter(
        &input,
        &out,
        &["--no-system-fonts", "--quiet", "--memory-mb", "1"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let pdf = out.join("ACME.pdf");
    qpdf_check(&pdf);
    let n = pages(&pdf);
    // The layout (as main drew it before pages were streamed) puts 44
    // rows on a page: 4,546 pages.
    assert_eq!(n, 4546, "page count");
    let all = text(&pdf, None);
    // Every row once, in order.
    let items: Vec<u64> = all
        .split_whitespace()
        .filter_map(|w| w.strip_prefix("item")?.parse().ok())
        .collect();
    assert_eq!(items.len() as u64, ROWS, "rows drawn");
    assert!(
        items.iter().zip(1..).all(|(&a, b)| a == b),
        "rows out of order"
    );
    // Each page says which it is, of how many, in order.
    let words: Vec<&str> = all.split_whitespace().collect();
    let numbers: Vec<(usize, usize)> = words
        .windows(4)
        .filter(|w| w[0] == "Page" && w[2] == "of")
        .filter_map(|w| Some((w[1].parse().ok()?, w[3].parse().ok()?)))
        .collect();
    let expected: Vec<(usize, usize)> = (1..=n).map(|p| (p, n)).collect();
    assert!(
        numbers == expected,
        "{} page numbers, the last {:?}",
        numbers.len(),
        numbers.last()
    );
    let last = text(&pdf, Some(n));
    assert!(last.contains(&format!("Page {n} of {n}")), "{last}");
    assert!(text(&pdf, Some(1)).contains(&format!("Page 1 of {n}")));
    // The exact total, on the last page, at the end of the totals line.
    let layout = std::process::Command::new("pdftotext")
        .args(["-layout", "-f", &n.to_string(), "-l", &n.to_string()])
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let layout = String::from_utf8(layout.stdout).unwrap();
    let totals = layout
        .lines()
        .find(|l| l.split_whitespace().next() == Some("Total"))
        .unwrap_or_else(|| panic!("no totals line on the last page:\n{layout}"));
    let shown: String = totals
        .split_whitespace()
        .last()
        .unwrap()
        .chars()
        .filter(|c| *c != ',')
        .collect();
    assert_eq!(
        shown,
        format!("{}.{:02}", total / 100, total % 100),
        "{totals}"
    );
}

//! Tables that must fit the page: numbers, dates and codes are never
//! broken across lines, totals never run into each other or off the page,
//! headings wrap in their columns; read back with `pdftotext -bbox`.

use std::fmt::Write as _;
use std::path::Path;

use workpool_tests::temp_dir;

use super::shaping::{Word, words};
use super::{reporter, require_tools, stderr};

/// Writes `csv` and `layout` into `dir` and runs the reporter on them.
fn run(dir: &Path, csv: &str, layout: &str) -> std::process::Output {
    std::fs::write(dir.join("t.csv"), csv).unwrap();
    std::fs::write(dir.join("l.toml"), layout).unwrap();
    let l = dir.join("l.toml");
    reporter(
        &dir.join("t.csv"),
        &dir.join("out"),
        &[
            "--no-system-fonts",
            "--quiet",
            "--layout",
            l.to_str().unwrap(),
        ],
    )
}

fn find<'a>(ws: &'a [Word], text: &str) -> &'a Word {
    ws.iter()
        .find(|w| w.text == text)
        .unwrap_or_else(|| panic!("{text:?} is not one word in {ws:?}"))
}

/// Fails if two words on one line overlap, or one leaves the page
/// between its 40 pt margins.
fn apart_and_inside(ws: &[Word]) {
    for (i, a) in ws.iter().enumerate() {
        assert!(
            a.x_min >= 39.5 && a.x_max <= 595.28 - 39.5,
            "{a:?} is outside the margins"
        );
        for b in &ws[i + 1..] {
            let same_line = (a.y_min - b.y_min).abs() < 2.0;
            let overlap = a.x_min < b.x_max - 0.5 && b.x_min < a.x_max - 0.5;
            assert!(!(same_line && overlap), "{a:?} and {b:?} overlap");
        }
    }
}

#[test]
#[ignore = "needs pdftotext (poppler-utils)"]
fn numbers_and_totals_stay_whole_in_narrow_columns() {
    require_tools();
    let dir = temp_dir();
    let mut csv = String::from("account,description,qty,amount\n");
    for (q, a) in [(12345678, "2458033.90"), (3, "42309.75"), (1, "-0.05")] {
        writeln!(csv, "A,a long description of what was sold,{q},{a}").unwrap();
    }
    let layout = "[[columns]]\nfield = \"description\"\nheading = \"What was sold to whom\"\nwidth = 30\n\
        [[columns]]\nfield = \"qty\"\nheading = \"Quantity ordered\"\nformat = \"number\"\ntotal = true\nwidth = 1\n\
        [[columns]]\nfield = \"amount\"\nheading = \"Amount in Swiss francs\"\nformat = \"currency\"\nprefix = \"CHF \"\nthousands = \",\"\ntotal = true\nwidth = 1\n";
    let o = run(dir.path(), &csv, layout);
    assert!(o.status.success(), "{}", stderr(&o));
    let ws = words(&dir.path().join("out/A.pdf"));
    for number in [
        "12345678",
        "2,458,033.90",
        "42,309.75",
        "-CHF",
        "0.05",
        "12345682",
        "2,500,343.60",
    ] {
        find(&ws, number);
    }
    // "CHF" and its number on one line.
    let n = find(&ws, "2,458,033.90");
    assert!(
        ws.iter()
            .any(|w| w.text == "CHF" && (w.y_min - n.y_min).abs() < 1.0 && w.x_max < n.x_min),
        "{ws:?}"
    );
    let total = find(&ws, "Total");
    let qty_total = find(&ws, "12345682");
    assert!(total.x_max < qty_total.x_min, "{total:?} {qty_total:?}");
    apart_and_inside(&ws);
}

#[test]
#[ignore = "needs pdftotext (poppler-utils)"]
fn a_left_aligned_total_is_aligned_left() {
    require_tools();
    let dir = temp_dir();
    let csv = "account,item,amount\nA,tea,1.50\nA,cake,1234.25\n";
    let layout = "[[columns]]\nfield = \"item\"\n\
        [[columns]]\nfield = \"amount\"\nformat = \"number\"\ndecimals = 2\nalign = \"left\"\ntotal = true\n";
    let o = run(dir.path(), csv, layout);
    assert!(o.status.success(), "{}", stderr(&o));
    let ws = words(&dir.path().join("out/A.pdf"));
    let cell = find(&ws, "1.50");
    let total = find(&ws, "1235.75");
    assert!((total.x_min - cell.x_min).abs() < 0.5, "{cell:?} {total:?}");
    assert!(find(&ws, "Total").x_max < total.x_min);
    apart_and_inside(&ws);
}

#[test]
#[ignore = "needs pdftotext (poppler-utils)"]
fn a_table_that_cannot_fit_fails_its_group_saying_why() {
    require_tools();
    let dir = temp_dir();
    let (mut head, mut row) = (String::from("account"), String::from("A"));
    let mut layout = String::new();
    for i in 0..40 {
        write!(head, ",n{i}").unwrap();
        row.push_str(",2458033.90");
        writeln!(
            layout,
            "[[columns]]\nfield = \"n{i}\"\nformat = \"number\"\ndecimals = 2"
        )
        .unwrap();
    }
    let o = run(dir.path(), &format!("{head}\n{row}\n"), &layout);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let failures = std::fs::read_to_string(dir.path().join("out/failures.csv")).unwrap();
    assert!(
        failures.starts_with(
            "group,file,reason\nA,A.pdf,\"the table does not fit across the page: its 40 columns need "
        ),
        "{failures}"
    );
    assert!(!dir.path().join("out/A.pdf").exists());
}

/// The walkthrough's 3,000-word cell ended at its 409th word without a
/// word said; it flows over the pages it needs.
#[test]
#[ignore = "needs pdftotext (poppler-utils)"]
fn a_three_thousand_word_cell_is_drawn_whole_across_pages() {
    require_tools();
    let dir = temp_dir();
    let cell: Vec<String> = (0..3000).map(|i| format!("w{i}")).collect();
    let csv = format!(
        "account,note,amount\nA,{},1.00\nA,short,2.00\n",
        cell.join(" ")
    );
    let layout = "[[columns]]\nfield = \"note\"\nwidth = 4\n\
        [[columns]]\nfield = \"amount\"\nformat = \"number\"\ndecimals = 2\ntotal = true\n";
    let o = run(dir.path(), &csv, layout);
    assert!(o.status.success(), "{}", stderr(&o));
    let pdf = dir.path().join("out/A.pdf");
    let t = super::text(&pdf, None);
    let drawn: Vec<&str> = t
        .split_whitespace()
        .filter(|w| w.starts_with('w') && w[1..].parse::<u32>().is_ok())
        .collect();
    assert_eq!(drawn, cell.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(super::pages(&pdf) > 1);
    assert_eq!(super::total_after_label(&t), "3.00");
}

/// The default layout drew `SKU-2981` and `1` on two lines (#24).
#[test]
#[ignore = "needs pdftotext (poppler-utils)"]
fn the_default_layout_never_wraps_short_codes() {
    require_tools();
    let dir = temp_dir();
    let input = workpool_tests::samples_dir().join("reports/items.csv");
    let out = dir.path().join("out");
    let o = reporter(&input, &out, &["--no-system-fonts", "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = std::fs::read_to_string(&input).unwrap();
    let skus: Vec<&str> = csv
        .lines()
        .skip(1)
        .filter(|l| l.starts_with("ACC-1001,"))
        .flat_map(|l| l.split(',').filter(|f| f.starts_with("SKU-")))
        .collect();
    assert!(skus.len() > 5);
    let ws = words(&out.join("ACC-1001.pdf"));
    let on_page: Vec<&str> = ws
        .iter()
        .filter(|w| w.text.starts_with("SKU"))
        .map(|w| w.text.as_str())
        .collect();
    assert!(on_page.len() >= skus.len().min(12), "{on_page:?}");
    for sku in &on_page {
        assert!(
            skus.contains(sku),
            "{sku:?} is not a whole SKU: {on_page:?}"
        );
    }
}

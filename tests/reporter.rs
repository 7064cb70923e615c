//! End-to-end tests of `reporter`: run the built binary on real inputs and
//! read the PDFs back with poppler (`pdftotext`, `pdfinfo`) and `qpdf --check`.
//!
//! Tests that need those programs are `#[ignore]`d with the reason, so a
//! plain `cargo test` counts them as ignored, never as passed;
//! `.ci/deps/reporter.sh` installs the programs and `.ci/run` runs them
//! with `cargo test -- --ignored` (a missing program then fails them).
//! Every assertion that needs no outside program runs unconditionally.
#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use workpool_tests::{command, samples_dir, temp_dir};

#[path = "reporter/chart.rs"]
mod chart;
#[path = "reporter/dates.rs"]
mod dates;
#[path = "reporter/enqueue.rs"]
mod enqueue;
#[path = "reporter/errors.rs"]
mod errors;
#[path = "reporter/fit.rs"]
mod fit;
#[path = "reporter/full_disk.rs"]
mod full_disk;
#[path = "reporter/huge.rs"]
mod huge;
#[path = "reporter/input.rs"]
mod input;
#[path = "reporter/logo.rs"]
mod logo;
#[path = "reporter/numbers.rs"]
mod numbers;
#[path = "reporter/page.rs"]
mod page;
#[path = "reporter/shaping.rs"]
mod shaping;
#[path = "reporter/summary.rs"]
mod summary;

const CJK_FONT: &str = "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf";

/// Fails the test unless `what` is there: an ignored test run on purpose
/// must not pass without its programs.
fn require(what: &str, present: bool) {
    assert!(
        present,
        "{what} is missing: run .ci/deps/reporter.sh (Debian: apt-get install poppler-utils qpdf)"
    );
}

fn require_tools() {
    let ok = |t: &str| Command::new(t).arg("-v").output().is_ok();
    for tool in ["pdftotext", "pdfinfo", "pdftoppm", "qpdf"] {
        require(tool, ok(tool));
    }
}

fn text(pdf: &Path, page: Option<usize>) -> String {
    let mut cmd = Command::new("pdftotext");
    if let Some(p) = page {
        cmd.args(["-f", &p.to_string(), "-l", &p.to_string()]);
    }
    let out = cmd.arg(pdf).arg("-").output().unwrap();
    assert!(out.status.success(), "pdftotext {}", pdf.display());
    String::from_utf8(out.stdout).unwrap()
}

fn pages(pdf: &Path) -> usize {
    let out = Command::new("pdfinfo").arg(pdf).output().unwrap();
    let info = String::from_utf8_lossy(&out.stdout).into_owned();
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no page count in pdfinfo output: {info}"))
}

fn qpdf_check(pdf: &Path) {
    let out = Command::new("qpdf")
        .arg("--check")
        .arg(pdf)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "qpdf --check {}: {}",
        pdf.display(),
        String::from_utf8_lossy(&out.stdout)
    );
}

fn reporter(input: &Path, out: &Path, extra: &[&str]) -> Output {
    command("reporter")
        .arg(input)
        .args(["--group-by", "account", "--out"])
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn pdfs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .collect();
    v.sort();
    v
}

/// The first word after the "Total" label in `pdftotext` output: the
/// first column's total.
fn total_after_label(text: &str) -> &str {
    let mut words = text.split_whitespace();
    words.by_ref().find(|w| *w == "Total");
    words
        .next()
        .unwrap_or_else(|| panic!("no total after \"Total\" in\n{text}"))
}

/// Cents of a `123.45` amount, exactly.
fn cents(s: &str) -> i64 {
    let (i, f) = s.split_once('.').unwrap_or((s, "0"));
    let f = format!("{f:0<2}");
    i.parse::<i64>().unwrap() * 100 + f[..2].parse::<i64>().unwrap()
}

fn money(c: i64) -> String {
    let int = (c / 100).to_string();
    let mut out = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            out.push('\'');
        }
        out.push(ch);
    }
    format!("{out}.{:02}", c % 100)
}

#[test]
#[ignore = "needs pdftotext, pdfinfo, pdftoppm (poppler-utils) and qpdf"]
fn samples_render_with_exact_totals_and_pass_qpdf() {
    require_tools();
    let dir = temp_dir();
    let out = dir.path().join("out");
    let input = samples_dir().join("reports/items.csv");
    let layout = samples_dir().join("reports/statement.toml");
    let o = reporter(
        &input,
        &out,
        &[
            "--layout",
            layout.to_str().unwrap(),
            "--json",
            "--no-system-fonts",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary["tool"], "reporter");
    assert_eq!(summary["succeeded"], 4);
    assert_eq!(summary["failed"], 0);
    // Expected totals from the CSV, in integer cents.
    let csv = std::fs::read_to_string(&input).unwrap();
    let mut totals = std::collections::BTreeMap::<String, i64>::new();
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        *totals.entry(f[0].to_owned()).or_default() += cents(f[f.len() - 1]);
    }
    assert_eq!(pdfs(&out).len(), 4);
    for (acct, c) in &totals {
        let pdf = out.join(format!("statement-{acct}.pdf"));
        qpdf_check(&pdf);
        let t = text(&pdf, None);
        assert!(
            t.contains(&format!("CHF {}", money(*c))),
            "{acct}: total {} not in\n{t}",
            money(*c)
        );
        assert!(t.contains(&format!("Page 1 of {}", pages(&pdf))));
    }
    let greek = text(&out.join("statement-ACC-1002.pdf"), None);
    assert!(greek.contains("Παπαδόπουλος Α.Ε."), "{greek}");
    let cyr = text(&out.join("statement-ACC-1003.pdf"), None);
    assert!(
        cyr.contains("ООО «Ромашка»") && cyr.contains("Москва"),
        "{cyr}"
    );
    // Without a CJK font (system fonts left out) the branch name cannot be
    // drawn: a warning names the row.
    assert!(
        stderr(&o).contains("no font has '東' (U+6771)"),
        "{}",
        stderr(&o)
    );
}

#[test]
#[ignore = "needs pdftotext, pdfinfo, pdftoppm (poppler-utils) and qpdf"]
fn a_95_row_group_has_three_pages_each_with_the_header() {
    require_tools();
    let dir = temp_dir();
    let mut csv =
        String::from("account,customer,city,period,date,sku,description,qty,unit_price,amount\n");
    for i in 0..95 {
        writeln!(
            csv,
            "ACC-9,Big Ltd,Oslo,2025,2025-{:02}-10,SKU-{i},row {i},1,2.00,2.00",
            i % 12 + 1
        )
        .unwrap();
    }
    std::fs::write(dir.path().join("big.csv"), csv).unwrap();
    let layout = samples_dir().join("reports/statement.toml");
    let out = dir.path().join("out");
    let o = reporter(
        &dir.path().join("big.csv"),
        &out,
        &["--layout", layout.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let pdf = out.join("statement-ACC-9.pdf");
    qpdf_check(&pdf);
    assert_eq!(pages(&pdf), 3);
    for p in 1..=3 {
        let t = text(&pdf, Some(p));
        assert!(
            t.contains("Description") && t.contains("Unit price"),
            "page {p} lacks the header:\n{t}"
        );
        assert!(t.contains(&format!("Page {p} of 3")));
        assert_eq!(t.contains("(continued)"), p > 1);
    }
    let all = text(&pdf, None);
    assert!(all.contains("row 0") && all.contains("row 94"));
    assert!(text(&pdf, Some(3)).contains("CHF 190.00"));
}

#[test]
#[ignore = "needs pdftotext, pdfinfo, pdftoppm (poppler-utils) and qpdf"]
fn point_one_plus_point_two_is_exactly_point_three() {
    require_tools();
    let dir = temp_dir();
    std::fs::write(dir.path().join("a.csv"), "account,amount\nA,0.1\nA,0.2\n").unwrap();
    let out = dir.path().join("out");
    let o = reporter(&dir.path().join("a.csv"), &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let t = text(&out.join("A.pdf"), None);
    assert_eq!(total_after_label(&t), "0.3", "{t}");
    assert!(!t.contains("0.30000000000000004"));
}

#[test]
#[ignore = "needs poppler-utils, qpdf and the IPA Gothic font (fonts-ipafont-gothic)"]
fn latin_greek_cyrillic_and_cjk_round_trip_with_a_fallback_font() {
    require_tools();
    require(CJK_FONT, Path::new(CJK_FONT).is_file());
    let dir = temp_dir();
    let words = [
        "Grüße aus Zürich",
        "Καλημέρα κόσμε",
        "Привет мир",
        "東京支店の請求書",
    ];
    let mut csv = String::from("account,description,amount\n");
    for w in words {
        writeln!(csv, "X,{w},1.00").unwrap();
    }
    std::fs::write(dir.path().join("s.csv"), csv).unwrap();
    let out = dir.path().join("out");
    let o = reporter(&dir.path().join("s.csv"), &out, &["--font", CJK_FONT]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("no font has"), "{}", stderr(&o));
    let pdf = out.join("X.pdf");
    qpdf_check(&pdf);
    let t = text(&pdf, None);
    for w in words {
        assert!(t.contains(w), "{w:?} not in\n{t}");
    }
}

/// Without `--font`, the characters DejaVu lacks come from a font installed
/// on the system (IPA Gothic here), and the summary says which; with
/// `--no-system-fonts` they are drawn blank with a warning.
#[test]
#[ignore = "needs poppler-utils, qpdf and the IPA Gothic font (fonts-ipafont-gothic)"]
fn cjk_comes_from_a_system_font_unless_turned_off() {
    require_tools();
    require(CJK_FONT, Path::new(CJK_FONT).is_file());
    let dir = temp_dir();
    std::fs::write(
        dir.path().join("s.csv"),
        "account,description,amount\nX,東京支店の請求書,1.00\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = reporter(&dir.path().join("s.csv"), &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(!err.contains("no font has"), "{err}");
    assert!(
        err.contains("fallback fonts from the system:") && err.contains(".tt"),
        "{err}"
    );
    let pdf = out.join("X.pdf");
    qpdf_check(&pdf);
    assert!(text(&pdf, None).contains("東京支店の請求書"));

    let out = dir.path().join("plain");
    let o = reporter(&dir.path().join("s.csv"), &out, &["--no-system-fonts"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("no font has"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("fallback fonts from the system"));
}

#[test]
#[ignore = "needs pdftotext, pdfinfo, pdftoppm (poppler-utils) and qpdf"]
fn unsorted_input_json_and_bad_rows_fail_only_their_group() {
    require_tools();
    let dir = temp_dir();
    let ndjson = [
        r#"{"account":"B","item":"b1","amount":"1.5"}"#,
        r#"{"account":"A","item":"a1","amount":2}"#,
        r#"{"account":"C","item":"c1","amount":"oops"}"#,
        r#"{"account":"A","item":"a2","amount":3}"#,
        r#"{"account":"B","item":"b2","amount":"0.5"}"#,
        r#"{"account":"C","item":"c2","amount":"1"}"#,
    ]
    .join("\n");
    std::fs::write(dir.path().join("rows.ndjson"), ndjson).unwrap();
    let layout = dir.path().join("l.toml");
    std::fs::write(
        &layout,
        "title = \"Account {account}\"\n[[columns]]\nfield = \"item\"\n[[columns]]\nfield = \"amount\"\nformat = \"currency\"\ntotal = true\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    // A failures file from an earlier run is replaced, not appended to.
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(
        out.join("failures.csv"),
        "group,file,reason\nOLD,OLD.pdf,stale\n",
    )
    .unwrap();
    // --memory-mb 0 spills every row to disk: grouping must not care.
    let o = reporter(
        &dir.path().join("rows.ndjson"),
        &out,
        &[
            "--layout",
            layout.to_str().unwrap(),
            "--memory-mb",
            "0",
            "--json",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (summary["succeeded"].as_u64(), summary["failed"].as_u64()),
        (Some(2), Some(1))
    );
    let a = text(&out.join("A.pdf"), None);
    assert!(
        a.contains("a1") && a.contains("a2") && !a.contains("b1"),
        "{a}"
    );
    assert_eq!(total_after_label(&a), "5.00", "{a}");
    let b = text(&out.join("B.pdf"), None);
    assert!(
        b.contains("b1") && b.contains("b2") && !b.contains("a1"),
        "{b}"
    );
    assert_eq!(total_after_label(&b), "2.00", "{b}");
    assert!(
        !out.join("C.pdf").exists(),
        "a group with a bad row is not written"
    );
    let failures = std::fs::read_to_string(out.join("failures.csv")).unwrap();
    assert_eq!(
        failures,
        "group,file,reason\nC,C.pdf,\"line 3: column \"\"amount\"\": \"\"oops\"\" is not a number\"\n"
    );

    // The row fixed, a clean run into the same folder removes the failures
    // file: it would describe a run that is over.
    let fixed = std::fs::read_to_string(dir.path().join("rows.ndjson"))
        .unwrap()
        .replace("\"oops\"", "\"4\"");
    std::fs::write(dir.path().join("rows.ndjson"), fixed).unwrap();
    let o = reporter(
        &dir.path().join("rows.ndjson"),
        &out,
        &["--layout", layout.to_str().unwrap(), "--quiet"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(out.join("C.pdf").exists());
    assert!(
        !out.join("failures.csv").exists(),
        "a stale failures file is left after a clean run"
    );
}

/// Needs no outside program: the file names are all it checks (the
/// title is checked by `a_hostile_key_is_kept_in_the_title`).
#[test]
fn hostile_group_keys_stay_inside_out() {
    let dir = temp_dir();
    std::fs::write(
        dir.path().join("h.csv"),
        "account,amount\n../../etc/passwd,1\n/abs/x,2\n..,3\netc_passwd,4\n",
    )
    .unwrap();
    let out = dir.path().join("a/b/out");
    let o = reporter(&dir.path().join("h.csv"), &out, &["--no-system-fonts"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let names: Vec<String> = pdfs(&out)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "abs_x.pdf",
            "etc_passwd-2.pdf",
            "etc_passwd.pdf",
            "report.pdf"
        ]
    );
    assert!(!dir.path().join("a/etc").exists() && !dir.path().join("etc").exists());
}

#[test]
#[ignore = "needs pdftotext, pdfinfo, pdftoppm (poppler-utils) and qpdf"]
fn a_hostile_key_is_kept_in_the_title() {
    require_tools();
    let dir = temp_dir();
    std::fs::write(
        dir.path().join("h.csv"),
        "account,amount\n../../etc/passwd,1\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = reporter(&dir.path().join("h.csv"), &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let t = text(&out.join("etc_passwd.pdf"), None);
    assert!(
        t.contains("../../etc/passwd"),
        "the title keeps the real key: {t}"
    );
}

#[test]
fn a_missing_or_malformed_layout_exits_2_before_any_work() {
    let dir = temp_dir();
    std::fs::write(dir.path().join("a.csv"), "account,amount\nA,1\n").unwrap();
    let out = dir.path().join("out");
    let o = reporter(
        &dir.path().join("a.csv"),
        &out,
        &["--layout", "/nonexistent/layout.toml"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("/nonexistent/layout.toml"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "title = \"x\"\n[[columns]]\nfield = 3\n").unwrap();
    let o = reporter(
        &dir.path().join("a.csv"),
        &out,
        &["--layout", bad.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("line 3"), "{}", stderr(&o));
    let unknown = dir.path().join("unknown.toml");
    std::fs::write(&unknown, "[[columns]]\nfield = \"nope\"\n").unwrap();
    let o = reporter(
        &dir.path().join("a.csv"),
        &out,
        &["--layout", unknown.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("\"nope\""), "{}", stderr(&o));
    let o = command("reporter")
        .arg(dir.path().join("a.csv"))
        .args(["--group-by", "nope", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no column \"nope\""), "{}", stderr(&o));
    assert!(!out.exists(), "nothing written");
}

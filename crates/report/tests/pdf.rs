//! Draws real reports through the library and parses them back with lopdf.
#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;

use report_jobs::{Batch, Options};

fn write_csv(dir: &std::path::Path, rows: &str) -> std::path::PathBuf {
    let p = dir.join("items.csv");
    std::fs::write(&p, rows).expect("write csv");
    p
}

fn statement_layout() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/reports/statement.toml")
}

fn rows(account: &str, n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        writeln!(
            s,
            "{account},Zoë Ltd,Zürich,2025,2025-{:02}-{:02},SKU-{i},item number {i},{},1.10,{}.10",
            i % 12 + 1,
            i % 28 + 1,
            i + 1,
            i
        )
        .unwrap();
    }
    s
}

const HEAD: &str = "account,customer,city,period,date,sku,description,qty,unit_price,amount\n";

fn prepare(dir: &std::path::Path, csv: &str, layout: Option<std::path::PathBuf>) -> Batch {
    let input = write_csv(dir, csv);
    Batch::prepare(&Options {
        input,
        group_by: "account".into(),
        out_dir: dir.join("out"),
        layout,
        fonts: vec![],
        memory_limit: 1 << 20,
        system_fonts: false,
        delimiter: None,
    })
    .expect("batch prepares")
}

fn info_string(doc: &lopdf::Document, key: &[u8]) -> String {
    let info = doc
        .trailer
        .get(b"Info")
        .and_then(|o| o.as_reference())
        .unwrap();
    let dict = doc.get_dictionary(info).unwrap();
    let bytes = dict.get(key).unwrap().as_str().unwrap();
    if bytes.starts_with(&[0xfe, 0xff]) {
        let units: Vec<u16> = bytes[2..]
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        String::from_utf8_lossy(bytes).into_owned()
    }
}

#[test]
fn a_95_row_group_spans_three_pages_with_metadata_and_font_subsets() {
    let dir = tempfile::tempdir().unwrap();
    let batch = prepare(
        dir.path(),
        &format!("{HEAD}{}", rows("ACC-1", 95)),
        Some(statement_layout()),
    );
    assert_eq!(batch.jobs.len(), 1);
    let done = batch.renderer.render(&batch.jobs[0]).expect("renders");
    assert_eq!(done.pages, 3);
    assert!(done.warnings.is_empty(), "{:?}", done.warnings);
    let doc = lopdf::Document::load(&done.path).expect("lopdf parses the PDF");
    assert_eq!(doc.get_pages().len(), 3);
    assert_eq!(info_string(&doc, b"Title"), "Account statement — Zoë Ltd");
    assert!(info_string(&doc, b"Producer").starts_with("reporter"));
    // Fonts are subsets: the whole report is far smaller than one DejaVu face (740 KB).
    assert!(done.bytes < 120_000, "{} bytes", done.bytes);
}

#[test]
fn totals_are_exact_decimals() {
    let dir = tempfile::tempdir().unwrap();
    let csv = "account,amount\nA,0.1\nA,0.2\nB,1e2\nB,-0.005\n";
    let batch = prepare(dir.path(), csv, None);
    // Reach the totals through the drawing input: the text is in the PDF as glyph ids.
    let layout = batch.renderer.layout();
    assert!(
        layout.columns.iter().any(|c| c.total),
        "amount is numeric and totalled"
    );
    for job in &batch.jobs {
        let rows = job.group.rows().unwrap();
        let columns = {
            let mut c = report_jobs::Columns::default();
            c.intern("account");
            c.intern("amount");
            c
        };
        let p = report_jobs::prepare(layout, &columns, &rows).unwrap();
        let total = p.totals.iter().flatten().next().unwrap().to_string();
        match job.group.key.as_str() {
            "A" => assert_eq!(total, "0.3"),
            "B" => assert_eq!(total, "99.995"),
            k => panic!("unexpected group {k}"),
        }
        batch.renderer.render(job).unwrap();
    }
}

#[test]
fn bad_row_fails_only_its_group_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let csv = "account,amount,date\nA,1,2025-01-01\nB,2,2025-01-01\nA,x1,2025-01-02\nB,3,2025-02-30\nC,4,2025-03-03\n";
    let layout = dir.path().join("l.toml");
    std::fs::write(
        &layout,
        "[[columns]]\nfield = \"amount\"\nformat = \"number\"\ntotal = true\n[[columns]]\nfield = \"date\"\nformat = \"date\"\n",
    )
    .unwrap();
    let batch = prepare(dir.path(), csv, Some(layout));
    let results: Vec<_> = batch
        .jobs
        .iter()
        .map(|j| (j.group.key.clone(), batch.renderer.render(j)))
        .collect();
    let msg = |k: &str| {
        results
            .iter()
            .find(|r| r.0 == k)
            .and_then(|r| r.1.as_ref().err())
            .map(ToString::to_string)
            .unwrap_or_default()
    };
    assert!(
        msg("A").starts_with("line 4:") && msg("A").contains("\"x1\" is not a number"),
        "{}",
        msg("A")
    );
    assert!(
        msg("B").starts_with("line 5:") && msg("B").contains("not a date"),
        "{}",
        msg("B")
    );
    assert!(results.iter().find(|r| r.0 == "C").unwrap().1.is_ok());
    assert!(
        !dir.path().join("out/A.pdf").exists(),
        "a failed group writes nothing"
    );
    assert!(dir.path().join("out/C.pdf").exists());
}

#[test]
fn unsorted_input_groups_the_same_in_memory_and_spilled() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("account,n\n");
    for i in 0..300 {
        writeln!(csv, "G{},{i}", (i * 7) % 5).unwrap();
    }
    let input = write_csv(dir.path(), &csv);
    for limit in [1 << 20, 0] {
        let opts = report_jobs::GroupOptions {
            memory_limit: limit,
            ..report_jobs::GroupOptions::new("account")
        };
        let g = report_jobs::group_file(&input, report_jobs::Format::Csv, &opts).unwrap();
        assert_eq!(g.spilled, limit == 0);
        assert_eq!(g.groups.len(), 5);
        assert_eq!(g.rows, 300);
        for group in &g.groups {
            let rows = group.rows().unwrap();
            assert_eq!(rows.len(), 60);
            let key_col = g.columns.get("account").unwrap();
            assert!(
                rows.iter()
                    .all(|r| r.get(key_col) == Some(group.key.as_str()))
            );
            assert!(
                rows.windows(2).all(|w| w[0].line < w[1].line),
                "input order kept"
            );
        }
    }
}

#[test]
fn json_array_and_ndjson_read_the_same_rows() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("rows.json");
    std::fs::write(&json, "[\n{\"account\":\"A\",\"amount\":0.1},\n{\"account\":\"B\",\"amount\":2},\n{\"account\":\"A\",\"amount\":\"0.2\"}\n]").unwrap();
    let nd = dir.path().join("rows.ndjson");
    std::fs::write(&nd, "{\"account\":\"A\",\"amount\":0.1}\n{\"account\":\"B\",\"amount\":2}\n\nnot json\n{\"account\":\"A\",\"amount\":\"0.2\"}\n").unwrap();
    let opts = report_jobs::GroupOptions::new("account");
    let a = report_jobs::group_file(&json, report_jobs::Format::Json, &opts).unwrap();
    let b = report_jobs::group_file(&nd, report_jobs::Format::Ndjson, &opts).unwrap();
    assert_eq!(
        a.groups
            .iter()
            .map(|g| (g.key.as_str(), g.len))
            .collect::<Vec<_>>(),
        [("A", 2), ("B", 1)]
    );
    assert_eq!(a.groups[0].rows().unwrap()[1].line, 4);
    // The same values, column by column, from both files.
    assert_eq!(a.columns.names(), b.columns.names());
    for (ga, gb) in a.groups.iter().zip(&b.groups) {
        assert_eq!(ga.key, gb.key);
        let values = |g: &report_jobs::Group| -> Vec<Vec<Option<String>>> {
            g.rows().unwrap().iter().map(|r| r.values.clone()).collect()
        };
        assert_eq!(values(ga), values(gb), "group {}", ga.key);
    }
    assert_eq!(
        b.groups[0].rows().unwrap()[0].values,
        [Some("A".to_owned()), Some("0.1".to_owned())]
    );
    // The malformed NDJSON line lands in the unknown group with its line number.
    let unknown = b.groups.iter().find(|g| g.key.is_empty()).unwrap();
    let bad = &unknown.rows().unwrap()[0];
    assert_eq!(bad.line, 4);
    assert!(bad.error.as_deref().unwrap().contains("not valid JSON"));
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "[{\"account\":\"A\"},\n{\"account\": }]").unwrap();
    let err = report_jobs::group_file(&broken, report_jobs::Format::Json, &opts).unwrap_err();
    assert!(err.to_string().contains("line 2"), "{err}");
}

/// The default layout, as a new user meets it on a typical export: one bad
/// amount fails its own group (with its line), the amount column stays a
/// number column with its totals, a period column is not totalled, the
/// decimals are kept, and narrow values get narrow columns.
#[test]
fn the_default_layout_keeps_numbers_decimals_and_sensible_totals() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from(HEAD);
    csv.push_str(&rows("A", 20));
    csv.push_str("B,Zoë Ltd,Zürich,2025,2025-01-03,SKU-9,an item,1,0.10,12,50x\n");
    csv.push_str(&rows("B", 5));
    // Line 23 holds the bad amount ("12,50x" is read as two fields: a
    // malformed row), so put a bad amount in a well-formed row too.
    csv.push_str("C,Zoë Ltd,Zürich,2025,2025-01-04,SKU-8,an item,1,0.10,12.50x\n");
    csv.push_str("C,Zoë Ltd,Zürich,2025,2025-01-05,SKU-7,an item,2,0.10,1.00\n");
    let batch = prepare(dir.path(), &csv, None);
    let layout = batch.renderer.layout();
    let column = |name: &str| {
        layout
            .columns
            .iter()
            .find(|c| c.field == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    let amount = column("amount");
    assert!(amount.is_numeric() && amount.total, "{amount:?}");
    assert_eq!(amount.decimals, Some(2));
    assert!(column("qty").total);
    assert!(!column("period").total, "a year is no amount");
    assert!(
        !column("unit_price").total,
        "a total of unit prices means nothing"
    );
    assert!(
        column("sku").width < column("description").width,
        "a six-character SKU column is narrower than the description"
    );
    assert!(!column("sku").wrap, "a code is never broken across lines");
    assert!(column("description").wrap);

    let mut failed = Vec::new();
    for job in &batch.jobs {
        match batch.renderer.render(job) {
            Ok(_) => {}
            Err(e) => failed.push((job.group.key.clone(), e.to_string())),
        }
    }
    failed.sort();
    assert_eq!(failed.len(), 2, "{failed:?}");
    assert_eq!(failed[0].0, "B");
    assert!(failed[0].1.contains("line 22"), "{failed:?}");
    assert_eq!(failed[1].0, "C");
    assert!(
        failed[1].1.contains("line 28") && failed[1].1.contains("12.50x"),
        "{failed:?}"
    );
    // The good group A is drawn with its totals, 0.10 kept as 0.10.
    let a = batch.jobs.iter().find(|j| j.group.key == "A").unwrap();
    let rows = a.group.rows().unwrap();
    let mut columns = report_jobs::Columns::default();
    for name in HEAD.trim().split(',') {
        columns.intern(name);
    }
    let p = report_jobs::prepare(layout, &columns, &rows).unwrap();
    let k = layout
        .columns
        .iter()
        .position(|c| c.field == "amount")
        .unwrap();
    assert_eq!(p.rows[0].cells[k], "0.10");
    assert_eq!(p.rows[1].cells[k], "1.10");
    assert!(p.totals[k].is_some());
}

/// A layout without `[[columns]]` shows every input column (its own
/// comment says so), numbers totalled as in the default layout: not a
/// table of blank pages.
#[test]
fn a_layout_without_columns_shows_every_column() {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("title-only.toml");
    std::fs::write(&layout, "title = \"Statement {account}\"\n").unwrap();
    let batch = prepare(
        dir.path(),
        &format!("{HEAD}{}", rows("ACC-1", 3)),
        Some(layout),
    );
    let l = batch.renderer.layout();
    let fields: Vec<&str> = l.columns.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, HEAD.trim().split(',').collect::<Vec<_>>());
    assert_eq!(
        l.title, "Statement {account}",
        "the layout's own settings stay"
    );
    let amount = l.columns.iter().find(|c| c.field == "amount").unwrap();
    assert!(amount.total && amount.is_numeric(), "{amount:?}");
    let done = batch.renderer.render(&batch.jobs[0]).unwrap();
    assert_eq!(done.pages, 1);
}

//! JSON inputs: numbers are the decimals they are written as (totals of
//! 17- and 19-digit amounts are exact), and columns come in the objects'
//! key order.
#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;
use std::str::FromStr as _;

use report_jobs::{Batch, Options};
use rust_decimal::Decimal;

/// 30 amounts of 17 significant digits (group A) and 30 of 19, a third of
/// them negative (group B).
fn amounts() -> (Vec<String>, Vec<String>) {
    let a = (1..=30)
        .map(|i| format!("9876543210987{i:02}.{:02}", (i * 37) % 100))
        .collect();
    let b = (1..=30)
        .map(|i| {
            let sign = if i % 3 == 0 { "-" } else { "" };
            format!("{sign}98765432109876{i:03}.{:02}", (i * 53) % 100)
        })
        .collect();
    (a, b)
}

/// The exact totals, from Python's decimal module:
///
/// ```text
/// python3 -c 'from decimal import Decimal
/// a=[f"9876543210987{i:02}.{(i*37)%100:02}" for i in range(1,31)]
/// b=[("-" if i%3==0 else "")+f"98765432109876{i:03}.{(i*53)%100:02}" for i in range(1,31)]
/// print(sum(map(Decimal,a)), sum(map(Decimal,b)))'
/// ```
const TOTAL_A: &str = "29629629632961480.05";
const TOTAL_B: &str = "987654321098760138.55";

fn batch(dir: &std::path::Path, name: &str, text: &str) -> Batch {
    let input = dir.join(name);
    std::fs::write(&input, text).unwrap();
    Batch::prepare(&Options {
        input,
        group_by: "g".into(),
        out_dir: dir.join("out"),
        layout: None,
        fonts: vec![],
        memory_limit: 1 << 20,
        system_fonts: false,
        delimiter: None,
    })
    .unwrap()
}

#[test]
fn seventeen_and_nineteen_digit_amounts_total_exactly_in_json_and_ndjson() {
    let (a, b) = amounts();
    // As floats most of these are other numbers: the test means something.
    let float = |s: &String| s.parse::<f64>().unwrap().to_string() != *s;
    assert!(a.iter().filter(|s| float(s)).count() > 20);
    assert!(b.iter().all(float));
    let dir = tempfile::tempdir().unwrap();
    let mut objects = Vec::new();
    for (x, y) in a.iter().zip(&b) {
        objects.push(format!(r#"{{"sku":"S-1","g":"A","amount":{x}}}"#));
        objects.push(format!(r#"{{"sku":"S-2","g":"B","amount":{y}}}"#));
    }
    let array = format!("[\n{}\n]\n", objects.join(",\n"));
    let mut lines = String::new();
    for o in &objects {
        writeln!(lines, "{o}").unwrap();
    }
    for (name, text) in [("rows.json", array), ("rows.ndjson", lines)] {
        let batch = batch(dir.path(), name, &text);
        let layout = batch.renderer.layout();
        let names: Vec<&str> = layout.columns.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(names, ["sku", "amount"], "{name}: the objects' key order");
        let amount = &layout.columns[1];
        assert!(
            amount.total && amount.decimals == Some(2),
            "{name}: {amount:?}"
        );
        let mut columns = report_jobs::Columns::default();
        for c in ["sku", "g", "amount"] {
            columns.intern(c);
        }
        for (job, (want_cells, want_total)) in batch.jobs.iter().zip([(&a, TOTAL_A), (&b, TOTAL_B)])
        {
            let rows = job.group.rows().unwrap();
            let p = report_jobs::prepare(layout, &columns, &rows).unwrap();
            let cells: Vec<&String> = p.rows.iter().map(|r| &r.cells[1]).collect();
            assert_eq!(cells, want_cells.iter().collect::<Vec<_>>(), "{name}");
            assert_eq!(
                p.totals[1],
                Some(Decimal::from_str(want_total).unwrap()),
                "{name}: group {}",
                job.group.key
            );
        }
    }
}

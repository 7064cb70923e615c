//! The widths fitted, and whole tables fitted.

use rust_decimal::Decimal;

use super::*;
use crate::prepare::Row;

fn need(units: f32) -> Need {
    Need {
        units,
        points: 6.0,
        widest: None,
    }
}

#[test]
fn columns_that_fit_their_share_keep_it() {
    let w = widths_at(&[1.0, 3.0], &[need(1.0), need(1.0)], 10.0, 400.0);
    assert_eq!(w, Some(vec![100.0, 300.0]));
}

#[test]
fn a_column_short_of_its_need_takes_it_from_the_others_by_share() {
    // The first needs 156 of its 100; the other two give up 56 in
    // proportion to their shares (100 and 200).
    let w = widths_at(
        &[1.0, 1.0, 2.0],
        &[need(15.0), need(1.0), need(1.0)],
        10.0,
        400.0,
    )
    .expect("fits");
    assert!((w[0] - 156.0).abs() < 1e-3, "{w:?}");
    assert!((w[1] - 244.0 / 3.0).abs() < 1e-3, "{w:?}");
    assert!((w[2] - 488.0 / 3.0).abs() < 1e-3, "{w:?}");
    assert!((w.iter().sum::<f32>() - 400.0).abs() < 1e-3);
    // More than the page: nothing.
    assert_eq!(
        widths_at(&[1.0, 1.0], &[need(30.0), need(30.0)], 10.0, 400.0),
        None
    );
}

/// [`fit`] between an A4 page's margins, with the widest values of
/// `data`'s columns measured as a report measures them.
fn fit_a4(layout: &Layout, data: &Prepared) -> Result<Table, ReportError> {
    let widest = widest_cells(layout, fonts(), &data.rows).expect("rows in memory");
    fit(layout, fonts(), data, &widest, 40.0, 555.28)
}

fn fonts() -> &'static FontSet {
    static FONTS: std::sync::OnceLock<FontSet> = std::sync::OnceLock::new();
    FONTS.get_or_init(|| FontSet::bundled().expect("bundled fonts"))
}

/// `n` number columns of relative width 1 beside a description of
/// width 10, every number `value`, the last column totalled.
fn table(n: usize, value: &str, total: &str) -> (Layout, Prepared) {
    let mut toml = String::from("[[columns]]\nfield = \"d\"\nwidth = 10\n");
    for i in 0..n {
        toml.push_str(&format!(
            "[[columns]]\nfield = \"n{i}\"\nformat = \"number\"\ndecimals = 2\nthousands = \",\"\ntotal = {}\n",
            i + 1 == n
        ));
    }
    let layout = Layout::from_toml(&toml).expect("layout");
    let mut cells = vec!["a description".to_owned()];
    cells.extend((0..n).map(|_| value.to_owned()));
    let mut totals = vec![None; n + 1];
    totals[n] = Some(total.parse::<Decimal>().expect("decimal"));
    let data = Prepared {
        rows: vec![Row { line: 2, cells }],
        totals,
        bars: None,
    };
    (layout, data)
}

fn fits(t: &Table, fonts: &FontSet, texts: &[(usize, &str, bool)]) {
    for &(k, text, bold) in texts {
        let (l, r) = t.xs[k];
        let w = fonts.width(text, bold) * t.size;
        assert!(
            w <= r - l - 2.0 * PAD + 0.01,
            "{text:?} ({w}) in {:?}",
            t.xs[k]
        );
    }
}

#[test]
fn narrow_number_columns_widen_and_the_table_keeps_its_size() {
    let (layout, data) = table(3, "2,458,033.90", "7374101.70");
    let t = fit_a4(&layout, &data).expect("fits");
    assert_eq!(t.size, 9.0);
    fits(
        &t,
        fonts(),
        &[(1, "2,458,033.90", false), (3, "2,458,033.90", false)],
    );
    assert!((t.xs[3].1 - 555.28).abs() < 0.01, "{:?}", t.xs);
    // Numbers never wrap, whatever the column.
    assert_eq!(t.cell_lines(fonts(), 1, "2,458,033.90").0.len(), 1);
}

#[test]
fn too_many_number_columns_get_smaller_type_then_a_clear_error() {
    let (layout, data) = table(8, "2,458,033.90", "19664271.20");
    let t = fit_a4(&layout, &data).expect("fits in smaller type");
    assert!(t.size < 9.0 && t.size >= 5.4, "{}", t.size);
    fits(
        &t,
        fonts(),
        &[(1, "2,458,033.90", false), (8, "2,458,033.90", false)],
    );
    let (layout, data) = table(40, "2,458,033.90", "98321356.00");
    let err = fit_a4(&layout, &data).expect_err("too wide");
    let msg = err.to_string();
    assert!(
        msg.starts_with("the table does not fit across the page: its 41 columns need"),
        "{msg}"
    );
    assert!(
        msg.contains("\"n0\"") && msg.contains("\"2,458,033.90\""),
        "{msg}"
    );
}

#[test]
fn a_total_wider_than_its_column_reaches_left_not_into_the_total_before_it() {
    // Two totalled columns side by side: the second total may not run
    // into the first.
    let toml = "[[columns]]\nfield = \"d\"\nwidth = 20\n\
        [[columns]]\nfield = \"q\"\nformat = \"number\"\ntotal = true\nwidth = 1\n\
        [[columns]]\nfield = \"a\"\nformat = \"number\"\ndecimals = 2\ntotal = true\nwidth = 1\n";
    let layout = Layout::from_toml(toml).expect("layout");
    let data = Prepared {
        rows: vec![Row {
            line: 2,
            cells: vec!["x".into(), "1".into(), "1.00".into()],
        }],
        totals: vec![
            None,
            Some(Decimal::from(123_456_789)),
            Some("98765432.10".parse().expect("decimal")),
        ],
        bars: None,
    };
    let t = fit_a4(&layout, &data).expect("fits");
    let w = |s: &str| fonts().width(s, true) * t.size;
    let first_end = t.xs[1].1 - PAD;
    let second_start = t.xs[2].1 - PAD - w("98765432.10");
    assert!(second_start - first_end >= 2.0 * PAD - 0.01, "{:?}", t.xs);
    // And the label fits before the first.
    let first_start = t.xs[1].1 - PAD - w("123456789");
    assert!(first_start - LABEL_GAP - w("Total") >= 40.0, "{:?}", t.xs);
}

#[test]
fn codes_wrap_rather_than_fail_the_report() {
    let mut toml = String::new();
    for i in 0..12 {
        toml.push_str(&format!("[[columns]]\nfield = \"c{i}\"\nwrap = false\n"));
    }
    let layout = Layout::from_toml(&toml).expect("layout");
    let code = "SKU-1234567890-ABCDEFGHIJ";
    let data = Prepared {
        rows: vec![Row {
            line: 2,
            cells: vec![code.to_owned(); 12],
        }],
        totals: vec![None; 12],
        bars: None,
    };
    let t = fit_a4(&layout, &data).expect("fits, wrapped");
    assert!(t.cell_lines(fonts(), 0, code).0.len() > 1);
    // Five of them fit on one line each, in smaller type.
    let layout = Layout::from_toml(
        &toml
            .split("[[columns]]")
            .take(6)
            .collect::<Vec<_>>()
            .join("[[columns]]"),
    )
    .expect("layout");
    let data = Prepared {
        rows: vec![Row {
            line: 2,
            cells: vec![code.to_owned(); 5],
        }],
        totals: vec![None; 5],
        bars: None,
    };
    let t = fit_a4(&layout, &data).expect("fits");
    assert_eq!(t.cell_lines(fonts(), 0, code).0.len(), 1);
    assert!(t.size < 9.0, "{}", t.size);
}

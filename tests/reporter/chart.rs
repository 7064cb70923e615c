//! The bar chart: negative values below a zero line (looked at in the
//! rendered page), labels thinned or cut so that none overlaps another
//! (`pdftotext -bbox`).

use std::fmt::Write as _;
use std::path::Path;

use workpool_tests::temp_dir;

use super::logo::render_page_1;
use super::shaping::{Word, words};
use super::{reporter, require_tools, stderr};

/// Runs the reporter on `csv` with a chart by `by` of `amount` over
/// `field`.
fn chart(dir: &Path, csv: &str, by: &str, field: &str) -> std::path::PathBuf {
    std::fs::write(dir.join("t.csv"), csv).unwrap();
    let layout = format!(
        "[chart]\ntitle = \"Chart\"\nvalue = \"amount\"\nby = \"{by}\"\nfield = \"{field}\"\n\
         [[columns]]\nfield = \"amount\"\nformat = \"number\"\ntotal = true\n"
    );
    std::fs::write(dir.join("l.toml"), layout).unwrap();
    let out = dir.join("out");
    let l = dir.join("l.toml");
    let o = reporter(
        &dir.join("t.csv"),
        &out,
        &[
            "--no-system-fonts",
            "--quiet",
            "--layout",
            l.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    out.join("A.pdf")
}

/// Fails if two of `ws` overlap.
fn apart(ws: &[&Word]) {
    for (i, a) in ws.iter().enumerate() {
        for b in &ws[i + 1..] {
            let same_line = (a.y_min - b.y_min).abs() < 2.0;
            let overlap = a.x_min < b.x_max - 0.2 && b.x_min < a.x_max - 0.2;
            assert!(!(same_line && overlap), "{a:?} and {b:?} overlap");
        }
    }
}

#[test]
#[ignore = "needs pdftoppm (poppler-utils)"]
fn negative_values_are_drawn_below_the_zero_line() {
    require_tools();
    let dir = temp_dir();
    let pdf = chart(
        dir.path(),
        "account,date,amount\nA,2025-01-10,100\nA,2025-02-10,-100\n",
        "month",
        "date",
    );
    let (w, h, px) = render_page_1(&pdf, dir.path());
    // The bar colour, rgb(0.27, 0.45, 0.75).
    let blue = |x: usize, y: usize| {
        let i = (y * w + x) * 3;
        px[i].abs_diff(69) < 12 && px[i + 1].abs_diff(115) < 12 && px[i + 2].abs_diff(191) < 12
    };
    // Two bars across the chart (x 70 to 555 pt): the middle of each.
    let rows = |x: usize| -> Vec<usize> { (0..h).filter(|&y| blue(x, y)).collect() };
    let (jan, feb) = (rows(167), rows(410));
    assert!(
        jan.len() > 20 && feb.len() > 20,
        "{} {}",
        jan.len(),
        feb.len()
    );
    let (jan_bottom, feb_top) = (*jan.last().unwrap(), feb[0]);
    assert!(
        feb_top + 2 >= jan_bottom,
        "February's bar is not below January's"
    );
    assert!(
        jan.len().abs_diff(feb.len()) <= 2,
        "100 and -100 are as long"
    );
    // The values' labels: above the positive bar, below the negative one.
    let ws = words(&pdf);
    let y = |t: &str| ws.iter().find(|w| w.text == t).unwrap().y_min;
    assert!(y("100") < jan[0] as f32 && y("-100") > *feb.last().unwrap() as f32);
}

#[test]
#[ignore = "needs pdftotext (poppler-utils)"]
fn labels_of_many_months_and_long_categories_never_overlap() {
    require_tools();
    let dir = temp_dir();
    let mut csv = String::from("account,date,cat,amount\n");
    for i in 0..120 {
        let (y, m) = (2015 + i / 12, i % 12 + 1);
        let v = (i * 7919) % 20000 - 3000;
        writeln!(
            csv,
            "A,{y}-{m:02}-10,a category with a long name number {},{v}",
            i % 12
        )
        .unwrap();
    }
    let ws = words(&chart(dir.path(), &csv, "month", "date"));
    let months: Vec<&Word> = ws
        .iter()
        .filter(|w| {
            [
                "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
            ]
            .contains(&w.text.as_str())
        })
        .collect();
    assert!(months.len() >= 8, "some months are labelled: {months:?}");
    apart(&ws.iter().collect::<Vec<_>>());
    for w in &ws {
        assert!(w.x_min >= 39.5 && w.x_max <= 595.28 - 39.5, "{w:?}");
    }

    let dir = temp_dir();
    let ws = words(&chart(dir.path(), &csv, "category", "cat"));
    apart(&ws.iter().collect::<Vec<_>>());
    for w in &ws {
        assert!(w.x_min >= 39.5 && w.x_max <= 595.28 - 39.5, "{w:?}");
    }
    // Every category's bar has its label (cut to its bar's width).
    let labels = ws.iter().filter(|w| w.text == "category").count();
    assert_eq!(labels, 12, "{ws:?}");
}

//! Whole reports drawn: where the table starts and how rows go across
//! pages.

use super::*;
use crate::prepare::Row;

/// The texts drawn on page `page`.
fn texts_on(cv: &Canvas<'_>, page: usize) -> Vec<String> {
    cv.pages[page]
        .iter()
        .filter_map(|item| match item {
            crate::pdf::canvas::Item::Text { line, run: 0, .. } => Some(line.text.clone()),
            _ => None,
        })
        .collect()
}

/// Draws one row `cell` below `header_lines` header lines.
fn draw_with(header_lines: usize, cell: &str) -> (Canvas<'static>, f32, f32) {
    static FONTS: std::sync::OnceLock<FontSet> = std::sync::OnceLock::new();
    let fonts = FONTS.get_or_init(|| FontSet::bundled().expect("bundled fonts"));
    let layout = Layout::from_toml("[[columns]]\nfield = \"description\"\n").expect("layout");
    let texts = Texts {
        title: "T".into(),
        header: (0..header_lines)
            .map(|i| (format!("L{i}"), "v".into()))
            .collect(),
        ..Texts::default()
    };
    let data = Prepared {
        rows: vec![Row {
            line: 2,
            cells: vec![cell.to_owned()],
        }],
        totals: vec![None],
        bars: None,
    };
    let mut warnings = Warnings::default();
    let (top, bottom) = {
        let rows = &data.rows;
        let mut d = Drawer::new(
            &layout,
            fonts,
            &texts,
            &data,
            rows,
            &mut warnings,
            Mode::Keep,
            None,
        );
        let y = d.letterhead(None);
        (d.chart(y), d.bottom())
    };
    let cv = draw(&layout, fonts, None, &texts, &data, &mut warnings).expect("fits");
    (cv, top, bottom)
}

#[test]
fn the_table_header_never_sits_alone_at_the_bottom_of_a_page() {
    let size = Layout::from_toml("[[columns]]\nfield = \"description\"\n")
        .expect("layout")
        .font_size;
    let (row_h, line_h) = (size + 7.0, size * 1.3);
    let three_lines = row_h + 2.0 * line_h;
    // Find a page whose table header and a one-line row fit, but not
    // the header and a three-line row.
    let n = (0..80)
        .find(|&n| {
            let (_, top, bottom) = draw_with(n, "x");
            top + 2.0 * row_h <= bottom && top + row_h + three_lines > bottom
        })
        .expect("some number of header lines leaves that much room");

    let (cv, _, _) = draw_with(n, "x");
    assert_eq!(cv.pages.len(), 1, "a one-line row fits below the header");
    assert!(texts_on(&cv, 0).iter().any(|t| t == "description"));

    let (cv, _, _) = draw_with(n, "one\ntwo\nthree");
    assert_eq!(cv.pages.len(), 2);
    assert!(
        !texts_on(&cv, 0).iter().any(|t| t == "description"),
        "the header was left alone on page 1: {:?}",
        texts_on(&cv, 0)
    );
    let page2 = texts_on(&cv, 1);
    for want in ["T (continued)", "description", "one", "three"] {
        assert!(
            page2.iter().any(|t| t == want),
            "{want} not on page 2: {page2:?}"
        );
    }
}

/// Every text item's baseline on page `page`.
fn baselines_on(cv: &Canvas<'_>, page: usize) -> Vec<f32> {
    cv.pages[page]
        .iter()
        .filter_map(|item| match item {
            crate::pdf::canvas::Item::Text { y, .. } => Some(*y),
            _ => None,
        })
        .collect()
}

#[test]
fn a_cell_longer_than_a_page_is_carried_over_whole() {
    let lines: Vec<String> = (0..300).map(|i| format!("line{i}")).collect();
    let (cv, _, bottom) = draw_with(0, &lines.join("\n"));
    assert!(cv.pages.len() >= 5, "{} pages", cv.pages.len());
    let drawn: Vec<String> = (0..cv.pages.len()).flat_map(|p| texts_on(&cv, p)).collect();
    let cells: Vec<&String> = drawn.iter().filter(|t| t.starts_with("line")).collect();
    assert_eq!(
        cells,
        lines.iter().collect::<Vec<_>>(),
        "every line, in order, once"
    );
    for p in 0..cv.pages.len() {
        // Above the footer (drawn at the bottom margin, 15 pt down).
        let lowest = baselines_on(&cv, p)
            .into_iter()
            .filter(|&y| y < cv.height - 40.0)
            .fold(0.0, f32::max);
        assert!(
            lowest <= bottom,
            "page {p}: a line at {lowest} below {bottom}"
        );
        if p > 0 {
            let t = texts_on(&cv, p);
            assert!(t.iter().any(|t| t == "T (continued)"), "page {p}: {t:?}");
        }
    }
}

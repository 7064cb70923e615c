//! What is drawn around the table stays on the page: a long title or
//! header line wraps inside the margins, a long footer stops short of the
//! page number, margins too small for the footer are refused; read back
//! with `pdftotext -bbox`.

use workpool_tests::temp_dir;

use super::shaping::words;
use super::{reporter, require_tools, stderr};

#[test]
#[ignore = "needs pdftotext (poppler-utils)"]
fn long_titles_header_lines_and_footers_stay_inside_the_margins() {
    require_tools();
    let dir = temp_dir();
    // A 200-character group key, with spaces and without.
    let spaced: Vec<String> = (0..25).map(|i| format!("word{i:03}")).collect();
    let spaced = spaced.join(" ");
    let solid = "X".repeat(200);
    let csv = format!("account,amount\n{spaced},1\n{solid},2\n");
    std::fs::write(dir.path().join("t.csv"), csv).unwrap();
    let footer = "a footer long enough to reach the page number if it were not cut ".repeat(3);
    let layout = format!(
        "title = \"{{account}}\"\nfooter = \"{footer}\"\n\
         [[header]]\nlabel = \"Key\"\nvalue = \"{{account}} {{account}}\"\n"
    );
    std::fs::write(dir.path().join("l.toml"), layout).unwrap();
    let out = dir.path().join("out");
    let l = dir.path().join("l.toml");
    let o = reporter(
        &dir.path().join("t.csv"),
        &out,
        &[
            "--no-system-fonts",
            "--quiet",
            "--layout",
            l.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    for pdf in super::pdfs(&out) {
        let ws = words(&pdf);
        for w in &ws {
            assert!(
                w.x_min >= 39.5 && w.x_max <= 595.28 - 39.5,
                "{}: {w:?} is outside the margins",
                pdf.display()
            );
        }
        // The footer ends before the page number starts.
        let page = ws.iter().find(|w| w.text == "Page").unwrap();
        let footer_end = ws
            .iter()
            .filter(|w| (w.y_min - page.y_min).abs() < 1.0 && w.x_max <= page.x_min + 0.5)
            .map(|w| w.x_max)
            .fold(0.0, f32::max);
        assert!(footer_end > 300.0 && footer_end < page.x_min, "{ws:?}");
    }
    // The spaced title wraps, to three lines at most, the last ending
    // with an ellipsis.
    let pdf = super::pdfs(&out)
        .into_iter()
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("word000")
        })
        .unwrap();
    let ws = words(&pdf);
    let title: Vec<_> = ws.iter().take_while(|w| w.text != "Key:").collect();
    let mut lines: Vec<f32> = title.iter().map(|w| w.y_min).collect();
    lines.dedup_by(|a, b| (*a - *b).abs() < 1.0);
    assert_eq!(lines.len(), 3, "{title:?}");
    assert_eq!(title[0].text, "word000");
    assert!(title.last().unwrap().text.ends_with('…'), "{title:?}");
}

#[test]
fn margins_too_small_for_the_footer_are_refused() {
    let dir = temp_dir();
    std::fs::write(dir.path().join("a.csv"), "account,amount\nA,1\n").unwrap();
    let l = dir.path().join("l.toml");
    std::fs::write(&l, "[page]\nmargin_bottom = 10\n").unwrap();
    let out = dir.path().join("out");
    let o = reporter(
        &dir.path().join("a.csv"),
        &out,
        &["--layout", l.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        format!(
            "reporter: {}: page.margin_bottom 10 is under 17 points: the footer and page \
             numbers are drawn in the bottom margin, 15 points below the table\n",
            l.display()
        )
    );
    assert!(!out.exists());
}

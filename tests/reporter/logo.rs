//! The layout's logo, end to end: rendered by poppler and looked at pixel by
//! pixel; a missing logo stops the run before any work.

use std::path::Path;
use std::process::Command;

use workpool_tests::{samples_dir, temp_dir};

use super::{pdfs, qpdf_check, reporter, require_tools, stderr};

/// Page 1 of `pdf` rendered at 72 dpi (1 pixel = 1 point): width, height
/// and RGB bytes.
pub(super) fn render_page_1(pdf: &Path, dir: &Path) -> (usize, usize, Vec<u8>) {
    let stem = dir.join("page");
    let o = Command::new("pdftoppm")
        .args(["-f", "1", "-l", "1", "-r", "72", "-singlefile"])
        .arg(pdf)
        .arg(&stem)
        .output()
        .unwrap();
    assert!(o.status.success(), "pdftoppm: {}", stderr(&o));
    let ppm = std::fs::read(stem.with_extension("ppm")).unwrap();
    // "P6\n<w> <h>\n255\n" then the pixels.
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        let end = at
            + ppm[at..]
                .iter()
                .position(|b| b.is_ascii_whitespace())
                .unwrap();
        fields.push(String::from_utf8_lossy(&ppm[at..end]).into_owned());
        at = end + 1;
    }
    assert_eq!(fields[0], "P6");
    let (w, h) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    (w, h, ppm[at..].to_vec())
}

#[test]
#[ignore = "needs pdftotext, pdfinfo, pdftoppm (poppler-utils) and qpdf"]
fn the_logo_is_drawn_top_right_on_page_one_undistorted() {
    require_tools();
    let dir = temp_dir();
    let out = dir.path().join("out");
    let layout = samples_dir().join("reports/statement-logo.toml");
    let o = reporter(
        &samples_dir().join("reports/items.csv"),
        &out,
        &["--layout", layout.to_str().unwrap(), "--quiet"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let pdf = &pdfs(&out)[0];
    qpdf_check(pdf);
    let (w, h, px) = render_page_1(pdf, dir.path());
    assert!(
        (595..=596).contains(&w) && h == 842,
        "A4 at 72 dpi: {w}x{h}"
    );
    let at = |x: f32, y: f32| {
        let i = (y as usize * w + x as usize) * 3;
        (px[i], px[i + 1], px[i + 2])
    };
    let near = |c: (u8, u8, u8), want: (u8, u8, u8)| {
        c.0.abs_diff(want.0) < 40 && c.1.abs_diff(want.1) < 40 && c.2.abs_diff(want.2) < 40
    };
    // logo.png is 240x96 px; the layout's box is 120 x 60 pt, so it is drawn
    // 120 x 48 pt with its top right corner at the 40 pt margins:
    // x 435.28..555.28, y 40..88 from the top.
    let (x0, y0, s) = (435.28, 40.0, 0.5); // s: points per logo pixel
    let orange = (240, 138, 36);
    let blue = (47, 95, 168);
    let white = (255, 255, 255);
    // The disc (centre 60,48, radius 34 px): its centre and four points
    // just inside its edge are orange; a squashed or stretched logo would
    // move two of them outside.
    for (dx, dy) in [
        (0.0, 0.0),
        (30.0, 0.0),
        (-30.0, 0.0),
        (0.0, 30.0),
        (0.0, -30.0),
    ] {
        let c = at(x0 + (60.0 + dx) * s, y0 + (48.0 + dy) * s);
        assert!(near(c, orange), "disc at {dx},{dy}: {c:?}");
    }
    // The blue badge fills the box to its bottom right ...
    assert!(near(at(x0 + 225.0 * s, y0 + 85.0 * s), blue));
    assert!(near(at(x0 + 120.0 * s, y0 + 90.0 * s), blue));
    // ... its rounded corners are transparent (the /SMask works) ...
    assert!(
        near(at(x0 + 1.0, y0 + 1.0), white),
        "{:?}",
        at(x0 + 1.0, y0 + 1.0)
    );
    // ... and nothing of it spills outside the box.
    assert!(
        near(at(x0 + 120.0 * s, y0 + 100.0 * s), white),
        "below the logo"
    );
    assert!(near(at(x0 - 3.0, y0 + 48.0 * s), white), "left of the logo");
}

#[test]
fn a_missing_logo_exits_2_naming_it_and_writes_nothing() {
    let dir = temp_dir();
    let base = std::fs::read_to_string(samples_dir().join("reports/statement.toml")).unwrap();
    let layout = dir.path().join("layout.toml");
    std::fs::write(
        &layout,
        format!("{base}\n[logo]\npath = \"art/logo.png\"\n"),
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = reporter(
        &samples_dir().join("reports/items.csv"),
        &out,
        &["--layout", layout.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // Resolved against the layout's folder, not the working directory.
    let want = dir.path().join("art/logo.png");
    assert!(
        stderr(&o).contains(&want.display().to_string()),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists(), "nothing written");
}

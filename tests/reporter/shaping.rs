//! Shaped text end to end: Arabic, Hebrew, Hindi, Japanese and Latin in one
//! report, read back with poppler as a reader would (copy and paste is
//! `pdftotext`), placed as a right-to-left reader expects (word boxes from
//! `pdftotext -bbox`, ink from `pdftoppm`).

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use workpool_tests::temp_dir;

use super::logo::render_page_1;
use super::{CJK_FONT, qpdf_check, reporter, require, require_tools, stderr, text};

const DEVANAGARI_FONT: &str = "/usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf";

const ROWS: [(&str, &str); 6] = [
    ("شركة الأمل", "القاهرة"),
    ("שלום עולם", "תל אביב"),
    ("AVATAR Toyota office", "Zürich"),
    ("मानक हिन्दी", "दिल्ली"),
    ("東京支店", "東京"),
    ("شركة 2024 ABC", "Paris"),
];

/// A word of `pdftotext -bbox` output.
#[derive(Debug, Clone)]
pub(super) struct Word {
    pub(super) text: String,
    pub(super) x_min: f32,
    pub(super) x_max: f32,
    pub(super) y_min: f32,
}

/// The words of page 1 of `pdf`, with their boxes.
pub(super) fn words(pdf: &Path) -> Vec<Word> {
    let out = Command::new("pdftotext")
        .args(["-bbox", "-f", "1", "-l", "1"])
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success(), "pdftotext -bbox: {}", stderr(&out));
    let html = String::from_utf8(out.stdout).unwrap();
    let attr = |tag: &str, name: &str| -> f32 {
        let at = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        let end = at + tag[at..].find('"').unwrap();
        tag[at..end].parse().unwrap()
    };
    html.split("<word ")
        .skip(1)
        .map(|w| {
            let (tag, rest) = w.split_once('>').unwrap();
            let text = rest.split_once("</word>").unwrap().0;
            Word {
                text: text.replace("&amp;", "&"),
                x_min: attr(tag, "xMin"),
                x_max: attr(tag, "xMax"),
                y_min: attr(tag, "yMin"),
            }
        })
        .collect()
}

fn raw_text(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-raw"])
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success(), "pdftotext -raw: {}", stderr(&out));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
#[ignore = "needs poppler-utils, qpdf, IPA Gothic (fonts-ipafont-gothic) and Lohit Devanagari (fonts-lohit-deva)"]
fn many_scripts_are_shaped_placed_and_copied_back_as_written() {
    require_tools();
    require(CJK_FONT, Path::new(CJK_FONT).is_file());
    require(DEVANAGARI_FONT, Path::new(DEVANAGARI_FONT).is_file());
    let dir = temp_dir();
    let mut csv = String::from("account,customer,city,amount\n");
    for (customer, city) in ROWS {
        writeln!(csv, "X,{customer},{city},1.00").unwrap();
    }
    let input = dir.path().join("world.csv");
    std::fs::write(&input, csv).unwrap();
    let out = dir.path().join("out");
    let o = reporter(&input, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("no font has"), "{}", stderr(&o));
    let pdf = out.join("X.pdf");
    qpdf_check(&pdf);

    // Copy and paste: every cell comes back as written, in logical order
    // (a word reversed, an Arabic ligature or a Devanagari syllable out of
    // order would not match).
    let t = text(&pdf, None);
    for (customer, city) in ROWS.iter().take(5) {
        assert!(t.contains(customer), "{customer:?} not in\n{t}");
        assert!(t.contains(city), "{city:?} not in\n{t}");
    }
    // In content order (`-raw`), every word is as written and the words of
    // a right-to-left cell come in reading order.
    let raw = raw_text(&pdf);
    for (customer, city) in ROWS {
        for w in customer.split(' ').chain(city.split(' ')) {
            assert!(raw.contains(w), "{w:?} not in\n{raw}");
        }
    }
    for (first, second) in [("شركة", "الأمل"), ("שלום", "עולם"), ("תל", "אביב")]
    {
        let (a, b) = (raw.find(first).unwrap(), raw.find(second).unwrap());
        assert!(a < b, "{first:?} after {second:?} in\n{raw}");
    }

    // Placement: the customer column's left edge is where its heading and
    // the Latin cell start; right-to-left cells end at the column's right
    // edge, which is far to the right of where the Latin cell ends.
    // `-bbox` gives each word's characters in the order they are on the
    // page: right-to-left words come reversed.
    let ws = words(&pdf);
    let is = |w: &Word, t: &str| w.text == t || w.text == t.chars().rev().collect::<String>();
    let find = |t: &str| {
        ws.iter()
            .find(|w| is(w, t))
            .cloned()
            .unwrap_or_else(|| panic!("{t:?} not in {ws:?}"))
    };
    let heading = find("customer");
    let latin = find("AVATAR");
    assert!(
        (latin.x_min - heading.x_min).abs() < 1.0,
        "{latin:?} {heading:?}"
    );
    let office = find("office");
    let city = find("city");
    let on_line = |y: f32| {
        ws.iter()
            .filter(move |w| (w.y_min - y).abs() < 1.0 && w.x_max < city.x_min)
            .cloned()
            .collect::<Vec<_>>()
    };
    let arabic = on_line(find("الأمل").y_min);
    let hebrew = on_line(find("עולם").y_min);
    let right = |line: &[Word]| line.iter().map(|w| w.x_max).fold(0.0, f32::max);
    let left = |line: &[Word]| line.iter().map(|w| w.x_min).fold(f32::MAX, f32::min);
    assert!(
        (right(&arabic) - right(&hebrew)).abs() < 2.0,
        "{arabic:?} {hebrew:?}"
    );
    assert!(
        right(&arabic) > office.x_max + 100.0,
        "{arabic:?} vs {office:?}"
    );
    assert!(
        right(&arabic) < city.x_min,
        "{arabic:?} runs into the city column"
    );
    assert!(
        left(&arabic) > heading.x_min + 50.0,
        "{arabic:?} starts at the left edge"
    );
    // The mixed cell of a right-to-left paragraph reads "شركة 2024 ABC"
    // from the right: on the page, ABC is leftmost and the Arabic rightmost.
    let abc = find("ABC");
    let mixed = on_line(abc.y_min);
    let x_of = |t: &str| mixed.iter().find(|w| is(w, t)).map(|w| w.x_min);
    let (a, n, s) = (x_of("ABC"), x_of("2024"), x_of("شركة"));
    assert!(a < n && n < s, "{mixed:?}");
    assert!((right(&mixed) - right(&arabic)).abs() < 2.0, "{mixed:?}");

    // Rendered: ink where the right-to-left text is, none where a
    // left-aligned cell would have started it (72 dpi: a pixel a point).
    let (w, _, px) = render_page_1(&pdf, dir.path());
    let ink = |x0: f32, x1: f32, y0: f32, y1: f32| {
        let mut n = 0;
        for y in y0 as usize..y1 as usize {
            for x in x0 as usize..x1 as usize {
                let i = (y * w + x) * 3;
                if px[i] < 128 && px[i + 1] < 128 && px[i + 2] < 128 {
                    n += 1;
                }
            }
        }
        n
    };
    let y = find("الأمل").y_min;
    let start = heading.x_min;
    assert_eq!(
        ink(start, start + 40.0, y, y + 8.0),
        0,
        "ink at the left of the Arabic cell"
    );
    let end = right(&arabic);
    assert!(
        ink(end - 40.0, end, y, y + 8.0) > 20,
        "no ink at the right of the Arabic cell"
    );
}

//! The layout's logo: drawn through the library, read back with lopdf.
#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use lopdf::{Document, Object, ObjectId};
use report_jobs::{Batch, LayoutError, Options, SetupError};

const HEAD: &str = "account,customer,city,period,date,sku,description,qty,unit_price,amount\n";

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/reports")
}

/// The benchmark statement with a `[logo]` table whose path is relative to
/// the layout file, written into `dir`.
fn layout_with_logo(dir: &Path, logo: &str, table: &str) -> PathBuf {
    let base = std::fs::read_to_string(samples().join("statement.toml")).unwrap();
    let p = dir.join("layout.toml");
    std::fs::write(&p, format!("{base}\n[logo]\npath = \"{logo}\"\n{table}")).unwrap();
    p
}

fn options(dir: &Path, rows: usize, layout: PathBuf) -> Options {
    let mut csv = String::from(HEAD);
    for i in 0..rows {
        writeln!(
            csv,
            "ACC-1,Zoë Ltd,Zürich,2025,2025-{:02}-01,SKU-{i},item {i},1,1.10,1.10",
            i % 12 + 1
        )
        .unwrap();
    }
    let input = dir.join("items.csv");
    std::fs::write(&input, csv).unwrap();
    Options {
        input,
        group_by: "account".into(),
        out_dir: dir.join("out"),
        layout: Some(layout),
        fonts: vec![],
        memory_limit: 1 << 20,
        system_fonts: false,
        delimiter: None,
    }
}

/// The image XObjects a page's resources name, with the content's
/// `cm` matrix before each `Do` of them.
fn images_drawn(doc: &Document, page: ObjectId) -> Vec<(ObjectId, Vec<f32>)> {
    let content = doc.get_and_decode_page_content(page).unwrap();
    let res = match doc.get_page_resources(page).unwrap() {
        (Some(d), _) => d,
        (None, ids) => doc.get_dictionary(ids[0]).unwrap(),
    };
    let xobjects = match res.get(b"XObject").unwrap() {
        Object::Reference(r) => doc.get_dictionary(*r).unwrap(),
        Object::Dictionary(d) => d,
        o => panic!("XObject resources: {o:?}"),
    };
    let mut cm = Vec::new();
    let mut drawn = Vec::new();
    for op in &content.operations {
        match op.operator.as_str() {
            "cm" => cm = op.operands.iter().map(|o| o.as_float().unwrap()).collect(),
            "Do" => {
                let name = op.operands[0].as_name().unwrap();
                let id = xobjects.get(name).unwrap().as_reference().unwrap();
                drawn.push((id, cm.clone()));
            }
            _ => {}
        }
    }
    drawn
}

fn int(d: &lopdf::Dictionary, k: &[u8]) -> i64 {
    d.get(k).unwrap().as_i64().unwrap()
}

#[test]
fn a_png_logo_is_drawn_once_on_page_one_with_its_aspect_ratio_and_alpha() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(samples().join("logo.png"), dir.path().join("logo.png")).unwrap();
    let layout = layout_with_logo(dir.path(), "logo.png", "width = 120\n");
    let batch = Batch::prepare(&options(dir.path(), 95, layout)).unwrap();
    let done = batch.renderer.render(&batch.jobs[0]).unwrap();
    assert_eq!(done.pages, 3, "the logo pushes nothing onto an extra page");
    let doc = Document::load(&done.path).unwrap();
    let pages: Vec<ObjectId> = doc.get_pages().into_values().collect();

    let drawn = images_drawn(&doc, pages[0]);
    assert_eq!(drawn.len(), 1, "page 1 draws the logo once");
    let (id, cm) = &drawn[0];
    let img = doc.get_object(*id).unwrap().as_stream().unwrap();
    assert_eq!(
        img.dict.get(b"Subtype").unwrap().as_name().unwrap(),
        b"Image"
    );
    assert_eq!(
        (int(&img.dict, b"Width"), int(&img.dict, b"Height")),
        (240, 96)
    );
    assert_eq!(
        img.dict.get(b"Filter").unwrap().as_name().unwrap(),
        b"FlateDecode"
    );
    assert_eq!(img.decompressed_content().unwrap().len(), 240 * 96 * 3);
    let mask = img.dict.get(b"SMask").unwrap().as_reference().unwrap();
    let mask = doc.get_object(mask).unwrap().as_stream().unwrap();
    assert_eq!(
        (int(&mask.dict, b"Width"), int(&mask.dict, b"Height")),
        (240, 96)
    );

    // 240x96 px in a 120 pt wide box: 120 x 48 pt, top right inside the
    // 40 pt margins of an A4 page (595.28 x 841.89).
    let close = |a: f32, b: f32| (a - b).abs() < 0.01;
    assert!(close(cm[0], 120.0) && close(cm[3], 48.0), "{cm:?}");
    assert!(close(cm[1], 0.0) && close(cm[2], 0.0), "{cm:?}");
    assert!(close(cm[4], 595.28 - 40.0 - 120.0), "{cm:?}");
    assert!(close(cm[5], 841.89 - 40.0 - 48.0), "{cm:?}");

    for p in &pages[1..] {
        assert!(
            images_drawn(&doc, *p).is_empty(),
            "only page 1 has the logo"
        );
    }
}

#[test]
fn a_jpeg_logo_is_embedded_as_is_and_fits_the_box_height() {
    let dir = tempfile::tempdir().unwrap();
    let (w, h) = (64u16, 64u16);
    let pixels: Vec<u8> = (0..u32::from(w) * u32::from(h))
        .flat_map(|i| [(i % 256) as u8, 90, 200])
        .collect();
    let mut jpeg = Vec::new();
    jpeg_encoder::Encoder::new(&mut jpeg, 85)
        .encode(&pixels, w, h, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    std::fs::write(dir.path().join("logo.jpg"), &jpeg).unwrap();
    let layout = layout_with_logo(dir.path(), "logo.jpg", "width = 100\nheight = 30\n");
    let batch = Batch::prepare(&options(dir.path(), 3, layout)).unwrap();
    let done = batch.renderer.render(&batch.jobs[0]).unwrap();
    let doc = Document::load(&done.path).unwrap();
    let page = *doc.get_pages().values().next().unwrap();
    let drawn = images_drawn(&doc, page);
    let (id, cm) = &drawn[0];
    let img = doc.get_object(*id).unwrap().as_stream().unwrap();
    assert_eq!(
        img.dict.get(b"Filter").unwrap().as_name().unwrap(),
        b"DCTDecode"
    );
    assert_eq!(img.content, jpeg, "the JPEG bytes are embedded unchanged");
    // A square logo in a 100 x 30 box is 30 x 30, flush right.
    assert!(
        (cm[0] - 30.0).abs() < 0.01 && (cm[3] - 30.0).abs() < 0.01,
        "{cm:?}"
    );
    assert!((cm[4] - (595.28 - 40.0 - 30.0)).abs() < 0.01, "{cm:?}");
}

#[test]
fn a_missing_or_undecodable_logo_fails_the_setup_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let layout = layout_with_logo(dir.path(), "nowhere.png", "");
    let err = Batch::prepare(&options(dir.path(), 1, layout)).unwrap_err();
    let want = dir.path().join("nowhere.png");
    assert!(
        matches!(&err, SetupError::Layout(LayoutError::Logo { path, .. }) if *path == want),
        "{err:?}"
    );
    assert!(err.to_string().contains("nowhere.png"), "{err}");

    std::fs::write(dir.path().join("fake.png"), b"\x89PNG\r\n\x1a\nnot really").unwrap();
    let layout = layout_with_logo(dir.path(), "fake.png", "");
    let err = Batch::prepare(&options(dir.path(), 1, layout)).unwrap_err();
    assert!(err.to_string().contains("fake.png"), "{err}");
    assert!(!dir.path().join("out").exists(), "nothing is written");
}

//! Inputs as spreadsheets write them: `;` or tab between fields, Windows
//! or old Mac line ends; a row's line is the one an editor shows.

use workpool_tests::{command, temp_dir};

use super::{pdfs, reporter, stderr};

#[test]
fn semicolons_are_detected_the_delimiter_is_a_flag_and_lines_count_alike() {
    let dir = temp_dir();
    // What a European spreadsheet saves: `;` between fields, CRLF line
    // ends, a short row on line 6 (after a blank line 5).
    let csv = "account;item;amount\r\nA;tea;1.50\r\nB;milk;2\r\nA;cake;0.50\r\n\r\nB;bread\r\n";
    let input = dir.path().join("eu.csv");
    std::fs::write(&input, csv).unwrap();
    let out = dir.path().join("out");
    let o = reporter(&input, &out, &["--no-system-fonts", "--quiet"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let names: Vec<_> = pdfs(&out)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["A.pdf"]);
    assert_eq!(
        std::fs::read_to_string(out.join("failures.csv")).unwrap(),
        "group,file,reason\nB,B.pdf,\"line 6: row has 2 fields, the header has 3\"\n"
    );
    // The same with CR line ends only.
    std::fs::write(&input, csv.replace("\r\n", "\r")).unwrap();
    let out = dir.path().join("cr");
    let o = reporter(&input, &out, &["--no-system-fonts", "--quiet"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        std::fs::read_to_string(out.join("failures.csv"))
            .unwrap()
            .contains("\"line 6: row has 2 fields"),
    );

    // A delimiter given is the delimiter used.
    let out = dir.path().join("comma");
    let o = reporter(&input, &out, &["--delimiter", ","]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        format!(
            "reporter: {}: no column \"account\" to group by (columns: account;item;amount)\n",
            input.display()
        )
    );
    let o = command("reporter")
        .arg(&input)
        .args(["-g", "account", "-o"])
        .arg(&out)
        .args(["--delimiter", "x"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unsupported delimiter \"x\": use , ; tab or |"),
        "{}",
        stderr(&o)
    );
}

/// The walkthrough's JSON: as floats, 123456789012345.67 was drawn as
/// ...69 and the total as ...70; it is ...68.
#[test]
#[ignore = "needs pdftotext (poppler-utils)"]
fn json_amounts_are_drawn_and_totalled_as_written() {
    super::require_tools();
    let dir = temp_dir();
    let input = dir.path().join("a.json");
    std::fs::write(
        &input,
        r#"[{"account":"A","amount":123456789012345.67},{"account":"A","amount":0.01}]"#,
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = reporter(&input, &out, &["--no-system-fonts"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let t = super::text(&out.join("A.pdf"), None);
    assert!(t.contains("123456789012345.67\n"), "{t}");
    assert_eq!(super::total_after_label(&t), "123456789012345.68", "{t}");
}

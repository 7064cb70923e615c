//! Reading inputs: one counting of lines whatever the line ends (LF, CRLF,
//! CR) and the format, delimiters detected or given.
#![allow(clippy::unwrap_used)]

use report_jobs::{Format, GroupOptions, Grouped, group_file};

const ENDINGS: [(&str, &str); 3] = [("LF", "\n"), ("CRLF", "\r\n"), ("CR", "\r")];

fn group(dir: &std::path::Path, name: &str, text: &str, delimiter: Option<u8>) -> Grouped {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    let format = Format::from_path(&path).unwrap();
    let opts = GroupOptions {
        delimiter,
        ..GroupOptions::new("account")
    };
    group_file(&path, format, &opts).unwrap()
}

/// The line and error of every row with an error.
fn bad_rows(g: &Grouped) -> Vec<(u64, String)> {
    g.groups
        .iter()
        .flat_map(|g| g.rows().unwrap().iter().cloned().collect::<Vec<_>>())
        .filter_map(|r| r.error.map(|e| (r.line, e)))
        .collect()
}

#[test]
fn a_bad_row_on_line_6_is_line_6_with_any_line_ends_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    for (name, nl) in ENDINGS {
        // CSV: a header, a field spanning lines 2 and 3, a blank line 5,
        // and a short row on line 6.
        let csv = [
            "account,item,amount",
            "A,\"two",
            "lines\",1",
            "A,tea,2",
            "",
            "A",
            "A,cake,3",
            "",
        ]
        .join(nl);
        let g = group(dir.path(), "rows.csv", &csv, None);
        let lines: Vec<u64> = g.groups[0].rows().unwrap().iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 4, 6, 7], "CSV with {name}");
        assert_eq!(
            bad_rows(&g),
            [(6, "row has 1 fields, the header has 3".to_owned())],
            "CSV with {name}"
        );
        assert_eq!(
            g.groups[0].rows().unwrap()[0].values[1].as_deref(),
            Some(format!("two{nl}lines").as_str())
        );

        // NDJSON: line 6 is not JSON.
        let nd = [
            r#"{"account":"A","amount":1}"#,
            "",
            r#"{"account":"A","amount":2}"#,
            r#"{"account":"A","amount":3}"#,
            r#"{"account":"A","amount":4}"#,
            "not json",
            r#"{"account":"A","amount":5}"#,
        ]
        .join(nl);
        let g = group(dir.path(), "rows.ndjson", &nd, None);
        let bad = bad_rows(&g);
        assert_eq!(bad.len(), 1, "NDJSON with {name}: {bad:?}");
        assert_eq!(bad[0].0, 6, "NDJSON with {name}");
        let lines: Vec<u64> = g.groups[0].rows().unwrap().iter().map(|r| r.line).collect();
        assert_eq!(lines, [1, 3, 4, 5, 7], "NDJSON with {name}");

        // A JSON array: the element on line 6 is no object.
        let json = [
            "[",
            r#"{"account":"A","amount":1},"#,
            r#"{"account":"A","amount":2},"#,
            r#"{"account":"A","amount":3},"#,
            "",
            "7,",
            r#"{"account":"A","amount":5}"#,
            "]",
        ]
        .join(nl);
        let g = group(dir.path(), "rows.json", &json, None);
        assert_eq!(
            bad_rows(&g),
            [(6, "expected a JSON object, found a number".to_owned())],
            "JSON with {name}"
        );
        // A syntax error is named with the same counting.
        let broken = ["[", r#"{"account":"A"},"#, "", r#"{"account": }"#, "]"].join(nl);
        let path = dir.path().join("broken.json");
        std::fs::write(&path, broken).unwrap();
        let err = group_file(&path, Format::Json, &GroupOptions::new("account")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with(&format!("{}: line 4: expected value", path.display())),
            "JSON with {name}: {err}"
        );
    }
}

#[test]
fn semicolons_and_tabs_are_detected_and_a_delimiter_can_be_given() {
    let dir = tempfile::tempdir().unwrap();
    let names = |g: &Grouped| g.columns.names().to_vec();
    for (text, want) in [
        ("account;amount;note\nA;1,50;\"x;y\"\n", "1,50"),
        ("\u{feff}account\tamount\tnote\nA\t1.50\tx\n", "1.50"),
        ("account,amount,note\nA,\"1;5\",x\n", "1;5"),
    ] {
        let g = group(dir.path(), "d.csv", text, None);
        assert_eq!(names(&g), ["account", "amount", "note"], "{text:?}");
        let row = &g.groups[0].rows().unwrap()[0];
        assert_eq!(row.values[1].as_deref(), Some(want), "{text:?}");
        assert!(row.error.is_none(), "{text:?}: {:?}", row.error);
    }
    // One column, one delimiter: the header alone cannot say; the flag can.
    let text = "account|amount\nA|2\n";
    let g = group(dir.path(), "p.csv", text, Some(b'|'));
    assert_eq!(names(&g), ["account", "amount"]);
    assert_eq!(report_jobs::detect_delimiter(b"account\n"), b',');
}

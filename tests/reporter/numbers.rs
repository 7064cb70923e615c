//! Numbers as people write them: thousands separators read (or the value
//! named with the reason), negative amounts with the sign in front.

use workpool_tests::temp_dir;

use super::{reporter, require_tools, stderr, text, total_after_label};

#[test]
#[ignore = "needs pdftotext (poppler-utils)"]
fn thousands_separators_are_read_and_a_bad_one_is_named() {
    require_tools();
    let dir = temp_dir();
    let input = dir.path().join("t.csv");
    // Nearly every amount is a number (18 of them on lines 6 to 23): the
    // default layout makes the column a number column.
    let mut csv = String::from(
        "account,item,amount\nA,tea,\"1,234.50\"\nA,cake,\"-2,000,000.25\"\nB,milk,\"1,234,56\"\nC,eggs,\"12,50\"\n",
    );
    csv.push_str(&"A,jam,\"1,000.00\"\n".repeat(18));
    std::fs::write(&input, csv).unwrap();
    let out = dir.path().join("out");
    let o = reporter(&input, &out, &["--no-system-fonts", "--quiet"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    // The default layout shows the numbers as they were written, with the
    // exact total.
    let t = text(&out.join("A.pdf"), None);
    assert!(
        t.contains("1,234.50\n") && t.contains("-2,000,000.25\n"),
        "{t}"
    );
    // 1234.50 - 2000000.25 + 18 * 1000
    assert_eq!(total_after_label(&t), "-1,980,765.75", "{t}");
    assert_eq!(
        std::fs::read_to_string(out.join("failures.csv")).unwrap(),
        "group,file,reason\n\
         B,B.pdf,\"line 4: column \"\"amount\"\": \"\"1,234,56\"\" is not a number (a thousands \
         separator goes between groups of three digits, the same one throughout, before the \
         decimal point)\"\n\
         C,C.pdf,\"line 5: column \"\"amount\"\": \"\"12,50\"\" is not a number (the decimal \
         separator is \"\".\"\"; \"\",\"\" separates thousands, between groups of three \
         digits)\"\n"
    );
}

#[test]
#[ignore = "needs pdftotext (poppler-utils)"]
fn negative_currency_has_its_sign_in_front() {
    require_tools();
    let dir = temp_dir();
    let input = dir.path().join("n.csv");
    std::fs::write(
        &input,
        "account,item,amount\nA,refund,-23652.11\nA,fee,10\n",
    )
    .unwrap();
    let layout = dir.path().join("l.toml");
    std::fs::write(
        &layout,
        "[[columns]]\nfield = \"item\"\n[[columns]]\nfield = \"amount\"\nformat = \"currency\"\n\
         prefix = \"$\"\nsuffix = \" USD\"\nthousands = \",\"\ntotal = true\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = reporter(
        &input,
        &out,
        &["--no-system-fonts", "--layout", layout.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let t = text(&out.join("A.pdf"), None);
    assert!(t.contains("-$23,652.11 USD\n"), "{t}");
    assert!(t.contains("$10.00 USD\n"), "{t}");
    assert!(!t.contains("$-"), "{t}");
    let mut words = t.split_whitespace().skip_while(|w| *w != "Total").skip(1);
    assert_eq!(
        (words.next(), words.next()),
        (Some("-$23,642.11"), Some("USD")),
        "{t}"
    );
}

#[test]
#[ignore = "needs pdftotext (poppler-utils)"]
fn a_layout_without_columns_draws_every_column_and_its_totals() {
    require_tools();
    let dir = temp_dir();
    let input = dir.path().join("a.csv");
    std::fs::write(&input, "account,item,amount\nA,tea,1.25\nA,cake,2.50\n").unwrap();
    let layout = dir.path().join("l.toml");
    std::fs::write(&layout, "title = \"T\"\n").unwrap();
    let out = dir.path().join("out");
    let o = reporter(
        &input,
        &out,
        &["--no-system-fonts", "--layout", layout.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let t = text(&out.join("A.pdf"), None);
    for cell in ["account", "item", "amount", "tea", "cake", "1.25", "2.50"] {
        assert!(
            t.split_whitespace().any(|w| w == cell),
            "{cell} not in\n{t}"
        );
    }
    assert_eq!(total_after_label(&t), "3.75", "{t}");
}

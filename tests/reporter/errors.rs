//! What the reporter prints for each kind of bad input it takes: the whole
//! line, pinned, with each cause said once (no segment between `: `
//! repeated), and exit 2 with nothing written.

use std::path::Path;

use workpool_tests::{command, temp_dir};

/// Runs the reporter in `dir` with `args`; returns its stderr after
/// checking that it exited 2 and wrote no output folder.
fn refused(dir: &Path, args: &[&str]) -> String {
    let o = command("reporter")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    assert!(
        !dir.join("out").exists(),
        "{args:?} wrote its output folder"
    );
    err
}

/// Fails if a line repeats one of its `: `-separated segments (a cause
/// printed by its error and again by the printer walking the chain).
fn says_each_cause_once(err: &str) {
    for line in err.lines() {
        let segments: Vec<&str> = line.split(": ").collect();
        for (i, s) in segments.iter().enumerate() {
            assert!(
                !segments[i + 1..].contains(s),
                "{s:?} twice in the line {line:?}"
            );
        }
    }
}

#[test]
fn bad_inputs_are_named_once_in_plain_words() {
    let dir = temp_dir();
    let d = dir.path();
    std::fs::write(d.join("a.csv"), "account,amount\nA,1\n").unwrap();
    std::fs::write(d.join("a.json"), "[{\"account\":\"A\",\"amount\":1}]").unwrap();
    std::fs::write(d.join("unknown.toml"), "[[columns]]\nfield = \"nope\"\n").unwrap();
    std::fs::write(d.join("size.toml"), "font_size = 100\n").unwrap();
    std::fs::write(
        d.join("syntax.toml"),
        "title = \"x\"\n[[columns]]\nfield = 3\n",
    )
    .unwrap();
    std::fs::write(d.join("logo.toml"), "[logo]\npath = \"art/logo.png\"\n").unwrap();
    std::fs::write(d.join("a.txt"), "account\n").unwrap();
    let cases: [(&[&str], String); 9] = [
        (
            &["nonexistent.csv", "-g", "account", "-o", "out"],
            "reporter: nonexistent.csv: No such file or directory (os error 2)\n".into(),
        ),
        (
            &["a.txt", "-g", "account", "-o", "out"],
            "reporter: a.txt: unknown input format (expected .csv, .json, .ndjson or .jsonl)\n"
                .into(),
        ),
        (
            &["a.csv", "-g", "zzz", "-o", "out"],
            "reporter: a.csv: no column \"zzz\" to group by (columns: account, amount)\n".into(),
        ),
        (
            &["a.json", "-g", "zzz", "-o", "out"],
            "reporter: a.json: no column \"zzz\" to group by (columns: account, amount)\n".into(),
        ),
        (
            &["a.csv", "-g", "account", "-o", "out", "-l", "missing.toml"],
            "reporter: missing.toml: No such file or directory (os error 2)\n".into(),
        ),
        (
            &["a.csv", "-g", "account", "-o", "out", "-l", "unknown.toml"],
            "reporter: unknown.toml: columns uses field \"nope\", which is not an input column \
             (columns: account, amount)\n"
                .into(),
        ),
        (
            &["a.csv", "-g", "account", "-o", "out", "-l", "size.toml"],
            "reporter: size.toml: font_size 100 is outside 4..24\n".into(),
        ),
        (
            &["a.csv", "-g", "account", "-o", "out", "-l", "logo.toml"],
            "reporter: logo art/logo.png: No such file or directory (os error 2)\n".into(),
        ),
        (
            &["a.csv", "-g", "account", "-o", "out", "--font", "nope.ttf"],
            "reporter: font nope.ttf: No such file or directory (os error 2)\n".into(),
        ),
    ];
    for (args, want) in cases {
        let err = refused(d, args);
        assert_eq!(err, want, "{args:?}");
        says_each_cause_once(&err);
    }
    // A TOML syntax error names the file, line and column (toml's own
    // message spans several lines).
    let err = refused(
        d,
        &["a.csv", "-g", "account", "-o", "out", "-l", "syntax.toml"],
    );
    assert!(
        err.starts_with("reporter: syntax.toml: TOML parse error at line 3, column 9"),
        "{err}"
    );
    says_each_cause_once(&err);
}

/// `reporter enqueue` reads the input before it connects: a missing group
/// column is said the same way, and nothing reaches the database.
#[test]
fn enqueue_names_a_missing_group_column_as_the_run_does() {
    let dir = temp_dir();
    let d = dir.path();
    std::fs::write(d.join("a.csv"), "account,amount\nA,1\n").unwrap();
    let err = refused(
        d,
        &[
            "enqueue",
            "a.csv",
            "-g",
            "zzz",
            "-o",
            "out",
            "--db",
            "postgres://127.0.0.1:1/none",
        ],
    );
    // Enqueue names the input by its absolute path (what it stores).
    assert_eq!(
        err,
        format!(
            "reporter: {}: no column \"zzz\" to group by (columns: account, amount)\n",
            d.join("a.csv").display()
        )
    );
}

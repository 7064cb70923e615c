//! What the summary counts: characters no font has are counted once each,
//! in the text summary and in `--json`.

use workpool_tests::{command, samples_dir, temp_dir};

use super::stderr;

#[test]
fn characters_no_font_has_are_counted_once_each() {
    let dir = temp_dir();
    // Without a CJK font, the sample's "東京支店" (in 16 rows of one
    // group) is drawn blank: 4 characters, 16 warnings.
    let run = |json: bool| {
        let mut cmd = command("reporter");
        cmd.arg(samples_dir().join("reports/items.csv"))
            .args(["--group-by", "account", "--no-system-fonts", "--out"])
            .arg(dir.path().join("out"));
        if json {
            cmd.arg("--json");
        }
        cmd.output().unwrap()
    };
    let o = run(false);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    let warnings = err
        .lines()
        .filter(|l| l.contains("no font has '東'"))
        .count();
    assert_eq!(warnings, 16, "{err}");
    assert!(
        err.contains(
            "4 distinct characters no font has: 京店支東 (see the warnings above; add --font)"
        ),
        "{err}"
    );
    let o = run(true);
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary["chars_without_font"], 4, "{summary}");
}

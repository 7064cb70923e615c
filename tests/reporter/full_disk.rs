//! A disk that fills up while a report is written: that report fails with
//! an I/O error naming its file and the cause, leaves nothing half
//! written behind, and the reports that fit are written whole.

use std::path::{Path, PathBuf};
use std::process::Command;

use workpool_tests::temp_dir;

use super::{reporter, stderr};

/// A tmpfs of `size` mounted on a folder for as long as it lives.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(on: &Path, size: &str) -> Tmpfs {
        let o = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(on)
            .output()
            .expect("mount");
        assert!(o.status.success(), "mount: {}", stderr(&o));
        Tmpfs(on.to_owned())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
#[ignore = "needs root, to mount a small tmpfs (.ci/run runs as root)"]
fn a_report_that_fills_the_disk_fails_naming_its_file_and_leaves_nothing() {
    let dir = temp_dir();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let _disk = Tmpfs::mount(&out, "160k");
    // SMALL (a page) fits; BIG (3,000 rows, about seventy pages) cannot.
    let mut csv = String::from("account,date,item,qty,amount\n");
    csv.push_str("SMALL,2025-01-02,tea,1,2.50\n");
    for i in 1..=3000 {
        csv.push_str(&format!("BIG,2025-01-02,item{i},{},{}.25\n", i % 9 + 1, i));
    }
    let input = dir.path().join("ledger.csv");
    std::fs::write(&input, csv).unwrap();
    let failures = dir.path().join("failures.csv");
    let o = reporter(
        &input,
        &out,
        &[
            "--no-system-fonts",
            "--quiet",
            "--workers",
            "1",
            "--retries",
            "0",
            "--failures",
            failures.to_str().unwrap(),
        ],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let listed = std::fs::read_to_string(&failures).unwrap();
    let big = out.join("BIG.pdf");
    let line = listed
        .lines()
        .find(|l| l.starts_with("BIG,"))
        .unwrap_or_else(|| panic!("BIG is not listed as failed:\n{listed}\n{err}"));
    assert!(
        line.contains(&big.display().to_string()) && line.contains("No space left on device"),
        "the failure names neither the file nor the cause: {line}"
    );
    assert_eq!(
        listed.lines().filter(|l| l.starts_with("SMALL,")).count(),
        0
    );
    // Nothing half written: SMALL.pdf whole, no BIG.pdf, no temporary file.
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["SMALL.pdf"], "left in the output folder");
    let small = std::fs::read(out.join("SMALL.pdf")).unwrap();
    assert!(small.starts_with(b"%PDF-") && small.trim_ascii_end().ends_with(b"%%EOF"));
}

//! Reading back what a tool wrote, to compare runs.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// Every file under `dir`, by relative path, with its bytes.
///
/// # Panics
///
/// When `dir` or a file under it cannot be read.
pub fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d);
        for entry in entries.unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry
                .unwrap_or_else(|e| panic!("{}: {e}", d.display()))
                .path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes =
                    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                let rel = path.strip_prefix(dir).unwrap_or(&path);
                out.insert(rel.display().to_string(), bytes);
            }
        }
    }
    out
}

/// `pdftotext -layout` of `pdf`: its text as laid out on the pages.
///
/// # Panics
///
/// When `pdftotext` (poppler-utils) is missing or fails.
pub fn pdf_text(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .arg("-layout")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext runs (poppler-utils)");
    assert!(out.status.success(), "pdftotext {}", pdf.display());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

//! The failures file: one row per item that failed, so that the failures of
//! a run can be read, fixed and fed back as input.
//!
//! The file is created at the first row, as a new file: the old one is
//! unlinked first rather than truncated, because it may be the very list
//! this run is reading (a failures file fed back as input). A run without
//! failures writes nothing; [`FailuresFile::finish`] then removes a file left
//! by an earlier run if this run was complete, so that it cannot be mistaken
//! for this run's.
//!
//! ```
//! use pool::cli::{FailuresFile, Format};
//!
//! # fn main() -> std::io::Result<()> {
//! let path = std::env::temp_dir().join(format!("failures-doc-{}.csv", std::process::id()));
//! let csv = || Format::Csv { header: vec!["file".into(), "reason".into()] };
//! let mut failures = FailuresFile::new(&path, csv());
//! failures.row(&["a.png", "cannot decode: bad header, says libpng"])?;
//! failures.finish(true)?;
//! assert_eq!(failures.count(), 1);
//! assert_eq!(
//!     std::fs::read_to_string(&path)?,
//!     "file,reason\na.png,\"cannot decode: bad header, says libpng\"\n"
//! );
//!
//! // The next run has no failure: the old file goes.
//! let mut failures = FailuresFile::new(&path, csv());
//! failures.finish(true)?;
//! assert!(!path.exists());
//! # Ok(())
//! # }
//! ```

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// How a [`FailuresFile`] lays out its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    /// Tab-separated, no header line, one line per row: a list to read
    /// back. Tabs and line breaks in a field become spaces.
    Tsv,
    /// Comma-separated with a header line (RFC 4180): a field holding a
    /// comma, a double quote or a line break is quoted (quotes doubled), so
    /// any CSV reader reads the row back as it was.
    Csv {
        /// The header line's column names.
        header: Vec<String>,
    },
}

/// A failures file, created lazily at the first [`row`](FailuresFile::row).
#[derive(Debug)]
pub struct FailuresFile {
    path: PathBuf,
    format: Format,
    file: Option<BufWriter<File>>,
    count: u64,
    line: String,
}

impl FailuresFile {
    /// A failures file at `path`; nothing is created or removed yet.
    pub fn new(path: impl Into<PathBuf>, format: Format) -> FailuresFile {
        FailuresFile {
            path: path.into(),
            format,
            file: None,
            count: 0,
            line: String::new(),
        }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How many rows were written.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Writes one row. The first row replaces a file left at the path by a
    /// new file (with the CSV header line), leaving a reader of the old file
    /// reading the old content.
    ///
    /// # Errors
    ///
    /// When the old file cannot be removed or the new one created or written
    /// to; the error names the path.
    pub fn row<S: AsRef<str>>(&mut self, fields: &[S]) -> io::Result<()> {
        self.line.clear();
        push_line(&mut self.line, &self.format, fields);
        let file = match &mut self.file {
            Some(file) => file,
            None => {
                let file = self.create().map_err(|e| named(&self.path, e))?;
                self.file.insert(file)
            }
        };
        file.write_all(self.line.as_bytes())
            .map_err(|e| named(&self.path, e))?;
        self.count += 1;
        Ok(())
    }

    /// Ends the run: flushes the rows written. When there were none and
    /// `complete` is true (the run went through all its input), removes a
    /// failures file left by an earlier run; an incomplete run leaves it.
    ///
    /// # Errors
    ///
    /// When the rows cannot be flushed or the old file cannot be removed;
    /// the error names the path.
    pub fn finish(&mut self, complete: bool) -> io::Result<()> {
        let done = match &mut self.file {
            Some(file) => file.flush(),
            None if complete => remove_if_present(&self.path),
            None => Ok(()),
        };
        done.map_err(|e| named(&self.path, e))
    }

    fn create(&self) -> io::Result<BufWriter<File>> {
        remove_if_present(&self.path)?;
        let mut file = BufWriter::new(File::create_new(&self.path)?);
        if let Format::Csv { header } = &self.format {
            let mut line = String::new();
            push_line(&mut line, &self.format, header);
            file.write_all(line.as_bytes())?;
        }
        Ok(file)
    }
}

/// Appends `fields` as one row of `format`, newline included.
fn push_line<S: AsRef<str>>(line: &mut String, format: &Format, fields: &[S]) {
    for (i, field) in fields.iter().map(AsRef::as_ref).enumerate() {
        match format {
            Format::Tsv => {
                if i > 0 {
                    line.push('\t');
                }
                line.push_str(&field.replace(['\t', '\r', '\n'], " "));
            }
            Format::Csv { .. } => {
                if i > 0 {
                    line.push(',');
                }
                push_csv_field(line, field);
            }
        }
    }
    line.push('\n');
}

/// Appends `field` as one CSV field, quoted when it must be.
fn push_csv_field(line: &mut String, field: &str) {
    if field.contains([',', '"', '\r', '\n']) {
        line.push('"');
        line.push_str(&field.replace('"', "\"\""));
        line.push('"');
    } else {
        line.push_str(field);
    }
}

fn remove_if_present(path: &Path) -> io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

fn named(path: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn csv() -> Format {
        Format::Csv {
            header: ["group", "file", "reason"].map(String::from).to_vec(),
        }
    }

    fn dir() -> tempfile::TempDir {
        tempfile::tempdir().expect("temp dir")
    }

    fn read(path: &Path) -> String {
        std::fs::read_to_string(path).expect("read the failures file")
    }

    #[test]
    fn nothing_is_created_without_a_row() -> io::Result<()> {
        let dir = dir();
        let path = dir.path().join("failures.tsv");
        for complete in [false, true] {
            let mut failures = FailuresFile::new(&path, Format::Tsv);
            failures.finish(complete)?;
            assert!(
                !path.exists(),
                "created without a row (complete: {complete})"
            );
            assert_eq!(failures.count(), 0);
        }
        Ok(())
    }

    #[test]
    fn a_complete_clean_run_removes_a_stale_file_an_incomplete_one_keeps_it() -> io::Result<()> {
        let dir = dir();
        let path = dir.path().join("failures.csv");
        std::fs::write(&path, "group,file,reason\nold,old.pdf,old\n")?;

        FailuresFile::new(&path, csv()).finish(false)?;
        assert_eq!(read(&path), "group,file,reason\nold,old.pdf,old\n");

        FailuresFile::new(&path, csv()).finish(true)?;
        assert!(!path.exists(), "the stale failures file is still there");
        Ok(())
    }

    #[test]
    fn a_run_with_failures_replaces_the_old_file_whole() -> io::Result<()> {
        let dir = dir();
        let path = dir.path().join("failures.tsv");
        std::fs::write(&path, "a\told one\nb\told two\nc\told three\n")?;
        let mut failures = FailuresFile::new(&path, Format::Tsv);
        failures.row(&["x", "new"])?;
        failures.finish(false)?;
        assert_eq!(read(&path), "x\tnew\n");
        Ok(())
    }

    #[test]
    fn a_reader_of_the_old_file_keeps_reading_the_old_content() -> io::Result<()> {
        let dir = dir();
        let path = dir.path().join("failures.tsv");
        let old = "a.png\tcannot decode\nb.png\tcannot decode\n";
        std::fs::write(&path, old)?;
        // This run reads its input from the old failures file.
        let mut input = File::open(&path)?;

        let mut failures = FailuresFile::new(&path, Format::Tsv);
        failures.row(&["a.png", "still broken"])?;
        failures.finish(true)?;

        let mut read_back = String::new();
        input.read_to_string(&mut read_back)?;
        assert_eq!(read_back, old, "the input was overwritten");
        assert_eq!(read(&path), "a.png\tstill broken\n");
        Ok(())
    }

    #[test]
    fn csv_fields_are_quoted_so_a_csv_reader_reads_them_back() -> io::Result<()> {
        let dir = dir();
        let path = dir.path().join("failures.csv");
        let mut failures = FailuresFile::new(&path, csv());
        failures.row(&["plain", "a,b.pdf", r#"say "no""#])?;
        failures.row(&["two\nlines", "cr\r\nlf", "both, \"and\"\nbreak"])?;
        failures.finish(true)?;
        assert_eq!(
            read(&path),
            "group,file,reason\n\
             plain,\"a,b.pdf\",\"say \"\"no\"\"\"\n\
             \"two\nlines\",\"cr\r\nlf\",\"both, \"\"and\"\"\nbreak\"\n"
        );
        assert_eq!(failures.count(), 2);
        Ok(())
    }

    #[test]
    fn tsv_fields_lose_tabs_and_line_breaks() -> io::Result<()> {
        let dir = dir();
        let path = dir.path().join("failures.tsv");
        let mut failures = FailuresFile::new(&path, Format::Tsv);
        failures.row(&["dir/a\tb.png", "line one\nline two\r\n\tend, \"quoted\""])?;
        failures.row(&["c.png", "ok"])?;
        failures.row(&["d.png", ""])?;
        failures.finish(true)?;
        assert_eq!(
            read(&path),
            "dir/a b.png\tline one line two   end, \"quoted\"\nc.png\tok\nd.png\t\n"
        );
        assert_eq!(failures.count(), 3);
        Ok(())
    }

    #[test]
    fn rows_are_counted_and_all_written() -> io::Result<()> {
        let dir = dir();
        let path = dir.path().join("failures.tsv");
        let mut failures = FailuresFile::new(&path, Format::Tsv);
        for i in 0..1000 {
            failures.row(&[&format!("{i}.png"), "bad"])?;
        }
        failures.finish(true)?;
        assert_eq!(failures.count(), 1000);
        let text = read(&path);
        assert_eq!(text.lines().count(), 1000);
        assert_eq!(text.lines().last(), Some("999.png\tbad"));
        Ok(())
    }

    #[test]
    fn an_error_names_the_file() {
        let dir = dir();
        let path = dir.path().join("no such dir").join("failures.tsv");
        let mut failures = FailuresFile::new(&path, Format::Tsv);
        let e = failures
            .row(&["a.png", "bad"])
            .expect_err("a file in a missing directory was created");
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
        assert!(e.to_string().contains("no such dir"), "{e}");
        assert_eq!(failures.count(), 0);
    }
}

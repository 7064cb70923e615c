//! Input files named in a list instead of found by the walk: one path per
//! line, so that a failures file (path, tab, reason) can be fed back.

use std::io::{self, BufRead};
use std::path::{Path, PathBuf};

use crate::error::ImageError;

/// The paths of a list, read one line at a time (memory does not grow with
/// the list). Each is resolved against the input folder and must lie
/// inside it.
pub(crate) struct ListedPaths {
    reader: Box<dyn BufRead + Send>,
    list: PathBuf,
    line: u64,
    input_root: PathBuf,
    done: bool,
}

impl ListedPaths {
    /// Paths from `reader` (the contents of `list`), for `input_root`
    /// (canonical).
    pub(crate) fn new(
        reader: Box<dyn BufRead + Send>,
        list: &Path,
        input_root: &Path,
    ) -> ListedPaths {
        ListedPaths {
            reader,
            list: list.to_owned(),
            line: 0,
            input_root: input_root.to_owned(),
            done: false,
        }
    }

    /// The path a line names: the text before the first tab, absolute or
    /// relative to the input folder. `None` for blank and `#` lines.
    fn path_of(&self, line: &[u8]) -> Option<PathBuf> {
        let field = line.split(|&b| b == b'\t').next().unwrap_or_default();
        let field = field.strip_suffix(b"\r").unwrap_or(field);
        if field.iter().all(u8::is_ascii_whitespace) || field.starts_with(b"#") {
            return None;
        }
        let path = bytes_to_path(field);
        Some(if path.is_absolute() {
            path
        } else {
            self.input_root.join(path)
        })
    }
}

#[cfg(unix)]
fn bytes_to_path(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
}

#[cfg(not(unix))]
fn bytes_to_path(bytes: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
}

impl Iterator for ListedPaths {
    type Item = Result<PathBuf, ImageError>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut line = Vec::new();
        while !self.done {
            line.clear();
            match self.reader.read_until(b'\n', &mut line) {
                Ok(0) => self.done = true,
                Ok(_) => {
                    self.line += 1;
                    if line.last() == Some(&b'\n') {
                        line.pop();
                    }
                    let Some(path) = self.path_of(&line) else {
                        continue;
                    };
                    return Some(match path.canonicalize() {
                        Ok(real) if real.starts_with(&self.input_root) => Ok(real),
                        Ok(_) => Err(ImageError::NotInInput {
                            path,
                            list: self.list.clone(),
                            line: self.line,
                        }),
                        Err(error) => Err(ImageError::Io { path, error }),
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => {
                    // A list that cannot be read further ends here, once.
                    self.done = true;
                    return Some(Err(ImageError::Io {
                        path: self.list.clone(),
                        error,
                    }));
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_failures_lines_relative_absolute_and_refuses_outsiders() {
        let root = tempfile::tempdir().expect("tempdir");
        let root = root.path().canonicalize().expect("canonical");
        std::fs::write(root.join("a.jpg"), b"x").expect("write");
        std::fs::create_dir(root.join("sub")).expect("mkdir");
        std::fs::write(root.join("sub/b.png"), b"x").expect("write");
        let text = format!(
            "# header\n\na.jpg\n{}\tcannot decode: truncated\r\nmissing.jpg\n/\n",
            root.join("sub/b.png").display()
        );
        let paths: Vec<_> = ListedPaths::new(
            Box::new(io::Cursor::new(text.into_bytes())),
            Path::new("list.tsv"),
            &root,
        )
        .collect();
        assert_eq!(paths.len(), 4);
        assert_eq!(paths[0].as_ref().expect("a"), &root.join("a.jpg"));
        assert_eq!(paths[1].as_ref().expect("b"), &root.join("sub/b.png"));
        assert!(
            matches!(&paths[2], Err(ImageError::Io { path, .. }) if path.ends_with("missing.jpg"))
        );
        let outsider = paths[3].as_ref().expect_err("outside");
        assert!(matches!(outsider, ImageError::NotInInput { line: 6, .. }));
        assert!(outsider.to_string().contains("list.tsv:6"), "{outsider}");
    }
}

//! [`write_atomic`]: the one way the tools write an output file, so that a
//! crash, a kill or a second worker never leaves a half-written one.

use std::fs;
use std::io::{self, Write as _};
use std::path::Path;

/// Writes `bytes` to `path` atomically: into a temporary file beside it
/// (`.NAME.PID.tmp`, so two processes writing the same output do not share
/// one), then renamed over `path`. A reader sees the old file or the new
/// one, never part of one; on error the temporary file is removed.
///
/// ```
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("report.pdf");
/// pool::write_atomic(&path, b"%PDF-1.7")?;
/// assert_eq!(std::fs::read(&path)?, b"%PDF-1.7");
/// assert_eq!(std::fs::read_dir(dir.path())?.count(), 1, "no temporary file left");
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Errors
///
/// The I/O error of creating, writing or renaming; the caller names the
/// file (the error is the operating system's).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?;
    let tmp = path.with_file_name(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(bytes))
        .and_then(|()| fs::rename(&tmp, path));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

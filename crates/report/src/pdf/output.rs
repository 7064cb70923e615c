//! [`Output`]: where reports go: a local folder, or a prefix in an
//! S3-compatible bucket (`s3://bucket/prefix`, see `object_files`), through
//! a local staging folder.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use object_files::{Bucket, join, parse_s3};

use crate::error::{InputError, ReportError};

/// Where a run writes its reports.
#[derive(Debug)]
pub(crate) enum Output {
    /// A local folder (or a shared mount).
    Folder(PathBuf),
    /// A bucket prefix; reports are written to `staging`, uploaded, then
    /// removed.
    Bucket {
        bucket: Arc<Bucket>,
        prefix: String,
        staging: tempfile::TempDir,
    },
}

impl Output {
    /// `out_dir` as a place to write: a folder is created; an `s3://`
    /// location gets its bucket (configured from the `AWS_*` variables) and
    /// a staging folder.
    pub(crate) fn open(out_dir: &Path) -> Result<Output, InputError> {
        let io = |error| InputError::Io {
            path: out_dir.to_owned(),
            error,
        };
        let Some((name, prefix)) = parse_s3(out_dir) else {
            std::fs::create_dir_all(out_dir).map_err(io)?;
            return Ok(Output::Folder(out_dir.to_owned()));
        };
        let bucket = Bucket::from_env(&name).map_err(|e| io(e.into_io()))?;
        let staging = tempfile::Builder::new()
            .prefix("reporter-staging-")
            .tempdir()
            .map_err(io)?;
        Ok(Output::Bucket {
            bucket: Arc::new(bucket),
            prefix,
            staging,
        })
    }

    /// The local folder reports are written into.
    pub(crate) fn dir(&self) -> &Path {
        match self {
            Output::Folder(dir) => dir,
            Output::Bucket { staging, .. } => staging.path(),
        }
    }

    /// Writes `file_name` with `write` (atomically: a temporary file
    /// renamed, or one PUT, so a report that fails half way leaves nothing
    /// behind); returns where it went and what `write` returned.
    pub(crate) fn write_with<T>(
        &self,
        file_name: &str,
        write: impl FnOnce(&mut dyn Write) -> Result<T, ReportError>,
    ) -> Result<(PathBuf, T), ReportError> {
        let path = self.dir().join(file_name);
        let tmp = path.with_file_name(format!(".{file_name}.{}.tmp", std::process::id()));
        let written = (|| {
            let file = File::create(&tmp).map_err(|e| ReportError::io(&path, &e))?;
            let mut out = Noted {
                inner: BufWriter::with_capacity(1 << 16, file),
                error: None,
            };
            let value = write(&mut out);
            // A failed write (a full disk) is the file's, whichever layer
            // saw it first, and may pass on another attempt.
            if let Some(e) = out.error.take() {
                return Err(ReportError::io(&path, &e));
            }
            let value = value?;
            out.flush().map_err(|e| ReportError::io(&path, &e))?;
            std::fs::rename(&tmp, &path).map_err(|e| ReportError::io(&path, &e))?;
            Ok(value)
        })();
        let value = match written {
            Ok(v) => v,
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
        };
        let Output::Bucket { bucket, prefix, .. } = self else {
            return Ok((path, value));
        };
        let key = join(prefix, file_name);
        let uploaded = bucket.upload(&path, &key);
        let _ = std::fs::remove_file(&path);
        uploaded.map_err(|e| {
            let url = PathBuf::from(&e.url);
            ReportError::io(&url, &e.into_io())
        })?;
        Ok((PathBuf::from(bucket.url(&key)), value))
    }
}

/// A writer that keeps its first error.
struct Noted<W> {
    inner: W,
    error: Option<std::io::Error>,
}

impl<W: Write> Noted<W> {
    fn note<T>(&mut self, r: std::io::Result<T>) -> std::io::Result<T> {
        if let Err(e) = &r
            && self.error.is_none()
        {
            self.error = Some(std::io::Error::new(e.kind(), e.to_string()));
        }
        r
    }
}

impl<W: Write> Write for Noted<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let r = self.inner.write(buf);
        self.note(r)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let r = self.inner.flush();
        self.note(r)
    }
}

//! [`Remote`]: a resizer run's folders as prefixes in an S3-compatible
//! bucket (`s3://bucket/prefix`, see `object_files`). The images pass
//! through local staging folders: each job fetches its input there, the
//! usual [`process`](crate::process) resizes it, and the outputs are
//! uploaded and removed.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use object_files::{Bucket, ObjectError, join, parse_s3};
use tokio::sync::mpsc;

use crate::error::{ImageError, SettingsError};

/// The bucket and prefixes of a remote run, and the staging folders.
#[derive(Debug)]
pub struct Remote {
    bucket: Arc<Bucket>,
    input: String,
    output: String,
    /// Local folders the images pass through (removed with the run).
    staging: tempfile::TempDir,
}

pub(crate) fn image_error(e: ObjectError) -> ImageError {
    ImageError::Io {
        path: PathBuf::from(&e.url),
        source: io::Error::new(e.kind, e.message),
    }
}

impl Remote {
    /// Connects to the bucket of `input` (and `output`, which must be in
    /// the same bucket) and makes the staging folders.
    ///
    /// # Errors
    ///
    /// A location that is not `s3://bucket/prefix`, two buckets, the same
    /// prefix twice, or an S3 configuration the `AWS_*` variables do not
    /// complete.
    pub fn open(input: &Path, output: &Path) -> Result<Remote, SettingsError> {
        let bad = |path: &Path, message: &str| SettingsError::Input {
            path: path.to_owned(),
            source: io::Error::new(io::ErrorKind::InvalidInput, message.to_owned()),
        };
        let (name, input_prefix) =
            parse_s3(input).ok_or_else(|| bad(input, "not an s3://bucket/prefix location"))?;
        let (out_name, output_prefix) = parse_s3(output).ok_or_else(|| {
            bad(
                output,
                "the input is in S3: put the output there too (s3://bucket/prefix)",
            )
        })?;
        if out_name != name {
            return Err(bad(output, "the output must be in the input's bucket"));
        }
        if output_prefix == input_prefix {
            return Err(SettingsError::SameFolder(output.to_owned()));
        }
        let bucket = Bucket::from_env(&name).map_err(|e| bad(input, &e.to_string()))?;
        let staging = tempfile::Builder::new()
            .prefix("resizer-staging-")
            .tempdir()
            .map_err(|source| SettingsError::Output {
                path: std::env::temp_dir(),
                source,
            })?;
        for dir in ["in", "out"] {
            let path = staging.path().join(dir);
            std::fs::create_dir_all(&path)
                .map_err(|source| SettingsError::Output { path, source })?;
        }
        Ok(Remote {
            bucket: Arc::new(bucket),
            input: input_prefix,
            output: output_prefix,
            staging,
        })
    }

    /// The local folder inputs are fetched into.
    pub fn staging_input(&self) -> PathBuf {
        self.staging.path().join("in")
    }

    /// The local folder outputs are made in before upload.
    pub fn staging_output(&self) -> PathBuf {
        self.staging.path().join("out")
    }

    /// `s3://bucket/input-prefix`.
    pub fn input_url(&self) -> PathBuf {
        PathBuf::from(self.bucket.url(&self.input))
    }

    /// `s3://bucket/output-prefix`.
    pub fn output_url(&self) -> PathBuf {
        PathBuf::from(self.bucket.url(&self.output))
    }

    /// The input prefix's objects, as keys relative to it.
    pub(crate) fn list(&self) -> mpsc::Receiver<Result<String, ObjectError>> {
        self.bucket.list(&self.input)
    }

    /// Fetches input `rel` into `local`. Runs on a blocking thread.
    pub(crate) fn fetch(&self, rel: &Path, local: &Path) -> Result<(), ImageError> {
        let key = join(&self.input, &rel.to_string_lossy());
        self.bucket.fetch(&key, local).map_err(image_error)
    }

    /// Uploads the staged output `local` (under `staging_root`) to its key
    /// under the output prefix, and removes it. Runs on a blocking thread.
    pub(crate) fn store(&self, local: &Path, staging_root: &Path) -> Result<(), ImageError> {
        let rel = local.strip_prefix(staging_root).unwrap_or(local);
        let key = join(&self.output, &rel.to_string_lossy());
        self.bucket.upload(local, &key).map_err(image_error)?;
        let _ = std::fs::remove_file(local);
        Ok(())
    }
}

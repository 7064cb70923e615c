//! [`Remote`]: a resizer run whose input or output folder (or both) is a
//! prefix in an S3-compatible bucket (`s3://bucket/prefix`, see
//! `object_files`); the two may be in different buckets, or one of them a
//! local folder. The images pass through local staging folders: each job
//! fetches its input there, the usual [`process`](crate::process) resizes
//! it, and the outputs are uploaded and removed.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use object_files::{Bucket, ObjectError, Problem, has_objects_blocking, join, parse_s3};
use tokio::sync::mpsc;

use crate::error::{ImageError, SettingsError};

/// One side of a run in a bucket: the bucket and the prefix.
#[derive(Debug)]
struct Prefix {
    bucket: Arc<Bucket>,
    prefix: String,
}

impl Prefix {
    /// The side at `location` if it is an `s3://` one.
    fn open(location: &Path, which: &'static str) -> Result<Option<Prefix>, SettingsError> {
        let Some((name, prefix)) = parse_s3(location) else {
            return Ok(None);
        };
        let bucket =
            Bucket::from_env(&name).map_err(|error| SettingsError::Bucket { which, error })?;
        Ok(Some(Prefix {
            bucket: Arc::new(bucket),
            prefix,
        }))
    }

    fn url(&self) -> String {
        self.bucket.url(&self.prefix)
    }

    /// Whether `other` is the same prefix of the same bucket.
    fn same(&self, other: &Prefix) -> bool {
        self.bucket.name() == other.bucket.name() && self.prefix == other.prefix
    }
}

/// The bucket sides of a run and the staging folders.
#[derive(Debug)]
pub struct Remote {
    input: Option<Prefix>,
    output: Option<Prefix>,
    /// Keys under the input prefix that hold this run's outputs (the
    /// output prefix inside the input prefix), relative to the input
    /// prefix: not listed as inputs.
    skip_in_input: Option<String>,
    /// Local folders the images pass through (removed with the run).
    staging: tempfile::TempDir,
}

impl Remote {
    /// The bucket sides of `input` and `output`, when either is an
    /// `s3://` location (`None` when both are local folders), with the
    /// staging folders made. With `listing`, the input is checked now: a
    /// bucket that does not exist, a prefix that cannot be listed, or one
    /// with nothing under it is an error before any work; the output's
    /// bucket must exist.
    ///
    /// # Errors
    ///
    /// A [`SettingsError`] naming the input or output: an S3 configuration
    /// the `AWS_*` variables do not complete, the same prefix for both, or
    /// what the checks above find.
    pub fn open(
        input: &Path,
        output: &Path,
        listing: bool,
    ) -> Result<Option<Remote>, SettingsError> {
        let in_side = Prefix::open(input, "input")?;
        let out_side = Prefix::open(output, "output")?;
        if in_side.is_none() && out_side.is_none() {
            return Ok(None);
        }
        let mut skip_in_input = None;
        if let (Some(a), Some(b)) = (&in_side, &out_side) {
            if a.same(b) {
                return Err(SettingsError::SameFolder(output.to_owned()));
            }
            if a.bucket.name() == b.bucket.name() {
                skip_in_input = inside(&a.prefix, &b.prefix);
            }
        }
        if listing {
            if let Some(side) = &in_side {
                let has =
                    has_objects_blocking(side.bucket.name(), &side.prefix).map_err(|error| {
                        SettingsError::Bucket {
                            which: "input",
                            error,
                        }
                    })?;
                if !has {
                    return Err(SettingsError::EmptyInput(side.url()));
                }
            }
            if let Some(side) = &out_side {
                // A bucket the keys may write but not list is fine.
                match has_objects_blocking(side.bucket.name(), &side.prefix) {
                    Err(e) if e.problem != Problem::Denied => {
                        return Err(SettingsError::Bucket {
                            which: "output",
                            error: e,
                        });
                    }
                    _ => {}
                }
            }
        }
        let staging = tempfile::Builder::new()
            .prefix("resizer-staging-")
            .tempdir()
            .map_err(|error| SettingsError::Output {
                path: std::env::temp_dir(),
                error,
            })?;
        for dir in ["in", "out"] {
            let path = staging.path().join(dir);
            std::fs::create_dir_all(&path)
                .map_err(|error| SettingsError::Output { path, error })?;
        }
        Ok(Some(Remote {
            input: in_side,
            output: out_side,
            skip_in_input,
            staging,
        }))
    }

    /// The local folder inputs are fetched into, if the input is in a bucket.
    pub fn staging_input(&self) -> Option<PathBuf> {
        self.input.as_ref().map(|_| self.staging.path().join("in"))
    }

    /// The local folder outputs are made in before upload, if the output is
    /// in a bucket.
    pub fn staging_output(&self) -> Option<PathBuf> {
        self.output
            .as_ref()
            .map(|_| self.staging.path().join("out"))
    }

    /// `s3://bucket/input-prefix`, if the input is in a bucket.
    pub fn input_url(&self) -> Option<PathBuf> {
        self.input.as_ref().map(|s| PathBuf::from(s.url()))
    }

    /// `s3://bucket/output-prefix`, if the output is in a bucket.
    pub fn output_url(&self) -> Option<PathBuf> {
        self.output.as_ref().map(|s| PathBuf::from(s.url()))
    }

    /// The input prefix's objects, as keys relative to it (this run's own
    /// outputs left out); `None` when the input is local.
    pub(crate) fn list(&self) -> Option<mpsc::Receiver<Result<String, ObjectError>>> {
        let side = self.input.as_ref()?;
        let keys = side.bucket.list(&side.prefix);
        let Some(skip) = self.skip_in_input.clone() else {
            return Some(keys);
        };
        // Leave out the output prefix's keys on a task between the listing
        // and the walk.
        let (tx, rx) = mpsc::channel(256);
        let mut keys = keys;
        tokio::spawn(async move {
            while let Some(key) = keys.recv().await {
                let ours = key.as_ref().is_ok_and(|k| {
                    k.strip_prefix(skip.as_str())
                        .is_some_and(|r| r.starts_with('/'))
                });
                if !ours && tx.send(key).await.is_err() {
                    return;
                }
            }
        });
        Some(rx)
    }

    /// Fetches input `rel` into `local`, if the input is in a bucket. Runs
    /// on a blocking thread.
    pub(crate) fn fetch(&self, rel: &Path, local: &Path) -> Result<(), ImageError> {
        let Some(side) = &self.input else {
            return Ok(());
        };
        let key = join(&side.prefix, &rel.to_string_lossy());
        tracing::debug!(
            "fetching {} into {}",
            side.bucket.url(&key),
            local.display()
        );
        side.bucket.fetch(&key, local).map_err(ImageError::Remote)
    }

    /// Uploads the staged output `local` (under `staging_root`) to its key
    /// under the output prefix and removes it, if the output is in a
    /// bucket. Runs on a blocking thread.
    pub(crate) fn store(&self, local: &Path, staging_root: &Path) -> Result<(), ImageError> {
        let Some(side) = &self.output else {
            return Ok(());
        };
        let rel = local.strip_prefix(staging_root).unwrap_or(local);
        let key = join(&side.prefix, &rel.to_string_lossy());
        side.bucket
            .upload(local, &key)
            .map_err(ImageError::Remote)?;
        tracing::debug!("uploaded {} to {}", local.display(), side.bucket.url(&key));
        let _ = std::fs::remove_file(local);
        Ok(())
    }

    /// `path` as the user knows it: a staged input or output as its
    /// `s3://` location, anything else as it is.
    pub(crate) fn shown(&self, path: &Path) -> PathBuf {
        let staged = [
            (self.input.as_ref(), self.staging.path().join("in")),
            (self.output.as_ref(), self.staging.path().join("out")),
        ];
        for (side, root) in staged {
            if let (Some(side), Ok(rel)) = (side, path.strip_prefix(&root)) {
                return PathBuf::from(side.bucket.url(&join(&side.prefix, &rel.to_string_lossy())));
            }
        }
        path.to_owned()
    }
}

/// The key prefix of `inner` relative to `outer` when `inner` lies inside
/// it (`outer` empty: the whole bucket).
fn inside(outer: &str, inner: &str) -> Option<String> {
    if outer.is_empty() {
        return Some(inner.to_owned());
    }
    inner
        .strip_prefix(outer)
        .and_then(|rest| rest.strip_prefix('/'))
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_output_prefix_inside_the_input_prefix_is_found() {
        assert_eq!(inside("photos", "photos/thumbs").as_deref(), Some("thumbs"));
        assert_eq!(inside("", "thumbs").as_deref(), Some("thumbs"));
        assert_eq!(inside("photos", "photos-thumbs"), None);
        assert_eq!(inside("photos", "thumbs"), None);
    }
}

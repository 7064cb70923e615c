//! [`Remote`]: a run's folders as prefixes in an S3-compatible bucket
//! (`s3://bucket/prefix`), through `object_store`. The images pass through
//! a local staging folder: each job fetches its input there, the usual
//! [`process`](crate::process) resizes it, and the outputs are uploaded
//! (an S3 PUT is atomic: a reader sees the old object or the new one) and
//! removed. Endpoint, region and keys come from the usual `AWS_*`
//! variables (`AWS_ENDPOINT`, `AWS_DEFAULT_REGION`, `AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_ALLOW_HTTP` for a local test server).

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::StreamExt as _;
use object_store::ObjectStore;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as Key;
use tokio::sync::mpsc;

use crate::error::{ImageError, SettingsError};

/// `s3://bucket/prefix` split, or `None` for a local path.
pub fn parse_s3(location: &Path) -> Option<(String, String)> {
    let text = location.to_str()?.strip_prefix("s3://")?;
    let (bucket, prefix) = text.split_once('/').unwrap_or((text, ""));
    Some((bucket.to_owned(), prefix.trim_matches('/').to_owned()))
}

/// The bucket and prefixes of a remote run, and the staging folders.
#[derive(Debug)]
pub struct Remote {
    store: Arc<dyn ObjectStore>,
    bucket: String,
    input: String,
    output: String,
    /// Local folders the images pass through (removed with the run).
    pub(crate) staging: tempfile::TempDir,
}

fn join(prefix: &str, rel: &str) -> Key {
    if prefix.is_empty() {
        Key::from(rel)
    } else {
        Key::from(format!("{prefix}/{rel}"))
    }
}

fn io_error(what: String, e: object_store::Error) -> ImageError {
    let kind = match &e {
        object_store::Error::NotFound { .. } => io::ErrorKind::NotFound,
        object_store::Error::Generic { .. } => io::ErrorKind::TimedOut,
        _ => io::ErrorKind::Other,
    };
    ImageError::Io {
        path: PathBuf::from(what),
        source: io::Error::new(kind, e.to_string()),
    }
}

impl Remote {
    /// Connects to the bucket of `input` (and `output`, which must be in
    /// the same bucket) and makes the staging folders.
    ///
    /// # Errors
    ///
    /// A location that is not `s3://bucket/prefix`, two buckets, or an
    /// S3 configuration the `AWS_*` variables do not complete.
    pub fn open(input: &Path, output: &Path) -> Result<Remote, SettingsError> {
        let bad = |path: &Path, message: &str| SettingsError::Input {
            path: path.to_owned(),
            source: io::Error::new(io::ErrorKind::InvalidInput, message.to_owned()),
        };
        let (bucket, input_prefix) =
            parse_s3(input).ok_or_else(|| bad(input, "not an s3://bucket/prefix location"))?;
        let (out_bucket, output_prefix) = parse_s3(output).ok_or_else(|| {
            bad(
                output,
                "the input is in S3: put the output there too (s3://bucket/prefix)",
            )
        })?;
        if out_bucket != bucket {
            return Err(bad(output, "the output must be in the input's bucket"));
        }
        if output_prefix == input_prefix {
            return Err(SettingsError::SameFolder(output.to_owned()));
        }
        let store = AmazonS3Builder::from_env()
            .with_bucket_name(&bucket)
            .build()
            .map_err(|e| bad(input, &format!("S3 configuration: {e}")))?;
        let staging = tempfile::Builder::new()
            .prefix("resizer-staging-")
            .tempdir()
            .map_err(|source| SettingsError::Output {
                path: std::env::temp_dir(),
                source,
            })?;
        for dir in ["in", "out"] {
            std::fs::create_dir_all(staging.path().join(dir)).map_err(|source| {
                SettingsError::Output {
                    path: staging.path().join(dir),
                    source,
                }
            })?;
        }
        Ok(Remote {
            store: Arc::new(store),
            bucket,
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

    fn url(&self, key: &Key) -> String {
        format!("s3://{}/{key}", self.bucket)
    }

    /// Lists the input prefix on a task of the current runtime: each
    /// object's key relative to the prefix, in the bucket's order, through
    /// a bounded channel (memory does not grow with the bucket).
    pub(crate) fn list(self: &Arc<Self>) -> mpsc::Receiver<Result<String, ImageError>> {
        let (tx, rx) = mpsc::channel(256);
        let remote = Arc::clone(self);
        tokio::spawn(async move {
            let prefix = (!remote.input.is_empty()).then(|| Key::from(remote.input.as_str()));
            let mut objects = remote.store.list(prefix.as_ref());
            while let Some(item) = objects.next().await {
                let item = item
                    .map(|meta| {
                        let key = meta.location.to_string();
                        key.strip_prefix(&remote.input)
                            .unwrap_or(&key)
                            .trim_start_matches('/')
                            .to_owned()
                    })
                    .map_err(|e| io_error(format!("s3://{}/{}", remote.bucket, remote.input), e));
                if tx.send(item).await.is_err() {
                    return;
                }
            }
        });
        rx
    }

    /// Fetches input `rel` into `local`. Runs on a blocking thread.
    pub(crate) fn fetch(&self, rel: &Path, local: &Path) -> Result<(), ImageError> {
        let key = join(&self.input, &rel.to_string_lossy());
        let handle = tokio::runtime::Handle::current();
        let bytes = handle
            .block_on(async { self.store.get(&key).await?.bytes().await })
            .map_err(|e| io_error(self.url(&key), e))?;
        if let Some(dir) = local.parent() {
            std::fs::create_dir_all(dir).map_err(|e| ImageError::io(dir, e))?;
        }
        std::fs::write(local, &bytes).map_err(|e| ImageError::io(local, e))
    }

    /// Uploads the staged output `local` (under `staging_root`) to its key
    /// under the output prefix, and removes it. Runs on a blocking thread.
    pub(crate) fn store(&self, local: &Path, staging_root: &Path) -> Result<(), ImageError> {
        let rel = local.strip_prefix(staging_root).unwrap_or(local);
        let key = join(&self.output, &rel.to_string_lossy());
        let bytes = std::fs::read(local).map_err(|e| ImageError::io(local, e))?;
        let handle = tokio::runtime::Handle::current();
        handle
            .block_on(self.store.put(&key, bytes.into()))
            .map_err(|e| io_error(self.url(&key), e))?;
        let _ = std::fs::remove_file(local);
        Ok(())
    }
}

//! Files in S3-compatible object storage for the workpool tools:
//! `s3://bucket/prefix` locations, read and written through the
//! `object_store` crate, with the endpoint, region and keys from the usual
//! `AWS_*` variables (`AWS_ENDPOINT`, `AWS_DEFAULT_REGION`,
//! `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_ALLOW_HTTP=true` for
//! a local test server).
//!
//! The tools' work is on local files, on blocking threads: a job fetches
//! its input into a staging folder ([`Bucket::fetch`]) and uploads its
//! outputs ([`Bucket::upload`]; an S3 PUT is atomic: a reader sees the
//! old object or the new one, never half of one).
//!
//! # Example
//!
//! ```
//! use std::path::Path;
//! use object_files::{join, parse_s3};
//!
//! let (bucket, prefix) = parse_s3(Path::new("s3://photos/2026/originals/")).unwrap();
//! assert_eq!((bucket.as_str(), prefix.as_str()), ("photos", "2026/originals"));
//! assert_eq!(join(&prefix, "a/b.jpg"), "2026/originals/a/b.jpg");
//! assert!(parse_s3(Path::new("/mnt/photos")).is_none());
//! ```
#![deny(missing_docs)]

use std::io;
use std::path::Path;
use std::sync::Arc;

use futures_util::StreamExt as _;
use object_store::ObjectStore;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as Key;
use tokio::sync::mpsc;

/// `s3://bucket/prefix` as (bucket, prefix without slashes at its ends);
/// `None` for anything else (a local path).
pub fn parse_s3(location: &Path) -> Option<(String, String)> {
    let text = location.to_str()?.strip_prefix("s3://")?;
    let (bucket, prefix) = text.split_once('/').unwrap_or((text, ""));
    (!bucket.is_empty()).then(|| (bucket.to_owned(), prefix.trim_matches('/').to_owned()))
}

/// The key of `rel` under `prefix`.
pub fn join(prefix: &str, rel: &str) -> String {
    let rel = rel.trim_start_matches('/');
    if prefix.is_empty() {
        rel.to_owned()
    } else {
        format!("{prefix}/{rel}")
    }
}

/// A failed object operation, naming the object.
#[derive(Debug, thiserror::Error)]
#[error("{url}: {message}")]
pub struct ObjectError {
    /// `s3://bucket/key`.
    pub url: String,
    /// What kind of failure, as an I/O error kind: `NotFound`, `TimedOut`
    /// for a network or server error another attempt may get past,
    /// `PermissionDenied`, `Other`.
    pub kind: io::ErrorKind,
    /// The store's message.
    pub message: String,
}

impl ObjectError {
    fn new(url: String, e: &object_store::Error) -> ObjectError {
        let kind = match e {
            object_store::Error::NotFound { .. } => io::ErrorKind::NotFound,
            object_store::Error::PermissionDenied { .. }
            | object_store::Error::Unauthenticated { .. } => io::ErrorKind::PermissionDenied,
            object_store::Error::Generic { .. } => io::ErrorKind::TimedOut,
            _ => io::ErrorKind::Other,
        };
        ObjectError {
            url,
            kind,
            message: e.to_string(),
        }
    }

    /// As an I/O error of the same kind.
    pub fn into_io(self) -> io::Error {
        io::Error::new(self.kind, format!("{}: {}", self.url, self.message))
    }
}

/// Writes `bytes` to `local`, its folder created.
fn write_local(local: &Path, bytes: &[u8]) -> Result<(), ObjectError> {
    let local_error = |e: io::Error| ObjectError {
        url: local.display().to_string(),
        kind: e.kind(),
        message: e.to_string(),
    };
    if let Some(dir) = local.parent() {
        std::fs::create_dir_all(dir).map_err(local_error)?;
    }
    std::fs::write(local, bytes).map_err(local_error)
}

/// Fetches `location` (an `s3://` file or prefix) into the folder `dir`
/// when it is an `s3://` location: a file keeps its name, a prefix its
/// objects. Returns the local path to use instead (the file, or `dir`), or
/// `None` for a local path (nothing fetched).
///
/// # Errors
///
/// The bucket cannot be configured, or an object cannot be fetched.
pub async fn fetch_location(
    location: &Path,
    dir: &Path,
) -> Result<Option<std::path::PathBuf>, ObjectError> {
    let Some((name, key)) = parse_s3(location) else {
        return Ok(None);
    };
    let bucket = Arc::new(Bucket::from_env(&name)?);
    let file_name = key.rsplit('/').next().unwrap_or_default();
    // A key with an extension is a file; anything else a prefix.
    if file_name.contains('.') {
        let local = dir.join(file_name);
        bucket.get(&key, &local).await?;
        return Ok(Some(local));
    }
    bucket.get_all(&key, dir).await?;
    Ok(Some(dir.to_path_buf()))
}

/// One bucket.
#[derive(Debug)]
pub struct Bucket {
    store: Arc<dyn ObjectStore>,
    name: String,
}

impl Bucket {
    /// The bucket `name`, configured from the `AWS_*` variables.
    ///
    /// # Errors
    ///
    /// A configuration the variables do not complete.
    pub fn from_env(name: &str) -> Result<Bucket, ObjectError> {
        let store = AmazonS3Builder::from_env()
            .with_bucket_name(name)
            .build()
            .map_err(|e| ObjectError::new(format!("s3://{name}"), &e))?;
        Ok(Bucket {
            store: Arc::new(store),
            name: name.to_owned(),
        })
    }

    /// The bucket's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `s3://bucket/key`.
    pub fn url(&self, key: &str) -> String {
        format!("s3://{}/{key}", self.name)
    }

    /// Lists the objects under `prefix` on a task of the current runtime,
    /// each as its key relative to the prefix, through a bounded channel
    /// (memory does not grow with the bucket).
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime.
    pub fn list(self: &Arc<Self>, prefix: &str) -> mpsc::Receiver<Result<String, ObjectError>> {
        let (tx, rx) = mpsc::channel(256);
        let (bucket, prefix) = (Arc::clone(self), prefix.to_owned());
        tokio::spawn(async move {
            let at = (!prefix.is_empty()).then(|| Key::from(prefix.as_str()));
            let mut objects = bucket.store.list(at.as_ref());
            while let Some(item) = objects.next().await {
                let item = match item {
                    Ok(meta) => {
                        let key = meta.location.to_string();
                        Ok(key
                            .strip_prefix(prefix.as_str())
                            .unwrap_or(&key)
                            .trim_start_matches('/')
                            .to_owned())
                    }
                    Err(e) => Err(ObjectError::new(bucket.url(&prefix), &e)),
                };
                if tx.send(item).await.is_err() {
                    return;
                }
            }
        });
        rx
    }

    /// Fetches object `key` into the file `local` (its folder created), on
    /// the current runtime.
    ///
    /// # Errors
    ///
    /// The object cannot be read, or the file written.
    pub async fn get(&self, key: &str, local: &Path) -> Result<(), ObjectError> {
        let location = Key::from(key);
        let bytes = async { self.store.get(&location).await?.bytes().await }
            .await
            .map_err(|e| ObjectError::new(self.url(key), &e))?;
        write_local(local, &bytes)
    }

    /// Fetches every object under `prefix` into `dir`, keeping the keys'
    /// folders below the prefix; returns how many.
    ///
    /// # Errors
    ///
    /// As [`Bucket::get`], or the listing fails.
    pub async fn get_all(self: &Arc<Self>, prefix: &str, dir: &Path) -> Result<u64, ObjectError> {
        let mut keys = self.list(prefix);
        let mut count = 0;
        while let Some(rel) = keys.recv().await {
            let rel = rel?;
            self.get(&join(prefix, &rel), &dir.join(&rel)).await?;
            count += 1;
        }
        Ok(count)
    }

    /// Fetches object `key` into the file `local` (its folder created).
    /// Call it from a blocking thread of a tokio runtime.
    ///
    /// # Errors
    ///
    /// The object cannot be read, or the file written.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, or on one of its async threads.
    pub fn fetch(&self, key: &str, local: &Path) -> Result<(), ObjectError> {
        let location = Key::from(key);
        let bytes = tokio::runtime::Handle::current()
            .block_on(async { self.store.get(&location).await?.bytes().await })
            .map_err(|e| ObjectError::new(self.url(key), &e))?;
        write_local(local, &bytes)
    }

    /// Uploads the file `local` as object `key`. Call it from a blocking
    /// thread of a tokio runtime.
    ///
    /// # Errors
    ///
    /// The file cannot be read, or the object written.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, or on one of its async threads.
    pub fn upload(&self, local: &Path, key: &str) -> Result<(), ObjectError> {
        let bytes = std::fs::read(local).map_err(|e| ObjectError {
            url: local.display().to_string(),
            kind: e.kind(),
            message: e.to_string(),
        })?;
        tokio::runtime::Handle::current()
            .block_on(self.store.put(&Key::from(key), bytes.into()))
            .map_err(|e| ObjectError::new(self.url(key), &e))?;
        Ok(())
    }
}

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
//! old object or the new one, never half of one). A failure is an
//! [`ObjectError`]: the location and, in one line, why, of a [`Problem`]
//! kind (no such bucket, denied, unreachable, ...).
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

mod bucket;
mod error;

use std::path::Path;
use std::sync::Arc;

pub use bucket::{Bucket, has_objects_blocking};
pub use error::{ObjectError, Problem};

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

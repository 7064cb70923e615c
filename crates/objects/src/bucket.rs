//! [`Bucket`]: one bucket of an S3-compatible store, configured from the
//! `AWS_*` variables.

use std::path::Path;
use std::sync::Arc;

use futures_util::StreamExt as _;
use object_store::ObjectStore;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as Key;
use tokio::sync::mpsc;

use crate::error::ObjectError;
use crate::join;

/// One bucket.
#[derive(Debug)]
pub struct Bucket {
    store: Arc<dyn ObjectStore>,
    name: String,
    /// The server's URL when it is not AWS's (`AWS_ENDPOINT`), for messages.
    endpoint: Option<String>,
}

/// The variables that name the server (object_store reads both).
const ENDPOINT_VARIABLES: [&str; 2] = ["AWS_ENDPOINT", "AWS_ENDPOINT_URL"];

/// The endpoint the variables give, if any: an error for one that is set
/// but empty or not an `http(s)://` URL (object_store would panic on it at
/// the first request).
fn endpoint_from(
    url: &str,
    var: impl Fn(&str) -> Option<std::ffi::OsString>,
) -> Result<Option<String>, ObjectError> {
    for variable in ENDPOINT_VARIABLES {
        let Some(value) = var(variable) else {
            continue;
        };
        let value = value.to_string_lossy().trim().to_owned();
        if value.is_empty() {
            return Err(ObjectError::config(
                url.to_owned(),
                format!(
                    "{variable} is set but empty: unset it to use AWS, or set it to the \
                     server's URL (http://host:port)"
                ),
            ));
        }
        let host = value
            .strip_prefix("http://")
            .or_else(|| value.strip_prefix("https://"));
        if host.is_none_or(|h| h.is_empty() || h.starts_with('/')) {
            return Err(ObjectError::config(
                url.to_owned(),
                format!("{variable}={value:?} is not a server's URL (http://host:port)"),
            ));
        }
        return Ok(Some(value));
    }
    Ok(None)
}

impl Bucket {
    /// The bucket `name`, configured from the `AWS_*` variables.
    ///
    /// # Errors
    ///
    /// A configuration the variables do not complete, or an endpoint that
    /// is set but empty or not a URL ([`Problem::Config`](crate::Problem)).
    pub fn from_env(name: &str) -> Result<Bucket, ObjectError> {
        let url = format!("s3://{name}");
        let endpoint = endpoint_from(&url, |name| std::env::var_os(name))?;
        let store = AmazonS3Builder::from_env()
            .with_bucket_name(name)
            .build()
            .map_err(|e| ObjectError::from_store(url.clone(), endpoint.as_deref(), &e))?;
        Ok(Bucket {
            store: Arc::new(store),
            name: name.to_owned(),
            endpoint,
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

    fn error(&self, key: &str, e: &object_store::Error) -> ObjectError {
        ObjectError::from_store(self.url(key), self.endpoint.as_deref(), e)
    }

    /// Whether any object lies under `prefix`.
    ///
    /// # Errors
    ///
    /// The bucket does not exist, the keys may not list it, or the server
    /// cannot be reached.
    pub async fn has_objects(&self, prefix: &str) -> Result<bool, ObjectError> {
        let at = (!prefix.is_empty()).then(|| Key::from(prefix));
        match self.store.list(at.as_ref()).next().await {
            None => Ok(false),
            Some(Ok(_)) => Ok(true),
            Some(Err(e)) => Err(self.error(prefix, &e)),
        }
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
                    Err(e) => Err(bucket.error(&prefix, &e)),
                };
                let failed = item.is_err();
                if tx.send(item).await.is_err() || failed {
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
            .map_err(|e| self.error(key, &e))?;
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
            .map_err(|e| self.error(key, &e))?;
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
        let bytes = std::fs::read(local).map_err(|e| ObjectError::local(local, &e))?;
        tokio::runtime::Handle::current()
            .block_on(self.store.put(&Key::from(key), bytes.into()))
            .map_err(|e| self.error(key, &e))?;
        Ok(())
    }
}

/// Writes `bytes` to `local`, its folder created.
fn write_local(local: &Path, bytes: &[u8]) -> Result<(), ObjectError> {
    if let Some(dir) = local.parent() {
        std::fs::create_dir_all(dir).map_err(|e| ObjectError::local(dir, &e))?;
    }
    std::fs::write(local, bytes).map_err(|e| ObjectError::local(local, &e))
}

/// Checks the location `s3://bucket/prefix` from any thread, async or not
/// (on a thread and runtime of its own, with its own client): whether any
/// object lies under it.
///
/// # Errors
///
/// As [`Bucket::from_env`] and [`Bucket::has_objects`].
pub fn has_objects_blocking(bucket: &str, prefix: &str) -> Result<bool, ObjectError> {
    let url = format!("s3://{bucket}/{prefix}");
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| ObjectError::local(Path::new("tokio runtime"), &e))?;
                runtime.block_on(async { Bucket::from_env(bucket)?.has_objects(prefix).await })
            })
            .join()
            .unwrap_or_else(|_| {
                Err(ObjectError {
                    url,
                    problem: crate::Problem::Other,
                    reason: "the S3 client panicked".to_owned(),
                })
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_or_malformed_endpoint_is_a_configuration_error() {
        for (value, says) in [
            ("", "AWS_ENDPOINT is set but empty: unset it to use AWS"),
            ("  ", "AWS_ENDPOINT is set but empty: unset it to use AWS"),
            (
                "localhost:9000",
                "AWS_ENDPOINT=\"localhost:9000\" is not a server's URL",
            ),
            ("http://", "AWS_ENDPOINT=\"http://\" is not a server's URL"),
        ] {
            let e = endpoint_from("s3://photos", |name| {
                (name == "AWS_ENDPOINT").then(|| value.into())
            })
            .expect_err(value);
            assert_eq!(e.problem, crate::Problem::Config, "{value:?}");
            assert!(
                e.to_string().starts_with(&format!("s3://photos: {says}")),
                "{e}"
            );
        }
        let given = endpoint_from("s3://photos", |name| {
            (name == "AWS_ENDPOINT_URL").then(|| "http://127.0.0.1:9000".into())
        });
        assert_eq!(
            given.ok().flatten().as_deref(),
            Some("http://127.0.0.1:9000")
        );
        assert_eq!(endpoint_from("s3://photos", |_| None).ok(), Some(None));
    }
}

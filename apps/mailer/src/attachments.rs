//! `--attachments-dir s3://bucket/prefix`: the folder is fetched once,
//! before any row is read, into a temporary folder that lives as long as
//! the run.

use std::path::{Path, PathBuf};

use email_jobs::{Mailer, Settings};

/// `location` fetched into `dir` when it is an `s3://` prefix: the local
/// copy; `None` for a local folder (nothing fetched).
pub async fn fetch(location: Option<&Path>, dir: &Path) -> anyhow::Result<Option<PathBuf>> {
    Ok(match location {
        Some(location) => object_files::fetch_location(location, dir).await?,
        None => None,
    })
}

/// Opens the mailer of `settings` ([`Mailer::open`]) with an `s3://`
/// attachments folder fetched into `dir` first; the run's plan keeps the
/// `s3://` location, which each worker of a distributed run fetches.
pub async fn open(mut settings: Settings, dir: &Path) -> anyhow::Result<Mailer> {
    let remote = settings.options.attachments_dir.clone();
    let Some(local) = fetch(remote.as_deref(), dir).await? else {
        return Ok(Mailer::open(settings).await?);
    };
    settings.options.attachments_dir = Some(local);
    let mailer = Mailer::open(settings).await?;
    Ok(match remote {
        Some(location) => mailer.with_attachments_location(location),
        None => mailer,
    })
}

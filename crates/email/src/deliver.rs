//! [`Delivery`]: the pool handler that writes each [`Email`] to an outbox
//! folder (dry run) or sends it over SMTP.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pool::{Handler, JobContext, JobError};

use crate::error::{ConfigError, SendError};
use crate::message::Email;
use crate::smtp::SmtpSender;

/// Where messages go.
#[derive(Debug, Clone)]
pub enum Delivery {
    /// Dry run: one `.eml` file per message in this folder.
    Outbox(PathBuf),
    /// Sent over SMTP.
    Smtp(Arc<SmtpSender>),
}

impl Delivery {
    /// A dry run into `dir`, created if missing.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Io`] if the folder cannot be created.
    pub fn outbox(dir: &Path) -> Result<Delivery, ConfigError> {
        std::fs::create_dir_all(dir).map_err(|source| ConfigError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        Ok(Delivery::Outbox(dir.to_path_buf()))
    }
}

impl Handler<Email> for Delivery {
    type Output = ();
    type Error = SendError;

    async fn call(&self, email: &Email, _cx: &JobContext) -> Result<(), JobError<SendError>> {
        match self {
            Delivery::Outbox(dir) => {
                // The name comes from `Email::file_name`: sanitised, never a path.
                let path = dir.join(email.file_name());
                tokio::fs::write(&path, &email.bytes).await.map_err(|e| {
                    JobError::Permanent(SendError::new(format!(
                        "cannot write {}: {e}",
                        path.display()
                    )))
                })
            }
            Delivery::Smtp(sender) => sender.send(email).await,
        }
    }
}

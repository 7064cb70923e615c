//! [`Delivery`]: the pool handler that writes each [`Email`] to an outbox
//! folder (dry run) or sends it over SMTP.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pool::{Handler, JobContext, JobError};

use crate::dkim::Signer;
use crate::error::{ConfigError, SendError};
use crate::message::Email;
use crate::smtp::SmtpSender;

/// Where messages go.
#[derive(Debug, Clone)]
pub enum Target {
    /// Dry run: one `.eml` file per message in this folder.
    Outbox(PathBuf),
    /// Sent over SMTP.
    Smtp(Arc<SmtpSender>),
}

/// The pool handler: formats each message on the worker (DKIM-signing it
/// when a signer is set) and writes it to the outbox or sends it.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// Where messages go.
    pub target: Target,
    /// Signs every message (the dry run's too, so they can be checked).
    pub dkim: Option<Arc<Signer>>,
}

impl Delivery {
    /// A dry run into `dir`, created if missing.
    ///
    /// # Errors
    ///
    /// [`ConfigError::FlagFile`] if the folder cannot be created.
    pub fn outbox(dir: &Path) -> Result<Delivery, ConfigError> {
        std::fs::create_dir_all(dir).map_err(|error| ConfigError::FlagFile {
            flag: "--outbox",
            path: dir.to_path_buf(),
            error,
        })?;
        Ok(Delivery {
            target: Target::Outbox(dir.to_path_buf()),
            dkim: None,
        })
    }

    /// Sending through `sender`.
    pub fn smtp(sender: Arc<SmtpSender>) -> Delivery {
        Delivery {
            target: Target::Smtp(sender),
            dkim: None,
        }
    }

    /// The same delivery, every message signed by `signer`.
    pub fn signed(mut self, signer: Option<Arc<Signer>>) -> Delivery {
        self.dkim = signer;
        self
    }
}

impl Handler<Email> for Delivery {
    type Output = ();
    type Error = SendError;

    async fn call(&self, email: &Email, cx: &JobContext) -> Result<(), JobError<SendError>> {
        if cx.attempt() > 1 {
            tracing::debug!(
                "line {} ({}): attempt {}",
                email.line,
                email.recipient,
                cx.attempt()
            );
        }
        let delivered = self.deliver(email).await;
        if let Err(e) = &delivered {
            tracing::debug!(
                "line {} ({}): attempt {} failed: {}{}",
                email.line,
                email.recipient,
                cx.attempt(),
                e.inner(),
                if e.is_transient() {
                    " (tried again if --retries allows)"
                } else {
                    " (not tried again: the same would happen)"
                }
            );
        }
        delivered
    }
}

impl Delivery {
    async fn deliver(&self, email: &Email) -> Result<(), JobError<SendError>> {
        let bytes = match &self.dkim {
            // An RSA signature costs about a millisecond of CPU: off the
            // runtime's thread, so that the other connections keep going.
            Some(signer) if signer.algorithm() == "rsa-sha256" => {
                let (signer, message) = (Arc::clone(signer), email.message.clone());
                tokio::task::spawn_blocking(move || signer.sign(&message))
                    .await
                    .map_err(|e| {
                        JobError::Permanent(SendError::new(format!("DKIM signing: {e}")))
                    })?
            }
            signer => email.formatted(signer.as_deref()),
        };
        match &self.target {
            Target::Outbox(dir) => {
                // The name comes from `Email::file_name`: sanitised, never a path.
                let path = dir.join(email.file_name());
                tokio::fs::write(&path, &bytes).await.map_err(|e| {
                    JobError::Permanent(SendError::new(format!(
                        "cannot write {}: {e}",
                        path.display()
                    )))
                })?;
                tracing::debug!("line {}: written to {}", email.line, path.display());
                Ok(())
            }
            Target::Smtp(sender) => sender.send(email, &bytes).await,
        }
    }
}

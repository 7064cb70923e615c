//! Sending over SMTP with lettre's tokio connections: a capped set of
//! reused connections, pipelined transactions where the server offers
//! them, and errors classified as transient or permanent.

use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, TlsParameters};
use lettre::transport::smtp::commands::Ehlo;
use lettre::transport::smtp::extension::ClientId;
use parking_lot::Mutex;
use pool::JobError;
use tokio::net::TcpStream;

use crate::error::{ConfigError, SendError};
use crate::message::Email;
use crate::pipeline;
use crate::smtp_config::{Security, SmtpConfig};
use crate::smtp_words::{classify, io_words};

/// Sends [`Email`]s over reused SMTP connections.
///
/// lettre's own pool caps only idle connections and tests each one with a
/// NOOP before reuse; this keeps at most one connection per concurrent
/// sender (the pool's worker count, `--connections`) and reuses a
/// connection as soon as its last transaction ended with a 250. A failed
/// transaction closes its connection (lettre aborts it) and the next one
/// opens a fresh one.
pub struct SmtpSender {
    config: SmtpConfig,
    /// The TLS settings, built once (the root store is not rebuilt for
    /// every connection, which `--per-connection` makes frequent).
    tls: Option<TlsParameters>,
    hello: ClientId,
    /// Connections waiting for a message.
    idle: Mutex<Vec<Connection>>,
}

/// An open connection, logged in.
struct Connection {
    conn: AsyncSmtpConnection,
    /// Messages sent on it.
    sent: u32,
    /// Whether the server offers PIPELINING.
    pipelining: bool,
}

impl std::fmt::Debug for SmtpSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSender")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl SmtpSender {
    /// A sender for `config`; connects lazily.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Invalid`] when the TLS settings cannot be made (a
    /// `--ca-file` certificate that does not parse).
    pub fn new(config: SmtpConfig) -> Result<SmtpSender, ConfigError> {
        let tls = match config.security {
            Security::None => None,
            Security::Tls | Security::StartTls => Some(
                tls_parameters(&config)
                    .map_err(|e| ConfigError::Invalid(format!("TLS settings: {e}")))?,
            ),
        };
        Ok(SmtpSender {
            config,
            tls,
            hello: ClientId::Domain("localhost".into()),
            idle: Mutex::new(Vec::new()),
        })
    }

    /// Opens one connection (and logs in) to check the settings before any
    /// row is sent; keeps it for reuse.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Invalid`] saying what failed (connecting, TLS, the
    /// login) with the server's or the network's reason.
    pub async fn check(&self) -> Result<(), ConfigError> {
        let conn = self
            .connect()
            .await
            .map_err(|e| ConfigError::Invalid(e.into_inner().message))?;
        self.idle.lock().push(conn);
        Ok(())
    }

    /// `host:port`, for messages.
    fn server(&self) -> String {
        format!("{}:{}", self.config.host, self.config.port)
    }

    async fn connect(&self) -> Result<Connection, JobError<SendError>> {
        let c = &self.config;
        let cannot = |why: String| {
            SendError::new(format!(
                "cannot connect to the SMTP server {} (--smtp): {why}",
                self.server()
            ))
        };
        let mut conn = if c.security == Security::Tls {
            AsyncSmtpConnection::connect_tokio1(
                (c.host.as_str(), c.port),
                Some(c.timeout),
                &self.hello,
                self.tls.clone(),
                None,
            )
            .await
            .map_err(|e| classify(&e, cannot))?
        } else {
            // Our own socket, to turn Nagle's algorithm off: lettre writes a
            // message and its final dot separately, and with Nagle plus the
            // server's delayed ACK each message would wait ~40 ms.
            let stream =
                tokio::time::timeout(c.timeout, TcpStream::connect((c.host.as_str(), c.port)))
                    .await
                    .map_err(|_| JobError::Transient(cannot("no answer in time".into())))?
                    .map_err(|e| JobError::Transient(cannot(io_words(&e))))?;
            stream
                .set_nodelay(true)
                .map_err(|e| JobError::Transient(cannot(io_words(&e))))?;
            AsyncSmtpConnection::connect_with_transport(Box::new(stream), &self.hello)
                .await
                .map_err(|e| classify(&e, cannot))?
        };
        if c.security == Security::StartTls
            && let Some(tls) = self.tls.clone()
        {
            conn.starttls(tls, &self.hello)
                .await
                .map_err(|e| classify(&e, |why| cannot(format!("STARTTLS: {why}"))))?;
        }
        // lettre keeps of the EHLO reply only what it uses itself; ask
        // again (before AUTH, as after STARTTLS) whether the server takes
        // pipelined commands.
        // A server that refuses a second EHLO gets one command at a time.
        let pipelining = match conn.command(Ehlo::new(self.hello.clone())).await {
            Ok(reply) => reply.message().any(|line| {
                line.split_whitespace()
                    .next()
                    .is_some_and(|w| w.eq_ignore_ascii_case("PIPELINING"))
            }),
            Err(e) if e.status().is_some() => false,
            Err(e) => return Err(classify(&e, cannot)),
        };
        if let Some((user, password)) = &c.credentials {
            let credentials = Credentials::new(user.clone(), password.clone());
            let mechanisms: &[Mechanism] = if c.oauth2 {
                &[Mechanism::Xoauth2]
            } else {
                &[Mechanism::Plain, Mechanism::Login]
            };
            conn.auth(mechanisms, &credentials).await.map_err(|e| {
                classify(&e, |why| {
                    SendError::new(format!(
                        "the SMTP server {} refused the login as {user:?}: {why}",
                        self.server()
                    ))
                })
            })?;
        }
        tracing::debug!(
            "SMTP connection opened to {} ({}{}{})",
            self.server(),
            match c.security {
                Security::Tls => "TLS",
                Security::StartTls => "STARTTLS",
                Security::None => "no TLS",
            },
            match &c.credentials {
                Some((user, _)) => format!(", logged in as {user}"),
                None => String::new(),
            },
            if pipelining { ", pipelining" } else { "" }
        );
        Ok(Connection {
            conn,
            sent: 0,
            pipelining,
        })
    }

    /// Sends `email` (formatted as `bytes`): on a reused connection when
    /// one is idle, else on a new one.
    ///
    /// # Errors
    ///
    /// [`JobError::Permanent`] for 5xx replies and client-side refusals;
    /// [`JobError::Transient`] for 4xx replies (421 included), network
    /// errors and timeouts.
    pub async fn send(&self, email: &Email, bytes: &[u8]) -> Result<(), JobError<SendError>> {
        let idle = self.idle.lock().pop();
        let Connection {
            mut conn,
            sent: count,
            pipelining,
        } = match idle {
            Some(idle) => {
                tracing::debug!(
                    "SMTP connection to {} reused (message {} on it)",
                    self.server(),
                    idle.sent + 1
                );
                idle
            }
            None => self.connect().await?,
        };
        let redirected;
        let envelope = match &self.config.redirect_to {
            Some(to) => {
                redirected = lettre::address::Envelope::new(
                    email.envelope.from().cloned(),
                    vec![to.clone()],
                )
                .map_err(|e| JobError::Permanent(SendError::new(format!("--test-to: {e}"))))?;
                &redirected
            }
            None => &email.envelope,
        };
        let transaction = async {
            if pipelining && pipeline::plain(envelope, bytes) {
                pipeline::send(&mut conn, envelope, bytes).await
            } else {
                conn.send(envelope, bytes)
                    .await
                    .map(drop)
                    .map_err(Into::into)
            }
        };
        let sent = tokio::time::timeout(self.config.timeout, transaction).await;
        match sent {
            Ok(Ok(())) => {
                let count = count + 1;
                if self.config.per_connection.is_some_and(|max| count >= max) {
                    let _ = conn.quit().await;
                    tracing::debug!(
                        "SMTP connection to {} closed after {count} messages (--per-connection)",
                        self.server()
                    );
                } else {
                    self.idle.lock().push(Connection {
                        conn,
                        sent: count,
                        pipelining,
                    });
                }
                Ok(())
            }
            Err(_) => {
                conn.abort().await;
                let why = format!(
                    "no reply from the SMTP server {} in {} s",
                    self.server(),
                    self.config.timeout.as_secs()
                );
                tracing::debug!("SMTP connection to {} closed: {why}", self.server());
                Err(JobError::Transient(SendError::new(why)))
            }
            Ok(Err(e)) => {
                // lettre closed the connection (QUIT) when the transaction
                // failed; a pipelined one is cut here, before its final dot.
                if !conn.has_broken() {
                    conn.abort().await;
                }
                let error = match e {
                    pipeline::Failed::Smtp(e) => classify(&e, SendError::new),
                    pipeline::Failed::Unexpected(why) => JobError::Transient(SendError::new(why)),
                };
                tracing::debug!(
                    "SMTP connection to {} closed after a failed message: {}",
                    self.server(),
                    error.inner()
                );
                Err(error)
            }
        }
    }

    /// Closes the idle connections politely (QUIT).
    pub async fn close(&self) {
        let idle = std::mem::take(&mut *self.idle.lock());
        let n = idle.len();
        for mut idle in idle {
            let _ = idle.conn.quit().await;
        }
        if n > 0 {
            tracing::debug!("{n} SMTP connections to {} closed", self.server());
        }
    }
}

/// The TLS settings for `c`: the web's root certificates, plus the
/// private CA of `--ca-file` when given.
fn tls_parameters(c: &SmtpConfig) -> Result<TlsParameters, lettre::transport::smtp::Error> {
    let Some(pem) = &c.ca_pem else {
        return TlsParameters::new(c.host.clone());
    };
    TlsParameters::builder(c.host.clone())
        .add_root_certificate(Certificate::from_pem(pem)?)
        .build()
}

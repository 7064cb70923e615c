//! Sending over SMTP with lettre's tokio connections: a capped set of
//! reused connections, and errors classified as transient or permanent.

use std::net::IpAddr;
use std::time::Duration;

use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use parking_lot::Mutex;
use pool::JobError;
use tokio::net::TcpStream;

use crate::error::{ConfigError, SendError};
use crate::message::Email;

/// How to reach the SMTP server.
#[derive(Clone)]
pub struct SmtpConfig {
    /// Host name or address.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Transport security.
    pub security: Security,
    /// User name and password (or OAuth2 access token, with `oauth2`),
    /// when the server wants a login.
    pub credentials: Option<(String, String)>,
    /// Root certificates (PEM) to trust for TLS beside the web's: a
    /// private CA's (`--ca-file`).
    pub ca_pem: Option<Vec<u8>>,
    /// Log in with `AUTH XOAUTH2` (the credentials' secret is an OAuth2
    /// access token), as Microsoft 365 and Gmail want, instead of PLAIN or
    /// LOGIN with a password.
    pub oauth2: bool,
    /// Time limit for connecting and for each reply.
    pub timeout: Duration,
    /// Messages sent on one connection before it is closed and a new one
    /// opened (some providers ask for 20 or fewer); `None`: no limit.
    pub per_connection: Option<u32>,
    /// Test sends: every message goes to this address instead of its
    /// recipients (the SMTP envelope only; the headers are unchanged).
    pub redirect_to: Option<lettre::Address>,
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.credentials.as_ref().map(|c| &c.0))
            .field("oauth2", &self.oauth2)
            .field("per_connection", &self.per_connection)
            .field("redirect_to", &self.redirect_to)
            .finish_non_exhaustive()
    }
}

/// Transport security of the SMTP connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// TLS from the first byte (`smtps://`, port 465).
    Tls,
    /// Plain connection upgraded with STARTTLS, which must succeed.
    StartTls,
    /// No encryption: only for loopback hosts or with `--insecure`.
    None,
}

impl SmtpConfig {
    /// Parses `smtp://[user[:password]@]host[:port][?tls=required]` or
    /// `smtps://...`. `smtp://` requires STARTTLS unless the host is
    /// loopback or `insecure` is set; `?tls=required` (lettre's URL
    /// convention) requires it on loopback too. A `password` given
    /// separately wins over one in the URL.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Invalid`] naming what is wrong with the URL.
    pub fn parse(
        url: &str,
        insecure: bool,
        password: Option<String>,
    ) -> Result<SmtpConfig, ConfigError> {
        let bad = |why: &str| {
            ConfigError::Invalid(format!(
                "invalid SMTP URL: {why} (expected smtp://[user@]host[:port] or smtps://...)"
            ))
        };
        let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("no scheme"))?;
        let (rest, query) = match rest.split_once('?') {
            Some((rest, query)) => (rest, Some(query)),
            None => (rest, None),
        };
        let tls_required = match query {
            None => false,
            Some("tls=required") => true,
            Some(other) => {
                return Err(bad(&format!(
                    "unknown option {other:?} (only tls=required)"
                )));
            }
        };
        let rest = rest.trim_end_matches('/');
        let (userinfo, hostport) = match rest.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, rest),
        };
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(':') && !p.contains(']') => (
                h,
                Some(
                    p.parse::<u16>()
                        .map_err(|_| bad("the port is not a number"))?,
                ),
            ),
            _ => (hostport, None),
        };
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let loopback =
            host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
        let (security, default_port) = match scheme.to_ascii_lowercase().as_str() {
            "smtps" => (Security::Tls, 465),
            "smtp" if (loopback || insecure) && !tls_required => (Security::None, 587),
            "smtp" => (Security::StartTls, 587),
            other => return Err(bad(&format!("unknown scheme {other:?}"))),
        };
        let credentials = userinfo.map(|u| {
            let (user, url_password) = match u.split_once(':') {
                Some((user, p)) => (user, Some(percent_decode(p))),
                None => (u, None),
            };
            (
                percent_decode(user),
                password.clone().or(url_password).unwrap_or_default(),
            )
        });
        Ok(SmtpConfig {
            host,
            port: port.unwrap_or(default_port),
            security,
            credentials,
            timeout: Duration::from_secs(60),
            per_connection: None,
            redirect_to: None,
            oauth2: false,
            ca_pem: None,
        })
    }
}

impl SmtpConfig {
    /// The server as `scheme://host:port` (no user, no options): what a
    /// send's journal is the journal of.
    pub fn address(&self) -> String {
        let scheme = match self.security {
            Security::Tls => "smtps",
            Security::StartTls | Security::None => "smtp",
        };
        let host = self.host.to_ascii_lowercase();
        if host.contains(':') {
            format!("{scheme}://[{host}]:{}", self.port)
        } else {
            format!("{scheme}://{host}:{}", self.port)
        }
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

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
    /// Connections waiting for a message, with the messages each has sent.
    idle: Mutex<Vec<(AsyncSmtpConnection, u32)>>,
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
        self.idle.lock().push((conn, 0));
        Ok(())
    }

    /// `host:port`, for messages.
    fn server(&self) -> String {
        format!("{}:{}", self.config.host, self.config.port)
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, JobError<SendError>> {
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
            "SMTP connection opened to {} ({}{})",
            self.server(),
            match c.security {
                Security::Tls => "TLS",
                Security::StartTls => "STARTTLS",
                Security::None => "no TLS",
            },
            match &c.credentials {
                Some((user, _)) => format!(", logged in as {user}"),
                None => String::new(),
            }
        );
        Ok(conn)
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
        let (mut conn, count) = match idle {
            Some(idle) => {
                tracing::debug!(
                    "SMTP connection to {} reused (message {} on it)",
                    self.server(),
                    idle.1 + 1
                );
                idle
            }
            None => (self.connect().await?, 0),
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
        let sent = tokio::time::timeout(self.config.timeout, conn.send(envelope, bytes)).await;
        match sent {
            Ok(Ok(_)) => {
                let count = count + 1;
                if self.config.per_connection.is_some_and(|max| count >= max) {
                    let _ = conn.quit().await;
                    tracing::debug!(
                        "SMTP connection to {} closed after {count} messages (--per-connection)",
                        self.server()
                    );
                } else {
                    self.idle.lock().push((conn, count));
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
                // lettre closed the connection (QUIT) when the transaction failed.
                if !conn.has_broken() {
                    conn.abort().await;
                }
                let error = classify(&e, SendError::new);
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
        for (mut conn, _) in idle {
            let _ = conn.quit().await;
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

/// Transient: 4xx replies, network errors, timeouts. Permanent: 5xx
/// replies, and messages the client itself refuses to send. `error` makes
/// the message from the reason in words ([`describe`]).
fn classify(
    e: &lettre::transport::smtp::Error,
    error: impl FnOnce(String) -> SendError,
) -> JobError<SendError> {
    let message = error(describe(e));
    if e.is_permanent() || e.is_client() {
        JobError::Permanent(message)
    } else {
        JobError::Transient(message)
    }
}

/// What went wrong, in words: the server's reply with its code, or what
/// happened to the connection (never lettre's "transient error",
/// "network error").
fn describe(e: &lettre::transport::smtp::Error) -> String {
    use std::error::Error as _;
    let detail = e.source().map(ToString::to_string).unwrap_or_default();
    if let Some(code) = e.status() {
        return format!("the server replied {code} {detail}")
            .trim_end()
            .to_owned();
    }
    if e.is_timeout() {
        return "no answer in time".into();
    }
    let mut cause = e.source();
    while let Some(c) = cause {
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            return io_words(io);
        }
        cause = c.source();
    }
    if e.is_tls() {
        format!("TLS failed: {detail}")
    } else if e.is_response() {
        format!("a reply that is not SMTP: {detail}")
    } else if e.is_transport_shutdown() || detail.is_empty() {
        "the connection was closed".into()
    } else {
        detail
    }
}

/// An I/O error in words: `connection refused`, not `Connection refused
/// (os error 111)`.
fn io_words(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::ConnectionRefused => "connection refused".into(),
        K::ConnectionReset => "the server reset the connection".into(),
        K::ConnectionAborted => "the connection was aborted".into(),
        K::UnexpectedEof | K::BrokenPipe => "the server closed the connection".into(),
        K::TimedOut => "no answer in time".into(),
        K::HostUnreachable | K::NetworkUnreachable => "no route to the host".into(),
        _ => {
            let text = e.to_string();
            // tokio's words for a failed DNS lookup.
            if let Some(why) = text.strip_prefix("failed to lookup address information: ") {
                return format!("no such host ({})", why.to_lowercase());
            }
            // rustls's, for a certificate it refuses.
            if let Some(why) = text.strip_prefix("invalid peer certificate: ") {
                return match why {
                    "UnknownIssuer" => "the server's certificate is not from a trusted CA (a private CA's certificate can be given with --ca-file)".into(),
                    "Expired" => "the server's certificate has expired".into(),
                    "NotValidYet" => "the server's certificate is not valid yet".into(),
                    "Revoked" => "the server's certificate is revoked".into(),
                    other if other.starts_with("certificate not valid for name") => {
                        format!("the server's certificate is not for this host name ({other})")
                    }
                    other => format!("the server's certificate is refused ({other})"),
                };
            }
            let text = match text.rfind(" (os error ") {
                Some(at) => text[..at].to_owned(),
                None => text,
            };
            let mut chars = text.chars();
            match chars.next() {
                Some(first) => first.to_lowercase().chain(chars).collect(),
                None => text,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse() -> Result<(), ConfigError> {
        let c = SmtpConfig::parse("smtp://127.0.0.1:2525", false, None)?;
        assert_eq!(
            (c.host.as_str(), c.port, c.security),
            ("127.0.0.1", 2525, Security::None)
        );
        let c = SmtpConfig::parse(
            "smtp://bob%40x.org@mail.example.com",
            false,
            Some("pw".into()),
        )?;
        assert_eq!((c.port, c.security), (587, Security::StartTls));
        assert_eq!(c.credentials, Some(("bob@x.org".into(), "pw".into())));
        let c = SmtpConfig::parse("smtps://u:p@mail.example.com:4650", false, None)?;
        assert_eq!((c.port, c.security), (4650, Security::Tls));
        assert_eq!(c.credentials, Some(("u".into(), "p".into())));
        let c = SmtpConfig::parse("smtp://mail.example.com:25", true, None)?;
        assert_eq!(c.security, Security::None);
        assert_eq!(c.address(), "smtp://mail.example.com:25");
        let c = SmtpConfig::parse("smtps://u:p@Mail.Example.com?tls=required", false, None)?;
        assert_eq!(c.address(), "smtps://mail.example.com:465");
        let c = SmtpConfig::parse("smtp://[::1]:2525", false, None)?;
        assert_eq!(c.address(), "smtp://[::1]:2525");
        for bad in ["mail.example.com", "http://x", "smtp://", "smtp://h:port"] {
            assert!(SmtpConfig::parse(bad, false, None).is_err(), "{bad}");
        }
        Ok(())
    }
}

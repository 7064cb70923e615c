//! [`ConnectError`]: why no connection could be made, in one line with
//! libpq's words (which server, which sslmode, what failed).

use std::fmt;
use std::io;

use super::endpoint::{Endpoint, Host};
use super::settings::PasswordFrom;
use super::sslmode::SslMode;
use super::tls::TlsFailure;

/// Why no connection to the database could be made.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The connection settings cannot be used: a string that does not
    /// parse, an unknown option or value, an unreadable root certificate.
    #[error("invalid database connection settings: {0}")]
    Settings(String),
    /// Every server named was tried and none took the connection.
    #[error("cannot connect to the database {}", list(.0))]
    Failed(Vec<Attempt>),
}

/// One server tried, and why it did not work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The server: `host:port`, with ` (address A)` when `hostaddr` gave
    /// it, or the socket's path.
    pub server: String,
    /// The sslmode tried (none for a Unix-domain socket, which has no TLS).
    pub sslmode: Option<String>,
    /// What failed: the server's own message (`password authentication
    /// failed for user "app"`, `no pg_hba.conf entry for ...`), or the
    /// client's (`server certificate not trusted: ...`, `connection
    /// refused ...`).
    pub reason: String,
}

impl fmt::Display for Attempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.sslmode {
            Some(mode) => write!(f, "at {} (sslmode={mode}): {}", self.server, self.reason),
            None => write!(f, "at {}: {}", self.server, self.reason),
        }
    }
}

fn list(attempts: &[Attempt]) -> String {
    let parts: Vec<String> = attempts.iter().map(ToString::to_string).collect();
    parts.join("; ")
}

/// What the connection attempt knew, for the words of its failure.
pub(crate) struct Context<'a> {
    pub endpoint: &'a Endpoint,
    pub sslmode: SslMode,
    pub user: &'a str,
    pub password: Option<&'a PasswordFrom>,
    /// Why the password file was not read, if it was not.
    pub passfile_skipped: Option<&'a str>,
    pub passfile: Option<&'a std::path::Path>,
}

/// Whether `e` is a TLS handshake that failed (rather than a server that
/// refused TLS, or anything after the handshake).
pub(crate) fn is_handshake(e: &tokio_postgres::Error) -> bool {
    source_of::<TlsFailure>(e).is_some()
}

/// Whether `e` is the server refusing the login (not the network or TLS).
pub(crate) fn is_refused_by_server(e: &tokio_postgres::Error) -> bool {
    e.as_db_error().is_some()
}

/// `e` in one line: the server's message, or what the client found.
pub(crate) fn reason(e: &tokio_postgres::Error, cx: &Context<'_>) -> String {
    if let Some(db) = e.as_db_error() {
        let mut text = db.message().to_owned();
        if let Some(detail) = db.detail() {
            text.push_str(&format!(" ({detail})"));
        }
        if let Some(hint) = db.hint() {
            text.push_str(&format!(" (hint: {hint})"));
        }
        let code = db.code().code();
        // 28P01: invalid_password. Say where the password came from.
        if code == "28P01" {
            match cx.password {
                Some(PasswordFrom::Env) => text.push_str(" (the password came from PGPASSWORD)"),
                Some(PasswordFrom::File(path)) => text.push_str(&format!(
                    " (the password came from the password file \"{}\")",
                    path.display()
                )),
                Some(PasswordFrom::ConnInfo) | None => {}
            }
        }
        // 28000: invalid_authorization_specification, which pg_hba.conf
        // raises; "no encryption" is a server that wants TLS.
        if code == "28000" && db.message().ends_with("no encryption") {
            text.push_str(if cx.sslmode == SslMode::Disable {
                " (the server takes only TLS connections: leave sslmode out, or set it to require or verify-full)"
            } else {
                " (the server takes only TLS connections)"
            });
        }
        return text;
    }
    if let Some(tls) = source_of::<TlsFailure>(e) {
        return tls.to_string();
    }
    let cause = std::error::Error::source(e).map(ToString::to_string);
    match cause.as_deref() {
        Some("server does not support TLS") => {
            return format!(
                "the server does not support TLS (its ssl setting is off), and sslmode={} requires it",
                cx.sslmode
            );
        }
        Some("password missing") => {
            let mut text = format!(
                "the server asks for a password for user \"{}\" and none was given: set PGPASSWORD, or add a line host:port:database:user:password to ",
                cx.user
            );
            match cx.passfile {
                Some(path) => text.push_str(&format!("\"{}\" (mode 0600)", path.display())),
                None => text.push_str("~/.pgpass (mode 0600)"),
            }
            if let Some(skipped) = cx.passfile_skipped {
                text.push_str(&format!(" ({skipped}, so it was not read)"));
            }
            return text;
        }
        Some("server did not use channel binding") => {
            return "the server did not use channel binding, and channel_binding=require asks for it"
                .to_owned();
        }
        _ => {}
    }
    if let Some(io) = source_of::<io::Error>(e) {
        return match io.kind() {
            io::ErrorKind::ConnectionRefused => match cx.endpoint.host {
                Host::Unix(_) => {
                    "connection refused (is the server running and accepting connections on that socket?)".to_owned()
                }
                _ => "connection refused (is the server running on that host and accepting TCP/IP connections on that port?)".to_owned(),
            },
            io::ErrorKind::NotFound if matches!(cx.endpoint.host, Host::Unix(_)) => {
                "no such socket (is the server running on this machine?)".to_owned()
            }
            io::ErrorKind::TimedOut => "timed out".to_owned(),
            _ if io.to_string().contains("lookup address") => {
                format!("cannot resolve the host name: {io}")
            }
            _ => io.to_string(),
        };
    }
    match cause {
        Some(cause) => format!("{e}: {cause}"),
        None => e.to_string(),
    }
}

/// The first error of type `T` in `e`'s chain of causes.
fn source_of<T: std::error::Error + 'static>(e: &tokio_postgres::Error) -> Option<&T> {
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        if let Some(found) = c.downcast_ref::<T>() {
            return Some(found);
        }
        cause = c.source();
    }
    None
}

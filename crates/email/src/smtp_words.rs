//! SMTP failures in the user's words, and whether another attempt may
//! succeed.

use pool::JobError;

use crate::error::SendError;

/// Transient: 4xx replies, network errors, timeouts. Permanent: 5xx
/// replies, and messages the client itself refuses to send. `error` makes
/// the message from the reason in words ([`describe`]).
pub(crate) fn classify(
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
pub(crate) fn io_words(e: &std::io::Error) -> String {
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
    let text = pool::io_words(e);
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => text,
    }
}

//! [`SmtpConfig`]: where the SMTP server is and how to reach it, from
//! `smtp://` and `smtps://` URLs.

use std::net::IpAddr;
use std::time::Duration;

use crate::error::ConfigError;

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

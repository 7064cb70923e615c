//! [`Access`]: who may read the page and who may change something, decided
//! at start from `--serve ADDR`, `--allow-actions` and
//! `WORKPOOL_WEB_TOKEN`.
//!
//! The rules, so that a page is never open to more than its owner meant:
//! - read-only unless `--allow-actions`, which needs a token;
//! - an address other than loopback (`0.0.0.0`, a LAN address) needs a
//!   token: a page there is open to the network;
//! - a token, once set, guards every request (reads included) but
//!   `/healthz`, as the bearer of `Authorization` or the password of
//!   basic auth (what a browser's login prompt sends);
//! - without a token, only requests addressed to a loopback name are
//!   answered, so that a web page elsewhere cannot read this one through
//!   DNS rebinding.

use std::net::{IpAddr, SocketAddr};

use crate::error::WebError;

/// The variable that holds the token.
pub const TOKEN_VARIABLE: &str = "WORKPOOL_WEB_TOKEN";

/// The shortest token taken: a guessable one would guard nothing.
const MIN_TOKEN: usize = 16;

/// What the page lets through.
#[derive(Clone)]
pub struct Access {
    token: Option<String>,
    allow_actions: bool,
}

impl std::fmt::Debug for Access {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the token itself.
        f.debug_struct("Access")
            .field("token", &self.token.as_ref().map(|_| "set"))
            .field("allow_actions", &self.allow_actions)
            .finish()
    }
}

impl Access {
    /// The access for a page on `addr`, with `token` (the variable's value,
    /// `None` or empty when unset) and `--allow-actions`.
    ///
    /// # Errors
    ///
    /// [`WebError::Usage`] when the combination would open the page to
    /// more than loopback without a token, allow actions without one, or
    /// the token is too short to guard anything.
    pub fn new(
        addr: SocketAddr,
        token: Option<String>,
        allow_actions: bool,
    ) -> Result<Access, WebError> {
        let token = token.filter(|t| !t.is_empty());
        if let Some(token) = &token
            && token.chars().count() < MIN_TOKEN
        {
            return Err(WebError::Usage(format!(
                "{TOKEN_VARIABLE} is {} characters long: use at least {MIN_TOKEN} (`openssl rand -hex 16` makes one)",
                token.chars().count()
            )));
        }
        if token.is_none() && !addr.ip().is_loopback() {
            return Err(WebError::Usage(format!(
                "--serve {addr} opens the page to the network: set a token in {TOKEN_VARIABLE} (every request must then carry it), \
                 or serve on 127.0.0.1 and reach it through an SSH tunnel"
            )));
        }
        if token.is_none() && allow_actions {
            return Err(WebError::Usage(format!(
                "--allow-actions needs a token in {TOKEN_VARIABLE}: every request that changes something must carry it"
            )));
        }
        Ok(Access {
            token,
            allow_actions,
        })
    }

    /// [`Access::new`] with the token from [`TOKEN_VARIABLE`].
    ///
    /// # Errors
    ///
    /// As [`Access::new`].
    pub fn from_env(addr: SocketAddr, allow_actions: bool) -> Result<Access, WebError> {
        Access::new(addr, std::env::var(TOKEN_VARIABLE).ok(), allow_actions)
    }

    /// Whether a token guards the page.
    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }

    /// Whether the page may change runs (`--allow-actions`).
    pub fn allows_actions(&self) -> bool {
        self.allow_actions
    }

    /// Whether `authorization` (the header's value) carries the token, as
    /// `Bearer TOKEN` or as the password of `Basic` (any user name); true
    /// when no token is set.
    pub fn admits(&self, authorization: Option<&[u8]>) -> bool {
        let Some(token) = &self.token else {
            return true;
        };
        let Some(given) = authorization.and_then(credential) else {
            return false;
        };
        same_bytes(given.as_bytes(), token.as_bytes())
    }

    /// The page's mode in a few words, for the line printed at start.
    pub fn describe(&self) -> &'static str {
        match (self.has_token(), self.allow_actions) {
            (false, _) => "read-only, loopback only",
            (true, false) => "read-only, the token guards every request",
            (true, true) => "actions allowed, the token guards every request",
        }
    }
}

/// The secret in an `Authorization` value: a bearer token, or the
/// password of basic auth.
fn credential(value: &[u8]) -> Option<String> {
    use base64::Engine as _;
    let value = std::str::from_utf8(value).ok()?.trim();
    let (scheme, rest) = value.split_once(' ')?;
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some(rest.to_owned());
    }
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest)
            .ok()?;
        let pair = String::from_utf8(decoded).ok()?;
        return pair
            .split_once(':')
            .map(|(_, password)| password.to_owned());
    }
    None
}

/// `a == b` in a time that does not depend on where they differ (only on
/// their lengths), so the token cannot be guessed a byte at a time.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whether `host` (a `Host` header: `name`, `name:port`, `[v6]:port`)
/// names this machine's loopback.
pub fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(name, port)| {
            if port.chars().all(|c| c.is_ascii_digit()) {
                name
            } else {
                host
            }
        }),
    };
    let name = name.trim_end_matches('.');
    if name.eq_ignore_ascii_case("localhost") || name.to_ascii_lowercase().ends_with(".localhost") {
        return true;
    }
    name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether a request that changes something comes from this page's own
/// origin, as Go's `http.CrossOriginProtection` decides: `Sec-Fetch-Site`
/// where the browser sends it (every current one does); else the
/// `Origin`, else the `Referer`, against `Host`. A request with none of
/// them is not from a browser (curl with the token): no other site can
/// have made it.
pub fn same_origin(
    sec_fetch_site: Option<&str>,
    origin: Option<&str>,
    referer: Option<&str>,
    host: Option<&str>,
) -> bool {
    if let Some(site) = sec_fetch_site {
        return site == "same-origin" || site == "none";
    }
    let Some(from) = origin.or(referer) else {
        return true;
    };
    let authority = from
        .strip_prefix("http://")
        .or_else(|| from.strip_prefix("https://"))
        .map(|rest| rest.split(['/', '?', '#']).next().unwrap_or(""));
    match (authority, host) {
        (Some(authority), Some(host)) => {
            !authority.is_empty() && authority.eq_ignore_ascii_case(host)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const TOKEN: &str = "0123456789abcdef0123";

    fn loopback() -> SocketAddr {
        "127.0.0.1:8080".parse().unwrap()
    }

    #[test]
    fn the_network_without_a_token_is_refused_and_with_one_allowed() {
        let any: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        let err = Access::new(any, None, false).unwrap_err().to_string();
        assert!(err.contains("WORKPOOL_WEB_TOKEN"), "{err}");
        assert!(Access::new(any, Some(String::new()), false).is_err());
        assert!(Access::new(any, Some(TOKEN.into()), false).is_ok());
        let v6: SocketAddr = "[::]:8080".parse().unwrap();
        assert!(Access::new(v6, None, false).is_err());
        assert!(Access::new("[::1]:8080".parse().unwrap(), None, false).is_ok());
        assert!(Access::new(loopback(), None, false).is_ok());
    }

    #[test]
    fn actions_need_a_token_and_a_short_token_is_refused() {
        let err = Access::new(loopback(), None, true).unwrap_err().to_string();
        assert!(err.starts_with("--allow-actions needs a token"), "{err}");
        let err = Access::new(loopback(), Some("short".into()), true)
            .unwrap_err()
            .to_string();
        assert!(err.contains("5 characters long"), "{err}");
        assert!(Access::new(loopback(), Some(TOKEN.into()), true).is_ok());
    }

    #[test]
    fn the_token_is_taken_as_bearer_or_basic_password_only() {
        use base64::Engine as _;
        let access = Access::new(loopback(), Some(TOKEN.into()), true).unwrap();
        let basic = |pair: &str| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            )
        };
        assert!(access.admits(Some(format!("Bearer {TOKEN}").as_bytes())));
        assert!(access.admits(Some(format!("bearer  {TOKEN}").as_bytes())));
        assert!(access.admits(Some(basic(&format!("anyone:{TOKEN}")).as_bytes())));
        assert!(!access.admits(None));
        assert!(!access.admits(Some(b"Bearer 0123456789abcdef012")));
        assert!(!access.admits(Some(format!("Bearer {TOKEN}x").as_bytes())));
        assert!(!access.admits(Some(basic(&format!("{TOKEN}:")).as_bytes())));
        assert!(!access.admits(Some(TOKEN.as_bytes())));
        assert!(!access.admits(Some(b"Basic !!!")));
        let open = Access::new(loopback(), None, false).unwrap();
        assert!(open.admits(None));
        assert!(!format!("{access:?}").contains(TOKEN));
    }

    #[test]
    fn loopback_hosts() {
        for host in [
            "localhost",
            "localhost:8080",
            "LOCALHOST.:1",
            "app.localhost:80",
            "127.0.0.1:8080",
            "127.9.9.9",
            "[::1]:8080",
            "[::1]",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "evil.example:8080",
            "localhost.evil.example",
            "10.0.0.1:8080",
            "[::2]:80",
            "0.0.0.0:8080",
            "",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }

    #[test]
    fn same_origin_checks() {
        let host = Some("127.0.0.1:8080");
        assert!(same_origin(Some("same-origin"), None, None, host));
        assert!(!same_origin(
            Some("cross-site"),
            Some("http://127.0.0.1:8080"),
            None,
            host
        ));
        assert!(!same_origin(Some("same-site"), None, None, host));
        assert!(same_origin(None, Some("http://127.0.0.1:8080"), None, host));
        assert!(!same_origin(None, Some("http://evil.example"), None, host));
        assert!(!same_origin(None, Some("null"), None, host));
        assert!(same_origin(
            None,
            None,
            Some("http://127.0.0.1:8080/runs/x"),
            host
        ));
        assert!(!same_origin(
            None,
            None,
            Some("http://127.0.0.1:9999/"),
            host
        ));
        assert!(!same_origin(
            None,
            Some("http://127.0.0.1:8080"),
            None,
            None
        ));
        // Not a browser: nothing to check against, the token is explicit.
        assert!(same_origin(None, None, None, host));
    }
}

//! libpq's `sslmode` and `sslrootcert`, into the TLS connector they ask
//! for.

use std::fmt;

use super::settings::Options;
use super::tls::{Check, Roots, Tls};

/// libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SslMode {
    Disable,
    Allow,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(s: &str) -> Option<SslMode> {
        Some(match s {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }
}

impl fmt::Display for SslMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        })
    }
}

/// The sslmode and the connector it asks for.
pub(super) fn tls(
    options: &mut Options,
    home: Option<&std::path::Path>,
) -> Result<(SslMode, Option<Tls>), String> {
    let mode_name = options.name("sslmode");
    let root_name = options.name("sslrootcert");
    let rootcert = options.take("sslrootcert");
    let system = rootcert.as_deref() == Some("system");
    let sslmode = match options.take("sslmode") {
        Some(s) => SslMode::parse(&s).ok_or_else(|| {
            format!(
                "{mode_name} \"{s}\" is not one of disable, allow, prefer, require, verify-ca, verify-full"
            )
        })?,
        // As libpq 16: the platform's roots are for checking the name too.
        None if system => SslMode::VerifyFull,
        None => SslMode::Prefer,
    };
    let sni = match options.take("sslsni").as_deref() {
        None | Some("1") => true,
        Some("0") => false,
        Some(other) => {
            return Err(format!(
                "{} \"{other}\" is not 0 or 1",
                options.name("sslsni")
            ));
        }
    };
    if sslmode == SslMode::Disable {
        return Ok((sslmode, None));
    }
    if system && sslmode != SslMode::VerifyFull {
        return Err(format!(
            "{root_name}=system checks a certificate against the platform's roots, which only means something with the host name checked too: use sslmode=verify-full (not {sslmode})"
        ));
    }
    // A file named is read, whatever the mode (libpq skips a missing one
    // below verify-ca, which hides a typo); the default file only if it
    // is there.
    let roots = match (&rootcert, home) {
        (Some(_), _) if system => Some(Roots::platform()?),
        (Some(file), _) => Some(Roots::from_file(std::path::Path::new(file), &root_name)?),
        (None, Some(home)) if home.join(".postgresql/root.crt").is_file() => Some(
            Roots::from_file(&home.join(".postgresql/root.crt"), "root certificate file")?,
        ),
        (None, _) => None,
    };
    let check = match sslmode {
        SslMode::VerifyFull => Check::ChainAndName,
        SslMode::VerifyCa => Check::Chain,
        // As libpq: with a root certificate at hand, the weaker modes
        // check the chain too.
        _ if roots.is_some() => Check::Chain,
        _ => Check::Nothing,
    };
    let roots = match (roots, check) {
        (None, Check::Chain | Check::ChainAndName) => Some(Roots::platform()?),
        (roots, _) => roots,
    };
    Ok((sslmode, Some(Tls::new(check, roots, sni)?)))
}

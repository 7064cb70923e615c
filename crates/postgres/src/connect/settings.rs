//! [`ConnInfo`]: a connection string completed as libpq completes it, from
//! the `PG*` environment variables, the user's name and the password file,
//! into the servers to try and how.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use super::conninfo;
use super::endpoint::{Endpoint, endpoints};
use super::failure::ConnectError;
use super::login::{os_home, os_user};
use super::sslmode::{SslMode, tls};
use super::tls::Tls;

/// The environment variables libpq reads, by the option each stands for.
/// One in the connection string wins over its variable.
const ENV: &[(&str, &str)] = &[
    ("host", "PGHOST"),
    ("hostaddr", "PGHOSTADDR"),
    ("port", "PGPORT"),
    ("dbname", "PGDATABASE"),
    ("user", "PGUSER"),
    ("password", "PGPASSWORD"),
    ("passfile", "PGPASSFILE"),
    ("sslmode", "PGSSLMODE"),
    ("sslrootcert", "PGSSLROOTCERT"),
    ("sslsni", "PGSSLSNI"),
    ("sslnegotiation", "PGSSLNEGOTIATION"),
    ("channel_binding", "PGCHANNELBINDING"),
    ("application_name", "PGAPPNAME"),
    ("options", "PGOPTIONS"),
    ("connect_timeout", "PGCONNECT_TIMEOUT"),
    ("target_session_attrs", "PGTARGETSESSIONATTRS"),
    ("load_balance_hosts", "PGLOADBALANCEHOSTS"),
];

/// Options of libpq's that are refused rather than ignored: each changes
/// what a connection must be, and silently going without would surprise.
const UNSUPPORTED: &[(&str, &str)] = &[
    ("sslcert", "client certificates are not supported"),
    ("sslkey", "client certificates are not supported"),
    ("sslpassword", "client certificates are not supported"),
    ("sslcrl", "certificate revocation lists are not supported"),
    (
        "sslcrldir",
        "certificate revocation lists are not supported",
    ),
    (
        "service",
        "service files (pg_service.conf) are not supported: write the settings in the URL",
    ),
    ("requirepeer", "requirepeer is not supported"),
];

/// Where the password came from, for the message when it is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PasswordFrom {
    /// The connection string.
    ConnInfo,
    /// The `PGPASSWORD` variable.
    Env,
    /// The password file.
    File(PathBuf),
}

/// A connection string completed as libpq does: the servers to try, who
/// to log in as, and how to secure the connection.
///
/// ```no_run
/// # async fn f() -> Result<(), pool_postgres::ConnectError> {
/// let info = pool_postgres::ConnInfo::parse("postgres://app@db.example.com/jobs?sslmode=verify-full")?;
/// println!("connecting to {}", info.redacted());
/// let client = info.connect().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ConnInfo {
    pub(crate) endpoints: Vec<Endpoint>,
    pub(crate) random_order: bool,
    pub(crate) user: String,
    pub(crate) dbname: String,
    pub(crate) password: Option<(String, PasswordFrom)>,
    pub(crate) passfile: Option<PathBuf>,
    pub(crate) sslmode: SslMode,
    /// Set unless sslmode is `disable`.
    pub(crate) tls: Option<Tls>,
    /// The other options (timeouts, application name, ...), as
    /// tokio-postgres reads them.
    pub(crate) base: tokio_postgres::Config,
    pub(crate) redacted: String,
    pub(crate) password_in_conninfo: bool,
}

// Never the password.
impl fmt::Debug for ConnInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnInfo")
            .field("conninfo", &self.redacted)
            .field("endpoints", &self.endpoints)
            .field("user", &self.user)
            .field("dbname", &self.dbname)
            .field(
                "password_from",
                &self.password.as_ref().map(|(_, from)| from),
            )
            .field("passfile", &self.passfile)
            .field("sslmode", &self.sslmode)
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}

impl ConnInfo {
    /// Reads `conninfo` (a `postgres://` URL, `key=value` words, or empty),
    /// completing what it leaves out from the `PG*` environment variables
    /// (`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`,
    /// `PGSSLMODE`, `PGSSLROOTCERT`, `PGPASSFILE`, ...), the user's login
    /// name and `~/.pgpass`, as libpq does.
    ///
    /// # Errors
    ///
    /// [`ConnectError::Settings`]: a string that does not parse, an
    /// unknown option or value, a root certificate file that cannot be
    /// read.
    pub fn parse(conninfo: &str) -> Result<ConnInfo, ConnectError> {
        ConnInfo::parse_with_env(conninfo, |name| {
            std::env::var(name).ok().filter(|v| !v.is_empty())
        })
    }

    /// As [`ConnInfo::parse`], with the environment variables read through
    /// `env` (for tests, and for callers that keep their own).
    ///
    /// # Errors
    ///
    /// As [`ConnInfo::parse`].
    pub fn parse_with_env(
        conninfo: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<ConnInfo, ConnectError> {
        build(conninfo, &env).map_err(ConnectError::Settings)
    }

    /// The connection string as given, without its password: what may be
    /// printed.
    pub fn redacted(&self) -> &str {
        &self.redacted
    }

    /// Whether the connection string itself holds a password (which other
    /// users of the machine can read from the process list when it was
    /// given on the command line).
    pub fn has_password_in_conninfo(&self) -> bool {
        self.password_in_conninfo
    }
}

/// The options of `conninfo`, completed from `env`, and where each came
/// from (the option's name, or its variable's) for messages.
pub(super) struct Options {
    values: BTreeMap<String, String>,
    from_env: BTreeMap<String, &'static str>,
}

impl Options {
    pub(super) fn take(&mut self, key: &str) -> Option<String> {
        self.values.remove(key).filter(|v| !v.is_empty())
    }

    /// How `key` is named to the user: `sslmode`, or `PGSSLMODE` when the
    /// value came from there.
    pub(super) fn name(&self, key: &str) -> String {
        self.from_env
            .get(key)
            .map_or_else(|| key.to_owned(), |var| (*var).to_owned())
    }
}

fn build(conninfo: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<ConnInfo, String> {
    let parsed = conninfo::parse(conninfo)?;
    let password_in_conninfo = parsed
        .options
        .get("password")
        .is_some_and(|p| !p.is_empty());
    let mut options = Options {
        values: parsed.options,
        from_env: BTreeMap::new(),
    };
    for (key, var) in ENV {
        if !options.values.contains_key(*key)
            && let Some(value) = env(var)
        {
            options.values.insert((*key).to_owned(), value);
            options.from_env.insert((*key).to_owned(), var);
        }
    }
    for (key, why) in UNSUPPORTED {
        if options.values.contains_key(*key) {
            return Err(format!("{}: {why}", options.name(key)));
        }
    }
    if let Some(mode) = options.take("gssencmode")
        && mode == "require"
    {
        return Err("gssencmode=require: GSSAPI encryption is not supported (use sslmode)".into());
    }
    options.values.remove("sslcompression");

    let endpoints = endpoints(&mut options)?;
    let random_order = match options.take("load_balance_hosts").as_deref() {
        None | Some("disable") => false,
        Some("random") => true,
        Some(other) => {
            return Err(format!(
                "{} \"{other}\" is not one of disable, random",
                options.name("load_balance_hosts")
            ));
        }
    };
    let user = match options.take("user") {
        Some(user) => user,
        None => os_user(env)
            .ok_or("no user name: put one in the URL (postgres://USER@host/db) or in PGUSER")?,
    };
    let dbname = options.take("dbname").unwrap_or_else(|| user.clone());
    let password = match (
        options.from_env.contains_key("password"),
        options.take("password"),
    ) {
        (_, None) => None,
        (true, Some(p)) => Some((p, PasswordFrom::Env)),
        (false, Some(p)) => Some((p, PasswordFrom::ConnInfo)),
    };
    let home = env("HOME").map(PathBuf::from).or_else(os_home);
    let passfile = options
        .take("passfile")
        .map(PathBuf::from)
        .or_else(|| home.as_ref().map(|h| h.join(".pgpass")));

    let (sslmode, tls) = tls(&mut options, home.as_deref())?;

    // What is left is tokio-postgres's to read (and to refuse if unknown).
    let mut rest = String::new();
    for (key, value) in &options.values {
        let value = value.replace('\\', "\\\\").replace('\'', "\\'");
        rest.push_str(&format!("{key}='{value}' "));
    }
    let base: tokio_postgres::Config =
        rest.parse().map_err(
            |e: tokio_postgres::Error| match std::error::Error::source(&e) {
                Some(cause) => cause.to_string(),
                None => e.to_string(),
            },
        )?;
    Ok(ConnInfo {
        endpoints,
        random_order,
        user,
        dbname,
        password,
        passfile,
        sslmode,
        tls,
        base,
        redacted: parsed.redacted,
        password_in_conninfo,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    fn settings_error(conninfo: &str, vars: &[(&str, &str)]) -> String {
        match ConnInfo::parse_with_env(conninfo, env(vars)) {
            Err(ConnectError::Settings(e)) => e,
            other => panic!("{conninfo}: {other:?}"),
        }
    }

    #[test]
    fn the_environment_fills_in_what_the_url_leaves_out() {
        let vars = [
            ("PGHOST", "db.example.com"),
            ("PGPORT", "6543"),
            ("PGUSER", "app"),
            ("PGDATABASE", "jobs"),
            ("PGPASSWORD", "from-env"),
            ("PGSSLMODE", "require"),
            ("HOME", "/nonexistent"),
        ];
        let info = ConnInfo::parse_with_env("", env(&vars)).unwrap();
        assert_eq!(info.endpoints.len(), 1);
        assert_eq!(info.endpoints[0].to_string(), "db.example.com:6543");
        assert_eq!((info.user.as_str(), info.dbname.as_str()), ("app", "jobs"));
        assert_eq!(
            info.password,
            Some(("from-env".to_owned(), PasswordFrom::Env))
        );
        assert_eq!(info.sslmode, SslMode::Require);
        assert!(!info.has_password_in_conninfo());

        // The URL wins over each variable.
        let info = ConnInfo::parse_with_env(
            "postgres://other:pw@h2:7000/db2?sslmode=disable",
            env(&vars),
        )
        .unwrap();
        assert_eq!(info.endpoints[0].to_string(), "h2:7000");
        assert_eq!((info.user.as_str(), info.dbname.as_str()), ("other", "db2"));
        assert_eq!(
            info.password,
            Some(("pw".to_owned(), PasswordFrom::ConnInfo))
        );
        assert_eq!(info.sslmode, SslMode::Disable);
        assert!(info.has_password_in_conninfo());
        assert_eq!(
            info.redacted(),
            "postgres://other@h2:7000/db2?sslmode=disable"
        );
        assert!(!format!("{info:?}").contains("pw"), "{info:?}");
    }

    #[test]
    fn hosts_addresses_and_ports_pair_up_as_in_libpq() {
        let vars = [("PGUSER", "u"), ("HOME", "/nonexistent")];
        let info = ConnInfo::parse_with_env(
            "host=db.test,/tmp,h3 hostaddr=127.0.0.1,,10.0.0.3 port=5433,5434,",
            env(&vars),
        )
        .unwrap();
        let shown: Vec<String> = info.endpoints.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "db.test:5433 (address 127.0.0.1)",
                "socket \"/tmp/.s.PGSQL.5434\"",
                "h3:5432 (address 10.0.0.3)"
            ]
        );
        let info = ConnInfo::parse_with_env("postgres://[::1]:5000,h2/db", env(&vars)).unwrap();
        let shown: Vec<String> = info.endpoints.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["[::1]:5000", "h2:5432"]);
        // A port from PGPORT applies where the URL gives none.
        let with_port = [("PGUSER", "u"), ("PGPORT", "6000")];
        let info = ConnInfo::parse_with_env("postgres://h1/db", env(&with_port)).unwrap();
        assert_eq!(info.endpoints[0].to_string(), "h1:6000");
    }

    #[test]
    fn bad_settings_name_the_option_or_variable() {
        let vars = [("PGUSER", "u"), ("HOME", "/nonexistent")];
        let e = settings_error("postgres://h/db?sslmode=verify_full", &vars);
        assert_eq!(
            e,
            "sslmode \"verify_full\" is not one of disable, allow, prefer, require, verify-ca, verify-full"
        );
        let with_mode = [("PGUSER", "u"), ("PGSSLMODE", "on")];
        assert!(settings_error("postgres://h/db", &with_mode).starts_with("PGSSLMODE \"on\""));
        assert!(settings_error("postgres://h:99999/db", &vars).contains("port \"99999\""));
        assert!(settings_error("host=a,b port=1,2,3", &vars).contains("3 ports for 2 hosts"));
        assert!(settings_error("host=a,b hostaddr=1.2.3.4", &vars).contains("2 hosts but"));
        assert!(settings_error("host=a hostaddr=db.test", &vars).contains("not an IP address"));
        assert!(settings_error("host=a sslcert=c.pem", &vars).contains("client certificates"));
        assert!(settings_error("host=a frobnicate=1", &vars).contains("frobnicate"));
        assert!(settings_error("host=a connect_timeout=x", &vars).contains("connect_timeout"));
        let e = settings_error("host=a sslrootcert=/nonexistent/ca.pem", &vars);
        assert!(
            e.starts_with("sslrootcert \"/nonexistent/ca.pem\": "),
            "{e}"
        );
        let e = settings_error("host=a sslrootcert=system sslmode=require", &vars);
        assert!(e.contains("use sslmode=verify-full"), "{e}");
    }

    #[test]
    fn a_root_certificate_file_that_holds_none_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "not a certificate\n").unwrap();
        let vars = [("PGUSER", "u"), ("HOME", "/nonexistent")];
        let e = settings_error(&format!("host=a sslrootcert={}", path.display()), &vars);
        assert!(e.contains("holds no certificate"), "{e}");
    }
}

//! The servers a connection string names (`host`, `hostaddr`, `port`,
//! each a comma-separated list), paired as libpq pairs them.

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;

use super::settings::Options;

/// Where a server listens.
#[derive(Debug, Clone)]
pub(crate) enum Host {
    /// A host name or address, and the address to use instead of looking
    /// the name up (`hostaddr`), if given.
    Tcp(String, Option<IpAddr>),
    /// Only an address (`hostaddr` without `host`).
    Addr(IpAddr),
    /// The folder of a Unix-domain socket.
    Unix(PathBuf),
}

/// One server to try.
#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    pub host: Host,
    pub port: u16,
}

impl Endpoint {
    /// The host as the password file matches it: libpq's `localhost` for
    /// the default socket folder.
    pub(crate) fn pgpass_host(&self) -> String {
        match &self.host {
            Host::Tcp(name, _) => name.clone(),
            Host::Addr(addr) => addr.to_string(),
            Host::Unix(dir) if dir.as_os_str() == DEFAULT_SOCKET_DIR => "localhost".to_owned(),
            Host::Unix(dir) => dir.display().to_string(),
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let port = self.port;
        match &self.host {
            Host::Tcp(name, addr) => {
                if name.contains(':') {
                    write!(f, "[{name}]:{port}")?;
                } else {
                    write!(f, "{name}:{port}")?;
                }
                match addr {
                    Some(addr) => write!(f, " (address {addr})"),
                    None => Ok(()),
                }
            }
            Host::Addr(addr) => write!(f, "{}", std::net::SocketAddr::new(*addr, port)),
            Host::Unix(dir) => write!(f, "socket \"{}/.s.PGSQL.{port}\"", dir.display()),
        }
    }
}

/// Debian's (and so Ubuntu's) folder for the server's socket, where libpq
/// looks when no host is given.
pub(super) const DEFAULT_SOCKET_DIR: &str = "/var/run/postgresql";

/// The servers named by `host`, `hostaddr` and `port` (each a
/// comma-separated list), as libpq pairs them.
pub(super) fn endpoints(options: &mut Options) -> Result<Vec<Endpoint>, String> {
    let split = |s: Option<String>| -> Vec<String> {
        s.map(|s| s.split(',').map(str::to_owned).collect())
            .unwrap_or_default()
    };
    let (host_name, addr_name, port_name) = (
        options.name("host"),
        options.name("hostaddr"),
        options.name("port"),
    );
    let hosts = split(options.take("host"));
    let addrs = split(options.take("hostaddr"));
    let ports = split(options.take("port"));
    if !hosts.is_empty() && !addrs.is_empty() && hosts.len() != addrs.len() {
        return Err(format!(
            "{} names {} hosts but {} names {} addresses",
            host_name,
            hosts.len(),
            addr_name,
            addrs.len()
        ));
    }
    let count = hosts.len().max(addrs.len()).max(1);
    if ports.len() > 1 && ports.len() != count {
        return Err(format!(
            "{port_name} names {} ports for {count} hosts",
            ports.len()
        ));
    }
    (0..count)
        .map(|i| {
            let port = match ports.get(i).or(ports.first()).map(String::as_str) {
                None | Some("") => 5432,
                Some(p) => p
                    .trim()
                    .parse::<u16>()
                    .ok()
                    .filter(|p| *p > 0)
                    .ok_or_else(|| {
                        format!("{port_name} \"{p}\" is not a port number (1 to 65535)")
                    })?,
            };
            let addr = match addrs.get(i).map(String::as_str) {
                None | Some("") => None,
                Some(a) => Some(
                    a.trim()
                        .parse::<IpAddr>()
                        .map_err(|_| format!("{addr_name} \"{a}\" is not an IP address"))?,
                ),
            };
            let host = match (hosts.get(i).map(String::as_str), addr) {
                (Some(dir), _) if dir.starts_with('/') => Host::Unix(PathBuf::from(dir)),
                (Some(name), addr) if !name.is_empty() => Host::Tcp(name.to_owned(), addr),
                (_, Some(addr)) => Host::Addr(addr),
                (_, None) => default_host(),
            };
            Ok(Endpoint { host, port })
        })
        .collect()
}

/// Where libpq goes with no host: the server's socket on this machine
/// (Debian's folder), or `localhost` where there is no such folder.
fn default_host() -> Host {
    if std::path::Path::new(DEFAULT_SOCKET_DIR).is_dir() {
        Host::Unix(PathBuf::from(DEFAULT_SOCKET_DIR))
    } else {
        Host::Tcp("localhost".to_owned(), None)
    }
}

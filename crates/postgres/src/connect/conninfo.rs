//! The connection string as libpq reads it: a `postgres://` URL or
//! `key=value` words (or nothing, for all defaults), into options by name,
//! and the same string with its password cut out, for printing.

use std::collections::BTreeMap;

/// A connection string taken apart.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    /// The options by libpq's names (`host`, `port`, `user`, `password`,
    /// `dbname`, `sslmode`, ...); a later one replaces an earlier one.
    pub options: BTreeMap<String, String>,
    /// The string as written, without its password.
    pub redacted: String,
}

/// Takes `conninfo` apart as libpq does.
///
/// # Errors
///
/// What is wrong with the string, in words that never quote the password.
pub(crate) fn parse(conninfo: &str) -> Result<Parsed, String> {
    match ["postgresql://", "postgres://"]
        .iter()
        .find_map(|prefix| Some((*prefix, conninfo.strip_prefix(prefix)?)))
    {
        Some((prefix, rest)) => parse_url(prefix, rest),
        None => parse_words(conninfo),
    }
}

/// `conninfo` without its password: for logs, errors and `status`. A string
/// that does not parse is not shown at all (it could hold the password
/// anywhere).
pub(crate) fn redact(conninfo: &str) -> String {
    match parse(conninfo) {
        Ok(parsed) => parsed.redacted,
        Err(_) => "(a connection string that does not parse)".to_owned(),
    }
}

/// `postgres[ql]://[user[:password]@][host][:port][,...][/dbname][?key=value&...]`
fn parse_url(prefix: &str, rest: &str) -> Result<Parsed, String> {
    let mut parsed = Parsed::default();
    let mut redacted = String::from(prefix);
    let mut s = rest;

    // The user part ends at the last '@' before the first '/' (libpq
    // takes the first: a password with an unescaped '@' would otherwise
    // end up in the host name, and be printed with it).
    let authority_end = s.find('/').unwrap_or(s.len());
    if let Some(at) = s[..authority_end].rfind('@') {
        let userspec = &s[..at];
        let (user, password) = match userspec.split_once(':') {
            Some((user, password)) => (user, Some(password)),
            None => (userspec, None),
        };
        if !user.is_empty() {
            parsed.set("user", decode(user, "user name")?);
        }
        if let Some(password) = password {
            parsed.set("password", decode(password, "password")?);
        }
        redacted.push_str(user);
        redacted.push('@');
        s = &s[at + 1..];
    }

    let netloc_end = s.find(['/', '?']).unwrap_or(s.len());
    let (netloc, tail) = s.split_at(netloc_end);
    redacted.push_str(netloc);
    let (hosts, ports) = hosts_and_ports(netloc)?;
    if hosts.iter().any(|h| !h.is_empty()) {
        parsed.set("host", hosts.join(","));
    }
    if ports.iter().any(|p| !p.is_empty()) {
        parsed.set("port", ports.join(","));
    }

    let (path, query) = match tail.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (tail, None),
    };
    if let Some(dbname) = path.strip_prefix('/') {
        if !dbname.is_empty() {
            parsed.set("dbname", decode(dbname, "database name")?);
        }
        redacted.push_str(path);
    }
    if let Some(query) = query {
        let mut kept = Vec::new();
        for param in query.split('&').filter(|p| !p.is_empty()) {
            let Some((key, value)) = param.split_once('=') else {
                return Err(format!(
                    "URL parameter \"{param}\" has no \"=\" (write key=value)"
                ));
            };
            let key = decode(key, "parameter name")?;
            if value.contains('=') && key != "password" {
                return Err(format!(
                    "URL parameter \"{key}\" has a second \"=\" (write it as %3D)"
                ));
            }
            let value = decode(value, "parameter value")?;
            // JDBC's ssl=true, which libpq takes as sslmode=require.
            if key == "ssl" && value == "true" {
                parsed.set("sslmode", "require".to_owned());
            } else {
                parsed.set(&key, value);
            }
            if key != "password" {
                kept.push(param);
            }
        }
        if !kept.is_empty() {
            redacted.push('?');
            redacted.push_str(&kept.join("&"));
        }
    }
    parsed.redacted = redacted;
    Ok(parsed)
}

/// The hosts and ports of `h1:p1,[::1]:p2,...`, decoded, one of each per
/// host (empty where left out).
fn hosts_and_ports(netloc: &str) -> Result<(Vec<String>, Vec<String>), String> {
    let (mut hosts, mut ports) = (Vec::new(), Vec::new());
    if netloc.is_empty() {
        return Ok((hosts, ports));
    }
    for chunk in netloc.split(',') {
        let (host, port) = if let Some(bracketed) = chunk.strip_prefix('[') {
            let Some((host, after)) = bracketed.split_once(']') else {
                return Err(format!(
                    "host \"{chunk}\" opens a \"[\" for an IPv6 address that no \"]\" closes"
                ));
            };
            if host.is_empty() {
                return Err("an IPv6 host address between [] may not be empty".to_owned());
            }
            let port = match after {
                "" => "",
                _ => after.strip_prefix(':').ok_or_else(|| {
                    format!("unexpected \"{after}\" after the IPv6 address [{host}]")
                })?,
            };
            (host, port)
        } else {
            chunk.split_once(':').unwrap_or((chunk, ""))
        };
        hosts.push(decode(host, "host")?);
        ports.push(decode(port, "port")?);
    }
    Ok((hosts, ports))
}

/// `%XX` sequences turned back into bytes, which must make UTF-8.
fn decode(s: &str, what: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let byte = bytes
                .get(i + 1..i + 3)
                .and_then(|hex| std::str::from_utf8(hex).ok())
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                .ok_or_else(|| format!("the {what} in the URL has a bad %-escape"))?;
            if byte == 0 {
                return Err(format!("the {what} in the URL holds %00"));
            }
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("the {what} in the URL is not UTF-8 once decoded"))
}

/// `key=value key='value with spaces' ...`, with `\` escaping the next
/// character, as libpq reads it.
fn parse_words(conninfo: &str) -> Result<Parsed, String> {
    let mut parsed = Parsed::default();
    let mut kept: Vec<&str> = Vec::new();
    let mut chars = conninfo.char_indices().peekable();
    let skip_space = |chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>| {
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
    };
    loop {
        skip_space(&mut chars);
        let Some(&(start, _)) = chars.peek() else {
            break;
        };
        let mut key = String::new();
        while let Some((_, c)) = chars.next_if(|(_, c)| !c.is_whitespace() && *c != '=') {
            key.push(c);
        }
        skip_space(&mut chars);
        if chars.next_if(|(_, c)| *c == '=').is_none() {
            return Err(format!(
                "missing \"=\" after \"{key}\" in the connection string (write key=value, or a postgres:// URL)"
            ));
        }
        skip_space(&mut chars);
        let mut value = String::new();
        if chars.next_if(|(_, c)| *c == '\'').is_some() {
            loop {
                match chars.next() {
                    Some((_, '\'')) => break,
                    Some((_, '\\')) => match chars.next() {
                        Some((_, c)) => value.push(c),
                        None => break,
                    },
                    Some((_, c)) => value.push(c),
                    None => {
                        return Err(format!(
                            "the quoted value of \"{key}\" in the connection string has no closing quote"
                        ));
                    }
                }
            }
        } else {
            while let Some((_, c)) = chars.next_if(|(_, c)| !c.is_whitespace()) {
                if c == '\\' {
                    if let Some((_, next)) = chars.next() {
                        value.push(next);
                    }
                } else {
                    value.push(c);
                }
            }
        }
        let end = chars.peek().map_or(conninfo.len(), |&(i, _)| i);
        if key != "password" {
            kept.push(&conninfo[start..end]);
        }
        parsed.set(&key, value);
    }
    parsed.redacted = kept.join(" ");
    Ok(parsed)
}

impl Parsed {
    fn set(&mut self, key: &str, value: String) {
        self.options.insert(key.to_owned(), value);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn options(s: &str) -> Vec<(String, String)> {
        parse(s).unwrap().options.into_iter().collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_full_url_gives_every_part_decoded() {
        assert_eq!(
            options(
                "postgresql://app%40x:p%3Ass%40w@db.example.com:6543/my%20db?sslmode=verify-full&application_name=w"
            ),
            pairs(&[
                ("application_name", "w"),
                ("dbname", "my db"),
                ("host", "db.example.com"),
                ("password", "p:ss@w"),
                ("port", "6543"),
                ("sslmode", "verify-full"),
                ("user", "app@x"),
            ])
        );
    }

    #[test]
    fn several_hosts_ipv6_and_missing_parts() {
        assert_eq!(
            options("postgres://h1,[::1]:5433,h3:5434/db"),
            pairs(&[
                ("dbname", "db"),
                ("host", "h1,::1,h3"),
                ("port", ",5433,5434"),
            ])
        );
        assert_eq!(options("postgres://"), pairs(&[]));
        assert_eq!(
            options("postgres:///jobs?host=%2Fvar%2Frun%2Fpostgresql"),
            pairs(&[("dbname", "jobs"), ("host", "/var/run/postgresql")])
        );
        assert_eq!(
            options("postgres://u@/jobs?ssl=true"),
            pairs(&[("dbname", "jobs"), ("sslmode", "require"), ("user", "u")])
        );
    }

    #[test]
    fn bad_urls_are_refused_without_showing_the_password() {
        for (url, words) in [
            ("postgres://u:s3cret@h/db?sslmode", "has no \"=\""),
            ("postgres://u:s3cret@[::1/db", "no \"]\" closes"),
            ("postgres://u:s3cret@h/d%zzb", "bad %-escape"),
            ("postgres://u:s3cret@h/d%00", "%00"),
            ("postgres://u:s3cret@h/db?a=b=c", "second \"=\""),
        ] {
            let e = parse(url).unwrap_err();
            assert!(e.contains(words), "{url}: {e}");
            assert!(!e.contains("s3cret"), "{e}");
            assert!(!redact(url).contains("s3cret"), "{}", redact(url));
        }
    }

    #[test]
    fn key_value_words_with_quotes_and_escapes() {
        assert_eq!(
            options(r"host=db port = 5433 dbname='my \'db\'' password=a\ b user=x"),
            pairs(&[
                ("dbname", "my 'db'"),
                ("host", "db"),
                ("password", "a b"),
                ("port", "5433"),
                ("user", "x"),
            ])
        );
        assert_eq!(options(""), pairs(&[]));
        assert_eq!(options("  "), pairs(&[]));
        assert!(
            parse("host db")
                .unwrap_err()
                .contains("missing \"=\" after \"host\"")
        );
        assert!(parse("dbname='x").unwrap_err().contains("no closing quote"));
    }

    #[test]
    fn the_password_is_cut_out_of_what_is_printed() {
        assert_eq!(
            redact("postgres://app:s3cret@db:5432/jobs?sslmode=require"),
            "postgres://app@db:5432/jobs?sslmode=require"
        );
        assert_eq!(
            redact("postgresql://db/jobs?password=s3cret&sslmode=require&password=again"),
            "postgresql://db/jobs?sslmode=require"
        );
        assert_eq!(
            redact("postgres://db/jobs?password=s3cret"),
            "postgres://db/jobs"
        );
        assert_eq!(
            redact("host=db password='s3 cret' user=app"),
            "host=db user=app"
        );
        assert_eq!(redact("postgres://app@db/jobs"), "postgres://app@db/jobs");
        // An '@' or '?' left unescaped in the password stays in it.
        assert_eq!(
            redact("postgres://app:p@s?s@db/jobs"),
            "postgres://app@db/jobs"
        );
        assert_eq!(
            options("postgres://app:p@s?s@db/jobs"),
            pairs(&[
                ("dbname", "jobs"),
                ("host", "db"),
                ("password", "p@s?s"),
                ("user", "app")
            ])
        );
    }
}

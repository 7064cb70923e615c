//! The password file, as libpq reads it (`~/.pgpass`, or `PGPASSFILE`, or
//! the `passfile` option): lines of `host:port:database:user:password`,
//! `*` matching anything in the first four fields, `\` escaping `:` and
//! `\`, `#` starting a comment; a file that others can read is ignored.

use std::path::Path;

/// What the password file gave for one connection.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Lookup {
    /// The password of the first line that matched.
    Found(String),
    /// No file, or no line for this connection.
    NotFound,
    /// The file was not used, and why (as libpq, which warns and goes on).
    Skipped(String),
}

/// The password for `host`, `port`, `database`, `user` in the file at
/// `path`.
pub(crate) fn lookup(path: &Path, host: &str, port: &str, database: &str, user: &str) -> Lookup {
    let shown = path.display();
    let Ok(meta) = std::fs::metadata(path) else {
        return Lookup::NotFound;
    };
    if !meta.is_file() {
        return Lookup::Skipped(format!("password file \"{shown}\" is not a plain file"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if meta.permissions().mode() & 0o077 != 0 {
            return Lookup::Skipped(format!(
                "password file \"{shown}\" has group or world access; permissions should be u=rw (0600) or less"
            ));
        }
    }
    match std::fs::read_to_string(path) {
        Ok(text) => match find(&text, [host, port, database, user]) {
            Some(password) => Lookup::Found(password),
            None => Lookup::NotFound,
        },
        Err(e) => Lookup::Skipped(format!("password file \"{shown}\" cannot be read: {e}")),
    }
}

/// The password of the first line of `text` whose four fields match
/// `wanted`.
fn find(text: &str, wanted: [&str; 4]) -> Option<String> {
    text.lines()
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .find_map(|line| {
            let mut rest = line;
            for value in wanted {
                rest = field_matches(rest, value)?;
            }
            Some(unescape(rest))
        })
}

/// The rest of `line` after its first field and its `:`, if that field
/// is `*` or equals `value` once unescaped.
fn field_matches<'a>(line: &'a str, value: &str) -> Option<&'a str> {
    if let Some(rest) = line.strip_prefix("*:") {
        return Some(rest);
    }
    let mut chars = line.char_indices();
    let mut field = String::new();
    while let Some((i, c)) = chars.next() {
        match c {
            ':' => return (field == value).then(|| &line[i + 1..]),
            '\\' => field.push(chars.next()?.1),
            c => field.push(c),
        }
    }
    None
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const FILE: &str = "# a comment line\n\
        db.example.com:5432:jobs:app:first\n\
        db.example.com:*:*:app:second\n\
        *:*:*:ad\\:min:with\\:colon\\\\\r\n\
        *:*:*:*:last\n";

    #[test]
    fn the_first_matching_line_wins_with_wildcards_and_escapes() {
        let find = |w| find(FILE, w);
        assert_eq!(
            find(["db.example.com", "5432", "jobs", "app"]).as_deref(),
            Some("first")
        );
        assert_eq!(
            find(["db.example.com", "6543", "jobs", "app"]).as_deref(),
            Some("second")
        );
        assert_eq!(
            find(["other", "5432", "jobs", "ad:min"]).as_deref(),
            Some("with:colon\\")
        );
        assert_eq!(
            find(["other", "5432", "jobs", "app"]).as_deref(),
            Some("last")
        );
        assert_eq!(super::find("h:1:d:u:p\n", ["h", "1", "d", "v"]), None);
        assert_eq!(super::find("h:1:d\n", ["h", "1", "d", "u"]), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_file_others_can_read_is_skipped_with_the_reason() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pgpass");
        std::fs::write(&path, "*:*:*:*:pw\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(
            lookup(&path, "h", "5432", "d", "u"),
            Lookup::Found("pw".into())
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        match lookup(&path, "h", "5432", "d", "u") {
            Lookup::Skipped(why) => assert!(why.contains("group or world access"), "{why}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            lookup(&dir.path().join("none"), "h", "5432", "d", "u"),
            Lookup::NotFound
        );
        match lookup(dir.path(), "h", "5432", "d", "u") {
            Lookup::Skipped(why) => assert!(why.contains("not a plain file"), "{why}"),
            other => panic!("{other:?}"),
        }
    }
}

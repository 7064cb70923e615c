//! The suppression list (`--suppress FILE`): addresses and whole domains
//! never mailed, such as past unsubscribes and hard bounces.

use std::collections::HashSet;
use std::io::BufRead as _;
use std::path::Path;

use crate::error::ConfigError;

/// Addresses (`user@example.com`) and domains (`@example.com`) never
/// mailed. Domains compare case-insensitively; local parts as written
/// (RFC 5321 leaves their case to the receiving server).
///
/// ```
/// use email_jobs::Suppression;
///
/// let list = Suppression::parse("# bounces\nann@Example.com\n@spamtrap.example\n");
/// assert!(list.contains("ann@example.COM"));
/// assert!(list.contains("anyone@SpamTrap.example"));
/// assert!(!list.contains("bob@example.com"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct Suppression {
    addresses: HashSet<String>,
    domains: HashSet<String>,
}

impl Suppression {
    /// Reads a list: one address or `@domain` per line; blank lines, `#`
    /// comments and lines without an `@` (a CSV header) are skipped; in a
    /// CSV or TSV export, the first field of each line is used.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Io`] naming the file when it cannot be read.
    pub fn read(path: &Path) -> Result<Suppression, ConfigError> {
        let io = |source| ConfigError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        let mut list = Suppression::default();
        for line in std::io::BufReader::new(file).lines() {
            list.add(&line.map_err(io)?);
        }
        Ok(list)
    }

    /// A list from text, as [`Suppression::read`] reads a file.
    pub fn parse(text: &str) -> Suppression {
        let mut list = Suppression::default();
        for line in text.lines() {
            list.add(line);
        }
        list
    }

    fn add(&mut self, line: &str) {
        let line = line.trim();
        if line.starts_with('#') {
            return;
        }
        let first = line
            .split([',', '\t', ';'])
            .next()
            .unwrap_or_default()
            .trim()
            .trim_matches('"');
        match first.rsplit_once('@') {
            Some(("", domain)) if !domain.is_empty() => {
                self.domains.insert(domain.to_ascii_lowercase());
            }
            Some((local, domain)) if !local.is_empty() && !domain.is_empty() => {
                self.addresses
                    .insert(format!("{local}@{}", domain.to_ascii_lowercase()));
            }
            _ => {}
        }
    }

    /// How many addresses and domains the list holds.
    pub fn len(&self) -> usize {
        self.addresses.len() + self.domains.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `address` (or its domain) is on the list.
    pub fn contains(&self, address: &str) -> bool {
        let Some((local, domain)) = address.trim().rsplit_once('@') else {
            return false;
        };
        let domain = domain.to_ascii_lowercase();
        self.domains.contains(&domain) || self.addresses.contains(&format!("{local}@{domain}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_exports_comments_and_headers() {
        let list = Suppression::parse(
            "email,reason\n\"ann@example.com\",unsubscribed\n\n# a comment\nbob@EXAMPLE.org\tbounce\n@Blocked.example\nnot an address\n",
        );
        assert_eq!(list.len(), 3);
        assert!(list.contains("ann@example.com"));
        assert!(list.contains("bob@example.org"));
        assert!(
            !list.contains("Bob@example.org"),
            "local parts keep their case"
        );
        assert!(list.contains("x@blocked.EXAMPLE"));
        assert!(!list.contains("email"));
    }
}

//! The suppression list (`--suppress FILE`): addresses and whole domains
//! never mailed, such as past unsubscribes and hard bounces.

use std::collections::HashSet;
use std::io::BufRead as _;
use std::path::Path;

use crate::error::ConfigError;

/// Addresses (`user@example.com`) and domains (`@example.com`) never
/// mailed. Both compare without case, the local part too: RFC 5321 leaves
/// its case to the receiving server, but every large mailbox provider
/// ignores it, and a person who unsubscribed as `Alan.Turing@...` must not
/// get mail as `alan.turing@...`.
///
/// ```
/// use std::path::Path;
/// use email_jobs::Suppression;
///
/// let list = Suppression::parse(
///     Path::new("suppressed.txt"),
///     "# bounces\nAnn@Example.com\nBob Smith <bob@example.com>\n@spamtrap.example\n",
/// )?;
/// assert!(list.contains("ann@example.COM"));
/// assert!(list.contains("BOB@example.com"));
/// assert!(list.contains("anyone@SpamTrap.example"));
/// assert!(!list.contains("cy@example.com"));
/// # Ok::<(), email_jobs::ConfigError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Suppression {
    addresses: HashSet<String>,
    domains: HashSet<String>,
}

impl Suppression {
    /// Reads a list: one address, `Name <address>` or `@domain` per line;
    /// blank lines and `#` comments are skipped; in a CSV or TSV export,
    /// the first field of each line is read, and a first line without an
    /// `@` (its header) is skipped.
    ///
    /// # Errors
    ///
    /// [`ConfigError::FlagFile`] naming the file when it cannot be read;
    /// [`ConfigError::Suppression`] naming the file and line of a line that
    /// is not an address (never skipped without a word: a person on the
    /// list must not get mail).
    pub fn read(path: &Path) -> Result<Suppression, ConfigError> {
        let io = |error| ConfigError::FlagFile {
            flag: "--suppress",
            path: path.to_path_buf(),
            error,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        let mut list = Suppression::default();
        let mut content_lines = 0;
        for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
            list.add(path, i + 1, &line.map_err(io)?, &mut content_lines)?;
        }
        Ok(list)
    }

    /// A list from text, as [`Suppression::read`] reads a file; `path`
    /// names it in errors.
    ///
    /// # Errors
    ///
    /// As [`Suppression::read`].
    pub fn parse(path: &Path, text: &str) -> Result<Suppression, ConfigError> {
        let mut list = Suppression::default();
        let mut content_lines = 0;
        for (i, line) in text.lines().enumerate() {
            list.add(path, i + 1, line, &mut content_lines)?;
        }
        Ok(list)
    }

    /// Adds line `number`; `content_lines` counts the lines that are
    /// neither blank nor comments (the first may be a CSV header).
    fn add(
        &mut self,
        path: &Path,
        number: usize,
        line: &str,
        content_lines: &mut usize,
    ) -> Result<(), ConfigError> {
        let line = line.trim().trim_start_matches('\u{feff}');
        if line.is_empty() || line.starts_with('#') {
            return Ok(());
        }
        *content_lines += 1;
        let field = first_field(line);
        let address = match (field.rfind('<'), field.strip_suffix('>')) {
            // `Name <address>`: the address.
            (Some(open), Some(inner)) => inner[open + 1..].trim(),
            _ => field,
        };
        match address.rsplit_once('@') {
            Some(("", domain)) if valid_part(domain) => {
                self.domains.insert(domain.to_lowercase());
                Ok(())
            }
            Some((local, domain)) if valid_part(local) && valid_part(domain) => {
                self.addresses.insert(normalise(local, domain));
                Ok(())
            }
            // A CSV export's header line.
            None if *content_lines == 1 && !line.contains('@') => Ok(()),
            _ => Err(ConfigError::Suppression {
                path: path.to_path_buf(),
                line: number,
                message: format!(
                    "{line:?} is not an address, `Name <address>` or `@domain`: fix or remove the line, so that no one on the list is mailed"
                ),
            }),
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
        self.find(address).is_some()
    }

    /// The entry of the list that `address` matches: the address itself,
    /// or `@domain` (both lower case), if any.
    pub fn find(&self, address: &str) -> Option<String> {
        let (local, domain) = address.trim().rsplit_once('@')?;
        let domain = domain.to_lowercase();
        if self.domains.contains(&domain) {
            return Some(format!("@{domain}"));
        }
        let address = normalise(local, &domain);
        self.addresses.contains(&address).then_some(address)
    }
}

/// The first field of a CSV, TSV or semicolon-separated line, unquoted;
/// the whole line when it has no separator.
fn first_field(line: &str) -> &str {
    if let Some(quoted) = line.strip_prefix('"') {
        // A quoted field ends at the next quote (doubled quotes, which an
        // address never holds, are not unescaped).
        return quoted.split('"').next().unwrap_or_default().trim();
    }
    line.split([',', '\t', ';'])
        .next()
        .unwrap_or_default()
        .trim()
}

/// Whether `part` can be one side of an address: not empty, no spaces or
/// angle brackets, no second `@`.
fn valid_part(part: &str) -> bool {
    !part.is_empty() && !part.contains(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '@'))
}

fn normalise(local: &str, domain: &str) -> String {
    format!("{}@{}", local.to_lowercase(), domain.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Suppression, ConfigError> {
        Suppression::parse(Path::new("s.txt"), text)
    }

    #[test]
    fn csv_exports_comments_and_headers() -> Result<(), ConfigError> {
        let list = parse(
            "email,reason\n\"ann@example.com\",unsubscribed\n\n# a comment\nbob@EXAMPLE.org\tbounce\n@Blocked.example\n",
        )?;
        assert_eq!(list.len(), 3);
        assert!(list.contains("ann@example.com"));
        assert!(list.contains("bob@example.org"));
        assert!(list.contains("x@blocked.EXAMPLE"));
        assert!(!list.contains("email"));
        assert!(!list.contains("cy@example.org"));
        Ok(())
    }

    #[test]
    fn addresses_compare_without_case() -> Result<(), ConfigError> {
        let list = parse("Alan.Turing@Example.com\n")?;
        assert!(list.contains("alan.turing@example.com"));
        assert!(list.contains("ALAN.TURING@EXAMPLE.COM"));
        assert_eq!(
            list.find("alan.turing@example.com").as_deref(),
            Some("alan.turing@example.com")
        );
        assert!(!list.contains("alan.turin@example.com"));
        Ok(())
    }

    #[test]
    fn name_and_address_lines_are_read_as_the_address() -> Result<(), ConfigError> {
        let list = parse(
            "Alan Turing <alan.turing@example.com>\n\"Hopper, Grace <grace@example.com>\",bounce\n",
        )?;
        assert_eq!(list.len(), 2);
        assert!(list.contains("alan.turing@example.com"));
        assert!(list.contains("grace@example.com"));
        Ok(())
    }

    #[test]
    fn a_line_that_is_no_address_is_refused_with_its_line() {
        for (text, line) in [
            ("ann@example.com\nnot an address\n", 2),
            ("# list\n\nann@example.com\nAlan <alan@example.com\n", 4),
            ("email\nbob@\n", 2),
            ("a b@example.com\n", 1),
            ("Turing, Alan <alan@example.com>\n", 1),
        ] {
            let e = parse(text).expect_err(text);
            assert!(
                matches!(&e, ConfigError::Suppression { line: l, .. } if *l == line),
                "{text:?}: {e}"
            );
            assert!(
                e.to_string().starts_with(&format!("s.txt, line {line}: ")),
                "{e}"
            );
        }
    }
}

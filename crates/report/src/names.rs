//! Safe, unique file names from data.

use std::collections::HashSet;

const RESERVED: [&str; 22] = [
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// Turns `raw` into one safe path component: no separators, no `..`, no
/// control or reserved characters, no leading dot, at most 120 bytes; an
/// empty result becomes `report`.
pub fn sanitize(raw: &str) -> String {
    let mut s: String = raw
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    while s.contains("..") {
        s = s.replace("..", "_");
    }
    let s = s.trim_matches(|c: char| c == '.' || c.is_whitespace() || c == '_');
    let mut out = String::new();
    for c in s.chars() {
        if out.len() + c.len_utf8() > 120 {
            break;
        }
        out.push(c);
    }
    let out = out.trim_end_matches(['.', ' ']).to_owned();
    if out.is_empty() {
        return "report".to_owned();
    }
    let stem = out.split('.').next().unwrap_or("").to_ascii_lowercase();
    if RESERVED.contains(&stem.as_str()) {
        return format!("_{out}");
    }
    out
}

/// Hands out unique `.pdf` names (case-insensitively): `a.pdf`, `a-2.pdf`...
#[derive(Debug, Default)]
pub struct UniqueNames {
    taken: HashSet<String>,
}

impl UniqueNames {
    /// A unique file name for the (sanitised) `stem`.
    pub fn claim(&mut self, raw_stem: &str) -> String {
        let stem = sanitize(raw_stem);
        let mut n = 1;
        loop {
            let name = if n == 1 {
                format!("{stem}.pdf")
            } else {
                format!("{stem}-{n}.pdf")
            };
            if self.taken.insert(name.to_lowercase()) {
                return name;
            }
            n += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_stay_one_component() {
        for raw in [
            "../../etc/passwd",
            "/abs/path",
            "..",
            "a\0b\nc",
            "C:\\x",
            " . ",
            "",
            "con",
        ] {
            let s = sanitize(raw);
            assert!(
                !s.contains('/') && !s.contains('\\') && !s.contains(".."),
                "{raw:?} -> {s:?}"
            );
            assert!(!s.starts_with('.') && !s.is_empty(), "{raw:?} -> {s:?}");
            assert!(!s.chars().any(char::is_control));
        }
        assert_eq!(sanitize("../../etc/passwd"), "etc_passwd");
        assert_eq!(sanitize("Zürich 東京"), "Zürich 東京");
        assert_eq!(sanitize(&"é".repeat(100)).len(), 120);
    }

    #[test]
    fn collisions_get_numbers() {
        let mut u = UniqueNames::default();
        assert_eq!(u.claim("a/b"), "a_b.pdf");
        assert_eq!(u.claim("a:b"), "a_b-2.pdf");
        assert_eq!(u.claim("A_B"), "A_B-3.pdf");
    }
}

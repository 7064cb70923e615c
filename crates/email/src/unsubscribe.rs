//! One-click unsubscribe (RFC 8058): the `List-Unsubscribe` and
//! `List-Unsubscribe-Post` headers that Gmail, Yahoo and Outlook require of
//! bulk senders, added to the template from `--unsubscribe` URL templates.

use crate::error::ConfigError;
use crate::template::{HeaderKind, TemplateFile, TemplateHeader};

/// `List-Unsubscribe`.
pub const LIST_UNSUBSCRIBE: &str = "List-Unsubscribe";
/// `List-Unsubscribe-Post`.
pub const LIST_UNSUBSCRIBE_POST: &str = "List-Unsubscribe-Post";
/// The one value RFC 8058 allows in `List-Unsubscribe-Post`.
pub const ONE_CLICK: &str = "List-Unsubscribe=One-Click";

/// Adds the RFC 8058 headers to `template` for the unsubscribe URL
/// templates `urls` (rendered per row like any header): one `https://`
/// URL, and optionally one `mailto:`. Nothing when `urls` is empty.
/// Returns how many URIs each rendered `List-Unsubscribe` must hold, for
/// [`check_value`].
///
/// # Errors
///
/// [`ConfigError::Invalid`] when no URL is `https://` (one-click needs
/// HTTPS; an `http://` URL is refused), a URL is neither `https:` nor
/// `mailto:`, there are two of a kind, or the template sets the headers
/// itself.
pub fn add_headers(template: &mut TemplateFile, urls: &[String]) -> Result<usize, ConfigError> {
    if urls.is_empty() {
        return Ok(0);
    }
    let bad = |m: String| Err(ConfigError::Invalid(format!("--unsubscribe: {m}")));
    let scheme = |url: &str, s: &str| url.trim().to_ascii_lowercase().starts_with(s);
    let https: Vec<&String> = urls.iter().filter(|u| scheme(u, "https://")).collect();
    let mailto: Vec<&String> = urls.iter().filter(|u| scheme(u, "mailto:")).collect();
    if let Some(other) = urls
        .iter()
        .find(|u| !scheme(u, "https://") && !scheme(u, "mailto:"))
    {
        return bad(format!(
            "{other:?} is neither an https:// URL nor a mailto: address (one-click unsubscribe needs HTTPS)"
        ));
    }
    if https.len() != 1 || mailto.len() > 1 {
        return bad("give one https:// URL (one-click unsubscribe, RFC 8058), and at most one mailto: address".into());
    }
    let sets = |name: &str| {
        template
            .headers
            .iter()
            .any(|h| h.kind == HeaderKind::Custom && h.name.eq_ignore_ascii_case(name))
    };
    if sets(LIST_UNSUBSCRIBE) || sets(LIST_UNSUBSCRIBE_POST) {
        return bad(format!(
            "{} already sets {LIST_UNSUBSCRIBE}: remove it there or drop --unsubscribe",
            template.path.display()
        ));
    }
    let mut value = format!("<{}>", https[0].trim());
    if let Some(mailto) = mailto.first() {
        value.push_str(&format!(", <{}>", mailto.trim()));
    }
    for (name, source) in [
        (LIST_UNSUBSCRIBE, value),
        (LIST_UNSUBSCRIBE_POST, ONE_CLICK.to_owned()),
    ] {
        template.headers.push(TemplateHeader {
            kind: HeaderKind::Custom,
            name: name.to_owned(),
            source,
            line: 0,
        });
    }
    Ok(urls.len())
}

/// Checks a rendered `List-Unsubscribe` value: `<uri>` entries separated by
/// commas, each URI free of spaces and angle brackets, the first one
/// `https://`, and exactly `expected` of them when the headers came from
/// [`add_headers`]: a row value that closed the bracket and opened another
/// would add a URI of its own.
///
/// # Errors
///
/// A message saying what is wrong.
pub fn check_value(value: &str, expected: Option<usize>) -> Result<(), String> {
    let mut rest = value.trim();
    let mut first = true;
    let mut count = 0;
    while !rest.is_empty() {
        let inner = rest
            .strip_prefix('<')
            .and_then(|r| r.split_once('>'))
            .ok_or_else(|| format!("{LIST_UNSUBSCRIBE} {value:?} is not a list of <URI>"))?;
        let (uri, after) = inner;
        if uri.is_empty() || uri.contains(|c: char| c.is_whitespace() || c == '<') {
            return Err(format!(
                "the unsubscribe URI {uri:?} has spaces or angle brackets"
            ));
        }
        if first && !uri.to_ascii_lowercase().starts_with("https://") {
            return Err(format!(
                "the unsubscribe URI {uri:?} is not https:// (one-click needs HTTPS)"
            ));
        }
        first = false;
        count += 1;
        rest = after.trim_start();
        if let Some(next) = rest.strip_prefix(',') {
            rest = next.trim_start();
            if rest.is_empty() {
                return Err(format!("{LIST_UNSUBSCRIBE} {value:?} ends with a comma"));
            }
        } else if !rest.is_empty() {
            return Err(format!(
                "{LIST_UNSUBSCRIBE} {value:?} is not a list of <URI>"
            ));
        }
    }
    if expected.is_some_and(|n| n != count) {
        return Err(format!(
            "{LIST_UNSUBSCRIBE} {value:?} holds {count} URIs, not the {} of --unsubscribe (a row value closed the <URI>?)",
            expected.unwrap_or_default()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// A template with just a From line.
    fn template() -> TemplateFile {
        TemplateFile::parse(Path::new("t.txt"), "From: a@example.com\n\nbody\n").expect("valid")
    }

    #[test]
    fn one_https_url_and_a_mailto_make_both_rfc_8058_headers() {
        let mut t = template();
        let urls = [
            "https://example.com/u?id={{ id }}".to_owned(),
            "mailto:u@example.com?subject={{ id }}".to_owned(),
        ];
        assert_eq!(add_headers(&mut t, &urls).expect("valid"), 2);
        let added: Vec<_> = t.headers[1..]
            .iter()
            .map(|h| (h.name.as_str(), h.source.as_str()))
            .collect();
        assert_eq!(
            added,
            [
                (
                    "List-Unsubscribe",
                    "<https://example.com/u?id={{ id }}>, <mailto:u@example.com?subject={{ id }}>"
                ),
                ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
            ]
        );
    }

    #[test]
    fn http_and_other_schemes_are_refused() {
        for urls in [
            vec!["http://example.com/u".to_owned()],
            vec!["mailto:u@example.com".to_owned()],
            vec!["ftp://example.com".to_owned()],
            vec![
                "https://a.example".to_owned(),
                "https://b.example".to_owned(),
            ],
        ] {
            let e = add_headers(&mut template(), &urls).expect_err("refused");
            assert!(e.to_string().contains("--unsubscribe"), "{e}");
        }
        let mut t = TemplateFile::parse(
            Path::new("t.txt"),
            "From: a@example.com\nList-Unsubscribe: <https://x>\n\nbody\n",
        )
        .expect("valid");
        assert!(add_headers(&mut t, &["https://y".to_owned()]).is_err());
    }

    #[test]
    fn rendered_values_are_checked() {
        assert!(check_value("<https://example.com/u?id=7>", Some(1)).is_ok());
        assert!(
            check_value(
                "<https://example.com/u?id=7>, <mailto:u@example.com>",
                Some(2)
            )
            .is_ok()
        );
        assert!(check_value("<https://x/u?id=7>, <https://evil.example>", None).is_ok());
        // A row whose id is `7>, <https://evil.example` adds a URI.
        assert!(check_value("<https://x/u?id=7>, <https://evil.example>", Some(1)).is_err());
        assert!(check_value("<https://x/u?id=7> <https://evil>", None).is_err());
        assert!(check_value("<https://x/u?id=7>x>, <y>", None).is_err());
        assert!(check_value("<https://x/u id=7>", None).is_err());
        assert!(check_value("<http://x/u>", None).is_err());
        assert!(check_value("<https://x/u>,", None).is_err());
    }
}

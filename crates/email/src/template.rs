//! The template file: header lines, a blank line, the body.
//!
//! ```text
//! From: Shop <shop@example.com>
//! To: {{ name }} <{{ email }}>
//! Subject: Your order {{ order }}
//! Attachment: invoices/{{ order }}.pdf
//!
//! Hello {{ name }},
//! ...
//! --- html ---
//! <p>Hello {{ name }},</p>
//! ```
//!
//! Headers: `From` (required), `To` (default: the recipient column),
//! `Subject`, `Reply-To`, `Cc`, `Bcc`, `Attachment` (repeatable; a path
//! inside the attachments folder; an empty value attaches nothing) and
//! `Format: markdown` (the body is Markdown, sent as plain text and HTML).
//! Any other header (`List-Id`, `X-PM-Message-Stream`, `Precedence`, ...)
//! passes through, rendered like the others and left out when it renders
//! empty, except the ones the mailer writes itself (`Message-ID`, `Date`,
//! `MIME-Version`, `Content-*`, `DKIM-Signature`).
//! A line `--- html ---` in the body starts an HTML alternative to the text
//! before it. A header line starting with a space or tab continues the one
//! before.

use std::path::{Path, PathBuf};

use crate::error::ConfigError;

/// The line that separates the plain-text body from the HTML body.
pub const HTML_SEPARATOR: &str = "--- html ---";

/// A header the template can set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HeaderKind {
    /// `From`: the sender (required).
    From,
    /// `To`: the recipient (default: the recipient column).
    To,
    /// `Subject`.
    Subject,
    /// `Reply-To`.
    ReplyTo,
    /// `Cc`.
    Cc,
    /// `Bcc`: recipients of the envelope, not shown in the message.
    Bcc,
    /// `Attachment`: a file to attach, relative to the attachments folder.
    Attachment,
    /// Any other header, passed through as it is named in the template
    /// ([`TemplateHeader::name`]).
    Custom,
}

impl HeaderKind {
    /// The header's name as written in templates and messages.
    pub fn name(self) -> &'static str {
        match self {
            HeaderKind::From => "From",
            HeaderKind::To => "To",
            HeaderKind::Subject => "Subject",
            HeaderKind::ReplyTo => "Reply-To",
            HeaderKind::Cc => "Cc",
            HeaderKind::Bcc => "Bcc",
            HeaderKind::Attachment => "Attachment",
            HeaderKind::Custom => "custom header",
        }
    }

    fn parse(name: &str) -> Option<HeaderKind> {
        let all = [
            HeaderKind::From,
            HeaderKind::To,
            HeaderKind::Subject,
            HeaderKind::ReplyTo,
            HeaderKind::Cc,
            HeaderKind::Bcc,
            HeaderKind::Attachment,
        ];
        all.into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(name))
    }
}

/// How the body is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BodyFormat {
    /// Plain text, with an optional HTML alternative after `--- html ---`.
    #[default]
    Text,
    /// Markdown, sent as the text itself and as HTML.
    Markdown,
}

/// Headers the mailer writes itself; a template may not set them.
const OWNED: &[&str] = &["Message-ID", "Date", "MIME-Version", "DKIM-Signature"];

/// Why `name` cannot be a header the template passes through: not an
/// RFC 5322 field name (printable ASCII but `:`), or one the mailer owns.
fn custom_header_problem(name: &str) -> Option<String> {
    if name.is_empty() || !name.bytes().all(|b| (33..=126).contains(&b) && b != b':') {
        return Some(format!(
            "{name:?} is not a header name (printable ASCII letters, digits and punctuation, no spaces)"
        ));
    }
    let owned = OWNED.iter().any(|o| o.eq_ignore_ascii_case(name))
        || name.to_ascii_lowercase().starts_with("content-");
    owned.then(|| format!("{name} is written by the mailer itself; remove it from the template"))
}

/// One header line of the template (its value is template source).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateHeader {
    /// Which header.
    pub kind: HeaderKind,
    /// The header's name: [`HeaderKind::name`], or as the template writes
    /// it for a [`HeaderKind::Custom`] one.
    pub name: String,
    /// The value, as minijinja source.
    pub source: String,
    /// The 1-based line of the template file.
    pub line: usize,
}

/// A parsed template file, not yet compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateFile {
    /// The file it was read from.
    pub path: PathBuf,
    /// The header lines, in order.
    pub headers: Vec<TemplateHeader>,
    /// How the body is written.
    pub format: BodyFormat,
    /// The plain-text (or Markdown) body, as minijinja source.
    pub text: String,
    /// The HTML body, when the template has one.
    pub html: Option<String>,
    /// The 1-based line where the body starts.
    pub body_line: usize,
    /// The 1-based line where the HTML body starts, when there is one.
    pub html_line: Option<usize>,
}

impl TemplateFile {
    /// Reads and parses the template at `path`.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Io`] if it cannot be read; [`ConfigError::Template`]
    /// naming the line if it is malformed.
    pub fn read(path: &Path) -> Result<TemplateFile, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Io {
            what: "the template",
            path: path.to_path_buf(),
            error,
        })?;
        TemplateFile::parse(path, &text)
    }

    /// Parses template `text`; `path` names it in messages.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Template`] naming the line if it is malformed.
    pub fn parse(path: &Path, text: &str) -> Result<TemplateFile, ConfigError> {
        let error = |line: usize, message: String| ConfigError::Template {
            path: path.to_path_buf(),
            line,
            message,
        };
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let text = text.replace("\r\n", "\n");
        let mut headers: Vec<TemplateHeader> = Vec::new();
        let mut format = BodyFormat::Text;
        let mut lines = text.split_inclusive('\n').enumerate();
        let mut body_start = None;
        let mut last_was_format = false;
        for (index, raw) in lines.by_ref() {
            let number = index + 1;
            let line = raw.trim_end_matches('\n');
            if line.trim().is_empty() {
                body_start = Some(number + 1);
                break;
            }
            if line.starts_with([' ', '\t']) {
                if last_was_format {
                    return Err(error(number, "Format: does not continue".into()));
                }
                let Some(last) = headers.last_mut() else {
                    return Err(error(
                        number,
                        "a continuation line before any header".into(),
                    ));
                };
                last.source.push(' ');
                last.source.push_str(line.trim());
                continue;
            }
            let Some((name, value)) = line.split_once(':') else {
                return Err(error(
                    number,
                    format!(
                        "expected a header line `Name: value` or a blank line before the body, found {line:?}"
                    ),
                ));
            };
            let name = name.trim();
            let value = value.trim();
            if name.eq_ignore_ascii_case("Format") {
                last_was_format = true;
                format = match value.to_ascii_lowercase().as_str() {
                    "text" | "plain" => BodyFormat::Text,
                    "markdown" | "md" => BodyFormat::Markdown,
                    other => {
                        return Err(error(
                            number,
                            format!("unknown Format {other:?}: use text or markdown"),
                        ));
                    }
                };
                continue;
            }
            last_was_format = false;
            let kind = HeaderKind::parse(name).unwrap_or(HeaderKind::Custom);
            if kind == HeaderKind::Custom {
                if let Some(problem) = custom_header_problem(name) {
                    return Err(error(number, problem));
                }
            } else if kind != HeaderKind::Attachment && headers.iter().any(|h| h.kind == kind) {
                return Err(error(number, format!("{} appears twice", kind.name())));
            }
            headers.push(TemplateHeader {
                kind,
                name: match kind {
                    HeaderKind::Custom => name.to_owned(),
                    known => known.name().to_owned(),
                },
                source: value.to_owned(),
                line: number,
            });
        }
        let Some(body_start) = body_start else {
            return Err(error(
                text.lines().count().max(1),
                "no blank line between the headers and the body".into(),
            ));
        };
        if !headers.iter().any(|h| h.kind == HeaderKind::From) {
            return Err(error(1, "the template has no From: header".into()));
        }
        let mut body = String::new();
        let mut html: Option<String> = None;
        let mut html_line = None;
        for (index, raw) in lines {
            if raw.trim_end() == HTML_SEPARATOR {
                if html.is_some() {
                    return Err(error(index + 1, format!("{HTML_SEPARATOR} appears twice")));
                }
                if format == BodyFormat::Markdown {
                    return Err(error(
                        index + 1,
                        format!("a Markdown body makes its own HTML: remove {HTML_SEPARATOR}"),
                    ));
                }
                html = Some(String::new());
                html_line = Some(index + 2);
                continue;
            }
            match &mut html {
                Some(h) => h.push_str(raw),
                None => body.push_str(raw),
            }
        }
        Ok(TemplateFile {
            path: path.to_path_buf(),
            headers,
            format,
            text: body,
            html,
            body_line: body_start,
            html_line,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<TemplateFile, ConfigError> {
        TemplateFile::parse(Path::new("t.txt"), text)
    }

    #[test]
    fn headers_body_and_html() {
        let t = parse(
            "From: a@example.com\r\nSubject: Hi\r\n  {{ name }}\r\nattachment: x.pdf\r\nAttachment: y.pdf\r\n\r\nHello\r\n--- html ---\r\n<p>Hello</p>\r\n",
        )
        .expect("valid");
        assert_eq!(t.headers.len(), 4);
        assert_eq!(t.headers[1].source, "Hi {{ name }}");
        assert_eq!(t.headers[3].kind, HeaderKind::Attachment);
        assert_eq!(t.text, "Hello\n");
        assert_eq!(t.html.as_deref(), Some("<p>Hello</p>\n"));
    }

    #[test]
    fn other_headers_pass_through_with_their_names() {
        let t = parse("From: a@example.com\nList-Id: News <news.example.com>\nX-PM-Message-Stream: {{ stream }}\n\nbody")
            .expect("valid");
        let custom: Vec<_> = t
            .headers
            .iter()
            .filter(|h| h.kind == HeaderKind::Custom)
            .map(|h| (h.name.as_str(), h.source.as_str(), h.line))
            .collect();
        assert_eq!(
            custom,
            [
                ("List-Id", "News <news.example.com>", 2),
                ("X-PM-Message-Stream", "{{ stream }}", 3)
            ]
        );
    }

    #[test]
    fn markdown_format() {
        let t = parse("From: a@example.com\nFormat: markdown\n\n# Hi\n").expect("valid");
        assert_eq!(t.format, BodyFormat::Markdown);
        assert!(t.headers.iter().all(|h| h.kind == HeaderKind::From));
    }

    #[test]
    fn malformed_templates_name_the_line() {
        let cases = [
            (
                "From: a@example.com\nMessage-Id: <x@y>\n\nbody",
                2,
                "written by the mailer",
            ),
            (
                "From: a@example.com\nContent-Type: text/html\n\nbody",
                2,
                "written by the mailer",
            ),
            (
                "From: a@example.com\nX Other: 1\n\nbody",
                2,
                "not a header name",
            ),
            ("From: a@example.com\nSubject: a\n", 2, "no blank line"),
            ("Subject: a\n\nbody", 1, "no From"),
            (
                "From: a@example.com\nno colon here\n\nbody",
                2,
                "expected a header",
            ),
            ("From: a\nFrom: b\n\nbody", 2, "twice"),
        ];
        for (text, line, needle) in cases {
            match parse(text) {
                Err(ConfigError::Template {
                    line: l, message, ..
                }) => {
                    assert_eq!(l, line, "{text:?}: {message}");
                    assert!(message.contains(needle), "{text:?}: {message}");
                }
                other => panic!("{text:?}: {other:?}"),
            }
        }
    }
}

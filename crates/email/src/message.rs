//! One row's message: header-injection checks, addresses, attachments,
//! the stable row key, and the lettre message ready to send.

use std::borrow::Cow;
use std::str::FromStr;

use lettre::Message;
use lettre::address::Envelope;
use lettre::message::header::{ContentTransferEncoding, ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Body, Mailbox, Mailboxes, MultiPart, SinglePart};
use sha2::{Digest, Sha256};

use crate::csv_rows::Row;
use crate::error::RowError;
use crate::render::{AttachmentsDir, Rendered};
use crate::template::HeaderKind;
use crate::unsubscribe;

/// One message to deliver: the job the pool runs.
#[derive(Debug, Clone)]
pub struct Email {
    /// The CSV line of the row.
    pub line: u64,
    /// The row's fields (for the failures file).
    pub fields: Vec<String>,
    /// The row key recorded in the journal once the message is delivered.
    pub key: String,
    /// The recipient column's value.
    pub recipient: String,
    /// SMTP envelope: sender and every To, Cc and Bcc address.
    pub envelope: Envelope,
    /// The message, formatted (and DKIM-signed) by the worker that sends
    /// it: [`Email::formatted`].
    pub message: Message,
    /// The domain of the From address (for DKIM alignment).
    pub from_domain: String,
}

impl pool::Keyed for Email {
    fn key(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.key)
    }
}

impl Email {
    /// The message as sent: RFC 5322, CRLF line endings, signed by `dkim`
    /// when given.
    pub fn formatted(&self, dkim: Option<&crate::dkim::Signer>) -> Vec<u8> {
        match dkim {
            Some(signer) => signer.sign(&self.message),
            None => self.message.formatted(),
        }
    }

    /// A file name for the message in an outbox: the line number and the
    /// recipient, with anything but letters, digits, `@ . _ + -` replaced;
    /// never a path.
    pub fn file_name(&self) -> String {
        format!("{:06}-{}.eml", self.line, sanitize(&self.recipient))
    }
}

/// Replaces every character that is not safe in a file name, and cuts the
/// result to 80 bytes. The result has no `/`, no `..`, and no leading dot.
pub fn sanitize(text: &str) -> String {
    let mut out: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '@' | '.' | '_' | '+' | '-') {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    while out.contains("..") {
        out = out.replace("..", "_");
    }
    if out.starts_with('.') || out.is_empty() {
        out.insert(0, '_');
    }
    out
}

/// How rows become [`Email`]s once rendered.
#[derive(Debug, Clone)]
pub struct Composer {
    /// Index of the recipient column.
    pub to_index: usize,
    /// Name of the recipient column (for messages).
    pub to_column: String,
    /// Index of the key column, if keys come from a column.
    pub key_index: Option<usize>,
    /// Where attachments may be read from.
    pub attachments: Option<AttachmentsDir>,
    /// How many URIs `List-Unsubscribe` holds when `--unsubscribe` made it.
    pub unsubscribe_uris: Option<usize>,
}

impl Composer {
    /// Builds the message for `row` from its rendered template.
    ///
    /// # Errors
    ///
    /// A [`RowError`] naming the line for: a line break in a header value
    /// (header injection), an invalid address, an empty key, an attachment
    /// outside the attachments folder or unreadable.
    pub fn compose(&self, row: Row, rendered: Rendered) -> Result<Email, RowError> {
        let fail =
            |row: &Row, message: String| RowError::new(row.line, Some(row.fields.clone()), message);
        let recipient = row
            .fields
            .get(self.to_index)
            .map(|s| s.trim().to_owned())
            .unwrap_or_default();
        if has_line_break(&recipient) {
            return Err(fail(
                &row,
                format!(
                    "column {:?} contains a line break (header injection refused)",
                    self.to_column
                ),
            ));
        }
        let names = rendered.headers.iter().map(|(k, v)| (k.name(), v));
        let custom = rendered.custom.iter().map(|(n, v)| (n.as_str(), v));
        for (name, value) in names.chain(custom) {
            if has_line_break(value) {
                return Err(fail(
                    &row,
                    format!("the {name} header contains a line break (header injection refused)"),
                ));
            }
        }
        for (name, value) in &rendered.custom {
            if name.eq_ignore_ascii_case(unsubscribe::LIST_UNSUBSCRIBE)
                && let Err(e) = unsubscribe::check_value(value, self.unsubscribe_uris)
            {
                return Err(fail(&row, format!("{e} (header injection refused)")));
            }
        }
        let key = match self.key_index {
            Some(i) => {
                let key = row.fields.get(i).map(|s| s.trim()).unwrap_or_default();
                if key.is_empty() || has_line_break(key) {
                    return Err(fail(
                        &row,
                        "the key column is empty or has a line break".into(),
                    ));
                }
                key.to_owned()
            }
            None => content_key(&recipient, &rendered),
        };
        let message = self
            .build(&recipient, &key, &rendered)
            .map_err(|e| fail(&row, e))?;
        let envelope = message.envelope().clone();
        let from_domain = envelope
            .from()
            .map(|a| a.domain().to_ascii_lowercase())
            .unwrap_or_default();
        Ok(Email {
            line: row.line,
            fields: row.fields,
            key,
            recipient,
            envelope,
            message,
            from_domain,
        })
    }

    fn build(&self, recipient: &str, key: &str, r: &Rendered) -> Result<Message, String> {
        let mut builder = Message::builder();
        let mut from_domain = String::from("localhost");
        let mut has_to = false;
        let mut attachments = Vec::new();
        for (kind, value) in &r.headers {
            match kind {
                HeaderKind::From => {
                    let from = Mailbox::from_str(value)
                        .map_err(|e| format!("invalid From address {value:?}: {e}"))?;
                    from_domain = from.email.domain().to_owned();
                    builder = builder.from(from);
                }
                HeaderKind::Subject => builder = builder.subject(value.clone()),
                HeaderKind::Attachment if value.is_empty() => {}
                HeaderKind::Attachment => attachments.push(value.clone()),
                HeaderKind::To | HeaderKind::Cc | HeaderKind::Bcc | HeaderKind::ReplyTo => {
                    let list = mailboxes(*kind, value)?;
                    for mailbox in list {
                        builder = match kind {
                            HeaderKind::To => builder.to(mailbox),
                            HeaderKind::Cc => builder.cc(mailbox),
                            HeaderKind::Bcc => builder.bcc(mailbox),
                            _ => builder.reply_to(mailbox),
                        };
                    }
                    has_to |= *kind == HeaderKind::To;
                }
                // Custom headers are in `r.custom`.
                HeaderKind::Custom => {}
            }
        }
        for (name, value) in &r.custom {
            if value.is_empty() {
                continue;
            }
            let header = HeaderName::new_from_ascii(name.clone())
                .map_err(|e| format!("header {name:?}: {e}"))?;
            builder = builder.raw_header(HeaderValue::new(header, value.clone()));
        }
        if !has_to {
            let to = Mailbox::from_str(recipient).map_err(|e| {
                format!(
                    "invalid address {recipient:?} in column {:?}: {e}",
                    self.to_column
                )
            })?;
            builder = builder.to(to);
        }
        builder = builder.message_id(Some(format!(
            "<{}.mailer@{from_domain}>",
            &hex_sha256(key)[..32]
        )));
        let text = lf_line_endings(&r.text);
        let body = match &r.html {
            Some(html) => MultiPart::alternative_plain_html(text, lf_line_endings(html)),
            None if attachments.is_empty() => {
                return builder
                    .singlepart(SinglePart::plain(text))
                    .map_err(|e| format!("cannot build the message: {e}"));
            }
            None => MultiPart::mixed().singlepart(SinglePart::plain(text)),
        };
        let body = if attachments.is_empty() {
            body
        } else {
            let mut mixed = if r.html.is_some() {
                MultiPart::mixed().multipart(body)
            } else {
                body
            };
            for name in attachments {
                mixed = mixed.singlepart(self.attachment(&name)?);
            }
            mixed
        };
        builder
            .multipart(body)
            .map_err(|e| format!("cannot build the message: {e}"))
    }

    fn attachment(&self, name: &str) -> Result<SinglePart, String> {
        let Some(dir) = &self.attachments else {
            return Err(format!(
                "attachment {name:?}: no attachments folder given (--attachments-dir)"
            ));
        };
        let path = dir.resolve(name)?;
        let content =
            std::fs::read(&path).map_err(|e| format!("attachment {}: {e}", path.display()))?;
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "attachment".into());
        let content_type = ContentType::parse(content_type_of(&file_name))
            .map_err(|e| format!("attachment {file_name}: {e}"))?;
        // Base64 whatever the file holds: its bytes arrive as they are, and
        // no line of the message is a bare LF or CR (a text file with Unix
        // line endings sent as 7bit had both: refused by Postfix 3.9+, and
        // its DKIM body hash failed at the receiver).
        let body = Body::new_with_encoding(content, ContentTransferEncoding::Base64)
            .map_err(|_| format!("attachment {file_name}: cannot encode it"))?;
        Ok(Attachment::new(file_name).body(body, content_type))
    }
}

fn mailboxes(kind: HeaderKind, value: &str) -> Result<Vec<Mailbox>, String> {
    if value.is_empty() {
        return Ok(Vec::new());
    }
    let list = Mailboxes::from_str(value)
        .map_err(|e| format!("invalid {} address {value:?}: {e}", kind.name()))?;
    Ok(list.into_iter().collect())
}

/// `text` with every line break a bare LF, which lettre turns into CRLF:
/// a lone CR (from a CSV value, an old Mac file) would otherwise reach the
/// message as it is, and SMTP forbids it.
fn lf_line_endings(text: &str) -> String {
    if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text.to_owned()
    }
}

fn has_line_break(value: &str) -> bool {
    value.contains(['\r', '\n', '\0'])
}

/// The default row key: a hash of the recipient and the rendered message
/// (the headers the mailer knows and the bodies), the same in every run for
/// the same content. Pass-through headers are left out, so that adding one
/// (a `List-Id`) between a stopped run and its resume sends nothing twice.
pub fn content_key(recipient: &str, r: &Rendered) -> String {
    let mut h = Sha256::new();
    h.update(recipient.as_bytes());
    for (kind, value) in &r.headers {
        h.update([0]);
        h.update(kind.name().as_bytes());
        h.update([0]);
        h.update(value.as_bytes());
    }
    h.update([1]);
    h.update(r.text.as_bytes());
    if let Some(html) = &r.html {
        h.update([2]);
        h.update(html.as_bytes());
    }
    let digest = h.finalize();
    let mut hex = to_hex(&digest);
    hex.truncate(32);
    hex
}

fn hex_sha256(text: &str) -> String {
    to_hex(&Sha256::digest(text.as_bytes()))
}

fn to_hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn content_type_of(file_name: &str) -> &'static str {
    let ext = file_name
        .rsplit('.')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "txt" => "text/plain",
        "csv" => "text/csv",
        "html" | "htm" => "text/html",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "zip" => "application/zip",
        "json" => "application/json",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(headers: &[(HeaderKind, &str)], text: &str) -> Rendered {
        Rendered {
            headers: headers.iter().map(|(k, v)| (*k, (*v).to_owned())).collect(),
            custom: Vec::new(),
            text: text.into(),
            html: None,
        }
    }

    fn composer() -> Composer {
        Composer {
            to_index: 0,
            to_column: "email".into(),
            key_index: None,
            attachments: None,
            unsubscribe_uris: None,
        }
    }

    fn row(email: &str) -> Row {
        Row {
            line: 3,
            fields: vec![email.into()],
        }
    }

    #[test]
    fn builds_a_message_with_a_stable_key_and_message_id() {
        let r = rendered(
            &[
                (HeaderKind::From, "Shop <shop@example.com>"),
                (HeaderKind::Subject, "Hi"),
            ],
            "Hello\n",
        );
        let a = composer()
            .compose(row("ann@example.com"), r.clone())
            .expect("valid");
        let b = composer()
            .compose(row("ann@example.com"), r)
            .expect("valid");
        assert_eq!(a.key, b.key);
        let text = String::from_utf8_lossy(&a.formatted(None)).into_owned();
        assert!(text.contains("To: ann@example.com\r\n"), "{text}");
        assert!(text.contains("Subject: Hi\r\n"), "{text}");
        assert!(text.contains(".mailer@example.com>"), "{text}");
        assert_eq!(a.envelope.to().len(), 1);
        assert_eq!(a.file_name(), "000003-ann@example.com.eml");
    }

    /// No bare LF or CR anywhere: lone CRs in the body, and an attached
    /// text file with Unix line endings (base64, its bytes unchanged).
    #[test]
    fn every_line_of_every_part_ends_in_crlf() -> Result<(), Box<dyn std::error::Error>> {
        use base64::Engine as _;
        let dir = tempfile::tempdir()?;
        let attached = "line one\nline two\rline three\n";
        std::fs::write(dir.path().join("a.txt"), attached)?;
        let composer = Composer {
            attachments: Some(AttachmentsDir::new(dir.path())?),
            ..composer()
        };
        let mut r = rendered(
            &[
                (HeaderKind::From, "shop@example.com"),
                (HeaderKind::Attachment, "a.txt"),
            ],
            "one\rtwo\r\nthree\n",
        );
        r.html = Some("<p>one</p>\r<p>two</p>\n".into());
        let email = composer.compose(row("ann@example.com"), r)?;
        let bytes = email.formatted(None);
        for (i, &b) in bytes.iter().enumerate() {
            let bare_lf = b == b'\n' && (i == 0 || bytes[i - 1] != b'\r');
            let bare_cr = b == b'\r' && bytes.get(i + 1) != Some(&b'\n');
            assert!(
                !bare_lf && !bare_cr,
                "byte {i}:\n{}",
                String::from_utf8_lossy(&bytes)
            );
        }
        let text = String::from_utf8(bytes)?;
        assert!(text.contains("one\r\ntwo\r\nthree\r\n"), "{text}");
        let encoded = base64::engine::general_purpose::STANDARD.encode(attached);
        assert!(
            text.contains(&encoded),
            "the attachment's bytes, base64:\n{text}"
        );
        Ok(())
    }

    #[test]
    fn header_injection_is_refused() {
        let r = rendered(
            &[
                (HeaderKind::From, "shop@example.com"),
                (HeaderKind::Subject, "Hi\r\nBcc: victim@example.com"),
            ],
            "x",
        );
        let e = composer()
            .compose(row("ann@example.com"), r)
            .expect_err("injection");
        assert_eq!(e.line, 3);
        assert!(
            e.message.contains("Subject") && e.message.contains("injection"),
            "{e}"
        );
        let r = rendered(&[(HeaderKind::From, "shop@example.com")], "x");
        let e = composer()
            .compose(row("ann@example.com\nBcc: x@example.com"), r)
            .expect_err("injection");
        assert!(e.message.contains("injection"), "{e}");
    }

    #[test]
    fn invalid_addresses_are_row_errors() {
        let r = rendered(&[(HeaderKind::From, "shop@example.com")], "x");
        let e = composer()
            .compose(row("not an address"), r)
            .expect_err("invalid");
        assert!(e.message.contains("not an address"), "{e}");
    }

    #[test]
    fn file_names_are_sanitised() {
        assert_eq!(sanitize("../../etc/passwd"), "____etc_passwd");
        assert_eq!(sanitize(".hidden"), "_.hidden");
        assert_eq!(sanitize(""), "_");
        assert!(!sanitize("a/..b").contains(".."));
    }
}

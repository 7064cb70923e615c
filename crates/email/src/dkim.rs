//! DKIM signing (RFC 6376): rsa-sha256, and ed25519-sha256 (RFC 8463),
//! relaxed/relaxed, over the message as it is sent. The key is the PEM
//! file openssl writes (`openssl genpkey -algorithm ed25519`, `openssl
//! genrsa 2048`); the algorithm follows from it.
//!
//! The signature is made here rather than with lettre's signer, which
//! clones the message and formats it twice (once to hash, once to send),
//! with a header canonicalization that recurses per character: a fifth of
//! a signed send's CPU beside the signature itself.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use ed25519_dalek::Signer as _;
use lettre::Message;
use lettre::message::Mailbox;
use rsa::pkcs1::DecodeRsaPrivateKey as _;
use rsa::pkcs8::DecodePrivateKey as _;
use sha2::{Digest, Sha256};

use crate::error::ConfigError;

/// The headers signed (an absent one is signed as absent, so it cannot be
/// added later): those a receiver shows or acts on, and both unsubscribe
/// headers (RFC 8058 wants them signed). Lower case, as relaxed
/// canonicalization writes them.
const SIGNED: &[&str] = &[
    "from",
    "to",
    "cc",
    "subject",
    "date",
    "message-id",
    "mime-version",
    "reply-to",
    "list-unsubscribe",
    "list-unsubscribe-post",
];

/// Where the DKIM key is and what it signs for.
#[derive(Debug, Clone)]
pub struct DkimSettings {
    /// The private key, PEM (PKCS#8 as openssl writes it, or PKCS#1 RSA).
    pub key: PathBuf,
    /// The selector: the key's public half is published at
    /// `SELECTOR._domainkey.DOMAIN`.
    pub selector: String,
    /// The signing domain (`d=`); the From domain must align with it.
    pub domain: String,
}

/// A private key.
enum Key {
    Ed25519(Box<ed25519_dalek::SigningKey>),
    Rsa(Box<rsa::RsaPrivateKey>),
}

/// Signs messages with one key; shared by the workers.
pub struct Signer {
    key: Key,
    selector: String,
    domain: String,
    algorithm: &'static str,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("selector", &self.selector)
            .field("domain", &self.domain)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// Reads the key and readies the signer.
    ///
    /// # Errors
    ///
    /// [`ConfigError::FlagFile`] when the key file cannot be read,
    /// [`ConfigError::Invalid`] naming it when it is not an RSA or Ed25519
    /// private key in PEM, or the selector or domain is empty.
    pub fn open(settings: &DkimSettings) -> Result<Signer, ConfigError> {
        let path = &settings.key;
        let pem = std::fs::read_to_string(path).map_err(|error| ConfigError::FlagFile {
            flag: "--dkim-key",
            path: path.clone(),
            error,
        })?;
        let (key, algorithm) = parse_key(&pem)
            .map_err(|e| ConfigError::Invalid(format!("--dkim-key {}: {e}", path.display())))?;
        let domain = settings
            .domain
            .trim()
            .trim_end_matches('.')
            .to_ascii_lowercase();
        let selector = settings.selector.trim().to_owned();
        if domain.is_empty() || selector.is_empty() {
            return Err(ConfigError::Invalid(
                "DKIM needs --dkim-selector and --dkim-domain".into(),
            ));
        }
        Ok(Signer {
            key,
            selector,
            domain,
            algorithm,
        })
    }

    /// The signing domain.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// `rsa-sha256` or `ed25519-sha256`.
    pub fn algorithm(&self) -> &'static str {
        self.algorithm
    }

    /// Whether a From domain aligns with the signing domain (DMARC's
    /// relaxed alignment: the same domain or a subdomain of it).
    pub fn aligned(&self, from_domain: &str) -> bool {
        let from = from_domain.trim_end_matches('.').to_ascii_lowercase();
        from == self.domain || from.ends_with(&format!(".{}", self.domain))
    }

    /// `message`, formatted with a `DKIM-Signature` header.
    pub fn sign(&self, message: &Message) -> Vec<u8> {
        let timestamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        self.sign_formatted(&message.formatted(), timestamp)
    }

    /// `message` (RFC 5322, CRLF line endings) with a `DKIM-Signature`
    /// header first, made at `timestamp` (seconds since 1970).
    fn sign_formatted(&self, message: &[u8], timestamp: u64) -> Vec<u8> {
        let (headers, body) = match find(message, b"\r\n\r\n") {
            Some(at) => (&message[..at + 2], &message[at + 4..]),
            None => (message, &b""[..]),
        };
        let engine = &base64::engine::general_purpose::STANDARD;
        let body_hash = engine.encode(relaxed_body_hash(body));
        // The tags, folded between groups in the header (relaxed
        // canonicalization reads each fold as the space it replaces).
        let tags = [
            format!(
                "v=1; a={}; d={}; s={};",
                self.algorithm, self.domain, self.selector
            ),
            format!("c=relaxed/relaxed; q=dns/txt; t={timestamp};"),
            format!("h={};", SIGNED.join(":")),
            format!("bh={body_hash};"),
            "b=".to_owned(),
        ];
        let fields = header_fields(headers);
        let mut hash = Sha256::new();
        let mut canonical = Vec::with_capacity(headers.len());
        for name in SIGNED {
            // The last instance of a header (RFC 6376 5.4.2); an absent one
            // adds nothing.
            if let Some(field) = fields.iter().rev().find(|f| f.0.eq_ignore_ascii_case(name)) {
                relaxed_header(name, field.1, &mut canonical);
                canonical.extend_from_slice(b"\r\n");
            }
        }
        relaxed_header("dkim-signature", tags.join(" ").as_bytes(), &mut canonical);
        hash.update(&canonical);
        let digest = hash.finalize();
        let signature = match &self.key {
            Key::Ed25519(key) => engine.encode(key.sign(&digest).to_bytes()),
            Key::Rsa(key) => match key.sign(rsa::Pkcs1v15Sign::new::<Sha256>(), &digest) {
                Ok(signature) => engine.encode(signature),
                // Only for a key too small for a SHA-256 digest, which
                // parse_key's checks let through: unsigned rather than lost.
                Err(_) => return message.to_vec(),
            },
        };
        let header = format!("DKIM-Signature: {}{signature}\r\n", tags.join("\r\n "));
        let mut signed = Vec::with_capacity(header.len() + message.len());
        signed.extend_from_slice(header.as_bytes());
        signed.extend_from_slice(message);
        signed
    }
}

/// Where `needle` first occurs in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The header fields of `headers` (each line ending in CRLF): name, and
/// the raw value after the colon, continuation lines included (without
/// the field's final CRLF).
fn header_fields(headers: &[u8]) -> Vec<(&str, &[u8])> {
    let mut fields: Vec<(&str, &[u8])> = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i + 1 < headers.len() {
        // A field ends at a CRLF not followed by a space or tab.
        if headers[i] == b'\r'
            && headers[i + 1] == b'\n'
            && !matches!(headers.get(i + 2), Some(b' ' | b'\t'))
        {
            let field = &headers[start..i];
            if let Some(colon) = field.iter().position(|&b| b == b':')
                && let Ok(name) = std::str::from_utf8(&field[..colon])
            {
                fields.push((name.trim_end(), &field[colon + 1..]));
            }
            start = i + 2;
            i += 2;
            continue;
        }
        i += 1;
    }
    fields
}

/// Appends header `name: value` in relaxed canonical form (RFC 6376
/// 3.4.2): the name in lower case, the value unfolded, runs of spaces and
/// tabs made one space, none at either end of the value; no final CRLF.
fn relaxed_header(name: &str, value: &[u8], out: &mut Vec<u8>) {
    out.extend(name.bytes().map(|b| b.to_ascii_lowercase()));
    out.push(b':');
    let mut space = false;
    let mut any = false;
    for &b in value {
        match b {
            b'\r' | b'\n' => {}
            b' ' | b'\t' => space = true,
            _ => {
                if space && any {
                    out.push(b' ');
                }
                space = false;
                any = true;
                out.push(b);
            }
        }
    }
}

/// The SHA-256 of `body` in relaxed canonical form (RFC 6376 3.4.4): runs
/// of spaces and tabs made one space, none at the end of a line, no empty
/// lines at the end, and a final CRLF unless the body is empty.
fn relaxed_body_hash(body: &[u8]) -> [u8; 32] {
    let mut hash = Sha256::new();
    let mut line = Vec::with_capacity(128);
    let mut empty_lines = 0usize;
    let mut lines = body.split(|&b| b == b'\n').peekable();
    while let Some(raw) = lines.next() {
        // The piece after the last LF is no line (or the unterminated end).
        let last = lines.peek().is_none();
        if last && raw.is_empty() {
            break;
        }
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        line.clear();
        let mut space = false;
        for &b in raw {
            if b == b' ' || b == b'\t' {
                space = true;
            } else {
                if space {
                    line.push(b' ');
                }
                space = false;
                line.push(b);
            }
        }
        if line.is_empty() {
            empty_lines += 1;
            continue;
        }
        for _ in 0..empty_lines {
            hash.update(b"\r\n");
        }
        empty_lines = 0;
        hash.update(&line);
        hash.update(b"\r\n");
    }
    hash.finalize().into()
}

/// The PKCS#8 prefix of an Ed25519 private key (RFC 8410): the 32-byte
/// seed follows it.
const ED25519_PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// Reads a PEM private key: PKCS#1 RSA, PKCS#8 RSA, or PKCS#8 Ed25519.
fn parse_key(pem: &str) -> Result<(Key, &'static str), String> {
    if pem.contains("-----BEGIN RSA PRIVATE KEY-----") {
        let key = rsa::RsaPrivateKey::from_pkcs1_pem(pem)
            .map_err(|e| format!("not a usable RSA key: {e}"))?;
        return Ok((Key::Rsa(Box::new(key)), "rsa-sha256"));
    }
    let der = pem_body(pem, "PRIVATE KEY")
        .ok_or("not a PEM private key (-----BEGIN PRIVATE KEY----- or RSA PRIVATE KEY)")?;
    if der.len() == 48 && der[..16] == ED25519_PKCS8_PREFIX {
        let mut seed = [0u8; 32];
        seed.copy_from_slice(&der[16..]);
        let key = ed25519_dalek::SigningKey::from_bytes(&seed);
        return Ok((Key::Ed25519(Box::new(key)), "ed25519-sha256"));
    }
    let key = rsa::RsaPrivateKey::from_pkcs8_der(&der)
        .map_err(|_| "a private key that is neither RSA nor Ed25519".to_owned())?;
    Ok((Key::Rsa(Box::new(key)), "rsa-sha256"))
}

/// The DER between `-----BEGIN {label}-----` and `-----END {label}-----`.
fn pem_body(pem: &str, label: &str) -> Option<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = pem.find(&begin)? + begin.len();
    let stop = start + pem[start..].find(&end)?;
    let text: String = pem[start..stop].split_whitespace().collect();
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}

/// Checks, before any row is read, that a From address without template
/// variables aligns with the signing domain.
///
/// # Errors
///
/// [`ConfigError::Invalid`] naming both domains.
pub fn check_alignment(
    signer: &Signer,
    from: Option<&str>,
    template: &Path,
) -> Result<(), ConfigError> {
    // A From that does not parse was refused when the campaign opened;
    // one with template variables is checked per row.
    let Some(from) = from.and_then(|f| f.parse::<Mailbox>().ok()) else {
        return Ok(());
    };
    let domain = from.email.domain();
    if signer.aligned(domain) {
        return Ok(());
    }
    Err(ConfigError::Invalid(format!(
        "{}: the From domain {domain:?} does not align with --dkim-domain {:?}: receivers would fail DMARC",
        template.display(),
        signer.domain()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_forms_are_relaxed() {
        let mut out = Vec::new();
        relaxed_header("Subject", b" Hello \t  world \r\n\tagain  ", &mut out);
        assert_eq!(out, b"subject:Hello world again");
        let fields = header_fields(b"From: a@x\r\nSubject: one\r\n two\r\nTo:b@x\r\n");
        assert_eq!(
            fields,
            [
                ("From", &b" a@x"[..]),
                ("Subject", &b" one\r\n two"[..]),
                ("To", &b"b@x"[..])
            ]
        );
        let hash = |body: &[u8]| relaxed_body_hash(body);
        assert_eq!(
            hash(b"a  b \t\r\n\r\nc\r\n\r\n\r\n"),
            hash(b"a b\r\n\r\nc\r\n")
        );
        assert_eq!(hash(b"a b\r\n"), hash(b"a b"), "a final CRLF is added");
        assert_ne!(hash(b"a b\r\n"), hash(b"ab\r\n"));
        assert_eq!(
            hash(b"\r\n\r\n"),
            hash(b""),
            "an empty body hashes as nothing"
        );
        assert_eq!(
            base64::engine::general_purpose::STANDARD.encode(hash(b"")),
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
    }

    #[test]
    fn alignment_is_relaxed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let key = dir.path().join("k.pem");
        let mut der_bytes = ED25519_PKCS8_PREFIX.to_vec();
        der_bytes.extend_from_slice(&[7; 32]);
        let body = base64::engine::general_purpose::STANDARD.encode(der_bytes);
        std::fs::write(
            &key,
            format!("-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n"),
        )
        .expect("write key");
        let signer = Signer::open(&DkimSettings {
            key,
            selector: "s1".into(),
            domain: "Example.com".into(),
        })
        .expect("an ed25519 key");
        assert_eq!(signer.algorithm(), "ed25519-sha256");
        assert!(signer.aligned("example.com") && signer.aligned("news.EXAMPLE.com"));
        assert!(!signer.aligned("example.org") && !signer.aligned("badexample.com"));
        let t = Path::new("t.txt");
        assert!(check_alignment(&signer, Some("News <news@example.com>"), t).is_ok());
        let e = check_alignment(&signer, Some("a@example.org"), t).expect_err("not aligned");
        assert!(e.to_string().contains("example.org"), "{e}");
    }

    #[test]
    fn a_file_that_is_no_key_is_refused_naming_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let key = dir.path().join("not-a-key.pem");
        std::fs::write(&key, "hello").expect("write");
        let e = Signer::open(&DkimSettings {
            key,
            selector: "s".into(),
            domain: "example.com".into(),
        })
        .expect_err("refused");
        assert!(e.to_string().contains("not-a-key.pem"), "{e}");
    }
}

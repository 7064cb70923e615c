//! DKIM signing (RFC 6376): rsa-sha256, and ed25519-sha256 (RFC 8463),
//! relaxed/relaxed, with lettre's signer. The key is the PEM file openssl
//! writes (`openssl genpkey -algorithm ed25519`, `openssl genrsa 2048`);
//! the algorithm follows from it.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use lettre::Message;
use lettre::message::Mailbox;
use lettre::message::dkim::{
    DkimCanonicalization, DkimCanonicalizationType, DkimConfig, DkimSigningAlgorithm,
    DkimSigningKey, dkim_sign,
};
use lettre::message::header::HeaderName;

use crate::error::ConfigError;

/// The headers signed (an absent one is signed as absent, so it cannot be
/// added later): those a receiver shows or acts on, and both unsubscribe
/// headers (RFC 8058 wants them signed). Not Content-Type: lettre writes it
/// with the body part, below the signature, where its signer does not see
/// it, and a signature over it would never verify.
const SIGNED: &[&str] = &[
    "From",
    "To",
    "Cc",
    "Subject",
    "Date",
    "Message-ID",
    "MIME-Version",
    "Reply-To",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
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

/// Signs messages with one key; shared by the workers.
#[derive(Debug)]
pub struct Signer {
    config: DkimConfig,
    domain: String,
    algorithm: &'static str,
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
        if domain.is_empty() || settings.selector.trim().is_empty() {
            return Err(ConfigError::Invalid(
                "DKIM needs --dkim-selector and --dkim-domain".into(),
            ));
        }
        let headers = SIGNED
            .iter()
            .map(|h| HeaderName::new_from_ascii_str(h))
            .collect();
        let config = DkimConfig::new(
            settings.selector.trim().to_owned(),
            domain.clone(),
            key,
            headers,
            DkimCanonicalization {
                header: DkimCanonicalizationType::Relaxed,
                body: DkimCanonicalizationType::Relaxed,
            },
        );
        Ok(Signer {
            config,
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
        let mut signed = message.clone();
        dkim_sign(&mut signed, &self.config);
        signed.formatted()
    }
}

/// The PKCS#8 prefix of an Ed25519 private key (RFC 8410): the 32-byte
/// seed follows it.
const ED25519_PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// The DER of the rsaEncryption algorithm identifier's OID.
const RSA_OID: [u8; 11] = [
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
];

/// Reads a PEM private key: PKCS#1 RSA as is; PKCS#8 RSA unwrapped to
/// PKCS#1 (what lettre reads); PKCS#8 Ed25519 to its seed.
fn parse_key(pem: &str) -> Result<(DkimSigningKey, &'static str), String> {
    let rsa = |pem: &str| {
        DkimSigningKey::new(pem, DkimSigningAlgorithm::Rsa)
            .map(|k| (k, "rsa-sha256"))
            .map_err(|e| format!("not a usable RSA key: {e}"))
    };
    if pem.contains("-----BEGIN RSA PRIVATE KEY-----") {
        return rsa(pem);
    }
    let der = pem_body(pem, "PRIVATE KEY")
        .ok_or("not a PEM private key (-----BEGIN PRIVATE KEY----- or RSA PRIVATE KEY)")?;
    if der.len() == 48 && der[..16] == ED25519_PKCS8_PREFIX {
        let seed = base64::engine::general_purpose::STANDARD.encode(&der[16..]);
        return DkimSigningKey::new(&seed, DkimSigningAlgorithm::Ed25519)
            .map(|k| (k, "ed25519-sha256"))
            .map_err(|e| format!("not a usable Ed25519 key: {e}"));
    }
    let pkcs1 = pkcs8_rsa_key(&der).ok_or("a private key that is neither RSA nor Ed25519")?;
    let body = base64::engine::general_purpose::STANDARD.encode(pkcs1);
    let mut pem = String::from("-----BEGIN RSA PRIVATE KEY-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str("-----END RSA PRIVATE KEY-----\n");
    rsa(&pem)
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

/// One DER element at the start of `input`: its tag, its content and what
/// follows it.
fn der(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |a, &b| (a << 8) | usize::from(b));
        (len, &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// The PKCS#1 RSAPrivateKey inside a PKCS#8 PrivateKeyInfo (RFC 5208):
/// SEQUENCE { INTEGER 0, SEQUENCE { rsaEncryption, NULL }, OCTET STRING }.
fn pkcs8_rsa_key(der_bytes: &[u8]) -> Option<&[u8]> {
    let (0x30, info, _) = der(der_bytes)? else {
        return None;
    };
    let (0x02, _version, rest) = der(info)? else {
        return None;
    };
    let (0x30, algorithm, rest) = der(rest)? else {
        return None;
    };
    if !algorithm.starts_with(&RSA_OID) {
        return None;
    }
    let (0x04, key, _) = der(rest)? else {
        return None;
    };
    Some(key)
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
    fn der_elements_and_a_pkcs8_wrapper_are_read() {
        // SEQUENCE { INTEGER 0, SEQUENCE { rsaEncryption, NULL }, OCTET STRING { 01 02 } }
        let mut info = vec![0x02, 0x01, 0x00, 0x30, 0x0d];
        info.extend_from_slice(&RSA_OID);
        info.extend_from_slice(&[0x05, 0x00, 0x04, 0x02, 0x01, 0x02]);
        let mut der_bytes = vec![0x30, u8::try_from(info.len()).expect("short")];
        der_bytes.extend_from_slice(&info);
        assert_eq!(pkcs8_rsa_key(&der_bytes), Some(&[1u8, 2][..]));
        assert_eq!(pkcs8_rsa_key(&der_bytes[..5]), None, "truncated");
        assert_eq!(
            der(&[0x04, 0x82, 0x00, 0x01, 0xff]),
            Some((0x04, &[0xff][..], &[][..]))
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

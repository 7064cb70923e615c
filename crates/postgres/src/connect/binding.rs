//! `tls-server-end-point` channel binding (RFC 5929), what SCRAM-SHA-256-PLUS
//! binds the login to: a hash of the server's certificate, with the hash of
//! the certificate's own signature algorithm (SHA-256 for MD5 and SHA-1).
//! A man in the middle that terminates TLS with another certificate cannot
//! complete the login, even if the certificate was not checked.

use sha2::{Digest as _, Sha256, Sha384, Sha512};

/// The hash a certificate signed with `oid` is bound with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hash {
    Sha256,
    Sha384,
    Sha512,
}

/// The channel binding data of the certificate `der`; `None` for a
/// signature algorithm without a hash of its own (Ed25519, RSA-PSS), for
/// which PostgreSQL has none either (the login then goes without binding,
/// as libpq's does).
pub(crate) fn tls_server_end_point(der: &[u8]) -> Option<Vec<u8>> {
    Some(match hash_of(signature_algorithm(der)?)? {
        Hash::Sha256 => Sha256::digest(der).to_vec(),
        Hash::Sha384 => Sha384::digest(der).to_vec(),
        Hash::Sha512 => Sha512::digest(der).to_vec(),
    })
}

fn hash_of(oid: &[u8]) -> Option<Hash> {
    // 1.2.840.113549.1.1.x: PKCS #1 (RSA) signatures.
    const RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01];
    // 1.2.840.10045.4.x: ECDSA signatures.
    const ECDSA: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04];
    if let Some(last) = oid.strip_prefix(RSA) {
        return match last {
            // md5, sha1 (as RFC 5929 says: SHA-256), sha256
            [4] | [5] | [11] => Some(Hash::Sha256),
            [12] => Some(Hash::Sha384),
            [13] => Some(Hash::Sha512),
            _ => None,
        };
    }
    match oid.strip_prefix(ECDSA)? {
        [1] | [3, 2] => Some(Hash::Sha256),
        [3, 3] => Some(Hash::Sha384),
        [3, 4] => Some(Hash::Sha512),
        _ => None,
    }
}

/// The OID of `Certificate.signatureAlgorithm`:
/// `SEQUENCE { tbsCertificate, SEQUENCE { OID, params }, BIT STRING }`.
fn signature_algorithm(der: &[u8]) -> Option<&[u8]> {
    let (certificate, _) = element(der, 0x30)?;
    let (_, rest) = any_element(certificate)?;
    let (algorithm, _) = element(rest, 0x30)?;
    let (oid, _) = element(algorithm, 0x06)?;
    Some(oid)
}

/// The contents of the DER element at the start of `input` if its tag is
/// `tag`, and what follows it.
fn element(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (found, contents, rest) = tlv(input)?;
    (found == tag).then_some((contents, rest))
}

fn any_element(input: &[u8]) -> Option<(&[u8], &[u8])> {
    tlv(input).map(|(_, contents, rest)| (contents, rest))
}

fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, input) = input.split_first()?;
    let (&first, mut input) = input.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 {
            return None;
        }
        let (bytes, rest) = input.split_at_checked(count)?;
        input = rest;
        bytes
            .iter()
            .fold(0usize, |len, &b| (len << 8) | usize::from(b))
    };
    let (contents, rest) = input.split_at_checked(len)?;
    Some((tag, contents, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A certificate-shaped DER: a long `tbsCertificate` (two-byte length),
    /// the algorithm `oid`, a signature.
    fn certificate(oid: &[u8]) -> Vec<u8> {
        let mut tbs = vec![0x30, 0x81, 200];
        tbs.extend([7u8; 200]);
        let mut algorithm = vec![0x30, u8::try_from(oid.len() + 4).unwrap_or(0), 0x06];
        algorithm.push(u8::try_from(oid.len()).unwrap_or(0));
        algorithm.extend(oid);
        algorithm.extend([0x05, 0x00]);
        let signature = [0x03, 0x03, 0x00, 0xab, 0xcd];
        let body: Vec<u8> = [tbs, algorithm, signature.to_vec()].concat();
        let mut der = vec![0x30, 0x82];
        der.extend(u16::try_from(body.len()).unwrap_or(0).to_be_bytes());
        der.extend(body);
        der
    }

    #[test]
    fn the_hash_follows_the_signature_algorithm() {
        let rsa_sha384 = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 12];
        let der = certificate(&rsa_sha384);
        assert_eq!(
            tls_server_end_point(&der),
            Some(Sha384::digest(&der).to_vec())
        );
        let ecdsa_sha256 = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
        let der = certificate(&ecdsa_sha256);
        assert_eq!(
            tls_server_end_point(&der),
            Some(Sha256::digest(&der).to_vec())
        );
        let rsa_sha1 = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 5];
        let der = certificate(&rsa_sha1);
        assert_eq!(
            tls_server_end_point(&der),
            Some(Sha256::digest(&der).to_vec())
        );
    }

    #[test]
    fn no_binding_for_algorithms_without_their_own_hash_or_broken_der() {
        let ed25519 = [0x2b, 0x65, 0x70];
        assert_eq!(tls_server_end_point(&certificate(&ed25519)), None);
        let rsa_pss = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 10];
        assert_eq!(tls_server_end_point(&certificate(&rsa_pss)), None);
        let mut cut = certificate(&[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]);
        cut.truncate(100);
        assert_eq!(tls_server_end_point(&cut), None);
        assert_eq!(tls_server_end_point(&[]), None);
    }
}

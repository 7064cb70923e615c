//! DKIM signatures checked by an independent verifier: dkimpy (Debian's
//! python3-dkim), with a DNS lookup that returns the test key's TXT record.
//! Keys are made by openssl, as a user would make them.

use std::process::Command;

use workpool_tests::openssl;

use super::{Case, stderr};

/// Verifies each message with dkimpy; prints one line per message:
/// `ok` or `fail`, and the signature's `h=` tag.
const VERIFY: &str = r#"
import sys, dkim
record = open(sys.argv[1], 'rb').read()
def dns(name, timeout=5):
    assert name == b's1._domainkey.example.com.', name
    return record
for path in sys.argv[2:]:
    msg = open(path, 'rb').read()
    ok = dkim.verify(msg, dnsfunc=dns)
    sig = [l for l in msg.replace(b'\r\n ', b' ').replace(b'\r\n\t', b' ').split(b'\r\n') if l.lower().startswith(b'dkim-signature:')]
    tags = dict(t.strip().split(b'=', 1) for t in sig[0].split(b':', 1)[1].split(b';') if b'=' in t) if sig else {}
    print('ok' if ok else 'fail', tags.get(b'a', b'').decode(), tags.get(b'h', b'').decode().replace(' ', ''))
"#;

fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Makes a key with openssl and the DNS TXT record of its public half.
pub(super) fn key(case: &Case, algorithm: &str) -> (String, String) {
    let dir = case.dir.path();
    let file = format!("{algorithm}.pem");
    match algorithm {
        "ed25519" => {
            openssl(&["genpkey", "-algorithm", "ed25519", "-out", &file], dir);
            let der = openssl(&["pkey", "-in", &file, "-pubout", "-outform", "DER"], dir);
            let raw = &der[der.len() - 32..];
            (file, format!("v=DKIM1; k=ed25519; p={}", base64(raw)))
        }
        _ => {
            openssl(&["genrsa", "-out", &file, "2048"], dir);
            let der = openssl(&["rsa", "-in", &file, "-pubout", "-outform", "DER"], dir);
            (file, format!("v=DKIM1; k=rsa; p={}", base64(&der)))
        }
    }
}

/// Debian's python, where python3-dkim is installed (a python3 earlier on
/// PATH, a pyenv one say, does not see it).
const PYTHON: &str = "/usr/bin/python3";

/// Runs the verifier on `files`; one line per file.
pub(super) fn verify(case: &Case, record: &str, files: &[std::path::PathBuf]) -> Vec<String> {
    let record_file = case.write("record.txt", record);
    let out = Command::new(PYTHON)
        .arg("-c")
        .arg(VERIFY)
        .arg(record_file)
        .args(files)
        .output()
        .expect("/usr/bin/python3 runs (Debian's python3 with python3-dkim)");
    assert!(
        out.status.success(),
        "dkimpy: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
#[ignore = "needs openssl and dkimpy (python3-dkim, python3-nacl): .ci/deps/mailer.sh installs them"]
fn both_algorithms_verify_with_dkimpy_and_a_change_breaks_them() {
    for algorithm in ["ed25519", "rsa"] {
        let case = Case::new();
        case.write(
            "rows.csv",
            "email,name,id\nann@example.org,Ann,u1\nbob@example.org,Bob,u2\n",
        );
        case.write(
            "template.txt",
            "From: News <news@mail.example.com>\nSubject: Hello {{ name }}\nList-Id: News <news.example.com>\n\nHi {{ name }},\nthe news.\n",
        );
        let (file, record) = key(&case, algorithm);
        let out = case
            .mailer(&[
                "rows.csv",
                "template.txt",
                "--dkim-key",
                &file,
                "--dkim-selector",
                "s1",
                "--dkim-domain",
                "example.com",
                "--unsubscribe",
                "https://example.com/u?id={{ id }}",
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{algorithm}: {}", stderr(&out));
        let mut files: Vec<_> = std::fs::read_dir(case.path("outbox"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        assert_eq!(files.len(), 2);
        // A changed Subject and a changed body must fail.
        let signed = std::fs::read_to_string(&files[0]).unwrap();
        let subject = case.write(
            "subject.eml",
            &signed.replace("Subject: Hello Ann", "Subject: Hello Eve"),
        );
        let body = case.write("body.eml", &signed.replace("the news.", "the fake news."));
        assert_ne!(signed, std::fs::read_to_string(&subject).unwrap());
        assert_ne!(signed, std::fs::read_to_string(&body).unwrap());
        files.extend([subject, body]);
        let lines = verify(&case, &record, &files);
        let want_a = format!("{algorithm}-sha256");
        for line in &lines[..2] {
            let parts: Vec<&str> = line.split(' ').collect();
            assert_eq!(parts[0], "ok", "{algorithm}: {line}");
            assert_eq!(parts[1], want_a, "{line}");
            let h: Vec<String> = parts[2].split(':').map(str::to_ascii_lowercase).collect();
            for header in [
                "from",
                "to",
                "subject",
                "message-id",
                "list-unsubscribe",
                "list-unsubscribe-post",
            ] {
                assert!(h.iter().any(|x| x == header), "{header} not signed: {line}");
            }
        }
        assert!(
            lines[2].starts_with("fail"),
            "{algorithm}: a changed Subject verified"
        );
        assert!(
            lines[3].starts_with("fail"),
            "{algorithm}: a changed body verified"
        );
    }
}

#[test]
fn a_bad_key_or_an_unaligned_from_is_exit_2_before_anything() {
    let case = Case::new();
    case.write("rows.csv", "email,name\nann@example.org,Ann\n");
    case.write(
        "template.txt",
        "From: news@example.net\nSubject: Hi\n\nHi\n",
    );
    case.write("bad.pem", "not a key\n");
    let out = case
        .mailer(&[
            "rows.csv",
            "template.txt",
            "--dkim-key",
            "bad.pem",
            "--dkim-selector",
            "s1",
            "--dkim-domain",
            "example.com",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "mailer: --dkim-key bad.pem: not a PEM private key (-----BEGIN PRIVATE KEY----- or RSA PRIVATE KEY)\n"
    );
    assert!(!case.path("outbox").exists());

    // A good key (an Ed25519 PKCS#8 PEM, as openssl writes it), but the
    // From domain example.net is not example.com's.
    let mut der = vec![
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    der.extend_from_slice(&[7; 32]);
    case.write(
        "good.pem",
        &format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            base64(&der)
        ),
    );
    let out = case
        .mailer(&[
            "rows.csv",
            "template.txt",
            "--dkim-key",
            "good.pem",
            "--dkim-selector",
            "s1",
            "--dkim-domain",
            "example.com",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "mailer: template.txt: the From domain \"example.net\" does not align with --dkim-domain \"example.com\": receivers would fail DMARC\n"
    );
    assert!(!case.path("outbox").exists());
}

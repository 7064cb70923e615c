//! Line endings: every message the mailer writes or sends has CRLF line
//! endings in every part (RFC 5321 §2.3.8 forbids a bare LF or CR in
//! DATA; Postfix 3.9+ refuses them), attachments included, and its DKIM
//! signature is made over those bytes. The samples attach a text file with
//! Unix line endings, the case that broke both.

use std::path::{Path, PathBuf};
use std::time::Duration;

use workpool_tests::samples_dir;

use super::smtp_server::SmtpServer;
use super::{Case, stderr};

/// The offsets of the bare line feeds and carriage returns in `bytes`
/// (each not part of a CRLF pair).
fn bare_line_breaks(bytes: &[u8]) -> Vec<usize> {
    let mut bare = Vec::new();
    for (i, &b) in bytes.iter().enumerate() {
        let lone_lf = b == b'\n' && (i == 0 || bytes[i - 1] != b'\r');
        let lone_cr = b == b'\r' && bytes.get(i + 1) != Some(&b'\n');
        if lone_lf || lone_cr {
            bare.push(i);
        }
    }
    bare
}

fn sample(name: &str) -> String {
    samples_dir()
        .join("mailer")
        .join(name)
        .to_str()
        .unwrap()
        .to_owned()
}

/// The `.eml` files of `dir`, sorted.
fn eml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

/// Runs the mailer on the samples with `extra` flags (a dry run into
/// `outbox`, or a send); asserts it succeeded.
fn run_samples(case: &Case, extra: &[&str]) {
    let (csv, template) = (sample("customers.csv"), sample("template.txt"));
    let mut args = vec![csv.as_str(), template.as_str(), "--quiet"];
    args.extend_from_slice(extra);
    let out = case.mailer(&args).output().unwrap();
    assert!(out.status.success(), "{extra:?}: {}", stderr(&out));
}

/// The samples' 20 messages, written and sent: 4 attach the text file with
/// Unix line endings; no byte of any message is a bare LF or CR.
#[test]
fn no_sample_message_written_or_sent_has_a_bare_line_feed() {
    let case = Case::new();
    run_samples(&case, &["--outbox", "outbox"]);
    let files = eml_files(&case.path("outbox"));
    assert_eq!(files.len(), 20);
    let mut attached = 0;
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        assert_eq!(bare_line_breaks(&bytes), [0usize; 0], "{}", file.display());
        attached +=
            usize::from(String::from_utf8_lossy(&bytes).contains("filename=\"invoice.txt\""));
    }
    assert_eq!(attached, 4, "the samples attach invoice.txt to 4 rows");

    let server = SmtpServer::start(Duration::ZERO);
    run_samples(&case, &["--send", "--smtp", &server.url()]);
    let messages = server.messages();
    assert_eq!(messages.len(), 20);
    for m in &messages {
        assert_eq!(
            bare_line_breaks(&m.bytes),
            [0usize; 0],
            "to {:?}:\n{}",
            m.to,
            m.data
        );
    }
}

/// Every sample message, signed with each algorithm, in the dry run's
/// `.eml` files and as the SMTP server received it, verifies in dkimpy.
#[test]
#[ignore = "needs openssl and dkimpy (python3-dkim, python3-nacl): .ci/deps/mailer.sh installs them"]
fn every_sample_message_signed_with_each_algorithm_verifies_in_dkimpy() {
    for algorithm in ["rsa", "ed25519"] {
        let case = Case::new();
        let (key, record) = super::dkim::key(&case, algorithm);
        let dkim = [
            "--dkim-key",
            &key,
            "--dkim-selector",
            "s1",
            "--dkim-domain",
            "example.com",
        ];
        let mut dry = vec!["--outbox", "outbox"];
        dry.extend_from_slice(&dkim);
        run_samples(&case, &dry);
        let mut files = eml_files(&case.path("outbox"));
        assert_eq!(files.len(), 20);

        let server = SmtpServer::start(Duration::ZERO);
        let url = server.url();
        let mut send = vec!["--send", "--smtp", &url];
        send.extend_from_slice(&dkim);
        run_samples(&case, &send);
        let messages = server.messages();
        assert_eq!(messages.len(), 20);
        std::fs::create_dir(case.path("received")).unwrap();
        for (i, m) in messages.iter().enumerate() {
            let path = case.path(&format!("received/{i:02}.eml"));
            std::fs::write(&path, &m.bytes).unwrap();
            files.push(path);
        }

        let lines = super::dkim::verify(&case, &record, &files);
        assert_eq!(lines.len(), 40);
        let want = format!("ok {algorithm}-sha256 ");
        for (file, line) in files.iter().zip(&lines) {
            assert!(line.starts_with(&want), "{}: {line}", file.display());
        }
    }
}

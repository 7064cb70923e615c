//! Headers the template passes through, and one-click unsubscribe
//! (RFC 8058), checked in the dry run's .eml files.

use std::path::Path;

use super::{Case, stderr};

const TEMPLATE: &str = "From: News <news@example.com>\n\
Subject: Issue {{ issue }}\n\
List-Id: News <news.example.com>\n\
X-PM-Message-Stream: {{ stream }}\n\
Precedence: bulk\n\
\n\
Hello.\n";

fn eml(dir: &Path) -> Vec<String> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

#[test]
fn other_headers_pass_through_and_unsubscribe_adds_the_rfc_8058_pair() {
    let case = Case::new();
    case.write(
        "rows.csv",
        "email,issue,stream,id\na@example.com,7,news,u1\nb@example.com,7,news,u2\n",
    );
    case.write("template.txt", TEMPLATE);
    let out = case
        .mailer(&[
            "rows.csv",
            "template.txt",
            "--unsubscribe",
            "https://example.com/u?id={{ id }}",
            "--unsubscribe",
            "mailto:unsub@example.com?subject={{ id }}",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // Headers unfolded (a long one is folded at the comma, RFC 5322).
    let messages: Vec<String> = eml(&case.path("outbox"))
        .iter()
        .map(|m| m.replace("\r\n ", " "))
        .collect();
    assert_eq!(messages.len(), 2);
    let first = &messages[0];
    for line in [
        "List-Id: News <news.example.com>\r\n",
        "X-PM-Message-Stream: news\r\n",
        "Precedence: bulk\r\n",
        "List-Unsubscribe: <https://example.com/u?id=u1>, <mailto:unsub@example.com?subject=u1>\r\n",
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n",
    ] {
        assert!(first.contains(line), "{line:?} not in\n{first}");
    }
    assert!(messages[1].contains("<https://example.com/u?id=u2>"));
}

#[test]
fn an_http_unsubscribe_url_or_an_owned_header_is_exit_2_before_anything() {
    let case = Case::new();
    case.write(
        "rows.csv",
        "email,issue,stream,id\na@example.com,7,news,u1\n",
    );
    case.write("template.txt", TEMPLATE);
    let out = case
        .mailer(&[
            "rows.csv",
            "template.txt",
            "--unsubscribe",
            "http://example.com/u",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("https"), "{}", stderr(&out));
    assert!(!case.path("outbox").exists());

    case.write(
        "owned.txt",
        "From: a@example.com\nSubject: x\nMessage-ID: <x@y>\n\nbody\n",
    );
    let out = case.mailer(&["rows.csv", "owned.txt"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("owned.txt, line 3") && stderr(&out).contains("Message-ID"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_row_that_breaks_out_of_the_unsubscribe_url_is_refused() {
    let case = Case::new();
    case.write(
        "rows.csv",
        "email,issue,stream,id\na@example.com,7,news,u1\nb@example.com,7,news,\"u2>, <https://evil.example\"\nc@example.com,7,news,u3\n",
    );
    case.write("template.txt", TEMPLATE);
    let out = case
        .mailer(&[
            "rows.csv",
            "template.txt",
            "--unsubscribe",
            "https://example.com/u?id={{ id }}",
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("line 3"), "{}", stderr(&out));
    let summary = super::json(&out);
    assert_eq!(summary["invalid"], 1, "{summary}");
    assert_eq!(summary["succeeded"], 2, "{summary}");
    let messages = eml(&case.path("outbox"));
    assert_eq!(messages.len(), 2);
    assert!(messages.iter().all(|m| !m.contains("evil")));
}

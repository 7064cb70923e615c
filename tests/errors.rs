//! What a user reads after the most common mistakes: each message pinned
//! whole, for the three tools and the verbs. A message says what, where and
//! why once, in the user's words: naming the argument or flag and its
//! value, never an internal classification or a Rust type, and never the
//! same cause twice (`every_message_says_each_cause_once` checks that over
//! every case).
//!
//! `SNAPSHOTS=overwrite cargo test --test errors` rewrites the expected
//! messages in place, for review.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Output;

use snapbox::{assert_data_eq, str};
use workpool_tests::{command, samples_dir, temp_dir};

/// Runs `tool` with `args` in `dir` (with `env` set); its output.
fn run(tool: &str, args: &[&str], dir: &Path, env: &[(&str, &str)]) -> Output {
    let mut cmd = command(tool);
    cmd.current_dir(dir).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// A folder with a small CSV, a template and one photo, for the cases that
/// need real inputs.
fn inputs() -> tempfile::TempDir {
    let dir = temp_dir();
    std::fs::write(
        dir.path().join("rows.csv"),
        "email,name\nann@example.com,Ann\nbob@example.com,Bob\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("template.txt"),
        "From: Shop <shop@example.com>\nTo: {{ email }}\nSubject: Hi\n\nHello {{ name }}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("items.csv"),
        "account,amount\nA,1.00\nB,2.00\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("layout.toml"), "title = \"T\"\n[page\n").unwrap();
    let photos = dir.path().join("photos");
    std::fs::create_dir(&photos).unwrap();
    let sample = std::fs::read_dir(samples_dir().join("resizer"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "jpg"))
        .unwrap();
    std::fs::copy(sample, photos.join("photo.jpg")).unwrap();
    dir
}

/// One bad command: what it is, and how it is run.
struct Case {
    what: &'static str,
    tool: &'static str,
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
}

const CASES: &[Case] = &[
    Case {
        what: "mailer, missing files",
        tool: "mailer",
        args: &["/nonexistent.csv", "/nonexistent.txt"],
        env: &[],
    },
    Case {
        what: "mailer, a folder for the CSV",
        tool: "mailer",
        args: &["photos", "template.txt"],
        env: &[],
    },
    Case {
        what: "mailer, a bad rate",
        tool: "mailer",
        args: &["rows.csv", "template.txt", "--rate", "fast"],
        env: &[],
    },
    Case {
        what: "mailer, a time limit of nothing",
        tool: "mailer",
        args: &["rows.csv", "template.txt", "--timeout", "0s"],
        env: &[],
    },
    Case {
        what: "mailer, a server that refuses the connection",
        tool: "mailer",
        args: &[
            "rows.csv",
            "template.txt",
            "--send",
            "--smtp",
            "smtp://127.0.0.1:1",
            "--retries",
            "0",
            "--quiet",
        ],
        env: &[],
    },
    Case {
        what: "mailer status, a database that cannot be reached",
        tool: "mailer",
        args: &[
            "status",
            "--db",
            "postgres://workpool@127.0.0.1:1/jobs?sslmode=disable",
        ],
        env: &[],
    },
    Case {
        what: "resizer, a missing input folder",
        tool: "resizer",
        args: &["/nonexistent", "out", "--size", "10x10"],
        env: &[],
    },
    Case {
        what: "resizer, the input as the output",
        tool: "resizer",
        args: &["photos", "photos", "--size", "10x10"],
        env: &[],
    },
    Case {
        what: "resizer, a bad size",
        tool: "resizer",
        args: &["photos", "out", "--size", "10by10"],
        env: &[],
    },
    Case {
        what: "resizer, an S3 location that cannot be reached",
        tool: "resizer",
        args: &["s3://photos/in", "out", "--size", "10x10"],
        env: &[
            ("AWS_ENDPOINT", "http://127.0.0.1:1"),
            ("AWS_ALLOW_HTTP", "true"),
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("AWS_DEFAULT_REGION", "us-east-1"),
        ],
    },
    Case {
        what: "reporter, a missing input",
        tool: "reporter",
        args: &["/nonexistent.csv", "--group-by", "account", "--out", "out"],
        env: &[],
    },
    Case {
        what: "reporter, a folder for the input",
        tool: "reporter",
        args: &["photos", "--group-by", "account", "--out", "out"],
        env: &[],
    },
    Case {
        what: "reporter, a column that is not there",
        tool: "reporter",
        args: &["items.csv", "--group-by", "acount", "--out", "out"],
        env: &[],
    },
    Case {
        what: "reporter, a layout that is not TOML",
        tool: "reporter",
        args: &[
            "items.csv",
            "--group-by",
            "account",
            "--out",
            "out",
            "--layout",
            "layout.toml",
        ],
        env: &[],
    },
    Case {
        what: "reporter enqueue, a database that cannot be reached",
        tool: "reporter",
        args: &[
            "enqueue",
            "items.csv",
            "--group-by",
            "account",
            "--out",
            "out",
            "--db",
            "postgres://workpool@127.0.0.1:1/jobs?sslmode=disable",
        ],
        env: &[],
    },
];

/// The stderr of a case, with the run's own temporary paths and timings
/// made stable.
fn stderr_of(case: &Case) -> (Option<i32>, String) {
    let dir = inputs();
    let out = run(case.tool, case.args, dir.path(), case.env);
    let text =
        String::from_utf8_lossy(&out.stderr).replace(&dir.path().display().to_string(), "[DIR]");
    (out.status.code(), text)
}

/// Every message, whole: `what` of each case, its exit status and its
/// stderr.
#[test]
fn messages_name_the_input_and_say_what_is_wrong() {
    let mut all = String::new();
    for case in CASES {
        let (code, stderr) = stderr_of(case);
        all.push_str(&format!(
            "== {} (exit {})\n{stderr}",
            case.what,
            code.map_or_else(|| "by a signal".to_owned(), |c| c.to_string())
        ));
    }
    assert_data_eq!(
        all,
        str![[r#"
== mailer, missing files (exit 2)
mailer: the template /nonexistent.txt: does not exist
== mailer, a folder for the CSV (exit 2)
mailer: the CSV file photos: is a folder, not a file
== mailer, a bad rate (exit 2)
error: invalid value 'fast' for '--rate <RATE>': invalid rate "fast": missing '/unit' (expected e.g. 10/s, 600/min, 5000/h, 100000/day, 10/s,burst=20)

For more information, try '--help'.
== mailer, a time limit of nothing (exit 2)
error: invalid value '0s' for '--timeout <TIMEOUT>': "0s" is no time at all: give more than zero, e.g. 30s

For more information, try '--help'.
== mailer, a server that refuses the connection (exit 2)
mailer: cannot connect to the SMTP server 127.0.0.1:1 (--smtp): connection refused
== mailer status, a database that cannot be reached (exit 2)
mailer: cannot connect to the database at 127.0.0.1:1 (sslmode=disable): connection refused (is the server running on that host and accepting TCP/IP connections on that port?)
== resizer, a missing input folder (exit 2)
resizer: input folder /nonexistent: does not exist
== resizer, the input as the output (exit 2)
resizer: output folder photos is the input folder: choose another one
== resizer, a bad size (exit 2)
error: invalid value '10by10' for '--size <WxH>': expected WxH such as 800x600, each side 1 to 65535

For more information, try '--help'.
== resizer, an S3 location that cannot be reached (exit 2)
resizer: input s3://photos/in: cannot reach the server at http://127.0.0.1:1 (AWS_ENDPOINT): connection refused
== reporter, a missing input (exit 2)
reporter: /nonexistent.csv: No such file or directory (os error 2): No such file or directory (os error 2)
== reporter, a folder for the input (exit 2)
reporter: photos: unknown input format (expected .csv, .json, .ndjson or .jsonl)
== reporter, a column that is not there (exit 2)
reporter: items.csv: no column "acount" to group by (columns: acount, account, amount)
== reporter, a layout that is not TOML (exit 2)
reporter: layout.toml: TOML parse error at line 2, column 6
  |
2 | [page
  |      ^
unclosed table, expected `]`

== reporter enqueue, a database that cannot be reached (exit 2)
reporter: cannot connect to the database at 127.0.0.1:1 (sslmode=disable): connection refused (is the server running on that host and accepting TCP/IP connections on that port?)

"#]]
    );
}

/// No line of any message repeats a segment between `: ` (the cause
/// printed by an error and again by the printer walking its sources), or
/// shows an internal word.
#[test]
fn every_message_says_each_cause_once() {
    for case in CASES {
        let (_, stderr) = stderr_of(case);
        assert!(!stderr.trim().is_empty(), "{}: no message", case.what);
        for line in stderr.lines() {
            let segments: Vec<&str> = line.split(": ").map(str::trim).collect();
            for (i, segment) in segments.iter().enumerate() {
                assert!(
                    segment.len() < 4 || !segments[i + 1..].contains(segment),
                    "{}: {segment:?} twice in {line:?}",
                    case.what
                );
            }
            for word in ["transient", "permanent", "Error {", "Os {", "kind: "] {
                assert!(!line.contains(word), "{}: {word:?} in {line:?}", case.what);
            }
        }
    }
}

//! The README's examples run as written, from the repository's root, with
//! the tools on `PATH` (as the README says to put them there): every
//! `mailer`, `resizer` and `reporter` line of its `sh` blocks.
//!
//! An example that works on local files must succeed. One that needs a
//! server the README only names (an SMTP relay, a database, a bucket, a
//! broker) must get as far as trying to reach it: its flags parse and its
//! inputs are read, and it stops with exit 2 and a message saying what
//! could not be reached, never a usage error.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use workpool_tests::{bin, command, samples_dir, temp_dir};

const TOOLS: [&str; 3] = ["mailer", "resizer", "reporter"];

/// One example: its environment assignments and its words.
#[derive(Debug)]
struct Example {
    line: String,
    env: Vec<(String, String)>,
    words: Vec<String>,
}

/// A line of a `sh` block: a tool's example, or another command the
/// examples depend on (making a DKIM key with openssl).
#[derive(Debug)]
enum Line {
    Tool(Example),
    Shell(String),
}

/// Splits a shell line into words: spaces separate, single and double
/// quotes group (no expansion is needed by the README's examples).
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote = None;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, ' ' | '\t') => {
                if in_word {
                    out.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(word);
    }
    out
}

/// Every line of the README's `sh` blocks, but the README's own build and
/// test commands and `export` lines (the tests set what they need).
fn examples(readme: &str) -> Vec<Line> {
    let mut examples = Vec::new();
    let mut in_sh = false;
    let mut pending = String::new();
    for raw in readme.lines() {
        let line = raw.trim();
        if line.starts_with("```") {
            in_sh = !in_sh && line == "```sh";
            continue;
        }
        if !in_sh {
            continue;
        }
        let code = match line.find(" #") {
            Some(at) if !line.starts_with('#') => line[..at].trim_end(),
            _ => line,
        };
        if code.starts_with('#') || code.is_empty() {
            continue;
        }
        if let Some(start) = code.strip_suffix('\\') {
            pending.push_str(start);
            pending.push(' ');
            continue;
        }
        let whole = std::mem::take(&mut pending) + code;
        let mut all = words(&whole);
        let env_count = all
            .iter()
            .take_while(|w| w.contains('=') && !w.starts_with('-'))
            .count();
        let env: Vec<(String, String)> = all
            .drain(..env_count)
            .map(|w| {
                let (k, v) = w.split_once('=').unwrap();
                (k.to_owned(), v.to_owned())
            })
            .collect();
        match all.first().map(String::as_str) {
            Some(tool) if TOOLS.contains(&tool) => examples.push(Line::Tool(Example {
                line: whole,
                env,
                words: all,
            })),
            Some("bash" | "cargo" | "sudo" | "export") | None => {}
            Some(_) => examples.push(Line::Shell(whole)),
        }
    }
    examples
}

/// Whether `example` needs a server the README only names.
fn needs_a_server(example: &Example) -> bool {
    let verbs = [
        "enqueue", "work", "status", "retry", "pause", "resume", "cancel", "publish", "consume",
    ];
    example
        .words
        .get(1)
        .is_some_and(|w| verbs.contains(&w.as_str()))
        || example
            .words
            .iter()
            .any(|w| w == "--send" || w.starts_with("s3://"))
}

/// Copies `from` into `to`, recursively.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
#[ignore = "needs openssl (the README's DKIM example makes its key with it)"]
fn every_example_runs_as_written_from_the_repository_root() {
    let root = samples_dir().parent().unwrap().to_path_buf();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let lines = examples(&readme);
    let tools = lines.iter().filter(|l| matches!(l, Line::Tool(_))).count();
    assert!(tools >= 15, "{tools} examples found");
    // A copy of the repository's samples, so that the examples write
    // their outputs there and not in the checkout.
    let dir = temp_dir();
    copy_tree(&samples_dir(), &dir.path().join("samples"));
    let tools = bin("mailer").parent().unwrap().to_path_buf();
    let path = format!(
        "{}:{}",
        tools.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for line in &lines {
        let example = match line {
            Line::Shell(line) => {
                let out = std::process::Command::new("sh")
                    .args(["-c", line])
                    .current_dir(dir.path())
                    .output()
                    .unwrap();
                assert!(
                    out.status.success(),
                    "{line}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                continue;
            }
            Line::Tool(example) => example,
        };
        // "After a run with failures": the list such a run leaves.
        if let Some(at) = example.words.iter().position(|w| w == "--only") {
            let list = dir.path().join(&example.words[at + 1]);
            if !list.exists() {
                std::fs::write(&list, "Wine_by_Jakkub_Mede.jpg\tcannot decode\n").unwrap();
            }
        }
        let mut cmd = command(&example.words[0]);
        cmd.current_dir(dir.path())
            .args(&example.words[1..])
            .env("PATH", &path)
            // Where the README's servers would be: nowhere reachable.
            .env("AWS_ENDPOINT", "http://127.0.0.1:1")
            .env("AWS_ALLOW_HTTP", "true")
            .env("AWS_ACCESS_KEY_ID", "readme")
            .env("AWS_SECRET_ACCESS_KEY", "readme")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("PGHOST", "127.0.0.1")
            .env("PGPORT", "1")
            .env("PGCONNECT_TIMEOUT", "2");
        for (k, v) in &example.env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        if needs_a_server(example) {
            assert_eq!(out.status.code(), Some(2), "{}: {stderr}", example.line);
            assert!(
                stderr.contains("cannot connect")
                    || stderr.contains("cannot reach")
                    || stderr.contains("no such host"),
                "{} should stop at the server it names: {stderr}",
                example.line
            );
        } else {
            assert_eq!(out.status.code(), Some(0), "{}: {stderr}", example.line);
        }
    }
}

#[test]
fn shell_words_split_like_the_shell() {
    assert_eq!(
        words("mailer a.csv --unsubscribe 'https://x/u?id={{ id }}' \"b c\""),
        [
            "mailer",
            "a.csv",
            "--unsubscribe",
            "https://x/u?id={{ id }}",
            "b c"
        ]
    );
}

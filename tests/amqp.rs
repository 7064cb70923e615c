//! End-to-end tests of `TOOL publish` and `TOOL consume`: the built
//! binaries against a throwaway RabbitMQ node of their own
//! (tests/support/rabbitmq.rs), a real SMTP server, real images and real
//! PDFs.
#![allow(clippy::unwrap_used)]

#[path = "amqp/broker.rs"]
mod broker;
#[path = "amqp/mailer.rs"]
mod mailer;
#[path = "amqp/reports.rs"]
mod reports;
#[path = "amqp/resizer.rs"]
mod resizer;
#[allow(dead_code)]
#[path = "mailer/smtp_server.rs"]
mod smtp_server;

use workpool_tests::command;

#[test]
fn publish_refuses_a_worker_flag_naming_where_it_belongs() {
    let out = command("mailer")
        .args([
            "publish",
            "rows.csv",
            "t.txt",
            "--amqp-queue",
            "q",
            "--smtp",
            "smtp://x",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--smtp is for") && err.contains("`mailer consume`"),
        "{err}"
    );
}

#[test]
fn consume_refuses_an_input_flag_naming_where_it_belongs() {
    let out = command("reporter")
        .args([
            "consume",
            "-o",
            "out",
            "-l",
            "l.toml",
            "--amqp-queue",
            "q",
            "--group-by",
            "a",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--group-by is for") && err.contains("`reporter publish`"),
        "{err}"
    );
}

#[test]
fn no_broker_is_a_usage_error_before_any_work() {
    let dir = workpool_tests::temp_dir();
    let out = command("resizer")
        .args(["consume", "--amqp-queue", "q", "--size", "10x10"])
        .arg(dir.path())
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no broker: give --amqp"), "{err}");
    let bad = command("resizer")
        .args([
            "consume",
            "--amqp",
            "amqp://u:secret@h/",
            "--amqp-queue",
            "amq.x",
            "--size",
            "10x10",
        ])
        .arg(dir.path())
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("--amqp-queue \"amq.x\""), "{err}");
}

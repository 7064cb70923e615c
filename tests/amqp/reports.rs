//! `reporter publish` and `reporter consume`: the single-machine reports.

use std::process::Command;
use std::time::Duration;

use workpool_tests::{RabbitMq, Signal, files, pdf_text, samples_dir, temp_dir};

use super::broker::{Consumer, ready, run, wait_until};

#[test]
#[ignore = "needs rabbitmq-server (.ci/deps/rabbitmq.sh), pdftotext and qpdf (.ci/deps/reporter.sh)"]
fn one_message_per_group_makes_the_single_machine_reports() {
    let rabbit = RabbitMq::start();
    let dir = temp_dir();
    let samples = samples_dir().join("reports");
    let items = samples.join("items.csv");
    let layout = samples.join("statement-logo.toml");
    let (single, spread) = (dir.path().join("single"), dir.path().join("spread"));
    let (items, layout) = (items.to_str().unwrap(), layout.to_str().unwrap());
    run(
        "reporter",
        &[
            items,
            "--group-by",
            "account",
            "--layout",
            layout,
            "--no-system-fonts",
            "--quiet",
            "--out",
            single.to_str().unwrap(),
        ],
    );
    let url = rabbit.url();
    run(
        "reporter",
        &[
            "publish",
            items,
            "--group-by",
            "account",
            "--layout",
            layout,
            "--quiet",
            "--out",
            spread.to_str().unwrap(),
            "--amqp",
            &url,
            "--amqp-queue",
            "statements",
        ],
    );
    let groups = files(&single)
        .keys()
        .filter(|k| k.ends_with(".pdf"))
        .count() as u64;
    assert!(groups >= 4);
    assert_eq!(
        ready(&url, "statements").map(u64::from),
        Some(groups),
        "one message per group"
    );
    let consumer = Consumer::start(
        "reporter",
        &[
            "-o",
            spread.to_str().unwrap(),
            "-l",
            layout,
            "--amqp",
            &url,
            "--amqp-queue",
            "statements",
            "--quiet",
        ],
        dir.path(),
        "c",
    );
    let a = files(&single);
    wait_until("every report", Duration::from_secs(120), || {
        spread.is_dir() && files(&spread).len() == a.len()
    });
    let ended = consumer.stop(Signal::TERM);
    assert!(ended.status.success(), "{}", ended.stderr);
    assert_eq!(ready(&url, "statements"), Some(0), "nothing given back");
    let b = files(&spread);
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    // The same pages and text, valid PDFs. (The bytes differ: a consumer
    // cuts its fonts for embedding before it sees a message, so a report
    // with characters beyond its layout's embeds the face's own subset
    // where the single-machine run embeds its run-wide cut.)
    for name in a.keys() {
        let (x, y) = (single.join(name), spread.join(name));
        assert_eq!(pdf_text(&x), pdf_text(&y), "{name}");
        let out = Command::new("qpdf")
            .arg("--check")
            .arg(&y)
            .output()
            .unwrap();
        assert!(out.status.success(), "qpdf --check {name}");
    }
}

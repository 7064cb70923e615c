//! `mailer publish` and `mailer consume` against a real SMTP server.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use workpool_tests::{RabbitMq, Signal, send_signal, temp_dir};

use super::broker::{Consumer, ready, run, send, take_all, wait_until};
use super::smtp_server::{Received, SmtpServer};

const TEMPLATE: &str = "From: Shop <shop@example.com>\n\
Subject: Hello {{ name }}\n\
\n\
Hello {{ name }}, this is message {{ id }}.\n";

const LIMIT: Duration = Duration::from_secs(180);

/// `rows` rows (id, email, name) and the template, in `dir`.
fn campaign(dir: &Path, rows: usize) -> (PathBuf, PathBuf) {
    let csv = dir.join("rows.csv");
    let mut text = String::from("id,email,name\n");
    for i in 0..rows {
        text.push_str(&format!("{i},person{i}@example.com,Person {i}\n"));
    }
    std::fs::write(&csv, text).unwrap();
    let template = dir.join("template.txt");
    std::fs::write(&template, TEMPLATE).unwrap();
    (csv, template)
}

fn publish(rabbit: &RabbitMq, queue: &str, csv: &Path, template: &Path) {
    run(
        "mailer",
        &[
            "publish",
            csv.to_str().unwrap(),
            template.to_str().unwrap(),
            "--amqp",
            &rabbit.url(),
            "--amqp-queue",
            queue,
            "--quiet",
        ],
    );
}

fn consumer_args<'a>(
    rabbit_url: &'a str,
    queue: &'a str,
    smtp: &'a str,
    template: &'a Path,
) -> Vec<&'a str> {
    vec![
        template.to_str().unwrap(),
        "--amqp",
        rabbit_url,
        "--amqp-queue",
        queue,
        "--send",
        "--smtp",
        smtp,
        "--quiet",
    ]
}

fn message_id(message: &Received) -> String {
    message
        .data
        .lines()
        .find_map(|l| l.strip_prefix("Message-ID: "))
        .unwrap_or_default()
        .to_owned()
}

/// Messages received per recipient.
fn by_recipient(smtp: &SmtpServer) -> BTreeMap<String, Vec<Received>> {
    let mut by = BTreeMap::<String, Vec<Received>>::new();
    for message in smtp.messages() {
        by.entry(message.to.join(",")).or_default().push(message);
    }
    by
}

#[test]
#[ignore = "needs rabbitmq-server (.ci/deps/rabbitmq.sh installs it)"]
fn three_consumers_one_killed_mid_run_lose_nothing() {
    let rabbit = RabbitMq::start();
    let smtp = SmtpServer::start(Duration::ZERO);
    let dir = temp_dir();
    let (csv, template) = campaign(dir.path(), 5000);
    publish(&rabbit, "mail", &csv, &template);
    let (url, smtp_url) = (rabbit.url(), smtp.url());
    assert_eq!(ready(&url, "mail"), Some(5000));
    let mut args = consumer_args(&url, "mail", &smtp_url, &template);
    args.extend(["--workers", "4", "--queue", "16"]);
    let mut consumers: Vec<Consumer> = (0..3)
        .map(|i| Consumer::start("mailer", &args, dir.path(), &format!("c{i}")))
        .collect();
    wait_until("1000 messages", LIMIT, || smtp.count() >= 1000);
    let killed = consumers.remove(0);
    killed.stop(Signal::KILL);
    wait_until("every row and an empty queue", LIMIT, || {
        by_recipient(&smtp).len() == 5000 && ready(&url, "mail") == Some(0)
    });
    for consumer in consumers {
        let ended = consumer.stop(Signal::TERM);
        assert!(ended.status.success(), "{}", ended.stderr);
    }
    let by = by_recipient(&smtp);
    let expected: BTreeSet<String> = (0..5000)
        .map(|i| format!("person{i}@example.com"))
        .collect();
    assert_eq!(by.keys().cloned().collect::<BTreeSet<_>>(), expected);
    // What the killed consumer held may come twice: at most its prefetch,
    // and a second copy is the same message (the same Message-ID).
    let duplicates: usize = by.values().map(|m| m.len() - 1).sum();
    assert!(duplicates <= 16, "{duplicates} duplicates");
    // Every consumer is gone and nothing came back: the queue is empty.
    assert_eq!(ready(&url, "mail"), Some(0));
    for copies in by.values().filter(|m| m.len() > 1) {
        let ids: BTreeSet<String> = copies.iter().map(message_id).collect();
        assert_eq!(ids.len(), 1, "{ids:?}");
        assert!(ids.iter().all(|id| id.starts_with('<')), "{ids:?}");
    }
    assert_eq!(ready(&url, "mail.dead"), Some(0));
}

#[test]
#[ignore = "needs rabbitmq-server (.ci/deps/rabbitmq.sh installs it)"]
fn a_busy_server_is_retried_and_a_message_that_never_goes_ends_dead() {
    let rabbit = RabbitMq::start();
    let smtp = SmtpServer::start(Duration::ZERO);
    let dir = temp_dir();
    let (csv, template) = campaign(dir.path(), 20);
    let mut rows = std::fs::read_to_string(&csv).unwrap();
    rows.push_str("20,busy-always@example.com,Busy\n");
    std::fs::write(&csv, rows).unwrap();
    smtp.busy(true);
    publish(&rabbit, "mail", &csv, &template);
    let (url, smtp_url) = (rabbit.url(), smtp.url());
    let mut args = consumer_args(&url, "mail", &smtp_url, &template);
    args.extend(["--retries", "4"]);
    let consumer = Consumer::start("mailer", &args, dir.path(), "c");
    // Every row is refused with 451 and comes back through the delay
    // queue, more than once, while nothing is delivered.
    wait_until("second attempts", LIMIT, || {
        (0..20).all(|i| smtp.rcpt_attempts(&format!("person{i}@example.com")) >= 2)
    });
    assert_eq!(smtp.count(), 0);
    smtp.busy(false);
    wait_until("every row, the busy one dead", LIMIT, || {
        smtp.count() >= 20 && ready(&url, "mail.dead") == Some(1) && ready(&url, "mail") == Some(0)
    });
    let ended = consumer.stop(Signal::TERM);
    assert_eq!(
        ended.status.code(),
        Some(1),
        "a dead item: exit 1\n{}",
        ended.stderr
    );
    let by = by_recipient(&smtp);
    assert_eq!(by.len(), 20);
    assert!(by.values().all(|m| m.len() == 1), "each row once");
    assert_eq!(
        smtp.rcpt_attempts("busy-always@example.com"),
        5,
        "1 + --retries 4"
    );
    let dead = take_all(&url, "mail.dead");
    assert_eq!(dead.len(), 1);
    assert_eq!(
        dead[0]
            .headers
            .get("x-workpool-attempts")
            .map(String::as_str),
        Some("5")
    );
    let reason = &dead[0].headers["x-workpool-reason"];
    assert!(
        reason.contains("busy-always@example.com") && reason.contains("451"),
        "{reason}"
    );
    assert_eq!(dead[0].json()["email"], "busy-always@example.com");
    assert!(dead[0].message_id.is_some(), "publish names each message");
    assert!(
        ended.stderr.contains("busy-always@example.com"),
        "{}",
        ended.stderr
    );
}

#[test]
#[ignore = "needs rabbitmq-server (.ci/deps/rabbitmq.sh installs it)"]
fn every_item_has_exactly_one_result_and_bad_messages_go_dead() {
    let rabbit = RabbitMq::start();
    let smtp = SmtpServer::start(Duration::ZERO);
    let dir = temp_dir();
    let (csv, template) = campaign(dir.path(), 30);
    publish(&rabbit, "mail", &csv, &template);
    let url = rabbit.url();
    send(
        &url,
        "mail",
        &[
            r#"{"email": "x@example.com", "id": 1}"#,
            "not json",
            r#"["a list"]"#,
        ],
    );
    let smtp_url = smtp.url();
    let mut args = consumer_args(&url, "mail", &smtp_url, &template);
    args.extend(["--results", "mail.results", "--workers", "3"]);
    let consumer = Consumer::start("mailer", &args, dir.path(), "c");
    wait_until("every item", LIMIT, || {
        ready(&url, "mail") == Some(0) && ready(&url, "mail.results").is_some_and(|n| n >= 33)
    });
    let ended = consumer.stop(Signal::TERM);
    assert_eq!(ended.status.code(), Some(1), "{}", ended.stderr);
    let results = take_all(&url, "mail.results");
    assert_eq!(results.len(), 33, "one result per item");
    let results: Vec<serde_json::Value> = results.iter().map(|r| r.json()).collect();
    let succeeded: Vec<_> = results
        .iter()
        .filter(|r| r["status"] == "succeeded")
        .collect();
    assert_eq!(succeeded.len(), 30);
    let keys: BTreeSet<String> = succeeded.iter().map(|r| r["key"].to_string()).collect();
    assert_eq!(keys.len(), 30, "one per row");
    let ids: BTreeSet<String> = smtp.messages().iter().map(message_id).collect();
    for result in &succeeded {
        assert_eq!(result["attempts"], 1);
        assert_eq!(result["tool"], "mailer");
        let written = result["written"][0].as_str().unwrap().to_owned();
        assert!(ids.contains(&written), "{written} was sent");
    }
    let invalid: Vec<_> = results
        .iter()
        .filter(|r| r["status"] == "invalid")
        .collect();
    assert_eq!(invalid.len(), 3, "{results:?}");
    let dead = take_all(&url, "mail.dead");
    let reasons: Vec<&str> = dead
        .iter()
        .map(|d| d.headers["x-workpool-reason"].as_str())
        .collect();
    assert_eq!(dead.len(), 3, "{reasons:?}");
    assert!(
        reasons.iter().any(|r| r.contains("no column \"name\"")),
        "{reasons:?}"
    );
    assert_eq!(
        reasons
            .iter()
            .filter(|r| r.contains("not a mailer message"))
            .count(),
        2,
        "{reasons:?}"
    );
    assert!(
        dead.iter().any(|d| d.body == "not json"),
        "the body is kept"
    );
}

#[test]
#[ignore = "needs rabbitmq-server (.ci/deps/rabbitmq.sh installs it)"]
fn a_broker_restart_mid_run_loses_nothing_and_the_consumer_goes_on() {
    let mut rabbit = RabbitMq::start();
    let smtp = SmtpServer::start(Duration::from_millis(2));
    let dir = temp_dir();
    let (csv, template) = campaign(dir.path(), 3000);
    publish(&rabbit, "mail", &csv, &template);
    let (url, smtp_url) = (rabbit.url(), smtp.url());
    let mut args = consumer_args(&url, "mail", &smtp_url, &template);
    // Not --quiet: its warnings (the lost broker) are what is looked for.
    args.retain(|a| *a != "--quiet");
    args.extend(["--workers", "4", "--queue", "32"]);
    let mut consumer = Consumer::start("mailer", &args, dir.path(), "c");
    wait_until("500 messages", LIMIT, || smtp.count() >= 500);
    rabbit.restart();
    wait_until("every row after the restart", LIMIT, || {
        by_recipient(&smtp).len() == 3000 && ready(&url, "mail") == Some(0)
    });
    assert!(
        consumer.running(),
        "the consumer went on: {}",
        consumer.stderr()
    );
    let ended = consumer.stop(Signal::TERM);
    assert!(ended.status.success(), "{}", ended.stderr);
    assert!(ended.stderr.contains("lost the broker"), "{}", ended.stderr);
    let duplicates: usize = by_recipient(&smtp).values().map(|m| m.len() - 1).sum();
    assert!(duplicates <= 2 * 32, "{duplicates} duplicates");
    assert_eq!(ready(&url, "mail.dead"), Some(0));
}

#[test]
#[ignore = "needs rabbitmq-server (.ci/deps/rabbitmq.sh installs it)"]
fn ctrl_c_finishes_what_runs_and_gives_the_rest_back() {
    let rabbit = RabbitMq::start();
    let smtp = SmtpServer::start(Duration::from_millis(300));
    let dir = temp_dir();
    let (csv, template) = campaign(dir.path(), 40);
    publish(&rabbit, "mail", &csv, &template);
    let (url, smtp_url) = (rabbit.url(), smtp.url());
    let mut args = consumer_args(&url, "mail", &smtp_url, &template);
    args.extend(["--workers", "2", "--queue", "10", "--json"]);
    let consumer = Consumer::start("mailer", &args, dir.path(), "c");
    wait_until("4 messages", LIMIT, || smtp.count() >= 4);
    let ended = consumer.stop(Signal::INT);
    assert!(ended.status.success(), "{}", ended.stderr);
    let summary: serde_json::Value = serde_json::from_str(ended.stdout.trim()).unwrap();
    let done = smtp.count();
    assert_eq!(summary["done"], done as u64, "{summary}");
    assert!(summary["given_back"].as_u64().unwrap() >= 1, "{summary}");
    assert_eq!(summary["interrupted_by"], "Ctrl-C");
    // Nothing is held any more: the rest is back in the queue.
    assert_eq!(
        ready(&url, "mail"),
        Some(40 - done as u32),
        "{summary}\n{}",
        ended.stderr
    );
    // Another consumer does the rest, each row once.
    let again = Consumer::start(
        "mailer",
        &consumer_args(&url, "mail", &smtp_url, &template),
        dir.path(),
        "d",
    );
    wait_until("the rest", LIMIT, || {
        smtp.count() >= 40 && ready(&url, "mail") == Some(0)
    });
    assert!(again.stop(Signal::TERM).status.success());
    let by = by_recipient(&smtp);
    assert_eq!(by.len(), 40);
    assert!(by.values().all(|m| m.len() == 1), "each row once");
}

#[test]
#[ignore = "needs rabbitmq-server (.ci/deps/rabbitmq.sh installs it)"]
fn a_second_ctrl_c_cancels_the_running_sends_and_gives_them_back() {
    let rabbit = RabbitMq::start();
    // The server takes each message, then holds its reply far longer than
    // the test: a send still running when the consumer is stopped only
    // ends if it is cancelled.
    let smtp = SmtpServer::start(Duration::from_secs(600));
    let dir = temp_dir();
    let (csv, template) = campaign(dir.path(), 10);
    publish(&rabbit, "mail", &csv, &template);
    let (url, smtp_url) = (rabbit.url(), smtp.url());
    let mut args = consumer_args(&url, "mail", &smtp_url, &template);
    args.extend(["--workers", "2", "--queue", "4", "--json"]);
    let consumer = Consumer::start("mailer", &args, dir.path(), "c");
    wait_until("two sends waiting for their reply", LIMIT, || {
        smtp.count() >= 2
    });
    send_signal(consumer.child.id(), Signal::INT);
    wait_until("the first Ctrl-C seen", LIMIT, || {
        consumer.stderr().contains("starting nothing new; the jobs running finish, the rest go back to the broker's queue at once")
    });
    let ended = consumer.stop(Signal::INT);
    let summary: serde_json::Value = serde_json::from_str(ended.stdout.trim())
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", ended.stdout, ended.stderr));
    assert_eq!(summary["done"], 0, "{summary}");
    assert_eq!(summary["acked"], 0, "{summary}");
    assert_eq!(summary["given_back"], 4, "the whole prefetch: {summary}");
    // The two cancelled sends went back with the rest: every row is ready
    // for another consumer.
    assert_eq!(ready(&url, "mail"), Some(10), "{}", ended.stderr);
    assert_eq!(ready(&url, "mail.dead"), Some(0));
}

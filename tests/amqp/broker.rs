//! What the tests do beside the tools: read queues, send messages no tool
//! would, run consumers and stop them with signals.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use lapin::options::{
    BasicAckOptions, BasicGetOptions, BasicPublishOptions, ConfirmSelectOptions,
    QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Connection, ConnectionProperties};
use workpool_tests::{Signal, command, send_signal};

/// A message read from a queue.
#[derive(Debug)]
pub struct Got {
    pub body: String,
    pub headers: BTreeMap<String, String>,
    pub message_id: Option<String>,
}

impl Got {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

async fn connect(url: &str) -> Connection {
    Connection::connect(url, ConnectionProperties::default())
        .await
        .unwrap()
}

/// Takes every message in `queue` (acknowledged: they are gone after).
pub fn take_all(url: &str, queue: &str) -> Vec<Got> {
    block_on(async {
        let connection = connect(url).await;
        let channel = connection.create_channel().await.unwrap();
        let mut got = Vec::new();
        while let Some(message) = channel
            .basic_get(queue.into(), BasicGetOptions::default())
            .await
            .unwrap()
        {
            let delivery = message.delivery;
            let headers = delivery
                .properties
                .headers()
                .as_ref()
                .map(|h| {
                    h.inner()
                        .iter()
                        .map(|(k, v)| {
                            let text = match v {
                                AMQPValue::LongString(s) => s.to_string(),
                                AMQPValue::LongLongInt(n) => n.to_string(),
                                other => format!("{other:?}"),
                            };
                            (k.to_string(), text)
                        })
                        .collect()
                })
                .unwrap_or_default();
            got.push(Got {
                body: String::from_utf8_lossy(&delivery.data).into_owned(),
                headers,
                message_id: delivery
                    .properties
                    .message_id()
                    .as_ref()
                    .map(|m| m.to_string()),
            });
            delivery
                .acker
                .ack(BasicAckOptions::default())
                .await
                .unwrap();
        }
        let _ = connection.close(200, "done".into()).await;
        got
    })
}

/// The messages ready in `queue` (not held by a consumer), as the broker
/// answers a passive declaration; `None` when there is no such queue.
/// (rabbitmqctl's counts of a quorum queue lag behind by seconds.)
pub fn ready(url: &str, queue: &str) -> Option<u32> {
    block_on(async {
        let connection = connect(url).await;
        let channel = connection.create_channel().await.unwrap();
        let passive = QueueDeclareOptions {
            passive: true,
            ..QueueDeclareOptions::default()
        };
        let declared = channel
            .queue_declare(queue.into(), passive, FieldTable::default())
            .await
            .ok()
            .map(|q| q.message_count());
        let _ = connection.close(200, "done".into()).await;
        declared
    })
}

/// Sends `bodies` to `queue` (which must exist), as another program would.
pub fn send(url: &str, queue: &str, bodies: &[&str]) {
    block_on(async {
        let connection = connect(url).await;
        let channel = connection.create_channel().await.unwrap();
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .unwrap();
        for body in bodies {
            let confirm = channel
                .basic_publish(
                    "".into(),
                    queue.into(),
                    BasicPublishOptions::default(),
                    body.as_bytes(),
                    BasicProperties::default().with_delivery_mode(2),
                )
                .await
                .unwrap();
            assert!(confirm.await.unwrap().is_ack(), "the broker took {body}");
        }
        let _ = connection.close(200, "done".into()).await;
    })
}

/// Waits until `done` holds, looking every 50 ms; panics naming `what`
/// after `limit` (a bound on a broken run, not a speed requirement).
pub fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A consumer process; its output goes to files (a pipe nobody reads
/// would stop it).
pub struct Consumer {
    pub child: Child,
    out: PathBuf,
    err: PathBuf,
}

/// What a consumer printed, and how it ended.
#[derive(Debug)]
pub struct Ended {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Consumer {
    /// Starts `tool consume ARGS` with its output in `dir`, named `name`.
    pub fn start(tool: &str, args: &[&str], dir: &Path, name: &str) -> Consumer {
        let out = dir.join(format!("{name}.out"));
        let err = dir.join(format!("{name}.err"));
        let child = command(tool)
            .arg("consume")
            .args(args)
            .current_dir(dir)
            .env(
                "RUST_LOG",
                std::env::var("TEST_RUST_LOG").unwrap_or_default(),
            )
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&out).unwrap())
            .stderr(std::fs::File::create(&err).unwrap())
            .spawn()
            .unwrap();
        Consumer { child, out, err }
    }

    /// Whether it still runs.
    pub fn running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Sends `signal` and waits for the end.
    pub fn stop(mut self, signal: Signal) -> Ended {
        send_signal(self.child.id(), signal);
        let status = self.child.wait().unwrap();
        Ended {
            status,
            stdout: std::fs::read_to_string(&self.out).unwrap_or_default(),
            stderr: std::fs::read_to_string(&self.err).unwrap_or_default(),
        }
    }

    /// What it printed on stderr so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.err).unwrap_or_default()
    }
}

/// Runs `tool ARGS` to its end; panics unless it exits 0.
pub fn run(tool: &str, args: &[&str]) -> String {
    let out = command(tool).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{tool} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

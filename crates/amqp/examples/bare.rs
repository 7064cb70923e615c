//! A bare lapin publisher and consumer, written for the benchmark
//! (`benches/vs-lapin.sh`): what the broker and the client cost with
//! nothing of ours in the loop, with the same confirms, prefetch and
//! acknowledgements as `publish` and `consume`.
//!
//! ```text
//! bare publish URL QUEUE N        # persistent, confirmed, 1024 in flight
//! bare consume URL QUEUE PREFETCH # acks each delivery (acks pipelined), until SIGTERM
//! bare wait-empty URL QUEUE       # returns once no message is ready
//! bare purge URL QUEUE
//! ```

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use futures_util::stream::FuturesUnordered;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions,
    ConfirmSelectOptions, QueueDeclareOptions, QueuePurgeOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};

async fn channel(url: &str) -> lapin::Result<(Connection, Channel)> {
    let connection = Connection::connect(url, ConnectionProperties::default()).await?;
    let channel = connection.create_channel().await?;
    Ok((connection, channel))
}

async fn publish(url: &str, queue: &str, n: u64) -> lapin::Result<()> {
    let (_connection, channel) = channel(url).await?;
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    let started = Instant::now();
    let mut pending = VecDeque::with_capacity(1024);
    for i in 0..n {
        if pending.len() == 1024
            && let Some(confirm) = pending.pop_front()
        {
            confirm.await?;
        }
        let body = i.to_string();
        let properties = BasicProperties::default()
            .with_delivery_mode(2)
            .with_content_type("application/json".into())
            .with_message_id(body.as_str().into());
        let options = BasicPublishOptions {
            mandatory: true,
            ..BasicPublishOptions::default()
        };
        pending.push_back(
            channel
                .basic_publish(
                    "".into(),
                    queue.into(),
                    options,
                    body.as_bytes(),
                    properties,
                )
                .await?,
        );
    }
    for confirm in pending {
        confirm.await?;
    }
    eprintln!(
        "bare publish: publish_per_s={:.0}",
        n as f64 / started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn consume(url: &str, queue: &str, prefetch: u16) -> lapin::Result<()> {
    let (_connection, channel) = channel(url).await?;
    channel
        .basic_qos(prefetch, BasicQosOptions::default())
        .await?;
    let mut consumer = channel
        .basic_consume(
            queue.into(),
            "bare".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(lapin::Error::from)?;
    // Acks in flight at once, as many as the prefetch lets come: the
    // consumer never waits for one ack before taking the next delivery.
    let mut acks = FuturesUnordered::new();
    loop {
        tokio::select! {
            _ = term.recv() => return Ok(()),
            Some(acked) = acks.next(), if !acks.is_empty() => { acked?; }
            delivery = consumer.next() => match delivery {
                Some(delivery) => {
                    let acker = delivery?.acker;
                    acks.push(async move { acker.ack(BasicAckOptions::default()).await });
                }
                None => return Ok(()),
            },
        }
    }
}

async fn ready(channel: &Channel, queue: &str) -> lapin::Result<u32> {
    let passive = QueueDeclareOptions {
        passive: true,
        ..QueueDeclareOptions::default()
    };
    Ok(channel
        .queue_declare(queue.into(), passive, FieldTable::default())
        .await?
        .message_count())
}

fn main() -> lapin::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize| args.get(i).cloned().unwrap_or_default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(lapin::Error::from)?;
    runtime.block_on(async {
        let (url, queue) = (arg(2), arg(3));
        match arg(1).as_str() {
            "publish" => publish(&url, &queue, arg(4).parse().unwrap_or(0)).await,
            "consume" => consume(&url, &queue, arg(4).parse().unwrap_or(256)).await,
            "wait-empty" => {
                let (_connection, channel) = channel(&url).await?;
                while ready(&channel, &queue).await? > 0 {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                Ok(())
            }
            "purge" => {
                let (_connection, channel) = channel(&url).await?;
                channel
                    .queue_purge(queue.as_str().into(), QueuePurgeOptions::default())
                    .await?;
                Ok(())
            }
            other => {
                eprintln!("bare: unknown command {other:?}: publish, consume, wait-empty or purge");
                Ok(())
            }
        }
    })
}

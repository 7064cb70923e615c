//! [`publish`]: a tool's items, read from its usual inputs, sent to the
//! queue with publisher confirms.

use std::collections::VecDeque;

use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::{Confirmation, PublisherConfirm};
use pool::{Consumable, Failure, JobSource, Keyed};
use serde::Serialize;

use crate::connect::Broker;
use crate::error::AmqpError;
use crate::headers;
use crate::topology;

/// Messages awaiting the broker's confirmation at most: enough to keep the
/// connection busy, few enough to bound memory.
const WINDOW: usize = 1024;

/// What [`publish`] did.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Published {
    /// Messages the broker confirmed.
    pub published: u64,
    /// Input items that could not become a message (printed, and written
    /// to the failures file when the input could not read them).
    pub invalid: u64,
    /// Items the tool skips (the mailer's suppressed recipients).
    pub skipped: u64,
    /// Messages the broker refused or could not route.
    pub refused: u64,
    /// What stopped the publishing before the input's end (the connection
    /// was lost): the messages confirmed until then stay published.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Sends every item of `tool`'s inputs to `broker`'s queue (declared
/// first) as one persistent JSON message, its `message_id` the item's key;
/// a message counts as published once the broker confirmed it. Items the
/// input cannot read go to `invalid` (the tool's failure, to print and
/// write down); items the tool cannot turn into a message to `unsendable`
/// (the item's key and why).
///
/// # Errors
///
/// The broker cannot be reached, or refuses the queues, before anything
/// is sent. A failure later ends the publishing and is in
/// [`Published::error`].
pub async fn publish<T: Consumable>(
    mut tool: T,
    broker: &Broker,
    mut invalid: impl FnMut(&T, &Failure<'_, T>),
    mut unsendable: impl FnMut(&str, &str),
) -> Result<Published, AmqpError> {
    let connection = broker.connect().await?;
    topology::declare(&connection, &broker.queues).await?;
    let queue = broker.queues.work.clone();
    let channel = connection
        .create_channel()
        .await
        .map_err(AmqpError::broker("cannot open a channel"))?;
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .map_err(AmqpError::broker("cannot turn publisher confirms on"))?;
    let mut source = tool.source();
    let mut done = Published::default();
    let mut pending: VecDeque<PublisherConfirm> = VecDeque::with_capacity(WINDOW);
    let failed = |e: lapin::Error| format!("publishing to {queue}: {e}");
    while let Some(item) = source.next().await {
        let job = match item {
            Ok(job) => job,
            Err(error) => {
                done.invalid += 1;
                invalid(&tool, &Failure::Invalid(&error));
                continue;
            }
        };
        if source.should_skip(&job) {
            done.skipped += 1;
            continue;
        }
        let key = job.key().into_owned();
        let body = match tool
            .item(&job)
            .and_then(|item| serde_json::to_vec(&item).map_err(|e| e.to_string()))
        {
            Ok(body) => body,
            Err(why) => {
                done.invalid += 1;
                unsendable(&key, &why);
                continue;
            }
        };
        drop(job);
        if pending.len() == WINDOW
            && let Some(confirm) = pending.pop_front()
            && let Err(e) = confirmed(confirm.await, &mut done)
        {
            done.error = Some(failed(e));
            break;
        }
        let options = BasicPublishOptions {
            mandatory: true,
            ..BasicPublishOptions::default()
        };
        let properties = headers::json().with_message_id(key.into());
        match channel
            .basic_publish("".into(), queue.as_str().into(), options, &body, properties)
            .await
        {
            Ok(confirm) => pending.push_back(confirm),
            Err(e) => {
                done.error = Some(failed(e));
                break;
            }
        }
    }
    for confirm in pending {
        if let Err(e) = confirmed(confirm.await, &mut done) {
            done.error.get_or_insert_with(|| failed(e));
            break;
        }
    }
    let _ = connection.close(200, "published".into()).await;
    Ok(done)
}

/// Counts a confirmation.
fn confirmed(confirmation: lapin::Result<Confirmation>, done: &mut Published) -> lapin::Result<()> {
    match confirmation? {
        Confirmation::Ack(None) | Confirmation::NotRequested => done.published += 1,
        Confirmation::Ack(Some(_)) | Confirmation::Nack(_) => done.refused += 1,
    }
    Ok(())
}

//! The headers the consumers write on the messages they send back.

use lapin::BasicProperties;
use lapin::types::{AMQPValue, FieldTable, LongString};

/// The attempts an item has had, on a copy sent back for a retry or to
/// the dead-letter queue (a message without it has had none).
pub const ATTEMPTS: &str = "x-workpool-attempts";

/// Why an item is in the dead-letter queue.
pub const REASON: &str = "x-workpool-reason";

/// The attempts a message's headers say it had (0 when they do not).
pub(crate) fn attempts(properties: &BasicProperties) -> u32 {
    let value = properties
        .headers()
        .as_ref()
        .and_then(|h| h.inner().get(ATTEMPTS));
    let n: i64 = match value {
        Some(AMQPValue::LongLongInt(n)) => *n,
        Some(AMQPValue::LongInt(n)) => i64::from(*n),
        Some(AMQPValue::LongUInt(n)) => i64::from(*n),
        Some(AMQPValue::ShortInt(n)) => i64::from(*n),
        Some(AMQPValue::ShortUInt(n)) => i64::from(*n),
        Some(AMQPValue::ShortShortInt(n)) => i64::from(*n),
        Some(AMQPValue::ShortShortUInt(n)) => i64::from(*n),
        Some(AMQPValue::LongString(s)) => s.to_string().trim().parse().unwrap_or(0),
        _ => 0,
    };
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// `properties` with `attempts` (and a `reason`, when given) in its
/// headers, and persistent.
pub(crate) fn marked(
    properties: &BasicProperties,
    attempts: u32,
    reason: Option<&str>,
) -> BasicProperties {
    let mut headers = properties.headers().clone().unwrap_or_default();
    headers.insert(ATTEMPTS.into(), AMQPValue::LongLongInt(i64::from(attempts)));
    if let Some(reason) = reason {
        headers.insert(
            REASON.into(),
            AMQPValue::LongString(LongString::from(reason.to_owned())),
        );
    }
    properties
        .clone()
        .with_headers(headers)
        .with_delivery_mode(2)
}

/// Properties of a new persistent JSON message.
pub(crate) fn json() -> BasicProperties {
    BasicProperties::default()
        .with_delivery_mode(2)
        .with_content_type("application/json".into())
}

/// Arguments of a queue declaration.
pub(crate) fn table(entries: &[(&str, AMQPValue)]) -> FieldTable {
    let mut table = FieldTable::default();
    for (key, value) in entries {
        table.insert((*key).into(), value.clone());
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_are_read_back_from_the_headers_they_are_written_to() {
        assert_eq!(attempts(&BasicProperties::default()), 0);
        let marked = marked(&BasicProperties::default(), 3, Some("550 no such user"));
        assert_eq!(attempts(&marked), 3);
        let headers = marked.headers().clone().unwrap_or_default();
        assert_eq!(
            headers.inner().get(REASON),
            Some(&AMQPValue::LongString("550 no such user".to_owned().into()))
        );
        assert_eq!(*marked.delivery_mode(), Some(2));
        // Another program's header of another integer type.
        let mut other = FieldTable::default();
        other.insert(ATTEMPTS.into(), AMQPValue::ShortInt(2));
        assert_eq!(attempts(&BasicProperties::default().with_headers(other)), 2);
    }
}

//! [`ObjectError`]: what went wrong with an `s3://` location, in one line
//! (never the server's whole XML answer), and of which [`Problem`] kind.

use std::io;

/// What kind of failure an [`ObjectError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// The `AWS_*` variables do not make a usable configuration (an empty
    /// or malformed `AWS_ENDPOINT`, a bucket name the store refuses).
    Config,
    /// The bucket does not exist.
    NoSuchBucket,
    /// The object does not exist.
    NotFound,
    /// The keys are refused, or they may not read or write there.
    Denied,
    /// The endpoint cannot be reached, or answered with a server error:
    /// another attempt may succeed.
    Unreachable,
    /// A local file (the staging copy) cannot be read or written.
    Local(io::ErrorKind),
    /// Anything else the store said.
    Other,
}

/// A failed object operation: the location (`s3://bucket/key`, or the
/// local file for [`Problem::Local`]) and the reason, in one line.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{url}: {reason}")]
pub struct ObjectError {
    /// `s3://bucket/key`, or the local path for [`Problem::Local`].
    pub url: String,
    /// What kind of failure.
    pub problem: Problem,
    /// Why, in one line.
    pub reason: String,
}

impl ObjectError {
    /// The error of an operation on `url` that `object_store` reports as
    /// `e`; `endpoint` is the server's URL when it is not AWS's.
    pub(crate) fn from_store(
        url: String,
        endpoint: Option<&str>,
        e: &object_store::Error,
    ) -> ObjectError {
        let text = chain_text(e);
        let code = xml_field(&text, "Code");
        let problem = match (e, code.as_deref()) {
            (_, Some("NoSuchBucket")) => Problem::NoSuchBucket,
            (_, Some("NoSuchKey")) | (object_store::Error::NotFound { .. }, _) => Problem::NotFound,
            (_, Some("AccessDenied" | "InvalidAccessKeyId" | "SignatureDoesNotMatch"))
            | (
                object_store::Error::PermissionDenied { .. }
                | object_store::Error::Unauthenticated { .. },
                _,
            ) => Problem::Denied,
            (object_store::Error::Generic { .. }, None) => Problem::Unreachable,
            (_, Some(code)) if code.contains("Internal") || code.contains("Unavailable") => {
                Problem::Unreachable
            }
            _ => Problem::Other,
        };
        let mut reason = reason(problem, code.as_deref(), &text, endpoint);
        if problem == Problem::Unreachable
            && let Some(cause) = io_cause(e)
        {
            // The network's own error, in words, instead of the HTTP
            // client's layers around it.
            let endpoint = endpoint.map_or_else(String::new, |e| format!(" at {e} (AWS_ENDPOINT)"));
            reason = format!("cannot reach the server{endpoint}: {cause}");
        }
        ObjectError {
            url,
            problem,
            reason,
        }
    }

    /// A local file that cannot be read or written.
    pub(crate) fn local(path: &std::path::Path, e: &io::Error) -> ObjectError {
        ObjectError {
            url: path.display().to_string(),
            problem: Problem::Local(e.kind()),
            reason: pool::io_words(e),
        }
    }

    /// A configuration the `AWS_*` variables do not complete.
    pub(crate) fn config(url: String, reason: String) -> ObjectError {
        ObjectError {
            url,
            problem: Problem::Config,
            reason,
        }
    }

    /// The failure as an I/O error kind: `NotFound`, `PermissionDenied`,
    /// `TimedOut` where another attempt may get past it, `InvalidInput`
    /// for a configuration, `Other`.
    pub fn kind(&self) -> io::ErrorKind {
        match self.problem {
            Problem::NoSuchBucket | Problem::NotFound => io::ErrorKind::NotFound,
            Problem::Denied => io::ErrorKind::PermissionDenied,
            Problem::Unreachable => io::ErrorKind::TimedOut,
            Problem::Config => io::ErrorKind::InvalidInput,
            Problem::Local(kind) => kind,
            Problem::Other => io::ErrorKind::Other,
        }
    }

    /// Whether another attempt may succeed.
    pub fn is_transient(&self) -> bool {
        self.problem == Problem::Unreachable
    }

    /// As an I/O error of the same [`kind`](ObjectError::kind) whose text
    /// is the reason alone (the caller names the location).
    pub fn into_io(self) -> io::Error {
        io::Error::new(self.kind(), self.reason)
    }
}

/// The I/O error at the bottom of `e`'s sources, in words.
fn io_cause(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut next = Some(e);
    while let Some(cause) = next {
        if let Some(io) = cause.downcast_ref::<io::Error>() {
            return Some(pool::io_words(io));
        }
        next = cause.source();
    }
    None
}

/// The texts of `e` and its sources, joined: the store's own message is
/// several layers deep.
fn chain_text(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        let more = cause.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        next = cause.source();
    }
    text
}

/// The text of the first `<name>...</name>` element in `text` (an S3
/// error answer is XML).
fn xml_field(text: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = text.find(&open)? + open.len();
    let len = text[start..].find(&format!("</{name}>"))?;
    let value = text[start..start + len].trim();
    (!value.is_empty()).then(|| value.to_owned())
}

/// One line saying why, in words: the server's own message when it sent
/// one, never its whole answer.
fn reason(problem: Problem, code: Option<&str>, text: &str, endpoint: Option<&str>) -> String {
    let endpoint = endpoint.map_or_else(String::new, |e| format!(" at {e} (AWS_ENDPOINT)"));
    match (problem, code) {
        (Problem::NoSuchBucket, _) => format!("no such bucket{endpoint}"),
        (Problem::NotFound, _) => "no such object".to_owned(),
        (Problem::Denied, Some("InvalidAccessKeyId")) => {
            "the server does not know the access key (AWS_ACCESS_KEY_ID)".to_owned()
        }
        (Problem::Denied, Some("SignatureDoesNotMatch")) => {
            "the secret key (AWS_SECRET_ACCESS_KEY) does not match the access key".to_owned()
        }
        (Problem::Denied, _) => "access denied: the keys may not do this here".to_owned(),
        (Problem::Unreachable, None) => {
            // "Error performing GET http://... in 2.6s, after 10 retries
            // ... - HTTP error: error sending request": keep the cause.
            let cause = text.rsplit(" - ").next().unwrap_or(text);
            let cause = first_line(cause);
            format!("cannot reach the server{endpoint}: {cause}")
        }
        (_, Some(code)) => match xml_field(text, "Message") {
            Some(message) => format!("{message} ({code})"),
            None => code.to_owned(),
        },
        _ => first_line(text).to_owned(),
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default().trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generic(text: &str) -> object_store::Error {
        object_store::Error::Generic {
            store: "S3",
            source: text.to_owned().into(),
        }
    }

    #[test]
    fn an_xml_answer_becomes_one_line_with_its_code() {
        let body = "Error performing list request: Error performing GET http://h/b?list-type=2 \
            in 3ms - Server returned non-2xx status code: 404 Not Found: \
            <?xml version=\"1.0\"?>\n<Error><Code>NoSuchBucket</Code><Message>The specified \
            bucket does not exist</Message><RequestId>x</RequestId></Error>";
        let e = ObjectError::from_store("s3://b/in".into(), None, &generic(body));
        assert_eq!(e.problem, Problem::NoSuchBucket);
        assert!(
            e.to_string().starts_with("s3://b/in: no such bucket"),
            "{e}"
        );
        assert!(!e.to_string().contains('<'), "{e}");
        assert!(!e.to_string().contains('\n'), "{e}");

        let denied = "Server returned non-2xx status code: 403 Forbidden: \
            <Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>";
        let e = ObjectError::from_store("s3://b/in".into(), None, &generic(denied));
        assert_eq!(e.problem, Problem::Denied);
        assert_eq!(
            e.to_string(),
            "s3://b/in: access denied: the keys may not do this here"
        );

        let other = "Server returned non-2xx status code: 400 Bad Request: \
            <Error><Code>InvalidBucketName</Code><Message>The specified bucket is not valid.</Message></Error>";
        let e = ObjectError::from_store("s3://B/in".into(), None, &generic(other));
        assert_eq!(e.problem, Problem::Other);
        assert_eq!(
            e.to_string(),
            "s3://B/in: The specified bucket is not valid. (InvalidBucketName)"
        );
    }

    #[test]
    fn a_server_that_cannot_be_reached_keeps_the_cause_alone() {
        let text = "Error performing list request: Error performing GET http://127.0.0.1:1/b \
            in 2.6s, after 10 retries, max_retries: 10, retry_timeout: 180s  - HTTP error: \
            error sending request";
        let e =
            ObjectError::from_store("s3://b".into(), Some("http://127.0.0.1:1"), &generic(text));
        assert_eq!(e.problem, Problem::Unreachable);
        assert!(e.is_transient());
        assert!(
            e.reason
                .starts_with("cannot reach the server at http://127.0.0.1:1 (AWS_ENDPOINT): ")
                && e.reason.ends_with(": HTTP error: error sending request"),
            "{e}"
        );
    }
}

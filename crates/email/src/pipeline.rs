//! One message over SMTP with PIPELINING (RFC 2920), when the server
//! offers it: MAIL, every RCPT and DATA go in one write, their replies are
//! read after it, and the message and its final dot in a second write: two
//! round trips and two writes per message instead of lettre's four and
//! five.

use lettre::address::Envelope;
use lettre::transport::smtp::client::AsyncSmtpConnection;
use lettre::transport::smtp::commands::{Mail, Rcpt};

/// Why a pipelined transaction failed: a reply or the network (lettre's
/// error), or a reply that makes no sense here.
#[derive(Debug)]
pub(crate) enum Failed {
    /// A negative reply, or the connection failed.
    Smtp(lettre::transport::smtp::Error),
    /// DATA was answered with something other than 354.
    Unexpected(String),
}

impl From<lettre::transport::smtp::Error> for Failed {
    fn from(e: lettre::transport::smtp::Error) -> Failed {
        Failed::Smtp(e)
    }
}

/// Whether `envelope` and `message` can go pipelined as they are: plain
/// ASCII, so that no SMTPUTF8 or 8BITMIME parameter is needed (lettre's own
/// send checks and adds those; the mailer's messages are ASCII, their
/// non-ASCII text encoded).
pub(crate) fn plain(envelope: &Envelope, message: &[u8]) -> bool {
    message.is_ascii()
        && envelope
            .to()
            .iter()
            .all(|a| AsRef::<str>::as_ref(a).is_ascii())
        && envelope
            .from()
            .is_none_or(|a| AsRef::<str>::as_ref(a).is_ascii())
}

/// Sends `message` to `envelope` on `conn`, whose server offers
/// PIPELINING. On an error the connection is in an unknown state: the
/// caller aborts it (a transaction cut before the final dot delivers
/// nothing).
pub(crate) async fn send(
    conn: &mut AsyncSmtpConnection,
    envelope: &Envelope,
    message: &[u8],
) -> Result<(), Failed> {
    let mut commands = Mail::new(envelope.from().cloned(), Vec::new()).to_string();
    for to in envelope.to() {
        commands.push_str(&Rcpt::new(to.clone(), Vec::new()).to_string());
    }
    commands.push_str("DATA\r\n");
    // MAIL's reply; then each RCPT's and DATA's, in order (already sent).
    conn.command(&commands).await?;
    for _ in envelope.to() {
        conn.read_response().await?;
    }
    let data = conn.read_response().await?;
    if !data.has_code(354) {
        return Err(Failed::Unexpected(format!(
            "the server answered DATA with {} {}",
            data.code(),
            data.first_line().unwrap_or_default()
        )));
    }
    conn.command(&stuffed(message)).await?;
    Ok(())
}

/// `message` as DATA carries it: a line starting with a dot gets a second
/// one (RFC 5321 4.5.2), and `CRLF . CRLF` ends it, as lettre writes it.
fn stuffed(message: &[u8]) -> String {
    let mut out = String::with_capacity(message.len() + message.len() / 64 + 8);
    let mut line_start = true;
    for &b in message {
        if line_start && b == b'.' {
            out.push('.');
        }
        out.push(char::from(b));
        line_start = b == b'\n';
    }
    out.push_str("\r\n.\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_starting_with_a_dot_are_doubled_and_the_end_marked() {
        assert_eq!(
            stuffed(b".a\r\nb.\r\n..c\r\n"),
            "..a\r\nb.\r\n...c\r\n\r\n.\r\n"
        );
        assert_eq!(stuffed(b""), "\r\n.\r\n");
    }
}

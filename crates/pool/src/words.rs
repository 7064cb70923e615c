//! [`io_words`]: an I/O error in the user's words, the same in every tool.

use std::io;

/// An I/O error as a message says it: the common kinds in plain words
/// (`does not exist`, `is a folder, not a file`, `connection refused`),
/// without the operating system's error number; any other error as the
/// system says it, still without the number. An error that carries its own
/// message (a custom error) keeps it.
///
/// ```
/// use std::io;
///
/// let e = io::Error::from_raw_os_error(2);
/// assert_eq!(pool::io_words(&e), "does not exist");
/// let e = io::Error::new(io::ErrorKind::InvalidData, "bad header");
/// assert_eq!(pool::io_words(&e), "bad header");
/// ```
pub fn io_words(error: &io::Error) -> String {
    use io::ErrorKind as K;
    let words = match error.kind() {
        K::NotFound => "does not exist",
        K::PermissionDenied => "permission denied",
        K::NotADirectory => "not a folder",
        K::IsADirectory => "is a folder, not a file",
        K::StorageFull => "no space left on the device",
        K::ReadOnlyFilesystem => "the file system is read-only",
        K::AlreadyExists => "already exists",
        K::ConnectionRefused => "connection refused",
        K::ConnectionReset => "the other side reset the connection",
        K::ConnectionAborted => "the connection was aborted",
        K::BrokenPipe | K::UnexpectedEof => "the other side closed the connection",
        K::TimedOut => "no answer in time",
        K::HostUnreachable | K::NetworkUnreachable => "no route to the host",
        _ => "",
    };
    if !words.is_empty() && error.get_ref().is_none() {
        return words.to_owned();
    }
    let full = error.to_string();
    match full.find(" (os error ") {
        Some(at) => full[..at].to_owned(),
        None => full,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_common_kinds_in_words_and_no_error_numbers() {
        assert_eq!(
            io_words(&io::Error::from_raw_os_error(21)),
            "is a folder, not a file"
        );
        assert_eq!(
            io_words(&io::Error::from_raw_os_error(111)),
            "connection refused"
        );
        // A kind without words of its own: the system's text, no number.
        let e = io::Error::from_raw_os_error(36);
        assert_eq!(io_words(&e), "File name too long");
        assert!(
            !e.to_string().ends_with("too long"),
            "the number is there to remove"
        );
    }
}

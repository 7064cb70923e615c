//! Who this process runs as, for libpq's defaults: the user name to log
//! in with, and the home folder of `~/.pgpass`.

use std::path::PathBuf;

/// The login name of this process's user: from the password database as
/// libpq takes it, else `USER` or `LOGNAME`.
pub(super) fn os_user(env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    passwd_entry()
        .map(|(name, _)| name)
        .or_else(|| env("USER"))
        .or_else(|| env("LOGNAME"))
}

pub(super) fn os_home() -> Option<PathBuf> {
    passwd_entry().map(|(_, home)| PathBuf::from(home))
}

/// The name and home folder of this process's effective user in
/// `/etc/passwd` (read without libc).
fn passwd_entry() -> Option<(String, String)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .nth(1)?
        .to_owned();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        (fields.len() >= 6 && fields[2] == uid)
            .then(|| (fields[0].to_owned(), fields[5].to_owned()))
    })
}

//! What a job's outputs were made from: the input's size and modification
//! time, and the settings, recorded beside the outputs when they are
//! written (`.resizer-sources/<input's path>.made` in the output folder).
//! An output is up to date when its input still matches its record, never
//! because it is newer than its input: a photo replaced by another with an
//! older time (`cp -p`, `rsync -a`, unzip) is redone.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

/// The folder in the output folder that holds the records.
pub const SOURCES_DIR: &str = ".resizer-sources";

/// An input file as it was when its outputs were made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Source {
    /// Its length in bytes.
    pub size: u64,
    /// Its modification time, in nanoseconds since 1970 (negative before).
    pub mtime_ns: i128,
}

impl Source {
    /// The input at `path` as it is now.
    pub(crate) fn of(path: &Path) -> io::Result<Source> {
        let meta = fs::metadata(path)?;
        let modified = meta.modified()?;
        let mtime_ns = match modified.duration_since(UNIX_EPOCH) {
            Ok(after) => after.as_nanos() as i128,
            Err(before) => -(before.duration().as_nanos() as i128),
        };
        Ok(Source {
            size: meta.len(),
            mtime_ns,
        })
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.mtime_ns.div_euclid(1_000_000_000);
        let nanos = self.mtime_ns.rem_euclid(1_000_000_000);
        write!(f, "{} bytes, modified at {secs}.{nanos:09} s", self.size)
    }
}

/// The record file of the input at `rel` (relative to the input folder).
pub(crate) fn record_path(output_root: &Path, rel: &Path) -> PathBuf {
    let mut name = rel.as_os_str().to_owned();
    name.push(".made");
    output_root.join(SOURCES_DIR).join(name)
}

/// The text of a record: the source and the settings' fingerprint.
pub(crate) fn record_text(source: Source, fingerprint: &str) -> String {
    format!(
        "size={} mtime_ns={} settings={fingerprint}\n",
        source.size, source.mtime_ns
    )
}

/// A record read back: `None` for text that is not one.
fn parse(text: &str) -> Option<(Source, &str)> {
    let mut size = None;
    let mut mtime_ns = None;
    let mut settings = None;
    for field in text.split_whitespace() {
        match field.split_once('=')? {
            ("size", v) => size = v.parse().ok(),
            ("mtime_ns", v) => mtime_ns = v.parse().ok(),
            ("settings", v) => settings = Some(v),
            _ => {}
        }
    }
    Some((
        Source {
            size: size?,
            mtime_ns: mtime_ns?,
        },
        settings?,
    ))
}

/// Why a job is not up to date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Stale {
    /// Nothing records what its outputs were made from (a first run, or
    /// outputs of an older version).
    NoRecord,
    /// The input cannot be read (it is fetched by the job, or gone).
    NoInput,
    /// The input is not the one the outputs were made from.
    InputChanged { was: Source, now: Source },
    /// The outputs were made with other settings.
    OtherSettings,
    /// An output is missing.
    Missing(PathBuf),
}

impl fmt::Display for Stale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stale::NoRecord => f.write_str("no record of what its outputs were made from"),
            Stale::NoInput => f.write_str("the input is not on disk yet"),
            Stale::InputChanged { was, now } => write!(
                f,
                "the input changed: its outputs were made from {was}, it is {now} now"
            ),
            Stale::OtherSettings => f.write_str("its outputs were made with other settings"),
            Stale::Missing(path) => write!(f, "output {} is missing", path.display()),
        }
    }
}

/// Whether the outputs of the input `input` (at `rel`) are all there and
/// were made from it as it is now, with the settings of `fingerprint`:
/// the source it matched, or why not.
pub(crate) fn check(
    output_root: &Path,
    input: &Path,
    rel: &Path,
    outputs: &[PathBuf],
    fingerprint: &str,
) -> Result<Source, Stale> {
    let text = fs::read_to_string(record_path(output_root, rel)).map_err(|_| Stale::NoRecord)?;
    let (was, settings) = parse(&text).ok_or(Stale::NoRecord)?;
    let now = Source::of(input).map_err(|_| Stale::NoInput)?;
    if now != was {
        return Err(Stale::InputChanged { was, now });
    }
    if settings != fingerprint {
        return Err(Stale::OtherSettings);
    }
    if let Some(missing) = outputs.iter().find(|out| !out.is_file()) {
        return Err(Stale::Missing(missing.clone()));
    }
    Ok(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_reads_back_and_refuses_anything_else() {
        let source = Source {
            size: 1234,
            mtime_ns: -1_500_000_000,
        };
        let text = record_text(source, "abc123");
        assert_eq!(parse(&text), Some((source, "abc123")));
        assert_eq!(parse("size=1 settings=x"), None);
        assert_eq!(parse(""), None);
        assert_eq!(source.to_string(), "1234 bytes, modified at -2.500000000 s");
    }
}

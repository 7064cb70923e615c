//! Errors: bad settings (before any work) and per-file failures.

use std::io;
use std::path::PathBuf;

use thiserror::Error;

/// A bad flag value, found before any work starts.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SettingsError {
    /// A size that is not `WxH` with both in 1..=65535.
    #[error("invalid size {0:?}: expected WxH such as 800x600, each 1 to 65535")]
    Size(String),
    /// An unknown fit mode.
    #[error("invalid fit {0:?}: expected contain, cover or exact")]
    Fit(String),
    /// An unknown filter.
    #[error(
        "invalid filter {0:?}: expected nearest, box, bilinear, hamming, catmullrom, mitchell or lanczos3"
    )]
    Filter(String),
    /// An unknown output format.
    #[error("invalid format {0:?}: expected jpeg, png or webp")]
    Format(String),
    /// A background that is not a colour.
    #[error("invalid background {0:?}: expected white, black or #rrggbb")]
    Background(String),
    /// No `--size` given.
    #[error("no output size given: pass at least one --size WxH")]
    NoSize,
    /// Quality outside 1..=100.
    #[error("invalid quality {0}: expected 1 to 100")]
    Quality(u8),
    /// A zero pixel limit.
    #[error("invalid pixel limit 0")]
    MaxPixels,
    /// The input folder cannot be read.
    #[error("input folder {path}: {source}")]
    Input {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The output folder cannot be created or read.
    #[error("output folder {path}: {source}")]
    Output {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The output folder is the input folder: outputs would overwrite or
    /// mix with inputs.
    #[error("output folder {0} is the input folder: choose another one")]
    SameFolder(PathBuf),
    /// The list of files to do (`--only`) cannot be read.
    #[error("cannot read the list {path}: {source}")]
    List {
        /// The list.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
}

/// Why one input file could not be turned into its outputs. Every variant
/// names the file.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ImageError {
    /// Reading the input, or writing an output, failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The input is empty.
    #[error("{0}: empty file (0 bytes)")]
    Empty(PathBuf),
    /// The input is not an image of a supported format.
    #[error("{path}: not a supported image ({reason})")]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// What was found.
        reason: String,
    },
    /// The input is corrupt or truncated.
    #[error("{path}: cannot decode: {reason}")]
    Decode {
        /// The file.
        path: PathBuf,
        /// The decoder's message.
        reason: String,
    },
    /// The image has more pixels than the limit (a decompression bomb?).
    #[error("{path}: {width}x{height} is more than the limit of {limit} pixels (--max-pixels)")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its width.
        width: u32,
        /// Its height.
        height: u32,
        /// The limit.
        limit: u64,
    },
    /// Resampling failed.
    #[error("{path}: cannot resize: {reason}")]
    Resize {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// Encoding an output failed.
    #[error("{path}: cannot encode: {reason}")]
    Encode {
        /// The output file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// An output path would leave the output folder (`..`, an absolute
    /// path, or a symbolic link pointing elsewhere).
    #[error("{input}: output {output} would be outside the output folder; not written")]
    Escape {
        /// The input file.
        input: PathBuf,
        /// The refused output path.
        output: PathBuf,
    },
    /// An output path is an input file.
    #[error("{input}: output {output} is an input file; not overwritten")]
    OverwritesInput {
        /// The input file.
        input: PathBuf,
        /// The output path.
        output: PathBuf,
    },
    /// A file named in an input list (`--only`) is not inside the input
    /// folder.
    #[error("{list}:{line}: {path} is not inside the input folder; skipped")]
    NotInInput {
        /// The path as listed.
        path: PathBuf,
        /// The list.
        list: PathBuf,
        /// Its line, from 1.
        line: u64,
    },
    /// Two inputs map to the same output.
    #[error("{input}: output {output} is also the output of {other}; not written")]
    Collision {
        /// The input that was refused.
        input: PathBuf,
        /// The shared output path.
        output: PathBuf,
        /// The input that claimed it first.
        other: PathBuf,
    },
}

impl ImageError {
    pub(crate) fn decode(path: &std::path::Path, reason: impl ToString) -> ImageError {
        ImageError::Decode {
            path: path.to_owned(),
            reason: reason.to_string(),
        }
    }

    pub(crate) fn io(path: &std::path::Path, source: io::Error) -> ImageError {
        ImageError::Io {
            path: path.to_owned(),
            source,
        }
    }

    /// The file the error is about: the input (or listed path), or for an
    /// encoding error the output.
    pub fn path(&self) -> &std::path::Path {
        match self {
            ImageError::Io { path, .. }
            | ImageError::NotInInput { path, .. }
            | ImageError::Empty(path)
            | ImageError::Unsupported { path, .. }
            | ImageError::Decode { path, .. }
            | ImageError::TooLarge { path, .. }
            | ImageError::Resize { path, .. }
            | ImageError::Encode { path, .. } => path,
            ImageError::Collision { input, .. }
            | ImageError::Escape { input, .. }
            | ImageError::OverwritesInput { input, .. } => input,
        }
    }

    /// Whether another attempt might succeed (an I/O error other than
    /// not-found / permission / invalid data); decoding errors never do.
    pub fn is_transient(&self) -> bool {
        match self {
            ImageError::Io { source, .. } => matches!(
                source.kind(),
                io::ErrorKind::Interrupted
                    | io::ErrorKind::WouldBlock
                    | io::ErrorKind::TimedOut
                    | io::ErrorKind::StorageFull
                    | io::ErrorKind::ResourceBusy
            ),
            _ => false,
        }
    }
}

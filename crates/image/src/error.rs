//! Errors: bad settings (before any work) and per-file failures.

use std::io;
use std::path::PathBuf;

use thiserror::Error;

/// A bad flag value or location, found before any work starts. Each
/// message is complete (it says its cause itself, so none is a
/// [`source`](std::error::Error::source)) and names the flag or folder.
/// The values of `--size`, `--fit`, `--filter`, `--format` and
/// `--background` are not repeated: the command line's parser names them.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SettingsError {
    /// A size that is not `WxH` with both in 1..=65535.
    #[error("expected WxH such as 800x600, each side 1 to 65535")]
    Size(String),
    /// An unknown fit mode.
    #[error("expected contain, cover or exact")]
    Fit(String),
    /// An unknown crop strategy.
    #[error("expected centre, entropy or attention")]
    Crop(String),
    /// An unknown filter.
    #[error("expected nearest, box, bilinear, hamming, catmullrom, mitchell or lanczos3")]
    Filter(String),
    /// An unknown output format.
    #[error("expected jpeg, png, webp or avif")]
    Format(String),
    /// A background that is not a colour.
    #[error("expected white, black or #rrggbb")]
    Background(String),
    /// No `--size` given.
    #[error("no output size given: pass at least one --size WxH")]
    NoSize,
    /// The same `--size` twice: each would count and write the same outputs.
    #[error("--size {0} is given twice: give each size once")]
    DuplicateSize(crate::settings::Size),
    /// `--crop` other than the centre without `--fit cover`: nothing is
    /// cropped then.
    #[error("--crop {}: only --fit cover crops; add --fit cover or leave --crop out", crop_name(*.0))]
    CropWithoutCover(crate::settings::Crop),
    /// Quality outside 1..=100.
    #[error("--quality {0}: expected 1 to 100")]
    Quality(u8),
    /// An AVIF speed outside 1..=10.
    #[error("--avif-speed {0}: expected 1 (slowest, smallest) to 10 (fastest)")]
    AvifSpeed(u8),
    /// A zero pixel limit.
    #[error("--max-pixels 0: expected at least 1")]
    MaxPixels,
    /// The input folder cannot be read.
    #[error("input folder {}: {}", .path.display(), plain(.error))]
    Input {
        /// The folder.
        path: PathBuf,
        /// Why.
        error: io::Error,
    },
    /// The output folder cannot be created or read.
    #[error("output folder {}: {}", .path.display(), plain(.error))]
    Output {
        /// The folder.
        path: PathBuf,
        /// Why.
        error: io::Error,
    },
    /// An `s3://` input or output that cannot be used: no such bucket,
    /// denied, unreachable, or an incomplete configuration.
    #[error("{which} {error}")]
    Bucket {
        /// `input` or `output`.
        which: &'static str,
        /// What the store said, naming the location.
        error: object_files::ObjectError,
    },
    /// An `s3://` input prefix with no objects under it (a typo?).
    #[error("input {0}: no objects under this prefix")]
    EmptyInput(String),
    /// `--only` with an `s3://` input.
    #[error("--only {}: an s3:// input is listed whole; --only takes local paths", .0.display())]
    OnlyRemote(PathBuf),
    /// The output folder is the input folder: outputs would overwrite or
    /// mix with inputs.
    #[error("output folder {} is the input folder: choose another one", .0.display())]
    SameFolder(PathBuf),
    /// The list of files to do (`--only`) cannot be read.
    #[error("--only {}: cannot read the list: {}", .path.display(), plain(.error))]
    List {
        /// The list.
        path: PathBuf,
        /// Why.
        error: io::Error,
    },
}

fn crop_name(crop: crate::settings::Crop) -> &'static str {
    match crop {
        crate::settings::Crop::Centre => "centre",
        crate::settings::Crop::Entropy => "entropy",
        crate::settings::Crop::Attention => "attention",
    }
}

/// An I/O error in words, as every tool says it ([`pool::io_words`]).
pub(crate) fn plain(error: &io::Error) -> String {
    pool::io_words(error)
}

/// Why one input file could not be turned into its outputs. Every variant
/// names the file.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ImageError {
    /// Reading the input, or writing an output, failed.
    #[error("{}: {}", .path.display(), plain(.error))]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        error: io::Error,
    },
    /// Fetching the input from its bucket, or uploading an output, failed
    /// (the error names the `s3://` location).
    #[error("{0}")]
    Remote(object_files::ObjectError),
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

    pub(crate) fn io(path: &std::path::Path, error: io::Error) -> ImageError {
        ImageError::Io {
            path: path.to_owned(),
            error,
        }
    }

    /// The same error with every path it names passed through `f` (a
    /// staged copy named by its `s3://` location).
    pub fn map_paths(self, f: impl Fn(&std::path::Path) -> PathBuf) -> ImageError {
        match self {
            ImageError::Io { path, error } => ImageError::Io {
                path: f(&path),
                error,
            },
            ImageError::Empty(path) => ImageError::Empty(f(&path)),
            ImageError::Unsupported { path, reason } => ImageError::Unsupported {
                path: f(&path),
                reason,
            },
            ImageError::Decode { path, reason } => ImageError::Decode {
                path: f(&path),
                reason,
            },
            ImageError::TooLarge {
                path,
                width,
                height,
                limit,
            } => ImageError::TooLarge {
                path: f(&path),
                width,
                height,
                limit,
            },
            ImageError::Resize { path, reason } => ImageError::Resize {
                path: f(&path),
                reason,
            },
            ImageError::Encode { path, reason } => ImageError::Encode {
                path: f(&path),
                reason,
            },
            ImageError::Escape { input, output } => ImageError::Escape {
                input: f(&input),
                output: f(&output),
            },
            ImageError::OverwritesInput { input, output } => ImageError::OverwritesInput {
                input: f(&input),
                output: f(&output),
            },
            ImageError::NotInInput { path, list, line } => ImageError::NotInInput {
                path: f(&path),
                list,
                line,
            },
            ImageError::Collision {
                input,
                output,
                other,
            } => ImageError::Collision {
                input: f(&input),
                output: f(&output),
                other: f(&other),
            },
            remote @ ImageError::Remote(_) => remote,
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
            ImageError::Remote(e) => std::path::Path::new(&e.url),
        }
    }

    /// Whether another attempt might succeed (an I/O error other than
    /// not-found / permission / invalid data); decoding errors never do.
    pub fn is_transient(&self) -> bool {
        match self {
            ImageError::Remote(e) => e.is_transient(),
            ImageError::Io { error, .. } => matches!(
                error.kind(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_message_says_its_cause_once_and_has_no_source_to_repeat() {
        let gone = || io::Error::from(io::ErrorKind::NotFound);
        let errors: Vec<Box<dyn std::error::Error>> = vec![
            Box::new(SettingsError::Input {
                path: "/photos".into(),
                error: gone(),
            }),
            Box::new(SettingsError::Output {
                path: "/thumbs".into(),
                error: io::Error::new(io::ErrorKind::NotADirectory, "not a folder"),
            }),
            Box::new(SettingsError::List {
                path: "failed.tsv".into(),
                error: gone(),
            }),
            Box::new(ImageError::Io {
                path: "/photos/a.jpg".into(),
                error: io::Error::from(io::ErrorKind::PermissionDenied),
            }),
        ];
        let said: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            said,
            [
                "input folder /photos: does not exist",
                "output folder /thumbs: not a folder",
                "--only failed.tsv: cannot read the list: does not exist",
                "/photos/a.jpg: permission denied",
            ]
        );
        for e in &errors {
            assert!(
                e.source().is_none(),
                "{e} has a source a printer would repeat"
            );
        }
    }
}

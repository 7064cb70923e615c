//! `resizer consume`: the folders and what shapes each output; each
//! message names one image.

use std::path::{Path, PathBuf};

use image_jobs::Resizer;
use pool::cli::{Consume, NoFlags};

use crate::app::ResizerApp;
use crate::args::Shape;

/// The folders and settings of `resizer consume` (the images come as
/// messages naming them; a message's "sizes" replace --size for its
/// image).
#[derive(Debug, Clone, clap::Args)]
pub struct Folders {
    /// The folder (or s3://bucket/prefix) the messages' images are in
    pub input: PathBuf,

    /// Where the resized images go (created if missing; must differ from
    /// the input folder)
    pub output: PathBuf,

    #[command(flatten)]
    pub shape: Shape,

    /// Where the failed images are listed (path, tab, reason)
    #[arg(long, env = "RESIZER_FAILURES", default_value = "resizer-failures.tsv")]
    pub failures: PathBuf,
}

impl Consume for ResizerApp {
    type Settings = Folders;

    async fn consumer(
        folders: Folders,
        _worker: NoFlags,
        _quiet: bool,
        _staging: &Path,
    ) -> anyhow::Result<Resizer> {
        let settings = folders.shape.settings();
        // A message is work asked for: it is done even when its outputs
        // look up to date.
        Ok(Resizer::open(
            &folders.input,
            &folders.output,
            settings,
            true,
            None,
            folders.failures,
        )?)
    }
}

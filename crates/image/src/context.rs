//! A run's fixed facts: the folders (checked and canonical), the settings
//! and their fingerprint, which the records of what outputs were made from
//! carry (see `made`).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::SettingsError;
use crate::settings::{Format, Settings};

/// The file in the output folder that says, for people, which settings the
/// last run used (each output's record carries their fingerprint too).
pub const SETTINGS_FILE: &str = ".resizer-settings";

/// Everything a job needs besides its own paths. Built once per run by
/// [`Context::prepare`] and shared by all workers.
#[derive(Debug)]
pub struct Context {
    /// The input folder, canonical.
    pub input_root: PathBuf,
    /// The output folder, canonical.
    pub output_root: PathBuf,
    /// What to make.
    pub settings: Settings,
    /// Redo outputs that are up to date.
    pub force: bool,
    /// The settings' fingerprint, as the records carry it.
    pub(crate) fingerprint: String,
    pub(crate) suffixes: Vec<String>,
}

impl Context {
    /// Checks the settings and folders, creates the output folder and
    /// records the settings' fingerprint in it.
    ///
    /// # Errors
    ///
    /// Bad settings, an input folder that cannot be read, an output folder
    /// that cannot be created or written, or the same folder for both.
    pub fn prepare(
        input: &Path,
        output: &Path,
        settings: Settings,
        force: bool,
    ) -> Result<Arc<Context>, SettingsError> {
        settings.validate()?;
        let input_root = input.canonicalize().map_err(|error| SettingsError::Input {
            path: input.to_owned(),
            error,
        })?;
        if !input_root.is_dir() {
            return Err(SettingsError::Input {
                path: input.to_owned(),
                error: io::Error::new(io::ErrorKind::NotADirectory, "not a folder"),
            });
        }
        let out_err = |error| SettingsError::Output {
            path: output.to_owned(),
            error,
        };
        fs::create_dir_all(output).map_err(out_err)?;
        let output_root = output.canonicalize().map_err(out_err)?;
        if output_root == input_root {
            return Err(SettingsError::SameFolder(output.to_owned()));
        }
        let fingerprint = record_fingerprint(&output_root, &settings).map_err(out_err)?;
        let suffixes = settings.suffixes();
        Ok(Arc::new(Context {
            input_root,
            output_root,
            settings,
            force,
            fingerprint,
            suffixes,
        }))
    }

    /// The output paths for an input at `rel` (relative to the input
    /// folder) whose own format is `own`: one per size.
    pub fn outputs_for(&self, rel: &Path, own: Format) -> Vec<PathBuf> {
        let format = self.settings.format.unwrap_or(own);
        let stem = rel
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let dir = rel.parent().unwrap_or(Path::new(""));
        self.suffixes
            .iter()
            .map(|suffix| {
                self.output_root
                    .join(dir)
                    .join(format!("{stem}{suffix}.{}", format.extension()))
            })
            .collect()
    }
}

/// Writes the settings file unless it already holds these settings;
/// returns their fingerprint (its hash part, as the records carry it).
fn record_fingerprint(output_root: &Path, settings: &Settings) -> io::Result<String> {
    let path = output_root.join(SETTINGS_FILE);
    let fingerprint = settings.fingerprint();
    let current = fs::read_to_string(&path).ok();
    if current.as_deref().map(str::trim_end) != Some(fingerprint.as_str()) {
        pool::write_atomic(&path, format!("{fingerprint}\n").as_bytes())?;
    }
    let hash = fingerprint.split(' ').next().unwrap_or_default();
    Ok(hash.to_owned())
}

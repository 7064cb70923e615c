//! A run's fixed facts: the folders (checked and canonical), the settings,
//! and the settings file that tells up-to-date outputs apart.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use crate::error::SettingsError;
use crate::settings::{Format, Settings};

/// The file in the output folder that holds the settings' fingerprint. It
/// is rewritten (and so gets a new modification time) only when the
/// settings change: an output older than it was made with other settings.
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
    pub(crate) settings_mtime: SystemTime,
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
        let settings_mtime = record_fingerprint(&output_root, &settings).map_err(out_err)?;
        let suffixes = settings.suffixes();
        Ok(Arc::new(Context {
            input_root,
            output_root,
            settings,
            force,
            settings_mtime,
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

/// Writes the fingerprint unless the file already holds it; returns the
/// file's modification time.
fn record_fingerprint(output_root: &Path, settings: &Settings) -> io::Result<SystemTime> {
    let path = output_root.join(SETTINGS_FILE);
    let fingerprint = settings.fingerprint();
    let current = fs::read_to_string(&path).ok();
    if current.as_deref().map(str::trim_end) != Some(fingerprint.as_str()) {
        fs::write(&path, format!("{fingerprint}\n"))?;
        let written = fs::metadata(&path)?.modified()?;
        wait_for_clock_tick(output_root, written)?;
    }
    fs::metadata(&path)?.modified()
}

/// File times come from a coarse clock: waits (a few milliseconds) until a
/// file written now gets a time after `after`, so that every output of
/// this run is strictly newer than the settings file, and every output of
/// an earlier run with other settings is not.
fn wait_for_clock_tick(dir: &Path, after: SystemTime) -> io::Result<()> {
    let probe = dir.join(format!(".resizer-clock.{}", std::process::id()));
    let mut result = Ok(());
    for _ in 0..1000 {
        fs::write(&probe, b"")?;
        match fs::metadata(&probe).and_then(|m| m.modified()) {
            Ok(t) if t > after => break,
            Ok(_) => std::thread::sleep(std::time::Duration::from_millis(1)),
            Err(e) => {
                result = Err(e);
                break;
            }
        }
    }
    let _ = fs::remove_file(&probe);
    result
}

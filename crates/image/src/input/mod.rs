//! The lazy walk of the input folder (or of a list of its files): one
//! [`Job`] per image file, in a stable order, with clashing outputs
//! reported.

mod list;

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use pool::{JobSource, Keyed};
use walkdir::WalkDir;

use crate::context::Context;
use crate::error::ImageError;
use crate::input::list::ListedPaths;
use crate::made;
use crate::settings::Format;

/// One input file and the outputs it makes.
#[derive(Debug, Clone)]
pub struct Job {
    /// The input file.
    pub input: PathBuf,
    /// Its path relative to the input folder (the job's key).
    pub rel: PathBuf,
    /// The output files, one per size.
    pub outputs: Vec<PathBuf>,
}

impl Keyed for Job {
    fn key(&self) -> Cow<'_, str> {
        self.rel.to_string_lossy()
    }
}

/// The format an input's outputs take by default, from its extension;
/// `None` for files that are not images by name.
pub fn own_format(path: &Path) -> Option<Format> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "jpg" | "jpeg" | "jpe" | "jfif" => Some(Format::Jpeg),
        "webp" => Some(Format::WebP),
        "png" | "gif" | "bmp" | "tif" | "tiff" => Some(Format::Png),
        _ => None,
    }
}

type EntryFilter = Box<dyn FnMut(&walkdir::DirEntry) -> bool + Send>;

/// Where a [`Walker`] finds its files.
enum Paths {
    /// The recursive walk of the input folder.
    Walk(walkdir::FilterEntry<walkdir::IntoIter, EntryFilter>),
    /// The lines of a list.
    List(ListedPaths),
    /// The objects under a bucket prefix (keys relative to it), listed by
    /// a task of the runtime.
    Remote(tokio::sync::mpsc::Receiver<Result<String, object_files::ObjectError>>),
}

/// Walks the input folder lazily (memory does not grow with the number of
/// files): files of a folder come together, sorted by name, before its
/// subfolders. The output folder is not entered when it lies inside the
/// input folder. Files whose extension is not an image's are counted in
/// [`Walker::ignored`], not yielded. [`Walker::from_list`] takes the files
/// from a list instead.
pub struct Walker {
    ctx: Arc<Context>,
    paths: Paths,
    dir: PathBuf,
    claimed: HashMap<PathBuf, PathBuf>,
    ignored: Arc<AtomicU64>,
    up_to_date: Arc<AtomicU64>,
}

impl std::fmt::Debug for Walker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Walker")
            .field("input_root", &self.ctx.input_root)
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl Walker {
    /// A walk of `ctx.input_root`.
    pub fn new(ctx: Arc<Context>) -> Walker {
        let output_root = ctx.output_root.clone();
        let filter: EntryFilter = Box::new(move |e| {
            !(e.file_type().is_dir()
                && e.depth() > 0
                && e.path().canonicalize().is_ok_and(|p| p == output_root))
        });
        let iter = WalkDir::new(&ctx.input_root)
            .follow_links(true)
            .sort_by(|a, b| {
                a.file_type()
                    .is_dir()
                    .cmp(&b.file_type().is_dir())
                    .then_with(|| a.file_name().cmp(b.file_name()))
            })
            .into_iter()
            .filter_entry(filter);
        Walker::with_paths(ctx, Paths::Walk(iter))
    }

    /// The files named in `reader`, the contents of the list file `list`:
    /// one path per line, absolute or relative to the input folder; text
    /// after a tab is ignored (so a failures file can be fed back), as are
    /// blank lines and lines starting with `#`. A listed path outside the
    /// input folder, or missing, is an error item naming it; the list is
    /// read lazily.
    pub fn from_list(
        ctx: Arc<Context>,
        reader: Box<dyn std::io::BufRead + Send>,
        list: &Path,
    ) -> Walker {
        let paths = ListedPaths::new(reader, list, &ctx.input_root);
        Walker::with_paths(ctx, Paths::List(paths))
    }

    /// The objects of a bucket prefix, as `Remote` lists them, staged
    /// under `ctx.input_root`.
    pub(crate) fn remote(
        ctx: Arc<Context>,
        keys: tokio::sync::mpsc::Receiver<Result<String, object_files::ObjectError>>,
    ) -> Walker {
        Walker::with_paths(ctx, Paths::Remote(keys))
    }

    fn with_paths(ctx: Arc<Context>, paths: Paths) -> Walker {
        Walker {
            ctx,
            paths,
            dir: PathBuf::new(),
            claimed: HashMap::new(),
            ignored: Arc::new(AtomicU64::new(0)),
            up_to_date: Arc::new(AtomicU64::new(0)),
        }
    }

    /// A counter of the files skipped because they are not images by
    /// name; it keeps counting after the walker is moved away.
    pub fn ignored(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.ignored)
    }

    /// A counter of the jobs found up to date by
    /// [`skip`](JobSource::should_skip); it keeps counting after the walker
    /// is moved away.
    pub fn up_to_date(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.up_to_date)
    }

    fn job(&mut self, path: PathBuf) -> Option<Result<Job, ImageError>> {
        let Some(format) = own_format(&path) else {
            self.ignored.fetch_add(1, Ordering::Relaxed);
            return None;
        };
        let rel = match path.strip_prefix(&self.ctx.input_root) {
            Ok(rel)
                if rel
                    .components()
                    .all(|c| matches!(c, std::path::Component::Normal(_))) =>
            {
                rel.to_owned()
            }
            _ => {
                return Some(Err(ImageError::Escape {
                    output: path.clone(),
                    input: path,
                }));
            }
        };
        let parent = path.parent().map(Path::to_owned).unwrap_or_default();
        if parent != self.dir {
            // Outputs can only clash within one folder, and a folder's files
            // come together: forget the previous folder's.
            self.claimed.clear();
            self.dir = parent;
        }
        let outputs = self.ctx.outputs_for(&rel, format);
        for output in &outputs {
            if let Some(other) = self.claimed.get(output) {
                return Some(Err(ImageError::Collision {
                    input: path.clone(),
                    output: output.clone(),
                    other: other.clone(),
                }));
            }
        }
        for output in &outputs {
            self.claimed.insert(output.clone(), path.clone());
        }
        Some(Ok(Job {
            input: path,
            rel,
            outputs,
        }))
    }
}

impl Iterator for Walker {
    type Item = Result<Job, ImageError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let path = match &mut self.paths {
                Paths::Walk(iter) => match iter.next()? {
                    Ok(entry) if entry.file_type().is_file() => entry.into_path(),
                    Ok(_) => continue,
                    Err(e) => {
                        let path = e.path().map(Path::to_owned).unwrap_or_default();
                        let error = e
                            .into_io_error()
                            .unwrap_or_else(|| std::io::Error::other("symbolic link loop"));
                        return Some(Err(ImageError::Io { path, error }));
                    }
                },
                Paths::List(list) => match list.next()? {
                    Ok(path) => path,
                    Err(e) => return Some(Err(e)),
                },
                // Read by `JobSource::next`, which can wait for the listing.
                Paths::Remote(_) => return None,
            };
            if let Some(item) = self.job(path) {
                return Some(item);
            }
        }
    }
}

/// The walk is the resizer's job source: read on the runtime's thread (a
/// directory read or a list line per item), with the outputs that are all
/// up to date skipped.
impl JobSource for Walker {
    type Job = Job;
    type Error = ImageError;

    async fn next(&mut self) -> Option<Result<Job, ImageError>> {
        loop {
            let Paths::Remote(keys) = &mut self.paths else {
                return Iterator::next(self);
            };
            let path = match keys.recv().await? {
                Ok(rel) => self.ctx.input_root.join(rel),
                Err(e) => return Some(Err(ImageError::Remote(e))),
            };
            if let Some(item) = self.job(path) {
                return Some(item);
            }
        }
    }

    /// Whether every output of `job` is there and was made from its input
    /// as it is now, with these settings (unless `--force`): nothing to
    /// do. Says why at debug level, either way.
    fn should_skip(&self, job: &Job) -> bool {
        if self.ctx.force {
            return false;
        }
        let ctx = &self.ctx;
        match made::check(
            &ctx.output_root,
            &job.input,
            &job.rel,
            &job.outputs,
            &ctx.fingerprint,
        ) {
            Ok(source) => {
                tracing::debug!(
                    "{}: up to date: its outputs were made from it as it is ({source}) with these settings",
                    job.rel.display()
                );
                self.up_to_date.fetch_add(1, Ordering::Relaxed);
                true
            }
            Err(why) => {
                tracing::debug!("{}: to do: {why}", job.rel.display());
                false
            }
        }
    }
}

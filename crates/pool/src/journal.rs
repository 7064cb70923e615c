//! A durable record of finished job keys, so that a re-run skips them.
//!
//! The journal is a text file with one key per line, only ever appended.
//! A key is written to the file (one `write(2)`, so it survives the process
//! being killed) as soon as its job's effect is done, before the job's
//! outcome is reported; a background thread `fdatasync`s the file in
//! batches, and [`Journal::sync`] forces it. A crash can tear the last line:
//! [`Journal::open`] ignores and trims a last line with no newline.
//!
//! A journal opened with [`Journal::open_as`] says what it is the journal
//! of (a tool's run of one kind: the mailer's dry run into a folder, or its
//! send to a server) in a first line it writes when it creates the file,
//! `# workpool journal of KIND`; opened again as another kind, it is
//! refused ([`JournalError::OtherKind`]), so that the keys of one kind of
//! run never make another skip its work. A file without that line (written
//! before there was one) is taken as it is.
//!
//! ```
//! use pool::Journal;
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("sent.journal");
//! {
//!     let journal = Journal::open(&path)?;
//!     journal.record("row-1")?;
//!     journal.sync()?;
//! }
//! let journal = Journal::open(&path)?;
//! assert!(journal.contains("row-1"));
//! assert!(!journal.contains("row-2"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;
use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use parking_lot::{Condvar, Mutex};

use crate::error::JournalError;

/// How often the background thread syncs written keys to disk.
const SYNC_INTERVAL: Duration = Duration::from_millis(50);

/// The start of a journal's first line when it says what it is the
/// journal of ([`Journal::open_as`]).
const HEADER: &str = "# workpool journal of ";

/// A job with a stable key, for the [`Journal`].
///
/// The key must stay the same across runs for the same piece of work (a row
/// id, a file's relative path), and must not contain a line break.
pub trait Keyed {
    /// The job's key.
    fn key(&self) -> Cow<'_, str>;
}

impl Keyed for String {
    fn key(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl Keyed for u64 {
    fn key(&self) -> Cow<'_, str> {
        Cow::Owned(self.to_string())
    }
}

#[derive(Debug, Default)]
struct SyncState {
    dirty: bool,
    stop: bool,
}

#[derive(Debug)]
struct Syncer {
    state: Mutex<SyncState>,
    wake: Condvar,
}

/// An append-only file of finished job keys; see the [module docs](self).
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    /// What the journal is the journal of, when its first line says so.
    kind: Option<String>,
    done: HashSet<String>,
    file: Mutex<File>,
    syncer: Arc<Syncer>,
    thread: Option<JoinHandle<()>>,
    first_error: Mutex<Option<String>>,
}

impl Journal {
    /// Opens (or creates) the journal at `path` and loads the keys it holds.
    ///
    /// A last line without a newline (a write torn by a crash) is ignored
    /// and cut off, so the next key starts on a line of its own.
    ///
    /// # Errors
    ///
    /// [`JournalError::Io`] if the file cannot be read, created or opened
    /// for appending; [`JournalError::Corrupt`] if a complete line is not
    /// UTF-8 (the path is probably not a journal).
    pub fn open(path: impl AsRef<Path>) -> Result<Journal, JournalError> {
        Journal::open_kind(path.as_ref(), None)
    }

    /// Opens (or creates) the journal at `path` as the journal of `kind`
    /// (a few words a message can quote: `a send to smtp://relay:587`).
    /// A new (or empty) file gets a first line saying so; a file whose
    /// first line names another kind is refused; a file without that line
    /// (one written before there was one) is taken as it is. Otherwise as
    /// [`Journal::open`]. Line breaks in `kind` become spaces.
    ///
    /// # Errors
    ///
    /// [`JournalError::OtherKind`] when the file is the journal of another
    /// kind of run; otherwise as [`Journal::open`].
    pub fn open_as(path: impl AsRef<Path>, kind: &str) -> Result<Journal, JournalError> {
        let kind = kind.replace(['\r', '\n'], " ");
        Journal::open_kind(path.as_ref(), Some(kind.trim()))
    }

    fn open_kind(path: &Path, wanted: Option<&str>) -> Result<Journal, JournalError> {
        let path = path.to_path_buf();
        let io_err = |error| JournalError::Io {
            path: path.clone(),
            error,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(io_err)?;
        let Loaded {
            mut kind,
            done,
            good_len,
        } = load(&mut file, &path)?;
        if let (Some(recorded), Some(wanted)) = (&kind, wanted)
            && recorded != wanted
        {
            return Err(JournalError::OtherKind {
                path,
                recorded: recorded.clone(),
                wanted: wanted.to_owned(),
            });
        }
        let len = file.metadata().map_err(io_err)?.len();
        if good_len < len {
            file.set_len(good_len).map_err(io_err)?;
            file.sync_data().map_err(io_err)?;
        }
        file.seek(SeekFrom::End(0)).map_err(io_err)?;
        if let Some(wanted) = wanted
            && good_len == 0
        {
            // A new file: say what it is the journal of, in one write
            // (torn by a crash, it is cut off and written again next time).
            file.write_all(format!("{HEADER}{wanted}\n").as_bytes())
                .and_then(|()| file.sync_data())
                .map_err(io_err)?;
            kind = Some(wanted.to_owned());
        }
        tracing::debug!(
            "journal {}: {} keys of earlier runs ({})",
            path.display(),
            done.len(),
            kind.as_deref().map_or_else(
                || "a journal without a first line saying of what".to_owned(),
                |kind| format!("the journal of {kind}")
            )
        );
        let sync_handle = file.try_clone().map_err(io_err)?;
        let syncer = Arc::new(Syncer {
            state: Mutex::new(SyncState::default()),
            wake: Condvar::new(),
        });
        let thread = {
            let syncer = Arc::clone(&syncer);
            std::thread::Builder::new()
                .name("journal-sync".into())
                .spawn(move || sync_loop(&syncer, &sync_handle))
                .map_err(io_err)?
        };
        Ok(Journal {
            path,
            kind,
            done,
            file: Mutex::new(file),
            syncer,
            thread: Some(thread),
            first_error: Mutex::new(None),
        })
    }

    /// The journal's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What the journal is the journal of, when its first line says so
    /// (see [`Journal::open_as`]).
    pub fn kind(&self) -> Option<&str> {
        self.kind.as_deref()
    }

    /// Whether `key` was recorded by an earlier run (keys recorded by this
    /// run are not looked up: each is submitted once).
    pub fn contains(&self, key: &str) -> bool {
        self.done.contains(key)
    }

    /// How many keys earlier runs recorded.
    pub fn len(&self) -> usize {
        self.done.len()
    }

    /// Whether earlier runs recorded no key.
    pub fn is_empty(&self) -> bool {
        self.done.is_empty()
    }

    /// Appends `key`. It reaches the operating system before this returns
    /// (it survives the process being killed) and the disk within about
    /// 50 ms, or at [`sync`](Self::sync).
    ///
    /// # Errors
    ///
    /// [`JournalError::BadKey`] for a key with a line break;
    /// [`JournalError::Io`] if the write fails.
    pub fn record(&self, key: &str) -> Result<(), JournalError> {
        if key.contains(['\n', '\r']) {
            return Err(JournalError::BadKey {
                path: self.path.clone(),
                key: key.to_owned(),
            });
        }
        let mut line = Vec::with_capacity(key.len() + 1);
        line.extend_from_slice(key.as_bytes());
        line.push(b'\n');
        // One write of the whole line: with O_APPEND, concurrent writers
        // (and a kill between two writes) never interleave within a line.
        self.file
            .lock()
            .write_all(&line)
            .map_err(|error| self.io_error(error))?;
        tracing::debug!("journal {}: recorded {key}", self.path.display());
        let mut state = self.syncer.state.lock();
        if !state.dirty {
            state.dirty = true;
            self.syncer.wake.notify_one();
        }
        Ok(())
    }

    /// Records `key`, keeping the first failure for [`take_error`]
    /// instead of returning it. Used by the pool's workers, for which a
    /// journal error must not turn a done job into a failed one (a re-run
    /// of a failed email sends it twice).
    ///
    /// [`take_error`]: Self::take_error
    pub(crate) fn record_or_remember(&self, key: &str) {
        if let Err(e) = self.record(key) {
            self.first_error.lock().get_or_insert_with(|| e.to_string());
        }
    }

    /// The first error the pool met while recording keys, if any. A run
    /// should report it: the keys after it may be missing.
    pub fn take_error(&self) -> Option<String> {
        self.first_error.lock().take()
    }

    /// Writes every recorded key to disk now.
    ///
    /// # Errors
    ///
    /// [`JournalError::Io`] if the sync fails.
    pub fn sync(&self) -> Result<(), JournalError> {
        let file = self.file.lock();
        file.sync_data().map_err(|error| self.io_error(error))
    }

    fn io_error(&self, error: io::Error) -> JournalError {
        JournalError::Io {
            path: self.path.clone(),
            error,
        }
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        self.syncer.state.lock().stop = true;
        self.syncer.wake.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        let _ = self.file.lock().sync_data();
    }
}

/// What a journal file holds.
struct Loaded {
    /// Its first line's kind, if it has that line.
    kind: Option<String>,
    /// The keys.
    done: HashSet<String>,
    /// The length of the file up to the end of its last complete line.
    good_len: u64,
}

/// Reads the kind and the keys.
fn load(file: &mut File, path: &Path) -> Result<Loaded, JournalError> {
    let mut reader = BufReader::new(&*file);
    let mut kind = None;
    let mut done = HashSet::new();
    let mut good_len = 0u64;
    let mut line = Vec::new();
    let mut number = 0u64;
    loop {
        line.clear();
        let n = reader
            .read_until(b'\n', &mut line)
            .map_err(|error| JournalError::Io {
                path: path.to_path_buf(),
                error,
            })?;
        if n == 0 || line.last() != Some(&b'\n') {
            // End of file, or a torn last line: stop before it.
            break;
        }
        number += 1;
        good_len += n as u64;
        line.pop();
        if line.is_empty() {
            continue;
        }
        let key =
            String::from_utf8(std::mem::take(&mut line)).map_err(|_| JournalError::Corrupt {
                path: path.to_path_buf(),
                line: number,
            })?;
        match key.strip_prefix(HEADER) {
            Some(header) if number == 1 => kind = Some(header.to_owned()),
            _ => {
                done.insert(key);
            }
        }
    }
    Ok(Loaded {
        kind,
        done,
        good_len,
    })
}

fn sync_loop(syncer: &Syncer, file: &File) {
    loop {
        {
            let mut state = syncer.state.lock();
            while !state.dirty && !state.stop {
                syncer.wake.wait(&mut state);
            }
            if state.stop {
                return;
            }
            state.dirty = false;
        }
        // Errors here resurface at the final `sync`.
        let _ = file.sync_data();
        std::thread::sleep(SYNC_INTERVAL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn torn_last_line_is_cut_and_ignored() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("j");
        std::fs::write(&path, "a\nb\nhalf-writ")?;
        let journal = Journal::open(&path)?;
        assert!(journal.contains("a") && journal.contains("b"));
        assert!(!journal.contains("half-writ"));
        assert_eq!(journal.len(), 2);
        journal.record("c")?;
        drop(journal);
        assert_eq!(std::fs::read_to_string(&path)?, "a\nb\nc\n");
        Ok(())
    }

    #[test]
    fn a_corrupt_middle_line_is_an_error() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("j");
        std::fs::write(&path, b"a\n\xff\xfe\nb\n")?;
        let err = Journal::open(&path).expect_err("not UTF-8");
        assert!(
            matches!(err, JournalError::Corrupt { line: 2, .. }),
            "{err}"
        );
        Ok(())
    }

    #[test]
    fn a_journal_of_one_kind_is_refused_as_another() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("j");
        {
            let journal = Journal::open_as(&path, "a dry run into outbox/")?;
            assert_eq!(journal.kind(), Some("a dry run into outbox/"));
            journal.record("row-1")?;
        }
        assert_eq!(
            std::fs::read_to_string(&path)?,
            "# workpool journal of a dry run into outbox/\nrow-1\n"
        );
        let again = Journal::open_as(&path, "a dry run into outbox/")?;
        assert!(
            again.contains("row-1") && again.len() == 1,
            "the header is no key"
        );
        drop(again);
        let err = Journal::open_as(&path, "a send to smtp://relay:587").expect_err("other kind");
        assert_eq!(
            err.to_string(),
            format!(
                "journal {} records a dry run into outbox/, not a send to smtp://relay:587: use another --journal",
                path.display()
            )
        );
        assert!(matches!(err, JournalError::OtherKind { .. }), "{err:?}");
        // Without a kind, any journal opens, its header still no key.
        let any = Journal::open(&path)?;
        assert_eq!((any.kind(), any.len()), (Some("a dry run into outbox/"), 1));
        Ok(())
    }

    #[test]
    fn a_journal_without_a_header_is_taken_as_it_is() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("j");
        std::fs::write(&path, "a\nb\n")?;
        let journal = Journal::open_as(&path, "a send to smtp://relay:587")?;
        assert_eq!((journal.kind(), journal.len()), (None, 2));
        journal.record("c")?;
        drop(journal);
        assert_eq!(std::fs::read_to_string(&path)?, "a\nb\nc\n");
        // A header torn by a crash is cut off and written again.
        std::fs::write(&path, "# workpool journal of a se")?;
        let journal = Journal::open_as(&path, "a send to x")?;
        assert_eq!((journal.kind(), journal.len()), (Some("a send to x"), 0));
        drop(journal);
        assert_eq!(
            std::fs::read_to_string(&path)?,
            "# workpool journal of a send to x\n"
        );
        Ok(())
    }

    #[test]
    fn an_io_error_says_its_cause_once() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("missing").join("j");
        let err = Journal::open_as(&path, "x").expect_err("no such folder");
        assert!(std::error::Error::source(&err).is_none(), "{err:?}");
        assert_eq!(
            err.to_string(),
            format!("journal {}: does not exist", path.display())
        );
        Ok(())
    }

    #[test]
    fn keys_with_line_breaks_are_refused() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let journal = Journal::open(dir.path().join("j"))?;
        assert!(matches!(
            journal.record("a\nb"),
            Err(JournalError::BadKey { .. })
        ));
        Ok(())
    }
}

//! Grouping unsorted rows by one column with bounded memory.
//!
//! Rows are buffered per group; when the buffers pass a memory limit they are
//! appended to one temporary file per group and cleared. A job then reads its
//! group's rows back. Small inputs never touch the disk.

use std::collections::BTreeSet;

use rustc_hash::FxHashMap as HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::data::column_stats::ColumnStats;
use crate::data::input::{Columns, Format, Record, read_records};
use crate::error::{InputError, ReportError};

/// The key of the group that collects rows whose group value cannot be read
/// (a malformed NDJSON line, a row without the column). Its report fails.
pub const UNKNOWN_GROUP: &str = "";

/// How to group.
#[derive(Debug, Clone)]
pub struct GroupOptions {
    /// The column whose value names the group.
    pub group_by: String,
    /// Bytes of buffered rows kept in memory before spilling to disk.
    pub memory_limit: usize,
    /// Where the spill files go (the system temp folder when `None`).
    pub spill_dir: Option<PathBuf>,
    /// The CSV delimiter; `None`: taken from the header line.
    pub delimiter: Option<u8>,
}

impl GroupOptions {
    /// Group by `column`, with a 64 MiB buffer.
    pub fn new(column: impl Into<String>) -> Self {
        GroupOptions {
            group_by: column.into(),
            memory_limit: 64 << 20,
            spill_dir: None,
            delimiter: None,
        }
    }
}

/// All groups of an input, in order of first appearance.
#[derive(Debug)]
pub struct Grouped {
    /// Column names (shared by every record).
    pub columns: Arc<Columns>,
    /// The groups.
    pub groups: Vec<Group>,
    /// Per column: what its values look like (for the default layout).
    pub stats: Vec<ColumnStats>,
    /// Total rows read.
    pub rows: u64,
    /// Whether rows were spilled to disk.
    pub spilled: bool,
    /// Every non-ASCII character of the input (to cut fallback fonts down
    /// to what the reports can draw).
    pub chars: BTreeSet<char>,
}

/// One group: its key, first row (for titles and file names) and its rows,
/// in memory or in a spill file.
#[derive(Debug, Clone)]
pub struct Group {
    /// The group column's value.
    pub key: String,
    /// The first row of the group.
    pub first: Arc<Record>,
    /// Number of rows.
    pub len: u64,
    data: GroupData,
}

#[derive(Debug, Clone)]
enum GroupData {
    Memory(Arc<Vec<Record>>),
    Spilled {
        path: PathBuf,
        _dir: Arc<tempfile::TempDir>,
    },
}

impl Group {
    /// A group held in memory (for tests and callers that group themselves).
    pub fn from_rows(key: impl Into<String>, rows: Vec<Record>) -> Option<Group> {
        let first = Arc::new(rows.first()?.clone());
        Some(Group {
            key: key.into(),
            first,
            len: rows.len() as u64,
            data: GroupData::Memory(Arc::new(rows)),
        })
    }

    /// The rows of the group, in input order.
    ///
    /// # Errors
    ///
    /// [`ReportError::Io`] when a spill file cannot be read back.
    pub fn rows(&self) -> Result<Arc<Vec<Record>>, ReportError> {
        match &self.data {
            GroupData::Memory(rows) => Ok(Arc::clone(rows)),
            GroupData::Spilled { .. } => {
                let mut rows = Vec::with_capacity(usize::try_from(self.len).unwrap_or(0));
                self.each_row(|rec| {
                    rows.push(rec.clone());
                    Ok(())
                })?;
                Ok(Arc::new(rows))
            }
        }
    }

    /// Calls `f` with each row of the group in order, reading a spilled
    /// group back one row at a time (a group of any size in the memory of
    /// one row); stops at the first error `f` returns.
    ///
    /// # Errors
    ///
    /// [`ReportError::Io`] when the spill file cannot be read, or what
    /// `f` returns.
    pub fn each_row(
        &self,
        mut f: impl FnMut(&Record) -> Result<(), ReportError>,
    ) -> Result<(), ReportError> {
        match &self.data {
            GroupData::Memory(rows) => rows.iter().try_for_each(f),
            GroupData::Spilled { path, .. } => {
                let io = |e: std::io::Error| ReportError::io(path, &e);
                let file = File::open(path).map_err(io)?;
                for line in BufReader::new(file).lines() {
                    let line = line.map_err(io)?;
                    let rec: Record = serde_json::from_str(&line).map_err(|e| ReportError::Io {
                        path: path.clone(),
                        kind: std::io::ErrorKind::InvalidData,
                        message: format!("corrupt spill file: {e}"),
                    })?;
                    f(&rec)?;
                }
                Ok(())
            }
        }
    }
}

struct Pending {
    key: String,
    first: Arc<Record>,
    len: u64,
    buf: Vec<Record>,
}

fn record_bytes(r: &Record) -> usize {
    64 + r
        .values
        .iter()
        .map(|v| 24 + v.as_ref().map_or(0, String::len))
        .sum::<usize>()
}

/// Reads `path` once and groups its rows by `opts.group_by`.
///
/// # Errors
///
/// An [`InputError`] when the file cannot be read, has no such column (CSV)
/// or its syntax breaks the stream, or when a spill file cannot be written.
pub fn group_file(path: &Path, format: Format, opts: &GroupOptions) -> Result<Grouped, InputError> {
    // Columns in the input's order (a CSV header's, a JSON object's keys),
    // the group column where it is; found at the first row that has it.
    let mut columns = Columns::default();
    let mut group_col: Option<usize> = None;
    let require = (format == Format::Csv).then_some(opts.group_by.as_str());
    let mut index: HashMap<String, usize> = HashMap::default();
    let mut pending: Vec<Pending> = Vec::new();
    let mut stats: Vec<ColumnStats> = Vec::new();
    let mut buffered = 0usize;
    let mut spill: Option<Arc<tempfile::TempDir>> = None;
    let mut rows = 0u64;
    let mut chars = BTreeSet::new();
    // Whether any row has the group column (a JSON input has no header
    // to check it against).
    let (mut group_seen, mut objects) = (false, false);

    read_records(
        path,
        format,
        &mut columns,
        require,
        opts.delimiter,
        |rec, cols| {
            rows += 1;
            if group_col.is_none() {
                group_col = cols.get(&opts.group_by);
            }
            let group_col = group_col.unwrap_or(usize::MAX);
            group_seen |= rec.get(group_col).is_some();
            objects |= rec.error.is_none();
            if stats.len() < cols.len() {
                stats.resize(cols.len(), ColumnStats::default());
            }
            for v in rec.values.iter().flatten().filter(|v| !v.is_ascii()) {
                chars.extend(v.chars().filter(|c| !c.is_ascii()));
            }
            for (i, v) in rec.values.iter().enumerate() {
                if let Some(v) = v.as_deref() {
                    stats[i].add(v);
                }
            }
            let key = if rec.error.is_some() && rec.values.is_empty() {
                UNKNOWN_GROUP.to_owned()
            } else {
                rec.get(group_col).unwrap_or(UNKNOWN_GROUP).to_owned()
            };
            let mut rec = rec;
            if key.is_empty() && rec.error.is_none() {
                rec.error = Some(format!("no value in the group column {:?}", opts.group_by));
            }
            buffered += record_bytes(&rec);
            let gi = match index.get(&key) {
                Some(&i) => i,
                None => {
                    index.insert(key.clone(), pending.len());
                    pending.push(Pending {
                        key,
                        first: Arc::new(rec.clone()),
                        len: 0,
                        buf: Vec::new(),
                    });
                    pending.len() - 1
                }
            };
            let g = &mut pending[gi];
            g.len += 1;
            g.buf.push(rec);
            if buffered > opts.memory_limit {
                let dir = match &spill {
                    Some(d) => Arc::clone(d),
                    None => {
                        let d = Arc::new(new_spill_dir(opts)?);
                        spill = Some(Arc::clone(&d));
                        d
                    }
                };
                flush_all(&mut pending, dir.path())?;
                buffered = 0;
            }
            Ok(())
        },
    )?;

    if objects && !group_seen {
        let others: Vec<&str> = columns
            .names()
            .iter()
            .filter(|n| **n != opts.group_by)
            .map(String::as_str)
            .collect();
        return Err(InputError::NoGroupColumn {
            path: path.to_path_buf(),
            column: opts.group_by.clone(),
            available: others.join(", "),
        });
    }
    if let Some(dir) = &spill {
        flush_all(&mut pending, dir.path())?;
    }
    let groups = pending
        .into_iter()
        .enumerate()
        .map(|(i, p)| Group {
            key: p.key,
            first: p.first,
            len: p.len,
            data: match &spill {
                Some(dir) => GroupData::Spilled {
                    path: spill_path(dir.path(), i),
                    _dir: Arc::clone(dir),
                },
                None => GroupData::Memory(Arc::new(p.buf)),
            },
        })
        .collect();
    stats.resize(columns.len(), ColumnStats::default());
    Ok(Grouped {
        stats,
        columns: Arc::new(columns),
        groups,
        rows,
        chars,
        spilled: spill.is_some(),
    })
}

fn new_spill_dir(opts: &GroupOptions) -> Result<tempfile::TempDir, InputError> {
    let mut b = tempfile::Builder::new();
    b.prefix("reporter-spill-");
    let res = match &opts.spill_dir {
        Some(d) => b.tempdir_in(d),
        None => b.tempdir(),
    };
    res.map_err(|error| InputError::Io {
        path: opts.spill_dir.clone().unwrap_or_else(std::env::temp_dir),
        error,
    })
}

fn spill_path(dir: &Path, group: usize) -> PathBuf {
    dir.join(format!("g{group}.ndjson"))
}

fn flush_all(pending: &mut [Pending], dir: &Path) -> Result<(), InputError> {
    for (i, g) in pending.iter_mut().enumerate() {
        if g.buf.is_empty() {
            continue;
        }
        let path = spill_path(dir, i);
        let io = |error| InputError::Io {
            path: path.clone(),
            error,
        };
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(io)?;
        let mut w = BufWriter::new(file);
        for rec in g.buf.drain(..) {
            serde_json::to_writer(&mut w, &rec).map_err(|e| io(e.into()))?;
            w.write_all(b"\n").map_err(io)?;
        }
        w.flush().map_err(io)?;
        g.buf.shrink_to(0);
    }
    Ok(())
}

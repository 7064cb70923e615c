//! Streaming readers for CSV, JSON (one array) and NDJSON: one [`Record`] at a
//! time, never the whole file.

use rustc_hash::FxHashMap as HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::InputError;
use crate::json_rows::{read_json_array, read_ndjson};
use crate::lines::CountLines;

/// The input formats, chosen by file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON array of objects (a file starting with `{` is read as NDJSON).
    Json,
    /// One JSON object per line.
    Ndjson,
}

impl Format {
    /// The format of `path`, from its extension.
    ///
    /// # Errors
    ///
    /// [`InputError::UnknownFormat`] for any other extension.
    pub fn from_path(path: &Path) -> Result<Format, InputError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("csv") => Ok(Format::Csv),
            Some("json") => Ok(Format::Json),
            Some("ndjson" | "jsonl") => Ok(Format::Ndjson),
            _ => Err(InputError::UnknownFormat(path.to_path_buf())),
        }
    }
}

/// One input row: its line number, its values by column index, and the
/// reason it is unusable, if it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// 1-based line of the row in the input file (for a JSON array: the line
    /// where the element ends).
    pub line: u64,
    /// Values by column index ([`Columns`]); `None` when the row lacks it.
    pub values: Vec<Option<String>>,
    /// Set when the row itself is malformed; its group then fails.
    pub error: Option<String>,
}

impl Record {
    /// The value of column `idx`, or `None` when absent.
    pub fn get(&self, idx: usize) -> Option<&str> {
        self.values.get(idx).and_then(|v| v.as_deref())
    }
}

/// Column names in order of first appearance, with their indexes.
#[derive(Debug, Clone, Default)]
pub struct Columns {
    names: Vec<String>,
    index: HashMap<String, usize>,
}

impl Columns {
    /// The index of `name`, adding it when new.
    pub fn intern(&mut self, name: &str) -> usize {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        self.names.push(name.to_owned());
        self.index.insert(name.to_owned(), self.names.len() - 1);
        self.names.len() - 1
    }
    /// The index of `name`, if it is a column.
    pub fn get(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }
    /// The column names in order.
    pub fn names(&self) -> &[String] {
        &self.names
    }
    /// The number of columns.
    pub fn len(&self) -> usize {
        self.names.len()
    }
    /// Whether there are no columns.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> InputError + '_ {
    move |error| InputError::Io {
        path: path.to_path_buf(),
        error,
    }
}

/// Streams the records of `path` to `each`, growing `columns` as names
/// appear. `columns` may be pre-filled (e.g. with the group column).
///
/// For CSV, `require` names a column the header must have, and
/// `delimiter` is the field separator (`None`: taken from the header line,
/// [`detect_delimiter`]).
///
/// Lines are counted alike for LF, CRLF and CR line ends ([`crate::lines`]).
///
/// # Errors
///
/// An [`InputError`] when the file cannot be read or its syntax breaks the
/// stream (a JSON array that is not well formed); the error `each` returns.
/// A malformed single row is not an error here: it arrives as a [`Record`]
/// with [`Record::error`] set.
pub fn read_records<F>(
    path: &Path,
    format: Format,
    columns: &mut Columns,
    require: Option<&str>,
    delimiter: Option<u8>,
    mut each: F,
) -> Result<(), InputError>
where
    F: FnMut(Record, &Columns) -> Result<(), InputError>,
{
    let file = File::open(path).map_err(io_err(path))?;
    let mut reader = BufReader::with_capacity(1 << 16, file);
    match format {
        Format::Csv => {
            let delimiter = match delimiter {
                Some(d) => d,
                None => detect_delimiter(reader.fill_buf().map_err(io_err(path))?),
            };
            read_csv(path, reader, delimiter, columns, require, &mut each)
        }
        Format::Ndjson => read_ndjson(path, reader, columns, &mut each),
        Format::Json => {
            let first = loop {
                let buf = reader.fill_buf().map_err(io_err(path))?;
                match buf.iter().position(|b| !b.is_ascii_whitespace()) {
                    Some(i) => break Some(buf[i]),
                    None if buf.is_empty() => break None,
                    None => {
                        let n = buf.len();
                        reader.consume(n);
                    }
                }
            };
            match first {
                None => Ok(()),
                Some(b'[') => read_json_array(path, reader, columns, &mut each),
                Some(_) => read_ndjson(path, reader, columns, &mut each),
            }
        }
    }
}

/// Picks the delimiter of a CSV file from its first line, as the mailer
/// does: the most frequent of `,`, `;` and tab outside quotes (`,` when
/// none: a file of one column). European spreadsheets write `;`.
pub fn detect_delimiter(start: &[u8]) -> u8 {
    let start = start.strip_prefix(b"\xef\xbb\xbf").unwrap_or(start);
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in start {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let candidates = [b',', b';', b'\t'];
    let mut best = 0;
    for i in 1..3 {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    candidates[best]
}

fn read_csv<R: Read>(
    path: &Path,
    reader: R,
    delimiter: u8,
    columns: &mut Columns,
    require: Option<&str>,
    each: &mut dyn FnMut(Record, &Columns) -> Result<(), InputError>,
) -> Result<(), InputError> {
    let (reader, breaks) = CountLines::new(reader, true);
    let mut csv = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(reader);
    let syntax = |line: u64, e: csv::Error| InputError::Syntax {
        path: path.to_path_buf(),
        line,
        message: e.to_string(),
    };
    let headers = csv.byte_headers().map_err(|e| syntax(1, e))?.clone();
    let mut map = Vec::with_capacity(headers.len());
    for h in headers.iter() {
        let name = String::from_utf8_lossy(h);
        map.push(columns.intern(name.trim_start_matches('\u{feff}')));
    }
    if let Some(col) = require
        && columns.get(col).is_none_or(|i| !map.contains(&i))
    {
        // The header's names: `columns` may hold the missing one already.
        let header: Vec<&str> = map.iter().map(|&i| columns.names()[i].as_str()).collect();
        return Err(InputError::NoGroupColumn {
            path: path.to_path_buf(),
            column: col.to_owned(),
            available: header.join(", "),
        });
    }
    let mut rec = csv::ByteRecord::new();
    loop {
        let start = csv.position().byte();
        match csv.read_byte_record(&mut rec) {
            Ok(false) => return Ok(()),
            Ok(true) => {}
            Err(e) => {
                let at = e.position().map_or(start, csv::Position::byte);
                let line = breaks.borrow_mut().line_at(at);
                return Err(syntax(line, e));
            }
        }
        let at = rec.position().map_or(start, csv::Position::byte);
        let line = breaks.borrow_mut().line_at(at);
        let mut values = vec![None; columns.len()];
        let mut error = None;
        for (i, field) in rec.iter().enumerate() {
            let Some(&col) = map.get(i) else { break };
            let v = match std::str::from_utf8(field) {
                Ok(s) => s.to_owned(),
                Err(_) => {
                    error.get_or_insert_with(|| {
                        format!("column {:?} is not valid UTF-8", columns.names()[col])
                    });
                    String::from_utf8_lossy(field).into_owned()
                }
            };
            values[col] = Some(v);
        }
        if rec.len() != map.len() && error.is_none() {
            error = Some(format!(
                "row has {} fields, the header has {}",
                rec.len(),
                map.len()
            ));
        }
        each(
            Record {
                line,
                values,
                error,
            },
            columns,
        )?;
    }
}

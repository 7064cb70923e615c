//! Streaming readers for CSV, JSON (one array) and NDJSON: one [`Record`] at a
//! time, never the whole file.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use crate::data::json_rows::{read_json_array, read_ndjson};
use crate::data::lines::CountLines;
pub use crate::data::record::{Columns, Record};
use crate::error::InputError;
pub use pool::detect_delimiter;

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
    /// [`InputError::Io`] when `path` is a folder,
    /// [`InputError::UnknownFormat`] for any other extension.
    pub fn from_path(path: &Path) -> Result<Format, InputError> {
        if path.is_dir() {
            return Err(InputError::Io {
                path: path.to_path_buf(),
                error: std::io::ErrorKind::IsADirectory.into(),
            });
        }
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
/// Lines are counted alike for LF, CRLF and CR line ends ([`crate::data::lines`]).
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

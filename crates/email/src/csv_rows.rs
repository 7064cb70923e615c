//! Streaming CSV rows with their line numbers: delimiter detection, BOM,
//! per-row errors.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use pool::detect_delimiter;

use crate::error::{ConfigError, RowError};

/// One CSV row: its fields, in the order of [`CsvRows::headers`], and the
/// line where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The 1-based line of the file where the row starts.
    pub line: u64,
    /// The fields.
    pub fields: Vec<String>,
}

/// Reads a CSV file row by row (never the whole file at once).
///
/// The first row is the header. The delimiter (`,`, `;` or tab) is taken
/// from the header line unless given; a UTF-8 byte order mark is skipped.
/// A row with the wrong number of fields or invalid UTF-8 is an `Err` item
/// naming its line; reading goes on with the next row.
pub struct CsvRows {
    path: PathBuf,
    reader: csv::Reader<Box<dyn Read + Send>>,
    headers: Arc<[String]>,
    delimiter: u8,
    record: csv::ByteRecord,
    done: bool,
}

impl std::fmt::Debug for CsvRows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvRows")
            .field("path", &self.path)
            .field("headers", &self.headers)
            .field("delimiter", &(self.delimiter as char))
            .finish_non_exhaustive()
    }
}

impl CsvRows {
    /// Opens `path` and reads its header row.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Io`] if the file cannot be read,
    /// [`ConfigError::CsvHeader`] if it has no header row, a header is not
    /// UTF-8, empty or repeated.
    pub fn open(path: &Path, delimiter: Option<u8>) -> Result<CsvRows, ConfigError> {
        let io = |error| ConfigError::Io {
            what: "the CSV file",
            path: path.to_path_buf(),
            error,
        };
        let mut buffered = BufReader::new(File::open(path).map_err(io)?);
        let delimiter = match delimiter {
            Some(d) => d,
            None => detect_delimiter(buffered.fill_buf().map_err(io)?),
        };
        let reader: Box<dyn Read + Send> = Box::new(buffered);
        CsvRows::from_reader(path, reader, delimiter)
    }

    /// Reads CSV from any reader; `path` names it in messages.
    ///
    /// # Errors
    ///
    /// As [`CsvRows::open`].
    pub fn from_reader(
        path: &Path,
        reader: Box<dyn Read + Send>,
        delimiter: u8,
    ) -> Result<CsvRows, ConfigError> {
        let header_error = |message: String| ConfigError::CsvHeader {
            path: path.to_path_buf(),
            message,
        };
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(true)
            .flexible(false)
            .from_reader(reader);
        let raw = reader
            .byte_headers()
            .map_err(|e| header_error(e.to_string()))?
            .clone();
        let mut headers = Vec::with_capacity(raw.len());
        for (i, field) in raw.iter().enumerate() {
            let mut name = std::str::from_utf8(field)
                .map_err(|_| header_error(format!("column {} is not valid UTF-8", i + 1)))?;
            if i == 0 {
                name = name.strip_prefix('\u{feff}').unwrap_or(name);
            }
            let name = name.trim();
            if name.is_empty() {
                return Err(header_error(format!("column {} has no name", i + 1)));
            }
            if headers.iter().any(|h: &String| h == name) {
                return Err(header_error(format!("column {name:?} appears twice")));
            }
            headers.push(name.to_owned());
        }
        if headers.is_empty() {
            return Err(header_error("the file is empty".into()));
        }
        Ok(CsvRows {
            path: path.to_path_buf(),
            reader,
            headers: headers.into(),
            delimiter,
            record: csv::ByteRecord::new(),
            done: false,
        })
    }

    /// The column names, in order.
    pub fn headers(&self) -> &Arc<[String]> {
        &self.headers
    }

    /// The delimiter in use.
    pub fn delimiter(&self) -> u8 {
        self.delimiter
    }

    /// The file being read.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Iterator for CsvRows {
    type Item = Result<Row, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => {
                self.done = true;
                None
            }
            Ok(true) => {
                let line = self.record.position().map_or(0, csv::Position::line);
                Some(to_row(line, &self.record, self.headers.len()))
            }
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                let message = match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => format!("the row has {len} fields, the header has {expected_len}"),
                    csv::ErrorKind::Io(_) => {
                        // The file cannot be read any more: report it once and stop.
                        self.done = true;
                        format!("cannot read {}: {e}", self.path.display())
                    }
                    _ => e.to_string(),
                };
                // The reader moved past the bad record: keep its fields.
                let fields = lossy_fields(&self.record);
                Some(Err(RowError::new(line, fields, message)))
            }
        }
    }
}

fn to_row(line: u64, record: &csv::ByteRecord, _width: usize) -> Result<Row, RowError> {
    let mut fields = Vec::with_capacity(record.len());
    for (i, field) in record.iter().enumerate() {
        match std::str::from_utf8(field) {
            Ok(s) => fields.push(s.to_owned()),
            Err(_) => {
                return Err(RowError::new(
                    line,
                    lossy_fields(record),
                    format!("field {} is not valid UTF-8", i + 1),
                ));
            }
        }
    }
    Ok(Row { line, fields })
}

fn lossy_fields(record: &csv::ByteRecord) -> Option<Vec<String>> {
    if record.is_empty() {
        return None;
    }
    Some(
        record
            .iter()
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str) -> (Vec<String>, Vec<Result<Row, RowError>>) {
        let bytes = text.as_bytes().to_vec();
        let delimiter = detect_delimiter(&bytes);
        let reader = CsvRows::from_reader(
            Path::new("t.csv"),
            Box::new(std::io::Cursor::new(bytes)),
            delimiter,
        )
        .expect("header");
        let headers = reader.headers().to_vec();
        (headers, reader.collect())
    }

    #[test]
    fn bom_is_skipped_and_lines_are_counted() {
        let (headers, rows) =
            rows("\u{feff}email;name\na@example.com;\"Ann\nSmith\"\nb@example.com;Bob\n");
        assert_eq!(headers, ["email", "name"]);
        let rows: Vec<Row> = rows.into_iter().map(|r| r.expect("good row")).collect();
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].fields, ["a@example.com", "Ann\nSmith"]);
        assert_eq!(rows[1].line, 4);
    }

    #[test]
    fn bad_rows_are_errors_naming_their_line_and_reading_goes_on() {
        let mut text = b"email,name\na@example.com,Ann\nb@example.com\nc@example.com,\xff\xfe\nd@example.com,Dan\n".to_vec();
        let reader = CsvRows::from_reader(
            Path::new("t.csv"),
            Box::new(std::io::Cursor::new(std::mem::take(&mut text))),
            b',',
        )
        .expect("header");
        let items: Vec<_> = reader.collect();
        assert_eq!(items.len(), 4);
        assert!(items[0].is_ok());
        let e = items[1].as_ref().expect_err("short row");
        assert_eq!(e.line, 3);
        assert!(e.message.contains("1 fields"), "{e}");
        let e = items[2].as_ref().expect_err("not UTF-8");
        assert_eq!(e.line, 4);
        assert!(e.message.contains("UTF-8"), "{e}");
        assert_eq!(items[3].as_ref().map(|r| r.line).ok(), Some(5));
    }

    #[test]
    fn repeated_or_empty_headers_are_refused() {
        for text in ["email,email\n", "email,,name\n", ""] {
            let r = CsvRows::from_reader(
                Path::new("t.csv"),
                Box::new(std::io::Cursor::new(text.as_bytes().to_vec())),
                b',',
            );
            assert!(r.is_err(), "{text:?}");
        }
    }
}

//! JSON inputs, streamed: one array of objects, or one object per line
//! (NDJSON). Each object becomes a [`Record`] with its keys in the order
//! they are written (as a CSV header's), and every number as its text:
//! `123456789012345.67` stays that, where a float would make it
//! `123456789012345.69`, so totals are as exact as a CSV file's.

use std::cell::RefCell;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::error::InputError;
use crate::input::{Columns, Record};
use crate::lines::{Breaks, CountLines, line_of, read_line};

/// What `each` is called with, per record.
pub(crate) type Each<'a> = dyn FnMut(Record, &Columns) -> Result<(), InputError> + 'a;

/// One element of the input: an object's fields in order, or what it was
/// instead of an object.
enum Element {
    Object(Vec<(String, Option<String>)>),
    Other(&'static str),
}

/// A field's value as the report reads it: `None` for null, the text of a
/// string, `true`/`false`, a number's own digits, an array's or object's
/// compact JSON.
struct Cell(Option<String>);

impl<'de> Deserialize<'de> for Cell {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Cell, D::Error> {
        let raw = Box::<RawValue>::deserialize(d)?;
        let text = raw.get();
        let value = match text.as_bytes().first() {
            Some(b'n') => None,
            Some(b'"') => Some(serde_json::from_str::<String>(text).map_err(de::Error::custom)?),
            // A number, true or false: as written.
            Some(b'-' | b'0'..=b'9' | b't' | b'f') => Some(text.to_owned()),
            _ => {
                let v: serde_json::Value = serde_json::from_str(text).map_err(de::Error::custom)?;
                Some(v.to_string())
            }
        };
        Ok(Cell(value))
    }
}

impl<'de> Deserialize<'de> for Element {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Element, D::Error> {
        d.deserialize_any(ElementVisitor)
    }
}

struct ElementVisitor;

impl<'de> Visitor<'de> for ElementVisitor {
    type Value = Element;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Element, A::Error> {
        let mut fields = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let Cell(value) = map.next_value()?;
            fields.push((key, value));
        }
        Ok(Element::Object(fields))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Element, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Element::Other("an array"))
    }
    fn visit_str<E>(self, _: &str) -> Result<Element, E> {
        Ok(Element::Other("a string"))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Element, E> {
        Ok(Element::Other("a boolean"))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Element, E> {
        Ok(Element::Other("a number"))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Element, E> {
        Ok(Element::Other("a number"))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Element, E> {
        Ok(Element::Other("a number"))
    }
    fn visit_unit<E>(self) -> Result<Element, E> {
        Ok(Element::Other("null"))
    }
}

fn record(element: Element, line: u64, columns: &mut Columns) -> Record {
    match element {
        Element::Object(fields) => {
            let mut values = vec![None; columns.len()];
            for (k, v) in fields {
                let i = columns.intern(&k);
                if i >= values.len() {
                    values.resize(i + 1, None);
                }
                values[i] = v;
            }
            Record {
                line,
                values,
                error: None,
            }
        }
        Element::Other(kind) => Record {
            line,
            values: Vec::new(),
            error: Some(format!("expected a JSON object, found {kind}")),
        },
    }
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> InputError + '_ {
    move |error| InputError::Io {
        path: path.to_path_buf(),
        error,
    }
}

/// Reads one JSON object per line; a line that is not one is a record
/// with its error (its group fails), blank lines are skipped.
pub(crate) fn read_ndjson<R: BufRead>(
    path: &Path,
    mut reader: R,
    columns: &mut Columns,
    each: &mut Each<'_>,
) -> Result<(), InputError> {
    let mut buf = Vec::new();
    let mut line = 0u64;
    loop {
        if !read_line(&mut reader, &mut buf).map_err(io_err(path))? {
            return Ok(());
        }
        line += 1;
        let text = buf.trim_ascii();
        if text.is_empty() {
            continue;
        }
        let rec = match serde_json::from_slice::<Element>(text) {
            Ok(e) => record(e, line, columns),
            Err(e) => Record {
                line,
                values: Vec::new(),
                error: Some(format!("not valid JSON: {e}")),
            },
        };
        each(rec, columns)?;
    }
}

struct ArrayVisitor<'a, 'b> {
    /// The lines serde_json has pulled through (it reads byte by byte).
    lines: Rc<RefCell<Breaks>>,
    columns: &'a mut Columns,
    each: &'a mut Each<'b>,
    failed: &'a mut Option<InputError>,
}

impl<'de> Visitor<'de> for ArrayVisitor<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an array of objects")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(e) = seq.next_element::<Element>()? {
            let line = self.lines.borrow().current_line();
            let rec = record(e, line, self.columns);
            if let Err(e) = (self.each)(rec, self.columns) {
                *self.failed = Some(e);
                return Err(de::Error::custom("stopped"));
            }
        }
        Ok(())
    }
}

/// Reads one JSON array of objects, element by element; each record's
/// line is where its element ends. A syntax error stops the stream.
pub(crate) fn read_json_array<R: Read>(
    path: &Path,
    reader: R,
    columns: &mut Columns,
    each: &mut Each<'_>,
) -> Result<(), InputError> {
    let (counted, lines) = CountLines::new(reader, false);
    let mut de = serde_json::Deserializer::from_reader(counted);
    let mut failed = None;
    let res = de.deserialize_seq(ArrayVisitor {
        lines: Rc::clone(&lines),
        columns,
        each,
        failed: &mut failed,
    });
    if let Some(e) = failed {
        return Err(e);
    }
    // serde_json counts line feeds only (and has read past the error by
    // now): the line is counted again from its position, the message is
    // its own without that position.
    res.and_then(|()| de.end()).map_err(|e| {
        let lf_line = e.line() as u64;
        let line = File::open(path)
            .map(BufReader::new)
            .and_then(|r| line_of(r, lf_line, e.column() as u64))
            .unwrap_or(lf_line);
        InputError::Syntax {
            path: PathBuf::from(path),
            line,
            message: without_position(&e),
        }
    })
}

/// serde_json's message without the " at line L column C" it ends with.
fn without_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (Vec<String>, Vec<Record>) {
        let mut columns = Columns::default();
        let mut rows = Vec::new();
        read_json_array(
            Path::new("t.json"),
            text.as_bytes(),
            &mut columns,
            &mut |r, _| {
                rows.push(r);
                Ok(())
            },
        )
        .expect("reads");
        (columns.names().to_vec(), rows)
    }

    #[test]
    fn keys_keep_their_order_and_numbers_their_digits() {
        let (names, rows) = read(
            r#"[{"zeta":123456789012345.67,"alpha":"x\u00e9","mid":null,"b":true,"n":[1, 2.50],"e":1E3}]"#,
        );
        assert_eq!(names, ["zeta", "alpha", "mid", "b", "n", "e"]);
        let v: Vec<Option<&str>> = rows[0].values.iter().map(|v| v.as_deref()).collect();
        assert_eq!(
            v,
            [
                Some("123456789012345.67"),
                Some("xé"),
                None,
                Some("true"),
                Some("[1,2.5]"),
                Some("1E3")
            ]
        );
    }
}

//! [`Record`] and [`Columns`]: one input row by column index, and the
//! column names those indexes stand for, whatever the input format.

use rustc_hash::FxHashMap as HashMap;
use serde::{Deserialize, Serialize};

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

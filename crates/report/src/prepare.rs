//! Checks and formats a group's rows: cells, exact totals, chart sums.
//! The first bad row fails the whole group (a report missing rows is wrong).

use rustc_hash::FxHashMap as HashMap;

use rust_decimal::Decimal;

use crate::data::group::Group;
use crate::data::input::{Columns, Record};
use crate::error::ReportError;
use crate::format::{Date, format_number, month_abbrev, parse_decimal, with_affixes};
use crate::layout::{CellFormat, Chart, ChartBy, Column, Layout};

/// A row ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Input line (for messages).
    pub line: u64,
    /// Formatted cells, one per layout column.
    pub cells: Vec<String>,
}

/// A group's rows ready to draw, with totals and chart bars.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    /// The rows.
    pub rows: Vec<Row>,
    /// Per layout column: the exact sum when the column is totalled.
    pub totals: Vec<Option<Decimal>>,
    /// Chart bars (label, sum), when the layout has a chart.
    pub bars: Option<Vec<(String, Decimal)>>,
}

/// Formats one value of `col` (without totalling).
///
/// # Errors
///
/// A message when a number or date does not parse.
pub fn format_cell(col: &Column, raw: &str) -> Result<(String, Option<Decimal>), String> {
    match col.format {
        CellFormat::Text => Ok((raw.to_owned(), None)),
        CellFormat::Number | CellFormat::Currency => {
            if raw.trim().is_empty() {
                return Ok((String::new(), None));
            }
            let d = parse_decimal(raw)?;
            let s = format_number(d, col.places(), &col.thousands);
            Ok((with_affixes(&col.prefix, &s, &col.suffix), Some(d)))
        }
        CellFormat::Date => {
            if raw.trim().is_empty() {
                return Ok((String::new(), None));
            }
            let d = Date::parse(raw)?;
            Ok((
                d.format(col.date_format.as_deref().unwrap_or("%Y-%m-%d")),
                None,
            ))
        }
    }
}

fn field_index(columns: &Columns, field: &str, line: u64) -> Result<usize, ReportError> {
    columns.get(field).ok_or_else(|| ReportError::Row {
        line,
        message: format!("no column {field:?}"),
    })
}

/// Checks and formats `rows` for `layout`.
///
/// # Errors
///
/// [`ReportError::Row`] for the first row that is malformed, lacks a column
/// the layout uses, or holds a bad number or date.
pub fn prepare(
    layout: &Layout,
    columns: &Columns,
    rows: &[Record],
) -> Result<Prepared, ReportError> {
    let mut f = Formatter::new(layout, columns, rows.first().map_or(0, |r| r.line))?;
    let rows = rows
        .iter()
        .map(|r| f.row(r))
        .collect::<Result<Vec<_>, _>>()?;
    let (totals, bars) = f.finish();
    Ok(Prepared { rows, totals, bars })
}

/// The totals of a group's columns and its chart bars.
pub(crate) type Sums = (Vec<Option<Decimal>>, Option<Vec<(String, Decimal)>>);

/// Checks and formats a group's rows one at a time, summing the totals
/// and the chart's bars as it goes: a group of any size is checked, and
/// drawn, in the memory of one row.
pub(crate) struct Formatter<'a> {
    layout: &'a Layout,
    /// The input column of each layout column.
    idx: Vec<usize>,
    /// The chart, its value column and its field column.
    chart: Option<(&'a Chart, usize, usize)>,
    totals: Vec<Option<Decimal>>,
    sums: HashMap<String, (usize, Decimal)>,
    months: HashMap<(i32, u32), Decimal>,
}

impl<'a> Formatter<'a> {
    /// A formatter for `layout` over rows with `columns`.
    ///
    /// # Errors
    ///
    /// [`ReportError::Row`] (naming `first_line`) when the layout uses a
    /// column the input lacks.
    pub(crate) fn new(
        layout: &'a Layout,
        columns: &Columns,
        first_line: u64,
    ) -> Result<Formatter<'a>, ReportError> {
        let idx: Vec<usize> = layout
            .columns
            .iter()
            .map(|c| field_index(columns, &c.field, first_line))
            .collect::<Result<_, _>>()?;
        let chart = match &layout.chart {
            Some(ch) => Some((
                ch,
                field_index(columns, &ch.value, first_line)?,
                field_index(columns, &ch.field, first_line)?,
            )),
            None => None,
        };
        let totals = layout
            .columns
            .iter()
            .map(|c| c.total.then_some(Decimal::ZERO))
            .collect();
        Ok(Formatter {
            layout,
            idx,
            chart,
            totals,
            sums: HashMap::default(),
            months: HashMap::default(),
        })
    }

    /// Checks and formats `rec`, adding it to the totals and the chart.
    ///
    /// # Errors
    ///
    /// [`ReportError::Row`] when the row is malformed, lacks a column the
    /// layout uses, or holds a bad number or date.
    pub(crate) fn row(&mut self, rec: &Record) -> Result<Row, ReportError> {
        let line = rec.line;
        if let Some(e) = &rec.error {
            return Err(ReportError::Row {
                line,
                message: e.clone(),
            });
        }
        let mut cells = Vec::with_capacity(self.idx.len());
        for (k, (col, &i)) in self.layout.columns.iter().zip(&self.idx).enumerate() {
            let raw = rec.get(i).ok_or_else(|| ReportError::Row {
                line,
                message: format!("no value for column {:?}", col.field),
            })?;
            let (cell, num) = format_cell(col, raw).map_err(|m| ReportError::Row {
                line,
                message: format!("column {:?}: {m}", col.field),
            })?;
            if let (Some(t), Some(n)) = (&mut self.totals[k], num) {
                *t = t.checked_add(n).ok_or_else(|| ReportError::Row {
                    line,
                    message: format!("column {:?}: the total overflows", col.field),
                })?;
            }
            cells.push(cell);
        }
        if let Some((ch, vi, fi)) = self.chart {
            let bad = |f: &str, m: String| ReportError::Row {
                line,
                message: format!("chart column {f:?}: {m}"),
            };
            let raw = rec.get(vi).unwrap_or("");
            let v = if raw.trim().is_empty() {
                Decimal::ZERO
            } else {
                parse_decimal(raw).map_err(|m| bad(&ch.value, m))?
            };
            let key = rec.get(fi).unwrap_or("");
            match ch.by {
                ChartBy::Month => {
                    let d = Date::parse(key).map_err(|m| bad(&ch.field, m))?;
                    let e = self.months.entry((d.year, d.month)).or_default();
                    *e = e.saturating_add(v);
                }
                ChartBy::Category => {
                    let n = self.sums.len();
                    let e = self
                        .sums
                        .entry(key.to_owned())
                        .or_insert((n, Decimal::ZERO));
                    e.1 = e.1.saturating_add(v);
                }
            }
        }
        Ok(Row { line, cells })
    }

    /// The totals and the chart's bars of the rows formatted.
    pub(crate) fn finish(self) -> Sums {
        let Formatter {
            layout,
            totals,
            sums,
            months,
            ..
        } = self;
        (totals, bars(layout, sums, months))
    }
}

/// The chart's bars from the sums by month or by category.
fn bars(
    layout: &Layout,
    sums: HashMap<String, (usize, Decimal)>,
    months: HashMap<(i32, u32), Decimal>,
) -> Option<Vec<(String, Decimal)>> {
    layout.chart.as_ref().map(|ch| match ch.by {
        ChartBy::Month => {
            let m = every_month(months);
            let one_year = m.first().map(|f| f.0.0) == m.last().map(|l| l.0.0);
            m.into_iter()
                .map(|((y, mo), v)| {
                    let label = if one_year {
                        month_abbrev(mo).to_owned()
                    } else {
                        format!("{} {:02}", month_abbrev(mo), y.rem_euclid(100))
                    };
                    (label, v)
                })
                .collect()
        }
        ChartBy::Category => {
            let mut c: Vec<_> = sums.into_iter().map(|(k, (n, v))| (k, n, v)).collect();
            c.sort_by(|a, b| b.2.cmp(&a.2).then(a.1.cmp(&b.1)));
            let mut bars: Vec<(String, Decimal)> =
                c.iter().take(11).map(|(k, _, v)| (k.clone(), *v)).collect();
            if c.len() > 12 {
                let rest = c[11..]
                    .iter()
                    .fold(Decimal::ZERO, |a, x| a.saturating_add(x.2));
                bars.push(("Other".to_owned(), rest));
            } else if let Some((k, _, v)) = c.get(11) {
                bars.push((k.clone(), *v));
            }
            bars
        }
    })
}

/// A report's rows as the drawing reads them: held in memory, or read
/// and formatted again from the group at each pass.
pub(crate) trait Rows {
    /// How many there are.
    fn count(&self) -> usize;
    /// The first, if any.
    ///
    /// # Errors
    ///
    /// As [`Rows::each`].
    fn first(&self) -> Result<Option<Row>, ReportError>;
    /// Calls `f` with each row in order; stops at the first error.
    ///
    /// # Errors
    ///
    /// A row that cannot be read back or formatted, or what `f` returns.
    fn each(&self, f: &mut dyn FnMut(&Row) -> Result<(), ReportError>) -> Result<(), ReportError>;
}

impl Rows for Vec<Row> {
    fn count(&self) -> usize {
        self.len()
    }

    fn first(&self) -> Result<Option<Row>, ReportError> {
        Ok(self.as_slice().first().cloned())
    }

    fn each(&self, f: &mut dyn FnMut(&Row) -> Result<(), ReportError>) -> Result<(), ReportError> {
        self.iter().try_for_each(f)
    }
}

/// The rows of a group, read (from memory or its spill file) and
/// formatted one at a time at each pass, none of them kept.
pub(crate) struct GroupRows<'a> {
    /// The group.
    pub(crate) group: &'a Group,
    /// The layout that formats them.
    pub(crate) layout: &'a Layout,
    /// The input's columns.
    pub(crate) columns: &'a Columns,
}

impl GroupRows<'_> {
    fn formatter(&self) -> Result<Formatter<'_>, ReportError> {
        Formatter::new(self.layout, self.columns, self.group.first.line)
    }

    /// Checks every row, and sums the totals and the chart's bars.
    ///
    /// # Errors
    ///
    /// [`ReportError::Row`] for the first bad row, [`ReportError::Io`]
    /// when a spill file cannot be read back.
    pub(crate) fn sums(&self) -> Result<Sums, ReportError> {
        let mut fmt = self.formatter()?;
        self.group.each_row(|rec| fmt.row(rec).map(|_| ()))?;
        Ok(fmt.finish())
    }
}

impl Rows for GroupRows<'_> {
    fn count(&self) -> usize {
        usize::try_from(self.group.len).unwrap_or(usize::MAX)
    }

    fn first(&self) -> Result<Option<Row>, ReportError> {
        self.formatter()?.row(&self.group.first).map(Some)
    }

    fn each(&self, f: &mut dyn FnMut(&Row) -> Result<(), ReportError>) -> Result<(), ReportError> {
        let mut fmt = self.formatter()?;
        self.group.each_row(|rec| f(&fmt.row(rec)?))
    }
}

/// The most months a chart shows with the empty ones filled in: ten years.
/// A longer span (a stray date in another century) shows the months that
/// have data only, rather than thousands of empty bars.
const MAX_CHART_MONTHS: i64 = 120;

/// The months from the first to the last with data, in order, the months
/// without data at zero: a period chart shows the whole period.
fn every_month(months: HashMap<(i32, u32), Decimal>) -> Vec<((i32, u32), Decimal)> {
    let mut present: Vec<_> = months.into_iter().collect();
    present.sort_by_key(|(k, _)| *k);
    let index = |(y, m): (i32, u32)| i64::from(y) * 12 + i64::from(m) - 1;
    let (Some(first), Some(last)) = (present.first(), present.last()) else {
        return present;
    };
    let (from, to) = (index(first.0), index(last.0));
    if to - from >= MAX_CHART_MONTHS {
        return present;
    }
    let mut sums = present.into_iter().peekable();
    (from..=to)
        .map(|i| {
            let key = (i.div_euclid(12) as i32, i.rem_euclid(12) as u32 + 1);
            match sums.next_if(|(k, _)| *k == key) {
                Some((_, v)) => (key, v),
                None => (key, Decimal::ZERO),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn months(pairs: &[((i32, u32), i64)]) -> HashMap<(i32, u32), Decimal> {
        pairs.iter().map(|&(k, v)| (k, Decimal::from(v))).collect()
    }

    #[test]
    fn a_period_chart_has_every_month_empty_ones_at_zero() {
        let m = every_month(months(&[((2025, 11), 5), ((2026, 2), 7), ((2025, 12), 1)]));
        let keys: Vec<_> = m.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, [(2025, 11), (2025, 12), (2026, 1), (2026, 2)]);
        let values: Vec<_> = m.iter().map(|(_, v)| v.to_string()).collect();
        assert_eq!(values, ["5", "1", "0", "7"]);
    }

    #[test]
    fn a_stray_date_far_away_does_not_make_thousands_of_bars() {
        let m = every_month(months(&[((1900, 1), 1), ((2025, 6), 2)]));
        assert_eq!(m.len(), 2);
        assert!(every_month(HashMap::default()).is_empty());
    }
}

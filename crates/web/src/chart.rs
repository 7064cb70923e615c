//! A run's jobs finished per interval since its first worker started,
//! from `workpool.finished` (one row per batch of completions), drawn as
//! an SVG bar chart on the server: no chart script in the page.

use std::fmt::Write as _;

use pool_postgres::QueueError;
use tokio_postgres::Client;

use crate::format::{duration, escape, thousands};

/// Bars at most: the interval grows with the run's length.
const BARS: f64 = 60.0;

/// The chart is as wide as this many bars at least.
const MIN_SLOTS: usize = 20;

/// The intervals a bar may stand for, in seconds.
const STEPS: &[i64] = &[
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
];

/// A run's throughput over time.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// Seconds per bar.
    pub step_s: i64,
    /// Jobs finished in each interval, the first starting when the run's
    /// first worker did.
    pub bars: Vec<i64>,
}

/// The interval for a run `span_s` seconds long: the shortest of
/// [`STEPS`] that needs at most [`BARS`] bars.
pub fn step_for(span_s: f64) -> i64 {
    let wanted = span_s / BARS;
    STEPS
        .iter()
        .copied()
        .find(|&s| s as f64 >= wanted)
        .unwrap_or_else(|| (wanted / 86400.0).ceil() as i64 * 86400)
}

/// Reads the chart of run `run`: from its first worker's start (or its
/// creation) to now while a worker is running, else to its last batch.
///
/// # Errors
///
/// A database error.
pub async fn read(client: &Client, run: i64) -> Result<Chart, QueueError> {
    let span = client
        .query_one(
            "SELECT extract(epoch FROM coalesce(
                        (SELECT min(started) FROM workpool.workers WHERE run = $1),
                        (SELECT created FROM workpool.runs WHERE id = $1), now()))::float8,
                    extract(epoch FROM CASE
                        WHEN EXISTS (SELECT 1 FROM workpool.workers WHERE run = $1 AND stopped IS NULL)
                        THEN now()
                        ELSE coalesce((SELECT max(at) FROM workpool.finished WHERE run = $1), now())
                    END)::float8",
            &[&run],
        )
        .await?;
    let (start, end): (f64, f64) = (span.get(0), span.get(1));
    let step = step_for((end - start).max(1.0));
    let n = (((end - start).max(0.0) / step as f64).floor() as usize + 1).min(BARS as usize * 3);
    let rows = client
        .query(
            "SELECT floor((extract(epoch FROM at)::float8 - $2::float8) / $3::float8)::int8, sum(n)::int8
               FROM workpool.finished WHERE run = $1 GROUP BY 1 ORDER BY 1",
            &[&run, &start, &(step as f64)],
        )
        .await?;
    let mut bars = vec![0i64; n];
    for row in rows {
        let (bucket, jobs): (i64, i64) = (row.get(0), row.get(1));
        let index = usize::try_from(bucket.max(0)).unwrap_or(0).min(n - 1);
        bars[index] += jobs;
    }
    Ok(Chart { step_s: step, bars })
}

impl Chart {
    /// Jobs in all the bars.
    pub fn total(&self) -> i64 {
        self.bars.iter().sum()
    }

    /// The round number the chart's top stands for.
    pub fn top(&self) -> i64 {
        nice_ceiling(self.bars.iter().copied().max().unwrap_or(0))
    }

    /// The time labels under the chart, spread along its width: its
    /// start, middle and end, as `+5 min`.
    pub fn times(&self) -> Vec<String> {
        let slots = self.bars.len().max(MIN_SLOTS) as i64;
        vec![
            "0".to_owned(),
            format!("+{}", duration((slots * self.step_s / 2) as f64)),
            format!("+{}", duration((slots * self.step_s) as f64)),
        ]
    }

    /// The bars as an SVG element that stretches to its box (the page
    /// sets its height; its labels are text beside it, readable at any
    /// width): a bar per interval, its height to scale with [`Chart::top`],
    /// and its interval and count in a tooltip.
    pub fn svg(&self) -> String {
        const H: f64 = 100.0;
        const SLOT: f64 = 10.0;
        let top = self.top() as f64;
        let n = self.bars.len();
        // A short run's few bars stay narrow, from the left.
        let width = n.max(MIN_SLOTS) as f64 * SLOT;
        let mut out = String::new();
        let _ = write!(
            out,
            r#"<svg class="chart" viewBox="0 0 {width} {H}" preserveAspectRatio="none" role="img" aria-label="{} jobs finished, per {}" xmlns="http://www.w3.org/2000/svg">"#,
            thousands(self.total()),
            duration(self.step_s as f64)
        );
        let _ = write!(
            out,
            r#"<line class="grid" x1="0" y1="0.5" x2="{width}" y2="0.5" vector-effect="non-scaling-stroke"/>"#
        );
        for (i, &jobs) in self.bars.iter().enumerate() {
            let h = jobs as f64 / top * H;
            let from = i as i64 * self.step_s;
            let _ = write!(
                out,
                r#"<rect class="bar" x="{:.1}" y="{:.2}" width="{:.1}" height="{h:.2}"><title>{}: {} jobs</title></rect>"#,
                i as f64 * SLOT,
                H - h,
                SLOT - 1.0,
                escape(&format!(
                    "+{} to +{}",
                    duration(from as f64),
                    duration((from + self.step_s) as f64)
                )),
                thousands(jobs)
            );
        }
        out.push_str("</svg>");
        out
    }
}

/// The smallest 1, 2 or 5 times a power of ten at or above `n` (at least
/// 1): a round number for the chart's top.
fn nice_ceiling(n: i64) -> i64 {
    let mut power = 1i64;
    loop {
        for m in [1, 2, 5] {
            let v = power.saturating_mul(m);
            if v >= n.max(1) {
                return v;
            }
        }
        power = power.saturating_mul(10);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_interval_grows_with_the_run() {
        assert_eq!(step_for(1.0), 1);
        assert_eq!(step_for(60.0), 1);
        assert_eq!(step_for(61.0), 2);
        assert_eq!(step_for(600.0), 10);
        assert_eq!(step_for(3600.0), 60);
        assert_eq!(step_for(86400.0), 1800);
        assert_eq!(step_for(100.0 * 86400.0), 2 * 86400);
    }

    #[test]
    fn nice_tops() {
        assert_eq!(nice_ceiling(0), 1);
        assert_eq!(nice_ceiling(1), 1);
        assert_eq!(nice_ceiling(3), 5);
        assert_eq!(nice_ceiling(7), 10);
        assert_eq!(nice_ceiling(101), 200);
        assert_eq!(nice_ceiling(4999), 5000);
    }

    #[test]
    fn bars_are_drawn_to_scale_with_their_counts() {
        let chart = Chart {
            step_s: 10,
            bars: vec![0, 50, 100, 25],
        };
        let svg = chart.svg();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"), "{svg}");
        let heights: Vec<f64> = svg
            .split("<rect class=\"bar\"")
            .skip(1)
            .map(|r| {
                let h = r.split("height=\"").nth(1).unwrap();
                h[..h.find('"').unwrap()].parse().unwrap()
            })
            .collect();
        assert_eq!(heights.len(), 4);
        assert_eq!(heights[0], 0.0);
        assert!((heights[2] - 2.0 * heights[1]).abs() < 0.2, "{heights:?}");
        assert!((heights[2] - 4.0 * heights[3]).abs() < 0.2, "{heights:?}");
        assert!(
            svg.contains("<title>+10 s to +20 s: 50 jobs</title>"),
            "{svg}"
        );
        assert!(
            svg.contains("aria-label=\"175 jobs finished, per 10 s\""),
            "{svg}"
        );
        assert_eq!(chart.top(), 100);
        assert_eq!(chart.times(), ["0", "+1 min 40 s", "+3 min 20 s"]);
    }
}

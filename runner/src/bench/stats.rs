//! Median and p99 of timed samples, and how they are printed.

use std::time::Duration;

/// What one case measured for one guest.
#[derive(Debug, Clone, Copy)]
pub struct Summary {
    /// Number of timed calls.
    pub calls: usize,
    /// Median time per call.
    pub median: Duration,
    /// 99th percentile (nearest rank) per call.
    pub p99: Duration,
}

impl Summary {
    /// Sorts the samples and takes the median (mean of the two middle ones
    /// for an even count) and the nearest-rank 99th percentile.
    pub fn of(mut samples: Vec<Duration>) -> Self {
        assert!(!samples.is_empty(), "no samples");
        samples.sort_unstable();
        let n = samples.len();
        let median = if n % 2 == 1 {
            samples[n / 2]
        } else {
            (samples[n / 2 - 1] + samples[n / 2]) / 2
        };
        // Nearest rank: the smallest sample with at least 99% of samples at or below it.
        let rank = (n * 99).div_ceil(100).max(1);
        Self {
            calls: n,
            median,
            p99: samples[rank - 1],
        }
    }

    /// Median in microseconds.
    pub fn median_us(&self) -> f64 {
        us(self.median)
    }

    /// p99 in microseconds.
    pub fn p99_us(&self) -> f64 {
        us(self.p99)
    }
}

/// A duration in microseconds.
pub fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// Microseconds with one decimal.
pub fn fmt_us(value: f64) -> String {
    format!("{value:.1}")
}

/// A ratio with two decimals and a trailing `x`.
pub fn fmt_ratio(value: f64) -> String {
    format!("{value:.2}x")
}

/// A byte count with thousands separators.
pub fn fmt_bytes(bytes: usize) -> String {
    let digits = bytes.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A plain text table: a header, rows, every column padded to its widest
/// cell; the first `left` columns are left-aligned, the others right-aligned.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    left: usize,
}

impl Table {
    /// A table with these column titles.
    pub fn new(header: &[&str], left: usize) -> Self {
        Self {
            header: header.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
            left,
        }
    }

    /// Adds one row (as many cells as the header).
    pub fn row(&mut self, cells: Vec<String>) {
        assert_eq!(cells.len(), self.header.len(), "row width");
        self.rows.push(cells);
    }

    /// The table as lines of text, header underlined.
    pub fn render(&self) -> String {
        let widths: Vec<usize> = (0..self.header.len())
            .map(|c| {
                std::iter::once(&self.header)
                    .chain(&self.rows)
                    .map(|r| r[c].chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: &[String]| {
            let padded: Vec<String> = cells
                .iter()
                .enumerate()
                .map(|(c, cell)| {
                    if c < self.left {
                        format!("{cell:<w$}", w = widths[c])
                    } else {
                        format!("{cell:>w$}", w = widths[c])
                    }
                })
                .collect();
            padded.join("  ").trim_end().to_owned()
        };
        let mut out = line(&self.header);
        out.push('\n');
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        out.push_str(&rule.join("  "));
        out.push('\n');
        for row in &self.rows {
            out.push_str(&line(row));
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(values: &[u64]) -> Vec<Duration> {
        values.iter().map(|v| Duration::from_millis(*v)).collect()
    }

    #[test]
    fn median_and_p99() {
        let s = Summary::of(ms(&[5, 1, 3]));
        assert_eq!(s.median, Duration::from_millis(3));
        assert_eq!(s.p99, Duration::from_millis(5));
        let s = Summary::of(ms(&[4, 1, 3, 2]));
        assert_eq!(s.median, Duration::from_micros(2500));
        let hundred: Vec<u64> = (1..=100).collect();
        let s = Summary::of(ms(&hundred));
        assert_eq!(s.p99, Duration::from_millis(99));
    }

    #[test]
    fn bytes_have_separators() {
        assert_eq!(fmt_bytes(281_317), "281,317");
        assert_eq!(fmt_bytes(999), "999");
        assert_eq!(fmt_bytes(1_000), "1,000");
    }
}

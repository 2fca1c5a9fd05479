//! Plain-text tables and number formatting shared by the readable reports
//! (the plan summary, what-if comparisons, the criticality ranking). Pure
//! `std`; imports nothing of the crate.

use std::fmt::Write as _;

/// How a column's cells line up.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Align {
    Left,
    Right,
}

/// Columns padded to their widest cell, so any id length lines up.
pub(crate) struct Table {
    headers: Vec<&'static str>,
    align: Vec<Align>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub(crate) fn new(columns: &[(&'static str, Align)]) -> Table {
        Table {
            headers: columns.iter().map(|(h, _)| *h).collect(),
            align: columns.iter().map(|(_, a)| *a).collect(),
            rows: Vec::new(),
        }
    }

    pub(crate) fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Writes the header and the rows, each line starting with `indent`.
    pub(crate) fn write(&self, out: &mut String, indent: &str) {
        let widths: Vec<usize> = (0..self.headers.len())
            .map(|c| {
                self.rows
                    .iter()
                    .filter_map(|r| r.get(c))
                    .map(|s| s.chars().count())
                    .chain([self.headers[c].chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let header: Vec<String> = self.headers.iter().map(|h| h.to_string()).collect();
        for cells in std::iter::once(&header).chain(&self.rows) {
            let mut line = String::from(indent);
            for (c, cell) in cells.iter().enumerate() {
                let width = widths[c];
                if c > 0 {
                    line.push_str("  ");
                }
                let _ = match self.align[c] {
                    Align::Left => write!(line, "{cell:<width$}"),
                    Align::Right => write!(line, "{cell:>width$}"),
                };
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
}

/// `v` with `decimals` decimals and thousands separated by commas:
/// `1234567.891` -> `1,234,567.89`. A value that rounds to zero has no sign.
pub(crate) fn number(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    let text = format!("{:.*}", decimals, v.abs());
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text.as_str(), None),
    };
    let mut grouped = String::new();
    for (i, digit) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    if let Some(frac) = frac {
        grouped.push('.');
        grouped.push_str(frac);
    }
    let is_zero = text.chars().all(|c| c == '0' || c == '.');
    if v < 0.0 && !is_zero {
        grouped.insert(0, '-');
    }
    grouped
}

/// A delta with its sign: `+1,200.00`, `-3.50`, `0.00`.
pub(crate) fn signed(v: f64, decimals: usize) -> String {
    let text = number(v, decimals);
    if v > 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        format!("+{text}")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_and_rounded() {
        assert_eq!(number(1234567.891, 2), "1,234,567.89");
        assert_eq!(number(999.999, 2), "1,000.00");
        assert_eq!(number(12.0, 0), "12");
        assert_eq!(number(-1234.5, 1), "-1,234.5");
        assert_eq!(number(-0.0001, 2), "0.00");
    }

    #[test]
    fn signed_numbers_show_their_sign_except_zero() {
        assert_eq!(signed(1234.5, 2), "+1,234.50");
        assert_eq!(signed(-3.5, 1), "-3.5");
        assert_eq!(signed(1e-9, 2), "0.00");
    }

    #[test]
    fn columns_pad_to_their_widest_cell() {
        let mut t = Table::new(&[("id", Align::Left), ("qty", Align::Right)]);
        t.row(vec!["line-10".into(), "5".into()]);
        let mut out = String::new();
        t.write(&mut out, "  ");
        assert_eq!(out, "  id       qty\n  line-10    5\n");
    }
}

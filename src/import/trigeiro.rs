//! Importer of the capacitated lot-sizing instances of Trigeiro, Thomas &
//! McClain (1989) (`F1.DAT` .. `G75.DAT`) into network documents.
//!
//! The instance is the classical CLSP with setup times: `N` items made on one
//! resource of capacity `C_t`, unit time `a_j`, setup time `st_j`, setup cost
//! `sc_j`, holding cost `h_j` per unit left at the end of a period, demand
//! `d_jt` met from stock or production of the same or an earlier period, zero
//! initial stock, no production cost, no backlog. The document says exactly
//! that: one leader enterprise with one site `plant`, one line `resource` with
//! capacity `C_t`, per item `itemJ` one operation on that line (load `a_j`,
//! setup time and cost, cost 0, no inputs, no minimum lot) and one stock
//! (initial 0, holding cost `h_j`), and one demand per item and period with a
//! positive quantity. docs/model.md charges holding on the stock at the end of every
//! period `0..T-1`, as Trigeiro's objective does, so a plan that delivers
//! everything on time costs exactly its setup and holding costs.
//!
//! **No backlog.** The model always allows late and unmet units; both get
//! the policy penalty `P` per unit (per unit and period late), chosen so that
//! no optimal plan uses them when the instance has a plan without backlog:
//!
//! 1. *An optimum without backlog costs at most*
//!    `U = sum_j T sc_j + sum_j h_j sum_t t d_jt` (periods 0-based). Take any
//!    plan without backlog and cut each item's production, latest periods
//!    first, until it makes exactly its total demand: stock stays >= 0 and
//!    capacity is only freed. Then the stock at the end of `t` is at most the
//!    demand due after `t`, whose holding summed over the horizon is
//!    `sum_t t d_jt`, and there are at most `T` setups per item.
//! 2. *Any vertex that uses backlog costs more than `U`.* Fix the setups `y`.
//!    Measured in capacity units (`a_j` times item units) the remaining linear
//!    program is a min-cost flow: each period's free capacity
//!    `C_t - sum_j st_j y_jt` flows to the items set up in it (at most
//!    `C_t - st_j` each), on through stock arcs to the demands, which are also
//!    fed by an unmet arc, with idle capacity, final stock and unused unmet
//!    supply draining to one sink. When every capacity, setup time and
//!    `a_j d_jt` is a multiple of `g` (`g = 10^-k`, `k` the most decimals
//!    those numbers have as the file writes them, counting for `a_j d_jt` the
//!    decimals of `a_j` plus those of `d_jt`; `g = 1` for the published
//!    instances with unit times 1), every vertex has all its flows in
//!    multiples of `g`,
//!    so a vertex that leaves item `j` short or late does so by at least
//!    `g / a_j` item units, at least one period late, and costs at least
//!    `P g / a_j`.
//! 3. With `P = ceil((U + 1) max_j a_j / g)` that exceeds `U`. Every plan
//!    without backlog is a plan of the document with the same cost, so the
//!    document's optimum is at most `U`. It lies on the optimal face of the
//!    linear program of its own setups, whose vertices all cost the optimum;
//!    so no vertex of that face, and hence no point of it, uses late or unmet
//!    units. The document's optimum is then the lot-sizing optimum.
//!
//! When no plan without backlog exists the document's optimum uses backlog,
//! and its plan shows it (`service.late`, `service.unmet`).
//!
//! [`trigeiro_document`] is pure (text in, document out); only
//! [`read_trigeiro`] touches the file system. Imports the domain types only.

use crate::model::{
    Demand, Enterprise, Horizon, Item, Line, NetworkDoc, Operation, PerPeriod, Policy, Role, Site,
    Stock, MAX_PERIODS,
};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Items per block of demand columns: files with more items give the demand
/// of items 16.. in further blocks of `T` rows.
const BLOCK_COLUMNS: usize = 15;

/// The most decimals counted for the grid of the no-backlog penalty: a file
/// with more gives a penalty too large for a document anyway.
const MAX_DECIMALS: u32 = 12;

/// Largest number a document may hold (`model::validate::MAX_MAGNITUDE`).
const MAX_PENALTY: f64 = 1e12;

/// Why a Trigeiro file could not be turned into a document. Line numbers are
/// 1-based lines of the file.
#[derive(Debug, Error)]
pub enum TrigeiroError {
    /// The file ends before all the data its first line announces.
    #[error("the file ends before {what}")]
    Truncated { what: String },
    /// A field that must be a number is something else, or out of range.
    #[error("line {line}: {what} must be {rule}, not \"{value}\"")]
    BadNumber {
        line: usize,
        what: String,
        rule: &'static str,
        value: String,
    },
    /// A line has the wrong number of fields.
    #[error("line {line}: {reason}")]
    Malformed { line: usize, reason: String },
    /// Numbers follow the demand where only the legend may.
    #[error("line {line}: \"{value}\" after the last demand row; the items and periods of line 1 do not match the data")]
    TrailingNumber { line: usize, value: String },
    /// The horizon is out of range.
    #[error("line 1: periods must be between 1 and {MAX_PERIODS}, not {0}")]
    Periods(usize),
    /// The no-backlog penalty the data need exceeds what a document may hold.
    #[error("the penalty that rules out backlog would be {0:e}, above the largest number a document may hold (1e12)")]
    PenaltyTooLarge(f64),
    /// The file could not be read.
    #[error("reading {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl TrigeiroError {
    /// The line the problem is on, where there is one.
    pub fn line(&self) -> Option<usize> {
        match self {
            TrigeiroError::BadNumber { line, .. }
            | TrigeiroError::Malformed { line, .. }
            | TrigeiroError::TrailingNumber { line, .. } => Some(*line),
            TrigeiroError::Periods(_) => Some(1),
            _ => None,
        }
    }
}

/// One item of an instance.
#[derive(Debug, Clone, PartialEq)]
pub struct TrigeiroItem {
    /// Capacity used per unit made (> 0).
    pub unit_time: f64,
    /// Cost per unit in stock at the end of a period.
    pub holding_cost: f64,
    /// Capacity used by a setup.
    pub setup_time: f64,
    /// Cost of a setup.
    pub setup_cost: f64,
}

/// A parsed Trigeiro instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Trigeiro {
    /// Capacity of the resource in each period (`T` values).
    pub capacity: Vec<f64>,
    pub items: Vec<TrigeiroItem>,
    /// `demand[t][j]`: units of item `j` due in period `t`.
    pub demand: Vec<Vec<f64>>,
    /// `k` of the no-backlog argument (module doc): capacities, setup times
    /// and `a_j d_jt` are all multiples of `g = 10^-k`.
    pub grid_decimals: u32,
}

/// Reads a `.DAT` file and imports it as `trigeiro-<file stem>`.
///
/// # Errors
/// `Io` when the file cannot be read, otherwise as [`trigeiro_document`].
pub fn read_trigeiro(path: &Path) -> Result<NetworkDoc, TrigeiroError> {
    let text = std::fs::read_to_string(path).map_err(|source| TrigeiroError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    trigeiro_document(&text, &format!("trigeiro-{stem}"))
}

/// Builds the network document of a Trigeiro instance from the text of its
/// file (module doc). The same text gives the same document.
///
/// # Errors
/// As [`parse_trigeiro`]; `PenaltyTooLarge` when the no-backlog penalty
/// would exceed 1e12.
pub fn trigeiro_document(text: &str, name: &str) -> Result<NetworkDoc, TrigeiroError> {
    let instance = parse_trigeiro(text)?;
    let penalty = instance.no_backlog_penalty();
    if penalty > MAX_PENALTY {
        return Err(TrigeiroError::PenaltyTooLarge(penalty));
    }
    Ok(instance.document(name, penalty))
}

/// Parses the text of a `.DAT` file: `items periods`; a line not used; the
/// capacity (one number for every period, or `T` numbers); per item
/// `unit_time holding_cost setup_time setup_cost`; the demand, one row per
/// period and one column per item, in blocks of 15 columns. What follows the
/// demand (the legend `Bi hi su su` / `time cost`) is ignored, as is a DOS
/// end-of-file mark.
///
/// # Errors
/// `Malformed` for a header line with the wrong number of fields,
/// `BadNumber` for a field that is not a finite number in range (unit times
/// must be > 0, everything else >= 0), `Periods` for a horizon outside
/// `1..=MAX_PERIODS`, `Truncated` when the data stop early, and
/// `TrailingNumber` when numbers remain after the demand.
pub fn parse_trigeiro(text: &str) -> Result<Trigeiro, TrigeiroError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Some files of the era end with a DOS end-of-file mark (Ctrl-Z).
    let text = text.split('\u{1a}').next().unwrap_or_default();
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| !l.trim().is_empty());

    let (line, header) = lines.next().ok_or(TrigeiroError::Truncated {
        what: "the line `items periods`".into(),
    })?;
    let header: Vec<&str> = header.split_whitespace().collect();
    if header.len() != 2 {
        return Err(TrigeiroError::Malformed {
            line,
            reason: format!("expected `items periods`, found {} fields", header.len()),
        });
    }
    let items = count(line, "the number of items", header[0])?;
    let periods = count(line, "the number of periods", header[1])?;
    if periods > MAX_PERIODS as usize {
        return Err(TrigeiroError::Periods(periods));
    }
    // The second line (the number of resources, always 1) is not used.
    lines.next().ok_or(TrigeiroError::Truncated {
        what: "the capacity line".into(),
    })?;
    let (line, capacity_text) = lines.next().ok_or(TrigeiroError::Truncated {
        what: "the capacity line".into(),
    })?;
    let capacity_fields: Vec<&str> = capacity_text.split_whitespace().collect();
    if capacity_fields.len() != 1 && capacity_fields.len() != periods {
        return Err(TrigeiroError::Malformed {
            line,
            reason: format!(
                "the capacity is one number or one per period ({periods}), not {} numbers",
                capacity_fields.len()
            ),
        });
    }
    let capacity_values = capacity_fields
        .iter()
        .map(|v| number(line, "the capacity", v, Rule::NonNegative))
        .collect::<Result<Vec<f64>, _>>()?;
    let capacity = if capacity_values.len() == 1 {
        vec![capacity_values[0]; periods]
    } else {
        capacity_values
    };
    let mut most_decimals = capacity_fields
        .iter()
        .map(|v| decimals(v))
        .max()
        .unwrap_or(0);

    // The rest is read as a stream of fields: items, then the demand blocks.
    let mut fields = lines.flat_map(|(line, l)| l.split_whitespace().map(move |f| (line, f)));
    let mut next = |what: &dyn Fn() -> String| {
        fields
            .next()
            .ok_or_else(|| TrigeiroError::Truncated { what: what() })
    };

    let mut parsed_items = Vec::with_capacity(items);
    let mut unit_decimals = Vec::with_capacity(items);
    for j in 1..=items {
        let mut field = |name: &str, rule: Rule| -> Result<(f64, u32), TrigeiroError> {
            let (line, text) = next(&|| format!("the {name} of item {j}"))?;
            let value = number(line, &format!("the {name} of item {j}"), text, rule)?;
            Ok((value, decimals(text)))
        };
        let (unit_time, unit_dec) = field("unit time", Rule::Positive)?;
        let (holding_cost, _) = field("holding cost", Rule::NonNegative)?;
        let (setup_time, setup_dec) = field("setup time", Rule::NonNegative)?;
        let (setup_cost, _) = field("setup cost", Rule::NonNegative)?;
        most_decimals = most_decimals.max(setup_dec);
        unit_decimals.push(unit_dec);
        parsed_items.push(TrigeiroItem {
            unit_time,
            holding_cost,
            setup_time,
            setup_cost,
        });
    }

    let mut demand = vec![vec![0.0; items]; periods];
    for first in (0..items).step_by(BLOCK_COLUMNS) {
        let block = first..(first + BLOCK_COLUMNS).min(items);
        for (t, row) in demand.iter_mut().enumerate() {
            for j in block.clone() {
                let what = || format!("the demand of item {} in period {}", j + 1, t + 1);
                let (line, text) = next(&what)?;
                row[j] = number(line, &what(), text, Rule::NonNegative)?;
                most_decimals = most_decimals.max(unit_decimals[j] + decimals(text));
            }
        }
    }
    if let Some((line, text)) = fields.find(|(_, f)| f.parse::<f64>().is_ok()) {
        return Err(TrigeiroError::TrailingNumber {
            line,
            value: text.to_string(),
        });
    }
    Ok(Trigeiro {
        capacity,
        items: parsed_items,
        demand,
        grid_decimals: most_decimals.min(MAX_DECIMALS),
    })
}

impl Trigeiro {
    /// `U` of the module doc: a bound on the cost of an optimal plan without
    /// backlog (a setup of every item in every period, plus every unit made
    /// in period 0 and held until it is due).
    pub fn cost_bound(&self) -> f64 {
        let periods = self.capacity.len() as f64;
        let setups: f64 = self.items.iter().map(|i| periods * i.setup_cost).sum();
        let holding: f64 = self
            .demand
            .iter()
            .enumerate()
            .map(|(t, row)| {
                row.iter()
                    .zip(&self.items)
                    .map(|(d, i)| i.holding_cost * d * t as f64)
                    .sum::<f64>()
            })
            .sum();
        setups + holding
    }

    /// The late and unmet penalty `P = ceil((U + 1) max_j a_j / g)` of the
    /// module doc, which no optimum pays when a plan without backlog exists.
    pub fn no_backlog_penalty(&self) -> f64 {
        let max_unit_time = self.items.iter().map(|i| i.unit_time).fold(0.0, f64::max);
        // Times 10^k rather than over 10^-k: 10^k is exact in binary.
        ((self.cost_bound() + 1.0) * max_unit_time * 10f64.powi(self.grid_decimals as i32)).ceil()
    }

    /// The network document of the instance with late and unmet units
    /// charged `penalty` each (per period late).
    pub fn document(&self, name: &str, penalty: f64) -> NetworkDoc {
        const SITE: &str = "plant";
        const LINE: &str = "resource";
        let periods = self.capacity.len() as u32;
        let item_id = |j: usize| format!("item{}", j + 1);
        let capacity = match self.capacity.first() {
            Some(&c) if self.capacity.iter().all(|&v| v == c) => PerPeriod::Scalar(c),
            _ => PerPeriod::Series(self.capacity.clone()),
        };
        let mut doc = NetworkDoc {
            name: Some(name.to_string()),
            horizon: Horizon {
                periods,
                period: Some("period".into()),
                start: None,
            },
            policy: Policy {
                late_penalty: penalty,
                unmet_penalty: penalty,
                ..Policy::default()
            },
            ..NetworkDoc::empty(periods)
        };
        doc.enterprises.push(Enterprise {
            id: SITE.into(),
            name: None,
            role: Role::Leader,
        });
        doc.sites.push(Site {
            id: SITE.into(),
            enterprise: SITE.into(),
            name: None,
            region: None,
        });
        let mut line = Line {
            id: LINE.into(),
            site: SITE.into(),
            capacity,
            downtime: Vec::new(),
            operations: Vec::with_capacity(self.items.len()),
        };
        for (j, item) in self.items.iter().enumerate() {
            doc.items.push(Item {
                id: item_id(j),
                name: None,
                unit: None,
            });
            line.operations.push(Operation {
                id: None,
                item: item_id(j),
                load: item.unit_time,
                cost: 0.0,
                co2: 0.0,
                inputs: Vec::new(),
                setup_cost: item.setup_cost,
                setup_time: item.setup_time,
                min_lot: 0.0,
            });
            doc.stocks.push(Stock {
                site: SITE.into(),
                item: item_id(j),
                initial: 0.0,
                holding_cost: item.holding_cost,
                safety: 0.0,
                max: None,
            });
        }
        doc.lines.push(line);
        for j in 0..self.items.len() {
            for (t, row) in self.demand.iter().enumerate() {
                if row[j] > 0.0 {
                    doc.demands.push(Demand {
                        id: format!("{}@{t}", item_id(j)),
                        site: SITE.into(),
                        item: item_id(j),
                        period: t as u32,
                        qty: row[j],
                        late_penalty: None,
                        unmet_penalty: None,
                    });
                }
            }
        }
        doc
    }
}

/// The range a number must be in.
#[derive(Debug, Clone, Copy)]
enum Rule {
    Positive,
    NonNegative,
}

fn number(line: usize, what: &str, text: &str, rule: Rule) -> Result<f64, TrigeiroError> {
    let (ok, rule_text) = match rule {
        Rule::Positive => ((|v: f64| v > 0.0) as fn(f64) -> bool, "a finite number > 0"),
        Rule::NonNegative => (
            (|v: f64| v >= 0.0) as fn(f64) -> bool,
            "a finite number >= 0",
        ),
    };
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() && ok(v) => Ok(v),
        _ => Err(TrigeiroError::BadNumber {
            line,
            what: what.to_string(),
            rule: rule_text,
            value: text.to_string(),
        }),
    }
}

fn count(line: usize, what: &str, text: &str) -> Result<usize, TrigeiroError> {
    match text.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(TrigeiroError::BadNumber {
            line,
            what: what.to_string(),
            rule: "a whole number >= 1",
            value: text.to_string(),
        }),
    }
}

/// Decimals a number written as `text` has after its point, trailing zeros
/// dropped (`"30."` 0, `"0.50"` 1, `"1.25e-1"` 3). It may count too many
/// (`"1200e-2"` gives 2), which only makes the grid finer: still valid.
fn decimals(text: &str) -> u32 {
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(at) => (&text[..at], text[at + 1..].parse::<i64>().unwrap_or(0)),
        None => (text, 0),
    };
    let fraction = mantissa
        .split_once('.')
        .map_or(0, |(_, f)| f.trim_end_matches('0').len()) as i64;
    (fraction - exponent).clamp(0, MAX_DECIMALS as i64) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::validate;

    /// Two items over three periods, with the legend of the published files.
    const SMALL: &str = "    2    3
    1
  100
 1.00 2.00  10. 50.
 0.50 1.00  20. 80.
   10    0
    0   20
   30   40
  Bi   hi   su   su
           time cost
";

    #[test]
    fn reads_items_capacity_and_demand_rows() {
        let t = parse_trigeiro(SMALL).unwrap();
        assert_eq!(t.capacity, vec![100.0; 3]);
        assert_eq!(
            t.items[1],
            TrigeiroItem {
                unit_time: 0.5,
                holding_cost: 1.0,
                setup_time: 20.0,
                setup_cost: 80.0
            }
        );
        assert_eq!(
            t.demand,
            vec![vec![10.0, 0.0], vec![0.0, 20.0], vec![30.0, 40.0]]
        );
        // 0.5 times whole demands: multiples of 0.1.
        assert_eq!(t.grid_decimals, 1);
    }

    #[test]
    fn more_than_fifteen_items_come_in_blocks_of_fifteen_columns() {
        let items = 17;
        let mut text = format!("{items} 2\n1\n500\n");
        for _ in 0..items {
            text.push_str("1 1 0 10\n");
        }
        // Block 1: items 1-15 for periods 1 and 2; block 2: items 16-17.
        for t in 0..2 {
            let row: Vec<String> = (0..15).map(|j| (100 * t + j + 1).to_string()).collect();
            text.push_str(&row.join(" "));
            text.push('\n');
        }
        text.push_str("116 117\n216 217\n");
        let t = parse_trigeiro(&text).unwrap();
        assert_eq!(t.demand[0][0], 1.0);
        assert_eq!(t.demand[0][14], 15.0);
        assert_eq!(t.demand[1][14], 115.0);
        assert_eq!(t.demand[0][15], 116.0);
        assert_eq!(t.demand[1][16], 217.0);
    }

    #[test]
    fn a_capacity_per_period_and_a_dos_end_mark_are_read() {
        let text = SMALL.replace("\n  100\n", "\n  100 90 80\n") + "\u{1a}";
        let t = parse_trigeiro(&text).unwrap();
        assert_eq!(t.capacity, vec![100.0, 90.0, 80.0]);
        let doc = t.document("x", 1.0);
        assert_eq!(
            doc.lines[0].capacity,
            PerPeriod::Series(vec![100.0, 90.0, 80.0])
        );
    }

    #[test]
    fn the_document_is_valid_and_charges_the_penalty_to_backlog() {
        let doc = trigeiro_document(SMALL, "small").unwrap();
        let report = validate(&doc);
        assert!(report.is_valid(), "{:?}", report.errors);
        // U by hand: setups 3 * (50 + 80) = 390; holding of item1
        // 2 * (10 * 0 + 30 * 2) = 120, of item2 1 * (20 * 1 + 40 * 2) = 100.
        let t = parse_trigeiro(SMALL).unwrap();
        assert_eq!(t.cost_bound(), 610.0);
        // P = (U + 1) * max a_j / g = 611 * 1.0 / 0.1.
        assert_eq!(doc.policy.unmet_penalty, 6110.0);
        assert_eq!(doc.policy.late_penalty, 6110.0);
        assert_eq!(doc.demands.len(), 4);
        assert_eq!(
            doc.lines[0].operations[1].id_in("resource"),
            "resource/item2"
        );
    }

    #[test]
    fn decimals_count_the_significant_fraction() {
        assert_eq!(decimals("30."), 0);
        assert_eq!(decimals("1456"), 0);
        assert_eq!(decimals("0.50"), 1);
        assert_eq!(decimals("1.25"), 2);
        assert_eq!(decimals("1.25e-1"), 3);
        assert_eq!(decimals("1.5E2"), 0);
    }

    #[test]
    fn bad_input_names_its_line() {
        let cases = [
            (SMALL.replace("    2    3", "    2"), Some(1)),
            (SMALL.replace("    2    3", "    0    3"), Some(1)),
            (SMALL.replace(" 0.50 1.00", " 0.00 1.00"), Some(5)),
            (SMALL.replace("   0   20", "   0   -2"), Some(7)),
            (SMALL.replace("  100", "  1 2"), Some(3)),
            (SMALL.replace("  Bi", "  5 Bi"), Some(9)),
        ];
        for (text, line) in cases {
            let err = parse_trigeiro(&text).unwrap_err();
            assert_eq!(err.line(), line, "{err}");
        }
        let truncated = SMALL.lines().take(7).collect::<Vec<_>>().join("\n");
        assert!(matches!(
            parse_trigeiro(&truncated),
            Err(TrigeiroError::Truncated { .. })
        ));
    }
}

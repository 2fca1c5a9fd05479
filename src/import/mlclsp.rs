//! Importer of the multi-level capacitated lot-sizing (MLCLSP) instances of
//! Tempelmeier & Derstroff (1996) into network documents.
//!
//! An instance is three files in one folder: `NAME.TMP` (dimensions, setup
//! costs per item and resource, holding costs, capacities per resource and
//! period), the structure file `<c1><c2>______.DAT` (per item its setup
//! time, echelon holding cost, resource and unit time; then the arcs
//! `parent component qty lead_time` up to a line `0`) and the demand file
//! `<c1>_<c3><c4><c5>___.DT<c8>` (`c_k` the `k`-th character of `NAME`: mean
//! demand per end item, then `period d_1 .. d_E`). Names are matched without
//! regard to case (class C writes `.cap`, class D `Setup1`).
//!
//! The document: one leader enterprise with one site `plant`; per resource
//! `r` a line `resourceR` with its capacity per period; per item `itemJ` one
//! operation on its resource's line (load = unit time, setup time, setup cost,
//! cost 0, inputs = its components with their quantity per unit, no minimum
//! lot) and one stock (initial 0); demands of the end items (the items no arc
//! names as a component, in number order, one DT column each) per period.
//!
//! - **Holding costs.** The MLCLSP charges the echelon holding cost `e_j` on
//!   echelon stock (the stock of `j` plus the `j` inside every stock of its
//!   successors). With components consumed in the period their parent is made,
//!   `sum_j e_j E_jt = sum_k h_k s_kt` with the full cost
//!   `h_k = e_k + sum_j qty_jk h_j` over `k`'s components, on physical stock at
//!   the end of the period: the model's convention. The importer computes `h_k`
//!   from the structure file and checks it against the `.TMP`'s holding costs,
//!   which are these full costs.
//! - **Lead times.** The model consumes inputs in the period the parent is
//!   made, which is the MLCLSP of the paper: its `min_lead_time` column is
//!   "not used in our numerical experiment" (`testdata.doc`) and is 0 in
//!   every published file. The importer ignores it.
//! - **No backlog.** Late and unmet units get the policy penalty
//!   `P = ceil(U + 1)` per unit (per unit and period late), with
//!   `U = sum_j T sc_j + T sum_j h_j G_j` and `G_j` item `j`'s gross
//!   requirement over the horizon (end demand exploded through the bill of
//!   materials). Cutting the production of a plan without backlog, end items
//!   first and latest periods first, until every item makes exactly its
//!   gross requirement keeps it feasible, so an optimum without backlog costs
//!   at most `U`: at most `T` setups per item and at most `G_j` in stock in
//!   any period. Every whole unit late or unmet costs more than that, so no
//!   optimum leaves a whole unit short. Unlike the single-level case (see
//!   `trigeiro`), the linear program of fixed setups is not a network flow
//!   (a parent draws on several components), so this does not exclude a
//!   fraction of a unit; a plan with zero late and unmet units is, however,
//!   an MLCLSP plan of the same cost, and the document is a relaxation of the
//!   MLCLSP, so such an optimal plan is an MLCLSP optimum. Check
//!   `service.late` and `service.unmet` (the lot-sizing benchmark does).
//!
//! [`mlclsp_document`] is pure (texts in, document out); only
//! [`read_mlclsp`] touches the file system. Imports the domain types only.

use crate::model::{
    Demand, Enterprise, Horizon, Input, Item, Line, NetworkDoc, Operation, PerPeriod, Policy, Role,
    Site, Stock, MAX_PERIODS,
};
use std::fmt;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Largest number a document may hold (`model::validate::MAX_MAGNITUDE`).
const MAX_PENALTY: f64 = 1e12;

/// How far the `.TMP`'s holding cost may be from the full cost computed from
/// the echelon costs (the `.TMP` prints four decimals).
const HOLDING_TOLERANCE: f64 = 1e-3;

/// Which of the three files a problem is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MlclspFile {
    /// `NAME.TMP`.
    Instance,
    /// `<c1><c2>______.DAT`.
    Structure,
    /// `<c1>_<c3><c4><c5>___.DT<c8>`.
    Demand,
}

impl fmt::Display for MlclspFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MlclspFile::Instance => "instance file (.TMP)",
            MlclspFile::Structure => "structure file (.DAT)",
            MlclspFile::Demand => "demand file (.DT)",
        })
    }
}

/// Why an MLCLSP instance could not be turned into a document. Line numbers
/// are 1-based lines of the file named.
#[derive(Debug, Error)]
pub enum MlclspError {
    /// The instance name is not the eight characters the file names use.
    #[error("instance name \"{0}\" is not 8 letters and digits (such as G0041111)")]
    InstanceName(String),
    /// A file the instance needs is not in the folder.
    #[error("no {file} {name} in {}", dir.display())]
    NotFound {
        file: MlclspFile,
        name: String,
        dir: PathBuf,
    },
    /// A line does not have the shape its place in the file requires.
    #[error("{file} line {line}: {reason}")]
    Malformed {
        file: MlclspFile,
        line: usize,
        reason: String,
    },
    /// A field that must be a number is something else, or out of range.
    #[error("{file} line {line}: {what} must be {rule}, not \"{value}\"")]
    BadNumber {
        file: MlclspFile,
        line: usize,
        what: String,
        rule: &'static str,
        value: String,
    },
    /// A file ends before the data it must hold.
    #[error("{file} ends before {what}")]
    Truncated { file: MlclspFile, what: String },
    /// The files disagree with one another.
    #[error("{0}")]
    Mismatch(String),
    /// The arcs loop, so no item could be made first.
    #[error("structure file (.DAT): the arcs form a cycle through item {0}")]
    Cycle(usize),
    /// The no-backlog penalty exceeds what a document may hold.
    #[error("the penalty that rules out backlog would be {0:e}, above the largest number a document may hold (1e12)")]
    PenaltyTooLarge(f64),
    /// A file could not be read.
    #[error("reading {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl MlclspError {
    /// The file and line the problem is on, where there is one.
    pub fn location(&self) -> Option<(MlclspFile, usize)> {
        match self {
            MlclspError::Malformed { file, line, .. }
            | MlclspError::BadNumber { file, line, .. } => Some((*file, *line)),
            _ => None,
        }
    }
}

/// One item of an instance.
#[derive(Debug, Clone, PartialEq)]
pub struct MlclspItem {
    /// Index of the resource that makes it (0-based).
    pub resource: usize,
    /// Capacity used per unit made (> 0).
    pub unit_time: f64,
    /// Capacity used by a setup.
    pub setup_time: f64,
    pub setup_cost: f64,
    /// Echelon holding cost `e_j` of the structure file.
    pub echelon_holding_cost: f64,
    /// Full holding cost `h_j` per unit of physical stock (module doc).
    pub holding_cost: f64,
}

/// `qty` units of `component` go into each unit of `parent` (0-based items).
#[derive(Debug, Clone, PartialEq)]
pub struct MlclspArc {
    pub parent: usize,
    pub component: usize,
    pub qty: f64,
}

/// A parsed MLCLSP instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Mlclsp {
    pub periods: usize,
    /// `capacity[r][t]`.
    pub capacity: Vec<Vec<f64>>,
    pub items: Vec<MlclspItem>,
    /// In file order, repeated arcs merged.
    pub arcs: Vec<MlclspArc>,
    /// The items no arc names as a component, in number order (0-based).
    pub end_items: Vec<usize>,
    /// `demand[t][k]`: units of `end_items[k]` due in period `t`.
    pub demand: Vec<Vec<f64>>,
}

/// The structure file of an instance: `G0041111` -> `G0______.DAT`.
///
/// # Errors
/// `InstanceName` unless the name is 8 ASCII letters and digits.
pub fn structure_file_name(instance: &str) -> Result<String, MlclspError> {
    let c = name_chars(instance)?;
    Ok(format!("{}{}______.DAT", c[0], c[1]))
}

/// The demand file of an instance: `G0041111` -> `G_041___.DT1`.
///
/// # Errors
/// `InstanceName` unless the name is 8 ASCII letters and digits.
pub fn demand_file_name(instance: &str) -> Result<String, MlclspError> {
    let c = name_chars(instance)?;
    Ok(format!("{}_{}{}{}___.DT{}", c[0], c[2], c[3], c[4], c[7]))
}

fn name_chars(instance: &str) -> Result<Vec<char>, MlclspError> {
    let chars: Vec<char> = instance.chars().collect();
    if chars.len() != 8 || !chars.iter().all(char::is_ascii_alphanumeric) {
        return Err(MlclspError::InstanceName(instance.to_string()));
    }
    Ok(chars)
}

/// Reads `NAME.TMP` with its structure and demand files from the same folder
/// and imports the instance as `mlclsp-NAME`.
///
/// # Errors
/// `InstanceName` for a file stem that is not an instance name, `NotFound`
/// when the structure or demand file is missing, `Io` when a file cannot be
/// read, otherwise as [`mlclsp_document`].
pub fn read_mlclsp(tmp: &Path) -> Result<NetworkDoc, MlclspError> {
    let stem = tmp
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = match tmp.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let structure = find_file(dir, &structure_file_name(&stem)?, MlclspFile::Structure)?;
    let demand = find_file(dir, &demand_file_name(&stem)?, MlclspFile::Demand)?;
    mlclsp_document(
        &read(tmp)?,
        &read(&structure)?,
        &read(&demand)?,
        &format!("mlclsp-{stem}"),
    )
}

fn read(path: &Path) -> Result<String, MlclspError> {
    // The files are ASCII; read bytes so a stray byte cannot stop the import.
    std::fs::read(path)
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .map_err(|source| MlclspError::Io {
            path: path.to_path_buf(),
            source,
        })
}

/// `dir/name`, or the one entry of `dir` whose name matches it in another case.
fn find_file(dir: &Path, name: &str, file: MlclspFile) -> Result<PathBuf, MlclspError> {
    let exact = dir.join(name);
    if exact.is_file() {
        return Ok(exact);
    }
    let not_found = || MlclspError::NotFound {
        file,
        name: name.to_string(),
        dir: dir.to_path_buf(),
    };
    let entries = std::fs::read_dir(dir).map_err(|_| not_found())?;
    entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.is_file()
                && p.file_name()
                    .is_some_and(|n| n.to_string_lossy().eq_ignore_ascii_case(name))
        })
        .ok_or_else(not_found)
}

/// Builds the network document of an instance from the texts of its three
/// files (module doc). The same texts give the same document.
///
/// # Errors
/// As [`parse_mlclsp`]; `PenaltyTooLarge` when the no-backlog penalty would
/// exceed 1e12.
pub fn mlclsp_document(
    instance: &str,
    structure: &str,
    demand: &str,
    name: &str,
) -> Result<NetworkDoc, MlclspError> {
    let parsed = parse_mlclsp(instance, structure, demand)?;
    let penalty = parsed.no_backlog_penalty();
    if penalty > MAX_PENALTY {
        return Err(MlclspError::PenaltyTooLarge(penalty));
    }
    Ok(parsed.document(name, penalty))
}

/// Parses and cross-checks the three files of an instance.
///
/// # Errors
/// `Malformed`, `BadNumber` and `Truncated` naming the file and line;
/// `Mismatch` when the files disagree (item counts, a resource out of range,
/// a setup cost on another resource than the item's, holding costs that are
/// not the full costs of the echelon costs, the end items and the demand
/// columns, the periods of the demand file); `Cycle` for a looping structure.
pub fn parse_mlclsp(instance: &str, structure: &str, demand: &str) -> Result<Mlclsp, MlclspError> {
    let tmp = read_instance(instance)?;
    let dat = read_structure(structure)?;
    if dat.items.len() != tmp.products {
        return Err(MlclspError::Mismatch(format!(
            "the instance file has {} products, the structure file {} items",
            tmp.products,
            dat.items.len()
        )));
    }
    let order = parents_first(dat.items.len(), &dat.arcs)?;

    let mut items = Vec::with_capacity(dat.items.len());
    for (j, row) in dat.items.iter().enumerate() {
        if row.resource == 0 || row.resource > tmp.resources {
            return Err(MlclspError::Mismatch(format!(
                "structure file line {}: item {} is made on resource {}, the instance has {}",
                row.line,
                j + 1,
                row.resource,
                tmp.resources
            )));
        }
        let r = row.resource - 1;
        let costs = &tmp.setup_costs[j * tmp.resources..(j + 1) * tmp.resources];
        if let Some(other) = (0..tmp.resources).find(|&q| q != r && costs[q] != 0.0) {
            return Err(MlclspError::Mismatch(format!(
                "item {} has a setup cost on resource {} but is made on resource {}",
                j + 1,
                other + 1,
                r + 1
            )));
        }
        items.push(MlclspItem {
            resource: r,
            unit_time: row.unit_time,
            setup_time: row.setup_time,
            setup_cost: costs[r],
            echelon_holding_cost: row.echelon,
            holding_cost: 0.0,
        });
    }
    // Full holding costs, components before parents.
    for &k in order.iter().rev() {
        let components: f64 = dat
            .arcs
            .iter()
            .filter(|a| a.parent == k)
            .map(|a| a.qty * items[a.component].holding_cost)
            .sum();
        items[k].holding_cost = items[k].echelon_holding_cost + components;
    }
    for (j, item) in items.iter().enumerate() {
        let given = tmp.holding[j];
        if (given - item.holding_cost).abs() > HOLDING_TOLERANCE * given.abs().max(1.0) {
            return Err(MlclspError::Mismatch(format!(
                "item {}: the instance file's holding cost {given} is not the full cost {} of the structure's echelon costs",
                j + 1,
                item.holding_cost
            )));
        }
    }

    let mut is_component = vec![false; items.len()];
    for a in &dat.arcs {
        is_component[a.component] = true;
    }
    let end_items: Vec<usize> = (0..items.len()).filter(|&j| !is_component[j]).collect();
    let demand = read_demand(demand, tmp.periods, end_items.len())?;
    Ok(Mlclsp {
        periods: tmp.periods,
        capacity: tmp
            .capacity
            .chunks(tmp.periods)
            .map(<[f64]>::to_vec)
            .collect(),
        items,
        arcs: dat.arcs,
        end_items,
        demand,
    })
}

impl Mlclsp {
    /// `G_j`: units of each item the end demand needs over the horizon.
    pub fn gross_requirements(&self) -> Vec<f64> {
        let mut gross = vec![0.0; self.items.len()];
        for row in &self.demand {
            for (k, &e) in self.end_items.iter().enumerate() {
                gross[e] += row[k];
            }
        }
        // Validated acyclic by `parse_mlclsp`; parents before components.
        let order = parents_first(self.items.len(), &self.arcs).unwrap_or_default();
        for &p in &order {
            for a in self.arcs.iter().filter(|a| a.parent == p) {
                gross[a.component] += a.qty * gross[p];
            }
        }
        gross
    }

    /// `U` of the module doc: a bound on the cost of an optimal plan without
    /// backlog.
    pub fn cost_bound(&self) -> f64 {
        let periods = self.periods as f64;
        let gross = self.gross_requirements();
        self.items
            .iter()
            .zip(&gross)
            .map(|(i, g)| periods * (i.setup_cost + i.holding_cost * g))
            .sum()
    }

    /// The late and unmet penalty `P = ceil(U + 1)` of the module doc.
    pub fn no_backlog_penalty(&self) -> f64 {
        (self.cost_bound() + 1.0).ceil()
    }

    /// The network document of the instance with late and unmet units
    /// charged `penalty` each (per period late).
    pub fn document(&self, name: &str, penalty: f64) -> NetworkDoc {
        const SITE: &str = "plant";
        let periods = self.periods as u32;
        let item_id = |j: usize| format!("item{}", j + 1);
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
        doc.lines = self
            .capacity
            .iter()
            .enumerate()
            .map(|(r, capacity)| Line {
                id: format!("resource{}", r + 1),
                site: SITE.into(),
                capacity: match capacity.first() {
                    Some(&c) if capacity.iter().all(|&v| v == c) => PerPeriod::Scalar(c),
                    _ => PerPeriod::Series(capacity.clone()),
                },
                downtime: Vec::new(),
                operations: Vec::new(),
            })
            .collect();
        for (j, item) in self.items.iter().enumerate() {
            doc.items.push(Item {
                id: item_id(j),
                name: None,
                unit: None,
            });
            doc.lines[item.resource].operations.push(Operation {
                id: None,
                item: item_id(j),
                load: item.unit_time,
                cost: 0.0,
                co2: 0.0,
                inputs: self
                    .arcs
                    .iter()
                    .filter(|a| a.parent == j)
                    .map(|a| Input {
                        item: item_id(a.component),
                        qty: a.qty,
                    })
                    .collect(),
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
        for (k, &e) in self.end_items.iter().enumerate() {
            for (t, row) in self.demand.iter().enumerate() {
                if row[k] > 0.0 {
                    doc.demands.push(Demand {
                        id: format!("{}@{t}", item_id(e)),
                        site: SITE.into(),
                        item: item_id(e),
                        period: t as u32,
                        qty: row[k],
                        late_penalty: None,
                        unmet_penalty: None,
                    });
                }
            }
        }
        doc
    }
}

/// Items in an order where every parent comes before its components
/// (Kahn's algorithm on the arcs).
fn parents_first(items: usize, arcs: &[MlclspArc]) -> Result<Vec<usize>, MlclspError> {
    let mut parents = vec![0usize; items];
    for a in arcs {
        parents[a.component] += 1;
    }
    let mut ready: Vec<usize> = (0..items).rev().filter(|&j| parents[j] == 0).collect();
    let mut order = Vec::with_capacity(items);
    while let Some(p) = ready.pop() {
        order.push(p);
        for a in arcs.iter().filter(|a| a.parent == p) {
            parents[a.component] -= 1;
            if parents[a.component] == 0 {
                ready.push(a.component);
            }
        }
    }
    match (0..items).find(|&j| parents[j] > 0) {
        Some(j) => Err(MlclspError::Cycle(j + 1)),
        None => Ok(order),
    }
}

// ---------------------------------------------------------------------------
// The three files.

/// Non-blank lines with their 1-based numbers, split into fields; a DOS
/// end-of-file mark (Ctrl-Z) ends the text.
fn field_lines(text: &str) -> Vec<(usize, Vec<&str>)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let text = text.split('\u{1a}').next().unwrap_or_default();
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.split_whitespace().collect::<Vec<_>>()))
        .filter(|(_, f)| !f.is_empty())
        .collect()
}

/// The range a number must be in.
#[derive(Debug, Clone, Copy)]
enum Rule {
    Positive,
    NonNegative,
}

fn number(
    file: MlclspFile,
    line: usize,
    what: impl FnOnce() -> String,
    text: &str,
    rule: Rule,
) -> Result<f64, MlclspError> {
    let value = text.parse::<f64>().ok().filter(|v| v.is_finite());
    let (ok, rule_text) = match rule {
        Rule::Positive => (value.is_some_and(|v| v > 0.0), "a finite number > 0"),
        Rule::NonNegative => (value.is_some_and(|v| v >= 0.0), "a finite number >= 0"),
    };
    match value {
        Some(v) if ok => Ok(v),
        _ => Err(MlclspError::BadNumber {
            file,
            line,
            what: what(),
            rule: rule_text,
            value: text.to_string(),
        }),
    }
}

fn count(
    file: MlclspFile,
    line: usize,
    what: impl FnOnce() -> String,
    text: &str,
) -> Result<usize, MlclspError> {
    match text.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(MlclspError::BadNumber {
            file,
            line,
            what: what(),
            rule: "a whole number >= 1",
            value: text.to_string(),
        }),
    }
}

/// The `.TMP` file: dimensions and the three tables.
struct InstanceFile {
    periods: usize,
    products: usize,
    resources: usize,
    /// products x resources, row by row.
    setup_costs: Vec<f64>,
    holding: Vec<f64>,
    /// resources x periods, row by row.
    capacity: Vec<f64>,
}

/// Which table the lines under a heading belong to.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Table {
    SetupCosts,
    Holding,
    Capacities,
}

fn read_instance(text: &str) -> Result<InstanceFile, MlclspError> {
    const FILE: MlclspFile = MlclspFile::Instance;
    let mut dims: Option<(usize, usize, usize)> = None;
    let mut table: Option<Table> = None;
    // Indexed by `Table as usize`.
    let mut values: [Vec<f64>; 3] = Default::default();
    for (line, fields) in field_lines(text) {
        let heading = fields[0].to_ascii_lowercase();
        if fields[0].parse::<f64>().is_err() {
            table = match heading.as_str() {
                "problem" => None,
                "periods" => {
                    dims = Some(read_dimensions(line, &fields)?);
                    None
                }
                "setup" => Some(Table::SetupCosts),
                "holding" => Some(Table::Holding),
                "capacities" => Some(Table::Capacities),
                _ => {
                    return Err(MlclspError::Malformed {
                        file: FILE,
                        line,
                        reason: format!("unexpected heading \"{}\"", fields.join(" ")),
                    })
                }
            };
            continue;
        }
        let Some(current) = table else {
            return Err(MlclspError::Malformed {
                file: FILE,
                line,
                reason: "numbers outside the setup cost, holding cost and capacity tables".into(),
            });
        };
        let what = match current {
            Table::SetupCosts => "a setup cost",
            Table::Holding => "a holding cost",
            Table::Capacities => "a capacity",
        };
        for field in fields {
            let v = number(FILE, line, || what.into(), field, Rule::NonNegative)?;
            values[current as usize].push(v);
        }
    }
    let (periods, products, resources) = dims.ok_or(MlclspError::Truncated {
        file: FILE,
        what: "the line `Periods T Products N Resources R`".into(),
    })?;
    let mut take = |table: Table, expected: usize, what: &str| {
        let got = std::mem::take(&mut values[table as usize]);
        if got.len() == expected {
            Ok(got)
        } else {
            Err(MlclspError::Mismatch(format!(
                "the instance file has {} {what}, {expected} expected",
                got.len()
            )))
        }
    };
    Ok(InstanceFile {
        setup_costs: take(
            Table::SetupCosts,
            products * resources,
            "setup costs (products x resources)",
        )?,
        holding: take(Table::Holding, products, "holding costs (one per product)")?,
        capacity: take(
            Table::Capacities,
            resources * periods,
            "capacities (resources x periods)",
        )?,
        periods,
        products,
        resources,
    })
}

/// `Periods T Products N Resources R`.
fn read_dimensions(line: usize, fields: &[&str]) -> Result<(usize, usize, usize), MlclspError> {
    const FILE: MlclspFile = MlclspFile::Instance;
    let mut found = [None; 3];
    for pair in fields.chunks(2) {
        let [key, value] = pair else {
            break;
        };
        let slot = match key.to_ascii_lowercase().as_str() {
            "periods" => 0,
            "products" => 1,
            "resources" => 2,
            _ => continue,
        };
        found[slot] = Some(count(FILE, line, || format!("the number of {key}"), value)?);
    }
    match found {
        [Some(t), Some(n), Some(r)] if t <= MAX_PERIODS as usize => Ok((t, n, r)),
        [Some(t), Some(_), Some(_)] => Err(MlclspError::BadNumber {
            file: FILE,
            line,
            what: "the number of periods".into(),
            rule: "at most 10000",
            value: t.to_string(),
        }),
        _ => Err(MlclspError::Malformed {
            file: FILE,
            line,
            reason: "expected `Periods T Products N Resources R`".into(),
        }),
    }
}

/// One item line of the structure file.
struct StructureItem {
    line: usize,
    setup_time: f64,
    echelon: f64,
    /// 1-based, as in the file.
    resource: usize,
    unit_time: f64,
}

struct StructureFile {
    items: Vec<StructureItem>,
    arcs: Vec<MlclspArc>,
}

fn read_structure(text: &str) -> Result<StructureFile, MlclspError> {
    const FILE: MlclspFile = MlclspFile::Structure;
    let lines = field_lines(text);
    let mut rows = lines.iter();
    let (line, first) = rows.next().ok_or(MlclspError::Truncated {
        file: FILE,
        what: "the number of items".into(),
    })?;
    let n = count(FILE, *line, || "the number of items".into(), first[0])?;
    let mut items: Vec<Option<StructureItem>> = (0..n).map(|_| None).collect();
    for k in 0..n {
        let (line, f) = rows.next().ok_or_else(|| MlclspError::Truncated {
            file: FILE,
            what: format!("the line of item {} of {n}", k + 1),
        })?;
        let line = *line;
        if f.len() < 8 {
            return Err(MlclspError::Malformed {
                file: FILE,
                line,
                reason: format!(
                    "an item line has 8 fields (item, setup time, echelon holding cost, -, -, resource, -, unit time), not {}",
                    f.len()
                ),
            });
        }
        let j = count(FILE, line, || "the item number".into(), f[0])?;
        if j > n || items[j - 1].is_some() {
            return Err(MlclspError::Malformed {
                file: FILE,
                line,
                reason: format!("item {j} is out of range 1..{n} or given twice"),
            });
        }
        items[j - 1] = Some(StructureItem {
            line,
            setup_time: number(
                FILE,
                line,
                || format!("the setup time of item {j}"),
                f[1],
                Rule::NonNegative,
            )?,
            echelon: number(
                FILE,
                line,
                || format!("the echelon holding cost of item {j}"),
                f[2],
                Rule::NonNegative,
            )?,
            resource: count(FILE, line, || format!("the resource of item {j}"), f[5])?,
            unit_time: number(
                FILE,
                line,
                || format!("the unit time of item {j}"),
                f[7],
                Rule::Positive,
            )?,
        });
    }
    // Every slot is filled: n lines, each a distinct number in 1..=n.
    let items: Vec<StructureItem> = items.into_iter().flatten().collect();

    let mut merged: Vec<MlclspArc> = Vec::new();
    for (line, f) in rows {
        let line = *line;
        if f.len() == 1 && f[0] == "0" {
            break;
        }
        if f.len() < 3 {
            return Err(MlclspError::Malformed {
                file: FILE,
                line,
                reason: "an arc is `parent component qty [lead time]`".into(),
            });
        }
        let item = |text: &str, role: &str| -> Result<usize, MlclspError> {
            let j = count(FILE, line, || format!("the {role} item"), text)?;
            if j > n {
                return Err(MlclspError::Malformed {
                    file: FILE,
                    line,
                    reason: format!("{role} item {j} is not one of the {n} items"),
                });
            }
            Ok(j - 1)
        };
        let parent = item(f[0], "parent")?;
        let component = item(f[1], "component")?;
        if parent == component {
            return Err(MlclspError::Cycle(parent + 1));
        }
        let qty = number(
            FILE,
            line,
            || "the quantity per parent".into(),
            f[2],
            Rule::Positive,
        )?;
        match merged
            .iter_mut()
            .find(|a| a.parent == parent && a.component == component)
        {
            Some(a) => a.qty += qty,
            None => merged.push(MlclspArc {
                parent,
                component,
                qty,
            }),
        }
    }
    Ok(StructureFile {
        items,
        arcs: merged,
    })
}

/// The demand file: the mean line, then `period d_1 .. d_E` for periods 1..T.
fn read_demand(text: &str, periods: usize, end_items: usize) -> Result<Vec<Vec<f64>>, MlclspError> {
    const FILE: MlclspFile = MlclspFile::Demand;
    let lines = field_lines(text);
    let Some((line, means)) = lines.first() else {
        return Err(MlclspError::Truncated {
            file: FILE,
            what: "the line of mean demands".into(),
        });
    };
    if means.len() != end_items {
        return Err(MlclspError::Mismatch(format!(
            "demand file line {line}: {} mean demands for the {end_items} end items of the structure",
            means.len()
        )));
    }
    let rows = &lines[1..];
    if rows.len() != periods {
        return Err(MlclspError::Mismatch(format!(
            "the demand file has {} periods, the instance file {periods}",
            rows.len()
        )));
    }
    rows.iter()
        .enumerate()
        .map(|(t, (line, f))| {
            let line = *line;
            if f.len() != end_items + 1 {
                return Err(MlclspError::Malformed {
                    file: FILE,
                    line,
                    reason: format!(
                        "a demand line is the period and {end_items} demands, not {} fields",
                        f.len()
                    ),
                });
            }
            if f[0].parse::<usize>() != Ok(t + 1) {
                return Err(MlclspError::Malformed {
                    file: FILE,
                    line,
                    reason: format!("period {} expected, not \"{}\"", t + 1, f[0]),
                });
            }
            f[1..]
                .iter()
                .enumerate()
                .map(|(k, v)| {
                    number(
                        FILE,
                        line,
                        || format!("the demand of end item {} in period {}", k + 1, t + 1),
                        v,
                        Rule::NonNegative,
                    )
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::validate;

    const TMP: &str = " Problem instance: G9121111
 Periods           2 Products           3 Resources           2
 Setup costs (rows = products, col = resources)
   10.0000     .0000
   20.0000     .0000
     .0000   30.0000
 Holding costs (rows = products)
    3.0000
    2.0000
    1.0000
 Capacities (rows = resources, col = periods)
  100.0000  100.0000
  150.0000  120.0000
";
    /// Items 1 and 2 end items on resource 1; item 3 their component
    /// (2 per unit of item 1, 1 per unit of item 2) on resource 2.
    const DAT: &str = "    3
    1     5.00     1.00    0    0    1    1     1.00
    2     5.00     1.00    0    0    1    1     2.00
    3    10.00     1.00    1    1    2    1     1.00
    1    3    2.00     0
    2    3    1.00     0
    0
";
    const DT: &str = "         10    20
    1    10    20
    2     5    25
\u{1a}";

    #[test]
    fn file_names_follow_the_instance_name() {
        assert_eq!(structure_file_name("G0041111").unwrap(), "G0______.DAT");
        assert_eq!(demand_file_name("G0041111").unwrap(), "G_041___.DT1");
        assert_eq!(demand_file_name("K5217352").unwrap(), "K_217___.DT2");
        assert_eq!(demand_file_name("G0151111").unwrap(), "G_151___.DT1");
        assert!(matches!(
            structure_file_name("G004111"),
            Err(MlclspError::InstanceName(_))
        ));
    }

    #[test]
    fn reads_the_three_files_and_computes_full_holding_costs() {
        let m = parse_mlclsp(TMP, DAT, DT).unwrap();
        assert_eq!(m.periods, 2);
        assert_eq!(m.capacity, vec![vec![100.0, 100.0], vec![150.0, 120.0]]);
        assert_eq!(m.end_items, vec![0, 1]);
        assert_eq!(m.demand, vec![vec![10.0, 20.0], vec![5.0, 25.0]]);
        let holding: Vec<f64> = m.items.iter().map(|i| i.holding_cost).collect();
        // h3 = 1; h1 = 1 + 2 * 1; h2 = 1 + 1 * 1.
        assert_eq!(holding, vec![3.0, 2.0, 1.0]);
        assert_eq!(m.items[1].unit_time, 2.0);
        assert_eq!(m.items[2].setup_cost, 30.0);
        assert_eq!(m.items[2].resource, 1);
        // G = (15, 45, 2 * 15 + 45).
        assert_eq!(m.gross_requirements(), vec![15.0, 45.0, 75.0]);
        // U = 2 * (10 + 20 + 30) + 2 * (3 * 15 + 2 * 45 + 1 * 75) = 120 + 420.
        assert_eq!(m.cost_bound(), 540.0);
        assert_eq!(m.no_backlog_penalty(), 541.0);
    }

    #[test]
    fn the_document_is_valid_with_inputs_from_the_arcs() {
        let doc = mlclsp_document(TMP, DAT, DT, "t").unwrap();
        let report = validate(&doc);
        assert!(report.is_valid(), "{:?}", report.errors);
        assert_eq!(doc.lines.len(), 2);
        assert_eq!(doc.lines[0].operations.len(), 2);
        assert_eq!(doc.lines[1].capacity, PerPeriod::Series(vec![150.0, 120.0]));
        let op1 = &doc.lines[0].operations[0];
        assert_eq!(
            op1.inputs,
            vec![Input {
                item: "item3".into(),
                qty: 2.0
            }]
        );
        assert_eq!(doc.demands.len(), 4);
        assert_eq!(doc.policy.unmet_penalty, 541.0);
    }

    #[test]
    fn inconsistent_files_are_refused() {
        let holding = TMP.replace("    3.0000\n", "    2.0000\n");
        assert!(matches!(
            parse_mlclsp(&holding, DAT, DT),
            Err(MlclspError::Mismatch(m)) if m.contains("item 1")
        ));
        let setup = TMP.replace("   20.0000     .0000", "   20.0000    5.0000");
        assert!(matches!(
            parse_mlclsp(&setup, DAT, DT),
            Err(MlclspError::Mismatch(_))
        ));
        let periods = DT.replace("    2     5    25\n", "");
        assert!(matches!(
            parse_mlclsp(TMP, DAT, &periods),
            Err(MlclspError::Mismatch(_))
        ));
        let cycle = DAT.replace("\n    0\n", "\n    3    1    1.00     0\n    0\n");
        assert!(matches!(
            parse_mlclsp(TMP, &cycle, DT),
            Err(MlclspError::Cycle(_))
        ));
    }

    #[test]
    fn bad_fields_name_file_and_line() {
        let err = parse_mlclsp(TMP, &DAT.replace("     2.00", "     0.00"), DT).unwrap_err();
        assert_eq!(err.location(), Some((MlclspFile::Structure, 3)), "{err}");
        let err = parse_mlclsp(&TMP.replace("  150.0000", "  -150.000"), DAT, DT).unwrap_err();
        assert_eq!(err.location(), Some((MlclspFile::Instance, 13)), "{err}");
        let err = parse_mlclsp(TMP, DAT, &DT.replace("    2     5", "    3     5")).unwrap_err();
        assert_eq!(err.location(), Some((MlclspFile::Demand, 3)), "{err}");
        let err = parse_mlclsp(
            TMP,
            &DAT.replace("    2    3    1.00", "    2    9    1.00"),
            DT,
        )
        .unwrap_err();
        assert_eq!(err.location(), Some((MlclspFile::Structure, 6)), "{err}");
    }
}

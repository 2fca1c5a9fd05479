//! Importer of Willems' (2008) real-world multi-echelon chains
//! (`NN_SD.csv` stage data, `NN_LL.csv` arcs) into network documents.
//!
//! Mirrors the reference model's importer (`make agreement`) in structure,
//! not in its random stream:
//! each stage is a site of its own enterprise with one item, one line making
//! that item from one unit of each upstream stage's item, and one stock; each
//! arc is a lane; stages with a published demand get weekly demands drawn
//! around it. The leader is the `Manuf` stage with the most arcs. Capacities,
//! opening stocks, holding and lane costs, CO2 and the demand draws come from
//! the seed, so one chain can be posed many times.
//!
//! [`willems_document`] is pure (text in, document out); only
//! [`read_willems`] touches the file system. Imports the domain types only.

use crate::model::{
    Demand, Enterprise, Horizon, Input, Item, Lane, Line, NetworkDoc, Operation, PerPeriod, Policy,
    Role, Site, Stock, MAX_PERIODS,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Which of the two CSV files a problem is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvFile {
    /// `NN_SD.csv`, one row per stage.
    Stages,
    /// `NN_LL.csv`, one row per arc.
    Arcs,
}

impl fmt::Display for CsvFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CsvFile::Stages => "stage data (SD)",
            CsvFile::Arcs => "arc list (LL)",
        })
    }
}

/// Why a Willems chain could not be turned into a document. Line numbers are
/// 1-based physical lines of the CSV text (the header is line 1).
#[derive(Debug, Error)]
pub enum WillemsError {
    /// The text is not well-formed CSV (an unterminated quote, say).
    #[error("{file} line {line}: {reason}")]
    Malformed {
        file: CsvFile,
        line: usize,
        reason: String,
    },
    /// The header row lacks a column the import needs.
    #[error("{file} line 1: no column \"{column}\" in the header")]
    MissingColumn { file: CsvFile, column: &'static str },
    /// A row is too short to reach a column the import needs.
    #[error("{file} line {line}: no value for column \"{column}\"")]
    MissingField {
        file: CsvFile,
        line: usize,
        column: &'static str,
    },
    /// A numeric column holds something other than a finite number >= 0.
    #[error(
        "{file} line {line}: column \"{column}\" must be a finite number >= 0, not \"{value}\""
    )]
    BadNumber {
        file: CsvFile,
        line: usize,
        column: &'static str,
        value: String,
    },
    /// A stage without a name (names become site, item and enterprise ids).
    #[error("stage data (SD) line {line}: empty stage name")]
    EmptyStageName { line: usize },
    /// Two rows name the same stage.
    #[error(
        "stage data (SD) line {line}: stage \"{stage}\" is already defined on line {first_line}"
    )]
    DuplicateStage {
        line: usize,
        first_line: usize,
        stage: String,
    },
    /// An arc names a stage the stage data does not define.
    #[error("arc list (LL) line {line}: {column} \"{stage}\" is not a stage")]
    UnknownStage {
        line: usize,
        column: &'static str,
        stage: String,
    },
    /// The arcs loop back, so no item could ever be made first.
    #[error("the arcs form a cycle through stage \"{stage}\"")]
    Cycle { stage: String },
    /// The stage data has a header but no stages.
    #[error("stage data (SD) has no stages")]
    NoStages,
    /// The requested horizon is out of range.
    #[error("periods must be between 1 and {MAX_PERIODS}, not {0}")]
    Periods(u32),
    /// A file could not be read.
    #[error("reading {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl WillemsError {
    /// The CSV line the problem is on, where there is one.
    pub fn line(&self) -> Option<usize> {
        match self {
            WillemsError::Malformed { line, .. }
            | WillemsError::MissingField { line, .. }
            | WillemsError::BadNumber { line, .. }
            | WillemsError::EmptyStageName { line }
            | WillemsError::DuplicateStage { line, .. }
            | WillemsError::UnknownStage { line, .. } => Some(*line),
            WillemsError::MissingColumn { .. } => Some(1),
            _ => None,
        }
    }
}

/// Reads `{dir}/{nn}_SD.csv` and `{dir}/{nn}_LL.csv` and imports the chain as
/// `willems-{nn}-s{seed}` (the name `willems.py` gives it).
///
/// # Errors
/// `Io` when a file cannot be read, otherwise as [`willems_document`].
pub fn read_willems(
    dir: &Path,
    nn: &str,
    seed: u64,
    periods: u32,
) -> Result<NetworkDoc, WillemsError> {
    let read = |suffix: &str| {
        let path = dir.join(format!("{nn}_{suffix}.csv"));
        std::fs::read_to_string(&path).map_err(|source| WillemsError::Io { path, source })
    };
    let stages = read("SD")?;
    let arcs = read("LL")?;
    willems_document(
        &stages,
        &arcs,
        &format!("willems-{nn}-s{seed}"),
        seed,
        periods,
    )
}

/// Builds a network document of `periods` weeks from the text of a stage
/// file and an arc file. The same inputs and seed give the same document.
///
/// Self-arcs are dropped and repeated arcs merged; blank numbers read as 0,
/// as in `willems.py`.
///
/// # Errors
/// A [`WillemsError`] naming the CSV line for malformed text, a missing
/// column or value, a bad number, an empty or repeated stage name, or an arc
/// naming an unknown stage; `Cycle` when the arcs loop; `NoStages`;
/// `Periods` when `periods` is 0 or above [`MAX_PERIODS`].
pub fn willems_document(
    stage_csv: &str,
    arc_csv: &str,
    name: &str,
    seed: u64,
    periods: u32,
) -> Result<NetworkDoc, WillemsError> {
    if periods == 0 || periods > MAX_PERIODS {
        return Err(WillemsError::Periods(periods));
    }
    let stages = read_stages(stage_csv)?;
    let chain = Chain::new(stages, read_arcs(arc_csv)?)?;
    let order = chain.downstream_first()?;
    Ok(Builder::new(&chain, &order, seed, periods as usize).build(name))
}

// ---------------------------------------------------------------------------
// CSV: records with the line each starts on, then columns found by header name.

/// One CSV record and the physical line it starts on.
#[derive(Debug, Clone, PartialEq)]
struct Record {
    line: usize,
    fields: Vec<String>,
}

/// Splits CSV text into records (RFC 4180: `"` quotes, `""` escapes a quote,
/// quoted fields may span lines). Blank lines are skipped, as Python's `csv`
/// does; unquoted fields are trimmed so stray spaces cannot split a name.
fn parse_csv(text: &str, file: CsvFile) -> Result<Vec<Record>, WillemsError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while chars.peek().is_some() {
        let start = line;
        let fields = parse_record(&mut chars, &mut line, file)?;
        let blank = fields.len() == 1 && fields[0].is_empty();
        if !blank {
            records.push(Record {
                line: start,
                fields,
            });
        }
    }
    Ok(records)
}

/// Reads one record up to and including its line break.
fn parse_record(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    line: &mut usize,
    file: CsvFile,
) -> Result<Vec<String>, WillemsError> {
    let mut fields = Vec::new();
    loop {
        let field = parse_field(chars, line, file)?;
        fields.push(field);
        match chars.next() {
            Some(',') => continue,
            Some('\r') => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                *line += 1;
                return Ok(fields);
            }
            Some('\n') => {
                *line += 1;
                return Ok(fields);
            }
            None => return Ok(fields),
            Some(c) => {
                return Err(WillemsError::Malformed {
                    file,
                    line: *line,
                    reason: format!("unexpected {c:?} after a quoted field"),
                })
            }
        }
    }
}

/// Reads one field, leaving the separator (or line break) unread.
fn parse_field(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    line: &mut usize,
    file: CsvFile,
) -> Result<String, WillemsError> {
    let mut raw = String::new();
    while let Some(&c) = chars.peek() {
        if c == ' ' || c == '\t' {
            raw.push(c);
            chars.next();
        } else {
            break;
        }
    }
    if chars.peek() != Some(&'"') {
        while let Some(&c) = chars.peek() {
            if matches!(c, ',' | '\n' | '\r') {
                break;
            }
            raw.push(c);
            chars.next();
        }
        return Ok(raw.trim().to_string());
    }
    let opened = *line;
    chars.next();
    let mut value = String::new();
    loop {
        match chars.next() {
            Some('"') if chars.peek() == Some(&'"') => {
                chars.next();
                value.push('"');
            }
            Some('"') => break,
            Some(c) => {
                if c == '\n' {
                    *line += 1;
                }
                value.push(c);
            }
            None => {
                return Err(WillemsError::Malformed {
                    file,
                    line: opened,
                    reason: "quoted field is never closed".into(),
                })
            }
        }
    }
    // Spaces between the closing quote and the separator are tolerated.
    while matches!(chars.peek(), Some(' ' | '\t')) {
        chars.next();
    }
    Ok(value)
}

/// The rows of one CSV file with the positions of the columns the import reads.
struct Table {
    file: CsvFile,
    rows: Vec<Record>,
    columns: HashMap<&'static str, usize>,
}

impl Table {
    /// Parses `text` and finds every column of `needed` in its header row.
    fn parse(text: &str, file: CsvFile, needed: &[&'static str]) -> Result<Table, WillemsError> {
        let mut rows = parse_csv(text, file)?.into_iter();
        let header = rows.next().map(|r| r.fields).unwrap_or_default();
        let mut columns = HashMap::new();
        for &column in needed {
            let at = header
                .iter()
                .position(|h| h == column)
                .ok_or(WillemsError::MissingColumn { file, column })?;
            columns.insert(column, at);
        }
        Ok(Table {
            file,
            rows: rows.collect(),
            columns,
        })
    }

    /// The text of `column` in `row`.
    fn text<'r>(&self, row: &'r Record, column: &'static str) -> Result<&'r str, WillemsError> {
        let at = self.columns[column];
        row.fields
            .get(at)
            .map(String::as_str)
            .ok_or(WillemsError::MissingField {
                file: self.file,
                line: row.line,
                column,
            })
    }

    /// `column` of `row` as a number; blank reads as 0 (the data leaves most
    /// demand columns empty), anything else must be finite and >= 0.
    fn number(&self, row: &Record, column: &'static str) -> Result<f64, WillemsError> {
        let text = self.text(row, column)?;
        if text.is_empty() {
            return Ok(0.0);
        }
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
            _ => Err(WillemsError::BadNumber {
                file: self.file,
                line: row.line,
                column,
                value: text.to_string(),
            }),
        }
    }
}

// ---------------------------------------------------------------------------
// The chain: stages and arcs as read, checked and indexed.

const STAGE_NAME: &str = "Stage Name";
const STAGE_COST: &str = "stageCost";
const CLASSIFICATION: &str = "stageClassification";
const AVG_DEMAND: &str = "avgDemand";
const SD_DEMAND: &str = "stdDevDemand";
const STAGE_TIME: &str = "stageTime";
const SOURCE: &str = "sourceStage";
const DESTINATION: &str = "destinationStage";

/// One row of the stage data, with the fields the import uses.
#[derive(Debug, Clone, PartialEq)]
struct Stage {
    name: String,
    line: usize,
    /// Cost added at the stage per unit.
    cost: f64,
    /// `Part`, `Manuf`, `Trans`, `Dist` or `Retail`.
    class: String,
    /// Daily demand mean and standard deviation (0 where none is given).
    avg_demand: f64,
    sd_demand: f64,
    /// Processing time in days.
    time: f64,
}

/// One row of the arc list: `source` feeds `destination`.
#[derive(Debug, Clone, PartialEq)]
struct Arc {
    line: usize,
    source: String,
    destination: String,
}

fn read_stages(text: &str) -> Result<Vec<Stage>, WillemsError> {
    let table = Table::parse(
        text,
        CsvFile::Stages,
        &[
            STAGE_NAME,
            STAGE_COST,
            CLASSIFICATION,
            AVG_DEMAND,
            SD_DEMAND,
            STAGE_TIME,
        ],
    )?;
    table
        .rows
        .iter()
        .map(|row| {
            Ok(Stage {
                name: table.text(row, STAGE_NAME)?.to_string(),
                line: row.line,
                cost: table.number(row, STAGE_COST)?,
                class: table.text(row, CLASSIFICATION)?.to_string(),
                avg_demand: table.number(row, AVG_DEMAND)?,
                sd_demand: table.number(row, SD_DEMAND)?,
                time: table.number(row, STAGE_TIME)?,
            })
        })
        .collect()
}

fn read_arcs(text: &str) -> Result<Vec<Arc>, WillemsError> {
    let table = Table::parse(text, CsvFile::Arcs, &[SOURCE, DESTINATION])?;
    table
        .rows
        .iter()
        .map(|row| {
            Ok(Arc {
                line: row.line,
                source: table.text(row, SOURCE)?.to_string(),
                destination: table.text(row, DESTINATION)?.to_string(),
            })
        })
        .collect()
}

/// Stages in file order with their arcs as indices, each arc once.
#[derive(Debug)]
struct Chain {
    stages: Vec<Stage>,
    /// (source, destination) in file order, without self-arcs or repeats.
    arcs: Vec<(usize, usize)>,
    /// Upstream stages of each stage, in arc order.
    preds: Vec<Vec<usize>>,
    /// Downstream stages of each stage, in arc order.
    succs: Vec<Vec<usize>>,
}

impl Chain {
    fn new(stages: Vec<Stage>, arcs: Vec<Arc>) -> Result<Chain, WillemsError> {
        if stages.is_empty() {
            return Err(WillemsError::NoStages);
        }
        let index = stage_index(&stages)?;
        let resolve = |name: &str, line, column| {
            index
                .get(name)
                .copied()
                .ok_or_else(|| WillemsError::UnknownStage {
                    line,
                    column,
                    stage: name.to_string(),
                })
        };
        let mut seen = BTreeSet::new();
        let mut kept = Vec::new();
        for arc in &arcs {
            let from = resolve(&arc.source, arc.line, SOURCE)?;
            let to = resolve(&arc.destination, arc.line, DESTINATION)?;
            // A stage feeding itself would be an item needing itself: a BOM
            // cycle the document may not hold; a repeated arc adds nothing.
            if from != to && seen.insert((from, to)) {
                kept.push((from, to));
            }
        }
        let mut preds = vec![Vec::new(); stages.len()];
        let mut succs = vec![Vec::new(); stages.len()];
        for &(from, to) in &kept {
            preds[to].push(from);
            succs[from].push(to);
        }
        Ok(Chain {
            stages,
            arcs: kept,
            preds,
            succs,
        })
    }

    /// Every stage, each after all stages downstream of it (Kahn's
    /// algorithm from the sinks, as `willems.py` orders them).
    ///
    /// # Errors
    /// `Cycle` naming a stage on a cycle when the arcs loop.
    fn downstream_first(&self) -> Result<Vec<usize>, WillemsError> {
        let mut pending: Vec<usize> = self.succs.iter().map(Vec::len).collect();
        let mut ready: Vec<usize> = (0..self.stages.len())
            .filter(|&s| pending[s] == 0)
            .collect();
        let mut order = Vec::with_capacity(self.stages.len());
        while let Some(s) = ready.pop() {
            order.push(s);
            for &p in &self.preds[s] {
                pending[p] -= 1;
                if pending[p] == 0 {
                    ready.push(p);
                }
            }
        }
        if order.len() < self.stages.len() {
            let stage = self.stage_on_cycle(&pending);
            return Err(WillemsError::Cycle {
                stage: self.stages[stage].name.clone(),
            });
        }
        Ok(order)
    }

    /// A stage on a cycle among those Kahn's algorithm could not order. Each
    /// of them still has a successor among them, so following successors
    /// from any one must come back to a stage already visited.
    fn stage_on_cycle(&self, pending: &[usize]) -> usize {
        let left = |s: usize| pending[s] > 0;
        let mut visited = vec![false; self.stages.len()];
        let mut s = (0..self.stages.len()).find(|&s| left(s)).unwrap_or(0);
        while !visited[s] {
            visited[s] = true;
            match self.succs[s].iter().copied().find(|&n| left(n)) {
                Some(next) => s = next,
                None => break,
            }
        }
        s
    }

    /// The number of arcs at stage `s`, in and out.
    fn degree(&self, s: usize) -> usize {
        self.preds[s].len() + self.succs[s].len()
    }

    /// The `Manuf` stage with the most arcs (any stage if there is none),
    /// ties to the greatest name, as `willems.py` picks it.
    fn leader(&self) -> usize {
        let manuf: Vec<usize> = (0..self.stages.len())
            .filter(|&s| self.stages[s].class == "Manuf")
            .collect();
        let candidates = if manuf.is_empty() {
            (0..self.stages.len()).collect()
        } else {
            manuf
        };
        candidates
            .into_iter()
            .max_by(|&a, &b| {
                (self.degree(a), &self.stages[a].name).cmp(&(self.degree(b), &self.stages[b].name))
            })
            .unwrap_or(0)
    }

    /// Weekly end demand at each stage plus all the demand downstream of it
    /// pulls through it (one unit of each input per unit made).
    fn pushed_up_need(&self, order: &[usize]) -> Vec<f64> {
        let mut need: Vec<f64> = self.stages.iter().map(weekly_demand).collect();
        for &s in order {
            for &p in &self.preds[s] {
                need[p] += need[s];
            }
        }
        need
    }

    /// The cost of everything that goes into one unit of each stage's item.
    fn cumulative_cost(&self, order: &[usize]) -> Vec<f64> {
        let mut total = vec![0.0; self.stages.len()];
        for &s in order.iter().rev() {
            total[s] = self.stages[s].cost + self.preds[s].iter().map(|&p| total[p]).sum::<f64>();
        }
        total
    }
}

/// Each stage's row, by name.
///
/// # Errors
/// `EmptyStageName`, or `DuplicateStage` naming both lines.
fn stage_index(stages: &[Stage]) -> Result<HashMap<&str, usize>, WillemsError> {
    let mut index: HashMap<&str, usize> = HashMap::with_capacity(stages.len());
    for (s, stage) in stages.iter().enumerate() {
        if stage.name.is_empty() {
            return Err(WillemsError::EmptyStageName { line: stage.line });
        }
        if let Some(&first) = index.get(stage.name.as_str()) {
            return Err(WillemsError::DuplicateStage {
                line: stage.line,
                first_line: stages[first].line,
                stage: stage.name.clone(),
            });
        }
        index.insert(stage.name.as_str(), s);
    }
    Ok(index)
}

/// Mean weekly demand: the data gives a daily mean.
fn weekly_demand(stage: &Stage) -> f64 {
    stage.avg_demand * 7.0
}

/// The enterprise role a stage classification stands for.
fn role_of(class: &str) -> Role {
    match class {
        "Trans" | "Dist" => Role::Logistics,
        "Retail" => Role::Customer,
        // Part, Manuf, and spellings the paper does not list (one chain says "Parts").
        _ => Role::Supplier,
    }
}

/// Weeks a shipment into a stage takes: its stage time in days, rounded up to
/// weeks and capped at 4 so long lead times do not empty a 26-week horizon.
fn lead_time_weeks(stage_time_days: f64) -> u32 {
    (stage_time_days / 7.0).ceil().clamp(0.0, 4.0) as u32
}

/// `x` rounded to `digits` decimals, as the Python tool writes its numbers.
fn round_to(x: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (x * scale).round() / scale
}

/// A normal draw by Box-Muller; `1 - u` keeps the logarithm's argument in (0, 1].
fn normal(rng: &mut StdRng, mean: f64, sd: f64) -> f64 {
    let u1 = 1.0 - rng.random::<f64>();
    let u2 = rng.random::<f64>();
    mean + sd * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

// ---------------------------------------------------------------------------
// The document, built in the order willems.py draws its random numbers.

/// The enterprise id of the leader's site: "leader" unless a stage already
/// uses that name for its own enterprise.
fn leader_enterprise_id(chain: &Chain, leader: usize) -> String {
    let mut id = String::from("leader");
    while chain
        .stages
        .iter()
        .enumerate()
        .any(|(s, st)| s != leader && st.name == id)
    {
        id.push('\'');
    }
    id
}

/// Bookkeeping shared by the construction steps.
struct Builder<'c> {
    chain: &'c Chain,
    rng: StdRng,
    periods: usize,
    leader: usize,
    leader_enterprise: String,
    need: Vec<f64>,
    total_cost: Vec<f64>,
}

impl<'c> Builder<'c> {
    fn new(chain: &'c Chain, order: &[usize], seed: u64, periods: usize) -> Builder<'c> {
        let leader = chain.leader();
        Builder {
            chain,
            rng: StdRng::seed_from_u64(seed),
            periods,
            leader,
            leader_enterprise: leader_enterprise_id(chain, leader),
            need: chain.pushed_up_need(order),
            total_cost: chain.cumulative_cost(order),
        }
    }

    fn build(mut self, name: &str) -> NetworkDoc {
        let mut doc = NetworkDoc {
            name: Some(name.to_string()),
            horizon: Horizon {
                periods: self.periods as u32,
                period: Some("week".into()),
                start: None,
            },
            policy: Policy {
                late_penalty: 2.0,
                unmet_penalty: 0.0,
                carbon_price: 0.0,
                ..Policy::default()
            },
            ..NetworkDoc::empty(self.periods as u32)
        };
        for s in 0..self.chain.stages.len() {
            self.add_stage(&mut doc, s);
        }
        doc.lanes = self.lanes();
        doc.demands = self.demands();
        doc
    }

    /// The stage's enterprise, site, item, line and stock.
    fn add_stage(&mut self, doc: &mut NetworkDoc, s: usize) {
        let stage = &self.chain.stages[s];
        let (enterprise, role) = if s == self.leader {
            (self.leader_enterprise.clone(), Role::Leader)
        } else {
            (stage.name.clone(), role_of(&stage.class))
        };
        doc.enterprises.push(Enterprise {
            id: enterprise.clone(),
            name: None,
            role,
        });
        doc.sites.push(Site {
            id: stage.name.clone(),
            enterprise,
            name: None,
            region: None,
        });
        doc.items.push(Item {
            id: stage.name.clone(),
            name: None,
            unit: None,
        });
        // Capacity and opening stock scale with what the chain asks of the
        // stage; 1 keeps stages no demand reaches from getting zero capacity.
        let base = self.need[s].max(1.0);
        doc.lines.push(self.line(s, base));
        doc.stocks.push(Stock {
            site: stage.name.clone(),
            item: stage.name.clone(),
            initial: round_to(base * self.rng.random_range(0.0..1.5), 2),
            holding_cost: round_to(
                0.002 * stage.cost.max(0.1) * self.rng.random_range(0.5..1.5),
                4,
            ),
            safety: 0.0,
            max: None,
        });
    }

    /// `{stage}/line`: 5% to 60% above the stage's weekly need each week,
    /// making its item from one unit of each upstream item; down one week in
    /// twenty lines.
    fn line(&mut self, s: usize, base: f64) -> Line {
        let stage = &self.chain.stages[s];
        let capacity = (0..self.periods)
            .map(|_| round_to(base * self.rng.random_range(1.05..1.6), 2))
            .collect();
        let mut upstream: Vec<&str> = self.chain.preds[s]
            .iter()
            .map(|&p| self.chain.stages[p].name.as_str())
            .collect();
        upstream.sort_unstable();
        let operation = Operation {
            id: None,
            item: stage.name.clone(),
            load: 1.0,
            cost: stage.cost,
            co2: round_to(self.rng.random_range(0.0..1.0), 3),
            inputs: upstream
                .into_iter()
                .map(|item| Input {
                    item: item.to_string(),
                    qty: 1.0,
                })
                .collect(),
            setup_cost: 0.0,
            setup_time: 0.0,
            min_lot: 0.0,
        };
        let downtime = if self.rng.random_bool(0.05) {
            vec![self.rng.random_range(0..self.periods as u32)]
        } else {
            Vec::new()
        };
        Line {
            id: format!("{}/line", stage.name),
            site: stage.name.clone(),
            capacity: PerPeriod::Series(capacity),
            downtime,
            operations: vec![operation],
        }
    }

    /// One lane per arc carrying the source stage's item.
    fn lanes(&mut self) -> Vec<Lane> {
        let stages = &self.chain.stages;
        self.chain
            .arcs
            .iter()
            .enumerate()
            .map(|(k, &(from, to))| Lane {
                id: format!("arc{k}"),
                from: stages[from].name.clone(),
                to: stages[to].name.clone(),
                items: vec![stages[from].name.clone()],
                lead_time: lead_time_weeks(stages[to].time),
                capacity: None,
                cost: round_to(self.rng.random_range(0.01..0.2), 3),
                co2: 0.0,
                min_share: None,
                max_share: None,
            })
            .collect()
    }

    /// Weekly demands at stages with a published mean, drawn around it.
    fn demands(&mut self) -> Vec<Demand> {
        let mut demands = Vec::new();
        for (s, stage) in self.chain.stages.iter().enumerate() {
            let weekly = weekly_demand(stage);
            if weekly <= 0.0 {
                continue;
            }
            // The daily deviation over seven independent days.
            let sd = stage.sd_demand * 7f64.sqrt();
            // Every unit of end demand is worth more than the whole chain's
            // cost to make it, so serving demand always pays.
            let unmet = round_to(2.0 * self.total_cost[s] + 10.0, 2);
            for t in 0..self.periods as u32 {
                let qty = normal(&mut self.rng, weekly, sd).max(0.0);
                demands.push(Demand {
                    id: format!("{}@{t}", stage.name),
                    site: stage.name.clone(),
                    item: stage.name.clone(),
                    period: t,
                    qty: round_to(qty, 2),
                    late_penalty: None,
                    unmet_penalty: Some(unmet),
                });
            }
        }
        demands
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::validate;

    const STAGES: &str = "\
Stage Name,stageCost,relDepth,stageClassification,avgDemand,stdDevDemand,stageTime
Part_A,5,2,Part,,,10
Part_B,3,2,Part,,,3
Manuf_M,20,1,Manuf,,,14
Retail_R,1,0,Retail,10,2,0
Retail_S,1,0,Retail,4,1,0
";
    const ARCS: &str = "\
sourceStage,destinationStage
Part_A,Manuf_M
Part_B,Manuf_M
Manuf_M,Retail_R
Manuf_M,Retail_S
";

    fn doc(stages: &str, arcs: &str) -> Result<NetworkDoc, WillemsError> {
        willems_document(stages, arcs, "t", 7, 6)
    }

    #[test]
    fn csv_handles_quotes_crlf_bom_and_blank_lines() {
        let text = "\u{feff}a,b\r\n\"x, \"\"y\"\"\", z \r\n\r\n\"two\nlines\",3\n";
        let records = parse_csv(text, CsvFile::Stages).expect("parses");
        let fields: Vec<_> = records.iter().map(|r| r.fields.clone()).collect();
        assert_eq!(
            fields,
            vec![
                vec!["a".to_string(), "b".into()],
                vec!["x, \"y\"".into(), "z".into()],
                vec!["two\nlines".into(), "3".into()],
            ]
        );
        let lines: Vec<_> = records.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![1, 2, 4]);
    }

    #[test]
    fn unterminated_quote_names_the_line_it_opens_on() {
        let err = parse_csv("a\nb\n\"c\n", CsvFile::Arcs).unwrap_err();
        assert_eq!(err.line(), Some(3), "{err}");
        let err = parse_csv("a\n\"b\"c\n", CsvFile::Arcs).unwrap_err();
        assert_eq!(err.line(), Some(2), "{err}");
    }

    #[test]
    fn quoted_header_and_fields_are_read() {
        let stages = STAGES.replace("Stage Name,", "\"Stage Name\",");
        let stages = stages.replace("Part_A,5", "\"Part_A\",\"5\"");
        assert_eq!(doc(&stages, ARCS).unwrap(), doc(STAGES, ARCS).unwrap());
    }

    #[test]
    fn lead_time_rounds_days_up_to_weeks_capped_at_four() {
        assert_eq!(lead_time_weeks(0.0), 0);
        assert_eq!(lead_time_weeks(1.0), 1);
        assert_eq!(lead_time_weeks(7.0), 1);
        assert_eq!(lead_time_weeks(8.0), 2);
        assert_eq!(lead_time_weeks(100.0), 4);
    }

    #[test]
    fn need_and_cost_accumulate_upstream() {
        let chain = Chain::new(read_stages(STAGES).unwrap(), read_arcs(ARCS).unwrap()).unwrap();
        let order = chain.downstream_first().unwrap();
        // Retail R and S need 70 and 28 a week; M makes both, A and B feed M.
        assert_eq!(
            chain.pushed_up_need(&order),
            vec![98.0, 98.0, 98.0, 70.0, 28.0]
        );
        assert_eq!(
            chain.cumulative_cost(&order),
            vec![5.0, 3.0, 28.0, 29.0, 29.0]
        );
        assert_eq!(chain.stages[chain.leader()].name, "Manuf_M");
    }

    #[test]
    fn leader_ties_go_to_the_greatest_name_and_fall_back_to_any_stage() {
        let stages = "Stage Name,stageCost,stageClassification,avgDemand,stdDevDemand,stageTime\n\
                      M1,1,Manuf,,,1\nM2,1,Manuf,,,1\nR,1,Retail,1,0,1\n";
        let arcs = "sourceStage,destinationStage\nM1,R\nM2,R\n";
        let chain = Chain::new(read_stages(stages).unwrap(), read_arcs(arcs).unwrap()).unwrap();
        assert_eq!(chain.stages[chain.leader()].name, "M2");
        let no_manuf = stages.replace("Manuf", "Part");
        let chain = Chain::new(read_stages(&no_manuf).unwrap(), read_arcs(arcs).unwrap()).unwrap();
        assert_eq!(chain.stages[chain.leader()].name, "R");
    }

    #[test]
    fn self_arcs_are_dropped_and_repeats_merged() {
        let arcs = format!("{ARCS}Part_A,Manuf_M\nManuf_M,Manuf_M\n");
        let d = doc(STAGES, &arcs).unwrap();
        assert_eq!(d.lanes.len(), 4);
        assert!(validate(&d).is_valid());
    }

    #[test]
    fn a_stage_named_leader_keeps_its_own_enterprise() {
        let stages = STAGES.replace("Part_A", "leader");
        let arcs = ARCS.replace("Part_A", "leader");
        let d = doc(&stages, &arcs).unwrap();
        let report = validate(&d);
        assert!(report.is_valid(), "{:?}", report.errors);
        let leader = d.enterprises.iter().find(|e| e.role == Role::Leader);
        assert_eq!(leader.map(|e| e.id.as_str()), Some("leader'"));
    }

    #[test]
    fn roles_follow_the_classification() {
        let d = doc(STAGES, ARCS).unwrap();
        let roles: Vec<Role> = d.enterprises.iter().map(|e| e.role).collect();
        assert_eq!(
            roles,
            vec![
                Role::Supplier,
                Role::Supplier,
                Role::Leader,
                Role::Customer,
                Role::Customer
            ]
        );
        assert_eq!(role_of("Trans"), Role::Logistics);
        assert_eq!(role_of("Dist"), Role::Logistics);
        assert_eq!(role_of("Parts"), Role::Supplier);
    }

    #[test]
    fn capacities_sit_above_the_need() {
        let d = doc(STAGES, ARCS).unwrap();
        for (line, need) in d.lines.iter().zip([98.0, 98.0, 98.0, 70.0, 28.0]) {
            for &c in line.capacity.values() {
                assert!((need * 1.05 - 0.01..=need * 1.6 + 0.01).contains(&c), "{c}");
            }
        }
    }

    #[test]
    fn cycles_are_refused_naming_a_stage_on_them() {
        let arcs = format!("{ARCS}Retail_R,Part_A\n");
        match doc(STAGES, &arcs) {
            Err(WillemsError::Cycle { stage }) => {
                assert!(["Part_A", "Manuf_M", "Retail_R"].contains(&stage.as_str()))
            }
            other => panic!("expected a cycle, got {other:?}"),
        }
    }

    #[test]
    fn bad_input_names_its_line() {
        let cases: Vec<(String, String, Option<usize>)> = vec![
            (STAGES.replace("stageCost", "cost"), ARCS.into(), Some(1)),
            (
                STAGES.replace("Part_B,3", "Part_B,three"),
                ARCS.into(),
                Some(3),
            ),
            (
                STAGES.replace("Part_B,3", "Part_B,-3"),
                ARCS.into(),
                Some(3),
            ),
            (
                STAGES.replace("Part_B,3", "Part_B,NaN"),
                ARCS.into(),
                Some(3),
            ),
            (
                STAGES.replace("Retail_S,1,0,Retail,4,1,0", "Retail_S,1"),
                ARCS.into(),
                Some(6),
            ),
            (STAGES.replace("Part_B,", ","), ARCS.into(), Some(3)),
            (STAGES.replace("Part_B", "Part_A"), ARCS.into(), Some(3)),
            (STAGES.into(), ARCS.replace("Part_B,", "Part_X,"), Some(3)),
            (
                STAGES.into(),
                ARCS.replace(",Retail_S", ",Retail_Y"),
                Some(5),
            ),
            (STAGES.into(), "from,to\n".into(), Some(1)),
        ];
        for (stages, arcs, line) in cases {
            let err = doc(&stages, &arcs).unwrap_err();
            assert_eq!(err.line(), line, "{err}");
            assert!(
                err.to_string().contains(&format!("line {}", line.unwrap())),
                "{err}"
            );
        }
    }

    #[test]
    fn empty_stage_data_and_zero_periods_are_refused() {
        let header = STAGES.lines().next().unwrap();
        assert!(matches!(
            doc(header, "sourceStage,destinationStage\n"),
            Err(WillemsError::NoStages)
        ));
        assert!(matches!(
            willems_document(STAGES, ARCS, "t", 1, 0),
            Err(WillemsError::Periods(0))
        ));
    }

    #[test]
    fn box_muller_draws_have_the_asked_mean_and_spread() {
        let mut rng = StdRng::seed_from_u64(3);
        let n = 20_000;
        let draws: Vec<f64> = (0..n).map(|_| normal(&mut rng, 10.0, 2.0)).collect();
        let mean = draws.iter().sum::<f64>() / n as f64;
        let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!((mean - 10.0).abs() < 0.1, "{mean}");
        assert!((var.sqrt() - 2.0).abs() < 0.1, "{var}");
    }
}

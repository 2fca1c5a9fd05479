//! Validation of a parsed network document against docs/model.md §1.
//!
//! Owns every rule that spans fields or records: ids and references, lengths of
//! per-period arrays, period ranges, number ranges, sourcing shares, the bill of
//! materials, size guards, and the warnings a planner should see (demand that
//! nothing can reach, lanes that can carry nothing, lines that serve nothing).
//! Every problem is reported in one pass, each with its JSON path.
//!
//! Pure and total: no IO, no panics on any parsed document (every period coming
//! from the document is bounds-checked, graph walks are iterative). Imports only
//! the document types, the problem report and `std`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use super::doc::{Lane, Line, NetworkDoc, Objective, PerPeriod, Policy, Renovation, Role};
pub use super::number::MAX_MAGNITUDE;
use super::number::{amount_problem, num};
use super::problem::{Problem, ValidationReport};

/// The longest horizon accepted.
pub const MAX_PERIODS: u32 = 10_000;

/// The largest model accepted: periods times period-indexed elements
/// (operations, lane items, stocks, demands), a proxy for the variable count.
pub const MAX_MODEL_SIZE: u64 = 50_000_000;

/// Slack on the sum of `min_share` so that shares written in decimals
/// (0.1 + 0.2 + 0.7) are not rejected for rounding.
const SHARE_TOLERANCE: f64 = 1e-9;

/// Items shown at each end of a long bill-of-materials cycle; a cycle through
/// thousands of items would otherwise make a message of megabytes.
const CYCLE_ENDS_SHOWN: usize = 8;

/// Checks every rule of docs/model.md §1 and collects every error at once.
///
/// Warnings (see the module doc) are computed only for a document without
/// errors: they reason about a well-formed network, and on a broken one they
/// would be noise beside the errors that matter.
pub fn validate(doc: &NetworkDoc) -> ValidationReport {
    let mut check = Check::new(doc);
    check.horizon();
    check.enterprises();
    check.sites();
    check.lines();
    check.bom_cycles();
    check.lanes();
    check.min_share_sums();
    check.stocks();
    check.receipts();
    check.demands();
    check.renovations();
    check.policy();
    check.model_size();
    if check.report.is_valid() {
        if let Some(periods) = check.periods {
            let mut warnings = Warnings::new(doc, periods);
            warnings.unreachable_demands();
            warnings.lone_capped_lanes();
            warnings.unneeded_lines();
            check.report.warnings.extend(warnings.found);
        }
    }
    check.report
}

/// A JSON path into the document, built one step at a time so that every rule
/// spells paths the same way: `lines[3].operations[0].inputs[1].item`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Path(String);

impl Path {
    /// A top-level key such as `lanes`.
    fn root(key: &str) -> Path {
        Path(key.to_string())
    }

    /// The `i`-th element of this array.
    fn at(&self, i: usize) -> Path {
        Path(format!("{}[{i}]", self.0))
    }

    /// The field `key` of this object.
    fn key(&self, key: &str) -> Path {
        Path(format!("{}.{key}", self.0))
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<Path> for String {
    fn from(p: Path) -> String {
        p.0
    }
}

impl From<&Path> for String {
    fn from(p: &Path) -> String {
        p.0.clone()
    }
}

/// Whether `s` is an ISO calendar date `YYYY-MM-DD`.
fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    // ASCII first, so that the slices below fall on character boundaries.
    if !s.is_ascii() || b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = &s[r];
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let (Some(year), Some(month), Some(day)) = (digits(0..4), digits(5..7), digits(8..10)) else {
        return false;
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// The error pass: the document, lookups of the ids of each kind, and the report.
struct Check<'a> {
    doc: &'a NetworkDoc,
    /// `T` when the horizon is valid. Period-dependent rules (array lengths,
    /// period ranges, the size guard) are skipped otherwise: judged against a
    /// meaningless `T` they would only repeat the horizon error many times.
    periods: Option<usize>,
    items: HashSet<&'a str>,
    enterprises: HashSet<&'a str>,
    sites: HashSet<&'a str>,
    lines: HashSet<&'a str>,
    report: ValidationReport,
}

impl<'a> Check<'a> {
    /// Registers the ids the other kinds refer to, reporting empty and duplicate ones.
    fn new(doc: &'a NetworkDoc) -> Check<'a> {
        let mut report = ValidationReport::default();
        let items = unique_ids(
            &mut report,
            "item",
            doc.items
                .iter()
                .enumerate()
                .map(|(i, x)| (id_path("items", i), x.id.as_str())),
        );
        let enterprises = unique_ids(
            &mut report,
            "enterprise",
            doc.enterprises
                .iter()
                .enumerate()
                .map(|(i, x)| (id_path("enterprises", i), x.id.as_str())),
        );
        let sites = unique_ids(
            &mut report,
            "site",
            doc.sites
                .iter()
                .enumerate()
                .map(|(i, x)| (id_path("sites", i), x.id.as_str())),
        );
        let lines = unique_ids(
            &mut report,
            "line",
            doc.lines
                .iter()
                .enumerate()
                .map(|(i, x)| (id_path("lines", i), x.id.as_str())),
        );
        Check {
            doc,
            periods: None,
            items,
            enterprises,
            sites,
            lines,
            report,
        }
    }

    fn error(&mut self, path: impl Into<String>, reason: impl Into<String>) {
        self.report.error(path, reason);
    }

    /// Reports `id` at `path` unless it is among `known`; returns whether it is.
    fn reference(&mut self, kind: Kind, path: Path, id: &str) -> bool {
        let known = match kind {
            Kind::Item => &self.items,
            Kind::Enterprise => &self.enterprises,
            Kind::Site => &self.sites,
            Kind::Line => &self.lines,
        };
        let found = known.contains(id);
        if !found {
            self.error(path, format!("unknown {} \"{id}\"", kind.name()));
        }
        found
    }

    /// A quantity, cost, penalty or factor: finite, `>= 0`, at most 1e12.
    fn amount(&mut self, path: Path, v: f64) {
        if let Some(reason) = amount_problem(v, 0.0, false) {
            self.error(path, reason);
        }
    }

    /// An optional amount (absent means "no bound" or "the default").
    fn optional_amount(&mut self, path: Path, v: Option<f64>) {
        if let Some(v) = v {
            self.amount(path, v);
        }
    }

    /// A share in `[0, 1]`.
    fn share(&mut self, path: Path, v: Option<f64>) {
        if let Some(v) = v {
            if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
                self.error(path, format!("must be between 0 and 1, got {}", num(v)));
            }
        }
    }

    /// A per-period value: every number an amount, and an array exactly `T` long.
    /// In a long array only the first bad number is named, with a count of the
    /// rest, so that a hostile array cannot flood the report.
    fn per_period(&mut self, path: Path, value: &PerPeriod) {
        match value {
            PerPeriod::Scalar(v) => self.amount(path, *v),
            PerPeriod::Series(values) => {
                if let Some(t) = self.periods {
                    if values.len() != t {
                        self.error(
                            &path,
                            format!(
                                "{} values; a per-period array needs exactly {t} (one per period) or a single number",
                                values.len()
                            ),
                        );
                    }
                }
                let mut bad = values
                    .iter()
                    .enumerate()
                    .filter_map(|(k, &v)| amount_problem(v, 0.0, false).map(|r| (k, r)));
                if let Some((k, reason)) = bad.next() {
                    let more = bad.count();
                    let reason = if more > 0 {
                        format!("{reason} (and {more} more invalid values in this array)")
                    } else {
                        reason
                    };
                    self.error(path.at(k), reason);
                }
            }
        }
    }

    /// A period from the document, which must fall inside `0..T`.
    fn period(&mut self, path: Path, period: u32) {
        if let Some(t) = self.periods {
            if period as usize >= t {
                self.error(
                    path,
                    format!("period {period} is past the last period {}", t - 1),
                );
            }
        }
    }

    /// `1 <= T <= MAX_PERIODS`, and `start` an ISO date.
    fn horizon(&mut self) {
        let h = &self.doc.horizon;
        let path = Path::root("horizon");
        if h.periods == 0 {
            self.error(path.key("periods"), "must be at least 1");
        } else if h.periods > MAX_PERIODS {
            self.error(
                path.key("periods"),
                format!(
                    "{} periods is too many; at most {MAX_PERIODS} are accepted",
                    h.periods
                ),
            );
        } else {
            self.periods = Some(h.periods as usize);
        }
        if let Some(start) = &h.start {
            if !is_iso_date(start) {
                self.error(
                    path.key("start"),
                    format!("\"{start}\" is not an ISO date (YYYY-MM-DD)"),
                );
            }
        }
    }

    /// Exactly one leader.
    fn enterprises(&mut self) {
        let leaders: Vec<String> = self
            .doc
            .enterprises
            .iter()
            .filter(|e| e.role == Role::Leader)
            .map(|e| format!("\"{}\"", e.id))
            .collect();
        match leaders.len() {
            1 => {}
            0 => self.error(
                "enterprises",
                "no enterprise has role \"leader\"; exactly one must",
            ),
            n => self.error(
                "enterprises",
                format!(
                    "{n} enterprises have role \"leader\" ({}); exactly one may",
                    leaders.join(", ")
                ),
            ),
        }
    }

    fn sites(&mut self) {
        for (i, site) in self.doc.sites.iter().enumerate() {
            let path = Path::root("sites").at(i);
            self.reference(Kind::Enterprise, path.key("enterprise"), &site.enterprise);
        }
    }

    /// Lines and their operations: site, capacity, downtime, operation ids
    /// (unique over all lines), items, numbers and inputs.
    fn lines(&mut self) {
        let mut operation_ids: Vec<(Path, String)> = Vec::new();
        for (i, line) in self.doc.lines.iter().enumerate() {
            let path = Path::root("lines").at(i);
            self.reference(Kind::Site, path.key("site"), &line.site);
            self.per_period(path.key("capacity"), &line.capacity);
            for (k, &period) in line.downtime.iter().enumerate() {
                self.period(path.key("downtime").at(k), period);
            }
            for (j, op) in line.operations.iter().enumerate() {
                let op_path = path.key("operations").at(j);
                // A defaulted id has no field of its own to point at.
                let id_path = match op.id {
                    Some(_) => op_path.key("id"),
                    None => op_path.clone(),
                };
                operation_ids.push((id_path, op.id_in(&line.id)));
                self.operation(&op_path, line, j);
            }
        }
        unique_ids(
            &mut self.report,
            "operation",
            operation_ids.iter().map(|(p, id)| (p.clone(), id.as_str())),
        );
    }

    fn operation(&mut self, path: &Path, line: &Line, j: usize) {
        let op = &line.operations[j];
        self.reference(Kind::Item, path.key("item"), &op.item);
        if let Some(reason) = amount_problem(op.load, 0.0, true) {
            self.error(path.key("load"), reason);
        }
        self.amount(path.key("cost"), op.cost);
        self.amount(path.key("co2"), op.co2);
        self.amount(path.key("setup_cost"), op.setup_cost);
        self.amount(path.key("setup_time"), op.setup_time);
        self.amount(path.key("min_lot"), op.min_lot);
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (k, input) in op.inputs.iter().enumerate() {
            let in_path = path.key("inputs").at(k);
            self.reference(Kind::Item, in_path.key("item"), &input.item);
            self.amount(in_path.key("qty"), input.qty);
            // Two entries for one item would be two rows for one coefficient.
            if let Some(&first) = seen.get(input.item.as_str()) {
                self.error(
                    in_path.key("item"),
                    format!(
                        "item \"{}\" is already an input at {}",
                        input.item,
                        path.key("inputs").at(first)
                    ),
                );
            } else {
                seen.insert(&input.item, k);
            }
        }
    }

    /// The material graph has an edge input -> made for every operation input;
    /// an item that needs itself has no finite bill of materials. An iterative
    /// DFS, so a chain of a million items cannot overflow the stack; each back
    /// edge found is one cycle, reported at the input entry that closes it.
    fn bom_cycles(&mut self) {
        let doc = self.doc;
        // Nodes in order of first appearance, for a deterministic report.
        let mut node_of: HashMap<&str, usize> = HashMap::new();
        let mut names: Vec<&str> = Vec::new();
        let mut node = |id: &'a str| -> usize {
            *node_of.entry(id).or_insert_with(|| {
                names.push(id);
                names.len() - 1
            })
        };
        let mut edges: Vec<(usize, usize, Path)> = Vec::new();
        for (i, line) in doc.lines.iter().enumerate() {
            for (j, op) in line.operations.iter().enumerate() {
                if !self.items.contains(op.item.as_str()) {
                    continue;
                }
                let made = node(&op.item);
                for (k, input) in op.inputs.iter().enumerate() {
                    if self.items.contains(input.item.as_str()) {
                        let path = Path::root("lines")
                            .at(i)
                            .key("operations")
                            .at(j)
                            .key("inputs")
                            .at(k);
                        edges.push((node(&input.item), made, path));
                    }
                }
            }
        }
        let n = names.len();
        let mut adjacency: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
        let mut seen_edges: HashSet<(usize, usize)> = HashSet::new();
        for (e, (from, to, _)) in edges.iter().enumerate() {
            // One report per pair of items, at the first entry that links them.
            if seen_edges.insert((*from, *to)) {
                adjacency[*from].push((*to, e));
            }
        }

        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            OnStack(usize),
            Done,
        }
        let mut mark = vec![Mark::New; n];
        let mut stack: Vec<(usize, usize)> = Vec::new(); // (node, next adjacency index)
        for root in 0..n {
            if mark[root] != Mark::New {
                continue;
            }
            mark[root] = Mark::OnStack(0);
            stack.push((root, 0));
            while let Some(&mut (u, ref mut next)) = stack.last_mut() {
                let Some(&(v, e)) = adjacency[u].get(*next) else {
                    mark[u] = Mark::Done;
                    stack.pop();
                    continue;
                };
                *next += 1;
                match mark[v] {
                    Mark::New => {
                        mark[v] = Mark::OnStack(stack.len());
                        stack.push((v, 0));
                    }
                    Mark::OnStack(depth) => {
                        // Only the ends of the cycle are read: copying it whole
                        // for every back edge could be quadratic.
                        let on_cycle = &stack[depth..];
                        let text = cycle_text(on_cycle.len(), |k| names[on_cycle[k].0]);
                        let reason = format!("bom cycle: {text}");
                        self.error(&edges[e].2, reason);
                    }
                    Mark::Done => {}
                }
            }
        }
    }

    /// Lanes: ends, items, lead time, capacity, costs and shares.
    fn lanes(&mut self) {
        let ids: Vec<(Path, &str)> = self
            .doc
            .lanes
            .iter()
            .enumerate()
            .map(|(i, l)| (id_path("lanes", i), l.id.as_str()))
            .collect();
        unique_ids(&mut self.report, "lane", ids);
        for (i, lane) in self.doc.lanes.iter().enumerate() {
            self.lane(Path::root("lanes").at(i), lane);
        }
    }

    fn lane(&mut self, path: Path, lane: &Lane) {
        self.reference(Kind::Site, path.key("from"), &lane.from);
        self.reference(Kind::Site, path.key("to"), &lane.to);
        if lane.from == lane.to {
            self.error(
                path.key("to"),
                format!("same site as from \"{}\"", lane.from),
            );
        }
        if lane.items.is_empty() {
            self.error(path.key("items"), "must list at least one item");
        }
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (k, item) in lane.items.iter().enumerate() {
            self.reference(Kind::Item, path.key("items").at(k), item);
            if let Some(&first) = seen.get(item.as_str()) {
                self.error(
                    path.key("items").at(k),
                    format!(
                        "item \"{item}\" is listed twice (first at {})",
                        path.key("items").at(first)
                    ),
                );
            } else {
                seen.insert(item, k);
            }
        }
        if let Some(t) = self.periods {
            // Legal but useless: nothing sent in 0..T arrives within the horizon.
            if lane.lead_time as usize > t - 1 {
                self.report.warn(
                    path.key("lead_time"),
                    format!(
                        "lead time {} reaches past the last period {}; the lane never carries anything",
                        lane.lead_time,
                        t - 1
                    ),
                );
            }
        }
        if let Some(capacity) = &lane.capacity {
            self.per_period(path.key("capacity"), capacity);
        }
        self.amount(path.key("cost"), lane.cost);
        self.amount(path.key("co2"), lane.co2);
        self.share(path.key("min_share"), lane.min_share);
        self.share(path.key("max_share"), lane.max_share);
        if let (Some(lo), Some(hi)) = (lane.min_share, lane.max_share) {
            if lo > hi {
                self.error(
                    path.key("min_share"),
                    format!("min_share {} > max_share {}", num(lo), num(hi)),
                );
            }
        }
    }

    /// The lanes into one site carrying one item cannot together be promised
    /// more than all of its arrivals.
    fn min_share_sums(&mut self) {
        // BTreeMap: one report per (site, item), in a stable order.
        let mut sums: BTreeMap<(&str, &str), (f64, Vec<usize>)> = BTreeMap::new();
        for (i, lane) in self.doc.lanes.iter().enumerate() {
            let Some(share) = lane.min_share.filter(|s| s.is_finite()) else {
                continue;
            };
            let mut items: Vec<&str> = lane.items.iter().map(String::as_str).collect();
            items.sort_unstable();
            items.dedup();
            for item in items {
                let entry = sums.entry((&lane.to, item)).or_insert((0.0, Vec::new()));
                entry.0 += share;
                entry.1.push(i);
            }
        }
        for ((site, item), (sum, lanes)) in sums {
            if sum > 1.0 + SHARE_TOLERANCE {
                let ids: Vec<String> = lanes
                    .iter()
                    .map(|&i| format!("\"{}\"", self.doc.lanes[i].id))
                    .collect();
                self.error(
                    Path::root("lanes").at(lanes[0]).key("min_share"),
                    format!(
                        "min_share of the lanes carrying item \"{item}\" into site \"{site}\" sums to {} ({}); at most 1",
                        num(sum),
                        ids.join(", ")
                    ),
                );
            }
        }
    }

    /// Stocks: references, numbers, `max`, and one record per (site, item).
    fn stocks(&mut self) {
        let mut seen: HashMap<(&str, &str), usize> = HashMap::new();
        for (i, stock) in self.doc.stocks.iter().enumerate() {
            let path = Path::root("stocks").at(i);
            self.reference(Kind::Site, path.key("site"), &stock.site);
            self.reference(Kind::Item, path.key("item"), &stock.item);
            self.amount(path.key("initial"), stock.initial);
            self.amount(path.key("holding_cost"), stock.holding_cost);
            self.amount(path.key("safety"), stock.safety);
            if let Some(max) = &stock.max {
                self.per_period(path.key("max"), max);
            }
            let key = (stock.site.as_str(), stock.item.as_str());
            if let Some(&first) = seen.get(&key) {
                self.error(
                    path,
                    format!(
                        "second record for item \"{}\" at site \"{}\" (first at stocks[{first}]); at most one per (site, item)",
                        stock.item, stock.site
                    ),
                );
            } else {
                seen.insert(key, i);
            }
        }
    }

    fn receipts(&mut self) {
        for (i, receipt) in self.doc.receipts.iter().enumerate() {
            let path = Path::root("receipts").at(i);
            self.reference(Kind::Site, path.key("site"), &receipt.site);
            self.reference(Kind::Item, path.key("item"), &receipt.item);
            self.period(path.key("period"), receipt.period);
            self.amount(path.key("qty"), receipt.qty);
        }
    }

    fn demands(&mut self) {
        let ids: Vec<(Path, &str)> = self
            .doc
            .demands
            .iter()
            .enumerate()
            .map(|(i, d)| (id_path("demands", i), d.id.as_str()))
            .collect();
        unique_ids(&mut self.report, "demand", ids);
        for (i, demand) in self.doc.demands.iter().enumerate() {
            let path = Path::root("demands").at(i);
            self.reference(Kind::Site, path.key("site"), &demand.site);
            self.reference(Kind::Item, path.key("item"), &demand.item);
            self.period(path.key("period"), demand.period);
            self.amount(path.key("qty"), demand.qty);
            self.optional_amount(path.key("late_penalty"), demand.late_penalty);
            self.optional_amount(path.key("unmet_penalty"), demand.unmet_penalty);
        }
    }

    /// Renovations: line (at most one per line), duration, start window, factors.
    fn renovations(&mut self) {
        let ids: Vec<(Path, &str)> = self
            .doc
            .renovations
            .iter()
            .enumerate()
            .map(|(i, r)| (id_path("renovations", i), r.id.as_str()))
            .collect();
        unique_ids(&mut self.report, "renovation", ids);
        let mut per_line: HashMap<&str, usize> = HashMap::new();
        for (i, renovation) in self.doc.renovations.iter().enumerate() {
            let path = Path::root("renovations").at(i);
            self.reference(Kind::Line, path.key("line"), &renovation.line);
            // The formulation has one `down`/`done` pair per line.
            if let Some(&first) = per_line.get(renovation.line.as_str()) {
                self.error(
                    path.key("line"),
                    format!(
                        "line \"{}\" already has a renovation (renovations[{first}]); at most one per line",
                        renovation.line
                    ),
                );
            } else {
                per_line.insert(&renovation.line, i);
            }
            self.renovation(&path, renovation);
        }
        self.renovation_order();
    }

    /// `after` names other renovations, each once, and never closes a cycle
    /// (a cycle could only be satisfied by leaving all of it out).
    fn renovation_order(&mut self) {
        let renovations = &self.doc.renovations;
        let index: HashMap<&str, usize> = renovations
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.as_str(), i))
            .collect();
        // Edges from a prerequisite to the renovation that waits for it.
        let mut waits: Vec<Vec<usize>> = vec![Vec::new(); renovations.len()];
        let mut pending = vec![0usize; renovations.len()];
        for (i, r) in renovations.iter().enumerate() {
            let mut seen: HashSet<&str> = HashSet::new();
            for (k, before) in r.after.iter().enumerate() {
                let path = Path::root("renovations").at(i).key("after").at(k);
                if !seen.insert(before.as_str()) {
                    self.error(path, format!("\"{before}\" is listed twice"));
                } else if before == &r.id {
                    self.error(path, "a renovation cannot come after itself");
                } else if let Some(&j) = index.get(before.as_str()) {
                    waits[j].push(i);
                    pending[i] += 1;
                } else {
                    self.error(path, format!("unknown renovation \"{before}\""));
                }
            }
        }
        // Kahn's order: whatever is left waiting lies on or behind a cycle.
        let mut ready: Vec<usize> = (0..renovations.len())
            .filter(|&i| pending[i] == 0)
            .collect();
        while let Some(j) = ready.pop() {
            for &i in &waits[j] {
                pending[i] -= 1;
                if pending[i] == 0 {
                    ready.push(i);
                }
            }
        }
        let stuck: Vec<usize> = (0..renovations.len()).filter(|&i| pending[i] > 0).collect();
        if let Some(&first) = stuck.first() {
            let mut names: Vec<&str> = stuck.iter().map(|&i| renovations[i].id.as_str()).collect();
            if names.len() > 2 * CYCLE_ENDS_SHOWN {
                names.truncate(2 * CYCLE_ENDS_SHOWN);
                names.push("...");
            }
            self.error(
                Path::root("renovations").at(first).key("after"),
                format!(
                    "renovations wait for each other in a cycle (on it or behind it: {})",
                    names.join(", ")
                ),
            );
        }
    }

    fn renovation(&mut self, path: &Path, r: &Renovation) {
        if r.duration < 1 {
            self.error(path.key("duration"), "must be at least 1");
        }
        if r.earliest > r.latest {
            self.error(
                path.key("earliest"),
                format!("earliest > latest ({} > {})", r.earliest, r.latest),
            );
        }
        self.period(path.key("latest"), r.latest);
        self.amount(path.key("capacity_factor"), r.capacity_factor);
        self.amount(path.key("cost_factor"), r.cost_factor);
        self.amount(path.key("co2_factor"), r.co2_factor);
        self.amount(path.key("capex"), r.capex);
        self.amount(path.key("subsidy"), r.subsidy);
        self.amount(path.key("window_cost"), r.window_cost);
        if r.group.as_deref().is_some_and(|g| g.trim().is_empty()) {
            self.error(path.key("group"), "must not be empty when given");
        }
    }

    fn policy(&mut self) {
        let p: &Policy = &self.doc.policy;
        let path = Path::root("policy");
        self.amount(path.key("carbon_price"), p.carbon_price);
        self.optional_amount(path.key("carbon_cap"), p.carbon_cap);
        self.amount(path.key("safety_penalty"), p.safety_penalty);
        self.amount(path.key("late_penalty"), p.late_penalty);
        self.amount(path.key("unmet_penalty"), p.unmet_penalty);
        self.optional_amount(path.key("renovation_budget"), p.renovation_budget);
        if let Objective::Lexicographic(stages) = &p.objective {
            let path = path.key("objective").key("lexicographic");
            if stages.is_empty() {
                self.error(path.clone(), "must name at least one goal");
            }
            let mut seen = HashSet::new();
            for (i, stage) in stages.iter().enumerate() {
                if !seen.insert(stage.goal) {
                    self.error(
                        path.at(i).key("goal"),
                        format!("goal \"{}\" is listed twice", stage.goal.as_str()),
                    );
                }
                self.amount(path.at(i).key("tolerance"), stage.tolerance);
            }
        }
    }

    /// A model too large to build in memory is refused before the planner tries.
    fn model_size(&mut self) {
        let Some(t) = self.periods else { return };
        let elements = period_indexed_elements(self.doc);
        let size = (t as u64).saturating_mul(elements);
        if size > MAX_MODEL_SIZE {
            self.error(
                "$",
                format!(
                    "model too large: {t} periods x {elements} operations, lane items, stocks and demands \
                     = {size} period-indexed variables; at most {MAX_MODEL_SIZE}"
                ),
            );
        }
    }
}

/// The records of a document that each get a decision per period:
/// operations, lane items, stocks and demands. Times the periods, this is
/// the size of the model, which [`validate`] bounds by [`MAX_MODEL_SIZE`].
pub fn period_indexed_elements(doc: &NetworkDoc) -> u64 {
    let operations: usize = doc.lines.iter().map(|l| l.operations.len()).sum();
    let lane_items: usize = doc.lanes.iter().map(|l| l.items.len()).sum();
    operations as u64 + lane_items as u64 + doc.stocks.len() as u64 + doc.demands.len() as u64
}

/// The kinds that other records refer to by id.
#[derive(Clone, Copy)]
enum Kind {
    Item,
    Enterprise,
    Site,
    Line,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Item => "item",
            Kind::Enterprise => "enterprise",
            Kind::Site => "site",
            Kind::Line => "line",
        }
    }
}

/// `kind[i].id`.
fn id_path(kind: &str, i: usize) -> Path {
    Path::root(kind).at(i).key("id")
}

/// Reports empty ids and every repeat of an id (naming where it was first used);
/// returns the set of non-empty ids.
fn unique_ids<'s>(
    report: &mut ValidationReport,
    kind: &str,
    ids: impl IntoIterator<Item = (Path, &'s str)>,
) -> HashSet<&'s str> {
    let mut first: HashMap<&str, Path> = HashMap::new();
    for (path, id) in ids {
        if id.is_empty() {
            report.error(path, "must not be empty");
        } else if let Some(at) = first.get(id) {
            // The first occurrence's path ends in `.id` (or is the operation);
            // name the record, which is what a person looks for.
            let at = at.0.strip_suffix(".id").unwrap_or(&at.0);
            report.error(
                &path,
                format!("duplicate {kind} id \"{id}\"; first used at {at}"),
            );
        } else {
            first.insert(id, path);
        }
    }
    first.into_keys().collect()
}

/// `a -> b -> a` for the cycle of `len` items `name_at(0), name_at(1), ...`;
/// a long cycle keeps its two ends.
fn cycle_text<'n>(len: usize, name_at: impl Fn(usize) -> &'n str) -> String {
    let mut parts: Vec<String> = Vec::new();
    if len > 2 * CYCLE_ENDS_SHOWN {
        parts.extend((0..CYCLE_ENDS_SHOWN).map(|k| name_at(k).to_string()));
        parts.push(format!("... ({} more)", len - 2 * CYCLE_ENDS_SHOWN));
        parts.extend((len - CYCLE_ENDS_SHOWN..len).map(|k| name_at(k).to_string()));
    } else {
        parts.extend((0..len).map(|k| name_at(k).to_string()));
    }
    parts.push(name_at(0).to_string());
    parts.join(" -> ")
}

/// The warning pass, run on a document without errors: every reference
/// resolves and every period is inside `0..T`.
struct Warnings<'a> {
    doc: &'a NetworkDoc,
    periods: usize,
    found: Vec<Problem>,
}

/// A (site, item) pair.
type Place<'a> = (&'a str, &'a str);

impl<'a> Warnings<'a> {
    fn new(doc: &'a NetworkDoc, periods: usize) -> Warnings<'a> {
        Warnings {
            doc,
            periods,
            found: Vec::new(),
        }
    }

    fn warn(&mut self, path: impl Into<String>, reason: impl Into<String>) {
        self.found.push(Problem::new(path, reason));
    }

    /// Whether the line can run in some period: capacity above 0 outside downtime.
    fn line_can_run(&self, line: &Line) -> bool {
        let down: HashSet<u32> = line.downtime.iter().copied().collect();
        (0..self.periods).any(|t| !down.contains(&(t as u32)) && line.capacity.at(t) > 0.0)
    }

    /// Whether the lane can carry anything: some departure period whose arrival
    /// is inside the horizon, with capacity above 0.
    fn lane_can_carry(&self, lane: &Lane) -> bool {
        let lead = lane.lead_time as usize;
        if lead > self.periods - 1 {
            return false;
        }
        match &lane.capacity {
            None => true,
            Some(capacity) => (0..self.periods - lead).any(|t| capacity.at(t) > 0.0),
        }
    }

    /// Forward reachability of (site, item) from stock, receipts, production and
    /// lanes, to a fixpoint. A worklist: each place is taken once, each operation
    /// counts down its missing inputs, so deep chains stay linear.
    fn reachable(&self) -> HashSet<Place<'a>> {
        let doc = self.doc;
        let mut reached: HashSet<Place<'a>> = HashSet::new();
        let mut queue: Vec<Place<'a>> = Vec::new();
        // Each place enters the queue once, when first reached.
        fn mark<'p>(
            place: Place<'p>,
            reached: &mut HashSet<Place<'p>>,
            queue: &mut Vec<Place<'p>>,
        ) {
            if reached.insert(place) {
                queue.push(place);
            }
        }
        for s in doc.stocks.iter().filter(|s| s.initial > 0.0) {
            mark((&s.site, &s.item), &mut reached, &mut queue);
        }
        for r in doc.receipts.iter().filter(|r| r.qty > 0.0) {
            mark((&r.site, &r.item), &mut reached, &mut queue);
        }
        // Operations waiting for inputs: what each makes, and how many inputs it lacks.
        let mut makes: Vec<Place<'a>> = Vec::new();
        let mut missing: Vec<usize> = Vec::new();
        let mut waiting: HashMap<Place<'a>, Vec<usize>> = HashMap::new();
        for line in doc.lines.iter().filter(|l| self.line_can_run(l)) {
            for op in &line.operations {
                let inputs: HashSet<&str> = op
                    .inputs
                    .iter()
                    .filter(|i| i.qty > 0.0)
                    .map(|i| i.item.as_str())
                    .collect();
                let made: Place<'a> = (&line.site, &op.item);
                if inputs.is_empty() {
                    mark(made, &mut reached, &mut queue);
                    continue;
                }
                let o = makes.len();
                makes.push(made);
                missing.push(inputs.len());
                for input in inputs {
                    waiting.entry((&line.site, input)).or_default().push(o);
                }
            }
        }
        let mut lanes_from: HashMap<Place<'a>, Vec<Place<'a>>> = HashMap::new();
        for lane in doc.lanes.iter().filter(|l| self.lane_can_carry(l)) {
            for item in &lane.items {
                lanes_from
                    .entry((&lane.from, item))
                    .or_default()
                    .push((&lane.to, item));
            }
        }
        while let Some(place) = queue.pop() {
            for &o in waiting.get(&place).into_iter().flatten() {
                missing[o] -= 1;
                if missing[o] == 0 {
                    mark(makes[o], &mut reached, &mut queue);
                }
            }
            for &next in lanes_from.get(&place).into_iter().flatten() {
                mark(next, &mut reached, &mut queue);
            }
        }
        reached
    }

    /// Demand that nothing can ever bring to its site is certain to go unmet.
    fn unreachable_demands(&mut self) {
        let reached = self.reachable();
        for (k, d) in self.doc.demands.iter().enumerate() {
            if !reached.contains(&(d.site.as_str(), d.item.as_str())) {
                self.warn(
                    Path::root("demands").at(k),
                    format!(
                        "no production, stock, receipt or lane can ever bring item \"{}\" to site \"{}\"",
                        d.item, d.site
                    ),
                );
            }
        }
    }

    /// With one lane carrying an item into a site, `flow <= max_share * flow`
    /// forces the flow to 0 when `max_share < 1`.
    fn lone_capped_lanes(&mut self) {
        let mut carriers: HashMap<Place<'a>, usize> = HashMap::new();
        for lane in &self.doc.lanes {
            for item in &lane.items {
                *carriers.entry((&lane.to, item)).or_default() += 1;
            }
        }
        for (i, lane) in self.doc.lanes.iter().enumerate() {
            let Some(share) = lane.max_share.filter(|&s| s < 1.0) else {
                continue;
            };
            for item in &lane.items {
                if carriers.get(&(lane.to.as_str(), item.as_str())) == Some(&1) {
                    self.warn(
                        Path::root("lanes").at(i).key("max_share"),
                        format!(
                            "only lane carrying item \"{item}\" into site \"{}\", so max_share {} lets nothing arrive",
                            lane.to,
                            num(share)
                        ),
                    );
                }
            }
        }
    }

    /// A line whose items nobody at its site needs can only add cost.
    fn unneeded_lines(&mut self) {
        let doc = self.doc;
        let mut needed: HashSet<Place<'a>> = HashSet::new();
        needed.extend(
            doc.demands
                .iter()
                .map(|d| (d.site.as_str(), d.item.as_str())),
        );
        needed.extend(
            doc.stocks
                .iter()
                .filter(|s| s.safety > 0.0)
                .map(|s| (s.site.as_str(), s.item.as_str())),
        );
        for line in &doc.lines {
            for op in &line.operations {
                for input in op.inputs.iter().filter(|i| i.qty > 0.0) {
                    needed.insert((&line.site, &input.item));
                }
            }
        }
        for lane in &doc.lanes {
            needed.extend(lane.items.iter().map(|i| (lane.from.as_str(), i.as_str())));
        }
        for (i, line) in doc.lines.iter().enumerate() {
            let path = Path::root("lines").at(i);
            if line.operations.is_empty() {
                self.warn(path, "has no operations, so it makes nothing");
                continue;
            }
            let any_needed = line
                .operations
                .iter()
                .any(|op| needed.contains(&(line.site.as_str(), op.item.as_str())));
            if !any_needed {
                let mut named: HashSet<&str> = HashSet::new();
                let items: Vec<String> = line
                    .operations
                    .iter()
                    .filter(|op| named.insert(&op.item))
                    .map(|op| format!("\"{}\"", op.item))
                    .collect();
                self.warn(
                    path,
                    format!(
                        "nothing it makes ({}) is needed at site \"{}\": no demand, safety target, consuming operation or outgoing lane",
                        items.join(", "),
                        line.site
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_join_keys_and_indices() {
        let p = Path::root("lines")
            .at(3)
            .key("operations")
            .at(0)
            .key("item");
        assert_eq!(p.to_string(), "lines[3].operations[0].item");
    }

    #[test]
    fn huge_numbers_print_in_exponent_form() {
        assert_eq!(num(1e308), "1e308");
        assert_eq!(num(2.5), "2.5");
        assert_eq!(num(0.0), "0");
    }

    #[test]
    fn amounts_are_bounded_both_ways() {
        assert_eq!(amount_problem(1e12, 0.0, false), None);
        assert!(amount_problem(-1.0, 0.0, false)
            .unwrap()
            .contains("at least 0"));
        assert!(amount_problem(0.0, 0.0, true)
            .unwrap()
            .contains("greater than 0"));
        assert!(amount_problem(2e12, 0.0, false)
            .unwrap()
            .contains("too large"));
        assert!(amount_problem(f64::NAN, 0.0, false)
            .unwrap()
            .contains("finite"));
    }

    #[test]
    fn iso_dates_check_the_calendar() {
        assert!(is_iso_date("2024-02-29"));
        assert!(!is_iso_date("2023-02-29"));
        assert!(!is_iso_date("2024-13-01"));
        assert!(!is_iso_date("2024-1-01"));
        assert!(!is_iso_date("2024-01-01T00:00"));
        assert!(!is_iso_date("+024-01-01"));
        assert!(!is_iso_date("2024-01-é"));
    }

    #[test]
    fn long_cycles_keep_their_ends() {
        let names: Vec<String> = (0..40).map(|i| format!("i{i}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let text = cycle_text(40, |k| names[k]);
        assert!(text.starts_with("i0 -> i1"));
        assert!(text.contains("... (24 more)"));
        assert!(text.ends_with("i39 -> i0"));
        assert_eq!(cycle_text(1, |k| names[k]), "i0 -> i0");
    }
}

//! Actuals: what happened in closed periods, as the ERP (for any site) or a
//! supplier (for its own sites) reports it: production per line and item,
//! shipments per lane (with their arrival, so what is still in transit is
//! known), fixed receipts received, stock counts, deliveries to customers
//! and renovation starts. Owns their types, their validation against a
//! document (own sites only, periods closed, quantities finite) and how a
//! later report corrects an earlier one.
//!
//! Periods are the document's: period 0 is its first. Pure; imports only the
//! document types, the number checks and the problem type.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::doc::NetworkDoc;
use super::number::amount_problem;
use super::problem::Problem;

/// One report of actuals (or, merged, everything reported for the periods
/// about to close).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Actuals {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub production: Vec<ActualProduction>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shipments: Vec<ActualShipment>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub receipts: Vec<ActualReceipt>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stock_counts: Vec<StockCount>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deliveries: Vec<ActualDelivery>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub renovation_starts: Vec<RenovationStart>,
}

/// Units a line made in a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActualProduction {
    pub line: String,
    pub item: String,
    /// Which of the line's operations, when more than one makes the item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    pub period: u32,
    pub qty: f64,
}

/// Units that left on a lane in a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActualShipment {
    pub lane: String,
    pub item: String,
    pub period: u32,
    pub qty: f64,
    /// The period it arrives (or is expected to): `period + lead_time`
    /// when absent. Past the closed periods, it is still in transit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arrival: Option<u32>,
}

/// Units of a fixed receipt (an open order) that arrived at a site. A
/// reported (site, item, period) replaces the document's receipts there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActualReceipt {
    pub site: String,
    pub item: String,
    pub period: u32,
    pub qty: f64,
}

/// Units counted in stock at a site at the end of a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StockCount {
    pub site: String,
    pub item: String,
    pub period: u32,
    pub qty: f64,
}

/// Units delivered to a demand in a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActualDelivery {
    pub demand: String,
    pub period: u32,
    pub qty: f64,
}

/// When a renovation started; `period: null` says it has not started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenovationStart {
    pub renovation: String,
    pub period: Option<u32>,
}

/// Who reports: the chain (the ERP or a planner, any site) or one
/// enterprise (its own sites only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reporter<'a> {
    Chain,
    Enterprise(&'a str),
}

/// The key a later report replaces an earlier one's entry by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Key {
    Production(String, String, Option<String>, u32),
    Shipment(String, String, u32),
    Receipt(String, String, u32),
    Count(String, String, u32),
    Delivery(String, u32),
    Renovation(String),
}

/// An entry of a report: its key, and whether it concerns a reporter's scope.
trait Entry: Clone {
    fn key(&self) -> Key;
    fn within(&self, scope: &Scope) -> bool;
}

impl Entry for ActualProduction {
    fn key(&self) -> Key {
        Key::Production(
            self.line.clone(),
            self.item.clone(),
            self.operation.clone(),
            self.period,
        )
    }
    fn within(&self, scope: &Scope) -> bool {
        scope.lines.contains(self.line.as_str())
    }
}

impl Entry for ActualShipment {
    fn key(&self) -> Key {
        Key::Shipment(self.lane.clone(), self.item.clone(), self.period)
    }
    fn within(&self, scope: &Scope) -> bool {
        scope.lanes.contains(self.lane.as_str())
    }
}

impl Entry for ActualReceipt {
    fn key(&self) -> Key {
        Key::Receipt(self.site.clone(), self.item.clone(), self.period)
    }
    fn within(&self, scope: &Scope) -> bool {
        scope.sites.contains(self.site.as_str())
    }
}

impl Entry for StockCount {
    fn key(&self) -> Key {
        Key::Count(self.site.clone(), self.item.clone(), self.period)
    }
    fn within(&self, scope: &Scope) -> bool {
        scope.sites.contains(self.site.as_str())
    }
}

impl Entry for ActualDelivery {
    fn key(&self) -> Key {
        Key::Delivery(self.demand.clone(), self.period)
    }
    fn within(&self, scope: &Scope) -> bool {
        scope.demands.contains(self.demand.as_str())
    }
}

impl Entry for RenovationStart {
    fn key(&self) -> Key {
        Key::Renovation(self.renovation.clone())
    }
    fn within(&self, scope: &Scope) -> bool {
        scope.renovations.contains(self.renovation.as_str())
    }
}

/// `earlier` without the entries `later` replaces, then `later`.
fn corrected<T: Entry>(earlier: &[T], later: &[T]) -> Vec<T> {
    let replaced: HashSet<Key> = later.iter().map(Entry::key).collect();
    earlier
        .iter()
        .filter(|e| !replaced.contains(&e.key()))
        .chain(later)
        .cloned()
        .collect()
}

/// The entries within `scope`.
fn within<T: Entry>(entries: &[T], scope: &Scope) -> Vec<T> {
    entries
        .iter()
        .filter(|e| e.within(scope))
        .cloned()
        .collect()
}

/// Each entry's key with its path (`production[3]`), in order.
fn keyed<'a, T: Entry>(
    entries: &'a [T],
    list: &'a str,
) -> impl Iterator<Item = (Key, String)> + 'a {
    entries
        .iter()
        .enumerate()
        .map(move |(i, e)| (e.key(), format!("{list}[{i}]")))
}

impl Actuals {
    /// Whether nothing is reported.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many entries the report holds.
    pub fn len(&self) -> usize {
        self.production.len()
            + self.shipments.len()
            + self.receipts.len()
            + self.stock_counts.len()
            + self.deliveries.len()
            + self.renovation_starts.len()
    }

    /// Every entry with its key and path, in document order.
    fn keys(&self) -> Vec<(Key, String)> {
        keyed(&self.production, "production")
            .chain(keyed(&self.shipments, "shipments"))
            .chain(keyed(&self.receipts, "receipts"))
            .chain(keyed(&self.stock_counts, "stock_counts"))
            .chain(keyed(&self.deliveries, "deliveries"))
            .chain(keyed(&self.renovation_starts, "renovation_starts"))
            .collect()
    }

    /// These actuals corrected by a later report: an entry of `later` with
    /// the same key (the same line, item and period; lane, item and period;
    /// and so on) replaces this one's, the rest is added.
    pub fn merged(&self, later: &Actuals) -> Actuals {
        Actuals {
            production: corrected(&self.production, &later.production),
            shipments: corrected(&self.shipments, &later.shipments),
            receipts: corrected(&self.receipts, &later.receipts),
            stock_counts: corrected(&self.stock_counts, &later.stock_counts),
            deliveries: corrected(&self.deliveries, &later.deliveries),
            renovation_starts: corrected(&self.renovation_starts, &later.renovation_starts),
        }
    }

    /// The entries of an enterprise's own sites (for showing a supplier
    /// what it and the chain reported about it).
    pub fn of_enterprise(&self, doc: &NetworkDoc, enterprise: &str) -> Actuals {
        let scope = Scope::new(doc, Reporter::Enterprise(enterprise));
        Actuals {
            production: within(&self.production, &scope),
            shipments: within(&self.shipments, &scope),
            receipts: within(&self.receipts, &scope),
            stock_counts: within(&self.stock_counts, &scope),
            deliveries: within(&self.deliveries, &scope),
            renovation_starts: within(&self.renovation_starts, &scope),
        }
    }
}

/// What a reporter may name: the ids of its own sites and of what they hold.
/// For an enterprise, every other id reads as unknown, so a report cannot
/// probe what exists beyond it.
struct Scope<'a> {
    sites: HashSet<&'a str>,
    lines: HashSet<&'a str>,
    lanes: HashSet<&'a str>,
    demands: HashSet<&'a str>,
    renovations: HashSet<&'a str>,
    items: HashSet<&'a str>,
}

impl<'a> Scope<'a> {
    fn new(doc: &'a NetworkDoc, reporter: Reporter<'_>) -> Scope<'a> {
        let sites: HashSet<&str> = doc
            .sites
            .iter()
            .filter(|s| match reporter {
                Reporter::Chain => true,
                Reporter::Enterprise(e) => s.enterprise == e,
            })
            .map(|s| s.id.as_str())
            .collect();
        let lines: HashSet<&str> = doc
            .lines
            .iter()
            .filter(|l| sites.contains(l.site.as_str()))
            .map(|l| l.id.as_str())
            .collect();
        // Shipments are reported by the sender.
        let lanes: HashSet<&str> = doc
            .lanes
            .iter()
            .filter(|l| sites.contains(l.from.as_str()))
            .map(|l| l.id.as_str())
            .collect();
        let demands = doc
            .demands
            .iter()
            .filter(|d| sites.contains(d.site.as_str()))
            .map(|d| d.id.as_str())
            .collect();
        let renovations = doc
            .renovations
            .iter()
            .filter(|r| lines.contains(r.line.as_str()))
            .map(|r| r.id.as_str())
            .collect();
        let items = match reporter {
            Reporter::Chain => doc.items.iter().map(|i| i.id.as_str()).collect(),
            Reporter::Enterprise(_) => {
                let mut items = HashSet::new();
                for line in doc.lines.iter().filter(|l| lines.contains(l.id.as_str())) {
                    for op in &line.operations {
                        items.insert(op.item.as_str());
                        items.extend(op.inputs.iter().map(|i| i.item.as_str()));
                    }
                }
                for lane in &doc.lanes {
                    if sites.contains(lane.from.as_str()) || sites.contains(lane.to.as_str()) {
                        items.extend(lane.items.iter().map(String::as_str));
                    }
                }
                for s in doc
                    .stocks
                    .iter()
                    .filter(|s| sites.contains(s.site.as_str()))
                {
                    items.insert(s.item.as_str());
                }
                for r in doc
                    .receipts
                    .iter()
                    .filter(|r| sites.contains(r.site.as_str()))
                {
                    items.insert(r.item.as_str());
                }
                items
            }
        };
        Scope {
            sites,
            lines,
            lanes,
            demands,
            renovations,
            items,
        }
    }
}

/// Every way `actuals` does not fit `doc` for `reporter`, each with its
/// path (`shipments[2].lane: unknown lane "l9"`). Periods must be among the
/// first `closed` (the periods that have ended); a reported quantity must be
/// a finite amount; one report names each key once.
///
/// An enterprise may name only its own sites, their lines and renovations,
/// the lanes leaving them, the demands at them and the items they handle;
/// anything else is reported as unknown, exactly as an id that does not
/// exist, so the answer tells nothing about the rest of the chain.
pub fn validate_actuals(
    doc: &NetworkDoc,
    actuals: &Actuals,
    reporter: Reporter<'_>,
    closed: u32,
) -> Vec<Problem> {
    let scope = Scope::new(doc, reporter);
    let periods = doc.horizon.periods;
    let mut problems = Vec::new();
    let check_period = |problems: &mut Vec<Problem>, path: String, period: u32| {
        if period >= closed {
            let reason = if closed == 0 {
                format!("period {period} has not closed; no period of the horizon has closed yet")
            } else {
                format!(
                    "period {period} has not closed; actuals are taken for periods 0 to {}",
                    closed - 1
                )
            };
            problems.push(Problem::new(path, reason));
        }
    };
    let quantity = |problems: &mut Vec<Problem>, path: String, qty: f64| {
        if let Some(reason) = amount_problem(qty, 0.0, false) {
            problems.push(Problem::new(path, reason));
        }
    };
    let unknown = |kind: &str, id: &str| format!("unknown {kind} \"{id}\"");

    let lines: HashMap<&str, &super::doc::Line> =
        doc.lines.iter().map(|l| (l.id.as_str(), l)).collect();
    for (i, p) in actuals.production.iter().enumerate() {
        let at = |f: &str| format!("production[{i}].{f}");
        check_period(&mut problems, at("period"), p.period);
        quantity(&mut problems, at("qty"), p.qty);
        let Some(line) = lines
            .get(p.line.as_str())
            .filter(|_| scope.lines.contains(p.line.as_str()))
        else {
            problems.push(Problem::new(at("line"), unknown("line", &p.line)));
            continue;
        };
        let making: Vec<String> = line
            .operations
            .iter()
            .filter(|o| o.item == p.item)
            .map(|o| o.id_in(&line.id))
            .collect();
        match &p.operation {
            _ if making.is_empty() => problems.push(Problem::new(
                at("item"),
                format!("line \"{}\" makes no item \"{}\"", line.id, p.item),
            )),
            Some(op) if !making.contains(op) => problems.push(Problem::new(
                at("operation"),
                format!(
                    "line \"{}\" has no operation \"{op}\" making \"{}\"",
                    line.id, p.item
                ),
            )),
            None if making.len() > 1 => problems.push(Problem::new(
                at("operation"),
                format!(
                    "line \"{}\" makes \"{}\" by {} operations; name one ({})",
                    line.id,
                    p.item,
                    making.len(),
                    making.join(", ")
                ),
            )),
            _ => {}
        }
    }

    let lanes: HashMap<&str, &super::doc::Lane> =
        doc.lanes.iter().map(|l| (l.id.as_str(), l)).collect();
    for (i, s) in actuals.shipments.iter().enumerate() {
        let at = |f: &str| format!("shipments[{i}].{f}");
        check_period(&mut problems, at("period"), s.period);
        quantity(&mut problems, at("qty"), s.qty);
        let Some(lane) = lanes
            .get(s.lane.as_str())
            .filter(|_| scope.lanes.contains(s.lane.as_str()))
        else {
            problems.push(Problem::new(at("lane"), unknown("lane", &s.lane)));
            continue;
        };
        if !lane.items.contains(&s.item) {
            problems.push(Problem::new(
                at("item"),
                format!("lane \"{}\" does not carry \"{}\"", lane.id, s.item),
            ));
        }
        let arrival = s.arrival.unwrap_or(s.period.saturating_add(lane.lead_time));
        if arrival < s.period {
            problems.push(Problem::new(
                at("arrival"),
                format!(
                    "arrives in period {arrival}, before it left in period {}",
                    s.period
                ),
            ));
        } else if arrival >= periods {
            let field = if s.arrival.is_some() {
                "arrival"
            } else {
                "period"
            };
            problems.push(Problem::new(
                at(field),
                format!(
                    "arrives in period {arrival}, past the last period {} of the horizon",
                    periods.saturating_sub(1)
                ),
            ));
        }
    }

    let site_item =
        |problems: &mut Vec<Problem>, path: &dyn Fn(&str) -> String, site: &str, item: &str| {
            if !scope.sites.contains(site) {
                problems.push(Problem::new(path("site"), unknown("site", site)));
            }
            if !scope.items.contains(item) {
                problems.push(Problem::new(path("item"), unknown("item", item)));
            }
        };
    for (i, r) in actuals.receipts.iter().enumerate() {
        let at = |f: &str| format!("receipts[{i}].{f}");
        check_period(&mut problems, at("period"), r.period);
        quantity(&mut problems, at("qty"), r.qty);
        site_item(&mut problems, &at, &r.site, &r.item);
    }
    for (i, c) in actuals.stock_counts.iter().enumerate() {
        let at = |f: &str| format!("stock_counts[{i}].{f}");
        check_period(&mut problems, at("period"), c.period);
        quantity(&mut problems, at("qty"), c.qty);
        site_item(&mut problems, &at, &c.site, &c.item);
    }

    let demands: HashMap<&str, &super::doc::Demand> =
        doc.demands.iter().map(|d| (d.id.as_str(), d)).collect();
    for (i, d) in actuals.deliveries.iter().enumerate() {
        let at = |f: &str| format!("deliveries[{i}].{f}");
        check_period(&mut problems, at("period"), d.period);
        quantity(&mut problems, at("qty"), d.qty);
        let Some(demand) = demands
            .get(d.demand.as_str())
            .filter(|_| scope.demands.contains(d.demand.as_str()))
        else {
            problems.push(Problem::new(at("demand"), unknown("demand", &d.demand)));
            continue;
        };
        if d.period < demand.period {
            problems.push(Problem::new(
                at("period"),
                format!(
                    "demand \"{}\" is due in period {}; a delivery before it is early stock, not a delivery",
                    demand.id, demand.period
                ),
            ));
        }
    }
    // Deliveries of one report beyond what was ordered.
    let mut delivered: BTreeMap<&str, f64> = BTreeMap::new();
    for d in &actuals.deliveries {
        *delivered.entry(d.demand.as_str()).or_default() += d.qty;
    }
    for (id, qty) in delivered {
        if let Some(demand) = demands.get(id).filter(|_| scope.demands.contains(id)) {
            if qty > demand.qty * (1.0 + 1e-9) + 1e-9 {
                let i = actuals
                    .deliveries
                    .iter()
                    .rposition(|d| d.demand == id)
                    .unwrap_or(0);
                problems.push(Problem::new(
                    format!("deliveries[{i}].qty"),
                    format!(
                        "{qty} units delivered to demand \"{id}\", which ordered {}",
                        demand.qty
                    ),
                ));
            }
        }
    }

    for (i, r) in actuals.renovation_starts.iter().enumerate() {
        let at = |f: &str| format!("renovation_starts[{i}].{f}");
        if !scope.renovations.contains(r.renovation.as_str()) {
            problems.push(Problem::new(
                at("renovation"),
                unknown("renovation", &r.renovation),
            ));
        }
        if let Some(period) = r.period {
            check_period(&mut problems, at("period"), period);
        }
    }

    // One report names each key once: two values for one thing are a
    // mistake, not a correction.
    let mut seen = BTreeSet::new();
    for (key, path) in actuals.keys() {
        if !seen.insert(key) {
            problems.push(Problem::new(
                path,
                "reported twice in one report".to_string(),
            ));
        }
    }
    problems
}

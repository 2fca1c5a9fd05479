//! Plan against actual over closed periods: per line, what was made
//! against what the committed plan said; per supplier, the same summed, and
//! the on-time-in-full share of its planned shipments downstream; for the
//! chain, units delivered planned against actual.
//!
//! Pure; imports only the document, plan and actuals types.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::actuals::Actuals;
use super::doc::{NetworkDoc, Role};
use super::plan::Plan;

/// Quantities this close are met in full.
const FULL: f64 = 1e-6;

/// How one line kept to its plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineAdherence {
    pub enterprise: String,
    pub line: String,
    pub planned: f64,
    pub actual: f64,
}

/// How one supplier kept to its allocation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SupplierAdherence {
    pub enterprise: String,
    pub planned_made: f64,
    pub actual_made: f64,
    /// Planned shipments (lane, item, period) leaving its sites.
    pub shipments_planned: u32,
    /// Of those, shipped in full in their period and arrived no later than planned.
    pub shipments_on_time_in_full: u32,
}

impl SupplierAdherence {
    /// Actual over planned production (1 when nothing was planned).
    pub fn production_adherence(&self) -> f64 {
        if self.planned_made <= FULL {
            1.0
        } else {
            self.actual_made / self.planned_made
        }
    }

    /// How far the supplier can be relied on, from 0 to 1: the worse of
    /// its production adherence (capped at 1: making more than planned
    /// does not make up for late shipments) and its on-time-in-full share.
    pub fn reliability(&self) -> f64 {
        self.production_adherence()
            .min(1.0)
            .min(self.otif())
            .max(0.0)
    }

    /// The on-time-in-full share of planned shipments (1 when none).
    pub fn otif(&self) -> f64 {
        if self.shipments_planned == 0 {
            1.0
        } else {
            f64::from(self.shipments_on_time_in_full) / f64::from(self.shipments_planned)
        }
    }
}

/// Plan against actual over the first `closed` periods of `doc`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Adherence {
    pub lines: Vec<LineAdherence>,
    pub suppliers: Vec<SupplierAdherence>,
    pub planned_delivered: f64,
    pub actual_delivered: f64,
    /// Variable production and transport cost (per-unit operation and lane
    /// costs) of what was planned and of what was done.
    #[serde(default)]
    pub planned_cost: f64,
    #[serde(default)]
    pub actual_cost: f64,
}

impl Adherence {
    /// Adds `other`'s figures (of later periods) to these: lines and
    /// suppliers matched by id, new ones appended in order.
    pub fn add(&mut self, other: &Adherence) {
        for l in &other.lines {
            match self.lines.iter_mut().find(|m| m.line == l.line) {
                Some(m) => {
                    m.planned += l.planned;
                    m.actual += l.actual;
                }
                None => self.lines.push(l.clone()),
            }
        }
        for a in &other.suppliers {
            match self
                .suppliers
                .iter_mut()
                .find(|m| m.enterprise == a.enterprise)
            {
                Some(m) => {
                    m.planned_made += a.planned_made;
                    m.actual_made += a.actual_made;
                    m.shipments_planned += a.shipments_planned;
                    m.shipments_on_time_in_full += a.shipments_on_time_in_full;
                }
                None => self.suppliers.push(a.clone()),
            }
        }
        self.planned_delivered += other.planned_delivered;
        self.actual_delivered += other.actual_delivered;
        self.planned_cost += other.planned_cost;
        self.actual_cost += other.actual_cost;
    }

    /// The figures of one enterprise alone: its lines and its own entry,
    /// with no chain figures.
    pub fn of_enterprise(&self, enterprise: &str) -> Adherence {
        Adherence {
            lines: self
                .lines
                .iter()
                .filter(|l| l.enterprise == enterprise)
                .cloned()
                .collect(),
            suppliers: self
                .suppliers
                .iter()
                .filter(|a| a.enterprise == enterprise)
                .cloned()
                .collect(),
            ..Adherence::default()
        }
    }
}

/// Compares `plan` (for `doc`) with `actuals` over periods `0..closed`.
pub fn adherence(doc: &NetworkDoc, plan: &Plan, actuals: &Actuals, closed: u32) -> Adherence {
    let enterprise_of_site: HashMap<&str, &str> = doc
        .sites
        .iter()
        .map(|s| (s.id.as_str(), s.enterprise.as_str()))
        .collect();
    let line_site = doc.line_sites();
    let mut lines: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    for p in plan.production.iter().filter(|p| p.period < closed) {
        lines.entry(p.line.as_str()).or_default().0 += p.qty;
    }
    for p in actuals.production.iter().filter(|p| p.period < closed) {
        lines.entry(p.line.as_str()).or_default().1 += p.qty;
    }
    let enterprise_of_line = |line: &str| {
        line_site
            .get(line)
            .and_then(|s| enterprise_of_site.get(s))
            .copied()
            .unwrap_or("")
    };
    let mut out = Adherence {
        lines: lines
            .iter()
            .map(|(line, (planned, actual))| LineAdherence {
                enterprise: enterprise_of_line(line).to_string(),
                line: line.to_string(),
                planned: *planned,
                actual: *actual,
            })
            .collect(),
        ..Adherence::default()
    };

    let lane_from: HashMap<&str, &str> = doc
        .lanes
        .iter()
        .map(|l| (l.id.as_str(), l.from.as_str()))
        .collect();
    let lead: HashMap<&str, u32> = doc
        .lanes
        .iter()
        .map(|l| (l.id.as_str(), l.lead_time))
        .collect();
    let mut shipped: HashMap<(&str, &str, u32), (f64, u32)> = HashMap::new();
    for s in actuals.shipments.iter().filter(|s| s.period < closed) {
        let arrival = s
            .arrival
            .unwrap_or(s.period + lead.get(s.lane.as_str()).copied().unwrap_or(0));
        let e = shipped
            .entry((s.lane.as_str(), s.item.as_str(), s.period))
            .or_insert((0.0, 0));
        e.0 += s.qty;
        e.1 = e.1.max(arrival);
    }
    for e in doc.enterprises.iter().filter(|e| e.role == Role::Supplier) {
        let id = e.id.as_str();
        let mut a = SupplierAdherence {
            enterprise: id.to_string(),
            planned_made: 0.0,
            actual_made: 0.0,
            shipments_planned: 0,
            shipments_on_time_in_full: 0,
        };
        for l in out.lines.iter().filter(|l| l.enterprise == id) {
            a.planned_made += l.planned;
            a.actual_made += l.actual;
        }
        for s in plan.shipments.iter().filter(|s| s.period < closed) {
            let own = lane_from
                .get(s.lane.as_str())
                .and_then(|f| enterprise_of_site.get(f))
                .is_some_and(|&x| x == id);
            if !own || s.qty <= FULL {
                continue;
            }
            a.shipments_planned += 1;
            if let Some(&(qty, arrival)) =
                shipped.get(&(s.lane.as_str(), s.item.as_str(), s.period))
            {
                if qty >= s.qty * (1.0 - FULL) - FULL && arrival <= s.arrival {
                    a.shipments_on_time_in_full += 1;
                }
            }
        }
        out.suppliers.push(a);
    }
    out.planned_delivered = plan
        .deliveries
        .iter()
        .filter(|d| d.period < closed)
        .map(|d| d.qty)
        .sum();
    out.actual_delivered = actuals
        .deliveries
        .iter()
        .filter(|d| d.period < closed)
        .map(|d| d.qty)
        .sum();
    (out.planned_cost, out.actual_cost) = variable_costs(doc, plan, actuals, closed);
    out
}

/// The per-unit operation and lane costs of `plan` and of `actuals` over
/// periods `0..closed`. A reported production without its operation is
/// costed at the line's first operation making the item.
fn variable_costs(doc: &NetworkDoc, plan: &Plan, actuals: &Actuals, closed: u32) -> (f64, f64) {
    let mut operation_cost: HashMap<(&str, String), f64> = HashMap::new();
    let mut item_cost: HashMap<(&str, &str), f64> = HashMap::new();
    for l in &doc.lines {
        for o in &l.operations {
            operation_cost.insert((l.id.as_str(), o.id_in(&l.id)), o.cost);
            item_cost
                .entry((l.id.as_str(), o.item.as_str()))
                .or_insert(o.cost);
        }
    }
    let lane_cost: HashMap<&str, f64> = doc.lanes.iter().map(|l| (l.id.as_str(), l.cost)).collect();
    let lane = |id: &str| lane_cost.get(id).copied().unwrap_or(0.0);
    let planned: f64 = plan
        .production
        .iter()
        .filter(|p| p.period < closed)
        .map(|p| {
            p.qty
                * operation_cost
                    .get(&(p.line.as_str(), p.operation.clone()))
                    .or_else(|| item_cost.get(&(p.line.as_str(), p.item.as_str())))
                    .copied()
                    .unwrap_or(0.0)
        })
        .sum::<f64>()
        + plan
            .shipments
            .iter()
            .filter(|s| s.period < closed)
            .map(|s| s.qty * lane(&s.lane))
            .sum::<f64>();
    let actual: f64 = actuals
        .production
        .iter()
        .filter(|p| p.period < closed)
        .map(|p| {
            let by_operation = p
                .operation
                .as_ref()
                .and_then(|o| operation_cost.get(&(p.line.as_str(), o.clone())));
            p.qty
                * by_operation
                    .or_else(|| item_cost.get(&(p.line.as_str(), p.item.as_str())))
                    .copied()
                    .unwrap_or(0.0)
        })
        .sum::<f64>()
        + actuals
            .shipments
            .iter()
            .filter(|s| s.period < closed)
            .map(|s| s.qty * lane(&s.lane))
            .sum::<f64>();
    (planned, actual)
}

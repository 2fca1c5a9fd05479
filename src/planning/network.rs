//! The validated document resolved into dense indices (items, sites, lines,
//! operations, lanes, demands, renovations), with per-period values expanded
//! and downtime applied. The formulation reads only this, never ids.

use crate::model::{NetworkDoc, Renovation};
use std::collections::HashMap;

/// A (site, item) pair: where stock of an item can be held.
pub(crate) type Pair = (usize, usize);

pub(crate) struct OperationData {
    pub line: usize,
    pub site: usize,
    pub item: usize,
    pub id: String,
    pub load: f64,
    pub cost: f64,
    pub co2: f64,
    /// (item, qty) with qty > 0; an input of qty 0 consumes nothing.
    pub inputs: Vec<(usize, f64)>,
    pub setup_cost: f64,
    pub setup_time: f64,
    pub min_lot: f64,
    pub needs_setup: bool,
}

pub(crate) struct LineData {
    /// Capacity per period, 0 in downtime periods.
    pub capacity: Vec<f64>,
    pub renovation: Option<usize>,
    pub operations: Vec<usize>,
}

pub(crate) struct LaneData {
    pub from: usize,
    pub to: usize,
    pub items: Vec<usize>,
    pub lead_time: usize,
    /// `None`: unlimited.
    pub capacity: Option<Vec<f64>>,
    pub cost: f64,
    pub co2: f64,
    pub min_share: Option<f64>,
    pub max_share: Option<f64>,
}

pub(crate) struct StockData {
    /// Position in the document's `stocks`.
    pub index: usize,
    pub initial: f64,
    pub holding_cost: f64,
    pub safety: f64,
    pub max: Option<Vec<f64>>,
}

pub(crate) struct DemandData {
    pub site: usize,
    pub item: usize,
    pub due: usize,
    pub qty: f64,
    pub late_penalty: f64,
    pub unmet_penalty: f64,
}

pub(crate) struct RenovationData<'a> {
    /// Position in the document's `renovations`.
    pub index: usize,
    pub doc: &'a Renovation,
    pub duration: usize,
    pub earliest: usize,
    pub latest: usize,
}

impl RenovationData<'_> {
    /// Start periods the renovation may take.
    pub fn starts(&self) -> std::ops::RangeInclusive<usize> {
        self.earliest..=self.latest
    }

    /// Starts `tau` with the line down in `t`: `t - D < tau <= t`.
    pub fn starts_down_in(&self, t: usize) -> impl Iterator<Item = usize> + '_ {
        let lo = (t + 1).saturating_sub(self.duration).max(self.earliest);
        let hi = t.min(self.latest);
        lo..=hi
    }

    /// Starts `tau` with the renovation finished by `t`: `tau <= t - D`.
    pub fn starts_done_by(&self, t: usize) -> impl Iterator<Item = usize> + '_ {
        let hi = if t >= self.duration {
            (t - self.duration).min(self.latest) as isize
        } else {
            -1
        };
        (self.earliest as isize..=hi).map(|tau| tau as usize)
    }

    /// Whether the renovation changes unit cost or CO2 once done.
    pub fn changes_unit_cost(&self) -> bool {
        self.doc.cost_factor != 1.0 || self.doc.co2_factor != 1.0
    }
}

/// The document with every reference resolved to an index.
pub(crate) struct Network<'a> {
    pub doc: &'a NetworkDoc,
    pub periods: usize,
    pub site_enterprise: Vec<usize>,
    pub lines: Vec<LineData>,
    pub operations: Vec<OperationData>,
    pub lanes: Vec<LaneData>,
    pub stocks: HashMap<Pair, StockData>,
    /// Receipts summed per (pair, period).
    pub receipts: HashMap<(usize, usize, usize), f64>,
    pub demands: Vec<DemandData>,
    pub renovations: Vec<RenovationData<'a>>,
}

impl<'a> Network<'a> {
    /// Resolves a validated document. References that do not resolve (which
    /// validation rejects) are skipped rather than panicking.
    pub fn resolve(doc: &'a NetworkDoc) -> Network<'a> {
        let periods = doc.periods();
        let index = |ids: Vec<&'a str>| -> HashMap<&'a str, usize> {
            ids.into_iter().enumerate().map(|(k, id)| (id, k)).collect()
        };
        let items = index(doc.items.iter().map(|i| i.id.as_str()).collect());
        let sites = index(doc.sites.iter().map(|s| s.id.as_str()).collect());
        let enterprises = index(doc.enterprises.iter().map(|e| e.id.as_str()).collect());
        let line_ix = index(doc.lines.iter().map(|l| l.id.as_str()).collect());
        let site_enterprise = doc
            .sites
            .iter()
            .map(|s| enterprises.get(s.enterprise.as_str()).copied().unwrap_or(0))
            .collect();

        let mut lines = Vec::with_capacity(doc.lines.len());
        let mut operations = Vec::new();
        for (l, line) in doc.lines.iter().enumerate() {
            // Validation guarantees the site resolves; keep indices aligned regardless.
            let site = sites.get(line.site.as_str()).copied().unwrap_or(0);
            let mut capacity = line.capacity.expand(periods);
            for &t in &line.downtime {
                if let Some(c) = capacity.get_mut(t as usize) {
                    *c = 0.0;
                }
            }
            let mut ops = Vec::new();
            for op in &line.operations {
                let Some(&item) = items.get(op.item.as_str()) else {
                    continue;
                };
                let inputs = op
                    .inputs
                    .iter()
                    .filter(|i| i.qty > 0.0)
                    .filter_map(|i| items.get(i.item.as_str()).map(|&k| (k, i.qty)))
                    .collect();
                ops.push(operations.len());
                operations.push(OperationData {
                    line: l,
                    site,
                    item,
                    id: op.id_in(&line.id),
                    load: op.load,
                    cost: op.cost,
                    co2: op.co2,
                    inputs,
                    setup_cost: op.setup_cost,
                    setup_time: op.setup_time,
                    min_lot: op.min_lot,
                    needs_setup: op.needs_setup(),
                });
            }
            lines.push(LineData {
                capacity,
                renovation: None,
                operations: ops,
            });
        }

        let mut renovations = Vec::new();
        for (index, r) in doc.renovations.iter().enumerate() {
            let Some(&line) = line_ix.get(r.line.as_str()) else {
                continue;
            };
            if line >= lines.len() || lines[line].renovation.is_some() {
                continue;
            }
            let latest = (r.latest as usize).min(periods.saturating_sub(1));
            lines[line].renovation = Some(renovations.len());
            renovations.push(RenovationData {
                index,
                doc: r,
                duration: r.duration.max(1) as usize,
                earliest: (r.earliest as usize).min(latest),
                latest,
            });
        }

        let lanes = doc
            .lanes
            .iter()
            .filter_map(|e| {
                Some(LaneData {
                    from: *sites.get(e.from.as_str())?,
                    to: *sites.get(e.to.as_str())?,
                    items: e
                        .items
                        .iter()
                        .filter_map(|i| items.get(i.as_str()).copied())
                        .collect(),
                    lead_time: e.lead_time as usize,
                    capacity: e.capacity.as_ref().map(|c| c.expand(periods)),
                    cost: e.cost,
                    co2: e.co2,
                    min_share: e.min_share,
                    max_share: e.max_share,
                })
            })
            .collect();

        let mut stocks = HashMap::new();
        for (index, s) in doc.stocks.iter().enumerate() {
            if let (Some(&n), Some(&i)) = (sites.get(s.site.as_str()), items.get(s.item.as_str())) {
                stocks.insert(
                    (n, i),
                    StockData {
                        index,
                        initial: s.initial,
                        holding_cost: s.holding_cost,
                        safety: s.safety,
                        max: s.max.as_ref().map(|m| m.expand(periods)),
                    },
                );
            }
        }

        let mut receipts = HashMap::new();
        for r in &doc.receipts {
            if let (Some(&n), Some(&i)) = (sites.get(r.site.as_str()), items.get(r.item.as_str())) {
                if (r.period as usize) < periods {
                    *receipts.entry((n, i, r.period as usize)).or_insert(0.0) += r.qty;
                }
            }
        }

        let demands = doc
            .demands
            .iter()
            .filter_map(|d| {
                Some(DemandData {
                    site: *sites.get(d.site.as_str())?,
                    item: *items.get(d.item.as_str())?,
                    due: d.period as usize,
                    qty: d.qty,
                    late_penalty: d.late_penalty_in(&doc.policy),
                    unmet_penalty: d.unmet_penalty_in(&doc.policy),
                })
            })
            .collect();

        Network {
            doc,
            periods,
            site_enterprise,
            lines,
            operations,
            lanes,
            stocks,
            receipts,
            demands,
            renovations,
        }
    }

    /// The most line `l` can offer in period `t` under any renovation outcome.
    pub fn peak_capacity(&self, l: usize, t: usize) -> f64 {
        let line = &self.lines[l];
        let factor = line
            .renovation
            .map(|r| self.renovations[r].doc.capacity_factor.max(1.0))
            .unwrap_or(1.0);
        line.capacity[t] * factor
    }

    /// Initial stock of a pair (0 without a stock record).
    pub fn initial(&self, pair: Pair) -> f64 {
        self.stocks.get(&pair).map_or(0.0, |s| s.initial)
    }
}

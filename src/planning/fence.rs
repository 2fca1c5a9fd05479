//! A re-plan's baseline inside the model: the base quantities resolved to
//! the formulation's indices, the frozen fence (production and shipments
//! before `freeze_until` held at the base plan, with slack in elastic mode so
//! that conflicts can name them), the stability penalty on every later unit
//! that differs from the base plan, and the stability a solution reached.
//! A repair re-plan's region (`Baseline::region`) holds every decision
//! outside it at the base plan in every period, by rows whose duals say
//! whether freeing them would pay (`repair`).
//!
//! Suppliers' counter-proposals (`Baseline::limits`) bound what each makes
//! or ships of an item in a period, in every mode.
//!
//! Validating the baseline is `replan`'s job; this assumes it passed and
//! skips whatever does not resolve rather than panicking.

use super::lp::{sum_of, Col, Columns, Making, Relaxation, Rows};
use super::network::Network;
use super::replan::{Baseline, CHANGE_TOLERANCE};
use super::scope::Scope;
use crate::model::commitment::LimitKind;
use crate::model::Stability;
use good_lp::Expression;
use std::collections::HashMap;

/// The baseline by model index.
pub(crate) struct Fence {
    pub freeze_until: usize,
    pub penalty: f64,
    /// Base quantity per (operation, period); absent means 0.
    production: HashMap<(usize, usize), f64>,
    /// Base quantity per (lane, position of the item in the lane, period).
    shipments: HashMap<(usize, usize, usize), f64>,
    /// Whether each site (by index) is in the repair's region; `None`: no
    /// region, every site may change after the fence.
    in_region: Option<Vec<bool>>,
    /// The counter-proposals' limits, resolved.
    caps: Vec<Cap>,
}

/// One limit of a counter-proposal: the decisions it bounds and its quantity.
struct Cap {
    /// `limits[enterprise].make[item].period[t]`, for conflicts.
    path: String,
    operations: Vec<usize>,
    /// (lane, position of the item in the lane).
    lanes: Vec<(usize, usize)>,
    period: usize,
    qty: f64,
}

/// A decision held at its base quantity after the fence because it lies
/// outside the repair's region: its row, and the sites whose decision it
/// is (the operation's site, or a lane's two ends).
#[derive(Debug, Clone, Copy)]
pub(crate) struct HeldRow {
    pub row: usize,
    pub sites: Sites,
}

/// The two sites of a decision (the same twice for production).
type Sites = (usize, usize);

/// The fence's and the penalty's columns, and the rows that wait for the
/// problem to exist.
pub(crate) struct FenceParts {
    /// Each `expression = rhs`, with the sites of a decision held because
    /// it lies outside the region.
    rows: Vec<(Expression, f64, Option<Sites>)>,
    /// Each `expression <= rhs`: a counter-proposal's limit.
    caps: Vec<(Expression, f64)>,
    pub relaxations: Vec<Relaxation>,
}

impl FenceParts {
    /// Adds the rows, each `expression = rhs`; returns the rows that hold
    /// a decision outside the region.
    pub fn add_rows(self, rows: &mut Rows) -> Vec<HeldRow> {
        let mut held = Vec::new();
        for (e, rhs, outside) in self.rows {
            let row = rows.add(e.eq(rhs));
            if let Some(sites) = outside {
                held.push(HeldRow { row, sites });
            }
        }
        for (e, rhs) in self.caps {
            rows.add(e.leq(rhs));
        }
        held
    }
}

/// Every decision in the model. The scope's pruning is exact for the
/// optimum of docs/model.md §4 only: a frozen or penalised base quantity
/// can make a decision it leaves out worth making, so a re-plan keeps all.
pub(crate) fn keep_everything(net: &Network) -> Scope {
    Scope {
        operation_kept: vec![true; net.operations.len()],
        lane_item_kept: net
            .lanes
            .iter()
            .map(|e| vec![true; e.items.len()])
            .collect(),
    }
}

impl Fence {
    /// The base quantity of operation `o` in period `t` (0 when none).
    pub fn base_production(&self, o: usize, t: usize) -> f64 {
        self.production.get(&(o, t)).copied().unwrap_or(0.0)
    }

    /// The base quantity on lane `k` of the item at `pos` in period `t`.
    pub fn base_shipment(&self, k: usize, pos: usize, t: usize) -> f64 {
        self.shipments.get(&(k, pos, t)).copied().unwrap_or(0.0)
    }

    /// Resolves a (validated) baseline against the network.
    pub fn resolve(net: &Network, baseline: &Baseline) -> Fence {
        let doc = net.doc;
        let t_count = net.periods;
        let operations: HashMap<&str, usize> = net
            .operations
            .iter()
            .enumerate()
            .map(|(o, op)| (op.id.as_str(), o))
            .collect();
        let lanes: HashMap<&str, usize> = doc
            .lanes
            .iter()
            .enumerate()
            .take(net.lanes.len())
            .map(|(k, e)| (e.id.as_str(), k))
            .collect();
        let items: HashMap<&str, usize> = doc
            .items
            .iter()
            .enumerate()
            .map(|(i, it)| (it.id.as_str(), i))
            .collect();
        let usable =
            |period: u32, qty: f64| (period as usize) < t_count && qty.is_finite() && qty >= 0.0;

        let mut production = HashMap::new();
        for p in &baseline.production {
            if let (Some(&o), true) = (
                operations.get(p.operation.as_str()),
                usable(p.period, p.qty),
            ) {
                *production.entry((o, p.period as usize)).or_insert(0.0) += p.qty;
            }
        }
        let mut shipments = HashMap::new();
        for s in &baseline.shipments {
            let (Some(&k), Some(&i)) = (lanes.get(s.lane.as_str()), items.get(s.item.as_str()))
            else {
                continue;
            };
            let Some(pos) = net.lanes[k].items.iter().position(|&x| x == i) else {
                continue;
            };
            if usable(s.period, s.qty) {
                *shipments.entry((k, pos, s.period as usize)).or_insert(0.0) += s.qty;
            }
        }
        let penalty = baseline.stability_penalty;
        let in_region = baseline.region.as_ref().map(|region| {
            doc.sites
                .iter()
                .map(|site| region.contains(&site.id))
                .collect()
        });
        let caps = resolve_caps(net, baseline, &items);
        Fence {
            caps,
            in_region,
            freeze_until: (baseline.freeze_until as usize).min(t_count),
            penalty: if penalty.is_finite() && penalty > 0.0 {
                penalty
            } else {
                0.0
            },
            production,
            shipments,
        }
    }

    /// Creates the fence's columns (and, in elastic mode, its slack) for
    /// every production and shipment decision.
    pub fn columns(
        &self,
        net: &Network,
        making: &[Vec<Making>],
        flow: &[Vec<Vec<Option<Col>>>],
        cols: &mut Columns,
    ) -> FenceParts {
        let doc = net.doc;
        let mut parts = FenceParts {
            rows: Vec::new(),
            caps: Vec::new(),
            relaxations: Vec::new(),
        };
        for cap in &self.caps {
            let t = cap.period;
            let mut decision: Vec<Col> = cap
                .operations
                .iter()
                .flat_map(|&o| making[o].get(t).into_iter().flat_map(|mk| mk.cols()))
                .collect();
            decision.extend(
                cap.lanes
                    .iter()
                    .filter_map(|&(k, pos)| flow[k][pos].get(t).copied().flatten()),
            );
            if decision.is_empty() {
                continue;
            }
            let mut e = sum_of(decision.iter().map(|c| (1.0, c)));
            if cols.is_elastic() {
                // Going over a limit is what a conflict may have to name.
                let over = cols.slack(cols.may_relax(&cap.path));
                e.add_mul(-1.0, over.var);
                parts.relaxations.push(Relaxation {
                    path: cap.path.clone(),
                    what: format!("limited to {} units", round6(cap.qty)),
                    col: over,
                    excess: true,
                });
            }
            parts.caps.push((e, cap.qty));
        }
        for (o, op) in net.operations.iter().enumerate() {
            for (t, mk) in making[o].iter().enumerate() {
                let decision: Vec<Col> = mk.cols().collect();
                let base = self.production.get(&(o, t)).copied().unwrap_or(0.0);
                let path = || format!("baseline.production[{}].period[{t}]", op.id);
                let outside = self.outside(op.site, op.site);
                self.hold(t, outside, &decision, base, path, cols, &mut parts);
            }
        }
        for (k, lane) in net.lanes.iter().enumerate() {
            let outside = self.outside(lane.from, lane.to);
            for (pos, &i) in lane.items.iter().enumerate() {
                for (t, f) in flow[k][pos].iter().enumerate() {
                    let decision: Vec<Col> = f.iter().copied().collect();
                    let base = self.shipments.get(&(k, pos, t)).copied().unwrap_or(0.0);
                    let path = || {
                        format!(
                            "baseline.shipments[{}].item[{}].period[{t}]",
                            doc.lanes[k].id, doc.items[i].id
                        )
                    };
                    self.hold(t, outside, &decision, base, path, cols, &mut parts);
                }
            }
        }
        parts
    }

    /// The sites of a decision at sites `a` and `b` (the same for
    /// production), when both lie outside the region; a lane with one end
    /// in it is the region's to use.
    fn outside(&self, a: usize, b: usize) -> Option<Sites> {
        let in_region = self.in_region.as_ref()?;
        let inside = |s: usize| in_region.get(s).copied().unwrap_or(false);
        (!inside(a) && !inside(b)).then_some((a, b))
    }

    /// One quantity `q` (the sum of `decision`) against its base quantity:
    /// `q = base` before the fence and, outside the region, after it too;
    /// `penalty * |q - base|` otherwise.
    #[allow(clippy::too_many_arguments)]
    fn hold(
        &self,
        t: usize,
        outside: Option<Sites>,
        decision: &[Col],
        base: f64,
        path: impl FnOnce() -> String,
        cols: &mut Columns,
        parts: &mut FenceParts,
    ) {
        let q = sum_of(decision.iter().map(|c| (1.0, c)));
        if t < self.freeze_until || outside.is_some() {
            if decision.is_empty() && base <= 0.0 {
                return;
            }
            let mut e = q;
            if decision.is_empty() {
                // The document no longer allows this decision (no capacity,
                // or an arrival past the horizon). A column held at 0 keeps
                // the row from being empty, so a positive frozen quantity
                // makes the model infeasible, and the slack below names it.
                e.add_mul(1.0, cols.add(0.0, 0.0).var);
            }
            if cols.is_elastic() {
                let path = path();
                let allowed = cols.may_relax(&path);
                let what = format!("frozen at {} units", round6(base));
                if base > 0.0 {
                    let short = cols.slack(allowed);
                    e.add_mul(1.0, short.var);
                    parts.relaxations.push(Relaxation {
                        path: path.clone(),
                        what: what.clone(),
                        col: short,
                        excess: false,
                    });
                }
                let over = cols.slack(allowed);
                e.add_mul(-1.0, over.var);
                parts.relaxations.push(Relaxation {
                    path,
                    what,
                    col: over,
                    excess: true,
                });
            }
            // A frozen row is the fence's, whatever the region.
            let held = outside.filter(|_| t >= self.freeze_until);
            parts.rows.push((e, base, held));
        } else if self.penalty > 0.0 && !decision.is_empty() && !cols.is_elastic() {
            if base <= 0.0 {
                // |q - 0| = q, since q >= 0: price the columns themselves.
                for c in decision {
                    cols.add_cost(c, self.penalty);
                }
            } else {
                // q - base = up - down with both priced: at an optimum one
                // of them is 0 and the other is |q - base|.
                let up = cols.add(f64::INFINITY, self.penalty);
                let down = cols.add(f64::INFINITY, self.penalty);
                let mut e = q;
                e.add_mul(-1.0, up.var);
                e.add_mul(1.0, down.var);
                parts.rows.push((e, base, None));
            }
        }
        // A base quantity whose decision no longer exists after the fence
        // is a fixed change: no column is needed, but its penalty is part
        // of what is minimised, so that the solver's objective (the plan's
        // `bound` for an LP) is the objective plus `stability.cost`.
        if t >= self.freeze_until
            && outside.is_none()
            && decision.is_empty()
            && base > 0.0
            && self.penalty > 0.0
            && !cols.is_elastic()
        {
            cols.add_constant(self.penalty * base);
        }
    }

    /// How far a solution moved from the base plan: the units made or
    /// shipped differently, over every period and decision (`value` reads
    /// a column). Differences up to [`CHANGE_TOLERANCE`] are solver noise.
    pub fn stability(
        &self,
        making: &[Vec<Making>],
        flow: &[Vec<Vec<Option<Col>>>],
        value: &dyn Fn(&Col) -> f64,
    ) -> Stability {
        let changed = |q: f64, base: f64| {
            let d = (q - base).abs();
            if d > CHANGE_TOLERANCE {
                d
            } else {
                0.0
            }
        };
        let mut units = 0.0;
        for (o, periods) in making.iter().enumerate() {
            for (t, mk) in periods.iter().enumerate() {
                let q: f64 = mk.cols().map(|c| value(&c)).sum();
                units += changed(q, self.production.get(&(o, t)).copied().unwrap_or(0.0));
            }
        }
        for (k, positions) in flow.iter().enumerate() {
            for (pos, periods) in positions.iter().enumerate() {
                for (t, f) in periods.iter().enumerate() {
                    let q = f.as_ref().map_or(0.0, value);
                    let base = self.shipments.get(&(k, pos, t)).copied().unwrap_or(0.0);
                    units += changed(q, base);
                }
            }
        }
        Stability {
            freeze_until: self.freeze_until as u32,
            penalty: self.penalty,
            units_changed: units,
            cost: self.penalty * units,
            region: None,
        }
    }
}

/// The counter-proposals' limits by model index; a limit on nothing the
/// model holds (an item no operation or lane of the supplier has) bounds
/// nothing and is left out.
fn resolve_caps(net: &Network, baseline: &Baseline, items: &HashMap<&str, usize>) -> Vec<Cap> {
    let doc = net.doc;
    let mut caps = Vec::new();
    for proposal in &baseline.limits {
        let Some(e) = doc
            .enterprises
            .iter()
            .position(|x| x.id == proposal.enterprise)
        else {
            continue;
        };
        let own = |site: usize| net.site_enterprise.get(site) == Some(&e);
        for limit in &proposal.limits {
            let Some(&i) = items.get(limit.item.as_str()) else {
                continue;
            };
            let (operations, lanes) = match limit.kind {
                LimitKind::Make => (
                    (0..net.operations.len())
                        .filter(|&o| own(net.operations[o].site) && net.operations[o].item == i)
                        .collect(),
                    Vec::new(),
                ),
                LimitKind::Ship => (
                    Vec::new(),
                    net.lanes
                        .iter()
                        .enumerate()
                        .filter(|(_, lane)| own(lane.from))
                        .filter_map(|(k, lane)| {
                            lane.items.iter().position(|&x| x == i).map(|pos| (k, pos))
                        })
                        .collect(),
                ),
            };
            caps.push(Cap {
                path: format!(
                    "limits[{}].{}[{}].period[{}]",
                    proposal.enterprise,
                    limit.kind.as_str(),
                    limit.item,
                    limit.period
                ),
                operations,
                lanes,
                period: limit.period as usize,
                qty: limit.qty,
            });
        }
    }
    caps
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

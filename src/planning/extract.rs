//! Reading a HiGHS solution back into a `Plan`: quantities by document id,
//! the eight cost terms recomputed from the quantities (so they sum to the
//! objective by construction), service, renovation dates, each supplier's
//! allocation, bottlenecks from the capacity rows' duals, and for a re-plan
//! how far the plan moved from its base plan.

use super::formulation::ModelMap;
use super::lp::EPS;
use super::network::Network;
use super::programme::window_cost;
use crate::model::{
    Allocation, AllocationEntry, AllocationKind, Bottleneck, CostBreakdown, Delivery, Plan,
    PlanStatus, Production, RenovationSchedule, ResourceKind, Role, Service, Shipment, StockLevel,
};
use highs::SolvedModel;
use std::collections::HashMap;

/// Quantities below this are not reported.
const REPORT_EPS: f64 = 1e-7;

/// What a finished HiGHS run produced.
pub(crate) struct SolvedValues {
    pub columns: Vec<f64>,
    pub row_duals: Vec<f64>,
    pub bound: f64,
    pub gap: f64,
    /// Optimal within the requested gap.
    pub proven: bool,
}

impl SolvedValues {
    /// Copies the solution out of HiGHS.
    pub fn read(solved: &SolvedModel, is_mip: bool, proven: bool) -> SolvedValues {
        let solution = solved.get_solution();
        let objective = solved.objective_value();
        let (bound, gap) = if is_mip {
            let bound = solved
                .double_info_value(c"mip_dual_bound")
                .unwrap_or(objective);
            let gap = solved.mip_gap();
            (bound, if gap.is_finite() { gap.max(0.0) } else { 1.0 })
        } else {
            (objective, 0.0)
        };
        SolvedValues {
            columns: solution.columns().to_vec(),
            row_duals: solution.dual_rows().to_vec(),
            bound,
            gap,
            proven,
        }
    }
}

/// The values of the binaries in creation order (setups, then starts), to
/// fix them for the LP that prices a MILP's capacities.
pub(crate) fn integer_values(map: &ModelMap, columns: &[f64]) -> Vec<f64> {
    let setups = map.setup.iter().flatten().flatten();
    let starts = map.start.iter().flatten().map(|(_, c)| c);
    setups
        .chain(starts)
        .map(|c| columns[c.col].round())
        .collect()
}

/// The row duals of a solved LP with the map of that same LP, whose capacity
/// rows say which dual is which.
///
/// A MILP is priced by another model, the LP with its integers fixed, whose
/// rows are numbered differently (it leaves out the setup links of setups
/// fixed at 1 and the lot-sizing rows), so its duals must be read through
/// its own map, never through the MILP's.
#[derive(Clone, Copy)]
pub(crate) struct RowDuals<'a> {
    pub map: &'a ModelMap,
    pub duals: &'a [f64],
}

/// Builds the plan from a solution; `duals` are the row duals of an LP
/// (the model itself, or the MILP with its integers fixed) with its map.
pub(crate) fn extract_plan(
    net: &Network,
    map: &ModelMap,
    values: &SolvedValues,
    duals: Option<RowDuals>,
) -> Plan {
    let doc = net.doc;
    let v = |c: &super::lp::Col| {
        let x = values.columns[c.col];
        if x.abs() < EPS {
            0.0
        } else {
            x
        }
    };
    let mut plan = Plan::without_solution(PlanStatus::Optimal);
    let mut cost = CostBreakdown::default();
    let mut emissions = 0.0;

    for (o, op) in net.operations.iter().enumerate() {
        let line = &net.lines[op.line];
        let (cf, qf) = line.renovation.map_or((1.0, 1.0), |r| {
            let d = net.renovations[r].doc;
            (d.cost_factor, d.co2_factor)
        });
        for t in 0..net.periods {
            let mk = map.making[o][t];
            let before = mk.before.as_ref().map_or(0.0, v);
            let after = mk.after.as_ref().map_or(0.0, v);
            cost.production += op.cost * (before + cf * after);
            emissions += op.co2 * (before + qf * after);
            if let Some(y) = &map.setup[o][t] {
                cost.setup += op.setup_cost * v(y).round();
            }
            if before + after > REPORT_EPS {
                plan.production.push(Production {
                    line: doc.lines[op.line].id.clone(),
                    operation: op.id.clone(),
                    item: doc.items[op.item].id.clone(),
                    period: t as u32,
                    qty: before + after,
                });
            }
        }
    }

    for (k, lane) in net.lanes.iter().enumerate() {
        for (pos, &i) in lane.items.iter().enumerate() {
            for (t, f) in map.flow[k][pos].iter().enumerate() {
                let Some(f) = f else { continue };
                let q = v(f);
                cost.transport += lane.cost * q;
                emissions += lane.co2 * q;
                if q > REPORT_EPS {
                    plan.shipments.push(Shipment {
                        lane: doc.lanes[k].id.clone(),
                        item: doc.items[i].id.clone(),
                        period: t as u32,
                        arrival: (t + lane.lead_time) as u32,
                        qty: q,
                    });
                }
            }
        }
    }

    for (p, &(n, i)) in map.stock_pairs.iter().enumerate() {
        let holding = net.stocks.get(&(n, i)).map_or(0.0, |s| s.holding_cost);
        for (t, s) in map.stock[p].iter().enumerate() {
            let q = v(s);
            cost.holding += holding * q;
            if q > REPORT_EPS {
                plan.stock.push(StockLevel {
                    site: doc.sites[n].id.clone(),
                    item: doc.items[i].id.clone(),
                    period: t as u32,
                    qty: q,
                });
            }
        }
        if let Some(k) = &map.shortfall[p] {
            cost.safety += doc.policy.safety_penalty * k.iter().map(v).sum::<f64>();
        }
    }

    let mut service = Service::default();
    for (d, dem) in net.demands.iter().enumerate() {
        service.demand += dem.qty;
        for (t, w) in &map.delivered[d] {
            let q = v(w);
            let late_by = t - dem.due;
            cost.late += dem.late_penalty * late_by as f64 * q;
            if late_by == 0 {
                service.on_time += q;
            } else {
                service.late += q;
            }
            if q > REPORT_EPS {
                plan.deliveries.push(Delivery {
                    demand: doc.demands[d].id.clone(),
                    period: *t as u32,
                    qty: q,
                    late_by: late_by as u32,
                });
            }
        }
        let u = v(&map.unmet[d]);
        cost.unmet += dem.unmet_penalty * u;
        service.unmet += u;
    }
    service.fill_rate = if service.demand > 0.0 {
        service.on_time / service.demand
    } else {
        1.0
    };

    cost.carbon = doc.policy.carbon_price * emissions;
    plan.renovations = net
        .renovations
        .iter()
        .enumerate()
        .map(|(r, rd)| {
            let start = map.start[r]
                .iter()
                .find(|(_, c)| v(c) > 0.5)
                .map(|&(t, _)| t as u32);
            if let Some(t) = start {
                cost.renovation_window += window_cost(rd, t as usize, net.periods);
            }
            RenovationSchedule {
                id: rd.doc.id.clone(),
                line: rd.doc.line.clone(),
                start,
                end: start.map(|s| s + rd.duration as u32 - 1),
            }
        })
        .collect();
    plan.allocations = allocations(net, &plan);
    if let Some(duals) = duals {
        plan.bottlenecks = bottlenecks(net, duals);
    }
    // The objective is docs/model.md §4, recomputed from the quantities, on
    // a re-plan too. The bound and gap are HiGHS' own and so refer to what it
    // minimised: on a re-plan, the objective plus the stability penalty.
    plan.objective = Some(cost.total());
    plan.bound = Some(values.bound);
    plan.gap = Some(values.gap);
    plan.stability = map
        .fence
        .as_ref()
        .map(|f| f.stability(&map.making, &map.flow, &v));
    plan.cost = cost;
    plan.emissions = emissions;
    plan.service = service;
    plan
}

/// What each supplier enterprise must make and ship, per period.
fn allocations(net: &Network, plan: &Plan) -> Vec<Allocation> {
    let doc = net.doc;
    let owners: HashMap<&str, usize> = doc
        .sites
        .iter()
        .enumerate()
        .map(|(n, s)| (s.id.as_str(), net.site_enterprise[n]))
        .collect();
    let site_owner = |site: &str| owners.get(site).copied();
    let line_site: HashMap<&str, &str> = doc
        .lines
        .iter()
        .map(|l| (l.id.as_str(), l.site.as_str()))
        .collect();
    let lane_ends: HashMap<&str, (&str, &str)> = doc
        .lanes
        .iter()
        .map(|e| (e.id.as_str(), (e.from.as_str(), e.to.as_str())))
        .collect();
    let mut out: Vec<Allocation> = doc
        .enterprises
        .iter()
        .filter(|e| e.role == Role::Supplier)
        .map(|e| Allocation {
            enterprise: e.id.clone(),
            entries: Vec::new(),
        })
        .collect();
    let mut by_enterprise: HashMap<&str, Vec<AllocationEntry>> = HashMap::new();
    for p in &plan.production {
        let Some(&site) = line_site.get(p.line.as_str()) else {
            continue;
        };
        if let Some(ent) = site_owner(site) {
            by_enterprise
                .entry(doc.enterprises[ent].id.as_str())
                .or_default()
                .push(AllocationEntry {
                    kind: AllocationKind::Make,
                    site: site.to_string(),
                    item: p.item.clone(),
                    period: p.period,
                    qty: p.qty,
                    resource: p.line.clone(),
                    destination: None,
                });
        }
    }
    for s in &plan.shipments {
        let Some(&(from, to)) = lane_ends.get(s.lane.as_str()) else {
            continue;
        };
        if let Some(ent) = site_owner(from) {
            by_enterprise
                .entry(doc.enterprises[ent].id.as_str())
                .or_default()
                .push(AllocationEntry {
                    kind: AllocationKind::Ship,
                    site: from.to_string(),
                    item: s.item.clone(),
                    period: s.period,
                    qty: s.qty,
                    resource: s.lane.clone(),
                    destination: Some(to.to_string()),
                });
        }
    }
    for a in &mut out {
        if let Some(mut entries) = by_enterprise.remove(a.enterprise.as_str()) {
            entries.sort_by(|x, y| {
                (x.period, x.kind as u8, &x.resource, &x.item).cmp(&(
                    y.period,
                    y.kind as u8,
                    &y.resource,
                    &y.item,
                ))
            });
            a.entries = entries;
        }
    }
    out
}

/// Binding line and lane capacities, priced by their duals, largest first.
fn bottlenecks(net: &Network, priced: RowDuals) -> Vec<Bottleneck> {
    let doc = net.doc;
    let RowDuals { map, duals } = priced;
    let price = |row: usize| duals.get(row).map_or(0.0, |d| -d);
    let mut out: Vec<Bottleneck> = map
        .line_rows
        .iter()
        .map(|&(l, t, row)| (ResourceKind::Line, doc.lines[l].id.clone(), t, price(row)))
        .chain(
            map.lane_rows
                .iter()
                .map(|&(k, t, row)| (ResourceKind::Lane, doc.lanes[k].id.clone(), t, price(row))),
        )
        .filter(|(_, _, _, p)| *p > 1e-6)
        .map(|(kind, id, t, p)| Bottleneck {
            kind,
            id,
            period: t as u32,
            shadow_price: p,
        })
        .collect();
    out.sort_by(|a, b| {
        b.shadow_price
            .total_cmp(&a.shadow_price)
            .then_with(|| a.id.cmp(&b.id))
            .then(a.period.cmp(&b.period))
    });
    out
}

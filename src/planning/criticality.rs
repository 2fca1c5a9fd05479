//! Which suppliers the chain can least afford to lose: one outage scenario
//! per supplier enterprise over a period range, solved as a batch, and the
//! suppliers ranked by the cost and the service each outage takes with it;
//! and the readable ranking `chainplan criticality` prints.
//!
//! Built on `batch` and `compare`; no solver calls of its own, no IO.

use super::batch::solve_batch;
use super::compare::{compare, Comparison};
use super::graph::ChainGraph;
use super::options::SolveOptions;
use super::replan::affected_demands;
use crate::model::scenario::{OutageScope, PeriodRange, ScenarioChange};
use crate::model::{NetworkDoc, Plan, PlanStatus, Role};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

/// What one supplier's outage does to the plan.
///
/// The figures are `None` when the outage leaves the chain without a plan
/// (status `infeasible`: a sourcing share or carbon cap cannot be met
/// without the supplier); such a supplier ranks first on both counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SupplierImpact {
    pub enterprise: String,
    /// Status of the plan without the supplier.
    pub status: PlanStatus,
    /// How many demands the supplier's sites can reach.
    pub affected_demands: usize,
    /// Objective increase (scenario - base).
    pub objective_delta: Option<f64>,
    /// Fill rate lost (base - scenario, a fraction; positive is a loss).
    pub fill_rate_drop: Option<f64>,
    /// More units never delivered (scenario - base).
    pub unmet_delta: Option<f64>,
    /// More units delivered late (scenario - base).
    pub late_delta: Option<f64>,
    /// 1 for the supplier whose outage costs most.
    pub cost_rank: usize,
    /// 1 for the supplier whose outage hurts service most.
    pub service_rank: usize,
    /// The outage plan against the base plan.
    pub comparison: Comparison,
}

/// An outage scenario that could not be solved to a plan or an infeasibility.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailedOutage {
    pub enterprise: String,
    pub reason: String,
}

/// The criticality sweep of one document over one period range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Criticality {
    pub periods: PeriodRange,
    /// Status and objective of the base plan everything is measured against.
    pub base_status: PlanStatus,
    pub base_objective: Option<f64>,
    /// Ranked by cost: see [`criticality`] for the order.
    pub suppliers: Vec<SupplierImpact>,
    /// Supplier enterprises no demand depends on, not solved, by id.
    pub skipped: Vec<String>,
    /// Outages without an answer (a limit, a solver failure), by id.
    pub failed: Vec<FailedOutage>,
}

impl Criticality {
    /// The suppliers in service order (`service_rank` 1 first).
    pub fn by_service(&self) -> Vec<&SupplierImpact> {
        let mut out: Vec<&SupplierImpact> = self.suppliers.iter().collect();
        out.sort_by_key(|s| s.service_rank);
        out
    }
}

/// Solves one outage of every supplier enterprise over `periods`
/// (`ScenarioChange::Outage` of its whole enterprise), `workers` at a time,
/// and ranks the suppliers by what their outage does to `base`, the plan of
/// `doc`.
///
/// Suppliers whose sites reach no demand (see [`affected_demands`]) are not
/// solved but listed in `skipped`. If `base` has no solution, nothing is
/// solved and every supplier is listed in `failed`.
///
/// Order by cost (`suppliers`, `cost_rank`): outages that leave no plan
/// first, then the largest objective increase first. Order by service
/// (`service_rank`): outages that leave no plan first, then the largest
/// fill-rate drop, then the most extra unmet units, then the most extra
/// late units. Figures equal up to solver noise (a millionth of the base
/// objective for cost, 1e-9 for the fill rate, 1e-6 units) tie, and ties go
/// by enterprise id.
pub fn criticality(
    doc: &NetworkDoc,
    base: &Plan,
    periods: PeriodRange,
    options: &SolveOptions,
    workers: usize,
) -> Criticality {
    let graph = ChainGraph::build(doc);
    let mut candidates: Vec<(String, usize)> = Vec::new();
    let mut skipped = Vec::new();
    for e in doc.enterprises.iter().filter(|e| e.role == Role::Supplier) {
        let reach = affected_demands(doc, &graph, &e.id).len();
        if reach == 0 {
            skipped.push(e.id.clone());
        } else {
            candidates.push((e.id.clone(), reach));
        }
    }
    skipped.sort();
    candidates.sort();
    let mut out = Criticality {
        periods,
        base_status: base.status,
        base_objective: base.objective,
        suppliers: Vec::new(),
        skipped,
        failed: Vec::new(),
    };
    if !base.status.has_solution() {
        out.failed = candidates
            .into_iter()
            .map(|(enterprise, _)| FailedOutage {
                enterprise,
                reason: format!("the base plan is {}", base.status.as_str()),
            })
            .collect();
        return out;
    }

    let scenarios: Vec<(String, Vec<ScenarioChange>)> = candidates
        .iter()
        .map(|(id, _)| {
            let outage = ScenarioChange::Outage {
                scope: OutageScope::Enterprise(id.clone()),
                periods,
            };
            (id.clone(), vec![outage])
        })
        .collect();
    // Every outage starts a MILP's search from the base plan's integers.
    let mut options = options.clone();
    if options.warm_start.is_none() {
        options.warm_start = Some(Arc::new(base.clone()));
    }
    let solved = solve_batch(doc, &scenarios, &options, workers, |_, _| {});
    for ((enterprise, result), (_, reach)) in solved.into_iter().zip(&candidates) {
        match result {
            Ok((scenario_doc, plan))
                if plan.status.has_solution() || plan.status == PlanStatus::Infeasible =>
            {
                let c = compare(doc, base, &scenario_doc, &plan);
                out.suppliers
                    .push(impact(enterprise, *reach, plan.status, c));
            }
            Ok((_, plan)) => out.failed.push(FailedOutage {
                enterprise,
                reason: format!("the outage plan is {}", plan.status.as_str()),
            }),
            Err(e) => out.failed.push(FailedOutage {
                enterprise,
                reason: e.to_string(),
            }),
        }
    }
    rank_suppliers(&mut out.suppliers, base.objective.unwrap_or(0.0));
    out
}

fn impact(
    enterprise: String,
    affected_demands: usize,
    status: PlanStatus,
    comparison: Comparison,
) -> SupplierImpact {
    let figures = comparison.comparable();
    let pick = |v: f64| figures.then_some(v);
    SupplierImpact {
        enterprise,
        status,
        affected_demands,
        objective_delta: comparison.objective.and_then(|d| pick(d.delta)),
        fill_rate_drop: pick(-comparison.fill_rate.delta),
        unmet_delta: pick(comparison.unmet.delta),
        late_delta: pick(comparison.late.delta),
        cost_rank: 0,
        service_rank: 0,
        comparison,
    }
}

/// `v` on a grid of `step`, so that figures within solver noise compare equal
/// and the order stays a total one.
fn quantised(v: Option<f64>, step: f64) -> Option<i64> {
    // `as` saturates; a delta beyond 2^63 steps needs no finer order.
    v.map(|v| (v / step).round() as i64)
}

/// Larger first, and a missing figure (no plan) before every number.
fn worst_first(a: Option<i64>, b: Option<i64>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(a), Some(b)) => b.cmp(&a),
    }
}

fn rank_suppliers(suppliers: &mut [SupplierImpact], base_objective: f64) {
    let cost_step = 1e-6 * base_objective.abs().max(1.0);
    let by_service = |a: &SupplierImpact, b: &SupplierImpact| {
        worst_first(
            quantised(a.fill_rate_drop, 1e-9),
            quantised(b.fill_rate_drop, 1e-9),
        )
        .then_with(|| {
            worst_first(
                quantised(a.unmet_delta, 1e-6),
                quantised(b.unmet_delta, 1e-6),
            )
        })
        .then_with(|| worst_first(quantised(a.late_delta, 1e-6), quantised(b.late_delta, 1e-6)))
        .then_with(|| a.enterprise.cmp(&b.enterprise))
    };
    suppliers.sort_by(by_service);
    for (k, s) in suppliers.iter_mut().enumerate() {
        s.service_rank = k + 1;
    }
    suppliers.sort_by(|a, b| {
        worst_first(
            quantised(a.objective_delta, cost_step),
            quantised(b.objective_delta, cost_step),
        )
        .then_with(|| a.enterprise.cmp(&b.enterprise))
    });
    for (k, s) in suppliers.iter_mut().enumerate() {
        s.cost_rank = k + 1;
    }
}

/// Re-ranks a sweep by reliability: least reliable first (`reliability`
/// by enterprise, from 0 to 1; a supplier with no figures counts as 1, no
/// evidence against it), ties kept in their order by impact.
pub fn rank_by_reliability(c: &mut Criticality, reliability: &HashMap<String, f64>) {
    let of = |e: &str| reliability.get(e).copied().unwrap_or(1.0);
    c.suppliers
        .sort_by(|a, b| of(&a.enterprise).total_cmp(&of(&b.enterprise)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::scenario::PeriodRange;

    fn supplier(id: &str, cost: Option<f64>, drop: f64, unmet: f64) -> SupplierImpact {
        let plan = Plan::without_solution(PlanStatus::Optimal);
        let doc = NetworkDoc::empty(1);
        SupplierImpact {
            enterprise: id.into(),
            status: if cost.is_some() {
                PlanStatus::Optimal
            } else {
                PlanStatus::Infeasible
            },
            affected_demands: 1,
            objective_delta: cost,
            fill_rate_drop: cost.map(|_| drop),
            unmet_delta: cost.map(|_| unmet),
            late_delta: cost.map(|_| 0.0),
            cost_rank: 0,
            service_rank: 0,
            comparison: compare(&doc, &plan, &doc, &plan),
        }
    }

    #[test]
    fn no_plan_ranks_first_and_noise_ties_go_by_id() {
        let mut all = vec![
            supplier("b", Some(10.0), 0.1, 5.0),
            supplier("a", Some(10.0 + 1e-9), 0.1, 5.0),
            supplier("z", None, 0.0, 0.0),
            supplier("c", Some(50.0), 0.0, 0.0),
        ];
        rank_suppliers(&mut all, 1000.0);
        let order: Vec<&str> = all.iter().map(|s| s.enterprise.as_str()).collect();
        assert_eq!(order, ["z", "c", "a", "b"]);
        let c = Criticality {
            periods: PeriodRange { first: 0, last: 0 },
            base_status: PlanStatus::Optimal,
            base_objective: Some(1000.0),
            suppliers: all,
            skipped: Vec::new(),
            failed: Vec::new(),
        };
        let service: Vec<&str> = c
            .by_service()
            .iter()
            .map(|s| s.enterprise.as_str())
            .collect();
        assert_eq!(service, ["z", "a", "b", "c"]);
    }
}

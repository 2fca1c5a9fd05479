//! What a re-plan changed against the plan it replaces: which suppliers'
//! work differs (with the delta), and which demands the cause (a supplier's
//! lost capacity, an order change) can reach, with their service before and
//! after. Pure: the job that stores a re-plan computes it.

use crate::model::commitment::CounterProposal;
use crate::model::{NetworkDoc, Plan};
use crate::planning::graph::ChainGraph;
use crate::planning::{affected_demands, diff_allocations};
use crate::server::publish::supplier_allocations;
use crate::store::{AffectedDemand, CounterProposalCost, DemandOutcome, PlanRecord, ReplanImpact};
use std::collections::{BTreeMap, BTreeSet};

/// What a re-plan changed against its base plan.
pub fn replan_impact(
    doc: &NetworkDoc,
    base: &PlanRecord,
    plan: &Plan,
    freeze_until: u32,
    stability_penalty: f64,
    causes: &[String],
) -> ReplanImpact {
    let before = supplier_allocations(doc, &base.plan);
    let after = supplier_allocations(doc, plan);
    let mut changed_suppliers = Vec::new();
    let mut unchanged_suppliers = Vec::new();
    for (old, new) in before.iter().zip(&after) {
        let changes = diff_allocations(old, new);
        if changes.is_empty() {
            unchanged_suppliers.push(new.enterprise.clone());
        } else {
            changed_suppliers.push((new.enterprise.clone(), changes));
        }
    }
    ReplanImpact {
        base_plan_id: base.plan_id.clone(),
        freeze_until,
        stability_penalty,
        units_changed: plan.stability.as_ref().map_or(0.0, |s| s.units_changed),
        affected_demands: affected(doc, &base.plan, plan, causes),
        changed_suppliers,
        unchanged_suppliers,
        region: plan.stability.as_ref().and_then(|s| s.region.clone()),
        periods_rolled: 0,
        counter_proposals: None,
    }
}

/// What holding `held` cost: the re-plan `plan` against the same re-plan
/// without them (`free`), in objective and in service over every demand.
pub fn counter_proposal_cost(
    doc: &NetworkDoc,
    plan: &Plan,
    free: &Plan,
    held: Vec<CounterProposal>,
) -> CounterProposalCost {
    CounterProposalCost {
        held,
        objective_held: plan.objective.unwrap_or(0.0),
        objective_free: free.objective.unwrap_or(0.0),
        service_held: service(doc, plan),
        service_free: service(doc, free),
    }
}

/// How a plan serves all demands together.
fn service(doc: &NetworkDoc, plan: &Plan) -> DemandOutcome {
    let mut out = DemandOutcome::default();
    for d in &plan.deliveries {
        if d.late_by == 0 {
            out.on_time += d.qty;
        } else {
            out.late += d.qty;
        }
    }
    let due: f64 = doc.demands.iter().map(|d| d.qty).sum();
    out.unmet = (due - out.on_time - out.late).max(0.0);
    out
}

/// The demands the causes can reach, each with the causes that reach it and
/// its service under both plans.
fn affected(
    doc: &NetworkDoc,
    before: &Plan,
    after: &Plan,
    causes: &[String],
) -> Vec<AffectedDemand> {
    let graph = ChainGraph::build(doc);
    let mut reached: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    if causes.is_empty() {
        for d in &doc.demands {
            reached.entry(d.id.clone()).or_default();
        }
    }
    for cause in causes {
        for demand in affected_demands(doc, &graph, cause) {
            reached.entry(demand).or_default().insert(cause.clone());
        }
    }
    reached
        .into_iter()
        .map(|(demand, causes)| AffectedDemand {
            before: outcome(doc, before, &demand),
            after: outcome(doc, after, &demand),
            demand,
            causes: causes.into_iter().collect(),
        })
        .collect()
}

/// How a plan serves one demand.
pub fn outcome(doc: &NetworkDoc, plan: &Plan, demand: &str) -> DemandOutcome {
    let qty = doc
        .demands
        .iter()
        .find(|d| d.id == demand)
        .map_or(0.0, |d| d.qty);
    let mut out = DemandOutcome::default();
    for d in plan.deliveries.iter().filter(|d| d.demand == demand) {
        if d.late_by == 0 {
            out.on_time += d.qty;
        } else {
            out.late += d.qty;
        }
    }
    out.unmet = (qty - out.on_time - out.late).max(0.0);
    out
}

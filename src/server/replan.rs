//! Re-planning against the committed plan: solve the new network version
//! with the published plan as a baseline (frozen fence plus stability
//! penalty), then say what changed: which suppliers' work differs, and which
//! demands the cause (a supplier's lost capacity, an order change) can reach,
//! with their service before and after.

use crate::model::{NetworkDoc, Plan};
use crate::planning::graph::ChainGraph;
use crate::planning::{affected_demands, diff_allocations, SolveOptions};
use crate::server::jobs::{Job, JobKind, JobSpec, Reservation};
use crate::server::publish::supplier_allocations;
use crate::server::state::AppState;
use crate::server::status::ServiceError;
use crate::store::{AffectedDemand, DemandOutcome, NetworkVersion, PlanRecord, ReplanImpact};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// A re-plan to start.
#[derive(Debug, Clone)]
pub struct ReplanRequest {
    /// The network version to plan.
    pub network: NetworkVersion,
    /// The plan to hold on to (normally the published one).
    pub base: PlanRecord,
    pub freeze_until: u32,
    pub stability_penalty: f64,
    pub options: SolveOptions,
    /// Started by a change under an automatic policy, not by a caller.
    pub automatic: bool,
    /// Publish the re-plan as soon as it has a solution.
    pub publish_when_done: bool,
    /// Enterprises whose change caused the re-plan; their reachable demands
    /// are reported. Empty: every demand is a candidate.
    pub causes: Vec<String>,
}

/// Submits a re-plan as a solve job, into the place `reservation` holds
/// when given; the plan is stored with its impact (and published, if asked)
/// when the job ends.
///
/// # Errors
/// RESOURCE_EXHAUSTED when the solve queue is full (never with a
/// reservation).
pub async fn start_replan(
    state: &AppState,
    req: ReplanRequest,
    reservation: Option<Reservation>,
) -> Result<Arc<Job>, ServiceError> {
    let spec = JobSpec::new(
        &req.network.network_id,
        req.network.version,
        &req.options,
        JobKind::Replan {
            base_plan_id: req.base.plan_id,
            freeze_until: req.freeze_until,
            stability_penalty: req.stability_penalty,
            automatic: req.automatic,
            publish_when_done: req.publish_when_done,
            causes: req.causes,
        },
    );
    match reservation {
        Some(held) => state.pool.submit_reserved(spec, held).await,
        None => state.pool.submit(spec).await,
    }
}

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
    }
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

//! Conversions of the store's records (network versions, plan records,
//! allocation versions, re-plan impact and policy) and of the service's
//! request parts (periods, solve options, order and capacity changes) to and
//! from proto. The document and the plan themselves convert in `convert.rs`.

use super::decode::FieldViolations;
use crate::model::edit::{CapacityChange, CapacityEdit, OrderChange, Periods};
use crate::model::number::nonnegative_problem;
use crate::model::{join_path, Problem};
use crate::model::{Allocation, AllocationChange, Bottleneck, NetworkDoc, Plan, PlanStatus};
use crate::planning::renovation::{BudgetStep, RenovationAnswer};
use crate::planning::{LpAlgorithm, Phase, SolveOptions, Strategy, MAX_THREADS};
use crate::server::pb;
use crate::server::status::ServiceError;
use crate::store::{
    AffectedDemand, AllocationVersion, DemandOutcome, NetworkChange, NetworkVersion, PlanOrigin,
    PlanRecord, ReplanImpact, ReplanMode, ReplanPolicy,
};
use std::time::SystemTime;

/// A document from a request; every structural problem is a violation
/// under `prefix`.
///
/// # Errors
/// INVALID_ARGUMENT listing them.
pub fn document_from_pb(
    prefix: &str,
    doc: pb::NetworkDocument,
) -> Result<NetworkDoc, ServiceError> {
    NetworkDoc::try_from(doc)
        .map_err(|v: FieldViolations| ServiceError::Invalid(v.under(prefix).into_iter().collect()))
}

pub fn document_to_pb(doc: &NetworkDoc) -> pb::NetworkDocument {
    pb::NetworkDocument::from(doc.clone())
}

pub fn plan_to_pb(plan: &Plan) -> pb::Plan {
    pb::Plan::from(plan.clone())
}

pub fn allocation_to_pb(a: &Allocation) -> pb::Allocation {
    pb::Allocation::from(a.clone())
}

pub fn allocation_change_to_pb(c: &AllocationChange) -> pb::AllocationChange {
    pb::AllocationChange::from(c.clone())
}

pub fn bottleneck_to_pb(b: &Bottleneck) -> pb::Bottleneck {
    pb::Bottleneck::from(b.clone())
}

pub fn plan_status_to_pb(s: PlanStatus) -> pb::PlanStatus {
    pb::PlanStatus::from(s)
}

/// A time as a protobuf timestamp.
pub fn timestamp(t: SystemTime) -> pbjson_types::Timestamp {
    let prost_types::Timestamp { seconds, nanos } = prost_types::Timestamp::from(t);
    pbjson_types::Timestamp { seconds, nanos }
}

pub fn network_version(v: &NetworkVersion) -> pb::NetworkVersion {
    let doc = &v.document;
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    pb::NetworkVersion {
        network_id: v.network_id.clone(),
        version: v.version,
        created_at: Some(timestamp(v.created_at)),
        change: match v.change {
            NetworkChange::Put => pb::NetworkChangeKind::Put,
            NetworkChange::UpdateOrders => pb::NetworkChangeKind::UpdateOrders,
            NetworkChange::UpdateCapacity => pb::NetworkChangeKind::UpdateCapacity,
            NetworkChange::ReportCapacity => pb::NetworkChangeKind::ReportCapacity,
            NetworkChange::PromoteScenario => pb::NetworkChangeKind::PromoteScenario,
            NetworkChange::Roll => pb::NetworkChangeKind::Roll,
        } as i32,
        reason: v.reason.clone(),
        name: doc.name.clone(),
        periods: doc.horizon.periods,
        items: count(doc.items.len()),
        enterprises: count(doc.enterprises.len()),
        sites: count(doc.sites.len()),
        lines: count(doc.lines.len()),
        lanes: count(doc.lanes.len()),
        demands: count(doc.demands.len()),
        receipts: count(doc.receipts.len()),
    }
}

/// The service's facts about a plan; `published` is the network's committed
/// plan id and publish counter.
pub fn plan_info(r: &PlanRecord, published: Option<(&str, u64)>) -> pb::PlanInfo {
    let committed = published.is_some_and(|(id, _)| id == r.plan_id);
    pb::PlanInfo {
        plan_id: r.plan_id.clone(),
        network_id: r.network_id.clone(),
        network_version: r.network_version,
        created_at: Some(timestamp(r.created_at)),
        origin: match r.origin {
            PlanOrigin::Solve => pb::PlanOrigin::Solve,
            PlanOrigin::Replan => pb::PlanOrigin::Replan,
            PlanOrigin::AutomaticReplan => pb::PlanOrigin::AutomaticReplan,
            PlanOrigin::Scenario => pb::PlanOrigin::Scenario,
        } as i32,
        base_plan_id: r.base_plan_id.clone().unwrap_or_default(),
        publish_version: if committed {
            published.map_or(0, |(_, v)| v)
        } else {
            0
        },
        committed,
    }
}

fn demand_outcome(o: &DemandOutcome) -> pb::DemandOutcome {
    pb::DemandOutcome {
        on_time: o.on_time,
        late: o.late,
        unmet: o.unmet,
    }
}

pub fn replan_impact(i: &ReplanImpact) -> pb::ReplanImpact {
    pb::ReplanImpact {
        base_plan_id: i.base_plan_id.clone(),
        freeze_until: i.freeze_until,
        stability_penalty: i.stability_penalty,
        units_changed: i.units_changed,
        affected_demands: i.affected_demands.iter().map(affected_demand).collect(),
        changed_suppliers: i
            .changed_suppliers
            .iter()
            .map(|(enterprise, changes)| pb::SupplierChange {
                enterprise: enterprise.clone(),
                delta: Some(pb::AllocationDelta {
                    changes: changes.iter().map(allocation_change_to_pb).collect(),
                }),
            })
            .collect(),
        unchanged_suppliers: i.unchanged_suppliers.clone(),
        region: i.region.clone().map(Into::into),
        periods_rolled: i.periods_rolled,
        counter_proposals: i
            .counter_proposals
            .as_ref()
            .map(|c| pb::CounterProposalCost {
                held: c
                    .held
                    .iter()
                    .map(super::execution::counter_proposal_to_pb)
                    .collect(),
                objective_held: c.objective_held,
                objective_free: c.objective_free,
                service_held: Some(demand_outcome(&c.service_held)),
                service_free: Some(demand_outcome(&c.service_free)),
            }),
    }
}

fn affected_demand(a: &AffectedDemand) -> pb::AffectedDemand {
    pb::AffectedDemand {
        demand: a.demand.clone(),
        causes: a.causes.clone(),
        before: Some(demand_outcome(&a.before)),
        after: Some(demand_outcome(&a.after)),
    }
}

pub fn outcome(o: &DemandOutcome) -> pb::DemandOutcome {
    demand_outcome(o)
}

/// One log version as a stream message: the full allocation when
/// `snapshot`, else the changes from the version before.
pub fn allocation_update(v: &AllocationVersion, snapshot: bool) -> pb::AllocationUpdate {
    pb::AllocationUpdate {
        version: v.version,
        enterprise: v.enterprise.clone(),
        publish_version: v.publish_version,
        plan_id: v.plan_id.clone(),
        published_at: Some(timestamp(v.published_at)),
        period_offset: v.period_offset,
        content: Some(if snapshot {
            pb::allocation_update::Content::Snapshot(allocation_to_pb(&v.allocation))
        } else {
            pb::allocation_update::Content::Delta(pb::AllocationDelta {
                changes: v.changes.iter().map(allocation_change_to_pb).collect(),
            })
        }),
    }
}

/// A phase of the planning core as the API names it.
pub fn solve_phase(phase: Phase) -> pb::SolvePhase {
    match phase {
        Phase::Build => pb::SolvePhase::Build,
        Phase::Solve => pb::SolvePhase::Solve,
        Phase::Duals => pb::SolvePhase::Duals,
        Phase::Conflicts => pb::SolvePhase::Conflicts,
        Phase::Extract => pb::SolvePhase::Extract,
    }
}

/// Solve options of a request, checked; the time limit is bounded later.
///
/// # Errors
/// INVALID_ARGUMENT for a limit or gap out of range or an unknown algorithm.
pub fn solve_options(
    prefix: &str,
    o: Option<&pb::SolveOptions>,
) -> Result<SolveOptions, ServiceError> {
    let mut options = SolveOptions::default();
    let Some(o) = o else {
        return Ok(options);
    };
    let pb::SolveOptions {
        time_limit_seconds,
        relative_gap,
        threads,
        lp_algorithm,
        strategy,
    } = o;
    let mut violations = Vec::new();
    if let Some(t) = time_limit_seconds {
        if !t.is_finite() || *t <= 0.0 {
            violations.push(Problem::new(
                join_path(prefix, "time_limit_seconds"),
                format!("must be a positive number of seconds, got {t}"),
            ));
        }
    }
    if let Some(g) = relative_gap {
        if !g.is_finite() || !(0.0..=1.0).contains(g) {
            violations.push(Problem::new(
                join_path(prefix, "relative_gap"),
                format!("must be between 0 and 1, got {g}"),
            ));
        }
    }
    if let Some(n) = threads {
        if !(1..=MAX_THREADS).contains(n) {
            violations.push(Problem::new(
                join_path(prefix, "threads"),
                format!("must be between 1 and {MAX_THREADS}, got {n}"),
            ));
        }
    }
    options.lp_algorithm = match pb::LpAlgorithm::try_from(*lp_algorithm) {
        Ok(pb::LpAlgorithm::Unspecified) => LpAlgorithm::default(),
        Ok(pb::LpAlgorithm::Ipm) => LpAlgorithm::Ipm,
        Ok(pb::LpAlgorithm::Simplex) => LpAlgorithm::Simplex,
        Ok(pb::LpAlgorithm::Choose) => LpAlgorithm::Choose,
        Err(_) => {
            violations.push(Problem::new(
                join_path(prefix, "lp_algorithm"),
                format!("unknown value {lp_algorithm}"),
            ));
            LpAlgorithm::default()
        }
    };
    options.strategy = match pb::SolveStrategy::try_from(*strategy) {
        Ok(pb::SolveStrategy::Unspecified) => Strategy::Auto,
        Ok(pb::SolveStrategy::Exact) => Strategy::Exact,
        Ok(pb::SolveStrategy::Fast) => Strategy::Fast,
        Ok(pb::SolveStrategy::Repair) => Strategy::Repair,
        Ok(pb::SolveStrategy::Windows) => Strategy::Windows,
        Err(_) => {
            violations.push(Problem::new(
                join_path(prefix, "strategy"),
                format!("unknown value {strategy}"),
            ));
            Strategy::Auto
        }
    };
    if !violations.is_empty() {
        return Err(ServiceError::Invalid(violations));
    }
    options.time_limit_seconds = *time_limit_seconds;
    options.relative_gap = *relative_gap;
    options.threads = *threads;
    Ok(options)
}

/// The periods of a `PeriodSet`; a range stays a range, checked against
/// the horizon before it is expanded.
///
/// # Errors
/// INVALID_ARGUMENT when absent, empty or a range with `first > last`.
pub fn periods(field: &str, set: Option<&pb::PeriodSet>) -> Result<Periods, ServiceError> {
    let periods = match set.and_then(|s| s.periods.as_ref()) {
        None => return Err(ServiceError::invalid(field, "required")),
        Some(pb::period_set::Periods::Range(r)) => {
            if r.first > r.last {
                return Err(ServiceError::invalid(
                    format!("{field}.range"),
                    format!("first {} is after last {}", r.first, r.last),
                ));
            }
            // Bounded by the horizon check that follows in the edit; a range
            // wider than the largest horizon cannot be valid anyway.
            if r.last - r.first >= crate::model::MAX_PERIODS {
                return Err(ServiceError::invalid(
                    format!("{field}.range"),
                    "wider than any horizon",
                ));
            }
            Periods::Range {
                first: r.first,
                last: r.last,
            }
        }
        Some(pb::period_set::Periods::List(l)) if l.periods.is_empty() => {
            return Err(ServiceError::invalid(field, "no periods given"))
        }
        Some(pb::period_set::Periods::List(l)) => Periods::List(l.periods.clone()),
    };
    Ok(periods)
}

/// The order changes of an `UpdateOrders` request.
///
/// # Errors
/// INVALID_ARGUMENT with the path of every malformed change.
pub fn order_changes(changes: &[pb::OrderChange]) -> Result<Vec<OrderChange>, ServiceError> {
    use pb::order_change::Change;
    let mut out = Vec::new();
    let mut violations = Vec::new();
    for (i, c) in changes.iter().enumerate() {
        let demand = |d: &pb::Demand, _: &str| Some(crate::model::Demand::from(d.clone()));
        let change = match &c.change {
            None => {
                violations.push(Problem::new(format!("changes[{i}]"), "no change given"));
                None
            }
            Some(Change::AddDemand(d)) => demand(d, "add_demand").map(OrderChange::AddDemand),
            Some(Change::ChangeDemand(d)) => {
                demand(d, "change_demand").map(OrderChange::ChangeDemand)
            }
            Some(Change::CancelDemand(id)) => Some(OrderChange::CancelDemand(id.clone())),
            Some(Change::AddReceipt(r)) => Some(OrderChange::AddReceipt(
                crate::model::Receipt::from(r.clone()),
            )),
            Some(Change::ChangeReceipt(r)) => Some(OrderChange::ChangeReceipt(
                crate::model::Receipt::from(r.clone()),
            )),
            Some(Change::CancelReceipt(k)) => Some(OrderChange::CancelReceipt {
                site: k.site.clone(),
                item: k.item.clone(),
                period: k.period,
            }),
        };
        out.extend(change);
    }
    if violations.is_empty() {
        Ok(out)
    } else {
        Err(ServiceError::Invalid(violations))
    }
}

/// The capacity changes of an `UpdateCapacity` request.
///
/// # Errors
/// INVALID_ARGUMENT with the path of every malformed change.
pub fn capacity_changes(
    changes: &[pb::CapacityChange],
) -> Result<Vec<CapacityChange>, ServiceError> {
    use pb::capacity_change::Change;
    let mut out = Vec::new();
    let mut violations = Vec::new();
    for (i, c) in changes.iter().enumerate() {
        let periods = match periods(&format!("changes[{i}].periods"), c.periods.as_ref()) {
            Ok(p) => p,
            Err(ServiceError::Invalid(v)) => {
                violations.extend(v);
                continue;
            }
            Err(other) => return Err(other),
        };
        let edit = match c.change {
            Some(Change::Capacity(v)) => CapacityEdit::Set(v),
            Some(Change::Downtime(a)) => match pb::DowntimeAction::try_from(a) {
                Ok(pb::DowntimeAction::Add) => CapacityEdit::AddDowntime,
                Ok(pb::DowntimeAction::Remove) => CapacityEdit::RemoveDowntime,
                _ => {
                    violations.push(Problem::new(
                        format!("changes[{i}].downtime"),
                        format!("must be ADD or REMOVE, got {a}"),
                    ));
                    continue;
                }
            },
            None => {
                violations.push(Problem::new(
                    format!("changes[{i}]"),
                    "no capacity or downtime given",
                ));
                continue;
            }
        };
        out.push(CapacityChange {
            line: c.line.clone(),
            periods,
            edit,
        });
    }
    if violations.is_empty() {
        Ok(out)
    } else {
        Err(ServiceError::Invalid(violations))
    }
}

pub fn replan_policy_to_pb(p: &ReplanPolicy) -> pb::ReplanPolicy {
    pb::ReplanPolicy {
        mode: match p.mode {
            ReplanMode::OnRequest => pb::ReplanMode::OnRequest,
            ReplanMode::Automatic => pb::ReplanMode::Automatic,
            ReplanMode::AutomaticPublish => pb::ReplanMode::AutomaticPublish,
        } as i32,
        freeze_until: p.freeze_until,
        stability_penalty: p.stability_penalty,
        options: Some(pb::SolveOptions {
            time_limit_seconds: p.time_limit_seconds,
            relative_gap: None,
            threads: None,
            lp_algorithm: pb::LpAlgorithm::Unspecified as i32,
            strategy: pb::SolveStrategy::Unspecified as i32,
        }),
    }
}

/// # Errors
/// INVALID_ARGUMENT for an unknown mode, a negative or non-finite penalty,
/// or bad options.
pub fn replan_policy_from_pb(p: Option<&pb::ReplanPolicy>) -> Result<ReplanPolicy, ServiceError> {
    let Some(p) = p else {
        return Err(ServiceError::invalid("policy", "required"));
    };
    let mut violations = Vec::new();
    let mode = match pb::ReplanMode::try_from(p.mode) {
        Ok(pb::ReplanMode::OnRequest | pb::ReplanMode::Unspecified) => ReplanMode::OnRequest,
        Ok(pb::ReplanMode::Automatic) => ReplanMode::Automatic,
        Ok(pb::ReplanMode::AutomaticPublish) => ReplanMode::AutomaticPublish,
        Err(_) => {
            violations.push(Problem::new(
                "policy.mode",
                format!("unknown value {}", p.mode),
            ));
            ReplanMode::OnRequest
        }
    };
    if let Some(reason) = nonnegative_problem(p.stability_penalty) {
        violations.push(Problem::new("policy.stability_penalty", reason));
    }
    let options = match solve_options("policy.options", p.options.as_ref()) {
        Ok(o) => Some(o),
        Err(ServiceError::Invalid(v)) => {
            violations.extend(v);
            None
        }
        Err(other) => return Err(other),
    };
    if !violations.is_empty() {
        return Err(ServiceError::Invalid(violations));
    }
    Ok(ReplanPolicy {
        mode,
        freeze_until: p.freeze_until,
        stability_penalty: p.stability_penalty,
        time_limit_seconds: options.and_then(|o| o.time_limit_seconds),
    })
}

/// The renovation answers of `ExplainRenovations`.
pub fn renovation_answers(
    answers: &[RenovationAnswer],
    step: Option<&BudgetStep>,
) -> pb::ExplainRenovationsResponse {
    pb::ExplainRenovationsResponse {
        renovations: answers
            .iter()
            .map(|a| pb::RenovationAnswer {
                id: a.id.clone(),
                line: a.line.clone(),
                start: a.start,
                end: a.end,
                net_capex: a.net_capex,
                capacity_lost: a.capacity_lost,
                capacity_gained: a.capacity_gained,
                cost_saved: a.cost_saved,
                co2_saved: a.co2_saved,
                delayed_demands: a.delayed_demands.clone(),
            })
            .collect(),
        budget_step: step.map(|s| pb::BudgetStepAnswer {
            budget: s.budget,
            step: s.step,
            objective_before: s.objective_before,
            objective_after: s.objective_after,
            moved: s
                .changed
                .iter()
                .map(|(id, before, after)| pb::RenovationMove {
                    id: id.clone(),
                    start_before: *before,
                    start_after: *after,
                })
                .collect(),
        }),
    }
}

//! Conversions of what-if scenarios and their comparisons between proto and
//! the domain: scenario changes (checked, with a path for every problem),
//! stored scenarios, comparisons and the criticality ranking.

use super::records::{bottleneck_to_pb, plan_status_to_pb, timestamp};
use crate::model::scenario::{
    CapacityTarget, CostScope, OutageScope, PeriodRange, PolicyValue, ScenarioChange,
};
use crate::model::Problem;
use crate::model::{Demand, Renovation};
use crate::planning::compare::{Comparison, Delta};
use crate::planning::{Criticality, Kpi};
use crate::server::pb;
use crate::server::status::ServiceError;
use crate::store::ScenarioRecord;
use std::collections::HashMap;

fn range(p: &pb::ScenarioPeriods) -> PeriodRange {
    PeriodRange {
        first: p.first,
        last: p.last,
    }
}

fn range_to_pb(p: PeriodRange) -> pb::ScenarioPeriods {
    pb::ScenarioPeriods {
        first: p.first,
        last: p.last,
    }
}

/// The changes of a request, every malformed one named by its path
/// (`changes[3].outage.scope: required`).
///
/// # Errors
/// INVALID_ARGUMENT listing them.
pub fn changes_from_pb(
    changes: &[pb::ScenarioChange],
) -> Result<Vec<ScenarioChange>, ServiceError> {
    use pb::scenario_change::Change;
    let mut out = Vec::new();
    let mut violations = Vec::new();
    for (i, c) in changes.iter().enumerate() {
        let mut missing = |field: &str| {
            violations.push(Problem::new(format!("changes[{i}].{field}"), "required"));
        };
        let change = match &c.change {
            None => {
                violations.push(Problem::new(format!("changes[{i}]"), "no change given"));
                None
            }
            Some(Change::Outage(o)) => {
                let scope = match &o.scope {
                    Some(pb::outage::Scope::Enterprise(e)) => {
                        Some(OutageScope::Enterprise(e.clone()))
                    }
                    Some(pb::outage::Scope::Site(s)) => Some(OutageScope::Site(s.clone())),
                    Some(pb::outage::Scope::Line(l)) => Some(OutageScope::Line(l.clone())),
                    None => {
                        missing("outage.scope");
                        None
                    }
                };
                let periods = o.periods.as_ref().map(range);
                if periods.is_none() {
                    missing("outage.periods");
                }
                scope
                    .zip(periods)
                    .map(|(scope, periods)| ScenarioChange::Outage { scope, periods })
            }
            Some(Change::CapacityFactor(f)) => {
                let target = match &f.target {
                    Some(pb::capacity_factor::Target::Line(l)) => {
                        Some(CapacityTarget::Line(l.clone()))
                    }
                    Some(pb::capacity_factor::Target::Lane(l)) => {
                        Some(CapacityTarget::Lane(l.clone()))
                    }
                    None => {
                        missing("capacity_factor.target");
                        None
                    }
                };
                let periods = f.periods.as_ref().map(range);
                if periods.is_none() {
                    missing("capacity_factor.periods");
                }
                target
                    .zip(periods)
                    .map(|(target, periods)| ScenarioChange::CapacityFactor {
                        target,
                        periods,
                        factor: f.factor,
                    })
            }
            Some(Change::LaneClosure(l)) => match &l.periods {
                Some(p) => Some(ScenarioChange::LaneClosure {
                    lane: l.lane.clone(),
                    periods: range(p),
                }),
                None => {
                    missing("lane_closure.periods");
                    None
                }
            },
            Some(Change::LeadTime(l)) => Some(ScenarioChange::LeadTime {
                lane: l.lane.clone(),
                lead_time: l.lead_time,
            }),
            Some(Change::DemandScale(d)) => Some(ScenarioChange::DemandScale {
                item: d.item.clone(),
                site: d.site.clone(),
                customer: d.customer.clone(),
                periods: d.periods.as_ref().map(range),
                factor: d.factor,
            }),
            Some(Change::AddDemand(d)) => Some(ScenarioChange::AddDemand {
                demand: Demand::from(d.clone()),
            }),
            Some(Change::RemoveDemand(id)) => Some(ScenarioChange::RemoveDemand { id: id.clone() }),
            Some(Change::CostFactor(f)) => {
                let scope = match &f.scope {
                    Some(pb::cost_factor::Scope::Line(l)) => Some(CostScope::Line(l.clone())),
                    Some(pb::cost_factor::Scope::Lane(l)) => Some(CostScope::Lane(l.clone())),
                    Some(pb::cost_factor::Scope::Item(x)) => Some(CostScope::Item(x.clone())),
                    Some(pb::cost_factor::Scope::All(true)) => Some(CostScope::All),
                    Some(pb::cost_factor::Scope::All(false)) | None => {
                        missing("cost_factor.scope");
                        None
                    }
                };
                scope.map(|scope| ScenarioChange::CostFactor {
                    scope,
                    cost_factor: f.cost_factor.unwrap_or(1.0),
                    co2_factor: f.co2_factor.unwrap_or(1.0),
                })
            }
            Some(Change::CarbonPrice(price)) => Some(ScenarioChange::CarbonPrice { price: *price }),
            Some(Change::CarbonCap(c)) => Some(ScenarioChange::CarbonCap { cap: c.cap }),
            Some(Change::AddRenovation(r)) => Some(ScenarioChange::AddRenovation {
                renovation: Renovation::from(r.clone()),
            }),
            Some(Change::RemoveRenovation(id)) => {
                Some(ScenarioChange::RemoveRenovation { id: id.clone() })
            }
            Some(Change::MoveRenovation(m)) => Some(ScenarioChange::MoveRenovation {
                id: m.id.clone(),
                earliest: m.earliest,
                latest: m.latest,
            }),
            Some(Change::ForceRenovation(f)) => Some(ScenarioChange::ForceRenovation {
                id: f.id.clone(),
                start: f.start,
            }),
            Some(Change::SetPolicy(p)) => Some(ScenarioChange::SetPolicy(PolicyValue {
                field: p.field.clone(),
                value: p.value,
            })),
        };
        out.extend(change);
    }
    if violations.is_empty() {
        Ok(out)
    } else {
        Err(ServiceError::Invalid(violations))
    }
}

/// The request path of a problem the model reports for a change
/// (`changes[i].<field>` in the change's own terms), or `None` for a path
/// that is not a change's. A change is a oneof member named by its kind,
/// whose own oneofs (an outage's scope, a capacity factor's target) put
/// their members directly in it: `changes[0].scope.site` is
/// `changes[0].outage.site`.
pub fn request_path(changes: &[ScenarioChange], path: &str) -> Option<String> {
    let rest = path.strip_prefix("changes[")?;
    let (index, rest) = rest.split_once(']')?;
    let change = changes.get(index.parse::<usize>().ok()?)?;
    let kind = change.kind();
    let rest = rest.strip_prefix('.').unwrap_or(rest);
    let field = match (kind, rest) {
        (_, "") => String::new(),
        ("remove_demand" | "remove_renovation", "id") => String::new(),
        ("carbon_price", "price") => String::new(),
        ("add_demand", r) => r.strip_prefix("demand").unwrap_or(r).to_string(),
        ("add_renovation", r) => r.strip_prefix("renovation").unwrap_or(r).to_string(),
        (_, r) => {
            let r = ["scope.", "target."]
                .iter()
                .find_map(|p| r.strip_prefix(p))
                .unwrap_or(r);
            format!(".{r}")
        }
    };
    let field = if field.is_empty() || field.starts_with('.') || field.starts_with('[') {
        field
    } else {
        format!(".{field}")
    };
    Some(format!("changes[{index}].{kind}{field}"))
}

pub fn change_to_pb(c: &ScenarioChange) -> pb::ScenarioChange {
    use pb::scenario_change::Change;
    let change = match c.clone() {
        ScenarioChange::Outage { scope, periods } => Change::Outage(pb::Outage {
            scope: Some(match scope {
                OutageScope::Enterprise(e) => pb::outage::Scope::Enterprise(e),
                OutageScope::Site(s) => pb::outage::Scope::Site(s),
                OutageScope::Line(l) => pb::outage::Scope::Line(l),
            }),
            periods: Some(range_to_pb(periods)),
        }),
        ScenarioChange::CapacityFactor {
            target,
            periods,
            factor,
        } => Change::CapacityFactor(pb::CapacityFactor {
            target: Some(match target {
                CapacityTarget::Line(l) => pb::capacity_factor::Target::Line(l),
                CapacityTarget::Lane(l) => pb::capacity_factor::Target::Lane(l),
            }),
            periods: Some(range_to_pb(periods)),
            factor,
        }),
        ScenarioChange::LaneClosure { lane, periods } => Change::LaneClosure(pb::LaneClosure {
            lane,
            periods: Some(range_to_pb(periods)),
        }),
        ScenarioChange::LeadTime { lane, lead_time } => {
            Change::LeadTime(pb::LeadTimeChange { lane, lead_time })
        }
        ScenarioChange::DemandScale {
            item,
            site,
            customer,
            periods,
            factor,
        } => Change::DemandScale(pb::DemandScale {
            item,
            site,
            customer,
            periods: periods.map(range_to_pb),
            factor,
        }),
        ScenarioChange::AddDemand { demand } => Change::AddDemand(demand.into()),
        ScenarioChange::RemoveDemand { id } => Change::RemoveDemand(id),
        ScenarioChange::CostFactor {
            scope,
            cost_factor,
            co2_factor,
        } => Change::CostFactor(pb::CostFactor {
            scope: Some(match scope {
                CostScope::Line(l) => pb::cost_factor::Scope::Line(l),
                CostScope::Lane(l) => pb::cost_factor::Scope::Lane(l),
                CostScope::Item(i) => pb::cost_factor::Scope::Item(i),
                CostScope::All => pb::cost_factor::Scope::All(true),
            }),
            cost_factor: Some(cost_factor),
            co2_factor: Some(co2_factor),
        }),
        ScenarioChange::CarbonPrice { price } => Change::CarbonPrice(price),
        ScenarioChange::CarbonCap { cap } => Change::CarbonCap(pb::CarbonCap { cap }),
        ScenarioChange::AddRenovation { renovation } => Change::AddRenovation(renovation.into()),
        ScenarioChange::RemoveRenovation { id } => Change::RemoveRenovation(id),
        ScenarioChange::MoveRenovation {
            id,
            earliest,
            latest,
        } => Change::MoveRenovation(pb::MoveRenovation {
            id,
            earliest,
            latest,
        }),
        ScenarioChange::ForceRenovation { id, start } => {
            Change::ForceRenovation(pb::ForceRenovation { id, start })
        }
        ScenarioChange::SetPolicy(PolicyValue { field, value }) => {
            Change::SetPolicy(pb::PolicyValue { field, value })
        }
    };
    pb::ScenarioChange {
        change: Some(change),
    }
}

pub fn scenario_to_pb(s: &ScenarioRecord) -> pb::Scenario {
    pb::Scenario {
        scenario_id: s.scenario_id.clone(),
        name: s.name.clone(),
        network_id: s.network_id.clone(),
        base_version: s.base_version,
        changes: s.changes.iter().map(change_to_pb).collect(),
        created_at: Some(timestamp(s.created_at)),
        plan_id: s.plan_id.clone().unwrap_or_default(),
        base_plan_id: s.base_plan_id.clone().unwrap_or_default(),
    }
}

fn delta(d: &Delta) -> pb::Delta {
    pb::Delta {
        base: d.base,
        scenario: d.scenario,
        delta: d.delta,
    }
}

pub fn comparison_to_pb(scenario_id: &str, c: &Comparison) -> pb::Comparison {
    pb::Comparison {
        scenario_id: scenario_id.to_string(),
        base_status: plan_status_to_pb(c.base_status) as i32,
        scenario_status: plan_status_to_pb(c.scenario_status) as i32,
        objective: c.objective.as_ref().map(delta),
        production: Some(delta(&c.cost.production)),
        setup: Some(delta(&c.cost.setup)),
        transport: Some(delta(&c.cost.transport)),
        holding: Some(delta(&c.cost.holding)),
        late_cost: Some(delta(&c.cost.late)),
        unmet_cost: Some(delta(&c.cost.unmet)),
        safety: Some(delta(&c.cost.safety)),
        carbon: Some(delta(&c.cost.carbon)),
        renovation_window: Some(delta(&c.cost.renovation_window)),
        demand: Some(delta(&c.demand)),
        on_time: Some(delta(&c.on_time)),
        late: Some(delta(&c.late)),
        unmet: Some(delta(&c.unmet)),
        fill_rate: Some(delta(&c.fill_rate)),
        emissions: Some(delta(&c.emissions)),
        renovations: c
            .renovations
            .iter()
            .map(|r| pb::RenovationComparison {
                id: r.id.clone(),
                line: r.line.clone(),
                base_start: r.base_start,
                scenario_start: r.scenario_start,
                changed: r.changed,
            })
            .collect(),
        bottlenecks_appeared: c
            .bottlenecks
            .appeared
            .iter()
            .map(bottleneck_to_pb)
            .collect(),
        bottlenecks_vanished: c
            .bottlenecks
            .vanished
            .iter()
            .map(bottleneck_to_pb)
            .collect(),
        bottlenecks_stayed: c
            .bottlenecks
            .stayed
            .iter()
            .map(|b| pb::StayingBottleneck {
                kind: pb::ResourceKind::from(b.kind) as i32,
                id: b.id.clone(),
                period: b.period,
                base_shadow_price: b.base_shadow_price,
                scenario_shadow_price: b.scenario_shadow_price,
            })
            .collect(),
        suppliers: c
            .suppliers
            .iter()
            .map(|s| pb::SupplierComparison {
                enterprise: s.enterprise.clone(),
                made: Some(delta(&s.made)),
                shipped: Some(delta(&s.shipped)),
            })
            .collect(),
    }
}

/// The KPI of a request.
///
/// # Errors
/// INVALID_ARGUMENT for an unknown value.
pub fn kpi_from_pb(value: i32) -> Result<Kpi, ServiceError> {
    Ok(match pb::Kpi::try_from(value) {
        Ok(pb::Kpi::Unspecified | pb::Kpi::Objective) => Kpi::Objective,
        Ok(pb::Kpi::Production) => Kpi::Production,
        Ok(pb::Kpi::Setup) => Kpi::Setup,
        Ok(pb::Kpi::Transport) => Kpi::Transport,
        Ok(pb::Kpi::Holding) => Kpi::Holding,
        Ok(pb::Kpi::LateCost) => Kpi::LateCost,
        Ok(pb::Kpi::UnmetCost) => Kpi::UnmetCost,
        Ok(pb::Kpi::Safety) => Kpi::Safety,
        Ok(pb::Kpi::Carbon) => Kpi::Carbon,
        Ok(pb::Kpi::FillRate) => Kpi::FillRate,
        Ok(pb::Kpi::Late) => Kpi::Late,
        Ok(pb::Kpi::Unmet) => Kpi::Unmet,
        Ok(pb::Kpi::Emissions) => Kpi::Emissions,
        Err(_) => {
            return Err(ServiceError::invalid(
                "rank_by",
                format!("unknown KPI {value}"),
            ))
        }
    })
}

/// A sweep's answer, each supplier with its reliability where measured.
pub fn criticality_to_pb(
    c: &Criticality,
    reliability: &HashMap<String, f64>,
) -> pb::SweepCriticalityResponse {
    pb::SweepCriticalityResponse {
        ranking: c
            .suppliers
            .iter()
            .map(|s| pb::SupplierCriticality {
                enterprise: s.enterprise.clone(),
                cost: s.objective_delta.unwrap_or(f64::INFINITY),
                fill_rate_drop: s.fill_rate_drop.unwrap_or(1.0),
                late: s.late_delta.unwrap_or(0.0),
                unmet: s.unmet_delta.unwrap_or(0.0),
                status: plan_status_to_pb(s.status) as i32,
                reliability: reliability.get(&s.enterprise).copied(),
            })
            .collect(),
        skipped: c.skipped.clone(),
        failed: c
            .failed
            .iter()
            .map(|f| pb::FailedOutage {
                enterprise: f.enterprise.clone(),
                reason: f.reason.clone(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::scenario::{OutageScope, PeriodRange};

    #[test]
    fn model_paths_of_changes_become_proto_paths() {
        let changes = vec![
            ScenarioChange::Outage {
                scope: OutageScope::Site("s".into()),
                periods: PeriodRange { first: 0, last: 1 },
            },
            ScenarioChange::RemoveDemand { id: "d".into() },
            ScenarioChange::CarbonPrice { price: -1.0 },
            ScenarioChange::LaneClosure {
                lane: "l".into(),
                periods: PeriodRange { first: 0, last: 1 },
            },
        ];
        let at = |p: &str| request_path(&changes, p);
        assert_eq!(
            at("changes[0].scope.site").unwrap(),
            "changes[0].outage.site"
        );
        assert_eq!(
            at("changes[0].periods.last").unwrap(),
            "changes[0].outage.periods.last"
        );
        assert_eq!(at("changes[1].id").unwrap(), "changes[1].remove_demand");
        assert_eq!(at("changes[2].price").unwrap(), "changes[2].carbon_price");
        assert_eq!(at("changes[3]").unwrap(), "changes[3].lane_closure");
        assert_eq!(at("changes[9].x"), None);
        assert_eq!(at("lines[0].capacity"), None);
    }
}

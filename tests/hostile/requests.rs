//! Request builders the hostile cases share: valid requests that a case then
//! breaks in one place.

use crate::common::NET;
use chainplan::server::pb;

pub fn order(change: pb::order_change::Change) -> pb::OrderChange {
    pb::OrderChange {
        change: Some(change),
    }
}

pub fn update_orders(changes: Vec<pb::OrderChange>) -> pb::UpdateOrdersRequest {
    pb::UpdateOrdersRequest {
        network_id: NET.into(),
        expected_version: 0,
        changes,
    }
}

/// A new demand of the demo chain's first customer, valid as it is.
pub fn demand(id: &str) -> pb::Demand {
    pb::Demand {
        id: id.into(),
        site: "agrimach-mannheim".into(),
        item: "gbx-heavy".into(),
        period: 6,
        qty: 10.0,
        late_penalty: None,
        unmet_penalty: None,
    }
}

pub fn add_demand(d: pb::Demand) -> pb::UpdateOrdersRequest {
    update_orders(vec![order(pb::order_change::Change::AddDemand(d))])
}

pub fn range(first: u32, last: u32) -> Option<pb::PeriodSet> {
    Some(pb::PeriodSet {
        periods: Some(pb::period_set::Periods::Range(pb::PeriodRange {
            first,
            last,
        })),
    })
}

pub fn list(periods: Vec<u32>) -> Option<pb::PeriodSet> {
    Some(pb::PeriodSet {
        periods: Some(pb::period_set::Periods::List(pb::PeriodList { periods })),
    })
}

pub fn set_capacity(line: &str, periods: Option<pb::PeriodSet>, value: f64) -> pb::CapacityChange {
    pb::CapacityChange {
        line: line.into(),
        periods,
        change: Some(pb::capacity_change::Change::Capacity(value)),
    }
}

pub fn update_capacity(changes: Vec<pb::CapacityChange>) -> pb::UpdateCapacityRequest {
    pb::UpdateCapacityRequest {
        network_id: NET.into(),
        expected_version: 0,
        changes,
        reason: "maintenance".into(),
    }
}

pub fn report(line: &str, period: u32, capacity: f64, reason: &str) -> pb::ReportCapacityRequest {
    pb::ReportCapacityRequest {
        network_id: NET.into(),
        enterprise: String::new(),
        line: line.into(),
        periods: range(period, period),
        capacity,
        reason: reason.into(),
    }
}

pub fn accept(version: u64, note: &str) -> pb::AcknowledgeRequest {
    pb::AcknowledgeRequest {
        network_id: NET.into(),
        enterprise: String::new(),
        version,
        decision: Some(pb::acknowledge_request::Decision::Accept(pb::Acceptance {
            note: note.into(),
        })),
    }
}

pub fn reject(version: u64, reason: &str) -> pb::AcknowledgeRequest {
    pb::AcknowledgeRequest {
        network_id: NET.into(),
        enterprise: String::new(),
        version,
        decision: Some(pb::acknowledge_request::Decision::Reject(pb::Rejection {
            reason: reason.into(),
            counter_proposal: Vec::new(),
        })),
    }
}

pub fn watch(after_version: u64) -> pb::WatchAllocationsRequest {
    pb::WatchAllocationsRequest {
        network_id: NET.into(),
        enterprise: String::new(),
        after_version,
    }
}

pub fn solve(options: Option<pb::SolveOptions>) -> pb::SolveRequest {
    pb::SolveRequest {
        network_id: NET.into(),
        network_version: 0,
        options,
    }
}

pub fn options() -> pb::SolveOptions {
    pb::SolveOptions {
        time_limit_seconds: None,
        relative_gap: None,
        threads: None,
        lp_algorithm: 0,
        strategy: 0,
    }
}

pub fn threads(n: u32) -> Option<pb::SolveOptions> {
    Some(pb::SolveOptions {
        threads: Some(n),
        ..options()
    })
}

pub fn replan(freeze_until: u32) -> pb::ReplanRequest {
    pb::ReplanRequest {
        network_id: NET.into(),
        network_version: 0,
        base_plan_id: String::new(),
        freeze_until,
        stability_penalty: 0.0,
        options: None,
    }
}

pub fn policy(mode: pb::ReplanMode, freeze_until: u32) -> pb::SetReplanPolicyRequest {
    pb::SetReplanPolicyRequest {
        network_id: NET.into(),
        policy: Some(pb::ReplanPolicy {
            mode: mode as i32,
            freeze_until,
            stability_penalty: 0.0,
            options: None,
        }),
    }
}

pub fn scenario_change(c: pb::scenario_change::Change) -> pb::ScenarioChange {
    pb::ScenarioChange { change: Some(c) }
}

pub fn demand_scale(factor: f64) -> pb::ScenarioChange {
    scenario_change(pb::scenario_change::Change::DemandScale(pb::DemandScale {
        item: None,
        site: None,
        customer: None,
        periods: None,
        factor,
    }))
}

pub fn create_scenario(name: &str, changes: Vec<pb::ScenarioChange>) -> pb::CreateScenarioRequest {
    pb::CreateScenarioRequest {
        network_id: NET.into(),
        base_version: 0,
        name: name.into(),
        changes,
    }
}

pub fn promote(scenario_id: &str, expected_version: u64) -> pb::PromoteScenarioRequest {
    pb::PromoteScenarioRequest {
        scenario_id: scenario_id.into(),
        expected_version,
    }
}

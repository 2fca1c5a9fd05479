//! The network document, both ways: domain -> proto (`From`) and proto ->
//! domain (`Decode`, with the serde types' defaults for absent optional
//! fields).

use super::decode::{
    decode_list, enum_value, map_list, optional, required, Decode, FieldViolations,
};
use super::enums::role_from;
use crate::model::join_path;
use crate::model::{
    Demand, Enterprise, Goal, Horizon, Input, Item, Lane, Line, NetworkDoc, Objective,
    ObjectiveStage, Operation, PerPeriod, Policy, Receipt, Renovation, Site, Stock,
};
use crate::server::pb;

// ---------------------------------------------------------------------------
// Network document: domain -> proto
// ---------------------------------------------------------------------------

impl From<PerPeriod> for pb::PerPeriod {
    fn from(value: PerPeriod) -> Self {
        let value = match value {
            PerPeriod::Scalar(v) => pb::per_period::Value::Scalar(v),
            PerPeriod::Series(values) => pb::per_period::Value::Series(pb::PeriodSeries { values }),
        };
        pb::PerPeriod { value: Some(value) }
    }
}

impl From<NetworkDoc> for pb::NetworkDocument {
    fn from(doc: NetworkDoc) -> Self {
        let NetworkDoc {
            name,
            horizon,
            items,
            enterprises,
            sites,
            lines,
            lanes,
            stocks,
            receipts,
            demands,
            renovations,
            policy,
        } = doc;
        pb::NetworkDocument {
            name,
            horizon: Some(horizon.into()),
            items: map_list(items),
            enterprises: map_list(enterprises),
            sites: map_list(sites),
            lines: map_list(lines),
            lanes: map_list(lanes),
            stocks: map_list(stocks),
            receipts: map_list(receipts),
            demands: map_list(demands),
            renovations: map_list(renovations),
            policy: Some(policy.into()),
        }
    }
}

impl From<Horizon> for pb::Horizon {
    fn from(horizon: Horizon) -> Self {
        let Horizon {
            periods,
            period,
            start,
        } = horizon;
        pb::Horizon {
            periods,
            period,
            start,
        }
    }
}

impl From<Item> for pb::Item {
    fn from(item: Item) -> Self {
        let Item { id, name, unit } = item;
        pb::Item { id, name, unit }
    }
}

impl From<Enterprise> for pb::Enterprise {
    fn from(enterprise: Enterprise) -> Self {
        let Enterprise { id, name, role } = enterprise;
        pb::Enterprise {
            id,
            name,
            role: pb::EnterpriseRole::from(role) as i32,
        }
    }
}

impl From<Site> for pb::Site {
    fn from(site: Site) -> Self {
        let Site {
            id,
            enterprise,
            name,
            region,
        } = site;
        pb::Site {
            id,
            enterprise,
            name,
            region,
        }
    }
}

impl From<Line> for pb::Line {
    fn from(line: Line) -> Self {
        let Line {
            id,
            site,
            capacity,
            downtime,
            operations,
        } = line;
        pb::Line {
            id,
            site,
            capacity: Some(capacity.into()),
            downtime,
            operations: map_list(operations),
        }
    }
}

impl From<Operation> for pb::Operation {
    fn from(op: Operation) -> Self {
        let Operation {
            id,
            item,
            load,
            cost,
            co2,
            inputs,
            setup_cost,
            setup_time,
            min_lot,
        } = op;
        pb::Operation {
            id,
            item,
            load: Some(load),
            cost,
            co2,
            inputs: map_list(inputs),
            setup_cost,
            setup_time,
            min_lot,
        }
    }
}

impl From<Input> for pb::Input {
    fn from(input: Input) -> Self {
        let Input { item, qty } = input;
        pb::Input { item, qty }
    }
}

impl From<Lane> for pb::Lane {
    fn from(lane: Lane) -> Self {
        let Lane {
            id,
            from,
            to,
            items,
            lead_time,
            capacity,
            cost,
            co2,
            min_share,
            max_share,
        } = lane;
        pb::Lane {
            id,
            from,
            to,
            items,
            lead_time,
            capacity: capacity.map(Into::into),
            cost,
            co2,
            min_share,
            max_share,
        }
    }
}

impl From<Stock> for pb::Stock {
    fn from(stock: Stock) -> Self {
        let Stock {
            site,
            item,
            initial,
            holding_cost,
            safety,
            max,
        } = stock;
        pb::Stock {
            site,
            item,
            initial,
            holding_cost,
            safety,
            max: max.map(Into::into),
        }
    }
}

impl From<Receipt> for pb::Receipt {
    fn from(receipt: Receipt) -> Self {
        let Receipt {
            site,
            item,
            period,
            qty,
        } = receipt;
        pb::Receipt {
            site,
            item,
            period,
            qty,
        }
    }
}

impl From<Demand> for pb::Demand {
    fn from(demand: Demand) -> Self {
        let Demand {
            id,
            site,
            item,
            period,
            qty,
            late_penalty,
            unmet_penalty,
        } = demand;
        pb::Demand {
            id,
            site,
            item,
            period,
            qty,
            late_penalty,
            unmet_penalty,
        }
    }
}

impl From<Renovation> for pb::Renovation {
    fn from(renovation: Renovation) -> Self {
        let Renovation {
            id,
            line,
            duration,
            earliest,
            latest,
            capacity_factor,
            cost_factor,
            co2_factor,
            capex,
            subsidy,
            optional,
            after,
            group,
            window_cost,
        } = renovation;
        pb::Renovation {
            id,
            line,
            duration,
            earliest,
            latest,
            capacity_factor: Some(capacity_factor),
            cost_factor: Some(cost_factor),
            co2_factor: Some(co2_factor),
            capex,
            subsidy,
            optional,
            after,
            group: group.unwrap_or_default(),
            window_cost,
        }
    }
}

impl From<Policy> for pb::Policy {
    fn from(policy: Policy) -> Self {
        let Policy {
            carbon_price,
            carbon_cap,
            safety_penalty,
            late_penalty,
            unmet_penalty,
            renovation_budget,
            max_concurrent_renovations,
            max_concurrent_per_group,
            keep_sources,
            objective,
        } = policy;
        pb::Policy {
            carbon_price,
            carbon_cap,
            safety_penalty,
            late_penalty: Some(late_penalty),
            unmet_penalty: Some(unmet_penalty),
            renovation_budget,
            max_concurrent_renovations,
            max_concurrent_per_group,
            keep_sources,
            objective: match objective {
                Objective::Cost => None,
                Objective::Lexicographic(stages) => Some(pb::Objective {
                    lexicographic: stages
                        .into_iter()
                        .map(|s| pb::ObjectiveStage {
                            goal: goal_to_pb(s.goal) as i32,
                            tolerance: s.tolerance,
                        })
                        .collect(),
                }),
            },
        }
    }
}

pub(super) fn goal_to_pb(goal: Goal) -> pb::Goal {
    match goal {
        Goal::Service => pb::Goal::Service,
        Goal::Cost => pb::Goal::Cost,
        Goal::Co2 => pb::Goal::Co2,
    }
}

pub(super) fn goal_from_pb(goal: pb::Goal) -> Goal {
    match goal {
        pb::Goal::Service => Goal::Service,
        pb::Goal::Cost | pb::Goal::Unspecified => Goal::Cost,
        pb::Goal::Co2 => Goal::Co2,
    }
}

// ---------------------------------------------------------------------------
// Network document: proto -> domain
// ---------------------------------------------------------------------------

/// `load` of an operation without one (serde default `one` in doc.rs).
const DEFAULT_LOAD: f64 = 1.0;
/// A renovation factor left out (serde default `one` in doc.rs).
const DEFAULT_FACTOR: f64 = 1.0;

impl Decode<pb::PerPeriod> for PerPeriod {
    fn decode(msg: pb::PerPeriod, at: &str, errs: &mut FieldViolations) -> Self {
        let pb::PerPeriod { value } = msg;
        match value {
            Some(pb::per_period::Value::Scalar(v)) => PerPeriod::Scalar(v),
            Some(pb::per_period::Value::Series(pb::PeriodSeries { values })) => {
                PerPeriod::Series(values)
            }
            None => {
                errs.push(at, "a per-period value needs `scalar` or `series`");
                PerPeriod::Scalar(0.0)
            }
        }
    }
}

impl Decode<pb::NetworkDocument> for NetworkDoc {
    fn decode(msg: pb::NetworkDocument, at: &str, errs: &mut FieldViolations) -> Self {
        let pb::NetworkDocument {
            name,
            horizon,
            items,
            enterprises,
            sites,
            lines,
            lanes,
            stocks,
            receipts,
            demands,
            renovations,
            policy,
        } = msg;
        let horizon = match horizon {
            Some(horizon) => horizon.into(),
            None => {
                errs.push(join_path(at, "horizon"), "required");
                Horizon {
                    periods: 0,
                    period: None,
                    start: None,
                }
            }
        };
        NetworkDoc {
            name,
            horizon,
            items: map_list(items),
            enterprises: decode_list(enterprises, at, "enterprises", errs),
            sites: map_list(sites),
            lines: decode_list(lines, at, "lines", errs),
            lanes: decode_list(lanes, at, "lanes", errs),
            stocks: decode_list(stocks, at, "stocks", errs),
            receipts: map_list(receipts),
            demands: map_list(demands),
            renovations: map_list(renovations),
            policy: policy
                .map(|p| Policy::decode(p, &join_path(at, "policy"), errs))
                .unwrap_or_default(),
        }
    }
}

impl From<pb::Horizon> for Horizon {
    fn from(msg: pb::Horizon) -> Self {
        let pb::Horizon {
            periods,
            period,
            start,
        } = msg;
        Horizon {
            periods,
            period,
            start,
        }
    }
}

impl From<pb::Item> for Item {
    fn from(msg: pb::Item) -> Self {
        let pb::Item { id, name, unit } = msg;
        Item { id, name, unit }
    }
}

impl Decode<pb::Enterprise> for Enterprise {
    fn decode(msg: pb::Enterprise, at: &str, errs: &mut FieldViolations) -> Self {
        let pb::Enterprise { id, name, role } = msg;
        Enterprise {
            id,
            name,
            role: role_from(role, at, errs),
        }
    }
}

impl From<pb::Site> for Site {
    fn from(msg: pb::Site) -> Self {
        let pb::Site {
            id,
            enterprise,
            name,
            region,
        } = msg;
        Site {
            id,
            enterprise,
            name,
            region,
        }
    }
}

impl Decode<pb::Line> for Line {
    fn decode(msg: pb::Line, at: &str, errs: &mut FieldViolations) -> Self {
        let pb::Line {
            id,
            site,
            capacity,
            downtime,
            operations,
        } = msg;
        Line {
            id,
            site,
            capacity: required(capacity, at, "capacity", errs, || PerPeriod::Scalar(0.0)),
            downtime,
            operations: map_list(operations),
        }
    }
}

impl From<pb::Operation> for Operation {
    fn from(msg: pb::Operation) -> Self {
        let pb::Operation {
            id,
            item,
            load,
            cost,
            co2,
            inputs,
            setup_cost,
            setup_time,
            min_lot,
        } = msg;
        Operation {
            id,
            item,
            load: load.unwrap_or(DEFAULT_LOAD),
            cost,
            co2,
            inputs: map_list(inputs),
            setup_cost,
            setup_time,
            min_lot,
        }
    }
}

impl From<pb::Input> for Input {
    fn from(msg: pb::Input) -> Self {
        let pb::Input { item, qty } = msg;
        Input { item, qty }
    }
}

impl Decode<pb::Lane> for Lane {
    fn decode(msg: pb::Lane, at: &str, errs: &mut FieldViolations) -> Self {
        let pb::Lane {
            id,
            from,
            to,
            items,
            lead_time,
            capacity,
            cost,
            co2,
            min_share,
            max_share,
        } = msg;
        Lane {
            id,
            from,
            to,
            items,
            lead_time,
            capacity: optional(capacity, at, "capacity", errs),
            cost,
            co2,
            min_share,
            max_share,
        }
    }
}

impl Decode<pb::Stock> for Stock {
    fn decode(msg: pb::Stock, at: &str, errs: &mut FieldViolations) -> Self {
        let pb::Stock {
            site,
            item,
            initial,
            holding_cost,
            safety,
            max,
        } = msg;
        Stock {
            site,
            item,
            initial,
            holding_cost,
            safety,
            max: optional(max, at, "max", errs),
        }
    }
}

impl From<pb::Receipt> for Receipt {
    fn from(msg: pb::Receipt) -> Self {
        let pb::Receipt {
            site,
            item,
            period,
            qty,
        } = msg;
        Receipt {
            site,
            item,
            period,
            qty,
        }
    }
}

impl From<pb::Demand> for Demand {
    fn from(msg: pb::Demand) -> Self {
        let pb::Demand {
            id,
            site,
            item,
            period,
            qty,
            late_penalty,
            unmet_penalty,
        } = msg;
        Demand {
            id,
            site,
            item,
            period,
            qty,
            late_penalty,
            unmet_penalty,
        }
    }
}

impl From<pb::Renovation> for Renovation {
    fn from(msg: pb::Renovation) -> Self {
        let pb::Renovation {
            id,
            line,
            duration,
            earliest,
            latest,
            capacity_factor,
            cost_factor,
            co2_factor,
            capex,
            subsidy,
            optional,
            after,
            group,
            window_cost,
        } = msg;
        Renovation {
            id,
            line,
            duration,
            earliest,
            latest,
            capacity_factor: capacity_factor.unwrap_or(DEFAULT_FACTOR),
            cost_factor: cost_factor.unwrap_or(DEFAULT_FACTOR),
            co2_factor: co2_factor.unwrap_or(DEFAULT_FACTOR),
            capex,
            subsidy,
            optional,
            after,
            group: (!group.is_empty()).then_some(group),
            window_cost,
        }
    }
}

impl Decode<pb::Policy> for Policy {
    fn decode(msg: pb::Policy, at: &str, errs: &mut FieldViolations) -> Self {
        let pb::Policy {
            carbon_price,
            carbon_cap,
            safety_penalty,
            late_penalty,
            unmet_penalty,
            renovation_budget,
            max_concurrent_renovations,
            max_concurrent_per_group,
            keep_sources,
            objective,
        } = msg;
        let defaults = Policy::default();
        let stages: Vec<ObjectiveStage> = objective
            .map(|o| o.lexicographic)
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .filter_map(|(i, stage)| {
                let at = format!("{}[{i}]", join_path(at, "objective.lexicographic"));
                let goal = enum_value::<pb::Goal>(stage.goal, &at, "goal", "goal", errs)?;
                Some(ObjectiveStage {
                    goal: goal_from_pb(goal),
                    tolerance: stage.tolerance,
                })
            })
            .collect();
        Policy {
            carbon_price,
            carbon_cap,
            safety_penalty,
            late_penalty: late_penalty.unwrap_or(defaults.late_penalty),
            unmet_penalty: unmet_penalty.unwrap_or(defaults.unmet_penalty),
            renovation_budget,
            max_concurrent_renovations,
            max_concurrent_per_group,
            keep_sources,
            objective: if stages.is_empty() {
                Objective::Cost
            } else {
                Objective::Lexicographic(stages)
            },
        }
    }
}

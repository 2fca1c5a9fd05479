//! The plan, both ways.

use super::decode::{count, decode_list, enum_value, map_list, Decode, FieldViolations};
use super::document::{goal_from_pb, goal_to_pb};
use super::enums::{resource_kind_from, status_from};
use crate::model::join_path;
use crate::model::{
    Bottleneck, Conflict, CostBreakdown, Delivery, GoalOutcome, Plan, Production,
    RenovationSchedule, RepairRegion, Service, Shipment, SolveStats, Stability, StockLevel,
};
use crate::server::pb;

// ---------------------------------------------------------------------------
// Plan: domain -> proto
// ---------------------------------------------------------------------------

impl From<Plan> for pb::Plan {
    fn from(plan: Plan) -> Self {
        let Plan {
            status,
            objective,
            bound,
            gap,
            cost,
            emissions,
            service,
            production,
            shipments,
            stock,
            deliveries,
            renovations,
            allocations,
            bottlenecks,
            conflicts,
            stats,
            stability,
            goals,
        } = plan;
        pb::Plan {
            status: pb::PlanStatus::from(status) as i32,
            objective,
            bound,
            gap,
            cost: Some(cost.into()),
            emissions,
            service: Some(service.into()),
            production: map_list(production),
            shipments: map_list(shipments),
            stock: map_list(stock),
            deliveries: map_list(deliveries),
            renovations: map_list(renovations),
            allocations: map_list(allocations),
            bottlenecks: map_list(bottlenecks),
            conflicts: map_list(conflicts),
            stats: Some(stats.into()),
            stability: stability.map(Into::into),
            goals: goals
                .into_iter()
                .map(|g| pb::GoalOutcome {
                    goal: goal_to_pb(g.goal) as i32,
                    value: g.value,
                    limit: g.limit,
                })
                .collect(),
        }
    }
}

impl From<Stability> for pb::Stability {
    fn from(stability: Stability) -> Self {
        let Stability {
            freeze_until,
            penalty,
            units_changed,
            cost,
            region,
        } = stability;
        pb::Stability {
            freeze_until,
            penalty,
            units_changed,
            cost,
            region: region.map(Into::into),
        }
    }
}

impl From<CostBreakdown> for pb::CostBreakdown {
    fn from(cost: CostBreakdown) -> Self {
        let CostBreakdown {
            production,
            setup,
            transport,
            holding,
            late,
            unmet,
            safety,
            carbon,
            renovation_window,
        } = cost;
        pb::CostBreakdown {
            production,
            setup,
            transport,
            holding,
            late,
            unmet,
            safety,
            carbon,
            renovation_window,
        }
    }
}

impl From<Service> for pb::ServiceLevel {
    fn from(service: Service) -> Self {
        let Service {
            demand,
            on_time,
            late,
            unmet,
            fill_rate,
        } = service;
        pb::ServiceLevel {
            demand,
            on_time,
            late,
            unmet,
            fill_rate,
        }
    }
}

impl From<Production> for pb::Production {
    fn from(production: Production) -> Self {
        let Production {
            line,
            operation,
            item,
            period,
            qty,
        } = production;
        pb::Production {
            line,
            operation,
            item,
            period,
            qty,
        }
    }
}

impl From<Shipment> for pb::Shipment {
    fn from(shipment: Shipment) -> Self {
        let Shipment {
            lane,
            item,
            period,
            arrival,
            qty,
        } = shipment;
        pb::Shipment {
            lane,
            item,
            period,
            arrival,
            qty,
        }
    }
}

impl From<StockLevel> for pb::StockLevel {
    fn from(level: StockLevel) -> Self {
        let StockLevel {
            site,
            item,
            period,
            qty,
        } = level;
        pb::StockLevel {
            site,
            item,
            period,
            qty,
        }
    }
}

impl From<Delivery> for pb::Delivery {
    fn from(delivery: Delivery) -> Self {
        let Delivery {
            demand,
            period,
            qty,
            late_by,
        } = delivery;
        pb::Delivery {
            demand,
            period,
            qty,
            late_by,
        }
    }
}

impl From<RenovationSchedule> for pb::RenovationSchedule {
    fn from(schedule: RenovationSchedule) -> Self {
        let RenovationSchedule {
            id,
            line,
            start,
            end,
        } = schedule;
        pb::RenovationSchedule {
            id,
            line,
            start,
            end,
        }
    }
}

impl From<Bottleneck> for pb::Bottleneck {
    fn from(bottleneck: Bottleneck) -> Self {
        let Bottleneck {
            kind,
            id,
            period,
            shadow_price,
        } = bottleneck;
        pb::Bottleneck {
            kind: pb::ResourceKind::from(kind) as i32,
            id,
            period,
            shadow_price,
        }
    }
}

impl From<Conflict> for pb::Conflict {
    fn from(conflict: Conflict) -> Self {
        let Conflict { path, reason } = conflict;
        pb::Conflict { path, reason }
    }
}

impl From<SolveStats> for pb::SolveStats {
    fn from(stats: SolveStats) -> Self {
        let SolveStats {
            variables,
            integer_variables,
            constraints,
            build_seconds,
            solve_seconds,
            extract_seconds,
            threads,
            strategy,
            first_plan_seconds,
            first_plan_needs_seconds,
        } = stats;
        pb::SolveStats {
            variables: variables as u64,
            integer_variables: integer_variables as u64,
            constraints: constraints as u64,
            build_seconds,
            solve_seconds,
            extract_seconds,
            threads,
            strategy,
            first_plan_seconds,
            first_plan_needs_seconds,
        }
    }
}

// ---------------------------------------------------------------------------
// Plan: proto -> domain
// ---------------------------------------------------------------------------

impl Decode<pb::Plan> for Plan {
    fn decode(msg: pb::Plan, at: &str, errs: &mut FieldViolations) -> Self {
        let pb::Plan {
            status,
            objective,
            bound,
            gap,
            cost,
            emissions,
            service,
            production,
            shipments,
            stock,
            deliveries,
            renovations,
            allocations,
            bottlenecks,
            conflicts,
            stats,
            stability,
            goals,
        } = msg;
        let status = status_from(status, at, errs);
        let goals = goals
            .into_iter()
            .enumerate()
            .filter_map(|(i, g)| {
                let at = format!("{}[{i}]", join_path(at, "goals"));
                let goal = enum_value::<pb::Goal>(g.goal, &at, "goal", "goal", errs)?;
                Some(GoalOutcome {
                    goal: goal_from_pb(goal),
                    value: g.value,
                    limit: g.limit,
                })
            })
            .collect();
        // `cost` and `service` are required in the plan's JSON too; `stats`
        // has a serde default there, so an absent one is all zeros here.
        let cost = match cost {
            Some(cost) => cost.into(),
            None => {
                errs.push(join_path(at, "cost"), "required");
                CostBreakdown::default()
            }
        };
        let service = match service {
            Some(service) => service.into(),
            None => {
                errs.push(join_path(at, "service"), "required");
                Service::default()
            }
        };
        let stats = match stats {
            Some(stats) => SolveStats::decode(stats, &join_path(at, "stats"), errs),
            None => SolveStats::default(),
        };
        Plan {
            status,
            objective,
            bound,
            gap,
            cost,
            emissions,
            service,
            production: map_list(production),
            shipments: map_list(shipments),
            stock: map_list(stock),
            deliveries: map_list(deliveries),
            renovations: map_list(renovations),
            allocations: decode_list(allocations, at, "allocations", errs),
            bottlenecks: decode_list(bottlenecks, at, "bottlenecks", errs),
            conflicts: map_list(conflicts),
            stats,
            stability: stability.map(Stability::from),
            goals,
        }
    }
}

impl From<pb::Stability> for Stability {
    fn from(msg: pb::Stability) -> Self {
        let pb::Stability {
            freeze_until,
            penalty,
            units_changed,
            cost,
            region,
        } = msg;
        Stability {
            freeze_until,
            penalty,
            units_changed,
            cost,
            region: region.map(Into::into),
        }
    }
}

impl From<RepairRegion> for pb::RepairRegion {
    fn from(r: RepairRegion) -> Self {
        let RepairRegion {
            sites,
            widenings,
            proven_optimal,
        } = r;
        pb::RepairRegion {
            sites,
            widenings,
            proven_optimal,
        }
    }
}

impl From<pb::RepairRegion> for RepairRegion {
    fn from(r: pb::RepairRegion) -> Self {
        let pb::RepairRegion {
            sites,
            widenings,
            proven_optimal,
        } = r;
        RepairRegion {
            sites,
            widenings,
            proven_optimal,
        }
    }
}

impl From<pb::CostBreakdown> for CostBreakdown {
    fn from(msg: pb::CostBreakdown) -> Self {
        let pb::CostBreakdown {
            production,
            setup,
            transport,
            holding,
            late,
            unmet,
            safety,
            carbon,
            renovation_window,
        } = msg;
        CostBreakdown {
            production,
            setup,
            transport,
            holding,
            late,
            unmet,
            safety,
            carbon,
            renovation_window,
        }
    }
}

impl From<pb::ServiceLevel> for Service {
    fn from(msg: pb::ServiceLevel) -> Self {
        let pb::ServiceLevel {
            demand,
            on_time,
            late,
            unmet,
            fill_rate,
        } = msg;
        Service {
            demand,
            on_time,
            late,
            unmet,
            fill_rate,
        }
    }
}

impl From<pb::Production> for Production {
    fn from(msg: pb::Production) -> Self {
        let pb::Production {
            line,
            operation,
            item,
            period,
            qty,
        } = msg;
        Production {
            line,
            operation,
            item,
            period,
            qty,
        }
    }
}

impl From<pb::Shipment> for Shipment {
    fn from(msg: pb::Shipment) -> Self {
        let pb::Shipment {
            lane,
            item,
            period,
            arrival,
            qty,
        } = msg;
        Shipment {
            lane,
            item,
            period,
            arrival,
            qty,
        }
    }
}

impl From<pb::StockLevel> for StockLevel {
    fn from(msg: pb::StockLevel) -> Self {
        let pb::StockLevel {
            site,
            item,
            period,
            qty,
        } = msg;
        StockLevel {
            site,
            item,
            period,
            qty,
        }
    }
}

impl From<pb::Delivery> for Delivery {
    fn from(msg: pb::Delivery) -> Self {
        let pb::Delivery {
            demand,
            period,
            qty,
            late_by,
        } = msg;
        Delivery {
            demand,
            period,
            qty,
            late_by,
        }
    }
}

impl From<pb::RenovationSchedule> for RenovationSchedule {
    fn from(msg: pb::RenovationSchedule) -> Self {
        let pb::RenovationSchedule {
            id,
            line,
            start,
            end,
        } = msg;
        RenovationSchedule {
            id,
            line,
            start,
            end,
        }
    }
}

impl Decode<pb::Bottleneck> for Bottleneck {
    fn decode(msg: pb::Bottleneck, at: &str, errs: &mut FieldViolations) -> Self {
        let pb::Bottleneck {
            kind,
            id,
            period,
            shadow_price,
        } = msg;
        Bottleneck {
            kind: resource_kind_from(kind, at, errs),
            id,
            period,
            shadow_price,
        }
    }
}

impl From<pb::Conflict> for Conflict {
    fn from(msg: pb::Conflict) -> Self {
        let pb::Conflict { path, reason } = msg;
        Conflict { path, reason }
    }
}

impl Decode<pb::SolveStats> for SolveStats {
    fn decode(msg: pb::SolveStats, at: &str, errs: &mut FieldViolations) -> Self {
        let pb::SolveStats {
            variables,
            integer_variables,
            constraints,
            build_seconds,
            solve_seconds,
            extract_seconds,
            threads,
            strategy,
            first_plan_seconds,
            first_plan_needs_seconds,
        } = msg;
        SolveStats {
            variables: count(variables, at, "variables", errs),
            integer_variables: count(integer_variables, at, "integer_variables", errs),
            constraints: count(constraints, at, "constraints", errs),
            build_seconds,
            solve_seconds,
            extract_seconds,
            threads,
            strategy,
            first_plan_seconds,
            first_plan_needs_seconds,
        }
    }
}

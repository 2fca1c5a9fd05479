//! The execution loop's messages: actuals and series extensions from a
//! request, counter-proposals both ways, and a roll's report and
//! plan-against-actual figures to the API. The domain's own checks (closed
//! periods, own sites, amounts) run on the converted values; only what the
//! proto can say and the domain cannot (an UNSPECIFIED enum) is refused here.

use crate::model::actuals::{
    ActualDelivery, ActualProduction, ActualReceipt, ActualShipment, Actuals, RenovationStart,
    StockCount,
};
use crate::model::adherence::Adherence;
use crate::model::commitment::{CounterProposal, LimitKind, SupplyLimit};
use crate::model::roll::{Extension, RenovationState, RollReport, SeriesKind};
use crate::model::Problem;
use crate::server::pb;
use crate::server::status::ServiceError;
use std::collections::HashMap;

/// The actuals of a request, under `field`.
///
/// # Errors
/// INVALID_ARGUMENT when absent.
pub fn actuals_from_pb(field: &str, actuals: Option<pb::Actuals>) -> Result<Actuals, ServiceError> {
    let Some(pb::Actuals {
        production,
        shipments,
        receipts,
        stock_counts,
        deliveries,
        renovation_starts,
    }) = actuals
    else {
        return Err(ServiceError::invalid(field, "required"));
    };
    Ok(Actuals {
        production: production
            .into_iter()
            .map(|p| {
                let pb::ActualProduction {
                    line,
                    item,
                    operation,
                    period,
                    qty,
                } = p;
                ActualProduction {
                    line,
                    item,
                    operation: (!operation.is_empty()).then_some(operation),
                    period,
                    qty,
                }
            })
            .collect(),
        shipments: shipments
            .into_iter()
            .map(|s| {
                let pb::ActualShipment {
                    lane,
                    item,
                    period,
                    qty,
                    arrival,
                } = s;
                ActualShipment {
                    lane,
                    item,
                    period,
                    qty,
                    arrival,
                }
            })
            .collect(),
        receipts: receipts
            .into_iter()
            .map(|r| {
                let pb::ActualReceipt {
                    site,
                    item,
                    period,
                    qty,
                } = r;
                ActualReceipt {
                    site,
                    item,
                    period,
                    qty,
                }
            })
            .collect(),
        stock_counts: stock_counts
            .into_iter()
            .map(|c| {
                let pb::StockCount {
                    site,
                    item,
                    period,
                    qty,
                } = c;
                StockCount {
                    site,
                    item,
                    period,
                    qty,
                }
            })
            .collect(),
        deliveries: deliveries
            .into_iter()
            .map(|d| {
                let pb::ActualDelivery {
                    demand,
                    period,
                    qty,
                } = d;
                ActualDelivery {
                    demand,
                    period,
                    qty,
                }
            })
            .collect(),
        renovation_starts: renovation_starts
            .into_iter()
            .map(|r| {
                let pb::RenovationStart { renovation, period } = r;
                RenovationStart { renovation, period }
            })
            .collect(),
    })
}

/// Actuals as the API carries them (for clients: the ERP's connector, the
/// tests, the benchmarks).
pub fn actuals_to_pb(a: &Actuals) -> pb::Actuals {
    let Actuals {
        production,
        shipments,
        receipts,
        stock_counts,
        deliveries,
        renovation_starts,
    } = a;
    pb::Actuals {
        production: production
            .iter()
            .map(|p| pb::ActualProduction {
                line: p.line.clone(),
                item: p.item.clone(),
                operation: p.operation.clone().unwrap_or_default(),
                period: p.period,
                qty: p.qty,
            })
            .collect(),
        shipments: shipments
            .iter()
            .map(|s| pb::ActualShipment {
                lane: s.lane.clone(),
                item: s.item.clone(),
                period: s.period,
                qty: s.qty,
                arrival: s.arrival,
            })
            .collect(),
        receipts: receipts
            .iter()
            .map(|r| pb::ActualReceipt {
                site: r.site.clone(),
                item: r.item.clone(),
                period: r.period,
                qty: r.qty,
            })
            .collect(),
        stock_counts: stock_counts
            .iter()
            .map(|c| pb::StockCount {
                site: c.site.clone(),
                item: c.item.clone(),
                period: c.period,
                qty: c.qty,
            })
            .collect(),
        deliveries: deliveries
            .iter()
            .map(|d| pb::ActualDelivery {
                demand: d.demand.clone(),
                period: d.period,
                qty: d.qty,
            })
            .collect(),
        renovation_starts: renovation_starts
            .iter()
            .map(|r| pb::RenovationStart {
                renovation: r.renovation.clone(),
                period: r.period,
            })
            .collect(),
    }
}

/// The limits of a counter-proposal, under `field`.
///
/// # Errors
/// INVALID_ARGUMENT for a limit without a kind.
pub fn supply_limits(
    field: &str,
    limits: &[pb::SupplyLimit],
) -> Result<Vec<SupplyLimit>, ServiceError> {
    let mut out = Vec::with_capacity(limits.len());
    let mut problems = Vec::new();
    for (i, l) in limits.iter().enumerate() {
        let pb::SupplyLimit {
            kind,
            item,
            period,
            qty,
        } = l;
        let kind = match pb::LimitKind::try_from(*kind) {
            Ok(pb::LimitKind::Make) => LimitKind::Make,
            Ok(pb::LimitKind::Ship) => LimitKind::Ship,
            _ => {
                problems.push(Problem::new(
                    format!("{field}[{i}].kind"),
                    "required: LIMIT_KIND_MAKE or LIMIT_KIND_SHIP",
                ));
                continue;
            }
        };
        out.push(SupplyLimit {
            kind,
            item: item.clone(),
            period: *period,
            qty: *qty,
        });
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(ServiceError::Invalid(problems))
    }
}

pub fn counter_proposal_to_pb(c: &CounterProposal) -> pb::CounterProposal {
    pb::CounterProposal {
        enterprise: c.enterprise.clone(),
        limits: c
            .limits
            .iter()
            .map(|l| pb::SupplyLimit {
                kind: match l.kind {
                    LimitKind::Make => pb::LimitKind::Make,
                    LimitKind::Ship => pb::LimitKind::Ship,
                } as i32,
                item: l.item.clone(),
                period: l.period,
                qty: l.qty,
            })
            .collect(),
    }
}

/// The extensions of a roll request, under `field`.
///
/// # Errors
/// INVALID_ARGUMENT for an extension without a kind.
pub fn extensions_from_pb(
    field: &str,
    extensions: Vec<pb::SeriesExtension>,
) -> Result<Vec<Extension>, ServiceError> {
    let mut out = Vec::with_capacity(extensions.len());
    let mut problems = Vec::new();
    for (i, e) in extensions.into_iter().enumerate() {
        let pb::SeriesExtension {
            kind,
            id,
            item,
            values,
        } = e;
        let kind = match pb::SeriesKind::try_from(kind) {
            Ok(pb::SeriesKind::LineCapacity) => SeriesKind::LineCapacity,
            Ok(pb::SeriesKind::LaneCapacity) => SeriesKind::LaneCapacity,
            Ok(pb::SeriesKind::StockMax) => SeriesKind::StockMax,
            _ => {
                problems.push(Problem::new(
                    format!("{field}[{i}].kind"),
                    "required: a line capacity, lane capacity or stock maximum",
                ));
                continue;
            }
        };
        out.push(Extension {
            kind,
            id,
            item: (!item.is_empty()).then_some(item),
            values,
        });
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(ServiceError::Invalid(problems))
    }
}

pub fn roll_report_to_pb(r: &RollReport) -> pb::RollReport {
    let RollReport {
        periods,
        stock,
        in_transit,
        backlog,
        closed_demands,
        renovations,
        budget_spent,
    } = r;
    pb::RollReport {
        periods: *periods,
        stock: stock
            .iter()
            .map(|s| pb::StockCarry {
                site: s.site.clone(),
                item: s.item.clone(),
                opening: s.opening,
                received: s.received,
                made: s.made,
                consumed: s.consumed,
                arrived: s.arrived,
                shipped: s.shipped,
                delivered: s.delivered,
                book: s.book,
                counted: s.counted,
                initial: s.initial,
            })
            .collect(),
        in_transit: in_transit.iter().cloned().map(Into::into).collect(),
        backlog: backlog
            .iter()
            .map(|b| pb::Backlog {
                demand: b.demand.clone(),
                qty: b.qty,
                late_by: b.late_by,
                unmet_penalty_before: b.unmet_penalty_before,
                unmet_penalty_after: b.unmet_penalty_after,
            })
            .collect(),
        closed_demands: closed_demands.clone(),
        renovations: renovations
            .iter()
            .map(|c| {
                let (finished, remaining, window_passed) = match c.state {
                    RenovationState::Finished => (true, 0, false),
                    RenovationState::UnderWay { remaining } => (false, remaining, false),
                    RenovationState::NotStarted { window_passed } => (false, 0, window_passed),
                };
                pb::RenovationCarry {
                    renovation: c.id.clone(),
                    start: c.start,
                    finished,
                    remaining,
                    window_passed,
                }
            })
            .collect(),
        budget_spent: *budget_spent,
    }
}

/// Plan-against-actual figures over `periods` periods, with each
/// supplier's count of counter-proposals.
pub fn adherence_to_pb(
    a: &Adherence,
    periods: u32,
    counter_proposals: &HashMap<String, u32>,
) -> pb::Adherence {
    pb::Adherence {
        periods,
        lines: a
            .lines
            .iter()
            .map(|l| pb::LineAdherence {
                enterprise: l.enterprise.clone(),
                line: l.line.clone(),
                planned: l.planned,
                actual: l.actual,
            })
            .collect(),
        suppliers: a
            .suppliers
            .iter()
            .map(|s| pb::SupplierAdherence {
                enterprise: s.enterprise.clone(),
                planned_made: s.planned_made,
                actual_made: s.actual_made,
                production_adherence: s.production_adherence(),
                shipments_planned: s.shipments_planned,
                shipments_on_time_in_full: s.shipments_on_time_in_full,
                on_time_in_full: s.otif(),
                counter_proposals: counter_proposals.get(&s.enterprise).copied().unwrap_or(0),
            })
            .collect(),
        planned_delivered: a.planned_delivered,
        actual_delivered: a.actual_delivered,
        planned_cost: a.planned_cost,
        actual_cost: a.actual_cost,
    }
}

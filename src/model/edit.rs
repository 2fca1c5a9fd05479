//! Changes to a stored network that do not resend it: order changes
//! (demands and receipts) and capacity changes (line capacity and downtime
//! over periods). Each applies to a copy and reports every problem with its
//! path, so a change list applies whole or not at all; the result still goes
//! through [`crate::model::validate`] before it is stored.

use super::{Demand, NetworkDoc, PerPeriod, Problem, Receipt};

/// One change to the orders of a network.
#[derive(Debug, Clone, PartialEq)]
pub enum OrderChange {
    /// A new demand; its id must be new.
    AddDemand(Demand),
    /// Replaces the demand with the same id.
    ChangeDemand(Demand),
    /// Removes the demand with this id.
    CancelDemand(String),
    /// A new fixed arrival, added to any at the same site, item and period.
    AddReceipt(Receipt),
    /// Replaces every receipt at the same site, item and period by this one.
    ChangeReceipt(Receipt),
    /// Removes every receipt at this site, item and period.
    CancelReceipt {
        site: String,
        item: String,
        period: u32,
    },
}

/// What a capacity change does in each of its periods.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CapacityEdit {
    /// The line's capacity becomes this value.
    Set(f64),
    /// The periods become downtime (capacity 0).
    AddDowntime,
    /// The periods stop being downtime.
    RemoveDowntime,
}

/// A change of one line's capacity over some periods.
#[derive(Debug, Clone, PartialEq)]
pub struct CapacityChange {
    pub line: String,
    pub periods: Vec<u32>,
    pub edit: CapacityEdit,
}

/// Applies order changes in turn to a copy of `doc`; paths are
/// `changes[i]...`.
///
/// # Errors
/// Every change that cannot apply: an added demand whose id exists, a
/// changed or cancelled demand or receipt that does not.
pub fn apply_order_changes(
    doc: &NetworkDoc,
    changes: &[OrderChange],
) -> Result<NetworkDoc, Vec<Problem>> {
    let mut next = doc.clone();
    let mut problems = Vec::new();
    for (i, change) in changes.iter().enumerate() {
        let at = |field: &str| format!("changes[{i}].{field}");
        match change {
            OrderChange::AddDemand(d) => {
                if next.demands.iter().any(|x| x.id == d.id) {
                    problems.push(Problem::new(
                        at("add_demand.id"),
                        format!("demand \"{}\" already exists", d.id),
                    ));
                } else {
                    next.demands.push(d.clone());
                }
            }
            OrderChange::ChangeDemand(d) => match next.demands.iter_mut().find(|x| x.id == d.id) {
                Some(slot) => *slot = d.clone(),
                None => problems.push(Problem::new(
                    at("change_demand.id"),
                    format!("unknown demand \"{}\"", d.id),
                )),
            },
            OrderChange::CancelDemand(id) => {
                let before = next.demands.len();
                next.demands.retain(|x| &x.id != id);
                if next.demands.len() == before {
                    problems.push(Problem::new(
                        at("cancel_demand"),
                        format!("unknown demand \"{id}\""),
                    ));
                }
            }
            OrderChange::AddReceipt(r) => next.receipts.push(r.clone()),
            OrderChange::ChangeReceipt(r) => {
                if remove_receipts(&mut next, &r.site, &r.item, r.period) == 0 {
                    problems.push(Problem::new(
                        at("change_receipt"),
                        no_receipt(&r.site, &r.item, r.period),
                    ));
                } else {
                    next.receipts.push(r.clone());
                }
            }
            OrderChange::CancelReceipt { site, item, period } => {
                if remove_receipts(&mut next, site, item, *period) == 0 {
                    problems.push(Problem::new(
                        at("cancel_receipt"),
                        no_receipt(site, item, *period),
                    ));
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(next)
    } else {
        Err(problems)
    }
}

fn remove_receipts(doc: &mut NetworkDoc, site: &str, item: &str, period: u32) -> usize {
    let before = doc.receipts.len();
    doc.receipts
        .retain(|r| !(r.site == site && r.item == item && r.period == period));
    before - doc.receipts.len()
}

fn no_receipt(site: &str, item: &str, period: u32) -> String {
    format!("no receipt of \"{item}\" at \"{site}\" in period {period}")
}

/// Applies capacity changes in turn to a copy of `doc`; paths are
/// `changes[i]...`.
///
/// # Errors
/// An unknown line, no periods, a period outside the horizon, or a capacity
/// that is negative or not finite.
pub fn apply_capacity_changes(
    doc: &NetworkDoc,
    changes: &[CapacityChange],
) -> Result<NetworkDoc, Vec<Problem>> {
    let mut next = doc.clone();
    let mut problems = Vec::new();
    let periods = next.horizon.periods;
    for (i, change) in changes.iter().enumerate() {
        let at = |field: &str| format!("changes[{i}].{field}");
        let Some(line) = next.lines.iter_mut().find(|l| l.id == change.line) else {
            problems.push(Problem::new(
                at("line"),
                format!("unknown line \"{}\"", change.line),
            ));
            continue;
        };
        if change.periods.is_empty() {
            problems.push(Problem::new(at("periods"), "no periods given"));
            continue;
        }
        if let Some(p) = change.periods.iter().find(|&&p| p >= periods) {
            problems.push(Problem::new(
                at("periods"),
                format!(
                    "period {p} is outside the horizon 0..{}",
                    periods.saturating_sub(1)
                ),
            ));
            continue;
        }
        match change.edit {
            CapacityEdit::Set(value) => {
                if !value.is_finite() || value < 0.0 {
                    problems.push(Problem::new(
                        at("capacity"),
                        format!("must be a finite number >= 0, got {value}"),
                    ));
                    continue;
                }
                let mut series = line.capacity.expand(periods as usize);
                for &p in &change.periods {
                    series[p as usize] = value;
                }
                line.capacity = PerPeriod::Series(series);
            }
            CapacityEdit::AddDowntime => {
                line.downtime.extend(&change.periods);
                line.downtime.sort_unstable();
                line.downtime.dedup();
            }
            CapacityEdit::RemoveDowntime => {
                line.downtime.retain(|p| !change.periods.contains(p));
            }
        }
    }
    if problems.is_empty() {
        Ok(next)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::parse_network;

    fn doc() -> NetworkDoc {
        parse_network(include_str!("../../examples/data/gearbox.json"))
            .expect("demo document")
            .0
    }

    #[test]
    fn order_changes_apply_in_turn_or_not_at_all() {
        let base = doc();
        let mut d = base.demands[0].clone();
        d.qty += 5.0;
        let next = apply_order_changes(&base, &[OrderChange::ChangeDemand(d.clone())]).unwrap();
        assert_eq!(next.demands[0].qty, base.demands[0].qty + 5.0);

        let mut fresh = d.clone();
        fresh.id = "new-order".into();
        let problems = apply_order_changes(
            &base,
            &[
                OrderChange::AddDemand(fresh),
                OrderChange::AddDemand(d),
                OrderChange::CancelDemand("nope".into()),
            ],
        )
        .unwrap_err();
        let paths: Vec<_> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            ["changes[1].add_demand.id", "changes[2].cancel_demand"]
        );
    }

    #[test]
    fn receipts_change_and_cancel_by_key() {
        let base = doc();
        let r = Receipt {
            site: base.sites[0].id.clone(),
            item: base.items[0].id.clone(),
            period: 1,
            qty: 10.0,
        };
        let added = apply_order_changes(&base, &[OrderChange::AddReceipt(r.clone())]).unwrap();
        assert_eq!(added.receipts.len(), base.receipts.len() + 1);
        let cancelled = apply_order_changes(
            &added,
            &[OrderChange::CancelReceipt {
                site: r.site.clone(),
                item: r.item.clone(),
                period: 1,
            }],
        )
        .unwrap();
        assert_eq!(cancelled.receipts.len(), base.receipts.len());
        assert!(apply_order_changes(&cancelled, &[OrderChange::ChangeReceipt(r)]).is_err());
    }

    #[test]
    fn capacity_changes_set_periods_and_downtime() {
        let base = doc();
        let line = base.lines[0].id.clone();
        let next = apply_capacity_changes(
            &base,
            &[
                CapacityChange {
                    line: line.clone(),
                    periods: vec![2, 3],
                    edit: CapacityEdit::Set(7.0),
                },
                CapacityChange {
                    line: line.clone(),
                    periods: vec![5],
                    edit: CapacityEdit::AddDowntime,
                },
            ],
        )
        .unwrap();
        let l = &next.lines[0];
        assert_eq!(l.capacity.at(2), 7.0);
        assert_eq!(l.capacity.at(0), base.lines[0].capacity.at(0));
        assert!(l.downtime.contains(&5));

        let problems = apply_capacity_changes(
            &base,
            &[
                CapacityChange {
                    line: "ghost".into(),
                    periods: vec![0],
                    edit: CapacityEdit::Set(1.0),
                },
                CapacityChange {
                    line,
                    periods: vec![base.horizon.periods],
                    edit: CapacityEdit::Set(f64::NAN),
                },
            ],
        )
        .unwrap_err();
        assert_eq!(problems[0].path, "changes[0].line");
        assert_eq!(problems[1].path, "changes[1].periods");
    }
}

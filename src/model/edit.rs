//! Changes to a stored network that do not resend it: order changes
//! (demands and receipts) and capacity changes (line capacity and downtime
//! over periods). Each applies to a copy and reports every problem with its
//! path, so a change list applies whole or not at all; the result still goes
//! through [`crate::model::validate`] before it is stored.

use super::doc::{Demand, NetworkDoc, PerPeriod, Receipt};
use super::number::amount_problem;
use super::problem::Problem;
use super::text::echo;
use super::validate::validate;

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

/// The periods a capacity change covers: a range, kept as one until it is
/// checked against the horizon (a request of a few bytes may name 10,000
/// periods), or a list.
#[derive(Debug, Clone, PartialEq)]
pub enum Periods {
    /// `first..=last`, with `first <= last`.
    Range {
        first: u32,
        last: u32,
    },
    List(Vec<u32>),
}

impl Periods {
    fn is_empty(&self) -> bool {
        match self {
            Periods::Range { .. } => false,
            Periods::List(l) => l.is_empty(),
        }
    }

    /// A period at or after `horizon`, if there is one.
    fn beyond(&self, horizon: u32) -> Option<u32> {
        match self {
            Periods::Range { last, .. } => (*last >= horizon).then_some(*last),
            Periods::List(l) => l.iter().copied().find(|&p| p >= horizon),
        }
    }

    /// Every period, in the order given.
    pub fn iter(&self) -> Box<dyn Iterator<Item = u32> + '_> {
        match self {
            Periods::Range { first, last } => Box::new(*first..=*last),
            Periods::List(l) => Box::new(l.iter().copied()),
        }
    }
}

impl From<Vec<u32>> for Periods {
    fn from(list: Vec<u32>) -> Periods {
        Periods::List(list)
    }
}

/// A change of one line's capacity over some periods.
#[derive(Debug, Clone, PartialEq)]
pub struct CapacityChange {
    pub line: String,
    pub periods: Periods,
    pub edit: CapacityEdit,
}

/// A problem of a change list, with the request path of the change.
#[derive(Debug, Clone, PartialEq)]
pub enum EditProblem {
    /// The change names a demand, receipt or line the network does not have.
    Unknown(Problem),
    /// The change is wrong in itself, or makes the network break a rule.
    Invalid(Problem),
}

impl EditProblem {
    /// The problem, whatever its kind.
    pub fn problem(&self) -> &Problem {
        match self {
            EditProblem::Unknown(p) | EditProblem::Invalid(p) => p,
        }
    }

    /// The problem, whatever its kind.
    pub fn into_problem(self) -> Problem {
        match self {
            EditProblem::Unknown(p) | EditProblem::Invalid(p) => p,
        }
    }
}

/// Where each changed record of an edited document came from: the request
/// path of the change that last wrote it, so that a rule the result breaks
/// is reported at the caller's field (`changes[2].add_demand.qty`), not at a
/// position in a document the caller never sent (`demands[42].qty`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Origins {
    /// Per demand of the result: the change's path (`changes[i].add_demand`).
    demands: Vec<Option<String>>,
    /// Per receipt of the result.
    receipts: Vec<Option<String>>,
    /// Per line of the result: the change's path and the field that holds
    /// the capacity (`capacity`) or the periods (`periods`).
    lines: Vec<Option<(String, &'static str)>>,
}

/// A document with changes applied, not yet validated.
#[derive(Debug, Clone)]
pub struct Edited {
    pub doc: NetworkDoc,
    pub origins: Origins,
}

impl Edited {
    /// Validates the result; every problem is put at the request path of
    /// the change behind it. A problem no change explains (which a valid
    /// stored document cannot have) goes under `changes` with its reason.
    ///
    /// # Errors
    /// Every rule the result breaks.
    pub fn validated(self) -> Result<NetworkDoc, Vec<EditProblem>> {
        let report = validate(&self.doc);
        if report.is_valid() {
            return Ok(self.doc);
        }
        Err(report
            .errors
            .into_iter()
            .map(|p| EditProblem::Invalid(self.origins.request_problem(p)))
            .collect())
    }
}

impl Origins {
    /// `problem` at the request path of the change behind it.
    fn request_problem(&self, problem: Problem) -> Problem {
        let Some((list, index, rest)) = split_record(&problem.path) else {
            return Problem::new("changes", problem.reason);
        };
        let mapped = match list {
            "demands" => self
                .demands
                .get(index)
                .cloned()
                .flatten()
                .map(|at| at + rest),
            "receipts" => self
                .receipts
                .get(index)
                .cloned()
                .flatten()
                .map(|at| at + rest),
            "lines" => self.lines.get(index).cloned().flatten().map(|(at, field)| {
                // `capacity[3]` is the series the change wrote: the request
                // holds one value; `downtime` comes from its periods.
                if rest.starts_with(".capacity") {
                    format!("{at}.{field}")
                } else if rest.starts_with(".downtime") {
                    format!("{at}.periods")
                } else {
                    at
                }
            }),
            _ => None,
        };
        Problem::new(mapped.unwrap_or_else(|| "changes".into()), problem.reason)
    }
}

/// `demands[42].qty` as (`demands`, 42, `.qty`).
fn split_record(path: &str) -> Option<(&str, usize, &str)> {
    let open = path.find('[')?;
    let close = open + path[open..].find(']')?;
    let index = path[open + 1..close].parse().ok()?;
    Some((&path[..open], index, &path[close + 1..]))
}

/// Applies order changes in turn to a copy of `doc`; paths are
/// `changes[i]...`.
///
/// # Errors
/// Every change that cannot apply: an added demand whose id exists
/// (invalid), a changed or cancelled demand or receipt that does not
/// (unknown).
pub fn apply_order_changes(
    doc: &NetworkDoc,
    changes: &[OrderChange],
) -> Result<Edited, Vec<EditProblem>> {
    let mut next = doc.clone();
    let mut demands: Vec<Option<String>> = vec![None; next.demands.len()];
    let mut receipts: Vec<Option<String>> = vec![None; next.receipts.len()];
    let mut problems = Vec::new();
    for (i, change) in changes.iter().enumerate() {
        let at = |field: &str| format!("changes[{i}].{field}");
        match change {
            OrderChange::AddDemand(d) => {
                if next.demands.iter().any(|x| x.id == d.id) {
                    problems.push(EditProblem::Invalid(Problem::new(
                        at("add_demand.id"),
                        format!("demand \"{}\" already exists", echo(&d.id)),
                    )));
                } else {
                    next.demands.push(d.clone());
                    demands.push(Some(at("add_demand")));
                }
            }
            OrderChange::ChangeDemand(d) => match next.demands.iter().position(|x| x.id == d.id) {
                Some(k) => {
                    next.demands[k] = d.clone();
                    demands[k] = Some(at("change_demand"));
                }
                None => problems.push(EditProblem::Unknown(Problem::new(
                    at("change_demand.id"),
                    format!("unknown demand \"{}\"", echo(&d.id)),
                ))),
            },
            OrderChange::CancelDemand(id) => {
                let keep: Vec<bool> = next.demands.iter().map(|x| &x.id != id).collect();
                if keep.iter().all(|k| *k) {
                    problems.push(EditProblem::Unknown(Problem::new(
                        at("cancel_demand"),
                        format!("unknown demand \"{}\"", echo(id)),
                    )));
                }
                retain_with(&mut next.demands, &mut demands, &keep);
            }
            OrderChange::AddReceipt(r) => {
                next.receipts.push(r.clone());
                receipts.push(Some(at("add_receipt")));
            }
            OrderChange::ChangeReceipt(r) => {
                if remove_receipts(&mut next, &mut receipts, &r.site, &r.item, r.period) == 0 {
                    problems.push(EditProblem::Unknown(Problem::new(
                        at("change_receipt"),
                        no_receipt(&r.site, &r.item, r.period),
                    )));
                } else {
                    next.receipts.push(r.clone());
                    receipts.push(Some(at("change_receipt")));
                }
            }
            OrderChange::CancelReceipt { site, item, period } => {
                if remove_receipts(&mut next, &mut receipts, site, item, *period) == 0 {
                    problems.push(EditProblem::Unknown(Problem::new(
                        at("cancel_receipt"),
                        no_receipt(site, item, *period),
                    )));
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let lines = vec![None; next.lines.len()];
    Ok(Edited {
        doc: next,
        origins: Origins {
            demands,
            receipts,
            lines,
        },
    })
}

/// Keeps the records (and their origins) where `keep` is true.
fn retain_with<T>(records: &mut Vec<T>, origins: &mut Vec<Option<String>>, keep: &[bool]) {
    let mut flags = keep.iter();
    records.retain(|_| *flags.next().unwrap_or(&true));
    let mut flags = keep.iter();
    origins.retain(|_| *flags.next().unwrap_or(&true));
}

fn remove_receipts(
    doc: &mut NetworkDoc,
    origins: &mut Vec<Option<String>>,
    site: &str,
    item: &str,
    period: u32,
) -> usize {
    let keep: Vec<bool> = doc
        .receipts
        .iter()
        .map(|r| !(r.site == site && r.item == item && r.period == period))
        .collect();
    let removed = keep.iter().filter(|k| !**k).count();
    retain_with(&mut doc.receipts, origins, &keep);
    removed
}

fn no_receipt(site: &str, item: &str, period: u32) -> String {
    format!(
        "no receipt of \"{}\" at \"{}\" in period {period}",
        echo(item),
        echo(site)
    )
}

/// Applies capacity changes in turn to a copy of `doc`; paths are
/// `changes[i]...`.
///
/// # Errors
/// An unknown line (unknown); no periods, a period outside the horizon, or
/// a capacity that is negative, too large or not finite (invalid).
pub fn apply_capacity_changes(
    doc: &NetworkDoc,
    changes: &[CapacityChange],
) -> Result<Edited, Vec<EditProblem>> {
    let mut next = doc.clone();
    let mut lines: Vec<Option<(String, &'static str)>> = vec![None; next.lines.len()];
    let mut problems = Vec::new();
    let periods = next.horizon.periods;
    for (i, change) in changes.iter().enumerate() {
        let at = |field: &str| format!("changes[{i}].{field}");
        let Some(k) = next.lines.iter().position(|l| l.id == change.line) else {
            problems.push(EditProblem::Unknown(Problem::new(
                at("line"),
                format!("unknown line \"{}\"", echo(&change.line)),
            )));
            continue;
        };
        if change.periods.is_empty() {
            problems.push(EditProblem::Invalid(Problem::new(
                at("periods"),
                "no periods given",
            )));
            continue;
        }
        if let Some(p) = change.periods.beyond(periods) {
            problems.push(EditProblem::Invalid(Problem::new(
                at("periods"),
                format!(
                    "period {p} is outside the horizon 0..{}",
                    periods.saturating_sub(1)
                ),
            )));
            continue;
        }
        let line = &mut next.lines[k];
        match change.edit {
            CapacityEdit::Set(value) => {
                if let Some(reason) = amount_problem(value, 0.0, false) {
                    problems.push(EditProblem::Invalid(Problem::new(at("capacity"), reason)));
                    continue;
                }
                let mut series = line.capacity.expand(periods as usize);
                for p in change.periods.iter() {
                    series[p as usize] = value;
                }
                line.capacity = PerPeriod::Series(series);
                lines[k] = Some((format!("changes[{i}]"), "capacity"));
            }
            CapacityEdit::AddDowntime => {
                line.downtime.extend(change.periods.iter());
                line.downtime.sort_unstable();
                line.downtime.dedup();
                lines[k] = Some((format!("changes[{i}]"), "periods"));
            }
            CapacityEdit::RemoveDowntime => {
                // A set: a long list against a long downtime stays linear.
                let gone: std::collections::HashSet<u32> = change.periods.iter().collect();
                line.downtime.retain(|p| !gone.contains(p));
                lines[k] = Some((format!("changes[{i}]"), "periods"));
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let demands = vec![None; next.demands.len()];
    let receipts = vec![None; next.receipts.len()];
    Ok(Edited {
        doc: next,
        origins: Origins {
            demands,
            receipts,
            lines,
        },
    })
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
        let next = apply_order_changes(&base, &[OrderChange::ChangeDemand(d.clone())])
            .unwrap()
            .doc;
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
        let paths: Vec<_> = problems.iter().map(|p| p.problem().path.as_str()).collect();
        assert_eq!(
            paths,
            ["changes[1].add_demand.id", "changes[2].cancel_demand"]
        );
        assert!(matches!(problems[0], EditProblem::Invalid(_)));
        assert!(matches!(problems[1], EditProblem::Unknown(_)));
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
        let added = apply_order_changes(&base, &[OrderChange::AddReceipt(r.clone())])
            .unwrap()
            .doc;
        assert_eq!(added.receipts.len(), base.receipts.len() + 1);
        let cancelled = apply_order_changes(
            &added,
            &[OrderChange::CancelReceipt {
                site: r.site.clone(),
                item: r.item.clone(),
                period: 1,
            }],
        )
        .unwrap()
        .doc;
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
                    periods: vec![2, 3].into(),
                    edit: CapacityEdit::Set(7.0),
                },
                CapacityChange {
                    line: line.clone(),
                    periods: vec![5].into(),
                    edit: CapacityEdit::AddDowntime,
                },
            ],
        )
        .unwrap()
        .doc;
        let l = &next.lines[0];
        assert_eq!(l.capacity.at(2), 7.0);
        assert_eq!(l.capacity.at(0), base.lines[0].capacity.at(0));
        assert!(l.downtime.contains(&5));

        let problems = apply_capacity_changes(
            &base,
            &[
                CapacityChange {
                    line: "ghost".into(),
                    periods: vec![0].into(),
                    edit: CapacityEdit::Set(1.0),
                },
                CapacityChange {
                    line,
                    periods: vec![base.horizon.periods].into(),
                    edit: CapacityEdit::Set(f64::NAN),
                },
            ],
        )
        .unwrap_err();
        assert_eq!(problems[0].problem().path, "changes[0].line");
        assert!(matches!(problems[0], EditProblem::Unknown(_)));
        assert_eq!(problems[1].problem().path, "changes[1].periods");
    }

    #[test]
    fn rules_the_result_breaks_are_reported_at_the_change_behind_them() {
        let base = doc();
        let mut bad = base.demands[0].clone();
        bad.id = "new-order".into();
        bad.qty = -1.0;
        let mut changed = base.demands[1].clone();
        changed.item = "no-such-item".into();
        let problems = apply_order_changes(
            &base,
            &[
                OrderChange::CancelDemand(base.demands[0].id.clone()),
                OrderChange::AddDemand(bad),
                OrderChange::ChangeDemand(changed),
            ],
        )
        .unwrap()
        .validated()
        .unwrap_err();
        let mut paths: Vec<_> = problems.iter().map(|p| p.problem().path.clone()).collect();
        paths.sort();
        assert_eq!(
            paths,
            ["changes[1].add_demand.qty", "changes[2].change_demand.item"]
        );

        let line = base.lines[0].id.clone();
        let ok = apply_capacity_changes(
            &base,
            &[CapacityChange {
                line,
                periods: vec![0].into(),
                edit: CapacityEdit::Set(1.0),
            }],
        )
        .unwrap();
        assert_eq!(ok.origins.lines[0].as_ref().unwrap().0, "changes[0]");
        assert!(ok.validated().is_ok());
    }

    #[test]
    fn record_paths_split_at_their_index() {
        assert_eq!(
            split_record("demands[42].qty"),
            Some(("demands", 42, ".qty"))
        );
        assert_eq!(
            split_record("lines[4].capacity[2]"),
            Some(("lines", 4, ".capacity[2]"))
        );
        assert_eq!(split_record("$"), None);
    }
}

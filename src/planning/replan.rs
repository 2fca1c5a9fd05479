//! Re-planning against a published plan: the `Baseline` a solve is held to
//! (the frozen fence and the stability penalty), its validation against the
//! document, and what a re-plan reports: the changes in a supplier's
//! allocation and the demands an enterprise's loss can reach.
//!
//! How the baseline enters the model is `fence`'s job; this module only
//! speaks in document ids. Pure and synchronous, like the rest of the core.

use super::error::PlanError;
use super::graph::ChainGraph;
use crate::model::commitment::{validate_limits, CounterProposal};
use crate::model::number::nonnegative_problem;
use crate::model::{
    Allocation, AllocationChange, AllocationKind, NetworkDoc, Problem, Production, Shipment,
};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Quantities closer than this are the same quantity: solver noise, not a
/// change anyone should be told about.
pub const CHANGE_TOLERANCE: f64 = 1e-6;

/// The plan a re-plan is held to.
///
/// Periods before `freeze_until` are frozen: every production `x[o,t]` and
/// shipment `f[e,i,t]` keeps its base quantity (0 where the base plan has no
/// entry). From `freeze_until` on, every unit made or shipped differently
/// from the base plan costs `stability_penalty` in what the solver minimises,
/// but not in the plan's `objective` (see [`crate::model::Stability`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Baseline {
    /// The base plan's production, keyed by (operation, period).
    pub production: Vec<Production>,
    /// The base plan's shipments, keyed by (lane, item, period).
    pub shipments: Vec<Shipment>,
    /// First period that may differ from the base plan (0: nothing frozen,
    /// `T`: everything frozen).
    pub freeze_until: u32,
    /// Cost per unit made or shipped differently from the base plan in an
    /// unfrozen period (0: none).
    pub stability_penalty: f64,
    /// Lines, sites or enterprises whose change causes the re-plan: a
    /// repair re-plan starts from the part of the chain they can reach
    /// (`repair`). Empty: the cause is unknown, the whole chain is
    /// re-planned.
    pub causes: Vec<String>,
    /// Sites whose production, and the lanes from or to which, may change
    /// after the fence; every other decision keeps its base quantity in
    /// every period. `None`: the whole chain may change. A repair re-plan
    /// sets it; a caller may, to hold the rest of the chain itself.
    pub region: Option<BTreeSet<String>>,
    /// Suppliers' counter-proposals: upper bounds on what each makes or
    /// ships of an item in a period, in every period (frozen or not).
    pub limits: Vec<CounterProposal>,
}

/// Every way `baseline` does not fit `doc`, each with its path
/// (`baseline.production[3].operation: unknown operation "x"`).
///
/// Assumes `doc` itself is valid; references are checked against its ids.
pub fn validate_baseline(doc: &NetworkDoc, baseline: &Baseline) -> Vec<Problem> {
    let periods = doc.periods();
    let mut problems = Vec::new();
    if baseline.freeze_until as usize > periods {
        problems.push(Problem::new(
            "baseline.freeze_until",
            format!(
                "must be at most the horizon's {periods} periods, got {}",
                baseline.freeze_until
            ),
        ));
    }
    let penalty = baseline.stability_penalty;
    if let Some(reason) = nonnegative_problem(penalty) {
        problems.push(Problem::new("baseline.stability_penalty", reason));
    }
    if let Some(region) = &baseline.region {
        let sites: HashSet<&str> = doc.sites.iter().map(|s| s.id.as_str()).collect();
        for site in region.iter().filter(|s| !sites.contains(s.as_str())) {
            problems.push(Problem::new(
                "baseline.region",
                format!("unknown site \"{site}\""),
            ));
        }
    }
    for (i, proposal) in baseline.limits.iter().enumerate() {
        let path = format!("baseline.limits[{i}]");
        if !doc.enterprises.iter().any(|e| e.id == proposal.enterprise) {
            problems.push(Problem::new(
                format!("{path}.enterprise"),
                format!("unknown enterprise \"{}\"", proposal.enterprise),
            ));
            continue;
        }
        problems.extend(
            validate_limits(doc, &proposal.enterprise, &proposal.limits)
                .into_iter()
                .map(|p| p.under(&path)),
        );
    }
    check_production(doc, &baseline.production, &mut problems);
    check_shipments(doc, &baseline.shipments, &mut problems);
    problems
}

/// The solve's check: `Option { field: "baseline" }` listing every problem.
pub(crate) fn check_baseline(
    doc: &NetworkDoc,
    baseline: Option<&Baseline>,
) -> Result<(), PlanError> {
    let Some(baseline) = baseline else {
        return Ok(());
    };
    let problems = validate_baseline(doc, baseline);
    if problems.is_empty() {
        return Ok(());
    }
    // `PlanError::Option` has one field; the paths inside the reason say
    // which entries are wrong.
    Err(PlanError::Option {
        field: "baseline",
        reason: problems
            .iter()
            .map(Problem::to_string)
            .collect::<Vec<_>>()
            .join("; "),
    })
}

fn check_production(doc: &NetworkDoc, production: &[Production], problems: &mut Vec<Problem>) {
    // operation id -> (line id, item id)
    let operations: HashMap<String, (&str, &str)> = doc
        .lines
        .iter()
        .flat_map(|l| {
            l.operations
                .iter()
                .map(move |o| (o.id_in(&l.id), (l.id.as_str(), o.item.as_str())))
        })
        .collect();
    let mut seen: HashMap<(&str, u32), usize> = HashMap::new();
    for (k, p) in production.iter().enumerate() {
        let path = format!("baseline.production[{k}]");
        match operations.get(&p.operation) {
            None => problems.push(Problem::new(
                format!("{path}.operation"),
                format!("unknown operation \"{}\"", p.operation),
            )),
            Some(&(line, item)) => {
                if p.line != line {
                    problems.push(Problem::new(
                        format!("{path}.line"),
                        format!(
                            "operation \"{}\" runs on line \"{line}\", not \"{}\"",
                            p.operation, p.line
                        ),
                    ));
                }
                if p.item != item {
                    problems.push(Problem::new(
                        format!("{path}.item"),
                        format!(
                            "operation \"{}\" makes \"{item}\", not \"{}\"",
                            p.operation, p.item
                        ),
                    ));
                }
            }
        }
        check_period(&path, p.period, doc.periods(), problems);
        check_qty(&path, p.qty, problems);
        if let Some(first) = seen.insert((p.operation.as_str(), p.period), k) {
            problems.push(Problem::new(
                path,
                format!(
                    "repeats operation \"{}\" in period {} (first at baseline.production[{first}])",
                    p.operation, p.period
                ),
            ));
        }
    }
}

fn check_shipments(doc: &NetworkDoc, shipments: &[Shipment], problems: &mut Vec<Problem>) {
    let lanes: HashMap<&str, &[String]> = doc
        .lanes
        .iter()
        .map(|e| (e.id.as_str(), e.items.as_slice()))
        .collect();
    let items: HashSet<&str> = doc.items.iter().map(|i| i.id.as_str()).collect();
    let mut seen: HashMap<(&str, &str, u32), usize> = HashMap::new();
    for (k, s) in shipments.iter().enumerate() {
        let path = format!("baseline.shipments[{k}]");
        match lanes.get(s.lane.as_str()) {
            None => problems.push(Problem::new(
                format!("{path}.lane"),
                format!("unknown lane \"{}\"", s.lane),
            )),
            Some(carried) if !carried.contains(&s.item) => {
                let reason = if items.contains(s.item.as_str()) {
                    format!("lane \"{}\" does not carry \"{}\"", s.lane, s.item)
                } else {
                    format!("unknown item \"{}\"", s.item)
                };
                problems.push(Problem::new(format!("{path}.item"), reason));
            }
            Some(_) => {}
        }
        check_period(&path, s.period, doc.periods(), problems);
        check_qty(&path, s.qty, problems);
        if let Some(first) = seen.insert((s.lane.as_str(), s.item.as_str(), s.period), k) {
            problems.push(Problem::new(
                path,
                format!(
                    "repeats \"{}\" on lane \"{}\" in period {} (first at baseline.shipments[{first}])",
                    s.item, s.lane, s.period
                ),
            ));
        }
    }
}

fn check_period(path: &str, period: u32, periods: usize, problems: &mut Vec<Problem>) {
    if period as usize >= periods {
        problems.push(Problem::new(
            format!("{path}.period"),
            format!("{period} is outside the horizon (periods 0..{periods})"),
        ));
    }
}

fn check_qty(path: &str, qty: f64, problems: &mut Vec<Problem>) {
    if let Some(reason) = nonnegative_problem(qty) {
        problems.push(Problem::new(format!("{path}.qty"), reason));
    }
}

/// What identifies an allocation entry across versions.
type EntryKey = (u8, String, String, u32, String, Option<String>);

/// The entries whose quantity differs between two versions of one
/// supplier's allocation, sorted by (kind, site, item, period, resource,
/// destination). An entry only in `after` is new (`qty_before` 0), one only
/// in `before` is gone (`qty_after` 0); differences up to
/// [`CHANGE_TOLERANCE`] are not changes. Entries repeating a key are summed.
pub fn diff_allocations(before: &Allocation, after: &Allocation) -> Vec<AllocationChange> {
    let mut both: BTreeMap<EntryKey, (f64, f64)> = BTreeMap::new();
    for (entries, side) in [(&before.entries, 0), (&after.entries, 1)] {
        for e in entries {
            let key = (
                kind_order(e.kind),
                e.site.clone(),
                e.item.clone(),
                e.period,
                e.resource.clone(),
                e.destination.clone(),
            );
            let q = both.entry(key).or_default();
            if side == 0 {
                q.0 += e.qty;
            } else {
                q.1 += e.qty;
            }
        }
    }
    both.into_iter()
        .filter(|(_, (b, a))| (a - b).abs() > CHANGE_TOLERANCE)
        .map(
            |((kind, site, item, period, resource, destination), (b, a))| AllocationChange {
                kind: if kind == 0 {
                    AllocationKind::Make
                } else {
                    AllocationKind::Ship
                },
                site,
                item,
                period,
                resource,
                destination,
                qty_before: b,
                qty_after: a,
            },
        )
        .collect()
}

/// Make before ship, as the allocation lists them.
fn kind_order(kind: AllocationKind) -> u8 {
    match kind {
        AllocationKind::Make => 0,
        AllocationKind::Ship => 1,
    }
}

/// The ids of the demands that a loss at any site of `enterprise` can
/// affect (demands at those sites or downstream of them), sorted, each once.
/// An unknown enterprise, or one without sites, affects none.
pub fn affected_demands(doc: &NetworkDoc, graph: &ChainGraph, enterprise: &str) -> Vec<String> {
    let mut out: Vec<String> = doc
        .sites
        .iter()
        .filter(|s| s.enterprise == enterprise)
        .flat_map(|s| graph.demands_affected_by(&s.id))
        .filter_map(|d| doc.demands.get(d).map(|d| d.id.clone()))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AllocationEntry;

    fn entry(kind: AllocationKind, period: u32, qty: f64) -> AllocationEntry {
        AllocationEntry {
            kind,
            site: "s".into(),
            item: "p".into(),
            period,
            qty,
            resource: "r".into(),
            destination: (kind == AllocationKind::Ship).then(|| "plant".into()),
        }
    }

    #[test]
    fn repeated_keys_are_summed_and_ship_sorts_after_make() {
        let before = Allocation {
            enterprise: "e".into(),
            entries: vec![entry(AllocationKind::Ship, 0, 2.0)],
        };
        let after = Allocation {
            enterprise: "e".into(),
            entries: vec![
                entry(AllocationKind::Ship, 0, 1.0),
                entry(AllocationKind::Ship, 0, 1.0),
                entry(AllocationKind::Make, 5, 3.0),
            ],
        };
        let changes = diff_allocations(&before, &after);
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(changes[0].kind, AllocationKind::Make);
        assert_eq!((changes[0].qty_before, changes[0].qty_after), (0.0, 3.0));
    }
}

//! A supplier's counter-proposal: when it rejects an allocation version, what
//! it can make or ship per item and period instead. The next re-plan holds
//! the supplier's allocation under it (an upper bound); this module owns its
//! type, its validation against a document (the supplier's own items, the
//! horizon's periods, finite quantities) and how far a plan goes over it.
//!
//! Pure; imports only the document and plan types and the number checks.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::doc::NetworkDoc;
use super::number::amount_problem;
use super::plan::Plan;
use super::problem::Problem;

/// Whether a limit bounds what the supplier makes or what it ships.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitKind {
    /// Units of the item made at the supplier's sites in the period.
    Make,
    /// Units of the item leaving the supplier's sites on lanes in the period.
    Ship,
}

impl LimitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LimitKind::Make => "make",
            LimitKind::Ship => "ship",
        }
    }
}

/// At most `qty` units of `item` made or shipped in `period`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupplyLimit {
    pub kind: LimitKind,
    pub item: String,
    pub period: u32,
    pub qty: f64,
}

/// One supplier's limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CounterProposal {
    pub enterprise: String,
    pub limits: Vec<SupplyLimit>,
}

/// A limit a plan goes over, with what the plan has.
#[derive(Debug, Clone, PartialEq)]
pub struct Excess {
    pub enterprise: String,
    pub limit: SupplyLimit,
    pub planned: f64,
}

/// Every way `limits` do not fit `doc` for `enterprise`, with paths under
/// `limits`. An item the enterprise does not make (or ship) reads as
/// unknown, as one that does not exist, so a supplier learns nothing of the
/// rest of the chain.
pub fn validate_limits(doc: &NetworkDoc, enterprise: &str, limits: &[SupplyLimit]) -> Vec<Problem> {
    let sites = doc.sites_of(enterprise);
    let made: HashSet<&str> = doc
        .lines
        .iter()
        .filter(|l| sites.contains(l.site.as_str()))
        .flat_map(|l| l.operations.iter().map(|o| o.item.as_str()))
        .collect();
    let shipped: HashSet<&str> = doc
        .lanes
        .iter()
        .filter(|l| sites.contains(l.from.as_str()))
        .flat_map(|l| l.items.iter().map(String::as_str))
        .collect();
    let periods = doc.horizon.periods;
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, l) in limits.iter().enumerate() {
        let at = |f: &str| format!("limits[{i}].{f}");
        let known = match l.kind {
            LimitKind::Make => made.contains(l.item.as_str()),
            LimitKind::Ship => shipped.contains(l.item.as_str()),
        };
        if !known {
            let verb = match l.kind {
                LimitKind::Make => "made",
                LimitKind::Ship => "shipped",
            };
            problems.push(Problem::new(
                at("item"),
                format!("unknown item \"{}\" {verb} by you", l.item),
            ));
        }
        if l.period >= periods {
            problems.push(Problem::new(
                at("period"),
                format!(
                    "period {} is past the last period {} of the horizon",
                    l.period,
                    periods.saturating_sub(1)
                ),
            ));
        }
        if let Some(reason) = amount_problem(l.qty, 0.0, false) {
            problems.push(Problem::new(at("qty"), reason));
        }
        if !seen.insert((l.kind, l.item.clone(), l.period)) {
            problems.push(Problem::new(
                at("item"),
                "limited twice for one period".to_string(),
            ));
        }
    }
    problems
}

/// What `plan` makes (or ships) of `item` at `enterprise`'s sites in each
/// period, by (kind, item, period).
pub fn supplied(
    doc: &NetworkDoc,
    plan: &Plan,
    enterprise: &str,
) -> HashMap<(LimitKind, String, u32), f64> {
    let sites = doc.sites_of(enterprise);
    let line_site = doc.line_sites();
    let lane_from: HashMap<&str, &str> = doc
        .lanes
        .iter()
        .map(|l| (l.id.as_str(), l.from.as_str()))
        .collect();
    let mut out = HashMap::new();
    for p in &plan.production {
        if line_site
            .get(p.line.as_str())
            .is_some_and(|s| sites.contains(s))
        {
            *out.entry((LimitKind::Make, p.item.clone(), p.period))
                .or_default() += p.qty;
        }
    }
    for s in &plan.shipments {
        if lane_from
            .get(s.lane.as_str())
            .is_some_and(|f| sites.contains(f))
        {
            *out.entry((LimitKind::Ship, s.item.clone(), s.period))
                .or_default() += s.qty;
        }
    }
    out
}

/// The limits `plan` goes over by more than `tolerance` (relative to the
/// limit, and at least absolute).
pub fn excesses(
    doc: &NetworkDoc,
    plan: &Plan,
    proposals: &[CounterProposal],
    tolerance: f64,
) -> Vec<Excess> {
    let mut out = Vec::new();
    for p in proposals {
        let supplied = supplied(doc, plan, &p.enterprise);
        for l in &p.limits {
            let planned = supplied
                .get(&(l.kind, l.item.clone(), l.period))
                .copied()
                .unwrap_or(0.0);
            if planned > l.qty + tolerance * l.qty.max(1.0) {
                out.push(Excess {
                    enterprise: p.enterprise.clone(),
                    limit: l.clone(),
                    planned,
                });
            }
        }
    }
    out
}

//! What a what-if scenario changes against today's plan: every KPI as
//! {base, scenario, delta}, the renovation schedule, the bottlenecks that
//! appear, vanish or stay, and what each supplier's allocation gains or
//! loses; the ranking of scenarios by one KPI; and the readable report of a
//! comparison that `chainplan whatif` prints.
//!
//! Reads two finished plans and their documents only: no solver, no IO.
//! Every delta is `scenario - base` of the two plans' own figures, so a
//! comparison agrees with the plans to the last bit.

use crate::model::{AllocationKind, Bottleneck, NetworkDoc, Plan, PlanStatus, ResourceKind, Role};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One figure in the base plan and in the scenario's, and how it moved.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Delta {
    pub base: f64,
    pub scenario: f64,
    /// `scenario - base`.
    pub delta: f64,
}

impl Delta {
    /// The figure `base` becoming `scenario`.
    pub fn of(base: f64, scenario: f64) -> Delta {
        Delta {
            base,
            scenario,
            delta: scenario - base,
        }
    }
}

/// The eight cost terms of docs/model.md §4 and the renovation window
/// cost, each compared.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CostDeltas {
    pub production: Delta,
    pub setup: Delta,
    pub transport: Delta,
    pub holding: Delta,
    pub late: Delta,
    pub unmet: Delta,
    pub safety: Delta,
    pub carbon: Delta,
    pub renovation_window: Delta,
}

impl CostDeltas {
    /// The terms with their names, in the contract's order.
    pub fn terms(&self) -> [(&'static str, Delta); 9] {
        [
            ("production", self.production),
            ("setup", self.setup),
            ("transport", self.transport),
            ("holding", self.holding),
            ("late", self.late),
            ("unmet", self.unmet),
            ("safety", self.safety),
            ("carbon", self.carbon),
            ("renovation_window", self.renovation_window),
        ]
    }
}

/// One renovation's dates in both plans.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RenovationChange {
    pub id: String,
    pub line: String,
    /// First period down in the base plan; `None` when it is not done there
    /// (an optional one left out, or not in the base document).
    pub base_start: Option<u32>,
    pub base_end: Option<u32>,
    pub scenario_start: Option<u32>,
    pub scenario_end: Option<u32>,
    /// Whether the dates differ.
    pub changed: bool,
}

/// A bottleneck in both plans, with both shadow prices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StayingBottleneck {
    pub kind: ResourceKind,
    pub id: String,
    pub period: u32,
    pub base_shadow_price: f64,
    pub scenario_shadow_price: f64,
}

/// Binding capacities, keyed by (kind, id, period).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BottleneckChanges {
    /// Binding in the scenario only, with the scenario's shadow price.
    pub appeared: Vec<Bottleneck>,
    /// Binding in the base plan only, with the base plan's shadow price.
    pub vanished: Vec<Bottleneck>,
    /// Binding in both.
    pub stayed: Vec<StayingBottleneck>,
}

/// What one supplier enterprise makes and ships in both plans, in units
/// summed over its allocation's entries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SupplierChange {
    pub enterprise: String,
    pub made: Delta,
    pub shipped: Delta,
}

/// A scenario's plan against the base plan.
///
/// When either plan has no solution (see the statuses), its figures are the
/// zeros of [`Plan::without_solution`] and mean nothing: check
/// [`Comparison::comparable`] first. [`rank`] leaves such scenarios out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub base_status: PlanStatus,
    pub scenario_status: PlanStatus,
    /// The objective of docs/model.md §4; `None` unless both plans have one.
    pub objective: Option<Delta>,
    pub cost: CostDeltas,
    /// Units of demand: the scenario may add, remove or scale orders.
    pub demand: Delta,
    pub on_time: Delta,
    pub late: Delta,
    pub unmet: Delta,
    pub fill_rate: Delta,
    pub emissions: Delta,
    /// Every renovation of either document, base document's order first.
    pub renovations: Vec<RenovationChange>,
    pub bottlenecks: BottleneckChanges,
    /// Every supplier enterprise of either document, base document's order
    /// first.
    pub suppliers: Vec<SupplierChange>,
}

impl Comparison {
    /// Whether both plans carry a solution, so that the figures compare.
    pub fn comparable(&self) -> bool {
        self.base_status.has_solution() && self.scenario_status.has_solution()
    }

    /// The KPI's figures; `None` when the plans do not compare.
    pub fn kpi(&self, kpi: Kpi) -> Option<Delta> {
        if !self.comparable() {
            return None;
        }
        Some(match kpi {
            Kpi::Objective => self.objective?,
            Kpi::Production => self.cost.production,
            Kpi::Setup => self.cost.setup,
            Kpi::Transport => self.cost.transport,
            Kpi::Holding => self.cost.holding,
            Kpi::LateCost => self.cost.late,
            Kpi::UnmetCost => self.cost.unmet,
            Kpi::Safety => self.cost.safety,
            Kpi::Carbon => self.cost.carbon,
            Kpi::FillRate => self.fill_rate,
            Kpi::Late => self.late,
            Kpi::Unmet => self.unmet,
            Kpi::Emissions => self.emissions,
        })
    }
}

/// Compares `scenario` (solved from `scenario_doc`) with `base` (solved from
/// `base_doc`). Every delta is `scenario - base`.
pub fn compare(
    base_doc: &NetworkDoc,
    base: &Plan,
    scenario_doc: &NetworkDoc,
    scenario: &Plan,
) -> Comparison {
    let (b, s) = (&base.cost, &scenario.cost);
    let objective = match (base.objective, scenario.objective) {
        (Some(b), Some(s)) => Some(Delta::of(b, s)),
        _ => None,
    };
    Comparison {
        base_status: base.status,
        scenario_status: scenario.status,
        objective,
        cost: CostDeltas {
            production: Delta::of(b.production, s.production),
            setup: Delta::of(b.setup, s.setup),
            transport: Delta::of(b.transport, s.transport),
            holding: Delta::of(b.holding, s.holding),
            late: Delta::of(b.late, s.late),
            unmet: Delta::of(b.unmet, s.unmet),
            safety: Delta::of(b.safety, s.safety),
            carbon: Delta::of(b.carbon, s.carbon),
            renovation_window: Delta::of(b.renovation_window, s.renovation_window),
        },
        demand: Delta::of(base.service.demand, scenario.service.demand),
        on_time: Delta::of(base.service.on_time, scenario.service.on_time),
        late: Delta::of(base.service.late, scenario.service.late),
        unmet: Delta::of(base.service.unmet, scenario.service.unmet),
        fill_rate: Delta::of(base.service.fill_rate, scenario.service.fill_rate),
        emissions: Delta::of(base.emissions, scenario.emissions),
        renovations: renovations(base_doc, base, scenario_doc, scenario),
        bottlenecks: bottlenecks(base, scenario),
        suppliers: suppliers(base_doc, base, scenario_doc, scenario),
    }
}

fn renovations(
    base_doc: &NetworkDoc,
    base: &Plan,
    scenario_doc: &NetworkDoc,
    scenario: &Plan,
) -> Vec<RenovationChange> {
    let mut ids: Vec<(&str, &str)> = Vec::new();
    for r in base_doc.renovations.iter().chain(&scenario_doc.renovations) {
        if !ids.iter().any(|(id, _)| *id == r.id) {
            ids.push((&r.id, &r.line));
        }
    }
    let dates = |plan: &Plan, id: &str| {
        plan.renovations
            .iter()
            .find(|r| r.id == id)
            .map_or((None, None), |r| (r.start, r.end))
    };
    ids.into_iter()
        .map(|(id, line)| {
            let (base_start, base_end) = dates(base, id);
            let (scenario_start, scenario_end) = dates(scenario, id);
            RenovationChange {
                id: id.to_string(),
                line: line.to_string(),
                base_start,
                base_end,
                scenario_start,
                scenario_end,
                changed: (base_start, base_end) != (scenario_start, scenario_end),
            }
        })
        .collect()
}

/// (kind, id, period): what makes two bottlenecks the same capacity.
type BottleneckKey = (u8, String, u32);

fn bottleneck_key(b: &Bottleneck) -> BottleneckKey {
    let kind = match b.kind {
        ResourceKind::Line => 0,
        ResourceKind::Lane => 1,
    };
    (kind, b.id.clone(), b.period)
}

/// Largest shadow price first, then by (kind, id, period), so equal prices
/// list in the same order every time.
fn bottlenecks(base: &Plan, scenario: &Plan) -> BottleneckChanges {
    let in_base: BTreeMap<BottleneckKey, &Bottleneck> = base
        .bottlenecks
        .iter()
        .map(|b| (bottleneck_key(b), b))
        .collect();
    let in_scenario: BTreeMap<BottleneckKey, &Bottleneck> = scenario
        .bottlenecks
        .iter()
        .map(|b| (bottleneck_key(b), b))
        .collect();
    let by_price = |a: &Bottleneck, b: &Bottleneck| {
        b.shadow_price
            .total_cmp(&a.shadow_price)
            .then_with(|| bottleneck_key(a).cmp(&bottleneck_key(b)))
    };
    let mut appeared: Vec<Bottleneck> = in_scenario
        .iter()
        .filter(|(k, _)| !in_base.contains_key(*k))
        .map(|(_, b)| (*b).clone())
        .collect();
    appeared.sort_by(by_price);
    let mut vanished: Vec<Bottleneck> = in_base
        .iter()
        .filter(|(k, _)| !in_scenario.contains_key(*k))
        .map(|(_, b)| (*b).clone())
        .collect();
    vanished.sort_by(by_price);
    let mut stayed: Vec<StayingBottleneck> = in_base
        .iter()
        .filter_map(|(k, b)| {
            in_scenario.get(k).map(|s| StayingBottleneck {
                kind: b.kind,
                id: b.id.clone(),
                period: b.period,
                base_shadow_price: b.shadow_price,
                scenario_shadow_price: s.shadow_price,
            })
        })
        .collect();
    // BTreeMap order is the key order, so a stable sort keeps ties by key.
    stayed.sort_by(|a, b| b.scenario_shadow_price.total_cmp(&a.scenario_shadow_price));
    BottleneckChanges {
        appeared,
        vanished,
        stayed,
    }
}

/// Units made and shipped by `enterprise` in `plan`, summed over its
/// allocation's entries in their order.
pub(crate) fn made_and_shipped(plan: &Plan, enterprise: &str) -> (f64, f64) {
    let (mut made, mut shipped) = (0.0, 0.0);
    let entries = plan
        .allocations
        .iter()
        .filter(|a| a.enterprise == enterprise)
        .flat_map(|a| &a.entries);
    for e in entries {
        match e.kind {
            AllocationKind::Make => made += e.qty,
            AllocationKind::Ship => shipped += e.qty,
        }
    }
    (made, shipped)
}

fn suppliers(
    base_doc: &NetworkDoc,
    base: &Plan,
    scenario_doc: &NetworkDoc,
    scenario: &Plan,
) -> Vec<SupplierChange> {
    let mut ids: Vec<&str> = Vec::new();
    let all = base_doc.enterprises.iter().chain(&scenario_doc.enterprises);
    for e in all.filter(|e| e.role == Role::Supplier) {
        if !ids.contains(&e.id.as_str()) {
            ids.push(&e.id);
        }
    }
    ids.into_iter()
        .map(|id| {
            let (made_b, shipped_b) = made_and_shipped(base, id);
            let (made_s, shipped_s) = made_and_shipped(scenario, id);
            SupplierChange {
                enterprise: id.to_string(),
                made: Delta::of(made_b, made_s),
                shipped: Delta::of(shipped_b, shipped_s),
            }
        })
        .collect()
}

/// A figure scenarios can be ranked by.
///
/// The names ([`Kpi::as_str`], [`FromStr`](std::str::FromStr)) are the
/// figures' paths in a [`Comparison`]'s JSON: `cost.late` is the late
/// penalty's cost, `late` the units delivered late.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kpi {
    Objective,
    Production,
    Setup,
    Transport,
    Holding,
    LateCost,
    UnmetCost,
    Safety,
    Carbon,
    FillRate,
    /// Units delivered late.
    Late,
    /// Units never delivered.
    Unmet,
    Emissions,
}

impl Kpi {
    /// Every KPI, in the order of a comparison.
    pub const ALL: [Kpi; 13] = [
        Kpi::Objective,
        Kpi::Production,
        Kpi::Setup,
        Kpi::Transport,
        Kpi::Holding,
        Kpi::LateCost,
        Kpi::UnmetCost,
        Kpi::Safety,
        Kpi::Carbon,
        Kpi::FillRate,
        Kpi::Late,
        Kpi::Unmet,
        Kpi::Emissions,
    ];

    /// The KPI's path in a comparison's JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Kpi::Objective => "objective",
            Kpi::Production => "cost.production",
            Kpi::Setup => "cost.setup",
            Kpi::Transport => "cost.transport",
            Kpi::Holding => "cost.holding",
            Kpi::LateCost => "cost.late",
            Kpi::UnmetCost => "cost.unmet",
            Kpi::Safety => "cost.safety",
            Kpi::Carbon => "cost.carbon",
            Kpi::FillRate => "fill_rate",
            Kpi::Late => "late",
            Kpi::Unmet => "unmet",
            Kpi::Emissions => "emissions",
        }
    }

    /// Whether more is better (fill rate); for every other KPI less is.
    pub fn higher_is_better(self) -> bool {
        self == Kpi::FillRate
    }
}

impl std::fmt::Display for Kpi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Kpi {
    type Err = String;
    fn from_str(s: &str) -> Result<Kpi, String> {
        Kpi::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Kpi::ALL.iter().map(|k| k.as_str()).collect();
                format!("unknown KPI \"{s}\" (one of {})", names.join(", "))
            })
    }
}

/// The scenarios ranked by the KPI's delta, worst first, each with its delta.
///
/// Worst first means: for the objective, every cost term, late and unmet
/// units and emissions, the largest increase first (the largest decrease
/// last); for the fill rate, the largest drop first (most negative delta
/// first). Equal deltas keep the input order. Scenarios whose comparison
/// has no figures (either plan without a solution, see
/// [`Comparison::comparable`]) are left out.
pub fn rank(comparisons: &[(String, Comparison)], kpi: Kpi) -> Vec<(String, f64)> {
    let mut ranked: Vec<(String, f64)> = comparisons
        .iter()
        .filter_map(|(name, c)| c.kpi(kpi).map(|d| (name.clone(), d.delta)))
        .collect();
    if kpi.higher_is_better() {
        ranked.sort_by(|a, b| a.1.total_cmp(&b.1));
    } else {
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    }
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comparison(objective_delta: f64, fill_rate_delta: f64) -> Comparison {
        let base = Plan {
            status: PlanStatus::Optimal,
            objective: Some(100.0),
            ..Plan::without_solution(PlanStatus::Optimal)
        };
        let mut scenario = base.clone();
        scenario.objective = Some(100.0 + objective_delta);
        scenario.service.fill_rate = fill_rate_delta;
        let doc = NetworkDoc::empty(1);
        compare(&doc, &base, &doc, &scenario)
    }

    #[test]
    fn costs_rank_largest_increase_first_and_fill_rate_largest_drop_first() {
        let all = vec![
            ("cheaper".to_string(), comparison(-5.0, 0.1)),
            ("dearer".to_string(), comparison(20.0, -0.3)),
            ("same".to_string(), comparison(0.0, 0.0)),
            ("tie".to_string(), comparison(20.0, -0.3)),
        ];
        let names = |r: Vec<(String, f64)>| r.into_iter().map(|(n, _)| n).collect::<Vec<_>>();
        assert_eq!(
            names(rank(&all, Kpi::Objective)),
            ["dearer", "tie", "same", "cheaper"]
        );
        assert_eq!(
            names(rank(&all, Kpi::FillRate)),
            ["dearer", "tie", "same", "cheaper"]
        );
    }

    #[test]
    fn a_plan_without_solution_is_left_out_of_a_ranking() {
        let mut c = comparison(1.0, 0.0);
        c.scenario_status = PlanStatus::Infeasible;
        assert!(rank(&[("x".into(), c)], Kpi::Objective).is_empty());
    }

    #[test]
    fn kpi_names_round_trip() {
        for k in Kpi::ALL {
            assert_eq!(k.as_str().parse::<Kpi>(), Ok(k));
        }
        assert!("late_cost".parse::<Kpi>().is_err());
    }
}

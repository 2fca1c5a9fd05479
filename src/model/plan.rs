//! The plan of docs/model.md §5 as plain serde types: what `chainplan solve`
//! writes and what the service hands out. Values only; computing them is the
//! planning core's job.

use super::doc::Goal;
use serde::{Deserialize, Serialize};

/// How the solve ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PlanStatus {
    /// Proven optimal (within the requested relative gap).
    Optimal,
    /// A limit stopped the solver with a solution in hand.
    Feasible,
    /// No plan satisfies the document; `conflicts` names why.
    Infeasible,
    /// The objective has no lower bound (cannot happen with valid costs).
    Unbounded,
    /// A limit stopped the solver before it found any solution.
    #[serde(rename = "no_solution")]
    NoSolution,
}

impl PlanStatus {
    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Optimal => "optimal",
            PlanStatus::Feasible => "feasible",
            PlanStatus::Infeasible => "infeasible",
            PlanStatus::Unbounded => "unbounded",
            PlanStatus::NoSolution => "no_solution",
        }
    }

    /// Whether the plan carries a solution.
    pub fn has_solution(self) -> bool {
        matches!(self, PlanStatus::Optimal | PlanStatus::Feasible)
    }
}

/// The eight objective terms of docs/model.md §4, and the cost of the
/// renovations' downtime windows (`renovations[].window_cost`, an addition
/// to docs/model.md: zero, and left out of the JSON, unless a document sets it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct CostBreakdown {
    pub production: f64,
    pub setup: f64,
    pub transport: f64,
    pub holding: f64,
    pub late: f64,
    pub unmet: f64,
    pub safety: f64,
    pub carbon: f64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub renovation_window: f64,
}

fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

impl CostBreakdown {
    /// The sum of the terms, which is the objective.
    pub fn total(&self) -> f64 {
        self.terms().iter().map(|(_, v)| v).sum()
    }

    /// The terms with their names, in the contract's order.
    pub fn terms(&self) -> [(&'static str, f64); 9] {
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

/// Units of demand by how they were served.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Service {
    pub demand: f64,
    pub on_time: f64,
    pub late: f64,
    pub unmet: f64,
    /// on_time / demand (1 when there is no demand).
    pub fill_rate: f64,
}

/// Units made by one operation in one period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Production {
    pub line: String,
    pub operation: String,
    pub item: String,
    pub period: u32,
    pub qty: f64,
}

/// Units of one item leaving on a lane in one period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shipment {
    pub lane: String,
    pub item: String,
    pub period: u32,
    pub arrival: u32,
    pub qty: f64,
}

/// Stock of an item at a site at the end of a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StockLevel {
    pub site: String,
    pub item: String,
    pub period: u32,
    pub qty: f64,
}

/// Units delivered to a demand in a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    pub demand: String,
    pub period: u32,
    pub qty: f64,
    pub late_by: u32,
}

/// When a renovation takes place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RenovationSchedule {
    pub id: String,
    pub line: String,
    /// First period the line is down; `None` when an optional renovation is not done.
    pub start: Option<u32>,
    /// Last period the line is down (`start + duration - 1`).
    pub end: Option<u32>,
}

/// What one allocation entry asks of a supplier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AllocationKind {
    /// Make on a line of the supplier.
    Make,
    /// Ship from a site of the supplier on a lane.
    Ship,
}

/// One unit of work for a supplier: make or ship an item in a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AllocationEntry {
    pub kind: AllocationKind,
    /// The supplier's site doing the work.
    pub site: String,
    pub item: String,
    pub period: u32,
    pub qty: f64,
    /// The line (make) or lane (ship).
    pub resource: String,
    /// The receiving site of a shipment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
}

/// One allocation entry whose quantity differs between two versions of a
/// supplier's allocation: the entry's key with its quantity before and after
/// (0 before: the entry is new; 0 after: it is gone).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AllocationChange {
    pub kind: AllocationKind,
    pub site: String,
    pub item: String,
    pub period: u32,
    pub resource: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    pub qty_before: f64,
    pub qty_after: f64,
}

/// How a re-plan was held to the plan it replaces: the frozen fence and the
/// stability penalty, and what the plan changed against it. The penalty is
/// part of what the solver minimised but not of `objective`, which stays the
/// objective of docs/model.md §4.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stability {
    /// Periods before this one kept their quantities from the base plan.
    pub freeze_until: u32,
    /// Penalty per unit of production or shipment changed.
    pub penalty: f64,
    /// Units changed against the base plan, summed over production and shipments.
    pub units_changed: f64,
    /// `penalty * units_changed`.
    pub cost: f64,
    /// Set on a repair re-plan: the part of the chain it could change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<RepairRegion>,
}

/// The part of the chain a repair re-plan could change after the fence:
/// production at its sites and shipments on lanes from or to them. Every
/// other decision kept its base quantity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepairRegion {
    /// The sites, sorted.
    pub sites: Vec<String>,
    /// How many times the region grew beyond the part of the chain the
    /// cause can reach (the repair was infeasible, or the duals showed that
    /// a held decision outside it was worth changing).
    pub widenings: u32,
    /// Whether the duals prove the plan optimal for the whole chain, not
    /// only within the region: no held decision outside it is worth
    /// changing at the stability penalty.
    pub proven_optimal: bool,
}

/// Everything one supplier enterprise must make and ship.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Allocation {
    pub enterprise: String,
    pub entries: Vec<AllocationEntry>,
}

impl Allocation {
    /// The allocation as it reads after the horizon rolled `periods`
    /// periods: entries of the closed periods gone, the rest renumbered.
    pub fn rolled(&self, periods: u64) -> Allocation {
        let mut rolled = self.clone();
        roll_entries(&mut rolled.entries, periods);
        rolled
    }
}

/// Entries of the first `periods` periods dropped, the rest renumbered.
fn roll_entries(entries: &mut Vec<AllocationEntry>, periods: u64) {
    entries.retain(|e| u64::from(e.period) >= periods);
    for e in entries.iter_mut() {
        // Fits: the period is at least `periods` and came from a u32.
        e.period -= u32::try_from(periods).unwrap_or(u32::MAX);
    }
}

/// Which capacity binds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResourceKind {
    Line,
    Lane,
}

/// A binding capacity and what one more unit of it would save.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bottleneck {
    pub kind: ResourceKind,
    pub id: String,
    pub period: u32,
    /// Objective decrease per extra capacity unit (>= 0).
    pub shadow_price: f64,
}

/// A constraint that takes part in making the document infeasible.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conflict {
    /// Path into the document, such as `policy.carbon_cap` or `lanes[2].min_share`.
    pub path: String,
    /// What it asks and by how much it had to be relaxed.
    pub reason: String,
}

/// Size and timing of the solve, for people and benchmarks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SolveStats {
    pub variables: usize,
    pub integer_variables: usize,
    pub constraints: usize,
    pub build_seconds: f64,
    pub solve_seconds: f64,
    pub extract_seconds: f64,
    /// Solver threads the solve ran with: the count asked for, at most the
    /// cores the process may use.
    #[serde(default)]
    pub threads: u32,
    /// The strategy that made the plan: `exact` or `fast`.
    #[serde(default)]
    pub strategy: String,
    /// Seconds from the start of the solve to its first plan with a
    /// solution, when it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_plan_seconds: Option<f64>,
    /// When a time limit ended the solve without any plan: about how many
    /// seconds a first plan of this model needs, estimated from its size
    /// (on the two-core reference machine of `docs/performance.md`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_plan_needs_seconds: Option<f64>,
}

/// The answer to a network document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub status: PlanStatus,
    pub objective: Option<f64>,
    pub bound: Option<f64>,
    pub gap: Option<f64>,
    pub cost: CostBreakdown,
    pub emissions: f64,
    pub service: Service,
    pub production: Vec<Production>,
    pub shipments: Vec<Shipment>,
    pub stock: Vec<StockLevel>,
    pub deliveries: Vec<Delivery>,
    pub renovations: Vec<RenovationSchedule>,
    pub allocations: Vec<Allocation>,
    pub bottlenecks: Vec<Bottleneck>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<Conflict>,
    #[serde(default)]
    pub stats: SolveStats,
    /// Set on a re-plan against a base plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stability: Option<Stability>,
    /// The goals that produced the plan, in order, when it was not simply
    /// the model's cost (docs/model.md §4) (`policy.objective`, or a point of a trade-off curve).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub goals: Vec<GoalOutcome>,
}

/// How a plan stands on one goal it was solved for.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GoalOutcome {
    pub goal: Goal,
    /// The plan's value of the goal.
    pub value: f64,
    /// The limit the goal was held to while later goals were minimised
    /// (absent for the goal minimised last).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<f64>,
}

impl Plan {
    /// A plan with no solution in it.
    pub fn without_solution(status: PlanStatus) -> Plan {
        Plan {
            status,
            objective: None,
            bound: None,
            gap: None,
            cost: CostBreakdown::default(),
            emissions: 0.0,
            service: Service::default(),
            production: Vec::new(),
            shipments: Vec::new(),
            stock: Vec::new(),
            deliveries: Vec::new(),
            renovations: Vec::new(),
            allocations: Vec::new(),
            bottlenecks: Vec::new(),
            conflicts: Vec::new(),
            stats: SolveStats::default(),
            stability: None,
            goals: Vec::new(),
        }
    }

    /// The plan as it reads after the horizon rolled `periods` periods:
    /// the decisions of the closed periods gone, the rest renumbered (a
    /// shipment that left in a closed period is gone with it). Costs,
    /// figures and renovations are kept as they were.
    pub fn rolled(&self, periods: u32) -> Plan {
        let k = periods;
        let mut plan = self.clone();
        plan.production.retain(|p| p.period >= k);
        plan.production.iter_mut().for_each(|p| p.period -= k);
        plan.shipments.retain(|s| s.period >= k);
        plan.shipments.iter_mut().for_each(|s| {
            s.period -= k;
            s.arrival -= k;
        });
        plan.stock.retain(|s| s.period >= k);
        plan.stock.iter_mut().for_each(|s| s.period -= k);
        plan.deliveries.retain(|d| d.period >= k);
        plan.deliveries.iter_mut().for_each(|d| d.period -= k);
        plan.allocations
            .iter_mut()
            .for_each(|a| roll_entries(&mut a.entries, u64::from(k)));
        plan
    }
}

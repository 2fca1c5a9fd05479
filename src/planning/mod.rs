//! Planning core: synchronous and deterministic. The chain graph, the LP/MILP
//! formulation of MODEL.md sections 2-4 (good_lp + HiGHS), solve options, and
//! reading the solution back into a `Plan` with duals and conflicts.
//! No tokio, no redis, no tonic: callable from a laptop without a server.

pub mod batch;
pub mod compare;
mod conflicts;
pub mod criticality;
mod extract;
mod fence;
mod formulation;
pub mod generate;
pub mod graph;
mod interrupt;
mod lot_sizing;
mod network;
pub mod objectives;
mod programme;
pub mod renovation;
pub mod replan;
mod scope;
pub mod size;
mod solve;

pub use batch::{solve_batch, BatchError, ScenarioProgress, ScenarioResult};
pub use compare::{compare, rank, Comparison, Delta, Kpi};
pub use criticality::{criticality, Criticality, SupplierImpact};
pub use objectives::{curve_summary, goal_value, tradeoff_curve};
pub use replan::{affected_demands, diff_allocations, validate_baseline, Baseline};
pub use solve::{
    solve, solver_threads, LpAlgorithm, PlanError, Progress, ProgressFn, SolveOptions,
    DEFAULT_RELATIVE_GAP, MAX_THREADS,
};

//! Planning core: synchronous and deterministic. The chain graph, the LP/MILP
//! formulation of docs/model.md §2-4 (good_lp + HiGHS), solve options, and
//! reading the solution back into a `Plan` with duals and conflicts.
//! No tokio, no redis, no tonic: callable from a laptop without a server.

pub mod batch;
mod block_bound;
mod bound;
mod check;
pub mod compare;
mod conflicts;
pub mod criticality;
mod error;
mod exact;
mod extract;
mod fast;
mod fence;
mod formulation;
pub mod graph;
mod highs;
mod implied;
mod lot_sizing;
mod lp;
mod network;
pub mod objectives;
mod options;
mod programme;
mod progress;
pub mod renovation;
mod repair;
pub mod replan;
mod scope;
pub mod simulate;
pub mod size;
mod solve;
mod strategy;
mod windows;

pub use batch::{solve_batch, BatchError, ScenarioProgress, ScenarioResult};
pub use compare::{compare, rank, Comparison, Delta, Kpi};
pub use criticality::{criticality, rank_by_reliability, Criticality, SupplierImpact};
pub use error::PlanError;
pub use objectives::{goal_value, tradeoff_curve};
pub use options::{
    solver_threads, LpAlgorithm, SolveOptions, Strategy, DEFAULT_RELATIVE_GAP, MAX_THREADS,
};
pub use progress::{Phase, Progress, ProgressFn};
pub use replan::{affected_demands, diff_allocations, validate_baseline, Baseline};
pub use solve::solve;
pub use strategy::expected_exact_seconds;

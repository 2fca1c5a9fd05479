//! Why a solve produced no plan: the one error type of the planning core.
//! Imports nothing of the core, so every module of it may return it.

use crate::model::DocError;
use thiserror::Error;

/// Why no plan could be produced.
#[derive(Debug, Error)]
pub enum PlanError {
    /// The document breaks docs/model.md §1.
    #[error(transparent)]
    Document(#[from] DocError),
    /// An option is out of range.
    #[error("{field}: {reason}")]
    Option { field: &'static str, reason: String },
    /// The model would need more memory than [`SolveOptions::max_model_mb`].
    #[error("{0}")]
    TooLarge(String),
    /// HiGHS failed for a reason other than the model's status.
    #[error("solver failed: {0}")]
    Solver(String),
    /// [`crate::planning::SolveOptions::cancel`] was set before the solve had a plan to give:
    /// before it started, before HiGHS found any solution, or before the
    /// conflicts of an infeasible document were named.
    #[error("the solve was cancelled")]
    Cancelled,
}

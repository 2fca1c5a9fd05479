//! The planning pipeline: check the request, then solve each stage the
//! document's objective asks for by the strategy the options and the model
//! call for (`strategy`); a cost objective is one stage, a lexicographic
//! one a stage per goal (`objectives`).

use super::check::check_document;
use super::error::PlanError;
use super::formulation::Goals;
use super::objectives::solve_lexicographic;
use super::options::SolveOptions;
use super::strategy::solve_stage;
use crate::model::{NetworkDoc, Objective, Plan};

/// Solves a network document to a plan (docs/model.md §5).
///
/// The document is validated first; infeasible and unbounded documents give a
/// plan with that status, not an error.
///
/// With [`SolveOptions::warm_start`] (a plan with a solution), a MILP starts
/// from that plan's setups and renovation starts: HiGHS fixes them, solves
/// the LP of the rest, and takes the result, if feasible, as its first
/// incumbent. The optimum is the same; a solve stopped by its time limit
/// ends with a better plan, one run to optimality is not faster. Without
/// one, a MILP without renovation starts begins from every setup on (see
/// `setups_everywhere`).
///
/// # Errors
/// `Document` for an invalid document, `Option` for a bad option, `Solver`
/// when HiGHS itself fails, `Cancelled` when [`SolveOptions::cancel`] stops
/// the solve before it has a plan.
pub fn solve(doc: &NetworkDoc, options: &SolveOptions) -> Result<Plan, PlanError> {
    let options = &*options.within_ends_by();
    check_document(doc, options)?;
    match &doc.policy.objective {
        Objective::Cost => solve_stage(doc, options, &Goals::default()),
        Objective::Lexicographic(stages) => solve_lexicographic(doc, options, stages),
    }
}

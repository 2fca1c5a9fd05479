//! The HiGHS side of the time windows (`windows`): the whole LP read once
//! as data, and each window's LP (a part of it) handed to HiGHS on its
//! own. A window solved as the whole model with the rest held costs more
//! than the window: HiGHS' postsolve of the held model ends in tens of
//! thousands of simplex iterations on the whole LP.

use super::callback::run_watched;
use super::first_order::{lp_data_before, LpData};
use super::setup::{configure, has_solution, prepare, set_highs_option};
use crate::planning::error::PlanError;
use crate::planning::extract::SolvedValues;
use crate::planning::formulation::{ModelMap, PlanModel};
use crate::planning::options::{check_cancel, SolveOptions};
use good_lp::solvers::highs::highs;
use good_lp::ProblemVariables;
use highs::HighsModelStatus;
use highs_sys::HighsInt;

/// The built model as data, and its map; the HiGHS object is dropped.
///
/// # Errors
/// `Cancelled` when the solve is cancelled; `Solver` when HiGHS refuses
/// the model.
pub(crate) fn lp_of(
    model: PlanModel,
    options: &SolveOptions,
) -> Result<(LpData, ModelMap), PlanError> {
    let (mut highs_model, map, _) = prepare(model, options, None)?;
    Ok((lp_data_before(&mut highs_model)?, map))
}

/// How one run of a window's LP ended.
pub(crate) enum WindowRun {
    /// The LP's optimum, with its duals.
    Solved(SolvedValues),
    /// No optimum: infeasible, or not solved before the time limit.
    Nothing,
}

/// Solves `lp` with HiGHS' algorithm `solver`, the solve's options and
/// the caller's own HiGHS options.
///
/// # Errors
/// `Cancelled` when the solve is cancelled; `Solver` when HiGHS fails or
/// refuses the LP.
pub(crate) fn run_lp(
    lp: &LpData,
    options: &SolveOptions,
    solver: &str,
    time_limit: Option<f64>,
) -> Result<WindowRun, PlanError> {
    check_cancel(options)?;
    // An empty model, whose LP is then replaced by `lp`.
    let mut model = ProblemVariables::new()
        .minimise(good_lp::Expression::from(0.0))
        .using(highs)
        .try_into_inner()
        .map_err(|e| PlanError::Solver(e.to_string()))?;
    pass_lp(&mut model, lp)?;
    let threads = configure(&mut model, options, time_limit);
    model.set_option("solver", solver);
    for (name, value) in &options.highs_options {
        set_highs_option(&mut model, name, value)?;
    }
    let solved = run_watched(model, threads, options.cancel.as_ref(), None)?;
    Ok(match solved.status() {
        HighsModelStatus::Optimal | HighsModelStatus::ModelEmpty => {
            WindowRun::Solved(SolvedValues::read(&solved, false, true))
        }
        HighsModelStatus::ReachedInterrupt if !has_solution(&solved) => {
            return Err(PlanError::Cancelled)
        }
        _ => WindowRun::Nothing,
    })
}

/// Replaces the LP of `model` by `lp`.
fn pass_lp(model: &mut highs::Model, lp: &LpData) -> Result<(), PlanError> {
    let int = |n: usize| HighsInt::try_from(n).map_err(|e| PlanError::Solver(e.to_string()));
    let (cols, rows, nonzeros) = (
        int(lp.cost.len())?,
        int(lp.row_lower.len())?,
        int(lp.value.len())?,
    );
    let n = lp.cost.len();
    if lp.col_lower.len() != n || lp.col_upper.len() != n || lp.start.len() != n + 1 {
        return Err(PlanError::Solver(
            "a window LP of inconsistent sizes".into(),
        ));
    }
    // HiGHS takes the column starts without the closing one.
    let start = lp.start[..n]
        .iter()
        .map(|&s| int(s))
        .collect::<Result<Vec<_>, _>>()?;
    let index = lp
        .index
        .iter()
        .map(|&i| int(i))
        .collect::<Result<Vec<_>, _>>()?;
    const COLUMN_WISE: HighsInt = 1;
    const MINIMISE: HighsInt = 1;
    // SAFETY: the live Highs object `model` owns; every array holds the
    // count HiGHS is told (columns, rows or nonzeros, checked above) and
    // outlives the call, which copies them.
    let status = unsafe {
        highs_sys::Highs_passLp(
            model.as_mut_ptr(),
            cols,
            rows,
            nonzeros,
            COLUMN_WISE,
            MINIMISE,
            lp.offset,
            lp.cost.as_ptr(),
            lp.col_lower.as_ptr(),
            lp.col_upper.as_ptr(),
            lp.row_lower.as_ptr(),
            lp.row_upper.as_ptr(),
            start.as_ptr(),
            index.as_ptr(),
            lp.value.as_ptr(),
        )
    };
    if status == highs_sys::STATUS_ERROR {
        return Err(PlanError::Solver("HiGHS refused a window's LP".into()));
    }
    Ok(())
}

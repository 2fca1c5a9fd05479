//! The exact runs: HiGHS on a built model with the solve's algorithm, the
//! caller's HiGHS options and a MIP start, read back as an [`Outcome`].

use super::callback::run_watched;
use super::first_order::{lp_data, LpData};
use super::setup::{has_solution, prepare, set_highs_option};
use crate::planning::error::PlanError;
use crate::planning::extract::SolvedValues;
use crate::planning::formulation::{ModelMap, PlanModel};
use crate::planning::options::SolveOptions;
use crate::planning::progress::MipProgress;
use highs::HighsModelStatus;
use std::sync::Arc;

/// How a HiGHS run ended.
pub(crate) enum Outcome {
    Solved(SolvedValues),
    Infeasible,
    Unbounded,
    NoSolution,
}

/// A HiGHS run: the outcome and the model's column map.
pub(crate) struct Run {
    pub outcome: Outcome,
    pub model_map: ModelMap,
    /// The LP as HiGHS held it, read for a repair's region (a model that
    /// holds decisions outside it) so that its duals can bound the whole
    /// re-plan; `None` otherwise.
    pub lp: Option<LpData>,
}

/// Runs HiGHS on a built model; [`SolveOptions::cancel`] can stop it.
///
/// # Errors
/// `Cancelled` when the solve is cancelled before the run or before HiGHS
/// has a solution; `Solver` when HiGHS fails.
pub(crate) fn run_highs(
    model: PlanModel,
    options: &SolveOptions,
    is_mip: bool,
    time_limit: Option<f64>,
) -> Result<Run, PlanError> {
    run_highs_reporting(model, options, is_mip, time_limit, None, &[])
}

/// [`run_highs`], copying the MIP search's incumbent, bound and gap into
/// `mip` as HiGHS reports them. Only the main solve reports: the priced LP
/// and the elastic conflict models would show numbers of other problems.
/// `start` is a (partial) MIP start as (column, value); empty for none.
pub(crate) fn run_highs_reporting(
    model: PlanModel,
    options: &SolveOptions,
    is_mip: bool,
    time_limit: Option<f64>,
    mip: Option<&Arc<MipProgress>>,
    start: &[(usize, f64)],
) -> Result<Run, PlanError> {
    let (mut highs_model, map, threads) = prepare(model, options, time_limit)?;
    if !is_mip {
        highs_model.set_option("solver", options.lp_algorithm.highs_solver());
    } else if map.echelon_lots {
        // The echelon allocations make the root LP large and degenerate:
        // dual simplex stalls on it (minutes on a 100-item Tempelmeier-
        // Derstroff instance) where the interior point method takes
        // seconds. The nodes still re-solve from a basis with simplex.
        highs_model.set_option("mip_lp_solver", "ipm");
    }
    for (name, value) in &options.highs_options {
        set_highs_option(&mut highs_model, name, value)?;
    }
    if is_mip && !start.is_empty() {
        set_mip_start(&mut highs_model, start);
    }
    let mut solved = run_watched(
        highs_model,
        threads,
        options.cancel.as_ref(),
        mip.filter(|_| is_mip),
    )?;
    let has_solution = has_solution(&solved);
    let outcome = match solved.status() {
        HighsModelStatus::Infeasible | HighsModelStatus::UnboundedOrInfeasible => {
            Outcome::Infeasible
        }
        HighsModelStatus::Unbounded => Outcome::Unbounded,
        HighsModelStatus::Optimal | HighsModelStatus::ModelEmpty => {
            Outcome::Solved(SolvedValues::read(&solved, is_mip, true))
        }
        // Only the cancel callback interrupts HiGHS.
        HighsModelStatus::ReachedInterrupt if !has_solution => return Err(PlanError::Cancelled),
        HighsModelStatus::ReachedTimeLimit
        | HighsModelStatus::ReachedIterationLimit
        | HighsModelStatus::ReachedSolutionLimit
        | HighsModelStatus::ReachedInterrupt
        | HighsModelStatus::ReachedMemoryLimit
        | HighsModelStatus::ObjectiveBound
        | HighsModelStatus::ObjectiveTarget => {
            if has_solution {
                Outcome::Solved(SolvedValues::read(&solved, is_mip, false))
            } else {
                Outcome::NoSolution
            }
        }
        other => return Err(PlanError::Solver(format!("HiGHS ended with {other:?}"))),
    };
    let lp = if !is_mip && !map.held_outside.is_empty() && matches!(outcome, Outcome::Solved(_)) {
        lp_data(&mut solved).ok()
    } else {
        None
    };
    Ok(Run {
        outcome,
        model_map: map,
        lp,
    })
}

/// Hands HiGHS a partial solution. A start is only a hint: if HiGHS refuses
/// it, the solve goes on without it.
fn set_mip_start(model: &mut highs::Model, start: &[(usize, f64)]) {
    let (Ok(count), Ok(index)) = (
        highs_sys::HighsInt::try_from(start.len()),
        start
            .iter()
            .map(|(c, _)| highs_sys::HighsInt::try_from(*c))
            .collect::<Result<Vec<_>, _>>(),
    ) else {
        return;
    };
    let value: Vec<f64> = start.iter().map(|(_, v)| *v).collect();
    // SAFETY: `model.as_mut_ptr()` is the live Highs object `model` owns;
    // `index` and `value` hold `count` entries each and outlive the call,
    // which copies them.
    // The status is not checked: a refused start leaves the model as it was.
    let _ = unsafe {
        highs_sys::Highs_setSparseSolution(
            model.as_mut_ptr(),
            count,
            index.as_ptr(),
            value.as_ptr(),
        )
    };
}

//! Everything that touches HiGHS: running a built model with the solve's
//! options (time limit, gap, threads, algorithm, the caller's own HiGHS
//! options), handing it a MIP start, and reading how the run ended. The C
//! callback that cancels a run and reports a MILP's progress is in
//! [`callback`].

mod callback;
mod first_order;

pub(crate) use first_order::{run_first_order, run_repair, LpData};

use super::error::PlanError;
use super::extract::SolvedValues;
use super::formulation::{ModelMap, PlanModel};
use super::options::{check_cancel, solver_threads, SolveOptions, DEFAULT_RELATIVE_GAP};
use super::progress::MipProgress;
use callback::run_watched;
use highs::{HighsModelStatus, HighsSolutionStatus};
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
    check_cancel(options)?;
    let PlanModel { problem, map } = model;
    let mut highs_model = problem
        .try_into_inner()
        .map_err(|e| PlanError::Solver(e.to_string()))?;
    let threads = configure(&mut highs_model, options, time_limit);
    if !is_mip {
        highs_model.set_option("solver", options.lp_algorithm.as_str());
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
    let solved = run_watched(
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
    Ok(Run {
        outcome,
        model_map: map,
    })
}

/// Sets what every run of a solve shares: quiet or logging, the time limit,
/// the MIP gap and the thread count. Returns the thread count, which the
/// run must be given too (see [`callback::run_watched`]).
fn configure(model: &mut highs::Model, options: &SolveOptions, time_limit: Option<f64>) -> i32 {
    if options.solver_log {
        model.set_option("output_flag", true);
        model.set_option("log_to_console", true);
    } else {
        model.make_quiet();
    }
    if let Some(t) = time_limit {
        model.set_option("time_limit", t);
    }
    model.set_option(
        "mip_rel_gap",
        options.relative_gap.unwrap_or(DEFAULT_RELATIVE_GAP),
    );
    // Always set, so that every run on a thread asks its scheduler for the
    // same count unless the caller asks otherwise (see `run_watched`).
    let threads = i32::try_from(solver_threads(options.threads)).unwrap_or(1);
    model.set_option("threads", threads);
    threads
}

/// Whether HiGHS holds a feasible primal solution. Read as a number: the
/// binding's typed accessor panics on a status outside its enum, which
/// HiGHS reports when it returns before solving.
fn has_solution(solved: &highs::SolvedModel) -> bool {
    solved
        .int_info_value(c"primal_solution_status")
        .ok()
        .and_then(|v| HighsSolutionStatus::try_from(v as highs_sys::HighsInt).ok())
        == Some(HighsSolutionStatus::Feasible)
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

/// HiGHS options that make a run write the model and return without a
/// solve, which would leave a plan request without any answer.
const WRITES_INSTEAD_OF_SOLVING: &[&str] = &["write_model_to_file"];

/// Sets a HiGHS option from text: HiGHS options are typed, so the value is
/// tried as a boolean, an integer, a number and finally as text.
fn set_highs_option(model: &mut highs::Model, name: &str, value: &str) -> Result<(), PlanError> {
    if WRITES_INSTEAD_OF_SOLVING.contains(&name) {
        return Err(PlanError::Option {
            field: "highs_option",
            reason: format!("{name}: with it HiGHS writes the model and returns without solving"),
        });
    }
    let as_bool = value.parse::<bool>().ok();
    let accepted = as_bool.is_some_and(|v| model.try_set_option(name, v).is_ok())
        || value
            .parse::<i32>()
            .is_ok_and(|v| model.try_set_option(name, v).is_ok())
        || value
            .parse::<f64>()
            .is_ok_and(|v| model.try_set_option(name, v).is_ok())
        || model.try_set_option(name, value).is_ok();
    if accepted {
        return Ok(());
    }
    Err(PlanError::Option {
        field: "highs_option",
        reason: format!("HiGHS does not accept {name}={value}"),
    })
}

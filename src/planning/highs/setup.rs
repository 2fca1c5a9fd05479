//! What every HiGHS run shares: handing the built model to HiGHS with the
//! solve's time limit, gap, threads and log, the caller's own HiGHS
//! options, and reading whether a run holds a solution.

use crate::planning::error::PlanError;
use crate::planning::formulation::{ModelMap, PlanModel};
use crate::planning::options::{check_cancel, solver_threads, SolveOptions, DEFAULT_RELATIVE_GAP};
use highs::HighsSolutionStatus;

/// The built model handed to HiGHS and configured ([`configure`]), with its
/// map and thread count, unless the solve is cancelled already.
pub(super) fn prepare(
    model: PlanModel,
    options: &SolveOptions,
    time_limit: Option<f64>,
) -> Result<(highs::Model, ModelMap, i32), PlanError> {
    check_cancel(options)?;
    let PlanModel { problem, map } = model;
    let mut highs_model = problem
        .try_into_inner()
        .map_err(|e| PlanError::Solver(e.to_string()))?;
    if map.objective_offset != 0.0 {
        // SAFETY: `highs_model.as_mut_ptr()` is the live Highs object the
        // model owns.
        let status = unsafe {
            highs_sys::Highs_changeObjectiveOffset(highs_model.as_mut_ptr(), map.objective_offset)
        };
        if status == highs_sys::STATUS_ERROR {
            return Err(PlanError::Solver("setting the objective offset".into()));
        }
    }
    let threads = configure(&mut highs_model, options, time_limit);
    Ok((highs_model, map, threads))
}

/// Sets what every run of a solve shares: quiet or logging, the time limit,
/// the MIP gap and the thread count. Returns the thread count, which the
/// run must be given too (see [`callback::run_watched`]).
pub(super) fn configure(
    model: &mut highs::Model,
    options: &SolveOptions,
    time_limit: Option<f64>,
) -> i32 {
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
pub(super) fn has_solution(solved: &highs::SolvedModel) -> bool {
    solved
        .int_info_value(c"primal_solution_status")
        .ok()
        .and_then(|v| HighsSolutionStatus::try_from(v as highs_sys::HighsInt).ok())
        == Some(HighsSolutionStatus::Feasible)
}

/// Whether HiGHS holds primal values at all, feasible or not: a first-order
/// run that met its own (scaled) tolerances but not HiGHS' check after
/// postsolve ends `Unknown` with its iterate still there.
pub(super) fn has_values(solved: &highs::SolvedModel) -> bool {
    solved
        .int_info_value(c"primal_solution_status")
        .ok()
        .and_then(|v| HighsSolutionStatus::try_from(v as highs_sys::HighsInt).ok())
        .is_some_and(|status| status != HighsSolutionStatus::None)
}

/// HiGHS options that make a run write the model and return without a
/// solve, which would leave a plan request without any answer.
const WRITES_INSTEAD_OF_SOLVING: &[&str] = &["write_model_to_file"];

/// Sets a HiGHS option from text: HiGHS options are typed, so the value is
/// tried as a boolean, an integer, a number and finally as text.
pub(super) fn set_highs_option(
    model: &mut highs::Model,
    name: &str,
    value: &str,
) -> Result<(), PlanError> {
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

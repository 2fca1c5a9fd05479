//! Solve options and the `solve` entry point: validate, resolve, scope, build,
//! run HiGHS, and hand the solution to `extract`. For a MILP it re-solves the
//! LP with the integer decisions fixed to price the capacities; for an
//! infeasible document it asks `conflicts` which constraints are to blame.

use super::conflicts::find_conflicts;
use super::extract::{extract_plan, integer_values, SolvedValues};
use super::formulation::{Mode, ModelMap, PlanModel};
use super::network::Network;
use super::scope::Scope;
use crate::model::{validate, DocError, NetworkDoc, Plan, PlanStatus};
use highs::{HighsModelStatus, HighsSolutionStatus};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use thiserror::Error;

/// Which LP algorithm HiGHS uses for a linear program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LpAlgorithm {
    /// Interior point with crossover: on large chain LPs about three times
    /// faster than simplex, and crossover still gives a basis for the duals.
    #[default]
    Ipm,
    /// Dual simplex.
    Simplex,
    /// HiGHS decides.
    Choose,
}

impl LpAlgorithm {
    /// The name HiGHS (and `FromStr`) use.
    pub fn as_str(self) -> &'static str {
        match self {
            LpAlgorithm::Ipm => "ipm",
            LpAlgorithm::Simplex => "simplex",
            LpAlgorithm::Choose => "choose",
        }
    }
}

impl std::str::FromStr for LpAlgorithm {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "ipm" => Ok(LpAlgorithm::Ipm),
            "simplex" => Ok(LpAlgorithm::Simplex),
            "choose" => Ok(LpAlgorithm::Choose),
            other => Err(format!(
                "unknown LP algorithm \"{other}\" (ipm, simplex or choose)"
            )),
        }
    }
}

/// What a running solve reports, about once a second.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// `build`, `solve`, `duals`, `conflicts` or `extract`.
    pub phase: &'static str,
    pub elapsed_seconds: f64,
}

/// A progress callback shared with the ticker thread.
pub type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// The relative MIP gap at which a solve is called optimal unless the caller
/// says otherwise. Tighter than HiGHS' own 1e-4, so that two implementations
/// of MODEL.md agree on the optimum to about six digits.
pub const DEFAULT_RELATIVE_GAP: f64 = 1e-6;

/// Limits and choices for one solve.
#[derive(Clone, Default)]
pub struct SolveOptions {
    /// Wall-clock limit for the solver, in seconds.
    pub time_limit_seconds: Option<f64>,
    /// Relative MIP gap at which the solve stops; [`DEFAULT_RELATIVE_GAP`]
    /// when absent.
    pub relative_gap: Option<f64>,
    /// Solver threads (HiGHS decides when absent).
    pub threads: Option<u32>,
    pub lp_algorithm: LpAlgorithm,
    /// Let HiGHS write its own log to standard output.
    pub solver_log: bool,
    /// Further HiGHS options by name, for experts tuning a hard instance
    /// (`presolve=off`, `ipm_optimality_tolerance=1e-6`); applied last.
    pub highs_options: Vec<(String, String)>,
    /// Called from a ticker thread about once a second while the solve runs.
    pub progress: Option<ProgressFn>,
}

impl std::fmt::Debug for SolveOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SolveOptions")
            .field("time_limit_seconds", &self.time_limit_seconds)
            .field("relative_gap", &self.relative_gap)
            .field("threads", &self.threads)
            .field("lp_algorithm", &self.lp_algorithm)
            .field("solver_log", &self.solver_log)
            .field("highs_options", &self.highs_options)
            .finish_non_exhaustive()
    }
}

/// Why no plan could be produced.
#[derive(Debug, Error)]
pub enum PlanError {
    /// The document breaks MODEL.md section 1.
    #[error(transparent)]
    Document(#[from] DocError),
    /// An option is out of range.
    #[error("{field}: {reason}")]
    Option { field: &'static str, reason: String },
    /// HiGHS failed for a reason other than the model's status.
    #[error("solver failed: {0}")]
    Solver(String),
}

/// Solves a network document to a plan (MODEL.md section 5).
///
/// The document is validated first; infeasible and unbounded documents give a
/// plan with that status, not an error.
///
/// # Errors
/// `Document` for an invalid document, `Option` for a bad option, `Solver`
/// when HiGHS itself fails.
pub fn solve(doc: &NetworkDoc, options: &SolveOptions) -> Result<Plan, PlanError> {
    check_options(options)?;
    let report = validate(doc);
    if !report.is_valid() {
        return Err(DocError::Invalid(report.errors).into());
    }
    let started = Instant::now();
    let deadline = Deadline::after(options.time_limit_seconds);
    let ticker = Ticker::start(options.progress.clone(), started);

    ticker.phase("build");
    let net = Network::resolve(doc);
    let scope = Scope::of(&net);
    let model = PlanModel::build(&net, &scope, Mode::Exact);
    let build_seconds = started.elapsed().as_secs_f64();

    ticker.phase("solve");
    let solve_started = Instant::now();
    let is_mip = model.map.integer_columns > 0;
    let run = run_highs(model, options, is_mip, deadline.remaining())?;
    let mut plan = match run.outcome {
        Outcome::Solved(values) => {
            ticker.phase("duals");
            let duals = if is_mip {
                price_fixed_integers(&net, &scope, &run.model_map, &values, options, &deadline)?
            } else {
                Some(values.row_duals.clone())
            };
            let solve_seconds = solve_started.elapsed().as_secs_f64();
            ticker.phase("extract");
            let extract_started = Instant::now();
            let mut plan = extract_plan(&net, &run.model_map, &values, duals.as_deref());
            plan.status = if values.proven {
                PlanStatus::Optimal
            } else {
                PlanStatus::Feasible
            };
            plan.stats.solve_seconds = solve_seconds;
            plan.stats.extract_seconds = extract_started.elapsed().as_secs_f64();
            plan
        }
        Outcome::Infeasible => {
            ticker.phase("conflicts");
            let mut plan = Plan::without_solution(PlanStatus::Infeasible);
            plan.conflicts = find_conflicts(&net, &scope, options, &deadline)?;
            plan.stats.solve_seconds = solve_started.elapsed().as_secs_f64();
            plan
        }
        Outcome::Unbounded => Plan::without_solution(PlanStatus::Unbounded),
        Outcome::NoSolution => Plan::without_solution(PlanStatus::NoSolution),
    };
    if plan.stats.solve_seconds == 0.0 {
        plan.stats.solve_seconds = solve_started.elapsed().as_secs_f64();
    }
    plan.stats.variables = run.model_map.columns;
    plan.stats.integer_variables = run.model_map.integer_columns;
    plan.stats.constraints = run.model_map.rows;
    plan.stats.build_seconds = build_seconds;
    Ok(plan)
}

/// A MILP's capacity prices: the duals of the LP with its setups and
/// renovation starts fixed at their solved values. `None` when the time
/// limit leaves no room for that LP.
fn price_fixed_integers(
    net: &Network,
    scope: &Scope,
    map: &ModelMap,
    values: &SolvedValues,
    options: &SolveOptions,
    deadline: &Deadline,
) -> Result<Option<Vec<f64>>, PlanError> {
    if deadline.expired() {
        return Ok(None);
    }
    let fixed = integer_values(map, &values.columns);
    let lp = PlanModel::build(net, scope, Mode::FixedIntegers(&fixed));
    Ok(
        match run_highs(lp, options, false, deadline.remaining())?.outcome {
            Outcome::Solved(lp_values) => Some(lp_values.row_duals),
            _ => None,
        },
    )
}

/// The end of a solve's time limit, shared by every HiGHS run of the solve.
pub(crate) struct Deadline(Option<Instant>);

impl Deadline {
    fn after(seconds: Option<f64>) -> Deadline {
        Deadline(seconds.map(|s| Instant::now() + Duration::from_secs_f64(s)))
    }

    /// Seconds left (at least a millisecond, so HiGHS still returns at once).
    pub fn remaining(&self) -> Option<f64> {
        self.0.map(|end| {
            end.saturating_duration_since(Instant::now())
                .as_secs_f64()
                .max(1e-3)
        })
    }

    /// Whether the limit has passed.
    pub fn expired(&self) -> bool {
        self.0.is_some_and(|end| Instant::now() >= end)
    }
}

fn check_options(options: &SolveOptions) -> Result<(), PlanError> {
    if let Some(t) = options.time_limit_seconds {
        if !(t.is_finite() && t > 0.0) {
            return Err(PlanError::Option {
                field: "time_limit",
                reason: format!("must be a positive number of seconds, got {t}"),
            });
        }
    }
    if let Some(g) = options.relative_gap {
        if !(g.is_finite() && (0.0..=1.0).contains(&g)) {
            return Err(PlanError::Option {
                field: "gap",
                reason: format!("must be between 0 and 1, got {g}"),
            });
        }
    }
    if options.threads == Some(0) {
        return Err(PlanError::Option {
            field: "threads",
            reason: "must be at least 1".into(),
        });
    }
    Ok(())
}

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

/// Runs HiGHS on a built model.
pub(crate) fn run_highs(
    model: PlanModel,
    options: &SolveOptions,
    is_mip: bool,
    time_limit: Option<f64>,
) -> Result<Run, PlanError> {
    let PlanModel { problem, map } = model;
    let mut highs_model = problem
        .try_into_inner()
        .map_err(|e| PlanError::Solver(e.to_string()))?;
    if options.solver_log {
        highs_model.set_option("output_flag", true);
        highs_model.set_option("log_to_console", true);
    } else {
        highs_model.make_quiet();
    }
    if let Some(t) = time_limit {
        highs_model.set_option("time_limit", t);
    }
    highs_model.set_option(
        "mip_rel_gap",
        options.relative_gap.unwrap_or(DEFAULT_RELATIVE_GAP),
    );
    if let Some(n) = options.threads {
        highs_model.set_option("threads", n as i32);
    }
    if !is_mip {
        highs_model.set_option("solver", options.lp_algorithm.as_str());
    }
    for (name, value) in &options.highs_options {
        set_highs_option(&mut highs_model, name, value)?;
    }
    let solved = highs_model
        .try_solve()
        .map_err(|e| PlanError::Solver(format!("{e:?}")))?;
    let has_solution = solved.primal_solution_status() == HighsSolutionStatus::Feasible;
    let outcome = match solved.status() {
        HighsModelStatus::Infeasible | HighsModelStatus::UnboundedOrInfeasible => {
            Outcome::Infeasible
        }
        HighsModelStatus::Unbounded => Outcome::Unbounded,
        HighsModelStatus::Optimal | HighsModelStatus::ModelEmpty => {
            Outcome::Solved(SolvedValues::read(&solved, is_mip, true))
        }
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

/// Sets a HiGHS option from text: HiGHS options are typed, so the value is
/// tried as a boolean, an integer, a number and finally as text.
fn set_highs_option(model: &mut highs::Model, name: &str, value: &str) -> Result<(), PlanError> {
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

/// Calls the progress callback about once a second from its own thread, so a
/// long solver call still shows signs of life.
struct Ticker {
    phase: Arc<std::sync::Mutex<&'static str>>,
    stop: Arc<AtomicBool>,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl Ticker {
    fn start(progress: Option<ProgressFn>, started: Instant) -> Ticker {
        let phase = Arc::new(std::sync::Mutex::new("build"));
        let stop = Arc::new(AtomicBool::new(false));
        let handle = progress.map(|report| {
            let (phase, stop) = (phase.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(200));
                    let elapsed = started.elapsed().as_secs_f64();
                    if elapsed.fract() < 0.2 {
                        let phase = *phase.lock().unwrap_or_else(|e| e.into_inner());
                        report(&Progress {
                            phase,
                            elapsed_seconds: elapsed,
                        });
                    }
                }
            })
        });
        Ticker {
            phase,
            stop,
            handle,
        }
    }

    fn phase(&self, name: &'static str) {
        *self.phase.lock().unwrap_or_else(|e| e.into_inner()) = name;
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

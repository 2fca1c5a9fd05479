//! Solve options and the `solve` entry point: validate, resolve, scope, build,
//! run HiGHS, and hand the solution to `extract`. For a MILP it re-solves the
//! LP with the integer decisions fixed to price the capacities; for an
//! infeasible document it asks `conflicts` which constraints are to blame.

use super::conflicts::find_conflicts;
use super::extract::{extract_plan, integer_values, RowDuals, SolvedValues};
use super::formulation::{Goals, Mode, ModelMap, PlanModel};
use super::interrupt::{run_watched, MipProgress};
use super::network::Network;
use super::objectives::solve_lexicographic;
use super::replan::{check_baseline, Baseline};
use super::scope::Scope;
use crate::model::{validate, DocError, NetworkDoc, Objective, Plan, PlanStatus};
use highs::{HighsModelStatus, HighsSolutionStatus};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use thiserror::Error;

/// Which LP algorithm HiGHS uses for a linear program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
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
///
/// The three solver figures come from HiGHS' MIP search and stay `None` for
/// a linear program (HiGHS' LP callbacks report only iteration counts). Once
/// known they keep their last value through the later phases; the objective
/// is minimised, so `bound <= best_objective` (within HiGHS' tolerances).
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// `build`, `solve`, `duals`, `conflicts` or `extract`.
    pub phase: &'static str,
    /// Seconds since the solve started (after validation).
    pub elapsed_seconds: f64,
    /// The objective of the best plan found so far.
    pub best_objective: Option<f64>,
    /// The best proven lower bound on the objective.
    pub bound: Option<f64>,
    /// Relative gap `(best_objective - bound) / |best_objective|`, as a
    /// fraction; `None` until there is a best objective.
    pub gap: Option<f64>,
}

/// A progress callback shared with the ticker thread.
pub type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// The relative MIP gap at which a solve is called optimal unless the caller
/// says otherwise. Tighter than HiGHS' own 1e-4, so that two implementations
/// of MODEL.md agree on the optimum to about six digits.
pub const DEFAULT_RELATIVE_GAP: f64 = 1e-6;

/// The most threads a caller may ask for: more is a mistake, not a wish.
pub const MAX_THREADS: u32 = 1024;

/// The threads a solve runs HiGHS with: `asked`, at most the cores this
/// process may use (HiGHS would start that many threads whatever the
/// machine), and every core when not asked.
pub fn solver_threads(asked: Option<u32>) -> u32 {
    let cores = std::thread::available_parallelism()
        .map_or(1, |n| u32::try_from(n.get()).unwrap_or(u32::MAX));
    asked.unwrap_or(cores).clamp(1, cores)
}

/// Limits and choices for one solve.
#[derive(Clone, Default)]
pub struct SolveOptions {
    /// Wall-clock limit for the solver, in seconds.
    pub time_limit_seconds: Option<f64>,
    /// Relative MIP gap at which the solve stops; [`DEFAULT_RELATIVE_GAP`]
    /// when absent.
    pub relative_gap: Option<f64>,
    /// Solver threads, at most [`MAX_THREADS`]; the solve runs with at most
    /// as many as the process has cores (see [`solver_threads`]), every
    /// core when absent.
    pub threads: Option<u32>,
    pub lp_algorithm: LpAlgorithm,
    /// Let HiGHS write its own log to standard output.
    pub solver_log: bool,
    /// Further HiGHS options by name, for experts tuning a hard instance
    /// (`presolve=off`, `ipm_optimality_tolerance=1e-6`); applied last.
    pub highs_options: Vec<(String, String)>,
    /// Called from a ticker thread about once a second while the solve runs.
    pub progress: Option<ProgressFn>,
    /// Set the flag to `true` (from any thread; `Relaxed` is enough) to stop
    /// the solve; it is never reset. It is checked before the solve starts,
    /// before each HiGHS run, between phases, and by HiGHS itself at its next
    /// simplex, IPM or MIP interrupt check (not inside presolve, crossover or
    /// a sub-MIP, so a stop can take a moment on a large model).
    ///
    /// A cancelled solve returns the best plan HiGHS has (for a MILP, its
    /// incumbent) with status `feasible` and without capacity prices; with
    /// no plan in hand it returns [`PlanError::Cancelled`]. If HiGHS had
    /// already finished, an optimal plan stays `optimal` but loses its
    /// prices, and an infeasible document gives `Cancelled` rather than a
    /// plan without its conflicts.
    pub cancel: Option<Arc<AtomicBool>>,
    /// Re-plan against this base plan: frozen fence and stability penalty.
    pub baseline: Option<Baseline>,
    /// Start a MILP's search from this plan's integer decisions, usually the
    /// base plan of a what-if scenario (see [`solve`]). A linear program
    /// ignores it: its interior point method cannot use a starting point.
    pub warm_start: Option<Arc<Plan>>,
    /// Refuse, before building, a document whose model is estimated to need
    /// more memory than this many MiB (see [`super::size`]).
    pub max_model_mb: Option<u64>,
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
            .field(
                "cancel",
                &self.cancel.as_ref().map(|c| c.load(Ordering::Relaxed)),
            )
            .field("baseline", &self.baseline)
            .field("max_model_mb", &self.max_model_mb)
            .field(
                "warm_start",
                &self.warm_start.as_ref().map(|p| (p.status, p.objective)),
            )
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
    /// The model would need more memory than [`SolveOptions::max_model_mb`].
    #[error("{0}")]
    TooLarge(String),
    /// HiGHS failed for a reason other than the model's status.
    #[error("solver failed: {0}")]
    Solver(String),
    /// [`SolveOptions::cancel`] was set before the solve had a plan to give:
    /// before it started, before HiGHS found any solution, or before the
    /// conflicts of an infeasible document were named.
    #[error("the solve was cancelled")]
    Cancelled,
}

/// Solves a network document to a plan (MODEL.md section 5).
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
    check_document(doc, options)?;
    match &doc.policy.objective {
        Objective::Cost => solve_goals(doc, options, &Goals::default()),
        Objective::Lexicographic(stages) => solve_lexicographic(doc, options, stages),
    }
}

/// Checks the options, the document and the baseline before any solve.
pub(crate) fn check_document(doc: &NetworkDoc, options: &SolveOptions) -> Result<(), PlanError> {
    check_cancel(options)?;
    check_options(options)?;
    let report = validate(doc);
    if !report.is_valid() {
        return Err(DocError::Invalid(report.errors).into());
    }
    if let Some(reason) = options
        .max_model_mb
        .and_then(|budget| super::size::over_budget(doc, budget))
    {
        return Err(PlanError::TooLarge(reason));
    }
    check_baseline(doc, options.baseline.as_ref())
}

/// One solve of a checked document, minimising `goals.minimise` with
/// `goals.limits` held.
pub(crate) fn solve_goals(
    doc: &NetworkDoc,
    options: &SolveOptions,
    goals: &Goals,
) -> Result<Plan, PlanError> {
    let started = Instant::now();
    let deadline = Deadline::after(options.time_limit_seconds);
    let ticker = Ticker::start(options.progress.clone(), started);

    ticker.phase("build");
    let net = Network::resolve(doc);
    let scope = Scope::of(&net);
    let model = PlanModel::build_goals(&net, &scope, Mode::Exact, options.baseline.as_ref(), goals);
    let build_seconds = started.elapsed().as_secs_f64();

    ticker.phase("solve");
    let solve_started = Instant::now();
    let is_mip = model.map.integer_columns > 0;
    let start = match &options.warm_start {
        Some(plan) if is_mip && plan.status.has_solution() => mip_start(&net, &model.map, plan),
        _ if is_mip => setups_everywhere(&net, &model.map),
        _ => Vec::new(),
    };
    let run = run_highs_reporting(
        model,
        options,
        is_mip,
        deadline.remaining(),
        ticker.mip(),
        &start,
    )?;
    let mut plan = match run.outcome {
        Outcome::Solved(values) => {
            ticker.phase("duals");
            let fixed_lp = if is_mip {
                price_fixed_integers(
                    &net,
                    &scope,
                    &run.model_map,
                    &values,
                    options,
                    goals,
                    &deadline,
                )?
            } else {
                None
            };
            let duals = if is_mip {
                // Read through the fixed LP's own map: its rows are not the
                // MILP's (see `RowDuals`).
                fixed_lp
                    .as_ref()
                    .map(|(map, duals)| RowDuals { map, duals })
            } else if !values.proven && is_cancelled(options) {
                // The duals of an LP stopped mid-way price nothing.
                None
            } else {
                Some(RowDuals {
                    map: &run.model_map,
                    duals: &values.row_duals,
                })
            };
            let solve_seconds = solve_started.elapsed().as_secs_f64();
            ticker.phase("extract");
            let extract_started = Instant::now();
            let mut plan = extract_plan(&net, &run.model_map, &values, duals);
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
            // An infeasible plan promises conflicts; a cancelled search for
            // them (before or during) has none to name, so it is no plan.
            check_cancel(options)?;
            ticker.phase("conflicts");
            let mut plan = Plan::without_solution(PlanStatus::Infeasible);
            plan.conflicts = find_conflicts(&net, &scope, options, &deadline)?;
            check_cancel(options)?;
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
    plan.stats.threads = solver_threads(options.threads);
    Ok(plan)
}

/// A MIP start from `plan` for the model of `map`, as (column, value): every
/// setup `y[o,t]` (1 where the plan makes something with `o` in `t` and the
/// line has capacity in `t` now, else 0) and every renovation start `z[r,t]`
/// (1 in the period the plan starts `r`, else 0).
///
/// A renovation the plan does not have, or whose planned start (or skipping,
/// for an optional one) the model no longer allows, is left out; HiGHS then
/// completes the start with a short search of its own. Continuous decisions
/// are left out too: HiGHS recomputes them for the fixed integers anyway,
/// since the plan's own quantities rarely fit a changed document.
fn mip_start(net: &Network, map: &ModelMap, plan: &Plan) -> Vec<(usize, f64)> {
    let made: HashSet<(&str, usize)> = plan
        .production
        .iter()
        .filter(|p| p.qty > 0.0)
        .map(|p| (p.operation.as_str(), p.period as usize))
        .collect();
    let mut start = setup_start(net, map, |o, t| {
        made.contains(&(net.operations[o].id.as_str(), t))
    });
    for (r, rd) in net.renovations.iter().enumerate() {
        let Some(planned) = plan.renovations.iter().find(|p| p.id == rd.doc.id) else {
            continue;
        };
        let columns = &map.start[r];
        let usable = match planned.start {
            Some(s) => columns.iter().any(|(t, _)| *t == s as usize),
            None => rd.doc.optional,
        };
        if usable {
            for (t, z) in columns {
                let on = planned.start == Some(*t as u32);
                start.push((z.col, if on { 1.0 } else { 0.0 }));
            }
        }
    }
    start
}

/// A MIP start for a model without a plan to start from: every setup
/// `y[o,t]` at 1 where the line has capacity in `t`, so that every operation
/// may make what it likes in every period. HiGHS completes it with one linear
/// program over the continuous decisions; where that plan meets demand it
/// gives the search an incumbent from the start, which HiGHS' own heuristics
/// can take long to find when setup times make capacity tight (the
/// Tempelmeier-Derstroff class D instances). Where it does not (setup times
/// alone fill a period, a stock maximum overflows), HiGHS drops the start.
///
/// Empty when the model has renovation starts: leaving them out would make
/// HiGHS complete the start with a search of its own rather than one linear
/// program, which on a large programme costs more than the start is worth.
fn setups_everywhere(net: &Network, map: &ModelMap) -> Vec<(usize, f64)> {
    if map.start.iter().any(|columns| !columns.is_empty()) {
        return Vec::new();
    }
    setup_start(net, map, |_, _| true)
}

/// Every setup column `y[o,t]` of `map` with its start value: 1 where
/// `wanted(o, t)` and the line has capacity in `t`, else 0.
fn setup_start(
    net: &Network,
    map: &ModelMap,
    wanted: impl Fn(usize, usize) -> bool,
) -> Vec<(usize, f64)> {
    let mut start = Vec::new();
    for (o, op) in net.operations.iter().enumerate() {
        let capacity = &net.lines[op.line].capacity;
        for (t, y) in map.setup[o].iter().enumerate() {
            let Some(y) = y else { continue };
            let on = wanted(o, t) && capacity[t] > 0.0;
            start.push((y.col, if on { 1.0 } else { 0.0 }));
        }
    }
    start
}

/// A MILP's capacity prices: the row duals of the LP with its setups and
/// renovation starts fixed at their solved values, with that LP's map (its
/// rows are numbered differently from the MILP's `map`). `None` when the
/// time limit leaves no room for that LP, or the solve is cancelled: the
/// MILP's plan is worth returning without its prices.
fn price_fixed_integers(
    net: &Network,
    scope: &Scope,
    map: &ModelMap,
    values: &SolvedValues,
    options: &SolveOptions,
    goals: &Goals,
    deadline: &Deadline,
) -> Result<Option<(ModelMap, Vec<f64>)>, PlanError> {
    if deadline.expired() || is_cancelled(options) {
        return Ok(None);
    }
    let fixed = integer_values(map, &values.columns);
    let lp = PlanModel::build_goals(
        net,
        scope,
        Mode::FixedIntegers(&fixed),
        options.baseline.as_ref(),
        goals,
    );
    match run_highs(lp, options, false, deadline.remaining()) {
        Ok(Run {
            outcome: Outcome::Solved(lp_values),
            model_map,
        }) => Ok(Some((model_map, lp_values.row_duals))),
        Ok(_) | Err(PlanError::Cancelled) => Ok(None),
        Err(e) => Err(e),
    }
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

/// Whether the caller has asked the solve to stop.
fn is_cancelled(options: &SolveOptions) -> bool {
    options
        .cancel
        .as_ref()
        .is_some_and(|c| c.load(Ordering::Relaxed))
}

/// `Err(Cancelled)` once the caller has asked the solve to stop.
fn check_cancel(options: &SolveOptions) -> Result<(), PlanError> {
    if is_cancelled(options) {
        return Err(PlanError::Cancelled);
    }
    Ok(())
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
    if let Some(n) = options.threads {
        if !(1..=MAX_THREADS).contains(&n) {
            return Err(PlanError::Option {
                field: "threads",
                reason: format!("must be between 1 and {MAX_THREADS}, got {n}"),
            });
        }
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
fn run_highs_reporting(
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
    // Always set, so that every run on a thread asks its scheduler for the
    // same count unless the caller asks otherwise (see `run_watched`).
    let threads = solver_threads(options.threads);
    let threads = i32::try_from(threads).unwrap_or(1);
    highs_model.set_option("threads", threads);
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
    // Read as a number: the binding's typed accessor panics on a status
    // outside its enum, which HiGHS reports when it returns before solving.
    let has_solution = solved
        .int_info_value(c"primal_solution_status")
        .ok()
        .and_then(|v| HighsSolutionStatus::try_from(v as highs_sys::HighsInt).ok())
        == Some(HighsSolutionStatus::Feasible);
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

/// Calls the progress callback about once a second from its own thread, so a
/// long solver call still shows signs of life.
struct Ticker {
    phase: Arc<std::sync::Mutex<&'static str>>,
    /// Where HiGHS' MIP callbacks leave the incumbent and bound; only when
    /// someone listens, so an unwatched solve installs no progress callback.
    mip: Option<Arc<MipProgress>>,
    stop: Arc<AtomicBool>,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl Ticker {
    fn start(progress: Option<ProgressFn>, started: Instant) -> Ticker {
        let phase = Arc::new(std::sync::Mutex::new("build"));
        let mip = progress.as_ref().map(|_| Arc::new(MipProgress::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let handle = progress.map(|report| {
            let (phase, mip, stop) = (phase.clone(), mip.clone(), stop.clone());
            std::thread::spawn(move || {
                // Whole seconds already reported: polling every 200 ms and
                // reporting on each new second never skips one.
                let mut reported = 0;
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(200));
                    let elapsed = started.elapsed().as_secs_f64();
                    let second = elapsed as u64;
                    if second > reported {
                        reported = second;
                        let phase = *phase.lock().unwrap_or_else(|e| e.into_inner());
                        let mip = mip.as_ref().map(|m| m.snapshot()).unwrap_or_default();
                        report(&Progress {
                            phase,
                            elapsed_seconds: elapsed,
                            best_objective: mip.best_objective,
                            bound: mip.bound,
                            gap: mip.gap,
                        });
                    }
                }
            })
        });
        Ticker {
            phase,
            mip,
            stop,
            handle,
        }
    }

    /// The MIP progress for the main solve to fill, if anyone listens.
    fn mip(&self) -> Option<&Arc<MipProgress>> {
        self.mip.as_ref()
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

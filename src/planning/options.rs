//! The limits and choices of one solve ([`SolveOptions`]), their checks, the
//! deadline every solver run of a solve shares, and the caller's cancel flag.

use super::error::PlanError;
use super::progress::ProgressFn;
use super::replan::Baseline;
use crate::model::Plan;
use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Which LP algorithm HiGHS uses for a linear program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LpAlgorithm {
    /// By the model's shape, as measured (`docs/performance.md`): dual
    /// simplex for chains whose lanes each carry one item without a
    /// capacity, up to [`SIMPLEX_SITES`] sites (Willems' chains up to
    /// chain 34: 2.5 to 7 times faster than interior point); interior point
    /// otherwise (generated chains, with capacitated multi-item lanes: 5
    /// times faster than simplex; and Willems' chain 38).
    #[default]
    Auto,
    /// Interior point with crossover: on large chain LPs about three times
    /// faster than simplex, and crossover still gives a basis for the duals.
    Ipm,
    /// Dual simplex.
    Simplex,
    /// HiGHS decides.
    Choose,
}

/// The most sites of a chain `LpAlgorithm::Auto` solves by simplex: between
/// Willems' chain 34 (1,206 stages, simplex 6.9 times faster) and chain 38
/// (2,025 stages, simplex not finished in 550 s where interior point took
/// 652 s).
pub const SIMPLEX_SITES: usize = 1_500;

impl LpAlgorithm {
    /// The algorithm HiGHS runs for `doc`: `Auto` resolved by its shape,
    /// any other as asked.
    pub fn for_document(self, doc: &crate::model::NetworkDoc) -> LpAlgorithm {
        if self != LpAlgorithm::Auto {
            return self;
        }
        let simple_lanes = doc
            .lanes
            .iter()
            .all(|e| e.items.len() <= 1 && e.capacity.is_none());
        if simple_lanes && doc.sites.len() <= SIMPLEX_SITES {
            LpAlgorithm::Simplex
        } else {
            LpAlgorithm::Ipm
        }
    }

    /// HiGHS' name of the algorithm: `Auto` not resolved by
    /// [`LpAlgorithm::for_document`] runs interior point.
    pub(crate) fn highs_solver(self) -> &'static str {
        match self {
            LpAlgorithm::Auto => LpAlgorithm::Ipm.as_str(),
            other => other.as_str(),
        }
    }

    /// The name `FromStr` and the command line use.
    pub fn as_str(self) -> &'static str {
        match self {
            LpAlgorithm::Auto => "auto",
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
            "auto" => Ok(LpAlgorithm::Auto),
            "ipm" => Ok(LpAlgorithm::Ipm),
            "simplex" => Ok(LpAlgorithm::Simplex),
            "choose" => Ok(LpAlgorithm::Choose),
            other => Err(format!(
                "unknown LP algorithm \"{other}\" (auto, ipm, simplex or choose)"
            )),
        }
    }
}

/// How a solve gets its plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    /// The exact strategy for small models and solves without a time
    /// limit; with a time limit, a large linear program gets the fast plan
    /// first and the exact solve in the time left, which replaces it when
    /// it finishes (see `strategy`).
    #[default]
    Auto,
    /// HiGHS on the whole LP/MILP to its proven optimum, or the best plan
    /// within the time limit.
    Exact,
    /// A first-order method's plan, repaired to feasibility, with a valid
    /// bound (see `fast`); a MILP is solved exactly.
    Fast,
    /// A re-plan of the part of the chain its cause can reach, the rest
    /// held at the base plan, widened until the duals prove the plan the
    /// exact re-plan's optimum (see `repair`). Needs a baseline.
    Repair,
    /// Relax-and-fix over overlapping time windows: each window's LP with
    /// the periods before it held and those after it empty, for chains
    /// whose exact solve grows much faster than the horizon; a valid bound
    /// from the windows' duals (see `windows`). A linear program without a
    /// base plan; a MILP is solved exactly.
    Windows,
}

impl Strategy {
    /// The name `FromStr`, the CLI and the plan's `stats` use.
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::Auto => "auto",
            Strategy::Exact => "exact",
            Strategy::Fast => "fast",
            Strategy::Repair => "repair",
            Strategy::Windows => "windows",
        }
    }
}

impl std::str::FromStr for Strategy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(Strategy::Auto),
            "exact" => Ok(Strategy::Exact),
            "fast" => Ok(Strategy::Fast),
            "repair" => Ok(Strategy::Repair),
            "windows" => Ok(Strategy::Windows),
            other => Err(format!(
                "unknown strategy \"{other}\" (auto, exact, fast, repair or windows)"
            )),
        }
    }
}

/// The relative MIP gap at which a solve is called optimal unless the caller
/// says otherwise. Tighter than HiGHS' own 1e-4, so that two implementations
/// of docs/model.md agree on the optimum to about six digits.
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
    /// How the plan is made.
    pub strategy: Strategy,
    /// When the caller must have its answer, its deadline less the time to
    /// send it: a solve takes at most the time left until then, whatever
    /// `time_limit_seconds` says, and a batch of solves (`solve_batch`, the
    /// criticality sweep) starts no scenario after it.
    pub ends_by: Option<Instant>,
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
            .field("strategy", &self.strategy)
            .field("ends_by", &self.ends_by)
            .field(
                "warm_start",
                &self.warm_start.as_ref().map(|p| (p.status, p.objective)),
            )
            .finish_non_exhaustive()
    }
}

impl SolveOptions {
    /// The options with `time_limit_seconds` cut to the time left until
    /// `ends_by` (a millisecond at least, so that a late solve still says
    /// how long its first plan needs rather than failing); borrowed as they
    /// are without `ends_by`, since a re-plan's options carry its base plan.
    pub(crate) fn within_ends_by(&self) -> Cow<'_, SolveOptions> {
        let Some(end) = self.ends_by else {
            return Cow::Borrowed(self);
        };
        let left = end
            .saturating_duration_since(Instant::now())
            .as_secs_f64()
            .max(1e-3);
        let mut options = self.clone();
        options.time_limit_seconds = match self.time_limit_seconds {
            // A limit out of range is left for `check_options` to refuse.
            Some(t) if !(t.is_finite() && t > 0.0) => Some(t),
            Some(t) => Some(t.min(left)),
            None => Some(left),
        };
        Cow::Owned(options)
    }

    /// Whether `ends_by` has passed.
    pub(crate) fn past_ends_by(&self) -> bool {
        self.ends_by.is_some_and(|end| Instant::now() >= end)
    }
}

/// The end of a solve's time limit, shared by every HiGHS run of the solve.
pub(crate) struct Deadline(Option<Instant>);

impl Deadline {
    pub(crate) fn after(seconds: Option<f64>) -> Deadline {
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
pub(crate) fn is_cancelled(options: &SolveOptions) -> bool {
    options
        .cancel
        .as_ref()
        .is_some_and(|c| c.load(Ordering::Relaxed))
}

/// `Err(Cancelled)` once the caller has asked the solve to stop.
pub(crate) fn check_cancel(options: &SolveOptions) -> Result<(), PlanError> {
    if is_cancelled(options) {
        return Err(PlanError::Cancelled);
    }
    Ok(())
}

pub(crate) fn check_options(options: &SolveOptions) -> Result<(), PlanError> {
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
    if options.strategy == Strategy::Repair && options.baseline.is_none() {
        return Err(PlanError::Option {
            field: "strategy",
            reason:
                "repair re-plans against a base plan; a solve without one has nothing to repair"
                    .into(),
        });
    }
    if options.strategy == Strategy::Windows && options.baseline.is_some() {
        return Err(PlanError::Option {
            field: "strategy",
            reason: "windows plans without a base plan; a re-plan is repaired or solved exactly"
                .into(),
        });
    }
    Ok(())
}

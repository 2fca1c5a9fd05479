//! What a running solve reports, and the ticker thread that reports it
//! about once a second while the solver holds the solve's own thread.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The phases of a solve, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Phase {
    /// Building the LP/MILP from the document.
    #[default]
    Build,
    /// The solver at work.
    Solve,
    /// A MILP's capacity prices: the LP with its integers fixed.
    Duals,
    /// Naming the constraints of an infeasible document.
    Conflicts,
    /// Reading the solution back into the plan.
    Extract,
}

impl Phase {
    /// Every phase, in order.
    pub const ALL: [Phase; 5] = [
        Phase::Build,
        Phase::Solve,
        Phase::Duals,
        Phase::Conflicts,
        Phase::Extract,
    ];

    /// The phase's name: `build`, `solve`, `duals`, `conflicts`, `extract`.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Build => "build",
            Phase::Solve => "solve",
            Phase::Duals => "duals",
            Phase::Conflicts => "conflicts",
            Phase::Extract => "extract",
        }
    }

    /// The phase of a name given by [`Phase::as_str`].
    pub fn from_name(name: &str) -> Option<Phase> {
        Phase::ALL.into_iter().find(|p| p.as_str() == name)
    }
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
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
    /// Where the solve is.
    pub phase: Phase,
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

/// What HiGHS last said about a MILP search, all in the model's objective
/// (a minimisation, so `bound <= best_objective`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct MipSnapshot {
    /// The incumbent's objective; `None` before the first solution.
    pub best_objective: Option<f64>,
    /// The dual (lower) bound; `None` before the root LP gives one.
    pub bound: Option<f64>,
    /// `(best - bound) / |best|`; `None` without an incumbent.
    pub gap: Option<f64>,
}

/// A [`MipSnapshot`] that HiGHS' callbacks write and the progress ticker
/// reads. One lock rather than three atomics, so a reader never sees a
/// bound from one report next to a gap from another.
#[derive(Debug, Default)]
pub(crate) struct MipProgress(Mutex<MipSnapshot>);

impl MipProgress {
    /// The latest values.
    pub fn snapshot(&self) -> MipSnapshot {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes the finite values of one MIP report. HiGHS fills the fields
    /// it has nothing for with infinities (and a gap of -1), which would only
    /// hide the last good value, so those are skipped.
    pub fn record(&self, objective: f64, bound: f64, gap: f64) {
        let mut s = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if objective.is_finite() {
            s.best_objective = Some(objective);
        }
        if bound.is_finite() {
            s.bound = Some(bound);
        }
        if gap.is_finite() && gap >= 0.0 {
            s.gap = Some(gap);
        }
    }
}

/// A progress callback shared with the ticker thread.
pub type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// Calls the progress callback about once a second from its own thread, so a
/// long solver call still shows signs of life.
pub(crate) struct Ticker {
    phase: Arc<std::sync::Mutex<Phase>>,
    /// Where HiGHS' MIP callbacks leave the incumbent and bound; only when
    /// someone listens, so an unwatched solve installs no progress callback.
    mip: Option<Arc<MipProgress>>,
    stop: Arc<AtomicBool>,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl Ticker {
    pub(crate) fn start(progress: Option<ProgressFn>, started: Instant) -> Ticker {
        let phase = Arc::new(std::sync::Mutex::new(Phase::Build));
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
    pub(crate) fn mip(&self) -> Option<&Arc<MipProgress>> {
        self.mip.as_ref()
    }

    pub(crate) fn phase(&self, phase: Phase) {
        *self.phase.lock().unwrap_or_else(|e| e.into_inner()) = phase;
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

/// Tells a watcher at once that a strategy has a better plan (a fast
/// round's, a repair region's), with its figures, rather than at the next
/// tick of what runs after it.
pub(crate) fn announce(progress: Option<&ProgressFn>, plan: &crate::model::Plan, started: Instant) {
    if let Some(report) = progress {
        report(&Progress {
            phase: Phase::Solve,
            elapsed_seconds: started.elapsed().as_secs_f64(),
            best_objective: plan.objective,
            bound: plan.bound,
            gap: plan.gap,
        });
    }
}

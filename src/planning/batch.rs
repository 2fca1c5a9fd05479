//! Solving many what-if scenarios of one base document at once: each
//! scenario's changes applied as an overlay (`model::scenario`), then solved
//! on a bounded set of worker threads, results in the order asked.
//!
//! The base document is only read; each scenario gets its own changed copy.
//! Plain `std::thread::scope` threads: no tokio, like the rest of the core.

use super::error::PlanError;
use super::options::SolveOptions;
use super::progress::Progress;
use super::solve::solve;
use crate::model::scenario::{apply_changes, ScenarioChange};
use crate::model::{NetworkDoc, Plan, PlanStatus, Problem};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use thiserror::Error;

/// Why a scenario of a batch has no plan.
#[derive(Debug, Error)]
pub enum BatchError {
    /// The scenario's changes do not apply to the base document; every
    /// problem with its path (`changes[2].periods.last: ...`).
    #[error("invalid scenario: {}", join(.0))]
    Changes(Vec<Problem>),
    /// The changed document could not be solved.
    #[error(transparent)]
    Solve(#[from] PlanError),
    /// The batch's [`SolveOptions::ends_by`] passed before a worker was
    /// free to take the scenario up.
    #[error("not solved: the deadline passed before a worker was free")]
    NotStarted,
}

fn join(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(Problem::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// One scenario's answer: the changed document and its plan, or why there
/// is none.
pub type ScenarioResult = Result<(NetworkDoc, Plan), BatchError>;

/// Where one scenario of a batch is.
#[derive(Debug, Clone, PartialEq)]
pub enum ScenarioProgress {
    /// A worker has taken the scenario up.
    Started,
    /// The solver's report, about once a second while it runs.
    Solving(Progress),
    /// Solved, to a plan of this status.
    Solved(PlanStatus),
    /// No plan: invalid changes or a failed solve (the result says why).
    Failed,
}

/// Applies each scenario's changes to `base` and solves the changed
/// documents, `workers` at a time (at least 1, at most the machine's cores
/// and the number of scenarios), each with `options`.
///
/// Results come back in the order of `scenarios`, each with its name and
/// either the changed document and its plan or why there is none. A
/// scenario whose changes do not apply gives [`BatchError::Changes`]; the
/// others still solve. `base` is never changed.
///
/// `progress` is called with the scenario's name, from the calling thread
/// only (so it needs no locking of its own): when a worker starts it, about
/// once a second while it solves (this replaces `options.progress`), and
/// when it ends. `options.cancel` stops every solve of the batch.
///
/// With [`SolveOptions::ends_by`], the batch answers by then: each solve
/// gets at most the time left (and so the best plan it has by then, as a
/// single solve under its time limit), and a scenario no worker was free
/// for before it gives [`BatchError::NotStarted`].
///
/// Set `options.warm_start` to the base plan so that each MILP scenario
/// starts from the base plan's setups and renovation dates: under a time
/// limit its first incumbent is then about as good as the base plan, where
/// a cold search may still be far off. It does not shorten a solve run to
/// proven optimality, and a linear program ignores it.
pub fn solve_batch(
    base: &NetworkDoc,
    scenarios: &[(String, Vec<ScenarioChange>)],
    options: &SolveOptions,
    workers: usize,
    progress: impl Fn(&str, ScenarioProgress) + Sync,
) -> Vec<(String, ScenarioResult)> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let workers = workers.clamp(1, cores).min(scenarios.len().max(1));
    let next = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<ScenarioResult>>> =
        scenarios.iter().map(|_| Mutex::new(None)).collect();
    let (report, reports) = mpsc::channel::<(usize, ScenarioProgress)>();

    std::thread::scope(|scope| {
        for _ in 0..workers {
            let report = report.clone();
            let (next, results) = (&next, &results);
            scope.spawn(move || loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                let Some((_, changes)) = scenarios.get(k) else {
                    break;
                };
                if options.past_ends_by() {
                    *results[k].lock().unwrap_or_else(|e| e.into_inner()) =
                        Some(Err(BatchError::NotStarted));
                    let _ = report.send((k, ScenarioProgress::Failed));
                    continue;
                }
                let _ = report.send((k, ScenarioProgress::Started));
                let mut own = options.clone();
                // The solver's ticker needs a 'static callback; the channel
                // carries its reports to the calling thread.
                let ticks = report.clone();
                own.progress = Some(Arc::new(move |p: &Progress| {
                    let _ = ticks.send((k, ScenarioProgress::Solving(p.clone())));
                }));
                let result = solve_one(base, changes, &own);
                let end = match &result {
                    Ok((_, plan)) => ScenarioProgress::Solved(plan.status),
                    Err(_) => ScenarioProgress::Failed,
                };
                *results[k].lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
                let _ = report.send((k, end));
            });
        }
        // Only the workers' senders keep the channel open now, so the loop
        // ends when the last worker is done.
        drop(report);
        for (k, event) in reports {
            progress(&scenarios[k].0, event);
        }
    });

    scenarios
        .iter()
        .zip(results)
        .map(|((name, _), slot)| {
            let result = slot
                .into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .expect("every scenario is taken up by a worker");
            (name.clone(), result)
        })
        .collect()
}

fn solve_one(
    base: &NetworkDoc,
    changes: &[ScenarioChange],
    options: &SolveOptions,
) -> ScenarioResult {
    let doc = apply_changes(base, changes).map_err(BatchError::Changes)?;
    let plan = solve(&doc, options)?;
    Ok((doc, plan))
}

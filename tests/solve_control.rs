//! Controlling a running solve: the cancel flag of `SolveOptions` and the
//! MIP figures of `Progress`. The MILP is a generated chain with setups and
//! renovations whose default 1e-6 gap takes HiGHS minutes to prove, so a
//! cancelled solve cannot have finished on its own. Tests wait on events
//! (progress reports), never on the clock.

use chainplan::import::generate::{generate, GeneratorSpec};
use chainplan::model::{NetworkDoc, PlanStatus};
use chainplan::planning::{solve, LpAlgorithm, Phase, PlanError, Progress, SolveOptions};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a test waits for a progress report before cancelling anyway, so
/// a broken report fails an assertion instead of hanging the test.
const PATIENCE: Duration = Duration::from_secs(120);

/// A MILP of about 11 000 columns (1 000 binaries): an incumbent within
/// seconds, a proof of optimality only after minutes.
fn hard_milp() -> NetworkDoc {
    generate(&GeneratorSpec {
        suppliers: 40,
        items_per_tier: 2,
        periods: 26,
        customers: 3,
        seed: 1,
        setups: true,
        renovations: 4,
        ..GeneratorSpec::default()
    })
}

/// An LP (no setups, no renovations) that HiGHS needs tens of seconds for.
fn big_lp() -> NetworkDoc {
    generate(&GeneratorSpec {
        suppliers: 135,
        items_per_tier: 8,
        periods: 26,
        customers: 14,
        seed: 1,
        ..GeneratorSpec::default()
    })
}

/// A MILP HiGHS proves optimal in well under a second.
fn small_milp() -> NetworkDoc {
    generate(&GeneratorSpec {
        periods: 8,
        seed: 3,
        setups: true,
        renovations: 1,
        ..GeneratorSpec::default()
    })
}

/// Options whose progress callback keeps every report and sends `true` on
/// `ready` at the first report that `cancel_when` accepts; a thread sets the
/// cancel flag on that signal (or after [`PATIENCE`]).
fn cancelling_options(
    cancel_when: impl Fn(&Progress) -> bool + Send + Sync + 'static,
) -> (
    SolveOptions,
    Arc<Mutex<Vec<Progress>>>,
    std::thread::JoinHandle<()>,
) {
    let cancel = Arc::new(AtomicBool::new(false));
    let reports = Arc::new(Mutex::new(Vec::new()));
    let (ready, signal) = mpsc::channel::<()>();
    let ready = Mutex::new(Some(ready));
    let seen = reports.clone();
    let options = SolveOptions {
        cancel: Some(cancel.clone()),
        progress: Some(Arc::new(move |p: &Progress| {
            seen.lock().unwrap().push(p.clone());
            if cancel_when(p) {
                if let Some(ready) = ready.lock().unwrap().take() {
                    let _ = ready.send(());
                }
            }
        })),
        ..SolveOptions::default()
    };
    let canceller = std::thread::spawn(move || {
        let _ = signal.recv_timeout(PATIENCE);
        cancel.store(true, Ordering::Relaxed);
    });
    (options, reports, canceller)
}

#[test]
fn a_solve_cancelled_before_it_starts_returns_cancelled() {
    let called = Arc::new(AtomicBool::new(false));
    let flag = called.clone();
    let options = SolveOptions {
        cancel: Some(Arc::new(AtomicBool::new(true))),
        progress: Some(Arc::new(move |_: &Progress| {
            flag.store(true, Ordering::Relaxed)
        })),
        ..SolveOptions::default()
    };
    let result = solve(&hard_milp(), &options);
    assert!(
        matches!(result, Err(PlanError::Cancelled)),
        "expected Cancelled, got {result:?}"
    );
    assert!(!called.load(Ordering::Relaxed), "no phase should have run");
}

#[test]
fn a_milp_cancelled_while_solving_stops_with_its_incumbent_or_cancelled() {
    let (options, reports, canceller) = cancelling_options(|p| p.phase == Phase::Solve);
    let result = solve(&hard_milp(), &options);
    canceller.join().unwrap();
    let reports = reports.lock().unwrap();
    assert!(
        reports.iter().any(|p| p.phase == Phase::Solve),
        "progress never reported the solve phase: {reports:?}"
    );
    match result {
        Ok(plan) => {
            eprintln!("cancelled with an incumbent: {:?}", plan.objective);
            assert_eq!(plan.status, PlanStatus::Feasible, "{:?}", plan.stats);
            assert!(plan.objective.is_some());
        }
        Err(PlanError::Cancelled) => eprintln!("cancelled without an incumbent"),
        Err(other) => panic!("expected a feasible plan or Cancelled, got {other}"),
    }
}

/// Cancels an LP once it is in the solve phase: HiGHS stops at its next
/// simplex or IPM iteration, with no solution to return.
fn cancel_lp_while_solving(algorithm: LpAlgorithm) {
    let (mut options, reports, canceller) = cancelling_options(|p| p.phase == Phase::Solve);
    options.lp_algorithm = algorithm;
    let result = solve(&big_lp(), &options);
    canceller.join().unwrap();
    let reports = reports.lock().unwrap();
    assert!(
        reports.iter().any(|p| p.phase == Phase::Solve),
        "{reports:?}"
    );
    assert!(
        reports
            .iter()
            .all(|p| p.best_objective.is_none() && p.bound.is_none()),
        "an LP reports no MIP figures: {reports:?}"
    );
    match result {
        Err(PlanError::Cancelled) => eprintln!("{algorithm:?}: cancelled"),
        // An interrupted simplex may still hold a primal feasible point.
        Ok(plan) => {
            eprintln!("{algorithm:?}: cancelled with {:?}", plan.objective);
            assert_eq!(plan.status, PlanStatus::Feasible, "{:?}", plan.stats);
        }
        Err(other) => panic!("expected Cancelled, got {other}"),
    }
}

#[test]
fn an_lp_cancelled_during_ipm_stops() {
    cancel_lp_while_solving(LpAlgorithm::Ipm);
}

#[test]
fn an_lp_cancelled_during_simplex_stops() {
    cancel_lp_while_solving(LpAlgorithm::Simplex);
}

#[test]
fn milp_progress_reports_an_incumbent_and_a_bound_below_it() {
    let (options, reports, canceller) =
        cancelling_options(|p| p.best_objective.is_some() && p.bound.is_some());
    let result = solve(&hard_milp(), &options);
    canceller.join().unwrap();
    let reports = reports.lock().unwrap();
    let first = reports
        .iter()
        .find(|p| p.best_objective.is_some() && p.bound.is_some())
        .unwrap_or_else(|| panic!("no report with an incumbent and a bound: {reports:?}"));
    let (best, bound) = (first.best_objective.unwrap(), first.bound.unwrap());
    let tolerance = 1e-6 * best.abs().max(1.0);
    assert!(bound <= best + tolerance, "bound {bound} above best {best}");
    let gap = first.gap.expect("a gap with an incumbent");
    assert!(gap >= 0.0, "gap {gap}");
    for p in reports.iter() {
        if let (Some(best), Some(bound)) = (p.best_objective, p.bound) {
            assert!(bound <= best + 1e-6 * best.abs().max(1.0), "{p:?}");
        }
    }
    // Cancelled with an incumbent in hand: the plan is that incumbent (or
    // a better one found before HiGHS saw the flag).
    let plan = result.expect("a cancelled solve with an incumbent gives a plan");
    assert_eq!(plan.status, PlanStatus::Feasible);
    let objective = plan.objective.expect("objective");
    assert!(
        objective <= best + tolerance,
        "plan {objective} worse than reported {best}"
    );
}

#[test]
fn an_unset_cancel_flag_and_progress_leave_the_optimum_unchanged() {
    let doc = small_milp();
    let plain = solve(&doc, &SolveOptions::default()).expect("solves");
    let watched = solve(
        &doc,
        &SolveOptions {
            cancel: Some(Arc::new(AtomicBool::new(false))),
            progress: Some(Arc::new(|_: &Progress| {})),
            ..SolveOptions::default()
        },
    )
    .expect("solves");
    assert_eq!(plain.status, PlanStatus::Optimal);
    assert_eq!(watched.status, PlanStatus::Optimal);
    assert!(plain.stats.integer_variables > 0, "the document is a MILP");
    let (a, b) = (plain.objective.unwrap(), watched.objective.unwrap());
    assert!((a - b).abs() <= 1e-6 * a.abs().max(1.0), "{a} vs {b}");
    assert_eq!(plain.bottlenecks, watched.bottlenecks);
}

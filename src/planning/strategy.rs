//! Which strategy solves one stage of a plan (the document's cost, or one
//! goal of a lexicographic order), and the anytime order of `fast` and
//! `auto`.
//!
//! - `exact`: HiGHS on the whole model.
//! - `fast`: rounds of the fast strategy at tighter and tighter first-order
//!   tolerances until the deadline or the gap asked for, keeping the best
//!   plan and the best bound of any round; a MILP is solved exactly.
//! - `repair`: a re-plan of the part of the chain its cause can reach
//!   (`repair`).
//! - `windows`: relax-and-fix over overlapping time windows (`windows`).
//! - `auto`: a re-plan of a linear program whose cause reaches less than
//!   the whole chain by repair, when the exact re-plan is not expected to
//!   fit; otherwise exact when the exact solve is
//!   expected to fit well within the time limit (or there is none);
//!   otherwise a first plan by the chain's shape (time windows, or fast
//!   rounds; fast rounds too when the windows give nothing), then the
//!   exact solve as soon as it is expected to fit in the time left, which
//!   replaces the first plan when it finishes with a better one.

use super::error::PlanError;
use super::exact::solve_goals;
use super::fast::{relative_gap, solve_fast, solve_from_baseline, Round, ROUND_TOLERANCES};
use super::formulation::Goals;
use super::options::{Deadline, SolveOptions, Strategy, DEFAULT_RELATIVE_GAP};
use super::progress::{announce, Progress, ProgressFn};
use super::repair::{solve_repair, worth_repairing};
use super::windows::{solve_windows, WindowShape};
use crate::model::validate::period_indexed_elements;
use crate::model::{NetworkDoc, Plan, PlanStatus};
use std::sync::Arc;
use std::time::Instant;

/// The expected seconds of an exact (interior point) solve of a linear
/// program with this many period-indexed elements on the two-core
/// development machine: cubic in the size, through the solve of the
/// 150-supplier generated chain (146,718 elements, 79 s). Within 20 % of
/// the measured time from 90,000 to 260,000 elements (`docs/performance.md`).
pub fn expected_exact_seconds(elements: u64) -> f64 {
    const REFERENCE_ELEMENTS: f64 = 146_718.0;
    const REFERENCE_SECONDS: f64 = 79.0;
    REFERENCE_SECONDS * (elements as f64 / REFERENCE_ELEMENTS).powi(3)
}

/// The expected seconds to a first plan of a linear program with this many
/// period-indexed elements on the two-core development machine: the faster
/// of the exact solve and the fast strategy's first round, which took 1.1
/// to 1.6 e-4 s per element on the generated chains from 150 to 1,200 sites
/// (`docs/performance.md`); the upper end is used.
pub fn expected_first_plan_seconds(elements: u64) -> f64 {
    const FAST_SECONDS_PER_ELEMENT: f64 = 1.6e-4;
    expected_exact_seconds(elements).min(FAST_SECONDS_PER_ELEMENT * elements as f64)
}

/// One stage of a checked document, by the options' strategy.
///
/// # Errors
/// As [`solve_goals`].
pub(crate) fn solve_stage(
    doc: &NetworkDoc,
    options: &SolveOptions,
    goals: &Goals,
) -> Result<Plan, PlanError> {
    let mut plan = by_strategy(doc, options, goals)?;
    if plan.status == PlanStatus::NoSolution && options.time_limit_seconds.is_some() {
        // The time limit came before any plan: say how long one needs.
        let elements = period_indexed_elements(doc).saturating_mul(u64::from(doc.horizon.periods));
        plan.stats.first_plan_needs_seconds = Some(expected_first_plan_seconds(elements));
    }
    Ok(plan)
}

/// [`solve_stage`] by the strategy the options and the model call for.
fn by_strategy(doc: &NetworkDoc, options: &SolveOptions, goals: &Goals) -> Result<Plan, PlanError> {
    let started = Instant::now();
    let deadline = Deadline::after(options.time_limit_seconds);
    let elements = period_indexed_elements(doc).saturating_mul(u64::from(doc.horizon.periods));
    let expected = expected_exact_seconds(elements);
    // The exact solve fits when it is expected in half the time left.
    let fits = |deadline: &Deadline| {
        deadline
            .remaining()
            .is_none_or(|left| 2.0 * expected <= left)
    };
    if by_repair(doc, options, fits(&deadline)) {
        // A watcher counts the time from the start of the stage, not of
        // each region's solve.
        let mut plan = solve_repair(doc, &with_figures(options, None, started), goals)?;
        plan.stats.strategy = Strategy::Repair.as_str().into();
        return Ok(plan);
    }
    let first_strategy = match options.strategy {
        Strategy::Exact | Strategy::Repair => None,
        Strategy::Fast => Some(Strategy::Fast),
        Strategy::Windows => Some(Strategy::Windows),
        // A re-plan's fast plan holds the fence, the penalty and the
        // counter-proposals exactly: its repair solves the re-plan itself.
        Strategy::Auto if !fits(&deadline) => Some(match options.baseline {
            Some(_) => Strategy::Fast,
            None => first_plan_strategy(doc),
        }),
        Strategy::Auto => None,
    };
    let Some(first_strategy) = first_strategy else {
        return exact(doc, options, goals, started);
    };
    let mut first = match first_strategy {
        Strategy::Windows => windows_round(doc, options, goals, &deadline, started)?,
        _ => First::Nothing,
    };
    if matches!(first, First::Nothing) && options.strategy != Strategy::Windows {
        first = fast_rounds(doc, options, goals, &deadline, started, &fits)?;
    }
    let first = match first {
        First::Plan(plan) => *plan,
        // A MILP, or no first plan: the exact solve, in the time left.
        First::NotLinear | First::Nothing => {
            return exact(doc, &within(options, &deadline), goals, started)
        }
    };
    if options.strategy != Strategy::Auto || deadline.expired() || !fits(&deadline) {
        return Ok(first);
    }
    // Improve: the exact solve in the time left. A watcher keeps seeing the
    // first plan's figures until the exact solve has its own.
    let improving = with_figures(&within(options, &deadline), Some(&first), started);
    match solve_goals(doc, &improving, goals) {
        Ok(mut exact) if better(&exact, &first) => {
            exact.stats.strategy = Strategy::Exact.as_str().into();
            exact.stats.first_plan_seconds = first.stats.first_plan_seconds;
            Ok(exact)
        }
        Ok(_) | Err(PlanError::Cancelled) => Ok(first),
        Err(e) => Err(e),
    }
}

/// What the strategies before the exact solve gave.
enum First {
    Plan(Box<Plan>),
    /// The model has integer columns: only the exact solve is for it.
    NotLinear,
    /// No plan in the time given.
    Nothing,
}

/// The strategy `auto` runs first on a large linear program, by the
/// chain's shape: time windows where every lane carries one item without
/// a capacity (PDLP converges poorly on such chains, and their exact solve
/// grows fast with the horizon), the fast strategy otherwise
/// (`docs/performance.md`).
fn first_plan_strategy(doc: &NetworkDoc) -> Strategy {
    let simple_lanes = doc
        .lanes
        .iter()
        .all(|e| e.items.len() <= 1 && e.capacity.is_none());
    if simple_lanes && doc.horizon.periods as usize > WindowShape::PASSES[0].length {
        Strategy::Windows
    } else {
        Strategy::Fast
    }
}

/// Passes of the time-window strategy, each with a longer look-ahead than
/// the last, until the deadline or the gap asked for, keeping the best plan
/// and the best bound; each announced to a watcher.
fn windows_round(
    doc: &NetworkDoc,
    options: &SolveOptions,
    goals: &Goals,
    deadline: &Deadline,
    started: Instant,
) -> Result<First, PlanError> {
    let target = options.relative_gap.unwrap_or(DEFAULT_RELATIVE_GAP);
    let mut best: Option<Plan> = None;
    for shape in window_shapes() {
        if deadline.expired() {
            break;
        }
        let pass_options = with_figures(&within(options, deadline), best.as_ref(), started);
        match solve_windows(doc, &pass_options, goals, deadline, shape)? {
            Round::Plan(plan) => {
                let kept = keep_better(best, *plan, started, Strategy::Windows);
                announce(options.progress.as_ref(), &kept, started);
                best = Some(kept);
            }
            Round::NotLinear => return Ok(First::NotLinear),
            Round::NoPlan => break,
        }
        if best
            .as_ref()
            .and_then(|p| p.gap)
            .is_some_and(|gap| gap <= target)
        {
            break;
        }
    }
    Ok(best.map_or(First::Nothing, |plan| First::Plan(Box::new(plan))))
}

/// The shapes of the passes of the time windows: `CHAINPLAN_WINDOWS=L,C`
/// (length, commit) runs one pass of that shape, for measuring.
fn window_shapes() -> Vec<WindowShape> {
    let asked = std::env::var("CHAINPLAN_WINDOWS").ok().and_then(|v| {
        let (l, c) = v.split_once(',')?;
        Some(WindowShape {
            length: l.parse().ok()?,
            commit: c.parse().ok()?,
        })
    });
    match asked {
        Some(shape) => vec![shape],
        None => WindowShape::PASSES.to_vec(),
    }
}

/// Rounds of the fast strategy at tighter and tighter tolerances until the
/// deadline, the gap asked for, or (for `auto`) until the exact solve fits
/// in the time left.
fn fast_rounds(
    doc: &NetworkDoc,
    options: &SolveOptions,
    goals: &Goals,
    deadline: &Deadline,
    started: Instant,
    fits: &dyn Fn(&Deadline) -> bool,
) -> Result<First, PlanError> {
    let target = options.relative_gap.unwrap_or(DEFAULT_RELATIVE_GAP);
    let mut best: Option<Plan> = None;
    // A re-plan has a plan at hand: the base plan, repaired to the new
    // version. It needs no first-order run, which on a large chain may
    // take minutes, or not end within the limit at all.
    if options.baseline.is_some() {
        let round_options = with_figures(&within(options, deadline), None, started);
        match solve_from_baseline(doc, &round_options, goals, deadline)? {
            Round::Plan(plan) => {
                let kept = keep_better(None, *plan, started, Strategy::Fast);
                announce(options.progress.as_ref(), &kept, started);
                best = Some(kept);
            }
            Round::NotLinear => return Ok(First::NotLinear),
            Round::NoPlan => {}
        }
    }
    for tolerance in ROUND_TOLERANCES {
        if deadline.expired() {
            break;
        }
        if options.strategy == Strategy::Auto && best.is_some() && fits(deadline) {
            break;
        }
        let round_options = with_figures(&within(options, deadline), best.as_ref(), started);
        match solve_fast(doc, &round_options, goals, deadline, tolerance)? {
            Round::Plan(plan) => {
                let kept = keep_better(best, *plan, started, Strategy::Fast);
                announce(options.progress.as_ref(), &kept, started);
                best = Some(kept);
            }
            Round::NotLinear => return Ok(First::NotLinear),
            Round::NoPlan => continue,
        }
        if best
            .as_ref()
            .and_then(|p| p.gap)
            .is_some_and(|gap| gap <= target)
        {
            break;
        }
    }
    Ok(best.map_or(First::Nothing, |plan| First::Plan(Box::new(plan))))
}

/// Whether a stage is solved by local repair: when asked, or
/// automatically for a re-plan of a linear program whose cause reaches
/// less than the whole chain, whose region the caller did not set, and
/// whose exact re-plan is not expected to fit the time limit (`fits`): the
/// repair's first region gives a plan early, but proving it optimal
/// usually takes the whole re-plan after it (`docs/performance.md`). On
/// the 600-site chain a line's reach is 219 sites; the exact re-plan had
/// no plan in 300 s, the repair one at 56 s. A
/// MILP's repair could not prove its plan optimal, so `auto` keeps the
/// exact re-plan for it.
fn by_repair(doc: &NetworkDoc, options: &SolveOptions, fits: bool) -> bool {
    let Some(baseline) = &options.baseline else {
        return false;
    };
    match options.strategy {
        Strategy::Repair => true,
        Strategy::Auto => {
            !fits
                && baseline.region.is_none()
                && is_linear(doc)
                && worth_repairing(doc, &baseline.causes)
        }
        Strategy::Exact | Strategy::Fast | Strategy::Windows => false,
    }
}

/// Whether the document's model has no integer columns: no setups and no
/// renovations to schedule.
fn is_linear(doc: &NetworkDoc) -> bool {
    doc.renovations.is_empty()
        && doc
            .lines
            .iter()
            .all(|l| l.operations.iter().all(|o| !o.needs_setup()))
}

/// The exact strategy, its plan marked as such.
fn exact(
    doc: &NetworkDoc,
    options: &SolveOptions,
    goals: &Goals,
    started: Instant,
) -> Result<Plan, PlanError> {
    let mut plan = solve_goals(doc, options, goals)?;
    plan.stats.strategy = Strategy::Exact.as_str().into();
    if plan.status.has_solution() {
        plan.stats.first_plan_seconds = Some(started.elapsed().as_secs_f64());
    }
    Ok(plan)
}

/// The better of the best plan so far and a new round's: the cheaper, with
/// the higher of the two bounds (each is valid) and its gap.
/// What a plan's solve minimised: its objective, and a re-plan's stability
/// cost with it (docs/model.md §6.4); the bound and gap are of this.
fn minimised(plan: &Plan) -> Option<f64> {
    plan.objective
        .map(|o| o + plan.stability.as_ref().map_or(0.0, |s| s.cost))
}

fn keep_better(best: Option<Plan>, plan: Plan, started: Instant, strategy: Strategy) -> Plan {
    let Some(best) = best else {
        let mut plan = plan;
        plan.stats.strategy = strategy.as_str().into();
        // A strategy that knows when its plan came (before its bound) says.
        plan.stats
            .first_plan_seconds
            .get_or_insert(started.elapsed().as_secs_f64());
        return plan;
    };
    let bound = match (best.bound, plan.bound) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    let first_plan_seconds = best.stats.first_plan_seconds;
    let mut kept = if minimised(&plan) < minimised(&best) || best.objective.is_none() {
        plan
    } else {
        best
    };
    kept.bound = bound.map(|b| minimised(&kept).map_or(b, |o| b.min(o)));
    kept.gap = match (minimised(&kept), kept.bound) {
        (Some(o), Some(b)) => Some(relative_gap(o, b)),
        _ => None,
    };
    kept.stats.strategy = strategy.as_str().into();
    kept.stats.first_plan_seconds = first_plan_seconds;
    kept
}

/// The options with the time left before `deadline` as their limit.
fn within(options: &SolveOptions, deadline: &Deadline) -> SolveOptions {
    SolveOptions {
        time_limit_seconds: deadline.remaining().or(options.time_limit_seconds),
        ..options.clone()
    }
}

/// Whether the exact solve's plan should replace the fast one: it has a
/// solution, and it is proven optimal or cheaper.
fn better(exact: &Plan, fast: &Plan) -> bool {
    match (exact.status, exact.objective, fast.objective) {
        (PlanStatus::Optimal, Some(_), _) => true,
        (PlanStatus::Feasible, Some(e), Some(f)) => e < f,
        _ => false,
    }
}

/// The options with a progress callback that counts the time from the
/// start of the whole stage (each round and the exact solve count from
/// their own start) and fills the figures a solve does not have yet with
/// those of the best plan so far, so a watcher keeps seeing them while the
/// next round or the exact solve runs.
fn with_figures(options: &SolveOptions, best: Option<&Plan>, started: Instant) -> SolveOptions {
    let Some(report) = options.progress.clone() else {
        return options.clone();
    };
    let figures = best.map(|b| (b.objective, b.bound, b.gap));
    let progress: ProgressFn = Arc::new(move |p: &Progress| {
        let mut p = p.clone();
        p.elapsed_seconds = started.elapsed().as_secs_f64();
        if let (None, Some((objective, bound, gap))) = (p.best_objective, figures) {
            p.best_objective = objective;
            p.bound = p.bound.or(bound);
            p.gap = gap;
        }
        report(&p);
    });
    SolveOptions {
        progress: Some(progress),
        ..options.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::planning::fast::tests::demo_lp;
    use std::sync::Mutex;

    #[test]
    fn a_watcher_sees_each_better_plan_of_the_fast_rounds_with_its_bound() {
        let seen: Arc<Mutex<Vec<Progress>>> = Arc::default();
        let sink = seen.clone();
        let options = SolveOptions {
            strategy: Strategy::Fast,
            progress: Some(Arc::new(move |p: &Progress| {
                sink.lock().unwrap().push(p.clone())
            })),
            ..SolveOptions::default()
        };
        let plan = solve_stage(&demo_lp(), &options, &Goals::default()).unwrap();
        assert_eq!(plan.stats.strategy, "fast");
        let seen = seen.lock().unwrap();
        let with_plans: Vec<&Progress> =
            seen.iter().filter(|p| p.best_objective.is_some()).collect();
        assert!(!with_plans.is_empty(), "no progress with a plan: {seen:?}");
        // Each report's objective is no worse than the one before, its
        // bound no lower, and the last is the plan's own.
        for pair in with_plans.windows(2) {
            assert!(pair[1].best_objective <= pair[0].best_objective, "{pair:?}");
            assert!(pair[1].bound >= pair[0].bound, "{pair:?}");
        }
        let last = with_plans.last().unwrap();
        assert_eq!(last.best_objective, plan.objective);
        assert_eq!(last.bound, plan.bound);
        assert_eq!(last.gap, plan.gap);
        // Elapsed time runs from the start of the stage, not of each round.
        for pair in seen.windows(2) {
            assert!(
                pair[1].elapsed_seconds >= pair[0].elapsed_seconds,
                "{pair:?}"
            );
        }
    }

    #[test]
    fn auto_repairs_a_re_plan_that_reaches_little_only_when_the_exact_one_does_not_fit() {
        use crate::planning::replan::Baseline;
        // Seven sites: a customer DC's reach is itself and the plant that
        // ships to it (two sites); the mine's is everything downstream.
        let doc = crate::planning::graph::tests::chain();
        let replan = |strategy: Strategy, causes: &[&str]| SolveOptions {
            strategy,
            baseline: Some(Baseline {
                production: Vec::new(),
                shipments: Vec::new(),
                freeze_until: 0,
                stability_penalty: 0.0,
                causes: causes.iter().map(|c| c.to_string()).collect(),
                region: None,
                limits: Vec::new(),
            }),
            ..SolveOptions::default()
        };
        assert!(by_repair(
            &doc,
            &replan(Strategy::Auto, &["cust1-dc"]),
            false
        ));
        // The exact re-plan fits: auto keeps it.
        assert!(!by_repair(
            &doc,
            &replan(Strategy::Auto, &["cust1-dc"]),
            true
        ));
        // Most of the chain (the mine reaches all but `lonely`): still a
        // repair, the only plan in time when the exact re-plan does not fit.
        assert!(by_repair(&doc, &replan(Strategy::Auto, &["mine"]), false));
        // The whole chain, or no cause: the exact re-plan.
        let every_site: Vec<&str> = doc.sites.iter().map(|s| s.id.as_str()).collect();
        assert!(!by_repair(
            &doc,
            &replan(Strategy::Auto, &every_site),
            false
        ));
        assert!(!by_repair(&doc, &replan(Strategy::Auto, &[]), false));
        // Asked for, whatever the reach; never without a base plan.
        assert!(by_repair(&doc, &replan(Strategy::Repair, &["mine"]), true));
        assert!(!by_repair(
            &doc,
            &replan(Strategy::Exact, &["cust1-dc"]),
            false
        ));
        assert!(!by_repair(&doc, &SolveOptions::default(), false));
    }

    #[test]
    fn the_exact_estimate_is_cubic_through_its_reference() {
        assert!((expected_exact_seconds(146_718) - 79.0).abs() < 1e-9);
        assert!((expected_exact_seconds(2 * 146_718) - 8.0 * 79.0).abs() < 1e-6);
    }
}

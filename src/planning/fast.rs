//! The fast strategy: a feasible plan of a large LP in a fraction of the
//! exact solve's time, with an honest bound.
//!
//! 1. PDLP runs on the model to a loose KKT tolerance ([`FIRST_TOLERANCE`]):
//!    no factorisation, so it reaches the neighbourhood of the optimum of
//!    chains whose interior point factor does not fit.
//! 2. Its dual gives a valid lower bound (`bound::lagrangian_bound`), with
//!    every column boxed by what the chain implies.
//! 3. Its primal is repaired: production and flows may not exceed the
//!    iterate (by a margin), and the same LP is solved exactly with them so
//!    bounded. Columns the iterate leaves at zero are fixed at zero, so
//!    presolve leaves a small LP, and every row holds exactly: stock, late
//!    deliveries and unmet demand absorb whatever the iterate got wrong.
//!    Producing and shipping less is always possible in a linear program of
//!    the chain (no lower bounds on production or flows), so the repair
//!    always has a plan.
//!
//! A MILP (setups, renovations) is not for this strategy: HiGHS' own search
//! already reports incumbents and a bound as it goes. The caller solves
//! such a model exactly.

use super::bound::plan_bound;
use super::error::PlanError;
use super::extract::{extract_plan, RowDuals};
use super::formulation::{Goals, ModelMap, PlanModel};
use super::highs::{run_boxed, run_first_order, run_repair};
use super::implied::implied_upper;
use super::lp::Mode;
use super::network::Network;
use super::options::{solver_threads, Deadline, SolveOptions};
use super::progress::{Phase, Ticker};
use super::replan::Baseline;
use super::scope::Scope;
use crate::model::{NetworkDoc, Plan, PlanStatus};
use std::time::Instant;

/// The KKT tolerances of the first-order runs, one round each: the first
/// gives a plan within about 0.1 % of the optimum on generated chains, in
/// an eighth of an interior point solve's time; its dual is too rough for a
/// useful bound, which the second round's gives to about 0.05 %
/// (`docs/performance.md`).
pub(crate) const ROUND_TOLERANCES: [f64; 3] = [1e-4, 1e-5, 1e-6];

/// How far above the iterate the repair lets production and flows go, as
/// a fraction: room to balance what the iterate got slightly wrong.
const REPAIR_MARGIN: f64 = 0.05;

/// An iterate value below this fraction of the largest production or flow
/// of the iterate counts as zero: a first-order iterate is dense, with
/// small positive values where an optimal plan has none, and boxing those
/// at zero is what makes the repair LP small.
const NEGLIGIBLE: f64 = 1e-4;

/// The least value that counts, whatever the scale.
const NEGLIGIBLE_UNITS: f64 = 1e-6;

/// What one round of the fast strategy gives.
#[derive(Debug)]
pub(crate) enum Round {
    /// The repaired plan, with its bound where one is proven.
    Plan(Box<Plan>),
    /// The model has integer columns: the fast strategy is not for it.
    NotLinear,
    /// The first-order run gave no iterate before the deadline, or the
    /// repair no plan: a tighter round, or the exact solve, may.
    NoPlan,
}

/// One round of the fast strategy at the KKT `tolerance`.
///
/// # Errors
/// `Cancelled` when the solve is cancelled; `Solver` when HiGHS fails.
pub(crate) fn solve_fast(
    doc: &NetworkDoc,
    options: &SolveOptions,
    goals: &Goals,
    deadline: &Deadline,
    tolerance: f64,
) -> Result<Round, PlanError> {
    let started = Instant::now();
    let ticker = Ticker::start(options.progress.clone(), started);
    ticker.phase(Phase::Build);
    let net = Network::resolve(doc);
    let scope = Scope::of(&net);
    let model = PlanModel::build_goals(&net, &scope, Mode::Exact, options.baseline.as_ref(), goals);
    if model.map.integer_columns > 0 {
        return Ok(Round::NotLinear);
    }
    // A re-plan's stability penalty (absolute values of every change) slows
    // PDLP down by far: on the 600-site chain it gave no iterate in 300 s
    // where the same LP without it gives one in about 80. The first-order
    // run leaves it out; the repair solves the re-plan itself, penalty and
    // all, within boxes that also reach the base plan's quantities. The
    // bound stays valid: the penalty only adds to every plan's cost.
    let (first_model, repair_model) = match options
        .baseline
        .as_ref()
        .filter(|b| b.stability_penalty > 0.0)
    {
        Some(b) => {
            let unpenalised = Baseline {
                stability_penalty: 0.0,
                ..b.clone()
            };
            let first =
                PlanModel::build_goals(&net, &scope, Mode::Exact, Some(&unpenalised), goals);
            (first, Some(model))
        }
        None => (model, None),
    };
    let build_seconds = started.elapsed().as_secs_f64();

    ticker.phase(Phase::Solve);
    let solve_started = Instant::now();
    let Some((first, first_map)) =
        run_first_order(first_model, options, deadline.remaining(), tolerance)?
    else {
        return Ok(Round::NoPlan);
    };
    let duals = first.row_duals.clone();
    let lp = first.lp.clone();
    let (first, repair_map) = match repair_model {
        Some(model) => {
            let (first, map) = first.repair_as(model, options, deadline.remaining())?;
            if !same_decisions(&first_map, &map) {
                return Err(PlanError::Solver(
                    "the re-plan's model numbers its decisions unlike its first-order model".into(),
                ));
            }
            (first, Some(map))
        }
        None => (first, None),
    };
    let map = repair_map.as_ref().unwrap_or(&first_map);
    let boxes = repair_boxes(map, &first.columns);
    let Some(values) = run_repair(first, &boxes, options, deadline.remaining())? else {
        return Ok(Round::NoPlan);
    };
    let solve_seconds = solve_started.elapsed().as_secs_f64();

    ticker.phase(Phase::Extract);
    let extract_started = Instant::now();
    // The first-order duals price the capacities: those of the repair would
    // price the repair's boxes instead.
    let mut plan = extract_plan(
        &net,
        map,
        &values,
        Some(RowDuals {
            map: &first_map,
            duals: &duals,
        }),
    );
    // The repaired plan's cost (without the stability penalty, which the
    // first-order LP leaves out) bounds that LP's optimum from above, which
    // bounds every priced column of its optimal plans (all costs are >= 0).
    // The repair LP's exact dual is no better: it prices the columns the
    // repair fixed at zero far off.
    let repaired_cost = match repair_map {
        Some(_) => plan.objective.unwrap_or(f64::INFINITY),
        None => lp.cost_of(&values.columns),
    };
    let bound = implied_upper(&net, &first_map, &lp, repaired_cost)
        .and_then(|u| plan_bound(&lp, &duals, &u, repaired_cost));
    plan.status = PlanStatus::Feasible;
    plan.bound = bound;
    // What a re-plan minimises is its objective and the stability cost
    // (docs/model.md §6.4); the bound is of that.
    let minimised = plan
        .objective
        .map(|o| o + plan.stability.as_ref().map_or(0.0, |s| s.cost));
    plan.gap = match (minimised, bound) {
        (Some(objective), Some(bound)) => Some(relative_gap(objective, bound)),
        _ => None,
    };
    plan.stats.variables = map.columns;
    plan.stats.integer_variables = map.integer_columns;
    plan.stats.constraints = map.rows;
    plan.stats.build_seconds = build_seconds;
    plan.stats.solve_seconds = solve_seconds;
    plan.stats.extract_seconds = extract_started.elapsed().as_secs_f64();
    plan.stats.threads = solver_threads(options.threads);
    Ok(Round::Plan(Box::new(plan)))
}

/// A re-plan's first plan: its base plan repaired. The re-plan
/// is solved exactly with every production and flow boxed up to its base
/// quantity (and a margin): what was committed is kept where it still
/// fits, and stock, late deliveries and unmet demand absorb what the roll
/// or the change broke. Presolve leaves a smaller LP than the first-order
/// run's, and it needs no iterate, so it comes first; it has no bound of
/// its own. `NoPlan` for a solve without a baseline.
///
/// # Errors
/// `Cancelled` when the solve is cancelled; `Solver` when HiGHS fails.
pub(crate) fn solve_from_baseline(
    doc: &NetworkDoc,
    options: &SolveOptions,
    goals: &Goals,
    deadline: &Deadline,
) -> Result<Round, PlanError> {
    if options.baseline.is_none() {
        return Ok(Round::NoPlan);
    }
    let started = Instant::now();
    let ticker = Ticker::start(options.progress.clone(), started);
    ticker.phase(Phase::Build);
    let net = Network::resolve(doc);
    let scope = Scope::of(&net);
    let model = PlanModel::build_goals(&net, &scope, Mode::Exact, options.baseline.as_ref(), goals);
    if model.map.integer_columns > 0 {
        return Ok(Round::NotLinear);
    }
    let build_seconds = started.elapsed().as_secs_f64();
    ticker.phase(Phase::Solve);
    let solve_started = Instant::now();
    let Some((values, map)) = run_boxed(
        model,
        |map| repair_boxes(map, &[]),
        options,
        deadline.remaining(),
    )?
    else {
        return Ok(Round::NoPlan);
    };
    let solve_seconds = solve_started.elapsed().as_secs_f64();
    ticker.phase(Phase::Extract);
    let extract_started = Instant::now();
    let mut plan = extract_plan(&net, &map, &values, None);
    plan.status = PlanStatus::Feasible;
    plan.bound = None;
    plan.gap = None;
    plan.stats.variables = map.columns;
    plan.stats.integer_variables = map.integer_columns;
    plan.stats.constraints = map.rows;
    plan.stats.build_seconds = build_seconds;
    plan.stats.solve_seconds = solve_seconds;
    plan.stats.extract_seconds = extract_started.elapsed().as_secs_f64();
    plan.stats.threads = solver_threads(options.threads);
    Ok(Round::Plan(Box::new(plan)))
}

/// `(objective - bound) / |objective|`, as HiGHS reports a MIP gap, and 0
/// when the bound meets the objective.
pub(crate) fn relative_gap(objective: f64, bound: f64) -> f64 {
    ((objective - bound) / objective.abs().max(1.0)).max(0.0)
}

/// Whether two models of one document number their production and flow
/// columns alike (the only columns the repair boxes).
fn same_decisions(a: &ModelMap, b: &ModelMap) -> bool {
    let cols = |m: &ModelMap| -> Vec<Option<usize>> {
        m.making
            .iter()
            .flatten()
            .flat_map(|mk| [mk.before.map(|c| c.col), mk.after.map(|c| c.col)])
            .chain(m.flow.iter().flatten().flatten().map(|c| c.map(|c| c.col)))
            .collect()
    };
    cols(a) == cols(b)
}

/// Each production and flow column's box in the repair: `[0, 0]` where the
/// iterate (and, in a re-plan, the base plan) leaves it at zero, else up to
/// the larger of the two and a margin. Reaching the base quantity lets the
/// repair keep what need not change.
fn repair_boxes(map: &ModelMap, iterate: &[f64]) -> Vec<(usize, f64, f64)> {
    let fence = map.fence.as_ref();
    let making = map.making.iter().enumerate().flat_map(|(o, periods)| {
        periods.iter().enumerate().flat_map(move |(t, m)| {
            let base = fence.map_or(0.0, |f| f.base_production(o, t));
            m.before
                .into_iter()
                .chain(m.after)
                .map(move |c| (c.col, base))
        })
    });
    let flows = map.flow.iter().enumerate().flat_map(|(k, items)| {
        items.iter().enumerate().flat_map(move |(pos, periods)| {
            periods.iter().enumerate().filter_map(move |(t, c)| {
                let base = fence.map_or(0.0, |f| f.base_shipment(k, pos, t));
                c.map(|c| (c.col, base))
            })
        })
    });
    let columns: Vec<(usize, f64)> = making.chain(flows).collect();
    let value = |col: usize| iterate.get(col).copied().unwrap_or(0.0);
    let largest = columns
        .iter()
        .map(|&(c, base)| value(c).max(base))
        .fold(0.0, f64::max);
    let negligible = (NEGLIGIBLE * largest).max(NEGLIGIBLE_UNITS);
    columns
        .into_iter()
        .map(|(col, base)| {
            let x = value(col).max(base);
            let upper = if x > negligible {
                x * (1.0 + REPAIR_MARGIN) + negligible
            } else {
                0.0
            };
            (col, 0.0, upper)
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::parse_network;
    use crate::planning::options::Deadline;
    use crate::planning::replan::Baseline;

    /// The demo chain as a linear program: no renovations, no setups.
    pub(crate) fn demo_lp() -> NetworkDoc {
        let mut doc = parse_network(include_str!("../../examples/data/gearbox.json"))
            .unwrap()
            .0;
        // A linear program: no renovation starts, no setups.
        doc.renovations.clear();
        for line in &mut doc.lines {
            for op in &mut line.operations {
                op.setup_cost = 0.0;
                op.setup_time = 0.0;
                op.min_lot = 0.0;
            }
        }
        doc
    }

    #[test]
    fn the_fast_plan_is_feasible_and_its_bound_holds_the_optimum() {
        let doc = demo_lp();
        let exact = crate::planning::solve(&doc, &SolveOptions::default()).unwrap();
        assert_eq!(exact.status, PlanStatus::Optimal);
        let optimum = exact.objective.unwrap();
        let fast = solve_fast(
            &doc,
            &SolveOptions::default(),
            &Goals::default(),
            &Deadline::after(None),
            ROUND_TOLERANCES[1],
        )
        .unwrap();
        let Round::Plan(fast) = fast else {
            panic!("no fast plan: {fast:?}");
        };
        assert_eq!(fast.status, PlanStatus::Feasible);
        let objective = fast.objective.unwrap();
        let bound = fast.bound.expect("a bound");
        assert!(
            bound <= optimum + 1e-6 * optimum.abs(),
            "bound {bound} over the optimum {optimum}"
        );
        assert!(
            objective >= optimum - 1e-6 * optimum.abs(),
            "{objective} below the optimum {optimum}"
        );
        let gap = fast.gap.unwrap();
        assert!((gap - relative_gap(objective, bound)).abs() < 1e-12);
    }

    /// What a re-plan minimises: its objective and stability cost.
    fn minimised(plan: &Plan) -> f64 {
        plan.objective.unwrap() + plan.stability.as_ref().map_or(0.0, |s| s.cost)
    }

    #[test]
    fn a_fast_replan_is_a_plan_of_the_replan_and_its_bound_holds() {
        let doc = demo_lp();
        let base = crate::planning::solve(&doc, &SolveOptions::default()).unwrap();
        // The re-plan of a tighter chain: one line loses half its capacity.
        let mut changed = doc.clone();
        let line = &mut changed.lines[0];
        let halved = line
            .capacity
            .expand(doc.horizon.periods as usize)
            .iter()
            .map(|c| c * 0.5)
            .collect();
        line.capacity = crate::model::PerPeriod::Series(halved);
        let options = SolveOptions {
            baseline: Some(Baseline {
                production: base.production.clone(),
                shipments: base.shipments.clone(),
                freeze_until: 0,
                stability_penalty: 0.5,
                causes: Vec::new(),
                region: None,
                limits: Vec::new(),
            }),
            ..SolveOptions::default()
        };
        let exact = crate::planning::solve(&changed, &options).unwrap();
        let optimum = minimised(&exact);
        let tol = 1e-6 * optimum.abs();
        let goals = Goals::default();
        let deadline = Deadline::after(None);

        let Round::Plan(held) = solve_from_baseline(&changed, &options, &goals, &deadline).unwrap()
        else {
            panic!("no plan from the base plan");
        };
        assert_eq!(held.status, PlanStatus::Feasible);
        assert!(held.bound.is_none());
        assert!(minimised(&held) >= optimum - tol);

        let Round::Plan(fast) =
            solve_fast(&changed, &options, &goals, &deadline, ROUND_TOLERANCES[1]).unwrap()
        else {
            panic!("no fast plan");
        };
        assert!(minimised(&fast) >= optimum - tol, "below the optimum");
        let bound = fast.bound.expect("a bound");
        assert!(
            bound <= optimum + tol,
            "bound {bound} over the optimum {optimum}"
        );
        let gap = fast.gap.unwrap();
        assert!((gap - relative_gap(minimised(&fast), bound)).abs() < 1e-12);
    }

    #[test]
    fn a_milp_is_left_to_the_exact_strategy() {
        let doc = parse_network(include_str!("../../examples/data/gearbox.json"))
            .unwrap()
            .0;
        let fast = solve_fast(
            &doc,
            &SolveOptions::default(),
            &Goals::default(),
            &Deadline::after(None),
            ROUND_TOLERANCES[0],
        );
        assert!(matches!(fast, Ok(Round::NotLinear)));
    }
}

//! The exact strategy: one LP/MILP of docs/model.md solved by HiGHS to its proven
//! optimum (or to the best plan within the time limit), its capacity priced,
//! its conflicts named when it is infeasible. A MILP starts from a plan when
//! it is given one, else from every setup on.

use super::bound::{held_within_penalty, plan_bound};
use super::conflicts::find_conflicts;
use super::error::PlanError;
use super::extract::{extract_plan, integer_values, RowDuals};
use super::fence::HeldRow;
use super::formulation::{Goals, ModelMap, PlanModel};
use super::highs::{run_highs, run_highs_reporting, LpData, Outcome, Run};
use super::implied::implied_upper;
use super::lp::Mode;
use super::network::Network;
use super::options::{check_cancel, is_cancelled, solver_threads, Deadline, SolveOptions};
use super::progress::{Phase, Ticker};
use super::scope::Scope;
use crate::model::{NetworkDoc, Plan, PlanStatus};
use std::collections::HashSet;
use std::time::Instant;

/// One solve of a checked document, minimising `goals.minimise` with
/// `goals.limits` held.
pub(crate) fn solve_goals(
    doc: &NetworkDoc,
    options: &SolveOptions,
    goals: &Goals,
) -> Result<Plan, PlanError> {
    solve_exact(doc, options, goals, Infeasible::FindConflicts).map(|s| s.plan)
}

/// What to do when the model is infeasible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Infeasible {
    /// Name the conflicts, as a plan of docs/model.md must.
    FindConflicts,
    /// Return the infeasible plan at once: the caller (a repair) has a
    /// larger model to try.
    Report,
}

/// An exact solve and, for a repair's region, the dual of each row that
/// holds a decision outside it.
pub(crate) struct ExactSolve {
    pub plan: Plan,
    /// Each held row with its dual (none without a region); `None` when
    /// the solve has no duals to read: a MILP, or no proven optimum.
    pub held: Option<Vec<(HeldRow, f64)>>,
    /// A lower bound on what the re-plan of the whole chain minimises, from
    /// the region's duals; `None` without held rows, duals or a finite box.
    pub region_bound: Option<f64>,
}

/// A lower bound on the whole chain's re-plan from the optimal duals of a
/// region's: the Lagrangian bound of the region's LP with each held row's
/// multiplier within the stability penalty, which is the Lagrangian bound
/// of the whole re-plan at the same multipliers or below it (`bound`).
fn whole_chain_bound(
    net: &Network,
    map: &ModelMap,
    lp: &LpData,
    values: &super::extract::SolvedValues,
) -> Option<f64> {
    let penalty = map.fence.as_ref().map_or(0.0, |f| f.penalty);
    let duals = held_within_penalty(&values.row_duals, &map.held_outside, penalty);
    let minimised = lp.cost_of(&values.columns);
    let implied = implied_upper(net, map, lp, minimised)?;
    plan_bound(lp, &duals, &implied, minimised)
}

/// As [`solve_goals`], with the duals of the rows holding decisions outside
/// a repair's region (`Baseline::region`).
pub(crate) fn solve_exact(
    doc: &NetworkDoc,
    options: &SolveOptions,
    goals: &Goals,
    infeasible: Infeasible,
) -> Result<ExactSolve, PlanError> {
    let options = &SolveOptions {
        lp_algorithm: options.lp_algorithm.for_document(doc),
        ..options.clone()
    };
    let started = Instant::now();
    let deadline = Deadline::after(options.time_limit_seconds);
    let ticker = Ticker::start(options.progress.clone(), started);

    ticker.phase(Phase::Build);
    let net = Network::resolve(doc);
    let scope = Scope::of(&net);
    let model = PlanModel::build_goals(&net, &scope, Mode::Exact, options.baseline.as_ref(), goals);
    let build_seconds = started.elapsed().as_secs_f64();

    ticker.phase(Phase::Solve);
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
    let mut held = None;
    let mut region_bound = None;
    let mut plan = match run.outcome {
        Outcome::Solved(values) => {
            // Only an LP's proven optimum has duals that certify anything.
            if !is_mip && values.proven && values.row_duals.len() == run.model_map.rows {
                held = Some(
                    run.model_map
                        .held_outside
                        .iter()
                        .map(|h| (*h, values.row_duals[h.row]))
                        .collect(),
                );
                region_bound = run
                    .lp
                    .as_ref()
                    .and_then(|lp| whole_chain_bound(&net, &run.model_map, lp, &values));
            }
            ticker.phase(Phase::Duals);
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
            ticker.phase(Phase::Extract);
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
        Outcome::Infeasible if infeasible == Infeasible::Report => {
            Plan::without_solution(PlanStatus::Infeasible)
        }
        Outcome::Infeasible => {
            // An infeasible plan promises conflicts; a cancelled search for
            // them (before or during) has none to name, so it is no plan.
            check_cancel(options)?;
            ticker.phase(Phase::Conflicts);
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
    Ok(ExactSolve {
        plan,
        held,
        region_bound,
    })
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
    values: &super::extract::SolvedValues,
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
            ..
        }) => Ok(Some((model_map, lp_values.row_duals))),
        Ok(_) | Err(PlanError::Cancelled) => Ok(None),
        Err(e) => Err(e),
    }
}

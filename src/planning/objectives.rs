//! Objectives beyond the model's cost (docs/model.md §6.2): a lexicographic order of goals
//! (`policy.objective`), solved stage by stage, and the cost–CO2 trade-off
//! curve by the epsilon-constraint method. Every stage and every point is a
//! full solve of the same document (`solve_goals`) with a different goal
//! minimised and earlier goals held within limits; the plan lists the goals
//! that produced it (`Plan::goals`). Its `objective` stays the model's cost (docs/model.md §4).

use super::check::check_document;
use super::error::PlanError;
use super::formulation::Goals;
use super::options::SolveOptions;
use super::strategy::solve_stage as solve_goals;
use crate::model::{Goal, GoalOutcome, NetworkDoc, Objective, ObjectiveStage, Plan, PlanStatus};
use std::sync::Arc;
use std::time::Instant;

/// Slack added to every limit, relative to the value it bounds (at least
/// absolute 1e-6), so that a stage's own optimum stays feasible in the next
/// stage despite solver tolerances.
const LIMIT_SLACK: f64 = 1e-7;

/// A plan's value of a goal.
pub fn goal_value(plan: &Plan, goal: Goal) -> f64 {
    match goal {
        Goal::Service => plan.service.late + plan.service.unmet,
        Goal::Cost => plan.objective.unwrap_or(f64::NAN),
        Goal::Co2 => plan.emissions,
    }
}

/// The limit later stages hold a goal to, given its best value.
fn limit(value: f64, tolerance: f64) -> f64 {
    value + tolerance * value.abs() + LIMIT_SLACK * value.abs().max(10.0)
}

/// The options of the next stage: the time still left of the caller's limit.
fn remaining(options: &SolveOptions, started: Instant) -> SolveOptions {
    let mut next = options.clone();
    if let Some(limit) = options.time_limit_seconds {
        next.time_limit_seconds = Some((limit - started.elapsed().as_secs_f64()).max(0.01));
    }
    next
}

/// [`remaining`], starting the MILP search from `feasible`: a plan that
/// already meets every limit of the next solve, so HiGHS has an incumbent
/// before its first node instead of searching for one.
fn starting_from(options: &SolveOptions, started: Instant, feasible: Arc<Plan>) -> SolveOptions {
    let mut next = remaining(options, started);
    next.warm_start = Some(feasible);
    next
}

/// Solves the stages in order. A stage without a solution (an infeasible
/// document, a time limit with nothing found) ends the solve with its plan.
/// The final plan is `optimal` only if every stage was.
pub(crate) fn solve_lexicographic(
    doc: &NetworkDoc,
    options: &SolveOptions,
    stages: &[ObjectiveStage],
) -> Result<Plan, PlanError> {
    solve_stages(doc, options, stages, Vec::new())
}

/// As [`solve_lexicographic`], with `held` goals kept within their limits
/// in every stage.
fn solve_stages(
    doc: &NetworkDoc,
    options: &SolveOptions,
    stages: &[ObjectiveStage],
    held: Vec<(Goal, f64)>,
) -> Result<Plan, PlanError> {
    let started = Instant::now();
    let mut goals = Goals {
        minimise: Goal::Cost,
        limits: held,
    };
    let mut outcomes = Vec::new();
    let mut proven = true;
    let mut earlier_seconds = 0.0;
    let Some((last, first)) = stages.split_last() else {
        return solve_goals(doc, options, &goals);
    };
    // Each stage starts from the stage before it: that plan meets every
    // limit held so far, the one it set included.
    let mut stage_options = remaining(options, started);
    for stage in first {
        goals.minimise = stage.goal;
        let plan = solve_goals(doc, &stage_options, &goals)?;
        if !plan.status.has_solution() {
            return Ok(plan);
        }
        proven &= plan.status == PlanStatus::Optimal;
        earlier_seconds += plan.stats.solve_seconds;
        let value = goal_value(&plan, stage.goal);
        let held = limit(value, stage.tolerance);
        goals.limits.push((stage.goal, held));
        outcomes.push((stage.goal, Some(held)));
        stage_options = starting_from(options, started, Arc::new(plan));
    }
    goals.minimise = last.goal;
    outcomes.push((last.goal, None));
    let mut plan = solve_goals(doc, &stage_options, &goals)?;
    if plan.status.has_solution() {
        if !proven && plan.status == PlanStatus::Optimal {
            plan.status = PlanStatus::Feasible;
        }
        plan.goals = outcomes
            .into_iter()
            .map(|(goal, limit)| GoalOutcome {
                goal,
                value: goal_value(&plan, goal),
                limit,
            })
            .collect();
    }
    plan.stats.solve_seconds += earlier_seconds;
    Ok(plan)
}

/// The cost–CO2 trade-off curve: `points` plans (at least 2) from the
/// cheapest plan to the cleanest (the least emissions, at the least cost),
/// each in between minimising cost with emissions held to a limit evenly
/// spaced between theirs (the epsilon-constraint method). Ordered from the
/// highest emissions to the lowest. Every point serves at least as well as
/// the cheapest plan (no more late plus unmet units), so the curve trades
/// cost against emissions, not against deliveries: without that, the
/// cleanest plan would make nothing. The document's own `policy.objective`
/// is not used.
///
/// # Errors
/// As [`super::solve`]; also fewer than 2 points.
pub fn tradeoff_curve(
    doc: &NetworkDoc,
    points: usize,
    options: &SolveOptions,
) -> Result<Vec<Plan>, PlanError> {
    if points < 2 {
        return Err(PlanError::Option {
            field: "points",
            reason: format!("a curve needs at least 2 points, got {points}"),
        });
    }
    let mut doc = doc.clone();
    doc.policy.objective = Objective::Cost;
    check_document(&doc, options)?;
    let started = Instant::now();
    let cheapest = solve_goals(&doc, options, &Goals::default())?;
    if !cheapest.status.has_solution() {
        return Ok(vec![cheapest]);
    }
    let service = (
        Goal::Service,
        limit(goal_value(&cheapest, Goal::Service), 0.0),
    );
    let green_stages = [
        ObjectiveStage {
            goal: Goal::Co2,
            tolerance: 0.0,
        },
        ObjectiveStage {
            goal: Goal::Cost,
            tolerance: 0.0,
        },
    ];
    let cleanest = solve_stages(
        &doc,
        &remaining(options, started),
        &green_stages,
        vec![service],
    )?;
    if !cleanest.status.has_solution() {
        return Ok(vec![cheapest, cleanest]);
    }
    let (high, low) = (cheapest.emissions, cleanest.emissions);
    let mut curve = Vec::with_capacity(points);
    let mut first = cheapest;
    first.goals = vec![
        GoalOutcome {
            goal: Goal::Co2,
            value: high,
            limit: None,
        },
        GoalOutcome {
            goal: Goal::Cost,
            value: goal_value(&first, Goal::Cost),
            limit: None,
        },
    ];
    curve.push(first);
    // The points in between are solved from the cleanest end up: a plan
    // within a lower emissions limit is within every higher one too, so
    // each point starts from the one solved before it.
    let mut between = Vec::with_capacity(points - 2);
    let mut feasible = Arc::new(cleanest.clone());
    for k in (1..points - 1).rev() {
        let epsilon = high - (high - low) * k as f64 / (points - 1) as f64;
        let goals = Goals {
            minimise: Goal::Cost,
            limits: vec![service, (Goal::Co2, epsilon)],
        };
        let next = starting_from(options, started, feasible.clone());
        let mut plan = solve_goals(&doc, &next, &goals)?;
        if plan.status.has_solution() {
            plan.goals = vec![
                GoalOutcome {
                    goal: Goal::Co2,
                    value: plan.emissions,
                    limit: Some(epsilon),
                },
                GoalOutcome {
                    goal: Goal::Cost,
                    value: goal_value(&plan, Goal::Cost),
                    limit: None,
                },
            ];
            feasible = Arc::new(plan.clone());
        }
        between.push(plan);
    }
    curve.extend(between.into_iter().rev());
    curve.push(cleanest);
    for plan in curve.iter_mut().filter(|p| p.status.has_solution()) {
        plan.goals.insert(
            0,
            GoalOutcome {
                goal: Goal::Service,
                value: goal_value(plan, Goal::Service),
                limit: Some(service.1),
            },
        );
    }
    Ok(curve)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_later_stage_starts_from_the_plan_given_within_the_time_left() {
        let options = SolveOptions {
            time_limit_seconds: Some(60.0),
            ..SolveOptions::default()
        };
        let earlier = Arc::new(Plan::without_solution(PlanStatus::Feasible));
        let started = Instant::now() - std::time::Duration::from_secs(20);
        let next = starting_from(&options, started, earlier.clone());
        let start = next.warm_start.expect("a start");
        assert!(Arc::ptr_eq(&start, &earlier));
        let left = next.time_limit_seconds.expect("a limit");
        assert!(left <= 40.0 && left > 0.0, "{left}");
    }
}

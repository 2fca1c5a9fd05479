//! Objectives beside the model's cost (docs/model.md §6.2): a lexicographic `policy.objective`
//! solved stage by stage, and the cost–CO2 trade-off curve. Optima worked
//! out by hand in the comments.

mod common;

use common::docs::{doc, solve_value as solved};

use chainplan::model::{validate, Goal, NetworkDoc, Plan, PlanStatus};
use chainplan::planning::{goal_value, tradeoff_curve, SolveOptions};
use serde_json::{json, Value};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * b.abs().max(1.0)
}

/// One line of capacity 10 making `p` at cost 5 over 3 periods; one demand
/// of `qty` due in period 1, unmet penalty 1 per unit: cheaper to leave it.
fn cheap_to_fail(qty: f64, objective: Value) -> Value {
    json!({
        "horizon": {"periods": 3},
        "items": [{"id": "p"}],
        "enterprises": [{"id": "lead", "role": "leader"}],
        "sites": [{"id": "plant", "enterprise": "lead"}],
        "lines": [{"id": "l", "site": "plant", "capacity": 10, "operations": [{"item": "p", "cost": 5}]}],
        "demands": [{"id": "d", "site": "plant", "item": "p", "period": 1, "qty": qty}],
        "policy": {"unmet_penalty": 1, "objective": objective}
    })
}

#[test]
fn service_first_serves_all_it_can_and_then_minimises_cost() {
    // Cost only: leave all 20 unmet, 20.
    let cost = solved(cheap_to_fail(20.0, json!("cost")));
    assert!(close(cost.objective.unwrap(), 20.0));
    assert!(close(goal_value(&cost, Goal::Service), 20.0));
    assert!(cost.goals.is_empty(), "a cost plan is the model's plan");
    // Service first: 10 made in t0 and held, 10 in t1, all on time (service
    // 0, the best possible); then the cost of that is 100.
    let first = solved(cheap_to_fail(
        20.0,
        json!({"lexicographic": [{"goal": "service"}, {"goal": "cost"}]}),
    ));
    assert_eq!(first.status, PlanStatus::Optimal);
    assert!(close(goal_value(&first, Goal::Service), 0.0));
    assert!(close(first.objective.unwrap(), 100.0));
    assert_eq!(first.goals.len(), 2);
    assert_eq!(first.goals[0].goal, Goal::Service);
    assert!(first.goals[0].limit.is_some_and(|l| l < 1e-3));
    assert_eq!(first.goals[1].goal, Goal::Cost);
    assert_eq!(first.goals[1].limit, None);
}

#[test]
fn a_stage_tolerance_lets_later_stages_give_up_some_of_it() {
    // 30 due in t1 with 10 a period: at best 20 on time and 10 late
    // (service 10). With 100 % tolerance, service may reach 20: deliver 10
    // on time (50) and leave 20 unmet (20), cost 70.
    let plan = solved(cheap_to_fail(
        30.0,
        json!({"lexicographic": [{"goal": "service", "tolerance": 1.0}, {"goal": "cost"}]}),
    ));
    assert!(close(goal_value(&plan, Goal::Service), 20.0), "{plan:#?}");
    assert!(close(plan.objective.unwrap(), 70.0));
}

/// Two lines making `p`: l1 costs 1 and emits 2 per unit, l2 costs 2 and
/// emits 1; demand 10.
fn dirty_or_dear(objective: Value) -> Value {
    json!({
        "horizon": {"periods": 1},
        "items": [{"id": "p"}],
        "enterprises": [{"id": "lead", "role": "leader"}],
        "sites": [{"id": "plant", "enterprise": "lead"}],
        "lines": [
            {"id": "l1", "site": "plant", "capacity": 10, "operations": [{"item": "p", "cost": 1, "co2": 2}]},
            {"id": "l2", "site": "plant", "capacity": 10, "operations": [{"item": "p", "cost": 2, "co2": 1}]}
        ],
        "demands": [{"id": "d", "site": "plant", "item": "p", "period": 0, "qty": 10}],
        "policy": {"objective": objective}
    })
}

#[test]
fn cost_then_co2_spends_the_cost_tolerance_on_emissions() {
    // Cost 10 at best (all on l1, CO2 20). With 50 % tolerance, cost up to
    // 15: x2 <= 5 on l2, so CO2 20 - 5 = 15.
    let plan = solved(dirty_or_dear(json!({"lexicographic": [
        {"goal": "cost", "tolerance": 0.5}, {"goal": "co2"}]})));
    assert!(close(plan.objective.unwrap(), 15.0), "{plan:#?}");
    assert!(close(plan.emissions, 15.0));
    assert!(plan.goals[0]
        .limit
        .is_some_and(|l| close(l, 15.0) || l > 15.0));
}

/// The trade-off curve of `v` with as many points as `expected`, checked
/// against `expected` as (emissions, cost) in order.
fn curve_with_points(v: Value, expected: &[(f64, f64)]) -> Vec<Plan> {
    let curve = tradeoff_curve(&doc(v), expected.len(), &SolveOptions::default()).expect("curve");
    let points: Vec<(f64, f64)> = curve
        .iter()
        .map(|p| (p.emissions, p.objective.unwrap()))
        .collect();
    assert_eq!(points.len(), expected.len());
    for ((co2, cost), (want_co2, want_cost)) in points.iter().zip(expected) {
        assert!(
            close(*co2, *want_co2) && close(*cost, *want_cost),
            "{points:?}"
        );
    }
    curve
}

#[test]
fn the_tradeoff_curve_runs_from_the_cheapest_to_the_cleanest_plan() {
    let curve = curve_with_points(
        dirty_or_dear(json!("cost")),
        &[(20.0, 10.0), (15.0, 15.0), (10.0, 20.0)],
    );
    // Each point says what produced it: service held to the cheapest plan's,
    // emissions held to the point's limit, cost minimised.
    let goals: Vec<Goal> = curve[1].goals.iter().map(|g| g.goal).collect();
    assert_eq!(goals, [Goal::Service, Goal::Co2, Goal::Cost]);
    assert!(curve[1].goals[1].limit.is_some_and(|l| close(l, 15.0)));
    assert!(tradeoff_curve(
        &doc(dirty_or_dear(json!("cost"))),
        1,
        &SolveOptions::default()
    )
    .is_err());
}

/// `dirty_or_dear` with a setup cost of 5 on each line: using both lines
/// costs two setups, so the curve is not convex.
fn dirty_or_dear_with_setups(objective: Value) -> Value {
    let mut v = dirty_or_dear(objective);
    for line in v["lines"].as_array_mut().expect("lines") {
        line["operations"][0]["setup_cost"] = json!(5);
    }
    v
}

#[test]
fn stages_with_setups_start_from_the_stage_before_and_still_reach_the_optimum() {
    // Service first: all 10 delivered. Then CO2: 10 at best (all on l2,
    // cost 25). With 65 % tolerance, CO2 up to 16.5: both lines with
    // x1 = 6.5 cost 6.5 + 7 + 10 = 23.5, below l2 alone (25); l1 alone emits
    // 20. The cost stage starts from the CO2 stage's plan (l2 alone) and
    // must still leave it.
    let plan = solved(dirty_or_dear_with_setups(json!({"lexicographic": [
        {"goal": "service"}, {"goal": "co2", "tolerance": 0.65}, {"goal": "cost"}]})));
    assert_eq!(plan.status, PlanStatus::Optimal);
    assert!(close(plan.objective.unwrap(), 23.5), "{plan:#?}");
    assert!(close(plan.emissions, 16.5));
}

#[test]
fn a_curve_with_setups_keeps_its_points_in_order() {
    // Cheapest: l1 alone, (CO2 20, cost 15); cleanest: l2 alone, (10, 25).
    // In between, CO2 limits 16.67 and 13.33: both lines cost 40 - limit
    // (23.33 and 26.67), l2 alone 25, so the second point is l2 alone.
    let (high, low) = (20.0 - 10.0 / 3.0, 20.0 - 20.0 / 3.0);
    let curve = curve_with_points(
        dirty_or_dear_with_setups(json!("cost")),
        &[
            (20.0, 15.0),
            (high, 40.0 - high),
            (10.0, 25.0),
            (10.0, 25.0),
        ],
    );
    let limits: Vec<Option<f64>> = curve
        .iter()
        .map(|p| p.goals.iter().find(|g| g.goal == Goal::Co2).unwrap().limit)
        .collect();
    assert!(limits[0].is_none(), "{limits:?}");
    assert!(limits[1].is_some_and(|l| close(l, high)), "{limits:?}");
    assert!(limits[2].is_some_and(|l| close(l, low)), "{limits:?}");
    assert!(curve.iter().all(|p| p.status == PlanStatus::Optimal));
}

#[test]
fn objective_stages_are_validated() {
    let empty = validate(&doc(dirty_or_dear(json!({"lexicographic": []}))));
    assert!(empty
        .errors
        .iter()
        .any(|p| p.path == "policy.objective.lexicographic"));
    let twice = validate(&doc(dirty_or_dear(json!({"lexicographic": [
        {"goal": "cost"}, {"goal": "cost", "tolerance": -1}]}))));
    let paths: Vec<&str> = twice.errors.iter().map(|p| p.path.as_str()).collect();
    assert!(
        paths.contains(&"policy.objective.lexicographic[1].goal"),
        "{paths:?}"
    );
    assert!(
        paths.contains(&"policy.objective.lexicographic[1].tolerance"),
        "{paths:?}"
    );
    // The objective round-trips through JSON; the default writes nothing.
    let original = doc(dirty_or_dear(json!({"lexicographic": [{"goal": "co2"}]})));
    let back: NetworkDoc =
        serde_json::from_str(&serde_json::to_string(&original).unwrap()).unwrap();
    assert_eq!(back, original);
    let plain = serde_json::to_string(&doc(dirty_or_dear(json!("cost")))).unwrap();
    assert!(!plain.contains("objective"));
}

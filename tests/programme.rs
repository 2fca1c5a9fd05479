//! The renovation programme beside the core model (docs/model.md §6): `renovations[].after`,
//! `renovations[].group` with `policy.max_concurrent_per_group`,
//! `policy.keep_sources` and `renovations[].window_cost`. Each on a small
//! document where it changes the answer, worked out by hand in the comments,
//! plus their validation.

mod common;

use common::docs::{assert_objective, doc, solve_value as solved};

use chainplan::model::{validate, NetworkDoc, Plan, PlanStatus};
use serde_json::{json, Value};

fn start(plan: &Plan, id: &str) -> Option<u32> {
    plan.renovations
        .iter()
        .find(|r| r.id == id)
        .expect("renovation in plan")
        .start
}

/// Two lines of capacity 10 at one plant, each making `p` at cost 1, each
/// with a one-period renovation; `demand` per period, `extra` merged in.
fn two_lines(demand: [f64; 4], renovations: Value, extra: Value) -> Value {
    let demands: Vec<Value> = demand
        .iter()
        .enumerate()
        .filter(|(_, q)| **q > 0.0)
        .map(|(t, q)| json!({"id": format!("d{t}"), "site": "plant", "item": "p", "period": t, "qty": q}))
        .collect();
    let mut v = json!({
        "horizon": {"periods": 4},
        "items": [{"id": "p"}],
        "enterprises": [{"id": "lead", "role": "leader"}],
        "sites": [{"id": "plant", "enterprise": "lead"}],
        "lines": [
            {"id": "l1", "site": "plant", "capacity": 10, "operations": [{"item": "p", "cost": 1}]},
            {"id": "l2", "site": "plant", "capacity": 10, "operations": [{"item": "p", "cost": 1}]}
        ],
        "demands": demands,
        "renovations": renovations,
    });
    if let (Some(obj), Some(ext)) = (v.as_object_mut(), extra.as_object()) {
        for (k, val) in ext {
            obj.insert(k.clone(), val.clone());
        }
    }
    v
}

/// r1 on l1 gains nothing; r2 on l2 triples its capacity to 30. Demand 20
/// per period, late penalty 1 per unit per period.
fn precedence(after: Value) -> Value {
    two_lines(
        [20.0; 4],
        json!([
            {"id": "r1", "line": "l1", "duration": 1, "earliest": 0, "latest": 3},
            {"id": "r2", "line": "l2", "duration": 1, "earliest": 0, "latest": 3,
             "capacity_factor": 3, "after": after}
        ]),
        json!({}),
    )
}

#[test]
fn after_makes_a_renovation_wait_for_its_prerequisite() {
    // Free: r2 first (t0: capacity 10, 10 late; t1: 40 from l1 10 + l2 30,
    // the 10 caught up) with r1 in t1 or later (capacity 30 still covers
    // 20 + 10): production 80 + late 10 = 90.
    let free = solved(precedence(json!([])));
    assert_objective(&free, 90.0);
    assert!(start(&free, "r2") <= start(&free, "r1"));
    // r2 after r1: r1 in t0 (10 late), r2 in t1 (capacity 10: 20 more
    // late), t2 catches up with 40: late 10 + 20 = 30, total 110 (r1 in t1
    // and r2 in t2 cost the same; later starts leave units unmet).
    let waiting = solved(precedence(json!(["r1"])));
    assert_objective(&waiting, 110.0);
    let (r1, r2) = (
        start(&waiting, "r1").unwrap(),
        start(&waiting, "r2").unwrap(),
    );
    assert!(
        r1 < r2,
        "r1 in {r1} must be finished before r2 starts in {r2}"
    );
}

#[test]
fn a_prerequisite_that_cannot_finish_in_time_is_named() {
    // r2 must start in t0, before r1 (which cannot finish before t1) is done.
    let mut v = precedence(json!(["r1"]));
    v["renovations"][1]["latest"] = json!(0);
    let plan = solved(v);
    assert_eq!(plan.status, PlanStatus::Infeasible);
    let paths: Vec<&str> = plan.conflicts.iter().map(|c| c.path.as_str()).collect();
    assert!(paths.contains(&"renovations[1].after[0]"), "{paths:?}");
}

/// Both lines triple to 30; r1 must start in t0, r2 in t0 or t1. Demand
/// 40 in t1 and t2; holding `p` at the plant costs 1 per unit per period.
fn concurrent(extra: Value) -> Value {
    let mut v = two_lines(
        [0.0, 40.0, 40.0, 0.0],
        json!([
            {"id": "r1", "line": "l1", "duration": 1, "earliest": 0, "latest": 0,
             "capacity_factor": 3, "group": "casting"},
            {"id": "r2", "line": "l2", "duration": 1, "earliest": 0, "latest": 1,
             "capacity_factor": 3, "group": "casting"}
        ]),
        extra,
    );
    v["stocks"] = json!([{"site": "plant", "item": "p", "holding_cost": 1}]);
    v
}

#[test]
fn a_group_limit_keeps_its_members_apart() {
    // Free: both down in t0, then 60 a period covers 40 on time: 80.
    let free = solved(concurrent(json!({})));
    assert_objective(&free, 80.0);
    assert_eq!(start(&free, "r2"), Some(0));
    // One casting line down at a time: r2 in t1, when l1 gives 30 of the
    // 40; the other 10 are made in t0 and held (10) or delivered late (10).
    let apart = solved(concurrent(
        json!({"policy": {"max_concurrent_per_group": 1}}),
    ));
    assert_objective(&apart, 90.0);
    assert_eq!(start(&apart, "r2"), Some(1));
    // Without a group the limit has nothing to hold together.
    let mut ungrouped = concurrent(json!({"policy": {"max_concurrent_per_group": 1}}));
    ungrouped["renovations"][1]
        .as_object_mut()
        .unwrap()
        .remove("group");
    assert_objective(&solved(ungrouped), 80.0);
}

#[test]
fn keep_sources_keeps_one_line_per_item_up() {
    // Both lines making p are renovated: one of them stays up, as above.
    let kept = solved(concurrent(json!({"policy": {"keep_sources": true}})));
    assert_objective(&kept, 90.0);
    assert_eq!(start(&kept, "r2"), Some(1));
    // A third line that is never renovated is a source that always stays
    // up (it makes p at cost 5, so it is not used): both may go down again.
    let mut third = concurrent(json!({"policy": {"keep_sources": true}}));
    third["lines"].as_array_mut().unwrap().push(
        json!({"id": "l3", "site": "plant", "capacity": 10, "operations": [{"item": "p", "cost": 5}]}),
    );
    let free = solved(third);
    assert_objective(&free, 80.0);
    assert_eq!(start(&free, "r2"), Some(0));
}

#[test]
fn a_group_limit_no_start_can_meet_is_named() {
    let mut v = concurrent(json!({"policy": {"max_concurrent_per_group": 1}}));
    v["renovations"][1]["latest"] = json!(0);
    let plan = solved(v);
    assert_eq!(plan.status, PlanStatus::Infeasible);
    // Dropping the group limit or either start resolves it; the conflicts
    // name one side or the other.
    let paths: Vec<&str> = plan.conflicts.iter().map(|c| c.path.as_str()).collect();
    assert!(
        paths.contains(&"policy.max_concurrent_per_group")
            || paths.iter().any(|p| p.starts_with("renovations[")),
        "{paths:?}"
    );
}

#[test]
fn window_cost_counts_the_downtime_inside_the_horizon() {
    // No demand; a two-period renovation costing 5 per period down. Started
    // in t3 only one of its periods falls inside the horizon: 5, against 10
    // for any earlier start.
    let v = json!({
        "horizon": {"periods": 4},
        "items": [{"id": "p"}],
        "enterprises": [{"id": "lead", "role": "leader"}],
        "sites": [{"id": "plant", "enterprise": "lead"}],
        "lines": [{"id": "l1", "site": "plant", "capacity": 10, "operations": [{"item": "p", "cost": 1}]}],
        "renovations": [{"id": "r", "line": "l1", "duration": 2, "earliest": 0, "latest": 3,
                         "window_cost": 5}]
    });
    let plan = solved(v);
    assert_objective(&plan, 5.0);
    assert_eq!(start(&plan, "r"), Some(3));
    assert!((plan.cost.renovation_window - 5.0).abs() < 1e-9);
}

#[test]
fn programme_fields_are_validated_with_their_paths() {
    let v = two_lines(
        [0.0; 4],
        json!([
            {"id": "r1", "line": "l1", "duration": 1, "earliest": 0, "latest": 3,
             "after": ["r2", "r1", "nope", "r2"], "window_cost": -1},
            {"id": "r2", "line": "l2", "duration": 1, "earliest": 0, "latest": 3,
             "after": ["r1"], "group": " "}
        ]),
        json!({}),
    );
    let report = validate(&doc(v));
    let found: Vec<(&str, &str)> = report
        .errors
        .iter()
        .map(|p| (p.path.as_str(), p.reason.as_str()))
        .collect();
    let has = |path: &str, words: &str| found.iter().any(|(p, r)| *p == path && r.contains(words));
    assert!(has("renovations[0].after[1]", "itself"), "{found:?}");
    assert!(
        has("renovations[0].after[2]", "unknown renovation"),
        "{found:?}"
    );
    assert!(has("renovations[0].after[3]", "twice"), "{found:?}");
    assert!(has("renovations[0].after", "cycle"), "{found:?}");
    assert!(has("renovations[0].window_cost", ""), "{found:?}");
    assert!(has("renovations[1].group", "empty"), "{found:?}");
}

#[test]
fn programme_fields_round_trip_through_json() {
    let original = doc(precedence(json!(["r1"])));
    let text = serde_json::to_string(&original).unwrap();
    assert!(text.contains("\"after\":[\"r1\"]"));
    let back: NetworkDoc = serde_json::from_str(&text).unwrap();
    assert_eq!(back, original);
    // A document without programme fields writes none of them.
    let plain = serde_json::to_string(&doc(precedence(json!([])))).unwrap();
    assert!(!plain.contains("after") && !plain.contains("window_cost"));
}

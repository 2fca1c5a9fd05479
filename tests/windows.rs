//! The time-window strategy on hand-checkable documents: a window must
//! look ahead to build for a peak just past its boundary. Where the look-
//! ahead is long enough the windows reach the optimum; where the peak needs
//! more pre-building than the look-ahead shows, the plan is still feasible,
//! with a valid bound, and the exact solve reaches the optimum.
//!
//! The first pass of windows plans 7 periods and settles 4: over 12
//! periods its windows are periods 0-6 (settling 0-3), 4-10 (settling 4-7)
//! and 8-11. The second pass plans 9 and settles 4: periods 0-8 (settling
//! 0-3) and 4-11.

mod common;

use chainplan::model::PlanStatus;
use chainplan::planning::{solve, Baseline, PlanError, Progress, SolveOptions, Strategy};
use common::checker::check;
use common::docs::doc;
use serde_json::json;
use std::sync::{Arc, Mutex};

/// One line of capacity 10 (1 a unit), stock held at 0.1 a unit and
/// period, and one demand of `qty` due in period 8 of 12.
fn peak(qty: f64) -> chainplan::model::NetworkDoc {
    doc(json!({
        "horizon": {"periods": 12},
        "items": [{"id": "p"}],
        "enterprises": [{"id": "lead", "role": "leader"}],
        "sites": [{"id": "plant", "enterprise": "lead"}],
        "lines": [{"id": "l", "site": "plant", "capacity": 10,
                   "operations": [{"item": "p", "cost": 1}]}],
        "stocks": [{"site": "plant", "item": "p", "holding_cost": 0.1}],
        "demands": [{"id": "peak", "site": "plant", "item": "p", "period": 8, "qty": qty}],
        "policy": {"late_penalty": 5, "unmet_penalty": 100}
    }))
}

fn with(strategy: Strategy) -> SolveOptions {
    SolveOptions {
        strategy,
        relative_gap: Some(0.0),
        ..SolveOptions::default()
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * b.abs().max(1.0)
}

#[test]
fn a_peak_the_look_ahead_sees_in_time_is_built_for_as_the_optimum_does() {
    let doc = peak(50.0);
    // 50 units made in periods 4-8; held 10, 20, 30 and 40 at the ends of
    // periods 4-7.
    let optimum = 50.0 + 0.1 * (10.0 + 20.0 + 30.0 + 40.0);
    let exact = solve(&doc, &with(Strategy::Exact)).unwrap();
    assert!(
        close(exact.objective.unwrap(), optimum),
        "{:?}",
        exact.objective
    );

    // The second window (periods 4-10) sees the demand and builds for it
    // from period 4; the third keeps what the second settled.
    let windows = solve(&doc, &with(Strategy::Windows)).unwrap();
    assert_eq!(windows.stats.strategy, "windows");
    assert_eq!(windows.status, PlanStatus::Feasible);
    assert!(
        close(windows.objective.unwrap(), optimum),
        "{:?}",
        windows.objective
    );
    let violations = check(&doc, &windows);
    assert!(violations.is_empty(), "{violations:#?}");
    let bound = windows.bound.expect("a bound");
    assert!(bound <= optimum + 1e-6, "bound {bound} above {optimum}");
}

#[test]
fn a_peak_needing_more_building_ahead_than_the_first_look_ahead_shows_is_met_by_the_second() {
    let doc = peak(80.0);
    // The optimum makes 80 in periods 1-8; held 10, 20, ..., 70 at the
    // ends of periods 1-7.
    let optimum = 80.0 + 0.1 * (10.0 + 20.0 + 30.0 + 40.0 + 50.0 + 60.0 + 70.0);
    let exact = solve(&doc, &with(Strategy::Exact)).unwrap();
    assert_eq!(exact.status, PlanStatus::Optimal);
    assert!(
        close(exact.objective.unwrap(), optimum),
        "{:?}",
        exact.objective
    );

    let seen: Arc<Mutex<Vec<Progress>>> = Arc::default();
    let sink = seen.clone();
    let options = SolveOptions {
        progress: Some(Arc::new(move |p: &Progress| {
            sink.lock().unwrap().push(p.clone())
        })),
        ..with(Strategy::Windows)
    };
    let windows = solve(&doc, &options).unwrap();
    // The first pass's first window (periods 0-6) does not see the demand
    // and settles periods 0-3 idle. Its second makes 10 a period from
    // period 4 and settles 4-7; its third makes 10 in each of periods 8-11:
    // 50 on time, then 10 one, two and three periods late (5 a unit and
    // period). Held: 10, 20, 30 and 40 at the ends of periods 4-7.
    let first = 80.0 + 0.1 * (10.0 + 20.0 + 30.0 + 40.0) + 10.0 * (5.0 + 10.0 + 15.0);
    let plans: Vec<f64> = seen
        .lock()
        .unwrap()
        .iter()
        .filter_map(|p| p.best_objective)
        .collect();
    assert!(
        plans.first().is_some_and(|&o| close(o, first)),
        "first pass {first}, seen {plans:?}"
    );
    // The second pass's first window (periods 0-8) sees the demand and
    // builds from period 1: the optimum.
    assert_eq!(windows.stats.strategy, "windows");
    assert!(
        close(windows.objective.unwrap(), optimum),
        "{:?}",
        windows.objective
    );
    let violations = check(&doc, &windows);
    assert!(violations.is_empty(), "{violations:#?}");
    let bound = windows.bound.expect("a bound");
    assert!(bound <= optimum + 1e-6, "bound {bound} above {optimum}");
}

#[test]
fn a_milp_is_solved_exactly_and_a_re_plan_is_refused_at_strategy() {
    let mut json = json!({
        "horizon": {"periods": 12},
        "items": [{"id": "p"}],
        "enterprises": [{"id": "lead", "role": "leader"}],
        "sites": [{"id": "plant", "enterprise": "lead"}],
        "lines": [{"id": "l", "site": "plant", "capacity": 10,
                   "operations": [{"item": "p", "cost": 1, "setup_cost": 3}]}],
        "stocks": [{"site": "plant", "item": "p", "holding_cost": 0.1}],
        "demands": [{"id": "peak", "site": "plant", "item": "p", "period": 9, "qty": 30}],
        "policy": {"late_penalty": 5, "unmet_penalty": 100}
    });
    let milp = doc(json.clone());
    let plan = solve(&milp, &with(Strategy::Windows)).unwrap();
    assert_eq!(plan.stats.strategy, "exact");
    assert_eq!(plan.status, PlanStatus::Optimal);

    json["lines"][0]["operations"][0]["setup_cost"] = json!(0);
    let lp = doc(json);
    let options = SolveOptions {
        baseline: Some(Baseline {
            production: Vec::new(),
            shipments: Vec::new(),
            freeze_until: 0,
            stability_penalty: 1.0,
            causes: Vec::new(),
            region: None,
            limits: Vec::new(),
        }),
        ..with(Strategy::Windows)
    };
    match solve(&lp, &options) {
        Err(PlanError::Option { field, .. }) => assert_eq!(field, "strategy"),
        other => panic!("expected an option error, got {other:?}"),
    }
}

#[test]
fn a_lead_time_longer_than_the_look_ahead_widens_the_windows() {
    // Seven periods on the lane: a unit for the demand due in period 10
    // must leave the plant by period 3, which a 7-period window settling
    // periods 0-3 could not see arrive. The windows grow to 4 + 7 periods.
    let doc = doc(json!({
        "horizon": {"periods": 12},
        "items": [{"id": "p"}],
        "enterprises": [{"id": "lead", "role": "leader"}, {"id": "c", "role": "customer"}],
        "sites": [{"id": "plant", "enterprise": "lead"}, {"id": "dc", "enterprise": "c"}],
        "lines": [{"id": "l", "site": "plant", "capacity": 10,
                   "operations": [{"item": "p", "cost": 1}]}],
        "lanes": [{"id": "sea", "from": "plant", "to": "dc", "items": ["p"], "lead_time": 7}],
        "demands": [{"id": "d", "site": "dc", "item": "p", "period": 10, "qty": 10}],
        "policy": {"late_penalty": 5, "unmet_penalty": 100}
    }));
    let windows = solve(&doc, &with(Strategy::Windows)).unwrap();
    assert_eq!(windows.stats.strategy, "windows");
    // Made and shipped in time: 10 units at 1, nothing late or unmet.
    assert!(
        close(windows.objective.unwrap(), 10.0),
        "{:?}",
        windows.objective
    );
    let violations = check(&doc, &windows);
    assert!(violations.is_empty(), "{violations:#?}");
}

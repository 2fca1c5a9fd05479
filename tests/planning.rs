//! Small documents whose optimum is worked out by hand (in the comments),
//! solved through the library API and asserted exactly (1e-6).

mod common;

use common::docs::{assert_objective, solve_value as solved};

use chainplan::model::{Plan, PlanStatus, ResourceKind};
use serde_json::{json, Value};

/// One leader site "plant" with the given lines, demands and extras.
fn single_site(periods: u32, lines: Value, demands: Value, extra: Value) -> Value {
    let mut v = json!({
        "horizon": {"periods": periods},
        "items": [{"id": "a"}, {"id": "b"}, {"id": "p"}],
        "enterprises": [{"id": "lead", "role": "leader"}],
        "sites": [{"id": "plant", "enterprise": "lead"}],
        "lines": lines,
        "demands": demands,
    });
    if let (Some(obj), Some(ext)) = (v.as_object_mut(), extra.as_object()) {
        for (k, val) in ext {
            obj.insert(k.clone(), val.clone());
        }
    }
    v
}

/// Supplier site "sup" ships over lanes to the leader's "plant".
fn two_sites(periods: u32, lanes: Value, demands: Value, extra: Value) -> Value {
    let mut v = json!({
        "horizon": {"periods": periods},
        "items": [{"id": "p"}],
        "enterprises": [{"id": "lead", "role": "leader"}, {"id": "s", "role": "supplier"}],
        "sites": [{"id": "plant", "enterprise": "lead"}, {"id": "sup", "enterprise": "s"}],
        "lines": [{"id": "l-sup", "site": "sup", "capacity": 100,
                   "operations": [{"item": "p", "cost": 1}]}],
        "lanes": lanes,
        "demands": demands,
    });
    if let (Some(obj), Some(ext)) = (v.as_object_mut(), extra.as_object()) {
        for (k, val) in ext {
            obj.insert(k.clone(), val.clone());
        }
    }
    v
}

#[test]
fn lead_time_delays_arrival_and_late_delivery_is_priced() {
    // Only a shipment in period 0 arrives inside the horizon (0 + 2 <= 2).
    // Make 15 (15) + ship 15 at 0.5 (7.5); demand due 1 is 1 period late (5 x 1).
    let plan = solved(two_sites(
        3,
        json!([{"id": "e", "from": "sup", "to": "plant", "items": ["p"], "lead_time": 2, "cost": 0.5}]),
        json!([{"id": "d1", "site": "plant", "item": "p", "period": 1, "qty": 5},
               {"id": "d2", "site": "plant", "item": "p", "period": 2, "qty": 10}]),
        json!({}),
    ));
    assert_objective(&plan, 27.5);
    assert!(plan
        .shipments
        .iter()
        .all(|s| s.period == 0 && s.arrival == 2));
    assert_eq!(plan.service.late, 5.0);
    assert_eq!(plan.service.on_time, 10.0);
}

#[test]
fn bill_of_materials_consumes_inputs_in_the_same_period() {
    // 4 b need 8 a: 8 x 2 + 4 x 3 = 28.
    let plan = solved(single_site(
        1,
        json!([{"id": "la", "site": "plant", "capacity": 100, "operations": [{"item": "a", "cost": 2}]},
               {"id": "lb", "site": "plant", "capacity": 100,
                "operations": [{"item": "b", "cost": 3, "inputs": [{"item": "a", "qty": 2}]}]}]),
        json!([{"id": "d", "site": "plant", "item": "b", "period": 0, "qty": 4}]),
        json!({}),
    ));
    assert_objective(&plan, 28.0);
    let made_a: f64 = plan
        .production
        .iter()
        .filter(|p| p.item == "a")
        .map(|p| p.qty)
        .sum();
    assert!((made_a - 8.0).abs() < 1e-9);
}

#[test]
fn downtime_removes_capacity_and_the_rest_is_late_or_unmet() {
    // Period 0 is down; period 1 makes 10: 8 for d1 on time, 2 of d0 one
    // period late (2), 3 of d0 unmet (300). Production 10.
    let plan = solved(single_site(
        2,
        json!([{"id": "l", "site": "plant", "capacity": 10, "downtime": [0],
                "operations": [{"item": "p", "cost": 1}]}]),
        json!([{"id": "d0", "site": "plant", "item": "p", "period": 0, "qty": 5},
               {"id": "d1", "site": "plant", "item": "p", "period": 1, "qty": 8}]),
        json!({}),
    ));
    assert_objective(&plan, 312.0);
    assert!(plan.production.iter().all(|p| p.period == 1));
    assert_eq!(plan.service.unmet, 3.0);
}

#[test]
fn lane_capacity_forces_early_shipment_and_is_a_bottleneck() {
    // 6 per period: ship 4 in period 0 (held one period at 0.5 = 2) and 6 in
    // period 1; production 10. One more unit of lane capacity in period 1
    // saves 0.5 of holding.
    let plan = solved(two_sites(
        2,
        json!([{"id": "e", "from": "sup", "to": "plant", "items": ["p"], "capacity": 6}]),
        json!([{"id": "d", "site": "plant", "item": "p", "period": 1, "qty": 10}]),
        json!({"stocks": [{"site": "plant", "item": "p", "holding_cost": 0.5}]}),
    ));
    assert_objective(&plan, 12.0);
    let top = &plan.bottlenecks[0];
    assert_eq!((top.id.as_str(), top.period), ("e", 1));
    assert!((top.shadow_price - 0.5).abs() < 1e-6);
}

#[test]
fn setups_trade_against_holding() {
    // Demand 5 per period for 3 periods, setup 10, holding 1, lateness too
    // dear to use: one setup in period 0 making 15 costs 10 + 15 + holding
    // (10 + 5) = 40; two setups (periods 0 and 2) 20 + 15 + 5 = 40; three 45.
    let plan = solved(single_site(
        3,
        json!([{"id": "l", "site": "plant", "capacity": 100,
                "operations": [{"item": "p", "cost": 1, "setup_cost": 10}]}]),
        json!([{"id": "d0", "site": "plant", "item": "p", "period": 0, "qty": 5},
               {"id": "d1", "site": "plant", "item": "p", "period": 1, "qty": 5},
               {"id": "d2", "site": "plant", "item": "p", "period": 2, "qty": 5}]),
        json!({"stocks": [{"site": "plant", "item": "p", "holding_cost": 1}],
               "policy": {"late_penalty": 100}}),
    ));
    assert_objective(&plan, 40.0);
}

#[test]
fn min_lot_forces_a_larger_run() {
    // Demand 5, min lot 8, setup 10: make 8 (8) + setup 10 = 18.
    let plan = solved(single_site(
        1,
        json!([{"id": "l", "site": "plant", "capacity": 100,
                "operations": [{"item": "p", "cost": 1, "setup_cost": 10, "min_lot": 8}]}]),
        json!([{"id": "d", "site": "plant", "item": "p", "period": 0, "qty": 5}]),
        json!({}),
    ));
    assert_objective(&plan, 18.0);
    assert!((plan.production[0].qty - 8.0).abs() < 1e-6);
}

#[test]
fn setup_time_uses_capacity() {
    // Capacity 10 less setup time 4 leaves 6: 6 made (6) + setup 10 + 2 unmet (200).
    let plan = solved(single_site(
        1,
        json!([{"id": "l", "site": "plant", "capacity": 10,
                "operations": [{"item": "p", "cost": 1, "setup_cost": 10, "setup_time": 4}]}]),
        json!([{"id": "d", "site": "plant", "item": "p", "period": 0, "qty": 8}]),
        json!({}),
    ));
    assert_objective(&plan, 216.0);
}

#[test]
fn renovation_starts_in_the_cheapest_period() {
    // Capacity 10, demand 10 per period, renovation of 1 period in 1..=3
    // doubling capacity and halving unit cost afterwards.
    // start 1: 10 (t0) + d1 late into t2 (10 late + 20 x 0.5) + t3 (5) = 35;
    // start 2: 10 + 10 + d2 late into t3 (10 + 10) = 40; start 3: d3 unmet.
    let plan = solved(single_site(
        4,
        json!([{"id": "l", "site": "plant", "capacity": 10,
                "operations": [{"item": "p", "cost": 1}]}]),
        json!([{"id": "d0", "site": "plant", "item": "p", "period": 0, "qty": 10},
               {"id": "d1", "site": "plant", "item": "p", "period": 1, "qty": 10},
               {"id": "d2", "site": "plant", "item": "p", "period": 2, "qty": 10},
               {"id": "d3", "site": "plant", "item": "p", "period": 3, "qty": 10}]),
        json!({"renovations": [{"id": "r", "line": "l", "duration": 1, "earliest": 1, "latest": 3,
                                "capacity_factor": 2, "cost_factor": 0.5}]}),
    ));
    assert_objective(&plan, 35.0);
    assert_eq!(plan.renovations[0].start, Some(1));
    assert_eq!(plan.renovations[0].end, Some(1));
}

fn sourcing(min_share: Option<f64>, max_share: Option<f64>) -> Value {
    let mut cheap = json!({"id": "cheap", "from": "s1", "to": "plant", "items": ["p"]});
    let mut dear = json!({"id": "dear", "from": "s2", "to": "plant", "items": ["p"]});
    if let Some(m) = max_share {
        cheap["max_share"] = json!(m);
    }
    if let Some(m) = min_share {
        dear["min_share"] = json!(m);
    }
    json!({
        "horizon": {"periods": 1},
        "items": [{"id": "p"}],
        "enterprises": [{"id": "lead", "role": "leader"}, {"id": "a", "role": "supplier"},
                        {"id": "b", "role": "supplier"}],
        "sites": [{"id": "plant", "enterprise": "lead"}, {"id": "s1", "enterprise": "a"},
                  {"id": "s2", "enterprise": "b"}],
        "lines": [{"id": "l1", "site": "s1", "capacity": 100, "operations": [{"item": "p", "cost": 1}]},
                  {"id": "l2", "site": "s2", "capacity": 100, "operations": [{"item": "p", "cost": 2}]}],
        "lanes": [cheap, dear],
        "demands": [{"id": "d", "site": "plant", "item": "p", "period": 0, "qty": 10}]
    })
}

#[test]
fn shares_split_sourcing() {
    // Unbounded: all 10 from the cheap supplier.
    assert_objective(&solved(sourcing(None, None)), 10.0);
    // min_share 0.3 on the dear lane: 7 x 1 + 3 x 2 = 13.
    let plan = solved(sourcing(Some(0.3), None));
    assert_objective(&plan, 13.0);
    let b = plan
        .allocations
        .iter()
        .find(|a| a.enterprise == "b")
        .unwrap();
    let shipped: f64 = b
        .entries
        .iter()
        .filter(|e| e.resource == "dear")
        .map(|e| e.qty)
        .sum();
    assert!((shipped - 3.0).abs() < 1e-9);
    // max_share 0.6 on the cheap lane: 6 + 4 x 2 = 14.
    assert_objective(&solved(sourcing(None, Some(0.6))), 14.0);
}

fn two_lines_with_co2(policy: Value) -> Value {
    single_site(
        1,
        json!([{"id": "dirty", "site": "plant", "capacity": 100,
                "operations": [{"item": "p", "cost": 1, "co2": 5}]},
               {"id": "clean", "site": "plant", "capacity": 100,
                "operations": [{"item": "p", "cost": 3, "co2": 1}]}]),
        json!([{"id": "d", "site": "plant", "item": "p", "period": 0, "qty": 10}]),
        json!({ "policy": policy }),
    )
}

#[test]
fn carbon_price_moves_production_to_the_clean_line() {
    assert_objective(&solved(two_lines_with_co2(json!({}))), 10.0);
    // Price 1: dirty costs 6 per unit, clean 4: 10 x 3 + carbon 10 = 40.
    let plan = solved(two_lines_with_co2(json!({"carbon_price": 1})));
    assert_objective(&plan, 40.0);
    assert_eq!(plan.cost.carbon, 10.0);
    assert_eq!(plan.emissions, 10.0);
}

#[test]
fn carbon_cap_limits_emissions() {
    // 5 x1 + x2 <= 30 with x1 + x2 = 10: x1 = 5, x2 = 5, cost 5 + 15 = 20.
    let plan = solved(two_lines_with_co2(json!({"carbon_cap": 30})));
    assert_objective(&plan, 20.0);
    assert!((plan.emissions - 30.0).abs() < 1e-6);
}

#[test]
fn infeasible_carbon_cap_is_named() {
    // 20 units must leave "sup" (its maximum stock is 0) over a lane emitting
    // 1 per unit, but the cap allows 10.
    let plan = solved(two_sites(
        1,
        json!([{"id": "e", "from": "sup", "to": "plant", "items": ["p"], "co2": 1}]),
        json!([]),
        json!({"stocks": [{"site": "sup", "item": "p", "initial": 20, "max": 0}],
               "policy": {"carbon_cap": 10}}),
    ));
    assert_eq!(plan.status, PlanStatus::Infeasible);
    assert!(plan.objective.is_none());
    assert!(
        plan.conflicts.iter().any(|c| c.path == "policy.carbon_cap"),
        "{:?}",
        plan.conflicts
    );
}

#[test]
fn safety_stock_is_kept_when_cheaper_than_the_penalty() {
    // Holding 5 for 2 periods costs 5 + 10 = 15 < shortfall 2 x 5 x 2 = 20.
    let stock = |penalty: f64| {
        single_site(
            2,
            json!([{"id": "l", "site": "plant", "capacity": 100, "operations": [{"item": "p", "cost": 1}]}]),
            json!([]),
            json!({"stocks": [{"site": "plant", "item": "p", "holding_cost": 1, "safety": 5}],
                   "policy": {"safety_penalty": penalty}}),
        )
    };
    assert_objective(&solved(stock(2.0)), 15.0);
    // At 0.5 the shortfall (5 x 2 x 0.5 = 5) is cheaper than stock.
    let plan = solved(stock(0.5));
    assert_objective(&plan, 5.0);
    assert_eq!(plan.cost.safety, 5.0);
}

#[test]
fn late_or_unmet_follows_the_penalties_and_receipts_supply() {
    // 20 units arrive in period 2 only. d1 (late 3, unmet 100): 2 periods late
    // costs 60 < 1000. d2 (late 3, unmet 5): unmet 50 < 60. d3 is met on time
    // by a receipt in its own period.
    let plan = solved(single_site(
        3,
        json!([]),
        json!([{"id": "d1", "site": "plant", "item": "p", "period": 0, "qty": 10, "late_penalty": 3},
               {"id": "d2", "site": "plant", "item": "p", "period": 0, "qty": 10, "late_penalty": 3,
                "unmet_penalty": 5},
               {"id": "d3", "site": "plant", "item": "a", "period": 1, "qty": 5}]),
        json!({"receipts": [{"site": "plant", "item": "p", "period": 2, "qty": 20},
                            {"site": "plant", "item": "a", "period": 1, "qty": 5}]}),
    ));
    assert_objective(&plan, 110.0);
    assert_eq!(plan.cost.late, 60.0);
    assert_eq!(plan.cost.unmet, 50.0);
    assert_eq!(plan.service.on_time, 5.0);
    let d1 = plan.deliveries.iter().find(|d| d.demand == "d1").unwrap();
    assert_eq!((d1.period, d1.late_by), (2, 2));
}

/// 10 units of `p` arrive in period 1 for a demand of 10 due in period 0
/// (late 3 per unit and period, unmet 2 per unit), over 3 periods, with the
/// given stock record.
fn late_receipt(stock: Value) -> Value {
    single_site(
        3,
        json!([]),
        json!([{"id": "d", "site": "plant", "item": "p", "period": 0, "qty": 10,
                "late_penalty": 3, "unmet_penalty": 2}]),
        json!({"receipts": [{"site": "plant", "item": "p", "period": 1, "qty": 10}],
               "stocks": [stock]}),
    )
}

#[test]
fn a_late_delivery_dearer_than_unmet_units_kept_in_stock_is_never_made() {
    // Holding 2: unmet costs 20 + holding 10 units at the end of periods 1
    // and 2 (40) = 60; one period late costs 30.
    let plan = solved(late_receipt(
        json!({"site": "plant", "item": "p", "holding_cost": 2}),
    ));
    assert_objective(&plan, 30.0);
    assert_eq!((plan.service.late, plan.service.unmet), (10.0, 0.0));
    // Free holding: unmet (20) beats one period late (30).
    let plan = solved(late_receipt(json!({"site": "plant", "item": "p"})));
    assert_objective(&plan, 20.0);
    assert_eq!((plan.service.late, plan.service.unmet), (0.0, 10.0));
    // A stock limit of 5 forces 5 out in period 1: 5 late (15) + 5 unmet (10).
    let plan = solved(late_receipt(
        json!({"site": "plant", "item": "p", "max": 5}),
    ));
    assert_objective(&plan, 25.0);
    assert_eq!((plan.service.late, plan.service.unmet), (5.0, 5.0));
}

#[test]
fn optional_renovation_is_skipped_when_it_does_not_pay() {
    // The line has slack and the renovation changes nothing: not done.
    let plan = solved(single_site(
        2,
        json!([{"id": "l", "site": "plant", "capacity": 10, "operations": [{"item": "p", "cost": 1}]}]),
        json!([{"id": "d", "site": "plant", "item": "p", "period": 0, "qty": 10}]),
        json!({"renovations": [{"id": "r", "line": "l", "duration": 1, "earliest": 0, "latest": 1,
                                "optional": true}]}),
    ));
    assert_objective(&plan, 10.0);
    assert_eq!(plan.renovations[0].start, None);
}

#[test]
fn renovation_budget_too_small_for_a_mandatory_renovation_is_named() {
    let plan = solved(single_site(
        2,
        json!([{"id": "l", "site": "plant", "capacity": 10, "operations": [{"item": "p", "cost": 1}]}]),
        json!([]),
        json!({"renovations": [{"id": "r", "line": "l", "duration": 1, "earliest": 0, "latest": 1,
                                "capex": 500, "subsidy": 100}],
               "policy": {"renovation_budget": 300}}),
    ));
    assert_eq!(plan.status, PlanStatus::Infeasible);
    let paths: Vec<&str> = plan.conflicts.iter().map(|c| c.path.as_str()).collect();
    assert!(
        paths.contains(&"policy.renovation_budget") || paths.contains(&"renovations[0]"),
        "{paths:?}"
    );
}

/// The bottlenecks as (kind, id, period, shadow price), asserted in order
/// (largest first) to 1e-6.
fn assert_bottlenecks(plan: &Plan, expected: &[(ResourceKind, &str, u32, f64)]) {
    let got: Vec<(ResourceKind, &str, u32, f64)> = plan
        .bottlenecks
        .iter()
        .map(|b| (b.kind, b.id.as_str(), b.period, b.shadow_price))
        .collect();
    assert_eq!(got.len(), expected.len(), "{got:?}");
    for (g, e) in got.iter().zip(expected) {
        assert!(
            (g.0, g.1, g.2) == (e.0, e.1, e.2) && (g.3 - e.3).abs() < 1e-6,
            "{got:?}, expected {expected:?}"
        );
    }
}

/// A supplier "sup" with one line making p (cost 1, the given setup cost,
/// capacity to spare) ships over lane "e" (10 per period, 2 periods) to the
/// customer site "cust", holding 0.5 there; 30 p are due at "cust" in period 1.
fn lane_bound_supplier(setup_cost: f64) -> Value {
    json!({
        "horizon": {"periods": 2},
        "items": [{"id": "p"}],
        "enterprises": [{"id": "lead", "role": "leader"}, {"id": "s", "role": "supplier"},
                        {"id": "c", "role": "customer"}],
        "sites": [{"id": "sup", "enterprise": "s"}, {"id": "cust", "enterprise": "c"}],
        "lines": [{"id": "l-sup", "site": "sup", "capacity": 100,
                   "operations": [{"item": "p", "cost": 1, "setup_cost": setup_cost}]}],
        "lanes": [{"id": "e", "from": "sup", "to": "cust", "items": ["p"], "capacity": 10}],
        "stocks": [{"site": "cust", "item": "p", "holding_cost": 0.5}],
        "demands": [{"id": "d", "site": "cust", "item": "p", "period": 1, "qty": 30}],
        "policy": {"late_penalty": 1, "unmet_penalty": 100}
    })
}

#[test]
fn lane_bottlenecks_of_a_milp_are_priced_from_their_own_rows() {
    // Ship 10 in period 0 (held at "cust" for 0.5 each) and 10 in period 1;
    // deliver 20 on time, 10 unmet: 20 + 5 + 1000 = 1025, plus one setup in
    // period 0 when setups cost 1 (making 20 then, held at "sup" for free,
    // beats a second setup). One more unit of lane capacity in period 1 is
    // made (1), shipped and delivered: 100 - 1 = 99; in period 0 it is also
    // held at "cust": 99 - 0.5 = 98.5. The MILP prices with its integers
    // fixed, an LP that leaves out the setup link of period 0 (fixed at 1).
    for (setup_cost, objective, integers) in [(0.0, 1025.0, false), (1.0, 1026.0, true)] {
        let plan = solved(lane_bound_supplier(setup_cost));
        assert_objective(&plan, objective);
        assert_eq!(plan.stats.integer_variables > 0, integers);
        assert_eq!(plan.service.unmet, 10.0);
        assert_bottlenecks(
            &plan,
            &[
                (ResourceKind::Lane, "e", 1, 99.0),
                (ResourceKind::Lane, "e", 0, 98.5),
            ],
        );
    }
}

#[test]
fn line_bottlenecks_of_a_milp_are_priced_from_their_own_rows() {
    // Capacity 10 per period, 25 p due in period 1, holding 0.5: make 10 in
    // each period (10 held for 5), deliver 20 on time, 5 unmet:
    // 20 + 5 + 500 = 525, plus two setups (one setup alone leaves 15 unmet)
    // when they cost 1. One more unit of capacity in period 1 saves
    // 100 - 1 = 99; in period 0 the unit is also held: 98.5.
    for (setup_cost, objective, integers) in [(0.0, 525.0, false), (1.0, 527.0, true)] {
        let plan = solved(single_site(
            2,
            json!([{"id": "l", "site": "plant", "capacity": 10,
                    "operations": [{"item": "p", "cost": 1, "setup_cost": setup_cost}]}]),
            json!([{"id": "d", "site": "plant", "item": "p", "period": 1, "qty": 25}]),
            json!({"stocks": [{"site": "plant", "item": "p", "holding_cost": 0.5}]}),
        ));
        assert_objective(&plan, objective);
        assert_eq!(plan.stats.integer_variables > 0, integers);
        assert_bottlenecks(
            &plan,
            &[
                (ResourceKind::Line, "l", 1, 99.0),
                (ResourceKind::Line, "l", 0, 98.5),
            ],
        );
    }
}

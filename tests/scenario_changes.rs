//! Scenario changes through the library API: each change alters exactly the
//! fields it names, has the expected effect on the solved plan of a small
//! document, and is rejected with its path when it cannot apply. The change
//! list file format (`--change FILE`) is checked against the fixture
//! `tests/fixtures/scenario/changes.json`.
//!
//! The base document (`base_json`): a mill makes raw `r` (cost 1, co2 2) and
//! sends it over the unlimited lane `e-in` (lead 0, 0.5 / 0.5) to the plant,
//! which makes `p` from it (cost 2, co2 1) and ships over `e-out` (lead 1,
//! capacity 40, 1 / 1) to the customer's `dc`, where 10, 20 and 30 units are
//! due in periods 1, 2 and 3. Holding costs make the plan just in time:
//! 10, 20, 30 made on both lines in periods 0, 1, 2. Per unit: production 3,
//! transport 1.5, emissions 4.5; objective 270.

use std::collections::BTreeSet;

use chainplan::model::scenario::{apply_changes, unlimited_stand_in, ScenarioChange};
use chainplan::model::{parse_network, NetworkDoc, PerPeriod, Plan, PlanStatus};
use chainplan::planning::{solve, SolveOptions};
use serde_json::{json, Value};

fn base_json() -> Value {
    json!({
        "horizon": {"periods": 4},
        "items": [{"id": "r"}, {"id": "p"}],
        "enterprises": [
            {"id": "lead", "role": "leader"},
            {"id": "sup", "role": "supplier"},
            {"id": "cust", "role": "customer"}
        ],
        "sites": [
            {"id": "mill", "enterprise": "sup"},
            {"id": "plant", "enterprise": "lead"},
            {"id": "dc", "enterprise": "cust"}
        ],
        "lines": [
            {"id": "l-mill", "site": "mill", "capacity": 100,
             "operations": [{"item": "r", "cost": 1, "co2": 2}]},
            {"id": "l-plant", "site": "plant", "capacity": 50,
             "operations": [{"item": "p", "cost": 2, "co2": 1, "inputs": [{"item": "r", "qty": 1}]}]}
        ],
        "lanes": [
            {"id": "e-in", "from": "mill", "to": "plant", "items": ["r"], "cost": 0.5, "co2": 0.5},
            {"id": "e-out", "from": "plant", "to": "dc", "items": ["p"], "lead_time": 1,
             "capacity": 40, "cost": 1, "co2": 1}
        ],
        "stocks": [
            {"site": "mill", "item": "r", "holding_cost": 0.1},
            {"site": "plant", "item": "r", "holding_cost": 0.1},
            {"site": "plant", "item": "p", "holding_cost": 0.1},
            {"site": "dc", "item": "p", "holding_cost": 0.1}
        ],
        "demands": [
            {"id": "d1", "site": "dc", "item": "p", "period": 1, "qty": 10},
            {"id": "d2", "site": "dc", "item": "p", "period": 2, "qty": 20},
            {"id": "d3", "site": "dc", "item": "p", "period": 3, "qty": 30}
        ]
    })
}

/// The base document with a renovation of the plant line that halves its
/// unit cost from the period after it, so the plan always wants it.
fn renovated_json() -> Value {
    let mut v = base_json();
    v["renovations"] = json!([
        {"id": "r-plant", "line": "l-plant", "duration": 1, "earliest": 0, "latest": 3,
         "cost_factor": 0.5, "optional": true}
    ]);
    v
}

fn doc(v: Value) -> NetworkDoc {
    parse_network(&v.to_string())
        .expect("test document is valid")
        .0
}

fn base() -> NetworkDoc {
    doc(base_json())
}

fn changes(v: Value) -> Vec<ScenarioChange> {
    serde_json::from_value(v).expect("change list parses")
}

fn applied(base: &NetworkDoc, list: Value) -> NetworkDoc {
    apply_changes(base, &changes(list)).unwrap_or_else(|p| panic!("changes apply: {p:#?}"))
}

/// The paths of every problem of a change list that must not apply.
fn rejected(base: &NetworkDoc, list: &[ScenarioChange]) -> Vec<String> {
    match apply_changes(base, list) {
        Ok(_) => panic!("changes apply, expected problems: {list:#?}"),
        Err(problems) => problems.into_iter().map(|p| p.path).collect(),
    }
}

fn rejected_json(base: &NetworkDoc, list: Value) -> Vec<String> {
    rejected(base, &changes(list))
}

/// The JSON paths at which two documents differ: objects by key, arrays of the
/// same length by index, anything else (scalars, arrays that changed length,
/// a number that became an array) at its own path.
fn changed(before: &NetworkDoc, after: &NetworkDoc) -> BTreeSet<String> {
    fn walk(path: &str, a: &Value, b: &Value, out: &mut BTreeSet<String>) {
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
                for k in keys {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    match (x.get(k), y.get(k)) {
                        (Some(u), Some(v)) => walk(&p, u, v, out),
                        _ => {
                            out.insert(p);
                        }
                    }
                }
            }
            (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
                for (i, (u, v)) in x.iter().zip(y).enumerate() {
                    walk(&format!("{path}[{i}]"), u, v, out);
                }
            }
            _ => {
                if a != b {
                    out.insert(path.to_string());
                }
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(
        "",
        &serde_json::to_value(before).unwrap(),
        &serde_json::to_value(after).unwrap(),
        &mut out,
    );
    out
}

fn set(paths: &[&str]) -> BTreeSet<String> {
    paths.iter().map(|p| p.to_string()).collect()
}

fn solved(doc: &NetworkDoc) -> Plan {
    let plan = solve(doc, &SolveOptions::default()).expect("solves");
    assert_eq!(plan.status, PlanStatus::Optimal, "{plan:#?}");
    plan
}

fn produced(plan: &Plan, line: &str, period: u32) -> f64 {
    plan.production
        .iter()
        .filter(|p| p.line == line && p.period == period)
        .map(|p| p.qty)
        .sum()
}

fn shipped(plan: &Plan, lane: &str, period: u32) -> f64 {
    plan.shipments
        .iter()
        .filter(|s| s.lane == lane && s.period == period)
        .map(|s| s.qty)
        .sum()
}

fn assert_near(got: f64, expected: f64) {
    assert!(
        (got - expected).abs() <= 1e-6 * expected.abs().max(1.0),
        "got {got}, expected {expected}"
    );
}

#[test]
fn the_base_plan_is_just_in_time() {
    let plan = solved(&base());
    assert_near(plan.objective.unwrap(), 270.0);
    for (t, qty) in [(0, 10.0), (1, 20.0), (2, 30.0)] {
        assert_near(produced(&plan, "l-plant", t), qty);
        assert_near(produced(&plan, "l-mill", t), qty);
        assert_near(shipped(&plan, "e-in", t), qty);
        assert_near(shipped(&plan, "e-out", t), qty);
    }
    assert_near(plan.emissions, 270.0);
}

// ---- outage ----

#[test]
fn line_outage_adds_downtime_only() {
    let base = base();
    let next = applied(
        &base,
        json!([{"type": "outage", "scope": {"line": "l-plant"}, "periods": {"first": 0, "last": 1}}]),
    );
    assert_eq!(changed(&base, &next), set(&["lines[1].downtime"]));
    assert_eq!(next.lines[1].downtime, vec![0, 1]);

    // Periods already down keep their place and are not repeated.
    let again = applied(
        &next,
        json!([{"type": "outage", "scope": {"line": "l-plant"}, "periods": {"first": 1, "last": 2}}]),
    );
    assert_eq!(again.lines[1].downtime, vec![0, 1, 2]);
}

#[test]
fn line_outage_stops_production_on_that_line_in_its_periods() {
    let base = base();
    let before = solved(&base);
    assert!(produced(&before, "l-plant", 1) > 0.0);
    let next = applied(
        &base,
        json!([{"type": "outage", "scope": {"line": "l-plant"}, "periods": {"first": 0, "last": 1}}]),
    );
    let plan = solved(&next);
    for t in 0..=1 {
        assert_eq!(produced(&plan, "l-plant", t), 0.0, "period {t}");
    }
    assert!(plan.service.on_time < before.service.on_time);
}

#[test]
fn site_outage_downs_its_lines_and_closes_its_lanes_both_ways() {
    let base = base();
    let next = applied(
        &base,
        json!([{"type": "outage", "scope": {"site": "plant"}, "periods": {"first": 1, "last": 2}}]),
    );
    assert_eq!(
        changed(&base, &next),
        set(&[
            "lines[1].downtime",
            "lanes[0].capacity",
            "lanes[1].capacity"
        ])
    );
    assert_eq!(next.lines[1].downtime, vec![1, 2]);
    // e-out leaves the plant: departures 1 and 2 closed.
    assert_eq!(
        next.lanes[1].capacity,
        Some(PerPeriod::Series(vec![40.0, 0.0, 0.0, 40.0]))
    );
    // e-in was unlimited: its open periods get the stand-in, the units this
    // document can ever hold (400 + 200 made) rounded up to a power of ten.
    assert_eq!(unlimited_stand_in(&next), Ok(1000.0));
    assert_eq!(
        next.lanes[0].capacity,
        Some(PerPeriod::Series(vec![1000.0, 0.0, 0.0, 1000.0]))
    );
}

#[test]
fn site_outage_closes_inbound_lanes_by_arrival_period() {
    // With lead time 2 into the plant, what would arrive in periods 2..=3
    // leaves in 0..=1; what leaves the plant in 2..=3 is closed as it leaves.
    let mut v = base_json();
    v["lanes"][0]["lead_time"] = json!(2);
    let base = doc(v);
    let next = applied(
        &base,
        json!([{"type": "outage", "scope": {"site": "plant"}, "periods": {"first": 2, "last": 3}}]),
    );
    assert_eq!(
        next.lanes[0].capacity,
        Some(PerPeriod::Series(vec![0.0, 0.0, 1000.0, 1000.0]))
    );
    assert_eq!(
        next.lanes[1].capacity,
        Some(PerPeriod::Series(vec![40.0, 40.0, 0.0, 0.0]))
    );
}

#[test]
fn site_outage_stops_making_shipping_and_receiving_in_its_periods() {
    let base = base();
    let before = solved(&base);
    assert!(shipped(&before, "e-in", 1) > 0.0 && shipped(&before, "e-out", 2) > 0.0);
    let next = applied(
        &base,
        json!([{"type": "outage", "scope": {"site": "plant"}, "periods": {"first": 1, "last": 2}}]),
    );
    let plan = solved(&next);
    for t in 1..=2 {
        assert_eq!(produced(&plan, "l-plant", t), 0.0, "period {t}");
        assert_eq!(shipped(&plan, "e-out", t), 0.0, "period {t}");
    }
    assert!(plan
        .shipments
        .iter()
        .filter(|s| s.lane == "e-in")
        .all(|s| !(1..=2).contains(&s.arrival)));
}

#[test]
fn enterprise_outage_takes_down_every_site_of_the_enterprise() {
    let base = base();
    let next = applied(
        &base,
        json!([{"type": "outage", "scope": {"enterprise": "sup"}, "periods": {"first": 0, "last": 0}}]),
    );
    assert_eq!(
        changed(&base, &next),
        set(&["lines[0].downtime", "lanes[0].capacity"])
    );
    let plan = solved(&next);
    assert_eq!(produced(&plan, "l-mill", 0), 0.0);
    assert_eq!(shipped(&plan, "e-in", 0), 0.0);
    // Nothing can be made for the demand due in period 1.
    assert_near(plan.service.on_time, 50.0);
}

// ---- capacity_factor ----

#[test]
fn line_capacity_factor_scales_that_line_in_its_periods_only() {
    let base = base();
    let next = applied(
        &base,
        json!([{"type": "capacity_factor", "target": {"line": "l-plant"},
                "periods": {"first": 1, "last": 1}, "factor": 0.2}]),
    );
    assert_eq!(changed(&base, &next), set(&["lines[1].capacity"]));
    assert_eq!(
        next.lines[1].capacity,
        PerPeriod::Series(vec![50.0, 10.0, 50.0, 50.0])
    );
    let plan = solved(&next);
    assert!(produced(&plan, "l-plant", 1) <= 10.0 + 1e-6);
    assert!(produced(&solved(&base), "l-plant", 1) > 10.0);

    // Over the whole horizon a single number stays a single number.
    let whole = applied(
        &base,
        json!([{"type": "capacity_factor", "target": {"line": "l-plant"},
                "periods": {"first": 0, "last": 3}, "factor": 1.5}]),
    );
    assert_eq!(whole.lines[1].capacity, PerPeriod::Scalar(75.0));
}

#[test]
fn lane_capacity_factor_scales_a_capped_lane() {
    let base = base();
    let next = applied(
        &base,
        json!([{"type": "capacity_factor", "target": {"lane": "e-out"},
                "periods": {"first": 2, "last": 2}, "factor": 0.5}]),
    );
    assert_eq!(changed(&base, &next), set(&["lanes[1].capacity"]));
    assert_eq!(
        next.lanes[1].capacity,
        Some(PerPeriod::Series(vec![40.0, 40.0, 20.0, 40.0]))
    );
    assert!(shipped(&solved(&base), "e-out", 2) > 20.0);
    assert!(shipped(&solved(&next), "e-out", 2) <= 20.0 + 1e-6);
}

#[test]
fn unlimited_lane_stays_unlimited_unless_the_factor_is_zero() {
    let base = base();
    let scaled = applied(
        &base,
        json!([{"type": "capacity_factor", "target": {"lane": "e-in"},
                "periods": {"first": 0, "last": 3}, "factor": 3}]),
    );
    assert_eq!(scaled, base);

    let zero = applied(
        &base,
        json!([{"type": "capacity_factor", "target": {"lane": "e-in"},
                "periods": {"first": 1, "last": 1}, "factor": 0}]),
    );
    let closed = applied(
        &base,
        json!([{"type": "lane_closure", "lane": "e-in", "periods": {"first": 1, "last": 1}}]),
    );
    assert_eq!(zero, closed);
    assert_eq!(shipped(&solved(&zero), "e-in", 1), 0.0);
}

// ---- lane_closure ----

#[test]
fn lane_closure_zeroes_the_lane_in_its_periods_only() {
    let base = base();
    let next = applied(
        &base,
        json!([{"type": "lane_closure", "lane": "e-out", "periods": {"first": 1, "last": 1}}]),
    );
    assert_eq!(changed(&base, &next), set(&["lanes[1].capacity"]));
    assert_eq!(
        next.lanes[1].capacity,
        Some(PerPeriod::Series(vec![40.0, 0.0, 40.0, 40.0]))
    );
    assert!(shipped(&solved(&base), "e-out", 1) > 0.0);
    let plan = solved(&next);
    assert_eq!(shipped(&plan, "e-out", 1), 0.0);
    assert!(shipped(&plan, "e-out", 0) > 0.0);
}

#[test]
fn closing_an_unlimited_lane_everywhere_gives_capacity_zero() {
    let base = base();
    let next = applied(
        &base,
        json!([{"type": "lane_closure", "lane": "e-in", "periods": {"first": 0, "last": 3}}]),
    );
    assert_eq!(changed(&base, &next), set(&["lanes[0].capacity"]));
    assert_eq!(next.lanes[0].capacity, Some(PerPeriod::Scalar(0.0)));
    let plan = solved(&next);
    assert!(plan.shipments.iter().all(|s| s.lane != "e-in"));
    assert_near(plan.service.unmet, 60.0);
}

#[test]
fn the_stand_in_counts_changes_made_after_the_closure() {
    // The closure comes first; the plant line's capacity grows tenfold after
    // it, and the stand-in must still bound every unit: 400 + 2000 -> 1e4.
    let base = base();
    let next = applied(
        &base,
        json!([
            {"type": "lane_closure", "lane": "e-in", "periods": {"first": 0, "last": 0}},
            {"type": "capacity_factor", "target": {"line": "l-plant"},
             "periods": {"first": 0, "last": 3}, "factor": 10}
        ]),
    );
    assert_eq!(
        next.lanes[0].capacity,
        Some(PerPeriod::Series(vec![0.0, 1e4, 1e4, 1e4]))
    );
}

#[test]
fn an_unlimited_lane_in_a_document_too_large_for_a_stand_in_is_a_problem() {
    // 1e12 per period for 4 periods: no capacity a document may state (at
    // most 1e12) is sure never to bind.
    let mut v = base_json();
    v["lines"][0]["capacity"] = json!(1e12);
    let base = doc(v);
    assert_eq!(
        rejected_json(
            &base,
            json!([{"type": "lane_closure", "lane": "e-in", "periods": {"first": 0, "last": 0}}])
        ),
        ["changes[0]"]
    );
}

// ---- lead_time ----

#[test]
fn lead_time_sets_the_lane_lead_time_only() {
    let base = base();
    let next = applied(
        &base,
        json!([{"type": "lead_time", "lane": "e-out", "lead_time": 0}]),
    );
    assert_eq!(changed(&base, &next), set(&["lanes[1].lead_time"]));
    let before = solved(&base);
    assert!(before
        .shipments
        .iter()
        .filter(|s| s.lane == "e-out")
        .all(|s| s.arrival - s.period == 1));
    let plan = solved(&next);
    let out: Vec<_> = plan
        .shipments
        .iter()
        .filter(|s| s.lane == "e-out")
        .collect();
    assert!(!out.is_empty());
    assert!(out.iter().all(|s| s.arrival == s.period));

    let slower = solved(&applied(
        &base,
        json!([{"type": "lead_time", "lane": "e-out", "lead_time": 2}]),
    ));
    assert!(slower
        .shipments
        .iter()
        .filter(|s| s.lane == "e-out")
        .all(|s| s.arrival - s.period == 2));
}

// ---- demand_scale ----

#[test]
fn demand_scale_multiplies_the_matching_demands_only() {
    let base = base();
    let next = applied(
        &base,
        json!([{"type": "demand_scale", "item": "p", "site": "dc", "customer": "cust",
                "periods": {"first": 2, "last": 3}, "factor": 1.5}]),
    );
    assert_eq!(
        changed(&base, &next),
        set(&["demands[1].qty", "demands[2].qty"])
    );
    assert_eq!(next.demands[1].qty, 30.0);
    assert_eq!(next.demands[2].qty, 45.0);
}

#[test]
fn demand_scale_changes_the_planned_demand_by_the_factor() {
    let base = base();
    let before = solved(&base);
    assert_near(before.service.demand, 60.0);
    let next = applied(&base, json!([{"type": "demand_scale", "factor": 0.5}]));
    assert_eq!(
        changed(&base, &next),
        set(&["demands[0].qty", "demands[1].qty", "demands[2].qty"])
    );
    let plan = solved(&next);
    assert_near(plan.service.demand, 30.0);
    assert_near(plan.objective.unwrap(), 135.0);
}

// ---- add_demand / remove_demand ----

#[test]
fn add_demand_appends_the_order() {
    let base = base();
    let next = applied(
        &base,
        json!([{"type": "add_demand",
                "demand": {"id": "d4", "site": "dc", "item": "p", "period": 3, "qty": 5}}]),
    );
    assert_eq!(changed(&base, &next), set(&["demands"]));
    assert_eq!(next.demands.len(), 4);
    assert_eq!(next.demands[..3], base.demands[..]);
    assert_eq!(next.demands[3].id, "d4");
    let plan = solved(&next);
    assert_near(plan.service.demand, 65.0);
    let to_d4: f64 = plan
        .deliveries
        .iter()
        .filter(|d| d.demand == "d4")
        .map(|d| d.qty)
        .sum();
    assert_near(to_d4, 5.0);
}

#[test]
fn remove_demand_drops_the_order() {
    let base = base();
    let next = applied(&base, json!([{"type": "remove_demand", "id": "d2"}]));
    let mut expected = serde_json::to_value(&base).unwrap();
    expected["demands"].as_array_mut().unwrap().remove(1);
    assert_eq!(serde_json::to_value(&next).unwrap(), expected);
    let plan = solved(&next);
    assert_near(plan.service.demand, 40.0);
    assert!(plan.deliveries.iter().all(|d| d.demand != "d2"));
}

// ---- cost_factor ----

#[test]
fn cost_factor_on_a_line_scales_its_operations() {
    let base = base();
    let next = applied(
        &base,
        json!([{"type": "cost_factor", "scope": {"line": "l-plant"},
                "cost_factor": 2, "co2_factor": 3}]),
    );
    assert_eq!(
        changed(&base, &next),
        set(&["lines[1].operations[0].cost", "lines[1].operations[0].co2"])
    );
    let plan = solved(&next);
    // 60 units: production 60 x (1 + 4), emissions 60 x (2 + 0.5 + 3 + 1).
    assert_near(plan.cost.production, 300.0);
    assert_near(plan.emissions, 390.0);
}

#[test]
fn cost_factor_on_a_lane_scales_the_lane() {
    let base = base();
    let next = applied(
        &base,
        json!([{"type": "cost_factor", "scope": {"lane": "e-out"}, "cost_factor": 2}]),
    );
    // co2_factor defaults to 1: the lane's co2 is untouched.
    assert_eq!(changed(&base, &next), set(&["lanes[1].cost"]));
    let plan = solved(&next);
    assert_near(plan.cost.transport, 60.0 * (0.5 + 2.0));
}

#[test]
fn cost_factor_on_an_item_scales_what_makes_and_carries_it() {
    let base = base();
    let next = applied(
        &base,
        json!([{"type": "cost_factor", "scope": {"item": "r"}, "cost_factor": 3, "co2_factor": 0}]),
    );
    assert_eq!(
        changed(&base, &next),
        set(&[
            "lines[0].operations[0].cost",
            "lines[0].operations[0].co2",
            "lanes[0].cost",
            "lanes[0].co2"
        ])
    );
    let plan = solved(&next);
    assert_near(plan.cost.production, 60.0 * (3.0 + 2.0));
    assert_near(plan.cost.transport, 60.0 * (1.5 + 1.0));
    assert_near(plan.emissions, 60.0 * (1.0 + 1.0));
}

#[test]
fn cost_factor_on_all_scales_every_operation_and_lane() {
    let base = base();
    let next = applied(
        &base,
        json!([{"type": "cost_factor", "scope": "all", "cost_factor": 2, "co2_factor": 0.5}]),
    );
    let mut expected = set(&[]);
    for l in 0..2 {
        expected.insert(format!("lines[{l}].operations[0].cost"));
        expected.insert(format!("lines[{l}].operations[0].co2"));
        expected.insert(format!("lanes[{l}].cost"));
        expected.insert(format!("lanes[{l}].co2"));
    }
    assert_eq!(changed(&base, &next), expected);
    let plan = solved(&next);
    assert_near(plan.cost.production, 360.0);
    assert_near(plan.cost.transport, 180.0);
    assert_near(plan.emissions, 135.0);
}

// ---- carbon_price / carbon_cap ----

#[test]
fn carbon_price_prices_the_emissions() {
    let base = base();
    let next = applied(&base, json!([{"type": "carbon_price", "price": 0.5}]));
    assert_eq!(changed(&base, &next), set(&["policy.carbon_price"]));
    assert_eq!(solved(&base).cost.carbon, 0.0);
    let plan = solved(&next);
    assert_near(plan.emissions, 270.0);
    assert_near(plan.cost.carbon, 135.0);
}

#[test]
fn carbon_cap_limits_emissions_and_null_clears_it() {
    let base = base();
    let capped = applied(&base, json!([{"type": "carbon_cap", "cap": 135}]));
    assert_eq!(changed(&base, &capped), set(&["policy.carbon_cap"]));
    let plan = solved(&capped);
    assert!(plan.emissions <= 135.0 + 1e-6);
    // 4.5 per unit: only 30 of the 60 units can be made.
    assert_near(plan.service.unmet, 30.0);

    let cleared = applied(&capped, json!([{"type": "carbon_cap", "cap": null}]));
    assert_eq!(cleared, base);
    assert_near(solved(&cleared).service.unmet, 0.0);
}

// ---- renovations ----

#[test]
fn add_renovation_appends_a_candidate_the_plan_schedules() {
    let base = base();
    let next = applied(
        &base,
        json!([{"type": "add_renovation",
                "renovation": {"id": "r-plant", "line": "l-plant", "duration": 1,
                               "earliest": 0, "latest": 3, "cost_factor": 0.5}}]),
    );
    assert_eq!(changed(&base, &next), set(&["renovations"]));
    assert_eq!(next.renovations.len(), 1);
    let plan = solved(&next);
    let r = plan
        .renovations
        .iter()
        .find(|r| r.id == "r-plant")
        .expect("scheduled");
    assert!(r.start.is_some());
    assert!(solved(&base).renovations.is_empty());
}

#[test]
fn remove_renovation_drops_the_candidate() {
    let base = doc(renovated_json());
    let next = applied(
        &base,
        json!([{"type": "remove_renovation", "id": "r-plant"}]),
    );
    assert_eq!(changed(&base, &next), set(&["renovations"]));
    assert!(next.renovations.is_empty());
    assert!(solved(&base).renovations.iter().any(|r| r.id == "r-plant"));
    assert!(solved(&next).renovations.is_empty());
}

#[test]
fn move_renovation_sets_the_start_window() {
    let base = doc(renovated_json());
    let next = applied(
        &base,
        json!([{"type": "move_renovation", "id": "r-plant", "earliest": 1, "latest": 2}]),
    );
    assert_eq!(
        changed(&base, &next),
        set(&["renovations[0].earliest", "renovations[0].latest"])
    );
    assert!(next.renovations[0].optional);
    let plan = solved(&next);
    let start = plan.renovations[0].start;
    assert!(matches!(start, None | Some(1..=2)), "start {start:?}");
    assert_eq!(solved(&base).renovations[0].start, Some(0));
}

#[test]
fn force_renovation_fixes_the_start() {
    let base = doc(renovated_json());
    let before = solved(&base);
    assert_ne!(before.renovations[0].start, Some(2));
    let next = applied(
        &base,
        json!([{"type": "force_renovation", "id": "r-plant", "start": 2}]),
    );
    assert_eq!(
        changed(&base, &next),
        set(&[
            "renovations[0].earliest",
            "renovations[0].latest",
            "renovations[0].optional"
        ])
    );
    assert!(!next.renovations[0].optional);
    let plan = solved(&next);
    assert_eq!(plan.renovations[0].start, Some(2));
    assert_eq!(plan.renovations[0].end, Some(2));
    assert_eq!(produced(&plan, "l-plant", 2), 0.0);
}

// ---- set_policy ----

#[test]
fn set_policy_sets_the_named_field_only() {
    let base = base();
    for (field, value, path) in [
        ("carbon_price", json!(0.2), "policy.carbon_price"),
        ("carbon_cap", json!(500), "policy.carbon_cap"),
        ("safety_penalty", json!(3), "policy.safety_penalty"),
        ("late_penalty", json!(7), "policy.late_penalty"),
        ("unmet_penalty", json!(0), "policy.unmet_penalty"),
        ("renovation_budget", json!(1000), "policy.renovation_budget"),
        (
            "max_concurrent_renovations",
            json!(2),
            "policy.max_concurrent_renovations",
        ),
    ] {
        let next = applied(
            &base,
            json!([{"type": "set_policy", "field": field, "value": value}]),
        );
        assert_eq!(changed(&base, &next), set(&[path]), "{field}");
    }
    let next = applied(
        &base,
        json!([{"type": "set_policy", "field": "max_concurrent_renovations", "value": 2}]),
    );
    assert_eq!(next.policy.max_concurrent_renovations, Some(2));
    let cleared = applied(
        &next,
        json!([{"type": "set_policy", "field": "max_concurrent_renovations", "value": null}]),
    );
    assert_eq!(cleared, base);
}

#[test]
fn set_policy_unmet_penalty_zero_leaves_every_demand_unmet() {
    let next = applied(
        &base(),
        json!([{"type": "set_policy", "field": "unmet_penalty", "value": 0}]),
    );
    let plan = solved(&next);
    assert_near(plan.service.unmet, 60.0);
    assert_near(plan.objective.unwrap(), 0.0);
}

// ---- order and collection ----

#[test]
fn each_change_applies_to_the_result_of_the_ones_before() {
    let base = doc(renovated_json());
    let next = applied(
        &base,
        json!([
            {"type": "add_demand", "demand": {"id": "d4", "site": "dc", "item": "p", "period": 3, "qty": 4}},
            {"type": "demand_scale", "periods": {"first": 3, "last": 3}, "factor": 2},
            {"type": "remove_renovation", "id": "r-plant"},
            {"type": "add_renovation", "renovation": {"id": "r-plant-2", "line": "l-plant",
                                                       "duration": 2, "earliest": 1, "latest": 2}},
            {"type": "force_renovation", "id": "r-plant-2", "start": 1}
        ]),
    );
    assert_eq!(next.demands[2].qty, 60.0);
    assert_eq!(next.demands[3].qty, 8.0);
    assert_eq!(next.renovations.len(), 1);
    assert_eq!(next.renovations[0].id, "r-plant-2");
    assert_eq!(
        (next.renovations[0].earliest, next.renovations[0].latest),
        (1, 1)
    );
}

#[test]
fn every_problem_of_every_change_is_collected_in_order() {
    let paths = rejected_json(
        &base(),
        json!([
            {"type": "lane_closure", "lane": "nope", "periods": {"first": 3, "last": 1}},
            {"type": "carbon_price", "price": 2},
            {"type": "demand_scale", "item": "x", "customer": "y", "factor": -1},
            {"type": "remove_demand", "id": "d9"}
        ]),
    );
    assert_eq!(
        paths,
        [
            "changes[0].periods",
            "changes[0].lane",
            "changes[2].item",
            "changes[2].customer",
            "changes[2].factor",
            "changes[3].id"
        ]
    );
}

#[test]
fn an_invalid_base_is_reported_at_its_own_paths_and_nothing_applies() {
    let mut base = base();
    base.lanes[0].to = "nowhere".into();
    let paths = rejected_json(&base, json!([{"type": "remove_demand", "id": "no-such"}]));
    assert_eq!(paths, ["lanes[0].to"]);
}

#[test]
fn a_scale_past_what_a_document_may_hold_is_the_changes_problem() {
    // 20 x 1e11 is above 1e12: the change is named, not `demands[1].qty`.
    let problems = apply_changes(
        &base(),
        &changes(json!([{"type": "demand_scale", "item": "p", "factor": 1e11}])),
    )
    .unwrap_err();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].path, "changes[0].factor");
    assert!(
        problems[0].reason.contains("demands[1].qty"),
        "{}",
        problems[0]
    );
}

// ---- invalid changes, one kind of problem each ----

fn one(change: Value) -> Vec<String> {
    rejected_json(&base(), json!([change]))
}

#[test]
fn a_range_ending_past_the_horizon_is_rejected_at_its_last() {
    assert_eq!(
        one(
            json!({"type": "outage", "scope": {"line": "l-plant"}, "periods": {"first": 2, "last": 30}})
        ),
        ["changes[0].periods.last"]
    );
}

#[test]
fn a_range_starting_after_its_end_is_rejected() {
    assert_eq!(
        one(json!({"type": "lane_closure", "lane": "e-in", "periods": {"first": 3, "last": 2}})),
        ["changes[0].periods"]
    );
    assert_eq!(
        one(json!({"type": "demand_scale", "periods": {"first": 3, "last": 2}, "factor": 1})),
        ["changes[0].periods"]
    );
}

#[test]
fn outage_scopes_must_exist() {
    for (scope, path) in [
        (json!({"site": "x"}), "changes[0].scope.site"),
        (json!({"enterprise": "x"}), "changes[0].scope.enterprise"),
        (json!({"line": "x"}), "changes[0].scope.line"),
    ] {
        assert_eq!(
            one(json!({"type": "outage", "scope": scope, "periods": {"first": 0, "last": 0}})),
            [path]
        );
    }
}

#[test]
fn capacity_factor_needs_a_known_target_and_a_finite_factor() {
    let range = json!({"first": 0, "last": 0});
    assert_eq!(
        one(
            json!({"type": "capacity_factor", "target": {"line": "x"}, "periods": range, "factor": 1})
        ),
        ["changes[0].target.line"]
    );
    assert_eq!(
        one(
            json!({"type": "capacity_factor", "target": {"lane": "x"}, "periods": range, "factor": 1})
        ),
        ["changes[0].target.lane"]
    );
    assert_eq!(
        one(
            json!({"type": "capacity_factor", "target": {"lane": "e-out"}, "periods": range, "factor": -0.5})
        ),
        ["changes[0].factor"]
    );
    assert_eq!(
        one(
            json!({"type": "capacity_factor", "target": {"line": "l-plant"}, "periods": range, "factor": 1e11})
        ),
        ["changes[0].factor"]
    );
}

#[test]
fn lane_changes_need_a_known_lane() {
    assert_eq!(
        one(json!({"type": "lane_closure", "lane": "x", "periods": {"first": 0, "last": 0}})),
        ["changes[0].lane"]
    );
    assert_eq!(
        one(json!({"type": "lead_time", "lane": "", "lead_time": 1})),
        ["changes[0].lane"]
    );
}

#[test]
fn demand_scale_filters_must_name_known_things_and_match_something() {
    assert_eq!(
        one(json!({"type": "demand_scale", "item": "x", "factor": 1})),
        ["changes[0].item"]
    );
    assert_eq!(
        one(json!({"type": "demand_scale", "site": "x", "factor": 1})),
        ["changes[0].site"]
    );
    assert_eq!(
        one(json!({"type": "demand_scale", "customer": "x", "factor": 1})),
        ["changes[0].customer"]
    );
    // Known, but no demand is at the mill.
    assert_eq!(
        one(json!({"type": "demand_scale", "site": "mill", "factor": 2})),
        ["changes[0]"]
    );
    assert_eq!(
        one(
            json!({"type": "demand_scale", "customer": "lead", "periods": {"first": 0, "last": 3}, "factor": 2})
        ),
        ["changes[0]"]
    );
}

#[test]
fn demand_scale_factor_must_be_finite_and_not_negative() {
    assert_eq!(
        one(json!({"type": "demand_scale", "factor": -2})),
        ["changes[0].factor"]
    );
    let problems = apply_changes(
        &base(),
        &[ScenarioChange::DemandScale {
            item: None,
            site: None,
            customer: None,
            periods: None,
            factor: f64::NAN,
        }],
    )
    .unwrap_err();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].path, "changes[0].factor");
    assert!(problems[0]
        .reason
        .starts_with("must be a finite number >= 0"));
}

#[test]
fn add_demand_needs_a_new_id_and_known_references() {
    let demand = |id: &str, site: &str, item: &str, period: u32| {
        json!({"type": "add_demand",
               "demand": {"id": id, "site": site, "item": item, "period": period, "qty": 1}})
    };
    assert_eq!(one(demand("d1", "dc", "p", 0)), ["changes[0].demand.id"]);
    assert_eq!(one(demand("", "dc", "p", 0)), ["changes[0].demand.id"]);
    assert_eq!(one(demand("d9", "x", "p", 0)), ["changes[0].demand.site"]);
    assert_eq!(one(demand("d9", "dc", "x", 0)), ["changes[0].demand.item"]);
    assert_eq!(
        one(demand("d9", "dc", "p", 4)),
        ["changes[0].demand.period"]
    );
    assert_eq!(
        one(json!({"type": "add_demand",
                   "demand": {"id": "d9", "site": "dc", "item": "p", "period": 0, "qty": -1}})),
        ["changes[0].demand.qty"]
    );
}

#[test]
fn remove_demand_needs_a_known_demand() {
    assert_eq!(
        one(json!({"type": "remove_demand", "id": "d9"})),
        ["changes[0].id"]
    );
}

#[test]
fn cost_factor_needs_a_known_scope_and_finite_factors() {
    for (scope, path) in [
        (json!({"line": "x"}), "changes[0].scope.line"),
        (json!({"lane": "x"}), "changes[0].scope.lane"),
        (json!({"item": "x"}), "changes[0].scope.item"),
    ] {
        assert_eq!(one(json!({"type": "cost_factor", "scope": scope})), [path]);
    }
    assert_eq!(
        one(json!({"type": "cost_factor", "scope": "all", "cost_factor": -1, "co2_factor": -1})),
        ["changes[0].cost_factor", "changes[0].co2_factor"]
    );
    assert_eq!(
        one(json!({"type": "cost_factor", "scope": "all", "co2_factor": 1e12})),
        ["changes[0].co2_factor"]
    );
}

#[test]
fn carbon_price_and_cap_must_be_amounts() {
    assert_eq!(
        one(json!({"type": "carbon_price", "price": -1})),
        ["changes[0].price"]
    );
    assert_eq!(
        one(json!({"type": "carbon_price", "price": 1e13})),
        ["changes[0].price"]
    );
    assert_eq!(
        one(json!({"type": "carbon_cap", "cap": -5})),
        ["changes[0].cap"]
    );
}

#[test]
fn add_renovation_needs_a_new_id_a_free_line_and_a_window_in_the_horizon() {
    let base = doc(renovated_json());
    let add = |r: Value| rejected_json(&base, json!([{"type": "add_renovation", "renovation": r}]));
    assert_eq!(
        add(json!({"id": "r-plant", "line": "l-mill", "duration": 1, "earliest": 0, "latest": 1})),
        ["changes[0].renovation.id"]
    );
    assert_eq!(
        add(json!({"id": "r2", "line": "l-plant", "duration": 1, "earliest": 0, "latest": 1})),
        ["changes[0].renovation.line"]
    );
    assert_eq!(
        add(json!({"id": "r2", "line": "x", "duration": 1, "earliest": 0, "latest": 1})),
        ["changes[0].renovation.line"]
    );
    assert_eq!(
        add(json!({"id": "r2", "line": "l-mill", "duration": 0, "earliest": 0, "latest": 1})),
        ["changes[0].renovation.duration"]
    );
    assert_eq!(
        add(json!({"id": "r2", "line": "l-mill", "duration": 1, "earliest": 2, "latest": 1})),
        ["changes[0].renovation.earliest"]
    );
    assert_eq!(
        add(json!({"id": "r2", "line": "l-mill", "duration": 1, "earliest": 0, "latest": 4})),
        ["changes[0].renovation.latest"]
    );
    assert_eq!(
        add(
            json!({"id": "r2", "line": "l-mill", "duration": 1, "earliest": 0, "latest": 1,
                   "capex": -3})
        ),
        ["changes[0].renovation.capex"]
    );
}

#[test]
fn renovation_changes_need_a_known_renovation_and_periods_in_the_horizon() {
    let base = doc(renovated_json());
    let check = |change: Value| rejected_json(&base, json!([change]));
    assert_eq!(
        check(json!({"type": "remove_renovation", "id": "x"})),
        ["changes[0].id"]
    );
    assert_eq!(
        check(json!({"type": "move_renovation", "id": "x", "earliest": 0, "latest": 1})),
        ["changes[0].id"]
    );
    assert_eq!(
        check(json!({"type": "move_renovation", "id": "r-plant", "earliest": 2, "latest": 1})),
        ["changes[0].earliest"]
    );
    assert_eq!(
        check(json!({"type": "move_renovation", "id": "r-plant", "earliest": 2, "latest": 4})),
        ["changes[0].latest"]
    );
    assert_eq!(
        check(json!({"type": "force_renovation", "id": "x", "start": 0})),
        ["changes[0].id"]
    );
    assert_eq!(
        check(json!({"type": "force_renovation", "id": "r-plant", "start": 4})),
        ["changes[0].start"]
    );
}

#[test]
fn set_policy_needs_a_known_field_and_a_fitting_value() {
    assert_eq!(
        one(json!({"type": "set_policy", "field": "carbon_tax", "value": 1})),
        ["changes[0].field"]
    );
    assert_eq!(
        one(json!({"type": "set_policy", "field": "late_penalty", "value": null})),
        ["changes[0].value"]
    );
    assert_eq!(
        one(json!({"type": "set_policy", "field": "unmet_penalty", "value": -1})),
        ["changes[0].value"]
    );
    assert_eq!(
        one(json!({"type": "set_policy", "field": "max_concurrent_renovations", "value": 1.5})),
        ["changes[0].value"]
    );
    assert_eq!(
        one(json!({"type": "set_policy", "field": "max_concurrent_renovations", "value": 1e10})),
        ["changes[0].value"]
    );
}

#[test]
fn hostile_values_give_problems_not_panics() {
    let base = base();
    let range = |first, last| chainplan::model::scenario::PeriodRange { first, last };
    let list = vec![
        ScenarioChange::Outage {
            scope: chainplan::model::scenario::OutageScope::Site(String::new()),
            periods: range(u32::MAX, u32::MAX),
        },
        ScenarioChange::CapacityFactor {
            target: chainplan::model::scenario::CapacityTarget::Line("l-plant".into()),
            periods: range(0, 3),
            factor: f64::INFINITY,
        },
        ScenarioChange::CapacityFactor {
            target: chainplan::model::scenario::CapacityTarget::Line("l-plant".into()),
            periods: range(0, 3),
            factor: 1e308,
        },
        ScenarioChange::LeadTime {
            lane: "e-out".into(),
            lead_time: u32::MAX,
        },
        ScenarioChange::CostFactor {
            scope: chainplan::model::scenario::CostScope::All,
            cost_factor: f64::MAX,
            co2_factor: f64::MIN_POSITIVE,
        },
        ScenarioChange::CarbonCap {
            cap: Some(f64::NAN),
        },
        ScenarioChange::ForceRenovation {
            id: String::new(),
            start: u32::MAX,
        },
        ScenarioChange::MoveRenovation {
            id: "x".into(),
            earliest: u32::MAX,
            latest: 0,
        },
    ];
    let paths = rejected(&base, &list);
    assert_eq!(
        paths,
        [
            "changes[0].periods.last",
            "changes[0].scope.site",
            "changes[1].factor",
            "changes[2].factor",
            "changes[4].cost_factor",
            "changes[5].cap",
            "changes[6].id",
            "changes[6].start",
            "changes[7].id",
            "changes[7].earliest"
        ]
    );
}

// ---- the change list file ----

fn fixture() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/scenario/changes.json");
    std::fs::read_to_string(path).expect("fixture")
}

fn gearbox() -> NetworkDoc {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/gearbox.json");
    parse_network(&std::fs::read_to_string(path).expect("demo document"))
        .expect("demo document is valid")
        .0
}

#[test]
fn the_change_file_round_trips_and_holds_every_kind() {
    let list: Vec<ScenarioChange> = serde_json::from_str(&fixture()).expect("fixture parses");
    let kinds: BTreeSet<&str> = list.iter().map(ScenarioChange::kind).collect();
    let all: BTreeSet<&str> = [
        "outage",
        "capacity_factor",
        "lane_closure",
        "lead_time",
        "demand_scale",
        "add_demand",
        "remove_demand",
        "cost_factor",
        "carbon_price",
        "carbon_cap",
        "add_renovation",
        "remove_renovation",
        "move_renovation",
        "force_renovation",
        "set_policy",
    ]
    .into_iter()
    .collect();
    assert_eq!(kinds, all);

    let text = serde_json::to_string(&list).unwrap();
    let again: Vec<ScenarioChange> = serde_json::from_str(&text).unwrap();
    assert_eq!(again, list);
    // `kind` is the serde tag.
    for (change, value) in list
        .iter()
        .zip(serde_json::to_value(&list).unwrap().as_array().unwrap())
    {
        assert_eq!(value["type"], change.kind());
    }
}

#[test]
fn the_change_file_applies_to_the_demo_network() {
    let base = gearbox();
    let list: Vec<ScenarioChange> = serde_json::from_str(&fixture()).unwrap();
    let next = apply_changes(&base, &list).unwrap_or_else(|p| panic!("{p:#?}"));
    assert_ne!(next, base);
    assert!(chainplan::model::validate(&next).is_valid());
    assert_eq!(next.policy.late_penalty, 20.0);
    assert_eq!(next.policy.renovation_budget, None);
    assert!(next
        .renovations
        .iter()
        .any(|r| r.id == "steyr-press-upgrade" && r.earliest == 5 && !r.optional));
    assert!(next.demands.iter().all(|d| d.id != "nordwind-c-w00"));
}

#[test]
fn the_change_file_format_rejects_unknown_keys_and_types() {
    let unknown_key = r#"[{"type": "carbon_price", "price": 1, "currency": "EUR"}]"#;
    assert!(serde_json::from_str::<Vec<ScenarioChange>>(unknown_key).is_err());
    let unknown_type = r#"[{"type": "earthquake", "site": "x"}]"#;
    assert!(serde_json::from_str::<Vec<ScenarioChange>>(unknown_type).is_err());
    let unknown_policy_key =
        r#"[{"type": "set_policy", "field": "late_penalty", "value": 1, "x": 0}]"#;
    assert!(serde_json::from_str::<Vec<ScenarioChange>>(unknown_policy_key).is_err());
    let unknown_range_key =
        r#"[{"type": "lane_closure", "lane": "e", "periods": {"first": 0, "last": 1, "step": 2}}]"#;
    assert!(serde_json::from_str::<Vec<ScenarioChange>>(unknown_range_key).is_err());
}

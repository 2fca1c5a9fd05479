//! Re-planning against a base plan through the library API: the frozen
//! fence, the stability penalty, what a re-plan reports, the validation of a
//! baseline, and the allocation diff and affected demands used to tell
//! suppliers and customers what changed. Documents are small enough to work
//! out by hand (in the comments).

mod common;

use common::docs::{doc, made_by, solved};

use chainplan::import::generate::{generate, GeneratorSpec};
use chainplan::model::{
    Allocation, AllocationEntry, AllocationKind, NetworkDoc, Plan, PlanStatus, Production, Shipment,
};
use chainplan::planning::graph::ChainGraph;
use chainplan::planning::{
    affected_demands, diff_allocations, solve, validate_baseline, Baseline, PlanError, SolveOptions,
};
use serde_json::{json, Value};
use std::collections::BTreeMap;

fn replan(d: &NetworkDoc, base: &Plan, freeze_until: u32, penalty: f64) -> Plan {
    let options = SolveOptions {
        relative_gap: Some(0.0),
        baseline: Some(baseline_of(base, freeze_until, penalty)),
        ..SolveOptions::default()
    };
    solve(d, &options).expect("re-plans")
}

fn baseline_of(base: &Plan, freeze_until: u32, penalty: f64) -> Baseline {
    Baseline {
        production: base.production.clone(),
        shipments: base.shipments.clone(),
        freeze_until,
        stability_penalty: penalty,
        causes: Vec::new(),
        region: None,
        limits: Vec::new(),
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

/// Units made per (operation, period).
fn made(plan: &Plan) -> BTreeMap<(String, u32), f64> {
    let mut out = BTreeMap::new();
    for p in &plan.production {
        *out.entry((p.operation.clone(), p.period)).or_default() += p.qty;
    }
    out
}

/// Units shipped per (lane, item, period).
fn shipped(plan: &Plan) -> BTreeMap<(String, String, u32), f64> {
    let mut out = BTreeMap::new();
    for s in &plan.shipments {
        *out.entry((s.lane.clone(), s.item.clone(), s.period))
            .or_default() += s.qty;
    }
    out
}

fn same_quantities<K: Ord + std::fmt::Debug>(a: &BTreeMap<K, f64>, b: &BTreeMap<K, f64>) -> bool {
    let keys: std::collections::BTreeSet<&K> = a.keys().chain(b.keys()).collect();
    keys.into_iter().all(|k| {
        close(
            a.get(k).copied().unwrap_or(0.0),
            b.get(k).copied().unwrap_or(0.0),
        )
    })
}

/// The identities every re-plan with a solution keeps.
fn assert_replan_accounts(plan: &Plan, penalty: f64) {
    let objective = plan.objective.expect("objective");
    assert!(
        close(objective, plan.cost.total()),
        "{objective} vs {:?}",
        plan.cost
    );
    let st = plan
        .stability
        .as_ref()
        .expect("a re-plan reports its stability");
    assert_eq!(st.penalty, penalty);
    assert!(close(st.cost, penalty * st.units_changed), "{st:?}");
    // An optimal LP's bound is what was minimised: the objective plus the
    // stability cost, base quantities whose decisions vanished included.
    if plan.status == PlanStatus::Optimal {
        let bound = plan.bound.expect("a bound");
        assert!(
            close(bound, objective + st.cost),
            "{bound} vs {objective} + {}",
            st.cost
        );
    }
}

/// Supplier "sup" makes p (1 per unit, `capacity` per period) and ships it
/// to the leader's "plant" (0.5 per unit), where 40 are due in each of 4
/// periods. Stock costs 0.1 per unit and period at both sites, so the one
/// optimum makes and ships 40 in every period, cost 4 x 60 = 240.
fn one_supplier(capacity: Value, lane_capacity: Option<Value>, downtime: Value) -> NetworkDoc {
    let mut lane = json!({"id": "e", "from": "sup", "to": "plant", "items": ["p"], "cost": 0.5});
    if let Some(c) = lane_capacity {
        lane["capacity"] = c;
    }
    doc(json!({
        "horizon": {"periods": 4},
        "items": [{"id": "p"}],
        "enterprises": [{"id": "lead", "role": "leader"}, {"id": "s", "role": "supplier"}],
        "sites": [{"id": "plant", "enterprise": "lead"}, {"id": "sup", "enterprise": "s"}],
        "lines": [{"id": "l-sup", "site": "sup", "capacity": capacity, "downtime": downtime,
                   "operations": [{"item": "p", "cost": 1}]}],
        "lanes": [lane],
        "stocks": [{"site": "sup", "item": "p", "holding_cost": 0.1},
                   {"site": "plant", "item": "p", "holding_cost": 0.1}],
        "demands": (0..4).map(|t| json!({"id": format!("d{t}"), "site": "plant", "item": "p",
                                          "period": t, "qty": 40})).collect::<Vec<_>>(),
    }))
}

#[test]
fn a_baseline_equal_to_the_optimum_changes_nothing() {
    let d = one_supplier(json!(50), None, json!([]));
    let base = solved(&d);
    assert!(close(base.objective.expect("objective"), 240.0));
    for (freeze, penalty) in [(0, 0.25), (2, 3.0), (4, 1.0)] {
        let plan = replan(&d, &base, freeze, penalty);
        assert_eq!(plan.status, PlanStatus::Optimal);
        assert!(same_quantities(&made(&base), &made(&plan)), "{plan:#?}");
        assert!(
            same_quantities(&shipped(&base), &shipped(&plan)),
            "{plan:#?}"
        );
        assert_replan_accounts(&plan, penalty);
        let st = plan.stability.expect("stability");
        assert_eq!((st.freeze_until, st.units_changed), (freeze, 0.0));
        assert!(close(plan.objective.expect("objective"), 240.0));
    }
}

#[test]
fn a_generated_chain_re_planned_against_its_own_optimum_keeps_it() {
    // Setups and renovations make these MILPs, which also exercises the LP
    // with fixed integers that prices the capacities.
    let (mut checked, mut mips) = (0, 0);
    for seed in [3u64, 4, 5] {
        let d = generate(&GeneratorSpec {
            suppliers: 4,
            items_per_tier: 1,
            periods: 4,
            customers: 1,
            seed,
            setups: seed % 2 == 1,
            renovations: (seed % 2) as usize,
            ..GeneratorSpec::default()
        });
        let exact = SolveOptions {
            relative_gap: Some(0.0),
            ..SolveOptions::default()
        };
        let base = solve(&d, &exact).expect("solves");
        if base.status != PlanStatus::Optimal {
            continue;
        }
        let plan = replan(&d, &base, 2, 0.5);
        assert_eq!(plan.status, PlanStatus::Optimal, "seed {seed}");
        assert!(same_quantities(&made(&base), &made(&plan)), "seed {seed}");
        assert!(
            same_quantities(&shipped(&base), &shipped(&plan)),
            "seed {seed}"
        );
        assert_replan_accounts(&plan, 0.5);
        assert_eq!(plan.stability.expect("stability").units_changed, 0.0);
        let (a, b) = (
            base.objective.expect("base"),
            plan.objective.expect("re-plan"),
        );
        assert!(close(a, b), "seed {seed}: {a} vs {b}");
        checked += 1;
        mips += usize::from(plan.stats.integer_variables > 0);
    }
    assert!(checked >= 2 && mips >= 1, "{checked} checked, {mips} MILPs");
}

#[test]
fn the_frozen_fence_keeps_early_periods_and_lets_later_ones_move() {
    let base = solved(&one_supplier(json!(50), None, json!([])));
    // The supplier loses capacity in period 3 (50 -> 20). Periods 0 and 1
    // are frozen at 40, so only period 2's spare 10 can be made ahead:
    // make 50 in period 2 and 20 in period 3, and 10 units of d3 go unmet.
    let d = one_supplier(json!([50, 50, 50, 20]), None, json!([]));
    let plan = replan(&d, &base, 2, 0.01);
    assert_eq!(plan.status, PlanStatus::Optimal, "{plan:#?}");
    let (m, s) = (made(&plan), shipped(&plan));
    for t in 0..2 {
        assert_eq!(m.get(&("l-sup/p".to_string(), t)), Some(&40.0), "{m:?}");
        assert_eq!(s.get(&("e".into(), "p".into(), t)), Some(&40.0), "{s:?}");
    }
    assert!(close(m[&("l-sup/p".to_string(), 2)], 50.0), "{m:?}");
    assert!(close(m[&("l-sup/p".to_string(), 3)], 20.0), "{m:?}");
    assert!(close(plan.service.unmet, 10.0), "{:?}", plan.service);
    assert_replan_accounts(&plan, 0.01);
    // Made +10 in period 2 and -20 in period 3. The 10 made ahead wait at
    // the supplier (holding costs the same at both sites), so that only
    // period 3's shipment changes, by -10, rather than periods 2 and 3.
    let st = plan.stability.as_ref().expect("stability");
    assert!(close(st.units_changed, 40.0), "{st:?}");
    assert!(close(s[&("e".into(), "p".into(), 2)], 40.0), "{s:?}");
    // 150 made, 150 shipped at 0.5, 10 held for a period, 10 unmet at 100.
    assert!(close(
        plan.objective.expect("objective"),
        150.0 + 75.0 + 1.0 + 1000.0
    ));

    // Without the fence the spare capacity of periods 0 and 1 covers it all.
    let free = solved(&d);
    assert!(close(free.service.unmet, 0.0), "{:?}", free.service);
}

#[test]
fn capacity_lost_inside_the_fence_is_infeasible_and_names_the_frozen_production() {
    let base = solved(&one_supplier(json!(50), None, json!([])));
    // Period 1 drops to 20 (the frozen 40 no longer fit) or to nothing.
    for (d, short) in [
        (
            one_supplier(json!([50, 20, 50, 50]), None, json!([])),
            "short by 20",
        ),
        (one_supplier(json!(50), None, json!([1])), "short by 40"),
    ] {
        let plan = replan(&d, &base, 2, 1.0);
        assert_eq!(plan.status, PlanStatus::Infeasible, "{plan:#?}");
        assert!(plan.stability.is_none());
        let conflict = plan
            .conflicts
            .iter()
            .find(|c| c.path == "baseline.production[l-sup/p].period[1]")
            .unwrap_or_else(|| panic!("frozen production not named: {:#?}", plan.conflicts));
        assert!(
            conflict.reason.contains("frozen at 40 units"),
            "{conflict:?}"
        );
        assert!(conflict.reason.contains(short), "{conflict:?}");
        // The same document with the loss after the fence still plans.
        assert!(replan(&d, &base, 1, 1.0).status.has_solution());
    }
}

#[test]
fn lane_capacity_lost_inside_the_fence_names_the_frozen_shipment() {
    let base = solved(&one_supplier(json!(50), None, json!([])));
    let d = one_supplier(json!(50), Some(json!([100, 10, 100, 100])), json!([]));
    let plan = replan(&d, &base, 2, 0.0);
    assert_eq!(plan.status, PlanStatus::Infeasible, "{plan:#?}");
    let conflict = plan
        .conflicts
        .iter()
        .find(|c| c.path == "baseline.shipments[e].item[p].period[1]")
        .unwrap_or_else(|| panic!("frozen shipment not named: {:#?}", plan.conflicts));
    assert!(
        conflict.reason.contains("frozen at 40 units (short by 30)"),
        "{conflict:?}"
    );
}

/// Suppliers "a" and "b" each make p on their own line and ship it to the
/// plant over their own lane (no cost); 30 are due in each of 2 periods.
fn two_suppliers(cost_a: f64, cost_b: f64) -> NetworkDoc {
    doc(json!({
        "horizon": {"periods": 2},
        "items": [{"id": "p"}],
        "enterprises": [{"id": "lead", "role": "leader"},
                        {"id": "a", "role": "supplier"}, {"id": "b", "role": "supplier"}],
        "sites": [{"id": "plant", "enterprise": "lead"},
                  {"id": "site-a", "enterprise": "a"}, {"id": "site-b", "enterprise": "b"}],
        "lines": [{"id": "line-a", "site": "site-a", "capacity": 100,
                   "operations": [{"item": "p", "cost": cost_a}]},
                  {"id": "line-b", "site": "site-b", "capacity": 100,
                   "operations": [{"item": "p", "cost": cost_b}]}],
        "lanes": [{"id": "a-plant", "from": "site-a", "to": "plant", "items": ["p"]},
                  {"id": "b-plant", "from": "site-b", "to": "plant", "items": ["p"]}],
        "demands": [{"id": "d0", "site": "plant", "item": "p", "period": 0, "qty": 30},
                    {"id": "d1", "site": "plant", "item": "p", "period": 1, "qty": 30}],
    }))
}

#[test]
fn the_stability_penalty_keeps_the_supplier_of_the_base_plan() {
    // The base plan buys from a (1 < 1.1). Then b becomes a little cheaper
    // (0.99): moving a unit saves 0.01 but changes 4 quantities (a's and b's
    // production and shipment).
    let base = solved(&two_suppliers(1.0, 1.1));
    assert!(close(made_by(&base, "line-a"), 60.0));
    let d = two_suppliers(1.0, 0.99);

    // Without a baseline, b is the optimum.
    let free = solved(&d);
    assert!(close(made_by(&free, "line-b"), 60.0));

    // 4 x 1.0 per unit moved outweighs 0.01: the re-plan keeps a, and its
    // objective is the cost of buying from a, without any penalty in it.
    let kept = replan(&d, &base, 0, 1.0);
    assert_eq!(kept.status, PlanStatus::Optimal);
    assert!(close(made_by(&kept, "line-a"), 60.0), "{kept:#?}");
    assert!(close(kept.objective.expect("objective"), 60.0));
    assert_replan_accounts(&kept, 1.0);
    assert_eq!(
        kept.stability.as_ref().expect("stability").units_changed,
        0.0
    );

    // 4 x 0.001 per unit moved is less than 0.01: the re-plan moves to b,
    // and all 60 units change four times.
    let moved = replan(&d, &base, 0, 0.001);
    assert!(close(made_by(&moved, "line-b"), 60.0), "{moved:#?}");
    assert!(close(moved.objective.expect("objective"), 59.4));
    assert_replan_accounts(&moved, 0.001);
    let st = moved.stability.as_ref().expect("stability");
    assert!(close(st.units_changed, 240.0), "{st:?}");
    assert!(close(st.cost, 0.24), "{st:?}");
}

#[test]
fn every_invalid_baseline_field_is_named() {
    let d = one_supplier(json!(50), None, json!([]));
    let production = |operation: &str, line: &str, period: u32, qty: f64| Production {
        line: line.into(),
        operation: operation.into(),
        item: "p".into(),
        period,
        qty,
    };
    let shipment = |lane: &str, item: &str, period: u32, qty: f64| Shipment {
        lane: lane.into(),
        item: item.into(),
        period,
        arrival: period,
        qty,
    };
    let bad = Baseline {
        production: vec![
            production("l-sup/p", "l-sup", 0, 40.0),
            production("x", "l-sup", 0, 1.0),
            production("l-sup/p", "other", 1, 1.0),
            production("l-sup/p", "l-sup", 4, 1.0),
            production("l-sup/p", "l-sup", 2, -1.0),
            production("l-sup/p", "l-sup", 3, f64::NAN),
            production("l-sup/p", "l-sup", 0, 5.0),
        ],
        shipments: vec![
            shipment("nowhere", "p", 0, 1.0),
            shipment("e", "q", 0, 1.0),
            shipment("e", "p", 9, 1.0),
            shipment("e", "p", 1, f64::INFINITY),
        ],
        freeze_until: 5,
        stability_penalty: -1.0,
        causes: Vec::new(),
        region: Some(["nowhere".to_string()].into()),
        limits: Vec::new(),
    };
    let problems = validate_baseline(&d, &bad);
    let found: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    let expected = [
        "baseline.freeze_until: must be at most the horizon's 4 periods, got 5",
        "baseline.stability_penalty: must be a finite number >= 0, got -1",
        "baseline.region: unknown site \"nowhere\"",
        "baseline.production[1].operation: unknown operation \"x\"",
        "baseline.production[2].line: operation \"l-sup/p\" runs on line \"l-sup\", not \"other\"",
        "baseline.production[3].period: 4 is outside the horizon (periods 0..4)",
        "baseline.production[4].qty: must be a finite number >= 0, got -1",
        "baseline.production[5].qty: must be a finite number >= 0, got NaN",
        "baseline.production[6]: repeats operation \"l-sup/p\" in period 0 (first at baseline.production[0])",
        "baseline.shipments[0].lane: unknown lane \"nowhere\"",
        "baseline.shipments[1].item: unknown item \"q\"",
        "baseline.shipments[2].period: 9 is outside the horizon (periods 0..4)",
        "baseline.shipments[3].qty: must be a finite number >= 0, got inf",
    ];
    for e in expected {
        assert!(found.iter().any(|f| f == e), "missing {e:?} in {found:#?}");
    }
    assert_eq!(found.len(), expected.len(), "{found:#?}");

    // solve refuses it with every problem in one option error.
    let options = SolveOptions {
        baseline: Some(bad),
        ..SolveOptions::default()
    };
    match solve(&d, &options) {
        Err(PlanError::Option { field, reason }) => {
            assert_eq!(field, "baseline");
            for e in expected {
                assert!(reason.contains(e), "{e:?} not in {reason}");
            }
        }
        other => panic!("expected an option error, got {other:?}"),
    }

    let nan_penalty = Baseline {
        production: Vec::new(),
        shipments: Vec::new(),
        freeze_until: 4,
        stability_penalty: f64::NAN,
        causes: Vec::new(),
        region: None,
        limits: Vec::new(),
    };
    let found: Vec<String> = validate_baseline(&d, &nan_penalty)
        .iter()
        .map(|p| p.to_string())
        .collect();
    assert_eq!(
        found,
        vec!["baseline.stability_penalty: must be a finite number >= 0, got NaN"]
    );
}

#[test]
fn a_lane_that_does_not_carry_a_known_item_is_named() {
    let mut d = one_supplier(json!(50), None, json!([]));
    d.items
        .push(serde_json::from_value(json!({"id": "q"})).expect("item"));
    let b = Baseline {
        production: Vec::new(),
        shipments: vec![Shipment {
            lane: "e".into(),
            item: "q".into(),
            period: 0,
            arrival: 0,
            qty: 1.0,
        }],
        freeze_until: 0,
        stability_penalty: 0.0,
        causes: Vec::new(),
        region: None,
        limits: Vec::new(),
    };
    let found: Vec<String> = validate_baseline(&d, &b)
        .iter()
        .map(|p| p.to_string())
        .collect();
    assert_eq!(
        found,
        vec!["baseline.shipments[0].item: lane \"e\" does not carry \"q\""]
    );
}

fn entry(kind: AllocationKind, site: &str, period: u32, qty: f64) -> AllocationEntry {
    AllocationEntry {
        kind,
        site: site.into(),
        item: "p".into(),
        period,
        qty,
        resource: if kind == AllocationKind::Make {
            "line".into()
        } else {
            "lane".into()
        },
        destination: (kind == AllocationKind::Ship).then(|| "plant".to_string()),
    }
}

#[test]
fn diff_allocations_reports_new_gone_and_changed_entries_in_key_order() {
    use AllocationKind::{Make, Ship};
    let before = Allocation {
        enterprise: "s".into(),
        entries: vec![
            entry(Ship, "s1", 0, 10.0), // gone
            entry(Make, "s1", 2, 5.0),  // changed
            entry(Make, "s1", 1, 7.0),  // unchanged
            entry(Make, "s1", 3, 8.0),  // moves by less than the tolerance
            entry(Make, "s0", 1, 1.0),  // changed, sorts first by site
        ],
    };
    let after = Allocation {
        enterprise: "s".into(),
        entries: vec![
            entry(Make, "s1", 3, 8.0 + 5e-7),
            entry(Make, "s1", 1, 7.0),
            entry(Make, "s1", 2, 6.5),
            entry(Ship, "s1", 1, 4.0), // new
            entry(Make, "s0", 1, 2.0),
        ],
    };
    let changes = diff_allocations(&before, &after);
    let got: Vec<(AllocationKind, &str, u32, f64, f64)> = changes
        .iter()
        .map(|c| (c.kind, c.site.as_str(), c.period, c.qty_before, c.qty_after))
        .collect();
    assert_eq!(
        got,
        vec![
            (Make, "s0", 1, 1.0, 2.0),
            (Make, "s1", 2, 5.0, 6.5),
            (Ship, "s1", 0, 10.0, 0.0),
            (Ship, "s1", 1, 0.0, 4.0),
        ]
    );
    assert_eq!(changes[2].destination.as_deref(), Some("plant"));
    assert_eq!(changes[2].resource, "lane");
    assert!(diff_allocations(&after, &after).is_empty());
}

#[test]
fn affected_demands_follow_the_lanes_downstream_of_an_enterprise() {
    // a (two sites) -> north -> cust-1; b -> south -> cust-2; d0 at north.
    let d = doc(json!({
        "horizon": {"periods": 1},
        "items": [{"id": "x"}, {"id": "y"}, {"id": "p1"}, {"id": "p2"}],
        "enterprises": [{"id": "lead", "role": "leader"}, {"id": "a", "role": "supplier"},
                        {"id": "b", "role": "supplier"}, {"id": "c", "role": "customer"}],
        "sites": [{"id": "north", "enterprise": "lead"}, {"id": "south", "enterprise": "lead"},
                  {"id": "a1", "enterprise": "a"}, {"id": "a2", "enterprise": "a"},
                  {"id": "b1", "enterprise": "b"},
                  {"id": "cust-1", "enterprise": "c"}, {"id": "cust-2", "enterprise": "c"}],
        "lanes": [{"id": "a1-n", "from": "a1", "to": "north", "items": ["x"]},
                  {"id": "a2-n", "from": "a2", "to": "north", "items": ["x"]},
                  {"id": "b1-s", "from": "b1", "to": "south", "items": ["y"]},
                  {"id": "n-c1", "from": "north", "to": "cust-1", "items": ["p1"]},
                  {"id": "s-c2", "from": "south", "to": "cust-2", "items": ["p2"]}],
        "demands": [{"id": "d2", "site": "cust-2", "item": "p2", "period": 0, "qty": 1},
                    {"id": "d1", "site": "cust-1", "item": "p1", "period": 0, "qty": 1},
                    {"id": "d0", "site": "north", "item": "p1", "period": 0, "qty": 1}],
    }));
    let graph = ChainGraph::build(&d);
    assert_eq!(affected_demands(&d, &graph, "b"), vec!["d2"]);
    assert_eq!(affected_demands(&d, &graph, "a"), vec!["d0", "d1"]);
    assert_eq!(affected_demands(&d, &graph, "lead"), vec!["d0", "d1", "d2"]);
    assert!(affected_demands(&d, &graph, "nobody").is_empty());
}

#[test]
fn a_base_quantity_whose_line_is_down_counts_in_the_bound_as_in_the_stability_cost() {
    let base = solved(&one_supplier(json!(50), None, json!([])));
    // The line is down in period 3: the base plan's 40 there cannot be made
    // (no decision is left), a fixed change of 40 units at 1.0 each, which
    // both the stability cost and what was minimised include.
    let d = one_supplier(json!(50), None, json!([3]));
    let plan = replan(&d, &base, 0, 1.0);
    assert_eq!(plan.status, PlanStatus::Optimal, "{plan:#?}");
    let st = plan.stability.as_ref().expect("stability");
    assert!(st.units_changed >= 40.0, "{st:?}");
    assert_replan_accounts(&plan, 1.0);
}

//! Suppliers' counter-proposals through the library API: a re-plan holds a
//! supplier's allocation under what it said it can make or ship, the limits
//! are validated like everything else (own items only), and what they cost
//! the chain is the difference of two optima.

mod common;

use common::docs::{doc, solved};

use chainplan::model::commitment::{
    excesses, supplied, validate_limits, CounterProposal, LimitKind, SupplyLimit,
};
use chainplan::model::{NetworkDoc, Plan, PlanStatus};
use chainplan::planning::{solve, Baseline, SolveOptions};
use serde_json::json;

/// `sup` makes parts cheaply at s1 (10 a week); `other` makes them dearly
/// at o1 (5 a week); the leader's p1 turns each part into a product for
/// demands of 12 in weeks 1 and 2.
fn chain() -> NetworkDoc {
    doc(json!({
        "horizon": {"periods": 3},
        "items": [{"id": "part"}, {"id": "product"}, {"id": "bolt"}],
        "enterprises": [
            {"id": "lead", "role": "leader"},
            {"id": "sup", "role": "supplier"},
            {"id": "other", "role": "supplier"}
        ],
        "sites": [
            {"id": "s1", "enterprise": "sup"},
            {"id": "o1", "enterprise": "other"},
            {"id": "p1", "enterprise": "lead"}
        ],
        "lines": [
            {"id": "ls", "site": "s1", "capacity": 10, "operations": [{"item": "part", "cost": 1}]},
            {"id": "lo", "site": "o1", "capacity": 5,
             "operations": [{"item": "part", "cost": 3}, {"item": "bolt", "cost": 1}]},
            {"id": "lp", "site": "p1", "capacity": 20,
             "operations": [{"item": "product", "inputs": [{"item": "part", "qty": 1}]}]}
        ],
        "lanes": [
            {"id": "a", "from": "s1", "to": "p1", "items": ["part"], "lead_time": 1, "cost": 0.5},
            {"id": "b", "from": "o1", "to": "p1", "items": ["part"], "lead_time": 1, "cost": 0.5}
        ],
        "demands": [
            {"id": "d1", "site": "p1", "item": "product", "period": 1, "qty": 12},
            {"id": "d2", "site": "p1", "item": "product", "period": 2, "qty": 12}
        ],
        "policy": {"unmet_penalty": 100}
    }))
}

fn limits(v: serde_json::Value) -> Vec<SupplyLimit> {
    serde_json::from_value(v).expect("limits parse")
}

fn replan(d: &NetworkDoc, base: &Plan, proposals: Vec<CounterProposal>) -> Plan {
    let options = SolveOptions {
        relative_gap: Some(0.0),
        baseline: Some(Baseline {
            production: base.production.clone(),
            shipments: base.shipments.clone(),
            freeze_until: 0,
            stability_penalty: 0.0,
            causes: Vec::new(),
            region: None,
            limits: proposals,
        }),
        ..SolveOptions::default()
    };
    solve(d, &options).expect("re-plans")
}

#[test]
fn a_re_plan_keeps_a_supplier_under_its_counter_proposal_and_the_chain_pays_for_it() {
    let d = chain();
    let base = solved(&d);
    let made = supplied(&d, &base, "sup");
    // The base plan makes 10 parts at s1 in weeks 0 and 1 (its capacity).
    assert_eq!(
        made.get(&(LimitKind::Make, "part".into(), 0)).copied(),
        Some(10.0)
    );

    // sup can make only 4 in week 0 and ship only 6 in week 1.
    let proposal = CounterProposal {
        enterprise: "sup".into(),
        limits: limits(json!([
            {"kind": "make", "item": "part", "period": 0, "qty": 4},
            {"kind": "ship", "item": "part", "period": 1, "qty": 6}
        ])),
    };
    assert!(!excesses(&d, &base, std::slice::from_ref(&proposal), 1e-9).is_empty());
    let plan = replan(&d, &base, vec![proposal.clone()]);
    assert_eq!(plan.status, PlanStatus::Optimal);
    assert_eq!(excesses(&d, &plan, &[proposal], 1e-9), vec![]);
    let after = supplied(&d, &plan, "sup");
    assert!(
        after
            .get(&(LimitKind::Make, "part".into(), 0))
            .copied()
            .unwrap_or(0.0)
            <= 4.0 + 1e-9
    );
    // The 6 parts sup cannot deliver for week 1 come from o1 (5 a week at a
    // cost of 3 instead of 1) or go short: the chain pays.
    let cost = plan.objective.unwrap() - base.objective.unwrap();
    assert!(cost > 1.0, "the counter-proposal costs {cost}");
}

#[test]
fn limits_name_their_fields_and_reveal_nothing_of_others() {
    let d = chain();
    let problems: Vec<String> = validate_limits(
        &d,
        "sup",
        &limits(json!([
            {"kind": "make", "item": "bolt", "period": 0, "qty": 1},
            {"kind": "make", "item": "nothing", "period": 0, "qty": 1},
            {"kind": "ship", "item": "part", "period": 3, "qty": -1},
            {"kind": "ship", "item": "part", "period": 1, "qty": 1},
            {"kind": "ship", "item": "part", "period": 1, "qty": 2}
        ])),
    )
    .into_iter()
    .map(|p| p.to_string())
    .collect();
    assert_eq!(
        problems,
        [
            // bolt is made by `other` only: it reads as unknown, as an item
            // that does not exist.
            "limits[0].item: unknown item \"bolt\" made by you",
            "limits[1].item: unknown item \"nothing\" made by you",
            "limits[2].period: period 3 is past the last period 2 of the horizon",
            "limits[2].qty: must be at least 0, got -1",
            "limits[4].item: limited twice for one period",
        ]
    );
}

#[test]
fn a_bad_counter_proposal_in_a_baseline_is_refused_with_its_path() {
    let d = chain();
    let base = solved(&d);
    let options = SolveOptions {
        baseline: Some(Baseline {
            production: base.production.clone(),
            shipments: base.shipments.clone(),
            freeze_until: 0,
            stability_penalty: 0.0,
            causes: Vec::new(),
            region: None,
            limits: vec![
                CounterProposal {
                    enterprise: "nobody".into(),
                    limits: Vec::new(),
                },
                CounterProposal {
                    enterprise: "sup".into(),
                    limits: limits(
                        json!([{"kind": "make", "item": "part", "period": 9, "qty": 1}]),
                    ),
                },
            ],
        }),
        ..SolveOptions::default()
    };
    let err = solve(&d, &options).unwrap_err().to_string();
    assert!(
        err.contains("baseline.limits[0].enterprise: unknown enterprise \"nobody\""),
        "{err}"
    );
    assert!(err.contains("baseline.limits[1].limits[0].period"), "{err}");
}

//! Rolling the horizon through the library API, on a chain small enough to
//! work out by hand (in the comments): stock counted or booked, shipments in
//! transit, backlog with its lateness, arrays shifted by the stated rule,
//! renovations finished, under way or moved, and the validation of actuals
//! (own sites only, closed periods, finite quantities).

mod common;

use common::docs::{doc, solved};

use chainplan::model::actuals::{validate_actuals, Actuals, Reporter};
use chainplan::model::roll::{roll, Extension, RenovationState, SeriesKind};
use chainplan::model::{NetworkDoc, PerPeriod, Receipt};
use serde_json::json;

/// A supplier site `s1` makes parts from steel on line `ls` and ships them
/// (2 weeks) to the leader's plant `p1`, whose line `lp` makes products
/// from 2 parts each; demands are at `p1`.
fn chain() -> NetworkDoc {
    doc(json!({
        "horizon": {"periods": 6, "period": "week", "start": "2025-03-03"},
        "items": [{"id": "steel"}, {"id": "part"}, {"id": "product"}],
        "enterprises": [
            {"id": "lead", "role": "leader"},
            {"id": "sup", "role": "supplier"},
            {"id": "other", "role": "supplier"}
        ],
        "sites": [
            {"id": "s1", "enterprise": "sup"},
            {"id": "p1", "enterprise": "lead"},
            {"id": "o1", "enterprise": "other"}
        ],
        "lines": [
            {"id": "ls", "site": "s1", "capacity": [10, 10, 10, 10, 12, 12],
             "operations": [{"item": "part", "cost": 1, "inputs": [{"item": "steel", "qty": 1}]}]},
            {"id": "lp", "site": "p1", "capacity": 8, "downtime": [1, 4],
             "operations": [{"item": "product", "cost": 2, "inputs": [{"item": "part", "qty": 2}]}]},
            {"id": "lo", "site": "o1", "capacity": 5,
             "operations": [{"item": "part", "cost": 3}]}
        ],
        "lanes": [
            {"id": "ship", "from": "s1", "to": "p1", "items": ["part"], "lead_time": 2,
             "capacity": [20, 20, 20, 20, 20, 20]},
            {"id": "oship", "from": "o1", "to": "p1", "items": ["part"], "lead_time": 1}
        ],
        "stocks": [
            {"site": "s1", "item": "steel", "initial": 100},
            {"site": "p1", "item": "part", "initial": 5, "holding_cost": 0.1}
        ],
        "receipts": [
            {"site": "s1", "item": "steel", "period": 1, "qty": 30},
            {"site": "s1", "item": "steel", "period": 4, "qty": 10}
        ],
        "demands": [
            {"id": "d1", "site": "p1", "item": "product", "period": 1, "qty": 10},
            {"id": "d2", "site": "p1", "item": "product", "period": 3, "qty": 6},
            {"id": "d3", "site": "p1", "item": "product", "period": 0, "qty": 4}
        ],
        "renovations": [
            {"id": "r1", "line": "lp", "duration": 2, "earliest": 1, "latest": 3,
             "capacity_factor": 1.5, "cost_factor": 0.8, "capex": 100, "subsidy": 40},
            {"id": "r2", "line": "ls", "duration": 1, "earliest": 0, "latest": 1,
             "capacity_factor": 1.2, "optional": true, "after": []}
        ],
        "policy": {"late_penalty": 2, "unmet_penalty": 50, "renovation_budget": 200}
    }))
}

/// Two weeks of what happened.
fn two_weeks() -> Actuals {
    serde_json::from_value(json!({
        "production": [
            {"line": "ls", "item": "part", "period": 0, "qty": 10},
            {"line": "ls", "item": "part", "period": 1, "qty": 9},
            {"line": "lp", "item": "product", "period": 0, "qty": 2}
        ],
        "shipments": [
            // Early: arrived in week 1 instead of week 2.
            {"lane": "ship", "item": "part", "period": 0, "qty": 8, "arrival": 1},
            // On its way: arrives in week 3, new week 1.
            {"lane": "ship", "item": "part", "period": 1, "qty": 6}
        ],
        // 25 of the 30 tonnes ordered for week 1 came.
        "receipts": [{"site": "s1", "item": "steel", "period": 1, "qty": 25}],
        "stock_counts": [{"site": "p1", "item": "part", "period": 1, "qty": 8}],
        "deliveries": [{"demand": "d3", "period": 0, "qty": 2}],
        "renovation_starts": [
            {"renovation": "r2", "period": 0},
            {"renovation": "r1", "period": 1}
        ]
    }))
    .expect("actuals parse")
}

fn extend_lane() -> Vec<Extension> {
    vec![Extension {
        kind: SeriesKind::LaneCapacity,
        id: "ship".into(),
        item: None,
        values: vec![25.0, 25.0],
    }]
}

#[test]
fn two_closed_weeks_carry_stock_transit_backlog_and_renovations() {
    let d = chain();
    let actuals = two_weeks();
    assert_eq!(validate_actuals(&d, &actuals, Reporter::Chain, 2), vec![]);
    let rolled = roll(&d, &actuals, None, 2, &extend_lane()).expect("rolls");
    let new = &rolled.document;

    assert_eq!(new.horizon.start.as_deref(), Some("2025-03-17"));
    assert_eq!(new.horizon.periods, 6);

    // Steel at s1: 100 + 25 received (not the 30 ordered) - 19 made into parts.
    let initial = |site: &str, item: &str| {
        new.stocks
            .iter()
            .find(|s| s.site == site && s.item == item)
            .map(|s| s.initial)
    };
    assert_eq!(initial("s1", "steel"), Some(106.0));
    // Parts at s1: 19 made - 14 shipped, a new stock record.
    assert_eq!(initial("s1", "part"), Some(5.0));
    // Parts at p1: the books say 5 + 8 arrived - 4 used = 9; the count of 8 wins.
    assert_eq!(initial("p1", "part"), Some(8.0));
    let carry = rolled
        .report
        .stock
        .iter()
        .find(|c| c.site == "p1" && c.item == "part")
        .unwrap();
    assert_eq!((carry.book, carry.counted), (9.0, Some(8.0)));

    // In transit: the week-1 shipment arrives in week 3, new week 1; the
    // open order of week 4 is now in week 2.
    assert_eq!(
        rolled.report.in_transit,
        vec![Receipt {
            site: "p1".into(),
            item: "part".into(),
            period: 1,
            qty: 6.0
        }]
    );
    let mut receipts: Vec<(String, u32, f64)> = new
        .receipts
        .iter()
        .map(|r| (r.item.clone(), r.period, r.qty))
        .collect();
    receipts.sort_by(|a, b| a.partial_cmp(b).unwrap());
    assert_eq!(
        receipts,
        vec![("part".into(), 1, 6.0), ("steel".into(), 2, 10.0)]
    );

    // Demands: d3 (due 0) got 2 of 4 and is 2 weeks late, d1 (due 1) got
    // nothing and is 1 week late: both due now, their unmet penalty lowered
    // by the lateness already paid; d2 moves from week 3 to week 1.
    let demand = |id: &str| new.demands.iter().find(|x| x.id == id).unwrap().clone();
    let d3 = demand("d3");
    assert_eq!(
        (d3.period, d3.qty, d3.late_penalty, d3.unmet_penalty),
        (0, 2.0, Some(2.0), Some(46.0))
    );
    let d1 = demand("d1");
    assert_eq!((d1.period, d1.qty, d1.unmet_penalty), (0, 10.0, Some(48.0)));
    assert_eq!((demand("d2").period, demand("d2").qty), (1, 6.0));

    // Arrays: ls drops 2 weeks and repeats its last (12), then is renovated
    // by r2 (x1.2); lp stays one number, its downtime in week 4 is now week
    // 2; the lane takes the values given.
    let line = |id: &str| new.lines.iter().find(|l| l.id == id).unwrap().clone();
    let PerPeriod::Series(ls) = line("ls").capacity else {
        panic!("a series")
    };
    let expected = [12.0, 12.0, 14.4, 14.4, 14.4, 14.4];
    assert!(
        ls.iter().zip(expected).all(|(a, b)| (a - b).abs() < 1e-9),
        "{ls:?}"
    );
    assert_eq!(line("lp").capacity, PerPeriod::Scalar(8.0));
    assert_eq!(line("lp").downtime, vec![2]);
    let lane = new.lanes.iter().find(|l| l.id == "ship").unwrap();
    assert_eq!(
        lane.capacity,
        Some(PerPeriod::Series(vec![20.0, 20.0, 20.0, 20.0, 25.0, 25.0]))
    );

    // r2 is done and gone; r1 started in week 1 for 2 weeks: down in new
    // week 0 only, its capex spent: 200 - (100 - 40) = 140 left.
    assert_eq!(new.renovations.len(), 1);
    let r1 = &new.renovations[0];
    assert_eq!(
        (r1.id.as_str(), r1.duration, r1.earliest, r1.latest),
        ("r1", 1, 0, 0)
    );
    assert_eq!((r1.capex, r1.subsidy, r1.optional), (0.0, 0.0, false));
    assert_eq!(new.policy.renovation_budget, Some(140.0));
    let state = |id: &str| {
        rolled
            .report
            .renovations
            .iter()
            .find(|r| r.id == id)
            .unwrap()
            .state
            .clone()
    };
    assert_eq!(state("r2"), RenovationState::Finished);
    assert_eq!(state("r1"), RenovationState::UnderWay { remaining: 1 });

    // The rolled document is a plain document: it plans.
    solved(new);
}

#[test]
fn material_adds_up_on_the_books() {
    let d = chain();
    let rolled = roll(&d, &two_weeks(), None, 2, &[]).expect("rolls");
    for c in &rolled.report.stock {
        let book =
            c.opening + c.received + c.made - c.consumed + c.arrived - c.shipped - c.delivered;
        assert!((book - c.book).abs() < 1e-9, "{c:?}");
        assert_eq!(c.initial, c.counted.unwrap_or(c.book.max(0.0)), "{c:?}");
    }
    // Every part made at s1 is in stock there, on its way, or arrived.
    let made: f64 = 19.0;
    let at_s1 = rolled
        .report
        .stock
        .iter()
        .find(|c| c.site == "s1" && c.item == "part")
        .unwrap();
    let in_transit: f64 = rolled.report.in_transit.iter().map(|r| r.qty).sum();
    let arrived = rolled
        .report
        .stock
        .iter()
        .find(|c| c.site == "p1" && c.item == "part")
        .unwrap()
        .arrived;
    assert_eq!(at_s1.initial + in_transit + arrived, made);
}

#[test]
fn the_committed_plan_supplies_unreported_starts_and_its_remaining_decisions() {
    let d = chain();
    let plan = solved(&d);
    let r1_start = plan
        .renovations
        .iter()
        .find(|r| r.id == "r1")
        .unwrap()
        .start
        .unwrap();
    let k = 2;
    let rolled = roll(&d, &Actuals::default(), Some(&plan), k, &[]);
    // With nothing reported, the stock at p1 of parts the plan used up in
    // week 0 is still there (nothing happened), so the roll succeeds.
    let rolled = rolled.expect("rolls");
    let carry = rolled
        .report
        .renovations
        .iter()
        .find(|r| r.id == "r1")
        .unwrap();
    assert_eq!(carry.start, (r1_start < k).then_some(r1_start));
    // The remaining production is the plan's from week 2 on, renumbered.
    let later: f64 = plan
        .production
        .iter()
        .filter(|p| p.period >= k)
        .map(|p| p.qty)
        .sum();
    let kept: f64 = rolled.production.iter().map(|p| p.qty).sum();
    assert!((later - kept).abs() < 1e-9);
    assert!(rolled
        .shipments
        .iter()
        .all(|s| s.arrival >= s.period && s.arrival < d.horizon.periods));
}

#[test]
fn a_window_passed_unused_opens_at_period_zero() {
    let d = chain();
    let rolled = roll(&d, &Actuals::default(), None, 4, &[]).expect("rolls");
    // r1 (window 1..3) did not start: it must now start at once.
    let r1 = rolled
        .document
        .renovations
        .iter()
        .find(|r| r.id == "r1")
        .unwrap();
    assert_eq!((r1.earliest, r1.latest, r1.duration), (0, 0, 2));
    let carry = rolled
        .report
        .renovations
        .iter()
        .find(|r| r.id == "r1")
        .unwrap();
    assert_eq!(
        carry.state,
        RenovationState::NotStarted {
            window_passed: true
        }
    );
    assert_eq!(rolled.document.policy.renovation_budget, Some(200.0));
}

#[test]
fn stock_the_books_leave_below_zero_needs_a_count() {
    let d = chain();
    // 30 parts shipped from s1 that never made them.
    let actuals: Actuals = serde_json::from_value(json!({
        "shipments": [{"lane": "ship", "item": "part", "period": 0, "qty": 30, "arrival": 1}]
    }))
    .unwrap();
    let problems = roll(&d, &actuals, None, 2, &[]).unwrap_err();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].path, "stock_counts");
    assert!(
        problems[0]
            .reason
            .contains("-30 units of \"part\" at site \"s1\""),
        "{problems:?}"
    );
    // Counted, it rolls.
    let counted = actuals.merged(
        &serde_json::from_value(json!({
            "stock_counts": [{"site": "s1", "item": "part", "period": 1, "qty": 0}]
        }))
        .unwrap(),
    );
    assert!(roll(&d, &counted, None, 2, &[]).is_ok());
}

#[test]
fn bad_rolls_name_their_fields() {
    let d = chain();
    let err = roll(&d, &Actuals::default(), None, 0, &[]).unwrap_err();
    assert_eq!(err[0].path, "periods");
    let err = roll(&d, &Actuals::default(), None, 7, &[]).unwrap_err();
    assert_eq!(err[0].path, "periods");
    let bad = vec![
        Extension {
            kind: SeriesKind::LineCapacity,
            id: "nope".into(),
            item: None,
            values: vec![1.0, 2.0],
        },
        Extension {
            kind: SeriesKind::LineCapacity,
            id: "ls".into(),
            item: None,
            values: vec![1.0, f64::NAN, 3.0],
        },
    ];
    let paths: Vec<String> = roll(&d, &Actuals::default(), None, 2, &bad)
        .unwrap_err()
        .into_iter()
        .map(|p| p.path)
        .collect();
    assert_eq!(
        paths,
        [
            "extensions[0].id",
            "extensions[1].values",
            "extensions[1].values[1]"
        ]
    );
}

#[test]
fn a_supplier_reports_for_its_own_sites_only_and_learns_nothing_else() {
    let d = chain();
    let report = |v| -> Vec<(String, String)> {
        let a: Actuals = serde_json::from_value(v).unwrap();
        validate_actuals(&d, &a, Reporter::Enterprise("sup"), 2)
            .into_iter()
            .map(|p| (p.path, p.reason))
            .collect()
    };
    assert_eq!(
        report(json!({"production": [{"line": "ls", "item": "part", "period": 1, "qty": 3}]})),
        vec![]
    );
    // Another supplier's line reads exactly as a line that does not exist.
    let theirs =
        report(json!({"production": [{"line": "lo", "item": "part", "period": 0, "qty": 1}]}));
    let none =
        report(json!({"production": [{"line": "zz", "item": "part", "period": 0, "qty": 1}]}));
    assert_eq!(
        theirs,
        vec![("production[0].line".into(), "unknown line \"lo\"".into())]
    );
    assert_eq!(
        none,
        vec![("production[0].line".into(), "unknown line \"zz\"".into())]
    );
    // The same for lanes, sites, demands and renovations of others.
    let probes = report(json!({
        "shipments": [{"lane": "oship", "item": "part", "period": 0, "qty": 1}],
        "stock_counts": [{"site": "p1", "item": "product", "period": 0, "qty": 1}],
        "deliveries": [{"demand": "d1", "period": 1, "qty": 1}],
        "renovation_starts": [{"renovation": "r1", "period": 1}]
    }));
    assert_eq!(
        probes,
        vec![
            ("shipments[0].lane".into(), "unknown lane \"oship\"".into()),
            ("stock_counts[0].site".into(), "unknown site \"p1\"".into()),
            (
                "stock_counts[0].item".into(),
                "unknown item \"product\"".into()
            ),
            (
                "deliveries[0].demand".into(),
                "unknown demand \"d1\"".into()
            ),
            (
                "renovation_starts[0].renovation".into(),
                "unknown renovation \"r1\"".into()
            ),
        ]
    );
}

#[test]
fn actuals_are_for_closed_periods_with_finite_quantities_once_each() {
    let d = chain();
    let a: Actuals = serde_json::from_value(json!({
        "production": [
            {"line": "ls", "item": "part", "period": 2, "qty": 1},
            {"line": "ls", "item": "part", "period": 0, "qty": -1},
            {"line": "ls", "item": "part", "period": 0, "qty": 4}
        ],
        "shipments": [{"lane": "ship", "item": "part", "period": 1, "qty": 1, "arrival": 0}],
        "deliveries": [{"demand": "d2", "period": 1, "qty": 1}]
    }))
    .unwrap();
    let problems: Vec<String> = validate_actuals(&d, &a, Reporter::Chain, 2)
        .into_iter()
        .map(|p| p.to_string())
        .collect();
    assert_eq!(
        problems,
        [
            "production[0].period: period 2 has not closed; actuals are taken for periods 0 to 1",
            "production[1].qty: must be at least 0, got -1",
            "shipments[0].arrival: arrives in period 0, before it left in period 1",
            "deliveries[0].period: demand \"d2\" is due in period 3; a delivery before it is early stock, not a delivery",
            "production[2]: reported twice in one report",
        ]
    );
    let none_closed = validate_actuals(&d, &two_weeks(), Reporter::Chain, 0);
    assert!(none_closed
        .iter()
        .all(|p| p.reason.contains("no period of the horizon has closed")));
}

#[test]
fn a_later_report_corrects_an_earlier_one() {
    let first: Actuals = serde_json::from_value(json!({
        "production": [
            {"line": "ls", "item": "part", "period": 0, "qty": 10},
            {"line": "ls", "item": "part", "period": 1, "qty": 9}
        ]
    }))
    .unwrap();
    let fix: Actuals = serde_json::from_value(json!({
        "production": [{"line": "ls", "item": "part", "period": 1, "qty": 7}]
    }))
    .unwrap();
    let merged = first.merged(&fix);
    let mut got: Vec<(u32, f64)> = merged
        .production
        .iter()
        .map(|p| (p.period, p.qty))
        .collect();
    got.sort_by(|a, b| a.partial_cmp(b).unwrap());
    assert_eq!(got, vec![(0, 10.0), (1, 7.0)]);
}

/// The backlog keeps its lateness: the optimum of the original document is
/// the closed period's cost, plus the rolled document's optimum, plus the
/// lateness already paid (`late_penalty * late_by`) on each backlog unit.
///
/// One line makes 10 a period (none in the last) at 1 a unit for a demand
/// of 30 due in period 0, 1 a unit a period late, 5 unmet: 10 on time, 10
/// one period late, 10 two late: 30 + 30 = 60. Period 0 closes as planned
/// (10 made, 10 delivered: cost 10); the rolled document has 20 due now,
/// 1 period late already, unmet 5 - 1 = 4: 10 now and 10 a period late, 30.
/// 10 + 30 + 1 x 1 x 20 = 60.
#[test]
fn a_rolled_backlog_is_planned_as_the_unrolled_model_would() {
    let d = doc(json!({
        "horizon": {"periods": 4},
        "items": [{"id": "p"}],
        "enterprises": [{"id": "lead", "role": "leader"}],
        "sites": [{"id": "s", "enterprise": "lead"}],
        "lines": [{"id": "l", "site": "s", "capacity": [10, 10, 10, 0],
                   "operations": [{"item": "p", "cost": 1}]}],
        "demands": [{"id": "d", "site": "s", "item": "p", "period": 0, "qty": 30,
                     "late_penalty": 1, "unmet_penalty": 5}]
    }));
    let whole = solved(&d).objective.unwrap();
    assert!((whole - 60.0).abs() < 1e-6, "{whole}");
    let actuals: Actuals = serde_json::from_value(json!({
        "production": [{"line": "l", "item": "p", "period": 0, "qty": 10}],
        "deliveries": [{"demand": "d", "period": 0, "qty": 10}]
    }))
    .unwrap();
    let rolled = roll(&d, &actuals, None, 1, &[]).expect("rolls");
    let tail = solved(&rolled.document).objective.unwrap();
    let paid: f64 = rolled
        .report
        .backlog
        .iter()
        .map(|b| f64::from(b.late_by) * b.qty)
        .sum();
    assert!(
        (10.0 + tail + paid - whole).abs() < 1e-6,
        "10 + {tail} + {paid} != {whole}"
    );
}

#[test]
fn a_supplier_sees_only_the_actuals_of_its_own_sites() {
    let d = chain();
    let own = two_weeks().of_enterprise(&d, "sup");
    // sup's line ls and lane ship; not the leader's line, stock, delivery or renovation.
    assert!(own.production.iter().all(|p| p.line == "ls"));
    assert_eq!(own.production.len(), 2);
    assert_eq!(own.shipments.len(), 2);
    assert!(own.stock_counts.is_empty() && own.deliveries.is_empty());
    let renovations: Vec<&str> = own
        .renovation_starts
        .iter()
        .map(|r| r.renovation.as_str())
        .collect();
    assert_eq!(renovations, ["r2"]);
    assert!(two_weeks().of_enterprise(&d, "other").is_empty());
}

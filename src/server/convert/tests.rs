//! Round trips and refusals of the conversions.

use super::allocation::allocation_changes_from_pb;
use super::decode::{Decode, FieldViolations};
use crate::import::generate::{generate, GeneratorSpec};
use crate::model::Problem;
use crate::model::{
    Allocation, AllocationChange, AllocationEntry, AllocationKind, Bottleneck, Conflict,
    NetworkDoc, Operation, PerPeriod, Plan, PlanStatus, Policy, Renovation, RenovationSchedule,
    ResourceKind, SolveStats, Stability,
};
use crate::planning::{solve, SolveOptions};
use crate::server::pb;
use prost::Message;

fn gearbox() -> NetworkDoc {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/gearbox.json");
    let text = std::fs::read_to_string(path).expect("read gearbox.json");
    crate::model::parse_network(&text)
        .expect("gearbox is valid")
        .0
}

fn full_featured() -> NetworkDoc {
    generate(&GeneratorSpec {
        suppliers: 12,
        setups: true,
        renovations: 2,
        shares: true,
        carbon: true,
        ..GeneratorSpec::default()
    })
}

/// Domain -> proto -> bytes -> proto -> domain.
fn doc_round_trip(doc: &NetworkDoc) -> NetworkDoc {
    let msg = pb::NetworkDocument::from(doc.clone());
    let bytes = msg.encode_to_vec();
    let back = pb::NetworkDocument::decode(bytes.as_slice()).expect("decode");
    assert_eq!(back, msg, "the wire keeps the message");
    NetworkDoc::try_from(back).expect("converts back")
}

fn fields(errs: &FieldViolations) -> Vec<&str> {
    errs.iter().map(|v| v.path.as_str()).collect()
}

#[test]
fn gearbox_document_round_trips() {
    let doc = gearbox();
    assert_eq!(doc_round_trip(&doc), doc);
}

#[test]
fn generated_document_with_every_feature_round_trips() {
    let doc = full_featured();
    assert!(!doc.renovations.is_empty());
    assert!(doc
        .lines
        .iter()
        .flat_map(|l| &l.operations)
        .any(Operation::needs_setup));
    assert!(doc
        .lanes
        .iter()
        .any(|l| l.min_share.is_some() || l.max_share.is_some()));
    assert!(doc.policy.carbon_price > 0.0);
    assert_eq!(doc_round_trip(&doc), doc);
}

#[test]
fn per_period_forms_and_optional_fields_round_trip() {
    let mut doc = gearbox();
    // Forms the demo may not use: zero scalar, empty and one-value series,
    // optional bounds set, optional strings absent.
    doc.name = None;
    doc.horizon.period = None;
    doc.lines[0].capacity = PerPeriod::Scalar(0.0);
    doc.lines[1].capacity = PerPeriod::Series(vec![]);
    doc.lines[0].operations[0].id = None;
    doc.lines[0].operations[0].load = 2.5;
    doc.lanes[0].capacity = Some(PerPeriod::Series(vec![5.0]));
    doc.lanes[0].min_share = Some(0.0);
    doc.stocks[0].max = Some(PerPeriod::Scalar(7.0));
    doc.demands[0].late_penalty = Some(0.0);
    doc.demands[0].unmet_penalty = Some(3.0);
    doc.policy.carbon_cap = Some(0.0);
    doc.policy.late_penalty = 0.0;
    doc.policy.max_concurrent_renovations = Some(0);
    doc.renovations.push(Renovation {
        id: "r".into(),
        line: doc.lines[0].id.clone(),
        duration: 1,
        earliest: 0,
        latest: 1,
        capacity_factor: 0.0,
        cost_factor: 1.0,
        co2_factor: 0.5,
        capex: 1.0,
        subsidy: 0.5,
        optional: true,
        after: vec!["r0".into()],
        group: Some("casting".into()),
        window_cost: 2.5,
    });
    doc.policy.max_concurrent_per_group = Some(1);
    doc.policy.keep_sources = true;
    assert_eq!(doc_round_trip(&doc), doc);
}

#[test]
fn plan_round_trips() {
    let plan = solve(&gearbox(), &SolveOptions::default()).expect("gearbox solves");
    assert!(plan.status.has_solution());
    assert!(!plan.allocations.is_empty());
    let msg = pb::Plan::from(plan.clone());
    let back = pb::Plan::decode(msg.encode_to_vec().as_slice()).expect("decode");
    assert_eq!(Plan::try_from(back).expect("converts back"), plan);
}

#[test]
fn plan_with_every_part_round_trips() {
    let mut plan = Plan::without_solution(PlanStatus::Infeasible);
    plan.conflicts.push(Conflict {
        path: "policy.carbon_cap".into(),
        reason: "relaxed by 3".into(),
    });
    plan.renovations = vec![
        RenovationSchedule {
            id: "r1".into(),
            line: "l1".into(),
            start: None,
            end: None,
        },
        RenovationSchedule {
            id: "r2".into(),
            line: "l2".into(),
            start: Some(0),
            end: Some(2),
        },
    ];
    plan.bottlenecks.push(Bottleneck {
        kind: ResourceKind::Lane,
        id: "e".into(),
        period: 3,
        shadow_price: 1.5,
    });
    plan.stability = Some(Stability {
        freeze_until: 2,
        penalty: 0.1,
        units_changed: 10.0,
        cost: 1.0,
        region: Some(crate::model::RepairRegion {
            sites: vec!["s1".into(), "s2".into()],
            widenings: 1,
            proven_optimal: true,
        }),
    });
    plan.stats = SolveStats {
        variables: 10,
        integer_variables: 2,
        constraints: 7,
        build_seconds: 0.1,
        solve_seconds: 0.2,
        extract_seconds: 0.3,
        threads: 2,
        strategy: "fast".into(),
        first_plan_seconds: Some(0.4),
        first_plan_needs_seconds: Some(12.5),
    };
    plan.objective = Some(0.0);
    for status in [
        PlanStatus::Optimal,
        PlanStatus::Feasible,
        PlanStatus::Infeasible,
        PlanStatus::Unbounded,
        PlanStatus::NoSolution,
    ] {
        plan.status = status;
        let msg = pb::Plan::from(plan.clone());
        let back = pb::Plan::decode(msg.encode_to_vec().as_slice()).expect("decode");
        assert_eq!(Plan::try_from(back).expect("converts back"), plan);
    }
}

#[test]
fn allocations_and_changes_round_trip() {
    let entries = vec![
        AllocationEntry {
            kind: AllocationKind::Make,
            site: "s".into(),
            item: "i".into(),
            period: 0,
            qty: 4.0,
            resource: "line".into(),
            destination: None,
        },
        AllocationEntry {
            kind: AllocationKind::Ship,
            site: "s".into(),
            item: "i".into(),
            period: 1,
            qty: 2.0,
            resource: "lane".into(),
            destination: Some("t".into()),
        },
    ];
    let allocation = Allocation {
        enterprise: "sup".into(),
        entries,
    };
    let msg = pb::Allocation::from(allocation.clone());
    assert_eq!(Allocation::try_from(msg).unwrap(), allocation);

    let changes = vec![
        AllocationChange {
            kind: AllocationKind::Ship,
            site: "s".into(),
            item: "i".into(),
            period: 1,
            resource: "lane".into(),
            destination: Some("t".into()),
            qty_before: 0.0,
            qty_after: 2.0,
        },
        AllocationChange {
            kind: AllocationKind::Make,
            site: "s".into(),
            item: "i".into(),
            period: 0,
            resource: "line".into(),
            destination: None,
            qty_before: 4.0,
            qty_after: 0.0,
        },
    ];
    let msgs: Vec<pb::AllocationChange> = changes.iter().cloned().map(Into::into).collect();
    assert_eq!(
        AllocationChange::try_from(msgs[0].clone()).unwrap(),
        changes[0]
    );
    assert_eq!(allocation_changes_from_pb(msgs).unwrap(), changes);
}

#[test]
fn every_structural_problem_of_a_document_is_reported() {
    let mut msg = pb::NetworkDocument::from(gearbox());
    msg.horizon = None;
    msg.enterprises[0].role = pb::EnterpriseRole::Unspecified as i32;
    msg.enterprises[1].role = 9;
    msg.lines[2].capacity = None;
    msg.lines[3].capacity = Some(pb::PerPeriod { value: None });
    msg.lanes[1].capacity = Some(pb::PerPeriod { value: None });
    let errs = NetworkDoc::try_from(msg)
        .expect_err("rejected")
        .under("document");
    assert_eq!(
        fields(&errs),
        [
            "document.horizon",
            "document.enterprises[0].role",
            "document.enterprises[1].role",
            "document.lines[2].capacity",
            "document.lines[3].capacity",
            "document.lanes[1].capacity",
        ]
    );
    let reasons: Vec<&str> = errs.iter().map(|v| v.reason.as_str()).collect();
    assert_eq!(reasons[0], "required");
    assert!(reasons[1].starts_with("unknown role 0"), "{}", reasons[1]);
    assert_eq!(reasons[2], "unknown role 9");
    assert_eq!(reasons[3], "required");
    assert!(reasons[4].contains("scalar"), "{}", reasons[4]);
    assert!(errs
        .to_string()
        .contains("document.lines[2].capacity: required"));
}

#[test]
fn every_structural_problem_of_a_plan_is_reported() {
    let plan = solve(&gearbox(), &SolveOptions::default()).expect("gearbox solves");
    let mut msg = pb::Plan::from(plan);
    msg.status = pb::PlanStatus::Unspecified as i32;
    msg.cost = None;
    msg.allocations[0].entries[0].kind = 7;
    msg.bottlenecks.push(pb::Bottleneck {
        kind: 0,
        id: "x".into(),
        period: 0,
        shadow_price: 0.0,
    });
    let last = msg.bottlenecks.len() - 1;
    let errs = Plan::try_from(msg).expect_err("rejected").under("plan");
    let expected = [
        "plan.status".to_string(),
        "plan.cost".to_string(),
        "plan.allocations[0].entries[0].kind".to_string(),
        format!("plan.bottlenecks[{last}].kind"),
    ];
    assert_eq!(fields(&errs), expected);
    assert_eq!(errs.0[2].reason, "unknown allocation kind 7");
}

#[test]
fn change_paths_go_under_their_request_field() {
    let mut msg = pb::AllocationChange::from(AllocationChange {
        kind: AllocationKind::Make,
        site: "s".into(),
        item: "i".into(),
        period: 0,
        resource: "l".into(),
        destination: None,
        qty_before: 1.0,
        qty_after: 2.0,
    });
    msg.kind = 0;
    let errs = AllocationChange::try_from(msg.clone())
        .unwrap_err()
        .under("changes[3]");
    assert_eq!(fields(&errs), ["changes[3].kind"]);
    let errs = allocation_changes_from_pb(vec![msg.clone(), msg])
        .unwrap_err()
        .under("delta");
    assert_eq!(
        fields(&errs),
        ["delta.changes[0].kind", "delta.changes[1].kind"]
    );
    // A violation of the whole message takes the prefix itself.
    let whole = FieldViolations(vec![Problem::new("", "required")]);
    assert_eq!(
        fields(&whole.under("changes[3].add_demand")),
        ["changes[3].add_demand"]
    );
}

#[test]
fn absent_optional_fields_take_the_serde_defaults() {
    // An operation without `load` loads 1.
    let op = Operation::from(pb::Operation {
        item: "x".into(),
        ..Default::default()
    });
    assert_eq!(op.load, 1.0);

    // The same minimal document as JSON and as proto means the same.
    let json = r#"{
        "horizon": {"periods": 2},
        "enterprises": [{"id": "e", "role": "leader"}],
        "lines": [{"id": "l", "site": "s", "capacity": 5,
                   "operations": [{"item": "x"}]}],
        "lanes": [{"id": "a", "from": "s", "to": "t", "items": ["x"]}],
        "stocks": [{"site": "s", "item": "x"}],
        "demands": [{"id": "d", "site": "t", "item": "x", "period": 1, "qty": 3}],
        "renovations": [{"id": "r", "line": "l", "duration": 1,
                         "earliest": 0, "latest": 1}]
    }"#;
    let from_json: NetworkDoc = serde_json::from_str(json).expect("json");
    let msg = pb::NetworkDocument {
        horizon: Some(pb::Horizon {
            periods: 2,
            ..Default::default()
        }),
        enterprises: vec![pb::Enterprise {
            id: "e".into(),
            role: pb::EnterpriseRole::Leader as i32,
            ..Default::default()
        }],
        lines: vec![pb::Line {
            id: "l".into(),
            site: "s".into(),
            capacity: Some(PerPeriod::Scalar(5.0).into()),
            operations: vec![pb::Operation {
                item: "x".into(),
                ..Default::default()
            }],
            ..Default::default()
        }],
        lanes: vec![pb::Lane {
            id: "a".into(),
            from: "s".into(),
            to: "t".into(),
            items: vec!["x".into()],
            ..Default::default()
        }],
        stocks: vec![pb::Stock {
            site: "s".into(),
            item: "x".into(),
            ..Default::default()
        }],
        demands: vec![pb::Demand {
            id: "d".into(),
            site: "t".into(),
            item: "x".into(),
            period: 1,
            qty: 3.0,
            ..Default::default()
        }],
        renovations: vec![pb::Renovation {
            id: "r".into(),
            line: "l".into(),
            duration: 1,
            earliest: 0,
            latest: 1,
            ..Default::default()
        }],
        ..Default::default()
    };
    let from_proto = NetworkDoc::try_from(msg).expect("converts");
    assert_eq!(from_proto, from_json);
    assert_eq!(from_proto.policy, Policy::default());
    assert_eq!(from_proto.lines[0].operations[0].load, 1.0);
    assert_eq!(from_proto.renovations[0].capacity_factor, 1.0);

    // A policy message with nothing set is the default policy too.
    let empty_policy: Policy = serde_json::from_str("{}").expect("json");
    let mut errs = FieldViolations::default();
    let policy = Policy::decode(pb::Policy::default(), "policy", &mut errs);
    assert_eq!(policy, empty_policy);
}

#[test]
fn absent_stats_are_zero_like_in_json() {
    let mut msg = pb::Plan::from(Plan::without_solution(PlanStatus::Infeasible));
    msg.stats = None;
    let plan = Plan::try_from(msg).expect("converts");
    assert_eq!(plan.stats, SolveStats::default());
}

//! Answers about a solved renovation programme, on a document worked out by
//! hand: window, net capex, capacity lost and gained, savings, delayed
//! demands, one more budget step, the timeline; and `chainplan renovate`.

use chainplan::model::{NetworkDoc, Plan};
use chainplan::planning::renovation::{budget_step, default_budget_step, renovation_answers};
use chainplan::planning::{solve, SolveOptions};
use serde_json::{json, Value};
use std::process::Command;

/// One line of capacity 10 making `p` at cost 1, demand 10 in each of 4
/// periods; a one-period renovation in 1..=3 doubling capacity and halving
/// unit cost. Started in 1: d1 is made late in t2 (20 units at 0.5) and t3
/// makes 10 at 0.5: objective 10 + 10 + 10 + 5 = 35 (see tests/planning.rs).
fn upgrade(extra: Value) -> Value {
    let mut v = json!({
        "horizon": {"periods": 4},
        "items": [{"id": "p"}],
        "enterprises": [{"id": "lead", "role": "leader"}],
        "sites": [{"id": "plant", "enterprise": "lead"}],
        "lines": [{"id": "l", "site": "plant", "capacity": 10, "operations": [{"item": "p", "cost": 1}]}],
        "demands": [
            {"id": "d0", "site": "plant", "item": "p", "period": 0, "qty": 10},
            {"id": "d1", "site": "plant", "item": "p", "period": 1, "qty": 10},
            {"id": "d2", "site": "plant", "item": "p", "period": 2, "qty": 10},
            {"id": "d3", "site": "plant", "item": "p", "period": 3, "qty": 10}
        ],
        "renovations": [{"id": "r", "line": "l", "duration": 1, "earliest": 1, "latest": 3,
                         "capacity_factor": 2, "cost_factor": 0.5, "capex": 100, "subsidy": 30}]
    });
    if let (Some(obj), Some(ext)) = (v.as_object_mut(), extra.as_object()) {
        for (k, val) in ext {
            obj.insert(k.clone(), val.clone());
        }
    }
    v
}

fn solved(v: &Value) -> (NetworkDoc, Plan) {
    let doc: NetworkDoc = serde_json::from_value(v.clone()).unwrap();
    let plan = solve(&doc, &SolveOptions::default()).unwrap();
    (doc, plan)
}

#[test]
fn each_renovation_gets_its_window_capacity_savings_and_delays() {
    let (doc, plan) = solved(&upgrade(json!({})));
    let answers = renovation_answers(&doc, &plan);
    assert_eq!(answers.len(), 1);
    let a = &answers[0];
    assert_eq!((a.start, a.end), (Some(1), Some(1)));
    assert_eq!(a.net_capex, 70.0);
    // Down in t1: 10 lost; doubled in t2 and t3: 10 + 10 gained.
    assert!((a.capacity_lost - 10.0).abs() < 1e-9);
    assert!((a.capacity_gained - 20.0).abs() < 1e-9);
    // 30 units made after the upgrade, each 0.5 cheaper.
    assert!((a.cost_saved - 15.0).abs() < 1e-6, "{a:?}");
    assert_eq!(a.co2_saved, 0.0);
    // d1, due in the down period, is delivered late.
    assert_eq!(a.delayed_demands, vec!["d1".to_string()]);
}

#[test]
fn one_more_budget_step_funds_the_renovation_left_out() {
    // Optional, with a budget of 50 against a net capex of 70: not done,
    // objective 40. One step of 70 funds it: objective 35.
    let mut v = upgrade(json!({"policy": {"renovation_budget": 50}}));
    v["renovations"][0]["optional"] = json!(true);
    let (doc, plan) = solved(&v);
    assert_eq!(plan.renovations[0].start, None);
    let step = default_budget_step(&doc, &plan).expect("a renovation is left out");
    assert_eq!(step, 70.0);
    let answer = budget_step(&doc, &plan, step, &SolveOptions::default())
        .unwrap()
        .expect("the document has a budget");
    assert!((answer.objective_before.unwrap() - 40.0).abs() < 1e-6);
    assert!((answer.objective_after.unwrap() - 35.0).abs() < 1e-6);
    assert_eq!(answer.changed, vec![("r".to_string(), None, Some(1))]);
    // Without a budget in the document there is no step to take.
    let (doc, plan) = solved(&upgrade(json!({})));
    assert!(budget_step(&doc, &plan, 10.0, &SolveOptions::default())
        .unwrap()
        .is_none());
}

#[test]
fn chainplan_renovate_prints_the_answers_and_the_timeline() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("upgrade.json");
    std::fs::write(&path, upgrade(json!({})).to_string()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_chainplan"))
        .arg("renovate")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Line timeline"), "{text}");
    assert!(text.contains("  l  .R.."), "{text}");
    assert!(text.contains("d1"), "{text}");
    let json_out = Command::new(env!("CARGO_BIN_EXE_chainplan"))
        .args(["renovate", "--format", "json"])
        .arg(&path)
        .output()
        .unwrap();
    let value: Value = serde_json::from_slice(&json_out.stdout).unwrap();
    assert_eq!(value["renovations"][0]["start"], json!(1));
    assert_eq!(value["renovations"][0]["net_capex"], json!(70.0));
}

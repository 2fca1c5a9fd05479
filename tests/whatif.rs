//! What-if scenarios through the public faces: comparisons that agree with
//! the two plans to the last bit, batches that keep their order and leave
//! the base alone, the supplier criticality sweep against separate solves,
//! and `chainplan whatif` / `chainplan criticality` as processes.

use chainplan::model::scenario::{OutageScope, PeriodRange, ScenarioChange};
use chainplan::model::{parse_network, AllocationKind, NetworkDoc, Plan, PlanStatus};
use chainplan::planning::batch::{solve_batch, BatchError, ScenarioProgress, ScenarioResult};
use chainplan::planning::compare::{compare, rank, Comparison, Kpi};
use chainplan::planning::criticality::criticality;
use chainplan::planning::{solve, SolveOptions};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> PathBuf {
    manifest().join("tests/fixtures/whatif").join(name)
}

fn gearbox_path() -> PathBuf {
    manifest().join("examples/data/gearbox.json")
}

fn read_doc(path: &Path) -> NetworkDoc {
    let text = std::fs::read_to_string(path).expect("fixture reads");
    parse_network(&text).expect("fixture is valid").0
}

fn read_changes(name: &str) -> Vec<ScenarioChange> {
    let text = std::fs::read_to_string(fixture(name)).expect("change file reads");
    serde_json::from_str(&text).expect("change file parses")
}

fn options() -> SolveOptions {
    SolveOptions {
        time_limit_seconds: Some(120.0),
        ..SolveOptions::default()
    }
}

fn solved(doc: &NetworkDoc) -> Plan {
    let plan = solve(doc, &options()).expect("solves");
    assert!(plan.status.has_solution(), "{:?}", plan.status);
    plan
}

fn made_and_shipped(plan: &Plan, enterprise: &str) -> (f64, f64) {
    let (mut made, mut shipped) = (0.0, 0.0);
    for a in plan
        .allocations
        .iter()
        .filter(|a| a.enterprise == enterprise)
    {
        for e in &a.entries {
            match e.kind {
                AllocationKind::Make => made += e.qty,
                AllocationKind::Ship => shipped += e.qty,
            }
        }
    }
    (made, shipped)
}

/// Every figure of `c` is exactly the scenario's minus the base's.
fn assert_differences(c: &Comparison, base: &Plan, scenario: &Plan) {
    let objective = c.objective.expect("both plans have an objective");
    assert_eq!(objective.base, base.objective.unwrap());
    assert_eq!(objective.scenario, scenario.objective.unwrap());
    assert_eq!(
        objective.delta,
        scenario.objective.unwrap() - base.objective.unwrap()
    );
    let base_terms = base.cost.terms();
    let scenario_terms = scenario.cost.terms();
    for (k, (name, d)) in c.cost.terms().into_iter().enumerate() {
        assert_eq!(name, base_terms[k].0);
        assert_eq!(d.base, base_terms[k].1, "{name}");
        assert_eq!(d.scenario, scenario_terms[k].1, "{name}");
        assert_eq!(d.delta, scenario_terms[k].1 - base_terms[k].1, "{name}");
    }
    let (b, s) = (&base.service, &scenario.service);
    for (name, d, bv, sv) in [
        ("demand", c.demand, b.demand, s.demand),
        ("on_time", c.on_time, b.on_time, s.on_time),
        ("late", c.late, b.late, s.late),
        ("unmet", c.unmet, b.unmet, s.unmet),
        ("fill_rate", c.fill_rate, b.fill_rate, s.fill_rate),
        ("emissions", c.emissions, base.emissions, scenario.emissions),
    ] {
        assert_eq!((d.base, d.scenario, d.delta), (bv, sv, sv - bv), "{name}");
    }
    for sup in &c.suppliers {
        let (made_b, shipped_b) = made_and_shipped(base, &sup.enterprise);
        let (made_s, shipped_s) = made_and_shipped(scenario, &sup.enterprise);
        assert_eq!(sup.made.delta, made_s - made_b, "{}", sup.enterprise);
        assert_eq!(
            sup.shipped.delta,
            shipped_s - shipped_b,
            "{}",
            sup.enterprise
        );
        assert_eq!((sup.made.base, sup.made.scenario), (made_b, made_s));
    }
    for r in &c.renovations {
        let find = |p: &Plan| {
            p.renovations
                .iter()
                .find(|x| x.id == r.id)
                .map_or((None, None), |x| (x.start, x.end))
        };
        assert_eq!((r.base_start, r.base_end), find(base), "{}", r.id);
        assert_eq!(
            (r.scenario_start, r.scenario_end),
            find(scenario),
            "{}",
            r.id
        );
        assert_eq!(r.changed, find(base) != find(scenario), "{}", r.id);
    }
    // Appeared, vanished and stayed partition the two plans' bottlenecks.
    let keys = |p: &Plan| -> BTreeSet<(String, u32)> {
        p.bottlenecks
            .iter()
            .map(|b| (format!("{:?}/{}", b.kind, b.id), b.period))
            .collect()
    };
    let key =
        |kind: &dyn std::fmt::Debug, id: &str, period: u32| (format!("{kind:?}/{id}"), period);
    let bn = &c.bottlenecks;
    let appeared: BTreeSet<_> = bn
        .appeared
        .iter()
        .map(|b| key(&b.kind, &b.id, b.period))
        .collect();
    let vanished: BTreeSet<_> = bn
        .vanished
        .iter()
        .map(|b| key(&b.kind, &b.id, b.period))
        .collect();
    let stayed: BTreeSet<_> = bn
        .stayed
        .iter()
        .map(|b| key(&b.kind, &b.id, b.period))
        .collect();
    let (in_base, in_scenario) = (keys(base), keys(scenario));
    assert_eq!(
        appeared,
        in_scenario.difference(&in_base).cloned().collect()
    );
    assert_eq!(
        vanished,
        in_base.difference(&in_scenario).cloned().collect()
    );
    assert_eq!(
        stayed,
        in_base.intersection(&in_scenario).cloned().collect()
    );
    for st in &bn.stayed {
        let price = |p: &Plan| {
            p.bottlenecks
                .iter()
                .find(|b| b.kind == st.kind && b.id == st.id && b.period == st.period)
                .map(|b| b.shadow_price)
        };
        assert_eq!(Some(st.base_shadow_price), price(base));
        assert_eq!(Some(st.scenario_shadow_price), price(scenario));
    }
}

#[test]
fn comparison_figures_are_the_differences_of_the_two_plans() {
    let doc = read_doc(&gearbox_path());
    let base = solved(&doc);
    let scenarios = vec![
        ("demand_up".to_string(), read_changes("demand_up.json")),
        ("carbon_80".to_string(), read_changes("carbon_80.json")),
    ];
    let results = solve_batch(&doc, &scenarios, &options(), 2, |_, _| {});
    let mut comparisons = Vec::new();
    for (name, result) in results {
        let (scenario_doc, plan) = result.expect("scenario solves");
        assert!(plan.status.has_solution(), "{name}: {:?}", plan.status);
        let c = compare(&doc, &base, &scenario_doc, &plan);
        assert!(c.comparable());
        assert_differences(&c, &base, &plan);
        comparisons.push((name, c));
    }
    // The scenarios do what they say.
    let demand = &comparisons[0].1;
    assert!((demand.demand.scenario - 1.2 * demand.demand.base).abs() < 1e-6);
    let carbon = &comparisons[1].1;
    assert!(carbon.cost.carbon.delta > 0.0, "{:?}", carbon.cost.carbon);
    assert_eq!(carbon.demand.delta, 0.0);

    // The ranking is by delta, largest increase first.
    let ranked = rank(&comparisons, Kpi::Objective);
    assert_eq!(ranked.len(), 2);
    assert!(ranked[0].1 >= ranked[1].1, "{ranked:?}");
    for (name, delta) in &ranked {
        let c = &comparisons.iter().find(|(n, _)| n == name).unwrap().1;
        assert_eq!(*delta, c.objective.unwrap().delta);
    }
    // Fill rate: largest drop (most negative delta) first.
    let by_fill = rank(&comparisons, Kpi::FillRate);
    assert!(by_fill[0].1 <= by_fill[1].1, "{by_fill:?}");
}

#[test]
fn a_batch_leaves_the_base_document_and_plan_unchanged() {
    let doc = read_doc(&gearbox_path());
    let base = solved(&doc);
    let doc_before = serde_json::to_string(&doc).unwrap();
    let plan_before = serde_json::to_string(&base).unwrap();
    let scenarios = vec![
        ("demand_up".to_string(), read_changes("demand_up.json")),
        ("carbon_80".to_string(), read_changes("carbon_80.json")),
    ];
    // The base plan is shared with every solve as its warm start.
    let shared = Arc::new(base);
    let warm = SolveOptions {
        warm_start: Some(shared.clone()),
        ..options()
    };
    let results = solve_batch(&doc, &scenarios, &warm, 2, |_, _| {});
    for (_, result) in &results {
        let (scenario_doc, plan) = result.as_ref().expect("scenario solves");
        let _ = compare(&doc, &shared, scenario_doc, plan);
        assert_ne!(serde_json::to_string(scenario_doc).unwrap(), doc_before);
    }
    assert_eq!(serde_json::to_string(&doc).unwrap(), doc_before);
    assert_eq!(serde_json::to_string(&*shared).unwrap(), plan_before);
}

#[test]
fn batch_results_keep_the_input_order_and_an_invalid_scenario_gives_its_paths() {
    let doc = read_doc(&fixture("small_chain.json"));
    let price = |p: f64| vec![ScenarioChange::CarbonPrice { price: p }];
    let invalid = vec![
        ScenarioChange::CarbonPrice { price: 5.0 },
        ScenarioChange::Outage {
            scope: OutageScope::Enterprise("sup-a".into()),
            periods: PeriodRange { first: 1, last: 99 },
        },
    ];
    let scenarios: Vec<(String, Vec<ScenarioChange>)> = vec![
        ("price-3".into(), price(3.0)),
        ("invalid".into(), invalid),
        ("price-1".into(), price(1.0)),
        ("price-2".into(), price(2.0)),
        ("price-4".into(), price(4.0)),
    ];
    let events: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());
    let results = solve_batch(&doc, &scenarios, &options(), 3, |name, event| {
        let what = match event {
            ScenarioProgress::Started => "started",
            ScenarioProgress::Solving(_) => "solving",
            ScenarioProgress::Solved(_) => "solved",
            ScenarioProgress::Failed => "failed",
        };
        events
            .lock()
            .unwrap()
            .push((name.to_string(), what.to_string()));
    });

    let names: Vec<&str> = results.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["price-3", "invalid", "price-1", "price-2", "price-4"]
    );
    for (name, result) in &results {
        match (name.as_str(), result) {
            ("invalid", Err(BatchError::Changes(problems))) => {
                assert!(!problems.is_empty());
                assert!(
                    problems.iter().all(|p| p.path.starts_with("changes[1]")),
                    "{problems:?}"
                );
                assert!(
                    problems.iter().any(|p| p.path.contains("periods")),
                    "{problems:?}"
                );
            }
            ("invalid", Err(other)) => panic!("invalid scenario: {other}"),
            ("invalid", Ok(_)) => panic!("an outage past the horizon was accepted"),
            (name, Ok((scenario_doc, plan))) => {
                let expected: f64 = name["price-".len()..].parse().unwrap();
                assert_eq!(scenario_doc.policy.carbon_price, expected, "{name}");
                assert_eq!(plan.status, PlanStatus::Optimal, "{name}");
            }
            (name, Err(e)) => panic!("{name}: {e}"),
        }
    }
    // Every scenario was started and ended exactly once.
    let events = events.into_inner().unwrap();
    for (name, _) in &scenarios {
        let of = |what: &str| {
            events
                .iter()
                .filter(|(n, w)| n == name && w == what)
                .count()
        };
        assert_eq!(of("started"), 1, "{name}: {events:?}");
        let end = if name == "invalid" {
            "failed"
        } else {
            "solved"
        };
        assert_eq!(of(end), 1, "{name}: {events:?}");
    }
}

/// `doc` with `enterprise` out over `first..=last`, built by hand: its lines
/// down and every lane from or to its sites carrying nothing.
fn outage_by_hand(doc: &Value, enterprise: &str, first: u32, last: u32) -> Value {
    let mut doc = doc.clone();
    let periods = doc["horizon"]["periods"].as_u64().unwrap() as u32;
    let sites: Vec<String> = doc["sites"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["enterprise"] == enterprise)
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    let at = |s: &Value| sites.iter().any(|x| s == x);
    for line in doc["lines"].as_array_mut().unwrap() {
        if at(&line["site"]) {
            line["downtime"] = json!((first..=last).collect::<Vec<u32>>());
        }
    }
    for lane in doc["lanes"].as_array_mut().unwrap() {
        if at(&lane["from"]) || at(&lane["to"]) {
            let cap: Vec<f64> = (0..periods)
                .map(|t| {
                    if (first..=last).contains(&t) {
                        0.0
                    } else {
                        1e6
                    }
                })
                .collect();
            lane["capacity"] = json!(cap);
        }
    }
    doc
}

#[test]
fn criticality_ranks_suppliers_as_separate_outage_solves_do() {
    let path = fixture("small_chain.json");
    let doc = read_doc(&path);
    let raw: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let base = solved(&doc);
    let periods = PeriodRange { first: 0, last: 1 };
    let result = criticality(&doc, &base, periods, &options(), 2);

    assert_eq!(result.skipped, ["sup-c"]);
    assert!(result.failed.is_empty(), "{:?}", result.failed);

    // Each outage solved on its own, from a document changed by hand.
    let mut separate: Vec<(String, f64, f64, f64)> = ["sup-a", "sup-b"]
        .iter()
        .map(|id| {
            let changed: NetworkDoc =
                serde_json::from_value(outage_by_hand(&raw, id, 0, 1)).unwrap();
            let plan = solved(&changed);
            (
                id.to_string(),
                plan.objective.unwrap() - base.objective.unwrap(),
                base.service.fill_rate - plan.service.fill_rate,
                plan.service.unmet - base.service.unmet,
            )
        })
        .collect();
    separate.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let by_cost: Vec<&str> = result
        .suppliers
        .iter()
        .map(|s| s.enterprise.as_str())
        .collect();
    let expected: Vec<&str> = separate.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(by_cost, expected);
    // The fixture is built so that the order is not a tie broken by id.
    assert_eq!(by_cost, ["sup-a", "sup-b"]);
    assert!(separate[0].1 > separate[1].1 + 1.0, "{separate:?}");

    for (s, (id, cost, drop, unmet)) in result.suppliers.iter().zip(&separate) {
        assert_eq!(&s.enterprise, id);
        assert_eq!(
            s.cost_rank,
            by_cost.iter().position(|x| x == id).unwrap() + 1
        );
        let close = |a: Option<f64>, b: f64| a.is_some_and(|a| (a - b).abs() < 1e-6);
        assert!(close(s.objective_delta, *cost), "{s:?} vs {cost}");
        assert!(close(s.fill_rate_drop, *drop), "{s:?} vs {drop}");
        assert!(close(s.unmet_delta, *unmet), "{s:?} vs {unmet}");
    }
    let service: Vec<&str> = result
        .by_service()
        .iter()
        .map(|s| s.enterprise.as_str())
        .collect();
    assert_eq!(service, ["sup-a", "sup-b"]);
}

fn chainplan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chainplan"))
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("utf-8")
}

fn arg(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn cli_whatif_prints_a_summary_per_scenario() {
    let (doc, up, carbon) = (
        gearbox_path(),
        fixture("demand_up.json"),
        fixture("carbon_80.json"),
    );
    let out = chainplan(&[
        "whatif",
        arg(&doc),
        "--change",
        arg(&up),
        "--change",
        arg(&carbon),
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(stdout.contains("Scenario: demand_up"), "{stdout}");
    assert!(stdout.contains("Scenario: carbon_80"), "{stdout}");
    for row in [
        "objective",
        "cost carbon",
        "fill rate",
        "emissions",
        "unmet",
    ] {
        assert!(stdout.contains(row), "{row} missing: {stdout}");
    }
    assert!(stdout.contains("Suppliers"), "{stdout}");
}

#[test]
fn cli_whatif_json_parses_and_agrees_with_the_library() {
    let (doc, carbon) = (gearbox_path(), fixture("carbon_80.json"));
    let out = chainplan(&[
        "whatif",
        arg(&doc),
        "--change",
        arg(&carbon),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    let list = v.as_array().expect("a list of comparisons");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["name"], "carbon_80");
    let c: Comparison =
        serde_json::from_value(list[0]["comparison"].clone()).expect("a comparison");
    // JSON numbers round-trip to within an ulp (serde_json's default parser).
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0);
    let objective = c.objective.expect("objective");
    assert!(close(objective.delta, objective.scenario - objective.base));
    assert!(c.cost.carbon.delta > 0.0);
    let base = solved(&read_doc(&doc));
    assert!(
        (objective.base - base.objective.unwrap()).abs() <= 1e-6 * objective.base.abs(),
        "{} vs {:?}",
        objective.base,
        base.objective
    );
}

#[test]
fn cli_whatif_rejects_a_bad_change_file_naming_the_path() {
    let (doc, good, bad) = (
        gearbox_path(),
        fixture("demand_up.json"),
        fixture("bad_periods.json"),
    );
    let out = chainplan(&[
        "whatif",
        arg(&doc),
        "--change",
        arg(&good),
        "--change",
        arg(&bad),
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("bad_periods.json"), "{stderr}");
    assert!(stderr.contains("changes[2].periods"), "{stderr}");
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));

    // A change the format does not know is named by its place too.
    let dir = tempfile::tempdir().unwrap();
    let typo = dir.path().join("typo.json");
    std::fs::write(
        &typo,
        r#"[{"type": "carbon_price", "price": 1}, {"type": "carbon_prise", "price": 2}]"#,
    )
    .unwrap();
    let out = chainplan(&["whatif", arg(&doc), "--change", arg(&typo)]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("typo.json: changes[1]"), "{stderr}");
}

#[test]
fn cli_criticality_ranks_and_skips() {
    let doc = fixture("small_chain.json");
    let out = chainplan(&["criticality", arg(&doc), "--periods", "0..1"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let a = stdout.find("sup-a").expect("sup-a ranked");
    let b = stdout.find("sup-b").expect("sup-b ranked");
    assert!(a < b, "{stdout}");
    assert!(stdout.contains("skipped"), "{stdout}");

    let out = chainplan(&[
        "criticality",
        arg(&doc),
        "--periods",
        "0..1",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(v["suppliers"][0]["enterprise"], "sup-a");
    assert_eq!(v["skipped"], json!(["sup-c"]));

    let out = chainplan(&["criticality", arg(&doc), "--periods", "2..9"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("--periods"));
}

#[test]
fn warm_started_scenarios_find_the_same_optimum() {
    let doc = read_doc(&gearbox_path());
    let base = Arc::new(solved(&doc));
    let scenarios = vec![("demand_up".to_string(), read_changes("demand_up.json"))];
    let cold = solve_batch(&doc, &scenarios, &options(), 1, |_, _| {});
    let warm_options = SolveOptions {
        warm_start: Some(base.clone()),
        ..options()
    };
    let warm = solve_batch(&doc, &scenarios, &warm_options, 1, |_, _| {});
    let objective = |r: &[(String, ScenarioResult)]| {
        let (_, plan) = r[0].1.as_ref().expect("solves");
        assert_eq!(plan.status, PlanStatus::Optimal);
        plan.objective.unwrap()
    };
    let (cold, warm) = (objective(&cold), objective(&warm));
    assert!(
        (cold - warm).abs() <= 1e-5 * cold.abs().max(1.0),
        "{cold} vs {warm}"
    );
}

/// A batch whose `ends_by` has passed solves nothing more: each scenario
/// comes back `NotStarted`, reported as failed to the progress callback,
/// and the sweep lists every outage as failed with that reason, ranking
/// none. A deadline still ahead changes nothing.
#[test]
fn a_batch_past_its_deadline_starts_no_scenario_and_says_so() {
    let doc = read_doc(&gearbox_path());
    let scenarios = vec![
        ("demand_up".to_string(), read_changes("demand_up.json")),
        ("carbon_80".to_string(), read_changes("carbon_80.json")),
    ];
    let past = SolveOptions {
        ends_by: Some(std::time::Instant::now()),
        ..options()
    };
    let events = Mutex::new(Vec::new());
    let results = solve_batch(&doc, &scenarios, &past, 2, |name, event| {
        events.lock().unwrap().push((name.to_string(), event));
    });
    assert_eq!(results.len(), 2);
    for (name, result) in &results {
        assert!(
            matches!(result, Err(BatchError::NotStarted)),
            "{name}: {result:?}"
        );
    }
    let events = events.into_inner().unwrap();
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(events
        .iter()
        .all(|(_, e)| matches!(e, ScenarioProgress::Failed)));

    let ahead = SolveOptions {
        ends_by: Some(std::time::Instant::now() + std::time::Duration::from_secs(600)),
        ..options()
    };
    for (name, result) in solve_batch(&doc, &scenarios, &ahead, 2, |_, _| {}) {
        let (_, plan) = result.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(plan.status, PlanStatus::Optimal, "{name}");
    }

    let chain = read_doc(&fixture("small_chain.json"));
    let base = solved(&chain);
    let periods = PeriodRange { first: 0, last: 1 };
    let swept = criticality(&chain, &base, periods, &past, 2);
    assert!(swept.suppliers.is_empty(), "{:?}", swept.suppliers);
    let failed: Vec<&str> = swept.failed.iter().map(|f| f.enterprise.as_str()).collect();
    assert_eq!(failed, ["sup-a", "sup-b"]);
    for f in &swept.failed {
        assert!(f.reason.contains("deadline"), "{}", f.reason);
    }
    assert_eq!(swept.skipped, ["sup-c"]);
}

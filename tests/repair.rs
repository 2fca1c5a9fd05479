//! Local-repair re-plans through the library API: the region follows the
//! chain graph from the cause, nothing outside it changes, a repair that
//! cannot hold the rest of the chain widens, and a proven repair is the
//! exact re-plan's optimum. The chain is small enough to follow by hand.

mod common;

use chainplan::model::{NetworkDoc, Plan, PlanStatus};
use chainplan::planning::{solve, Baseline, SolveOptions, Strategy};
use common::checker::check;
use common::docs::{doc, made_by, solved};
use serde_json::json;

/// A leader plant making `p` from `a` and `b` for a customer DC. `a` comes
/// from `site-sa` (cost 1) or, dearer, `site-sa2` (cost 3); `b` from
/// `site-sb`, which makes it from `r` bought from `site-raw`. Demand is 40
/// a period, every line can make 50.
///
/// With `line-sa` down, the sites the change can reach are `site-sa`, the
/// plant and the DC downstream of it, and `site-sa2`, the other source of
/// `a`: the `b` branch (`site-sb`, `site-raw`) lies outside.
fn branches() -> NetworkDoc {
    let line = |id: &str, site: &str, item: &str, inputs: serde_json::Value, cost: f64| {
        json!({"id": id, "site": site, "capacity": 50,
               "operations": [{"item": item, "cost": cost, "inputs": inputs}]})
    };
    doc(json!({
        "horizon": {"periods": 4},
        "items": [{"id": "a"}, {"id": "b"}, {"id": "r"}, {"id": "p"}],
        "enterprises": [{"id": "lead", "role": "leader"}, {"id": "sa", "role": "supplier"},
                        {"id": "sa2", "role": "supplier"}, {"id": "sb", "role": "supplier"},
                        {"id": "raw", "role": "supplier"}, {"id": "cust", "role": "customer"}],
        "sites": [{"id": "plant", "enterprise": "lead"}, {"id": "site-sa", "enterprise": "sa"},
                  {"id": "site-sa2", "enterprise": "sa2"}, {"id": "site-sb", "enterprise": "sb"},
                  {"id": "site-raw", "enterprise": "raw"}, {"id": "dc", "enterprise": "cust"}],
        "lines": [line("line-sa", "site-sa", "a", json!([]), 1.0),
                  line("line-sa2", "site-sa2", "a", json!([]), 3.0),
                  line("line-sb", "site-sb", "b", json!([{"item": "r", "qty": 1}]), 1.0),
                  line("line-raw", "site-raw", "r", json!([]), 1.0),
                  json!({"id": "line-p", "site": "plant", "capacity": 100,
                         "operations": [{"item": "p", "cost": 1,
                                         "inputs": [{"item": "a", "qty": 1},
                                                    {"item": "b", "qty": 1}]}]})],
        "lanes": [{"id": "sa-plant", "from": "site-sa", "to": "plant", "items": ["a"]},
                  {"id": "sa2-plant", "from": "site-sa2", "to": "plant", "items": ["a"]},
                  {"id": "sb-plant", "from": "site-sb", "to": "plant", "items": ["b"]},
                  {"id": "raw-sb", "from": "site-raw", "to": "site-sb", "items": ["r"]},
                  {"id": "plant-dc", "from": "plant", "to": "dc", "items": ["p"]}],
        "stocks": [{"site": "site-sa", "item": "a", "holding_cost": 0.1},
                   {"site": "plant", "item": "a", "holding_cost": 0.1},
                   {"site": "plant", "item": "b", "holding_cost": 0.1}],
        "demands": (0..4).map(|t| json!({"id": format!("d{t}"), "site": "dc", "item": "p",
                                          "period": t, "qty": 40})).collect::<Vec<_>>(),
    }))
}

/// [`branches`] with six dearer suppliers of `r` for `site-sb`, which the
/// optimum leaves idle: twelve sites, of which line-sa's change reaches
/// four, a third of the chain.
fn wide() -> NetworkDoc {
    let mut d = branches();
    let extra: serde_json::Value = json!({
        "enterprises": (1..=6).map(|k| json!({"id": format!("raw{k}"), "role": "supplier"}))
            .collect::<Vec<_>>(),
        "sites": (1..=6).map(|k| json!({"id": format!("site-raw{k}"), "enterprise": format!("raw{k}")}))
            .collect::<Vec<_>>(),
        "lines": (1..=6).map(|k| json!({"id": format!("line-raw{k}"), "site": format!("site-raw{k}"),
                                        "capacity": 50, "operations": [{"item": "r", "cost": 5}]}))
            .collect::<Vec<_>>(),
        "lanes": (1..=6).map(|k| json!({"id": format!("raw{k}-sb"), "from": format!("site-raw{k}"),
                                        "to": "site-sb", "items": ["r"]}))
            .collect::<Vec<_>>(),
    });
    let mut v = serde_json::to_value(&d).expect("document");
    for key in ["enterprises", "sites", "lines", "lanes"] {
        let list = v[key].as_array_mut().expect("list");
        list.extend(extra[key].as_array().expect("extra").iter().cloned());
    }
    d = doc(v);
    d
}

/// `doc` with `line` down in periods 1 and 2.
fn down(mut d: NetworkDoc, line: &str) -> NetworkDoc {
    let l = d.lines.iter_mut().find(|l| l.id == line).expect("line");
    l.downtime = vec![1, 2];
    d
}

/// The options of a re-plan against `base` (no fence, penalty 0.1) told of
/// `causes`.
fn replan_options(base: &Plan, strategy: Strategy, causes: &[&str]) -> SolveOptions {
    SolveOptions {
        strategy,
        relative_gap: Some(0.0),
        baseline: Some(Baseline {
            production: base.production.clone(),
            shipments: base.shipments.clone(),
            freeze_until: 0,
            stability_penalty: 0.1,
            causes: causes.iter().map(|c| c.to_string()).collect(),
            region: None,
            limits: Vec::new(),
        }),
        ..SolveOptions::default()
    }
}

fn replan(d: &NetworkDoc, base: &Plan, strategy: Strategy, causes: &[&str]) -> Plan {
    solve(d, &replan_options(base, strategy, causes)).expect("re-plans")
}

/// Production per (line, period) and shipments per (lane, period), zero
/// entries left out.
fn quantities(plan: &Plan, lines: &[&str], lanes: &[&str]) -> Vec<(String, u32, String)> {
    let made = plan
        .production
        .iter()
        .filter(|p| lines.contains(&p.line.as_str()) && p.qty > 1e-9)
        .map(|p| (p.line.clone(), p.period, format!("{:.6}", p.qty)));
    let shipped = plan
        .shipments
        .iter()
        .filter(|s| lanes.contains(&s.lane.as_str()) && s.qty > 1e-9)
        .map(|s| (s.lane.clone(), s.period, format!("{:.6}", s.qty)));
    let mut all: Vec<_> = made.chain(shipped).collect();
    all.sort();
    all
}

fn objective(plan: &Plan) -> f64 {
    plan.objective.expect("an objective")
}

#[test]
fn a_region_holds_every_decision_outside_it_at_the_base_plan() {
    let base = solved(&branches());
    let changed = down(branches(), "line-sa");
    let exact = replan(&changed, &base, Strategy::Exact, &["line-sa"]);
    // The caller holds the b branch itself.
    let mut options = replan_options(&base, Strategy::Exact, &[]);
    if let Some(b) = &mut options.baseline {
        b.region = Some(
            ["dc", "plant", "site-sa", "site-sa2"]
                .map(String::from)
                .into(),
        );
    }
    let plan = solve(&changed, &options).expect("re-plans");
    assert_eq!(plan.status, PlanStatus::Optimal, "{plan:#?}");
    let outside = (["line-sb", "line-raw"], ["raw-sb"]);
    assert_eq!(
        quantities(&plan, &outside.0, &outside.1),
        quantities(&base, &outside.0, &outside.1)
    );
    assert!(objective(&plan) >= objective(&exact) - 1e-6);
    assert_eq!(check(&changed, &plan), Vec::<String>::new());
}

#[test]
fn a_repair_is_proven_the_exact_re_plans_optimum_and_changes_nothing_outside_its_region() {
    let base = solved(&branches());
    let changed = down(branches(), "line-sa");
    let exact = replan(&changed, &base, Strategy::Exact, &["line-sa"]);
    assert_eq!(exact.status, PlanStatus::Optimal);
    // Without a time limit the exact re-plan fits: auto re-plans exactly.
    let auto = replan(&changed, &base, Strategy::Auto, &["line-sa"]);
    assert_eq!(auto.stats.strategy, "exact");
    assert!((objective(&auto) - objective(&exact)).abs() < 1e-6);
    let plan = replan(&changed, &base, Strategy::Repair, &["line-sa"]);
    assert_repaired(&changed, &base, &plan, objective(&exact));
}

#[test]
fn a_repair_of_a_wider_chain_keeps_to_the_part_the_cause_reaches() {
    let base = solved(&wide());
    let changed = down(wide(), "line-sa");
    let exact = replan(&changed, &base, Strategy::Exact, &["line-sa"]);
    let plan = replan(&changed, &base, Strategy::Repair, &["line-sa"]);
    assert_repaired(&changed, &base, &plan, objective(&exact));
    // The idle suppliers of r stay outside, as idle as before.
    let region = plan.stability.and_then(|s| s.region).expect("region");
    assert!(region.sites.len() < 12, "{region:?}");
    assert!(plan.stats.first_plan_seconds.is_some());
    // Without a time limit the exact re-plan fits: auto re-plans exactly.
    let auto = replan(&changed, &base, Strategy::Auto, &["line-sa"]);
    assert_eq!(auto.stats.strategy, "exact");
    assert!((objective(&auto) - objective(&exact)).abs() < 1e-6);
}

/// A repair of line-sa's downtime: optimal and proven so, its region
/// holding at least the sites line-sa's change reaches, and every decision
/// outside it as in the base plan.
fn assert_repaired(changed: &NetworkDoc, base: &Plan, plan: &Plan, optimum: f64) {
    assert_eq!(plan.status, PlanStatus::Optimal, "{plan:#?}");
    assert_eq!(plan.stats.strategy, "repair");
    let region = plan
        .stability
        .as_ref()
        .and_then(|s| s.region.clone())
        .expect("a repair names its region");
    for site in ["dc", "plant", "site-sa", "site-sa2"] {
        assert!(region.sites.iter().any(|s| s == site), "{region:?}");
    }
    assert!(region.proven_optimal);
    let inside = |site: &str| region.sites.iter().any(|s| s == site);
    let site_of = |line: &str| {
        changed
            .lines
            .iter()
            .find(|l| l.id == line)
            .map(|l| l.site.clone())
            .expect("line")
    };
    let lines: Vec<String> = changed
        .lines
        .iter()
        .filter(|l| !inside(&site_of(&l.id)))
        .map(|l| l.id.clone())
        .collect();
    let lanes: Vec<String> = changed
        .lanes
        .iter()
        .filter(|e| !inside(&e.from) && !inside(&e.to))
        .map(|e| e.id.clone())
        .collect();
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let lanes: Vec<&str> = lanes.iter().map(String::as_str).collect();
    assert_eq!(
        quantities(plan, &lines, &lanes),
        quantities(base, &lines, &lanes)
    );
    assert!(
        (objective(plan) - optimum).abs() < 1e-6,
        "repair {} against exact {optimum}",
        objective(plan),
    );
    assert_eq!(check(changed, plan), Vec::<String>::new());
    // The lost a came from somewhere: the dear source makes some.
    assert!(made_by(plan, "line-sa2") > 1.0);
}

#[test]
fn a_repair_that_cannot_hold_the_rest_of_the_chain_widens_until_it_can() {
    let base = solved(&branches());
    // The raw supplier loses capacity too, but the re-plan is told only of
    // line-sa: holding site-raw at the base plan's 40 a period is
    // infeasible, so the region grows to it, one ring of sites at a time.
    let mut changed = down(branches(), "line-sa");
    let raw = changed
        .lines
        .iter_mut()
        .find(|l| l.id == "line-raw")
        .expect("line");
    raw.capacity = serde_json::from_value(json!(20)).expect("capacity");
    let plan = assert_widened_to(&changed, &base, "line-sa", "site-raw");
    // The raw supplier now makes at most its new capacity.
    assert!(plan
        .production
        .iter()
        .filter(|p| p.line == "line-raw")
        .all(|p| p.qty <= 20.0 + 1e-6));
}

/// The repair of `changed` told of `cause`: grown at least once, to
/// `site`, and proven the exact re-plan's optimum.
fn assert_widened_to(changed: &NetworkDoc, base: &Plan, cause: &str, site: &str) -> Plan {
    let exact = replan(changed, base, Strategy::Exact, &[cause]);
    let plan = replan(changed, base, Strategy::Repair, &[cause]);
    assert_eq!(plan.status, PlanStatus::Optimal, "{plan:#?}");
    let region = plan
        .stability
        .as_ref()
        .and_then(|s| s.region.clone())
        .expect("region");
    assert!(region.widenings >= 1, "{region:?}");
    assert!(region.sites.iter().any(|s| s == site), "{region:?}");
    assert!(region.proven_optimal, "{region:?}");
    assert!((objective(&plan) - objective(&exact)).abs() < 1e-6);
    assert_eq!(check(changed, &plan), Vec::<String>::new());
    plan
}

#[test]
fn a_held_decision_worth_changing_widens_the_region_by_its_dual() {
    let base = solved(&branches());
    // The dear source of a becomes the cheaper one, but the re-plan is told
    // only of line-sb. Holding site-sa2 at the base plan's nothing is
    // feasible, and the region (the b branch, the plant and the DC) is
    // optimal within itself; the dual of site-sa2's held production says
    // that making a there is worth more than the stability penalty, so the
    // region grows to it.
    let mut changed = branches();
    let sa2 = changed
        .lines
        .iter_mut()
        .find(|l| l.id == "line-sa2")
        .expect("line");
    sa2.operations[0].cost = 0.5;
    let plan = assert_widened_to(&changed, &base, "line-sb", "site-sa2");
    assert!(made_by(&plan, "line-sa2") > 1.0);
}

#[test]
fn a_full_re_plan_on_request_and_a_solve_without_a_base_plan() {
    let base = solved(&branches());
    let changed = down(branches(), "line-sa");
    // Exact: the whole chain, no region.
    let exact = replan(&changed, &base, Strategy::Exact, &["line-sa"]);
    assert_eq!(exact.stats.strategy, "exact");
    assert!(exact.stability.and_then(|s| s.region).is_none());
    // Without causes, auto cannot place a region: the exact re-plan.
    let auto = replan(&changed, &base, Strategy::Auto, &[]);
    assert_eq!(auto.stats.strategy, "exact");
    // Repair without a base plan is refused, naming the option.
    let refused = solve(
        &changed,
        &SolveOptions {
            strategy: Strategy::Repair,
            ..SolveOptions::default()
        },
    );
    match refused {
        Err(chainplan::planning::PlanError::Option { field, .. }) => assert_eq!(field, "strategy"),
        other => panic!("expected an option error, got {other:?}"),
    }
}

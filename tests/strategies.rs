//! The solve strategies on documents small enough to solve exactly: every
//! fast and time-window plan satisfies every constraint (checked apart from the
//! formulation), costs at least the optimum, and carries a bound no higher
//! than the optimum; `auto` with a short time limit answers with a fast plan
//! and its gap where the exact solve would not fit, over gRPC too.

mod common;

use chainplan::import::generate::{generate, GeneratorSpec};
use chainplan::model::{Plan, PlanStatus};
use chainplan::planning::{solve, SolveOptions, Strategy};
use chainplan::server::pb;
use common::checker::check;
use common::docs::doc;
use common::*;
use serde_json::json;

fn strategy(strategy: Strategy) -> SolveOptions {
    SolveOptions {
        strategy,
        ..SolveOptions::default()
    }
}

fn exact_optimum() -> SolveOptions {
    SolveOptions {
        strategy: Strategy::Exact,
        relative_gap: Some(0.0),
        ..SolveOptions::default()
    }
}

/// The plan is no better than the optimum, its bound no higher, and its
/// quantities satisfy every constraint.
fn assert_sound(what: &str, doc: &chainplan::model::NetworkDoc, plan: &Plan, optimum: f64) {
    let tolerance = 1e-6 * optimum.abs().max(1.0);
    let objective = plan.objective.expect("an objective");
    assert!(
        objective >= optimum - tolerance,
        "{what}: {objective} below the optimum {optimum}"
    );
    if let Some(bound) = plan.bound {
        assert!(
            bound <= optimum + tolerance,
            "{what}: bound {bound} above the optimum {optimum}"
        );
        let gap = plan.gap.expect("a gap with the bound");
        assert!((0.0..=1.0).contains(&gap) || gap > 1.0, "{what}: gap {gap}");
    }
    let violations = check(doc, plan);
    assert!(violations.is_empty(), "{what}: {violations:#?}");
}

#[test]
fn fast_and_windows_plans_on_a_hundred_generated_documents_are_feasible_and_bounded() {
    let mut fast_plans = 0;
    let mut window_plans = 0;
    for seed in 0..100u64 {
        let spec = GeneratorSpec {
            suppliers: 3 + (seed % 6) as usize,
            items_per_tier: 1 + (seed % 3) as usize,
            periods: 4 + (seed % 9) as u32,
            customers: 1 + (seed % 3) as usize,
            seed,
            setups: seed % 5 == 1,
            renovations: if seed % 7 == 3 { 1 } else { 0 },
            shares: seed % 4 >= 2,
            carbon: seed % 3 == 0,
        };
        let doc = generate(&spec);
        let exact = solve(&doc, &exact_optimum()).expect("solves");
        let fast = solve(&doc, &strategy(Strategy::Fast)).expect("solves");
        if exact.status != PlanStatus::Optimal {
            assert_eq!(fast.status, exact.status, "seed {seed}");
            continue;
        }
        assert!(fast.status.has_solution(), "seed {seed}: {:?}", fast.status);
        if fast.stats.strategy == "fast" {
            fast_plans += 1;
            assert!(
                fast.bound.is_some(),
                "seed {seed}: a fast plan without a bound"
            );
        }
        assert_sound(
            &format!("seed {seed}"),
            &doc,
            &fast,
            exact.objective.unwrap(),
        );
        let windows = solve(&doc, &strategy(Strategy::Windows)).expect("solves");
        if windows.stats.strategy == "windows" {
            window_plans += 1;
            assert!(
                windows.bound.is_some(),
                "seed {seed}: a windows plan without a bound"
            );
        }
        assert_sound(
            &format!("seed {seed}, windows"),
            &doc,
            &windows,
            exact.objective.unwrap(),
        );
    }
    // Setups and renovations make a MILP, which the exact strategy solves.
    assert!(fast_plans >= 50, "only {fast_plans} fast plans");
    assert!(window_plans >= 50, "only {window_plans} windows plans");
}

/// One line of capacity 10 over six periods, a demand of 35 in period 4:
/// the plan must build ahead, at a holding cost, or pay for lateness.
fn build_ahead() -> serde_json::Value {
    json!({
        "horizon": {"periods": 6},
        "items": [{"id": "p"}],
        "enterprises": [{"id": "lead", "role": "leader"}, {"id": "c", "role": "customer"}],
        "sites": [{"id": "plant", "enterprise": "lead"}, {"id": "dc", "enterprise": "c"}],
        "lines": [{"id": "l", "site": "plant", "capacity": 10,
                   "operations": [{"item": "p", "cost": 2}]}],
        "lanes": [{"id": "out", "from": "plant", "to": "dc", "items": ["p"], "cost": 1}],
        "stocks": [{"site": "plant", "item": "p", "holding_cost": 0.5},
                   {"site": "dc", "item": "p", "holding_cost": 0.5}],
        "demands": [{"id": "peak", "site": "dc", "item": "p", "period": 4, "qty": 35}],
        "policy": {"late_penalty": 20, "unmet_penalty": 100}
    })
}

#[test]
fn a_peak_beyond_the_capacity_of_its_period_is_built_ahead_by_the_fast_plan() {
    let doc = doc(build_ahead());
    // 35 units at 3 each; 25 of them held: 10 for one period, 10 for two, 5
    // for three (built in periods 3, 2, 1 and 0 as cheaply as it goes).
    let exact = solve(&doc, &exact_optimum()).expect("solves");
    let optimum = 35.0 * 3.0 + 0.5 * (10.0 + 10.0 * 2.0 + 5.0 * 3.0);
    assert!(
        (exact.objective.unwrap() - optimum).abs() < 1e-6,
        "{:?}",
        exact.objective
    );
    let fast = solve(&doc, &strategy(Strategy::Fast)).expect("solves");
    assert_eq!(fast.stats.strategy, "fast");
    assert_sound("build ahead", &doc, &fast, optimum);
    // The rounds tighten to the optimum.
    assert!(
        fast.objective.unwrap() - optimum <= 1e-4 * optimum,
        "{:?}",
        fast.objective
    );
}

#[test]
fn auto_is_exact_without_a_time_limit_and_says_so() {
    let doc = doc(build_ahead());
    let plan = solve(&doc, &SolveOptions::default()).expect("solves");
    assert_eq!(plan.stats.strategy, "exact");
    assert_eq!(plan.status, PlanStatus::Optimal);
    assert!(plan.stats.first_plan_seconds.is_some());
}

/// A generated linear program whose exact solve is expected at about 20 s:
/// with a 20 s deadline, `auto` answers with the fast plan and its gap.
fn medium_chain() -> chainplan::model::NetworkDoc {
    generate(&GeneratorSpec {
        suppliers: 150,
        items_per_tier: 8,
        periods: 26,
        customers: 15,
        seed: 1,
        ..GeneratorSpec::default()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_solve_whose_deadline_is_far_below_the_exact_solve_answers_with_a_fast_plan() {
    let chain = medium_chain();
    let elements = chainplan::model::validate::period_indexed_elements(&chain)
        * u64::from(chain.horizon.periods);
    assert!(chainplan::planning::expected_exact_seconds(elements) > 15.0);
    let server = TestServer::start(None, 1, 2).await;
    let (mut net, mut planning, _) = clients(&server, open).await;
    put(&mut net, &chain).await;
    let mut request = tonic::Request::new(pb::SolveRequest {
        network_id: NET.into(),
        network_version: 0,
        options: None,
    });
    request.set_timeout(std::time::Duration::from_secs(20));
    let solved = planning.solve(request).await.unwrap().into_inner();
    let plan = solved.plan.unwrap();
    assert_eq!(plan.status(), pb::PlanStatus::Feasible);
    let stats = plan.stats.unwrap();
    assert_eq!(stats.strategy, "fast");
    assert!(stats.first_plan_seconds.is_some());
    let (objective, bound, gap) = (
        plan.objective.unwrap(),
        plan.bound.unwrap(),
        plan.gap.unwrap(),
    );
    assert!(bound <= objective);
    assert!((gap - (objective - bound) / objective.abs().max(1.0)).abs() < 1e-9);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scenario_batch_whose_time_limit_is_far_below_the_exact_solve_answers_with_fast_plans() {
    let chain = medium_chain();
    let server = TestServer::start(None, 1, 2).await;
    let (mut net, _, _) = clients(&server, open).await;
    let mut scen = scenario_client(&server, open()).await;
    put(&mut net, &chain).await;
    let created = scen
        .create_scenario(pb::CreateScenarioRequest {
            network_id: NET.into(),
            base_version: 0,
            name: "demand +10%".into(),
            changes: vec![pb::ScenarioChange {
                change: Some(pb::scenario_change::Change::DemandScale(pb::DemandScale {
                    factor: 1.1,
                    ..Default::default()
                })),
            }],
        })
        .await
        .unwrap()
        .into_inner()
        .scenario
        .unwrap();
    let mut stream = scen
        .solve_scenarios(pb::SolveScenariosRequest {
            scenario_ids: vec![created.scenario_id.clone()],
            time_limit_seconds: Some(15.0),
        })
        .await
        .unwrap()
        .into_inner();
    let mut plans = Vec::new();
    while let Some(event) = stream.message().await.unwrap() {
        if let Some(pb::solve_scenarios_response::Event::Result(r)) = event.event {
            plans.push(r.plan.expect("a scenario plan"));
        }
    }
    assert_eq!(plans.len(), 1);
    let plan = &plans[0];
    assert_eq!(plan.status(), pb::PlanStatus::Feasible);
    let stats = plan.stats.clone().unwrap();
    assert_eq!(stats.strategy, "fast");
    let (objective, bound) = (plan.objective.unwrap(), plan.bound.unwrap());
    assert!(bound <= objective, "{bound} > {objective}");
    server.stop().await;
}

/// A criticality sweep over more outages than its deadline leaves time for
/// answers within the deadline (without it, the caller would get
/// `DEADLINE_EXCEEDED` and nothing): the outages solved by then ranked,
/// each with its plan's status, and the rest listed as failed, saying so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_criticality_sweep_answers_within_its_deadline_and_names_the_outages_it_did_not_reach() {
    let chain = generate(&GeneratorSpec {
        suppliers: 60,
        items_per_tier: 6,
        periods: 13,
        customers: 6,
        seed: 3,
        ..GeneratorSpec::default()
    });
    let suppliers = chain
        .enterprises
        .iter()
        .filter(|e| e.role == chainplan::model::Role::Supplier)
        .count();
    let server = TestServer::start(None, 1, 2).await;
    let (mut net, _, _) = clients(&server, open).await;
    let mut scen = scenario_client(&server, open()).await;
    put(&mut net, &chain).await;
    let mut request = tonic::Request::new(pb::SweepCriticalityRequest {
        network_id: NET.into(),
        network_version: 0,
        periods: Some(pb::ScenarioPeriods { first: 2, last: 5 }),
        time_limit_seconds: None,
        rank_by: 0,
    });
    request.set_timeout(std::time::Duration::from_secs(3));
    let swept = scen.sweep_criticality(request).await.unwrap().into_inner();
    assert_eq!(
        swept.ranking.len() + swept.skipped.len() + swept.failed.len(),
        suppliers
    );
    assert!(!swept.failed.is_empty(), "every outage solved in 3 s");
    for f in &swept.failed {
        assert!(
            f.reason.contains("deadline") || f.reason.contains("no_solution"),
            "{f:?}"
        );
    }
    for r in &swept.ranking {
        assert!(
            matches!(
                r.status(),
                pb::PlanStatus::Optimal | pb::PlanStatus::Feasible | pb::PlanStatus::Infeasible
            ),
            "{r:?}"
        );
    }
    server.stop().await;
}

#[test]
fn a_scenario_batch_and_the_criticality_sweep_solve_each_scenario_by_the_strategy_asked() {
    use chainplan::model::scenario::{PeriodRange, ScenarioChange};
    use chainplan::planning::batch::solve_batch;
    use chainplan::planning::criticality::criticality;
    let spec = GeneratorSpec {
        suppliers: 6,
        items_per_tier: 2,
        periods: 8,
        customers: 2,
        seed: 4,
        ..GeneratorSpec::default()
    };
    let base = generate(&spec);
    let change = |v: serde_json::Value| -> Vec<ScenarioChange> {
        serde_json::from_value(v).expect("scenario change")
    };
    let scenarios = vec![
        (
            "up".to_string(),
            change(json!([{"type": "demand_scale", "factor": 1.2}])),
        ),
        (
            "down".to_string(),
            change(json!([{"type": "demand_scale", "factor": 0.8}])),
        ),
    ];
    let fast = strategy(Strategy::Fast);
    for (name, result) in solve_batch(&base, &scenarios, &fast, 2, |_, _| {}) {
        let (scenario_doc, plan) = result.expect("scenario solves");
        assert_eq!(plan.stats.strategy, "fast", "{name}");
        assert!(plan.bound.is_some(), "{name}: a fast plan without a bound");
        let optimum = solve(&scenario_doc, &exact_optimum())
            .expect("solves")
            .objective
            .expect("optimum");
        assert_sound(&name, &scenario_doc, &plan, optimum);
    }
    // The sweep solves its outages with the same options: each outage's
    // plan is within the fast plans' reach of the exact one.
    let exact_base = solve(&base, &exact_optimum()).expect("solves");
    let range = PeriodRange { first: 2, last: 4 };
    let by_fast = criticality(&base, &exact_base, range, &fast, 2);
    let by_exact = criticality(&base, &exact_base, range, &exact_optimum(), 2);
    assert_eq!(by_fast.suppliers.len(), by_exact.suppliers.len());
    assert!(by_fast.failed.is_empty(), "{:?}", by_fast.failed);
    for s in &by_fast.suppliers {
        let exact = by_exact
            .suppliers
            .iter()
            .find(|e| e.enterprise == s.enterprise)
            .expect("the same suppliers");
        let (Some(f), Some(e)) = (s.objective_delta, exact.objective_delta) else {
            assert_eq!(s.status, exact.status);
            continue;
        };
        // A fast outage plan costs no less than the exact one.
        assert!(
            f >= e - 1e-6 * e.abs().max(1.0),
            "{}: {f} < {e}",
            s.enterprise
        );
    }
}

#[test]
fn a_time_limit_before_any_plan_says_how_long_a_first_plan_needs() {
    let doc = generate(&GeneratorSpec {
        suppliers: 60,
        items_per_tier: 4,
        periods: 26,
        customers: 6,
        seed: 2,
        ..GeneratorSpec::default()
    });
    let rushed = solve(
        &doc,
        &SolveOptions {
            time_limit_seconds: Some(1e-3),
            ..SolveOptions::default()
        },
    )
    .expect("solves");
    assert_eq!(rushed.status, PlanStatus::NoSolution, "{:?}", rushed.stats);
    let needs = rushed
        .stats
        .first_plan_needs_seconds
        .expect("an estimate of the first plan's time");
    assert!(needs > 1e-3, "{needs}");
    // A solve with a plan says nothing of the kind.
    let solved = solve(&doc, &strategy(Strategy::Exact)).expect("solves");
    assert!(solved.status.has_solution());
    assert_eq!(solved.stats.first_plan_needs_seconds, None);
}

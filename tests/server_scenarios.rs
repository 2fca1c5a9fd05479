//! `ScenarioService` over a real socket: create (with every invalid change
//! named), list, get, solve a batch as a stream, compare, sweep, promote;
//! the live network and its committed plan untouched until promote.

mod common;

use chainplan::server::auth::{Role, Tokens};
use chainplan::server::pb;
use common::*;
use tonic::Code;
use tonic_types::StatusExt;

fn periods(first: u32, last: u32) -> Option<pb::ScenarioPeriods> {
    Some(pb::ScenarioPeriods { first, last })
}

fn change(c: pb::scenario_change::Change) -> pb::ScenarioChange {
    pb::ScenarioChange { change: Some(c) }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenarios_branch_solve_compare_and_promote() {
    let server = TestServer::start(None, 2, 8).await;
    let (mut net, mut planning, _) = clients(&server, open).await;
    let mut scen = scenario_client(&server, open()).await;
    let mut doc = gearbox();
    doc.renovations.clear();
    put(&mut net, &doc).await;
    let live = solve(&mut planning).await;
    let live_id = live.info.unwrap().plan_id;
    publish(&mut planning, &live_id, "live").await;

    // Invalid changes are refused with their paths; nothing is stored.
    let err = scen
        .create_scenario(pb::CreateScenarioRequest {
            network_id: NET.into(),
            base_version: 0,
            name: "broken".into(),
            changes: vec![
                change(pb::scenario_change::Change::Outage(pb::Outage {
                    scope: Some(pb::outage::Scope::Site("no-such-site".into())),
                    periods: periods(1, 2),
                })),
                change(pb::scenario_change::Change::LaneClosure(pb::LaneClosure {
                    lane: doc.lanes[0].id.clone(),
                    periods: periods(3, 99),
                })),
                pb::ScenarioChange { change: None },
            ],
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    let fields: Vec<String> = err
        .get_details_bad_request()
        .unwrap()
        .field_violations
        .into_iter()
        .map(|v| v.field)
        .collect();
    assert_eq!(fields, ["changes[2]"], "structural problems first");

    let err = scen
        .create_scenario(pb::CreateScenarioRequest {
            network_id: NET.into(),
            base_version: 0,
            name: "broken".into(),
            changes: vec![
                change(pb::scenario_change::Change::Outage(pb::Outage {
                    scope: Some(pb::outage::Scope::Site("no-such-site".into())),
                    periods: periods(1, 2),
                })),
                change(pb::scenario_change::Change::LaneClosure(pb::LaneClosure {
                    lane: doc.lanes[0].id.clone(),
                    periods: periods(3, 99),
                })),
            ],
        })
        .await
        .unwrap_err();
    let fields: Vec<String> = err
        .get_details_bad_request()
        .unwrap()
        .field_violations
        .into_iter()
        .map(|v| v.field)
        .collect();
    assert_eq!(
        fields,
        [
            "changes[0].outage.site",
            "changes[1].lane_closure.periods.last"
        ]
    );

    // Two scenarios: demand up 20 %, and a carbon price of 80.
    let mut ids = Vec::new();
    for (name, c) in [
        (
            "demand +20%",
            pb::scenario_change::Change::DemandScale(pb::DemandScale {
                factor: 1.2,
                ..Default::default()
            }),
        ),
        ("carbon 80", pb::scenario_change::Change::CarbonPrice(80.0)),
    ] {
        let created = scen
            .create_scenario(pb::CreateScenarioRequest {
                network_id: NET.into(),
                base_version: 0,
                name: name.into(),
                changes: vec![change(c)],
            })
            .await
            .unwrap()
            .into_inner()
            .scenario
            .unwrap();
        assert_eq!(created.base_version, 1);
        ids.push(created.scenario_id);
    }
    let listed = scen
        .list_scenarios(pb::ListScenariosRequest {
            network_id: NET.into(),
        })
        .await
        .unwrap()
        .into_inner()
        .scenarios;
    assert_eq!(listed.len(), 2);

    // Comparing before solving is refused.
    let err = scen
        .compare_scenarios(pb::CompareScenariosRequest {
            scenario_ids: ids.clone(),
            rank_by: pb::Kpi::Objective as i32,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);

    // The batch streams progress and one result per scenario.
    let mut stream = scen
        .solve_scenarios(pb::SolveScenariosRequest {
            scenario_ids: ids.clone(),
            time_limit_seconds: Some(60.0),
        })
        .await
        .unwrap()
        .into_inner();
    let mut results = Vec::new();
    let mut progress = 0;
    while let Some(event) = stream.message().await.unwrap() {
        match event.event.unwrap() {
            pb::solve_scenarios_response::Event::Progress(_) => progress += 1,
            pb::solve_scenarios_response::Event::Result(r) => results.push(r),
        }
    }
    assert!(progress >= 2);
    assert_eq!(
        results
            .iter()
            .map(|r| r.scenario_id.clone())
            .collect::<Vec<_>>(),
        ids
    );
    let demand_plan = results[0].plan.clone().unwrap();
    let base_plan = live.plan.unwrap();
    let d0 = base_plan.service.unwrap().demand;
    let d1 = demand_plan.service.unwrap().demand;
    assert!((d1 - 1.2 * d0).abs() < 1e-6 * d0, "{d1} vs 1.2 x {d0}");
    // A scenario plan is never published.
    let err = planning
        .publish_plan(pb::PublishPlanRequest {
            plan_id: results[0].plan_id.clone(),
            request_id: "publish-1".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);

    // Comparison figures are the differences of the plans' own figures.
    let compared = scen
        .compare_scenarios(pb::CompareScenariosRequest {
            scenario_ids: ids.clone(),
            rank_by: pb::Kpi::Objective as i32,
        })
        .await
        .unwrap()
        .into_inner();
    let c = &compared.comparisons[1];
    let carbon_plan = results[1].plan.clone().unwrap();
    let objective = c.objective.unwrap();
    assert_eq!(objective.base, base_plan.objective.unwrap());
    assert_eq!(objective.scenario, carbon_plan.objective.unwrap());
    assert_eq!(objective.delta, objective.scenario - objective.base);
    assert_eq!(c.carbon.unwrap().scenario, carbon_plan.cost.unwrap().carbon);
    assert_eq!(compared.ranking.len(), 2);
    assert!(compared.ranking[0].delta >= compared.ranking[1].delta);

    // The live network and plan are untouched so far.
    let latest = net
        .get_network(pb::GetNetworkRequest {
            network_id: NET.into(),
            version: 0,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(latest.network.unwrap().version, 1);
    assert_eq!(latest.document.unwrap(), pb_doc(&doc));
    let summary = net
        .list_networks(pb::ListNetworksRequest::default())
        .await
        .unwrap()
        .into_inner()
        .networks;
    assert_eq!(summary[0].published_plan_id, live_id);

    // Promote: a new live version with the scenario's change.
    let promoted = scen
        .promote_scenario(pb::PromoteScenarioRequest {
            scenario_id: ids[0].clone(),
            expected_version: 0,
        })
        .await
        .unwrap()
        .into_inner()
        .network
        .unwrap();
    assert_eq!(promoted.version, 2);
    assert_eq!(
        promoted.change,
        pb::NetworkChangeKind::PromoteScenario as i32
    );
    let v2 = net
        .get_network(pb::GetNetworkRequest {
            network_id: NET.into(),
            version: 2,
        })
        .await
        .unwrap()
        .into_inner()
        .document
        .unwrap();
    assert!((v2.demands[0].qty - 1.2 * doc.demands[0].qty).abs() < 1e-9);
    // The second scenario branched from version 1: promoting it now is stale.
    let err = scen
        .promote_scenario(pb::PromoteScenarioRequest {
            scenario_id: ids[1].clone(),
            expected_version: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Aborted);

    // Delete.
    scen.delete_scenario(pb::DeleteScenarioRequest {
        scenario_id: ids[1].clone(),
    })
    .await
    .unwrap();
    let err = scen
        .get_scenario(pb::GetScenarioRequest {
            scenario_id: ids[1].clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_criticality_sweep_ranks_suppliers_and_suppliers_may_not_call() {
    let tokens = Tokens::from_pairs([
        ("planner".to_string(), Role::Planner { promote: false }),
        ("erp".to_string(), Role::Erp),
        (
            "gw".to_string(),
            Role::Supplier {
                enterprise: "gearworks".into(),
            },
        ),
    ]);
    let server = TestServer::start(Some(tokens), 2, 8).await;
    let (mut net, _, _) = clients(&server, || bearer("erp")).await;
    let mut doc = gearbox();
    doc.renovations.clear();
    put(&mut net, &doc).await;

    let mut as_supplier = scenario_client(&server, bearer("gw")).await;
    let err = as_supplier
        .list_scenarios(pb::ListScenariosRequest {
            network_id: NET.into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);

    let mut scen = scenario_client(&server, bearer("planner")).await;
    let err = scen
        .sweep_criticality(pb::SweepCriticalityRequest {
            network_id: NET.into(),
            network_version: 0,
            periods: periods(5, 2),
            time_limit_seconds: None,
            rank_by: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    let swept = scen
        .sweep_criticality(pb::SweepCriticalityRequest {
            network_id: NET.into(),
            network_version: 0,
            periods: periods(2, 4),
            time_limit_seconds: Some(60.0),
            rank_by: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let suppliers = doc
        .enterprises
        .iter()
        .filter(|e| e.role == chainplan::model::Role::Supplier)
        .count();
    assert_eq!(swept.ranking.len() + swept.skipped.len(), suppliers);
    // Most costly outage first.
    for pair in swept.ranking.windows(2) {
        assert!(pair[0].cost >= pair[1].cost - 1e-6, "{pair:?}");
    }
    server.stop().await;
}

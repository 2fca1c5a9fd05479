//! Hostile and careless calls to `ScenarioService`: changes that name
//! nothing, numbers out of range, ids that are not ids, wrong roles, and
//! batches beyond their bounds. Nothing here may touch the live network.

use crate::common::NET;
use crate::harness::*;
use crate::requests::*;
use chainplan::server::pb;
use pb::scenario_change::Change;
use tonic::Code;

fn window(first: u32, last: u32) -> Option<pb::ScenarioPeriods> {
    Some(pb::ScenarioPeriods { first, last })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_that_cannot_apply_are_named() {
    let h = Hostile::published().await;
    let lane = h.doc.lanes[0].id.clone();
    let cases: Vec<(&str, pb::ScenarioChange)> = vec![
        ("changes[0]", pb::ScenarioChange { change: None }),
        (
            "changes[0].outage.site",
            scenario_change(Change::Outage(pb::Outage {
                scope: Some(pb::outage::Scope::Site("nowhere".into())),
                periods: window(1, 2),
            })),
        ),
        (
            "changes[0].outage.scope",
            scenario_change(Change::Outage(pb::Outage {
                scope: None,
                periods: window(1, 2),
            })),
        ),
        (
            "changes[0].lane_closure.periods.last",
            scenario_change(Change::LaneClosure(pb::LaneClosure {
                lane: lane.clone(),
                periods: window(3, 99),
            })),
        ),
        (
            "changes[0].capacity_factor.factor",
            scenario_change(Change::CapacityFactor(pb::CapacityFactor {
                target: Some(pb::capacity_factor::Target::Line(GEARWORKS_LINE.into())),
                periods: window(1, 2),
                factor: f64::NAN,
            })),
        ),
        (
            "changes[0].capacity_factor.factor",
            scenario_change(Change::CapacityFactor(pb::CapacityFactor {
                target: Some(pb::capacity_factor::Target::Line(GEARWORKS_LINE.into())),
                periods: window(1, 2),
                factor: -2.0,
            })),
        ),
        (
            "changes[0].demand_scale.factor",
            demand_scale(f64::INFINITY),
        ),
        ("changes[0].demand_scale.factor", demand_scale(-1.0)),
        (
            "changes[0].lead_time.lane",
            scenario_change(Change::LeadTime(pb::LeadTimeChange {
                lane: "no-such-lane".into(),
                lead_time: 2,
            })),
        ),
        (
            "changes[0].remove_demand",
            scenario_change(Change::RemoveDemand("no-such-demand".into())),
        ),
        (
            "changes[0].carbon_price",
            scenario_change(Change::CarbonPrice(f64::NAN)),
        ),
        (
            "changes[0].carbon_price",
            scenario_change(Change::CarbonPrice(-5.0)),
        ),
        (
            "changes[0].carbon_cap.cap",
            scenario_change(Change::CarbonCap(pb::CarbonCap {
                cap: Some(f64::NEG_INFINITY),
            })),
        ),
    ];
    for (field, change) in cases {
        let status = h
            .refused(
                Code::InvalidArgument,
                None,
                h.scen(PLANNER)
                    .create_scenario(create_scenario("bad", vec![change])),
            )
            .await;
        assert_eq!(first_field(&status), field, "{}", status.message());
    }
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenario_ids_and_roles_are_checked() {
    let h = Hostile::published().await;
    for id in ["", "a b", &"s".repeat(300)] {
        h.refused(
            Code::InvalidArgument,
            Some("scenario_id"),
            h.scen(PLANNER).get_scenario(pb::GetScenarioRequest {
                scenario_id: id.into(),
            }),
        )
        .await;
        h.refused(
            Code::InvalidArgument,
            Some("scenario_id"),
            h.scen(PLANNER).delete_scenario(pb::DeleteScenarioRequest {
                scenario_id: id.into(),
            }),
        )
        .await;
        h.refused(
            Code::InvalidArgument,
            Some("scenario_id"),
            h.scen(ERP).promote_scenario(promote(id, 0)),
        )
        .await;
    }
    for id in ["scenario-none", "x"] {
        h.refused(
            Code::NotFound,
            None,
            h.scen(PLANNER).get_scenario(pb::GetScenarioRequest {
                scenario_id: id.into(),
            }),
        )
        .await;
        h.refused(
            Code::NotFound,
            None,
            h.scen(ERP).promote_scenario(promote(id, 0)),
        )
        .await;
    }
    h.refused(
        Code::InvalidArgument,
        Some("scenario_ids"),
        h.scen(PLANNER)
            .compare_scenarios(pb::CompareScenariosRequest {
                scenario_ids: vec![],
                rank_by: 0,
            }),
    )
    .await;
    h.refused(
        Code::InvalidArgument,
        Some("scenario_ids"),
        h.scen(PLANNER)
            .compare_scenarios(pb::CompareScenariosRequest {
                scenario_ids: (0..101).map(|i| format!("s-{i}")).collect(),
                rank_by: 0,
            }),
    )
    .await;
    h.refused(
        Code::InvalidArgument,
        Some("scenario_ids[1]"),
        h.scen(PLANNER)
            .compare_scenarios(pb::CompareScenariosRequest {
                scenario_ids: vec!["a".into(), "b c".into()],
                rank_by: 0,
            }),
    )
    .await;
    let gearworks = supplier_token(GEARWORKS);
    h.refused(
        Code::PermissionDenied,
        None,
        h.scen(&gearworks)
            .create_scenario(create_scenario("s", vec![demand_scale(1.0)])),
    )
    .await;
    h.refused(
        Code::PermissionDenied,
        None,
        h.scen(&gearworks).list_scenarios(pb::ListScenariosRequest {
            network_id: NET.into(),
        }),
    )
    .await;
    h.refused(
        Code::NotFound,
        None,
        h.scen(PLANNER).list_scenarios(pb::ListScenariosRequest {
            network_id: "no-such".into(),
        }),
    )
    .await;
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn solves_of_scenarios_check_their_bounds() {
    let h = Hostile::published().await;
    let scenario = h
        .accepted(
            h.scen(PLANNER)
                .create_scenario(create_scenario("up", vec![demand_scale(1.1)])),
        )
        .await
        .scenario
        .unwrap();
    for t in [f64::NAN, 0.0, -1.0] {
        h.refused(
            Code::InvalidArgument,
            Some("time_limit_seconds"),
            h.scen(PLANNER).solve_scenarios(pb::SolveScenariosRequest {
                scenario_ids: vec![scenario.scenario_id.clone()],
                time_limit_seconds: Some(t),
            }),
        )
        .await;
    }
    h.refused(
        Code::FailedPrecondition,
        None,
        h.scen(PLANNER)
            .compare_scenarios(pb::CompareScenariosRequest {
                scenario_ids: vec![scenario.scenario_id.clone()],
                rank_by: 0,
            }),
    )
    .await;
    h.refused(
        Code::InvalidArgument,
        Some("rank_by"),
        h.scen(PLANNER)
            .compare_scenarios(pb::CompareScenariosRequest {
                scenario_ids: vec![scenario.scenario_id.clone()],
                rank_by: 77,
            }),
    )
    .await;
    for (first, last) in [(3, 2), (0, 12), (0, u32::MAX)] {
        h.refused(
            Code::InvalidArgument,
            Some("periods"),
            h.scen(PLANNER)
                .sweep_criticality(pb::SweepCriticalityRequest {
                    network_id: NET.into(),
                    network_version: 0,
                    periods: window(first, last),
                    time_limit_seconds: None,
                    rank_by: 0,
                }),
        )
        .await;
    }
    h.refused(
        Code::InvalidArgument,
        Some("periods"),
        h.scen(PLANNER)
            .sweep_criticality(pb::SweepCriticalityRequest {
                network_id: NET.into(),
                network_version: 0,
                periods: None,
                time_limit_seconds: None,
                rank_by: 0,
            }),
    )
    .await;
    // Scenarios branch from one version: another version's is refused.
    h.accepted(h.net(ERP).update_orders(add_demand(demand("later"))))
        .await;
    let later = h
        .accepted(
            h.scen(PLANNER)
                .create_scenario(create_scenario("later", vec![demand_scale(0.9)])),
        )
        .await
        .scenario
        .unwrap();
    h.refused(
        Code::InvalidArgument,
        Some("scenario_ids[1]"),
        h.scen(PLANNER).solve_scenarios(pb::SolveScenariosRequest {
            scenario_ids: vec![scenario.scenario_id.clone(), later.scenario_id],
            time_limit_seconds: None,
        }),
    )
    .await;
    // Creating on a version that does not exist.
    let mut request = create_scenario("old", vec![demand_scale(1.0)]);
    request.base_version = 40;
    h.refused(
        Code::NotFound,
        None,
        h.scen(PLANNER).create_scenario(request),
    )
    .await;
    h.stop().await;
}

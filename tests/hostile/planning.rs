//! Hostile and careless calls to `PlanningService`: options out of range,
//! ids that name nothing, wrong roles, stale plans, replays and floods.

use crate::common::NET;
use crate::harness::*;
use crate::requests::*;
use chainplan::server::pb;
use chainplan::store::Store;
use tonic::Code;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn solve_options_out_of_range_are_named() {
    let h = Hostile::published().await;
    let cases: Vec<(&str, pb::SolveOptions)> = vec![
        (
            "options.time_limit_seconds",
            pb::SolveOptions {
                time_limit_seconds: Some(f64::NAN),
                ..options()
            },
        ),
        (
            "options.time_limit_seconds",
            pb::SolveOptions {
                time_limit_seconds: Some(-1.0),
                ..options()
            },
        ),
        (
            "options.time_limit_seconds",
            pb::SolveOptions {
                time_limit_seconds: Some(0.0),
                ..options()
            },
        ),
        (
            "options.time_limit_seconds",
            pb::SolveOptions {
                time_limit_seconds: Some(f64::INFINITY),
                ..options()
            },
        ),
        (
            "options.relative_gap",
            pb::SolveOptions {
                relative_gap: Some(2.0),
                ..options()
            },
        ),
        (
            "options.relative_gap",
            pb::SolveOptions {
                relative_gap: Some(f64::NAN),
                ..options()
            },
        ),
        (
            "options.relative_gap",
            pb::SolveOptions {
                relative_gap: Some(-0.1),
                ..options()
            },
        ),
        (
            "options.lp_algorithm",
            pb::SolveOptions {
                lp_algorithm: 99,
                ..options()
            },
        ),
        (
            "options.lp_algorithm",
            pb::SolveOptions {
                lp_algorithm: -1,
                ..options()
            },
        ),
    ];
    for (field, o) in cases {
        h.refused(
            Code::InvalidArgument,
            Some(field),
            h.plan(ERP).solve(solve(Some(o))),
        )
        .await;
        let mut r = replan(0);
        r.options = Some(o);
        h.refused(Code::InvalidArgument, Some(field), h.plan(ERP).replan(r))
            .await;
    }
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ids_that_name_nothing_are_not_found_and_bad_ids_invalid() {
    let h = Hostile::published().await;
    h.refused(
        Code::NotFound,
        None,
        h.plan(ERP).solve(pb::SolveRequest {
            network_id: "no-such".into(),
            network_version: 0,
            options: None,
        }),
    )
    .await;
    h.refused(
        Code::NotFound,
        None,
        h.plan(ERP).solve(pb::SolveRequest {
            network_id: NET.into(),
            network_version: 9,
            options: None,
        }),
    )
    .await;
    for plan_id in ["plan-unknown", "job-x", "plan-"] {
        h.refused(
            Code::NotFound,
            None,
            h.plan(ERP).get_plan(pb::GetPlanRequest {
                plan_id: plan_id.into(),
            }),
        )
        .await;
        h.refused(
            Code::NotFound,
            None,
            h.plan(ERP).explain_plan(pb::ExplainPlanRequest {
                plan_id: plan_id.into(),
            }),
        )
        .await;
        h.refused(
            Code::NotFound,
            None,
            h.plan(ERP).publish_plan(pb::PublishPlanRequest {
                plan_id: plan_id.into(),
                request_id: "r".into(),
            }),
        )
        .await;
    }
    for (field, plan_id) in [("plan_id", String::new()), ("plan_id", "p q".into())] {
        h.refused(
            Code::InvalidArgument,
            Some(field),
            h.plan(ERP).get_plan(pb::GetPlanRequest {
                plan_id: plan_id.clone(),
            }),
        )
        .await;
        h.refused(
            Code::InvalidArgument,
            Some(field),
            h.plan(ERP)
                .explain_renovations(pb::ExplainRenovationsRequest {
                    plan_id,
                    budget_step: None,
                }),
        )
        .await;
    }
    h.refused(
        Code::InvalidArgument,
        Some("job_id"),
        h.plan(ERP).watch_solve(pb::WatchSolveRequest {
            job_id: "j".repeat(20_000),
        }),
    )
    .await;
    h.refused(
        Code::NotFound,
        None,
        h.plan(ERP).watch_solve(pb::WatchSolveRequest {
            job_id: "job-none".into(),
        }),
    )
    .await;
    h.refused(
        Code::InvalidArgument,
        Some("request_id"),
        h.plan(ERP).publish_plan(pb::PublishPlanRequest {
            plan_id: "plan-x".into(),
            request_id: "r".repeat(300),
        }),
    )
    .await;
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishing_is_the_erps_and_only_of_current_plans() {
    let h = Hostile::published().await;
    let plan_id = h.solve_latest().await;
    for token in [PLANNER, PROMOTER, &supplier_token(GEARWORKS)] {
        h.refused(
            Code::PermissionDenied,
            None,
            h.plan(token).publish_plan(pb::PublishPlanRequest {
                plan_id: plan_id.clone(),
                request_id: "r1".into(),
            }),
        )
        .await;
    }
    // A replayed publish returns the first receipt and publishes nothing.
    let first = h
        .accepted(h.plan(ERP).publish_plan(pb::PublishPlanRequest {
            plan_id: plan_id.clone(),
            request_id: "r1".into(),
        }))
        .await;
    let before = snapshot(h.store.as_ref()).await;
    for _ in 0..20 {
        let again = h
            .accepted(h.plan(ERP).publish_plan(pb::PublishPlanRequest {
                plan_id: plan_id.clone(),
                request_id: "r1".into(),
            }))
            .await;
        assert_eq!(again.publish_version, first.publish_version);
    }
    assert_eq!(snapshot(h.store.as_ref()).await, before);
    // Once the network moves on, the plan is stale.
    h.accepted(h.net(ERP).update_orders(add_demand(demand("more"))))
        .await;
    h.refused(
        Code::FailedPrecondition,
        None,
        h.plan(ERP).publish_plan(pb::PublishPlanRequest {
            plan_id,
            request_id: "r2".into(),
        }),
    )
    .await;
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replans_and_policies_are_checked_at_the_call() {
    let h = Hostile::start().await;
    // Nothing published yet.
    h.refused(
        Code::FailedPrecondition,
        None,
        h.plan(ERP).replan(replan(0)),
    )
    .await;
    let plan_id = h.solve_latest().await;
    let mut r = replan(0);
    r.stability_penalty = f64::NAN;
    h.refused(
        Code::InvalidArgument,
        Some("stability_penalty"),
        h.plan(ERP).replan(r),
    )
    .await;
    let mut r = replan(0);
    r.stability_penalty = -1.0;
    h.refused(
        Code::InvalidArgument,
        Some("stability_penalty"),
        h.plan(ERP).replan(r),
    )
    .await;
    let mut r = replan(0);
    r.base_plan_id = "plan-none".into();
    h.refused(Code::NotFound, None, h.plan(ERP).replan(r)).await;
    let mut r = replan(0);
    r.base_plan_id = "p".repeat(500);
    h.refused(
        Code::InvalidArgument,
        Some("base_plan_id"),
        h.plan(ERP).replan(r),
    )
    .await;
    let mut r = replan(0);
    r.base_plan_id = plan_id.clone();
    r.network_version = 3;
    h.refused(Code::NotFound, None, h.plan(ERP).replan(r)).await;

    let bad_policies: Vec<(&str, pb::SetReplanPolicyRequest)> = vec![
        (
            "policy",
            pb::SetReplanPolicyRequest {
                network_id: NET.into(),
                policy: None,
            },
        ),
        ("policy.mode", {
            let mut p = policy(pb::ReplanMode::Automatic, 0);
            p.policy.as_mut().unwrap().mode = 42;
            p
        }),
        ("policy.stability_penalty", {
            let mut p = policy(pb::ReplanMode::Automatic, 0);
            p.policy.as_mut().unwrap().stability_penalty = f64::INFINITY;
            p
        }),
        ("policy.options.time_limit_seconds", {
            let mut p = policy(pb::ReplanMode::Automatic, 0);
            p.policy.as_mut().unwrap().options = Some(pb::SolveOptions {
                time_limit_seconds: Some(-3.0),
                ..options()
            });
            p
        }),
        ("policy.options.threads", {
            let mut p = policy(pb::ReplanMode::Automatic, 0);
            p.policy.as_mut().unwrap().options = Some(pb::SolveOptions {
                threads: Some(u32::MAX),
                ..options()
            });
            p
        }),
    ];
    for (field, request) in bad_policies {
        h.refused(
            Code::InvalidArgument,
            Some(field),
            h.plan(ERP).set_replan_policy(request),
        )
        .await;
    }
    h.refused(
        Code::PermissionDenied,
        None,
        h.plan(PLANNER)
            .set_replan_policy(policy(pb::ReplanMode::Automatic, 0)),
    )
    .await;
    h.refused(
        Code::NotFound,
        None,
        h.plan(ERP).get_replan_policy(pb::GetReplanPolicyRequest {
            network_id: "no-such".into(),
        }),
    )
    .await;
    h.refused(
        Code::NotFound,
        None,
        h.plan(ERP).set_replan_policy(pb::SetReplanPolicyRequest {
            network_id: "no-such".into(),
            ..policy(pb::ReplanMode::Automatic, 0)
        }),
    )
    .await;
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explanations_check_their_numbers_and_plans() {
    let h = Hostile::published().await;
    let plan_id = h.store.published_plan(NET).await.unwrap().unwrap().plan_id;
    for step in [f64::NAN, -1.0, 0.0, f64::INFINITY] {
        h.refused(
            Code::InvalidArgument,
            Some("budget_step"),
            h.plan(ERP)
                .explain_renovations(pb::ExplainRenovationsRequest {
                    plan_id: plan_id.clone(),
                    budget_step: Some(step),
                }),
        )
        .await;
    }
    for token in [&supplier_token(GEARWORKS), "nobody"] {
        let code = if token == "nobody" {
            Code::Unauthenticated
        } else {
            Code::PermissionDenied
        };
        h.refused(
            code,
            None,
            h.plan(token).explain_plan(pb::ExplainPlanRequest {
                plan_id: plan_id.clone(),
            }),
        )
        .await;
        h.refused(code, None, h.plan(token).solve(solve(None)))
            .await;
        h.refused(
            code,
            None,
            h.plan(token).get_plan(pb::GetPlanRequest {
                plan_id: plan_id.clone(),
            }),
        )
        .await;
    }
    h.accepted(
        h.plan(PLANNER)
            .explain_plan(pb::ExplainPlanRequest { plan_id }),
    )
    .await;
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_solves_past_the_queue_is_refused_and_the_server_recovers() {
    let h = Hostile::published_with(Setup {
        workers: 1,
        queue: 1,
        ..Setup::default()
    })
    .await;
    h.accepted(h.net(ERP).put_network(pb::PutNetworkRequest {
        network_id: "slow".into(),
        document: Some(crate::common::pb_doc(&slow_document())),
        expected_version: 0,
    }))
    .await;
    let mut refused = 0;
    for _ in 0..20 {
        let submitted = h
            .plan(ERP)
            .submit_solve(pb::SubmitSolveRequest {
                network_id: "slow".into(),
                network_version: 0,
                options: slow_options(),
            })
            .await;
        if code(&submitted) == Some(Code::ResourceExhausted) {
            refused += 1;
        }
    }
    // One runs, one waits, the rest are refused.
    assert_eq!(refused, 18);
    h.healthy().await;
    invariants(h.store.as_ref()).await;
    h.stop().await;
}

//! One test per defect found by the hostile run of the service, each with
//! the call that showed it, and the decisions it asked for (who may
//! promote, the model memory budget, retention).

use crate::common::{pb_doc, NET};
use crate::harness::*;
use crate::requests::*;
use chainplan::server::pb;
use chainplan::store::{Retention, Store};
use tokio_stream::StreamExt;
use tonic::Code;

// 1. A stale promote silently reverted later changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d01_a_promote_of_a_scenario_on_an_older_version_is_aborted_and_keeps_later_changes() {
    let h = Hostile::published().await;
    let scenario = h
        .accepted(
            h.scen(PROMOTER)
                .create_scenario(create_scenario("demand +10%", vec![demand_scale(1.1)])),
        )
        .await
        .scenario
        .unwrap();
    h.accepted(h.net(ERP).update_orders(add_demand(demand("late-order"))))
        .await;
    h.accepted(
        h.gearworks()
            .report_capacity(report(GEARWORKS_LINE, 3, 10.0, "furnace repair")),
    )
    .await;
    assert_eq!(h.latest().await, 3);
    // Whatever expected_version says.
    for expected in [3, 0, 1] {
        h.refused(
            Code::Aborted,
            None,
            h.scen(PROMOTER)
                .promote_scenario(promote(&scenario.scenario_id, expected)),
        )
        .await;
    }
    let doc = h.store.get_network(NET, None).await.unwrap().document;
    assert!(doc.demands.iter().any(|d| d.id == "late-order"));
    let line = doc.lines.iter().find(|l| l.id == GEARWORKS_LINE).unwrap();
    assert_eq!(line.capacity.at(3), 10.0);

    // A scenario on the latest version promotes, and the version after it
    // keeps the changes before it.
    let fresh = h
        .accepted(
            h.scen(PROMOTER)
                .create_scenario(create_scenario("again", vec![demand_scale(1.1)])),
        )
        .await
        .scenario
        .unwrap();
    let promoted = h
        .accepted(
            h.scen(PROMOTER)
                .promote_scenario(promote(&fresh.scenario_id, 3)),
        )
        .await;
    assert_eq!(promoted.network.unwrap().version, 4);
    let doc = h.store.get_network(NET, None).await.unwrap().document;
    assert!(doc.demands.iter().any(|d| d.id == "late-order"));
    h.stop().await;
}

/// Holds the only place of the solve queue with a solve that runs until
/// the server stops.
async fn fill_the_queue(h: &Hostile) {
    h.accepted(h.net(ERP).put_network(pb::PutNetworkRequest {
        network_id: "slow".into(),
        document: Some(pb_doc(&slow_document())),
        expected_version: 0,
    }))
    .await;
    h.accepted(h.plan(ERP).submit_solve(pb::SubmitSolveRequest {
        network_id: "slow".into(),
        network_version: 0,
        options: slow_options(),
    }))
    .await;
    // Full now: a plain solve is refused.
    h.refused(
        Code::ResourceExhausted,
        None,
        h.plan(ERP).solve(solve(None)),
    )
    .await;
}

/// Under an automatic policy, the three changes that re-plan are refused
/// whole when the queue is full, and succeed with their re-plan otherwise.
async fn changes_are_refused_whole_when_their_replan_cannot_queue(h: &Hostile) {
    h.accepted(
        h.plan(ERP)
            .set_replan_policy(policy(pb::ReplanMode::Automatic, 0)),
    )
    .await;
    fill_the_queue(h).await;
    let line = h.doc.lines[0].id.clone();
    h.refused(
        Code::ResourceExhausted,
        None,
        h.net(ERP)
            .update_capacity(update_capacity(vec![set_capacity(&line, range(2, 3), 1.0)])),
    )
    .await;
    h.refused(
        Code::ResourceExhausted,
        None,
        h.gearworks()
            .report_capacity(report(GEARWORKS_LINE, 3, 1.0, "breakdown")),
    )
    .await;
    h.refused(
        Code::ResourceExhausted,
        None,
        h.net(ERP).update_orders(add_demand(demand("new-order"))),
    )
    .await;
    assert_eq!(h.latest().await, 1);
}

// 2. Updates were stored although the call failed (in-process queue).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d02_a_change_whose_replan_finds_the_queue_full_stores_nothing() {
    let h = Hostile::published_with(Setup {
        workers: 1,
        queue: 0,
        ..Setup::default()
    })
    .await;
    changes_are_refused_whole_when_their_replan_cannot_queue(&h).await;
    h.stop().await;

    // With room on the queue the change is stored and its re-plan started.
    let h = Hostile::published().await;
    h.accepted(
        h.plan(ERP)
            .set_replan_policy(policy(pb::ReplanMode::Automatic, 0)),
    )
    .await;
    let reported = h
        .accepted(
            h.gearworks()
                .report_capacity(report(GEARWORKS_LINE, 3, 1.0, "breakdown")),
        )
        .await;
    assert_eq!(reported.network_version, 2);
    let trigger = reported.replan.expect("a re-plan was started");
    let mut events = h
        .plan(ERP)
        .watch_solve(pb::WatchSolveRequest {
            job_id: trigger.job_id,
        })
        .await
        .unwrap()
        .into_inner();
    let mut planned = false;
    while let Some(event) = events.next().await {
        if let Some(pb::watch_solve_response::Event::Plan(_)) = event.unwrap().event {
            planned = true;
        }
    }
    assert!(planned);
    h.stop().await;
}

// 2. The same on the queue shared through Redis: a place is held before the
// change is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d02_on_the_shared_queue_a_change_whose_replan_finds_it_full_stores_nothing() {
    let h = Hostile::start_with(Setup {
        parked_queue: Some(1),
        ..Setup::default()
    })
    .await;
    // Nobody solves on a parked queue: commit a plan through the store.
    let plan = chainplan::planning::solve(&h.doc, &Default::default()).unwrap();
    h.store
        .put_plan(chainplan::store::PlanRecord {
            plan_id: "plan-committed".into(),
            network_id: NET.into(),
            network_version: 1,
            created_at: std::time::SystemTime::now(),
            origin: chainplan::store::PlanOrigin::Solve,
            base_plan_id: None,
            plan: std::sync::Arc::new(plan),
            impact: None,
        })
        .await
        .unwrap();
    h.accepted(h.plan(ERP).publish_plan(pb::PublishPlanRequest {
        plan_id: "plan-committed".into(),
        request_id: "publish-1".into(),
    }))
    .await;
    h.accepted(
        h.plan(ERP)
            .set_replan_policy(policy(pb::ReplanMode::Automatic, 0)),
    )
    .await;
    // The one place is taken by a re-plan that a change holds and submits.
    let started = h
        .accepted(h.net(ERP).update_orders(add_demand(demand("first"))))
        .await;
    assert!(started.replan.is_some());
    h.refused(
        Code::ResourceExhausted,
        None,
        h.gearworks()
            .report_capacity(report(GEARWORKS_LINE, 3, 1.0, "breakdown")),
    )
    .await;
    h.refused(
        Code::ResourceExhausted,
        None,
        h.net(ERP).update_orders(add_demand(demand("second"))),
    )
    .await;
    assert_eq!(h.latest().await, 2);
    h.stop().await;
}

// 3. A fence beyond the horizon was accepted and broke every later re-plan.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d03_a_fence_beyond_the_horizon_is_refused_at_the_call_naming_its_field() {
    let h = Hostile::published().await;
    for freeze in [4_294_967_295, 13] {
        h.refused(
            Code::InvalidArgument,
            Some("policy.freeze_until"),
            h.plan(ERP)
                .set_replan_policy(policy(pb::ReplanMode::Automatic, freeze)),
        )
        .await;
        h.refused(
            Code::InvalidArgument,
            Some("freeze_until"),
            h.plan(ERP).replan(replan(freeze)),
        )
        .await;
    }
    // The whole horizon may be frozen.
    h.accepted(
        h.plan(ERP)
            .set_replan_policy(policy(pb::ReplanMode::Automatic, 12)),
    )
    .await;
    let reported = h
        .accepted(
            h.gearworks()
                .report_capacity(report(GEARWORKS_LINE, 3, 1.0, "breakdown")),
        )
        .await;
    assert!(reported.replan.is_some());
    h.stop().await;
}

// 4. Per-call thread counts failed after any default solve.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d04_any_thread_count_solves_after_any_other_and_the_plan_says_how_many_ran() {
    let h = Hostile::start_with(Setup {
        workers: 2,
        queue: 8,
        ..Setup::default()
    })
    .await;
    let cores = std::thread::available_parallelism().unwrap().get() as u32;
    h.accepted(h.plan(ERP).solve(solve(None))).await;
    for n in [1, 3, 64, 1, 2, 1024] {
        let solved = h.accepted(h.plan(ERP).solve(solve(threads(n)))).await;
        let plan = solved.plan.unwrap();
        assert_eq!(plan.status(), pb::PlanStatus::Optimal, "threads {n}");
        assert_eq!(plan.stats.unwrap().threads, n.min(cores), "threads {n}");
    }
    // A job with its own count, followed to its end.
    let job = h
        .accepted(h.plan(ERP).submit_solve(pb::SubmitSolveRequest {
            network_id: NET.into(),
            network_version: 0,
            options: threads(3),
        }))
        .await;
    let mut events = h
        .plan(ERP)
        .watch_solve(pb::WatchSolveRequest {
            job_id: job.job_id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    let mut last = None;
    while let Some(event) = events.next().await {
        last = Some(event.unwrap());
    }
    assert!(matches!(
        last.and_then(|e| e.event),
        Some(pb::watch_solve_response::Event::Plan(_))
    ));
    let got = h
        .accepted(h.plan(ERP).get_plan(pb::GetPlanRequest {
            plan_id: job.plan_id,
        }))
        .await;
    assert!(got.plan.is_some());
    h.stop().await;
}

// 4. A failed job's plan said "still being solved" forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d04_the_plan_of_a_failed_job_answers_as_failed() {
    // One version kept: the version a queued job is for is gone by the
    // time the job runs, so the job fails.
    let h = Hostile::start_with(Setup {
        workers: 1,
        queue: 4,
        retention: Retention {
            versions: 1,
            plans: 10,
        },
        ..Setup::default()
    })
    .await;
    h.accepted(h.net(ERP).put_network(pb::PutNetworkRequest {
        network_id: "slow".into(),
        document: Some(pb_doc(&slow_document())),
        expected_version: 0,
    }))
    .await;
    let blocker = h
        .accepted(h.plan(ERP).submit_solve(pb::SubmitSolveRequest {
            network_id: "slow".into(),
            network_version: 0,
            options: Some(pb::SolveOptions {
                time_limit_seconds: Some(3.0),
                ..slow_options().unwrap()
            }),
        }))
        .await;
    let doomed = h
        .accepted(h.plan(ERP).submit_solve(pb::SubmitSolveRequest {
            network_id: NET.into(),
            network_version: 1,
            options: None,
        }))
        .await;
    let status = h
        .plan(ERP)
        .get_plan(pb::GetPlanRequest {
            plan_id: doomed.plan_id.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert!(status.message().contains("still being solved"));
    h.accepted(h.net(ERP).update_orders(add_demand(demand("newer"))))
        .await;
    assert!(h.store.get_network(NET, Some(1)).await.is_err());
    // The watcher hears the failure ...
    let mut events = h
        .plan(ERP)
        .watch_solve(pb::WatchSolveRequest {
            job_id: doomed.job_id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    let mut failed = None;
    while let Some(event) = events.next().await {
        if let Err(status) = event {
            failed = Some(status);
        }
    }
    assert!(failed.is_some(), "the job failed");
    // ... and the plan answers as failed, not as being solved.
    let status = h
        .refused(
            Code::FailedPrecondition,
            None,
            h.plan(ERP).get_plan(pb::GetPlanRequest {
                plan_id: doomed.plan_id,
            }),
        )
        .await;
    assert!(
        status.message().contains("was not made"),
        "{}",
        status.message()
    );
    drop(blocker);
    h.stop().await;
}

// 5. A thread count beyond i32 panicked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d05_a_thread_count_out_of_range_is_invalid_naming_the_field() {
    let h = Hostile::start().await;
    for n in [4_294_967_295, 2_147_483_648, 1025, 0] {
        h.refused(
            Code::InvalidArgument,
            Some("options.threads"),
            h.plan(ERP).solve(solve(threads(n))),
        )
        .await;
        h.refused(
            Code::InvalidArgument,
            Some("options.threads"),
            h.plan(ERP).submit_solve(pb::SubmitSolveRequest {
                network_id: NET.into(),
                network_version: 0,
                options: threads(n),
            }),
        )
        .await;
    }
    h.stop().await;
}

// 6. Acknowledge was not idempotent, and unbounded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d06_the_first_answer_to_a_version_stands_and_notes_are_bounded() {
    let h = Hostile::published().await;
    let first = h.accepted(h.gearworks().acknowledge(accept(1, "ok"))).await;
    for _ in 0..40 {
        let again = h.accepted(h.gearworks().acknowledge(accept(1, "ok"))).await;
        assert_eq!(again.acknowledged_at, first.acknowledged_at);
    }
    // The same decision with another note is the same answer: the first note stands.
    h.accepted(h.gearworks().acknowledge(accept(1, "changed my mind")))
        .await;
    h.refused(
        Code::FailedPrecondition,
        None,
        h.gearworks().acknowledge(reject(1, "cannot after all")),
    )
    .await;
    let answers = h.store.acknowledgements(NET, GEARWORKS).await.unwrap();
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0].text, "ok");
    // Over the 4 KiB text limit, and over the service's 1 MiB request limit.
    let long = "n".repeat(4097);
    h.refused(
        Code::InvalidArgument,
        Some("accept.note"),
        h.sup(&supplier_token(ROLLTEC))
            .acknowledge(accept(1, &long)),
    )
    .await;
    h.refused(
        Code::InvalidArgument,
        Some("reject.reason"),
        h.sup(&supplier_token(ROLLTEC))
            .acknowledge(reject(1, &long)),
    )
    .await;
    let mib = "n".repeat(1024 * 1024);
    h.refused(
        Code::ResourceExhausted,
        None,
        h.sup(&supplier_token(ROLLTEC)).acknowledge(accept(1, &mib)),
    )
    .await;
    h.stop().await;
}

// 7. A watch after a version beyond the latest hung until its deadline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d07_a_watch_after_a_version_beyond_the_latest_is_refused_at_once() {
    let h = Hostile::published().await;
    for after in [2, 5, u64::MAX] {
        let mut request = tonic::Request::new(watch(after));
        request.set_timeout(std::time::Duration::from_secs(30));
        let status = h
            .gearworks()
            .watch_allocations(request)
            .await
            .expect_err("refused before the stream opens");
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(first_field(&status), "after_version");
    }
    // The latest itself is fine: the stream waits for the next version.
    let open = h.gearworks().watch_allocations(watch(1)).await;
    assert!(open.is_ok());
    h.stop().await;
}

// 8. The criticality sweep and the scenario base solve skipped the queue.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d08_every_solve_takes_a_place_in_the_queue() {
    let h = Hostile::published_with(Setup {
        workers: 1,
        queue: 0,
        ..Setup::default()
    })
    .await;
    // A scenario made on a version without a committed plan needs a base solve.
    h.accepted(h.net(ERP).update_orders(add_demand(demand("more"))))
        .await;
    let scenario = h
        .accepted(
            h.scen(PLANNER)
                .create_scenario(create_scenario("s", vec![demand_scale(1.2)])),
        )
        .await
        .scenario
        .unwrap();
    fill_the_queue(&h).await;
    h.refused(
        Code::ResourceExhausted,
        None,
        h.scen(PLANNER)
            .sweep_criticality(pb::SweepCriticalityRequest {
                network_id: NET.into(),
                network_version: 0,
                periods: Some(pb::ScenarioPeriods { first: 2, last: 3 }),
                time_limit_seconds: None,
                rank_by: 0,
            }),
    )
    .await;
    h.refused(
        Code::ResourceExhausted,
        None,
        h.scen(PLANNER).solve_scenarios(pb::SolveScenariosRequest {
            scenario_ids: vec![scenario.scenario_id],
            time_limit_seconds: None,
        }),
    )
    .await;
    h.refused(Code::ResourceExhausted, None, h.plan(ERP).replan(replan(0)))
        .await;
    h.stop().await;
}

// 9. Error messages were unbounded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d09_errors_stay_small_whatever_the_request_echoes() {
    let h = Hostile::published().await;
    let long = "s".repeat(10_000);
    // An unknown 10,000-character site id.
    let mut doc = h.doc.clone();
    doc.lanes[0].to = long.clone();
    let status = h
        .refused(
            Code::InvalidArgument,
            Some("document.lanes[0].to"),
            h.net(ERP).put_network(pb::PutNetworkRequest {
                network_id: NET.into(),
                document: Some(pb_doc(&doc)),
                expected_version: 0,
            }),
        )
        .await;
    assert!(status.message().len() < 1100);
    // 2,000 bad lanes.
    let mut doc = h.doc.clone();
    let lane = doc.lanes[0].clone();
    doc.lanes = (0..2000)
        .map(|i| {
            let mut l = lane.clone();
            l.id = format!("lane-{i}");
            l.from = format!("nowhere-{i}-{long}");
            l
        })
        .collect();
    let status = h
        .refused(
            Code::InvalidArgument,
            None,
            h.net(ERP).put_network(pb::PutNetworkRequest {
                network_id: NET.into(),
                document: Some(pb_doc(&doc)),
                expected_version: 0,
            }),
        )
        .await;
    assert!(status.message().contains("more)"), "{}", status.message());
    // 1,000 unknown demand ids in a scenario.
    let changes = (0..1000)
        .map(|i| {
            scenario_change(pb::scenario_change::Change::RemoveDemand(format!(
                "ghost-{i}-{long}"
            )))
        })
        .collect();
    h.refused(
        Code::InvalidArgument,
        None,
        h.scen(PLANNER)
            .create_scenario(create_scenario("ghosts", changes)),
    )
    .await;
    // A 20,000-character plan id.
    h.refused(
        Code::InvalidArgument,
        Some("plan_id"),
        h.plan(ERP).get_plan(pb::GetPlanRequest {
            plan_id: "p".repeat(20_000),
        }),
    )
    .await;
    h.stop().await;
}

// 10. Unbounded text in stored state made listings huge.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d10_free_text_is_bounded_and_listings_carry_no_reasons() {
    let h = Hostile::published().await;
    let big = "r".repeat(2_500_000);
    // Over SupplierService's request limit, and over the text limit within it.
    h.refused(
        Code::ResourceExhausted,
        None,
        h.gearworks()
            .report_capacity(report(GEARWORKS_LINE, 3, 1.0, &big)),
    )
    .await;
    h.refused(
        Code::InvalidArgument,
        Some("reason"),
        h.gearworks()
            .report_capacity(report(GEARWORKS_LINE, 3, 1.0, &big[..5000])),
    )
    .await;
    let mut request = update_capacity(vec![set_capacity(GEARWORKS_LINE, range(1, 1), 5.0)]);
    request.reason = big.clone();
    h.refused(
        Code::InvalidArgument,
        Some("reason"),
        h.net(ERP).update_capacity(request),
    )
    .await;
    h.refused(
        Code::InvalidArgument,
        Some("name"),
        h.scen(PLANNER)
            .create_scenario(create_scenario(&big, vec![])),
    )
    .await;
    let mut doc = h.doc.clone();
    doc.name = Some(big);
    h.refused(
        Code::InvalidArgument,
        Some("document.name"),
        h.net(ERP).put_network(pb::PutNetworkRequest {
            network_id: "other".into(),
            document: Some(pb_doc(&doc)),
            expected_version: 0,
        }),
    )
    .await;
    // A reason at the limit is stored, and kept out of listings.
    let reason = "x".repeat(4096);
    h.accepted(
        h.gearworks()
            .report_capacity(report(GEARWORKS_LINE, 3, 1.0, &reason)),
    )
    .await;
    let listed = h
        .accepted(h.net(ERP).list_networks(pb::ListNetworksRequest {
            page_size: 0,
            page_token: String::new(),
        }))
        .await;
    let latest = listed.networks[0].latest.clone().unwrap();
    assert_eq!(latest.version, 2);
    assert!(latest.reason.is_empty());
    let got = h
        .accepted(h.net(ERP).get_network(pb::GetNetworkRequest {
            network_id: NET.into(),
            version: 0,
        }))
        .await;
    assert!(got.network.unwrap().reason.ends_with(&reason));
    h.stop().await;
}

// 12. Size limits disagreed with the documentation and used OUT_OF_RANGE.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d12_a_request_over_its_service_limit_is_resource_exhausted() {
    let h = Hostile::start().await;
    // 65 MiB to NetworkService, whose limit is 64 MiB.
    let mut doc = h.doc.clone();
    doc.name = Some("n".repeat(65 * 1024 * 1024));
    let status = h
        .net(ERP)
        .put_network(pb::PutNetworkRequest {
            network_id: NET.into(),
            document: Some(pb_doc(&doc)),
            expected_version: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(
        status.code(),
        Code::ResourceExhausted,
        "{}",
        status.message()
    );
    assert!(
        status.message().contains("67108864"),
        "{}",
        status.message()
    );
    // 2 MiB to SupplierService and PlanningService, whose limit is 1 MiB.
    let two = "r".repeat(2 * 1024 * 1024);
    let status = h
        .gearworks()
        .report_capacity(report(GEARWORKS_LINE, 1, 1.0, &two))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted);
    let status = h
        .plan(ERP)
        .get_plan(pb::GetPlanRequest { plan_id: two })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted);
    // Under the limit, a large request is judged on its content.
    let mut doc = h.doc.clone();
    doc.name = Some("n".repeat(60 * 1024 * 1024));
    let status = h
        .net(ERP)
        .put_network(pb::PutNetworkRequest {
            network_id: NET.into(),
            document: Some(pb_doc(&doc)),
            expected_version: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(first_field(&status), "document.name");
    h.healthy().await;
    h.stop().await;
}

// 13. Unknown ids in edits were INVALID_ARGUMENT where the proto says NOT_FOUND.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d13_changes_naming_unknown_records_are_not_found() {
    let h = Hostile::published().await;
    let mut missing = demand("no-such-demand");
    missing.qty = 5.0;
    let cases = [
        update_orders(vec![order(pb::order_change::Change::ChangeDemand(missing))]),
        update_orders(vec![order(pb::order_change::Change::CancelDemand(
            "no-such-demand".into(),
        ))]),
        update_orders(vec![order(pb::order_change::Change::CancelReceipt(
            pb::ReceiptKey {
                site: "gearco-assembly".into(),
                item: "gear".into(),
                period: 11,
            },
        ))]),
        update_orders(vec![order(pb::order_change::Change::ChangeReceipt(
            pb::Receipt {
                site: "gearco-assembly".into(),
                item: "gear".into(),
                period: 11,
                qty: 1.0,
            },
        ))]),
    ];
    for request in cases {
        let status = h
            .refused(Code::NotFound, None, h.net(ERP).update_orders(request))
            .await;
        assert!(
            status.message().starts_with("changes[0]."),
            "{}",
            status.message()
        );
    }
    let status = h
        .refused(
            Code::NotFound,
            None,
            h.net(ERP)
                .update_capacity(update_capacity(vec![set_capacity(
                    "no-such-line",
                    range(1, 2),
                    1.0,
                )])),
        )
        .await;
    assert!(
        status.message().starts_with("changes[0].line"),
        "{}",
        status.message()
    );
    h.stop().await;
}

// 14. Field paths pointed into the rebuilt document.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d14_problems_of_a_change_are_named_at_the_request_field() {
    let h = Hostile::published().await;
    let mut bad = demand("new-order");
    bad.qty = f64::NAN;
    h.refused(
        Code::InvalidArgument,
        Some("changes[1].add_demand.qty"),
        h.net(ERP).update_orders(update_orders(vec![
            order(pb::order_change::Change::AddDemand(demand("fine"))),
            order(pb::order_change::Change::AddDemand(bad)),
        ])),
    )
    .await;
    let mut bad = demand("elsewhere");
    bad.site = "no-such-site".into();
    h.refused(
        Code::InvalidArgument,
        Some("changes[0].add_demand.site"),
        h.net(ERP).update_orders(add_demand(bad)),
    )
    .await;
    let mut first = h.doc.demands[0].clone();
    first.period = 99;
    h.refused(
        Code::InvalidArgument,
        Some("changes[0].change_demand.period"),
        h.net(ERP).update_orders(update_orders(vec![order(
            pb::order_change::Change::ChangeDemand(first.into()),
        )])),
    )
    .await;
    h.refused(
        Code::InvalidArgument,
        Some("changes[0].capacity"),
        h.net(ERP)
            .update_capacity(update_capacity(vec![set_capacity(
                GEARWORKS_LINE,
                range(2, 2),
                f64::INFINITY,
            )])),
    )
    .await;
    // A supplier's report is named at its own fields, never at a position in
    // the chain's document.
    for value in [f64::NAN, -1.0, 1e300] {
        let status = h
            .refused(
                Code::InvalidArgument,
                Some("capacity"),
                h.gearworks()
                    .report_capacity(report(GEARWORKS_LINE, 2, value, "test")),
            )
            .await;
        assert!(!status.message().contains("lines["), "{}", status.message());
    }
    let mut request = report(GEARWORKS_LINE, 2, 1.0, "test");
    request.periods = range(40, 41);
    h.refused(
        Code::InvalidArgument,
        Some("periods"),
        h.gearworks().report_capacity(request),
    )
    .await;
    h.stop().await;
}

// 15. Empty reason and request_id were accepted though the proto says non-empty.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d15_required_texts_are_required() {
    let h = Hostile::published().await;
    for reason in ["", "   "] {
        h.refused(
            Code::InvalidArgument,
            Some("reason"),
            h.gearworks()
                .report_capacity(report(GEARWORKS_LINE, 3, 1.0, reason)),
        )
        .await;
    }
    let plan_id = h.solve_latest().await;
    h.refused(
        Code::InvalidArgument,
        Some("request_id"),
        h.plan(ERP).publish_plan(pb::PublishPlanRequest {
            plan_id,
            request_id: String::new(),
        }),
    )
    .await;
    h.stop().await;
}

// 16. A supplier could tell which network ids exist.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d16_a_supplier_gets_one_answer_for_a_missing_network_and_one_it_is_not_in() {
    let h = Hostile::published().await;
    // A second network without rolltec.
    let mut other = h.doc.clone();
    other.enterprises.retain(|e| e.id != ROLLTEC);
    other.sites.retain(|s| s.enterprise != ROLLTEC);
    let sites: Vec<String> = other.sites.iter().map(|s| s.id.clone()).collect();
    other.lines.retain(|l| sites.contains(&l.site));
    other
        .lanes
        .retain(|l| sites.contains(&l.from) && sites.contains(&l.to));
    other.stocks.retain(|x| sites.contains(&x.site));
    other.receipts.retain(|x| sites.contains(&x.site));
    other.demands.retain(|x| sites.contains(&x.site));
    let lines: Vec<String> = other.lines.iter().map(|l| l.id.clone()).collect();
    other.renovations.retain(|r| lines.contains(&r.line));
    h.accepted(h.net(ERP).put_network(pb::PutNetworkRequest {
        network_id: "other".into(),
        document: Some(pb_doc(&other)),
        expected_version: 0,
    }))
    .await;
    let rolltec = || h.sup(&supplier_token(ROLLTEC));
    let mut answers = Vec::new();
    for network in ["other", "no-such-network", "gearbox-2"] {
        let mut request = watch(0);
        request.network_id = network.into();
        let status = rolltec().watch_allocations(request).await.err().unwrap();
        answers.push((status.code(), status.message().replace(network, "X")));
        let mut request = accept(1, "");
        request.network_id = network.into();
        let status = h
            .refused(Code::NotFound, None, rolltec().acknowledge(request))
            .await;
        answers.push((status.code(), status.message().replace(network, "X")));
    }
    assert!(answers.iter().all(|a| a == &answers[0]), "{answers:?}");
    assert_eq!(answers[0].0, Code::NotFound);
    // A supplier token whose enterprise is in no network learns nothing either.
    let status = h
        .refused(
            Code::NotFound,
            None,
            h.sup(&supplier_token("no-such-supplier"))
                .acknowledge(accept(1, "")),
        )
        .await;
    assert_eq!(status.message().replace(NET, "X"), answers[0].1);
    h.stop().await;
}

// Decision: promoting is the ERP's, or a planner's granted it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decision_only_the_erp_or_a_granted_planner_may_promote() {
    let h = Hostile::published().await;
    let scenario = h
        .accepted(h.scen(PLANNER).create_scenario(create_scenario(
            "orders gone",
            vec![scenario_change(pb::scenario_change::Change::RemoveDemand(
                h.doc.demands[0].id.clone(),
            ))],
        )))
        .await
        .scenario
        .unwrap();
    h.refused(
        Code::PermissionDenied,
        None,
        h.scen(PLANNER)
            .promote_scenario(promote(&scenario.scenario_id, 0)),
    )
    .await;
    h.refused(
        Code::PermissionDenied,
        None,
        h.gearworks_scen()
            .promote_scenario(promote(&scenario.scenario_id, 0)),
    )
    .await;
    h.accepted(
        h.scen(ERP)
            .promote_scenario(promote(&scenario.scenario_id, 0)),
    )
    .await;
    assert_eq!(h.latest().await, 2);
    h.stop().await;
}

impl Hostile {
    fn gearworks_scen(&self) -> Scen {
        self.scen(&supplier_token(GEARWORKS))
    }
}

// Decision: a document whose model would exceed the memory budget is
// refused before anything is built.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decision_documents_over_the_memory_budget_are_refused_before_building() {
    let h = Hostile::start_with(Setup {
        max_model_mb: Some(100),
        ..Setup::default()
    })
    .await;
    let mut big = h.doc.clone();
    // Over 100 MiB at 2 KiB per period-element: stretch the horizon.
    big.horizon.periods = 9000;
    for line in &mut big.lines {
        line.capacity = chainplan::model::PerPeriod::Scalar(line.capacity.at(0));
    }
    let status = h
        .refused(
            Code::InvalidArgument,
            Some("document"),
            h.net(ERP).put_network(pb::PutNetworkRequest {
                network_id: "big".into(),
                document: Some(pb_doc(&big)),
                expected_version: 0,
            }),
        )
        .await;
    assert!(
        status.message().contains("--max-model-mb"),
        "{}",
        status.message()
    );
    // Stored by other means, it is refused when solved.
    assert!(chainplan::model::validate(&big).is_valid());
    {
        h.store
            .put_network(
                "big",
                std::sync::Arc::new(big),
                chainplan::store::NetworkChange::Put,
                "test",
                None,
            )
            .await
            .unwrap();
        h.refused(
            Code::InvalidArgument,
            Some("network_id"),
            h.plan(ERP).solve(pb::SolveRequest {
                network_id: "big".into(),
                network_version: 0,
                options: None,
            }),
        )
        .await;
    }
    h.stop().await;
}

// Decision: retention keeps the last versions and plans, and always what
// is in use.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decision_retention_keeps_recent_history_and_what_is_in_use() {
    let h = Hostile::published_with(Setup {
        retention: Retention {
            versions: 3,
            plans: 2,
        },
        ..Setup::default()
    })
    .await;
    let committed = h.store.published_plan(NET).await.unwrap().unwrap().plan_id;
    for i in 0..6 {
        h.accepted(
            h.net(ERP)
                .update_orders(add_demand(demand(&format!("order-{i}")))),
        )
        .await;
        h.solve_latest().await;
    }
    assert_eq!(h.latest().await, 7);
    // Versions 5..7 kept, and version 1 for the committed plan.
    for v in 1..=7 {
        let kept = h.store.get_network(NET, Some(v)).await.is_ok();
        assert_eq!(kept, v == 1 || v >= 5, "version {v}");
    }
    assert!(h.store.get_plan(&committed).await.is_ok());
    h.refused(
        Code::NotFound,
        None,
        h.net(ERP).get_network(pb::GetNetworkRequest {
            network_id: NET.into(),
            version: 2,
        }),
    )
    .await;
    // Allocation logs and acknowledgements are never dropped.
    h.accepted(h.gearworks().acknowledge(accept(1, "ok"))).await;
    assert_eq!(
        h.store
            .allocation_log(NET, GEARWORKS, 0)
            .await
            .unwrap()
            .len(),
        1
    );
    h.stop().await;
}

//! The gRPC API over a real socket on port 0, with the generated clients:
//! every service's happy path, the error codes of the status table, supplier
//! isolation, resuming allocation streams, re-plans after a capacity report,
//! deadlines, a full queue and shutdown.

mod common;

use chainplan::server::auth::{Role, Tokens};
use chainplan::server::pb;
use common::*;
use std::time::Duration;
use tonic::{Code, Request};
use tonic_types::StatusExt;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn networks_are_versioned_listed_and_checked() {
    let server = TestServer::start(None, 1, 4).await;
    let (mut net, _, _) = clients(&server, open).await;
    let doc = gearbox();
    assert_eq!(put(&mut net, &doc).await, 1);

    let got = net
        .get_network(pb::GetNetworkRequest {
            network_id: NET.into(),
            version: 1,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.network.unwrap().sites, doc.sites.len() as u32);
    assert_eq!(got.document.unwrap(), pb_doc(&doc));

    let listed = net
        .list_networks(pb::ListNetworksRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.networks.len(), 1);
    assert_eq!(listed.networks[0].latest.as_ref().unwrap().version, 1);

    // A stale expected version loses.
    let stale = net
        .put_network(pb::PutNetworkRequest {
            network_id: NET.into(),
            document: Some(pb_doc(&doc)),
            expected_version: 7,
        })
        .await
        .unwrap_err();
    assert_eq!(stale.code(), Code::Aborted);

    // An unknown network and version.
    for (id, version) in [("nope", 0), (NET, 9)] {
        let err = net
            .get_network(pb::GetNetworkRequest {
                network_id: id.into(),
                version,
            })
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::NotFound, "{id}@{version}");
    }

    // A bad document names every field at fault, and nothing is stored.
    let mut bad = pb_doc(&doc);
    bad.lanes[0].to = "plnt-2".into();
    bad.horizon.as_mut().unwrap().periods = doc.horizon.periods;
    bad.demands[0].item = "ghost".into();
    let err = net
        .put_network(pb::PutNetworkRequest {
            network_id: NET.into(),
            document: Some(bad),
            expected_version: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    let fields: Vec<String> = err
        .get_details_bad_request()
        .expect("field violations")
        .field_violations
        .into_iter()
        .map(|v| v.field)
        .collect();
    assert!(
        fields.contains(&"document.lanes[0].to".to_string()),
        "{fields:?}"
    );
    assert!(
        fields.contains(&"document.demands[0].item".to_string()),
        "{fields:?}"
    );
    let latest = net
        .get_network(pb::GetNetworkRequest {
            network_id: NET.into(),
            version: 0,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(latest.network.unwrap().version, 1);

    // Order and capacity changes make new versions, and bad ones change nothing.
    let mut doc2 = doc.clone();
    bump_demand(&mut net, &mut doc2, 999.0).await;
    let err = net
        .update_orders(pb::UpdateOrdersRequest {
            network_id: NET.into(),
            expected_version: 0,
            changes: vec![pb::OrderChange {
                change: Some(pb::order_change::Change::CancelDemand("no-such".into())),
            }],
        })
        .await
        .unwrap_err();
    // An unknown demand is NOT_FOUND, as the proto documents, and names the change.
    assert_eq!(err.code(), Code::NotFound);
    assert!(
        err.message().starts_with("changes[0].cancel_demand: "),
        "{}",
        err.message()
    );
    let cap = net
        .update_capacity(pb::UpdateCapacityRequest {
            network_id: NET.into(),
            expected_version: 2,
            changes: vec![pb::CapacityChange {
                line: doc.lines[0].id.clone(),
                periods: Some(pb::PeriodSet {
                    periods: Some(pb::period_set::Periods::Range(pb::PeriodRange {
                        first: 1,
                        last: 2,
                    })),
                }),
                change: Some(pb::capacity_change::Change::Capacity(3.0)),
            }],
            reason: "maintenance".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(cap.network.unwrap().version, 3);
    let v3 = net
        .get_network(pb::GetNetworkRequest {
            network_id: NET.into(),
            version: 3,
        })
        .await
        .unwrap()
        .into_inner();
    let line = &v3.document.unwrap().lines[0];
    let series = match line.capacity.as_ref().unwrap().value.as_ref().unwrap() {
        pb::per_period::Value::Series(s) => s.values.clone(),
        other => panic!("expected a series, got {other:?}"),
    };
    assert_eq!(series[1], 3.0);
    assert_eq!(series[0], doc.lines[0].capacity.at(0));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn solve_publish_and_explain() {
    let server = TestServer::start(None, 1, 4).await;
    let (mut net, mut planning, mut sup) = clients(&server, open).await;
    let doc = gearbox();
    put(&mut net, &doc).await;
    let solved = solve(&mut planning).await;
    let plan = solved.plan.unwrap();
    assert_eq!(plan.status, pb::PlanStatus::Optimal as i32);
    // The same optimum as the library.
    let direct = chainplan::planning::solve(&doc, &Default::default()).unwrap();
    let objective = plan.objective.unwrap();
    assert!((objective - direct.objective.unwrap()).abs() <= 1e-6 * objective.abs());
    let info = solved.info.unwrap();
    assert!(!info.committed);

    let got = planning
        .get_plan(pb::GetPlanRequest {
            plan_id: info.plan_id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.plan.unwrap().objective, Some(objective));

    let first = publish(&mut planning, &info.plan_id, "pub-1").await;
    assert_eq!(first.publish_version, 1);
    // Every supplier hears of its first allocation.
    let suppliers = doc
        .enterprises
        .iter()
        .filter(|e| e.role == chainplan::model::Role::Supplier)
        .count();
    assert_eq!(first.updated_suppliers.len(), suppliers);
    // A retried publish is applied once.
    let again = publish(&mut planning, &info.plan_id, "pub-1").await;
    assert_eq!(again, first);
    // A second publish of the same plan changes no supplier's work.
    let second = publish(&mut planning, &info.plan_id, "pub-2").await;
    assert_eq!(second.publish_version, 2);
    assert!(second.updated_suppliers.is_empty());
    assert_eq!(second.unchanged_suppliers.len(), suppliers);

    let committed = planning
        .get_plan(pb::GetPlanRequest {
            plan_id: info.plan_id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .info
        .unwrap();
    assert!(committed.committed);

    let explained = planning
        .explain_plan(pb::ExplainPlanRequest {
            plan_id: info.plan_id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(explained.bottlenecks.len(), plan.bottlenecks.len());

    // The supplier with the plan's first allocation sees it, with an ack.
    let alloc = &plan.allocations[0];
    let mut stream = sup
        .watch_allocations(pb::WatchAllocationsRequest {
            network_id: NET.into(),
            enterprise: alloc.enterprise.clone(),
            after_version: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let update = stream.message().await.unwrap().unwrap().update.unwrap();
    assert_eq!(update.version, 1);
    match update.content.unwrap() {
        pb::allocation_update::Content::Snapshot(a) => assert_eq!(&a, alloc),
        other => panic!("expected a snapshot, got {other:?}"),
    }
    let ack = sup
        .acknowledge(pb::AcknowledgeRequest {
            network_id: NET.into(),
            enterprise: alloc.enterprise.clone(),
            version: 1,
            decision: Some(pb::acknowledge_request::Decision::Accept(pb::Acceptance {
                note: "ok".into(),
            })),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(ack.current);
    let err = sup
        .acknowledge(pb::AcknowledgeRequest {
            network_id: NET.into(),
            enterprise: alloc.enterprise.clone(),
            version: 5,
            decision: Some(pb::acknowledge_request::Decision::Accept(
                pb::Acceptance::default(),
            )),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);

    // Unknown plans and bad requests.
    let err = planning
        .get_plan(pb::GetPlanRequest {
            plan_id: "plan-none".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let err = planning
        .solve(pb::SolveRequest {
            network_id: NET.into(),
            network_version: 0,
            options: Some(pb::SolveOptions {
                relative_gap: Some(2.0),
                ..Default::default()
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(
        err.get_details_bad_request().unwrap().field_violations[0].field,
        "options.relative_gap"
    );
    // A plan solved for an older version is stale once the orders change.
    let mut doc2 = doc.clone();
    bump_demand(&mut net, &mut doc2, 5.0).await;
    let err = planning
        .publish_plan(pb::PublishPlanRequest {
            plan_id: info.plan_id.clone(),
            request_id: "publish-1".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    server.stop().await;
}

/// The supplier whose work depends on the first demand's quantity: the one
/// with the most allocation entries in the base plan.
fn busiest_supplier(plan: &pb::Plan) -> String {
    plan.allocations
        .iter()
        .max_by_key(|a| a.entries.len())
        .unwrap()
        .enterprise
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconnecting_supplier_gets_every_version_once_in_order() {
    let server = TestServer::start(None, 1, 4).await;
    let (mut net, mut planning, mut sup) = clients(&server, open).await;
    let mut doc = gearbox();
    // A plain LP (no renovations) keeps the 100 solves quick.
    doc.renovations.clear();
    put(&mut net, &doc).await;
    let base = solve(&mut planning).await;
    let supplier = busiest_supplier(base.plan.as_ref().unwrap());

    let mut received: Vec<u64> = Vec::new();
    let mut last_seen = 0;
    let mut stream = None;
    let mut publishes = 0;
    let mut round = 0;
    while publishes < 100 {
        round += 1;
        // Reconnect every 17 rounds, resuming after the last version seen.
        if stream.is_none() || round % 17 == 0 {
            stream = Some(
                sup.watch_allocations(pb::WatchAllocationsRequest {
                    network_id: NET.into(),
                    enterprise: supplier.clone(),
                    after_version: last_seen,
                })
                .await
                .unwrap()
                .into_inner(),
            );
        }
        // Demand for the compact gearbox swings, so the supplier's work changes.
        bump_demand(&mut net, &mut doc, 60.0 + f64::from(round % 7) * 15.0).await;
        let solved = solve(&mut planning).await;
        let receipt = publish(
            &mut planning,
            &solved.info.unwrap().plan_id,
            &format!("round-{round}"),
        )
        .await;
        let Some(mine) = receipt
            .updated_suppliers
            .iter()
            .find(|s| s.enterprise == supplier)
        else {
            continue;
        };
        publishes += 1;
        let s = stream.as_mut().unwrap();
        // Drain everything up to this publish's version.
        while last_seen < mine.version {
            let update = tokio::time::timeout(Duration::from_secs(10), s.message())
                .await
                .expect("an update arrives")
                .unwrap()
                .unwrap()
                .update
                .unwrap();
            assert_eq!(update.enterprise, supplier);
            received.push(update.version);
            last_seen = update.version;
        }
    }
    let expected: Vec<u64> = (1..=last_seen).collect();
    assert_eq!(received, expected, "every version exactly once, in order");
    assert!(last_seen >= 100);
    server.stop().await;
}

fn tokens() -> Tokens {
    Tokens::from_pairs([
        ("erp-token".to_string(), Role::Erp),
        (
            "planner-token".to_string(),
            Role::Planner { promote: false },
        ),
        (
            "gearworks-token".to_string(),
            Role::Supplier {
                enterprise: "gearworks".into(),
            },
        ),
        (
            "fonderia-token".to_string(),
            Role::Supplier {
                enterprise: "fonderia".into(),
            },
        ),
    ])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supplier_sees_and_acts_for_itself_only() {
    let server = TestServer::start(Some(tokens()), 1, 4).await;
    let (mut net, mut planning, _) = clients(&server, || bearer("erp-token")).await;
    let (mut net_as_supplier, mut plan_as_supplier, mut gearworks) =
        clients(&server, || bearer("gearworks-token")).await;
    let (_, _, mut nobody) = clients(&server, || bearer("stolen")).await;
    let (mut planner_net, _, _) = clients(&server, || bearer("planner-token")).await;
    let doc = gearbox();
    put(&mut net, &doc).await;
    let solved = solve(&mut planning).await;
    publish(&mut planning, &solved.info.unwrap().plan_id, "p").await;

    // Unknown token, and suppliers on ERP calls.
    let err = nobody
        .watch_allocations(pb::WatchAllocationsRequest {
            network_id: NET.into(),
            enterprise: String::new(),
            after_version: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);
    let err = net_as_supplier
        .get_network(pb::GetNetworkRequest {
            network_id: NET.into(),
            version: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let err = plan_as_supplier
        .solve(pb::SolveRequest {
            network_id: NET.into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let err = planner_net
        .put_network(pb::PutNetworkRequest {
            network_id: NET.into(),
            document: Some(pb_doc(&doc)),
            expected_version: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);

    // gearworks may not watch, acknowledge or report for fonderia, and the
    // refusal does not tell whether fonderia exists.
    for other in ["fonderia", "no-such-supplier"] {
        let err = gearworks
            .watch_allocations(pb::WatchAllocationsRequest {
                network_id: NET.into(),
                enterprise: other.into(),
                after_version: 0,
            })
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::PermissionDenied);
        assert!(!err.message().contains(other));
        let err = gearworks
            .acknowledge(pb::AcknowledgeRequest {
                network_id: NET.into(),
                enterprise: other.into(),
                version: 1,
                decision: Some(pb::acknowledge_request::Decision::Accept(
                    pb::Acceptance::default(),
                )),
            })
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::PermissionDenied);
    }
    for line in ["fonderia-moulding", "no-such-line"] {
        let err = gearworks
            .report_capacity(pb::ReportCapacityRequest {
                network_id: NET.into(),
                enterprise: String::new(),
                line: line.into(),
                periods: Some(pb::PeriodSet {
                    periods: Some(pb::period_set::Periods::List(pb::PeriodList {
                        periods: vec![3],
                    })),
                }),
                capacity: 0.0,
                reason: "fire".into(),
            })
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::PermissionDenied, "{line}");
        assert_eq!(err.message(), "line: not a line of your enterprise");
    }

    // gearworks' own stream carries gearworks' data only.
    let mut stream = gearworks
        .watch_allocations(pb::WatchAllocationsRequest {
            network_id: NET.into(),
            enterprise: String::new(),
            after_version: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let update = stream.message().await.unwrap().unwrap().update.unwrap();
    assert_eq!(update.enterprise, "gearworks");
    let Some(pb::allocation_update::Content::Snapshot(a)) = update.content else {
        panic!("expected a snapshot");
    };
    assert_eq!(a.enterprise, "gearworks");
    let gearworks_sites: Vec<&str> = doc
        .sites
        .iter()
        .filter(|s| s.enterprise == "gearworks")
        .map(|s| s.id.as_str())
        .collect();
    assert!(!a.entries.is_empty());
    assert!(a
        .entries
        .iter()
        .all(|e| gearworks_sites.contains(&e.site.as_str())));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_capacity_report_replans_and_only_changed_suppliers_hear() {
    let server = TestServer::start(None, 1, 4).await;
    let (mut net, mut planning, mut sup) = clients(&server, open).await;
    let mut doc = gearbox();
    doc.renovations.clear();
    put(&mut net, &doc).await;
    let solved = solve(&mut planning).await;
    let base = solved.plan.unwrap();
    let base_id = solved.info.unwrap().plan_id;
    let first = publish(&mut planning, &base_id, "first").await;
    let freeze_until = 3;
    planning
        .set_replan_policy(pb::SetReplanPolicyRequest {
            network_id: NET.into(),
            policy: Some(pb::ReplanPolicy {
                mode: pb::ReplanMode::AutomaticPublish as i32,
                freeze_until,
                stability_penalty: 0.5,
                options: None,
            }),
        })
        .await
        .unwrap();

    // gearworks loses its hobbing line for three weeks after the fence.
    let report = sup
        .report_capacity(pb::ReportCapacityRequest {
            network_id: NET.into(),
            enterprise: "gearworks".into(),
            line: "gearworks-hobbing".into(),
            periods: Some(pb::PeriodSet {
                periods: Some(pb::period_set::Periods::Range(pb::PeriodRange {
                    first: 4,
                    last: 6,
                })),
            }),
            capacity: 0.0,
            reason: "gear hobber breakdown".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(report.network_version, 2);
    let trigger = report.replan.expect("the policy re-plans");
    let mut events = planning
        .watch_solve(pb::WatchSolveRequest {
            job_id: trigger.job_id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    let mut replanned = None;
    while let Some(event) = events.message().await.unwrap() {
        if let Some(pb::watch_solve_response::Event::Plan(p)) = event.event {
            replanned = Some(p);
        }
    }
    let replanned = replanned.expect("the stream ends with the plan");
    assert_eq!(replanned.status, pb::PlanStatus::Optimal as i32);
    // The hobbing line makes nothing while it is down.
    assert!(replanned
        .production
        .iter()
        .filter(|p| p.line == "gearworks-hobbing" && (4..=6).contains(&p.period))
        .all(|p| p.qty.abs() < 1e-6));
    // Frozen periods keep the published quantities.
    let frozen = |plan: &pb::Plan| {
        let mut v: Vec<(String, u32, i64)> = plan
            .production
            .iter()
            .filter(|p| p.period < freeze_until)
            .map(|p| (p.operation.clone(), p.period, (p.qty * 1e4).round() as i64))
            .collect();
        v.sort();
        v
    };
    assert_eq!(frozen(&replanned), frozen(&base));

    let got = planning
        .get_plan(pb::GetPlanRequest {
            plan_id: trigger.plan_id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    let impact = got.replan.expect("a re-plan reports its impact");
    assert_eq!(impact.base_plan_id, base_id);
    assert!(!impact.affected_demands.is_empty());
    assert!(impact
        .affected_demands
        .iter()
        .all(|d| d.causes == vec!["gearworks".to_string()]));
    // Published automatically: exactly the changed suppliers got a version.
    let info = got.info.unwrap();
    assert!(info.committed);
    let changed: Vec<String> = impact
        .changed_suppliers
        .iter()
        .map(|c| c.enterprise.clone())
        .collect();
    assert!(changed.contains(&"gearworks".to_string()));
    for s in &first.updated_suppliers {
        let log = sup
            .watch_allocations(pb::WatchAllocationsRequest {
                network_id: NET.into(),
                enterprise: s.enterprise.clone(),
                after_version: 1,
            })
            .await
            .unwrap()
            .into_inner();
        let next = tokio::time::timeout(Duration::from_millis(500), async {
            let mut log = log;
            log.message().await
        })
        .await;
        let got_version = matches!(next, Ok(Ok(Some(_))));
        assert_eq!(
            got_version,
            changed.contains(&s.enterprise),
            "{} got a new version: {got_version}",
            s.enterprise
        );
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deadlines_queue_limits_and_shutdown() {
    // One worker and no queue: a second concurrent solve is refused.
    let server = TestServer::start(None, 1, 0).await;
    let (mut net, mut planning, mut sup) = clients(&server, open).await;
    let big = long_milp();
    put(&mut net, &big).await;
    let job = planning
        .submit_solve(pb::SubmitSolveRequest {
            network_id: NET.into(),
            network_version: 0,
            options: Some(pb::SolveOptions {
                time_limit_seconds: Some(60.0),
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner();
    let err = planning
        .solve(pb::SolveRequest {
            network_id: NET.into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted);

    // The job's progress stream says where it is.
    let mut events = planning
        .watch_solve(pb::WatchSolveRequest {
            job_id: job.job_id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    let first = events.message().await.unwrap().unwrap();
    assert!(matches!(
        first.event,
        Some(pb::watch_solve_response::Event::Progress(_))
    ));

    // A supplier stream is open when the server shuts down.
    let mut stream = sup
        .watch_allocations(pb::WatchAllocationsRequest {
            network_id: NET.into(),
            enterprise: big
                .enterprises
                .iter()
                .find(|e| e.role == chainplan::model::Role::Supplier)
                .unwrap()
                .id
                .clone(),
            after_version: 0,
        })
        .await
        .unwrap()
        .into_inner();
    server.stop().await;
    // Both streams end with a status rather than hanging.
    let end = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match stream.message().await {
                Ok(Some(_)) => continue,
                Ok(None) => return None,
                Err(status) => return Some(status.code()),
            }
        }
    })
    .await
    .expect("the stream ends");
    assert!(
        matches!(
            end,
            None | Some(Code::Unavailable | Code::Cancelled | Code::Unknown)
        ),
        "{end:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_deadline_bounds_the_solve() {
    let server = TestServer::start(None, 1, 4).await;
    let (mut net, mut planning, _) = clients(&server, open).await;
    let big = long_milp();
    put(&mut net, &big).await;
    let mut request = Request::new(pb::SolveRequest {
        network_id: NET.into(),
        ..Default::default()
    });
    request.set_timeout(Duration::from_secs(4));
    match planning.solve(request).await {
        // Either the best plan found within the deadline...
        Ok(r) => {
            let status = r.into_inner().plan.unwrap().status;
            assert!(
                status == pb::PlanStatus::Feasible as i32
                    || status == pb::PlanStatus::Optimal as i32
            );
        }
        // ...or DEADLINE_EXCEEDED, from the server or the client's own timer.
        Err(status) => assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}"),
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_that_goes_away_cancels_its_solve() {
    // One worker, no queue: the worker is free again only once the
    // abandoned solve has stopped, long before its 300 s default limit.
    let server = TestServer::start(None, 1, 0).await;
    let (mut net, mut planning, _) = clients(&server, open).await;
    let big = long_milp();
    put(&mut net, &big).await;
    let request = Request::new(pb::SolveRequest {
        network_id: NET.into(),
        options: Some(pb::SolveOptions {
            time_limit_seconds: Some(300.0),
            ..Default::default()
        }),
        ..Default::default()
    });
    // The client gives up after a second, without a grpc-timeout header the
    // server could have used as the limit.
    let abandoned = tokio::time::timeout(Duration::from_secs(1), planning.solve(request)).await;
    assert!(
        abandoned.is_err(),
        "the solve is still running when the caller leaves"
    );
    let mut freed = false;
    for _ in 0..120 {
        match planning
            .submit_solve(pb::SubmitSolveRequest {
                network_id: NET.into(),
                network_version: 0,
                options: Some(pb::SolveOptions {
                    time_limit_seconds: Some(1.0),
                    ..Default::default()
                }),
            })
            .await
        {
            Ok(_) => {
                freed = true;
                break;
            }
            Err(s) => assert_eq!(s.code(), Code::ResourceExhausted),
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(
        freed,
        "the abandoned solve was cancelled and freed its worker"
    );
    server.stop().await;
}

/// A MILP (setups, renovations) that HiGHS cannot prove optimal in minutes,
/// so a solve of it is still running when a test needs it to be.
fn long_milp() -> chainplan::model::NetworkDoc {
    chainplan::import::generate::generate(&chainplan::import::generate::GeneratorSpec {
        suppliers: 60,
        items_per_tier: 4,
        periods: 26,
        customers: 6,
        seed: 7,
        setups: true,
        renovations: 3,
        shares: false,
        carbon: false,
    })
}

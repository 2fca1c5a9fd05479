//! The service on the Redis store, as separate processes: a restart loses
//! nothing, a supplier on one replica hears every publish made through
//! another, a job whose worker is killed is finished by another worker, and
//! a Redis that goes away gives UNAVAILABLE, then recovery with nothing
//! lost that was reported done.

mod common;

use chainplan::server::pb;
use chainplan::server::pb::network_service_client::NetworkServiceClient;
use chainplan::server::pb::planning_service_client::PlanningServiceClient;
use chainplan::server::pb::supplier_service_client::SupplierServiceClient;
use chainplan::store::{RedisStore, Store};
use common::processes::{
    delete_keys, free_port, redis_server, redis_url, serve, unique_prefix, worker, Proc,
};
use common::{gearbox, pb_doc, NET};
use std::time::Duration;
use tonic::transport::Channel;
use tonic::Code;

struct Clients {
    net: NetworkServiceClient<Channel>,
    planning: PlanningServiceClient<Channel>,
    sup: SupplierServiceClient<Channel>,
}

async fn clients(server: &Proc) -> Clients {
    let ch = server.channel().await;
    Clients {
        net: NetworkServiceClient::new(ch.clone()),
        planning: PlanningServiceClient::new(ch.clone()),
        sup: SupplierServiceClient::new(ch),
    }
}

fn lp_gearbox() -> chainplan::model::NetworkDoc {
    let mut doc = gearbox();
    // A plain LP (no renovations) keeps many solves quick.
    doc.renovations.clear();
    doc
}

async fn put(c: &mut Clients, doc: &chainplan::model::NetworkDoc) -> u64 {
    c.net
        .put_network(pb::PutNetworkRequest {
            network_id: NET.into(),
            document: Some(pb_doc(doc)),
            expected_version: 0,
        })
        .await
        .unwrap()
        .into_inner()
        .network
        .unwrap()
        .version
}

async fn solve(c: &mut Clients) -> pb::SolveResponse {
    c.planning
        .solve(pb::SolveRequest {
            network_id: NET.into(),
            network_version: 0,
            options: None,
        })
        .await
        .unwrap()
        .into_inner()
}

async fn publish(c: &mut Clients, plan_id: &str, request_id: &str) -> pb::PublishPlanResponse {
    c.planning
        .publish_plan(pb::PublishPlanRequest {
            plan_id: plan_id.into(),
            request_id: request_id.into(),
        })
        .await
        .unwrap()
        .into_inner()
}

fn busiest_supplier(plan: &pb::Plan) -> String {
    plan.allocations
        .iter()
        .max_by_key(|a| a.entries.len())
        .unwrap()
        .enterprise
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_server_finds_everything_in_redis() {
    let (url, prefix) = (redis_url(), unique_prefix());
    let mut first = serve(&url, &prefix, 1);
    let mut c = clients(&first).await;
    put(&mut c, &lp_gearbox()).await;
    let solved = solve(&mut c).await;
    let plan_id = solved.info.unwrap().plan_id;
    let supplier = busiest_supplier(solved.plan.as_ref().unwrap());
    let receipt = publish(&mut c, &plan_id, "erp-1").await;
    let ack = c
        .sup
        .acknowledge(pb::AcknowledgeRequest {
            network_id: NET.into(),
            enterprise: supplier.clone(),
            version: 1,
            decision: Some(pb::acknowledge_request::Decision::Accept(pb::Acceptance {
                note: "booked".into(),
            })),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(ack.version, 1);
    // A crash, not a clean stop: whatever was answered must already be in Redis.
    first.kill();

    let second = serve(&url, &prefix, 1);
    let mut c = clients(&second).await;
    let network = c
        .net
        .get_network(pb::GetNetworkRequest {
            network_id: NET.into(),
            version: 0,
        })
        .await
        .unwrap()
        .into_inner()
        .network
        .unwrap();
    assert_eq!(network.version, 1);
    let listed = c
        .net
        .list_networks(pb::ListNetworksRequest::default())
        .await
        .unwrap()
        .into_inner();
    let summary = listed
        .networks
        .iter()
        .find(|n| n.network_id == NET)
        .unwrap();
    assert_eq!(summary.published_plan_id, plan_id);
    assert_eq!(summary.publish_version, receipt.publish_version);
    let plan = c
        .planning
        .get_plan(pb::GetPlanRequest {
            plan_id: plan_id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(plan.plan, solved.plan);
    let mut stream = c
        .sup
        .watch_allocations(pb::WatchAllocationsRequest {
            network_id: NET.into(),
            enterprise: supplier.clone(),
            after_version: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let first_version = tokio::time::timeout(Duration::from_secs(10), stream.message())
        .await
        .unwrap()
        .unwrap()
        .unwrap()
        .update
        .unwrap();
    assert_eq!(
        (first_version.version, first_version.plan_id),
        (1, plan_id.clone())
    );
    // The retried publish is recognised after the restart and changes nothing.
    let again = publish(&mut c, &plan_id, "erp-1").await;
    assert_eq!(again.publish_version, receipt.publish_version);
    let store = RedisStore::connect(&url, &prefix).await.unwrap();
    let acks = store.acknowledgements(NET, &supplier).await.unwrap();
    assert_eq!(acks.len(), 1);
    assert!(acks[0].accepted && acks[0].text == "booked");
    drop(second);
    delete_keys(&url, &prefix).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supplier_on_one_replica_hears_every_publish_made_through_another() {
    let (url, prefix) = (redis_url(), unique_prefix());
    let replica_a = serve(&url, &prefix, 1);
    let replica_b = serve(&url, &prefix, 1);
    let mut erp = clients(&replica_b).await;
    let mut on_a = clients(&replica_a).await;
    let mut doc = lp_gearbox();
    put(&mut erp, &doc).await;
    let base = solve(&mut erp).await;
    let supplier = busiest_supplier(base.plan.as_ref().unwrap());

    let mut received: Vec<u64> = Vec::new();
    let mut last_seen = 0;
    let mut stream = None;
    let mut publishes = 0;
    let mut round = 0;
    while publishes < 100 {
        round += 1;
        // Reconnect to replica A every 17 rounds, after the last version seen.
        if stream.is_none() || round % 17 == 0 {
            stream = Some(
                on_a.sup
                    .watch_allocations(pb::WatchAllocationsRequest {
                        network_id: NET.into(),
                        enterprise: supplier.clone(),
                        after_version: last_seen,
                    })
                    .await
                    .unwrap()
                    .into_inner(),
            );
        }
        doc.demands[0].qty = 60.0 + f64::from(round % 7) * 15.0;
        erp.net
            .update_orders(pb::UpdateOrdersRequest {
                network_id: NET.into(),
                expected_version: 0,
                changes: vec![pb::OrderChange {
                    change: Some(pb::order_change::Change::ChangeDemand(
                        doc.demands[0].clone().into(),
                    )),
                }],
            })
            .await
            .unwrap();
        let solved = solve(&mut erp).await;
        let receipt = publish(
            &mut erp,
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
        while last_seen < mine.version {
            let update = tokio::time::timeout(Duration::from_secs(10), s.message())
                .await
                .expect("an update arrives on the other replica")
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
    drop((replica_a, replica_b));
    delete_keys(&url, &prefix).await;
}

/// A MILP (setups) that HiGHS does not prove optimal within the test's time
/// limit, but finds plans for: its solve is still running when the worker is
/// killed, and the next worker's solve ends with a plan.
fn long_milp() -> chainplan::model::NetworkDoc {
    chainplan::import::generate::generate(&chainplan::import::generate::GeneratorSpec {
        suppliers: 60,
        items_per_tier: 4,
        periods: 26,
        customers: 6,
        seed: 7,
        setups: true,
        renovations: 0,
        shares: false,
        carbon: false,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_whose_worker_is_killed_is_finished_by_another() {
    let (url, prefix) = (redis_url(), unique_prefix());
    // The replica takes calls only; solves run on the worker processes.
    let replica = serve(&url, &prefix, 0);
    let mut c = clients(&replica).await;
    put(&mut c, &long_milp()).await;
    let mut first = worker(&url, &prefix);
    let submitted = c
        .planning
        .submit_solve(pb::SubmitSolveRequest {
            network_id: NET.into(),
            network_version: 0,
            options: Some(pb::SolveOptions {
                time_limit_seconds: Some(8.0),
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner();
    let mut events = c
        .planning
        .watch_solve(pb::WatchSolveRequest {
            job_id: submitted.job_id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    // Wait until the first worker is solving.
    loop {
        let event = tokio::time::timeout(Duration::from_secs(60), events.message())
            .await
            .expect("progress")
            .unwrap()
            .expect("the job is running before it ends");
        if let Some(pb::watch_solve_response::Event::Progress(p)) = event.event {
            if p.phase == pb::SolvePhase::Solve as i32 {
                break;
            }
        }
    }
    first.kill();
    let _second = worker(&url, &prefix);
    let plan = loop {
        let event = tokio::time::timeout(Duration::from_secs(120), events.message())
            .await
            .expect("the job ends")
            .unwrap()
            .expect("a plan ends the stream");
        if let Some(pb::watch_solve_response::Event::Plan(plan)) = event.event {
            break plan;
        }
    };
    // The second worker's 8 s may end before HiGHS has an incumbent on a
    // loaded machine (NO_SOLUTION): that is still the job's answer. What
    // this test asks is that the job ends with a plan, stored under its id.
    assert_ne!(plan.status, pb::PlanStatus::Unspecified as i32);
    let solved = [pb::PlanStatus::Optimal, pb::PlanStatus::Feasible].map(|s| s as i32);
    if solved.contains(&plan.status) {
        assert!(!plan.allocations.is_empty(), "a plan with work in it");
    }
    let stored = c
        .planning
        .get_plan(pb::GetPlanRequest {
            plan_id: submitted.plan_id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(stored.plan, Some(plan));
    drop(replica);
    delete_keys(&url, &prefix).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_outage_gives_unavailable_then_recovery_with_nothing_lost() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let url = format!("redis://127.0.0.1:{port}");
    let prefix = unique_prefix();
    let mut redis = redis_server(port, dir.path());
    let server = serve(&url, &prefix, 1);
    let mut c = clients(&server).await;
    put(&mut c, &lp_gearbox()).await;
    let solved = solve(&mut c).await;
    let plan_id = solved.info.unwrap().plan_id;
    let supplier = busiest_supplier(solved.plan.as_ref().unwrap());
    let receipt = publish(&mut c, &plan_id, "erp-1").await;

    redis.kill();
    let down = c
        .net
        .get_network(pb::GetNetworkRequest {
            network_id: NET.into(),
            version: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(down.code(), Code::Unavailable, "{down:?}");
    let down = c
        .planning
        .publish_plan(pb::PublishPlanRequest {
            plan_id: plan_id.clone(),
            request_id: "erp-2".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(down.code(), Code::Unavailable, "{down:?}");

    let _redis = redis_server(port, dir.path());
    // The server reconnects by itself.
    let mut back = None;
    for _ in 0..100 {
        if let Ok(r) = c
            .net
            .list_networks(pb::ListNetworksRequest::default())
            .await
        {
            back = Some(r.into_inner());
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let listed = back.expect("the server recovers when Redis is back");
    let summary = listed
        .networks
        .iter()
        .find(|n| n.network_id == NET)
        .unwrap();
    assert_eq!(summary.published_plan_id, plan_id);
    assert_eq!(summary.publish_version, receipt.publish_version);
    let mut stream = c
        .sup
        .watch_allocations(pb::WatchAllocationsRequest {
            network_id: NET.into(),
            enterprise: supplier.clone(),
            after_version: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let first = tokio::time::timeout(Duration::from_secs(10), stream.message())
        .await
        .unwrap()
        .unwrap()
        .unwrap()
        .update
        .unwrap();
    assert_eq!(first.version, 1);
    // Work goes on: a new solve and publish after the outage.
    let solved = solve(&mut c).await;
    assert_eq!(solved.plan.unwrap().status(), pb::PlanStatus::Optimal);
    assert_eq!(solved.info.unwrap().network_id, NET);
    drop(server);
}

/// The execution loop across a crash: a supplier's actuals reported to one
/// replica, which then dies, are applied by the roll another replica makes;
/// retries through the new replica are recognised; the re-plan holds the
/// committed plan across the roll, and the allocation logs go on unbroken.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_restarted_mid_cycle_continues_from_redis() {
    use chainplan::planning::simulate::{draw_week, SimulationSpec};
    use chainplan::server::pb::execution_service_client::ExecutionServiceClient;
    let (url, prefix) = (redis_url(), unique_prefix());
    let store = RedisStore::connect(&url, &prefix).await.unwrap();
    let mut first = serve(&url, &prefix, 1);
    let mut c = clients(&first).await;
    let doc = lp_gearbox();
    put(&mut c, &doc).await;
    let solved = solve(&mut c).await;
    let plan_id = solved.info.unwrap().plan_id;
    let supplier = busiest_supplier(solved.plan.as_ref().unwrap());
    publish(&mut c, &plan_id, "week-0").await;

    // The week's actuals: the supplier's own part through the first replica.
    let plan = store.get_plan(&plan_id).await.unwrap().plan;
    let (actuals, _) = draw_week(&doc, &plan, &SimulationSpec::new(1, 3), 3);
    let own = actuals.of_enterprise(&doc, &supplier);
    assert!(!own.is_empty());
    let to_pb = chainplan::server::convert::execution::actuals_to_pb;
    let report = |enterprise: &str, id: &str, a: pb::Actuals| pb::ReportActualsRequest {
        network_id: NET.into(),
        enterprise: enterprise.into(),
        request_id: id.into(),
        network_version: 0,
        actuals: Some(a),
    };
    let mut exec = ExecutionServiceClient::new(first.channel().await);
    let stored = exec
        .report_actuals(report(&supplier, "own-0", to_pb(&own)))
        .await
        .unwrap()
        .into_inner();
    // A crash mid-cycle.
    first.kill();

    let second = serve(&url, &prefix, 1);
    let mut c = clients(&second).await;
    let mut exec = ExecutionServiceClient::new(second.channel().await);
    // The supplier's retry through the new replica is the stored report.
    let retried = exec
        .report_actuals(report(&supplier, "own-0", to_pb(&own)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(retried, stored);
    exec.report_actuals(report("", "erp-0", to_pb(&actuals)))
        .await
        .unwrap();
    let roll = pb::RollHorizonRequest {
        network_id: NET.into(),
        network_version: 0,
        periods: 1,
        extensions: Vec::new(),
        request_id: "roll-0".into(),
    };
    let rolled = exec.roll_horizon(roll.clone()).await.unwrap().into_inner();
    assert_eq!((rolled.network_version, rolled.reports), (2, 2));
    assert!(rolled.adherence.is_some());
    assert_eq!(
        exec.roll_horizon(roll)
            .await
            .unwrap()
            .into_inner()
            .network_version,
        2
    );
    let replanned = c
        .planning
        .replan(pb::ReplanRequest {
            network_id: NET.into(),
            network_version: 0,
            base_plan_id: String::new(),
            freeze_until: 0,
            stability_penalty: 0.01,
            options: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(replanned.impact.unwrap().periods_rolled, 1);
    publish(&mut c, &replanned.info.unwrap().plan_id, "week-1").await;
    let log = store.allocation_log(NET, &supplier, 0).await.unwrap();
    assert!(
        log.len() >= 2,
        "the re-plan changed the busiest supplier's work"
    );
    assert_eq!(
        log.iter().map(|v| v.version).collect::<Vec<_>>(),
        (1..=log.len() as u64).collect::<Vec<_>>()
    );
    assert_eq!(log.last().unwrap().period_offset, 1);
    assert_eq!(store.rolls(NET).await.unwrap().len(), 1);
    drop(second);
    delete_keys(&url, &prefix).await;
}

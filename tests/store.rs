//! The store suite: what every `Store` must do, run against each store
//! (the embedded memory store, and the Redis store at `REDIS_URL`, by
//! default `redis://127.0.0.1:6379`, each test under a key prefix of its
//! own). Atomic conditional writes, versioning, the allocation log with its
//! wake-ups, idempotent publishes and acknowledgements; then what only a
//! shared store can show: replicas that see each other's writes, and a
//! Redis that goes away.

mod common;
use common::docs::demo_chain as gearbox;

use chainplan::model::actuals::{ActualProduction, Actuals};
use chainplan::model::commitment::{LimitKind, SupplyLimit};
use chainplan::model::roll::RollReport;
use chainplan::model::scenario::ScenarioChange;
use chainplan::model::{Allocation, AllocationEntry, AllocationKind, Plan};
use chainplan::planning::{solve, SolveOptions};
use chainplan::store::{
    Acknowledgement, ActualsReport, MemoryStore, NetworkChange, PlanOrigin, PlanRecord, Publish,
    RedisStore, ReplanMode, ReplanPolicy, RollRecord, ScenarioRecord, Store, StoreError,
};
use common::processes::{free_port, redis_server, redis_url, unique_prefix, Proc};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::watch;

fn plan() -> Plan {
    let mut doc = gearbox();
    doc.renovations.clear();
    solve(&doc, &SolveOptions::default()).unwrap()
}

fn record(id: &str, network: &str, version: u64, plan: &Plan) -> PlanRecord {
    PlanRecord {
        plan_id: id.into(),
        network_id: network.into(),
        network_version: version,
        created_at: SystemTime::now(),
        origin: PlanOrigin::Solve,
        base_plan_id: None,
        plan: Arc::new(plan.clone()),
        impact: None,
    }
}

fn allocation(enterprise: &str, qty: f64) -> Allocation {
    Allocation {
        enterprise: enterprise.into(),
        entries: vec![AllocationEntry {
            kind: AllocationKind::Make,
            site: format!("{enterprise}-site"),
            item: "gear".into(),
            period: 0,
            qty,
            resource: format!("{enterprise}-line"),
            destination: None,
        }],
    }
}

fn publish(network: &str, plan: &str, request: Option<&str>, a: f64, b: f64) -> Publish {
    Publish {
        network_id: network.into(),
        plan_id: plan.into(),
        request_id: request.map(str::to_string),
        allocations: vec![allocation("a", a), allocation("b", b)],
        period_offset: 0,
    }
}

/// Every behaviour, against one store.
async fn suite(store: Arc<dyn Store>) {
    let doc = Arc::new(gearbox());
    // Versions count from 1; a stale expected version loses and changes nothing.
    let v1 = store
        .put_network("n", doc.clone(), NetworkChange::Put, "first", Some(0))
        .await
        .unwrap();
    assert_eq!(v1.version, 1);
    let lost = store
        .put_network("n", doc.clone(), NetworkChange::Put, "late", Some(0))
        .await
        .unwrap_err();
    assert!(matches!(lost, StoreError::Conflict(_)));
    let v2 = store
        .put_network(
            "n",
            doc.clone(),
            NetworkChange::UpdateOrders,
            "second",
            Some(1),
        )
        .await
        .unwrap();
    assert_eq!(v2.version, 2);
    assert_eq!(store.get_network("n", None).await.unwrap().version, 2);
    assert_eq!(
        store.get_network("n", Some(1)).await.unwrap().reason,
        "first"
    );
    assert!(matches!(
        store.get_network("n", Some(3)).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.get_network("other", None).await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(store.list_networks().await.unwrap().len(), 1);

    // Plans are never overwritten.
    let p = plan();
    store.put_plan(record("p1", "n", 2, &p)).await.unwrap();
    assert!(matches!(
        store.put_plan(record("p1", "n", 2, &p)).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.get_plan("p1").await.unwrap().network_version, 2);
    assert!(store.published_plan("n").await.unwrap().is_none());
    store.put_plan(record("p2", "n", 2, &p)).await.unwrap();

    // Publishing: a version for every supplier first, then for changed ones only.
    let mut watch_a = store.watch_allocations("n", "a").await.unwrap();
    assert_eq!(*watch_a.borrow_and_update(), 0);
    let first = store
        .publish(publish("n", "p1", Some("r1"), 10.0, 20.0))
        .await
        .unwrap();
    assert_eq!(first.publish_version, 1);
    assert_eq!(first.updated, vec![("a".into(), 1, 1), ("b".into(), 1, 1)]);
    tokio::time::timeout(Duration::from_secs(5), watch_a.changed())
        .await
        .expect("a publish wakes the watcher")
        .unwrap();
    assert_eq!(*watch_a.borrow_and_update(), 1);
    // A retry with the same request id is applied once.
    let retry = store
        .publish(publish("n", "p1", Some("r1"), 99.0, 99.0))
        .await
        .unwrap();
    assert_eq!(retry, first);
    assert_eq!(
        store.publish_receipt("n", "r1").await.unwrap(),
        Some(first.clone())
    );
    let second = store
        .publish(publish("n", "p2", Some("r2"), 10.0, 25.0))
        .await
        .unwrap();
    assert_eq!(second.publish_version, 2);
    assert_eq!(second.updated, vec![("b".into(), 2, 1)]);
    assert_eq!(second.unchanged, vec!["a".to_string()]);
    assert_eq!(
        store.published_plan("n").await.unwrap().unwrap().plan_id,
        "p2"
    );
    assert!(matches!(
        store.publish(publish("n", "ghost", None, 1.0, 1.0)).await,
        Err(StoreError::NotFound { .. })
    ));

    // The log: ordered versions with the full allocation and the delta.
    let log_b = store.allocation_log("n", "b", 0).await.unwrap();
    assert_eq!(log_b.iter().map(|v| v.version).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(log_b[1].allocation.entries[0].qty, 25.0);
    assert_eq!(log_b[1].changes.len(), 1);
    assert_eq!(log_b[1].changes[0].qty_before, 20.0);
    assert_eq!(log_b[1].changes[0].qty_after, 25.0);
    assert_eq!(store.allocation_log("n", "b", 1).await.unwrap().len(), 1);
    assert!(store.allocation_log("n", "b", 9).await.unwrap().is_empty());
    // One supplier's log never carries another's work.
    assert!(store
        .allocation_log("n", "a", 0)
        .await
        .unwrap()
        .iter()
        .all(|v| v.enterprise == "a" && v.allocation.enterprise == "a"));

    // Acknowledgements of existing versions only, kept in order.
    let ack = |version, accepted| Acknowledgement {
        enterprise: "b".into(),
        version,
        accepted,
        text: "t".into(),
        at: SystemTime::now(),
        limits: Vec::new(),
    };
    let (_, latest) = store.acknowledge("n", ack(1, true)).await.unwrap();
    assert_eq!(latest, 2);
    store.acknowledge("n", ack(2, false)).await.unwrap();
    assert!(matches!(
        store.acknowledge("n", ack(3, true)).await,
        Err(StoreError::NotFound { .. })
    ));
    let acks = store.acknowledgements("n", "b").await.unwrap();
    assert_eq!(
        acks.iter()
            .map(|a| (a.version, a.accepted))
            .collect::<Vec<_>>(),
        [(1, true), (2, false)]
    );

    // Scenarios: stored once, listed per network, deleted; their plans recorded.
    let scenario = |id: &str| ScenarioRecord {
        scenario_id: id.into(),
        name: format!("what if {id}"),
        network_id: "n".into(),
        base_version: 1,
        changes: vec![ScenarioChange::CarbonPrice { price: 80.0 }],
        created_at: SystemTime::now(),
        plan_id: None,
        base_plan_id: None,
    };
    store.put_scenario(scenario("s1")).await.unwrap();
    store.put_scenario(scenario("s2")).await.unwrap();
    assert!(matches!(
        store.put_scenario(scenario("s1")).await,
        Err(StoreError::Conflict(_))
    ));
    let listed = store.list_scenarios("n").await.unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|s| s.scenario_id.as_str())
            .collect::<Vec<_>>(),
        ["s1", "s2"]
    );
    store.set_scenario_plans("s1", "p2", "p1").await.unwrap();
    assert_eq!(
        store.get_scenario("s1").await.unwrap().plan_id.as_deref(),
        Some("p2")
    );
    assert!(matches!(
        store.set_scenario_plans("s1", "ghost", "p1").await,
        Err(StoreError::NotFound { kind: "plan", .. })
    ));
    store.delete_scenario("s2").await.unwrap();
    assert!(matches!(
        store.get_scenario("s2").await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(store.list_scenarios("n").await.unwrap().len(), 1);

    // The re-plan policy defaults to on request.
    assert_eq!(
        store.replan_policy("n").await.unwrap().mode,
        ReplanMode::OnRequest
    );
    let policy = ReplanPolicy {
        mode: ReplanMode::Automatic,
        freeze_until: 2,
        stability_penalty: 0.5,
        time_limit_seconds: Some(10.0),
    };
    store.set_replan_policy("n", policy.clone()).await.unwrap();
    assert_eq!(store.replan_policy("n").await.unwrap(), policy);
    assert!(matches!(
        store.set_replan_policy("nope", policy).await,
        Err(StoreError::NotFound {
            kind: "network",
            ..
        })
    ));
}

/// A report of `qty` units made on line "l" in period 0, for `version`.
fn report(id: &str, version: u64, qty: f64) -> ActualsReport {
    ActualsReport {
        request_id: id.into(),
        enterprise: Some("gearworks".into()),
        network_version: version,
        actuals: Actuals {
            production: vec![ActualProduction {
                line: "l".into(),
                item: "gear".into(),
                operation: None,
                period: 0,
                qty,
            }],
            ..Actuals::default()
        },
        at: SystemTime::now(),
        sequence: 0,
    }
}

fn roll_record(from_version: u64, request_id: Option<&str>) -> RollRecord {
    RollRecord {
        request_id: request_id.map(str::to_string),
        from_version,
        to_version: 0,
        period_offset: 0,
        at: SystemTime::now(),
        actuals: Actuals::default(),
        report: RollReport {
            periods: 1,
            ..RollReport::default()
        },
        plan_id: None,
        adherence: None,
    }
}

/// Two make entries of supplier "a", in periods 0 and 1.
fn two_periods(first: f64, second: f64) -> Allocation {
    let mut a = allocation("a", first);
    let mut later = a.entries[0].clone();
    later.period = 1;
    later.qty = second;
    a.entries.push(later);
    a
}

/// Actuals reports, rolls and counter-proposals: a retry stores nothing
/// more, a roll stores its version and record together or nothing, reports
/// of closed periods are refused, and a publish after a roll compares in
/// absolute periods.
async fn execution_suite(store: Arc<dyn Store>) {
    let doc = Arc::new(gearbox());
    store
        .put_network("x", doc.clone(), NetworkChange::Put, "first", Some(0))
        .await
        .unwrap();
    let first = store
        .report_actuals("x", report("r1", 1, 5.0))
        .await
        .unwrap();
    assert_eq!(first.sequence, 1);
    // A retry, even with other content, returns the first report.
    let retried = store
        .report_actuals("x", report("r1", 1, 9.0))
        .await
        .unwrap();
    assert_eq!(retried, first);
    let second = store
        .report_actuals("x", report("r2", 1, 6.0))
        .await
        .unwrap();
    assert_eq!(second.sequence, 2);
    assert!(matches!(
        store.report_actuals("x", report("r3", 2, 1.0)).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.report_actuals("nope", report("r9", 1, 1.0)).await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(
        store.open_actuals("x").await.unwrap(),
        vec![first.clone(), second.clone()]
    );

    // A roll stores the next version and its record together.
    let rolled = store
        .roll("x", doc.clone(), "week 1", roll_record(1, Some("w1")))
        .await
        .unwrap();
    assert_eq!(rolled.to_version, 2);
    let v2 = store.get_network("x", None).await.unwrap();
    assert_eq!((v2.version, v2.change), (2, NetworkChange::Roll));
    assert_eq!(v2.reason, "week 1");
    // A retry answers as the roll did and stores nothing.
    let retry = store
        .roll("x", doc.clone(), "week 1", roll_record(1, Some("w1")))
        .await
        .unwrap();
    assert_eq!(retry, rolled);
    // A roll of a version that is no longer the latest loses whole.
    assert!(matches!(
        store
            .roll("x", doc.clone(), "stale", roll_record(1, None))
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.get_network("x", None).await.unwrap().version, 2);
    assert_eq!(store.rolls("x").await.unwrap(), vec![rolled.clone()]);

    // The rolled reports are closed: not open any more, and no report may
    // count in the rolled version's periods; the next one opens anew.
    assert!(store.open_actuals("x").await.unwrap().is_empty());
    assert!(matches!(
        store.report_actuals("x", report("r4", 1, 1.0)).await,
        Err(StoreError::Conflict(_))
    ));
    let third = store
        .report_actuals("x", report("r4", 2, 7.0))
        .await
        .unwrap();
    assert_eq!(third.sequence, 3);
    assert_eq!(store.open_actuals("x").await.unwrap(), vec![third]);
    // A report retried after the roll still answers as first stored.
    assert_eq!(
        store
            .report_actuals("x", report("r1", 1, 5.0))
            .await
            .unwrap(),
        first
    );

    // A publish after the roll compares with the previous version moved
    // to its periods: the same work one period later is no change.
    let p = plan();
    store.put_plan(record("xp1", "x", 1, &p)).await.unwrap();
    store.put_plan(record("xp2", "x", 2, &p)).await.unwrap();
    store.put_plan(record("xp3", "x", 2, &p)).await.unwrap();
    let publish_a = |plan: &str, allocation: Allocation, period_offset| Publish {
        network_id: "x".into(),
        plan_id: plan.into(),
        request_id: None,
        allocations: vec![allocation],
        period_offset,
    };
    store
        .publish(publish_a("xp1", two_periods(10.0, 20.0), 0))
        .await
        .unwrap();
    let mut shifted = allocation("a", 20.0);
    shifted.entries[0].period = 0;
    let same = store.publish(publish_a("xp2", shifted, 1)).await.unwrap();
    assert_eq!(same.unchanged, vec!["a".to_string()]);
    let changed = store
        .publish(publish_a("xp3", allocation("a", 15.0), 1))
        .await
        .unwrap();
    assert_eq!(changed.updated, vec![("a".into(), 2, 1)]);
    let log = store.allocation_log("x", "a", 1).await.unwrap();
    assert_eq!(log[0].period_offset, 1);
    assert_eq!(
        (
            log[0].changes[0].period,
            log[0].changes[0].qty_before,
            log[0].changes[0].qty_after
        ),
        (0, 20.0, 15.0)
    );

    // A rejection keeps its counter-proposal.
    let limits = vec![SupplyLimit {
        kind: LimitKind::Make,
        item: "gear".into(),
        period: 2,
        qty: 4.5,
    }];
    store
        .acknowledge(
            "x",
            Acknowledgement {
                enterprise: "a".into(),
                version: 2,
                accepted: false,
                text: "short of steel".into(),
                at: SystemTime::now(),
                limits: limits.clone(),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        store.acknowledgements("x", "a").await.unwrap()[0].limits,
        limits
    );
}

/// Many writers on one version: exactly one wins.
async fn concurrent_writers(store: Arc<dyn Store>) {
    let doc = Arc::new(gearbox());
    store
        .put_network("race", doc.clone(), NetworkChange::Put, "base", None)
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..16 {
        let (store, doc) = (store.clone(), doc.clone());
        tasks.push(tokio::spawn(async move {
            store
                .put_network(
                    "race",
                    doc,
                    NetworkChange::UpdateOrders,
                    &format!("w{i}"),
                    Some(1),
                )
                .await
                .is_ok()
        }));
    }
    let mut wins = 0;
    for t in tasks {
        wins += usize::from(t.await.unwrap());
    }
    assert_eq!(wins, 1);
    assert_eq!(store.get_network("race", None).await.unwrap().version, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_store_passes_the_suite() {
    suite(Arc::new(MemoryStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_store_keeps_actuals_and_rolls() {
    execution_suite(Arc::new(MemoryStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_store_lets_one_of_many_writers_win() {
    concurrent_writers(Arc::new(MemoryStore::new())).await;
}

async fn connect(url: &str, prefix: &str) -> RedisStore {
    RedisStore::connect(url, prefix)
        .await
        .unwrap_or_else(|e| panic!("a Redis server at {url}: {e}"))
}

/// Runs `test` on a fresh Redis store and deletes its keys afterwards,
/// also when the test fails.
async fn with_redis<F, Fut>(test: F)
where
    F: FnOnce(RedisStore) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let store = connect(&redis_url(), &unique_prefix()).await;
    let outcome = tokio::spawn(test(store.clone())).await;
    store.delete_all_keys().await.unwrap();
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// Waits (bounded, so a lost wake-up fails instead of hanging) until a
/// watched version reaches `version`.
async fn reaches(watch: &mut watch::Receiver<u64>, version: u64) {
    tokio::time::timeout(Duration::from_secs(20), watch.wait_for(|v| *v >= version))
        .await
        .unwrap_or_else(|_| panic!("the watcher never saw version {version}"))
        .unwrap();
}

/// A network "n" with plans "p1" and "p2".
async fn network_with_plans(store: &dyn Store) {
    let doc = Arc::new(gearbox());
    store
        .put_network("n", doc, NetworkChange::Put, "first", None)
        .await
        .unwrap();
    let p = Plan::without_solution(chainplan::model::PlanStatus::Optimal);
    store.put_plan(record("p1", "n", 1, &p)).await.unwrap();
    store.put_plan(record("p2", "n", 1, &p)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_store_passes_the_suite() {
    with_redis(|store| suite(Arc::new(store))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_store_keeps_actuals_and_rolls() {
    with_redis(|store| execution_suite(Arc::new(store))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_store_lets_one_of_many_writers_win() {
    with_redis(|store| concurrent_writers(Arc::new(store))).await;
}

/// Two stores on one prefix are two replicas: what one publishes, the
/// other's watchers see and its log returns, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_sees_what_another_publishes() {
    with_redis(|one| async move {
        let other = connect(&redis_url(), one.prefix()).await;
        network_with_plans(&one).await;
        let mut watch_a = other.watch_allocations("n", "a").await.unwrap();
        assert_eq!(*watch_a.borrow_and_update(), 0);

        one.publish(publish("n", "p1", None, 10.0, 20.0))
            .await
            .unwrap();
        reaches(&mut watch_a, 1).await;
        one.publish(publish("n", "p2", None, 15.0, 20.0))
            .await
            .unwrap();
        reaches(&mut watch_a, 2).await;

        let log = other.allocation_log("n", "a", 0).await.unwrap();
        assert_eq!(
            log.iter()
                .map(|v| (v.version, v.publish_version, v.plan_id.as_str()))
                .collect::<Vec<_>>(),
            [(1, 1, "p1"), (2, 2, "p2")]
        );
        assert_eq!(log[1].allocation.entries[0].qty, 15.0);
        assert_eq!(other.allocation_log("n", "b", 1).await.unwrap(), []);
        assert_eq!(
            other.published_plan("n").await.unwrap().unwrap().plan_id,
            "p2"
        );
        // A watcher that starts late starts from the log.
        let late = other.watch_allocations("n", "b").await.unwrap();
        assert_eq!(*late.borrow(), 1);
        // And the other way round: an acknowledgement through one replica.
        other
            .acknowledge(
                "n",
                Acknowledgement {
                    enterprise: "a".into(),
                    version: 2,
                    accepted: true,
                    text: "ok".into(),
                    at: SystemTime::now(),
                    limits: Vec::new(),
                },
            )
            .await
            .unwrap();
        assert_eq!(one.acknowledgements("n", "a").await.unwrap().len(), 1);
    })
    .await;
}

/// A publish retried through another replica, after or during the first
/// attempt, is applied once and answered with the first receipt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publish_retried_through_another_replica_is_applied_once() {
    with_redis(|one| async move {
        let other = connect(&redis_url(), one.prefix()).await;
        network_with_plans(&one).await;

        let first = one
            .publish(publish("n", "p1", Some("r1"), 10.0, 20.0))
            .await
            .unwrap();
        let retry = other
            .publish(publish("n", "p1", Some("r1"), 99.0, 99.0))
            .await
            .unwrap();
        assert_eq!(retry, first);
        assert_eq!(other.publish_receipt("n", "r1").await.unwrap(), Some(first));

        // Both replicas at once with one request id: one publish happens.
        let (x, y) = tokio::join!(
            one.publish(publish("n", "p2", Some("r2"), 11.0, 21.0)),
            other.publish(publish("n", "p2", Some("r2"), 12.0, 22.0)),
        );
        let (x, y) = (x.unwrap(), y.unwrap());
        assert_eq!(x, y);
        assert_eq!(x.publish_version, 2);
        for supplier in ["a", "b"] {
            let log = one.allocation_log("n", supplier, 0).await.unwrap();
            assert_eq!(log.len(), 2, "{supplier}: {log:?}");
        }
        let summary = one.list_networks().await.unwrap();
        assert_eq!(summary[0].publish_version, 2);
    })
    .await;
}

/// Different publishes racing on one network: each applies whole, the
/// versions count up with no gap, and a loser is told to retry rather
/// than half applied.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_publishes_each_apply_whole() {
    with_redis(|one| async move {
        let other = connect(&redis_url(), one.prefix()).await;
        network_with_plans(&one).await;
        let mut tasks = Vec::new();
        for i in 0..8 {
            let store = if i % 2 == 0 {
                one.clone()
            } else {
                other.clone()
            };
            tasks.push(tokio::spawn(async move {
                store
                    .publish(publish("n", "p1", None, f64::from(i), f64::from(i)))
                    .await
            }));
        }
        let mut applied = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => applied += 1,
                Err(StoreError::Conflict(_)) => {}
                Err(e) => panic!("{e}"),
            }
        }
        assert!(applied >= 1);
        let summary = one.list_networks().await.unwrap();
        assert_eq!(summary[0].publish_version, applied);
        for supplier in ["a", "b"] {
            let log = one.allocation_log("n", supplier, 0).await.unwrap();
            let versions: Vec<u64> = log.iter().map(|v| v.version).collect();
            assert_eq!(versions, (1..=log.len() as u64).collect::<Vec<_>>());
            assert_eq!(
                log.iter().map(|v| v.publish_version).collect::<Vec<_>>(),
                (1..=applied).collect::<Vec<_>>()
            );
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_solved_plan_round_trips_exactly() {
    with_redis(|store| async move {
        let doc = Arc::new(gearbox());
        store
            .put_network("n", doc.clone(), NetworkChange::Put, "first", None)
            .await
            .unwrap();
        assert_eq!(*store.get_network("n", None).await.unwrap().document, *doc);
        let solved = plan();
        let mut written = record("p1", "n", 1, &solved);
        written.base_plan_id = Some("p0".into());
        store.put_plan(written.clone()).await.unwrap();
        let read = store.get_plan("p1").await.unwrap();
        assert_eq!(*read.plan, solved);
        assert_eq!(read.created_at, written.created_at);
        assert_eq!(read.origin, written.origin);
        assert_eq!(read.base_plan_id, written.base_plan_id);
        assert_eq!(read.network_version, 1);
    })
    .await;
}

#[tokio::test]
async fn an_unreachable_redis_is_unavailable() {
    // Bounded only to turn a hang into a failure.
    let refused = tokio::time::timeout(
        Duration::from_secs(60),
        RedisStore::connect("redis://127.0.0.1:1", "chainplan-test-unreachable"),
    )
    .await
    .expect("connecting gives up instead of hanging");
    assert!(matches!(refused, Err(StoreError::Unavailable(_))));
    assert!(matches!(
        RedisStore::connect("http://127.0.0.1:6379", "p").await,
        Err(StoreError::Unavailable(_))
    ));
}

/// A private `redis-server` (see `common::processes::redis_server`) that
/// can be killed and started again on the same port and AOF directory.
struct PrivateRedis {
    server: Proc,
    port: u16,
    dir: tempfile::TempDir,
}

impl PrivateRedis {
    fn start() -> PrivateRedis {
        let port = free_port();
        let dir = tempfile::tempdir().unwrap();
        let server = redis_server(port, dir.path());
        PrivateRedis { server, port, dir }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills the server at once, as a crash would.
    fn kill(&mut self) {
        self.server.kill();
    }

    fn restart(&mut self) {
        self.server = redis_server(self.port, self.dir.path());
    }
}

/// A Redis that goes away: calls fail with `Unavailable` instead of
/// hanging, and once it is back a watcher on another replica still learns
/// of a version published while its subscription was down (the watcher's
/// task re-reads the logs after it resubscribes).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watchers_catch_up_after_redis_comes_back() {
    let mut redis = PrivateRedis::start();
    let prefix = unique_prefix();
    let watcher = connect(&redis.url(), &prefix).await;
    let publisher = connect(&redis.url(), &prefix).await;
    network_with_plans(&publisher).await;
    let mut watch_a = watcher.watch_allocations("n", "a").await.unwrap();
    assert_eq!(*watch_a.borrow_and_update(), 0);

    redis.kill();
    let down = tokio::time::timeout(Duration::from_secs(60), publisher.get_network("n", None))
        .await
        .expect("a call on a dead Redis gives up instead of hanging");
    assert!(matches!(down, Err(StoreError::Unavailable(_))), "{down:?}");
    // Let the watcher's subscription fail a few times, so that it is still
    // waiting to reconnect when the publish below lands.
    tokio::time::sleep(Duration::from_millis(800)).await;
    redis.restart();

    let mut published = None;
    for _ in 0..100 {
        match publisher
            .publish(publish("n", "p1", Some("r1"), 10.0, 20.0))
            .await
        {
            Ok(receipt) => {
                published = Some(receipt);
                break;
            }
            Err(StoreError::Unavailable(_)) => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(published.expect("Redis came back").publish_version, 1);
    reaches(&mut watch_a, 1).await;
    assert_eq!(watcher.allocation_log("n", "a", 0).await.unwrap().len(), 1);
}

/// The notification task holds a subscription for as long as any clone of
/// the store lives, and lets go of it when the last one is dropped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_notification_task_ends_with_the_last_clone() {
    let prefix = unique_prefix();
    let store = connect(&redis_url(), &prefix).await;
    let mut conn = store
        .client()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    // The channel is part of the stored layout (src/store/redis/keys.rs).
    let channel = format!("{prefix}:alloc");
    let mut subscribers = async move |wanted: u64| {
        for _ in 0..400 {
            let counts: Vec<(String, u64)> = redis::cmd("PUBSUB")
                .arg("NUMSUB")
                .arg(&channel)
                .query_async(&mut conn)
                .await
                .unwrap();
            if counts[0].1 == wanted {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{channel} never had {wanted} subscribers");
    };
    subscribers(1).await;
    let clone = store.clone();
    drop(store);
    clone.list_networks().await.unwrap();
    subscribers(1).await;
    drop(clone);
    subscribers(0).await;
}

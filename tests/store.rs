//! The store suite: what every `Store` must do, run against each store
//! (the embedded memory store here; the Redis store joins the same suite).
//! Atomic conditional writes, versioning, the allocation log with its
//! wake-ups, idempotent publishes and acknowledgements.

use chainplan::model::scenario::ScenarioChange;
use chainplan::model::{
    parse_network, Allocation, AllocationEntry, AllocationKind, NetworkDoc, Plan,
};
use chainplan::planning::{solve, SolveOptions};
use chainplan::store::{
    Acknowledgement, MemoryStore, NetworkChange, PlanOrigin, PlanRecord, Publish, ReplanMode,
    ReplanPolicy, ScenarioRecord, Store, StoreError,
};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

fn gearbox() -> NetworkDoc {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/gearbox.json");
    parse_network(&std::fs::read_to_string(path).unwrap())
        .unwrap()
        .0
}

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
    assert!(store.set_scenario_plans("s1", "ghost", "p1").await.is_err());
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
    assert!(store.set_replan_policy("nope", policy).await.is_err());
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
async fn memory_store_lets_one_of_many_writers_win() {
    concurrent_writers(Arc::new(MemoryStore::new())).await;
}

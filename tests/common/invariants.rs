//! What must hold of a store after any call, checked by the hostile suite
//! after every call and by every test server when it stops.

use chainplan::model::{NetworkDoc, Role};
use chainplan::store::Store;
use std::collections::BTreeSet;

/// The supplier enterprises of a document.
pub fn suppliers(doc: &NetworkDoc) -> Vec<String> {
    doc.enterprises
        .iter()
        .filter(|e| e.role == Role::Supplier)
        .map(|e| e.id.clone())
        .collect()
}

/// What must hold of the store after any call: the latest version is
/// readable; the committed plan exists, belongs to the network and its
/// version is kept; every supplier log counts 1, 2, ... with no gap; every
/// acknowledgement answers a version of the log, at most one per version;
/// every scenario's base version and plans exist.
pub async fn invariants(store: &dyn Store) {
    for summary in store.list_networks().await.unwrap() {
        let id = summary.latest.network_id.clone();
        let latest = store.get_network(&id, None).await.unwrap();
        assert_eq!(latest.version, summary.latest.version);
        if let Some(plan_id) = &summary.published_plan_id {
            let plan = store.get_plan(plan_id).await.expect("committed plan");
            assert_eq!(plan.network_id, id);
            assert!(plan.network_version <= latest.version);
            store
                .get_network(&id, Some(plan.network_version))
                .await
                .expect("the committed plan's version is kept");
            assert!(plan.plan.status.has_solution());
        }
        // Rolls chain one version to the next, and count the periods.
        let mut offset = 0;
        let mut last_to = 0;
        for roll in store.rolls(&id).await.unwrap() {
            assert_eq!(roll.to_version, roll.from_version + 1);
            assert!(roll.to_version > last_to && roll.to_version <= latest.version);
            assert_eq!(roll.period_offset, offset, "a roll's offset");
            offset += u64::from(roll.report.periods);
            last_to = roll.to_version;
        }
        for e in suppliers(&latest.document) {
            let log = store.allocation_log(&id, &e, 0).await.unwrap();
            assert!(
                log.windows(2)
                    .all(|w| w[0].period_offset <= w[1].period_offset),
                "the log of {e} goes back in time"
            );
            for (i, v) in log.iter().enumerate() {
                assert_eq!(v.version, i as u64 + 1, "log of {e} has a gap");
                assert!(v.publish_version <= summary.publish_version);
            }
            let answers = store.acknowledgements(&id, &e).await.unwrap();
            let mut seen = BTreeSet::new();
            for a in &answers {
                assert!(a.version >= 1 && a.version <= log.len() as u64);
                assert!(seen.insert(a.version), "two answers to {e}@{}", a.version);
                assert!(a.text.len() <= 4096);
            }
        }
        for s in store.list_scenarios(&id).await.unwrap() {
            store
                .get_network(&id, Some(s.base_version))
                .await
                .expect("a scenario's base version is kept");
            for plan in s.plan_id.iter().chain(&s.base_plan_id) {
                store
                    .get_plan(plan)
                    .await
                    .expect("a scenario's plan is kept");
            }
        }
    }
}

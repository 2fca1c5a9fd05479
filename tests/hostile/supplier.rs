//! Hostile and careless calls to `SupplierService`: acting for another
//! supplier, probing what exists, bad versions and texts, replays, floods
//! of streams. A supplier must learn nothing beyond its own enterprise.

use crate::common::NET;
use crate::harness::*;
use crate::requests::*;
use chainplan::server::pb;
use chainplan::store::Store;
use tokio_stream::StreamExt;
use tonic::Code;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supplier_acts_for_itself_only_and_learns_nothing_of_others() {
    let h = Hostile::published().await;
    let mut ack = accept(1, "ok");
    ack.enterprise = ROLLTEC.into();
    let denied = h
        .refused(Code::PermissionDenied, None, h.gearworks().acknowledge(ack))
        .await;
    // The same answer for a supplier that does not exist.
    let mut ack = accept(1, "ok");
    ack.enterprise = "no-such-enterprise".into();
    let ghost = h
        .refused(Code::PermissionDenied, None, h.gearworks().acknowledge(ack))
        .await;
    assert_eq!(denied.message(), ghost.message());
    assert!(!denied.message().contains(ROLLTEC));
    let mut w = watch(0);
    w.enterprise = ROLLTEC.into();
    let status = h.gearworks().watch_allocations(w).await.err().unwrap();
    assert_eq!(status.code(), Code::PermissionDenied);
    // Another supplier's line, and a line that does not exist: one answer.
    let other = h
        .refused(
            Code::PermissionDenied,
            None,
            h.gearworks()
                .report_capacity(report(ROLLTEC_LINE, 1, 1.0, "probe")),
        )
        .await;
    let none = h
        .refused(
            Code::PermissionDenied,
            None,
            h.gearworks()
                .report_capacity(report("no-such-line", 1, 1.0, "probe")),
        )
        .await;
    assert_eq!(other.message(), none.message());
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_erp_and_planners_may_watch_but_not_answer_for_a_supplier() {
    let h = Hostile::published().await;
    for token in [ERP, PLANNER] {
        let mut ack = accept(1, "ok");
        ack.enterprise = GEARWORKS.into();
        h.refused(Code::PermissionDenied, None, h.sup(token).acknowledge(ack))
            .await;
        let mut r = report(GEARWORKS_LINE, 1, 1.0, "x");
        r.enterprise = GEARWORKS.into();
        h.refused(
            Code::PermissionDenied,
            None,
            h.sup(token).report_capacity(r),
        )
        .await;
        // Watching needs the enterprise named ...
        let status = h
            .sup(token)
            .watch_allocations(watch(0))
            .await
            .err()
            .unwrap();
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(first_field(&status), "enterprise");
        // ... and a supplier of the network: they may know what exists.
        let mut w = watch(0);
        w.enterprise = "no-such-enterprise".into();
        let status = h.sup(token).watch_allocations(w).await.err().unwrap();
        assert_eq!(status.code(), Code::NotFound);
        let mut w = watch(0);
        w.enterprise = "e".repeat(1000);
        let status = h.sup(token).watch_allocations(w).await.err().unwrap();
        assert_eq!(first_field(&status), "enterprise");
        let mut w = watch(0);
        w.enterprise = GEARWORKS.into();
        let mut stream = h
            .sup(token)
            .watch_allocations(w)
            .await
            .unwrap()
            .into_inner();
        let first = stream.next().await.unwrap().unwrap();
        assert_eq!(first.update.unwrap().version, 1);
    }
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledgements_need_a_version_a_decision_and_a_reason() {
    let h = Hostile::published().await;
    h.refused(
        Code::InvalidArgument,
        Some("version"),
        h.gearworks().acknowledge(accept(0, "ok")),
    )
    .await;
    for version in [2, 99, u64::MAX] {
        h.refused(
            Code::NotFound,
            None,
            h.gearworks().acknowledge(accept(version, "ok")),
        )
        .await;
    }
    let mut none = accept(1, "ok");
    none.decision = None;
    h.refused(
        Code::InvalidArgument,
        Some("decision"),
        h.gearworks().acknowledge(none),
    )
    .await;
    for reason in ["", "  \t"] {
        h.refused(
            Code::InvalidArgument,
            Some("reject.reason"),
            h.gearworks().acknowledge(reject(1, reason)),
        )
        .await;
    }
    let mut bad_network = accept(1, "ok");
    bad_network.network_id = "has space".into();
    h.refused(
        Code::InvalidArgument,
        Some("network_id"),
        h.gearworks().acknowledge(bad_network),
    )
    .await;
    // A rejection first, then an acceptance: the rejection stands.
    h.accepted(h.gearworks().acknowledge(reject(1, "no furnace")))
        .await;
    h.refused(
        Code::FailedPrecondition,
        None,
        h.gearworks().acknowledge(accept(1, "ok")),
    )
    .await;
    let again = h
        .accepted(h.gearworks().acknowledge(reject(1, "another reason")))
        .await;
    assert!(again.current);
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn capacity_reports_check_their_fields() {
    let h = Hostile::published().await;
    let cases: Vec<(&str, pb::ReportCapacityRequest)> = vec![
        ("periods", {
            let mut r = report(GEARWORKS_LINE, 1, 1.0, "x");
            r.periods = None;
            r
        }),
        ("periods.range", {
            let mut r = report(GEARWORKS_LINE, 1, 1.0, "x");
            r.periods = range(4, 1);
            r
        }),
        ("periods", {
            let mut r = report(GEARWORKS_LINE, 1, 1.0, "x");
            r.periods = list(vec![]);
            r
        }),
        ("periods", {
            let mut r = report(GEARWORKS_LINE, 1, 1.0, "x");
            r.periods = list(vec![u32::MAX]);
            r
        }),
        (
            "capacity",
            report(GEARWORKS_LINE, 1, f64::NEG_INFINITY, "x"),
        ),
        ("line", report("", 1, 1.0, "x")),
        ("line", report(&"l".repeat(300), 1, 1.0, "x")),
    ];
    for (field, request) in cases {
        h.refused(
            Code::InvalidArgument,
            Some(field),
            h.gearworks().report_capacity(request),
        )
        .await;
    }
    // A report is stored with its reason, and the supplier named.
    let stored = h
        .accepted(
            h.gearworks()
                .report_capacity(report(GEARWORKS_LINE, 2, 0.0, "furnace down")),
        )
        .await;
    assert_eq!(stored.network_version, 2);
    assert!(stored.replan.is_none());
    let version = h.store.get_network(NET, None).await.unwrap();
    assert!(version.reason.contains("gearworks") && version.reason.contains("furnace down"));
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_streams_is_served_and_every_one_hears_the_next_version() {
    let h = Hostile::published().await;
    let mut streams = Vec::new();
    for _ in 0..50 {
        let mut s = h
            .gearworks()
            .watch_allocations(watch(0))
            .await
            .unwrap()
            .into_inner();
        let first = s.next().await.unwrap().unwrap();
        assert_eq!(first.update.unwrap().version, 1);
        streams.push(s);
    }
    h.healthy().await;
    // Dropping half of them leaves the rest working.
    streams.truncate(25);
    h.accepted(h.net(ERP).update_orders(add_demand(pb::Demand {
        qty: 400.0,
        ..demand("big-order")
    })))
    .await;
    let plan_id = h.solve_latest().await;
    let receipt = h
        .accepted(h.plan(ERP).publish_plan(pb::PublishPlanRequest {
            plan_id,
            request_id: "second".into(),
        }))
        .await;
    if receipt
        .updated_suppliers
        .iter()
        .any(|s| s.enterprise == GEARWORKS)
    {
        for s in &mut streams {
            let next = s.next().await.unwrap().unwrap();
            assert_eq!(next.update.unwrap().version, 2);
        }
    }
    h.stop().await;
}

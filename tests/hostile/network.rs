//! Hostile and careless calls to `NetworkService`: bad documents, ids and
//! numbers, stale versions, wrong roles, and edits that cannot apply.

use crate::common::{pb_doc, NET};
use crate::harness::*;
use crate::requests::*;
use chainplan::model::{NetworkDoc, PerPeriod};
use chainplan::server::pb;
use tonic::Code;

fn put(network_id: &str, doc: &NetworkDoc) -> pb::PutNetworkRequest {
    pb::PutNetworkRequest {
        network_id: network_id.into(),
        document: Some(pb_doc(doc)),
        expected_version: 0,
    }
}

/// A document broken in one place, and the field the refusal names.
fn broken_documents(base: &NetworkDoc) -> Vec<(&'static str, NetworkDoc)> {
    let mut cases = Vec::new();
    let mut case = |field: &'static str, edit: &dyn Fn(&mut NetworkDoc)| {
        let mut doc = base.clone();
        edit(&mut doc);
        cases.push((field, doc));
    };
    case("document.demands[0].qty", &|d| d.demands[0].qty = f64::NAN);
    case("document.demands[0].qty", &|d| {
        d.demands[0].qty = f64::INFINITY
    });
    case("document.demands[0].qty", &|d| d.demands[0].qty = -1.0);
    case("document.demands[0].qty", &|d| d.demands[0].qty = 1e300);
    case("document.demands[0].period", &|d| d.demands[0].period = 12);
    case("document.demands[0].period", &|d| {
        d.demands[0].period = u32::MAX
    });
    case("document.demands[0].site", &|d| {
        d.demands[0].site = "nowhere".into()
    });
    case("document.demands[0].item", &|d| {
        d.demands[0].item = String::new()
    });
    case("document.lines[0].capacity", &|d| {
        d.lines[0].capacity = PerPeriod::Scalar(f64::NEG_INFINITY)
    });
    case("document.lines[0].capacity", &|d| {
        d.lines[0].capacity = PerPeriod::Series(vec![1.0; 3])
    });
    case("document.lanes[0].to", &|d| {
        d.lanes[0].to = "x".repeat(10_000)
    });
    case("document.lanes[0].to", &|d| {
        d.lanes[0].to = d.lanes[0].from.clone()
    });
    case("document.horizon.periods", &|d| d.horizon.periods = 0);
    case("document.horizon.periods", &|d| {
        d.horizon.periods = u32::MAX
    });
    case("document.horizon.start", &|d| {
        d.horizon.start = Some("2025-13-45".into())
    });
    case("document.sites[0].enterprise", &|d| {
        d.sites[0].enterprise = "ghost".into()
    });
    case("document.policy.late_penalty", &|d| {
        d.policy.late_penalty = f64::NAN
    });
    case("document.items[1].id", &|d| {
        d.items[1].id = d.items[0].id.clone()
    });
    cases
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_documents_are_refused_whole_at_their_field() {
    let h = Hostile::published().await;
    for (field, doc) in broken_documents(&h.doc) {
        eprintln!("case {field}");
        let status = h
            .refused(
                Code::InvalidArgument,
                None,
                h.net(ERP).put_network(put(NET, &doc)),
            )
            .await;
        assert_eq!(first_field(&status), field, "{}", status.message());
    }
    h.refused(
        Code::InvalidArgument,
        Some("document"),
        h.net(ERP).put_network(pb::PutNetworkRequest {
            network_id: NET.into(),
            document: None,
            expected_version: 0,
        }),
    )
    .await;
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_network_ids_are_refused_on_every_call() {
    let h = Hostile::published().await;
    let doc = h.doc.clone();
    for id in ["", "has space", "tab\there", "new\nline", &"n".repeat(201)] {
        h.refused(
            Code::InvalidArgument,
            Some("network_id"),
            h.net(ERP).put_network(put(id, &doc)),
        )
        .await;
        h.refused(
            Code::InvalidArgument,
            Some("network_id"),
            h.net(ERP).get_network(pb::GetNetworkRequest {
                network_id: id.into(),
                version: 0,
            }),
        )
        .await;
        let mut orders = add_demand(demand("x"));
        orders.network_id = id.into();
        h.refused(
            Code::InvalidArgument,
            Some("network_id"),
            h.net(ERP).update_orders(orders),
        )
        .await;
    }
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_of_what_does_not_exist_are_not_found() {
    let h = Hostile::published().await;
    for (network_id, version) in [("no-such", 0), (NET, 2), (NET, u64::MAX)] {
        h.refused(
            Code::NotFound,
            None,
            h.net(ERP).get_network(pb::GetNetworkRequest {
                network_id: network_id.into(),
                version,
            }),
        )
        .await;
    }
    let mut orders = add_demand(demand("x"));
    orders.network_id = "no-such".into();
    h.refused(Code::NotFound, None, h.net(ERP).update_orders(orders))
        .await;
    h.refused(
        Code::InvalidArgument,
        Some("page_token"),
        h.net(ERP).list_networks(pb::ListNetworksRequest {
            page_size: 1,
            page_token: "t".repeat(5000),
        }),
    )
    .await;
    // Any page size is served, bounded by the server.
    let listed = h
        .accepted(h.net(ERP).list_networks(pb::ListNetworksRequest {
            page_size: u32::MAX,
            page_token: String::new(),
        }))
        .await;
    assert_eq!(listed.networks.len(), 1);
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_writes_are_aborted() {
    let h = Hostile::published().await;
    let mut request = put(NET, &h.doc.clone());
    request.expected_version = 7;
    h.refused(Code::Aborted, None, h.net(ERP).put_network(request))
        .await;
    let mut orders = add_demand(demand("x"));
    orders.expected_version = 2;
    h.refused(Code::Aborted, None, h.net(ERP).update_orders(orders))
        .await;
    let mut capacity = update_capacity(vec![set_capacity(GEARWORKS_LINE, range(1, 1), 3.0)]);
    capacity.expected_version = u64::MAX;
    h.refused(Code::Aborted, None, h.net(ERP).update_capacity(capacity))
        .await;
    // The current version is accepted.
    let mut orders = add_demand(demand("x"));
    orders.expected_version = 1;
    h.accepted(h.net(ERP).update_orders(orders)).await;
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_and_tokens_are_enforced() {
    let h = Hostile::published().await;
    let doc = h.doc.clone();
    let gearworks = supplier_token(GEARWORKS);
    for token in [PLANNER, PROMOTER, gearworks.as_str()] {
        h.refused(
            Code::PermissionDenied,
            None,
            h.net(token).put_network(put(NET, &doc)),
        )
        .await;
        h.refused(
            Code::PermissionDenied,
            None,
            h.net(token).update_orders(add_demand(demand("x"))),
        )
        .await;
    }
    h.refused(
        Code::PermissionDenied,
        None,
        h.net(&gearworks).get_network(pb::GetNetworkRequest {
            network_id: NET.into(),
            version: 0,
        }),
    )
    .await;
    h.refused(
        Code::PermissionDenied,
        None,
        h.net(&gearworks).list_networks(pb::ListNetworksRequest {
            page_size: 0,
            page_token: String::new(),
        }),
    )
    .await;
    h.refused(
        Code::PermissionDenied,
        None,
        h.net(&gearworks)
            .update_capacity(update_capacity(vec![set_capacity(
                GEARWORKS_LINE,
                range(1, 1),
                3.0,
            )])),
    )
    .await;
    for token in ["", "wrong", "Bearer", &"t".repeat(4000)] {
        h.refused(
            Code::Unauthenticated,
            None,
            h.net(token).list_networks(pb::ListNetworksRequest {
                page_size: 0,
                page_token: String::new(),
            }),
        )
        .await;
    }
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_changes_that_cannot_apply_change_nothing() {
    let h = Hostile::published().await;
    let existing = h.doc.demands[0].id.clone();
    let mut nan = demand("n");
    nan.late_penalty = Some(f64::NAN);
    let mut negative_receipt = pb::Receipt {
        site: "gearco-assembly".into(),
        item: "gear".into(),
        period: 1,
        qty: -5.0,
    };
    let cases: Vec<(&str, pb::UpdateOrdersRequest)> = vec![
        ("changes", update_orders(vec![])),
        (
            "changes[0]",
            update_orders(vec![pb::OrderChange { change: None }]),
        ),
        ("changes[0].add_demand.id", add_demand(demand(&existing))),
        ("changes[0].add_demand.late_penalty", add_demand(nan)),
        (
            "changes[0].add_receipt.qty",
            update_orders(vec![order(pb::order_change::Change::AddReceipt(
                negative_receipt.clone(),
            ))]),
        ),
        ("changes[0].add_receipt.period", {
            negative_receipt.qty = 1.0;
            negative_receipt.period = 12;
            update_orders(vec![order(pb::order_change::Change::AddReceipt(
                negative_receipt,
            ))])
        }),
        (
            "changes[1].add_demand.id",
            update_orders(vec![
                order(pb::order_change::Change::AddDemand(demand("twice"))),
                order(pb::order_change::Change::AddDemand(demand("twice"))),
            ]),
        ),
    ];
    for (field, request) in cases {
        h.refused(
            Code::InvalidArgument,
            Some(field),
            h.net(ERP).update_orders(request),
        )
        .await;
    }
    // An unknown demand beside an invalid change: every problem, as INVALID_ARGUMENT.
    let status = h
        .refused(
            Code::InvalidArgument,
            Some("changes[0].cancel_demand"),
            h.net(ERP).update_orders(update_orders(vec![
                order(pb::order_change::Change::CancelDemand("ghost".into())),
                order(pb::order_change::Change::AddDemand(demand(&existing))),
            ])),
        )
        .await;
    assert!(status.message().contains("changes[1].add_demand.id"));
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn capacity_changes_that_cannot_apply_change_nothing() {
    let h = Hostile::published().await;
    let line = GEARWORKS_LINE;
    let downtime = |action: i32| pb::CapacityChange {
        line: line.into(),
        periods: range(1, 2),
        change: Some(pb::capacity_change::Change::Downtime(action)),
    };
    let cases: Vec<(&str, pb::CapacityChange)> = vec![
        (
            "changes[0].capacity",
            set_capacity(line, range(1, 2), f64::NAN),
        ),
        ("changes[0].capacity", set_capacity(line, range(1, 2), -0.5)),
        ("changes[0].capacity", set_capacity(line, range(1, 2), 1e13)),
        (
            "changes[0].periods.range",
            set_capacity(line, range(5, 2), 1.0),
        ),
        (
            "changes[0].periods.range",
            set_capacity(line, range(0, u32::MAX), 1.0),
        ),
        ("changes[0].periods", set_capacity(line, range(11, 12), 1.0)),
        ("changes[0].periods", set_capacity(line, list(vec![]), 1.0)),
        (
            "changes[0].periods",
            set_capacity(line, list(vec![1, u32::MAX]), 1.0),
        ),
        ("changes[0].periods", set_capacity(line, None, 1.0)),
        ("changes[0].downtime", downtime(0)),
        ("changes[0].downtime", downtime(99)),
        (
            "changes[0]",
            pb::CapacityChange {
                line: line.into(),
                periods: range(1, 2),
                change: None,
            },
        ),
    ];
    for (field, change) in cases {
        h.refused(
            Code::InvalidArgument,
            Some(field),
            h.net(ERP).update_capacity(update_capacity(vec![change])),
        )
        .await;
    }
    h.refused(
        Code::InvalidArgument,
        Some("changes"),
        h.net(ERP).update_capacity(update_capacity(vec![])),
    )
    .await;
    // A planner may change capacity; the version records its reason.
    let changed = h
        .accepted(
            h.net(PLANNER)
                .update_capacity(update_capacity(vec![set_capacity(
                    line,
                    list(vec![3, 1, 3]),
                    2.0,
                )])),
        )
        .await;
    assert_eq!(changed.network.unwrap().version, 2);
    h.stop().await;
}

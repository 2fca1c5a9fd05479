//! The execution loop through the service, over gRPC: each week the chain
//! plans (a re-plan against the committed plan after the first), publishes,
//! the suppliers answer (one now and then with a counter-proposal), report
//! their own actuals while the ERP reports the rest, and the ERP rolls the
//! horizon. Twelve weeks of the demo lose no allocation version, answer or
//! report; every plan passes the independent checker; no plan exceeds the
//! counter-proposal it was held to. Then what a supplier may report and
//! read, and the refusals of bad reports and rolls.

mod common;

use chainplan::model::actuals::{ActualProduction, Actuals, StockCount};
use chainplan::model::commitment::{excesses, CounterProposal};
use chainplan::model::NetworkDoc;
use chainplan::planning::simulate::{draw_week, SimulationSpec};
use chainplan::server::auth::{Role, Tokens};
use chainplan::server::convert::execution::{actuals_to_pb, counter_proposal_to_pb};
use chainplan::server::pb;
use chainplan::server::pb::execution_service_client::ExecutionServiceClient;
use chainplan::server::ServerConfig;
use chainplan::store::{MemoryStore, Store};
use common::checker::{check, sub_listing_noise};
use common::{bearer, clients, gearbox, put, Auth, TestServer, NET};
use std::collections::BTreeMap;
use std::sync::Arc;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;
use tonic::Code;

type Exec = ExecutionServiceClient<InterceptedService<Channel, Auth>>;

const SUPPLIERS: [&str; 6] = [
    "nordstahl",
    "silesia-steel",
    "schmiede-steyr",
    "fonderia",
    "gearworks",
    "rolltec",
];

fn tokens() -> Tokens {
    let mut pairs = vec![
        ("erp-token".to_string(), Role::Erp),
        (
            "planner-token".to_string(),
            Role::Planner { promote: false },
        ),
    ];
    for s in SUPPLIERS {
        pairs.push((
            format!("{s}-token"),
            Role::Supplier {
                enterprise: s.into(),
            },
        ));
    }
    Tokens::from_pairs(pairs)
}

async fn exec(server: &TestServer, token: &str) -> Exec {
    ExecutionServiceClient::with_interceptor(server.channel().await, bearer(token))
}

fn report(enterprise: &str, request_id: &str, actuals: &Actuals) -> pb::ReportActualsRequest {
    pb::ReportActualsRequest {
        network_id: NET.into(),
        enterprise: enterprise.into(),
        request_id: request_id.into(),
        network_version: 0,
        actuals: Some(actuals_to_pb(actuals)),
    }
}

fn roll(periods: u32, request_id: &str) -> pb::RollHorizonRequest {
    pb::RollHorizonRequest {
        network_id: NET.into(),
        network_version: 0,
        periods,
        extensions: Vec::new(),
        request_id: request_id.into(),
    }
}

/// A counter-proposal's limits moved `period_shift` periods later.
fn counter_proposal(p: &CounterProposal, period_shift: u32) -> Vec<pb::SupplyLimit> {
    let mut limits = counter_proposal_to_pb(p).limits;
    for l in &mut limits {
        l.period += period_shift;
    }
    limits
}

async fn latest(store: &dyn Store) -> (u64, Arc<NetworkDoc>) {
    let v = store.get_network(NET, None).await.unwrap();
    (v.version, v.document)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twelve_service_weeks_lose_nothing_and_keep_every_counter_proposal() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let mut config = ServerConfig::new(store.clone());
    config.tokens = Some(tokens());
    config.solve_workers = 1;
    config.solve_queue = 4;
    let server = TestServer::start_config(config).await;
    let (mut net, mut planning, _) = clients(&server, || bearer("erp-token")).await;
    let mut erp = exec(&server, "erp-token").await;
    let mut suppliers = BTreeMap::new();
    for s in SUPPLIERS {
        let (_, _, sup) = clients(&server, || bearer(&format!("{s}-token"))).await;
        suppliers.insert(s, (sup, exec(&server, &format!("{s}-token")).await));
    }
    put(&mut net, &gearbox()).await;

    let mut spec = SimulationSpec::new(12, 11);
    spec.pushback_chance = 0.6;
    let mut held: Option<CounterProposal> = None;
    let mut answers_sent: BTreeMap<String, usize> = BTreeMap::new();
    let mut counter_proposals = 0;
    let mut reports_sent = 0;
    for week in 0..12u32 {
        let (version, doc) = latest(store.as_ref()).await;
        let plan_id = if week == 0 {
            planning
                .solve(pb::SolveRequest {
                    network_id: NET.into(),
                    network_version: version,
                    options: None,
                })
                .await
                .unwrap()
                .into_inner()
                .info
                .unwrap()
                .plan_id
        } else {
            let replanned = planning
                .replan(pb::ReplanRequest {
                    network_id: NET.into(),
                    network_version: version,
                    base_plan_id: String::new(),
                    freeze_until: 0,
                    stability_penalty: 0.01,
                    options: None,
                })
                .await
                .unwrap()
                .into_inner();
            let impact = replanned.impact.unwrap();
            assert_eq!(impact.periods_rolled, 1, "week {week}");
            match &held {
                Some(p) => {
                    let cost = impact
                        .counter_proposals
                        .unwrap_or_else(|| panic!("week {week}: no counter-proposal cost"));
                    assert_eq!(cost.held.len(), 1);
                    assert_eq!(cost.held[0].enterprise, p.enterprise);
                    // Holding a supplier to less can only cost the chain, up
                    // to the MIP gap both solves stop at (HiGHS' default,
                    // 1e-4 relative).
                    assert!(
                        cost.objective_held
                            >= cost.objective_free - 1e-4 * cost.objective_free.abs(),
                        "week {week}: {} < {}",
                        cost.objective_held,
                        cost.objective_free
                    );
                }
                None => assert!(impact.counter_proposals.is_none(), "week {week}"),
            }
            replanned.info.unwrap().plan_id
        };
        let plan = store.get_plan(&plan_id).await.unwrap().plan;
        assert!(plan.status.has_solution(), "week {week}");
        let violations: Vec<String> = check(&doc, &plan)
            .into_iter()
            .filter(|v| !sub_listing_noise(v))
            .collect();
        assert!(violations.is_empty(), "week {week}: {violations:?}");
        if let Some(p) = held.take() {
            let over = excesses(&doc, &plan, std::slice::from_ref(&p), 1e-6);
            assert!(over.is_empty(), "week {week}: {over:?}");
        }

        // Publish, and retry the publish: applied once.
        let request = pb::PublishPlanRequest {
            plan_id: plan_id.clone(),
            request_id: format!("publish-{week}"),
        };
        let first = planning
            .publish_plan(request.clone())
            .await
            .unwrap()
            .into_inner();
        let again = planning.publish_plan(request).await.unwrap().into_inner();
        assert_eq!(first, again);

        // Every supplier answers its latest version; one may push back.
        let (actuals, pushback) = draw_week(&doc, &plan, &spec, 1000 + u64::from(week));
        for (name, (sup, _)) in &mut suppliers {
            let log = store.allocation_log(NET, name, 0).await.unwrap();
            let Some(current) = log.last() else { continue };
            let answered = store.acknowledgements(NET, name).await.unwrap();
            if answered.iter().any(|a| a.version == current.version) {
                continue; // unchanged since its last answer
            }
            let pushing = pushback.as_ref().filter(|p| p.enterprise == *name);
            let decision = match pushing {
                Some(p) => {
                    counter_proposals += 1;
                    // The limits are in the periods of the version answered.
                    let shift = u32::try_from(u64::from(week) - current.period_offset).unwrap();
                    pb::acknowledge_request::Decision::Reject(pb::Rejection {
                        reason: "a press is down next week".into(),
                        counter_proposal: counter_proposal(p, shift),
                    })
                }
                None => pb::acknowledge_request::Decision::Accept(pb::Acceptance {
                    note: format!("week {week}"),
                }),
            };
            sup.acknowledge(pb::AcknowledgeRequest {
                network_id: NET.into(),
                enterprise: String::new(),
                version: current.version,
                decision: Some(decision),
            })
            .await
            .unwrap();
            *answers_sent.entry(name.to_string()).or_default() += 1;
            if let Some(p) = pushing {
                let mut next = p.clone();
                for l in &mut next.limits {
                    l.period -= 1; // period 1 now is period 0 after the roll
                }
                held = Some(next);
            }
        }

        // Suppliers report their own sites; the ERP the whole chain after
        // them (a later report corrects an earlier one: the same values).
        for (name, (_, own)) in &mut suppliers {
            let theirs = actuals.of_enterprise(&doc, name);
            if theirs.is_empty() {
                continue;
            }
            let request = report("", &format!("w{week}-{name}"), &theirs);
            let stored = own
                .report_actuals(request.clone())
                .await
                .unwrap()
                .into_inner();
            let retried = own.report_actuals(request).await.unwrap().into_inner();
            assert_eq!(stored, retried, "a retried report is stored once");
            reports_sent += 1;
        }
        erp.report_actuals(report("", &format!("w{week}-erp"), &actuals))
            .await
            .unwrap();
        reports_sent += 1;

        let rolled = erp
            .roll_horizon(roll(1, &format!("roll-{week}")))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(rolled.network_version, version + 1);
        assert_eq!(rolled.period_offset, u64::from(week) + 1);
        assert!(rolled.adherence.is_some(), "a committed plan is measured");
        let retried = erp
            .roll_horizon(roll(1, &format!("roll-{week}")))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(retried.network_version, rolled.network_version);
        let stock = &rolled.report.unwrap().stock;
        for c in stock {
            let book =
                c.opening + c.received + c.made - c.consumed + c.arrived - c.shipped - c.delivered;
            assert!((book - c.book).abs() < 1e-6, "{c:?}");
        }
    }

    // Nothing lost: every answer sent is stored, every report applied by a
    // roll, twelve rolls chained, each measured against the committed plan.
    assert!(counter_proposals > 0, "the draw made no counter-proposal");
    for (name, sent) in &answers_sent {
        let stored = store.acknowledgements(NET, name).await.unwrap();
        assert_eq!(stored.len(), *sent, "{name}'s answers");
    }
    let rolls = store.rolls(NET).await.unwrap();
    assert_eq!(rolls.len(), 12);
    assert!(rolls
        .iter()
        .all(|r| r.adherence.is_some() && r.plan_id.is_some()));
    assert!(store.open_actuals(NET).await.unwrap().is_empty());
    let _ = reports_sent;

    // The ERP reads the last four weeks, a supplier its own only.
    let chain = erp
        .get_adherence(pb::GetAdherenceRequest {
            network_id: NET.into(),
            enterprise: String::new(),
            last_periods: 4,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(chain.first_period, 8);
    let figures = chain.adherence.unwrap();
    assert_eq!(figures.periods, 4);
    assert_eq!(figures.suppliers.len(), SUPPLIERS.len());
    let (_, gearworks) = suppliers.get_mut("gearworks").unwrap();
    let own = gearworks
        .get_adherence(pb::GetAdherenceRequest {
            network_id: NET.into(),
            enterprise: String::new(),
            last_periods: 0,
        })
        .await
        .unwrap()
        .into_inner()
        .adherence
        .unwrap();
    assert_eq!(own.periods, 12);
    assert_eq!(own.suppliers.len(), 1);
    assert_eq!(own.suppliers[0].enterprise, "gearworks");
    assert!(own.lines.iter().all(|l| l.enterprise == "gearworks"));
    assert_eq!((own.planned_delivered, own.actual_delivered), (0.0, 0.0));

    // The criticality sweep ranks by reliability: least reliable first,
    // each with the figure the rolls measured.
    let mut scenarios = common::scenario_client(&server, bearer("erp-token")).await;
    let swept = scenarios
        .sweep_criticality(pb::SweepCriticalityRequest {
            network_id: NET.into(),
            network_version: 0,
            periods: Some(pb::ScenarioPeriods { first: 0, last: 2 }),
            time_limit_seconds: None,
            rank_by: pb::CriticalityRank::Reliability as i32,
        })
        .await
        .unwrap()
        .into_inner();
    let reliability: Vec<f64> = swept
        .ranking
        .iter()
        .map(|s| s.reliability.expect("measured"))
        .collect();
    assert!(!reliability.is_empty());
    assert!(
        reliability.windows(2).all(|w| w[0] <= w[1]),
        "{reliability:?}"
    );
    assert!(reliability.iter().all(|r| (0.0..=1.0).contains(r)));
    server.stop().await;
}

/// A week's production of a gearworks line, and of a line of another.
fn production(line: &str, item: &str) -> Actuals {
    Actuals {
        production: vec![ActualProduction {
            line: line.into(),
            item: item.into(),
            operation: None,
            period: 0,
            qty: 3.0,
        }],
        ..Actuals::default()
    }
}

fn violations(status: &tonic::Status) -> Vec<(String, String)> {
    use tonic_types::StatusExt;
    status
        .get_details_bad_request()
        .map(|b| {
            b.field_violations
                .into_iter()
                .map(|v| (v.field, v.description))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supplier_reports_and_reads_its_own_only() {
    let server = TestServer::start(Some(tokens()), 1, 4).await;
    let (mut net, mut planning, _) = clients(&server, || bearer("erp-token")).await;
    let doc = gearbox();
    put(&mut net, &doc).await;
    let solved = common::solve(&mut planning).await;
    common::publish(&mut planning, &solved.info.unwrap().plan_id, "p").await;
    let mut gearworks = exec(&server, "gearworks-token").await;
    let mut planner = exec(&server, "planner-token").await;
    let own_line = doc
        .lines
        .iter()
        .find(|l| {
            doc.sites
                .iter()
                .any(|s| s.id == l.site && s.enterprise == "gearworks")
        })
        .unwrap();
    let foreign_line = doc
        .lines
        .iter()
        .find(|l| {
            doc.sites
                .iter()
                .any(|s| s.id == l.site && s.enterprise == "fonderia")
        })
        .unwrap();
    let own_item = own_line.operations[0].item.clone();
    let foreign_item = foreign_line.operations[0].item.clone();

    // Its own line, with a count of what the line used: stored.
    let mut own = production(&own_line.id, &own_item);
    own.stock_counts = own_line.operations[0]
        .inputs
        .iter()
        .map(|i| StockCount {
            site: own_line.site.clone(),
            item: i.item.clone(),
            period: 0,
            qty: 100.0,
        })
        .collect();
    gearworks
        .report_actuals(report("", "g1", &own))
        .await
        .unwrap();
    // Another's line reads exactly as a line that does not exist.
    let foreign = gearworks
        .report_actuals(report(
            "",
            "g2",
            &production(&foreign_line.id, &foreign_item),
        ))
        .await
        .unwrap_err();
    let missing = gearworks
        .report_actuals(report("", "g3", &production("no-such-line", &foreign_item)))
        .await
        .unwrap_err();
    assert_eq!(foreign.code(), Code::InvalidArgument);
    assert_eq!(missing.code(), Code::InvalidArgument);
    let (f, m) = (violations(&foreign), violations(&missing));
    assert_eq!(f[0].0, "actuals.production[0].line");
    assert_eq!(
        f[0].1.replace(&foreign_line.id, "X"),
        m[0].1.replace("no-such-line", "X")
    );

    // Acting for another enterprise, rolling, and reading another's
    // figures are refused alike, whether or not the enterprise exists.
    for enterprise in ["fonderia", "no-such-supplier"] {
        let e = gearworks
            .report_actuals(report(
                enterprise,
                "g4",
                &production(&own_line.id, &own_item),
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied);
        let e = gearworks
            .get_adherence(pb::GetAdherenceRequest {
                network_id: NET.into(),
                enterprise: enterprise.into(),
                last_periods: 0,
            })
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied);
        assert!(!e.message().contains(enterprise));
    }
    let e = gearworks.roll_horizon(roll(1, "")).await.unwrap_err();
    assert_eq!(e.code(), Code::PermissionDenied);
    // A network it is not part of reads as one that does not exist.
    let e = gearworks
        .get_adherence(pb::GetAdherenceRequest {
            network_id: "elsewhere".into(),
            enterprise: String::new(),
            last_periods: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::NotFound);
    // A planner reads, but neither reports nor rolls.
    let e = planner
        .report_actuals(report("", "p1", &production(&own_line.id, &own_item)))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::PermissionDenied);
    assert_eq!(
        planner.roll_horizon(roll(1, "")).await.unwrap_err().code(),
        Code::PermissionDenied
    );

    // After a roll, the supplier sees its own figures and no one else's.
    let mut erp = exec(&server, "erp-token").await;
    erp.roll_horizon(roll(1, "r")).await.unwrap();
    let own = gearworks
        .get_adherence(pb::GetAdherenceRequest {
            network_id: NET.into(),
            enterprise: "gearworks".into(),
            last_periods: 1,
        })
        .await
        .unwrap()
        .into_inner()
        .adherence
        .unwrap();
    assert!(own.suppliers.iter().all(|s| s.enterprise == "gearworks"));
    assert!(own.lines.iter().all(|l| l.enterprise == "gearworks"));
    let line = own.lines.iter().find(|l| l.line == own_line.id).unwrap();
    assert_eq!(line.actual, 3.0);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_reports_and_rolls_are_refused_whole() {
    let server = TestServer::start(Some(tokens()), 1, 4).await;
    let (mut net, _, _) = clients(&server, || bearer("erp-token")).await;
    let mut doc = gearbox();
    put(&mut net, &doc).await;
    let mut erp = exec(&server, "erp-token").await;
    let line = doc.lines[0].id.clone();
    let item = doc.lines[0].operations[0].item.clone();

    let mut bad = production(&line, &item);
    bad.production[0].qty = f64::NAN;
    bad.production.push(ActualProduction {
        period: 40,
        ..production(&line, &item).production[0].clone()
    });
    let e = erp
        .report_actuals(report("", "b1", &bad))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    let fields: Vec<String> = violations(&e).into_iter().map(|(f, _)| f).collect();
    assert!(
        fields.contains(&"actuals.production[0].qty".to_string()),
        "{fields:?}"
    );
    assert!(
        fields.contains(&"actuals.production[1].period".to_string()),
        "{fields:?}"
    );
    let e = erp
        .report_actuals(report("", "", &production(&line, &item)))
        .await
        .unwrap_err();
    assert_eq!(violations(&e)[0].0, "request_id");
    let e = erp
        .report_actuals(report("", "b2", &Actuals::default()))
        .await
        .unwrap_err();
    assert_eq!(violations(&e)[0].0, "actuals");

    // Rolls: nothing, too much, an unknown extension, a stale version.
    for (request, field) in [
        (roll(0, ""), "periods"),
        (roll(13, ""), "periods"),
        (
            pb::RollHorizonRequest {
                extensions: vec![pb::SeriesExtension {
                    kind: pb::SeriesKind::LineCapacity as i32,
                    id: "no-such-line".into(),
                    item: String::new(),
                    values: vec![1.0],
                }],
                ..roll(1, "")
            },
            "extensions[0].id",
        ),
    ] {
        let e = erp.roll_horizon(request).await.unwrap_err();
        assert_eq!(e.code(), Code::InvalidArgument, "{e:?}");
        assert_eq!(violations(&e)[0].0, field);
    }
    let e = erp
        .roll_horizon(pb::RollHorizonRequest {
            network_version: 7,
            ..roll(1, "")
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::Aborted);
    assert_eq!(
        server.store.get_network(NET, None).await.unwrap().version,
        1
    );
    assert!(server.store.rolls(NET).await.unwrap().is_empty());

    // A horizon with no start date has no calendar: nothing can close.
    doc.horizon.start = None;
    let v = net
        .put_network(pb::PutNetworkRequest {
            network_id: NET.into(),
            document: Some(common::pb_doc(&doc)),
            expected_version: 1,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(v.network.unwrap().version, 2);
    let e = erp
        .report_actuals(report("", "b3", &production(&line, &item)))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::FailedPrecondition);
    assert!(e.message().contains("horizon.start"), "{}", e.message());
    server.stop().await;
}

//! Benchmark of the service's weekly cycle over gRPC, server and clients in
//! one process on the memory store (or Redis with `--store URL`): for each
//! generated chain (gen-150, gen-600: seed 1, 26 weekly periods) the chain
//! is solved and published once, then each week
//!
//! 1. **actuals in**: every supplier reports its own sites' actuals of the
//!    closed week (drawn from the committed plan with yield loss, late
//!    shipments and breakdowns, as `chainplan simulate` draws them), then the
//!    ERP reports the whole chain's;
//! 2. **roll**: the ERP rolls the horizon one week;
//! 3. **re-plan**: the rolled version is re-planned against the committed
//!    plan (stability penalty 0.01, `--strategy`, `--time-limit`);
//! 4. **publish**: the re-plan is published to the suppliers.
//!
//! Each step is timed as the client sees it; the table gives the cycle and
//! the re-plan's share of it.
//!
//! ```text
//! cargo bench --bench cycle_bench -- [--chains gen-150,gen-600] [--weeks N]
//!     [--time-limit S] [--strategy auto|fast|exact] [--pushback P] [--store URL]
//! ```

use chainplan::import::generate::{generate, GeneratorSpec};
use chainplan::model::{NetworkDoc, Role};
use chainplan::planning::simulate::{draw_week, SimulationSpec};
use chainplan::server::convert::execution::actuals_to_pb;
use chainplan::server::pb;
use chainplan::server::pb::execution_service_client::ExecutionServiceClient;
use chainplan::server::pb::network_service_client::NetworkServiceClient;
use chainplan::server::pb::planning_service_client::PlanningServiceClient;
use chainplan::server::pb::supplier_service_client::SupplierServiceClient;
use chainplan::server::{run_with_http, ServerConfig};
use chainplan::store::{MemoryStore, RedisStore, Store};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;
use tonic::transport::Channel;

struct Args {
    chains: Vec<String>,
    weeks: u32,
    time_limit: f64,
    strategy: String,
    pushback: f64,
    store: Option<String>,
}

fn args() -> Result<Args, String> {
    let mut args = Args {
        chains: vec!["gen-150".into(), "gen-600".into()],
        weeks: 2,
        time_limit: 300.0,
        strategy: "auto".into(),
        pushback: 0.0,
        store: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag}: a value is needed"));
        match flag.as_str() {
            "--chains" => args.chains = value()?.split(',').map(str::to_string).collect(),
            "--weeks" => args.weeks = value()?.parse().map_err(|e| format!("--weeks: {e}"))?,
            "--time-limit" => {
                args.time_limit = value()?.parse().map_err(|e| format!("--time-limit: {e}"))?
            }
            "--strategy" => args.strategy = value()?,
            "--pushback" => {
                args.pushback = value()?.parse().map_err(|e| format!("--pushback: {e}"))?
            }
            "--store" => args.store = Some(value()?),
            "--bench" => {}
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(args)
}

fn chain(name: &str) -> Result<NetworkDoc, String> {
    let spec = match name {
        "gen-150" => GeneratorSpec {
            suppliers: 135,
            items_per_tier: 8,
            customers: 14,
            periods: 26,
            seed: 1,
            ..GeneratorSpec::default()
        },
        "gen-600" => GeneratorSpec {
            suppliers: 570,
            items_per_tier: 12,
            customers: 29,
            periods: 26,
            seed: 1,
            ..GeneratorSpec::default()
        },
        other => return Err(format!("unknown chain {other} (gen-150, gen-600)")),
    };
    let mut doc = generate(&spec);
    // A calendar whose weeks have all ended, so each week can close.
    doc.horizon.start = Some("2020-01-06".into());
    doc.horizon.period = Some("week".into());
    Ok(doc)
}

fn strategy(name: &str) -> Result<i32, String> {
    Ok(match name {
        "auto" => pb::SolveStrategy::Unspecified,
        "fast" => pb::SolveStrategy::Fast,
        "exact" => pb::SolveStrategy::Exact,
        other => return Err(format!("--strategy: unknown {other}")),
    } as i32)
}

struct Clients {
    net: NetworkServiceClient<Channel>,
    planning: PlanningServiceClient<Channel>,
    exec: ExecutionServiceClient<Channel>,
    sup: SupplierServiceClient<Channel>,
}

async fn run_chain(
    name: &str,
    args: &Args,
    c: &mut Clients,
    store: &Arc<dyn Store>,
) -> Result<(), String> {
    let doc = chain(name)?;
    let network_id = format!("{name}-cycle");
    c.net
        .put_network(pb::PutNetworkRequest {
            network_id: network_id.clone(),
            document: Some(pb::NetworkDocument::from(doc.clone())),
            expected_version: 0,
        })
        .await
        .map_err(|e| format!("put: {e}"))?;
    let options = || {
        Some(pb::SolveOptions {
            time_limit_seconds: Some(args.time_limit),
            strategy: strategy(&args.strategy).unwrap_or(0),
            ..pb::SolveOptions::default()
        })
    };
    let started = Instant::now();
    let solved = c
        .planning
        .solve(pb::SolveRequest {
            network_id: network_id.clone(),
            network_version: 0,
            options: options(),
        })
        .await
        .map_err(|e| format!("solve: {e}"))?
        .into_inner();
    let mut plan_id = solved.info.unwrap_or_default().plan_id;
    let status = solved.plan.map(|p| p.status).unwrap_or_default();
    eprintln!(
        "{name}: cold plan in {:.1} s ({})",
        started.elapsed().as_secs_f64(),
        pb::PlanStatus::try_from(status).map_or("?", |s| s.as_str_name())
    );
    c.planning
        .publish_plan(pb::PublishPlanRequest {
            plan_id: plan_id.clone(),
            request_id: format!("{network_id}-publish-0"),
        })
        .await
        .map_err(|e| format!("publish: {e}"))?;
    let suppliers: Vec<String> = doc
        .enterprises
        .iter()
        .filter(|e| e.role == Role::Supplier)
        .map(|e| e.id.clone())
        .collect();
    let mut spec = SimulationSpec::new(args.weeks, 1);
    spec.pushback_chance = args.pushback;
    for week in 1..=args.weeks {
        let current = store
            .get_network(&network_id, None)
            .await
            .map_err(|e| e.to_string())?;
        let plan = store
            .get_plan(&plan_id)
            .await
            .map_err(|e| e.to_string())?
            .plan;
        // The committed plan in this version's periods (it may be older).
        let (actuals, pushback) = draw_week(&current.document, &plan, &spec, u64::from(week));
        if let Some(p) = &pushback {
            let log = store
                .allocation_log(&network_id, &p.enterprise, 0)
                .await
                .map_err(|e| e.to_string())?;
            if let Some(v) = log.last() {
                let _ = c
                    .sup
                    .acknowledge(pb::AcknowledgeRequest {
                        network_id: network_id.clone(),
                        enterprise: p.enterprise.clone(),
                        version: v.version,
                        decision: Some(pb::acknowledge_request::Decision::Reject(pb::Rejection {
                            reason: "short next week".into(),
                            counter_proposal: p
                                .limits
                                .iter()
                                .map(|l| pb::SupplyLimit {
                                    kind: pb::LimitKind::Make as i32,
                                    item: l.item.clone(),
                                    period: l.period,
                                    qty: l.qty,
                                })
                                .collect(),
                        })),
                    })
                    .await;
            }
        }

        let t = Instant::now();
        let mut reports = 0;
        for s in &suppliers {
            let own = actuals.of_enterprise(&current.document, s);
            if own.is_empty() {
                continue;
            }
            c.exec
                .report_actuals(pb::ReportActualsRequest {
                    network_id: network_id.clone(),
                    enterprise: s.clone(),
                    request_id: format!("w{week}-{s}"),
                    network_version: 0,
                    actuals: Some(actuals_to_pb(&own)),
                })
                .await
                .map_err(|e| format!("report of {s}: {e}"))?;
            reports += 1;
        }
        c.exec
            .report_actuals(pb::ReportActualsRequest {
                network_id: network_id.clone(),
                enterprise: String::new(),
                request_id: format!("w{week}-erp"),
                network_version: 0,
                actuals: Some(actuals_to_pb(&actuals)),
            })
            .await
            .map_err(|e| format!("the ERP's report: {e}"))?;
        reports += 1;
        let actuals_s = t.elapsed().as_secs_f64();

        let t = Instant::now();
        c.exec
            .roll_horizon(pb::RollHorizonRequest {
                network_id: network_id.clone(),
                network_version: 0,
                periods: 1,
                extensions: Vec::new(),
                request_id: format!("roll-{week}"),
            })
            .await
            .map_err(|e| format!("roll: {e}"))?;
        let roll_s = t.elapsed().as_secs_f64();

        let t = Instant::now();
        let replanned = c
            .planning
            .replan(pb::ReplanRequest {
                network_id: network_id.clone(),
                network_version: 0,
                base_plan_id: String::new(),
                freeze_until: 0,
                stability_penalty: 0.01,
                options: options(),
            })
            .await
            .map_err(|e| format!("re-plan: {e}"))?
            .into_inner();
        let replan_s = t.elapsed().as_secs_f64();
        let status = replanned
            .plan
            .as_ref()
            .and_then(|p| pb::PlanStatus::try_from(p.status).ok())
            .unwrap_or(pb::PlanStatus::Unspecified);
        let stats = replanned
            .plan
            .as_ref()
            .and_then(|p| p.stats.clone())
            .unwrap_or_default();
        let has_plan = matches!(status, pb::PlanStatus::Optimal | pb::PlanStatus::Feasible);
        let mut publish_s = f64::NAN;
        if has_plan {
            plan_id = replanned.info.unwrap_or_default().plan_id;
            let t = Instant::now();
            c.planning
                .publish_plan(pb::PublishPlanRequest {
                    plan_id: plan_id.clone(),
                    request_id: format!("{network_id}-publish-{week}"),
                })
                .await
                .map_err(|e| format!("publish: {e}"))?;
            publish_s = t.elapsed().as_secs_f64();
        }
        let cycle = actuals_s + roll_s + replan_s + if has_plan { publish_s } else { 0.0 };
        println!(
            "| {name} | {week} | {reports} | {actuals_s:.3} | {roll_s:.3} | {replan_s:.2} ({}, {}, first plan {:.1} s) | {} | {cycle:.2} | {:.2} % |",
            status.as_str_name().trim_start_matches("PLAN_STATUS_").to_lowercase(),
            stats.strategy,
            stats.first_plan_seconds.unwrap_or(replan_s),
            if has_plan { format!("{publish_s:.3}") } else { "–".into() },
            100.0 * replan_s / cycle
        );
        if !has_plan {
            return Err(format!("{name}: week {week}: the re-plan has no plan"));
        }
    }
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let args = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("cycle_bench: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = strategy(&args.strategy) {
        eprintln!("cycle_bench: {e}");
        return ExitCode::from(2);
    }
    let store: Arc<dyn Store> = match &args.store {
        Some(url) => {
            match RedisStore::connect(url, &format!("cycle-bench-{}", std::process::id())).await {
                Ok(s) => Arc::new(s),
                Err(e) => {
                    eprintln!("cycle_bench: {url}: {e}");
                    return ExitCode::from(2);
                }
            }
        }
        None => Arc::new(MemoryStore::new()),
    };
    let mut config = ServerConfig::new(store.clone());
    config.solve_workers = 1;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let _ = run_with_http(config, listener, None, async {
            let _ = stopped.await;
        })
        .await;
    });
    let channel = loop {
        if let Ok(c) = Channel::from_shared(format!("http://{addr}"))
            .unwrap()
            .connect()
            .await
        {
            break c;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    let limit = 256 * 1024 * 1024;
    let mut clients = Clients {
        net: NetworkServiceClient::new(channel.clone()).max_encoding_message_size(limit),
        planning: PlanningServiceClient::new(channel.clone()).max_decoding_message_size(limit),
        exec: ExecutionServiceClient::new(channel.clone()).max_decoding_message_size(limit),
        sup: SupplierServiceClient::new(channel),
    };
    println!("| chain | week | reports | actuals in s | roll s | re-plan s | publish s | cycle s | re-plan's share |");
    println!("|---|--:|--:|--:|--:|--:|--:|--:|--:|");
    let mut code = ExitCode::SUCCESS;
    for name in &args.chains {
        if let Err(e) = run_chain(name, &args, &mut clients, &store).await {
            eprintln!("cycle_bench: {e}");
            code = ExitCode::FAILURE;
        }
    }
    let _ = stop.send(());
    let _ = server.await;
    code
}

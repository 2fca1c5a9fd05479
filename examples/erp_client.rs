//! The chain leader's ERP against a running server (`make run`): puts the
//! demo network, solves it, publishes the plan and prints its KPIs.
//!
//! ```text
//! cargo run --release --example erp_client [-- ADDR]   # default http://127.0.0.1:50051
//! ```
//! With an auth file, set CHAINPLAN_TOKEN to an `erp` token.

use anyhow::Context;
use chainplan::model::parse_network;
use chainplan::server::client::{bearer, connect, token_from_env};
use chainplan::server::pb;
use chainplan::server::pb::network_service_client::NetworkServiceClient;
use chainplan::server::pb::planning_service_client::PlanningServiceClient;

const NETWORK: &str = "demo";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:50051".to_string());
    let auth = bearer(token_from_env());
    let channel = connect(&addr).await?;
    let mut networks = NetworkServiceClient::with_interceptor(channel.clone(), auth.clone());
    let mut planning = PlanningServiceClient::with_interceptor(channel, auth);

    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/gearbox.json");
    let (doc, _) = parse_network(&std::fs::read_to_string(path)?)?;
    let stored = networks
        .put_network(pb::PutNetworkRequest {
            network_id: NETWORK.into(),
            document: Some(doc.into()),
            expected_version: 0,
        })
        .await?
        .into_inner()
        .network
        .context("no version")?;
    println!("network {NETWORK} is at version {}", stored.version);

    let solved = planning
        .solve(pb::SolveRequest {
            network_id: NETWORK.into(),
            network_version: stored.version,
            options: Some(pb::SolveOptions {
                time_limit_seconds: Some(60.0),
                ..Default::default()
            }),
        })
        .await?
        .into_inner();
    let info = solved.info.context("no plan info")?;
    let plan = solved.plan.context("no plan")?;
    let service = plan.service.unwrap_or_default();
    println!(
        "plan {}: status {}, objective {:.2}, fill rate {:.1} %, emissions {:.1}",
        info.plan_id,
        pb::PlanStatus::try_from(plan.status).map_or("?", |s| s.as_str_name()),
        plan.objective.unwrap_or(f64::NAN),
        100.0 * service.fill_rate,
        plan.emissions
    );
    for b in plan.bottlenecks.iter().take(5) {
        println!(
            "  bottleneck {} period {}: {:.2} per unit",
            b.id, b.period, b.shadow_price
        );
    }

    let published = planning
        .publish_plan(pb::PublishPlanRequest {
            plan_id: info.plan_id.clone(),
            request_id: format!("erp-{}", info.plan_id),
        })
        .await?
        .into_inner();
    println!("published as publish {}", published.publish_version);
    for s in &published.updated_suppliers {
        println!(
            "  {} -> version {} ({} entries changed)",
            s.enterprise, s.version, s.changed_entries
        );
    }
    for s in &published.unchanged_suppliers {
        println!("  {s}: unchanged");
    }
    Ok(())
}

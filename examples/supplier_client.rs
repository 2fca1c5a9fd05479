//! A supplier against a running server (`make run`): watches its allocation
//! of the demo network and accepts every version it receives. Stops after
//! the first version with `--once`.
//!
//! ```text
//! cargo run --release --example supplier_client -- ENTERPRISE [--once] [ADDR]
//! ```
//! With an auth file, set CHAINPLAN_TOKEN to that supplier's token.

use anyhow::Context;
use chainplan::server::client::{bearer, connect, token_from_env};
use chainplan::server::pb;
use chainplan::server::pb::supplier_service_client::SupplierServiceClient;

const NETWORK: &str = "demo";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let enterprise = args
        .iter()
        .find(|a| !a.starts_with("--") && !a.starts_with("http"))
        .context("usage: supplier_client ENTERPRISE [--once] [ADDR]")?
        .clone();
    let once = args.iter().any(|a| a == "--once");
    let addr = args
        .iter()
        .find(|a| a.starts_with("http"))
        .cloned()
        .unwrap_or_else(|| "http://127.0.0.1:50051".to_string());
    let auth = bearer(token_from_env());
    let channel = connect(&addr).await?;
    let mut supplier = SupplierServiceClient::with_interceptor(channel, auth);
    let mut stream = supplier
        .watch_allocations(pb::WatchAllocationsRequest {
            network_id: NETWORK.into(),
            enterprise: enterprise.clone(),
            after_version: 0,
        })
        .await?
        .into_inner();
    println!("{enterprise}: waiting for allocations of network {NETWORK}");
    while let Some(message) = stream.message().await? {
        let update = message.update.context("empty message")?;
        match &update.content {
            Some(pb::allocation_update::Content::Snapshot(a)) => {
                println!("version {}: {} entries", update.version, a.entries.len());
                for e in a.entries.iter().take(10) {
                    println!(
                        "  {} {} {} in period {}: {:.1}",
                        pb::AllocationKind::try_from(e.kind).map_or("?", |k| k.as_str_name()),
                        e.item,
                        e.resource,
                        e.period,
                        e.qty
                    );
                }
            }
            Some(pb::allocation_update::Content::Delta(d)) => {
                println!("version {}: {} changes", update.version, d.changes.len());
                for c in d.changes.iter().take(10) {
                    println!(
                        "  {} {} period {}: {:.1} -> {:.1}",
                        c.item, c.resource, c.period, c.qty_before, c.qty_after
                    );
                }
            }
            None => {}
        }
        supplier
            .acknowledge(pb::AcknowledgeRequest {
                network_id: NETWORK.into(),
                enterprise: enterprise.clone(),
                version: update.version,
                decision: Some(pb::acknowledge_request::Decision::Accept(pb::Acceptance {
                    note: "accepted by supplier_client".into(),
                })),
            })
            .await?;
        println!("  accepted version {}", update.version);
        if once {
            break;
        }
    }
    Ok(())
}

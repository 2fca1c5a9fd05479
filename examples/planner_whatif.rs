//! A planner's what-if session against a running server (`make run`, with
//! the demo network loaded): creates three scenarios of network "demo",
//! solves them as one batch (printing the progress stream), compares them
//! with the base plan ranked by objective and prints the comparison.
//!
//! ```text
//! cargo run --release --example planner_whatif [-- ADDR]   # default http://127.0.0.1:50051
//! ```
//! With an auth file, set CHAINPLAN_TOKEN to an `erp` or `planner` token.

use anyhow::Context;
use chainplan::server::client::{bearer, connect, token_from_env};
use chainplan::server::pb;
use chainplan::server::pb::scenario_change::Change;
use chainplan::server::pb::scenario_service_client::ScenarioServiceClient;
use chainplan::server::pb::solve_scenarios_response::Event;
use std::collections::HashMap;

const NETWORK: &str = "demo";
/// Solver time limit per scenario, in seconds.
const TIME_LIMIT: f64 = 60.0;

/// The three scenarios: a name for people and the one change of each.
fn scenarios() -> Vec<(&'static str, Change)> {
    vec![
        (
            "gearworks down weeks 4-6",
            Change::Outage(pb::Outage {
                scope: Some(pb::outage::Scope::Enterprise("gearworks".into())),
                periods: Some(pb::ScenarioPeriods { first: 4, last: 6 }),
            }),
        ),
        (
            "demand +20%",
            Change::DemandScale(pb::DemandScale {
                factor: 1.2,
                ..Default::default()
            }),
        ),
        (
            "carbon price doubled (0.16 per kg)",
            Change::CarbonPrice(0.16),
        ),
    ]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:50051".to_string());
    let channel = connect(&addr).await?;
    let mut client = ScenarioServiceClient::with_interceptor(channel, bearer(token_from_env()));

    let mut names = HashMap::new();
    let mut ids = Vec::new();
    for (name, change) in scenarios() {
        let scenario = client
            .create_scenario(pb::CreateScenarioRequest {
                network_id: NETWORK.into(),
                base_version: 0,
                name: name.into(),
                changes: vec![pb::ScenarioChange {
                    change: Some(change),
                }],
            })
            .await
            .with_context(|| format!("creating \"{name}\""))?
            .into_inner()
            .scenario
            .context("no scenario in the response")?;
        println!(
            "created {} \"{name}\" on {NETWORK} version {}",
            scenario.scenario_id, scenario.base_version
        );
        names.insert(scenario.scenario_id.clone(), name);
        ids.push(scenario.scenario_id);
    }
    let name_of = |id: &str| names.get(id).copied().unwrap_or("?");

    println!("\nsolving {} scenarios ...", ids.len());
    let mut stream = client
        .solve_scenarios(pb::SolveScenariosRequest {
            scenario_ids: ids.clone(),
            time_limit_seconds: Some(TIME_LIMIT),
        })
        .await?
        .into_inner();
    while let Some(event) = stream.message().await? {
        match event.event {
            Some(Event::Progress(p)) => println!(
                "  {:>6.2} s  {:<26} {}",
                p.elapsed_seconds,
                name_of(&p.scenario_id),
                pb::SolvePhase::try_from(p.phase).map_or("?", |s| s.as_str_name())
            ),
            Some(Event::Result(r)) => {
                let plan = r.plan.unwrap_or_default();
                println!(
                    "  result     {:<26} plan {}: {}, objective {:.2}, fill rate {:.1} %",
                    name_of(&r.scenario_id),
                    r.plan_id,
                    pb::PlanStatus::try_from(plan.status).map_or("?", |s| s.as_str_name()),
                    plan.objective.unwrap_or(f64::NAN),
                    100.0 * plan.service.unwrap_or_default().fill_rate
                );
            }
            None => {}
        }
    }

    let compared = client
        .compare_scenarios(pb::CompareScenariosRequest {
            scenario_ids: ids,
            rank_by: pb::Kpi::Objective as i32,
        })
        .await?
        .into_inner();
    let by_id: HashMap<&str, &pb::Comparison> = compared
        .comparisons
        .iter()
        .map(|c| (c.scenario_id.as_str(), c))
        .collect();

    println!("\nagainst the base plan, worst objective first:\n");
    println!(
        "{:<26} {:>14} {:>12} {:>12} {:>14}  bottlenecks appearing",
        "scenario", "objective", "fill rate", "unmet", "emissions"
    );
    for ranked in &compared.ranking {
        let Some(c) = by_id.get(ranked.scenario_id.as_str()) else {
            continue;
        };
        let delta = |d: &Option<pb::Delta>| d.as_ref().map(|d| d.delta);
        println!(
            "{:<26} {:>14} {:>12} {:>12} {:>14}  {}",
            name_of(&c.scenario_id),
            signed(delta(&c.objective), 2, ""),
            signed(delta(&c.fill_rate).map(|f| 100.0 * f), 1, " pp"),
            signed(delta(&c.unmet), 1, ""),
            signed(delta(&c.emissions), 1, ""),
            bottlenecks(&c.bottlenecks_appeared)
        );
    }
    Ok(())
}

/// A delta with its sign, or `-` where a plan has none.
fn signed(value: Option<f64>, decimals: usize, unit: &str) -> String {
    value.map_or("-".into(), |v| format!("{v:+.decimals$}{unit}"))
}

/// The appearing bottlenecks as `id@period`, the first few, and how many more.
fn bottlenecks(appeared: &[pb::Bottleneck]) -> String {
    const SHOWN: usize = 4;
    if appeared.is_empty() {
        return "none".into();
    }
    let mut text = appeared
        .iter()
        .take(SHOWN)
        .map(|b| format!("{}@{}", b.id, b.period))
        .collect::<Vec<_>>()
        .join(", ");
    if appeared.len() > SHOWN {
        text.push_str(&format!(" (+{} more)", appeared.len() - SHOWN));
    }
    text
}

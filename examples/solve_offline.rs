//! Solve a network document with the library API, no server involved:
//! parse and validate, solve with a time limit, print the KPIs and the
//! renovation schedule.
//!
//! `cargo run --release --example solve_offline -- examples/data/gearbox.json`

use anyhow::Context;
use chainplan::model::parse_network;
use chainplan::planning::{solve, SolveOptions};

fn main() -> anyhow::Result<()> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "examples/data/gearbox.json".into());
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    let (doc, warnings) = parse_network(&text)?;
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    let options = SolveOptions {
        time_limit_seconds: Some(60.0),
        solver_log: std::env::var_os("CHAINPLAN_SOLVER_LOG").is_some(),
        ..SolveOptions::default()
    };
    let plan = solve(&doc, &options)?;
    println!("status     {}", plan.status.as_str());
    if let Some(objective) = plan.objective {
        println!("objective  {objective:.2}");
    }
    for (term, value) in plan.cost.terms() {
        println!("  {term:<11}{value:>14.2}");
    }
    println!("fill rate  {:.1}%", plan.service.fill_rate * 100.0);
    println!("emissions  {:.1}", plan.emissions);
    for r in &plan.renovations {
        match r.start {
            Some(start) => println!(
                "renovation {} on {}: periods {start}..={}",
                r.id,
                r.line,
                r.end.unwrap_or(start)
            ),
            None => println!("renovation {} on {}: not done", r.id, r.line),
        }
    }
    for c in &plan.conflicts {
        println!("conflict   {}: {}", c.path, c.reason);
    }
    Ok(())
}

//! Benchmark of a re-plan after one supplier line goes down for a few
//! periods, by each strategy, against the cold solve of the same chain.
//!
//! It generates a chain, solves it cold (the base plan), takes the tier-1
//! supplier line that makes the most in the periods it will be down, sets
//! its downtime, and re-plans the changed chain against the base plan with
//! each strategy asked for, timing each and reporting its objective,
//! status, gap and (for a repair) its region. The cold solve of the changed
//! chain, with no base plan, is timed too: it is what a re-plan must beat.
//!
//! ```text
//! cargo bench --bench replan_bench -- [--suppliers N] [--items-per-tier N]
//!     [--customers N] [--periods T] [--seed S] [--base-strategy exact|fast]
//!     [--time-limit S] [--freeze P] [--penalty X] [--down K] [--from P]
//!     [--strategies repair,exact,...] [--out DIR] [--willems DIR NN]
//! ```
//!
//! Defaults: the 180-site chain of `docs/performance.md` (150 suppliers, 12
//! items per tier, 29 customers, 26 periods, seed 1), the line down for 3
//! periods from period 4, freeze 2, penalty 0.5, strategies repair and
//! exact. `--willems` takes Willems' chain `NN` from the folder of the
//! public instances instead, over `--periods` with `--seed`. `--out` writes the changed document and every plan as JSON, for
//! an independent checker.

use chainplan::import::generate::{generate, GeneratorSpec};
use chainplan::import::willems::read_willems;
use chainplan::model::{NetworkDoc, Plan, Role};
use chainplan::planning::graph::ChainGraph;
use chainplan::planning::replan::Baseline;
use chainplan::planning::{solve, SolveOptions, Strategy};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Debug)]
struct Args {
    spec: GeneratorSpec,
    base_strategy: Strategy,
    time_limit: Option<f64>,
    freeze: u32,
    penalty: f64,
    down: u32,
    from: u32,
    strategies: Vec<Strategy>,
    out: Option<PathBuf>,
    /// A Willems chain instead of a generated one: its folder and number.
    willems: Option<(PathBuf, String)>,
}

fn parse(mut raw: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut a = Args {
        spec: GeneratorSpec {
            suppliers: 150,
            items_per_tier: 12,
            periods: 26,
            customers: 29,
            seed: 1,
            ..GeneratorSpec::default()
        },
        base_strategy: Strategy::Exact,
        time_limit: None,
        freeze: 2,
        penalty: 0.5,
        down: 3,
        from: 4,
        strategies: vec![Strategy::Repair, Strategy::Exact],
        out: None,
        willems: None,
    };
    while let Some(flag) = raw.next() {
        let mut value = || raw.next().ok_or(format!("{flag} needs a value"));
        let number = |v: String| v.parse::<f64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--suppliers" => a.spec.suppliers = number(value()?)? as usize,
            "--items-per-tier" => a.spec.items_per_tier = number(value()?)? as usize,
            "--customers" => a.spec.customers = number(value()?)? as usize,
            "--periods" => a.spec.periods = number(value()?)? as u32,
            "--seed" => a.spec.seed = number(value()?)? as u64,
            "--base-strategy" => a.base_strategy = value()?.parse()?,
            "--time-limit" => a.time_limit = Some(number(value()?)?),
            "--freeze" => a.freeze = number(value()?)? as u32,
            "--penalty" => a.penalty = number(value()?)?,
            "--down" => a.down = number(value()?)? as u32,
            "--from" => a.from = number(value()?)? as u32,
            "--strategies" => {
                a.strategies = value()?
                    .split(',')
                    .map(str::parse)
                    .collect::<Result<_, _>>()?
            }
            "--out" => a.out = Some(PathBuf::from(value()?)),
            "--willems" => {
                let dir = PathBuf::from(value()?);
                let nn = raw
                    .next()
                    .ok_or("--willems needs a folder and a chain number")?;
                a.willems = Some((dir, nn));
            }
            // `cargo bench` appends `--bench`.
            "--bench" => {}
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(a)
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("replan_bench: {e}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("replan_bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    let doc = match &args.willems {
        Some((dir, nn)) => {
            read_willems(dir, nn, args.spec.seed, args.spec.periods).map_err(|e| e.to_string())?
        }
        None => generate(&args.spec),
    };
    println!(
        "chain: {} sites, {} lanes, {} periods",
        doc.sites.len(),
        doc.lanes.len(),
        doc.horizon.periods
    );
    let options = |strategy: Strategy| SolveOptions {
        strategy,
        time_limit_seconds: args.time_limit,
        ..SolveOptions::default()
    };
    let (base, base_seconds) = timed(&doc, &options(args.base_strategy))?;
    println!("| run | seconds | first plan s | status | objective | gap | region sites | widenings | proven |");
    println!("|---|--:|--:|---|--:|--:|--:|--:|---|");
    row("base plan (cold)", &base, base_seconds);
    let (changed, line) = line_down(&doc, &base, args.from, args.down)?;
    println!(
        "(line {line} down in periods {}..{})",
        args.from,
        args.from + args.down
    );
    let (cold, cold_seconds) = timed(&changed, &options(args.base_strategy))?;
    row("changed chain, cold", &cold, cold_seconds);
    let mut plans = vec![("base".to_string(), base.clone()), ("cold".into(), cold)];
    for &strategy in &args.strategies {
        let replan = SolveOptions {
            baseline: Some(Baseline {
                production: base.production.clone(),
                shipments: base.shipments.clone(),
                freeze_until: args.freeze,
                stability_penalty: args.penalty,
                causes: vec![line.clone()],
                region: None,
                limits: Vec::new(),
            }),
            ..options(strategy)
        };
        let (plan, seconds) = timed(&changed, &replan)?;
        row(&format!("re-plan, {}", strategy.as_str()), &plan, seconds);
        plans.push((strategy.as_str().to_string(), plan));
    }
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        let write = |name: &str, json: String| {
            std::fs::write(dir.join(name), json).map_err(|e| e.to_string())
        };
        write("changed.json", to_json(&changed)?)?;
        for (name, plan) in &plans {
            write(&format!("plan-{name}.json"), to_json(plan)?)?;
        }
    }
    Ok(())
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, String> {
    serde_json::to_string(value).map_err(|e| e.to_string())
}

fn timed(doc: &NetworkDoc, options: &SolveOptions) -> Result<(Plan, f64), String> {
    let started = Instant::now();
    let plan = solve(doc, options).map_err(|e| e.to_string())?;
    Ok((plan, started.elapsed().as_secs_f64()))
}

fn row(name: &str, plan: &Plan, seconds: f64) {
    let region = plan.stability.as_ref().and_then(|s| s.region.as_ref());
    println!(
        "| {name} | {seconds:.1} | {} | {:?} | {} | {} | {} | {} | {} |",
        plan.stats
            .first_plan_seconds
            .map_or("-".into(), |s| format!("{s:.1}")),
        plan.status,
        plan.objective.map_or("-".into(), |o| format!("{o:.2}")),
        plan.gap
            .map_or("-".into(), |g| format!("{:.4}%", 100.0 * g)),
        region.map_or("-".into(), |r| r.sites.len().to_string()),
        region.map_or("-".into(), |r| r.widenings.to_string()),
        region.map_or("-".into(), |r| r.proven_optimal.to_string()),
    );
}

/// The chain with the tier-1 supplier line that makes the most in periods
/// `from..from + down` of `base` down in those periods, and the line's id.
fn line_down(
    doc: &NetworkDoc,
    base: &Plan,
    from: u32,
    down: u32,
) -> Result<(NetworkDoc, String), String> {
    let graph = ChainGraph::build(doc);
    let tier_one: Vec<&str> = doc
        .sites
        .iter()
        .filter(|s| graph.tier(&s.id) == Some(1))
        .filter(|s| {
            doc.enterprises
                .iter()
                .any(|e| e.id == s.enterprise && e.role == Role::Supplier)
        })
        .map(|s| s.id.as_str())
        .collect();
    let window = from..from + down;
    let made = |line: &str| -> f64 {
        base.production
            .iter()
            .filter(|p| p.line == line && window.contains(&p.period))
            .map(|p| p.qty)
            .sum()
    };
    let line = doc
        .lines
        .iter()
        .filter(|l| tier_one.contains(&l.site.as_str()))
        .max_by(|a, b| made(&a.id).total_cmp(&made(&b.id)))
        .ok_or("no tier-1 supplier line")?;
    let id = line.id.clone();
    let mut changed = doc.clone();
    let target = changed
        .lines
        .iter_mut()
        .find(|l| l.id == id)
        .ok_or("line vanished")?;
    target.downtime.extend(window);
    target.downtime.sort_unstable();
    target.downtime.dedup();
    Ok((changed, id))
}

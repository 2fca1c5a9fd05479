//! Benchmark of what-if batches (`planning::solve_batch`):
//!
//! - **lp**: a batch of varied single-change scenarios on the ~150-site
//!   generated chain (an LP), solved two at a time, against N times one cold
//!   solve of one scenario alone (apply the changes, then solve), and the
//!   mean per-scenario time inside the batch. A linear program ignores the
//!   warm start, so this part runs without one.
//! - **milp**: the ~30-site generated chain with setups and renovations (a
//!   MILP); the same batch with the base plan as warm start and without,
//!   under the same time limit: solve times, how many reach optimality, the
//!   gap reached.
//! - **memory**: N scenarios stored in a `MemoryStore` (only their changes)
//!   against N full copies of the changed documents, by resident memory
//!   (`VmRSS` deltas) and by serialized JSON size.
//!
//! ```text
//! cargo bench --bench whatif_bench -- [--scenarios N] [--time-limit S]
//!                                      [--milp-scenarios N] [--milp-time-limit S]
//!                                      [--stored N] [--workers N] [--only lp|milp|memory]
//! ```
//!
//! Defaults: 20 LP scenarios (each LP of the 150-site chain takes 20-30 s;
//! 50 would take about 15 minutes on two cores), 300 s per LP solve, 8 MILP
//! scenarios at 20 s each, 50 stored scenarios, 2 workers.

use chainplan::import::generate::{generate, GeneratorSpec};
use chainplan::model::scenario::{
    apply_changes, CapacityTarget, CostScope, OutageScope, PeriodRange, ScenarioChange,
};
use chainplan::model::{NetworkDoc, Plan, Role};
use chainplan::planning::{solve, solve_batch, ScenarioProgress, ScenarioResult, SolveOptions};
use chainplan::store::{MemoryStore, NetworkChange, ScenarioRecord, Store};
use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

/// Weekly periods of both chains, as in `plan_bench`.
const PERIODS: u32 = 26;
/// Seed of both chains, as in `plan_bench`.
const SEED: u64 = 1;
const NETWORK: &str = "bench";
/// The base plan of the MILP gets longer than its scenarios, so that the
/// warm start is a good plan.
const MILP_BASE_FACTOR: f64 = 3.0;

/// Which part to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Lp,
    Milp,
    Memory,
}

#[derive(Debug, Clone)]
struct Args {
    scenarios: usize,
    time_limit: f64,
    milp_scenarios: usize,
    milp_time_limit: f64,
    stored: usize,
    workers: usize,
    only: Option<Part>,
}

impl Args {
    fn parse(mut raw: impl Iterator<Item = String>) -> Result<Args, String> {
        let mut args = Args {
            scenarios: 20,
            time_limit: 300.0,
            milp_scenarios: 8,
            milp_time_limit: 20.0,
            stored: 50,
            workers: 2,
            only: None,
        };
        while let Some(flag) = raw.next() {
            let mut value = || raw.next().ok_or(format!("{flag} needs a value"));
            match flag.as_str() {
                "--scenarios" => args.scenarios = count(&flag, &value()?)?,
                "--milp-scenarios" => args.milp_scenarios = count(&flag, &value()?)?,
                "--stored" => args.stored = count(&flag, &value()?)?,
                "--workers" => args.workers = count(&flag, &value()?)?,
                "--time-limit" => args.time_limit = positive(&flag, &value()?)?,
                "--milp-time-limit" => args.milp_time_limit = positive(&flag, &value()?)?,
                "--only" => {
                    args.only = Some(match value()?.as_str() {
                        "lp" => Part::Lp,
                        "milp" => Part::Milp,
                        "memory" => Part::Memory,
                        other => return Err(format!("--only: lp, milp or memory, not {other}")),
                    })
                }
                // `cargo bench` appends `--bench`; other harness flags and
                // filters mean nothing here.
                _ => {}
            }
        }
        Ok(args)
    }

    fn runs(&self, part: Part) -> bool {
        self.only.is_none_or(|p| p == part)
    }
}

fn count(flag: &str, v: &str) -> Result<usize, String> {
    v.parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or(format!("{flag}: not a positive integer: {v}"))
}

fn positive(flag: &str, v: &str) -> Result<f64, String> {
    v.parse()
        .ok()
        .filter(|t: &f64| t.is_finite() && *t > 0.0)
        .ok_or(format!("{flag}: not a positive number: {v}"))
}

/// The ~150-site LP chain of `plan_bench` (`gen-150`).
fn lp_chain() -> NetworkDoc {
    generate(&GeneratorSpec {
        suppliers: 135,
        items_per_tier: 8,
        periods: PERIODS,
        customers: 14,
        seed: SEED,
        ..GeneratorSpec::default()
    })
}

/// The ~30-site chain of `plan_bench` (`gen-30`) with setups and three
/// renovation candidates: a MILP.
fn milp_chain() -> NetworkDoc {
    generate(&GeneratorSpec {
        suppliers: 24,
        items_per_tier: 4,
        periods: PERIODS,
        customers: 5,
        seed: SEED,
        setups: true,
        renovations: 3,
        ..GeneratorSpec::default()
    })
}

/// `n` varied single-change scenarios of `doc`: supplier and site outages
/// over different windows, demand scales, carbon prices, lane closures,
/// line capacity cuts, cost rises and longer lead times, in turn.
fn scenarios(doc: &NetworkDoc, n: usize) -> Vec<(String, Vec<ScenarioChange>)> {
    let t = doc.horizon.periods;
    let suppliers: Vec<&str> = doc
        .enterprises
        .iter()
        .filter(|e| e.role == Role::Supplier)
        .map(|e| e.id.as_str())
        .collect();
    let customers: Vec<&str> = doc
        .enterprises
        .iter()
        .filter(|e| e.role == Role::Customer)
        .map(|e| e.id.as_str())
        .collect();
    let supplier_sites: Vec<&str> = doc
        .sites
        .iter()
        .filter(|s| suppliers.contains(&s.enterprise.as_str()))
        .map(|s| s.id.as_str())
        .collect();
    // Windows of 1 to 4 periods spread over the horizon.
    let window = |k: usize| {
        let len = 1 + (k % 4) as u32;
        let first = (3 * k as u32 + 2) % (t - len);
        PeriodRange {
            first,
            last: first + len - 1,
        }
    };
    // Spreads the k-th pick over a list with a stride prime to most lengths.
    let pick = |k: usize, len: usize| (k * 7 + k / 8) % len;
    (0..n)
        .map(|k| {
            let periods = window(k);
            let (name, change) = match k % 8 {
                0 => {
                    let e = suppliers[pick(k, suppliers.len())];
                    (
                        format!("{e} down {}..{}", periods.first, periods.last),
                        ScenarioChange::Outage {
                            scope: OutageScope::Enterprise(e.to_string()),
                            periods,
                        },
                    )
                }
                1 => {
                    let factor = 1.05 + 0.05 * (k % 6) as f64;
                    let customer = (k % 2 == 1 && !customers.is_empty())
                        .then(|| customers[pick(k, customers.len())].to_string());
                    (
                        format!(
                            "demand x{factor:.2} {}",
                            customer.as_deref().unwrap_or("all")
                        ),
                        ScenarioChange::DemandScale {
                            item: None,
                            site: None,
                            customer,
                            periods: None,
                            factor,
                        },
                    )
                }
                2 => {
                    let price = doc.policy.carbon_price * (1.5 + (k % 5) as f64);
                    let price = if price > 0.0 { price } else { 0.1 * k as f64 };
                    (
                        format!("carbon price {price:.2}"),
                        ScenarioChange::CarbonPrice { price },
                    )
                }
                3 => {
                    let lane = &doc.lanes[pick(k, doc.lanes.len())].id;
                    (
                        format!("{lane} closed {}..{}", periods.first, periods.last),
                        ScenarioChange::LaneClosure {
                            lane: lane.clone(),
                            periods,
                        },
                    )
                }
                4 => {
                    let line = &doc.lines[pick(k, doc.lines.len())].id;
                    (
                        format!("{line} at 50% {}..{}", periods.first, periods.last),
                        ScenarioChange::CapacityFactor {
                            target: CapacityTarget::Line(line.clone()),
                            periods,
                            factor: 0.5,
                        },
                    )
                }
                5 => {
                    let site = supplier_sites[pick(k, supplier_sites.len())];
                    (
                        format!("{site} down {}..{}", periods.first, periods.last),
                        ScenarioChange::Outage {
                            scope: OutageScope::Site(site.to_string()),
                            periods,
                        },
                    )
                }
                6 => {
                    let item = &doc.items[pick(k, doc.items.len())].id;
                    (
                        format!("{item} cost +20%"),
                        ScenarioChange::CostFactor {
                            scope: CostScope::Item(item.clone()),
                            cost_factor: 1.2,
                            co2_factor: 1.0,
                        },
                    )
                }
                _ => {
                    let lane = &doc.lanes[pick(k, doc.lanes.len())];
                    let lead_time = (lane.lead_time + 2).min(t);
                    (
                        format!("{} lead time {lead_time}", lane.id),
                        ScenarioChange::LeadTime {
                            lane: lane.id.clone(),
                            lead_time,
                        },
                    )
                }
            };
            (format!("s{k:02} {name}"), vec![change])
        })
        .collect()
}

fn main() -> ExitCode {
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("whatif_bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "whatif_bench: {cores} cores, {} workers, {PERIODS} periods, seed {SEED}\n",
        args.workers
    );
    let mut ok = true;
    // First: the solves leave freed heap behind that the allocator reuses,
    // which would hide the copies from the resident-memory delta.
    if args.runs(Part::Memory) {
        ok &= report("memory", run_memory(&args));
    }
    if args.runs(Part::Lp) {
        ok &= report("lp", run_lp(&args));
    }
    if args.runs(Part::Milp) {
        ok &= report("milp", run_milp(&args));
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn report(part: &str, result: Result<String, String>) -> bool {
    match result {
        Ok(table) => {
            println!("{table}");
            true
        }
        Err(e) => {
            eprintln!("whatif_bench: {part}: {e}");
            false
        }
    }
}

/// What a batch took: its wall time, each scenario's time from being taken
/// up to its plan (as the calling thread sees the events), and the results.
struct BatchRun {
    wall_seconds: f64,
    per_scenario: Vec<f64>,
    results: Vec<(String, ScenarioResult)>,
}

fn run_batch(
    base: &NetworkDoc,
    batch: &[(String, Vec<ScenarioChange>)],
    options: &SolveOptions,
    workers: usize,
    label: &str,
) -> BatchRun {
    let started_at: Mutex<HashMap<String, Instant>> = Mutex::new(HashMap::new());
    let took: Mutex<HashMap<String, f64>> = Mutex::new(HashMap::new());
    let started = Instant::now();
    let results = solve_batch(base, batch, options, workers, |name, event| match event {
        ScenarioProgress::Started => {
            started_at
                .lock()
                .unwrap()
                .insert(name.to_string(), Instant::now());
        }
        ScenarioProgress::Solved(_) | ScenarioProgress::Failed => {
            let since = started_at.lock().unwrap().get(name).copied();
            let secs = since.map_or(0.0, |s| s.elapsed().as_secs_f64());
            took.lock().unwrap().insert(name.to_string(), secs);
            eprintln!(
                "whatif_bench: {label}: {name}: {} in {secs:.1} s (batch at {:.0} s)",
                match event {
                    ScenarioProgress::Solved(status) => status.as_str(),
                    _ => "failed",
                },
                started.elapsed().as_secs_f64()
            );
        }
        ScenarioProgress::Solving(_) => {}
    });
    let wall_seconds = started.elapsed().as_secs_f64();
    let took = took.into_inner().unwrap();
    let per_scenario = batch
        .iter()
        .map(|(name, _)| took.get(name).copied().unwrap_or(0.0))
        .collect();
    BatchRun {
        wall_seconds,
        per_scenario,
        results,
    }
}

fn mean(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        0.0
    } else {
        xs.iter().sum::<f64>() / xs.len() as f64
    }
}

fn failures(results: &[(String, ScenarioResult)]) -> Vec<String> {
    results
        .iter()
        .filter_map(|(name, r)| r.as_ref().err().map(|e| format!("{name}: {e}")))
        .collect()
}

// ---------------------------------------------------------------------------
// lp: the batch against N times one cold solve.

fn run_lp(args: &Args) -> Result<String, String> {
    let base = lp_chain();
    let batch = scenarios(&base, args.scenarios);
    let options = SolveOptions {
        time_limit_seconds: Some(args.time_limit),
        ..Default::default()
    };

    // One scenario alone, from its changes to its plan, with the machine to
    // itself.
    eprintln!("whatif_bench: lp: cold solve of {} ...", batch[0].0);
    let started = Instant::now();
    let doc = apply_changes(&base, &batch[0].1).map_err(|e| format!("{e:?}"))?;
    let cold_plan = solve(&doc, &options).map_err(|e| e.to_string())?;
    let cold = started.elapsed().as_secs_f64();
    drop(doc);
    eprintln!(
        "whatif_bench: lp: cold solve {} in {cold:.1} s",
        cold_plan.status.as_str()
    );

    eprintln!(
        "whatif_bench: lp: batch of {} on {} workers ...",
        batch.len(),
        args.workers
    );
    let run = run_batch(&base, &batch, &options, args.workers, "lp");
    let failed = failures(&run.results);
    let n = batch.len() as f64;
    let solver: Vec<f64> = run
        .results
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok().map(|(_, p)| p.stats.solve_seconds))
        .collect();
    let statuses = status_counts(
        run.results
            .iter()
            .filter_map(|(_, r)| r.as_ref().ok().map(|(_, p)| p)),
    );

    let mut out = format!(
        "### lp: gen-{} ({} sites, {} lanes), {} scenarios, {} workers\n\n\
         | figure | value |\n|---|--:|\n",
        base.sites.len(),
        base.sites.len(),
        base.lanes.len(),
        batch.len(),
        args.workers
    );
    let mut row = |k: &str, v: String| out.push_str(&format!("| {k} | {v} |\n"));
    row("one cold solve (apply + solve), s", format!("{cold:.1}"));
    row(
        &format!("{} x one cold solve, s", batch.len()),
        format!("{:.1}", n * cold),
    );
    row("batch wall time, s", format!("{:.1}", run.wall_seconds));
    row(
        "ratio batch / (N x cold)",
        format!("{:.3}", run.wall_seconds / (n * cold)),
    );
    row(
        "mean per-scenario time in the batch (taken up to plan), s",
        format!("{:.1}", mean(&run.per_scenario)),
    );
    row(
        "mean HiGHS time per scenario in the batch, s",
        format!("{:.1}", mean(&solver)),
    );
    row(
        "batch throughput, scenarios per minute",
        format!("{:.2}", 60.0 * n / run.wall_seconds),
    );
    row(
        "50 scenarios at this throughput (extrapolated), s",
        format!("{:.0}", 50.0 * run.wall_seconds / n),
    );
    row("statuses", statuses);
    row("failed scenarios", failed.len().to_string());
    row(
        "speed-up from the base solution (warm start)",
        "n/a: an LP ignores it; see milp".to_string(),
    );
    for f in failed {
        out.push_str(&format!("\nfailed: {f}"));
    }
    out.push_str(&format!(
        "\nTime limit {} s per solve. Cold: scenario `{}` alone, no other solve of this benchmark running.\n",
        args.time_limit, batch[0].0
    ));
    Ok(out)
}

fn status_counts<'a>(plans: impl Iterator<Item = &'a Plan>) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for plan in plans {
        let s = plan.status.as_str();
        match counts.iter_mut().find(|(k, _)| *k == s) {
            Some((_, c)) => *c += 1,
            None => counts.push((s, 1)),
        }
    }
    counts
        .iter()
        .map(|(s, c)| format!("{c} {s}"))
        .collect::<Vec<_>>()
        .join(", ")
}

// ---------------------------------------------------------------------------
// milp: warm start from the base plan against none, same time limit.

fn run_milp(args: &Args) -> Result<String, String> {
    let base = milp_chain();
    let batch = scenarios(&base, args.milp_scenarios);
    let base_limit = MILP_BASE_FACTOR * args.milp_time_limit;
    eprintln!("whatif_bench: milp: base solve (limit {base_limit} s) ...");
    let started = Instant::now();
    let base_plan = solve(
        &base,
        &SolveOptions {
            time_limit_seconds: Some(base_limit),
            ..Default::default()
        },
    )
    .map_err(|e| e.to_string())?;
    let base_seconds = started.elapsed().as_secs_f64();
    if !base_plan.status.has_solution() {
        return Err(format!("base plan {}", base_plan.status.as_str()));
    }
    eprintln!(
        "whatif_bench: milp: base {} in {base_seconds:.1} s, gap {:?}",
        base_plan.status.as_str(),
        base_plan.gap
    );
    let integer_variables = base_plan.stats.integer_variables;
    let cold_options = SolveOptions {
        time_limit_seconds: Some(args.milp_time_limit),
        ..Default::default()
    };
    let warm_options = SolveOptions {
        warm_start: Some(Arc::new(base_plan.clone())),
        ..cold_options.clone()
    };
    let cold = run_batch(&base, &batch, &cold_options, args.workers, "milp cold");
    let warm = run_batch(&base, &batch, &warm_options, args.workers, "milp warm");

    let mut out = format!(
        "### milp: gen-{} with setups and 3 renovations ({} integer variables), {} scenarios, \
         {} workers, {} s per scenario\n\n\
         Base plan: {} in {base_seconds:.1} s (limit {base_limit} s), objective {:.1}, gap {} %.\n\n\
         | scenario | cold status | cold s | cold gap % | warm status | warm s | warm gap % \
         | warm / cold objective |\n|---|---|--:|--:|---|--:|--:|--:|\n",
        base.sites.len(),
        integer_variables,
        batch.len(),
        args.workers,
        args.milp_time_limit,
        base_plan.status.as_str(),
        base_plan.objective.unwrap_or(f64::NAN),
        gap_percent(base_plan.gap),
    );
    let plan_of = |r: &ScenarioResult| r.as_ref().ok().map(|(_, p)| p.clone());
    let mut cold_time = Vec::new();
    let mut warm_time = Vec::new();
    let mut cold_gap = Vec::new();
    let mut warm_gap = Vec::new();
    for (k, (name, _)) in batch.iter().enumerate() {
        let (c, w) = (plan_of(&cold.results[k].1), plan_of(&warm.results[k].1));
        let status = |p: &Option<Plan>| p.as_ref().map_or("failed", |p| p.status.as_str());
        let secs = |p: &Option<Plan>| p.as_ref().map_or(0.0, |p| p.stats.solve_seconds);
        let gap = |p: &Option<Plan>| p.as_ref().and_then(|p| p.gap);
        cold_time.push(secs(&c));
        warm_time.push(secs(&w));
        cold_gap.push(gap(&c).unwrap_or(0.0));
        warm_gap.push(gap(&w).unwrap_or(0.0));
        let ratio = match (
            c.as_ref().and_then(|p| p.objective),
            w.as_ref().and_then(|p| p.objective),
        ) {
            (Some(c), Some(w)) if c != 0.0 => format!("{:.4}", w / c),
            _ => "-".into(),
        };
        out.push_str(&format!(
            "| {name} | {} | {:.1} | {} | {} | {:.1} | {} | {ratio} |\n",
            status(&c),
            secs(&c),
            gap_percent(gap(&c)),
            status(&w),
            secs(&w),
            gap_percent(gap(&w)),
        ));
    }
    let optimal = |run: &BatchRun| {
        run.results
            .iter()
            .filter(|(_, r)| {
                r.as_ref()
                    .is_ok_and(|(_, p)| p.status.as_str() == "optimal")
            })
            .count()
    };
    out.push_str(&format!(
        "\n| figure | cold | warm |\n|---|--:|--:|\n\
         | batch wall time, s | {:.1} | {:.1} |\n\
         | mean HiGHS time per scenario, s | {:.1} | {:.1} |\n\
         | optimal within the limit | {} / {n} | {} / {n} |\n\
         | mean gap reached, % | {:.3} | {:.3} |\n\
         | speed-up (cold / warm mean HiGHS time) | | {:.2} |\n",
        cold.wall_seconds,
        warm.wall_seconds,
        mean(&cold_time),
        mean(&warm_time),
        optimal(&cold),
        optimal(&warm),
        100.0 * mean(&cold_gap),
        100.0 * mean(&warm_gap),
        mean(&cold_time) / mean(&warm_time).max(1e-9),
        n = batch.len(),
    ));
    for f in failures(&cold.results)
        .into_iter()
        .chain(failures(&warm.results))
    {
        out.push_str(&format!("\nfailed: {f}"));
    }
    Ok(out)
}

fn gap_percent(gap: Option<f64>) -> String {
    gap.map_or("-".into(), |g| format!("{:.3}", 100.0 * g))
}

// ---------------------------------------------------------------------------
// memory: stored overlays against full copies.

fn run_memory(args: &Args) -> Result<String, String> {
    let base = Arc::new(lp_chain());
    let batch = scenarios(&base, args.stored);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| e.to_string())?;
    let store = MemoryStore::new();
    let version = runtime
        .block_on(store.put_network(NETWORK, base.clone(), NetworkChange::Put, "bench", None))
        .map_err(|e| e.to_string())?
        .version;

    let before = resident_kib().ok_or("no VmRSS in /proc/self/status")?;
    for (k, (name, changes)) in batch.iter().enumerate() {
        runtime
            .block_on(store.put_scenario(ScenarioRecord {
                scenario_id: format!("scenario-{k}"),
                name: name.clone(),
                network_id: NETWORK.into(),
                base_version: version,
                changes: changes.clone(),
                created_at: SystemTime::now(),
                plan_id: None,
                base_plan_id: None,
            }))
            .map_err(|e| e.to_string())?;
    }
    let stored_kib = resident_kib().unwrap_or(before) - before;

    let before = resident_kib().unwrap_or(0);
    let mut copies = Vec::with_capacity(batch.len());
    for (_, changes) in &batch {
        copies.push(apply_changes(&base, changes).map_err(|e| format!("{e:?}"))?);
    }
    let copies_kib = resident_kib().unwrap_or(before) - before;

    let changes_json: usize = batch
        .iter()
        .map(|(name, c)| name.len() + serde_json::to_vec(c).map_or(0, |v| v.len()))
        .sum();
    let copies_json: usize = copies
        .iter()
        .map(|d| serde_json::to_vec(d).map_or(0, |v| v.len()))
        .sum();
    let n = batch.len();
    drop(copies);

    Ok(format!(
        "### memory: {n} scenarios of gen-{}\n\n\
         | figure | {n} stored scenarios | {n} full copies | copies / stored |\n|---|--:|--:|--:|\n\
         | resident memory delta (VmRSS), KiB | {stored_kib} | {copies_kib} | {} |\n\
         | serialized JSON, bytes | {changes_json} | {copies_json} | {:.0} |\n\
         \nResident memory moves in pages and the allocator may reuse freed memory, so a \
         delta of a few KiB is at the resolution of the measure. Stored: the scenario \
         records in a `MemoryStore` (name and changes; JSON counts both). Copies: the \
         documents after `apply_changes`.\n",
        base.sites.len(),
        if stored_kib > 0 {
            format!("{:.0}", copies_kib as f64 / stored_kib as f64)
        } else {
            "-".into()
        },
        copies_json as f64 / changes_json.max(1) as f64,
    ))
}

/// Resident memory of this process (`VmRSS`), in KiB, where Linux reports it.
fn resident_kib() -> Option<i64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

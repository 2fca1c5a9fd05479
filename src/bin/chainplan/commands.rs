//! The one-shot subcommands: each reads its input, calls the library and
//! writes the result (JSON or a report) to stdout.

use crate::args::*;
use crate::exit::Exit;
use crate::progress::ProgressLine;
use anyhow::Context;
use chainplan::import::generate::{add_renovation_candidates, generate, GeneratorSpec};
use chainplan::import::willems::read_willems;
use chainplan::model::scenario::{apply_changes, ScenarioChange};
use chainplan::model::{parse_network, NetworkDoc};
use chainplan::planning::batch::{solve_batch, BatchError, ScenarioProgress};
use chainplan::planning::compare::{self, Comparison};
use chainplan::planning::criticality;
use chainplan::planning::graph::ChainGraph;
use chainplan::planning::{solve, SolveOptions};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;

pub fn validate(args: &ValidateArgs) -> Result<(), Exit> {
    let text = read_doc(&args.doc)?;
    let (_, warnings) = parse_network(&text)?;
    // The verdict and its warnings are this command's output, so both go to stdout.
    let mut text = String::from("ok\n");
    for w in &warnings {
        text.push_str(&format!("warning: {w}\n"));
    }
    write_stdout(&text)
}

pub fn solve_doc(args: &SolveArgs) -> Result<(), Exit> {
    let doc = load_doc(&args.doc)?;
    let progress = ProgressLine::new();
    let options = SolveOptions {
        time_limit_seconds: args.time_limit,
        relative_gap: args.gap,
        threads: args.threads,
        lp_algorithm: args.lp_algorithm.into(),
        strategy: args.strategy,
        highs_options: args.highs_options.clone(),
        progress: Some(progress.callback()),
        // HiGHS logs to stdout, where the plan goes; its log stays off here.
        ..SolveOptions::default()
    };
    let solved = solve(&doc, &options);
    progress.finish();
    let plan = solved?;
    tracing::info!(status = plan.status.as_str(), objective = ?plan.objective, "solved");

    let json = serde_json::to_string_pretty(&plan)
        .context("serialising the plan")
        .map_err(Exit::Internal)?;
    if let Some(out) = &args.out {
        write_file(out, &json)?;
    }
    match args.format {
        SolveFormat::Summary => write_stdout(&chainplan::report::summary(&doc, &plan)),
        SolveFormat::Json if args.out.is_none() => write_stdout(&format!("{json}\n")),
        SolveFormat::Json => Ok(()),
    }
}

pub fn whatif(args: &WhatifArgs) -> Result<(), Exit> {
    let doc = load_doc(&args.doc)?;
    // Every change file is read and checked before anything is solved, so
    // one run lists every problem of every file.
    let mut scenarios: Vec<(String, Vec<ScenarioChange>)> = Vec::new();
    let mut problems = Vec::new();
    for file in &args.changes {
        let name = file.file_stem().map_or_else(
            || file.display().to_string(),
            |s| s.to_string_lossy().into(),
        );
        let shown = file.display();
        if scenarios.iter().any(|(n, _)| *n == name) {
            problems.push(format!("{shown}: a second scenario named \"{name}\""));
            continue;
        }
        match read_changes(file) {
            Ok(changes) => {
                if let Err(found) = apply_changes(&doc, &changes) {
                    problems.extend(found.iter().map(|p| format!("{shown}: {p}")));
                }
                scenarios.push((name, changes));
            }
            Err(lines) => problems.extend(lines),
        }
    }
    if !problems.is_empty() {
        return Err(Exit::Invalid(problems));
    }

    let options = SolveOptions {
        time_limit_seconds: args.time_limit,
        ..SolveOptions::default()
    };
    let base = Arc::new(solve_with_progress(&doc, &options)?);
    // A MILP scenario starts from the base plan's setups and renovations.
    let options = SolveOptions {
        warm_start: Some(base.clone()),
        ..options
    };
    let workers = args.workers.map_or_else(cores, |n| n as usize);
    let solved = solve_batch(&doc, &scenarios, &options, workers, report_scenario);
    let mut comparisons: Vec<(String, Comparison)> = Vec::new();
    for (name, result) in solved {
        match result {
            Ok((scenario_doc, plan)) => {
                comparisons.push((name, compare::compare(&doc, &base, &scenario_doc, &plan)));
            }
            Err(BatchError::Changes(found)) => {
                return Err(Exit::Invalid(
                    found.iter().map(|p| format!("{name}: {p}")).collect(),
                ));
            }
            Err(BatchError::Solve(e)) => return Err(e.into()),
            // Only a batch with `ends_by` leaves a scenario unstarted.
            Err(e @ BatchError::NotStarted) => return Err(Exit::Internal(e.into())),
        }
    }

    match args.format {
        ReportFormat::Json => {
            let list: Vec<serde_json::Value> = comparisons
                .iter()
                .map(|(name, c)| serde_json::json!({"name": name, "comparison": c}))
                .collect();
            write_json(&list)
        }
        ReportFormat::Summary => {
            write_stdout(&chainplan::report::whatif_report(&doc, &base, &comparisons))
        }
    }
}

/// A change file: a JSON array of changes. Each change is read on its own
/// so that a problem names its place (`changes[2]: ...`).
pub fn read_changes(file: &Path) -> Result<Vec<ScenarioChange>, Vec<String>> {
    let shown = file.display();
    let text =
        std::fs::read_to_string(file).map_err(|e| vec![format!("cannot read {shown}: {e}")])?;
    let values: Vec<serde_json::Value> = serde_json::from_str(&text)
        .map_err(|e| vec![format!("{shown}: not a JSON array of changes: {e}")])?;
    let mut changes = Vec::new();
    let mut problems = Vec::new();
    for (k, value) in values.into_iter().enumerate() {
        match serde_json::from_value::<ScenarioChange>(value) {
            Ok(change) => changes.push(change),
            Err(e) => problems.push(format!("{shown}: changes[{k}]: {e}")),
        }
    }
    if problems.is_empty() {
        Ok(changes)
    } else {
        Err(problems)
    }
}

pub fn criticality_of(args: &CriticalityArgs) -> Result<(), Exit> {
    let doc = load_doc(&args.doc)?;
    let periods = doc.horizon.periods;
    if args.periods.last >= periods {
        return Err(Exit::Invalid(vec![format!(
            "--periods: the last period is {}, but the horizon has periods 0..{}",
            args.periods.last,
            periods - 1
        )]));
    }
    let options = SolveOptions {
        time_limit_seconds: args.time_limit,
        ..SolveOptions::default()
    };
    let base = solve_with_progress(&doc, &options)?;
    let workers = args.workers.map_or_else(cores, |n| n as usize);
    let ranking = criticality::criticality(&doc, &base, args.periods, &options, workers);
    match args.format {
        ReportFormat::Json => write_json(&ranking),
        ReportFormat::Summary => write_stdout(&chainplan::report::criticality_summary(&ranking)),
    }
}

pub fn simulate(args: &SimulateArgs) -> Result<(), Exit> {
    use chainplan::planning::simulate::{simulate, SimulationSpec};
    let doc = load_doc(&args.doc)?;
    if !(0.0..=1.0).contains(&args.pushback) {
        return Err(Exit::Invalid(vec![format!(
            "--pushback: a chance between 0 and 1, got {}",
            args.pushback
        )]));
    }
    if !(args.stability_penalty.is_finite() && args.stability_penalty >= 0.0) {
        return Err(Exit::Invalid(vec![format!(
            "--stability-penalty: a finite number >= 0, got {}",
            args.stability_penalty
        )]));
    }
    let mut spec = SimulationSpec::new(args.weeks, args.seed);
    spec.pushback_chance = args.pushback;
    spec.stability_penalty = args.stability_penalty;
    spec.options.time_limit_seconds = args.time_limit;
    spec.options.strategy = args.strategy;
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("--out: cannot create {}", dir.display()))
            .map_err(Exit::Internal)?;
    }
    let mut written = Ok(());
    let weeks = simulate(&doc, &spec, |w| {
        tracing::info!(week = w.week, status = w.status, objective = ?w.objective, "week planned and rolled");
        if let (Some(dir), Ok(())) = (&args.out, &written) {
            written = write_week(dir, w);
        }
    })?;
    written?;
    match args.format {
        ReportFormat::Json => write_json(&weeks),
        ReportFormat::Summary => write_stdout(&chainplan::report::simulation_summary(&weeks)),
    }
}

/// One simulated week's document, plan and actuals as JSON files.
fn write_week(dir: &Path, w: &chainplan::planning::simulate::Week) -> Result<(), Exit> {
    let files: [(&str, serde_json::Result<String>); 3] = [
        ("doc", serde_json::to_string_pretty(&w.document)),
        ("plan", serde_json::to_string_pretty(&w.plan)),
        ("actuals", serde_json::to_string_pretty(&w.actuals)),
    ];
    for (kind, text) in files {
        let path = dir.join(format!("week-{}.{kind}.json", w.week));
        let text = text
            .context("serialising a simulated week")
            .map_err(Exit::Internal)?;
        write_file(&path, &text)?;
    }
    Ok(())
}

pub fn tradeoff(args: &TradeoffArgs) -> Result<(), Exit> {
    let doc = load_doc(&args.doc)?;
    let options = SolveOptions {
        time_limit_seconds: args.time_limit,
        ..SolveOptions::default()
    };
    let curve = chainplan::planning::tradeoff_curve(&doc, args.points as usize, &options)?;
    match args.format {
        ReportFormat::Json => write_json(&curve),
        ReportFormat::Summary => write_stdout(&chainplan::report::curve_summary(&curve)),
    }
}

pub fn renovate(args: &RenovateArgs) -> Result<(), Exit> {
    use chainplan::planning::renovation;
    let doc = load_doc(&args.doc)?;
    let options = SolveOptions {
        time_limit_seconds: args.time_limit,
        ..SolveOptions::default()
    };
    let plan = solve_with_progress(&doc, &options)?;
    if !plan.status.has_solution() {
        return write_stdout(&chainplan::report::summary(&doc, &plan));
    }
    let answers = renovation::renovation_answers(&doc, &plan);
    let step = match args
        .budget_step
        .or_else(|| renovation::default_budget_step(&doc, &plan))
    {
        Some(step) => renovation::budget_step(&doc, &plan, step, &options)?,
        None => None,
    };
    match args.format {
        ReportFormat::Json => write_json(&serde_json::json!({
            "plan": plan,
            "renovations": answers,
            "budget_step": step,
        })),
        ReportFormat::Summary => write_stdout(&chainplan::report::renovation_summary(
            &doc,
            &plan,
            &answers,
            step.as_ref(),
        )),
    }
}

/// Solves the base document with the progress line on stderr.
pub fn solve_with_progress(
    doc: &NetworkDoc,
    options: &SolveOptions,
) -> Result<chainplan::model::Plan, Exit> {
    let progress = ProgressLine::new();
    let options = SolveOptions {
        progress: Some(progress.callback()),
        ..options.clone()
    };
    let solved = solve(doc, &options);
    progress.finish();
    Ok(solved?)
}

/// One line on stderr as each scenario of a batch ends.
pub fn report_scenario(name: &str, event: ScenarioProgress) {
    match event {
        ScenarioProgress::Solved(status) => eprintln!("scenario {name}: {}", status.as_str()),
        ScenarioProgress::Failed => eprintln!("scenario {name}: no plan"),
        ScenarioProgress::Started | ScenarioProgress::Solving(_) => {}
    }
}

pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

pub fn write_json(value: &impl serde::Serialize) -> Result<(), Exit> {
    let json = serde_json::to_string_pretty(value)
        .context("serialising the result")
        .map_err(Exit::Internal)?;
    write_stdout(&format!("{json}\n"))
}

pub fn graph(args: &GraphArgs) -> Result<(), Exit> {
    let text = read_doc(&args.doc)?;
    let (doc, _) = parse_network(&text)?;
    match args.format {
        GraphFormat::Dot => write_stdout(&chainplan::report::graph_dot(
            &ChainGraph::build(&doc),
            &doc,
        )),
    }
}

pub fn generate_doc(args: &GenerateArgs) -> Result<(), Exit> {
    let spec = GeneratorSpec {
        suppliers: args.suppliers,
        // Bounded to 1.. by clap; a u64 that does not fit memory would not fit a usize either.
        items_per_tier: usize::try_from(args.items_per_tier).unwrap_or(usize::MAX),
        periods: args.periods,
        customers: args.customers,
        seed: args.seed,
        setups: args.setups,
        renovations: args.renovations,
        shares: args.shares,
        carbon: args.carbon,
    };
    write_document(&generate(&spec), args.out.as_deref())
}

pub fn import_willems(args: &WillemsArgs) -> Result<(), Exit> {
    let mut doc = read_willems(&args.dir, &args.nn, args.seed, args.periods)
        .map_err(|err| Exit::Invalid(vec![err.to_string()]))?;
    add_renovation_candidates(&mut doc, args.renovations, args.seed);
    write_document(&doc, args.out.as_deref())
}

pub fn import_trigeiro(args: &LotSizingArgs) -> Result<(), Exit> {
    let doc = chainplan::import::trigeiro::read_trigeiro(&args.file)
        .map_err(|err| Exit::Invalid(vec![err.to_string()]))?;
    write_document(&doc, args.out.as_deref())
}

pub fn import_mlclsp(args: &LotSizingArgs) -> Result<(), Exit> {
    let doc = chainplan::import::mlclsp::read_mlclsp(&args.file)
        .map_err(|err| Exit::Invalid(vec![err.to_string()]))?;
    write_document(&doc, args.out.as_deref())
}

/// Writes a document as pretty JSON to `out`, or to stdout without one.
pub fn write_document(doc: &NetworkDoc, out: Option<&Path>) -> Result<(), Exit> {
    let json = serde_json::to_string_pretty(doc)
        .context("serialising the document")
        .map_err(Exit::Internal)?;
    let json = format!("{json}\n");
    match out {
        Some(out) => write_file(out, &json),
        None => write_stdout(&json),
    }
}

/// Reads a document from a file, or from stdin for `-`. A file that cannot be
/// read is the caller's input problem (exit 1), not an internal failure.
/// The network document at `path` (`-`: standard input), parsed, with its
/// warnings on standard error.
fn load_doc(path: &Path) -> Result<NetworkDoc, Exit> {
    let (doc, warnings) = parse_network(&read_doc(path)?)?;
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    Ok(doc)
}

pub fn read_doc(path: &Path) -> Result<String, Exit> {
    let result = if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map(|_| text)
    } else {
        std::fs::read_to_string(path)
    };
    result.map_err(|e| Exit::Invalid(vec![format!("cannot read {}: {e}", path.display())]))
}

pub fn write_file(path: &Path, text: &str) -> Result<(), Exit> {
    std::fs::write(path, text)
        .with_context(|| format!("writing {}", path.display()))
        .map_err(Exit::Internal)
}

pub fn write_stdout(text: &str) -> Result<(), Exit> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .context("writing to stdout")
        .map_err(Exit::Internal)
}

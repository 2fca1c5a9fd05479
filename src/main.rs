//! The `chainplan` command line: validate a network document, solve it to a
//! plan, compare what-if scenarios with it, rank suppliers by criticality,
//! draw its chain as Graphviz DOT, or generate a synthetic one.
//!
//! Owns argument parsing (clap), tracing set-up and the mapping of failures to
//! exit codes (see [`Exit`]). Everything it does is a call into the library;
//! no planning logic lives here.

mod serve;
mod worker;

use anyhow::Context;
use chainplan::import::willems::read_willems;
use chainplan::model::scenario::{apply_changes, PeriodRange, ScenarioChange};
use chainplan::model::{parse_network, DocError, NetworkDoc, Problem};
use chainplan::planning::batch::{solve_batch, BatchError, ScenarioProgress};
use chainplan::planning::compare::{self, Comparison};
use chainplan::planning::criticality;
use chainplan::planning::generate::{add_renovation_candidates, generate, GeneratorSpec};
use chainplan::planning::graph::ChainGraph;
use chainplan::planning::{solve, LpAlgorithm, PlanError, Progress, SolveOptions};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Supply-chain collaboration scheduling: production, allocation and
/// coordinated line renovation as one LP/MILP.
#[derive(Debug, Parser)]
#[command(name = "chainplan", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a network document; print `ok` and any warnings, or every error.
    Validate(ValidateArgs),
    /// Solve a network document to a plan.
    Solve(SolveArgs),
    /// Solve what-if scenarios of a network document and compare each
    /// with today's plan.
    Whatif(WhatifArgs),
    /// Rank supplier enterprises by what their outage would cost the chain.
    Criticality(CriticalityArgs),
    /// The cost-CO2 trade-off curve of a network document: N plans from the
    /// cheapest to the cleanest, by the epsilon-constraint method.
    Tradeoff(TradeoffArgs),
    /// Solve a network document and answer for its renovation programme:
    /// each renovation's window, capex, capacity and savings, the demands its
    /// downtime delayed, one more budget step, and a downtime timeline.
    Renovate(RenovateArgs),
    /// Draw the chain of a network document.
    Graph(GraphArgs),
    /// Generate a synthetic, valid network document.
    Generate(GenerateArgs),
    /// Turn a published benchmark instance into a network document.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Serve the gRPC API (ERP, planners, suppliers).
    Serve(serve::ServeArgs),
    /// Take solve jobs from the shared queue of a Redis store (no API).
    Worker(worker::WorkerArgs),
}

#[derive(Debug, Subcommand)]
enum ImportCommand {
    /// A Willems (2008) chain: `DIR/NN_SD.csv` and `DIR/NN_LL.csv`.
    Willems(WillemsArgs),
    /// A Trigeiro, Thomas & McClain (1989) lot-sizing instance (`G53.DAT`).
    Trigeiro(LotSizingArgs),
    /// A Tempelmeier & Derstroff (1996) multi-level lot-sizing instance:
    /// `NAME.TMP` with its structure and demand files beside it.
    Mlclsp(LotSizingArgs),
}

#[derive(Debug, Args)]
struct LotSizingArgs {
    /// The instance file.
    file: PathBuf,
    /// Write the document here instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct WillemsArgs {
    /// The folder holding the chain's CSV files.
    dir: PathBuf,
    /// The chain number, as in its file names (`01` .. `38`).
    nn: String,
    /// Seed of the drawn capacities, stocks, costs and demands.
    #[arg(long, value_name = "S", default_value_t = 1)]
    seed: u64,
    /// Weekly periods of the horizon.
    #[arg(long, value_name = "T", default_value_t = 26)]
    periods: u32,
    /// Add a renovation programme of N random candidates, each on its own
    /// line, drawn from the same seed.
    #[arg(long, value_name = "N", default_value_t = 0)]
    renovations: usize,
    /// Write the document here instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct ValidateArgs {
    /// The network document (JSON); `-` reads standard input.
    doc: PathBuf,
}

#[derive(Debug, Args)]
struct SolveArgs {
    /// The network document (JSON); `-` reads standard input.
    doc: PathBuf,
    /// Write the plan JSON here instead of standard output.
    #[arg(long, value_name = "PLAN.json")]
    out: Option<PathBuf>,
    /// Wall-clock limit for the solver, in seconds.
    #[arg(long, value_name = "S")]
    time_limit: Option<f64>,
    /// Relative MIP gap at which to stop, between 0 and 1.
    #[arg(long, value_name = "G")]
    gap: Option<f64>,
    /// Solver threads.
    #[arg(long, value_name = "N")]
    threads: Option<u32>,
    /// LP algorithm for a linear program.
    #[arg(long, value_enum, default_value_t = Algorithm::Ipm)]
    lp_algorithm: Algorithm,
    /// What to print on standard output.
    #[arg(long, value_enum, default_value_t = SolveFormat::Json)]
    format: SolveFormat,
    /// A further HiGHS option, NAME=VALUE (repeatable), for tuning hard instances.
    #[arg(long = "highs-option", value_name = "NAME=VALUE", value_parser = parse_highs_option)]
    highs_options: Vec<(String, String)>,
}

/// `NAME=VALUE` of `--highs-option`.
fn parse_highs_option(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_string(), value.to_string())),
        _ => Err(format!("expected NAME=VALUE, got \"{text}\"")),
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Algorithm {
    Ipm,
    Simplex,
    Choose,
}

impl From<Algorithm> for LpAlgorithm {
    fn from(a: Algorithm) -> LpAlgorithm {
        match a {
            Algorithm::Ipm => LpAlgorithm::Ipm,
            Algorithm::Simplex => LpAlgorithm::Simplex,
            Algorithm::Choose => LpAlgorithm::Choose,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SolveFormat {
    /// The plan as pretty JSON.
    Json,
    /// The readable report; with --out, the JSON still goes to the file.
    Summary,
}

#[derive(Debug, Args)]
struct WhatifArgs {
    /// The base network document (JSON); `-` reads standard input.
    doc: PathBuf,
    /// A scenario: a JSON array of changes, named after the file's stem
    /// (repeatable, at least once).
    #[arg(long = "change", value_name = "FILE", required = true)]
    changes: Vec<PathBuf>,
    /// What to print on standard output.
    #[arg(long, value_enum, default_value_t = ReportFormat::Summary)]
    format: ReportFormat,
    /// Wall-clock limit for each solve, in seconds.
    #[arg(long, value_name = "S")]
    time_limit: Option<f64>,
    /// Scenarios solved at once (default: the machine's cores).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    workers: Option<u32>,
}

#[derive(Debug, Args)]
struct CriticalityArgs {
    /// The network document (JSON); `-` reads standard input.
    doc: PathBuf,
    /// The outage's periods, first and last included: `A..B`.
    #[arg(long, value_name = "A..B", value_parser = parse_periods)]
    periods: PeriodRange,
    /// What to print on standard output.
    #[arg(long, value_enum, default_value_t = ReportFormat::Summary)]
    format: ReportFormat,
    /// Wall-clock limit for each solve, in seconds.
    #[arg(long, value_name = "S")]
    time_limit: Option<f64>,
    /// Outages solved at once (default: the machine's cores).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    workers: Option<u32>,
}

#[derive(Debug, Args)]
struct TradeoffArgs {
    /// The network document (JSON); `-` reads standard input.
    doc: PathBuf,
    /// Plans on the curve, the cheapest and the cleanest included.
    #[arg(long, value_name = "N", default_value_t = 5,
          value_parser = clap::value_parser!(u32).range(2..=100))]
    points: u32,
    /// What to print on standard output (`json`: the plans, in order).
    #[arg(long, value_enum, default_value_t = ReportFormat::Summary)]
    format: ReportFormat,
    /// Wall-clock limit for the whole curve, in seconds.
    #[arg(long, value_name = "S")]
    time_limit: Option<f64>,
}

#[derive(Debug, Args)]
struct RenovateArgs {
    /// The network document (JSON); `-` reads standard input.
    doc: PathBuf,
    /// The extra renovation budget to try (default: the smallest net capex
    /// of a renovation the plan leaves out).
    #[arg(long, value_name = "AMOUNT")]
    budget_step: Option<f64>,
    /// What to print on standard output.
    #[arg(long, value_enum, default_value_t = ReportFormat::Summary)]
    format: ReportFormat,
    /// Wall-clock limit for each solve, in seconds.
    #[arg(long, value_name = "S")]
    time_limit: Option<f64>,
}

/// `A..B` of `--periods`: both ends included.
fn parse_periods(text: &str) -> Result<PeriodRange, String> {
    let bad = || format!("expected FIRST..LAST such as 2..4, got \"{text}\"");
    let (first, last) = text.split_once("..").ok_or_else(bad)?;
    let first: u32 = first.trim().parse().map_err(|_| bad())?;
    let last: u32 = last.trim().parse().map_err(|_| bad())?;
    if first > last {
        return Err(format!("the first period {first} is after the last {last}"));
    }
    Ok(PeriodRange { first, last })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    /// The readable report.
    Summary,
    /// The figures as pretty JSON.
    Json,
}

#[derive(Debug, Args)]
struct GraphArgs {
    /// The network document (JSON); `-` reads standard input.
    doc: PathBuf,
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    format: GraphFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum GraphFormat {
    /// Graphviz DOT.
    Dot,
}

#[derive(Debug, Args)]
struct GenerateArgs {
    /// Supplier enterprises, spread over tiers 3, 2 and 1.
    #[arg(long, value_name = "N")]
    suppliers: usize,
    /// Items per upstream tier.
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u64).range(1..))]
    items_per_tier: u64,
    /// Number of periods.
    #[arg(long, value_name = "T",
          value_parser = clap::value_parser!(u32).range(1..=i64::from(chainplan::model::MAX_PERIODS)))]
    periods: u32,
    /// Customer distribution centres.
    #[arg(long, value_name = "C")]
    customers: usize,
    /// Seed of the random stream: the same arguments give the same document.
    #[arg(long, value_name = "S")]
    seed: u64,
    /// Give operations setup costs, setup times and minimum lots.
    #[arg(long)]
    setups: bool,
    /// Lines to renovate.
    #[arg(long, value_name = "R", default_value_t = 0)]
    renovations: usize,
    /// Put sourcing shares on some lanes.
    #[arg(long)]
    shares: bool,
    /// Set a carbon price.
    #[arg(long)]
    carbon: bool,
    /// Write the document here instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// How a command failed, which decides the exit code the shell sees.
/// Usage errors never get here: clap exits with 2 itself.
enum Exit {
    /// The input cannot be used (unreadable, malformed, invalid, a bad option):
    /// exit 1, each line printed as `error: ...`.
    Invalid(Vec<String>),
    /// Something broke that the input did not cause (solver, writing output):
    /// exit 3.
    Internal(anyhow::Error),
}

impl Exit {
    fn report(self) -> ExitCode {
        match self {
            Exit::Invalid(lines) => {
                for line in lines {
                    eprintln!("error: {line}");
                }
                ExitCode::from(1)
            }
            Exit::Internal(err) => {
                eprintln!("error: {err:#}");
                ExitCode::from(3)
            }
        }
    }
}

impl From<DocError> for Exit {
    fn from(e: DocError) -> Exit {
        // One line per problem, so a long list stays greppable by path.
        let lines = match e {
            DocError::Invalid(problems) => problems.iter().map(Problem::to_string).collect(),
            other => vec![other.to_string()],
        };
        Exit::Invalid(lines)
    }
}

impl From<PlanError> for Exit {
    fn from(e: PlanError) -> Exit {
        match e {
            PlanError::Document(doc) => doc.into(),
            PlanError::Option { .. } | PlanError::TooLarge(_) => Exit::Invalid(vec![e.to_string()]),
            // The CLI sets no cancel flag, so `Cancelled` cannot happen here.
            PlanError::Solver(_) | PlanError::Cancelled => Exit::Internal(e.into()),
        }
    }
}

fn main() -> ExitCode {
    // Parsed before tracing is set up: clap prints help and usage errors itself
    // and exits 0 for --help/--version, 2 for a usage error.
    let cli = Cli::parse();
    // The server reports what it does; the one-shot commands stay quiet.
    init_tracing(
        if matches!(cli.command, Command::Serve(_) | Command::Worker(_)) {
            "info"
        } else {
            "warn"
        },
    );
    let result = match cli.command {
        Command::Validate(args) => validate(&args),
        Command::Solve(args) => solve_doc(&args),
        Command::Whatif(args) => whatif(&args),
        Command::Criticality(args) => criticality_of(&args),
        Command::Tradeoff(args) => tradeoff(&args),
        Command::Renovate(args) => renovate(&args),
        Command::Graph(args) => graph(&args),
        Command::Generate(args) => generate_doc(&args),
        Command::Import(ImportCommand::Willems(args)) => import_willems(&args),
        Command::Import(ImportCommand::Trigeiro(args)) => import_trigeiro(&args),
        Command::Import(ImportCommand::Mlclsp(args)) => import_mlclsp(&args),
        Command::Serve(args) => serve::serve(&args).map_err(Exit::Internal),
        Command::Worker(args) => worker::worker(&args).map_err(Exit::Internal),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(exit) => exit.report(),
    }
}

/// Logs go to stderr so they never mix with a plan or document on stdout.
fn init_tracing(default_level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| {
            // A log event during a solve would otherwise be appended to the
            // in-place progress line; clear it, and the next tick redraws it.
            if PROGRESS_SHOWN.load(Ordering::Relaxed) {
                let _ = write!(std::io::stderr(), "\r\x1b[K");
            }
            std::io::stderr()
        })
        // Colour codes would litter a log file or a CI transcript.
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

fn validate(args: &ValidateArgs) -> Result<(), Exit> {
    let text = read_doc(&args.doc)?;
    let (_, warnings) = parse_network(&text)?;
    // The verdict and its warnings are this command's output, so both go to stdout.
    let mut text = String::from("ok\n");
    for w in &warnings {
        text.push_str(&format!("warning: {w}\n"));
    }
    write_stdout(&text)
}

fn solve_doc(args: &SolveArgs) -> Result<(), Exit> {
    let text = read_doc(&args.doc)?;
    let (doc, warnings) = parse_network(&text)?;
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    let progress = ProgressLine::new();
    let options = SolveOptions {
        time_limit_seconds: args.time_limit,
        relative_gap: args.gap,
        threads: args.threads,
        lp_algorithm: args.lp_algorithm.into(),
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

fn whatif(args: &WhatifArgs) -> Result<(), Exit> {
    let text = read_doc(&args.doc)?;
    let (doc, warnings) = parse_network(&text)?;
    for w in &warnings {
        eprintln!("warning: {w}");
    }
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
fn read_changes(file: &Path) -> Result<Vec<ScenarioChange>, Vec<String>> {
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

fn criticality_of(args: &CriticalityArgs) -> Result<(), Exit> {
    let text = read_doc(&args.doc)?;
    let (doc, warnings) = parse_network(&text)?;
    for w in &warnings {
        eprintln!("warning: {w}");
    }
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

fn tradeoff(args: &TradeoffArgs) -> Result<(), Exit> {
    let text = read_doc(&args.doc)?;
    let (doc, warnings) = parse_network(&text)?;
    for w in &warnings {
        eprintln!("warning: {w}");
    }
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

fn renovate(args: &RenovateArgs) -> Result<(), Exit> {
    use chainplan::planning::renovation;
    let text = read_doc(&args.doc)?;
    let (doc, warnings) = parse_network(&text)?;
    for w in &warnings {
        eprintln!("warning: {w}");
    }
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
fn solve_with_progress(
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
fn report_scenario(name: &str, event: ScenarioProgress) {
    match event {
        ScenarioProgress::Solved(status) => eprintln!("scenario {name}: {}", status.as_str()),
        ScenarioProgress::Failed => eprintln!("scenario {name}: no plan"),
        ScenarioProgress::Started | ScenarioProgress::Solving(_) => {}
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn write_json(value: &impl serde::Serialize) -> Result<(), Exit> {
    let json = serde_json::to_string_pretty(value)
        .context("serialising the result")
        .map_err(Exit::Internal)?;
    write_stdout(&format!("{json}\n"))
}

fn graph(args: &GraphArgs) -> Result<(), Exit> {
    let text = read_doc(&args.doc)?;
    let (doc, _) = parse_network(&text)?;
    match args.format {
        GraphFormat::Dot => write_stdout(&chainplan::report::graph_dot(
            &ChainGraph::build(&doc),
            &doc,
        )),
    }
}

fn generate_doc(args: &GenerateArgs) -> Result<(), Exit> {
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

fn import_willems(args: &WillemsArgs) -> Result<(), Exit> {
    let mut doc = read_willems(&args.dir, &args.nn, args.seed, args.periods)
        .map_err(|err| Exit::Invalid(vec![err.to_string()]))?;
    add_renovation_candidates(&mut doc, args.renovations, args.seed);
    write_document(&doc, args.out.as_deref())
}

fn import_trigeiro(args: &LotSizingArgs) -> Result<(), Exit> {
    let doc = chainplan::import::trigeiro::read_trigeiro(&args.file)
        .map_err(|err| Exit::Invalid(vec![err.to_string()]))?;
    write_document(&doc, args.out.as_deref())
}

fn import_mlclsp(args: &LotSizingArgs) -> Result<(), Exit> {
    let doc = chainplan::import::mlclsp::read_mlclsp(&args.file)
        .map_err(|err| Exit::Invalid(vec![err.to_string()]))?;
    write_document(&doc, args.out.as_deref())
}

/// Writes a document as pretty JSON to `out`, or to stdout without one.
fn write_document(doc: &NetworkDoc, out: Option<&Path>) -> Result<(), Exit> {
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
fn read_doc(path: &Path) -> Result<String, Exit> {
    let result = if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map(|_| text)
    } else {
        std::fs::read_to_string(path)
    };
    result.map_err(|e| Exit::Invalid(vec![format!("cannot read {}: {e}", path.display())]))
}

fn write_file(path: &Path, text: &str) -> Result<(), Exit> {
    std::fs::write(path, text)
        .with_context(|| format!("writing {}", path.display()))
        .map_err(Exit::Internal)
}

fn write_stdout(text: &str) -> Result<(), Exit> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .context("writing to stdout")
        .map_err(Exit::Internal)
}

/// The `solving: phase solve, 12 s` line on stderr. On a terminal it is
/// rewritten in place at every tick; in a log (CI, a pipe) a new line every
/// few seconds keeps the log short but shows the solve is alive.
struct ProgressLine {
    terminal: bool,
    /// Elapsed seconds at the last line written, if any.
    last: Arc<Mutex<Option<f64>>>,
}

/// Whether an in-place progress line is on the terminal now.
static PROGRESS_SHOWN: AtomicBool = AtomicBool::new(false);

/// Seconds between progress lines when stderr is not a terminal.
const LOG_INTERVAL_SECONDS: f64 = 5.0;

impl ProgressLine {
    fn new() -> ProgressLine {
        ProgressLine {
            terminal: std::io::stderr().is_terminal(),
            last: Arc::new(Mutex::new(None)),
        }
    }

    fn callback(&self) -> Arc<dyn Fn(&Progress) + Send + Sync> {
        let terminal = self.terminal;
        let last = self.last.clone();
        Arc::new(move |p: &Progress| {
            let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
            let due = terminal || p.elapsed_seconds - last.unwrap_or(0.0) >= LOG_INTERVAL_SECONDS;
            if !due {
                return;
            }
            *last = Some(p.elapsed_seconds);
            let mut text = format!("solving: phase {}, {:.0} s", p.phase, p.elapsed_seconds);
            if let Some(best) = p.best_objective {
                text.push_str(&format!(", best {best:.2}"));
            }
            if let Some(gap) = p.gap {
                text.push_str(&format!(", gap {:.2}%", 100.0 * gap));
            }
            let mut err = std::io::stderr().lock();
            // Progress is a courtesy: a closed stderr must not stop the solve.
            let _ = if terminal {
                PROGRESS_SHOWN.store(true, Ordering::Relaxed);
                // Clear to the end of the line: a shorter phase name would
                // otherwise leave the tail of the longer one behind.
                write!(err, "\r{text}\x1b[K").and_then(|()| err.flush())
            } else {
                writeln!(err, "{text}")
            };
        })
    }

    /// Ends the in-place line so that what follows starts on a fresh line.
    /// Called after `solve` returns, when its ticker thread has been joined.
    fn finish(&self) {
        let wrote = self
            .last
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some();
        if self.terminal && wrote {
            PROGRESS_SHOWN.store(false, Ordering::Relaxed);
            let _ = write!(std::io::stderr(), "\r\x1b[K");
        }
    }
}

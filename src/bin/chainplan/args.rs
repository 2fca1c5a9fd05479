//! The command line's arguments (clap): every subcommand and its flags.

use chainplan::model::scenario::PeriodRange;
use chainplan::planning::{LpAlgorithm, Strategy};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Supply-chain collaboration scheduling: production, allocation and
/// coordinated line renovation as one LP/MILP.
#[derive(Debug, Parser)]
#[command(name = "chainplan", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
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
    /// Run the execution loop offline: each week plan, commit, draw what
    /// happened (yield loss, late shipments, breakdowns), let a supplier
    /// push back, roll the horizon and re-plan; print the weekly KPIs and
    /// the suppliers' adherence.
    Simulate(SimulateArgs),
    /// Draw the chain of a network document.
    Graph(GraphArgs),
    /// Generate a synthetic, valid network document.
    Generate(GenerateArgs),
    /// Turn a published benchmark instance into a network document.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Serve the gRPC API (ERP, planners, suppliers).
    Serve(crate::serve::ServeArgs),
    /// Take solve jobs from the shared queue of a Redis store (no API).
    Worker(crate::worker::WorkerArgs),
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// A Willems (2008) chain: `DIR/NN_SD.csv` and `DIR/NN_LL.csv`.
    Willems(WillemsArgs),
    /// A Trigeiro, Thomas & McClain (1989) lot-sizing instance (`G53.DAT`).
    Trigeiro(LotSizingArgs),
    /// A Tempelmeier & Derstroff (1996) multi-level lot-sizing instance:
    /// `NAME.TMP` with its structure and demand files beside it.
    Mlclsp(LotSizingArgs),
}

#[derive(Debug, Args)]
pub struct LotSizingArgs {
    /// The instance file.
    pub file: PathBuf,
    /// Write the document here instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct WillemsArgs {
    /// The folder holding the chain's CSV files.
    pub dir: PathBuf,
    /// The chain number, as in its file names (`01` .. `38`).
    pub nn: String,
    /// Seed of the drawn capacities, stocks, costs and demands.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// Weekly periods of the horizon.
    #[arg(long, value_name = "T", default_value_t = 26)]
    pub periods: u32,
    /// Add a renovation programme of N random candidates, each on its own
    /// line, drawn from the same seed.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub renovations: usize,
    /// Write the document here instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The network document (JSON); `-` reads standard input.
    pub doc: PathBuf,
}

#[derive(Debug, Args)]
pub struct SolveArgs {
    /// The network document (JSON); `-` reads standard input.
    pub doc: PathBuf,
    /// Write the plan JSON here instead of standard output.
    #[arg(long, value_name = "PLAN.json")]
    pub out: Option<PathBuf>,
    /// Wall-clock limit for the solver, in seconds.
    #[arg(long, value_name = "S")]
    pub time_limit: Option<f64>,
    /// Relative MIP gap at which to stop, between 0 and 1.
    #[arg(long, value_name = "G")]
    pub gap: Option<f64>,
    /// Solver threads.
    #[arg(long, value_name = "N")]
    pub threads: Option<u32>,
    /// LP algorithm for a linear program; `auto` picks it by the chain's
    /// shape (simplex for single-item uncapacitated lanes up to 1,500 sites,
    /// else interior point).
    #[arg(long, value_enum, default_value_t = Algorithm::Auto)]
    pub lp_algorithm: Algorithm,
    /// How the plan is made: `exact`; `fast` (a first-order plan repaired to
    /// feasibility, with a bound, for large linear programs); `windows`
    /// (relax-and-fix over overlapping time windows, for long linear programs
    /// whose lanes carry one item each); `auto` (exact, or with --time-limit
    /// on a large linear program a first plan by windows or fast, by the
    /// chain's shape, and the exact solve in the time left). `repair` is for
    /// re-plans, which the service runs.
    #[arg(long, value_name = "S", default_value = "auto")]
    pub strategy: Strategy,
    /// What to print on standard output.
    #[arg(long, value_enum, default_value_t = SolveFormat::Json)]
    pub format: SolveFormat,
    /// A further HiGHS option, NAME=VALUE (repeatable), for tuning hard instances.
    #[arg(long = "highs-option", value_name = "NAME=VALUE", value_parser = parse_highs_option)]
    pub highs_options: Vec<(String, String)>,
}

/// `NAME=VALUE` of `--highs-option`.
pub fn parse_highs_option(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_string(), value.to_string())),
        _ => Err(format!("expected NAME=VALUE, got \"{text}\"")),
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Algorithm {
    Auto,
    Ipm,
    Simplex,
    Choose,
}

impl From<Algorithm> for LpAlgorithm {
    fn from(a: Algorithm) -> LpAlgorithm {
        match a {
            Algorithm::Auto => LpAlgorithm::Auto,
            Algorithm::Ipm => LpAlgorithm::Ipm,
            Algorithm::Simplex => LpAlgorithm::Simplex,
            Algorithm::Choose => LpAlgorithm::Choose,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SolveFormat {
    /// The plan as pretty JSON.
    Json,
    /// The readable report; with --out, the JSON still goes to the file.
    Summary,
}

#[derive(Debug, Args)]
pub struct WhatifArgs {
    /// The base network document (JSON); `-` reads standard input.
    pub doc: PathBuf,
    /// A scenario: a JSON array of changes, named after the file's stem
    /// (repeatable, at least once).
    #[arg(long = "change", value_name = "FILE", required = true)]
    pub changes: Vec<PathBuf>,
    /// What to print on standard output.
    #[arg(long, value_enum, default_value_t = ReportFormat::Summary)]
    pub format: ReportFormat,
    /// Wall-clock limit for each solve, in seconds.
    #[arg(long, value_name = "S")]
    pub time_limit: Option<f64>,
    /// Scenarios solved at once (default: the machine's cores).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub workers: Option<u32>,
}

#[derive(Debug, Args)]
pub struct CriticalityArgs {
    /// The network document (JSON); `-` reads standard input.
    pub doc: PathBuf,
    /// The outage's periods, first and last included: `A..B`.
    #[arg(long, value_name = "A..B", value_parser = parse_periods)]
    pub periods: PeriodRange,
    /// What to print on standard output.
    #[arg(long, value_enum, default_value_t = ReportFormat::Summary)]
    pub format: ReportFormat,
    /// Wall-clock limit for each solve, in seconds.
    #[arg(long, value_name = "S")]
    pub time_limit: Option<f64>,
    /// Outages solved at once (default: the machine's cores).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub workers: Option<u32>,
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// The network document (JSON); `-` reads standard input.
    pub doc: PathBuf,
    /// Weeks (periods) to run.
    #[arg(long, value_name = "N", default_value_t = 12,
          value_parser = clap::value_parser!(u32).range(1..=520))]
    pub weeks: u32,
    /// Seed of the random deviations: the same seed, the same weeks.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// Chance, each week, that a supplier pushes back with a counter-proposal.
    #[arg(long, value_name = "P", default_value_t = 0.3)]
    pub pushback: f64,
    /// Penalty per unit a re-plan moves away from the committed plan.
    #[arg(long, value_name = "X", default_value_t = 0.01)]
    pub stability_penalty: f64,
    /// What to print on standard output (`json`: the weeks).
    #[arg(long, value_enum, default_value_t = ReportFormat::Summary)]
    pub format: ReportFormat,
    /// Wall-clock limit for each week's plan, in seconds.
    #[arg(long, value_name = "S")]
    pub time_limit: Option<f64>,
    /// How each week's plan is made (as `solve --strategy`); `auto` re-plans
    /// a large chain from the committed plan repaired, then by `fast`.
    #[arg(long, value_name = "S", default_value = "auto")]
    pub strategy: Strategy,
    /// Also write each week's document, plan and actuals into this folder
    /// (`week-N.doc.json`, `week-N.plan.json`, `week-N.actuals.json`).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct TradeoffArgs {
    /// The network document (JSON); `-` reads standard input.
    pub doc: PathBuf,
    /// Plans on the curve, the cheapest and the cleanest included.
    #[arg(long, value_name = "N", default_value_t = 5,
          value_parser = clap::value_parser!(u32).range(2..=100))]
    pub points: u32,
    /// What to print on standard output (`json`: the plans, in order).
    #[arg(long, value_enum, default_value_t = ReportFormat::Summary)]
    pub format: ReportFormat,
    /// Wall-clock limit for the whole curve, in seconds.
    #[arg(long, value_name = "S")]
    pub time_limit: Option<f64>,
}

#[derive(Debug, Args)]
pub struct RenovateArgs {
    /// The network document (JSON); `-` reads standard input.
    pub doc: PathBuf,
    /// The extra renovation budget to try (default: the smallest net capex
    /// of a renovation the plan leaves out).
    #[arg(long, value_name = "AMOUNT")]
    pub budget_step: Option<f64>,
    /// What to print on standard output.
    #[arg(long, value_enum, default_value_t = ReportFormat::Summary)]
    pub format: ReportFormat,
    /// Wall-clock limit for each solve, in seconds.
    #[arg(long, value_name = "S")]
    pub time_limit: Option<f64>,
}

/// `A..B` of `--periods`: both ends included.
pub fn parse_periods(text: &str) -> Result<PeriodRange, String> {
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
pub enum ReportFormat {
    /// The readable report.
    Summary,
    /// The figures as pretty JSON.
    Json,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// The network document (JSON); `-` reads standard input.
    pub doc: PathBuf,
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum GraphFormat {
    /// Graphviz DOT.
    Dot,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Supplier enterprises, spread over tiers 3, 2 and 1.
    #[arg(long, value_name = "N")]
    pub suppliers: usize,
    /// Items per upstream tier.
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u64).range(1..))]
    pub items_per_tier: u64,
    /// Number of periods.
    #[arg(long, value_name = "T",
          value_parser = clap::value_parser!(u32).range(1..=i64::from(chainplan::model::MAX_PERIODS)))]
    pub periods: u32,
    /// Customer distribution centres.
    #[arg(long, value_name = "C")]
    pub customers: usize,
    /// Seed of the random stream: the same arguments give the same document.
    #[arg(long, value_name = "S")]
    pub seed: u64,
    /// Give operations setup costs, setup times and minimum lots.
    #[arg(long)]
    pub setups: bool,
    /// Lines to renovate.
    #[arg(long, value_name = "R", default_value_t = 0)]
    pub renovations: usize,
    /// Put sourcing shares on some lanes.
    #[arg(long)]
    pub shares: bool,
    /// Set a carbon price.
    #[arg(long)]
    pub carbon: bool,
    /// Write the document here instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

//! Benchmark of the whole planning pipeline on chains of growing size:
//! generated chains of about 30, 150 and 600 sites and real Willems (2008)
//! chains, each over 26 weekly periods.
//!
//! For every instance it times parsing the JSON document, validation plus
//! the chain graph, and the three phases of `solve` (model build, HiGHS,
//! plan extraction), and reports the model size, the status and the peak
//! memory. Each instance runs in a child process (this binary re-executed
//! with `--one NAME`) so that the peak resident memory is the instance's own.
//!
//! ```text
//! cargo bench --bench plan_bench -- [--data DIR] [--only NAME[,NAME..]] [--time-limit S]
//!                                    [--lp-algorithm ipm|simplex|choose]
//! ```
//!
//! `--data` is the folder holding the public instances (Willems' chains in
//! its `willems/` folder, as published with Willems (2008), "Data set: Real-
//! world multiechelon supply chains used for inventory optimization", MSOM
//! 10(1)), read in place; it defaults to the `BENCH_DATA` environment
//! variable. Without it the Willems chains are skipped.
//! `--only` keeps the instances whose name contains one of the given names.

use chainplan::import::generate::{generate, GeneratorSpec};
use chainplan::import::willems::read_willems;
use chainplan::model::parse::parse_document;
use chainplan::model::{validate, NetworkDoc};
use chainplan::planning::graph::ChainGraph;
use chainplan::planning::{solve, LpAlgorithm, SolveOptions};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

/// Weekly periods of every instance: half a year.
const PERIODS: u32 = 26;
/// Seed of every instance, so runs are comparable.
const SEED: u64 = 1;
/// Default solver limit per instance, in seconds.
const DEFAULT_TIME_LIMIT: f64 = 300.0;
/// Marks the child's result line, so solver chatter on stdout cannot be
/// mistaken for it.
const RESULT_PREFIX: &str = "PLAN_BENCH_RESULT ";

/// The Willems chains run: the smallest, the largest and a spread between.
const WILLEMS_CHAINS: [&str; 7] = ["01", "08", "17", "22", "29", "34", "38"];

/// Command-line options of parent and child.
#[derive(Debug, Clone)]
struct Args {
    data: PathBuf,
    only: Vec<String>,
    time_limit: f64,
    lp_algorithm: LpAlgorithm,
    /// Set in a child: the one instance to run.
    one: Option<String>,
}

impl Args {
    fn parse(mut raw: impl Iterator<Item = String>) -> Result<Args, String> {
        let mut args = Args {
            data: std::env::var_os("BENCH_DATA")
                .map(PathBuf::from)
                .unwrap_or_default(),
            only: Vec::new(),
            time_limit: DEFAULT_TIME_LIMIT,
            lp_algorithm: LpAlgorithm::default(),
            one: None,
        };
        while let Some(flag) = raw.next() {
            let mut value = || raw.next().ok_or(format!("{flag} needs a value"));
            match flag.as_str() {
                "--data" => args.data = PathBuf::from(value()?),
                "--only" => args.only = value()?.split(',').map(str::to_string).collect(),
                "--time-limit" => {
                    let v = value()?;
                    args.time_limit = v
                        .parse()
                        .ok()
                        .filter(|t: &f64| t.is_finite() && *t > 0.0)
                        .ok_or(format!("--time-limit: not a positive number: {v}"))?;
                }
                "--lp-algorithm" => args.lp_algorithm = value()?.parse()?,
                "--one" => args.one = Some(value()?),
                // `cargo bench` appends `--bench`; other harness flags and
                // filters mean nothing here.
                _ => {}
            }
        }
        Ok(args)
    }
}

/// Where an instance's document comes from.
#[derive(Debug, Clone)]
enum Source {
    Generated(GeneratorSpec),
    /// The `NN` of `willems/NN_SD.csv`.
    Willems(&'static str),
}

#[derive(Debug, Clone)]
struct Instance {
    name: String,
    source: Source,
}

/// A generated LP chain of `1 + suppliers + customers` sites (no setups and
/// no renovations, so no integer decisions).
fn generated(suppliers: usize, items_per_tier: usize, customers: usize) -> Instance {
    Instance {
        name: format!("gen-{}", 1 + suppliers + customers),
        source: Source::Generated(GeneratorSpec {
            suppliers,
            items_per_tier,
            periods: PERIODS,
            customers,
            seed: SEED,
            ..GeneratorSpec::default()
        }),
    }
}

/// Every instance, smallest first within each family.
fn instances() -> Vec<Instance> {
    let mut all = vec![
        generated(24, 4, 5),
        generated(135, 8, 14),
        generated(570, 12, 29),
    ];
    all.extend(WILLEMS_CHAINS.iter().map(|nn| Instance {
        name: format!("willems-{nn}"),
        source: Source::Willems(nn),
    }));
    all
}

/// What one child measured, sent to the parent as one JSON line.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Measurement {
    instance: String,
    sites: usize,
    lanes: usize,
    variables: usize,
    integer_variables: usize,
    constraints: usize,
    parse_seconds: f64,
    validate_graph_seconds: f64,
    build_seconds: f64,
    /// HiGHS time as `solve` reports it; `None` when it reports none (it
    /// leaves the field at 0 for a plan without a solution).
    solve_seconds: Option<f64>,
    extract_seconds: f64,
    /// Wall time of the whole `solve` call, for the non-solver share.
    solve_call_seconds: f64,
    status: String,
    objective: Option<f64>,
    peak_mib: Option<f64>,
}

fn main() -> ExitCode {
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("plan_bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    match &args.one {
        Some(name) => run_child(&args, name),
        None => run_parent(&args),
    }
}

// ---------------------------------------------------------------------------
// Parent: pick the instances, run each in a child, print the table.

fn run_parent(args: &Args) -> ExitCode {
    let willems_dir = args.data.join("willems");
    let have_willems = !args.data.as_os_str().is_empty() && willems_dir.is_dir();
    if !have_willems {
        eprintln!(
            "plan_bench: no Willems data at {}; skipping the Willems chains",
            willems_dir.display()
        );
    }
    let selected: Vec<Instance> = instances()
        .into_iter()
        .filter(|i| have_willems || matches!(i.source, Source::Generated(_)))
        .filter(|i| args.only.is_empty() || args.only.iter().any(|o| i.name.contains(o)))
        .collect();
    if selected.is_empty() {
        eprintln!("plan_bench: no instance matches --only {:?}", args.only);
        return ExitCode::FAILURE;
    }
    let mut rows = Vec::new();
    for instance in &selected {
        eprintln!("plan_bench: {} ...", instance.name);
        let row = run_in_child(args, &instance.name);
        eprintln!(
            "plan_bench: {} {} in {:.2} s",
            row.instance, row.status, row.solve_call_seconds
        );
        rows.push(row);
    }
    print!(
        "{}",
        markdown_table(&rows, args.time_limit, args.lp_algorithm.as_str())
    );
    ExitCode::SUCCESS
}

/// Runs one instance in a fresh copy of this binary and reads its result;
/// a child that dies is a row saying how.
fn run_in_child(args: &Args, name: &str) -> Measurement {
    let failed = |status: String| Measurement {
        instance: name.to_string(),
        status,
        ..Measurement::default()
    };
    let exe = match this_binary() {
        Ok(exe) => exe,
        Err(e) => return failed(format!("error: no executable path: {e}")),
    };
    let output = Command::new(exe)
        .arg("--one")
        .arg(name)
        .arg("--data")
        .arg(&args.data)
        .arg("--time-limit")
        .arg(args.time_limit.to_string())
        .arg("--lp-algorithm")
        .arg(args.lp_algorithm.as_str())
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output();
    let output = match output {
        Ok(output) => output,
        Err(e) => return failed(format!("error: could not start: {e}")),
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let result = stdout
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix(RESULT_PREFIX));
    match result.map(serde_json::from_str::<Measurement>) {
        Some(Ok(m)) => m,
        Some(Err(e)) => failed(format!("error: unreadable result: {e}")),
        None => failed(format!("crashed ({})", output.status)),
    }
}

/// The binary to re-execute. On Linux `/proc/self/exe` names the running
/// file itself, so a `cargo bench` rebuilding the bench while a long run is
/// going cannot swap (or delete) the code the children run.
fn this_binary() -> std::io::Result<PathBuf> {
    let proc_self = Path::new("/proc/self/exe");
    if proc_self.exists() {
        Ok(proc_self.to_path_buf())
    } else {
        std::env::current_exe()
    }
}

fn markdown_table(rows: &[Measurement], time_limit: f64, lp: &str) -> String {
    let mut out = String::from(
        "| instance | sites | lanes | variables | constraints | parse s | validate+graph s \
         | build s | solve s | extract s | non-solver share (%) of solve | status | objective \
         | peak MiB |\n\
         |---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|--:|--:|\n",
    );
    for r in rows {
        let objective = r.objective.map_or("-".into(), |o| format!("{o:.1}"));
        let peak = r.peak_mib.map_or("-".into(), |p| format!("{p:.1}"));
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            r.instance,
            r.sites,
            r.lanes,
            r.variables,
            r.constraints,
            seconds(r.parse_seconds),
            seconds(r.validate_graph_seconds),
            seconds(r.build_seconds),
            solver_seconds(r),
            seconds(r.extract_seconds),
            non_solver_share(r).map_or("-".into(), |p| format!("{p:.1}")),
            r.status,
            objective,
            peak,
        ));
    }
    out.push_str(&format!(
        "\nTime limit {time_limit} s per instance, {PERIODS} periods, seed {SEED}, LP algorithm {lp}. \
         Non-solver share: the part of the `solve` call's wall time not spent in \
         HiGHS (validation, model build, extraction). `~`: `solve` reported no solver \
         time (a plan without a solution); the call's wall time less the build.\n"
    ));
    out
}

/// Seconds with about three significant digits: the phases range from
/// microseconds to minutes.
fn seconds(s: f64) -> String {
    if s >= 10.0 {
        format!("{s:.1}")
    } else if s >= 0.1 {
        format!("{s:.3}")
    } else {
        format!("{s:.5}")
    }
}

/// The solver's time, or where `solve` reports none, the call's wall time
/// less the model build, marked `~` as an estimate.
fn solver_seconds(r: &Measurement) -> String {
    match r.solve_seconds {
        Some(s) => seconds(s),
        None if r.solve_call_seconds > 0.0 => {
            format!("~{}", seconds(r.solve_call_seconds - r.build_seconds))
        }
        None => "-".into(),
    }
}

/// Percent of the `solve` call spent outside the solver, where the solver's
/// time is known.
fn non_solver_share(r: &Measurement) -> Option<f64> {
    let solver = r.solve_seconds?;
    (r.solve_call_seconds > 0.0)
        .then(|| 100.0 * (r.solve_call_seconds - solver).max(0.0) / r.solve_call_seconds)
}

// ---------------------------------------------------------------------------
// Child: build, serialize, then time parse, validate + graph and solve.

fn run_child(args: &Args, name: &str) -> ExitCode {
    let measurement = measure(args, name).unwrap_or_else(|e| Measurement {
        instance: name.to_string(),
        status: format!("error: {e}"),
        ..Measurement::default()
    });
    let measurement = Measurement {
        // Read last, so it covers everything the instance did.
        peak_mib: peak_resident_mib(),
        ..measurement
    };
    match serde_json::to_string(&measurement) {
        Ok(json) => {
            println!("{RESULT_PREFIX}{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("plan_bench: {name}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The document of the named instance.
fn build_document(args: &Args, name: &str) -> Result<NetworkDoc, String> {
    let instance = instances()
        .into_iter()
        .find(|i| i.name == name)
        .ok_or(format!("unknown instance {name}"))?;
    match instance.source {
        Source::Generated(spec) => Ok(generate(&spec)),
        Source::Willems(nn) => {
            read_willems(&args.data.join("willems"), nn, SEED, PERIODS).map_err(|e| e.to_string())
        }
    }
}

/// Times the pipeline on one instance, starting from its JSON text as a
/// service would receive it.
fn measure(args: &Args, name: &str) -> Result<Measurement, String> {
    let text = {
        let doc = build_document(args, name)?;
        serde_json::to_string(&doc).map_err(|e| e.to_string())?
    };

    let started = Instant::now();
    let doc = parse_document(&text).map_err(|e| e.to_string())?;
    let parse_seconds = started.elapsed().as_secs_f64();
    drop(text);

    let started = Instant::now();
    let report = validate(&doc);
    let graph = ChainGraph::build(&doc);
    let validate_graph_seconds = started.elapsed().as_secs_f64();
    if !report.is_valid() {
        return Err(format!("invalid document: {:?}", report.errors));
    }
    drop(graph);

    let options = SolveOptions {
        time_limit_seconds: Some(args.time_limit),
        lp_algorithm: args.lp_algorithm,
        ..Default::default()
    };
    let started = Instant::now();
    let plan = solve(&doc, &options).map_err(|e| e.to_string())?;
    let solve_call_seconds = started.elapsed().as_secs_f64();

    Ok(Measurement {
        instance: name.to_string(),
        sites: doc.sites.len(),
        lanes: doc.lanes.len(),
        variables: plan.stats.variables,
        integer_variables: plan.stats.integer_variables,
        constraints: plan.stats.constraints,
        parse_seconds,
        validate_graph_seconds,
        build_seconds: plan.stats.build_seconds,
        solve_seconds: (plan.status.has_solution() || plan.stats.solve_seconds > 0.0)
            .then_some(plan.stats.solve_seconds),
        extract_seconds: plan.stats.extract_seconds,
        solve_call_seconds,
        status: plan.status.as_str().to_string(),
        objective: plan.objective,
        peak_mib: None,
    })
}

/// Peak resident memory of this process (`VmHWM`), where Linux reports it.
fn peak_resident_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

//! The lot-sizing importers through their public faces, on instances small
//! enough to solve by enumeration (`tests/fixtures/lot_sizing/`):
//!
//! - `T3X4.DAT`, a Trigeiro file of 3 items over 4 periods on a resource of
//!   100 per period; item 2 takes 2 capacity units per unit. Optimum 870:
//!   make item 1 in periods 0, 1 (60), 3; item 2 in 1 and 3; item 3 in 0 (40)
//!   and 2 (60): setups 300 + 120 + 300, holding 30 (item 1) + 120 (item 3).
//!   Both setups of item 3 and the one of item 1 in period 1 fill the
//!   resource. With unlimited capacity the optimum is 780.
//! - `G9121111.TMP` with `G9______.DAT` and `G_121___.DT1`, a Tempelmeier-
//!   Derstroff triple: end items 1 and 2 on resource 1 (100 per period), each
//!   made from item 3 (1 and 2 per unit) on resource 2 (120 per period).
//!   Optimum 1,050, reached with setups and holding of 720 + 330, 800 + 250
//!   or 900 + 150; 900 with unlimited capacity.
//!
//! Each optimum is checked twice: by [`enumerate`], a dynamic program over
//! every production plan whose quantities are multiples of a step (10 units,
//! 5 for the item that takes 2 capacity units), and by solving the imported
//! document. For the single-level file the steps lose nothing: every
//! capacity, setup time and capacity need is a multiple of 10, so the linear
//! program of any setup pattern has an optimal vertex on that grid (the
//! network-flow argument of `import::trigeiro`). For the two-level triple the
//! enumeration shows that 1,050 is reached, and the solver that nothing is
//! cheaper. The tests that read the published instances (the folder named by
//! `BENCH_DATA`, holding `trigeiro/` and `tempelmeier-derstroff/`) skip
//! with a note without it.

use chainplan::import::mlclsp::{
    demand_file_name, mlclsp_document, read_mlclsp, structure_file_name, MlclspError,
};
use chainplan::import::trigeiro::{parse_trigeiro, read_trigeiro, trigeiro_document};
use chainplan::model::{validate, NetworkDoc, PerPeriod, Plan, PlanStatus};
use chainplan::planning::{solve, SolveOptions};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lot_sizing")
}

fn fixture_text(name: &str) -> String {
    std::fs::read_to_string(fixtures().join(name)).expect("fixture readable")
}

/// The public instances' folder, from `BENCH_DATA`; empty without it.
fn bench_data() -> PathBuf {
    std::env::var_os("BENCH_DATA")
        .map(PathBuf::from)
        .unwrap_or_default()
}

fn solved(doc: &NetworkDoc) -> Plan {
    let report = validate(doc);
    assert!(report.is_valid(), "{:?}", report.errors);
    let plan = solve(doc, &SolveOptions::default()).expect("solves");
    assert_eq!(plan.status, PlanStatus::Optimal);
    plan
}

fn assert_close(a: f64, b: f64) {
    assert!((a - b).abs() <= 1e-6 * b.abs().max(1.0), "{a} != {b}");
}

/// The plan is a lot-sizing plan: no late or unmet units, nothing but setup
/// and holding costs, and the expected objective.
fn assert_lot_sizing_optimum(plan: &Plan, objective: f64) {
    assert_close(plan.objective.expect("an objective"), objective);
    assert_eq!(plan.service.unmet, 0.0, "unmet units");
    assert_eq!(plan.service.late, 0.0, "late units");
    assert_eq!(plan.cost.unmet, 0.0);
    assert_eq!(plan.cost.late, 0.0);
    assert_eq!(plan.cost.production, 0.0);
    assert_close(plan.cost.setup + plan.cost.holding, objective);
}

// ---------------------------------------------------------------------------
// The enumeration: a dynamic program over the stock vector, period by period.

/// A lot-sizing instance in whole units, for [`enumerate`].
struct Instance {
    /// `capacity[r][t]`.
    capacity: Vec<Vec<i64>>,
    /// Per item: resource, unit time, setup time, setup cost, holding cost.
    items: Vec<(usize, i64, i64, i64, i64)>,
    /// `(parent, component, qty)`, parents listed before their components.
    arcs: Vec<(usize, usize, i64)>,
    /// `demand[t][j]`.
    demand: Vec<Vec<i64>>,
    /// The production step of each item.
    steps: Vec<i64>,
}

impl Instance {
    /// Units of each item needed from period `t` on: its own demand and,
    /// for a component, what its parents need of it.
    fn need_from(&self, t: usize) -> Vec<i64> {
        let n = self.items.len();
        let mut need: Vec<i64> = (0..n)
            .map(|j| self.demand[t..].iter().map(|row| row[j]).sum())
            .collect();
        for &(p, c, q) in &self.arcs {
            need[c] += q * need[p];
        }
        need
    }
}

/// The cheapest plan without backlog whose quantities are multiples of the
/// steps, or `None` when there is none. A plan never makes or keeps more of
/// an item than is still needed (a cheaper plan without the excess exists).
fn enumerate(inst: &Instance) -> Option<i64> {
    let n = inst.items.len();
    let periods = inst.demand.len();
    let mut states: HashMap<Vec<i64>, i64> = HashMap::from([(vec![0; n], 0)]);
    for t in 0..periods {
        let need = inst.need_from(t);
        let need_after = if t + 1 < periods {
            inst.need_from(t + 1)
        } else {
            vec![0; n]
        };
        let mut next: HashMap<Vec<i64>, i64> = HashMap::new();
        for (stock, cost) in &states {
            let most: Vec<i64> = (0..n).map(|j| (need[j] - stock[j]).max(0)).collect();
            let mut x = vec![0i64; n];
            loop {
                if let Some((new_stock, step_cost)) = step(inst, t, stock, &x, &need_after) {
                    let total = cost + step_cost;
                    let best = next.entry(new_stock).or_insert(i64::MAX);
                    *best = (*best).min(total);
                }
                // Odometer over x_j in 0, step_j, .. <= most_j.
                let mut j = 0;
                while j < n {
                    x[j] += inst.steps[j];
                    if x[j] <= most[j] {
                        break;
                    }
                    x[j] = 0;
                    j += 1;
                }
                if j == n {
                    break;
                }
            }
        }
        states = next;
    }
    states.into_values().min()
}

/// Making `x` in period `t` from `stock`: the stock after it and the cost of
/// the period, or `None` when capacity or stock forbid it.
fn step(
    inst: &Instance,
    t: usize,
    stock: &[i64],
    x: &[i64],
    need_after: &[i64],
) -> Option<(Vec<i64>, i64)> {
    let mut used = vec![0i64; inst.capacity.len()];
    let mut cost = 0;
    for (j, &(r, unit, setup_time, setup_cost, _)) in inst.items.iter().enumerate() {
        if x[j] > 0 {
            used[r] += unit * x[j] + setup_time;
            cost += setup_cost;
        }
    }
    if used.iter().zip(&inst.capacity).any(|(u, c)| *u > c[t]) {
        return None;
    }
    let mut new_stock: Vec<i64> = (0..stock.len())
        .map(|j| stock[j] + x[j] - inst.demand[t][j])
        .collect();
    for &(p, c, q) in &inst.arcs {
        new_stock[c] -= q * x[p];
    }
    if new_stock
        .iter()
        .zip(need_after)
        .any(|(s, need)| *s < 0 || s > need)
    {
        return None;
    }
    cost += inst
        .items
        .iter()
        .zip(&new_stock)
        .map(|(item, s)| item.4 * s)
        .sum::<i64>();
    Some((new_stock, cost))
}

/// `T3X4.DAT` as whole numbers.
fn trigeiro_fixture(capacity: i64) -> Instance {
    Instance {
        capacity: vec![vec![capacity; 4]],
        items: vec![(0, 1, 10, 100, 1), (0, 2, 10, 60, 2), (0, 1, 20, 150, 3)],
        arcs: Vec::new(),
        demand: vec![
            vec![30, 0, 20],
            vec![30, 10, 20],
            vec![30, 0, 40],
            vec![30, 10, 20],
        ],
        steps: vec![10, 5, 10],
    }
}

/// The `G9121111` triple as whole numbers.
fn mlclsp_fixture(capacity: [i64; 2]) -> Instance {
    Instance {
        capacity: vec![vec![capacity[0]; 4], vec![capacity[1]; 4]],
        items: vec![(0, 1, 10, 100, 3), (0, 1, 10, 80, 3), (1, 1, 20, 120, 1)],
        arcs: vec![(0, 2, 1), (1, 2, 2)],
        demand: vec![
            vec![30, 10, 0],
            vec![30, 20, 0],
            vec![30, 10, 0],
            vec![30, 20, 0],
        ],
        steps: vec![10, 10, 10],
    }
}

// ---------------------------------------------------------------------------
// Trigeiro.

#[test]
fn trigeiro_fixture_has_one_line_with_an_operation_per_item() {
    let doc = read_trigeiro(&fixtures().join("T3X4.DAT")).expect("imports");
    assert!(validate(&doc).is_valid());
    assert_eq!(doc.name.as_deref(), Some("trigeiro-T3X4"));
    assert_eq!(doc.horizon.periods, 4);
    assert_eq!(doc.enterprises.len(), 1);
    assert_eq!(doc.sites.len(), 1);
    assert_eq!(doc.items.len(), 3);
    let [line] = doc.lines.as_slice() else {
        panic!("one line expected");
    };
    assert_eq!(line.capacity, PerPeriod::Scalar(100.0));
    let ops: Vec<(&str, f64, f64, f64, f64)> = line
        .operations
        .iter()
        .map(|o| (o.item.as_str(), o.load, o.setup_time, o.setup_cost, o.cost))
        .collect();
    assert_eq!(
        ops,
        vec![
            ("item1", 1.0, 10.0, 100.0, 0.0),
            ("item2", 2.0, 10.0, 60.0, 0.0),
            ("item3", 1.0, 20.0, 150.0, 0.0),
        ]
    );
    assert!(line
        .operations
        .iter()
        .all(|o| o.inputs.is_empty() && o.min_lot == 0.0));
    let holding: Vec<f64> = doc.stocks.iter().map(|s| s.holding_cost).collect();
    assert_eq!(holding, vec![1.0, 2.0, 3.0]);
    assert!(doc.stocks.iter().all(|s| s.initial == 0.0));
    // 12 item-periods less the two zero demands of item 2.
    assert_eq!(doc.demands.len(), 10);
    let total: f64 = doc.demands.iter().map(|d| d.qty).sum();
    assert_eq!(total, 120.0 + 20.0 + 100.0);
    // U = 4 * 310 + holding of every unit from period 0 until due:
    // item 1 30 * (0+1+2+3) = 180, item 2 2 * 10 * (1+3) = 80,
    // item 3 3 * (20 + 80 + 60) = 480; P = (U + 1) * max load 2 / g 1.
    assert_eq!(doc.policy.unmet_penalty, 2.0 * (1240.0 + 740.0 + 1.0));
    assert_eq!(doc.policy.late_penalty, doc.policy.unmet_penalty);
}

#[test]
fn trigeiro_fixture_solves_to_the_enumerated_optimum() {
    assert_eq!(enumerate(&trigeiro_fixture(100)), Some(870));
    let plan = solved(&read_trigeiro(&fixtures().join("T3X4.DAT")).unwrap());
    assert_lot_sizing_optimum(&plan, 870.0);
    assert_close(plan.cost.setup, 720.0);
    assert_close(plan.cost.holding, 150.0);
}

#[test]
fn trigeiro_capacity_is_what_makes_the_fixture_expensive() {
    assert_eq!(enumerate(&trigeiro_fixture(10_000)), Some(780));
    let text = fixture_text("T3X4.DAT").replace("\n  100\n", "\n  10000\n");
    let plan = solved(&trigeiro_document(&text, "uncapacitated").unwrap());
    assert_lot_sizing_optimum(&plan, 780.0);
}

#[test]
fn trigeiro_without_a_plan_free_of_backlog_shows_the_backlog() {
    // 70 per period cannot carry 240 units of demand plus their setups.
    let text = fixture_text("T3X4.DAT").replace("\n  100\n", "\n  70\n");
    assert_eq!(enumerate(&trigeiro_fixture(70)), None);
    let doc = trigeiro_document(&text, "short").unwrap();
    let plan = solve(&doc, &SolveOptions::default()).expect("solves");
    assert!(plan.status.has_solution());
    assert!(plan.service.unmet + plan.service.late > 0.0);
}

// ---------------------------------------------------------------------------
// Tempelmeier-Derstroff.

#[test]
fn mlclsp_file_names_come_from_the_instance_name() {
    assert_eq!(structure_file_name("G9121111").unwrap(), "G9______.DAT");
    assert_eq!(demand_file_name("G9121111").unwrap(), "G_121___.DT1");
    for name in ["G9______.DAT", "G_121___.DT1"] {
        assert!(fixtures().join(name).is_file(), "{name}");
    }
}

#[test]
fn mlclsp_fixture_has_a_line_per_resource_and_inputs_from_the_bom() {
    let doc = read_mlclsp(&fixtures().join("G9121111.TMP")).expect("imports");
    assert!(validate(&doc).is_valid());
    assert_eq!(doc.name.as_deref(), Some("mlclsp-G9121111"));
    assert_eq!(doc.horizon.periods, 4);
    assert_eq!(doc.sites.len(), 1);
    let lines: Vec<(&str, &PerPeriod, usize)> = doc
        .lines
        .iter()
        .map(|l| (l.id.as_str(), &l.capacity, l.operations.len()))
        .collect();
    assert_eq!(
        lines,
        vec![
            ("resource1", &PerPeriod::Scalar(100.0), 2),
            ("resource2", &PerPeriod::Scalar(120.0), 1),
        ]
    );
    let op = |item: &str| {
        doc.lines
            .iter()
            .flat_map(|l| &l.operations)
            .find(|o| o.item == item)
            .expect("an operation per item")
    };
    let inputs = |item: &str| -> Vec<(String, f64)> {
        op(item)
            .inputs
            .iter()
            .map(|i| (i.item.clone(), i.qty))
            .collect()
    };
    assert_eq!(inputs("item1"), vec![("item3".to_string(), 1.0)]);
    assert_eq!(inputs("item2"), vec![("item3".to_string(), 2.0)]);
    assert!(inputs("item3").is_empty());
    assert_eq!(
        (op("item3").setup_time, op("item3").setup_cost),
        (20.0, 120.0)
    );
    // Full holding costs: echelon 2 + 1 * 1, echelon 1 + 2 * 1, 1.
    let holding: Vec<f64> = doc.stocks.iter().map(|s| s.holding_cost).collect();
    assert_eq!(holding, vec![3.0, 3.0, 1.0]);
    // End items only; the component has no demand.
    assert_eq!(doc.demands.len(), 8);
    assert!(doc.demands.iter().all(|d| d.item != "item3"));
    // U = 4 * (300 + 3 * 120 + 3 * 60 + 1 * 240).
    assert_eq!(doc.policy.unmet_penalty, 4.0 * 1080.0 + 1.0);
}

#[test]
fn mlclsp_fixture_solves_to_the_enumerated_optimum() {
    assert_eq!(enumerate(&mlclsp_fixture([100, 120])), Some(1050));
    let plan = solved(&read_mlclsp(&fixtures().join("G9121111.TMP")).unwrap());
    assert_lot_sizing_optimum(&plan, 1050.0);
}

#[test]
fn mlclsp_capacity_is_what_makes_the_fixture_expensive() {
    assert_eq!(enumerate(&mlclsp_fixture([10_000, 10_000])), Some(900));
    let tmp = fixture_text("G9121111.TMP")
        .replace(&"  100.0000".repeat(4), &" 10000".repeat(4))
        .replace(&"  120.0000".repeat(4), &" 10000".repeat(4));
    let doc = mlclsp_document(
        &tmp,
        &fixture_text("G9______.DAT"),
        &fixture_text("G_121___.DT1"),
        "uncapacitated",
    )
    .unwrap();
    assert!(doc
        .lines
        .iter()
        .all(|l| l.capacity == PerPeriod::Scalar(10_000.0)));
    assert_lot_sizing_optimum(&solved(&doc), 900.0);
}

#[test]
fn a_search_stopped_at_its_root_already_has_the_plan_with_every_setup() {
    // Without a plan to start from, the search starts from every setup on:
    // lot for lot, resource 1 carries at most 30 + 20 + 2 setups of 10 and
    // resource 2 at most 30 + 2 * 20 + a setup of 20, within 100 and 120,
    // so that plan meets all demand at 4 * (100 + 80 + 120) = 1,200 with
    // nothing held. HiGHS, stopped before its first node and without
    // heuristics, has no other plan to return.
    let doc = read_mlclsp(&fixtures().join("G9121111.TMP")).expect("imports");
    let options = SolveOptions {
        highs_options: [("mip_max_nodes", "0"), ("mip_heuristic_effort", "0")]
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .to_vec(),
        ..SolveOptions::default()
    };
    let plan = solve(&doc, &options).expect("solves");
    assert_eq!(plan.status, PlanStatus::Feasible);
    assert_eq!(plan.service.unmet, 0.0, "unmet units");
    assert_eq!(plan.service.late, 0.0, "late units");
    assert_close(plan.objective.expect("an objective"), 1_200.0);
    assert_close(plan.cost.setup, 1_200.0);
    assert_eq!(plan.production.iter().filter(|p| p.qty > 0.0).count(), 12);
}

#[test]
fn mlclsp_files_are_found_whatever_their_case() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (from, to) in [
        ("G9121111.TMP", "g9121111.tmp"),
        ("G9______.DAT", "g9______.dat"),
        ("G_121___.DT1", "G_121___.dt1"),
    ] {
        std::fs::copy(fixtures().join(from), dir.path().join(to)).expect("copy");
    }
    let mut doc = read_mlclsp(&dir.path().join("g9121111.tmp")).expect("imports");
    let original = read_mlclsp(&fixtures().join("G9121111.TMP")).unwrap();
    doc.name = original.name.clone();
    assert_eq!(doc, original);
    std::fs::remove_file(dir.path().join("G_121___.dt1")).unwrap();
    let err = read_mlclsp(&dir.path().join("g9121111.tmp")).unwrap_err();
    assert!(
        matches!(err, MlclspError::NotFound { .. })
            && err
                .to_string()
                .to_ascii_uppercase()
                .contains("G_121___.DT1"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------
// The command line.

#[test]
fn import_commands_write_the_library_documents() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cases: [(&str, PathBuf, NetworkDoc); 2] = [
        (
            "trigeiro",
            fixtures().join("T3X4.DAT"),
            read_trigeiro(&fixtures().join("T3X4.DAT")).unwrap(),
        ),
        (
            "mlclsp",
            fixtures().join("G9121111.TMP"),
            read_mlclsp(&fixtures().join("G9121111.TMP")).unwrap(),
        ),
    ];
    for (kind, file, expected) in cases {
        let out = dir.path().join(format!("{kind}.json"));
        let status = Command::new(env!("CARGO_BIN_EXE_chainplan"))
            .args(["import", kind])
            .arg(&file)
            .arg("--out")
            .arg(&out)
            .env_remove("RUST_LOG")
            .status()
            .expect("the binary runs");
        assert!(status.success(), "{kind}: {status}");
        let written: NetworkDoc =
            serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).expect("a document");
        assert_eq!(written, expected, "{kind}");
    }
    let missing = Command::new(env!("CARGO_BIN_EXE_chainplan"))
        .args(["import", "trigeiro", "no-such-file.DAT"])
        .output()
        .expect("the binary runs");
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no-such-file.DAT"));
}

// ---------------------------------------------------------------------------
// The published files, when `BENCH_DATA` names their folder.

/// The folder, or `None` with a note when this clone has no benchmark data.
fn published(sub: &str, probe: &str) -> Option<PathBuf> {
    let dir = bench_data().join(sub);
    if !bench_data().as_os_str().is_empty() && dir.join(probe).is_file() {
        Some(dir)
    } else {
        eprintln!(
            "skipped: no {} (set BENCH_DATA to the folder of the public instances)",
            dir.join(probe).display()
        );
        None
    }
}

#[test]
fn published_trigeiro_files_import_with_their_counts() {
    let Some(dir) = published("trigeiro", "G30.DAT") else {
        return;
    };
    let doc = read_trigeiro(&dir.join("G30.DAT")).expect("G30 imports");
    assert!(validate(&doc).is_valid());
    assert_eq!((doc.items.len(), doc.horizon.periods), (6, 15));
    assert_eq!(doc.lines[0].capacity, PerPeriod::Scalar(728.0));
    let loads: Vec<f64> = doc.lines[0].operations.iter().map(|o| o.load).collect();
    assert_eq!(loads, vec![0.5, 0.7, 0.9, 1.1, 1.3, 1.5]);
    // 90 item-periods, 6 of them without demand.
    assert_eq!(doc.demands.len(), 84);

    // Every file: the counts of its first line, a valid document, and a
    // penalty above the cost bound.
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("DAT") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let header: Vec<usize> = text
            .split_whitespace()
            .take(2)
            .map(|f| f.parse().unwrap())
            .collect();
        let parsed = parse_trigeiro(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let doc = read_trigeiro(&path).unwrap();
        assert!(validate(&doc).is_valid(), "{}", path.display());
        assert_eq!(doc.items.len(), header[0], "{}", path.display());
        assert_eq!(
            doc.horizon.periods as usize,
            header[1],
            "{}",
            path.display()
        );
        assert!(doc.policy.unmet_penalty > parsed.cost_bound());
        files += 1;
    }
    assert_eq!(files, 145);

    // G53: unit times 1 and whole numbers, so P = U + 1 (U by hand from the
    // file: 15 * 8000 setups plus 265,930 of holding).
    let g53 = read_trigeiro(&dir.join("G53.DAT")).unwrap();
    assert_eq!(g53.policy.unmet_penalty, 385_931.0);
}

#[test]
fn published_tempelmeier_derstroff_instances_import_with_their_counts() {
    let Some(dir) = published("tempelmeier-derstroff", "PROBA/G0041111.TMP") else {
        return;
    };
    // (instance, items, periods, resources, end items), one per class.
    let cases = [
        ("PROBA/G0041111.TMP", 10, 4, 3, 4),
        ("PROBB/SETUP1/G0141111.TMP", 10, 4, 3, 4),
        ("PROBC/G0061111.TMP", 40, 16, 6, 6),
        ("Probd/Setup1/generell/G0161111.TMP", 40, 16, 6, 6),
        ("Probd/SETUP2/konvergierend/Tbo1/K0221111.TMP", 40, 16, 6, 2),
        ("PROBE/G0151111.TMP", 100, 16, 10, 15),
    ];
    for (file, items, periods, resources, end_items) in cases {
        let doc = read_mlclsp(&dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let report = validate(&doc);
        assert!(report.is_valid(), "{file}: {:?}", report.errors);
        assert_eq!(doc.items.len(), items, "{file}");
        assert_eq!(doc.horizon.periods, periods, "{file}");
        assert_eq!(doc.lines.len(), resources, "{file}");
        let demanded: std::collections::BTreeSet<&str> =
            doc.demands.iter().map(|d| d.item.as_str()).collect();
        assert_eq!(demanded.len(), end_items, "{file}");
        let with_inputs = doc
            .lines
            .iter()
            .flat_map(|l| &l.operations)
            .filter(|o| !o.inputs.is_empty())
            .count();
        assert!(with_inputs > 0, "{file}: a multi-level structure");
    }
    // Class B has setup times, class A none.
    let setup_times = |file: &str| -> f64 {
        let doc = read_mlclsp(&dir.join(file)).unwrap();
        doc.lines
            .iter()
            .flat_map(|l| &l.operations)
            .map(|o| o.setup_time)
            .sum()
    };
    assert_eq!(setup_times("PROBA/G0041111.TMP"), 0.0);
    assert!(setup_times("PROBB/SETUP1/G0141111.TMP") > 0.0);
}

#[test]
fn every_published_tempelmeier_derstroff_instance_imports() {
    let Some(dir) = published("tempelmeier-derstroff", "PROBA/G0041111.TMP") else {
        return;
    };
    let mut pending = vec![dir];
    let mut imported = 0;
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if is_tmp(&path) {
                let doc = read_mlclsp(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                assert!(!doc.demands.is_empty(), "{}", path.display());
                imported += 1;
            }
        }
    }
    assert_eq!(imported, 3450);
}

fn is_tmp(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("tmp"))
}

//! The `chainplan` binary as a process: exit codes, where output goes, and the
//! plan of a document small enough to solve by hand.

use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use tempfile::TempDir;

fn chainplan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chainplan"))
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .expect("the binary runs")
}

fn chainplan_with_stdin(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_chainplan"))
        .args(args)
        .env_remove("RUST_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(stdin.as_bytes())
        .expect("stdin accepts the document");
    child.wait_with_output().expect("the binary finishes")
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exited, not killed")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("utf-8 stdout")
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("utf-8 stderr")
}

/// A scratch directory; files in it live as long as the returned guard.
fn scratch() -> TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn write(dir: &TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write fixture");
    path
}

fn write_json(dir: &TempDir, name: &str, v: &Value) -> PathBuf {
    write(dir, name, &serde_json::to_string_pretty(v).expect("json"))
}

fn arg(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

/// One leader site whose line makes `p` at 2 a unit, at most 10 a period; 15
/// units are due in period 1, and stock costs 0.5 a unit a period.
///
/// By hand: period 1 can make only 10, so 5 are made in period 0 and held for
/// one period. Production 15 x 2 = 30, holding 5 x 0.5 = 2.5: objective 32.5.
/// Making less is worse (unmet costs 100 a unit), and late delivery is
/// impossible (period 1 is the last).
fn tiny() -> Value {
    json!({
        "name": "tiny",
        "horizon": {"periods": 2, "period": "day"},
        "items": [{"id": "p"}],
        "enterprises": [{"id": "lead", "role": "leader"}],
        "sites": [{"id": "plant", "enterprise": "lead"}],
        "lines": [{"id": "line-1", "site": "plant", "capacity": 10,
                   "operations": [{"item": "p", "cost": 2}]}],
        "stocks": [{"site": "plant", "item": "p", "holding_cost": 0.5}],
        "demands": [{"id": "d1", "site": "plant", "item": "p", "period": 1, "qty": 15}]
    })
}

const TINY_OBJECTIVE: f64 = 32.5;

/// A supplier feeding the leader, for the graph: three sites, two lanes.
fn chain() -> Value {
    json!({
        "horizon": {"periods": 2},
        "items": [{"id": "raw"}, {"id": "p"}],
        "enterprises": [{"id": "lead", "role": "leader"},
                        {"id": "sup", "role": "supplier"},
                        {"id": "cust", "role": "customer"}],
        "sites": [{"id": "sup-site", "enterprise": "sup"},
                  {"id": "plant", "enterprise": "lead"},
                  {"id": "dc", "enterprise": "cust"}],
        "lines": [{"id": "l-raw", "site": "sup-site", "capacity": 10, "operations": [{"item": "raw"}]},
                  {"id": "l-p", "site": "plant", "capacity": 10,
                   "operations": [{"item": "p", "inputs": [{"item": "raw", "qty": 1}]}]}],
        "lanes": [{"id": "in", "from": "sup-site", "to": "plant", "items": ["raw"]},
                  {"id": "out", "from": "plant", "to": "dc", "items": ["p"]}],
        "demands": [{"id": "d", "site": "dc", "item": "p", "period": 1, "qty": 5}]
    })
}

#[test]
fn validate_accepts_a_valid_document() {
    let dir = scratch();
    let doc = write_json(&dir, "tiny.json", &tiny());
    let out = chainplan(&["validate", arg(&doc)]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().next(), Some("ok"));
}

#[test]
fn validate_reads_standard_input() {
    let text = serde_json::to_string(&tiny()).expect("json");
    let out = chainplan_with_stdin(&["validate", "-"], &text);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).starts_with("ok"));
}

#[test]
fn warnings_do_not_reject_a_document() {
    // Nothing can ever bring item "q" to the plant.
    let mut doc = tiny();
    doc["items"] = json!([{"id": "p"}, {"id": "q"}]);
    doc["demands"]
        .as_array_mut()
        .expect("demands")
        .push(json!({"id": "d2", "site": "plant", "item": "q", "period": 1, "qty": 1}));
    let dir = scratch();
    let path = write_json(&dir, "warn.json", &doc);

    let out = chainplan(&["validate", arg(&path)]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("ok\n"), "{text}");
    assert!(text.contains("warning: demands[1]: "), "{text}");

    // solve keeps stdout for the plan and puts the warning on stderr.
    let out = chainplan(&["solve", arg(&path)]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("warning: demands[1]: "),
        "{}",
        stderr(&out)
    );
    let plan: Value = serde_json::from_slice(&out.stdout).expect("only the plan on stdout");
    assert_eq!(plan["service"]["unmet"].as_f64(), Some(1.0));
}

#[test]
fn validate_rejects_an_invalid_document_with_every_path() {
    let mut doc = chain();
    doc["lanes"][0]["to"] = json!("nowhere");
    doc["lines"][0]["capacity"] = json!(-1);
    let dir = scratch();
    let path = write_json(&dir, "bad.json", &doc);
    let out = chainplan(&["validate", arg(&path)]);
    assert_eq!(code(&out), 1);
    let err = stderr(&out);
    assert!(
        err.contains("error: lanes[0].to: unknown site \"nowhere\""),
        "{err}"
    );
    assert!(err.contains("error: lines[0].capacity: "), "{err}");
    assert!(stdout(&out).is_empty());
}

#[test]
fn malformed_json_is_reported_with_line_and_column() {
    let dir = scratch();
    let path = write(
        &dir,
        "broken.json",
        "{\n  \"horizon\": {\"periods\": 2,,}\n}",
    );
    for command in ["validate", "solve", "graph"] {
        let out = chainplan(&[command, arg(&path)]);
        assert_eq!(code(&out), 1, "{command}");
        let err = stderr(&out);
        assert!(err.contains("error: line 2, column "), "{command}: {err}");
    }
}

#[test]
fn missing_file_exits_1() {
    let dir = scratch();
    let path = dir.path().join("absent.json");
    for command in ["validate", "solve", "graph"] {
        let out = chainplan(&[command, arg(&path)]);
        assert_eq!(code(&out), 1, "{command}");
        assert!(stderr(&out).contains("absent.json"), "{}", stderr(&out));
    }
}

#[test]
fn solve_prints_the_optimal_plan_as_json() {
    let dir = scratch();
    let doc = write_json(&dir, "tiny.json", &tiny());
    let out = chainplan(&["solve", arg(&doc)]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let plan: Value = serde_json::from_slice(&out.stdout).expect("plan JSON on stdout");
    assert_eq!(plan["status"], "optimal");
    let objective = plan["objective"].as_f64().expect("objective");
    assert!((objective - TINY_OBJECTIVE).abs() < 1e-6, "{objective}");
    assert!((plan["cost"]["holding"].as_f64().expect("holding") - 2.5).abs() < 1e-6);
    assert_eq!(plan["service"]["unmet"].as_f64(), Some(0.0));
}

#[test]
fn solve_summary_is_readable() {
    let dir = scratch();
    let doc = write_json(&dir, "tiny.json", &tiny());
    let out = chainplan(&["solve", arg(&doc), "--format", "summary"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("Cost"), "{text}");
    assert!(text.contains("optimal"), "{text}");
    assert!(text.contains("32.50"), "{text}");
    assert!(serde_json::from_str::<Value>(&text).is_err(), "not JSON");
}

#[test]
fn solve_out_writes_the_plan_file() {
    let dir = scratch();
    let doc = write_json(&dir, "tiny.json", &tiny());
    let plan_path = dir.path().join("plan.json");

    let out = chainplan(&["solve", arg(&doc), "--out", arg(&plan_path)]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).is_empty(), "the plan went to the file");
    let plan: Value =
        serde_json::from_str(&std::fs::read_to_string(&plan_path).expect("plan file"))
            .expect("plan JSON");
    assert_eq!(plan["status"], "optimal");

    // With a summary too, the JSON goes to the file and the report to stdout.
    std::fs::remove_file(&plan_path).expect("remove");
    let out = chainplan(&[
        "solve",
        arg(&doc),
        "--out",
        arg(&plan_path),
        "--format",
        "summary",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains("Cost"));
    let plan: Value =
        serde_json::from_str(&std::fs::read_to_string(&plan_path).expect("plan file"))
            .expect("plan JSON");
    assert_eq!(plan["status"], "optimal");
}

#[test]
fn solve_accepts_every_lp_algorithm() {
    let text = serde_json::to_string(&tiny()).expect("json");
    for algorithm in ["ipm", "simplex", "choose"] {
        let out = chainplan_with_stdin(
            &["solve", "-", "--lp-algorithm", algorithm, "--threads", "1"],
            &text,
        );
        assert_eq!(code(&out), 0, "{algorithm}: {}", stderr(&out));
        let plan: Value = serde_json::from_slice(&out.stdout).expect("plan JSON");
        let objective = plan["objective"].as_f64().expect("objective");
        assert!((objective - TINY_OBJECTIVE).abs() < 1e-6, "{algorithm}");
    }
}

#[test]
fn infeasible_document_is_an_answer_not_a_failure() {
    // A renovation that must happen costs 10 of capex; the budget is 5.
    let mut doc = tiny();
    doc["renovations"] = json!([{"id": "r1", "line": "line-1", "duration": 1,
                                 "earliest": 0, "latest": 1, "capex": 10}]);
    doc["policy"] = json!({"renovation_budget": 5});
    let dir = scratch();
    let path = write_json(&dir, "over-budget.json", &doc);

    let out = chainplan(&["solve", arg(&path)]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let plan: Value = serde_json::from_slice(&out.stdout).expect("plan JSON");
    assert_eq!(plan["status"], "infeasible");
    let paths: Vec<&str> = plan["conflicts"]
        .as_array()
        .expect("conflicts")
        .iter()
        .filter_map(|c| c["path"].as_str())
        .collect();
    assert!(paths.contains(&"policy.renovation_budget"), "{paths:?}");

    let out = chainplan(&["solve", arg(&path), "--format", "summary"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("infeasible"), "{text}");
    assert!(text.contains("policy.renovation_budget"), "{text}");
}

#[test]
fn bad_option_values_exit_1() {
    let dir = scratch();
    let doc = write_json(&dir, "tiny.json", &tiny());
    for extra in [
        ["--gap", "2"],
        ["--time-limit", "0"],
        ["--threads", "0"],
        ["--highs-option", "no_such_option=1"],
        // HiGHS would write the model and return without solving it.
        ["--highs-option", "write_model_to_file=true"],
    ] {
        let mut args = vec!["solve", arg(&doc)];
        args.extend(extra);
        let out = chainplan(&args);
        assert_eq!(code(&out), 1, "{extra:?}: {}", stderr(&out));
        assert!(stderr(&out).starts_with("error: "), "{}", stderr(&out));
    }
}

#[test]
fn highs_options_reach_the_solver() {
    let dir = scratch();
    let doc = write_json(&dir, "tiny.json", &tiny());
    let plain = chainplan(&["solve", arg(&doc)]);
    let tuned = chainplan(&[
        "solve",
        arg(&doc),
        "--highs-option",
        "presolve=off",
        "--highs-option",
        "primal_feasibility_tolerance=1e-8",
    ]);
    assert_eq!(code(&tuned), 0, "{}", stderr(&tuned));
    let objective = |out: &Output| -> f64 {
        serde_json::from_str::<Value>(&stdout(out)).unwrap()["objective"]
            .as_f64()
            .unwrap()
    };
    assert!((objective(&plain) - objective(&tuned)).abs() < 1e-9);
    let wrong_type = chainplan(&["solve", arg(&doc), "--highs-option", "presolve=maybe"]);
    assert_eq!(code(&wrong_type), 1, "{}", stderr(&wrong_type));
}

#[test]
fn failing_to_write_output_exits_3() {
    let dir = scratch();
    let doc = write_json(&dir, "tiny.json", &tiny());
    let unwritable = dir.path().join("no-such-dir").join("plan.json");
    let out = chainplan(&["solve", arg(&doc), "--out", arg(&unwritable)]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stderr(&out).contains("plan.json"), "{}", stderr(&out));
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    let dir = scratch();
    let doc = write_json(&dir, "tiny.json", &tiny());
    for args in [
        vec!["solve", arg(&doc), "--no-such-flag"],
        vec!["solve", arg(&doc), "--lp-algorithm", "barrier"],
        vec!["solve", arg(&doc), "--gap", "wide"],
        vec!["graph", arg(&doc), "--format", "png"],
        vec!["generate", "--suppliers", "3"],
        vec!["frobnicate"],
        vec![],
    ] {
        let out = chainplan(&args);
        assert_eq!(code(&out), 2, "{args:?}");
    }
    for args in [vec!["--help"], vec!["--version"], vec!["solve", "--help"]] {
        let out = chainplan(&args);
        assert_eq!(code(&out), 0, "{args:?}");
        assert!(!stdout(&out).is_empty(), "{args:?}");
    }
}

#[test]
fn graph_draws_every_site_as_dot() {
    let dir = scratch();
    let doc = write_json(&dir, "chain.json", &chain());
    let out = chainplan(&["graph", arg(&doc), "--format", "dot"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let dot = stdout(&out);
    assert!(dot.starts_with("digraph"), "{dot}");
    for site in ["sup-site", "plant", "dc"] {
        assert!(dot.contains(&format!("\"{site}\"")), "{site} in {dot}");
    }
    // dot is the default format.
    let default = chainplan(&["graph", arg(&doc)]);
    assert_eq!(default.stdout, out.stdout);
}

#[test]
fn generated_document_is_valid_and_deterministic() {
    let args = [
        "generate",
        "--suppliers",
        "6",
        "--items-per-tier",
        "2",
        "--periods",
        "8",
        "--customers",
        "2",
        "--seed",
        "3",
        "--setups",
        "--renovations",
        "1",
        "--shares",
        "--carbon",
    ];
    let first = chainplan(&args);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    let second = chainplan(&args);
    assert_eq!(first.stdout, second.stdout, "same seed, same bytes");

    let dir = scratch();
    let path = write(&dir, "gen.json", &stdout(&first));
    let out = chainplan(&["validate", arg(&path)]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).starts_with("ok"));

    // --out writes the same bytes to a file.
    let file = dir.path().join("gen-out.json");
    let mut with_out: Vec<&str> = args.to_vec();
    with_out.extend(["--out", arg(&file)]);
    let out = chainplan(&with_out);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    assert_eq!(std::fs::read(&file).expect("generated file"), first.stdout);

    let other_seed: Vec<&str> = args
        .iter()
        .map(|a| if *a == "3" { "4" } else { a })
        .collect();
    let other = chainplan(&other_seed);
    assert_ne!(other.stdout, first.stdout, "another seed, another chain");
}

#[test]
fn simulate_runs_weeks_of_the_demo_and_refuses_a_bad_chance() {
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/gearbox.json");
    let out = chainplan(&[
        "simulate",
        demo,
        "--weeks",
        "2",
        "--seed",
        "3",
        "--pushback",
        "1",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("Simulated execution: 2 weeks"), "{text}");
    assert!(
        text.contains("2025-03-10"),
        "the second week starts a week later: {text}"
    );
    assert!(text.contains("Supplier adherence (all weeks)"), "{text}");
    // With a pushback every week, the second week's plan is held to one.
    let weeks: Value = serde_json::from_slice(
        &chainplan(&[
            "simulate",
            demo,
            "--weeks",
            "2",
            "--seed",
            "3",
            "--pushback",
            "1",
            "--format",
            "json",
        ])
        .stdout,
    )
    .expect("json weeks");
    assert!(weeks[0]["pushback"]["enterprise"].is_string(), "{weeks}");
    // Made for next week's period 1, it holds that week's period 0.
    assert_eq!(
        weeks[1]["held_to"]["enterprise"],
        weeks[0]["pushback"]["enterprise"]
    );
    assert_eq!(weeks[0]["pushback"]["limits"][0]["period"], 1);
    assert_eq!(weeks[1]["held_to"]["limits"][0]["period"], 0);

    let out = chainplan(&["simulate", demo, "--pushback", "2"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("--pushback"), "{}", stderr(&out));
}

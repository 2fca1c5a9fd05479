//! Documents and plans for the tests of the planning core: a document from
//! JSON, the demo chain, solving with the default options, and the checks
//! of an optimum that several test files share.

use chainplan::model::{parse_network, NetworkDoc, Plan, PlanStatus};
use chainplan::planning::{solve, SolveOptions};
use serde_json::Value;

/// Units a plan makes on `line` over the horizon.
pub fn made_by(plan: &Plan, line: &str) -> f64 {
    plan.production
        .iter()
        .filter(|p| p.line == line)
        .map(|p| p.qty)
        .sum()
}

/// A document from JSON, not validated (the solve validates it).
pub fn doc(v: Value) -> NetworkDoc {
    serde_json::from_value(v).expect("test document parses")
}

/// The plan of a document given as JSON, whatever its status.
pub fn solve_value(v: Value) -> Plan {
    solve(&doc(v), &SolveOptions::default()).expect("solves")
}

/// The plan of a document, which must be optimal.
pub fn solved(d: &NetworkDoc) -> Plan {
    let plan = solve(d, &SolveOptions::default()).expect("solves");
    assert_eq!(plan.status, PlanStatus::Optimal, "{plan:#?}");
    plan
}

/// The demo chain, parsed and validated.
pub fn demo_chain() -> NetworkDoc {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/gearbox.json");
    parse_network(&std::fs::read_to_string(path).expect("demo document"))
        .expect("demo document is valid")
        .0
}

/// The plan is optimal at `expected` (to 1e-6 relative), and its cost
/// breakdown adds up to it.
pub fn assert_objective(plan: &Plan, expected: f64) {
    assert_eq!(plan.status, PlanStatus::Optimal, "{plan:#?}");
    let got = plan.objective.expect("objective");
    assert!(
        (got - expected).abs() <= 1e-6 * expected.abs().max(1.0),
        "objective {got}, expected {expected}"
    );
    assert!((plan.cost.total() - got).abs() < 1e-6);
}

//! Property test over many generated documents: every plan satisfies every
//! constraint of docs/model.md §3 when checked from the plan's own
//! quantities by a checker written apart from the formulation, and the cost
//! terms recomputed from those quantities equal the reported ones.

mod common;

use chainplan::import::generate::{generate, GeneratorSpec};
use chainplan::model::PlanStatus;
use chainplan::planning::{solve, SolveOptions};
use common::checker::check;

#[test]
fn generated_plans_satisfy_every_constraint_and_cost_identity() {
    let options = SolveOptions {
        relative_gap: Some(0.0),
        ..SolveOptions::default()
    };
    let mut solved = 0;
    for seed in 0..48u64 {
        let spec = GeneratorSpec {
            suppliers: 3 + (seed % 5) as usize,
            items_per_tier: 1 + (seed % 3) as usize,
            periods: 3 + (seed % 6) as u32,
            customers: 1 + (seed % 2) as usize,
            seed,
            setups: seed % 2 == 1,
            renovations: (seed % 3) as usize,
            shares: seed % 4 >= 2,
            carbon: seed % 5 == 0,
        };
        let doc = generate(&spec);
        let plan = solve(&doc, &options).expect("generated documents solve");
        assert!(
            matches!(plan.status, PlanStatus::Optimal | PlanStatus::Infeasible),
            "seed {seed}: {:?}",
            plan.status
        );
        if plan.status != PlanStatus::Optimal {
            continue;
        }
        solved += 1;
        let violations = check(&doc, &plan);
        assert!(violations.is_empty(), "seed {seed}: {violations:#?}");
    }
    assert!(
        solved >= 40,
        "only {solved} of 48 documents were solved to optimality"
    );
}

#[test]
fn the_checker_catches_a_tampered_plan() {
    let doc = generate(&GeneratorSpec {
        seed: 7,
        ..GeneratorSpec::default()
    });
    let mut plan = solve(&doc, &SolveOptions::default()).expect("solves");
    assert!(check(&doc, &plan).is_empty());
    plan.production[0].qty += 1.0;
    assert!(!check(&doc, &plan).is_empty());
    plan.production[0].qty -= 1.0;
    plan.cost.transport += 1.0;
    assert!(!check(&doc, &plan).is_empty());
}

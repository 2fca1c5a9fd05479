//! Random renovation candidates on documents that did not come from the
//! generator: the five-stage Willems fixture (`tests/fixtures/willems/90_*`,
//! see `import_willems.rs`) and generated chains that already carry a
//! programme. The candidates must keep the document valid and solvable, sit
//! on distinct lines, and follow the seed; `chainplan import willems
//! --renovations` must write the same document the library builds.

use chainplan::import::generate::{
    add_renovation_candidates, add_renovation_candidates_with, generate, GeneratorSpec,
};
use chainplan::import::willems::read_willems;
use chainplan::model::{validate, NetworkDoc, PlanStatus};
use chainplan::planning::{solve, SolveOptions};
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

const PERIODS: u32 = 8;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/willems")
}

fn willems(seed: u64) -> NetworkDoc {
    read_willems(&fixtures(), "90", seed, PERIODS).expect("fixture imports")
}

fn with_candidates(mut doc: NetworkDoc, count: usize, seed: u64) -> NetworkDoc {
    add_renovation_candidates(&mut doc, count, seed);
    doc
}

fn assert_valid(doc: &NetworkDoc) {
    let report = validate(doc);
    assert!(report.is_valid(), "{:?}", report.errors);
}

/// The lines renovated, checking that none is renovated twice.
fn distinct_lines(doc: &NetworkDoc) -> BTreeSet<&str> {
    let lines: BTreeSet<&str> = doc.renovations.iter().map(|r| r.line.as_str()).collect();
    assert_eq!(lines.len(), doc.renovations.len(), "a line renovated twice");
    lines
}

#[test]
fn candidates_on_a_willems_chain_are_valid_and_on_distinct_lines() {
    for seed in 0..20 {
        for count in 1..=4 {
            let doc = with_candidates(willems(seed), count, seed);
            assert_valid(&doc);
            assert_eq!(doc.renovations.len(), count, "seed {seed}");
            let lines = distinct_lines(&doc);
            assert!(lines
                .iter()
                .all(|l| doc.lines.iter().any(|line| line.id == *l)));
            let limit = doc.policy.max_concurrent_renovations.expect("a limit");
            assert_eq!(limit as usize, (count / 2).max(1));
            let must: f64 = doc
                .renovations
                .iter()
                .filter(|r| !r.optional)
                .map(|r| r.capex - r.subsidy)
                .sum();
            assert!(must <= doc.policy.renovation_budget.expect("a budget"));
            for r in &doc.renovations {
                assert!(r.latest < PERIODS && r.earliest <= r.latest, "{r:?}");
            }
        }
    }
}

#[test]
fn more_candidates_than_lines_renovate_every_line_once() {
    let doc = with_candidates(willems(1), 20, 3);
    assert_valid(&doc);
    assert_eq!(doc.renovations.len(), doc.lines.len());
    assert_eq!(distinct_lines(&doc).len(), doc.lines.len());
}

#[test]
fn zero_candidates_leave_the_document_as_it_was() {
    assert_eq!(with_candidates(willems(2), 0, 9), willems(2));
}

#[test]
fn the_seed_decides_the_candidates() {
    assert_eq!(
        with_candidates(willems(1), 3, 7),
        with_candidates(willems(1), 3, 7)
    );
    // The seed's stream, the same as the one handed in.
    let mut by_rng = willems(1);
    add_renovation_candidates_with(&mut by_rng, 3, &mut StdRng::seed_from_u64(7));
    assert_eq!(by_rng, with_candidates(willems(1), 3, 7));
    let programmes: BTreeSet<String> = (0..8)
        .map(|seed| format!("{:?}", with_candidates(willems(1), 3, seed).renovations))
        .collect();
    assert!(programmes.len() > 1, "every seed drew the same candidates");
}

#[test]
fn an_existing_programme_is_kept_and_extended() {
    for seed in 0..10 {
        let before = generate(&GeneratorSpec {
            suppliers: 9,
            renovations: 3,
            seed,
            ..GeneratorSpec::default()
        });
        let after = with_candidates(before.clone(), 4, seed);
        assert_valid(&after);
        distinct_lines(&after);
        let added = after.renovations.len() - before.renovations.len();
        assert_eq!(added, 4.min(before.lines.len() - before.renovations.len()));
        assert_eq!(
            after.renovations[..before.renovations.len()],
            before.renovations[..]
        );
        let ids: BTreeSet<&str> = after.renovations.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids.len(), after.renovations.len(), "an id used twice");
        let limit = |d: &NetworkDoc| d.policy.max_concurrent_renovations.unwrap_or(0);
        assert_eq!(limit(&after), limit(&before) + 2);
        let budget = |d: &NetworkDoc| d.policy.renovation_budget.unwrap_or(0.0);
        assert!(budget(&after) >= budget(&before) + 200_000.0);
    }
}

#[test]
fn a_willems_chain_with_candidates_solves_to_the_gap() {
    for seed in [1, 4] {
        let doc = with_candidates(willems(seed), 3, seed);
        let options = SolveOptions {
            relative_gap: Some(0.01),
            time_limit_seconds: Some(60.0),
            ..Default::default()
        };
        let plan = solve(&doc, &options).expect("solves");
        assert_eq!(plan.status, PlanStatus::Optimal, "seed {seed}");
        assert!(plan.stats.integer_variables > 0);
        assert!(plan.gap.is_some_and(|g| g <= 0.01 + 1e-9), "{:?}", plan.gap);
        assert_eq!(plan.renovations.len(), 3);
        for (r, schedule) in doc.renovations.iter().zip(&plan.renovations) {
            assert_eq!(schedule.id, r.id);
            if !r.optional {
                assert!(schedule.start.is_some(), "{} is mandatory", r.id);
            }
        }
    }
}

#[test]
fn a_generated_chain_with_more_candidates_still_solves() {
    let mut doc = generate(&GeneratorSpec {
        suppliers: 6,
        renovations: 2,
        seed: 5,
        ..GeneratorSpec::default()
    });
    add_renovation_candidates(&mut doc, 3, 11);
    let plan = solve(&doc, &SolveOptions::default()).expect("solves");
    assert_eq!(plan.status, PlanStatus::Optimal);
    assert!(plan.conflicts.is_empty());
}

#[test]
fn import_willems_renovations_writes_the_library_document() {
    let out = Command::new(env!("CARGO_BIN_EXE_chainplan"))
        .args(["import", "willems"])
        .arg(fixtures())
        .args(["90", "--periods", "8", "--seed", "5", "--renovations", "3"])
        .output()
        .expect("chainplan runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written: NetworkDoc = serde_json::from_slice(&out.stdout).expect("a document");
    assert_eq!(written, with_candidates(willems(5), 3, 5));
    assert_eq!(written.renovations.len(), 3);
}

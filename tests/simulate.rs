//! The execution loop run offline for 12 weeks, on the demo chain and on a
//! generated one: every week's plan passes the independent checker against
//! its week's document, the drawn actuals are valid actuals, material is
//! conserved across every roll, and no plan exceeds the counter-proposal it
//! was held to.

mod common;

use common::checker::{check, sub_listing_noise};
use common::docs::demo_chain;

use chainplan::import::generate::{generate, GeneratorSpec};
use chainplan::model::actuals::{validate_actuals, Reporter};
use chainplan::model::NetworkDoc;
use chainplan::planning::simulate::{kept_counter_proposals, simulate, SimulationSpec, Week};
use std::collections::BTreeMap;

fn run(doc: &NetworkDoc, seed: u64) -> Vec<Week> {
    let mut spec = SimulationSpec::new(12, seed);
    // Enough trouble to exercise every path in 12 weeks.
    spec.pushback_chance = 0.5;
    spec.late_chance = 0.2;
    spec.breakdown_chance = 0.1;
    spec.options.relative_gap = Some(1e-6);
    simulate(doc, &spec, |_| {}).expect("12 weeks run")
}

fn assert_sound(weeks: &[Week]) {
    assert_eq!(weeks.len(), 12);
    for w in weeks {
        let violations: Vec<String> = check(&w.document, &w.plan)
            .into_iter()
            .filter(|v| !sub_listing_noise(v))
            .collect();
        assert!(violations.is_empty(), "week {}: {violations:?}", w.week);
        let problems = validate_actuals(&w.document, &w.actuals, Reporter::Chain, 1);
        assert!(problems.is_empty(), "week {}: {problems:?}", w.week);
        // Per item, over the whole chain: what was there, came in and was
        // made, less what was used and delivered, is in stock or on its way.
        let mut balance: BTreeMap<&str, f64> = BTreeMap::new();
        for c in &w.roll.stock {
            *balance.entry(&c.item).or_default() +=
                c.opening + c.received + c.made - c.consumed - c.delivered - c.initial;
        }
        for r in &w.roll.in_transit {
            *balance.entry(&r.item).or_default() -= r.qty;
        }
        for (item, off) in balance {
            assert!(off.abs() < 1e-6, "week {}: {item} off by {off}", w.week);
        }
    }
    assert!(kept_counter_proposals(weeks));
    // Each roll's in-transit receipts are in the next week's document.
    for pair in weeks.windows(2) {
        for r in &pair[0].roll.in_transit {
            assert!(pair[1].document.receipts.contains(r), "{r:?}");
        }
    }
}

#[test]
fn twelve_weeks_of_the_demo_chain() {
    let weeks = run(&demo_chain(), 7);
    assert_sound(&weeks);
    assert!(
        weeks.iter().any(|w| w.held_to.is_some()),
        "a supplier pushed back"
    );
    assert!(weeks.iter().filter(|w| w.held_to.is_some()).all(|w| w
        .pushback_cost
        .is_some_and(|c| c >= -1e-6 * w.objective.unwrap_or(1.0).abs().max(1.0))));
    // The horizon's start moved on by 12 weeks.
    let start = |w: &Week| w.document.horizon.start.clone().unwrap();
    assert_eq!(start(&weeks[0]), "2025-03-03");
    assert_eq!(start(&weeks[11]), "2025-05-19");
}

#[test]
fn twelve_weeks_of_a_generated_chain() {
    let doc = generate(&GeneratorSpec {
        suppliers: 8,
        items_per_tier: 2,
        periods: 8,
        customers: 2,
        seed: 3,
        renovations: 2,
        ..GeneratorSpec::default()
    });
    let weeks = run(&doc, 11);
    assert_sound(&weeks);
}

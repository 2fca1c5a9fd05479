//! The Willems importer through its public face, on a five-stage chain small
//! enough to check by hand: `tests/fixtures/willems/90_*.csv` is
//! Part_0001 + Part_0002 -> Manuf_0001 -> Dist_0001 -> Retail_0001, with
//! demand at the retail stage only; `91_*.csv` is the same chain with a bad
//! cost on line 4 of its stage data.

use chainplan::import::willems::{read_willems, willems_document, WillemsError};
use chainplan::model::{validate, NetworkDoc, PlanStatus, Role};
use chainplan::planning::{solve, SolveOptions};
use std::collections::BTreeSet;
use std::path::PathBuf;

const PERIODS: u32 = 8;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/willems")
}

fn fixture_doc(seed: u64) -> NetworkDoc {
    read_willems(&fixtures(), "90", seed, PERIODS).expect("fixture imports")
}

fn fixture_text(file: &str) -> String {
    std::fs::read_to_string(fixtures().join(file)).expect("fixture readable")
}

#[test]
fn every_stage_is_a_site_of_its_own_enterprise_and_every_arc_a_lane() {
    let doc = fixture_doc(1);
    assert_eq!(doc.name.as_deref(), Some("willems-90-s1"));
    assert_eq!(doc.horizon.periods, PERIODS);
    assert_eq!(doc.sites.len(), 5);
    assert_eq!(doc.enterprises.len(), 5);
    assert_eq!(doc.items.len(), 5);
    assert_eq!(doc.lines.len(), 5);
    assert_eq!(doc.stocks.len(), 5);
    assert_eq!(doc.lanes.len(), 4);
    let leaders: Vec<&str> = doc
        .enterprises
        .iter()
        .filter(|e| e.role == Role::Leader)
        .map(|e| e.id.as_str())
        .collect();
    assert_eq!(leaders, vec!["leader"]);
    let leader_site = doc.sites.iter().find(|s| s.enterprise == "leader");
    assert_eq!(leader_site.map(|s| s.id.as_str()), Some("Manuf_0001"));
}

#[test]
fn line_inputs_follow_the_arcs() {
    let doc = fixture_doc(1);
    for line in &doc.lines {
        assert_eq!(line.id, format!("{}/line", line.site));
        let [op] = line.operations.as_slice() else {
            panic!("{}: one operation expected", line.id);
        };
        assert_eq!(op.item, line.site);
        let inputs: BTreeSet<&str> = op.inputs.iter().map(|i| i.item.as_str()).collect();
        let arriving: BTreeSet<&str> = doc
            .lanes
            .iter()
            .filter(|l| l.to == line.site)
            .map(|l| l.from.as_str())
            .collect();
        assert_eq!(inputs, arriving, "{}", line.id);
        assert!(op.inputs.iter().all(|i| i.qty == 1.0));
    }
    let manuf = doc.lines.iter().find(|l| l.site == "Manuf_0001").unwrap();
    let inputs: Vec<&str> = manuf.operations[0]
        .inputs
        .iter()
        .map(|i| i.item.as_str())
        .collect();
    assert_eq!(inputs, vec!["Part_0001", "Part_0002"]);
    assert_eq!(manuf.operations[0].cost, 39.0);
}

#[test]
fn lanes_carry_the_source_item_with_lead_times_in_weeks() {
    let doc = fixture_doc(1);
    let lead: Vec<(&str, &str, u32)> = doc
        .lanes
        .iter()
        .map(|l| {
            assert_eq!(l.items, vec![l.from.clone()]);
            (l.from.as_str(), l.to.as_str(), l.lead_time)
        })
        .collect();
    // Into Manuf (10 days): 2 weeks; into Dist (3 days) and Retail (1 day): 1.
    assert_eq!(
        lead,
        vec![
            ("Part_0001", "Manuf_0001", 2),
            ("Part_0002", "Manuf_0001", 2),
            ("Manuf_0001", "Dist_0001", 1),
            ("Dist_0001", "Retail_0001", 1),
        ]
    );
}

#[test]
fn demand_is_weekly_and_only_at_demand_stages() {
    let doc = fixture_doc(1);
    assert_eq!(doc.demands.len(), PERIODS as usize);
    let periods: Vec<u32> = doc.demands.iter().map(|d| d.period).collect();
    assert_eq!(periods, (0..PERIODS).collect::<Vec<_>>());
    for d in &doc.demands {
        assert_eq!(
            (d.site.as_str(), d.item.as_str()),
            ("Retail_0001", "Retail_0001")
        );
        assert!(d.qty >= 0.0);
        // Twice the whole chain's cost (12 + 5.5 + 39 + 2 + 0) plus 10.
        assert_eq!(d.unmet_penalty, Some(127.0));
    }
    // 36 a day is 252 a week, with a deviation of 5.2 * sqrt(7), about 13.8.
    let mean = doc.demands.iter().map(|d| d.qty).sum::<f64>() / f64::from(PERIODS);
    assert!((200.0..300.0).contains(&mean), "{mean}");
    assert_eq!(doc.policy.late_penalty, 2.0);
    assert_eq!(doc.policy.unmet_penalty, 0.0);
    assert_eq!(doc.policy.carbon_price, 0.0);
}

#[test]
fn the_document_is_valid() {
    for seed in 0..20 {
        let report = validate(&fixture_doc(seed));
        assert!(report.is_valid(), "seed {seed}: {:?}", report.errors);
    }
}

#[test]
fn the_same_seed_gives_the_same_document() {
    assert_eq!(fixture_doc(4), fixture_doc(4));
    assert_ne!(fixture_doc(4).demands, fixture_doc(5).demands);
    let text = |d: &NetworkDoc| serde_json::to_string(d).expect("serializes");
    assert_eq!(text(&fixture_doc(4)), text(&fixture_doc(4)));
}

#[test]
fn the_pure_importer_matches_the_file_reader() {
    let doc = willems_document(
        &fixture_text("90_SD.csv"),
        &fixture_text("90_LL.csv"),
        "willems-90-s3",
        3,
        PERIODS,
    )
    .expect("imports");
    assert_eq!(doc, fixture_doc(3));
}

#[test]
fn a_bad_number_is_reported_with_its_line() {
    let err = read_willems(&fixtures(), "91", 1, PERIODS).unwrap_err();
    assert!(
        matches!(
            err,
            WillemsError::BadNumber {
                line: 4,
                column: "stageCost",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("line 4"), "{err}");
}

#[test]
fn an_arc_to_an_unknown_stage_is_reported_with_its_line() {
    let arcs = fixture_text("90_LL.csv").replace("Dist_0001,Retail", "Dist_0009,Retail");
    let err = willems_document(&fixture_text("90_SD.csv"), &arcs, "x", 1, PERIODS).unwrap_err();
    assert_eq!(err.line(), Some(5), "{err}");
    assert!(err.to_string().contains("Dist_0009"), "{err}");
}

#[test]
fn a_missing_column_is_reported_on_the_header_line() {
    let stages = fixture_text("90_SD.csv").replace(",stageTime,", ",leadTime,");
    let err = willems_document(&stages, &fixture_text("90_LL.csv"), "x", 1, PERIODS).unwrap_err();
    assert!(
        matches!(
            err,
            WillemsError::MissingColumn {
                column: "stageTime",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("line 1"), "{err}");
}

#[test]
fn a_missing_file_is_an_io_error() {
    let err = read_willems(&fixtures(), "99", 1, PERIODS).unwrap_err();
    assert!(matches!(err, WillemsError::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("99_SD.csv"), "{err}");
}

#[test]
fn the_fixture_solves_to_optimality() {
    let doc = fixture_doc(1);
    let plan = solve(&doc, &SolveOptions::default()).expect("solves");
    assert_eq!(plan.status, PlanStatus::Optimal);
    assert_eq!(plan.stats.integer_variables, 0, "no setups: an LP");
    // Capacity exceeds need and unmet units cost more than making them, so
    // some demand is served.
    assert!(plan.service.on_time + plan.service.late > 0.0);
}

/// The 39 published chains, from the folder `BENCH_DATA` names:
/// `BENCH_DATA=DIR cargo test --test import_willems -- --ignored`.
#[test]
#[ignore = "needs BENCH_DATA with the published Willems chains"]
fn every_published_chain_imports_to_a_valid_document() {
    let data =
        std::env::var_os("BENCH_DATA").expect("BENCH_DATA names the public instances' folder");
    let dir = PathBuf::from(data).join("willems");
    for nn in 0..=38 {
        let nn = format!("{nn:02}");
        let doc = read_willems(&dir, &nn, 1, 26).unwrap_or_else(|e| panic!("{nn}: {e}"));
        let report = validate(&doc);
        assert!(report.is_valid(), "{nn}: {:?}", report.errors);
    }
}

//! Validation of network documents through the public face, `parse_network`:
//! a minimal valid document, broken one rule at a time, must be rejected with
//! the exact path-bearing message; warnings appear on valid documents; hostile
//! text gives errors, never panics.

use chainplan::model::{parse_network, DocError};
use serde_json::{json, Value};

/// The smallest document that exercises every kind and passes without warnings:
/// a supplier site holds raw material (stock and a receipt), a lane brings it
/// to the leader's plant, whose line makes the finished item for one demand.
fn minimal() -> Value {
    json!({
        "name": "minimal",
        "horizon": {"periods": 4, "period": "week", "start": "2024-01-01"},
        "items": [{"id": "raw"}, {"id": "fin"}],
        "enterprises": [
            {"id": "lead", "role": "leader"},
            {"id": "sup", "role": "supplier"}
        ],
        "sites": [
            {"id": "s1", "enterprise": "sup"},
            {"id": "p1", "enterprise": "lead"}
        ],
        "lines": [{
            "id": "L1", "site": "p1", "capacity": 10, "downtime": [1],
            "operations": [{"item": "fin", "cost": 2, "inputs": [{"item": "raw", "qty": 1}]}]
        }],
        "lanes": [{"id": "e1", "from": "s1", "to": "p1", "items": ["raw"], "lead_time": 1, "capacity": 50}],
        "stocks": [{"site": "s1", "item": "raw", "initial": 100, "holding_cost": 0.1, "max": 1000}],
        "receipts": [{"site": "s1", "item": "raw", "period": 1, "qty": 10}],
        "demands": [{"id": "d1", "site": "p1", "item": "fin", "period": 3, "qty": 5}],
        "renovations": [{"id": "r1", "line": "L1", "duration": 1, "earliest": 0, "latest": 2}],
        "policy": {"carbon_price": 0.5}
    })
}

/// Sets the value at a JSON pointer, creating the last key if it is missing.
fn set(doc: &mut Value, pointer: &str, value: Value) {
    let (parent, key) = pointer.rsplit_once('/').expect("pointer starts with /");
    match doc.pointer_mut(parent) {
        Some(Value::Array(a)) => a[key.parse::<usize>().expect("index")] = value,
        Some(Value::Object(o)) => {
            o.insert(key.to_string(), value);
        }
        _ => panic!("no container at {parent}"),
    }
}

/// Appends to the array at a JSON pointer.
fn push(doc: &mut Value, pointer: &str, value: Value) {
    doc.pointer_mut(pointer)
        .and_then(Value::as_array_mut)
        .unwrap_or_else(|| panic!("no array at {pointer}"))
        .push(value);
}

/// The minimal document with one change.
fn with(pointer: &str, value: Value) -> Value {
    let mut doc = minimal();
    set(&mut doc, pointer, value);
    doc
}

/// `/lines/0/operations/0/cost` as the validator spells it: `lines[0].operations[0].cost`.
fn json_path(pointer: &str) -> String {
    let mut out = String::new();
    for part in pointer.trim_start_matches('/').split('/') {
        if part.parse::<usize>().is_ok() {
            out.push_str(&format!("[{part}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(part);
        }
    }
    out
}

/// Every error of an invalid document, as `path: reason`.
fn errors(doc: &Value) -> Vec<String> {
    match parse_network(&doc.to_string()) {
        Ok(_) => panic!("document was accepted:\n{doc:#}"),
        Err(e @ DocError::Invalid(_)) => e.problems().iter().map(|p| p.to_string()).collect(),
        Err(e) => panic!("expected Invalid, got {e}"),
    }
}

/// Every warning of a valid document, as `path: reason`.
fn warnings(doc: &Value) -> Vec<String> {
    match parse_network(&doc.to_string()) {
        Ok((_, warnings)) => warnings.iter().map(|p| p.to_string()).collect(),
        Err(e) => panic!("document was rejected: {e}"),
    }
}

#[track_caller]
fn assert_error(doc: &Value, expected: &str) {
    let found = errors(doc);
    assert!(
        found.iter().any(|e| e == expected),
        "expected error\n  {expected}\nfound\n  {}",
        found.join("\n  ")
    );
}

#[track_caller]
fn assert_warning(doc: &Value, expected: &str) {
    let found = warnings(doc);
    assert!(
        found.iter().any(|w| w == expected),
        "expected warning\n  {expected}\nfound\n  {}",
        found.join("\n  ")
    );
}

#[track_caller]
fn assert_syntax(text: &str) -> (usize, usize, String) {
    match parse_network(text) {
        Err(DocError::Syntax {
            line,
            column,
            message,
        }) => {
            assert!(line > 0 && column > 0, "position {line}:{column}");
            (line, column, message)
        }
        Ok(_) => panic!("accepted"),
        Err(e) => panic!("expected Syntax, got {e}"),
    }
}

// ----- the valid document -----

#[test]
fn minimal_document_passes_without_warnings() {
    let doc = minimal();
    assert_eq!(warnings(&doc), Vec::<String>::new());
}

#[test]
fn per_period_arrays_of_length_t_pass() {
    let mut doc = minimal();
    set(&mut doc, "/lines/0/capacity", json!([10, 0, 10, 10]));
    set(&mut doc, "/lanes/0/capacity", json!([5, 5, 5, 5]));
    set(&mut doc, "/stocks/0/max", json!([1000, 1000, 1000, 1000]));
    assert_eq!(warnings(&doc), Vec::<String>::new());
}

// ----- horizon -----

#[test]
fn periods_must_be_at_least_one() {
    assert_error(
        &with("/horizon/periods", json!(0)),
        "horizon.periods: must be at least 1",
    );
}

#[test]
fn periods_above_the_maximum_are_too_many() {
    assert_error(
        &with("/horizon/periods", json!(10_001)),
        "horizon.periods: 10001 periods is too many; at most 10000 are accepted",
    );
    let doc = with("/horizon/periods", json!(10_000));
    assert!(parse_network(&doc.to_string()).is_ok());
}

#[test]
fn start_must_be_an_iso_date() {
    assert_error(
        &with("/horizon/start", json!("2024-02-30")),
        "horizon.start: \"2024-02-30\" is not an ISO date (YYYY-MM-DD)",
    );
    assert_error(
        &with("/horizon/start", json!("next monday")),
        "horizon.start: \"next monday\" is not an ISO date (YYYY-MM-DD)",
    );
}

// ----- ids -----

#[test]
fn ids_must_not_be_empty() {
    for pointer in [
        "/items/0/id",
        "/enterprises/1/id",
        "/sites/0/id",
        "/lines/0/id",
        "/lines/0/operations/0/id",
        "/lanes/0/id",
        "/demands/0/id",
        "/renovations/0/id",
    ] {
        let expected = format!("{}: must not be empty", json_path(pointer));
        assert_error(&with(pointer, json!("")), &expected);
    }
}

#[test]
fn duplicate_ids_name_the_first_occurrence() {
    let cases = [
        (
            "/items",
            json!({"id": "raw"}),
            "items[2].id: duplicate item id \"raw\"; first used at items[0]",
        ),
        (
            "/enterprises",
            json!({"id": "sup", "role": "customer"}),
            "enterprises[2].id: duplicate enterprise id \"sup\"; first used at enterprises[1]",
        ),
        (
            "/sites",
            json!({"id": "p1", "enterprise": "sup"}),
            "sites[2].id: duplicate site id \"p1\"; first used at sites[1]",
        ),
        (
            "/lines",
            json!({"id": "L1", "site": "s1", "capacity": 1, "operations": [{"id": "other", "item": "raw"}]}),
            "lines[1].id: duplicate line id \"L1\"; first used at lines[0]",
        ),
        (
            "/lanes",
            json!({"id": "e1", "from": "p1", "to": "s1", "items": ["fin"]}),
            "lanes[1].id: duplicate lane id \"e1\"; first used at lanes[0]",
        ),
        (
            "/demands",
            json!({"id": "d1", "site": "p1", "item": "fin", "period": 0, "qty": 1}),
            "demands[1].id: duplicate demand id \"d1\"; first used at demands[0]",
        ),
        (
            "/renovations",
            json!({"id": "r1", "line": "L1", "duration": 1, "earliest": 0, "latest": 0}),
            "renovations[1].id: duplicate renovation id \"r1\"; first used at renovations[0]",
        ),
    ];
    for (pointer, record, expected) in cases {
        let mut doc = minimal();
        push(&mut doc, pointer, record);
        assert_error(&doc, expected);
    }
}

#[test]
fn duplicate_operation_ids_count_defaults_and_span_lines() {
    // Two operations making one item on one line default to the same id.
    let mut doc = minimal();
    push(&mut doc, "/lines/0/operations", json!({"item": "fin"}));
    assert_error(
        &doc,
        "lines[0].operations[1]: duplicate operation id \"L1/fin\"; first used at lines[0].operations[0]",
    );
    // An explicit id on another line may clash with a defaulted one.
    let mut doc = minimal();
    push(
        &mut doc,
        "/lines",
        json!({"id": "L2", "site": "p1", "capacity": 1, "operations": [{"id": "L1/fin", "item": "fin", "inputs": [{"item": "raw", "qty": 1}]}]}),
    );
    assert_error(
        &doc,
        "lines[1].operations[0].id: duplicate operation id \"L1/fin\"; first used at lines[0].operations[0]",
    );
}

// ----- references -----

#[test]
fn unknown_references_are_named() {
    let cases = [
        ("/sites/0/enterprise", "enterprise"),
        ("/lines/0/site", "site"),
        ("/lines/0/operations/0/item", "item"),
        ("/lines/0/operations/0/inputs/0/item", "item"),
        ("/lanes/0/from", "site"),
        ("/lanes/0/to", "site"),
        ("/lanes/0/items/0", "item"),
        ("/stocks/0/site", "site"),
        ("/stocks/0/item", "item"),
        ("/receipts/0/site", "site"),
        ("/receipts/0/item", "item"),
        ("/demands/0/site", "site"),
        ("/demands/0/item", "item"),
        ("/renovations/0/line", "line"),
    ];
    for (pointer, kind) in cases {
        let expected = format!("{}: unknown {kind} \"plnt-2\"", json_path(pointer));
        assert_error(&with(pointer, json!("plnt-2")), &expected);
    }
}

#[test]
fn exactly_one_leader() {
    assert_error(
        &with("/enterprises/0/role", json!("customer")),
        "enterprises: no enterprise has role \"leader\"; exactly one must",
    );
    assert_error(
        &with("/enterprises/1/role", json!("leader")),
        "enterprises: 2 enterprises have role \"leader\" (\"lead\", \"sup\"); exactly one may",
    );
}

// ----- per-period arrays and periods -----

#[test]
fn per_period_arrays_need_exactly_t_values() {
    for pointer in ["/lines/0/capacity", "/lanes/0/capacity", "/stocks/0/max"] {
        let expected = format!(
            "{}: 3 values; a per-period array needs exactly 4 (one per period) or a single number",
            json_path(pointer)
        );
        assert_error(&with(pointer, json!([1, 2, 3])), &expected);
        let expected = expected.replace("3 values", "5 values");
        assert_error(&with(pointer, json!([1, 2, 3, 4, 5])), &expected);
    }
}

#[test]
fn periods_must_fall_inside_the_horizon() {
    assert_error(
        &with("/lines/0/downtime", json!([0, 4])),
        "lines[0].downtime[1]: period 4 is past the last period 3",
    );
    assert_error(
        &with("/receipts/0/period", json!(4)),
        "receipts[0].period: period 4 is past the last period 3",
    );
    assert_error(
        &with("/demands/0/period", json!(9)),
        "demands[0].period: period 9 is past the last period 3",
    );
}

#[test]
fn renovation_windows_are_checked() {
    let mut doc = minimal();
    set(&mut doc, "/renovations/0/earliest", json!(3));
    set(&mut doc, "/renovations/0/latest", json!(1));
    assert_error(&doc, "renovations[0].earliest: earliest > latest (3 > 1)");
    assert_error(
        &with("/renovations/0/latest", json!(4)),
        "renovations[0].latest: period 4 is past the last period 3",
    );
    assert_error(
        &with("/renovations/0/duration", json!(0)),
        "renovations[0].duration: must be at least 1",
    );
    let mut doc = minimal();
    set(&mut doc, "/renovations/0/earliest", json!(3));
    set(&mut doc, "/renovations/0/latest", json!(3));
    assert!(parse_network(&doc.to_string()).is_ok());
}

#[test]
fn second_renovation_on_a_line_is_refused() {
    let mut doc = minimal();
    push(
        &mut doc,
        "/renovations",
        json!({"id": "r2", "line": "L1", "duration": 1, "earliest": 0, "latest": 1}),
    );
    assert_error(
        &doc,
        "renovations[1].line: line \"L1\" already has a renovation (renovations[0]); at most one per line",
    );
}

// ----- numbers -----

/// Every number that must be a finite amount in `[0, 1e12]`.
const AMOUNTS: [&str; 29] = [
    "/lines/0/capacity",
    "/lines/0/operations/0/cost",
    "/lines/0/operations/0/co2",
    "/lines/0/operations/0/setup_cost",
    "/lines/0/operations/0/setup_time",
    "/lines/0/operations/0/min_lot",
    "/lines/0/operations/0/inputs/0/qty",
    "/lanes/0/capacity",
    "/lanes/0/cost",
    "/lanes/0/co2",
    "/stocks/0/initial",
    "/stocks/0/holding_cost",
    "/stocks/0/safety",
    "/stocks/0/max",
    "/receipts/0/qty",
    "/demands/0/qty",
    "/demands/0/late_penalty",
    "/demands/0/unmet_penalty",
    "/renovations/0/capacity_factor",
    "/renovations/0/cost_factor",
    "/renovations/0/co2_factor",
    "/renovations/0/capex",
    "/renovations/0/subsidy",
    "/policy/carbon_price",
    "/policy/carbon_cap",
    "/policy/safety_penalty",
    "/policy/late_penalty",
    "/policy/unmet_penalty",
    "/policy/renovation_budget",
];

#[test]
fn amounts_must_not_be_negative() {
    for pointer in AMOUNTS {
        let expected = format!("{}: must be at least 0, got -1", json_path(pointer));
        assert_error(&with(pointer, json!(-1)), &expected);
    }
}

#[test]
fn amounts_above_1e12_are_too_large() {
    for pointer in AMOUNTS {
        let expected = format!(
            "{}: 2000000000000 is too large; at most 1e12",
            json_path(pointer)
        );
        assert_error(&with(pointer, json!(2e12)), &expected);
    }
    // The bound itself is accepted.
    assert!(parse_network(&with("/policy/carbon_cap", json!(1e12)).to_string()).is_ok());
}

#[test]
fn per_period_arrays_name_the_first_bad_value() {
    assert_error(
        &with("/lines/0/capacity", json!([1, -1, 2, -3])),
        "lines[0].capacity[1]: must be at least 0, got -1 (and 1 more invalid values in this array)",
    );
    assert_error(
        &with("/stocks/0/max", json!([1, 2, 3e12, 4])),
        "stocks[0].max[2]: 3000000000000 is too large; at most 1e12",
    );
}

#[test]
fn load_must_be_positive() {
    assert_error(
        &with("/lines/0/operations/0/load", json!(0)),
        "lines[0].operations[0].load: must be greater than 0, got 0",
    );
    assert_error(
        &with("/lines/0/operations/0/load", json!(-2.5)),
        "lines[0].operations[0].load: must be greater than 0, got -2.5",
    );
}

#[test]
fn factors_may_be_zero_but_not_negative() {
    let mut doc = minimal();
    for field in ["capacity_factor", "cost_factor", "co2_factor"] {
        set(&mut doc, &format!("/renovations/0/{field}"), json!(0));
    }
    assert!(parse_network(&doc.to_string()).is_ok());
    assert_error(
        &with("/renovations/0/co2_factor", json!(-0.5)),
        "renovations[0].co2_factor: must be at least 0, got -0.5",
    );
}

// ----- shares -----

#[test]
fn shares_must_lie_in_zero_one() {
    assert_error(
        &with("/lanes/0/min_share", json!(1.5)),
        "lanes[0].min_share: must be between 0 and 1, got 1.5",
    );
    assert_error(
        &with("/lanes/0/max_share", json!(-0.1)),
        "lanes[0].max_share: must be between 0 and 1, got -0.1",
    );
}

#[test]
fn min_share_above_max_share_is_refused() {
    let mut doc = minimal();
    set(&mut doc, "/lanes/0/min_share", json!(0.6));
    set(&mut doc, "/lanes/0/max_share", json!(0.4));
    assert_error(&doc, "lanes[0].min_share: min_share 0.6 > max_share 0.4");
}

/// The minimal document with a second supplier site and lane into `p1` for `raw`.
fn two_sources(first: f64, second: f64) -> Value {
    let mut doc = minimal();
    push(&mut doc, "/sites", json!({"id": "s2", "enterprise": "sup"}));
    push(
        &mut doc,
        "/lanes",
        json!({"id": "e2", "from": "s2", "to": "p1", "items": ["raw"], "min_share": second}),
    );
    set(&mut doc, "/lanes/0/min_share", json!(first));
    doc
}

#[test]
fn min_shares_into_one_site_and_item_sum_to_at_most_one() {
    assert_error(
        &two_sources(0.5, 0.75),
        "lanes[0].min_share: min_share of the lanes carrying item \"raw\" into site \"p1\" sums to 1.25 (\"e1\", \"e2\"); at most 1",
    );
    // Decimal shares that sum to 1 up to rounding pass.
    let mut doc = two_sources(0.1, 0.2);
    push(&mut doc, "/sites", json!({"id": "s3", "enterprise": "sup"}));
    push(
        &mut doc,
        "/lanes",
        json!({"id": "e3", "from": "s3", "to": "p1", "items": ["raw"], "min_share": 0.7}),
    );
    assert!(parse_network(&doc.to_string()).is_ok());
}

// ----- bill of materials -----

#[test]
fn bom_cycle_of_two_items_is_named_in_order() {
    let mut doc = minimal();
    push(
        &mut doc,
        "/lines/0/operations",
        json!({"item": "raw", "inputs": [{"item": "fin", "qty": 1}]}),
    );
    assert_error(
        &doc,
        "lines[0].operations[0].inputs[0]: bom cycle: fin -> raw -> fin",
    );
}

#[test]
fn an_operation_consuming_its_own_item_is_a_cycle() {
    assert_error(
        &with("/lines/0/operations/0/inputs/0/item", json!("fin")),
        "lines[0].operations[0].inputs[0]: bom cycle: fin -> fin",
    );
}

#[test]
fn bom_cycle_across_lines_and_sites() {
    let mut doc = minimal();
    push(&mut doc, "/items", json!({"id": "mid"}));
    push(
        &mut doc,
        "/lines",
        json!({"id": "L2", "site": "s1", "capacity": 5, "operations": [
            {"item": "mid", "inputs": [{"item": "fin", "qty": 2}]},
            {"item": "raw", "inputs": [{"item": "mid", "qty": 1}]}
        ]}),
    );
    assert_error(
        &doc,
        "lines[0].operations[0].inputs[0]: bom cycle: fin -> mid -> raw -> fin",
    );
}

#[test]
fn a_deep_bom_chain_is_walked_without_recursion() {
    // 50,000 items, each made from the next: a DFS by recursion would overflow.
    let n = 50_000;
    let mut doc = minimal();
    let items = doc["items"].as_array_mut().unwrap();
    for k in 0..n {
        items.push(json!({"id": format!("c{k}")}));
    }
    let ops: Vec<Value> = (0..n - 1)
        .map(|k| json!({"item": format!("c{k}"), "inputs": [{"item": format!("c{}", k + 1), "qty": 1}]}))
        .collect();
    push(
        &mut doc,
        "/lines",
        json!({"id": "chain", "site": "s1", "capacity": 1, "operations": ops}),
    );
    // Valid as it is (with a warning: the chain's line serves nothing)...
    assert!(parse_network(&doc.to_string()).is_ok());
    // ...and closing it makes one long cycle, shown by its ends.
    push(
        &mut doc,
        "/lines",
        json!({"id": "close", "site": "s1", "capacity": 1, "operations": [
            {"item": format!("c{}", n - 1), "inputs": [{"item": "c0", "qty": 1}]}
        ]}),
    );
    let found = errors(&doc);
    assert_eq!(found.len(), 1, "{found:?}");
    // Arrows run from input to made item: c0 feeds c49999, ..., c1 feeds c0.
    assert!(
        found[0].starts_with("lines[1].operations[0].inputs[0]: bom cycle: c0 -> c49999 -> "),
        "{}",
        found[0]
    );
    assert!(found[0].contains("(49984 more)"), "{}", found[0]);
    assert!(found[0].ends_with("c2 -> c1 -> c0"), "{}", found[0]);
}

#[test]
fn many_cycles_through_a_deep_chain_are_each_reported_briefly() {
    // c0 -> c1 -> ... -> c(n-1), and c(n-1) is also an input of every item:
    // n-1 cycles, the longest through every item. Each is named by its ends
    // only, so the report stays linear in the document.
    let n = 20_000;
    let mut doc = minimal();
    let items = doc["items"].as_array_mut().unwrap();
    for k in 0..n {
        items.push(json!({"id": format!("c{k}")}));
    }
    let last = format!("c{}", n - 1);
    let ops: Vec<Value> = (1..n)
        .map(|k| {
            json!({"item": format!("c{k}"), "inputs": [
                {"item": format!("c{}", k - 1), "qty": 1},
                {"item": last, "qty": 1}
            ]})
        })
        .collect();
    push(
        &mut doc,
        "/lines",
        json!({"id": "mesh", "site": "s1", "capacity": 1, "operations": ops}),
    );
    let found = errors(&doc);
    assert_eq!(found.len(), n - 1);
    assert!(found
        .iter()
        .all(|e| e.contains("bom cycle: ") && e.len() < 300));
    assert!(found.contains(&format!(
        "lines[1].operations[{}].inputs[1]: bom cycle: {last} -> {last}",
        n - 2
    )));
    assert!(found.contains(&format!(
        "lines[1].operations[0].inputs[1]: bom cycle: c1 -> c2 -> c3 -> c4 -> c5 -> c6 -> c7 -> c8 \
         -> ... ({} more) -> c19992 -> c19993 -> c19994 -> c19995 -> c19996 -> c19997 -> c19998 -> {last} -> c1",
        n - 1 - 16
    )));
}

#[test]
fn duplicate_inputs_of_one_item_are_refused() {
    assert_error(
        &with(
            "/lines/0/operations/0/inputs",
            json!([{"item": "raw", "qty": 1}, {"item": "raw", "qty": 2}]),
        ),
        "lines[0].operations[0].inputs[1].item: item \"raw\" is already an input at lines[0].operations[0].inputs[0]",
    );
}

// ----- lanes and stocks -----

#[test]
fn a_lane_from_a_site_to_itself_is_refused() {
    assert_error(
        &with("/lanes/0/to", json!("s1")),
        "lanes[0].to: same site as from \"s1\"",
    );
}

#[test]
fn lane_items_are_non_empty_and_distinct() {
    assert_error(
        &with("/lanes/0/items", json!([])),
        "lanes[0].items: must list at least one item",
    );
    assert_error(
        &with("/lanes/0/items", json!(["raw", "fin", "raw"])),
        "lanes[0].items[2]: item \"raw\" is listed twice (first at lanes[0].items[0])",
    );
}

#[test]
fn one_stock_record_per_site_and_item() {
    let mut doc = minimal();
    push(&mut doc, "/stocks", json!({"site": "p1", "item": "fin"}));
    push(
        &mut doc,
        "/stocks",
        json!({"site": "s1", "item": "raw", "safety": 3}),
    );
    assert_error(
        &doc,
        "stocks[2]: second record for item \"raw\" at site \"s1\" (first at stocks[0]); at most one per (site, item)",
    );
}

#[test]
fn a_lead_time_past_the_horizon_is_only_a_warning() {
    assert_warning(
        &with("/lanes/0/lead_time", json!(4)),
        "lanes[0].lead_time: lead time 4 reaches past the last period 3; the lane never carries anything",
    );
    assert_warning(
        &with("/lanes/0/lead_time", json!(u32::MAX)),
        "lanes[0].lead_time: lead time 4294967295 reaches past the last period 3; the lane never carries anything",
    );
}

// ----- size guard -----

#[test]
fn a_model_too_large_is_refused_at_the_root() {
    let mut doc = with("/horizon/periods", json!(10_000));
    let demands = doc["demands"].as_array_mut().unwrap();
    for k in 0..5_000 {
        demands.push(
            json!({"id": format!("x{k}"), "site": "p1", "item": "fin", "period": k, "qty": 1}),
        );
    }
    // 10,000 periods x (1 operation + 1 lane item + 1 stock + 5,001 demands).
    assert_error(
        &doc,
        "$: model too large: 10000 periods x 5004 operations, lane items, stocks and demands \
         = 50040000 period-indexed variables; at most 50000000",
    );
}

// ----- many problems at once -----

#[test]
fn every_problem_is_reported_at_once() {
    let mut doc = minimal();
    set(&mut doc, "/lanes/0/to", json!("plnt-2"));
    set(&mut doc, "/demands/0/period", json!(7));
    set(&mut doc, "/policy/unmet_penalty", json!(-5));
    set(&mut doc, "/enterprises/0/role", json!("supplier"));
    set(
        &mut doc,
        "/lines/0/operations/0/inputs/0/item",
        json!("stel"),
    );
    let found = errors(&doc);
    for expected in [
        "lanes[0].to: unknown site \"plnt-2\"",
        "demands[0].period: period 7 is past the last period 3",
        "policy.unmet_penalty: must be at least 0, got -5",
        "enterprises: no enterprise has role \"leader\"; exactly one must",
        "lines[0].operations[0].inputs[0].item: unknown item \"stel\"",
    ] {
        assert!(
            found.iter().any(|e| e == expected),
            "missing {expected} in {found:#?}"
        );
    }
    assert_eq!(found.len(), 5, "{found:#?}");
}

#[test]
fn an_invalid_horizon_does_not_flood_period_errors() {
    // With no usable T the period rules are skipped; other rules still run.
    let mut doc = with("/horizon/periods", json!(0));
    set(&mut doc, "/lanes/0/from", json!("nowhere"));
    let found = errors(&doc);
    assert_eq!(
        found,
        vec![
            "horizon.periods: must be at least 1".to_string(),
            "lanes[0].from: unknown site \"nowhere\"".to_string(),
        ]
    );
}

// ----- warnings -----

#[test]
fn demand_nothing_can_reach_is_warned() {
    let expected =
        "demands[0]: no production, stock, receipt or lane can ever bring item \"fin\" to site \"p1\"";
    // No stock and no receipt of raw: the line has nothing to work with.
    let mut doc = with("/stocks/0/initial", json!(0));
    set(&mut doc, "/receipts/0/qty", json!(0));
    assert_warning(&doc, expected);
    // A lane whose capacity is zero whenever a departure could still arrive.
    assert_warning(&with("/lanes/0/capacity", json!([0, 0, 0, 5])), expected);
    // A line that is down whenever it has capacity.
    let mut doc = with("/lines/0/capacity", json!([0, 10, 0, 0]));
    set(&mut doc, "/lines/0/downtime", json!([1]));
    assert_warning(&doc, expected);
}

#[test]
fn reachability_follows_receipts_production_and_lanes() {
    // Only the receipt feeds the chain: still reachable.
    let doc = with("/stocks/0/initial", json!(0));
    assert_eq!(warnings(&doc), Vec::<String>::new());
    // Zero-quantity inputs are not needed to produce.
    let mut doc = with("/stocks/0/initial", json!(0));
    set(&mut doc, "/receipts/0/qty", json!(0));
    set(&mut doc, "/lines/0/operations/0/inputs/0/qty", json!(0));
    let found = warnings(&doc);
    assert!(
        !found.iter().any(|w| w.starts_with("demands[0]")),
        "{found:?}"
    );
}

#[test]
fn a_lone_lane_capped_below_one_is_warned() {
    assert_warning(
        &with("/lanes/0/max_share", json!(0.5)),
        "lanes[0].max_share: only lane carrying item \"raw\" into site \"p1\", so max_share 0.5 lets nothing arrive",
    );
    // With a second source the cap is meaningful.
    let mut doc = two_sources(0.0, 0.0);
    set(&mut doc, "/lanes/0/max_share", json!(0.5));
    assert_eq!(warnings(&doc), Vec::<String>::new());
}

#[test]
fn a_line_whose_items_nobody_needs_is_warned() {
    let mut doc = minimal();
    push(&mut doc, "/items", json!({"id": "extra"}));
    push(
        &mut doc,
        "/lines",
        json!({"id": "L2", "site": "p1", "capacity": 5, "operations": [{"item": "extra"}]}),
    );
    assert_warning(
        &doc,
        "lines[1]: nothing it makes (\"extra\") is needed at site \"p1\": no demand, safety target, consuming operation or outgoing lane",
    );
    // A safety target makes the item needed there.
    push(
        &mut doc,
        "/stocks",
        json!({"site": "p1", "item": "extra", "safety": 2}),
    );
    assert_eq!(warnings(&doc), Vec::<String>::new());
}

#[test]
fn a_line_without_operations_is_warned() {
    let mut doc = minimal();
    push(
        &mut doc,
        "/lines",
        json!({"id": "L2", "site": "s1", "capacity": 5}),
    );
    assert_warning(&doc, "lines[1]: has no operations, so it makes nothing");
}

// ----- syntax -----

#[test]
fn malformed_json_gives_a_position() {
    let (line, _, _) = assert_syntax("{\n  \"horizon\": {\"periods\": 4},\n}");
    assert_eq!(line, 3);
}

#[test]
fn truncated_json_gives_a_position() {
    let text = serde_json::to_string_pretty(&minimal()).unwrap();
    let (_, _, message) = assert_syntax(&text[..text.len() / 2]);
    assert!(message.contains("EOF"), "{message}");
}

#[test]
fn a_string_for_a_number_is_a_syntax_error_at_its_line() {
    let doc = with("/lines/0/operations/0/cost", json!("cheap"));
    let text = serde_json::to_string_pretty(&doc).unwrap();
    let expected_line = text.lines().position(|l| l.contains("\"cheap\"")).unwrap() + 1;
    let (line, _, message) = assert_syntax(&text);
    assert_eq!(line, expected_line);
    assert!(message.contains("invalid type"), "{message}");
    // The per-period type says what it wants.
    let text = with("/lines/0/capacity", json!("ten")).to_string();
    let (_, _, message) = assert_syntax(&text);
    assert!(
        message.contains("a number or an array of numbers"),
        "{message}"
    );
}

#[test]
fn unknown_fields_and_missing_fields_are_syntax_errors() {
    assert_syntax(&with("/lanes/0/colour", json!("red")).to_string());
    let mut doc = minimal();
    doc["demands"][0].as_object_mut().unwrap().remove("qty");
    assert_syntax(&doc.to_string());
    assert_syntax("{}");
}

// ----- hostile input -----

#[test]
fn nan_is_not_json() {
    let text = minimal()
        .to_string()
        .replace("\"capacity\":10", "\"capacity\":NaN");
    assert!(text.contains("NaN"));
    assert_syntax(&text);
}

#[test]
fn a_capacity_of_1e308_is_too_large() {
    let text = minimal()
        .to_string()
        .replace("\"capacity\":10", "\"capacity\":1e308");
    assert_error(
        &serde_json::from_str(&text).unwrap(),
        "lines[0].capacity: 1e308 is too large; at most 1e12",
    );
}

#[test]
fn a_number_beyond_f64_is_a_syntax_error() {
    let text = minimal()
        .to_string()
        .replace("\"capacity\":10", "\"capacity\":1e400");
    assert!(text.contains("1e400"));
    assert_syntax(&text);
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert_syntax(&deep);
    for key in ["\"capacity\":10", "\"period\":\"week\""] {
        let (field, _) = key.split_once(':').unwrap();
        let text = minimal()
            .to_string()
            .replace(key, &format!("{field}:{deep}"));
        assert!(text.len() > 20_000);
        assert_syntax(&text);
    }
}

#[test]
fn a_capacity_of_100000_numbers_is_refused_by_length() {
    let doc = with("/lines/0/capacity", json!(vec![1.0; 100_000]));
    let found = errors(&doc);
    assert_eq!(
        found,
        vec![
            "lines[0].capacity: 100000 values; a per-period array needs exactly 4 (one per period) or a single number"
                .to_string()
        ]
    );
}

#[test]
fn the_largest_u32_periods_is_refused_without_allocating() {
    let doc = with("/horizon/periods", json!(u32::MAX));
    assert_error(
        &doc,
        "horizon.periods: 4294967295 periods is too many; at most 10000 are accepted",
    );
    assert_syntax(&with("/horizon/periods", json!(u64::from(u32::MAX) + 1)).to_string());
}

#[test]
fn negative_periods_are_syntax_errors() {
    assert_syntax(&with("/demands/0/period", json!(-1)).to_string());
    assert_syntax(&with("/lines/0/downtime", json!([-1])).to_string());
    assert_syntax(&with("/horizon/periods", json!(-1)).to_string());
}

#[test]
fn a_huge_downtime_period_is_out_of_range() {
    assert_error(
        &with("/lines/0/downtime", json!([u32::MAX])),
        "lines[0].downtime[0]: period 4294967295 is past the last period 3",
    );
    assert_syntax(&with("/lines/0/downtime", json!([u64::MAX])).to_string());
    assert_syntax(&with("/lines/0/downtime", json!([1e300])).to_string());
}

#[test]
fn huge_renovation_periods_are_out_of_range() {
    let mut doc = minimal();
    set(&mut doc, "/renovations/0/earliest", json!(u32::MAX));
    set(&mut doc, "/renovations/0/latest", json!(u32::MAX));
    set(&mut doc, "/renovations/0/duration", json!(u32::MAX));
    assert_error(
        &doc,
        "renovations[0].latest: period 4294967295 is past the last period 3",
    );
}

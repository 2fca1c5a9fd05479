//! Property-based fuzzing, on stable Rust with proptest, of the code that
//! reads what callers send:
//!
//! - network documents: `model::parse_network` and `model::validate` (and
//!   `planning::size::estimate_model_bytes`), on arbitrary bytes, arbitrary
//!   JSON, JSON fragments, and mutations of the demo chain
//!   `examples/data/gearbox.json`;
//! - scenario change lists: `ScenarioChange` deserialisation and
//!   `apply_changes` on the demo chain, on arbitrary JSON and on mutations of
//!   the change fixture `tests/fixtures/scenario/changes.json`;
//! - gRPC requests: prost decoding of every request message, then the
//!   conversions and checks the services run before any store or solver
//!   (`server::convert::records`, `server::convert::scenario_records`, the edits on the demo
//!   chain), on arbitrary bytes, on well-formed protobuf of random fields,
//!   and on valid encodings with their fields mutated (lengths kept right) or
//!   their bytes flipped, inserted, deleted and truncated.
//!
//! Every case must end without a panic, within [`CASE_DEADLINE`] (a watchdog
//! reports a hang with its input and aborts the run), and within a heap
//! budget linear in the size of its input (a counting allocator measures
//! each case). Inputs are bounded: at most 64 KiB, strings of at most 5000
//! characters.
//!
//! `make test` runs proptest's default 256 cases per property. For more:
//!
//! ```text
//! PROPTEST_CASES=20000 cargo test --release --test fuzz
//! ```
//!
//! or `make fuzz`. A failure is printed with its shrunk input; keep it as a
//! deterministic regression test at the end of this file (proptest's own
//! regression files are turned off).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::HashMap;
use std::io::Write;
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use chainplan::model::edit::{
    apply_capacity_changes, apply_order_changes, CapacityChange, CapacityEdit, Edited,
};
use chainplan::model::join_path;
use chainplan::model::parse::parse_document;
use chainplan::model::scenario::{apply_changes, ScenarioChange};
use chainplan::model::{
    parse_network, validate, DocError, NetworkDoc, Problem, ValidationReport, MAX_PERIODS,
};
use chainplan::planning::size::estimate_model_bytes;
use chainplan::server::convert::records;
use chainplan::server::convert::scenario_records::{change_to_pb, changes_from_pb, kpi_from_pb};
use chainplan::server::pb;
use chainplan::server::state::edit_error;
use chainplan::server::status::{check_id, check_text, ServiceError};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{select, Index};
use prost::Message;
use serde_json::{json, Value};

// ---------------------------------------------------------------------------
// Bounds
// ---------------------------------------------------------------------------

/// The largest input a case feeds in: the demo chain (about 20 KiB of JSON)
/// with room to grow, and small enough to keep a case at a millisecond.
const MAX_INPUT_BYTES: usize = 64 * 1024;

/// The longest string a case puts anywhere.
const MAX_STRING_CHARS: usize = 5000;

/// Cases take milliseconds; one still running after this is taken for a hang.
const CASE_DEADLINE: Duration = Duration::from_secs(30);

/// Heap a case may take per byte of its input. The typed document and the
/// validator's indexes are a few times the JSON they come from; protobuf
/// amplifies more, as an empty record of 2 bytes becomes structs and
/// problems of a few hundred (about 150 times its bytes, measured on 30,000
/// empty lines, scenario changes or order changes).
const HEAP_PER_INPUT_BYTE: usize = 256;

/// Heap a case may take whatever its input: copies of the demo chain, which
/// every edit and scenario starts from, and per-period arrays as long as the
/// longest horizon (`MAX_PERIODS`).
const HEAP_FIXED: usize = 16 << 20;

fn heap_budget(input_len: usize) -> usize {
    HEAP_FIXED + HEAP_PER_INPUT_BYTE * input_len
}

fn config() -> ProptestConfig {
    ProptestConfig {
        // The failure is printed shrunk; it becomes a test below, not a file
        // next to the sources.
        failure_persistence: None,
        // A failing 64 KiB input shrinks one byte at a time; a minute is
        // enough to make it readable.
        max_shrink_time: 60_000,
        // `cases` is left to the default, which reads PROPTEST_CASES.
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------
// Heap measurement
// ---------------------------------------------------------------------------

/// The system allocator, counting each thread's live heap bytes and their
/// peak: a test thread runs one case at a time, so a case's peak is its own.
struct CountingAlloc;

thread_local! {
    static LIVE: Cell<i64> = const { Cell::new(0) };
    static PEAK: Cell<i64> = const { Cell::new(0) };
}

fn account(delta: i64) {
    // `try_with`: a thread allocates while its locals are torn down.
    let _ = LIVE.try_with(|live| {
        let now = live.get() + delta;
        live.set(now);
        let _ = PEAK.try_with(|peak| {
            if now > peak.get() {
                peak.set(now);
            }
        });
    });
}

fn size_delta(from: usize, to: usize) -> i64 {
    i64::try_from(to).unwrap_or(i64::MAX) - i64::try_from(from).unwrap_or(i64::MAX)
}

// SAFETY: every call is forwarded to `System` unchanged; the counting only
// touches thread-locals that need no allocation.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            account(size_delta(0, layout.size()));
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            account(size_delta(0, layout.size()));
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        account(size_delta(layout.size(), 0));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            account(size_delta(layout.size(), new_size));
        }
        p
    }
}

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// `f`'s result and the most heap, in bytes, it held at once on this thread.
fn heap_peak<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let start = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(start));
    let out = f();
    let peak = PEAK.with(Cell::get) - start;
    (out, usize::try_from(peak).unwrap_or(0))
}

// ---------------------------------------------------------------------------
// Hang watchdog
// ---------------------------------------------------------------------------

/// A case in progress, for the watchdog.
struct Running {
    since: Instant,
    property: &'static str,
    input: Vec<u8>,
}

fn running() -> &'static Mutex<HashMap<ThreadId, Running>> {
    static RUNNING: OnceLock<Mutex<HashMap<ThreadId, Running>>> = OnceLock::new();
    RUNNING.get_or_init(Default::default)
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A hung case never returns to proptest, which could then neither report
/// nor shrink it, and the run would stall until some CI timeout without
/// saying why. This thread names the property and prints the input instead,
/// then ends the run.
fn watchdog() {
    loop {
        thread::sleep(Duration::from_millis(500));
        let cases = lock(running());
        if let Some(case) = cases.values().find(|c| c.since.elapsed() > CASE_DEADLINE) {
            // Straight to the file descriptor: the test harness captures
            // `eprintln!` in threads a test spawns, and the abort would drop it.
            let _ = writeln!(
                std::io::stderr(),
                "fuzz: a case of `{}` has run for more than {CASE_DEADLINE:?} and is taken \
                 for a hang; its input ({} bytes):\n{}",
                case.property,
                case.input.len(),
                shown(&case.input)
            );
            std::process::abort();
        }
    }
}

/// Text as a Rust string literal, anything else as hex.
fn shown(input: &[u8]) -> String {
    match std::str::from_utf8(input) {
        Ok(text) => format!("{text:?}"),
        Err(_) => input.iter().map(|b| format!("{b:02x}")).collect(),
    }
}

/// Runs one case of `property` on `input`: under the watchdog, and held to
/// the heap budget of the input's size plus the `allowance` that `f`
/// returns, for an amplification the library is known to have while it is
/// being fixed (none at present: `serve` returns 0).
fn run_case(property: &'static str, input: &[u8], f: impl FnOnce() -> usize) {
    static WATCHDOG: OnceLock<()> = OnceLock::new();
    WATCHDOG.get_or_init(|| {
        thread::Builder::new()
            .name("fuzz-watchdog".into())
            .spawn(watchdog)
            .expect("the watchdog thread starts");
    });
    // Built before measuring, so no case pays for them.
    seed_fields();
    let id = thread::current().id();
    lock(running()).insert(
        id,
        Running {
            since: Instant::now(),
            property,
            input: input.to_vec(),
        },
    );
    // Removes the case even when it panics, so the watchdog never sees a
    // failed case as a hung one.
    struct Done(ThreadId);
    impl Drop for Done {
        fn drop(&mut self) {
            lock(running()).remove(&self.0);
        }
    }
    let _done = Done(id);
    let (allowance, peak) = heap_peak(f);
    let budget = heap_budget(input.len()) + allowance;
    assert!(
        peak <= budget,
        "{property}: the case held {peak} bytes of heap at once, over its budget of {budget} \
         for {} bytes of input",
        input.len()
    );
}

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

const GEARBOX_JSON: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/examples/data/gearbox.json"
));

/// Change lists that apply to the demo chain: the fixture exercising every
/// change type, and the what-if examples.
const CHANGE_LISTS: [&str; 4] = [
    include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/scenario/changes.json"
    )),
    include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/data/whatif/carbon_doubled.json"
    )),
    include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/data/whatif/demand_up_20.json"
    )),
    include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/data/whatif/gearworks_down.json"
    )),
];

/// The demo chain, parsed and validated.
fn gearbox() -> &'static NetworkDoc {
    static DOC: OnceLock<NetworkDoc> = OnceLock::new();
    DOC.get_or_init(|| {
        parse_network(GEARBOX_JSON)
            .expect("the demo chain is valid")
            .0
    })
}

fn gearbox_value() -> &'static Value {
    static VALUE: OnceLock<Value> = OnceLock::new();
    VALUE.get_or_init(|| serde_json::from_str(GEARBOX_JSON).expect("the demo chain is JSON"))
}

/// Every change of [`CHANGE_LISTS`], each as JSON.
fn fixture_changes() -> &'static [Value] {
    static CHANGES: OnceLock<Vec<Value>> = OnceLock::new();
    CHANGES.get_or_init(|| {
        CHANGE_LISTS
            .iter()
            .flat_map(|text| match serde_json::from_str(text) {
                Ok(Value::Array(changes)) => changes,
                other => panic!("a change list is a JSON array: {other:?}"),
            })
            .collect()
    })
}

/// Valid encodings of the service's requests, on the demo chain.
fn seeds() -> &'static [Vec<u8>] {
    static SEEDS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let doc = gearbox();
        gearbox_value();
        fixture_changes();
        let options = Some(pb::SolveOptions {
            time_limit_seconds: Some(5.0),
            relative_gap: Some(0.01),
            threads: Some(2),
            lp_algorithm: pb::LpAlgorithm::Simplex as i32,
            strategy: pb::SolveStrategy::Fast as i32,
        });
        let range = |first, last| {
            Some(pb::PeriodSet {
                periods: Some(pb::period_set::Periods::Range(pb::PeriodRange {
                    first,
                    last,
                })),
            })
        };
        let list = |periods: &[u32]| {
            Some(pb::PeriodSet {
                periods: Some(pb::period_set::Periods::List(pb::PeriodList {
                    periods: periods.to_vec(),
                })),
            })
        };
        let mut rush = doc.demands[0].clone();
        rush.id = "rush-1".into();
        let order = |change| pb::OrderChange {
            change: Some(change),
        };
        let changes: Vec<ScenarioChange> = fixture_changes()
            .iter()
            .map(|c| serde_json::from_value(c.clone()).expect("a fixture change deserialises"))
            .collect();
        use pb::order_change::Change as Order;
        vec![
            pb::PutNetworkRequest {
                network_id: "demo".into(),
                document: Some(pb::NetworkDocument::from(doc.clone())),
                expected_version: 3,
            }
            .encode_to_vec(),
            pb::GetNetworkRequest {
                network_id: "demo".into(),
                version: 2,
            }
            .encode_to_vec(),
            pb::ListNetworksRequest {
                page_size: 10,
                page_token: "demo".into(),
            }
            .encode_to_vec(),
            pb::UpdateOrdersRequest {
                network_id: "demo".into(),
                expected_version: 1,
                changes: vec![
                    order(Order::AddDemand(rush.into())),
                    order(Order::ChangeDemand(doc.demands[1].clone().into())),
                    order(Order::CancelDemand(doc.demands[2].id.clone())),
                    order(Order::AddReceipt(doc.receipts[0].clone().into())),
                    order(Order::ChangeReceipt(doc.receipts[1].clone().into())),
                    order(Order::CancelReceipt(pb::ReceiptKey {
                        site: doc.receipts[0].site.clone(),
                        item: doc.receipts[0].item.clone(),
                        period: doc.receipts[0].period,
                    })),
                ],
            }
            .encode_to_vec(),
            pb::UpdateCapacityRequest {
                network_id: "demo".into(),
                expected_version: 0,
                changes: vec![
                    pb::CapacityChange {
                        line: "gearworks-hobbing".into(),
                        periods: range(2, 4),
                        change: Some(pb::capacity_change::Change::Capacity(150.0)),
                    },
                    pb::CapacityChange {
                        line: "fonderia-moulding".into(),
                        periods: list(&[5, 6]),
                        change: Some(pb::capacity_change::Change::Downtime(
                            pb::DowntimeAction::Add as i32,
                        )),
                    },
                    pb::CapacityChange {
                        line: "fonderia-moulding".into(),
                        periods: list(&[4]),
                        change: Some(pb::capacity_change::Change::Downtime(
                            pb::DowntimeAction::Remove as i32,
                        )),
                    },
                ],
                reason: "furnace relining".into(),
            }
            .encode_to_vec(),
            pb::SolveRequest {
                network_id: "demo".into(),
                network_version: 1,
                options,
            }
            .encode_to_vec(),
            pb::SubmitSolveRequest {
                network_id: "demo".into(),
                network_version: 0,
                options,
            }
            .encode_to_vec(),
            pb::ReplanRequest {
                network_id: "demo".into(),
                network_version: 0,
                base_plan_id: "plan-1".into(),
                freeze_until: 2,
                stability_penalty: 0.5,
                options,
            }
            .encode_to_vec(),
            pb::SetReplanPolicyRequest {
                network_id: "demo".into(),
                policy: Some(pb::ReplanPolicy {
                    mode: pb::ReplanMode::Automatic as i32,
                    freeze_until: 1,
                    stability_penalty: 1.0,
                    options,
                }),
            }
            .encode_to_vec(),
            pb::CreateScenarioRequest {
                network_id: "demo".into(),
                base_version: 0,
                name: "spring what-ifs".into(),
                changes: changes.iter().map(change_to_pb).collect(),
            }
            .encode_to_vec(),
            pb::SolveScenariosRequest {
                scenario_ids: vec!["scenario-1".into(), "scenario-2".into()],
                time_limit_seconds: Some(10.0),
            }
            .encode_to_vec(),
            pb::CompareScenariosRequest {
                scenario_ids: vec!["scenario-1".into()],
                rank_by: pb::Kpi::FillRate as i32,
            }
            .encode_to_vec(),
            pb::AcknowledgeRequest {
                network_id: "demo".into(),
                enterprise: "gearworks".into(),
                version: 1,
                decision: Some(pb::acknowledge_request::Decision::Accept(pb::Acceptance {
                    note: "confirmed".into(),
                })),
            }
            .encode_to_vec(),
            pb::AcknowledgeRequest {
                network_id: "demo".into(),
                enterprise: "gearworks".into(),
                version: 2,
                decision: Some(pb::acknowledge_request::Decision::Reject(pb::Rejection {
                    reason: "no steel".into(),
                    counter_proposal: Vec::new(),
                })),
            }
            .encode_to_vec(),
            pb::ReportCapacityRequest {
                network_id: "demo".into(),
                enterprise: "gearworks".into(),
                line: "gearworks-hobbing".into(),
                periods: range(3, 5),
                capacity: 120.0,
                reason: "hob breakdown".into(),
            }
            .encode_to_vec(),
            pb::WatchAllocationsRequest {
                network_id: "demo".into(),
                enterprise: "gearworks".into(),
                after_version: 4,
            }
            .encode_to_vec(),
        ]
    })
}

// ---------------------------------------------------------------------------
// What must hold of every answer
// ---------------------------------------------------------------------------

/// Every problem says where it is.
fn assert_paths(problems: &[Problem]) {
    for p in problems {
        assert!(!p.path.is_empty(), "a problem without a path: {p:?}");
    }
}

fn check_report(report: &ValidationReport) {
    assert_eq!(report.is_valid(), report.errors.is_empty());
    assert_paths(&report.errors);
    assert_paths(&report.warnings);
}

/// Validates a document however it was made, as every entry point does
/// before using it, and sizes it as the planner does.
fn check_document(doc: &NetworkDoc) -> ValidationReport {
    let report = validate(doc);
    check_report(&report);
    let _ = estimate_model_bytes(doc);
    if report.is_valid() {
        // What the service stores must mean the same when a caller reads it
        // back over gRPC.
        let back = records::document_from_pb("document", records::document_to_pb(doc))
            .unwrap_or_else(|e| panic!("a valid document does not convert back: {e}"));
        assert_eq!(&back, doc, "a valid document changes through protobuf");
    }
    report
}

/// The document text path: `parse_network`, and `parse_document` then
/// `validate`, must agree, and a document they accept reads back the same
/// from its own JSON.
fn check_document_text(text: &str) {
    match parse_network(text) {
        Ok((doc, warnings)) => {
            let report = check_document(&doc);
            assert!(
                report.is_valid(),
                "parse_network accepted a document validate rejects: {:?}",
                report.errors
            );
            assert_eq!(report.warnings, warnings);
            let again = serde_json::to_string(&doc).expect("a document serialises");
            let (back, _) = parse_network(&again)
                .unwrap_or_else(|e| panic!("a valid document's own JSON is rejected: {e}"));
            assert_eq!(back, doc, "a valid document changes through its JSON");
        }
        Err(err) => {
            let _ = err.to_string();
            assert_paths(&err.problems());
            match &err {
                DocError::Invalid(problems) => {
                    assert!(!problems.is_empty(), "Invalid without a problem");
                    let doc = parse_document(text).expect("parse_network parsed it");
                    assert!(!check_document(&doc).is_valid());
                }
                DocError::Syntax { .. } | DocError::TooLarge { .. } => {
                    assert!(parse_document(text).is_err());
                }
            }
        }
    }
}

/// What the service answers for an error: every violation names a field,
/// and the status stays small whatever the request held.
fn check_error(err: ServiceError) {
    if let ServiceError::Invalid(violations) = &err {
        assert!(
            !violations.is_empty(),
            "INVALID_ARGUMENT without a violation"
        );
        for v in violations {
            assert!(!v.path.is_empty(), "a violation without a field: {v:?}");
        }
    }
    let status = tonic::Status::from(err);
    // The status module's own bound, plus the ellipsis of a clipped message.
    assert!(
        status.message().chars().count() <= 1025,
        "a status message of {} characters",
        status.message().chars().count()
    );
}

fn check<T>(result: Result<T, ServiceError>) -> Option<T> {
    result.map_err(check_error).ok()
}

/// A change list applied to the demo chain, as CreateScenario does: either a
/// valid document or problems with paths.
fn check_scenario(changes: &[ScenarioChange]) {
    for c in changes {
        let _ = c.kind();
    }
    match apply_changes(gearbox(), changes) {
        Ok(doc) => {
            let report = check_document(&doc);
            assert!(
                report.is_valid(),
                "apply_changes made an invalid document: {:?}",
                report.errors
            );
        }
        Err(problems) => {
            assert!(
                !problems.is_empty(),
                "apply_changes failed without a problem"
            );
            assert_paths(&problems);
            check_error(scenario_error(problems));
        }
    }
}

/// A change list read from JSON: the same list over gRPC, then applied.
fn check_json_changes(changes: &[ScenarioChange]) {
    let over_grpc: Vec<pb::ScenarioChange> = changes.iter().map(change_to_pb).collect();
    let back = changes_from_pb(&over_grpc)
        .unwrap_or_else(|e| panic!("changes from JSON do not convert back from protobuf: {e}"));
    assert_eq!(back, changes, "changes differ through protobuf");
    check_scenario(changes);
}

/// A JSON value as one change and as a change list, both from the value and
/// from its text (the CLI's `--change FILE`), which must agree.
fn check_changes_value(value: &Value, text: &str) {
    if let Ok(change) = serde_json::from_value::<ScenarioChange>(value.clone()) {
        check_json_changes(std::slice::from_ref(&change));
    }
    let from_value = serde_json::from_value::<Vec<ScenarioChange>>(value.clone());
    let from_text = serde_json::from_str::<Vec<ScenarioChange>>(text);
    match (&from_value, &from_text) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "the value and its text read differently"),
        (Err(_), Err(_)) => {}
        _ => panic!(
            "the value and its text disagree: {:?} vs {:?}",
            from_value
                .as_ref()
                .map(Vec::len)
                .map_err(ToString::to_string),
            from_text
                .as_ref()
                .map(Vec::len)
                .map_err(ToString::to_string)
        ),
    }
    if let Ok(changes) = from_value {
        check_json_changes(&changes);
    }
}

/// An edit of the demo chain, as UpdateOrders, UpdateCapacity and
/// ReportCapacity store it: a valid document, or problems with paths.
fn check_edit(edited: Result<Edited, Vec<chainplan::model::edit::EditProblem>>) {
    match edited.and_then(Edited::validated) {
        Ok(doc) => {
            let report = check_document(&doc);
            assert!(
                report.is_valid(),
                "an edit made an invalid document: {:?}",
                report.errors
            );
        }
        Err(problems) => {
            assert!(!problems.is_empty(), "an edit failed without a problem");
            for p in &problems {
                assert_paths(std::slice::from_ref(p.problem()));
            }
            check_error(edit_error(problems));
        }
    }
}

// ---------------------------------------------------------------------------
// The services' request handling, up to the store
// ---------------------------------------------------------------------------

/// Decodes `bytes` as every request message and runs, on each that decodes,
/// what its RPC does before it reaches the store: every check, not only up
/// to the first failure. Returns the heap allowance for an amplification
/// known and not yet fixed (see `run_case`): none now.
fn serve(bytes: &[u8]) -> usize {
    let allowance = 0;
    if let Ok(r) = pb::PutNetworkRequest::decode(bytes) {
        check(check_id("network_id", &r.network_id));
        if let Some(document) = r.document {
            if let Some(doc) = check(records::document_from_pb("document", document)) {
                check_document(&doc);
            }
        }
    }
    if let Ok(r) = pb::GetNetworkRequest::decode(bytes) {
        check(check_id("network_id", &r.network_id));
    }
    if let Ok(r) = pb::ListNetworksRequest::decode(bytes) {
        if !r.page_token.is_empty() {
            check(check_id("page_token", &r.page_token));
        }
    }
    if let Ok(r) = pb::UpdateOrdersRequest::decode(bytes) {
        check(check_id("network_id", &r.network_id));
        if let Some(changes) = check(records::order_changes(&r.changes)) {
            check_edit(apply_order_changes(gearbox(), &changes));
        }
    }
    if let Ok(r) = pb::UpdateCapacityRequest::decode(bytes) {
        check(check_id("network_id", &r.network_id));
        check(check_text("reason", &r.reason));
        if let Some(changes) = check(records::capacity_changes(&r.changes)) {
            check_edit(apply_capacity_changes(gearbox(), &changes));
        }
    }
    if let Ok(r) = pb::SolveRequest::decode(bytes) {
        check(check_id("network_id", &r.network_id));
        check(records::solve_options("options", r.options.as_ref()));
    }
    if let Ok(r) = pb::SubmitSolveRequest::decode(bytes) {
        check(check_id("network_id", &r.network_id));
        check(records::solve_options("options", r.options.as_ref()));
    }
    if let Ok(r) = pb::ReplanRequest::decode(bytes) {
        check(check_id("network_id", &r.network_id));
        check(records::solve_options("options", r.options.as_ref()));
        if !r.base_plan_id.is_empty() {
            check(check_id("base_plan_id", &r.base_plan_id));
        }
    }
    if let Ok(r) = pb::SetReplanPolicyRequest::decode(bytes) {
        check(check_id("network_id", &r.network_id));
        check(records::replan_policy_from_pb(r.policy.as_ref()));
    }
    if let Ok(r) = pb::CreateScenarioRequest::decode(bytes) {
        check(check_id("network_id", &r.network_id));
        check(check_text("name", &r.name));
        if let Some(changes) = check(changes_from_pb(&r.changes)) {
            check_scenario(&changes);
        }
    }
    if let Ok(r) = pb::SolveScenariosRequest::decode(bytes) {
        for (i, id) in r.scenario_ids.iter().enumerate() {
            check(check_id(&format!("scenario_ids[{i}]"), id));
        }
    }
    if let Ok(r) = pb::CompareScenariosRequest::decode(bytes) {
        check(kpi_from_pb(r.rank_by));
        for (i, id) in r.scenario_ids.iter().enumerate() {
            check(check_id(&format!("scenario_ids[{i}]"), id));
        }
    }
    if let Ok(r) = pb::AcknowledgeRequest::decode(bytes) {
        check(check_id("network_id", &r.network_id));
        match &r.decision {
            Some(pb::acknowledge_request::Decision::Accept(a)) => {
                check(check_text("accept.note", &a.note));
            }
            Some(pb::acknowledge_request::Decision::Reject(x)) => {
                check(check_text("reject.reason", &x.reason));
            }
            None => {}
        }
    }
    if let Ok(r) = pb::ReportCapacityRequest::decode(bytes) {
        check(check_id("line", &r.line));
        check(check_text("reason", &r.reason));
        if let Some(periods) = check(records::periods("periods", r.periods.as_ref())) {
            let change = CapacityChange {
                line: r.line,
                periods,
                edit: CapacityEdit::Set(r.capacity),
            };
            check_edit(apply_capacity_changes(gearbox(), &[change]));
        }
    }
    if let Ok(r) = pb::WatchAllocationsRequest::decode(bytes) {
        check(check_id("network_id", &r.network_id));
        if !r.enterprise.is_empty() {
            check(check_id("enterprise", &r.enterprise));
        }
    }
    allowance
}

/// Why a scenario is refused, as CreateScenario answers it.
fn scenario_error(problems: Vec<Problem>) -> ServiceError {
    ServiceError::Invalid(
        problems
            .into_iter()
            .map(|p| {
                let field = if p.path.starts_with("changes[") {
                    p.path
                } else {
                    join_path("scenario_document", &p.path)
                };
                Problem::new(field, p.reason)
            })
            .collect(),
    )
}

// ---------------------------------------------------------------------------
// Strategies: strings and numbers
// ---------------------------------------------------------------------------

/// Words of the document and the change lists, so that random JSON and
/// random protobuf strings often name real fields, tags and records.
const WORDS: &[&str] = &[
    "name",
    "horizon",
    "periods",
    "period",
    "start",
    "items",
    "id",
    "unit",
    "enterprises",
    "role",
    "sites",
    "enterprise",
    "region",
    "lines",
    "site",
    "capacity",
    "downtime",
    "operations",
    "item",
    "load",
    "cost",
    "co2",
    "inputs",
    "qty",
    "setup_cost",
    "setup_time",
    "min_lot",
    "lanes",
    "from",
    "to",
    "lead_time",
    "min_share",
    "max_share",
    "stocks",
    "initial",
    "holding_cost",
    "safety",
    "max",
    "receipts",
    "demands",
    "late_penalty",
    "unmet_penalty",
    "renovations",
    "line",
    "duration",
    "earliest",
    "latest",
    "capacity_factor",
    "cost_factor",
    "co2_factor",
    "capex",
    "subsidy",
    "optional",
    "after",
    "group",
    "window_cost",
    "policy",
    "carbon_price",
    "carbon_cap",
    "safety_penalty",
    "renovation_budget",
    "max_concurrent_renovations",
    "max_concurrent_per_group",
    "keep_sources",
    "objective",
    "lexicographic",
    "goal",
    "tolerance",
    "leader",
    "supplier",
    "customer",
    "logistics",
    "service",
    "type",
    "scope",
    "target",
    "first",
    "last",
    "factor",
    "lane",
    "demand",
    "price",
    "cap",
    "renovation",
    "field",
    "value",
    "all",
    "outage",
    "lane_closure",
    "demand_scale",
    "add_demand",
    "remove_demand",
    "add_renovation",
    "remove_renovation",
    "move_renovation",
    "force_renovation",
    "set_policy",
    "gearco",
    "gearworks",
    "rolltec",
    "gearworks-linz",
    "gearworks-hobbing",
    "steyr-press",
    "fonderia-moulding",
    "gearco-assembly",
    "gbx-heavy",
    "gbx-compact",
    "steel-bar",
    "agrimach-mannheim",
    "agrimach-c-w00",
    "dc-to-nordwind",
    "silesia-to-fonderia-rail",
    "silesia-eaf-conversion",
    "gearworks-hobbing-upgrade",
    "2025-03-03",
    "2024-02-29",
    "2023-02-29",
    "0000-00-00",
    "$",
];

/// Characters that break naive text handling: NUL and controls, quotes and
/// escapes, path punctuation, multi-byte and bidirectional ones.
const ODD_CHARS: &[char] = &[
    'a',
    ' ',
    '\0',
    '\t',
    '\n',
    '\r',
    '"',
    '\\',
    '/',
    '.',
    '[',
    ']',
    '$',
    '%',
    'é',
    '€',
    '\u{7f}',
    '\u{85}',
    '\u{a0}',
    '\u{202e}',
    '\u{feff}',
    '\u{fffd}',
    '\u{10ffff}',
    '😀',
];

fn word() -> impl Strategy<Value = String> {
    select(WORDS).prop_map(str::to_string)
}

fn short_string() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => word(),
        2 => vec(any::<char>(), 0..16).prop_map(String::from_iter),
        1 => vec(select(ODD_CHARS), 0..16).prop_map(String::from_iter),
    ]
}

fn hostile_string() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => short_string(),
        1 => Just(String::new()),
        1 => (0..=MAX_STRING_CHARS, select(ODD_CHARS))
            .prop_map(|(n, c)| std::iter::repeat_n(c, n).collect()),
        1 => (select(WORDS), 0..=MAX_STRING_CHARS / 40).prop_map(|(w, n)| w.repeat(n)),
    ]
}

/// Numbers at the edges the document cares about: horizons around
/// `MAX_PERIODS`, periods around the demo chain's 12, magnitudes around the
/// validator's 1e12, the integer limits, fractions where integers belong,
/// and every f64 (non-finite ones become `null` in JSON).
fn interesting_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => select(vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            1.5,
            11.0,
            12.0,
            12.5,
            1e12,
            1e12 + 1.0,
            1e15,
            1e308,
            -1e308,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            9_999.0,
            10_000.0,
            10_001.0,
            f64::from(u32::MAX),
            f64::from(u32::MAX) + 1.0,
            u64::MAX as f64,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ]),
        1 => any::<f64>(),
    ]
}

fn interesting_u64() -> impl Strategy<Value = u64> {
    prop_oneof![
        3 => select(vec![
            0,
            1,
            2,
            3,
            4,
            11,
            12,
            13,
            127,
            128,
            9_999,
            10_000,
            10_001,
            u64::from(u32::MAX),
            u64::from(u32::MAX) + 1,
            1 << 62,
            u64::MAX,
            // Negative i32 enum values, as protobuf sends them.
            (-1i64) as u64,
            i64::from(i32::MIN) as u64,
        ]),
        1 => any::<u64>(),
    ]
}

fn json_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => interesting_f64().prop_map(Value::from),
        2 => interesting_u64().prop_map(Value::from),
        1 => select(vec![-1i64, i64::MIN, -i64::from(u32::MAX), -10_000]).prop_map(Value::from),
    ]
}

// ---------------------------------------------------------------------------
// Strategies: JSON
// ---------------------------------------------------------------------------

fn key() -> impl Strategy<Value = String> {
    prop_oneof![3 => word(), 1 => short_string()]
}

/// Arbitrary JSON whose keys and strings are often the document's words.
fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        json_number(),
        short_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 96, 8, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..8).prop_map(Value::Array),
            vec((key(), inner), 0..8).prop_map(|kvs| Value::Object(kvs.into_iter().collect())),
        ]
    })
}

/// `depth` arrays around `core`.
fn nested(depth: usize, core: Value) -> Value {
    (0..depth).fold(core, |v, _| Value::Array(vec![v]))
}

/// What a mutation puts in place of a node.
fn hostile_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        5 => json_number(),
        2 => hostile_string().prop_map(Value::String),
        1 => Just(json!("")),
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        1 => Just(json!([])),
        1 => Just(json!({})),
        1 => (0usize..=200, json_number()).prop_map(|(depth, core)| nested(depth, core)),
        // Per-period series of the wrong length or with bad values.
        1 => vec(json_number(), 0..=24).prop_map(Value::Array),
        1 => arb_json(),
    ]
}

/// Arbitrary text built of JSON tokens, numbers serde must refuse or
/// round, broken escapes and the document's keys.
fn json_fragments() -> impl Strategy<Value = String> {
    const TOKENS: &[&str] = &[
        "{",
        "}",
        "[",
        "]",
        ":",
        ",",
        "\"",
        "\\",
        " ",
        "\n",
        "\u{feff}",
        "null",
        "true",
        "false",
        "0",
        "-0",
        "1",
        "-1",
        "12",
        "0.5",
        "1e308",
        "1e309",
        "-1e999",
        "1E400",
        "4294967295",
        "4294967296",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775809",
        "01",
        ".5",
        "1.",
        "NaN",
        "Infinity",
        "\"\\u0000\"",
        "\"\\ud800\"",
        "\"\\udfff\"",
        "\"\\x\"",
        "\"a",
        "//",
        "{\"horizon\":{\"periods\":",
        "{\"type\":\"outage\",\"scope\":{\"site\":",
    ];
    vec(
        prop_oneof![
            4 => select(TOKENS).prop_map(str::to_string),
            2 => select(WORDS).prop_map(|w| format!("\"{w}\"")),
            1 => any::<char>().prop_map(String::from),
        ],
        0..512,
    )
    .prop_map(|tokens| tokens.concat())
}

/// A change to a JSON value, at a node chosen by [`Index`] among the nodes
/// that fit when it applies.
#[derive(Debug, Clone)]
enum Mutation {
    /// A leaf keeps its type but takes a hostile value (a number another
    /// number, a string another string, a boolean the other one), so that
    /// the text still parses and the validator has to judge it.
    Tweak(Index, Value, String),
    /// Any node becomes the value.
    Replace(Index, Value),
    /// A key of an object, or an element of an array, goes.
    Remove(Index, Index),
    /// An element of an array is repeated `n` times, or the array doubled
    /// when `n` is 0.
    Duplicate(Index, Index, usize),
    /// An array is cut short.
    Truncate(Index, Index),
    /// An object gets a key, known or not.
    Insert(Index, String, Value),
    /// Two ids or references trade places: a site's id with a line's, a
    /// change's type with another's.
    SwapIds(Index, Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        8 => (
            any::<Index>(),
            json_number(),
            prop_oneof![2 => word(), 1 => hostile_string()],
        )
            .prop_map(|(at, n, s)| Mutation::Tweak(at, n, s)),
        3 => (any::<Index>(), hostile_value()).prop_map(|(at, v)| Mutation::Replace(at, v)),
        2 => (any::<Index>(), any::<Index>()).prop_map(|(at, k)| Mutation::Remove(at, k)),
        1 => (any::<Index>(), any::<Index>(), 0usize..=16)
            .prop_map(|(at, k, n)| Mutation::Duplicate(at, k, n)),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(at, k)| Mutation::Truncate(at, k)),
        1 => (any::<Index>(), key(), hostile_value())
            .prop_map(|(at, k, v)| Mutation::Insert(at, k, v)),
        2 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::SwapIds(a, b)),
    ]
}

/// 1 to 7 mutations, most often one or two, which leave more documents
/// parsing for the validator to judge.
fn mutations() -> impl Strategy<Value = Vec<Mutation>> {
    prop_oneof![2 => vec(mutation(), 1..=2), 1 => vec(mutation(), 1..8)]
}

/// Keys whose string values name records or change types.
const ID_KEYS: &[&str] = &[
    "id",
    "site",
    "item",
    "line",
    "lane",
    "from",
    "to",
    "enterprise",
    "customer",
    "type",
    "field",
    "group",
    "items",
    "after",
];

/// The nodes of a value, each as the child positions leading to it from
/// the root (an object's children in key order).
#[derive(Default)]
struct Nodes {
    all: Vec<Vec<usize>>,
    leaves: Vec<Vec<usize>>,
    containers: Vec<Vec<usize>>,
    arrays: Vec<Vec<usize>>,
    objects: Vec<Vec<usize>>,
    ids: Vec<Vec<usize>>,
}

fn nodes(v: &Value) -> Nodes {
    let mut found = Nodes::default();
    let child = |path: &Vec<usize>, i: usize| {
        let mut p = path.clone();
        p.push(i);
        p
    };
    // Iterative: a mutation may have nested arrays hundreds deep.
    let mut stack: Vec<(Vec<usize>, &Value, bool)> = vec![(Vec::new(), v, false)];
    while let Some((path, node, named)) = stack.pop() {
        match node {
            Value::Array(xs) => {
                for (i, x) in xs.iter().enumerate() {
                    stack.push((child(&path, i), x, named));
                }
                if !xs.is_empty() {
                    found.containers.push(path.clone());
                }
                found.arrays.push(path.clone());
            }
            Value::Object(m) => {
                for (i, (k, x)) in m.iter().enumerate() {
                    stack.push((child(&path, i), x, ID_KEYS.contains(&k.as_str())));
                }
                if !m.is_empty() {
                    found.containers.push(path.clone());
                }
                found.objects.push(path.clone());
            }
            Value::String(_) if named => {
                found.ids.push(path.clone());
                found.leaves.push(path.clone());
            }
            _ => found.leaves.push(path.clone()),
        }
        found.all.push(path);
    }
    found
}

fn at_mut<'v>(mut v: &'v mut Value, path: &[usize]) -> Option<&'v mut Value> {
    for &i in path {
        v = match v {
            Value::Array(xs) => xs.get_mut(i)?,
            Value::Object(m) => m.values_mut().nth(i)?,
            _ => return None,
        };
    }
    Some(v)
}

fn pick<'n>(list: &'n [Vec<usize>], i: &Index) -> Option<&'n [usize]> {
    (!list.is_empty()).then(|| list[i.index(list.len())].as_slice())
}

fn apply(v: &mut Value, mutation: &Mutation) {
    let found = nodes(v);
    match mutation {
        Mutation::Tweak(at, number, string) => {
            match pick(&found.leaves, at).and_then(|p| at_mut(v, p)) {
                Some(node) if node.is_number() => *node = number.clone(),
                Some(Value::String(s)) => s.clone_from(string),
                Some(Value::Bool(b)) => *b = !*b,
                _ => {}
            }
        }
        Mutation::Replace(at, new) => {
            if let Some(node) = pick(&found.all, at).and_then(|p| at_mut(v, p)) {
                *node = new.clone();
            }
        }
        Mutation::Remove(at, k) => match pick(&found.containers, at).and_then(|p| at_mut(v, p)) {
            Some(Value::Array(xs)) if !xs.is_empty() => {
                xs.remove(k.index(xs.len()));
            }
            Some(Value::Object(m)) if !m.is_empty() => {
                let key = m.keys().nth(k.index(m.len())).cloned();
                if let Some(key) = key {
                    m.remove(&key);
                }
            }
            _ => {}
        },
        Mutation::Duplicate(at, k, n) => {
            if let Some(Value::Array(xs)) = pick(&found.arrays, at).and_then(|p| at_mut(v, p)) {
                if *n == 0 {
                    let copy = xs.clone();
                    xs.extend(copy);
                } else if !xs.is_empty() {
                    let j = k.index(xs.len());
                    let copies = vec![xs[j].clone(); *n];
                    xs.splice(j + 1..j + 1, copies);
                }
            }
        }
        Mutation::Truncate(at, k) => {
            if let Some(Value::Array(xs)) = pick(&found.arrays, at).and_then(|p| at_mut(v, p)) {
                xs.truncate(k.index(xs.len() + 1));
            }
        }
        Mutation::Insert(at, key, new) => {
            if let Some(Value::Object(m)) = pick(&found.objects, at).and_then(|p| at_mut(v, p)) {
                m.insert(key.clone(), new.clone());
            }
        }
        Mutation::SwapIds(a, b) => {
            let (Some(pa), Some(pb)) = (pick(&found.ids, a), pick(&found.ids, b)) else {
                return;
            };
            if pa == pb {
                return;
            }
            let Some(first) = at_mut(v, pa).map(std::mem::take) else {
                return;
            };
            let second = at_mut(v, pb).map(|node| std::mem::replace(node, first));
            if let (Some(second), Some(node)) = (second, at_mut(v, pa)) {
                *node = second;
            }
        }
    }
}

/// `base` with the mutations applied in turn, and its text. A mutation that
/// would take the text past [`MAX_INPUT_BYTES`] is skipped.
fn mutate(base: &Value, mutations: &[Mutation]) -> (Value, String) {
    let mut v = base.clone();
    let mut text = v.to_string();
    for m in mutations {
        let before = v.clone();
        apply(&mut v, m);
        let after = v.to_string();
        if after.len() <= MAX_INPUT_BYTES {
            text = after;
        } else {
            v = before;
        }
    }
    (v, text)
}

/// A JSON value for a case whole, or `null` in the rare case its text would
/// be over [`MAX_INPUT_BYTES`].
fn bounded(v: Value) -> (Value, String) {
    let text = v.to_string();
    if text.len() <= MAX_INPUT_BYTES {
        (v, text)
    } else {
        (Value::Null, "null".into())
    }
}

// ---------------------------------------------------------------------------
// Strategies: bytes and protobuf
// ---------------------------------------------------------------------------

/// Mostly short, sometimes up to the input bound.
fn arb_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => vec(any::<u8>(), 0..256),
        1 => vec(any::<u8>(), 0..=MAX_INPUT_BYTES),
    ]
}

/// One protobuf field: a well-formed key and payload of any wire type.
#[derive(Debug, Clone)]
enum Wire {
    Varint(u32, u64),
    Fixed64(u32, u64),
    Fixed32(u32, u32),
    Bytes(u32, Vec<u8>),
    Message(u32, Vec<Wire>),
}

/// The requests' and the document's field numbers, mostly; sometimes 0 (never
/// valid), unknown ones, and the largest allowed.
fn field_number() -> impl Strategy<Value = u32> {
    prop_oneof![
        10 => 1u32..=12,
        1 => Just(0u32),
        1 => select(vec![13u32, 16, 100, 536_870_911]),
    ]
}

fn wire_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => word().prop_map(String::into_bytes),
        2 => hostile_string().prop_map(String::into_bytes),
        // Not UTF-8, where strings are expected.
        1 => Just(vec![0xff, 0xfe, 0xc3]),
        1 => vec(any::<u8>(), 0..32),
        // Packed repeated numbers (series values, downtime, period lists).
        1 => vec(interesting_u64(), 0..16).prop_map(|vs| {
            let mut out = Vec::new();
            for v in vs {
                prost::encoding::encode_varint(v, &mut out);
            }
            out
        }),
        1 => vec(interesting_f64(), 0..16)
            .prop_map(|vs| vs.iter().flat_map(|v| v.to_le_bytes()).collect()),
    ]
}

fn wire_field() -> impl Strategy<Value = Wire> {
    let leaf = prop_oneof![
        3 => (field_number(), interesting_u64()).prop_map(|(n, v)| Wire::Varint(n, v)),
        2 => (field_number(), interesting_f64()).prop_map(|(n, v)| Wire::Fixed64(n, v.to_bits())),
        1 => (field_number(), any::<u32>()).prop_map(|(n, v)| Wire::Fixed32(n, v)),
        3 => (field_number(), wire_bytes()).prop_map(|(n, b)| Wire::Bytes(n, b)),
    ];
    leaf.prop_recursive(5, 128, 8, |inner| {
        (field_number(), vec(inner, 0..8)).prop_map(|(n, fs)| Wire::Message(n, fs))
    })
}

fn encode_wire(fields: &[Wire], out: &mut Vec<u8>) {
    let key = |n: u32, wire_type: u64, out: &mut Vec<u8>| {
        prost::encoding::encode_varint((u64::from(n) << 3) | wire_type, out);
    };
    for f in fields {
        match f {
            Wire::Varint(n, v) => {
                key(*n, 0, out);
                prost::encoding::encode_varint(*v, out);
            }
            Wire::Fixed64(n, v) => {
                key(*n, 1, out);
                out.extend(v.to_le_bytes());
            }
            Wire::Bytes(n, b) => {
                key(*n, 2, out);
                prost::encoding::encode_varint(b.len() as u64, out);
                out.extend(b);
            }
            Wire::Message(n, inner) => {
                let mut body = Vec::new();
                encode_wire(inner, &mut body);
                key(*n, 2, out);
                prost::encoding::encode_varint(body.len() as u64, out);
                out.extend(body);
            }
            Wire::Fixed32(n, v) => {
                key(*n, 5, out);
                out.extend(v.to_le_bytes());
            }
        }
    }
}

/// Well-formed protobuf of random fields, cut at [`MAX_INPUT_BYTES`].
fn arb_wire() -> impl Strategy<Value = Vec<u8>> {
    vec(wire_field(), 0..12).prop_map(|fields| {
        let mut out = Vec::new();
        encode_wire(&fields, &mut out);
        out.truncate(MAX_INPUT_BYTES);
        out
    })
}

/// A byte-level change to an encoding.
#[derive(Debug, Clone)]
enum ByteEdit {
    FlipBit(Index, u8),
    Set(Index, u8),
    Insert(Index, Vec<u8>),
    Delete(Index, usize),
    Truncate(Index),
    /// A varint spliced in: a length that claims more than follows, the key
    /// of an unknown field or wire type, a huge or negative number.
    Varint(Index, u64),
}

fn byte_edit() -> impl Strategy<Value = ByteEdit> {
    prop_oneof![
        // Mostly below the top bit, which would break the UTF-8 of a string
        // and stop the decoding there.
        3 => (any::<Index>(), prop_oneof![4 => 0u8..7, 1 => Just(7u8)])
            .prop_map(|(i, b)| ByteEdit::FlipBit(i, b)),
        2 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| ByteEdit::Set(i, b)),
        2 => (any::<Index>(), vec(any::<u8>(), 1..16)).prop_map(|(i, b)| ByteEdit::Insert(i, b)),
        2 => (any::<Index>(), 1usize..64).prop_map(|(i, n)| ByteEdit::Delete(i, n)),
        1 => any::<Index>().prop_map(ByteEdit::Truncate),
        2 => (any::<Index>(), interesting_u64()).prop_map(|(i, v)| ByteEdit::Varint(i, v)),
    ]
}

/// 1 to 7 edits, most often one: each edit likely breaks the encoding, and
/// a broken one stops at prost.
fn byte_edits() -> impl Strategy<Value = Vec<ByteEdit>> {
    prop_oneof![2 => vec(byte_edit(), 1..=1), 1 => vec(byte_edit(), 1..8)]
}

fn edit_bytes(bytes: &mut Vec<u8>, edit: &ByteEdit) {
    let len = bytes.len();
    match edit {
        ByteEdit::FlipBit(i, bit) if len > 0 => bytes[i.index(len)] ^= 1 << bit,
        ByteEdit::Set(i, b) if len > 0 => bytes[i.index(len)] = *b,
        ByteEdit::Insert(i, more) => {
            let k = i.index(len + 1);
            bytes.splice(k..k, more.iter().copied());
        }
        ByteEdit::Delete(i, n) if len > 0 => {
            let k = i.index(len);
            bytes.drain(k..(k + n).min(len));
        }
        ByteEdit::Truncate(i) => bytes.truncate(i.index(len + 1)),
        ByteEdit::Varint(i, v) => {
            let mut encoded = Vec::new();
            prost::encoding::encode_varint(*v, &mut encoded);
            let k = i.index(len + 1);
            bytes.splice(k..k, encoded);
        }
        _ => {}
    }
}

/// A seed, PutNetwork's half the time: the document is most of what the
/// service reads, and most of its conversions.
fn seed_index() -> impl Strategy<Value = usize> {
    prop_oneof![Just(0), 0..seeds().len()]
}

/// `bytes` read as protobuf fields, a length-delimited payload as a message
/// when it parses as one and is not printable text; `None` when `bytes` is
/// not protobuf. The seeds' fields, for mutations that keep every length
/// right, so that the values, not the framing, are what is hostile.
fn parse_wire(mut bytes: &[u8]) -> Option<Vec<Wire>> {
    use prost::encoding::decode_varint;
    let mut fields = Vec::new();
    while !bytes.is_empty() {
        let key = decode_varint(&mut bytes).ok()?;
        let n = u32::try_from(key >> 3).ok().filter(|&n| n > 0)?;
        let field = match key & 7 {
            0 => Wire::Varint(n, decode_varint(&mut bytes).ok()?),
            1 => {
                let (head, rest) = bytes.split_at_checked(8)?;
                bytes = rest;
                Wire::Fixed64(n, u64::from_le_bytes(head.try_into().ok()?))
            }
            2 => {
                let len = usize::try_from(decode_varint(&mut bytes).ok()?).ok()?;
                let (body, rest) = bytes.split_at_checked(len)?;
                bytes = rest;
                let text =
                    std::str::from_utf8(body).is_ok_and(|t| !t.chars().any(char::is_control));
                match parse_wire(body) {
                    Some(inner) if !text => Wire::Message(n, inner),
                    _ => Wire::Bytes(n, body.to_vec()),
                }
            }
            5 => {
                let (head, rest) = bytes.split_at_checked(4)?;
                bytes = rest;
                Wire::Fixed32(n, u32::from_le_bytes(head.try_into().ok()?))
            }
            _ => return None,
        };
        fields.push(field);
    }
    Some(fields)
}

/// [`seeds`] as fields.
fn seed_fields() -> &'static [Vec<Wire>] {
    static FIELDS: OnceLock<Vec<Vec<Wire>>> = OnceLock::new();
    FIELDS.get_or_init(|| {
        seeds()
            .iter()
            .map(|s| parse_wire(s).expect("a seed is protobuf"))
            .collect()
    })
}

/// A change to the fields of an encoding, keeping it well-formed.
#[derive(Debug, Clone)]
enum FieldEdit {
    /// A varint (a period, a count, an enum, a bool) takes a hostile value.
    Varint(Index, u64),
    /// A double takes a hostile value.
    Fixed64(Index, f64),
    /// A string or a packed field takes other bytes.
    Bytes(Index, Vec<u8>),
    /// A field goes: a required message or a oneof left unset, a record less.
    Remove(Index),
    /// A field is repeated `n` times more: more records, or more values of a
    /// singular field (the last wins, messages merge).
    Duplicate(Index, usize),
    /// A field takes another number, so one kind of value lands where
    /// another is expected.
    Renumber(Index, u32),
    /// A message gets a random field.
    Insert(Index, Wire),
}

fn field_edit() -> impl Strategy<Value = FieldEdit> {
    prop_oneof![
        4 => (any::<Index>(), interesting_u64()).prop_map(|(i, v)| FieldEdit::Varint(i, v)),
        3 => (any::<Index>(), interesting_f64()).prop_map(|(i, v)| FieldEdit::Fixed64(i, v)),
        3 => (any::<Index>(), wire_bytes()).prop_map(|(i, b)| FieldEdit::Bytes(i, b)),
        2 => any::<Index>().prop_map(FieldEdit::Remove),
        1 => (any::<Index>(), 1usize..=8).prop_map(|(i, n)| FieldEdit::Duplicate(i, n)),
        1 => (any::<Index>(), field_number()).prop_map(|(i, n)| FieldEdit::Renumber(i, n)),
        1 => (any::<Index>(), wire_field()).prop_map(|(i, w)| FieldEdit::Insert(i, w)),
    ]
}

fn field_edits() -> impl Strategy<Value = Vec<FieldEdit>> {
    prop_oneof![2 => vec(field_edit(), 1..=2), 1 => vec(field_edit(), 1..8)]
}

/// Where the fields of an encoding are, each as positions from the top.
#[derive(Default)]
struct FieldPaths {
    all: Vec<Vec<usize>>,
    varints: Vec<Vec<usize>>,
    fixed64s: Vec<Vec<usize>>,
    bytes: Vec<Vec<usize>>,
    /// Messages, the top one (the empty path) included.
    messages: Vec<Vec<usize>>,
}

fn field_paths(top: &[Wire]) -> FieldPaths {
    let mut found = FieldPaths {
        messages: vec![Vec::new()],
        ..FieldPaths::default()
    };
    let mut stack: Vec<(Vec<usize>, &[Wire])> = vec![(Vec::new(), top)];
    while let Some((at, fields)) = stack.pop() {
        for (i, f) in fields.iter().enumerate() {
            let mut path = at.clone();
            path.push(i);
            match f {
                Wire::Varint(..) => found.varints.push(path.clone()),
                Wire::Fixed64(..) => found.fixed64s.push(path.clone()),
                Wire::Bytes(..) => found.bytes.push(path.clone()),
                Wire::Message(_, inner) => {
                    found.messages.push(path.clone());
                    stack.push((path.clone(), inner));
                }
                Wire::Fixed32(..) => {}
            }
            found.all.push(path);
        }
    }
    found
}

/// The fields of the message at `path`.
fn fields_at<'w>(mut fields: &'w mut Vec<Wire>, path: &[usize]) -> Option<&'w mut Vec<Wire>> {
    for &i in path {
        fields = match fields.get_mut(i)? {
            Wire::Message(_, inner) => inner,
            _ => return None,
        };
    }
    Some(fields)
}

/// The message holding the field at `path`, and the field's position in it.
fn parent_of<'w>(top: &'w mut Vec<Wire>, path: &[usize]) -> Option<(&'w mut Vec<Wire>, usize)> {
    let (&last, parent) = path.split_last()?;
    Some((fields_at(top, parent)?, last))
}

fn edit_fields(top: &mut Vec<Wire>, edit: &FieldEdit) {
    let found = field_paths(top);
    match edit {
        FieldEdit::Varint(i, v) => {
            if let Some((parent, k)) = pick(&found.varints, i).and_then(|p| parent_of(top, p)) {
                if let Some(Wire::Varint(_, value)) = parent.get_mut(k) {
                    *value = *v;
                }
            }
        }
        FieldEdit::Fixed64(i, v) => {
            if let Some((parent, k)) = pick(&found.fixed64s, i).and_then(|p| parent_of(top, p)) {
                if let Some(Wire::Fixed64(_, value)) = parent.get_mut(k) {
                    *value = v.to_bits();
                }
            }
        }
        FieldEdit::Bytes(i, b) => {
            if let Some((parent, k)) = pick(&found.bytes, i).and_then(|p| parent_of(top, p)) {
                if let Some(Wire::Bytes(_, value)) = parent.get_mut(k) {
                    value.clone_from(b);
                }
            }
        }
        FieldEdit::Remove(i) => {
            if let Some((parent, k)) = pick(&found.all, i).and_then(|p| parent_of(top, p)) {
                parent.remove(k);
            }
        }
        FieldEdit::Duplicate(i, n) => {
            if let Some((parent, k)) = pick(&found.all, i).and_then(|p| parent_of(top, p)) {
                let copies = vec![parent[k].clone(); *n];
                parent.splice(k + 1..k + 1, copies);
            }
        }
        FieldEdit::Renumber(i, n) => {
            if let Some((parent, k)) = pick(&found.all, i).and_then(|p| parent_of(top, p)) {
                match &mut parent[k] {
                    Wire::Varint(number, _)
                    | Wire::Fixed64(number, _)
                    | Wire::Fixed32(number, _)
                    | Wire::Bytes(number, _)
                    | Wire::Message(number, _) => *number = *n,
                }
            }
        }
        FieldEdit::Insert(i, w) => {
            if let Some(fields) = pick(&found.messages, i).and_then(|p| fields_at(top, p)) {
                fields.push(w.clone());
            }
        }
    }
}

/// A seed with the edits applied in turn, encoded. An edit that would take
/// the encoding past [`MAX_INPUT_BYTES`] is skipped.
fn mutate_fields(seed: &[Wire], edits: &[FieldEdit]) -> Vec<u8> {
    let mut fields = seed.to_vec();
    let mut bytes = Vec::new();
    encode_wire(&fields, &mut bytes);
    for e in edits {
        let before = fields.clone();
        edit_fields(&mut fields, e);
        let mut after = Vec::new();
        encode_wire(&fields, &mut after);
        if after.len() <= MAX_INPUT_BYTES {
            bytes = after;
        } else {
            fields = before;
        }
    }
    bytes
}

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    /// Any bytes, as the text of a document.
    #[test]
    fn documents_from_arbitrary_bytes(bytes in arb_bytes()) {
        let text = String::from_utf8_lossy(&bytes);
        run_case("documents_from_arbitrary_bytes", text.as_bytes(), || {
            check_document_text(&text);
            0
        });
    }

    /// Text made of JSON tokens, closer to what the parser must refuse.
    #[test]
    fn documents_from_json_fragments(text in json_fragments()) {
        run_case("documents_from_json_fragments", text.as_bytes(), || {
            check_document_text(&text);
            0
        });
    }

    /// Any JSON value, as a document.
    #[test]
    fn documents_from_arbitrary_json(value in arb_json()) {
        let (_, text) = bounded(value);
        run_case("documents_from_arbitrary_json", text.as_bytes(), || {
            check_document_text(&text);
            0
        });
    }

    /// The demo chain with 1 to 7 mutations.
    #[test]
    fn documents_from_mutated_demo_chain(mutations in mutations()) {
        let (_, text) = mutate(gearbox_value(), &mutations);
        run_case("documents_from_mutated_demo_chain", text.as_bytes(), || {
            check_document_text(&text);
            0
        });
    }

    /// Any JSON value, as a change and as a change list for the demo chain.
    #[test]
    fn scenario_changes_from_arbitrary_json(value in arb_json()) {
        let (value, text) = bounded(value);
        run_case("scenario_changes_from_arbitrary_json", text.as_bytes(), || {
            check_changes_value(&value, &text);
            0
        });
    }

    /// Valid changes, picked from the fixtures, with 1 to 7 mutations.
    #[test]
    fn scenario_changes_from_mutated_fixtures(
        picks in vec(any::<Index>(), 1..6),
        mutations in mutations(),
    ) {
        let pool = fixture_changes();
        let base = Value::Array(picks.iter().map(|i| pool[i.index(pool.len())].clone()).collect());
        let (value, text) = mutate(&base, &mutations);
        run_case("scenario_changes_from_mutated_fixtures", text.as_bytes(), || {
            check_changes_value(&value, &text);
            0
        });
    }

    /// Any bytes, as every request.
    #[test]
    fn requests_from_arbitrary_bytes(bytes in arb_bytes()) {
        run_case("requests_from_arbitrary_bytes", &bytes, || serve(&bytes));
    }

    /// Well-formed protobuf of random fields, as every request: gets past
    /// the wire format into the conversions far more often than random bytes.
    #[test]
    fn requests_from_random_fields(bytes in arb_wire()) {
        run_case("requests_from_random_fields", &bytes, || serve(&bytes));
    }

    /// Valid requests with 1 to 7 of their fields changed, removed,
    /// repeated, renumbered or added, lengths kept right: the values reach
    /// the conversions and the edits.
    #[test]
    fn requests_from_mutated_fields(seed in seed_index(), edits in field_edits()) {
        let bytes = mutate_fields(&seed_fields()[seed], &edits);
        run_case("requests_from_mutated_fields", &bytes, || serve(&bytes));
    }

    /// Valid requests with 1 to 7 byte flips, insertions, deletions,
    /// truncations and spliced varints, as every request.
    #[test]
    fn requests_from_mutated_encodings(seed in seed_index(), edits in byte_edits()) {
        let mut bytes = seeds()[seed].clone();
        for e in &edits {
            edit_bytes(&mut bytes, e);
        }
        bytes.truncate(MAX_INPUT_BYTES);
        run_case("requests_from_mutated_encodings", &bytes, || serve(&bytes));
    }
}

// ---------------------------------------------------------------------------
// Deterministic checks
// ---------------------------------------------------------------------------

/// The fuzzers mutate valid inputs; were the seeds invalid, they would
/// fuzz only the first rejection.
#[test]
fn the_seeds_are_valid() {
    let report = validate(gearbox());
    assert!(report.is_valid(), "{:?}", report.errors);
    let changes: Vec<ScenarioChange> =
        serde_json::from_value(Value::Array(fixture_changes().to_vec())).expect("the fixtures");
    apply_changes(gearbox(), &changes).expect("the fixture changes apply to the demo chain");
    let doc = pb::PutNetworkRequest::decode(seeds()[0].as_slice()).expect("PutNetwork decodes");
    let converted = records::document_from_pb("document", doc.document.expect("a document"))
        .expect("the demo chain converts");
    assert_eq!(&converted, gearbox());
    let orders = pb::UpdateOrdersRequest::decode(seeds()[3].as_slice()).expect("UpdateOrders");
    let orders = records::order_changes(&orders.changes).expect("the order changes convert");
    apply_order_changes(gearbox(), &orders)
        .and_then(Edited::validated)
        .expect("the order changes apply");
    let capacity = pb::UpdateCapacityRequest::decode(seeds()[4].as_slice()).expect("capacity");
    let capacity = records::capacity_changes(&capacity.changes).expect("the changes convert");
    apply_capacity_changes(gearbox(), &capacity)
        .and_then(Edited::validated)
        .expect("the capacity changes apply");
    let scenario = pb::CreateScenarioRequest::decode(seeds()[9].as_slice()).expect("scenario");
    let scenario = changes_from_pb(&scenario.changes).expect("the scenario changes convert");
    assert_eq!(scenario, changes);
    for (seed, fields) in seeds().iter().zip(seed_fields()) {
        let mut again = Vec::new();
        encode_wire(fields, &mut again);
        assert_eq!(&again, seed, "a seed re-encodes the same from its fields");
        run_case("the_seeds_are_valid", seed, || serve(seed));
    }
}

/// `key` of a length-delimited field that claims `claimed` bytes, then
/// `tail`, far shorter.
fn claiming(key: u8, claimed: u64, tail: &[u8]) -> Vec<u8> {
    let mut out = vec![key];
    prost::encoding::encode_varint(claimed, &mut out);
    out.extend_from_slice(tail);
    out
}

/// A length-delimited field `key` holding exactly `body`.
fn field(key: u8, body: &[u8]) -> Vec<u8> {
    claiming(key, body.len() as u64, body)
}

/// prost checks every length against what is left of the buffer before it
/// allocates, so a request claiming exabytes fails at once and takes no
/// memory to speak of.
#[test]
fn huge_length_prefixes_fail_at_once_without_allocating() {
    for claimed in [
        1u64 << 62,
        u64::MAX >> 1,
        u64::from(u32::MAX),
        1 << 32,
        65_537,
    ] {
        let cases: Vec<(&str, Vec<u8>)> = vec![
            // PutNetworkRequest.network_id (1), a string.
            ("network_id", claiming(0x0a, claimed, b"demo")),
            // PutNetworkRequest.document (2), a message.
            ("document", claiming(0x12, claimed, b"\x12\x02\x08\x0c")),
            // document.horizon (2) inside a document of the right length.
            (
                "document.horizon",
                field(0x12, &claiming(0x12, claimed, b"\x08\x0c")),
            ),
            // document.lines (6)[0].capacity (3).series (2).values (1):
            // packed doubles.
            (
                "document.lines[0].capacity.series.values",
                field(
                    0x12,
                    &field(
                        0x32,
                        &field(0x1a, &field(0x12, &claiming(0x0a, claimed, &[0; 16]))),
                    ),
                ),
            ),
            // document.lines (6)[0].downtime (4): packed varints.
            (
                "document.lines[0].downtime",
                field(0x12, &field(0x32, &claiming(0x22, claimed, b"\x01\x02"))),
            ),
        ];
        for (what, bytes) in cases {
            let started = Instant::now();
            let (decoded, peak) = heap_peak(|| pb::PutNetworkRequest::decode(bytes.as_slice()));
            assert!(decoded.is_err(), "{what} claiming {claimed} bytes decoded");
            assert!(
                peak < 4096,
                "{what} claiming {claimed} bytes took {peak} bytes of heap"
            );
            assert!(started.elapsed() < Duration::from_secs(1), "{what}: slow");
            // The same bytes reach every other request, whose own fields 1
            // and 2 are strings or messages too.
            let started = Instant::now();
            let (allowance, peak) = heap_peak(|| serve(&bytes));
            assert!(
                peak <= 64 * 1024 + allowance,
                "{what}: {peak} bytes of heap"
            );
            assert!(started.elapsed() < Duration::from_secs(1), "{what}: slow");
        }
    }
    // UpdateCapacityRequest.changes (3)[0].periods (2).list (2).periods (1):
    // packed u32 periods.
    let bytes = field(
        0x1a,
        &field(0x12, &field(0x12, &claiming(0x0a, 1 << 62, b"\x01"))),
    );
    let (decoded, peak) = heap_peak(|| pb::UpdateCapacityRequest::decode(bytes.as_slice()));
    assert!(decoded.is_err());
    assert!(peak < 4096, "{peak} bytes of heap");
    // A varint that never ends, as a length.
    let bytes = [0x12].into_iter().chain([0xff; 16]).collect::<Vec<u8>>();
    assert!(pb::PutNetworkRequest::decode(bytes.as_slice()).is_err());
}

/// Nesting deeper than any parser should follow is an error, not a stack
/// overflow: serde_json stops at 128 levels, prost at 100 nested groups.
#[test]
fn deep_nesting_fails_without_overflowing_the_stack() {
    let deep = 100_000;
    let arrays = "[".repeat(deep);
    let in_a_series = format!(
        "{{\"horizon\":{{\"periods\":1}},\"lines\":[{{\"id\":\"l\",\"site\":\"s\",\"capacity\":{arrays}"
    );
    for text in [&arrays, &in_a_series, &"{\"a\":".repeat(deep)] {
        let (result, peak) = heap_peak(|| parse_network(text).map(drop));
        assert!(matches!(result, Err(DocError::Syntax { .. })));
        assert!(peak < 1 << 20, "{peak} bytes of heap");
        assert!(serde_json::from_str::<Vec<ScenarioChange>>(text).is_err());
    }
    // Start-group keys of field 1, never closed, then of unknown field 15.
    for key in [0x0b_u8, 0x7b] {
        let groups = vec![key; deep];
        let (allowance, peak) = heap_peak(|| serve(&groups));
        assert!(peak <= (1 << 20) + allowance, "{peak} bytes of heap");
        assert!(pb::PutNetworkRequest::decode(groups.as_slice()).is_err());
        assert!(pb::CreateScenarioRequest::decode(groups.as_slice()).is_err());
    }
}

// ---------------------------------------------------------------------------
// Problems found by fuzzing, kept fixed
// ---------------------------------------------------------------------------

/// Found while sizing this file's heap budget: `records::capacity_changes`
/// listed every period of a `PeriodSet.range` (up to `MAX_PERIODS` wide,
/// whatever the network's horizon) before `apply_capacity_changes` compared
/// them with the horizon, so each change of about 20 bytes took 40 KB of
/// heap, some 2,000 times its size; a 64 MiB UpdateCapacity would have
/// asked for over 100 GB. A range now stays a range until it is checked.
#[test]
fn capacity_ranges_stay_small_until_checked_against_the_horizon() {
    let change = pb::CapacityChange {
        line: "l".into(),
        periods: Some(pb::PeriodSet {
            periods: Some(pb::period_set::Periods::Range(pb::PeriodRange {
                first: 0,
                last: MAX_PERIODS - 1,
            })),
        }),
        change: Some(pb::capacity_change::Change::Capacity(1.0)),
    };
    let bytes = pb::UpdateCapacityRequest {
        network_id: "demo".into(),
        expected_version: 0,
        changes: vec![change; 1000],
        reason: String::new(),
    }
    .encode_to_vec();
    let (converted, peak) = heap_peak(|| {
        let request = pb::UpdateCapacityRequest::decode(bytes.as_slice()).expect("it decodes");
        records::capacity_changes(&request.changes).map(|changes| changes.len())
    });
    assert_eq!(converted.ok(), Some(1000));
    assert!(
        peak <= heap_budget(bytes.len()),
        "{} bytes of request took {peak} bytes of heap ({}x)",
        bytes.len(),
        peak / bytes.len()
    );
}

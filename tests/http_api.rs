//! The JSON API over a real socket: the whole flow a console or an ERP
//! without gRPC runs (put, solve with live progress, publish, a supplier's
//! stream, acknowledgement, capacity report and the re-plan it starts),
//! errors with field paths, roles and isolation (the same cases the gRPC
//! tests hold the services to, read as HTTP answers), size limits, and the
//! metrics.

mod common;

use chainplan::server::auth::{Role, Tokens};
use chainplan::server::ServerConfig;
use chainplan::store::MemoryStore;
use common::http::{Answer, Api};
use common::{gearbox, pb_doc, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

const NET: &str = "gearbox";
const WAIT: Duration = Duration::from_secs(60);

fn tokens() -> Tokens {
    Tokens::from_pairs([
        ("erp-token".to_string(), Role::Erp),
        (
            "planner-token".to_string(),
            Role::Planner { promote: false },
        ),
        (
            "gearworks-token".to_string(),
            Role::Supplier {
                enterprise: "gearworks".into(),
            },
        ),
    ])
}

async fn server(tokens: Option<Tokens>) -> TestServer {
    let mut config = ServerConfig::new(Arc::new(MemoryStore::new()));
    config.tokens = tokens;
    config.solve_workers = 1;
    config.solve_queue = 4;
    TestServer::start_http(config).await
}

fn api(server: &TestServer, token: Option<&str>) -> Api {
    Api::new(server.http.expect("an HTTP face"), token)
}

/// The demo network in the API's JSON (the proto3 mapping of its message).
fn document() -> Value {
    serde_json::to_value(pb_doc(&gearbox())).unwrap()
}

async fn put_demo(erp: &Api) -> Value {
    erp.call(
        Method::PUT,
        &format!("/api/v1/networks/{NET}"),
        Some(json!({ "document": document() })),
    )
    .await
    .ok()
}

/// Solves through a job and its event stream; returns the plan id and
/// the number of progress events seen before the plan.
async fn solve_with_progress(erp: &Api) -> (String, usize) {
    let job = erp
        .post(&format!("/api/v1/networks/{NET}/jobs"), json!({}))
        .await
        .ok();
    let job_id = job["job_id"].as_str().unwrap().to_string();
    let plan_id = job["plan_id"].as_str().unwrap().to_string();
    let mut events = erp
        .events(Method::GET, &format!("/api/v1/jobs/{job_id}/events"), None)
        .await
        .expect("a progress stream");
    let mut progress = 0;
    while let Some((name, data)) = events.next(WAIT).await {
        assert_eq!(name, "message", "{data}");
        if data.get("plan").is_some() {
            assert_eq!(data["plan"]["status"], "PLAN_STATUS_OPTIMAL");
            return (plan_id, progress);
        }
        progress += 1;
    }
    panic!("the stream ended without a plan");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_json_api_runs_the_whole_planning_and_supplier_flow() {
    let server = server(Some(tokens())).await;
    let erp = api(&server, Some("erp-token"));
    let gearworks = api(&server, Some("gearworks-token"));

    let put = put_demo(&erp).await;
    assert_eq!(
        put["network"]["version"], "1",
        "64-bit integers are strings"
    );
    let listed = erp.get("/api/v1/networks").await.ok();
    assert_eq!(listed["networks"][0]["network_id"], NET);
    let got = erp
        .get(&format!("/api/v1/networks/{NET}?version=1"))
        .await
        .ok();
    assert_eq!(
        got["document"]["sites"].as_array().unwrap().len(),
        gearbox().sites.len()
    );

    let (plan_id, _) = solve_with_progress(&erp).await;
    let plan = erp.get(&format!("/api/v1/plans/{plan_id}")).await.ok();
    assert_eq!(plan["info"]["plan_id"], plan_id.as_str());
    assert!(plan["plan"]["objective"].as_f64().unwrap() > 0.0);
    let explained = erp
        .get(&format!("/api/v1/plans/{plan_id}/explanation"))
        .await
        .ok();
    assert_eq!(explained["status"], "PLAN_STATUS_OPTIMAL");

    // A supplier's stream opens before the publish and hears it live.
    let session = gearworks.get("/api/v1/session").await.ok();
    assert_eq!(session["role"], "supplier");
    assert_eq!(session["enterprise"], "gearworks");
    let mut stream = gearworks
        .events(
            Method::GET,
            &format!("/api/v1/networks/{NET}/suppliers/gearworks/allocations"),
            None,
        )
        .await
        .expect("an allocation stream");
    let published = erp
        .post(
            &format!("/api/v1/plans/{plan_id}/publish"),
            json!({ "request_id": "publish-1" }),
        )
        .await
        .ok();
    assert_eq!(published["publish_version"], "1");
    let (_, first) = stream.next(WAIT).await.expect("the first version");
    assert_eq!(first["update"]["enterprise"], "gearworks");
    assert_eq!(first["update"]["version"], "1");

    let acked = gearworks
        .post(
            &format!("/api/v1/networks/{NET}/suppliers/gearworks/acknowledgements"),
            json!({ "version": "1", "accept": { "note": "ok" } }),
        )
        .await
        .ok();
    assert_eq!(acked["version"], "1");

    // A capacity report re-plans by the network's policy; the stream shows
    // the new version without being opened again.
    erp.call(
        Method::PUT,
        &format!("/api/v1/networks/{NET}/replan-policy"),
        Some(json!({ "policy": { "mode": "REPLAN_MODE_AUTOMATIC_PUBLISH" } })),
    )
    .await
    .ok();
    let reported = gearworks
        .post(
            &format!("/api/v1/networks/{NET}/suppliers/gearworks/capacity-reports"),
            json!({
                "line": "gearworks-hobbing",
                "periods": { "range": { "first": 2, "last": 5 } },
                "capacity": 0,
                "reason": "hobbing machine breakdown"
            }),
        )
        .await
        .ok();
    assert!(reported["replan"]["job_id"].is_string(), "{reported}");
    let (_, second) = stream.next(WAIT).await.expect("the re-plan's version");
    assert_eq!(second["update"]["version"], "2");
    server.stop().await;
}

/// One refused call: who, what, and the answer expected.
struct Refusal {
    token: Option<&'static str>,
    method: Method,
    path: String,
    body: Option<Value>,
    status: u16,
    code: &'static str,
}

fn refusal(
    token: Option<&'static str>,
    method: Method,
    path: &str,
    body: Option<Value>,
    status: u16,
    code: &'static str,
) -> Refusal {
    Refusal {
        token,
        method,
        path: path.to_string(),
        body,
        status,
        code,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_and_isolation_hold_over_http_as_over_grpc() {
    let server = server(Some(tokens())).await;
    let erp = api(&server, Some("erp-token"));
    put_demo(&erp).await;
    let (plan_id, _) = solve_with_progress(&erp).await;
    erp.post(
        &format!("/api/v1/plans/{plan_id}/publish"),
        json!({ "request_id": "p" }),
    )
    .await
    .ok();

    let g = Some("gearworks-token");
    let p = Some("planner-token");
    let net = format!("/api/v1/networks/{NET}");
    let plan = format!("/api/v1/plans/{plan_id}");
    let table = [
        // No token, or one the server does not know.
        refusal(
            None,
            Method::GET,
            "/api/v1/networks",
            None,
            401,
            "UNAUTHENTICATED",
        ),
        refusal(
            Some("stolen"),
            Method::GET,
            &net,
            None,
            401,
            "UNAUTHENTICATED",
        ),
        // A supplier on the ERP's and planners' calls.
        refusal(
            g,
            Method::GET,
            "/api/v1/networks",
            None,
            403,
            "PERMISSION_DENIED",
        ),
        refusal(g, Method::GET, &net, None, 403, "PERMISSION_DENIED"),
        refusal(g, Method::GET, &plan, None, 403, "PERMISSION_DENIED"),
        refusal(
            g,
            Method::POST,
            &format!("{net}/solve"),
            Some(json!({})),
            403,
            "PERMISSION_DENIED",
        ),
        refusal(
            g,
            Method::POST,
            &format!("{plan}/publish"),
            Some(json!({})),
            403,
            "PERMISSION_DENIED",
        ),
        refusal(
            g,
            Method::GET,
            &format!("{net}/scenarios"),
            None,
            403,
            "PERMISSION_DENIED",
        ),
        refusal(g, Method::GET, "/metrics", None, 403, "PERMISSION_DENIED"),
        // A planner may not write the network or answer for a supplier.
        refusal(
            p,
            Method::PUT,
            &net,
            Some(json!({ "document": document() })),
            403,
            "PERMISSION_DENIED",
        ),
        refusal(
            p,
            Method::POST,
            &format!("{net}/suppliers/gearworks/acknowledgements"),
            Some(json!({ "version": "1", "accept": {} })),
            403,
            "PERMISSION_DENIED",
        ),
    ];
    for case in table {
        let answer = api(&server, case.token)
            .call(case.method.clone(), &case.path, case.body)
            .await;
        assert_eq!(
            (answer.status.as_u16(), answer.code()),
            (case.status, case.code),
            "{} {} as {:?}: {}",
            case.method,
            case.path,
            case.token,
            answer.body
        );
        assert_eq!(answer.content_type, "application/problem+json");
    }

    // Another supplier's data, and data that does not exist, get the same
    // answer: a supplier cannot learn what exists beyond it.
    let gearworks = api(&server, g);
    let mut answers: HashMap<&str, Vec<Answer>> = HashMap::new();
    for other in ["rolltec", "no-such-supplier"] {
        let watch = gearworks
            .events(
                Method::GET,
                &format!("{net}/suppliers/{other}/allocations"),
                None,
            )
            .await
            .err()
            .expect("refused");
        let ack = gearworks
            .post(
                &format!("{net}/suppliers/{other}/acknowledgements"),
                json!({ "version": "1", "accept": {} }),
            )
            .await;
        answers.entry(other).or_default().extend([watch, ack]);
    }
    for (a, b) in answers["rolltec"].iter().zip(&answers["no-such-supplier"]) {
        assert_eq!(a.status, StatusCode::FORBIDDEN);
        assert_eq!(a.body, b.body, "the same answer for a supplier that exists");
        assert!(!a.body.to_string().contains("rolltec"));
    }
    let other_line = gearworks
        .post(
            &format!("{net}/suppliers/gearworks/capacity-reports"),
            json!({ "line": "rolltec-bearing-line", "periods": { "list": { "periods": [3] } }, "capacity": 0, "reason": "probe" }),
        )
        .await;
    let no_line = gearworks
        .post(
            &format!("{net}/suppliers/gearworks/capacity-reports"),
            json!({ "line": "no-such-line", "periods": { "list": { "periods": [3] } }, "capacity": 0, "reason": "probe" }),
        )
        .await;
    assert_eq!(other_line.status, StatusCode::FORBIDDEN);
    assert_eq!(other_line.body, no_line.body);

    // The supplier's own stream carries its own allocation only.
    let mut own = gearworks
        .events(
            Method::GET,
            &format!("{net}/suppliers/gearworks/allocations"),
            None,
        )
        .await
        .expect("its own stream");
    let (_, update) = own.next(WAIT).await.unwrap();
    let entries = update["update"]["snapshot"]["entries"].as_array().unwrap();
    assert!(!entries.is_empty());
    assert!(
        entries.iter().all(|e| e["site"] == "gearworks-linz"),
        "{update}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_name_the_field_and_change_nothing() {
    let server = server(None).await;
    let erp = api(&server, None);
    put_demo(&erp).await;
    let net = format!("/api/v1/networks/{NET}");

    // A value of the wrong type, a misspelt field, a body that is no object,
    // a path contradicted by the body: the field as the caller wrote it.
    let wrong = erp
        .post(
            &format!("{net}/solve"),
            json!({ "options": { "time_limit_seconds": "soon" } }),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert_eq!(wrong.fields(), ["options.time_limit_seconds"]);
    let misspelt = erp
        .post(&format!("{net}/solve"), json!({ "optoins": {} }))
        .await;
    assert_eq!(misspelt.code(), "INVALID_ARGUMENT");
    assert!(misspelt.body["detail"]
        .as_str()
        .unwrap()
        .contains("optoins"));
    let not_object = erp
        .call_raw(Method::POST, &format!("{net}/solve"), b"[1,2]".to_vec())
        .await;
    assert_eq!(not_object.fields(), ["$"]);
    let not_json = erp
        .call_raw(
            Method::POST,
            &format!("{net}/solve"),
            b"{\"options\":".to_vec(),
        )
        .await;
    assert_eq!(not_json.status, StatusCode::BAD_REQUEST);
    let contradicted = erp
        .post(&format!("{net}/solve"), json!({ "network_id": "other" }))
        .await;
    assert_eq!(contradicted.fields(), ["network_id"]);

    // The services' own validation, with their field paths.
    let negative = erp
        .post(
            &format!("{net}/solve"),
            json!({ "options": { "time_limit_seconds": -1 } }),
        )
        .await;
    assert_eq!(negative.status, StatusCode::BAD_REQUEST);
    assert_eq!(negative.fields(), ["options.time_limit_seconds"]);
    let mut bad_doc = document();
    bad_doc["lanes"][0]["to"] = json!("nowhere");
    let refused = erp
        .call(
            Method::PUT,
            &net,
            Some(json!({ "document": bad_doc, "expected_version": "1" })),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.fields(), ["document.lanes[0].to"]);
    let stale = erp
        .call(
            Method::PUT,
            &net,
            Some(json!({ "document": document(), "expected_version": "7" })),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    // The document in its own format, as `chainplan solve` reads it: refused
    // with the document's own paths, then accepted as the next version.
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/data/gearbox.json"
    ))
    .unwrap();
    let mut raw: Value = serde_json::from_str(&text).unwrap();
    raw["lanes"][0]["to"] = json!("nowhere");
    let refused = erp
        .call_raw(
            Method::PUT,
            &format!("{net}/document"),
            serde_json::to_vec(&raw).unwrap(),
        )
        .await;
    assert_eq!(refused.fields(), ["lanes[0].to"], "{}", refused.body);
    let missing = erp.get("/api/v1/plans/no-such-plan").await;
    assert_eq!(
        (missing.status, missing.code()),
        (StatusCode::NOT_FOUND, "NOT_FOUND")
    );
    assert_eq!(
        erp.get("/api/v1/nothing-here").await.status,
        StatusCode::NOT_FOUND
    );

    // Nothing of that changed the network.
    let got = erp.get(&net).await.ok();
    assert_eq!(got["network"]["version"], "1");
    let stored = erp
        .call_raw(
            Method::PUT,
            &format!("{net}/document?expected_version=1"),
            text.into_bytes(),
        )
        .await
        .ok();
    assert_eq!(stored["network"]["version"], "2");

    // A body over the call's limit (1 MiB for solving) is refused as too
    // large, with a problem body, before it is read.
    let huge = format!(
        "{{\"options\":{{}},\"pad\":\"{}\"}}",
        "x".repeat(2 * 1024 * 1024)
    );
    let too_large = erp
        .call_raw(Method::POST, &format!("{net}/solve"), huge.into_bytes())
        .await;
    assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(too_large.code(), "RESOURCE_EXHAUSTED");
    server.stop().await;
}

/// Prometheus text as (series with labels) -> value; panics on a line that
/// is neither a comment nor a sample.
fn parse_metrics(text: &str) -> HashMap<String, f64> {
    let mut samples = HashMap::new();
    for line in text.lines() {
        if line.is_empty() || line.starts_with('#') {
            assert!(
                line.is_empty()
                    || ["# HELP ", "# TYPE ", "# UNIT ", "# EOF"]
                        .iter()
                        .any(|p| line.starts_with(p)),
                "{line}"
            );
            continue;
        }
        let (series, value) = line.rsplit_once(' ').expect("name value");
        let name_end = series.find('{').unwrap_or(series.len());
        assert!(
            series[..name_end]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "{line}"
        );
        samples.insert(series.to_string(), value.parse::<f64>().expect("a number"));
    }
    samples
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_parse_and_move_with_solves_and_publishes() {
    let server = server(None).await;
    let erp = api(&server, None);
    put_demo(&erp).await;
    let (status, kind, before) = erp.text("/metrics").await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.starts_with("application/openmetrics-text"), "{kind}");
    let before = parse_metrics(&before);
    let solves = "chainplan_solves_total{strategy=\"exact\",status=\"optimal\"}";
    let (plan_id, _) = solve_with_progress(&erp).await;
    let mut stream = erp
        .events(
            Method::GET,
            &format!("/api/v1/networks/{NET}/suppliers/gearworks/allocations"),
            None,
        )
        .await
        .unwrap();
    erp.post(
        &format!("/api/v1/plans/{plan_id}/publish"),
        json!({ "request_id": "m" }),
    )
    .await
    .ok();
    stream.next(WAIT).await.expect("the update");
    let after = parse_metrics(&erp.text("/metrics").await.2);
    let moved = |series: &str| {
        after.get(series).copied().unwrap_or(0.0) - before.get(series).copied().unwrap_or(0.0)
    };
    // Other tests of this process may solve too: at least ours counted.
    assert!(moved(solves) >= 1.0, "{after:?}");
    assert!(moved("chainplan_solve_seconds_count{strategy=\"exact\"}") >= 1.0);
    assert!(moved("chainplan_publishes_total") >= 1.0);
    assert!(moved("chainplan_publish_to_receipt_seconds_count") >= 1.0);
    assert!(after["chainplan_supplier_streams_open"] >= 1.0);
    server.stop().await;
}

/// The execution loop's routes hold the same roles and isolation as the
/// gRPC calls: a supplier reports and reads its own only, another's
/// supplier, line or item answers as one that does not exist; a
/// counter-proposal rides on a rejection and the next re-plan prices it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_execution_loop_holds_roles_and_isolation_over_http() {
    let server = server(Some(tokens())).await;
    let erp = api(&server, Some("erp-token"));
    let gearworks = api(&server, Some("gearworks-token"));
    let planner = api(&server, Some("planner-token"));
    put_demo(&erp).await;
    let (plan_id, _) = solve_with_progress(&erp).await;
    erp.post(
        &format!("/api/v1/plans/{plan_id}/publish"),
        json!({ "request_id": "p" }),
    )
    .await
    .ok();
    let doc = gearbox();
    let own_line = doc
        .lines
        .iter()
        .find(|l| l.site == "gearworks-linz")
        .unwrap();
    let own_item = own_line.operations[0].item.clone();
    let counts: Vec<Value> = own_line.operations[0]
        .inputs
        .iter()
        .map(|i| json!({ "site": "gearworks-linz", "item": i.item, "period": 0, "qty": 100.0 }))
        .collect();
    let net = format!("/api/v1/networks/{NET}");
    let actuals = |line: &str| {
        json!({
            "request_id": format!("r-{line}"),
            "actuals": {
                "production": [{ "line": line, "item": own_item, "period": 0, "qty": 3.0 }],
                "stock_counts": counts,
            }
        })
    };

    // Its own sites: stored; a retry answers the same.
    let stored = gearworks
        .post(
            &format!("{net}/suppliers/gearworks/actuals"),
            actuals(&own_line.id),
        )
        .await
        .ok();
    assert_eq!(stored["sequence"], "1");
    let again = gearworks
        .post(
            &format!("{net}/suppliers/gearworks/actuals"),
            actuals(&own_line.id),
        )
        .await
        .ok();
    assert_eq!(again, stored);
    // Another's line reads as a line that does not exist.
    let foreign = gearworks
        .post(
            &format!("{net}/suppliers/gearworks/actuals"),
            actuals("rolltec-bearing-line"),
        )
        .await;
    let missing = gearworks
        .post(
            &format!("{net}/suppliers/gearworks/actuals"),
            actuals("no-such-line"),
        )
        .await;
    assert_eq!(foreign.status, StatusCode::BAD_REQUEST);
    assert_eq!(foreign.fields(), ["actuals.production[0].line"]);
    assert_eq!(
        foreign.body["errors"][0]["reason"]
            .as_str()
            .unwrap()
            .replace("rolltec-bearing-line", "X"),
        missing.body["errors"][0]["reason"]
            .as_str()
            .unwrap()
            .replace("no-such-line", "X")
    );
    // Acting for another supplier, existing or not: the same refusal.
    let mut refusals = Vec::new();
    for other in ["rolltec", "no-such-supplier"] {
        let report = gearworks
            .post(
                &format!("{net}/suppliers/{other}/actuals"),
                actuals(&own_line.id),
            )
            .await;
        let read = gearworks
            .call(
                Method::GET,
                &format!("{net}/suppliers/{other}/adherence"),
                None,
            )
            .await;
        assert_eq!(report.status, StatusCode::FORBIDDEN);
        assert_eq!(read.status, StatusCode::FORBIDDEN);
        assert!(!read.body.to_string().contains(other));
        refusals.push((report.body, read.body));
    }
    assert_eq!(refusals[0], refusals[1]);
    // Rolling is the ERP's; reporting is not a planner's.
    let refused = gearworks
        .post(&format!("{net}/roll"), json!({ "periods": 1 }))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let refused = planner
        .post(&format!("{net}/actuals"), actuals(&own_line.id))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // A counter-proposal: another's item is refused with its path, then
    // the supplier's own is stored with the rejection.
    let reject = |item: &str| {
        json!({ "version": "1", "reject": {
            "reason": "a press is down",
            "counter_proposal": [{ "kind": "LIMIT_KIND_MAKE", "item": item, "period": 2, "qty": 1.0 }]
        }})
    };
    let bad = gearworks
        .post(
            &format!("{net}/suppliers/gearworks/acknowledgements"),
            reject("bearing"),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.fields(), ["reject.counter_proposal[0].item"]);
    gearworks
        .post(
            &format!("{net}/suppliers/gearworks/acknowledgements"),
            reject(&own_item),
        )
        .await
        .ok();

    // The ERP rolls a week; the next re-plan holds the counter-proposal
    // (in its own periods, one earlier) and says what it cost.
    let rolled = erp
        .post(
            &format!("{net}/roll"),
            json!({ "periods": 1, "request_id": "week-1" }),
        )
        .await
        .ok();
    assert_eq!(rolled["network_version"], "2");
    assert_eq!(rolled["period_offset"], "1");
    assert_eq!(rolled["reports"], 1);
    let replanned = erp
        .post(
            &format!("{net}/replan"),
            json!({ "stability_penalty": 0.01 }),
        )
        .await
        .ok();
    let cost = &replanned["impact"]["counter_proposals"];
    assert_eq!(cost["held"][0]["enterprise"], "gearworks");
    assert_eq!(cost["held"][0]["limits"][0]["period"], 1);
    assert_eq!(replanned["impact"]["periods_rolled"], 1);

    // Plan against actual: the supplier its own, the ERP the chain.
    let own = gearworks
        .call(
            Method::GET,
            &format!("{net}/suppliers/gearworks/adherence?last_periods=1"),
            None,
        )
        .await
        .ok();
    let suppliers = own["adherence"]["suppliers"].as_array().unwrap();
    assert_eq!(suppliers.len(), 1);
    assert_eq!(suppliers[0]["enterprise"], "gearworks");
    assert_eq!(suppliers[0]["counter_proposals"], 1);
    assert!(own["adherence"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .all(|l| l["enterprise"] == "gearworks"));
    let chain = erp
        .call(Method::GET, &format!("{net}/adherence"), None)
        .await
        .ok();
    assert_eq!(chain["adherence"]["suppliers"].as_array().unwrap().len(), 6);
    server.stop().await;
}

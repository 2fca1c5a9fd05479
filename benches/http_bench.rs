//! Benchmark of the HTTP face on loopback, server and clients in one
//! process:
//!
//! - **pages**: for gen-150 and gen-600 (generated, seed 1, 26 periods), the
//!   JSON calls behind the console's plan page (`GET /plans/{id}` and its
//!   explanation) and chain map (`GET /networks/{id}`, the document the map
//!   is drawn from): server time as the client sees it (median of 10, body
//!   read whole) and bytes, plain and gzip (`Accept-Encoding: gzip`, as a
//!   browser sends). gen-150 is solved exactly, gen-600 by the fast
//!   strategy within `--time-limit` (default 120 s).
//! - **portal**: `--sessions` (default 200) allocation streams open at once
//!   over HTTP, as the supplier portal opens them, spread over the suppliers
//!   of the demo chain; each of `--publishes` (default 5) rounds changes every
//!   demand, solves and publishes, and times the publish call's start to
//!   each stream's receipt of the new version.
//!
//! ```text
//! cargo bench --bench http_bench -- [--only pages|portal] [--sessions N]
//!     [--publishes N] [--time-limit S] [--chains gen-150,gen-600]
//! ```

use chainplan::import::generate::{generate, GeneratorSpec};
use chainplan::model::{parse_network, NetworkDoc};
use chainplan::server::pb;
use chainplan::server::{run_with_http, ServerConfig};
use chainplan::store::MemoryStore;
use reqwest::Client;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};
use tokio_stream::StreamExt;

struct Args {
    only: Option<String>,
    sessions: usize,
    publishes: usize,
    time_limit: f64,
    chains: Vec<String>,
}

fn args() -> Result<Args, String> {
    let mut args = Args {
        only: None,
        sessions: 200,
        publishes: 5,
        time_limit: 120.0,
        chains: vec!["gen-150".into(), "gen-600".into()],
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag}: a value is needed"));
        match flag.as_str() {
            "--only" => args.only = Some(value()?),
            "--sessions" => args.sessions = value()?.parse().map_err(|e| format!("{e}"))?,
            "--publishes" => args.publishes = value()?.parse().map_err(|e| format!("{e}"))?,
            "--time-limit" => args.time_limit = value()?.parse().map_err(|e| format!("{e}"))?,
            "--chains" => args.chains = value()?.split(',').map(str::to_string).collect(),
            "--bench" => {}
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(args)
}

struct Server {
    http: SocketAddr,
    stop: oneshot::Sender<()>,
}

async fn start() -> Server {
    let mut config = ServerConfig::new(Arc::new(MemoryStore::new()));
    config.solve_workers = 1;
    let grpc = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let http = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = http.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        run_with_http(config, grpc, Some(http), async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    Server { http: addr, stop }
}

fn chain(name: &str) -> NetworkDoc {
    let (suppliers, items_per_tier, customers) = match name {
        "gen-150" => (135, 8, 14),
        "gen-600" => (570, 12, 29),
        other => panic!("unknown chain {other}"),
    };
    generate(&GeneratorSpec {
        suppliers,
        items_per_tier,
        periods: 26,
        customers,
        seed: 1,
        ..GeneratorSpec::default()
    })
}

fn json_doc(doc: &NetworkDoc) -> Value {
    serde_json::to_value(pb::NetworkDocument::from(doc.clone())).unwrap()
}

async fn call(client: &Client, method: reqwest::Method, url: &str, body: Value) -> Value {
    let response = client
        .request(method, url)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let value: Value = response.json().await.unwrap();
    assert!(status.is_success(), "{url}: {status} {value}");
    value
}

/// Median time and the bytes of a GET, plain and gzip.
async fn measure(client: &Client, url: &str) -> (f64, usize, f64, usize) {
    let mut plain = Vec::new();
    let mut zipped = Vec::new();
    let (mut plain_bytes, mut zipped_bytes) = (0, 0);
    for _ in 0..10 {
        for (gzip, times, bytes) in [
            (false, &mut plain, &mut plain_bytes),
            (true, &mut zipped, &mut zipped_bytes),
        ] {
            let mut request = client.get(url);
            if gzip {
                request = request.header("accept-encoding", "gzip");
            }
            let started = Instant::now();
            let response = request.send().await.unwrap();
            assert!(response.status().is_success(), "{url}");
            let body = response.bytes().await.unwrap();
            times.push(started.elapsed().as_secs_f64());
            *bytes = body.len();
        }
    }
    (
        median(&mut plain),
        plain_bytes,
        median(&mut zipped),
        zipped_bytes,
    )
}

fn median(xs: &mut [f64]) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

async fn pages(args: &Args) {
    println!("| chain | call | median s | bytes | gzip median s | gzip bytes |");
    println!("|---|---|--:|--:|--:|--:|");
    for name in &args.chains {
        let server = start().await;
        // reqwest here does not decompress: the bytes are what crosses the wire.
        let client = Client::builder().no_gzip().build().unwrap();
        let base = format!("http://{}/api/v1", server.http);
        let doc = chain(name);
        call(
            &client,
            reqwest::Method::PUT,
            &format!("{base}/networks/{name}"),
            json!({ "document": json_doc(&doc) }),
        )
        .await;
        let strategy = if name == "gen-600" {
            "SOLVE_STRATEGY_FAST"
        } else {
            "SOLVE_STRATEGY_UNSPECIFIED"
        };
        let started = Instant::now();
        let solved = call(
            &client,
            reqwest::Method::POST,
            &format!("{base}/networks/{name}/solve"),
            json!({ "options": { "time_limit_seconds": args.time_limit, "strategy": strategy } }),
        )
        .await;
        eprintln!(
            "{name}: solved in {:.1} s, status {}",
            started.elapsed().as_secs_f64(),
            solved["plan"]["status"]
        );
        let plan_id = solved["info"]["plan_id"].as_str().unwrap().to_string();
        for (what, url) in [
            (
                "plan page: GET /plans/{id}",
                format!("{base}/plans/{plan_id}"),
            ),
            (
                "plan page: GET /plans/{id}/explanation",
                format!("{base}/plans/{plan_id}/explanation"),
            ),
            (
                "chain map: GET /networks/{id}",
                format!("{base}/networks/{name}"),
            ),
        ] {
            let (t, b, tz, bz) = measure(&client, &url).await;
            println!("| {name} | {what} | {t:.3} | {b} | {tz:.3} | {bz} |");
        }
        let _ = server.stop.send(());
    }
}

fn demo() -> NetworkDoc {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/gearbox.json");
    parse_network(&std::fs::read_to_string(path).unwrap())
        .unwrap()
        .0
}

async fn portal(args: &Args) {
    let server = start().await;
    let client = Client::new();
    let base = format!("http://{}/api/v1", server.http);
    let original = demo();
    let mut doc = original.clone();
    let net = "demo";
    call(
        &client,
        reqwest::Method::PUT,
        &format!("{base}/networks/{net}"),
        json!({ "document": json_doc(&doc) }),
    )
    .await;
    let suppliers: Vec<String> = doc
        .enterprises
        .iter()
        .filter(|e| e.role == chainplan::model::Role::Supplier)
        .map(|e| e.id.clone())
        .collect();
    // Each stream reports (version, when) for every update it receives.
    let (tx, mut rx) = mpsc::unbounded_channel::<(u64, Instant)>();
    for i in 0..args.sessions {
        let supplier = &suppliers[i % suppliers.len()];
        let url = format!("{base}/networks/{net}/suppliers/{supplier}/allocations");
        let response = client.get(url).send().await.unwrap();
        assert!(response.status().is_success());
        let tx = tx.clone();
        tokio::spawn(async move {
            let mut bytes = response.bytes_stream();
            let mut buffer = String::new();
            while let Some(Ok(chunk)) = bytes.next().await {
                buffer.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buffer.find("\n\n") {
                    let block: String = buffer.drain(..end + 2).collect();
                    if let Some(data) = block.lines().find_map(|l| l.strip_prefix("data:")) {
                        let value: Value = serde_json::from_str(data.trim()).unwrap();
                        let version = value["update"]["publish_version"]
                            .as_str()
                            .and_then(|v| v.parse().ok())
                            .unwrap_or(0);
                        let _ = tx.send((version, Instant::now()));
                    }
                }
            }
        });
    }
    let mut latencies = Vec::new();
    let mut received_total = 0;
    for round in 1..=args.publishes {
        // Every demand alternates between two levels, so every supplier's
        // allocation changes at every publish.
        let factor = if round % 2 == 0 { 0.9 } else { 1.1 };
        for (d, base) in doc.demands.iter_mut().zip(&original.demands) {
            d.qty = (base.qty * factor).round();
        }
        call(
            &client,
            reqwest::Method::PUT,
            &format!("{base}/networks/{net}"),
            json!({ "document": json_doc(&doc) }),
        )
        .await;
        let solved = call(
            &client,
            reqwest::Method::POST,
            &format!("{base}/networks/{net}/solve"),
            json!({}),
        )
        .await;
        let plan_id = solved["info"]["plan_id"].as_str().unwrap().to_string();
        let started = Instant::now();
        let published = call(
            &client,
            reqwest::Method::POST,
            &format!("{base}/plans/{plan_id}/publish"),
            json!({ "request_id": format!("bench-{round}") }),
        )
        .await;
        let version: u64 = published["publish_version"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let updated = published["updated_suppliers"]
            .as_array()
            .map_or(0, Vec::len);
        let expected: usize = (0..args.sessions)
            .filter(|i| {
                published["updated_suppliers"].as_array().is_some_and(|u| {
                    u.iter()
                        .any(|s| s["enterprise"] == suppliers[i % suppliers.len()].as_str())
                })
            })
            .count();
        let mut got = 0;
        while got < expected {
            match tokio::time::timeout(Duration::from_secs(30), rx.recv()).await {
                Ok(Some((v, at))) if v == version => {
                    latencies.push(at.duration_since(started).as_secs_f64());
                    got += 1;
                }
                Ok(Some(_)) => {}
                _ => break,
            }
        }
        received_total += got;
        eprintln!(
            "publish {round}: {updated} suppliers changed, {got} of {expected} streams received"
        );
    }
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "portal: {} sessions, {} receipts over {} publishes; publish-to-receipt median {:.4} s, p95 {:.4} s, max {:.4} s",
        args.sessions,
        received_total,
        args.publishes,
        at(0.5),
        at(0.95),
        at(1.0)
    );
    let _ = server.stop.send(());
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("http_bench: {e}");
            return ExitCode::from(2);
        }
    };
    if args.only.as_deref() != Some("portal") {
        pages(&args).await;
    }
    if args.only.as_deref() != Some("pages") {
        portal(&args).await;
    }
    ExitCode::SUCCESS
}

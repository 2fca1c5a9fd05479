//! Benchmark of the gRPC service on loopback, server and clients in one
//! process (an in-memory store, the generated clients):
//!
//! - **streams**: many `WatchAllocations` streams open at once (several per
//!   supplier, each independent), spread over the suppliers of the ~30-site
//!   generated chain whose work changes. Each publish alternates every
//!   demand between two levels, so their allocations change every time; it
//!   times `PublishPlan` to each stream's receipt of its new version, and the
//!   resident memory each open stream costs.
//! - **replan**: on the ~150-site generated chain, one tier-1 supplier
//!   reports a line down under an automatic re-plan policy; it times the
//!   capacity report to the re-plan's plan against a cold `Solve` of the same
//!   changed document.
//!
//! ```text
//! cargo bench --bench service_bench -- [--streams N] [--publishes N]
//!                                       [--only streams|replan] [--freeze P[,P..]]
//! ```
//!
//! `--freeze` lists the frozen fences (`freeze_until`) to re-plan with, one
//! re-plan and one cold solve each; default 4.

use chainplan::model::{NetworkDoc, Role};
use chainplan::planning::generate::{generate, GeneratorSpec};
use chainplan::server::pb;
use chainplan::server::pb::network_service_client::NetworkServiceClient;
use chainplan::server::pb::planning_service_client::PlanningServiceClient;
use chainplan::server::pb::supplier_service_client::SupplierServiceClient;
use chainplan::server::{run, ServerConfig};
use chainplan::store::MemoryStore;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tonic::transport::Channel;

/// Weekly periods of both chains, as in `plan_bench`.
const PERIODS: u32 = 26;
/// Seed of both chains, as in `plan_bench`.
const SEED: u64 = 1;
const NETWORK: &str = "bench";
/// Streams per HTTP/2 connection. The server sets no limit (tonic lifts
/// hyper's default of 200); the streams are spread over several connections
/// because real suppliers each bring their own.
const STREAMS_PER_CHANNEL: usize = 100;
/// Demand multipliers the publishes alternate between, so that every plan
/// differs from the one before.
const DEMAND_FACTORS: [f64; 2] = [1.3, 1.0];
/// Longest wait for the streams to receive one publish.
const RECEIPT_TIMEOUT: Duration = Duration::from_secs(60);
/// Plans of the 150-site chain are tens of MiB in protobuf.
const MAX_MESSAGE: usize = 1 << 30;
/// The reported outage: the line makes nothing in these periods (0-based).
const OUTAGE: (u32, u32) = (5, 8);
const STABILITY_PENALTY: f64 = 0.1;

type BenchResult<T> = Result<T, String>;

/// Which part to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Streams,
    Replan,
}

#[derive(Debug, Clone)]
struct Args {
    streams: usize,
    publishes: usize,
    only: Option<Part>,
    freeze: Vec<u32>,
}

impl Args {
    fn parse(mut raw: impl Iterator<Item = String>) -> Result<Args, String> {
        let mut args = Args {
            streams: 1000,
            publishes: 20,
            only: None,
            freeze: vec![4],
        };
        let positive = |flag: &str, v: String| {
            v.parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or(format!("{flag}: not a positive whole number: {v}"))
        };
        while let Some(flag) = raw.next() {
            let mut value = || raw.next().ok_or(format!("{flag} needs a value"));
            match flag.as_str() {
                "--streams" => args.streams = positive(&flag, value()?)?,
                "--publishes" => args.publishes = positive(&flag, value()?)?,
                "--only" => {
                    args.only = Some(match value()?.as_str() {
                        "streams" => Part::Streams,
                        "replan" => Part::Replan,
                        other => return Err(format!("--only: streams or replan, not {other}")),
                    })
                }
                "--freeze" => {
                    args.freeze = value()?
                        .split(',')
                        .map(|p| {
                            p.parse()
                                .map_err(|_| format!("--freeze: not a period: {p}"))
                        })
                        .collect::<Result<_, _>>()?;
                }
                // `cargo bench` appends `--bench`; other harness flags and
                // filters mean nothing here.
                _ => {}
            }
        }
        Ok(args)
    }

    fn runs(&self, part: Part) -> bool {
        self.only.is_none_or(|only| only == part)
    }
}

fn main() -> ExitCode {
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("service_bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("service_bench: runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("service_bench: {cores} cores, tokio multi-thread runtime, server and clients in one process\n");
    let outcome = runtime.block_on(async {
        if args.runs(Part::Streams) {
            let report = bench_streams(&args).await?;
            print!("{}", report.table());
        }
        if args.runs(Part::Replan) {
            let rows = bench_replan(&args).await?;
            print!("{}", replan_table(&rows));
        }
        BenchResult::Ok(())
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("service_bench: {e}");
            ExitCode::FAILURE
        }
    }
}

// ---------------------------------------------------------------------------
// An in-process server on port 0, as tests/server.rs starts one.

struct BenchServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    handle: JoinHandle<()>,
}

impl BenchServer {
    async fn start() -> BenchResult<BenchServer> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("bind: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let config = ServerConfig::new(Arc::new(MemoryStore::new()));
        let (tx, rx) = oneshot::channel::<()>();
        let handle = tokio::spawn(async move {
            let served = run(config, listener, async {
                let _ = rx.await;
            })
            .await;
            if let Err(e) = served {
                eprintln!("service_bench: server: {e}");
            }
        });
        Ok(BenchServer {
            addr,
            stop: Some(tx),
            handle,
        })
    }

    /// A new HTTP/2 connection to the server.
    async fn channel(&self) -> BenchResult<Channel> {
        let endpoint =
            Channel::from_shared(format!("http://{}", self.addr)).map_err(|e| e.to_string())?;
        for _ in 0..50 {
            if let Ok(channel) = endpoint.connect().await {
                return Ok(channel);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Err(format!("no connection to {}", self.addr))
    }

    async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        let _ = tokio::time::timeout(Duration::from_secs(30), self.handle).await;
    }
}

/// The clients of the chain leader's ERP on one connection.
struct Erp {
    net: NetworkServiceClient<Channel>,
    planning: PlanningServiceClient<Channel>,
    supplier: SupplierServiceClient<Channel>,
}

impl Erp {
    fn new(channel: Channel) -> Erp {
        Erp {
            net: NetworkServiceClient::new(channel.clone()),
            planning: PlanningServiceClient::new(channel.clone())
                .max_decoding_message_size(MAX_MESSAGE),
            supplier: SupplierServiceClient::new(channel),
        }
    }

    async fn put(&mut self, doc: &NetworkDoc) -> BenchResult<u64> {
        let response = self
            .net
            .put_network(pb::PutNetworkRequest {
                network_id: NETWORK.into(),
                document: Some(pb::NetworkDocument::from(doc.clone())),
                expected_version: 0,
            })
            .await
            .map_err(|s| format!("PutNetwork: {s}"))?;
        Ok(response.into_inner().network.map_or(0, |n| n.version))
    }

    /// Every demand of `base` at `factor` times its quantity, as one
    /// `UpdateOrders`.
    async fn scale_demand(&mut self, base: &NetworkDoc, factor: f64) -> BenchResult<()> {
        let changes = base
            .demands
            .iter()
            .map(|d| {
                let mut demand = d.clone();
                demand.qty = d.qty * factor;
                pb::OrderChange {
                    change: Some(pb::order_change::Change::ChangeDemand(demand.into())),
                }
            })
            .collect();
        self.net
            .update_orders(pb::UpdateOrdersRequest {
                network_id: NETWORK.into(),
                expected_version: 0,
                changes,
            })
            .await
            .map_err(|s| format!("UpdateOrders: {s}"))?;
        Ok(())
    }

    /// Solves the latest version; the plan's id and the plan.
    async fn solve(&mut self) -> BenchResult<(String, pb::Plan)> {
        let response = self
            .planning
            .solve(pb::SolveRequest {
                network_id: NETWORK.into(),
                network_version: 0,
                options: None,
            })
            .await
            .map_err(|s| format!("Solve: {s}"))?
            .into_inner();
        let plan_id = response.info.map(|i| i.plan_id).unwrap_or_default();
        let plan = response.plan.ok_or("Solve: no plan")?;
        if !has_solution(&plan) {
            return Err(format!(
                "Solve: plan status {}",
                plan.status().as_str_name()
            ));
        }
        Ok((plan_id, plan))
    }

    async fn publish(&mut self, plan_id: &str) -> BenchResult<pb::PublishPlanResponse> {
        Ok(self
            .planning
            .publish_plan(pb::PublishPlanRequest {
                plan_id: plan_id.into(),
                request_id: format!("publish-{plan_id}"),
            })
            .await
            .map_err(|s| format!("PublishPlan: {s}"))?
            .into_inner())
    }
}

fn has_solution(plan: &pb::Plan) -> bool {
    matches!(
        plan.status(),
        pb::PlanStatus::Optimal | pb::PlanStatus::Feasible
    )
}

/// The plan's status as the domain spells it: `optimal`, `infeasible`, ...
fn status_name(plan: &pb::Plan) -> String {
    plan.status()
        .as_str_name()
        .trim_start_matches("PLAN_STATUS_")
        .to_ascii_lowercase()
}

fn suppliers(doc: &NetworkDoc) -> Vec<String> {
    doc.enterprises
        .iter()
        .filter(|e| e.role == Role::Supplier)
        .map(|e| e.id.clone())
        .collect()
}

/// A generated LP chain of `1 + suppliers + customers` sites, as `plan_bench`
/// names them.
fn chain(suppliers: usize, items_per_tier: usize, customers: usize) -> GeneratorSpec {
    GeneratorSpec {
        suppliers,
        items_per_tier,
        periods: PERIODS,
        customers,
        seed: SEED,
        ..GeneratorSpec::default()
    }
}

// ---------------------------------------------------------------------------
// Streams: publish to many open WatchAllocations streams.

/// One message a stream received, stamped on arrival.
struct Receipt {
    stream: usize,
    version: u64,
    at: Instant,
}

/// What one publish reached.
struct PublishRound {
    /// Streams whose supplier got a new version.
    expected: usize,
    /// Of those, the streams that received it.
    received: usize,
    /// From just before `PublishPlan` to the call's response.
    call: Duration,
    /// From just before `PublishPlan` to each receipt.
    latencies: Vec<Duration>,
}

struct StreamReport {
    streams: usize,
    channels: usize,
    suppliers: usize,
    /// Suppliers the streams watch: those whose work changes between the
    /// two demand levels.
    watched: usize,
    rss_before_kib: Option<u64>,
    rss_after_kib: Option<u64>,
    rounds: Vec<PublishRound>,
}

async fn bench_streams(args: &Args) -> BenchResult<StreamReport> {
    let server = BenchServer::start().await?;
    let mut erp = Erp::new(server.channel().await?);
    let base = generate(&chain(24, 4, 5));
    let suppliers = suppliers(&base);
    erp.put(&base).await?;
    // A committed plan first, so that each new stream starts with a snapshot
    // and is known to be open when it arrives; then one publish at each
    // demand level, to find the suppliers whose work changes between them
    // (a supplier without work never gets a new version). The streams are
    // spread over those.
    let (plan_id, _) = erp.solve().await?;
    erp.publish(&plan_id).await?;
    let mut changing = suppliers.clone();
    for factor in DEMAND_FACTORS {
        erp.scale_demand(&base, factor).await?;
        let (plan_id, _) = erp.solve().await?;
        let published = erp.publish(&plan_id).await?;
        changing.retain(|s| {
            published
                .updated_suppliers
                .iter()
                .any(|u| &u.enterprise == s)
        });
    }
    let watched = if changing.is_empty() {
        &suppliers
    } else {
        &changing
    };

    let rss_before_kib = resident_kib();
    let channels = args.streams.div_ceil(STREAMS_PER_CHANNEL);
    let mut connections = Vec::with_capacity(channels);
    for _ in 0..channels {
        connections.push(server.channel().await?);
    }
    let (tx, mut rx) = mpsc::unbounded_channel::<Result<Receipt, String>>();
    let stream_supplier: Vec<&str> = (0..args.streams)
        .map(|i| watched[i % watched.len()].as_str())
        .collect();
    let mut readers = Vec::with_capacity(args.streams);
    for (stream, supplier) in stream_supplier.iter().enumerate() {
        let client = SupplierServiceClient::new(connections[stream / STREAMS_PER_CHANNEL].clone());
        readers.push(tokio::spawn(read_stream(
            client,
            stream,
            supplier.to_string(),
            tx.clone(),
        )));
    }
    drop(tx);
    // Every stream's snapshot.
    let mut open = vec![false; args.streams];
    let mut opened = 0;
    while opened < args.streams {
        let receipt = tokio::time::timeout(RECEIPT_TIMEOUT, rx.recv())
            .await
            .map_err(|_| format!("only {opened} of {} streams opened", args.streams))?
            .ok_or("the streams ended")??;
        if !std::mem::replace(&mut open[receipt.stream], true) {
            opened += 1;
        }
    }
    let rss_after_kib = resident_kib();
    eprintln!(
        "service_bench: {} streams open over {channels} connections",
        args.streams
    );

    let mut rounds = Vec::with_capacity(args.publishes);
    for round in 0..args.publishes {
        erp.scale_demand(&base, DEMAND_FACTORS[round % 2]).await?;
        let (plan_id, _) = erp.solve().await?;
        let started = Instant::now();
        let published = erp.publish(&plan_id).await?;
        let call = started.elapsed();
        let versions: HashMap<&str, u64> = published
            .updated_suppliers
            .iter()
            .map(|s| (s.enterprise.as_str(), s.version))
            .collect();
        let wanted: HashMap<usize, u64> = stream_supplier
            .iter()
            .enumerate()
            .filter_map(|(i, s)| versions.get(s).map(|v| (i, *v)))
            .collect();
        let mut latencies = Vec::with_capacity(wanted.len());
        let deadline = tokio::time::Instant::now() + RECEIPT_TIMEOUT;
        while latencies.len() < wanted.len() {
            let Ok(next) = tokio::time::timeout_at(deadline, rx.recv()).await else {
                break;
            };
            let receipt = next.ok_or("the streams ended")??;
            if wanted.get(&receipt.stream) == Some(&receipt.version) {
                latencies.push(receipt.at.duration_since(started));
            }
        }
        eprintln!(
            "service_bench: publish {}: {} suppliers updated, {} of {} streams received",
            round + 1,
            versions.len(),
            latencies.len(),
            wanted.len()
        );
        rounds.push(PublishRound {
            expected: wanted.len(),
            received: latencies.len(),
            call,
            latencies,
        });
    }
    for reader in &readers {
        reader.abort();
    }
    drop(connections);
    server.stop().await;
    Ok(StreamReport {
        streams: args.streams,
        channels,
        suppliers: suppliers.len(),
        watched: watched.len(),
        rss_before_kib,
        rss_after_kib,
        rounds,
    })
}

/// Opens one stream and reports every message it receives, stamped the
/// moment it arrives.
async fn read_stream(
    mut client: SupplierServiceClient<Channel>,
    stream: usize,
    supplier: String,
    out: mpsc::UnboundedSender<Result<Receipt, String>>,
) {
    let request = pb::WatchAllocationsRequest {
        network_id: NETWORK.into(),
        enterprise: supplier,
        after_version: 0,
    };
    let mut messages = match client.watch_allocations(request).await {
        Ok(response) => response.into_inner(),
        Err(s) => {
            let _ = out.send(Err(format!("WatchAllocations: {s}")));
            return;
        }
    };
    loop {
        let message = messages.message().await;
        let at = Instant::now();
        let receipt = match message {
            Ok(Some(m)) => Ok(Receipt {
                stream,
                version: m.update.map_or(0, |u| u.version),
                at,
            }),
            Ok(None) => Err(format!("stream {stream} ended")),
            Err(s) => Err(format!("stream {stream}: {s}")),
        };
        let ended = receipt.is_err();
        if out.send(receipt).is_err() || ended {
            return;
        }
    }
}

impl StreamReport {
    fn table(&self) -> String {
        let last: Vec<Duration> = self
            .rounds
            .iter()
            .filter(|r| r.received == r.expected && r.expected > 0)
            .filter_map(|r| r.latencies.iter().max().copied())
            .collect();
        let all: Vec<Duration> = self
            .rounds
            .iter()
            .flat_map(|r| r.latencies.iter().copied())
            .collect();
        let calls: Vec<Duration> = self.rounds.iter().map(|r| r.call).collect();
        let expected: Vec<usize> = self.rounds.iter().map(|r| r.expected).collect();
        let received: usize = self.rounds.iter().map(|r| r.received).sum();
        let wanted: usize = expected.iter().sum();
        let per_stream = match (self.rss_before_kib, self.rss_after_kib) {
            (Some(before), Some(after)) => format!(
                "{:.1} KiB ({} -> {} MiB)",
                after.saturating_sub(before) as f64 / self.streams as f64,
                before / 1024,
                after / 1024
            ),
            _ => "- (no /proc/self/status)".into(),
        };
        let mut out = format!(
            "## Allocation streams: {} streams over {} connections on {} of the {} suppliers of gen-30, {} publishes\n\n\
             | measure | p50 | p99 | max |\n|---|--:|--:|--:|\n",
            self.streams,
            self.channels,
            self.watched,
            self.suppliers,
            self.rounds.len()
        );
        for (name, values) in [
            ("PublishPlan to the last stream's receipt (ms)", &last),
            ("PublishPlan to each receipt (ms)", &all),
            ("PublishPlan call itself (ms)", &calls),
        ] {
            out.push_str(&format!(
                "| {name} | {} | {} | {} |\n",
                millis(percentile(values, 50.0)),
                millis(percentile(values, 99.0)),
                millis(values.iter().max().copied()),
            ));
        }
        out.push_str(&format!(
            "\nStreams reached per publish: min {}, max {} (of {}); {received} of {wanted} receipts arrived.\n\
             Resident memory per open stream (server and client sides, connections included): {per_stream}.\n\n",
            expected.iter().min().unwrap_or(&0),
            expected.iter().max().unwrap_or(&0),
            self.streams,
        ));
        out
    }
}

/// The nearest-rank percentile.
fn percentile(values: &[Duration], p: f64) -> Option<Duration> {
    let mut sorted = values.to_vec();
    sorted.sort();
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len().max(1)) - 1).copied()
}

fn millis(d: Option<Duration>) -> String {
    d.map_or("-".into(), |d| format!("{:.1}", d.as_secs_f64() * 1000.0))
}

/// Resident memory of this process (`VmRSS`), where Linux reports it.
fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

// ---------------------------------------------------------------------------
// Re-plan: one supplier's capacity report against a cold solve.

struct ReplanRow {
    freeze_until: u32,
    line: String,
    /// `Solve` of the changed document: the call, and HiGHS within it.
    cold: Duration,
    cold_solver: f64,
    cold_variables: u64,
    /// `ReportCapacity` to the re-plan's plan on `WatchSolve`, and HiGHS
    /// within it.
    replan: Duration,
    replan_solver: f64,
    replan_variables: u64,
    units_changed: f64,
    /// The re-plan's status (`optimal`, `infeasible`, ...).
    replan_status: String,
}

async fn bench_replan(args: &Args) -> BenchResult<Vec<ReplanRow>> {
    let server = BenchServer::start().await?;
    let mut erp = Erp::new(server.channel().await?);
    let doc = generate(&chain(135, 8, 14));
    erp.put(&doc).await?;
    eprintln!("service_bench: gen-150: first solve ...");
    let started = Instant::now();
    let (plan_id, plan) = erp.solve().await?;
    eprintln!(
        "service_bench: gen-150: solved in {:.1} s; publishing",
        started.elapsed().as_secs_f64()
    );
    erp.publish(&plan_id).await?;
    let (supplier, line) = busiest_tier1_line(&doc, &plan).ok_or("no tier-1 supplier line")?;

    let mut rows = Vec::new();
    for &freeze_until in &args.freeze {
        erp.planning
            .set_replan_policy(pb::SetReplanPolicyRequest {
                network_id: NETWORK.into(),
                policy: Some(pb::ReplanPolicy {
                    mode: pb::ReplanMode::Automatic as i32,
                    freeze_until,
                    stability_penalty: STABILITY_PENALTY,
                    options: None,
                }),
            })
            .await
            .map_err(|s| format!("SetReplanPolicy: {s}"))?;
        // The same report each time: every re-plan solves the same document
        // against the same published plan.
        eprintln!("service_bench: gen-150: {supplier} reports {line} down, freeze_until {freeze_until} ...");
        let started = Instant::now();
        let report = erp
            .supplier
            .report_capacity(pb::ReportCapacityRequest {
                network_id: NETWORK.into(),
                enterprise: supplier.clone(),
                line: line.clone(),
                periods: Some(pb::PeriodSet {
                    periods: Some(pb::period_set::Periods::Range(pb::PeriodRange {
                        first: OUTAGE.0,
                        last: OUTAGE.1,
                    })),
                }),
                capacity: 0.0,
                reason: "benchmark outage".into(),
            })
            .await
            .map_err(|s| format!("ReportCapacity: {s}"))?
            .into_inner();
        let trigger = report.replan.ok_or("ReportCapacity started no re-plan")?;
        let mut events = erp
            .planning
            .watch_solve(pb::WatchSolveRequest {
                job_id: trigger.job_id,
            })
            .await
            .map_err(|s| format!("WatchSolve: {s}"))?
            .into_inner();
        let mut replanned = None;
        while let Some(event) = events
            .message()
            .await
            .map_err(|s| format!("WatchSolve: {s}"))?
        {
            if let Some(pb::watch_solve_response::Event::Plan(p)) = event.event {
                replanned = Some(p);
            }
        }
        let replan = started.elapsed();
        let replanned = replanned.ok_or("WatchSolve ended without a plan")?;
        // A fence past the outage freezes work the line can no longer do:
        // infeasible is the honest answer, and still a timed one.
        eprintln!(
            "service_bench: gen-150: re-planned in {:.1} s; cold solve of the same version ...",
            replan.as_secs_f64()
        );

        let started = Instant::now();
        let (_, cold_plan) = erp.solve().await?;
        let cold = started.elapsed();
        eprintln!(
            "service_bench: gen-150: cold solve in {:.1} s",
            cold.as_secs_f64()
        );
        let stats = |p: &pb::Plan| p.stats.unwrap_or_default();
        rows.push(ReplanRow {
            freeze_until,
            line: format!("{supplier}/{line}"),
            cold,
            cold_solver: stats(&cold_plan).solve_seconds,
            cold_variables: stats(&cold_plan).variables,
            replan,
            replan_solver: stats(&replanned).solve_seconds,
            replan_variables: stats(&replanned).variables,
            units_changed: replanned.stability.map_or(0.0, |s| s.units_changed),
            replan_status: status_name(&replanned),
        });
    }
    server.stop().await;
    Ok(rows)
}

/// The tier-1 supplier line (making modules) with the most production in
/// the outage periods under `plan`, so that losing it matters.
fn busiest_tier1_line(doc: &NetworkDoc, plan: &pb::Plan) -> Option<(String, String)> {
    let supplier_of_site: HashMap<&str, &str> = doc
        .sites
        .iter()
        .filter(|s| {
            doc.enterprises
                .iter()
                .any(|e| e.id == s.enterprise && e.role == Role::Supplier)
        })
        .map(|s| (s.id.as_str(), s.enterprise.as_str()))
        .collect();
    let mut made: HashMap<&str, f64> = HashMap::new();
    for p in &plan.production {
        if (OUTAGE.0..=OUTAGE.1).contains(&p.period) {
            *made.entry(p.line.as_str()).or_default() += p.qty;
        }
    }
    doc.lines
        .iter()
        .filter(|l| l.operations.iter().any(|o| o.item.starts_with("mod")))
        .filter_map(|l| Some((supplier_of_site.get(l.site.as_str())?, l)))
        .max_by(|(_, a), (_, b)| {
            let (a, b) = (made.get(a.id.as_str()), made.get(b.id.as_str()));
            a.unwrap_or(&0.0).total_cmp(b.unwrap_or(&0.0))
        })
        .map(|(supplier, l)| (supplier.to_string(), l.id.clone()))
}

fn replan_table(rows: &[ReplanRow]) -> String {
    let mut out = format!(
        "## Re-plan after a capacity report on gen-150 (line down in periods {}..={}, stability penalty {STABILITY_PENALTY})\n\n\
         | freeze_until | line | cold solve s | of which HiGHS s | re-plan s | of which HiGHS s | re-plan / cold | variables cold / re-plan | re-plan status | units changed |\n\
         |--:|---|--:|--:|--:|--:|--:|--:|---|--:|\n",
        OUTAGE.0, OUTAGE.1
    );
    for r in rows {
        out.push_str(&format!(
            "| {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.0} % | {} / {} | {} | {:.0} |\n",
            r.freeze_until,
            r.line,
            r.cold.as_secs_f64(),
            r.cold_solver,
            r.replan.as_secs_f64(),
            r.replan_solver,
            100.0 * r.replan.as_secs_f64() / r.cold.as_secs_f64(),
            r.cold_variables,
            r.replan_variables,
            r.replan_status,
            r.units_changed,
        ));
    }
    out.push_str(
        "\nCold solve: `Solve` of the changed network version, call to response. Re-plan: \
         `ReportCapacity` to the plan on `WatchSolve` under an automatic re-plan policy.\n",
    );
    out
}

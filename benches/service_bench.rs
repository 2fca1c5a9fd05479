//! Benchmark of the gRPC service on loopback, servers and clients in one
//! process, with the generated clients:
//!
//! - **streams**: many `WatchAllocations` streams open at once (several per
//!   supplier, each independent), spread over the suppliers of the ~30-site
//!   generated chain whose work changes. Each publish alternates every
//!   demand between two levels, so their allocations change every time; it
//!   times `PublishPlan` to each stream's receipt of its new version, and the
//!   resident memory each open stream costs. With `--store redis://..` it
//!   starts `--replicas` servers on one Redis (one key prefix, one solve
//!   worker each), spreads the stream connections round-robin over them and
//!   makes the ERP's calls through the last one, so the streams on the others
//!   can learn of each publish only through Redis (every replica's streams
//!   wake on its pub/sub); the prefix's keys are deleted at the end.
//! - **replan**: on the ~150-site generated chain, one tier-1 supplier
//!   reports a line down under an automatic re-plan policy; it times the
//!   capacity report to the re-plan's plan against a cold `Solve` of the same
//!   changed document.
//! - **jobs** (only with `--only jobs`): solve jobs per minute on the same
//!   ~30-site chain. `--jobs` `SubmitSolve` calls at once, each followed by
//!   `WatchSolve` to its plan, through a server on Redis that runs no
//!   workers, with 1 and then 2 workers of the shared queue started beside it
//!   (a fresh key prefix each, deleted after), each run followed at once by
//!   the same jobs on a memory-store server with as many solve workers. Every
//!   job asks for one solver thread, so two workers do not share HiGHS
//!   threads. Redis is the `--store` URL, or `redis://127.0.0.1:6379` when
//!   `--store` is `memory`.
//!
//! ```text
//! cargo bench --bench service_bench -- [--streams N] [--publishes N]
//!     [--only streams|replan|jobs] [--freeze P[,P..]]
//!     [--store memory|redis://HOST:PORT] [--replicas N] [--jobs N]
//! ```
//!
//! Without `--only` it runs streams and replan. `--freeze` lists the frozen
//! fences (`freeze_until`) to re-plan with, one re-plan and one cold solve
//! each; default 4. `--store` (default `memory`) is the streams part's
//! store and the jobs part's Redis; replan always runs on the memory store.
//! `--replicas` (default 1) needs a Redis `--store`; `--jobs` defaults to 30.

use chainplan::import::generate::{generate, GeneratorSpec};
use chainplan::model::{NetworkDoc, Role};
use chainplan::server::jobs::SharedQueue;
use chainplan::server::pb;
use chainplan::server::pb::network_service_client::NetworkServiceClient;
use chainplan::server::pb::planning_service_client::PlanningServiceClient;
use chainplan::server::pb::supplier_service_client::SupplierServiceClient;
use chainplan::server::{run, ServerConfig};
use chainplan::store::{MemoryStore, RedisStore, Store};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot, watch};
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
/// The Redis of the jobs part when `--store` is `memory`.
const DEFAULT_REDIS: &str = "redis://127.0.0.1:6379";
/// Longest wait for one solve job's plan.
const JOB_TIMEOUT: Duration = Duration::from_secs(600);
/// Solve jobs the streams part's shared queue holds, as `chainplan serve`'s
/// default `--solve-queue`.
const STREAMS_QUEUE: usize = 16;
/// Jobs run with 1, then 2, solve workers.
const JOB_WORKERS: [usize; 2] = [1, 2];

type BenchResult<T> = Result<T, String>;

/// Which part to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Streams,
    Replan,
    Jobs,
}

/// Where the servers keep their state.
#[derive(Debug, Clone, PartialEq, Eq)]
enum StoreKind {
    Memory,
    /// A Redis URL.
    Redis(String),
}

impl StoreKind {
    fn parse(v: &str) -> Result<StoreKind, String> {
        if v == "memory" {
            Ok(StoreKind::Memory)
        } else if v.starts_with("redis://") || v.starts_with("rediss://") {
            Ok(StoreKind::Redis(v.to_string()))
        } else {
            Err(format!(
                "--store: memory or a redis:// or rediss:// URL, not {v}"
            ))
        }
    }

    fn name(&self) -> &str {
        match self {
            StoreKind::Memory => "memory",
            StoreKind::Redis(url) => url,
        }
    }
}

#[derive(Debug, Clone)]
struct Args {
    streams: usize,
    publishes: usize,
    only: Option<Part>,
    freeze: Vec<u32>,
    store: StoreKind,
    replicas: usize,
    jobs: usize,
}

impl Args {
    fn parse(mut raw: impl Iterator<Item = String>) -> Result<Args, String> {
        let mut args = Args {
            streams: 1000,
            publishes: 20,
            only: None,
            freeze: vec![4],
            store: StoreKind::Memory,
            replicas: 1,
            jobs: 30,
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
                        "jobs" => Part::Jobs,
                        other => {
                            return Err(format!("--only: streams, replan or jobs, not {other}"))
                        }
                    })
                }
                "--store" => args.store = StoreKind::parse(&value()?)?,
                "--replicas" => args.replicas = positive(&flag, value()?)?,
                "--jobs" => args.jobs = positive(&flag, value()?)?,
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
        if args.replicas > 1 && args.store == StoreKind::Memory {
            return Err("--replicas: more than one needs a Redis --store".into());
        }
        Ok(args)
    }

    /// Without `--only`, streams and replan; jobs only when asked for.
    fn runs(&self, part: Part) -> bool {
        match self.only {
            Some(only) => only == part,
            None => part != Part::Jobs,
        }
    }

    /// The Redis of the jobs part.
    fn jobs_redis(&self) -> &str {
        match &self.store {
            StoreKind::Redis(url) => url,
            StoreKind::Memory => DEFAULT_REDIS,
        }
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
        if args.runs(Part::Jobs) {
            let rows = bench_jobs(&args).await?;
            print!("{}", jobs_table(&rows));
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
    /// A server on the memory store with the default solve workers.
    async fn start() -> BenchResult<BenchServer> {
        BenchServer::start_with(ServerConfig::new(Arc::new(MemoryStore::new()))).await
    }

    async fn start_with(config: ServerConfig) -> BenchResult<BenchServer> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("bind: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
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

/// A key prefix of its own for one measurement on a shared Redis.
fn bench_prefix() -> String {
    format!("chainplan-bench-{}", uuid::Uuid::new_v4().simple())
}

/// A store and shared solve queue on `url` under `prefix`, as
/// `chainplan serve --store URL` opens them.
async fn open_redis(
    url: &str,
    prefix: &str,
    queue_capacity: usize,
) -> BenchResult<(RedisStore, Arc<SharedQueue>)> {
    let store = RedisStore::connect(url, prefix)
        .await
        .map_err(|e| format!("Redis store at {url}: {e}"))?;
    let queue = SharedQueue::open_redis(url, prefix, queue_capacity)
        .map_err(|e| format!("Redis queue at {url}: {e}"))?;
    Ok((store, Arc::new(queue)))
}

/// Deletes every key of a measurement's prefix.
async fn delete_keys(store: &RedisStore) {
    match store.delete_all_keys().await {
        Ok(n) => eprintln!(
            "service_bench: deleted {n} Redis keys under {}",
            store.prefix()
        ),
        Err(e) => eprintln!(
            "service_bench: could not delete the keys under {}: {e}",
            store.prefix()
        ),
    }
}

/// The servers of the streams part: one on the memory store, or
/// `replicas` on one Redis under one prefix, each with one worker of the
/// shared solve queue.
struct Replicas {
    servers: Vec<BenchServer>,
    /// The Redis store of the first replica, to delete the keys at the end.
    redis: Option<RedisStore>,
}

impl Replicas {
    async fn start(store: &StoreKind, count: usize) -> BenchResult<Replicas> {
        let url = match store {
            StoreKind::Memory => {
                return Ok(Replicas {
                    servers: vec![BenchServer::start().await?],
                    redis: None,
                })
            }
            StoreKind::Redis(url) => url,
        };
        let prefix = bench_prefix();
        let mut replicas = Replicas {
            servers: Vec::with_capacity(count),
            redis: None,
        };
        for _ in 0..count {
            let opened = open_redis(url, &prefix, STREAMS_QUEUE).await;
            let (store, queue) = match opened {
                Ok(opened) => opened,
                Err(e) => {
                    replicas.stop().await;
                    return Err(e);
                }
            };
            let mut config = ServerConfig::new(Arc::new(store.clone()));
            config.shared_queue = Some(queue);
            config.solve_workers = 1;
            replicas.redis.get_or_insert(store);
            match BenchServer::start_with(config).await {
                Ok(server) => replicas.servers.push(server),
                Err(e) => {
                    replicas.stop().await;
                    return Err(e);
                }
            }
        }
        eprintln!("service_bench: {count} replicas on {url}, key prefix {prefix}");
        Ok(replicas)
    }

    /// The replica the ERP calls: the last.
    fn erp_side(&self) -> BenchResult<&BenchServer> {
        self.servers.last().ok_or_else(|| "no server".to_string())
    }

    /// Stops every server, then deletes the keys.
    async fn stop(self) {
        for server in self.servers {
            server.stop().await;
        }
        if let Some(store) = &self.redis {
            delete_keys(store).await;
        }
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
    /// From just before `PublishPlan` to each receipt, with the replica
    /// whose stream received it (0-based; the ERP calls the last).
    latencies: Vec<(usize, Duration)>,
}

struct StreamReport {
    /// `memory` or the Redis URL.
    store: String,
    replicas: usize,
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
    let replicas = Replicas::start(&args.store, args.replicas).await?;
    let report = streams_on(args, &replicas).await;
    replicas.stop().await;
    report
}

async fn streams_on(args: &Args, replicas: &Replicas) -> BenchResult<StreamReport> {
    let mut erp = Erp::new(replicas.erp_side()?.channel().await?);
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
    // Connection c goes to replica c mod replicas.
    let mut connections = Vec::with_capacity(channels);
    for c in 0..channels {
        let server = &replicas.servers[c % replicas.servers.len()];
        connections.push(server.channel().await?);
    }
    let replica_of = |stream: usize| (stream / STREAMS_PER_CHANNEL) % replicas.servers.len();
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
                latencies.push((
                    replica_of(receipt.stream),
                    receipt.at.duration_since(started),
                ));
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
    Ok(StreamReport {
        store: args.store.name().to_string(),
        replicas: replicas.servers.len(),
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
            .filter_map(|r| r.latencies.iter().map(|(_, d)| *d).max())
            .collect();
        let on = |replica: Option<usize>| -> Vec<Duration> {
            self.rounds
                .iter()
                .flat_map(|r| r.latencies.iter())
                .filter(|(k, _)| replica.is_none_or(|want| *k == want))
                .map(|(_, d)| *d)
                .collect()
        };
        let all = on(None);
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
            "## Allocation streams: store {}, {} replica{}: {} streams over {} connections on {} of the {} suppliers of gen-30, {} publishes\n\n\
             | measure | p50 | p99 | max |\n|---|--:|--:|--:|\n",
            self.store,
            self.replicas,
            if self.replicas == 1 { "" } else { "s" },
            self.streams,
            self.channels,
            self.watched,
            self.suppliers,
            self.rounds.len()
        );
        let mut rows = vec![
            (
                "PublishPlan to the last stream's receipt (ms)".to_string(),
                last,
            ),
            ("PublishPlan to each receipt (ms)".to_string(), all),
        ];
        if self.replicas > 1 {
            for k in 0..self.replicas {
                // Every replica's streams wake on Redis pub/sub and read
                // their logs from Redis; the last also serves the ERP.
                let side = if k + 1 == self.replicas {
                    "also serves the ERP's calls"
                } else {
                    "streams only"
                };
                rows.push((
                    format!(
                        "PublishPlan to each receipt on replica {} ({side}) (ms)",
                        k + 1
                    ),
                    on(Some(k)),
                ));
            }
        }
        rows.push(("PublishPlan call itself (ms)".to_string(), calls));
        for (name, values) in &rows {
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
        let stats = |p: &pb::Plan| p.stats.clone().unwrap_or_default();
        rows.push(ReplanRow {
            freeze_until,
            line: format!("{supplier}/{line}"),
            cold,
            cold_solver: stats(&cold_plan).solve_seconds,
            cold_variables: stats(&cold_plan).variables,
            replan,
            replan_solver: stats(&replanned).solve_seconds,
            replan_variables: stats(&replanned).variables,
            units_changed: replanned
                .stability
                .as_ref()
                .map_or(0.0, |s| s.units_changed),
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

// ---------------------------------------------------------------------------
// Jobs: solve jobs per minute through the shared Redis queue and in memory.

/// One batch of jobs.
struct JobsRow {
    /// `redis`, or `memory`.
    store: &'static str,
    workers: usize,
    jobs: usize,
    /// From just before the first `SubmitSolve` to the last plan's arrival.
    wall: Duration,
    /// Per job, from the plan's stats: build, HiGHS, extract.
    build_seconds: Vec<f64>,
    solve_seconds: Vec<f64>,
    extract_seconds: Vec<f64>,
    /// Per job, from its `SubmitSolve` call to its plan on `WatchSolve`.
    turnaround: Vec<Duration>,
    optimal: usize,
}

async fn bench_jobs(args: &Args) -> BenchResult<Vec<JobsRow>> {
    let doc = generate(&chain(24, 4, 5));
    let url = args.jobs_redis();
    let mut rows = Vec::new();
    // Redis and memory with the same workers back to back, so that the
    // pair sees the same load on a shared machine.
    for workers in JOB_WORKERS {
        eprintln!(
            "service_bench: jobs: {} on Redis {url}, {workers} worker(s) ...",
            args.jobs
        );
        rows.push(jobs_on_redis(url, &doc, args.jobs, workers).await?);
        eprintln!(
            "service_bench: jobs: {} on the memory store, {workers} solve worker(s) ...",
            args.jobs
        );
        rows.push(jobs_in_memory(&doc, args.jobs, workers).await?);
    }
    Ok(rows)
}

/// A server on the memory store with `workers` solve workers.
async fn jobs_in_memory(doc: &NetworkDoc, jobs: usize, workers: usize) -> BenchResult<JobsRow> {
    let mut config = ServerConfig::new(Arc::new(MemoryStore::new()));
    config.solve_workers = workers;
    config.solve_queue = jobs;
    let server = BenchServer::start_with(config).await?;
    let row = run_jobs(&server, doc, jobs).await;
    server.stop().await;
    let mut row = row?;
    row.workers = workers;
    row.store = "memory";
    Ok(row)
}

/// A server on Redis that runs no workers takes the jobs; `workers`
/// workers of the shared queue, on connections of their own as a
/// `chainplan worker` process would have, solve them. A fresh key prefix,
/// deleted at the end.
async fn jobs_on_redis(
    url: &str,
    doc: &NetworkDoc,
    jobs: usize,
    workers: usize,
) -> BenchResult<JobsRow> {
    let prefix = bench_prefix();
    let (store, queue) = open_redis(url, &prefix, jobs + workers).await?;
    let mut config = ServerConfig::new(Arc::new(store.clone()));
    config.shared_queue = Some(queue);
    config.solve_workers = 0;
    let server = match BenchServer::start_with(config).await {
        Ok(server) => server,
        Err(e) => {
            delete_keys(&store).await;
            return Err(e);
        }
    };
    let (worker_store, worker_queue) = match open_redis(url, &prefix, jobs + workers).await {
        Ok(opened) => opened,
        Err(e) => {
            server.stop().await;
            delete_keys(&store).await;
            return Err(e);
        }
    };
    let (stop_workers, shutdown) = watch::channel(false);
    let worker_store: Arc<dyn Store> = Arc::new(worker_store);
    let handles = worker_queue.spawn_workers(workers, worker_store, shutdown);
    let row = run_jobs(&server, doc, jobs).await;
    let _ = stop_workers.send(true);
    for handle in handles {
        let _ = tokio::time::timeout(Duration::from_secs(30), handle).await;
    }
    server.stop().await;
    delete_keys(&store).await;
    let mut row = row?;
    row.workers = workers;
    row.store = "redis";
    Ok(row)
}

/// Stores `doc`, submits `jobs` solves of it at once, each with one solver
/// thread, and follows each to its plan.
async fn run_jobs(server: &BenchServer, doc: &NetworkDoc, jobs: usize) -> BenchResult<JobsRow> {
    let channel = server.channel().await?;
    let mut erp = Erp::new(channel.clone());
    erp.put(doc).await?;
    let options = pb::SolveOptions {
        threads: Some(1),
        ..pb::SolveOptions::default()
    };
    let started = Instant::now();
    let mut followers = Vec::with_capacity(jobs);
    for _ in 0..jobs {
        let submitted = Instant::now();
        let job = erp
            .planning
            .submit_solve(pb::SubmitSolveRequest {
                network_id: NETWORK.into(),
                network_version: 0,
                options: Some(options),
            })
            .await
            .map_err(|s| format!("SubmitSolve: {s}"))?
            .into_inner();
        let client =
            PlanningServiceClient::new(channel.clone()).max_decoding_message_size(MAX_MESSAGE);
        followers.push(tokio::spawn(follow_job(client, job.job_id, submitted)));
    }
    let mut row = JobsRow {
        store: "",
        workers: 0,
        jobs,
        wall: Duration::ZERO,
        build_seconds: Vec::with_capacity(jobs),
        solve_seconds: Vec::with_capacity(jobs),
        extract_seconds: Vec::with_capacity(jobs),
        turnaround: Vec::with_capacity(jobs),
        optimal: 0,
    };
    let mut last = started;
    for follower in followers {
        let (plan, submitted, arrived) = follower.await.map_err(|e| e.to_string())??;
        last = last.max(arrived);
        let stats = plan.stats.clone().unwrap_or_default();
        row.build_seconds.push(stats.build_seconds);
        row.solve_seconds.push(stats.solve_seconds);
        row.extract_seconds.push(stats.extract_seconds);
        row.turnaround.push(arrived.duration_since(submitted));
        if plan.status() == pb::PlanStatus::Optimal {
            row.optimal += 1;
        }
    }
    row.wall = last.duration_since(started);
    Ok(row)
}

/// Follows one job on `WatchSolve` to its plan: the plan, when the job was
/// submitted and when its plan arrived.
async fn follow_job(
    mut client: PlanningServiceClient<Channel>,
    job_id: String,
    submitted: Instant,
) -> BenchResult<(pb::Plan, Instant, Instant)> {
    let watch = async {
        let mut events = client
            .watch_solve(pb::WatchSolveRequest {
                job_id: job_id.clone(),
            })
            .await
            .map_err(|s| format!("WatchSolve {job_id}: {s}"))?
            .into_inner();
        while let Some(event) = events
            .message()
            .await
            .map_err(|s| format!("WatchSolve {job_id}: {s}"))?
        {
            if let Some(pb::watch_solve_response::Event::Plan(plan)) = event.event {
                return Ok((plan, submitted, Instant::now()));
            }
        }
        Err(format!("WatchSolve {job_id}: ended without a plan"))
    };
    tokio::time::timeout(JOB_TIMEOUT, watch)
        .await
        .map_err(|_| format!("job {job_id}: no plan after {JOB_TIMEOUT:?}"))?
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len().max(1) as f64
}

fn jobs_table(rows: &[JobsRow]) -> String {
    let mut out = String::from(
        "## Solve jobs on gen-30: all submitted at once, each followed with WatchSolve to its plan\n\n\
         | store | workers | jobs | optimal | wall s (first submit to last plan) | jobs / min | mean HiGHS s / job | mean build + extract s / job | workers busy | submit to plan p50 / max s |\n\
         |---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n",
    );
    for r in rows {
        let wall = r.wall.as_secs_f64();
        let busy: f64 = r.build_seconds.iter().sum::<f64>()
            + r.solve_seconds.iter().sum::<f64>()
            + r.extract_seconds.iter().sum::<f64>();
        out.push_str(&format!(
            "| {} | {} | {} | {} | {:.2} | {:.1} | {:.3} | {:.3} | {:.0} % | {:.2} / {:.2} |\n",
            r.store,
            r.workers,
            r.jobs,
            r.optimal,
            wall,
            r.jobs as f64 * 60.0 / wall,
            mean(&r.solve_seconds),
            mean(&r.build_seconds) + mean(&r.extract_seconds),
            100.0 * busy / (wall * r.workers as f64),
            percentile(&r.turnaround, 50.0).map_or(0.0, |d| d.as_secs_f64()),
            r.turnaround.iter().max().map_or(0.0, |d| d.as_secs_f64()),
        ));
    }
    out.push_str(
        "\nEvery job asks for one solver thread (`threads: 1`), so two workers do not share HiGHS \
         threads. Redis: a server with no workers takes the jobs; 1 or 2 workers of the shared queue \
         (`SharedQueue::spawn_workers`, on connections of their own) in the same process solve them, \
         and the server follows each job by polling its state every 200 ms. Memory: one server \
         with 1 or 2 solve workers. Workers busy: build + HiGHS + extract over wall x workers.\n",
    );
    out
}

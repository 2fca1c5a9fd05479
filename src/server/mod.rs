//! The transport: tonic services over the store and the planning core, and
//! the HTTP face (`http/`: console, JSON API, metrics) that calls them.
//! Proto types stop at `convert.rs` and `records.rs`; `status.rs` alone picks
//! status codes. [`run`] and [`run_with_http`] serve until their shutdown
//! future resolves, as in mini-redis, so tests can start a server on port 0
//! and stop it.

pub mod auth;
pub mod client;
pub mod codec;
pub mod convert;
pub mod execution;
pub mod horizon;
pub mod http;
pub mod impact;
pub mod jobs;
pub mod limits;
pub mod network;
pub mod pb;
pub mod planning;
pub mod publish;
pub mod reflection;
pub mod replan;
pub mod scenario;
pub mod state;
pub mod status;
pub mod supplier;

use crate::server::auth::{Authenticator, Tokens};
use crate::server::execution::ExecutionApi;
use crate::server::jobs::{SharedQueue, SolvePool};
use crate::server::network::NetworkApi;
use crate::server::pb::execution_service_server::ExecutionServiceServer;
use crate::server::pb::network_service_server::NetworkServiceServer;
use crate::server::pb::planning_service_server::PlanningServiceServer;
use crate::server::pb::scenario_service_server::ScenarioServiceServer;
use crate::server::pb::supplier_service_server::SupplierServiceServer;
use crate::server::planning::PlanningApi;
use crate::server::scenario::ScenarioApi;
use crate::server::state::{AppState, SolveLimits};
use crate::server::supplier::SupplierApi;
use crate::store::Store;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use thiserror::Error;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_stream::wrappers::TcpListenerStream;
use tokio_stream::StreamExt;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Identity, Server, ServerTlsConfig};

/// The largest request accepted by any service, in bytes: a network
/// document of the size the planning core accepts, in protobuf. Each
/// service's own limit is in [`limits`].
pub const MAX_REQUEST_BYTES: usize = limits::NETWORK_REQUEST_BYTES;

/// How long shutdown waits for a shared-queue worker to hand its job back.
const WORKER_STOP: std::time::Duration = std::time::Duration::from_secs(10);

/// How the server runs.
#[derive(Clone)]
pub struct ServerConfig {
    pub store: Arc<dyn Store>,
    /// Bearer tokens; `None` runs open, which `run` allows on loopback only.
    pub tokens: Option<Tokens>,
    /// Certificate and key (PEM) for TLS.
    pub tls: Option<(Vec<u8>, Vec<u8>)>,
    /// Concurrent solves.
    pub solve_workers: usize,
    /// Solves that may wait for a worker before RESOURCE_EXHAUSTED.
    pub solve_queue: usize,
    pub limits: SolveLimits,
    /// A solve queue shared with other replicas and workers through Redis;
    /// this server then runs `solve_workers` workers on it (0: none).
    pub shared_queue: Option<Arc<SharedQueue>>,
}

impl ServerConfig {
    /// An open server on the given store with one solver per core.
    pub fn new(store: Arc<dyn Store>) -> ServerConfig {
        ServerConfig {
            store,
            tokens: None,
            tls: None,
            solve_workers: std::thread::available_parallelism().map_or(1, |n| n.get()),
            solve_queue: 16,
            limits: SolveLimits::default(),
            shared_queue: None,
        }
    }
}

/// Why the server could not run.
#[derive(Debug, Error)]
pub enum ServeError {
    #[error("without an auth file the server runs open and listens on loopback only; {0} is not loopback (give --auth-file)")]
    OpenOnPublicAddress(SocketAddr),
    #[error("listener: {0}")]
    Listener(#[from] std::io::Error),
    #[error("transport: {0}")]
    Transport(#[from] tonic::transport::Error),
    #[error("http: {0}")]
    Http(std::io::Error),
}

/// Serves the chainplan API on `listener` until `shutdown` resolves; then
/// stops accepting, cancels running solves, ends open streams with
/// UNAVAILABLE and returns once in-flight calls are done.
///
/// # Errors
/// An open server on a non-loopback address, or a transport failure.
pub async fn run(
    config: ServerConfig,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    run_with_http(config, listener, None, shutdown).await
}

/// As [`run`], and also the console, the JSON API and the metrics on
/// `http` when given, over the same state; both stop together.
///
/// # Errors
/// As [`run`]; the HTTP listener failing.
pub async fn run_with_http(
    config: ServerConfig,
    listener: TcpListener,
    http: Option<TcpListener>,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    let addr = listener.local_addr()?;
    let http_addr = match &http {
        Some(http) => Some(http.local_addr()?),
        None => None,
    };
    if config.tokens.is_none() {
        for addr in std::iter::once(addr).chain(http_addr) {
            if !addr.ip().is_loopback() {
                return Err(ServeError::OpenOnPublicAddress(addr));
            }
        }
        tracing::warn!(%addr, "no auth file: the server is open to every caller on loopback");
    }
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut pool = SolvePool::new(
        config.store.clone(),
        config.solve_workers,
        config.solve_queue,
    );
    let mut workers = Vec::new();
    if let Some(queue) = &config.shared_queue {
        pool = pool.with_shared_queue(queue.clone());
        workers = queue.spawn_workers(config.solve_workers, config.store.clone(), stop_rx.clone());
    }
    let state = AppState {
        store: config.store.clone(),
        pool: pool.clone(),
        limits: config.limits,
        shutdown: stop_rx,
    };
    let auth = Authenticator::new(config.tokens.clone());

    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    health_reporter
        .set_serving::<NetworkServiceServer<NetworkApi>>()
        .await;
    health_reporter
        .set_serving::<PlanningServiceServer<PlanningApi>>()
        .await;
    health_reporter
        .set_serving::<SupplierServiceServer<SupplierApi>>()
        .await;
    health_reporter
        .set_serving::<ScenarioServiceServer<ScenarioApi>>()
        .await;
    health_reporter
        .set_serving::<ExecutionServiceServer<ExecutionApi>>()
        .await;
    let (reflection_v1, reflection_v1alpha) =
        reflection::services().map_err(|e| std::io::Error::other(e.to_string()))?;

    let services = http::api::Services {
        auth: auth.clone(),
        network: NetworkApi {
            state: state.clone(),
        },
        planning: PlanningApi {
            state: state.clone(),
        },
        scenario: ScenarioApi {
            state: state.clone(),
        },
        supplier: SupplierApi {
            state: state.clone(),
        },
        execution: ExecutionApi {
            state: state.clone(),
        },
    };
    let http_server = http.map(|listener| {
        let mut stopped = state.shutdown.clone();
        let router = http::router(services.clone());
        tracing::info!(addr = ?http_addr, "console and JSON API serving");
        tokio::spawn(http::serve(router, listener, async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        }))
    });

    let intercept =
        |auth: Authenticator| move |req| auth.intercept(req).map_err(tonic::Status::from);
    let network = InterceptedService::new(
        NetworkServiceServer::new(services.network.clone())
            .max_decoding_message_size(MAX_REQUEST_BYTES),
        intercept(auth.clone()),
    );
    let planning = InterceptedService::new(
        PlanningServiceServer::new(services.planning.clone())
            .max_decoding_message_size(limits::SMALL_REQUEST_BYTES)
            .max_encoding_message_size(4 * MAX_REQUEST_BYTES),
        intercept(auth.clone()),
    );
    let scenario = InterceptedService::new(
        ScenarioServiceServer::new(services.scenario.clone())
            .max_decoding_message_size(limits::SCENARIO_REQUEST_BYTES)
            .max_encoding_message_size(4 * MAX_REQUEST_BYTES),
        intercept(auth.clone()),
    );
    let supplier = InterceptedService::new(
        SupplierServiceServer::new(services.supplier.clone())
            .max_decoding_message_size(limits::SMALL_REQUEST_BYTES)
            .max_encoding_message_size(4 * MAX_REQUEST_BYTES),
        intercept(auth.clone()),
    );
    let execution = InterceptedService::new(
        ExecutionServiceServer::new(services.execution.clone())
            .max_decoding_message_size(limits::ACTUALS_REQUEST_BYTES)
            .max_encoding_message_size(4 * MAX_REQUEST_BYTES),
        intercept(auth),
    );

    let mut builder = Server::builder().layer(tower::layer::layer_fn(limits::StatusRewrite::new));
    if let Some((cert, key)) = &config.tls {
        builder =
            builder.tls_config(ServerTlsConfig::new().identity(Identity::from_pem(cert, key)))?;
    }
    let shutdown = async move {
        shutdown.await;
        tracing::info!("shutting down: cancelling solves and ending streams");
        // Every service, so a load balancer stops sending any call here.
        health_reporter
            .set_not_serving::<NetworkServiceServer<NetworkApi>>()
            .await;
        health_reporter
            .set_not_serving::<PlanningServiceServer<PlanningApi>>()
            .await;
        health_reporter
            .set_not_serving::<SupplierServiceServer<SupplierApi>>()
            .await;
        health_reporter
            .set_not_serving::<ScenarioServiceServer<ScenarioApi>>()
            .await;
        health_reporter
            .set_not_serving::<ExecutionServiceServer<ExecutionApi>>()
            .await;
        pool.shutdown();
        let _ = stop_tx.send(true);
    };
    tracing::info!(%addr, "chainplan serving");
    builder
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(network)
        .add_service(planning)
        .add_service(supplier)
        .add_service(scenario)
        .add_service(execution)
        .serve_with_incoming_shutdown(incoming(listener), shutdown)
        .await?;
    if let Some(http_server) = http_server {
        match http_server.await {
            Ok(result) => result.map_err(ServeError::Http)?,
            Err(join) => return Err(ServeError::Http(std::io::Error::other(join))),
        }
    }
    // Workers hand their jobs back to the shared queue and stop.
    for worker in workers {
        let _ = tokio::time::timeout(WORKER_STOP, worker).await;
    }
    Ok(())
}

/// The accepted connections, with Nagle's algorithm off: a unary response
/// is written in two parts, and with it on the second waits for the
/// client's delayed acknowledgement (about 40 ms per call).
fn incoming(
    listener: TcpListener,
) -> impl tokio_stream::Stream<Item = std::io::Result<tokio::net::TcpStream>> {
    TcpListenerStream::new(listener).map(|accepted| {
        let stream = accepted?;
        if let Err(err) = stream.set_nodelay(true) {
            tracing::debug!(%err, "could not set TCP_NODELAY");
        }
        Ok(stream)
    })
}

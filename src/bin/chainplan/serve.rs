//! `chainplan serve`: the server's flags and environment, opening the store
//! (embedded, or Redis with its shared solve queue), loading a network at
//! start-up, and the shutdown signal (Ctrl-C or SIGTERM). Part of the
//! binary, not the library.

use anyhow::{bail, Context};
use chainplan::model::parse_network;
use chainplan::server::auth::Tokens;
use chainplan::server::jobs::SharedQueue;
use chainplan::server::state::{SolveLimits, DEFAULT_MAX_MODEL_MB};
use chainplan::server::{run_with_http, ServerConfig};
use chainplan::store::{MemoryStore, NetworkChange, RedisStore, Retention, Store};
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Where state lives; shared by `serve` and `worker`.
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// `memory` (embedded, the default: state ends with the process) or a
    /// Redis URL, `redis://host:port/db` or `rediss://…` (durable, shared by
    /// replicas and workers).
    #[arg(long, env = "CHAINPLAN_STORE", default_value = "memory")]
    store: String,
    /// The prefix of every Redis key, so several deployments can share one
    /// Redis.
    #[arg(
        long,
        env = "CHAINPLAN_REDIS_PREFIX",
        value_name = "PREFIX",
        default_value = "chainplan"
    )]
    redis_prefix: String,
    /// Network versions kept per network; older ones are dropped, except
    /// those a committed plan or a scenario still uses.
    #[arg(
        long,
        env = "CHAINPLAN_KEEP_VERSIONS",
        value_name = "N",
        default_value_t = Retention::default().versions
    )]
    keep_versions: usize,
    /// Plans kept per network, newest first; older ones are dropped, except
    /// the committed plan and those a scenario still uses.
    #[arg(
        long,
        env = "CHAINPLAN_KEEP_PLANS",
        value_name = "N",
        default_value_t = Retention::default().plans
    )]
    keep_plans: usize,
}

/// An opened store, and the shared solve queue when it is Redis.
pub struct OpenedStore {
    pub store: Arc<dyn Store>,
    pub queue: Option<Arc<SharedQueue>>,
}

impl StoreArgs {
    /// Opens the store; `queue_capacity` bounds the jobs waiting or running
    /// on a shared queue.
    ///
    /// # Errors
    /// An unknown store or a Redis that does not answer.
    pub async fn open(&self, queue_capacity: usize) -> anyhow::Result<OpenedStore> {
        if self.keep_versions == 0 || self.keep_plans == 0 {
            bail!("--keep-versions and --keep-plans: must be at least 1");
        }
        let retention = Retention {
            versions: self.keep_versions,
            plans: self.keep_plans,
        };
        if self.store == "memory" {
            return Ok(OpenedStore {
                store: Arc::new(MemoryStore::with_retention(retention)),
                queue: None,
            });
        }
        if !(self.store.starts_with("redis://") || self.store.starts_with("rediss://")) {
            bail!(
                "--store: \"{}\" is neither memory nor a redis:// or rediss:// URL",
                self.store
            );
        }
        if self.redis_prefix.is_empty() || self.redis_prefix.contains(['{', '}']) {
            bail!("--redis-prefix: must be non-empty and without braces");
        }
        let store = RedisStore::connect_with(&self.store, &self.redis_prefix, retention)
            .await
            .with_context(|| format!("--store {}", self.store))?;
        let queue = SharedQueue::open_redis(&self.store, &self.redis_prefix, queue_capacity)
            .with_context(|| format!("--store {}", self.store))?;
        tracing::info!(prefix = %self.redis_prefix, "state in Redis; solve jobs on its shared queue");
        Ok(OpenedStore {
            store: Arc::new(store),
            queue: Some(Arc::new(queue)),
        })
    }

    pub fn is_memory(&self) -> bool {
        self.store == "memory"
    }
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CHAINPLAN_ADDR", default_value = "127.0.0.1:50051")]
    addr: SocketAddr,
    /// Also serve the console (`/`), the supplier portal (`/portal`), the
    /// JSON API (`/api/v1`) and the metrics (`/metrics`) over HTTP on this
    /// address. Plain HTTP: give it a loopback address, or put a
    /// TLS-terminating proxy in front.
    #[arg(long, env = "CHAINPLAN_HTTP", value_name = "ADDR")]
    http: Option<SocketAddr>,
    #[command(flatten)]
    store: StoreArgs,
    /// Bearer tokens and their roles (JSON); without it the server is open
    /// on loopback only.
    #[arg(long, env = "CHAINPLAN_AUTH_FILE", value_name = "FILE")]
    auth_file: Option<PathBuf>,
    /// TLS certificate chain (PEM); needs --tls-key.
    #[arg(
        long,
        env = "CHAINPLAN_TLS_CERT",
        value_name = "FILE",
        requires = "tls_key"
    )]
    tls_cert: Option<PathBuf>,
    /// TLS private key (PEM); needs --tls-cert.
    #[arg(
        long,
        env = "CHAINPLAN_TLS_KEY",
        value_name = "FILE",
        requires = "tls_cert"
    )]
    tls_key: Option<PathBuf>,
    /// Concurrent solves (default: one per core). With a Redis store, the
    /// workers this replica runs on the shared queue; 0 runs none.
    #[arg(long, env = "CHAINPLAN_SOLVE_WORKERS", value_name = "N")]
    solve_workers: Option<usize>,
    /// Solves that may wait for a worker; more are refused with RESOURCE_EXHAUSTED.
    #[arg(
        long,
        env = "CHAINPLAN_SOLVE_QUEUE",
        value_name = "N",
        default_value_t = 16
    )]
    solve_queue: usize,
    /// Time limit of a solve whose caller sets none, in seconds.
    #[arg(
        long,
        env = "CHAINPLAN_DEFAULT_TIME_LIMIT",
        value_name = "S",
        default_value_t = 300.0
    )]
    default_time_limit: f64,
    /// The most any solve may take, in seconds.
    #[arg(
        long,
        env = "CHAINPLAN_MAX_TIME_LIMIT",
        value_name = "S",
        default_value_t = 3600.0
    )]
    max_time_limit: f64,
    /// The memory one solve's model may take, in MiB, estimated from its
    /// document before anything is built; larger documents are refused
    /// when stored and when solved.
    #[arg(
        long,
        env = "CHAINPLAN_MAX_MODEL_MB",
        value_name = "MB",
        default_value_t = DEFAULT_MAX_MODEL_MB
    )]
    max_model_mb: u64,
    /// A network document to store at start-up (as version 1 of --network-id).
    #[arg(long, value_name = "DOC")]
    load: Option<PathBuf>,
    /// The id of the network given by --load.
    #[arg(long, value_name = "ID", default_value = "demo")]
    network_id: String,
}

fn seconds(flag: &str, s: f64) -> anyhow::Result<Duration> {
    if !s.is_finite() || s <= 0.0 {
        bail!("{flag}: must be a positive number of seconds, got {s}");
    }
    Ok(Duration::from_secs_f64(s))
}

/// Runs the server until Ctrl-C or SIGTERM.
///
/// # Errors
/// Bad flags, an unreadable auth file or document, or the server failing.
pub fn serve(args: &ServeArgs) -> anyhow::Result<()> {
    let tokens = args
        .auth_file
        .as_deref()
        .map(Tokens::load)
        .transpose()
        .context("--auth-file")?;
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some((
            std::fs::read(cert).with_context(|| format!("reading {}", cert.display()))?,
            std::fs::read(key).with_context(|| format!("reading {}", key.display()))?,
        )),
        _ => None,
    };
    if args.solve_workers == Some(0) && args.store.is_memory() {
        bail!("--solve-workers: must be at least 1 with the memory store");
    }
    let limits = SolveLimits {
        default_time_limit: seconds("--default-time-limit", args.default_time_limit)?,
        max_time_limit: seconds("--max-time-limit", args.max_time_limit)?,
        max_model_mb: args.max_model_mb,
    };
    if args.max_model_mb == 0 {
        bail!("--max-model-mb: must be at least 1");
    }
    let runtime = tokio::runtime::Runtime::new().context("starting the runtime")?;
    runtime.block_on(async {
        let defaults = ServerConfig::new(Arc::new(MemoryStore::new()));
        let workers = args.solve_workers.unwrap_or(defaults.solve_workers);
        let opened = args.store.open(workers + args.solve_queue).await?;
        let store = opened.store.clone();
        let mut config = ServerConfig::new(store.clone());
        config.tokens = tokens;
        config.tls = tls;
        config.solve_workers = workers;
        config.solve_queue = args.solve_queue;
        config.limits = limits;
        config.shared_queue = opened.queue;
        if let Some(path) = &args.load {
            load(store.as_ref(), path, &args.network_id).await?;
        }
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .with_context(|| format!("binding {}", args.addr))?;
        eprintln!("chainplan serving on {}", listener.local_addr()?);
        let http = match args.http {
            Some(addr) => {
                let http = tokio::net::TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("binding {addr}"))?;
                let at = http.local_addr()?;
                eprintln!("chainplan console: http://{at}/  (supplier portal: http://{at}/portal)");
                Some(http)
            }
            None => None,
        };
        run_with_http(config, listener, http, shutdown_signal()).await?;
        Ok(())
    })
}

/// Stores the document at `path` as a new version of `network_id`, unless
/// that network's latest version already holds the same document (a
/// replica restarting on a durable store).
async fn load(store: &dyn Store, path: &std::path::Path, network_id: &str) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let (doc, _warnings) = parse_network(&text).with_context(|| format!("{}", path.display()))?;
    if let Ok(latest) = store.get_network(network_id, None).await {
        if *latest.document == doc {
            tracing::info!(network = %network_id, version = latest.version, "network already stored");
            return Ok(());
        }
    }
    let v = store
        .put_network(
            network_id,
            Arc::new(doc),
            NetworkChange::Put,
            "loaded at start-up",
            None,
        )
        .await?;
    tracing::info!(network = %network_id, version = v.version, "network loaded");
    Ok(())
}

/// Resolves on Ctrl-C or, on Unix, SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

//! `chainplan serve`: the server's flags and environment, loading a network
//! at start-up, and the shutdown signal (Ctrl-C or SIGTERM). Part of the
//! binary, not the library.

use anyhow::{bail, Context};
use chainplan::model::parse_network;
use chainplan::server::auth::Tokens;
use chainplan::server::state::SolveLimits;
use chainplan::server::{run, ServerConfig};
use chainplan::store::{MemoryStore, NetworkChange, Store};
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CHAINPLAN_ADDR", default_value = "127.0.0.1:50051")]
    addr: SocketAddr,
    /// Where state lives: `memory` (embedded, the default).
    #[arg(long, env = "CHAINPLAN_STORE", default_value = "memory")]
    store: String,
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
    /// Concurrent solves (default: one per core).
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
    let store: Arc<dyn Store> = match args.store.as_str() {
        "memory" => Arc::new(MemoryStore::new()),
        other => bail!("--store: unknown store \"{other}\" (this build has: memory)"),
    };
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
    let mut config = ServerConfig::new(store.clone());
    config.tokens = tokens;
    config.tls = tls;
    if let Some(n) = args.solve_workers {
        if n == 0 {
            bail!("--solve-workers: must be at least 1");
        }
        config.solve_workers = n;
    }
    config.solve_queue = args.solve_queue;
    config.limits = SolveLimits {
        default_time_limit: seconds("--default-time-limit", args.default_time_limit)?,
        max_time_limit: seconds("--max-time-limit", args.max_time_limit)?,
    };
    let runtime = tokio::runtime::Runtime::new().context("starting the runtime")?;
    runtime.block_on(async {
        if let Some(path) = &args.load {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            let (doc, _warnings) =
                parse_network(&text).with_context(|| format!("{}", path.display()))?;
            let v = store
                .put_network(
                    &args.network_id,
                    Arc::new(doc),
                    NetworkChange::Put,
                    "loaded at start-up",
                    None,
                )
                .await?;
            tracing::info!(network = %args.network_id, version = v.version, "network loaded");
        }
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .with_context(|| format!("binding {}", args.addr))?;
        eprintln!("chainplan serving on {}", listener.local_addr()?);
        run(config, listener, shutdown_signal()).await?;
        Ok(())
    })
}

/// Resolves on Ctrl-C or, on Unix, SIGTERM.
async fn shutdown_signal() {
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

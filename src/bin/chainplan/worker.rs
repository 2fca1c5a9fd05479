//! `chainplan worker`: a process that only solves. It takes solve jobs from
//! the queue in Redis that the replicas submit to, stores each plan there,
//! and at Ctrl-C or SIGTERM hands a job it is still solving back to the
//! queue for another worker. Part of the binary, not the library.

use crate::serve::{shutdown_signal, StoreArgs};
use anyhow::{bail, Context};
use clap::Args;
use std::time::Duration;

#[derive(Debug, Args)]
pub struct WorkerArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Concurrent solves (default: one per core).
    #[arg(long, env = "CHAINPLAN_SOLVE_WORKERS", value_name = "N")]
    solve_workers: Option<usize>,
    /// Serve this worker's figures at `/metrics` on this address (open:
    /// a worker's figures name no enterprise).
    #[arg(long, env = "CHAINPLAN_METRICS", value_name = "ADDR")]
    metrics: Option<std::net::SocketAddr>,
}

/// How long shutdown waits for the workers to hand their jobs back.
const STOP: Duration = Duration::from_secs(15);

/// Runs workers until Ctrl-C or SIGTERM.
///
/// # Errors
/// A store that is not Redis, or Redis not answering at start.
pub fn worker(args: &WorkerArgs) -> anyhow::Result<()> {
    if args.store.is_memory() {
        bail!("--store: a worker needs the Redis store the servers use (redis://host:port/db)");
    }
    let count = args
        .solve_workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if count == 0 {
        bail!("--solve-workers: must be at least 1");
    }
    let runtime = tokio::runtime::Runtime::new().context("starting the runtime")?;
    runtime.block_on(async {
        // The capacity only bounds submits, which a worker never makes.
        let opened = args.store.open(1).await?;
        let Some(queue) = opened.queue else {
            bail!("--store: no shared queue");
        };
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        if let Some(addr) = args.metrics {
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("binding {addr}"))?;
            eprintln!(
                "chainplan worker: metrics on http://{}/metrics",
                listener.local_addr()?
            );
            let mut stopped = stop_rx.clone();
            tokio::spawn(chainplan::server::http::serve(
                chainplan::server::http::metrics_router(),
                listener,
                async move {
                    let _ = stopped.wait_for(|stop| *stop).await;
                },
            ));
        }
        let workers = queue.spawn_workers(count, opened.store, stop_rx);
        eprintln!("chainplan worker: {count} solver(s) on the shared queue");
        shutdown_signal().await;
        tracing::info!("stopping: handing running jobs back to the queue");
        let _ = stop_tx.send(true);
        for w in workers {
            let _ = tokio::time::timeout(STOP, w).await;
        }
        Ok(())
    })
}

//! Wake-ups for watchers of supplier allocation logs, across processes.
//!
//! Owns one background task per `RedisStore` (shared by its clones) that
//! holds a pub/sub connection subscribed to the store's notification
//! channel, and a map from (network, enterprise) to the `watch::Sender` of
//! that supplier's latest version. The publish script sends one message
//! per appended version, whichever process ran it; the task bumps the
//! matching sender. Pub/sub is fire-and-forget, so the logs (streams) stay
//! the source of truth: after every (re)subscription the task re-reads the
//! latest version of every watched supplier, and a new watcher starts from
//! its log. Nothing appended while the subscription was down is missed.
//!
//! The task ends when the last clone of the store is dropped. Keys come
//! from `keys`, payloads from `codec`; no store semantics live here.

use super::codec::{self, entry_version};
use super::keys::Keys;
use super::reply::redis_error;
use crate::store::error::StoreError;
use redis::aio::ConnectionManager;
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::{oneshot, watch};
use tokio_stream::StreamExt;

/// The first wait before reconnecting the subscription; it doubles per
/// failed attempt up to `MAX_BACKOFF`.
const MIN_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// How often an idle subscription is pinged: a connection that died
/// without closing (a vanished host) is otherwise silent forever.
const PING_EVERY: Duration = Duration::from_secs(10);

/// (network id, enterprise).
type Supplier = (String, String);

/// The notification side of a store; dropping it stops the task.
pub(super) struct Notifier {
    shared: Arc<Shared>,
    _stop: oneshot::Sender<()>,
}

struct Shared {
    client: redis::Client,
    conn: ConnectionManager,
    keys: Keys,
    /// Connection and response limits for the subscription, the same as
    /// the store's commands have.
    timeout: Duration,
    watchers: Mutex<HashMap<Supplier, watch::Sender<u64>>>,
}

impl Notifier {
    /// Starts the background task on the current tokio runtime.
    pub fn start(
        client: redis::Client,
        conn: ConnectionManager,
        keys: Keys,
        timeout: Duration,
    ) -> Notifier {
        let shared = Arc::new(Shared {
            client,
            conn,
            keys,
            timeout,
            watchers: Mutex::new(HashMap::new()),
        });
        let (stop, stopped) = oneshot::channel();
        tokio::spawn(run(shared.clone(), stopped));
        Notifier {
            shared,
            _stop: stop,
        }
    }

    /// A receiver of a supplier's latest version, starting from its log.
    ///
    /// # Errors
    ///
    /// `Unavailable` when the log cannot be read.
    pub async fn watch(
        &self,
        network_id: &str,
        enterprise: &str,
    ) -> Result<watch::Receiver<u64>, StoreError> {
        let supplier = (network_id.to_string(), enterprise.to_string());
        // Subscribing before reading the log means a notification that
        // arrives during the read is not lost; holding the receiver keeps
        // the entry from being pruned meanwhile.
        let mut receiver = self
            .shared
            .lock()
            .entry(supplier.clone())
            .or_insert_with(|| watch::channel(0).0)
            .subscribe();
        let latest = self
            .shared
            .latest_versions(std::slice::from_ref(&supplier))
            .await?;
        self.shared
            .bump(&supplier, latest.first().copied().unwrap_or(0));
        // The caller reads the current value first; only later versions
        // should wake it.
        receiver.borrow_and_update();
        Ok(receiver)
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, HashMap<Supplier, watch::Sender<u64>>> {
        // Every critical section leaves the map whole, so a panic elsewhere
        // while holding the lock does not make it unusable.
        self.watchers.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Raises a supplier's version; versions never go back.
    fn bump(&self, supplier: &Supplier, version: u64) {
        if let Some(sender) = self.lock().get(supplier) {
            sender.send_if_modified(|latest| {
                let grew = version > *latest;
                if grew {
                    *latest = version;
                }
                grew
            });
        }
    }

    /// Forgets suppliers nobody watches any more; returns the rest.
    fn prune(&self) -> Vec<Supplier> {
        let mut watchers = self.lock();
        watchers.retain(|_, sender| sender.receiver_count() > 0);
        watchers.keys().cloned().collect()
    }

    fn deliver(&self, payload: &[u8]) {
        match codec::decode_appended(payload) {
            Ok(n) => self.bump(&(n.network_id, n.enterprise), n.version),
            // Someone else's message on our channel; it says nothing of ours.
            Err(e) => tracing::debug!(error = %e, "ignoring a notification"),
        }
    }

    /// The latest version of each supplier's log (0 for none), in one round
    /// trip.
    async fn latest_versions(&self, suppliers: &[Supplier]) -> Result<Vec<u64>, StoreError> {
        if suppliers.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipe = redis::pipe();
        for (network_id, enterprise) in suppliers {
            pipe.cmd("XREVRANGE")
                .arg(self.keys.network(network_id).log(enterprise))
                .arg("+")
                .arg("-")
                .arg("COUNT")
                .arg(1);
        }
        let tops: Vec<Vec<(String, Vec<String>)>> = pipe
            .query_async(&mut self.conn.clone())
            .await
            .map_err(redis_error)?;
        tops.iter()
            .map(|top| top.first().map_or(Ok(0), |(id, _)| entry_version(id)))
            .collect()
    }

    /// Re-reads every watched supplier's log and wakes those that moved.
    async fn resync(&self) -> Result<(), StoreError> {
        let suppliers = self.prune();
        let latest = self.latest_versions(&suppliers).await?;
        for (supplier, version) in suppliers.iter().zip(latest) {
            self.bump(supplier, version);
        }
        Ok(())
    }

    /// One subscription, from connecting to losing it.
    async fn listen(&self, backoff: &mut Duration) -> Result<Infallible, StoreError> {
        let pubsub = within(self.timeout, self.client.get_async_pubsub()).await?;
        let (mut sink, mut messages) = pubsub.split();
        within(self.timeout, sink.subscribe(self.keys.notifications())).await?;
        // Whatever was appended while nobody listened is in the logs.
        self.resync().await?;
        *backoff = MIN_BACKOFF;
        let mut ping =
            tokio::time::interval_at(tokio::time::Instant::now() + PING_EVERY, PING_EVERY);
        loop {
            tokio::select! {
                message = messages.next() => match message {
                    Some(message) => self.deliver(message.get_payload_bytes()),
                    None => return Err(StoreError::Unavailable("the subscription closed".into())),
                },
                _ = ping.tick() => {
                    within(self.timeout, sink.ping::<redis::Value>()).await?;
                    self.prune();
                }
            }
        }
    }
}

/// Keeps a subscription up until `stop` resolves (its sender, held by the
/// store, is dropped), reconnecting with backoff.
async fn run(shared: Arc<Shared>, mut stop: oneshot::Receiver<()>) {
    let mut backoff = MIN_BACKOFF;
    loop {
        let lost = tokio::select! {
            _ = &mut stop => return,
            lost = shared.listen(&mut backoff) => match lost {
                Err(e) => e,
                Ok(never) => match never {},
            },
        };
        tracing::warn!(error = %lost, retry_in = ?backoff, "allocation notifications interrupted");
        crate::metrics::metrics().redis_reconnected();
        tokio::select! {
            _ = &mut stop => return,
            _ = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// A Redis call that fails with `Unavailable` instead of waiting forever.
async fn within<T>(
    limit: Duration,
    call: impl std::future::Future<Output = redis::RedisResult<T>>,
) -> Result<T, StoreError> {
    match tokio::time::timeout(limit, call).await {
        Ok(result) => result.map_err(redis_error),
        Err(_) => Err(StoreError::Unavailable(format!(
            "no answer from redis within {limit:?}"
        ))),
    }
}

//! The Redis store: chainplan's state in Redis, shared by every replica that
//! points at the same server and prefix. The same semantics as the memory
//! store, checked by the same suite.
//!
//! This module owns the connection and the `Store` methods: what to read,
//! which script to run, and how a script's answer becomes a result or a
//! `StoreError`. Key names live in `keys`, the stored JSON in `codec`, the
//! Lua of the atomic writes in `scripts`, and the cross-process wake-ups of
//! allocation watchers in `notify`. Like the rest of the store it imports the
//! domain and the planning core (to diff allocations) and never the
//! transport.
//!
//! Every write that depends on what it read is one Lua script over one
//! network's keys, so it applies whole or not at all and two writers never
//! both win. The few writes that span two slots (a plan, a scenario id)
//! are single conditional `SET NX`es, after checks of things that never
//! change once true (a network, once written, exists for good; plans are
//! immutable). Every Redis failure, and a reply that does not decode,
//! becomes `StoreError::Unavailable`; calls give up after bounded timeouts
//! rather than hang on a dead server.

mod codec;
mod jobs;
mod keys;
mod notify;
mod reply;
mod retention;
mod scripts;

use crate::model::{Allocation, NetworkDoc};
use crate::store::backend::{allocation_changes, Store};
use crate::store::error::{contradicts, stale_report, StoreError};
use crate::store::records::{
    Acknowledgement, ActualsReport, AllocationVersion, NetworkChange, NetworkSummary,
    NetworkVersion, PlanRecord, Publish, PublishReceipt, ReplanPolicy, Retention, RollRecord,
    ScenarioRecord,
};
use async_trait::async_trait;
pub use jobs::{RedisJobQueue, CLAIM_AFTER};
use keys::Keys;
use notify::Notifier;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::Value;
use reply::{entry_json, parse, parse_version, present, redis_error, reply_error, Entry};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::watch;

/// How long one connection attempt may take.
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(3);
/// How long one command may wait for its reply.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(5);
/// Reconnection attempts per outage before a call fails; with the timeouts
/// above this bounds how long a call can wait on a dead server.
const RECONNECT_RETRIES: usize = 2;
/// Publishes that lose a race re-read and retry this many times before the
/// caller gets a `Conflict`.
const PUBLISH_ATTEMPTS: usize = 5;

/// The Redis store. Cheap to clone: clones share one connection and one
/// notification task, which ends when the last clone is dropped.
#[derive(Clone)]
pub struct RedisStore {
    inner: Arc<Inner>,
}

struct Inner {
    retention: Retention,
    prefix: String,
    client: redis::Client,
    conn: ConnectionManager,
    keys: Keys,
    notifier: Notifier,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.inner.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// Connects to `url` (`redis://` or `rediss://`) and keeps every key
    /// under `prefix`. Starts the notification task on the current tokio
    /// runtime.
    ///
    /// # Errors
    ///
    /// `Unavailable` when the URL is not a Redis URL or the server cannot
    /// be reached.
    pub async fn connect(url: &str, prefix: &str) -> Result<RedisStore, StoreError> {
        RedisStore::connect_with(url, prefix, Retention::default()).await
    }

    /// [`RedisStore::connect`], keeping the history `retention` says.
    ///
    /// # Errors
    ///
    /// As [`RedisStore::connect`].
    pub async fn connect_with(
        url: &str,
        prefix: &str,
        retention: Retention,
    ) -> Result<RedisStore, StoreError> {
        let client = redis::Client::open(url).map_err(redis_error)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECTION_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_number_of_retries(RECONNECT_RETRIES)
            .set_min_delay(Duration::from_millis(100))
            .set_max_delay(Duration::from_secs(1));
        let conn = ConnectionManager::new_with_config(client.clone(), config)
            .await
            .map_err(redis_error)?;
        let keys = Keys::new(prefix);
        let notifier = Notifier::start(
            client.clone(),
            conn.clone(),
            keys.clone(),
            CONNECTION_TIMEOUT.max(RESPONSE_TIMEOUT),
        );
        Ok(RedisStore {
            inner: Arc::new(Inner {
                retention: retention.at_least_one(),
                prefix: prefix.to_string(),
                client,
                conn,
                keys,
                notifier,
            }),
        })
    }

    /// The prefix of every key of this store.
    pub fn prefix(&self) -> &str {
        &self.inner.prefix
    }

    /// The client of the store's server, for other parts that keep their
    /// state on the same Redis.
    pub fn client(&self) -> &redis::Client {
        &self.inner.client
    }

    /// Deletes every key under the prefix (and under any longer prefix that
    /// starts with `<prefix>:`). For tests and tools, never for a running
    /// service: it is not atomic. Returns how many keys went.
    ///
    /// # Errors
    ///
    /// `Unavailable` when Redis fails.
    pub async fn delete_all_keys(&self) -> Result<u64, StoreError> {
        let mut conn = self.conn();
        let pattern = self.inner.keys.all();
        let mut cursor: u64 = 0;
        let mut deleted = 0;
        loop {
            let (next, found): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(500)
                .query_async(&mut conn)
                .await
                .map_err(redis_error)?;
            // One key per command: a multi-key UNLINK would cross slots.
            let mut pipe = redis::pipe();
            for key in &found {
                pipe.cmd("UNLINK").arg(key);
            }
            if !found.is_empty() {
                let counts: Vec<u64> = pipe.query_async(&mut conn).await.map_err(redis_error)?;
                deleted += counts.iter().sum::<u64>();
            }
            if next == 0 {
                return Ok(deleted);
            }
            cursor = next;
        }
    }

    fn conn(&self) -> ConnectionManager {
        self.inner.conn.clone()
    }

    fn keys(&self) -> &Keys {
        &self.inner.keys
    }

    /// The whole of a list of a network's (acknowledgements, rolls), read
    /// with the network's latest version in one round trip.
    ///
    /// # Errors
    ///
    /// `NotFound` when the network has no version.
    async fn network_list(&self, network_id: &str, key: &str) -> Result<Vec<String>, StoreError> {
        let (latest, items): (Option<u64>, Vec<String>) = redis::pipe()
            .cmd("HGET")
            .arg(self.keys().network(network_id).meta())
            .arg("latest")
            .cmd("LRANGE")
            .arg(key)
            .arg(0)
            .arg(-1)
            .query_async(&mut self.conn())
            .await
            .map_err(redis_error)?;
        present(network_id, latest)?;
        Ok(items)
    }

    /// The latest version of a network.
    ///
    /// # Errors
    ///
    /// `NotFound` when it has none.
    async fn require_network(&self, network_id: &str) -> Result<u64, StoreError> {
        let latest: Option<u64> = redis::cmd("HGET")
            .arg(self.keys().network(network_id).meta())
            .arg("latest")
            .query_async(&mut self.conn())
            .await
            .map_err(redis_error)?;
        present(network_id, latest)
    }
}

/// What a publish would append, computed against the logs as read.
struct PublishPlan {
    receipt: PublishReceipt,
    /// Per supplier, once each, in the order of the publish: the latest
    /// version read and the versions to append.
    logs: Vec<(String, u64, Vec<AllocationVersion>)>,
}

/// Diffs each supplier's new allocation against its latest version, as
/// the memory store does: a supplier's first version is sent even when it
/// has no work, so that it learns it is part of the committed plan; an
/// unchanged allocation makes no version.
fn plan_publish(
    publish: &Publish,
    publish_version: u64,
    published_at: SystemTime,
    latest: HashMap<String, (u64, Allocation, u64)>,
) -> PublishPlan {
    let mut logs: Vec<(String, u64, Vec<AllocationVersion>)> = Vec::new();
    let mut current = latest;
    let mut updated = Vec::new();
    let mut unchanged = Vec::new();
    for allocation in &publish.allocations {
        let enterprise = &allocation.enterprise;
        let last = current.get(enterprise);
        let last_version = last.map_or(0, |(version, _, _)| *version);
        let changes = allocation_changes(
            last.map(|(_, previous, offset)| (previous, *offset)),
            allocation,
            publish.period_offset,
        );
        let slot = match logs.iter().position(|(e, _, _)| e == enterprise) {
            Some(i) => i,
            None => {
                logs.push((enterprise.clone(), last_version, Vec::new()));
                logs.len() - 1
            }
        };
        if changes.is_empty() && last_version > 0 {
            unchanged.push(enterprise.clone());
            continue;
        }
        let version = last_version + 1;
        updated.push((enterprise.clone(), version, changes.len()));
        logs[slot].2.push(AllocationVersion {
            enterprise: enterprise.clone(),
            version,
            publish_version,
            plan_id: publish.plan_id.clone(),
            published_at,
            allocation: allocation.clone(),
            changes,
            period_offset: publish.period_offset,
        });
        current.insert(
            enterprise.clone(),
            (version, allocation.clone(), publish.period_offset),
        );
    }
    PublishPlan {
        receipt: PublishReceipt {
            publish_version,
            published_at,
            updated,
            unchanged,
        },
        logs,
    }
}

#[async_trait]
impl Store for RedisStore {
    async fn put_network(
        &self,
        network_id: &str,
        document: Arc<NetworkDoc>,
        change: NetworkChange,
        reason: &str,
        expected_version: Option<u64>,
    ) -> Result<NetworkVersion, StoreError> {
        let keys = self.keys().network(network_id);
        let created_at = SystemTime::now();
        let json = codec::encode_network_version(created_at, change, reason, &document)?;
        let mut conn = self.conn();
        // Listed before its first version is written (the set is in another
        // slot); listings skip a network with no version yet.
        redis::cmd("SADD")
            .arg(self.keys().networks())
            .arg(network_id)
            .query_async::<()>(&mut conn)
            .await
            .map_err(redis_error)?;
        let (status, value): (String, String) = scripts::PUT_NETWORK
            .key(keys.meta())
            .key(keys.versions())
            .arg(expected_version.map_or(String::new(), |v| v.to_string()))
            .arg(json)
            .invoke_async(&mut conn)
            .await
            .map_err(redis_error)?;
        match status.as_str() {
            "ok" => {
                let stored = NetworkVersion {
                    network_id: network_id.to_string(),
                    version: parse_version(&value)?,
                    created_at,
                    change,
                    reason: reason.to_string(),
                    document,
                };
                self.prune(network_id).await;
                Ok(stored)
            }
            "conflict" => Err(StoreError::Conflict(format!(
                "network \"{network_id}\" is at version {value}, not {}",
                expected_version.unwrap_or(0)
            ))),
            other => Err(reply_error(other)),
        }
    }

    async fn get_network(
        &self,
        network_id: &str,
        version: Option<u64>,
    ) -> Result<NetworkVersion, StoreError> {
        let latest = self.require_network(network_id).await?;
        let wanted = version.unwrap_or(latest);
        let json: Option<String> = redis::cmd("HGET")
            .arg(self.keys().network(network_id).versions())
            .arg(wanted)
            .query_async(&mut self.conn())
            .await
            .map_err(redis_error)?;
        match json {
            Some(json) => codec::decode_network_version(network_id, wanted, &json),
            None => Err(StoreError::not_found(
                "network version",
                format!("{network_id}@{}", version.unwrap_or(0)),
            )),
        }
    }

    async fn list_networks(&self) -> Result<Vec<NetworkSummary>, StoreError> {
        let mut conn = self.conn();
        let mut ids: Vec<String> = redis::cmd("SMEMBERS")
            .arg(self.keys().networks())
            .query_async(&mut conn)
            .await
            .map_err(redis_error)?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        ids.sort();
        let mut pipe = redis::pipe();
        for id in &ids {
            pipe.cmd("HMGET")
                .arg(self.keys().network(id).meta())
                .arg("latest")
                .arg("published_plan_id")
                .arg("publish_version")
                .arg("published_at");
        }
        type Meta = (Option<u64>, Option<String>, Option<u64>, Option<String>);
        let metas: Vec<Meta> = pipe.query_async(&mut conn).await.map_err(redis_error)?;
        // A network is listed once its first version is written.
        let listed: Vec<(&String, u64, Meta)> = ids
            .iter()
            .zip(metas)
            .filter_map(|(id, meta)| Some((id, meta.0.filter(|&v| v > 0)?, meta)))
            .collect();
        let mut pipe = redis::pipe();
        for (id, latest, _) in &listed {
            pipe.cmd("HGET")
                .arg(self.keys().network(id).versions())
                .arg(*latest);
        }
        let versions: Vec<Option<String>> = if listed.is_empty() {
            Vec::new()
        } else {
            pipe.query_async(&mut conn).await.map_err(redis_error)?
        };
        let mut summaries = Vec::with_capacity(listed.len());
        for ((id, latest, (_, plan_id, publish_version, published_at)), json) in
            listed.into_iter().zip(versions)
        {
            // The meta hash names a version the versions hash holds: both
            // are written by one script.
            let json =
                json.ok_or_else(|| reply_error(format!("network \"{id}\" lost a version")))?;
            summaries.push(NetworkSummary {
                latest: codec::decode_network_version(id, latest, &json)?,
                published_plan_id: plan_id,
                publish_version: publish_version.unwrap_or(0),
                published_at: published_at
                    .as_deref()
                    .map(codec::decode_time)
                    .transpose()?,
            });
        }
        Ok(summaries)
    }

    async fn put_plan(&self, record: PlanRecord) -> Result<(), StoreError> {
        self.require_network(&record.network_id).await?;
        let json = codec::encode_plan(&record)?;
        let mut conn = self.conn();
        // Indexed first: a plan is publishable only while it is indexed
        // (see PUBLISH), so a plan stored here is never one that cannot be.
        redis::cmd("ZADD")
            .arg(self.keys().network(&record.network_id).plans())
            .arg("NX")
            .arg(codec::unix_ms(record.created_at))
            .arg(&record.plan_id)
            .query_async::<()>(&mut conn)
            .await
            .map_err(redis_error)?;
        let reply: Value = redis::cmd("SET")
            .arg(self.keys().plan(&record.plan_id))
            .arg(json)
            .arg("NX")
            .query_async(&mut conn)
            .await
            .map_err(redis_error)?;
        match reply {
            Value::Nil => Err(StoreError::Conflict(format!(
                "plan \"{}\" already exists",
                record.plan_id
            ))),
            _ => {
                self.prune(&record.network_id).await;
                Ok(())
            }
        }
    }

    async fn get_plan(&self, plan_id: &str) -> Result<PlanRecord, StoreError> {
        let json: Option<String> = redis::cmd("GET")
            .arg(self.keys().plan(plan_id))
            .query_async(&mut self.conn())
            .await
            .map_err(redis_error)?;
        match json {
            Some(json) => codec::decode_plan(&json),
            None => Err(StoreError::not_found("plan", plan_id)),
        }
    }

    async fn published_plan(&self, network_id: &str) -> Result<Option<PlanRecord>, StoreError> {
        let mut conn = self.conn();
        let (latest, plan_id): (Option<u64>, Option<String>) = redis::cmd("HMGET")
            .arg(self.keys().network(network_id).meta())
            .arg("latest")
            .arg("published_plan_id")
            .query_async(&mut conn)
            .await
            .map_err(redis_error)?;
        present(network_id, latest)?;
        let Some(plan_id) = plan_id else {
            return Ok(None);
        };
        let json: Option<String> = redis::cmd("GET")
            .arg(self.keys().plan(&plan_id))
            .query_async(&mut conn)
            .await
            .map_err(redis_error)?;
        json.as_deref().map(codec::decode_plan).transpose()
    }

    async fn publish(&self, publish: Publish) -> Result<PublishReceipt, StoreError> {
        let mut conn = self.conn();
        // Plans are immutable, so what is checked here stays true.
        let plan: Option<String> = redis::cmd("GET")
            .arg(self.keys().plan(&publish.plan_id))
            .query_async(&mut conn)
            .await
            .map_err(redis_error)?;
        let plan = plan.ok_or_else(|| StoreError::not_found("plan", &publish.plan_id))?;
        let owner = codec::plan_network(&plan)?;
        if owner != publish.network_id {
            return Err(StoreError::FailedPrecondition(format!(
                "plan \"{}\" belongs to network \"{owner}\"",
                publish.plan_id
            )));
        }
        let keys = self.keys().network(&publish.network_id);
        let mut seen = HashSet::new();
        let suppliers: Vec<&str> = publish
            .allocations
            .iter()
            .map(|a| a.enterprise.as_str())
            .filter(|e| seen.insert(*e))
            .collect();
        let channel = self.keys().notifications();
        for _ in 0..PUBLISH_ATTEMPTS {
            // One snapshot of the publish state and every log's tip, so a
            // retry is needed only when someone published meanwhile.
            let mut pipe = redis::pipe();
            pipe.atomic();
            pipe.cmd("HMGET")
                .arg(keys.meta())
                .arg("latest")
                .arg("publish_version");
            // Asked even without a request id (for the empty field, which
            // is ignored) so that the replies keep their places.
            pipe.cmd("HGET")
                .arg(keys.publishes())
                .arg(publish.request_id.as_deref().unwrap_or(""));
            for enterprise in &suppliers {
                pipe.cmd("XREVRANGE")
                    .arg(keys.log(enterprise))
                    .arg("+")
                    .arg("-")
                    .arg("COUNT")
                    .arg(1);
            }
            let mut replies: Vec<Value> = pipe.query_async(&mut conn).await.map_err(redis_error)?;
            if replies.len() != 2 + suppliers.len() {
                return Err(reply_error("a short pipeline reply"));
            }
            let tips = replies.split_off(2);
            let mut head = replies.into_iter();
            let (latest, publish_version): (Option<u64>, Option<u64>) =
                parse(head.next().unwrap_or(Value::Nil))?;
            present(&publish.network_id, latest)?;
            let receipt: Option<String> = parse(head.next().unwrap_or(Value::Nil))?;
            if let (Some(_), Some(receipt)) = (&publish.request_id, receipt) {
                return codec::decode_receipt(&receipt);
            }
            let mut last = HashMap::new();
            for (enterprise, tip) in suppliers.iter().zip(tips) {
                let tip: Vec<Entry> = parse(tip)?;
                if let Some((_, fields)) = tip.first() {
                    let v = codec::decode_allocation_version(entry_json(fields)?)?;
                    last.insert(
                        enterprise.to_string(),
                        (v.version, v.allocation, v.period_offset),
                    );
                }
            }
            let read_version = publish_version.unwrap_or(0);
            let planned = plan_publish(&publish, read_version + 1, SystemTime::now(), last);

            let mut script = scripts::PUBLISH.prepare_invoke();
            script
                .key(keys.meta())
                .key(keys.publishes())
                .key(keys.plans());
            script
                .arg(read_version.to_string())
                .arg((read_version + 1).to_string())
                .arg(if publish.request_id.is_some() {
                    "1"
                } else {
                    "0"
                })
                .arg(publish.request_id.as_deref().unwrap_or(""))
                .arg(codec::encode_receipt(&planned.receipt)?)
                .arg(&publish.plan_id)
                .arg(codec::encode_time(planned.receipt.published_at)?)
                .arg(&channel);
            for (enterprise, read, appended) in &planned.logs {
                script
                    .key(keys.log(enterprise))
                    .arg(read.to_string())
                    .arg(appended.len().to_string());
                for version in appended {
                    script
                        .arg(version.version.to_string())
                        .arg(codec::encode_allocation_version(version)?)
                        .arg(codec::encode_appended(
                            &publish.network_id,
                            enterprise,
                            version.version,
                        )?);
                }
            }
            let (status, value): (String, String) =
                script.invoke_async(&mut conn).await.map_err(redis_error)?;
            match status.as_str() {
                // Reported only now that Redis holds it.
                "ok" => return Ok(planned.receipt),
                // The same request id won a race with this call.
                "receipt" => return codec::decode_receipt(&value),
                "retry" => continue,
                "gone" => return Err(StoreError::not_found("plan", &publish.plan_id)),
                other => return Err(reply_error(other)),
            }
        }
        Err(StoreError::Conflict(format!(
            "network \"{}\" kept being published to meanwhile; try again",
            publish.network_id
        )))
    }

    async fn publish_receipt(
        &self,
        network_id: &str,
        request_id: &str,
    ) -> Result<Option<PublishReceipt>, StoreError> {
        let keys = self.keys().network(network_id);
        let (latest, receipt): (Option<u64>, Option<String>) = redis::pipe()
            .cmd("HGET")
            .arg(keys.meta())
            .arg("latest")
            .cmd("HGET")
            .arg(keys.publishes())
            .arg(request_id)
            .query_async(&mut self.conn())
            .await
            .map_err(redis_error)?;
        present(network_id, latest)?;
        receipt.as_deref().map(codec::decode_receipt).transpose()
    }

    async fn allocation_log(
        &self,
        network_id: &str,
        enterprise: &str,
        after_version: u64,
    ) -> Result<Vec<AllocationVersion>, StoreError> {
        let keys = self.keys().network(network_id);
        let Some(first) = after_version.checked_add(1) else {
            self.require_network(network_id).await?;
            return Ok(Vec::new());
        };
        // Entry ids are versions, so the log after a version is a range.
        let (latest, entries): (Option<u64>, Vec<Entry>) = redis::pipe()
            .cmd("HGET")
            .arg(keys.meta())
            .arg("latest")
            .cmd("XRANGE")
            .arg(keys.log(enterprise))
            .arg(codec::entry_id(first))
            .arg("+")
            .query_async(&mut self.conn())
            .await
            .map_err(redis_error)?;
        present(network_id, latest)?;
        entries
            .iter()
            .map(|(_, fields)| codec::decode_allocation_version(entry_json(fields)?))
            .collect()
    }

    async fn watch_allocations(
        &self,
        network_id: &str,
        enterprise: &str,
    ) -> Result<watch::Receiver<u64>, StoreError> {
        self.require_network(network_id).await?;
        self.inner.notifier.watch(network_id, enterprise).await
    }

    async fn acknowledge(
        &self,
        network_id: &str,
        ack: Acknowledgement,
    ) -> Result<(Acknowledgement, u64), StoreError> {
        let keys = self.keys().network(network_id);
        let reply: Vec<String> = scripts::ACKNOWLEDGE
            .key(keys.meta())
            .key(keys.log(&ack.enterprise))
            .key(keys.acks(&ack.enterprise))
            .key(keys.ack_index(&ack.enterprise))
            .arg(ack.version.to_string())
            .arg(codec::encode_ack(&ack)?)
            .invoke_async(&mut self.conn())
            .await
            .map_err(redis_error)?;
        let (status, value) = match reply.as_slice() {
            [status, value, ..] => (status.as_str(), value.as_str()),
            _ => return Err(reply_error("a short acknowledge reply")),
        };
        match status {
            "ok" => {
                let latest = parse_version(value)?;
                Ok((ack, latest))
            }
            "recorded" => {
                let latest = parse_version(value)?;
                let recorded = codec::decode_ack(
                    reply
                        .get(2)
                        .ok_or_else(|| reply_error("no recorded answer"))?,
                )?;
                if recorded.accepted == ack.accepted {
                    Ok((recorded, latest))
                } else {
                    Err(contradicts(&recorded))
                }
            }
            "no_version" => Err(StoreError::not_found(
                "allocation version",
                format!("{}@{}", ack.enterprise, ack.version),
            )),
            "no_network" => Err(StoreError::not_found("network", network_id)),
            other => Err(reply_error(other)),
        }
    }

    async fn acknowledgements(
        &self,
        network_id: &str,
        enterprise: &str,
    ) -> Result<Vec<Acknowledgement>, StoreError> {
        let key = self.keys().network(network_id).acks(enterprise);
        let acks = self.network_list(network_id, &key).await?;
        acks.iter().map(|a| codec::decode_ack(a)).collect()
    }

    async fn put_scenario(&self, scenario: ScenarioRecord) -> Result<(), StoreError> {
        self.require_network(&scenario.network_id).await?;
        let json = codec::encode_scenario(&scenario)?;
        let mut conn = self.conn();
        // The id is reserved globally (scenarios are looked up by id alone),
        // then the record goes in with its network.
        let reservation = self.keys().scenario(&scenario.scenario_id);
        let reply: Value = redis::cmd("SET")
            .arg(&reservation)
            .arg(&scenario.network_id)
            .arg("NX")
            .query_async(&mut conn)
            .await
            .map_err(redis_error)?;
        if reply == Value::Nil {
            return Err(StoreError::Conflict(format!(
                "scenario \"{}\" already exists",
                scenario.scenario_id
            )));
        }
        let keys = self.keys().network(&scenario.network_id);
        let written: redis::RedisResult<()> = redis::pipe()
            .atomic()
            .cmd("HSET")
            .arg(keys.scenarios())
            .arg(&scenario.scenario_id)
            .arg(json)
            .ignore()
            .cmd("HDEL")
            .arg(keys.scenario_plans())
            .arg(&scenario.scenario_id)
            .ignore()
            .query_async(&mut conn)
            .await;
        if let Err(e) = written {
            // Free the id again if Redis still answers; if not, the id stays
            // taken, which is safe.
            let _: redis::RedisResult<()> = redis::cmd("DEL")
                .arg(&reservation)
                .query_async(&mut conn)
                .await;
            return Err(redis_error(e));
        }
        Ok(())
    }

    async fn get_scenario(&self, scenario_id: &str) -> Result<ScenarioRecord, StoreError> {
        let mut conn = self.conn();
        let network_id: Option<String> = redis::cmd("GET")
            .arg(self.keys().scenario(scenario_id))
            .query_async(&mut conn)
            .await
            .map_err(redis_error)?;
        let network_id =
            network_id.ok_or_else(|| StoreError::not_found("scenario", scenario_id))?;
        let keys = self.keys().network(&network_id);
        let (json, plans): (Option<String>, Option<String>) = redis::pipe()
            .atomic()
            .cmd("HGET")
            .arg(keys.scenarios())
            .arg(scenario_id)
            .cmd("HGET")
            .arg(keys.scenario_plans())
            .arg(scenario_id)
            .query_async(&mut conn)
            .await
            .map_err(redis_error)?;
        let json = json.ok_or_else(|| StoreError::not_found("scenario", scenario_id))?;
        codec::decode_scenario(&json, plans.as_deref())
    }

    async fn list_scenarios(&self, network_id: &str) -> Result<Vec<ScenarioRecord>, StoreError> {
        let keys = self.keys().network(network_id);
        let (latest, records, plans): (
            Option<u64>,
            HashMap<String, String>,
            HashMap<String, String>,
        ) = redis::pipe()
            .atomic()
            .cmd("HGET")
            .arg(keys.meta())
            .arg("latest")
            .cmd("HGETALL")
            .arg(keys.scenarios())
            .cmd("HGETALL")
            .arg(keys.scenario_plans())
            .query_async(&mut self.conn())
            .await
            .map_err(redis_error)?;
        present(network_id, latest)?;
        let mut found = records
            .iter()
            .map(|(id, json)| codec::decode_scenario(json, plans.get(id).map(String::as_str)))
            .collect::<Result<Vec<_>, _>>()?;
        found.sort_by(|a, b| (a.created_at, &a.scenario_id).cmp(&(b.created_at, &b.scenario_id)));
        Ok(found)
    }

    async fn delete_scenario(&self, scenario_id: &str) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let reservation = self.keys().scenario(scenario_id);
        let network_id: Option<String> = redis::cmd("GET")
            .arg(&reservation)
            .query_async(&mut conn)
            .await
            .map_err(redis_error)?;
        let network_id =
            network_id.ok_or_else(|| StoreError::not_found("scenario", scenario_id))?;
        let keys = self.keys().network(&network_id);
        let deleted: u64 = scripts::DELETE_SCENARIO
            .key(keys.scenarios())
            .key(keys.scenario_plans())
            .arg(scenario_id)
            .invoke_async(&mut conn)
            .await
            .map_err(redis_error)?;
        if deleted == 0 {
            return Err(StoreError::not_found("scenario", scenario_id));
        }
        // The scenario is gone either way; freeing its id for reuse is
        // housekeeping, and a failure only keeps the id taken.
        if let Err(e) = redis::cmd("DEL")
            .arg(&reservation)
            .query_async::<()>(&mut conn)
            .await
        {
            tracing::warn!(scenario_id, error = %e, "deleted scenario keeps its id reserved");
        }
        Ok(())
    }

    async fn set_scenario_plans(
        &self,
        scenario_id: &str,
        plan_id: &str,
        base_plan_id: &str,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        // Plans are never removed, so the plan found here stays.
        let (plan_exists, network_id): (bool, Option<String>) = redis::pipe()
            .cmd("EXISTS")
            .arg(self.keys().plan(plan_id))
            .cmd("GET")
            .arg(self.keys().scenario(scenario_id))
            .query_async(&mut conn)
            .await
            .map_err(redis_error)?;
        if !plan_exists {
            return Err(StoreError::not_found("plan", plan_id));
        }
        let network_id =
            network_id.ok_or_else(|| StoreError::not_found("scenario", scenario_id))?;
        let keys = self.keys().network(&network_id);
        let set: u64 = scripts::SET_SCENARIO_PLANS
            .key(keys.scenarios())
            .key(keys.scenario_plans())
            .arg(scenario_id)
            .arg(codec::encode_scenario_plans(plan_id, base_plan_id)?)
            .invoke_async(&mut conn)
            .await
            .map_err(redis_error)?;
        if set == 0 {
            return Err(StoreError::not_found("scenario", scenario_id));
        }
        Ok(())
    }

    async fn set_replan_policy(
        &self,
        network_id: &str,
        policy: ReplanPolicy,
    ) -> Result<(), StoreError> {
        // A network, once written, is never removed: the check stays true.
        self.require_network(network_id).await?;
        redis::cmd("SET")
            .arg(self.keys().network(network_id).policy())
            .arg(codec::encode_policy(&policy)?)
            .query_async::<()>(&mut self.conn())
            .await
            .map_err(redis_error)
    }

    async fn replan_policy(&self, network_id: &str) -> Result<ReplanPolicy, StoreError> {
        let keys = self.keys().network(network_id);
        let (latest, policy): (Option<u64>, Option<String>) = redis::pipe()
            .cmd("HGET")
            .arg(keys.meta())
            .arg("latest")
            .cmd("GET")
            .arg(keys.policy())
            .query_async(&mut self.conn())
            .await
            .map_err(redis_error)?;
        present(network_id, latest)?;
        policy
            .as_deref()
            .map(codec::decode_policy)
            .transpose()
            .map(Option::unwrap_or_default)
    }

    async fn report_actuals(
        &self,
        network_id: &str,
        report: ActualsReport,
    ) -> Result<ActualsReport, StoreError> {
        let keys = self.keys().network(network_id);
        let placeholder = ActualsReport {
            sequence: 0,
            ..report.clone()
        };
        let (status, value): (String, String) = scripts::REPORT_ACTUALS
            .key(keys.meta())
            .key(keys.actuals())
            .key(keys.actuals_index())
            .arg(&report.request_id)
            .arg(report.network_version.to_string())
            .arg(codec::to_json(&placeholder)?)
            .invoke_async(&mut self.conn())
            .await
            .map_err(redis_error)?;
        match status.as_str() {
            "ok" | "recorded" => codec::from_json("actuals report", &value),
            "rolled" => Err(stale_report(
                network_id,
                report.network_version,
                parse_version(&value)?,
                0,
            )),
            "ahead" => Err(stale_report(
                network_id,
                report.network_version,
                0,
                parse_version(&value)?,
            )),
            "no_network" => Err(StoreError::not_found("network", network_id)),
            other => Err(reply_error(other)),
        }
    }

    async fn open_actuals(&self, network_id: &str) -> Result<Vec<ActualsReport>, StoreError> {
        let keys = self.keys().network(network_id);
        let (latest, rolled_to, reports): (Option<u64>, Option<u64>, Vec<String>) = redis::pipe()
            .cmd("HGET")
            .arg(keys.meta())
            .arg("latest")
            .cmd("HGET")
            .arg(keys.meta())
            .arg("rolled_to")
            .cmd("LRANGE")
            .arg(keys.actuals())
            .arg(0)
            .arg(-1)
            .query_async(&mut self.conn())
            .await
            .map_err(redis_error)?;
        present(network_id, latest)?;
        let since = rolled_to.unwrap_or(0);
        let mut open = Vec::new();
        for json in &reports {
            let report: ActualsReport = codec::from_json("actuals report", json)?;
            if report.network_version >= since {
                open.push(report);
            }
        }
        Ok(open)
    }

    async fn roll(
        &self,
        network_id: &str,
        document: Arc<NetworkDoc>,
        reason: &str,
        mut roll: RollRecord,
    ) -> Result<RollRecord, StoreError> {
        let keys = self.keys().network(network_id);
        roll.to_version = roll.from_version + 1;
        let version =
            codec::encode_network_version(roll.at, NetworkChange::Roll, reason, &document)?;
        let (status, value): (String, String) = scripts::ROLL
            .key(keys.meta())
            .key(keys.versions())
            .key(keys.rolls())
            .key(keys.roll_index())
            .arg(roll.from_version.to_string())
            .arg(version)
            .arg(codec::to_json(&roll)?)
            .arg(roll.request_id.as_deref().unwrap_or(""))
            .invoke_async(&mut self.conn())
            .await
            .map_err(redis_error)?;
        match status.as_str() {
            "ok" => {
                self.prune(network_id).await;
                Ok(roll)
            }
            "recorded" => codec::from_json("roll", &value),
            "conflict" => Err(StoreError::Conflict(format!(
                "network \"{network_id}\" is at version {value}, not {}",
                roll.from_version
            ))),
            "no_network" => Err(StoreError::not_found("network", network_id)),
            other => Err(reply_error(other)),
        }
    }

    async fn rolls(&self, network_id: &str) -> Result<Vec<RollRecord>, StoreError> {
        let key = self.keys().network(network_id).rolls();
        let rolls = self.network_list(network_id, &key).await?;
        rolls
            .iter()
            .map(|json| codec::from_json("roll", json))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AllocationEntry, AllocationKind};

    fn allocation(enterprise: &str, qty: f64) -> Allocation {
        Allocation {
            enterprise: enterprise.into(),
            entries: vec![AllocationEntry {
                kind: AllocationKind::Make,
                site: "s".into(),
                item: "gear".into(),
                period: 0,
                qty,
                resource: "line".into(),
                destination: None,
            }],
        }
    }

    fn publish(allocations: Vec<Allocation>) -> Publish {
        Publish {
            network_id: "n".into(),
            plan_id: "p".into(),
            request_id: None,
            allocations,
            period_offset: 0,
        }
    }

    #[test]
    fn a_publish_appends_for_new_and_changed_suppliers_only() {
        let empty = Allocation {
            enterprise: "idle".into(),
            entries: Vec::new(),
        };
        let latest = HashMap::from([
            ("a".to_string(), (3, allocation("a", 1.0), 0)),
            ("b".to_string(), (1, allocation("b", 1.0), 0)),
        ]);
        let planned = plan_publish(
            &publish(vec![allocation("a", 1.0), allocation("b", 2.0), empty]),
            7,
            SystemTime::UNIX_EPOCH,
            latest,
        );
        assert_eq!(planned.receipt.publish_version, 7);
        assert_eq!(
            planned.receipt.updated,
            vec![("b".into(), 2, 1), ("idle".into(), 1, 0)]
        );
        assert_eq!(planned.receipt.unchanged, vec!["a".to_string()]);
        let read: Vec<(&str, u64, usize)> = planned
            .logs
            .iter()
            .map(|(e, read, appended)| (e.as_str(), *read, appended.len()))
            .collect();
        assert_eq!(read, [("a", 3, 0), ("b", 1, 1), ("idle", 0, 1)]);
    }

    #[test]
    fn a_supplier_named_twice_gets_consecutive_versions() {
        let planned = plan_publish(
            &publish(vec![allocation("a", 1.0), allocation("a", 2.0)]),
            1,
            SystemTime::UNIX_EPOCH,
            HashMap::new(),
        );
        assert_eq!(
            planned.receipt.updated,
            vec![("a".into(), 1, 1), ("a".into(), 2, 1)]
        );
        assert_eq!(planned.logs.len(), 1);
        assert_eq!(planned.logs[0].1, 0);
        assert_eq!(
            planned.logs[0]
                .2
                .iter()
                .map(|v| v.version)
                .collect::<Vec<_>>(),
            [1, 2]
        );
    }
}

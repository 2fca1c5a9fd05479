//! The embedded store: everything in one process's memory behind a mutex.
//! The default for a single replica and for tests; state ends with the
//! process. Each trait call takes the lock once, so every write is atomic,
//! and the writes that add history drop what [`Retention`] no longer keeps
//! under the same lock.

use super::backend::{allocation_changes, Store};
use super::error::{contradicts, stale_report, StoreError};
use super::records::{
    Acknowledgement, ActualsReport, AllocationVersion, NetworkChange, NetworkSummary,
    NetworkVersion, PlanRecord, Publish, PublishReceipt, ReplanPolicy, Retention, RollRecord,
    ScenarioRecord,
};
use crate::model::NetworkDoc;
use async_trait::async_trait;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;
use tokio::sync::watch;

/// The in-memory store. Cheap to clone: clones share the state.
#[derive(Clone, Default)]
pub struct MemoryStore {
    state: Arc<Mutex<State>>,
    retention: Retention,
}

#[derive(Default)]
struct State {
    networks: BTreeMap<String, NetworkState>,
    plans: HashMap<String, PlanRecord>,
    /// Scenarios by id; listings sort them by creation time.
    scenarios: HashMap<String, ScenarioRecord>,
}

#[derive(Default)]
struct NetworkState {
    /// The versions kept, by number; the latest is always among them.
    versions: BTreeMap<u64, NetworkVersion>,
    /// The network's plan ids, oldest first.
    plans: VecDeque<String>,
    published_plan_id: Option<String>,
    publish_version: u64,
    published_at: Option<SystemTime>,
    /// Receipts of past publishes by request id, for idempotent retries.
    publishes: HashMap<String, PublishReceipt>,
    suppliers: BTreeMap<String, SupplierLog>,
    policy: Option<ReplanPolicy>,
    /// Every actuals report, oldest first.
    actuals: Vec<ActualsReport>,
    rolls: Vec<RollRecord>,
}

struct SupplierLog {
    versions: Vec<AllocationVersion>,
    acknowledgements: Vec<Acknowledgement>,
    /// Carries the latest version to open streams.
    latest: watch::Sender<u64>,
}

impl Default for SupplierLog {
    fn default() -> Self {
        SupplierLog {
            versions: Vec::new(),
            acknowledgements: Vec::new(),
            latest: watch::channel(0).0,
        }
    }
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// A store that keeps the history `retention` says.
    pub fn with_retention(retention: Retention) -> MemoryStore {
        MemoryStore {
            state: Arc::default(),
            retention: retention.at_least_one(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave a half-applied write:
        // every method checks before it mutates, so the state is usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl NetworkState {
    fn latest(&self) -> Option<&NetworkVersion> {
        self.versions.values().next_back()
    }

    fn latest_version(&self) -> u64 {
        self.latest().map_or(0, |v| v.version)
    }

    /// The version the latest roll stored (0 before the first roll).
    fn rolled_to(&self) -> u64 {
        self.rolls.last().map_or(0, |r| r.to_version)
    }
}

impl State {
    /// Drops the versions and plans of `network_id` that `retention` no
    /// longer keeps. Kept whatever their age: the latest version, the
    /// committed plan and its version, and what a scenario refers to.
    fn prune(&mut self, network_id: &str, retention: Retention) {
        let mut pinned_versions = HashSet::new();
        let mut pinned_plans = HashSet::new();
        for s in self
            .scenarios
            .values()
            .filter(|s| s.network_id == network_id)
        {
            pinned_versions.insert(s.base_version);
            pinned_plans.extend(s.plan_id.iter().chain(&s.base_plan_id).cloned());
        }
        let State {
            networks, plans, ..
        } = self;
        let Some(network) = networks.get_mut(network_id) else {
            return;
        };
        if let Some(committed) = &network.published_plan_id {
            pinned_plans.insert(committed.clone());
            if let Some(plan) = plans.get(committed) {
                pinned_versions.insert(plan.network_version);
            }
        }
        let latest = network.latest_version();
        let oldest_kept = latest.saturating_sub(retention.versions as u64 - 1);
        network
            .versions
            .retain(|v, _| *v >= oldest_kept || pinned_versions.contains(v));
        let mut excess = network.plans.len().saturating_sub(retention.plans);
        network.plans.retain(|id| {
            if excess == 0 || pinned_plans.contains(id) {
                return true;
            }
            excess -= 1;
            plans.remove(id);
            false
        });
    }

    fn network(&self, network_id: &str) -> Result<&NetworkState, StoreError> {
        self.networks
            .get(network_id)
            .filter(|n| !n.versions.is_empty())
            .ok_or_else(|| StoreError::not_found("network", network_id))
    }

    fn network_mut(&mut self, network_id: &str) -> Result<&mut NetworkState, StoreError> {
        self.networks
            .get_mut(network_id)
            .filter(|n| !n.versions.is_empty())
            .ok_or_else(|| StoreError::not_found("network", network_id))
    }
}

#[async_trait]
impl Store for MemoryStore {
    async fn put_network(
        &self,
        network_id: &str,
        document: Arc<NetworkDoc>,
        change: NetworkChange,
        reason: &str,
        expected_version: Option<u64>,
    ) -> Result<NetworkVersion, StoreError> {
        let mut state = self.lock();
        let latest = state
            .networks
            .get(network_id)
            .map_or(0, NetworkState::latest_version);
        if let Some(expected) = expected_version {
            if expected != latest {
                return Err(StoreError::Conflict(format!(
                    "network \"{network_id}\" is at version {latest}, not {expected}"
                )));
            }
        }
        let version = NetworkVersion {
            network_id: network_id.to_string(),
            version: latest + 1,
            created_at: SystemTime::now(),
            change,
            reason: reason.to_string(),
            document,
        };
        state
            .networks
            .entry(network_id.to_string())
            .or_default()
            .versions
            .insert(version.version, version.clone());
        state.prune(network_id, self.retention);
        Ok(version)
    }

    async fn get_network(
        &self,
        network_id: &str,
        version: Option<u64>,
    ) -> Result<NetworkVersion, StoreError> {
        let state = self.lock();
        let network = state.network(network_id)?;
        let found = match version {
            None => network.latest(),
            Some(v) => network.versions.get(&v),
        };
        found.cloned().ok_or_else(|| {
            StoreError::not_found(
                "network version",
                format!("{network_id}@{}", version.unwrap_or(0)),
            )
        })
    }

    async fn list_networks(&self) -> Result<Vec<NetworkSummary>, StoreError> {
        let state = self.lock();
        Ok(state
            .networks
            .values()
            .filter_map(|n| {
                Some(NetworkSummary {
                    latest: n.latest()?.clone(),
                    published_plan_id: n.published_plan_id.clone(),
                    publish_version: n.publish_version,
                    published_at: n.published_at,
                })
            })
            .collect())
    }

    async fn put_plan(&self, record: PlanRecord) -> Result<(), StoreError> {
        let mut state = self.lock();
        state.network(&record.network_id)?;
        if state.plans.contains_key(&record.plan_id) {
            return Err(StoreError::Conflict(format!(
                "plan \"{}\" already exists",
                record.plan_id
            )));
        }
        let network_id = record.network_id.clone();
        if let Some(network) = state.networks.get_mut(&network_id) {
            network.plans.push_back(record.plan_id.clone());
        }
        state.plans.insert(record.plan_id.clone(), record);
        state.prune(&network_id, self.retention);
        Ok(())
    }

    async fn get_plan(&self, plan_id: &str) -> Result<PlanRecord, StoreError> {
        self.lock()
            .plans
            .get(plan_id)
            .cloned()
            .ok_or_else(|| StoreError::not_found("plan", plan_id))
    }

    async fn published_plan(&self, network_id: &str) -> Result<Option<PlanRecord>, StoreError> {
        let state = self.lock();
        let network = state.network(network_id)?;
        Ok(network
            .published_plan_id
            .as_ref()
            .and_then(|id| state.plans.get(id))
            .cloned())
    }

    async fn publish(&self, publish: Publish) -> Result<PublishReceipt, StoreError> {
        let mut state = self.lock();
        let plan = state
            .plans
            .get(&publish.plan_id)
            .ok_or_else(|| StoreError::not_found("plan", &publish.plan_id))?;
        if plan.network_id != publish.network_id {
            return Err(StoreError::FailedPrecondition(format!(
                "plan \"{}\" belongs to network \"{}\"",
                publish.plan_id, plan.network_id
            )));
        }
        let network = state.network_mut(&publish.network_id)?;
        if let Some(receipt) = publish
            .request_id
            .as_ref()
            .and_then(|id| network.publishes.get(id))
        {
            return Ok(receipt.clone());
        }
        let publish_version = network.publish_version + 1;
        let published_at = SystemTime::now();
        let mut updated = Vec::new();
        let mut unchanged = Vec::new();
        let mut appended = Vec::new();
        for allocation in &publish.allocations {
            let log = network
                .suppliers
                .entry(allocation.enterprise.clone())
                .or_default();
            let changes = allocation_changes(
                log.versions
                    .last()
                    .map(|v| (&v.allocation, v.period_offset)),
                allocation,
                publish.period_offset,
            );
            // A supplier's first version is sent even when it has no work,
            // so that it learns it is part of the committed plan.
            if changes.is_empty() && !log.versions.is_empty() {
                unchanged.push(allocation.enterprise.clone());
                continue;
            }
            let version = log.versions.len() as u64 + 1;
            updated.push((allocation.enterprise.clone(), version, changes.len()));
            log.versions.push(AllocationVersion {
                enterprise: allocation.enterprise.clone(),
                version,
                publish_version,
                plan_id: publish.plan_id.clone(),
                published_at,
                allocation: allocation.clone(),
                changes,
                period_offset: publish.period_offset,
            });
            appended.push(allocation.enterprise.clone());
        }
        network.publish_version = publish_version;
        network.published_at = Some(published_at);
        network.published_plan_id = Some(publish.plan_id.clone());
        let receipt = PublishReceipt {
            publish_version,
            published_at,
            updated,
            unchanged,
        };
        if let Some(id) = publish.request_id {
            network.publishes.insert(id, receipt.clone());
        }
        // Wake streams only once the whole publish is in place.
        for enterprise in appended {
            if let Some(log) = network.suppliers.get(&enterprise) {
                log.latest.send_replace(log.versions.len() as u64);
            }
        }
        Ok(receipt)
    }

    async fn publish_receipt(
        &self,
        network_id: &str,
        request_id: &str,
    ) -> Result<Option<PublishReceipt>, StoreError> {
        let state = self.lock();
        Ok(state
            .network(network_id)?
            .publishes
            .get(request_id)
            .cloned())
    }

    async fn allocation_log(
        &self,
        network_id: &str,
        enterprise: &str,
        after_version: u64,
    ) -> Result<Vec<AllocationVersion>, StoreError> {
        let state = self.lock();
        let network = state.network(network_id)?;
        let Some(log) = network.suppliers.get(enterprise) else {
            return Ok(Vec::new());
        };
        let skip = usize::try_from(after_version).unwrap_or(usize::MAX);
        Ok(log.versions.iter().skip(skip).cloned().collect())
    }

    async fn watch_allocations(
        &self,
        network_id: &str,
        enterprise: &str,
    ) -> Result<watch::Receiver<u64>, StoreError> {
        let mut state = self.lock();
        let network = state.network_mut(network_id)?;
        Ok(network
            .suppliers
            .entry(enterprise.to_string())
            .or_default()
            .latest
            .subscribe())
    }

    async fn acknowledge(
        &self,
        network_id: &str,
        ack: Acknowledgement,
    ) -> Result<(Acknowledgement, u64), StoreError> {
        let mut state = self.lock();
        let network = state.network_mut(network_id)?;
        let log = network
            .suppliers
            .get_mut(&ack.enterprise)
            .filter(|log| ack.version >= 1 && ack.version <= log.versions.len() as u64)
            .ok_or_else(|| {
                StoreError::not_found(
                    "allocation version",
                    format!("{}@{}", ack.enterprise, ack.version),
                )
            })?;
        let latest = log.versions.len() as u64;
        if let Some(recorded) = log
            .acknowledgements
            .iter()
            .find(|a| a.version == ack.version)
        {
            if recorded.accepted == ack.accepted {
                return Ok((recorded.clone(), latest));
            }
            return Err(contradicts(recorded));
        }
        log.acknowledgements.push(ack.clone());
        Ok((ack, latest))
    }

    async fn acknowledgements(
        &self,
        network_id: &str,
        enterprise: &str,
    ) -> Result<Vec<Acknowledgement>, StoreError> {
        let state = self.lock();
        let network = state.network(network_id)?;
        Ok(network
            .suppliers
            .get(enterprise)
            .map(|log| log.acknowledgements.clone())
            .unwrap_or_default())
    }

    async fn put_scenario(&self, scenario: ScenarioRecord) -> Result<(), StoreError> {
        let mut state = self.lock();
        state.network(&scenario.network_id)?;
        if state.scenarios.contains_key(&scenario.scenario_id) {
            return Err(StoreError::Conflict(format!(
                "scenario \"{}\" already exists",
                scenario.scenario_id
            )));
        }
        state
            .scenarios
            .insert(scenario.scenario_id.clone(), scenario);
        Ok(())
    }

    async fn get_scenario(&self, scenario_id: &str) -> Result<ScenarioRecord, StoreError> {
        self.lock()
            .scenarios
            .get(scenario_id)
            .cloned()
            .ok_or_else(|| StoreError::not_found("scenario", scenario_id))
    }

    async fn list_scenarios(&self, network_id: &str) -> Result<Vec<ScenarioRecord>, StoreError> {
        let state = self.lock();
        state.network(network_id)?;
        let mut found: Vec<ScenarioRecord> = state
            .scenarios
            .values()
            .filter(|s| s.network_id == network_id)
            .cloned()
            .collect();
        found.sort_by(|a, b| (a.created_at, &a.scenario_id).cmp(&(b.created_at, &b.scenario_id)));
        Ok(found)
    }

    async fn delete_scenario(&self, scenario_id: &str) -> Result<(), StoreError> {
        self.lock()
            .scenarios
            .remove(scenario_id)
            .map(|_| ())
            .ok_or_else(|| StoreError::not_found("scenario", scenario_id))
    }

    async fn set_scenario_plans(
        &self,
        scenario_id: &str,
        plan_id: &str,
        base_plan_id: &str,
    ) -> Result<(), StoreError> {
        let mut state = self.lock();
        if !state.plans.contains_key(plan_id) {
            return Err(StoreError::not_found("plan", plan_id));
        }
        let scenario = state
            .scenarios
            .get_mut(scenario_id)
            .ok_or_else(|| StoreError::not_found("scenario", scenario_id))?;
        scenario.plan_id = Some(plan_id.to_string());
        scenario.base_plan_id = Some(base_plan_id.to_string());
        Ok(())
    }

    async fn set_replan_policy(
        &self,
        network_id: &str,
        policy: ReplanPolicy,
    ) -> Result<(), StoreError> {
        let mut state = self.lock();
        state.network_mut(network_id)?.policy = Some(policy);
        Ok(())
    }

    async fn replan_policy(&self, network_id: &str) -> Result<ReplanPolicy, StoreError> {
        let state = self.lock();
        Ok(state
            .network(network_id)?
            .policy
            .clone()
            .unwrap_or_default())
    }

    async fn report_actuals(
        &self,
        network_id: &str,
        mut report: ActualsReport,
    ) -> Result<ActualsReport, StoreError> {
        let mut state = self.lock();
        let network = state.network_mut(network_id)?;
        if let Some(first) = network
            .actuals
            .iter()
            .find(|r| r.request_id == report.request_id)
        {
            return Ok(first.clone());
        }
        let (rolled_to, latest) = (network.rolled_to(), network.latest_version());
        if report.network_version < rolled_to || report.network_version > latest {
            return Err(stale_report(
                network_id,
                report.network_version,
                rolled_to,
                latest,
            ));
        }
        report.sequence = network.actuals.len() as u64 + 1;
        network.actuals.push(report.clone());
        Ok(report)
    }

    async fn open_actuals(&self, network_id: &str) -> Result<Vec<ActualsReport>, StoreError> {
        let state = self.lock();
        let network = state.network(network_id)?;
        let since = network.rolled_to();
        Ok(network
            .actuals
            .iter()
            .filter(|r| r.network_version >= since)
            .cloned()
            .collect())
    }

    async fn roll(
        &self,
        network_id: &str,
        document: Arc<NetworkDoc>,
        reason: &str,
        mut roll: RollRecord,
    ) -> Result<RollRecord, StoreError> {
        let mut state = self.lock();
        let network = state.network_mut(network_id)?;
        if let Some(first) = roll.request_id.as_ref().and_then(|id| {
            network
                .rolls
                .iter()
                .find(|r| r.request_id.as_ref() == Some(id))
        }) {
            return Ok(first.clone());
        }
        let latest = network.latest_version();
        if roll.from_version != latest {
            return Err(StoreError::Conflict(format!(
                "network \"{network_id}\" is at version {latest}, not {}",
                roll.from_version
            )));
        }
        roll.to_version = latest + 1;
        let version = NetworkVersion {
            network_id: network_id.to_string(),
            version: roll.to_version,
            created_at: roll.at,
            change: NetworkChange::Roll,
            reason: reason.to_string(),
            document,
        };
        network.versions.insert(version.version, version);
        network.rolls.push(roll.clone());
        state.prune(network_id, self.retention);
        Ok(roll)
    }

    async fn rolls(&self, network_id: &str) -> Result<Vec<RollRecord>, StoreError> {
        Ok(self.lock().network(network_id)?.rolls.clone())
    }
}

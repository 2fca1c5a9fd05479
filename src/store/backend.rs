//! The [`Store`] trait: what every backend (memory, Redis) promises.

use super::error::StoreError;
use super::records::{
    Acknowledgement, ActualsReport, AllocationVersion, NetworkChange, NetworkSummary,
    NetworkVersion, PlanRecord, Publish, PublishReceipt, ReplanPolicy, RollRecord, ScenarioRecord,
};
use crate::model::{Allocation, AllocationChange, NetworkDoc};
use crate::planning::diff_allocations;
use async_trait::async_trait;
use std::sync::Arc;
use tokio::sync::watch;

/// The state of chainplan. Every write is atomic: it applies whole or not at
/// all, and a conditional write that loses returns [`StoreError::Conflict`].
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Stores a new version of a network (creating the network at version 1).
    /// With `expected_version`, fails with `Conflict` unless it is the latest.
    async fn put_network(
        &self,
        network_id: &str,
        document: Arc<NetworkDoc>,
        change: NetworkChange,
        reason: &str,
        expected_version: Option<u64>,
    ) -> Result<NetworkVersion, StoreError>;

    /// A version of a network, or its latest with `None`. A version dropped
    /// by the store's [`Retention`] is `NotFound`.
    async fn get_network(
        &self,
        network_id: &str,
        version: Option<u64>,
    ) -> Result<NetworkVersion, StoreError>;

    /// Every network, ordered by id.
    async fn list_networks(&self) -> Result<Vec<NetworkSummary>, StoreError>;

    /// Stores a plan under its id; plans are never overwritten.
    async fn put_plan(&self, record: PlanRecord) -> Result<(), StoreError>;

    async fn get_plan(&self, plan_id: &str) -> Result<PlanRecord, StoreError>;

    /// The committed plan of a network, if one was published.
    async fn published_plan(&self, network_id: &str) -> Result<Option<PlanRecord>, StoreError>;

    /// Commits a plan and appends a version to the log of every supplier
    /// whose allocation changed, all at once. A repeated `request_id` returns
    /// the first receipt and changes nothing.
    async fn publish(&self, publish: Publish) -> Result<PublishReceipt, StoreError>;

    /// The receipt of an earlier publish with this request id, if any.
    async fn publish_receipt(
        &self,
        network_id: &str,
        request_id: &str,
    ) -> Result<Option<PublishReceipt>, StoreError>;

    /// A supplier's log versions after `after_version`, oldest first.
    async fn allocation_log(
        &self,
        network_id: &str,
        enterprise: &str,
        after_version: u64,
    ) -> Result<Vec<AllocationVersion>, StoreError>;

    /// The latest version of a supplier's log, 0 when it has none. Changes
    /// whenever a version is appended, so a stream can wait for the next one.
    async fn watch_allocations(
        &self,
        network_id: &str,
        enterprise: &str,
    ) -> Result<watch::Receiver<u64>, StoreError>;

    /// Records a supplier's answer to one of its versions. Returns the record
    /// and the supplier's latest version. The first answer to a version
    /// stands: a repeat with the same decision returns the recorded answer
    /// (its note and time) and stores nothing; the other decision fails with
    /// `FailedPrecondition`.
    async fn acknowledge(
        &self,
        network_id: &str,
        ack: Acknowledgement,
    ) -> Result<(Acknowledgement, u64), StoreError>;

    /// A supplier's acknowledgements, oldest first.
    async fn acknowledgements(
        &self,
        network_id: &str,
        enterprise: &str,
    ) -> Result<Vec<Acknowledgement>, StoreError>;

    /// Stores a new scenario; ids are never reused.
    async fn put_scenario(&self, scenario: ScenarioRecord) -> Result<(), StoreError>;

    async fn get_scenario(&self, scenario_id: &str) -> Result<ScenarioRecord, StoreError>;

    /// The scenarios of a network, oldest first.
    async fn list_scenarios(&self, network_id: &str) -> Result<Vec<ScenarioRecord>, StoreError>;

    async fn delete_scenario(&self, scenario_id: &str) -> Result<(), StoreError>;

    /// Records the plans of a scenario's latest solve.
    async fn set_scenario_plans(
        &self,
        scenario_id: &str,
        plan_id: &str,
        base_plan_id: &str,
    ) -> Result<(), StoreError>;

    async fn set_replan_policy(
        &self,
        network_id: &str,
        policy: ReplanPolicy,
    ) -> Result<(), StoreError>;

    /// The network's policy, the default when none was set.
    async fn replan_policy(&self, network_id: &str) -> Result<ReplanPolicy, StoreError>;

    /// Stores a report of actuals and gives it its sequence number. A
    /// repeated `request_id` returns the first report and stores nothing.
    /// A report for a version before the network's latest roll, or beyond
    /// its latest version, fails with `Conflict`: its periods are closed
    /// already, or do not exist yet.
    async fn report_actuals(
        &self,
        network_id: &str,
        report: ActualsReport,
    ) -> Result<ActualsReport, StoreError>;

    /// The reports stored since the network's latest roll (all of them
    /// before its first), oldest first: what the next roll applies.
    async fn open_actuals(&self, network_id: &str) -> Result<Vec<ActualsReport>, StoreError>;

    /// Rolls the horizon: stores `document` as the version after
    /// `roll.from_version` (change [`NetworkChange::Roll`]) and the roll's
    /// record, together. Fails with `Conflict` unless `roll.from_version`
    /// is the latest version. A repeated `roll.request_id` returns the
    /// first roll and stores nothing.
    async fn roll(
        &self,
        network_id: &str,
        document: Arc<NetworkDoc>,
        reason: &str,
        roll: RollRecord,
    ) -> Result<RollRecord, StoreError>;

    /// The rolls of a network, oldest first. Never dropped.
    async fn rolls(&self, network_id: &str) -> Result<Vec<RollRecord>, StoreError>;
}

/// A supplier's changes from its `previous` version (its allocation and
/// period offset) to `allocation`, whose period 0 is absolute period
/// `period_offset`. The previous version is first rolled to the new one's
/// periods, so periods that closed in between are not changes.
pub(crate) fn allocation_changes(
    previous: Option<(&Allocation, u64)>,
    allocation: &Allocation,
    period_offset: u64,
) -> Vec<AllocationChange> {
    let previous = match previous {
        Some((previous, offset)) => previous.rolled(period_offset.saturating_sub(offset)),
        None => Allocation {
            enterprise: allocation.enterprise.clone(),
            entries: Vec::new(),
        },
    };
    diff_allocations(&previous, allocation)
}

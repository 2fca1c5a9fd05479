//! What the store keeps, as plain data: network versions, plans and their
//! re-plan impact, allocation versions, publishes, acknowledgements (with
//! counter-proposals), actuals reports, rolls of the horizon with the
//! plan-against-actual figures of the periods they closed, re-plan
//! policies, scenarios, and how much history to keep.

use crate::model::actuals::Actuals;
use crate::model::adherence::Adherence;
use crate::model::commitment::{CounterProposal, SupplyLimit};
use crate::model::roll::RollReport;
use crate::model::scenario::ScenarioChange;
use crate::model::{Allocation, AllocationChange, NetworkDoc, Plan, RepairRegion};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::SystemTime;

/// What made a new network version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkChange {
    /// A whole document from `PutNetwork`.
    Put,
    /// Demands or receipts added, changed or cancelled.
    UpdateOrders,
    /// Line capacity or downtime changed by the ERP or a planner.
    UpdateCapacity,
    /// A supplier reported lost or regained capacity.
    ReportCapacity,
    /// A what-if scenario became the live network.
    PromoteScenario,
    /// The horizon rolled: its first periods closed with their actuals.
    Roll,
}

/// One stored version of a network document.
#[derive(Debug, Clone)]
pub struct NetworkVersion {
    pub network_id: String,
    /// 1 for the first document, then +1 per change.
    pub version: u64,
    pub created_at: SystemTime,
    pub change: NetworkChange,
    /// Who or what asked for the change, in words.
    pub reason: String,
    pub document: Arc<NetworkDoc>,
}

/// A network at a glance, for listings.
#[derive(Debug, Clone)]
pub struct NetworkSummary {
    pub latest: NetworkVersion,
    /// The committed plan, once one was published.
    pub published_plan_id: Option<String>,
    /// How many publishes this network has seen.
    pub publish_version: u64,
    pub published_at: Option<SystemTime>,
}

/// How a plan came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanOrigin {
    /// A solve asked for by a caller.
    Solve,
    /// A re-plan asked for by a caller.
    Replan,
    /// A re-plan started by a capacity report or an order update.
    AutomaticReplan,
    /// The plan of a what-if scenario, which is never published.
    Scenario,
}

/// What a re-plan changed against the plan it replaces.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReplanImpact {
    pub base_plan_id: String,
    pub freeze_until: u32,
    pub stability_penalty: f64,
    pub units_changed: f64,
    /// Demands that the change can affect, with the causes behind them and
    /// their service before and after.
    pub affected_demands: Vec<AffectedDemand>,
    /// Suppliers whose allocation differs from the base plan's, with the delta.
    pub changed_suppliers: Vec<(String, Vec<AllocationChange>)>,
    pub unchanged_suppliers: Vec<String>,
    /// The region a repair re-plan could change; `None` when the whole
    /// chain was re-planned exactly.
    pub region: Option<RepairRegion>,
    /// Periods the horizon rolled between the base plan and the re-plan.
    pub periods_rolled: u32,
    /// The counter-proposals held and their cost; `None` when none applied.
    pub counter_proposals: Option<CounterProposalCost>,
}

/// The counter-proposals a re-plan held to, and the same re-plan without
/// them: what they cost the chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CounterProposalCost {
    /// In the re-plan's periods.
    pub held: Vec<CounterProposal>,
    pub objective_held: f64,
    pub objective_free: f64,
    /// Units delivered on time, late and never over all demands.
    pub service_held: DemandOutcome,
    pub service_free: DemandOutcome,
}

/// A demand a re-plan's cause can reach.
#[derive(Debug, Clone, PartialEq)]
pub struct AffectedDemand {
    pub demand: String,
    /// The enterprises or lines whose change can reach this demand.
    pub causes: Vec<String>,
    pub before: DemandOutcome,
    pub after: DemandOutcome,
}

/// How one demand is served by a plan, in units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct DemandOutcome {
    pub on_time: f64,
    pub late: f64,
    pub unmet: f64,
}

/// A plan and where it came from.
#[derive(Debug, Clone)]
pub struct PlanRecord {
    pub plan_id: String,
    pub network_id: String,
    pub network_version: u64,
    pub created_at: SystemTime,
    pub origin: PlanOrigin,
    pub base_plan_id: Option<String>,
    pub plan: Arc<Plan>,
    pub impact: Option<ReplanImpact>,
}

/// One version of one supplier's allocation log: the full allocation and
/// the changes from the version before it.
#[derive(Debug, Clone, PartialEq)]
pub struct AllocationVersion {
    pub enterprise: String,
    /// Counts up from 1 per supplier, with no gaps.
    pub version: u64,
    /// The network's publish that produced it.
    pub publish_version: u64,
    pub plan_id: String,
    pub published_at: SystemTime,
    pub allocation: Allocation,
    /// Against the previous version (against nothing for version 1), in
    /// absolute periods: the previous version shifted by the periods rolled
    /// between them, so a roll alone changes nothing.
    pub changes: Vec<AllocationChange>,
    /// The absolute period of the allocation's period 0: how many periods
    /// the network's horizon had rolled when its plan was solved.
    pub period_offset: u64,
}

/// A publish to record: the plan to commit and every supplier's new work.
#[derive(Debug, Clone)]
pub struct Publish {
    pub network_id: String,
    pub plan_id: String,
    /// The caller's id of this publish; a retry with the same id is applied once.
    pub request_id: Option<String>,
    /// Every supplier enterprise of the network, with its allocation under
    /// the plan (empty entries for a supplier with no work).
    pub allocations: Vec<Allocation>,
    /// The absolute period of the plan's period 0 (see
    /// [`AllocationVersion::period_offset`]).
    pub period_offset: u64,
}

/// The result of a publish.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishReceipt {
    pub publish_version: u64,
    pub published_at: SystemTime,
    /// Suppliers that got a new version: enterprise, version, entries changed.
    pub updated: Vec<(String, u64, usize)>,
    /// Suppliers whose work is unchanged (no new version).
    pub unchanged: Vec<String>,
}

/// A supplier's answer to one allocation version.
#[derive(Debug, Clone, PartialEq)]
pub struct Acknowledgement {
    pub enterprise: String,
    pub version: u64,
    pub accepted: bool,
    /// The note of an acceptance or the reason of a rejection.
    pub text: String,
    pub at: SystemTime,
    /// A rejection's counter-proposal: what the supplier can make or ship,
    /// in the periods of the version it answers. Empty for none.
    pub limits: Vec<SupplyLimit>,
}

/// One report of actuals, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActualsReport {
    /// The caller's id of the report; a retry with it is stored once.
    pub request_id: String,
    /// The supplier that reported, or `None` for the ERP.
    pub enterprise: Option<String>,
    /// The network version whose periods the report counts in. A report
    /// for a version before the latest roll is refused.
    pub network_version: u64,
    pub actuals: Actuals,
    pub at: SystemTime,
    /// Counts up from 1 per network, in the order reports were stored.
    pub sequence: u64,
}

/// One roll of a network's horizon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RollRecord {
    /// The caller's id of the roll; a retry with it is applied once.
    pub request_id: Option<String>,
    /// The version rolled, and the version the roll stored.
    pub from_version: u64,
    pub to_version: u64,
    /// The absolute period of `from_version`'s period 0; the periods
    /// closed are `period_offset .. period_offset + report.periods`.
    pub period_offset: u64,
    pub at: SystemTime,
    /// The actuals the roll applied, every report since the last roll merged.
    pub actuals: Actuals,
    pub report: RollReport,
    /// The committed plan the closed periods are measured against, and how
    /// they kept to it; `None` when nothing was published.
    pub plan_id: Option<String>,
    pub adherence: Option<Adherence>,
}

/// When and how a network is re-planned after a capacity report or an order
/// update.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplanPolicy {
    pub mode: ReplanMode,
    pub freeze_until: u32,
    pub stability_penalty: f64,
    /// Solver time limit of an automatic re-plan, in seconds.
    pub time_limit_seconds: Option<f64>,
}

impl Default for ReplanPolicy {
    fn default() -> Self {
        ReplanPolicy {
            mode: ReplanMode::OnRequest,
            freeze_until: 0,
            stability_penalty: 0.0,
            time_limit_seconds: None,
        }
    }
}

/// Whether a change re-plans by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplanMode {
    /// Only a `Replan` call re-plans.
    OnRequest,
    /// A capacity report or an order update starts a re-plan.
    Automatic,
    /// As `Automatic`, and the re-plan is published when it has a solution.
    AutomaticPublish,
}

/// A what-if scenario: an overlay of changes on a base network version. It
/// holds the changes only; the changed document is built when it is solved.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioRecord {
    pub scenario_id: String,
    pub name: String,
    pub network_id: String,
    pub base_version: u64,
    pub changes: Vec<ScenarioChange>,
    pub created_at: SystemTime,
    /// The plan of its latest solve.
    pub plan_id: Option<String>,
    /// The base plan that solve is compared against.
    pub base_plan_id: Option<String>,
}

/// How much history a store keeps per network. Older network versions and
/// plans are dropped as new ones are stored, except what is still in use:
/// the latest version, the committed plan and the version it was solved
/// for, and the base versions and plans of existing scenarios. Allocation
/// logs and acknowledgements are never dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Network versions kept per network, the latest included (at least 1).
    pub versions: usize,
    /// Plans kept per network, newest first (at least 1).
    pub plans: usize,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            versions: 50,
            plans: 100,
        }
    }
}

impl Retention {
    /// The limits with each at least 1.
    pub fn at_least_one(self) -> Retention {
        Retention {
            versions: self.versions.max(1),
            plans: self.plans.max(1),
        }
    }
}

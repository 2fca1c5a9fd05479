//! The stored form of the Redis store's records: JSON, through private wire
//! structs, and the decoding errors. No connection and no key names here.
//!
//! Why JSON: the network document and the plan are JSON by contract already
//! (docs/model.md), so what is stored is the form users read, and a chain can be
//! debugged with `redis-cli`; and the store must not import the transport's
//! protobuf types. Why wire structs rather than serde on the store's record
//! types: stored data outlives a deploy, so its field names and enum
//! spellings are a contract of their own, and the exhaustive conversions
//! here make a renamed or added field break the build instead of silently
//! changing what is on disk.
//!
//! Numbers: `serde_json` with `float_roundtrip` reads back every finite `f64`
//! bit for bit. JSON has no infinity or NaN; the one plan number that can
//! really be non-finite is `bound` (HiGHS reports no dual bound as -inf), so
//! the plan's optional numbers carry their non-finite values beside the plan.
//! Every other plan number is finite by construction (quantities of a
//! solution, sums of them, ratios with a guarded denominator); a plan is
//! decoded once before it is stored, so a non-finite one there fails the
//! write instead of leaving a record nobody can read.

use crate::model::commitment::SupplyLimit;
use crate::model::scenario::ScenarioChange;
use crate::model::{Allocation, AllocationChange, NetworkDoc, Plan, RepairRegion};
use crate::store::error::StoreError;
use crate::store::records::{
    Acknowledgement, AffectedDemand, AllocationVersion, CounterProposalCost, DemandOutcome,
    NetworkChange, NetworkVersion, PlanOrigin, PlanRecord, PublishReceipt, ReplanImpact,
    ReplanMode, ReplanPolicy, ScenarioRecord,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::sync::Arc;
use std::time::SystemTime;

/// JSON of a value.
///
/// # Errors
///
/// `Unavailable` if the value cannot be written as JSON (a map with
/// non-string keys; none of the wire structs has one).
pub(super) fn to_json<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value)
        .map_err(|e| StoreError::Unavailable(format!("cannot encode a record: {e}")))
}

/// A value from stored JSON; `what` names the record for the error.
///
/// # Errors
///
/// `Unavailable` when the stored bytes are not that record: the store cannot
/// serve what it holds, which the caller cannot fix.
pub(super) fn from_json<T: DeserializeOwned>(what: &str, json: &str) -> Result<T, StoreError> {
    serde_json::from_str(json)
        .map_err(|e| StoreError::Unavailable(format!("stored {what} does not decode: {e}")))
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ChangeWire {
    Put,
    UpdateOrders,
    UpdateCapacity,
    ReportCapacity,
    PromoteScenario,
    Roll,
}

impl From<NetworkChange> for ChangeWire {
    fn from(c: NetworkChange) -> Self {
        match c {
            NetworkChange::Put => ChangeWire::Put,
            NetworkChange::UpdateOrders => ChangeWire::UpdateOrders,
            NetworkChange::UpdateCapacity => ChangeWire::UpdateCapacity,
            NetworkChange::ReportCapacity => ChangeWire::ReportCapacity,
            NetworkChange::PromoteScenario => ChangeWire::PromoteScenario,
            NetworkChange::Roll => ChangeWire::Roll,
        }
    }
}

impl From<ChangeWire> for NetworkChange {
    fn from(c: ChangeWire) -> Self {
        match c {
            ChangeWire::Put => NetworkChange::Put,
            ChangeWire::UpdateOrders => NetworkChange::UpdateOrders,
            ChangeWire::UpdateCapacity => NetworkChange::UpdateCapacity,
            ChangeWire::ReportCapacity => NetworkChange::ReportCapacity,
            ChangeWire::PromoteScenario => NetworkChange::PromoteScenario,
            ChangeWire::Roll => NetworkChange::Roll,
        }
    }
}

/// A network version; its network id and number are in its key and field.
#[derive(Serialize, Deserialize)]
struct NetworkVersionWire<'a> {
    created_at: SystemTime,
    change: ChangeWire,
    reason: Cow<'a, str>,
    document: Arc<NetworkDoc>,
}

/// The stored form of a new network version, whose number the write script
/// picks.
pub(super) fn encode_network_version(
    created_at: SystemTime,
    change: NetworkChange,
    reason: &str,
    document: &Arc<NetworkDoc>,
) -> Result<String, StoreError> {
    to_json(&NetworkVersionWire {
        created_at,
        change: change.into(),
        reason: Cow::Borrowed(reason),
        document: document.clone(),
    })
}

pub(super) fn decode_network_version(
    network_id: &str,
    version: u64,
    json: &str,
) -> Result<NetworkVersion, StoreError> {
    let w: NetworkVersionWire = from_json("network version", json)?;
    Ok(NetworkVersion {
        network_id: network_id.to_string(),
        version,
        created_at: w.created_at,
        change: w.change.into(),
        reason: w.reason.into_owned(),
        document: w.document,
    })
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum OriginWire {
    Solve,
    Replan,
    AutomaticReplan,
    Scenario,
}

impl From<PlanOrigin> for OriginWire {
    fn from(o: PlanOrigin) -> Self {
        match o {
            PlanOrigin::Solve => OriginWire::Solve,
            PlanOrigin::Replan => OriginWire::Replan,
            PlanOrigin::AutomaticReplan => OriginWire::AutomaticReplan,
            PlanOrigin::Scenario => OriginWire::Scenario,
        }
    }
}

impl From<OriginWire> for PlanOrigin {
    fn from(o: OriginWire) -> Self {
        match o {
            OriginWire::Solve => PlanOrigin::Solve,
            OriginWire::Replan => PlanOrigin::Replan,
            OriginWire::AutomaticReplan => PlanOrigin::AutomaticReplan,
            OriginWire::Scenario => PlanOrigin::Scenario,
        }
    }
}

/// A number JSON cannot hold, by name.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
enum NonFinite {
    #[serde(rename = "inf")]
    Infinity,
    #[serde(rename = "-inf")]
    NegInfinity,
    #[serde(rename = "nan")]
    NaN,
}

impl NonFinite {
    fn of(v: Option<f64>) -> Option<NonFinite> {
        match v? {
            v if v.is_nan() => Some(NonFinite::NaN),
            v if v == f64::INFINITY => Some(NonFinite::Infinity),
            v if v == f64::NEG_INFINITY => Some(NonFinite::NegInfinity),
            _ => None,
        }
    }

    fn value(self) -> f64 {
        match self {
            NonFinite::Infinity => f64::INFINITY,
            NonFinite::NegInfinity => f64::NEG_INFINITY,
            NonFinite::NaN => f64::NAN,
        }
    }
}

/// The plan's optional numbers that are not finite, which JSON would write
/// as `null` and so read back as absent.
#[derive(Default, Serialize, Deserialize)]
struct PlanNonFinite {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    objective: Option<NonFinite>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bound: Option<NonFinite>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    gap: Option<NonFinite>,
}

impl PlanNonFinite {
    fn of(plan: &Plan) -> PlanNonFinite {
        PlanNonFinite {
            objective: NonFinite::of(plan.objective),
            bound: NonFinite::of(plan.bound),
            gap: NonFinite::of(plan.gap),
        }
    }

    fn is_empty(&self) -> bool {
        self.objective.is_none() && self.bound.is_none() && self.gap.is_none()
    }

    fn restore(&self, plan: &mut Arc<Plan>) {
        if self.is_empty() {
            return;
        }
        // A freshly decoded plan has one owner, so this does not copy.
        let plan = Arc::make_mut(plan);
        for (field, value) in [
            (&mut plan.objective, self.objective),
            (&mut plan.bound, self.bound),
            (&mut plan.gap, self.gap),
        ] {
            if let Some(v) = value {
                *field = Some(v.value());
            }
        }
    }
}

#[derive(Serialize, Deserialize)]
struct OutcomeWire {
    on_time: f64,
    late: f64,
    unmet: f64,
}

impl From<DemandOutcome> for OutcomeWire {
    fn from(o: DemandOutcome) -> Self {
        let DemandOutcome {
            on_time,
            late,
            unmet,
        } = o;
        OutcomeWire {
            on_time,
            late,
            unmet,
        }
    }
}

impl From<OutcomeWire> for DemandOutcome {
    fn from(o: OutcomeWire) -> Self {
        DemandOutcome {
            on_time: o.on_time,
            late: o.late,
            unmet: o.unmet,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct AffectedDemandWire<'a> {
    demand: Cow<'a, str>,
    causes: Cow<'a, [String]>,
    before: OutcomeWire,
    after: OutcomeWire,
}

#[derive(Serialize, Deserialize)]
struct ImpactWire<'a> {
    base_plan_id: Cow<'a, str>,
    freeze_until: u32,
    stability_penalty: f64,
    units_changed: f64,
    affected_demands: Vec<AffectedDemandWire<'a>>,
    changed_suppliers: Cow<'a, [(String, Vec<AllocationChange>)]>,
    unchanged_suppliers: Cow<'a, [String]>,
    // Absent in impacts stored before repair re-plans existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    region: Option<Cow<'a, RepairRegion>>,
    // Absent in impacts stored before rolls and counter-proposals existed.
    #[serde(default)]
    periods_rolled: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    counter_proposals: Option<Cow<'a, CounterProposalCost>>,
}

impl<'a> From<&'a ReplanImpact> for ImpactWire<'a> {
    fn from(i: &'a ReplanImpact) -> Self {
        let ReplanImpact {
            base_plan_id,
            freeze_until,
            stability_penalty,
            units_changed,
            affected_demands,
            changed_suppliers,
            unchanged_suppliers,
            region,
            periods_rolled,
            counter_proposals,
        } = i;
        ImpactWire {
            base_plan_id: Cow::Borrowed(base_plan_id),
            freeze_until: *freeze_until,
            stability_penalty: *stability_penalty,
            units_changed: *units_changed,
            affected_demands: affected_demands
                .iter()
                .map(|d| {
                    let AffectedDemand {
                        demand,
                        causes,
                        before,
                        after,
                    } = d;
                    AffectedDemandWire {
                        demand: Cow::Borrowed(demand),
                        causes: Cow::Borrowed(causes),
                        before: (*before).into(),
                        after: (*after).into(),
                    }
                })
                .collect(),
            changed_suppliers: Cow::Borrowed(changed_suppliers),
            unchanged_suppliers: Cow::Borrowed(unchanged_suppliers),
            region: region.as_ref().map(Cow::Borrowed),
            periods_rolled: *periods_rolled,
            counter_proposals: counter_proposals.as_ref().map(Cow::Borrowed),
        }
    }
}

impl From<ImpactWire<'_>> for ReplanImpact {
    fn from(w: ImpactWire<'_>) -> Self {
        ReplanImpact {
            base_plan_id: w.base_plan_id.into_owned(),
            freeze_until: w.freeze_until,
            stability_penalty: w.stability_penalty,
            units_changed: w.units_changed,
            affected_demands: w
                .affected_demands
                .into_iter()
                .map(|d| AffectedDemand {
                    demand: d.demand.into_owned(),
                    causes: d.causes.into_owned(),
                    before: d.before.into(),
                    after: d.after.into(),
                })
                .collect(),
            changed_suppliers: w.changed_suppliers.into_owned(),
            unchanged_suppliers: w.unchanged_suppliers.into_owned(),
            region: w.region.map(Cow::into_owned),
            periods_rolled: w.periods_rolled,
            counter_proposals: w.counter_proposals.map(Cow::into_owned),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct PlanRecordWire<'a> {
    plan_id: Cow<'a, str>,
    network_id: Cow<'a, str>,
    network_version: u64,
    created_at: SystemTime,
    origin: OriginWire,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    base_plan_id: Option<Cow<'a, str>>,
    plan: Arc<Plan>,
    #[serde(default, skip_serializing_if = "PlanNonFinite::is_empty")]
    plan_non_finite: PlanNonFinite,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    impact: Option<ImpactWire<'a>>,
}

/// The stored form of a plan record, checked to read back.
///
/// # Errors
///
/// `FailedPrecondition` when the plan holds a number JSON cannot carry in
/// a place that must have one (a NaN quantity, say).
/// A time as milliseconds since the Unix epoch, for sorted-set scores.
pub(super) fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

pub(super) fn encode_plan(record: &PlanRecord) -> Result<String, StoreError> {
    let PlanRecord {
        plan_id,
        network_id,
        network_version,
        created_at,
        origin,
        base_plan_id,
        plan,
        impact,
    } = record;
    let json = to_json(&PlanRecordWire {
        plan_id: Cow::Borrowed(plan_id),
        network_id: Cow::Borrowed(network_id),
        network_version: *network_version,
        created_at: *created_at,
        origin: (*origin).into(),
        base_plan_id: base_plan_id.as_deref().map(Cow::Borrowed),
        plan: plan.clone(),
        plan_non_finite: PlanNonFinite::of(plan),
        impact: impact.as_ref().map(ImpactWire::from),
    })?;
    if let Err(e) = serde_json::from_str::<PlanRecordWire>(&json) {
        return Err(StoreError::FailedPrecondition(format!(
            "plan \"{plan_id}\" holds a number that cannot be stored: {e}"
        )));
    }
    Ok(json)
}

pub(super) fn decode_plan(json: &str) -> Result<PlanRecord, StoreError> {
    let w: PlanRecordWire = from_json("plan", json)?;
    let mut plan = w.plan;
    w.plan_non_finite.restore(&mut plan);
    Ok(PlanRecord {
        plan_id: w.plan_id.into_owned(),
        network_id: w.network_id.into_owned(),
        network_version: w.network_version,
        created_at: w.created_at,
        origin: w.origin.into(),
        base_plan_id: w.base_plan_id.map(Cow::into_owned),
        plan,
        impact: w.impact.map(ReplanImpact::from),
    })
}

/// The network a stored plan belongs to, without decoding the plan itself.
pub(super) fn plan_network(json: &str) -> Result<String, StoreError> {
    #[derive(Deserialize)]
    struct Owner {
        network_id: String,
    }
    Ok(from_json::<Owner>("plan", json)?.network_id)
}

#[derive(Serialize, Deserialize)]
struct AllocationVersionWire<'a> {
    enterprise: Cow<'a, str>,
    version: u64,
    publish_version: u64,
    plan_id: Cow<'a, str>,
    published_at: SystemTime,
    allocation: Cow<'a, Allocation>,
    changes: Cow<'a, [AllocationChange]>,
    /// Absent in versions stored before rolls existed: 0.
    #[serde(default)]
    period_offset: u64,
}

pub(super) fn encode_allocation_version(v: &AllocationVersion) -> Result<String, StoreError> {
    let AllocationVersion {
        enterprise,
        version,
        publish_version,
        plan_id,
        published_at,
        allocation,
        changes,
        period_offset,
    } = v;
    to_json(&AllocationVersionWire {
        enterprise: Cow::Borrowed(enterprise),
        version: *version,
        publish_version: *publish_version,
        plan_id: Cow::Borrowed(plan_id),
        published_at: *published_at,
        allocation: Cow::Borrowed(allocation),
        changes: Cow::Borrowed(changes),
        period_offset: *period_offset,
    })
}

pub(super) fn decode_allocation_version(json: &str) -> Result<AllocationVersion, StoreError> {
    let w: AllocationVersionWire = from_json("allocation version", json)?;
    Ok(AllocationVersion {
        enterprise: w.enterprise.into_owned(),
        version: w.version,
        publish_version: w.publish_version,
        plan_id: w.plan_id.into_owned(),
        published_at: w.published_at,
        allocation: w.allocation.into_owned(),
        changes: w.changes.into_owned(),
        period_offset: w.period_offset,
    })
}

/// The stream entry id of an allocation version: the version is the id, so
/// a range read by version is a range read by id.
pub(super) fn entry_id(version: u64) -> String {
    format!("{version}-0")
}

/// The version of a stream entry id `<version>-0`.
pub(super) fn entry_version(id: &str) -> Result<u64, StoreError> {
    id.split_once('-')
        .and_then(|(v, _)| v.parse().ok())
        .ok_or_else(|| {
            StoreError::Unavailable(format!("allocation log entry id \"{id}\" is not a version"))
        })
}

#[derive(Serialize, Deserialize)]
struct ReceiptWire<'a> {
    publish_version: u64,
    published_at: SystemTime,
    updated: Cow<'a, [(String, u64, usize)]>,
    unchanged: Cow<'a, [String]>,
}

pub(super) fn encode_receipt(r: &PublishReceipt) -> Result<String, StoreError> {
    let PublishReceipt {
        publish_version,
        published_at,
        updated,
        unchanged,
    } = r;
    to_json(&ReceiptWire {
        publish_version: *publish_version,
        published_at: *published_at,
        updated: Cow::Borrowed(updated),
        unchanged: Cow::Borrowed(unchanged),
    })
}

pub(super) fn decode_receipt(json: &str) -> Result<PublishReceipt, StoreError> {
    let w: ReceiptWire = from_json("publish receipt", json)?;
    Ok(PublishReceipt {
        publish_version: w.publish_version,
        published_at: w.published_at,
        updated: w.updated.into_owned(),
        unchanged: w.unchanged.into_owned(),
    })
}

/// A point in time, as the meta hash keeps `published_at`.
pub(super) fn encode_time(at: SystemTime) -> Result<String, StoreError> {
    to_json(&at)
}

pub(super) fn decode_time(json: &str) -> Result<SystemTime, StoreError> {
    from_json("publish time", json)
}

#[derive(Serialize, Deserialize)]
struct AckWire<'a> {
    enterprise: Cow<'a, str>,
    version: u64,
    accepted: bool,
    text: Cow<'a, str>,
    at: SystemTime,
    /// A rejection's counter-proposal; absent when it has none.
    #[serde(default, skip_serializing_if = "<[SupplyLimit]>::is_empty")]
    limits: Cow<'a, [SupplyLimit]>,
}

pub(super) fn encode_ack(a: &Acknowledgement) -> Result<String, StoreError> {
    let Acknowledgement {
        enterprise,
        version,
        accepted,
        text,
        at,
        limits,
    } = a;
    to_json(&AckWire {
        enterprise: Cow::Borrowed(enterprise),
        version: *version,
        accepted: *accepted,
        text: Cow::Borrowed(text),
        at: *at,
        limits: Cow::Borrowed(limits),
    })
}

pub(super) fn decode_ack(json: &str) -> Result<Acknowledgement, StoreError> {
    let w: AckWire = from_json("acknowledgement", json)?;
    Ok(Acknowledgement {
        enterprise: w.enterprise.into_owned(),
        version: w.version,
        accepted: w.accepted,
        text: w.text.into_owned(),
        at: w.at,
        limits: w.limits.into_owned(),
    })
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ModeWire {
    OnRequest,
    Automatic,
    AutomaticPublish,
}

#[derive(Serialize, Deserialize)]
struct PolicyWire {
    mode: ModeWire,
    freeze_until: u32,
    stability_penalty: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    time_limit_seconds: Option<f64>,
}

pub(super) fn encode_policy(p: &ReplanPolicy) -> Result<String, StoreError> {
    let ReplanPolicy {
        mode,
        freeze_until,
        stability_penalty,
        time_limit_seconds,
    } = p;
    to_json(&PolicyWire {
        mode: match mode {
            ReplanMode::OnRequest => ModeWire::OnRequest,
            ReplanMode::Automatic => ModeWire::Automatic,
            ReplanMode::AutomaticPublish => ModeWire::AutomaticPublish,
        },
        freeze_until: *freeze_until,
        stability_penalty: *stability_penalty,
        time_limit_seconds: *time_limit_seconds,
    })
}

pub(super) fn decode_policy(json: &str) -> Result<ReplanPolicy, StoreError> {
    let w: PolicyWire = from_json("re-plan policy", json)?;
    Ok(ReplanPolicy {
        mode: match w.mode {
            ModeWire::OnRequest => ReplanMode::OnRequest,
            ModeWire::Automatic => ReplanMode::Automatic,
            ModeWire::AutomaticPublish => ReplanMode::AutomaticPublish,
        },
        freeze_until: w.freeze_until,
        stability_penalty: w.stability_penalty,
        time_limit_seconds: w.time_limit_seconds,
    })
}

#[derive(Serialize, Deserialize)]
struct ScenarioWire<'a> {
    scenario_id: Cow<'a, str>,
    name: Cow<'a, str>,
    network_id: Cow<'a, str>,
    base_version: u64,
    changes: Cow<'a, [ScenarioChange]>,
    created_at: SystemTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    plan_id: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    base_plan_id: Option<Cow<'a, str>>,
}

pub(super) fn encode_scenario(s: &ScenarioRecord) -> Result<String, StoreError> {
    let ScenarioRecord {
        scenario_id,
        name,
        network_id,
        base_version,
        changes,
        created_at,
        plan_id,
        base_plan_id,
    } = s;
    to_json(&ScenarioWire {
        scenario_id: Cow::Borrowed(scenario_id),
        name: Cow::Borrowed(name),
        network_id: Cow::Borrowed(network_id),
        base_version: *base_version,
        changes: Cow::Borrowed(changes),
        created_at: *created_at,
        plan_id: plan_id.as_deref().map(Cow::Borrowed),
        base_plan_id: base_plan_id.as_deref().map(Cow::Borrowed),
    })
}

/// A scenario from its record and, when it was solved since it was stored,
/// the plans of its latest solve (which win over the record's).
pub(super) fn decode_scenario(
    json: &str,
    plans: Option<&str>,
) -> Result<ScenarioRecord, StoreError> {
    let w: ScenarioWire = from_json("scenario", json)?;
    let mut scenario = ScenarioRecord {
        scenario_id: w.scenario_id.into_owned(),
        name: w.name.into_owned(),
        network_id: w.network_id.into_owned(),
        base_version: w.base_version,
        changes: w.changes.into_owned(),
        created_at: w.created_at,
        plan_id: w.plan_id.map(Cow::into_owned),
        base_plan_id: w.base_plan_id.map(Cow::into_owned),
    };
    if let Some(plans) = plans {
        let p: ScenarioPlansWire = from_json("scenario plans", plans)?;
        scenario.plan_id = Some(p.plan_id.into_owned());
        scenario.base_plan_id = Some(p.base_plan_id.into_owned());
    }
    Ok(scenario)
}

/// The plans of a scenario's latest solve, kept beside its record so that
/// recording them never rewrites the record.
#[derive(Serialize, Deserialize)]
struct ScenarioPlansWire<'a> {
    plan_id: Cow<'a, str>,
    base_plan_id: Cow<'a, str>,
}

pub(super) fn encode_scenario_plans(
    plan_id: &str,
    base_plan_id: &str,
) -> Result<String, StoreError> {
    to_json(&ScenarioPlansWire {
        plan_id: Cow::Borrowed(plan_id),
        base_plan_id: Cow::Borrowed(base_plan_id),
    })
}

/// A notification that a supplier's log reached a version.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub(super) struct Appended {
    pub network_id: String,
    pub enterprise: String,
    pub version: u64,
}

pub(super) fn encode_appended(
    network_id: &str,
    enterprise: &str,
    version: u64,
) -> Result<String, StoreError> {
    to_json(&(network_id, enterprise, version))
}

pub(super) fn decode_appended(payload: &[u8]) -> Result<Appended, StoreError> {
    let (network_id, enterprise, version): (String, String, u64) = serde_json::from_slice(payload)
        .map_err(|e| StoreError::Unavailable(format!("notification does not decode: {e}")))?;
    Ok(Appended {
        network_id,
        enterprise,
        version,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::commitment::{CounterProposal, LimitKind};
    use crate::model::{AllocationEntry, AllocationKind, PlanStatus};
    use std::time::Duration;

    fn at(nanos: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_nanos(nanos)
    }

    fn plan_record(plan: Plan) -> PlanRecord {
        PlanRecord {
            plan_id: "p1".into(),
            network_id: "n".into(),
            network_version: 3,
            created_at: at(1_700_000_000_123_456_789),
            origin: PlanOrigin::AutomaticReplan,
            base_plan_id: Some("p0".into()),
            plan: Arc::new(plan),
            impact: Some(ReplanImpact {
                base_plan_id: "p0".into(),
                freeze_until: 2,
                stability_penalty: 0.1,
                units_changed: 1.0 / 3.0,
                affected_demands: vec![AffectedDemand {
                    demand: "d1".into(),
                    causes: vec!["line-1".into()],
                    before: DemandOutcome {
                        on_time: 10.0,
                        late: 0.0,
                        unmet: 0.0,
                    },
                    after: DemandOutcome {
                        on_time: 7.5,
                        late: 2.5,
                        unmet: 0.0,
                    },
                }],
                periods_rolled: 2,
                counter_proposals: Some(CounterProposalCost {
                    held: vec![CounterProposal {
                        enterprise: "acme".into(),
                        limits: vec![SupplyLimit {
                            kind: LimitKind::Make,
                            item: "gear".into(),
                            period: 1,
                            qty: 2.5,
                        }],
                    }],
                    objective_held: 12.0,
                    objective_free: 10.0,
                    service_held: DemandOutcome::default(),
                    service_free: DemandOutcome {
                        on_time: 1.0,
                        late: 0.0,
                        unmet: 0.0,
                    },
                }),
                changed_suppliers: vec![("acme".into(), Vec::new())],
                unchanged_suppliers: vec!["b".into()],
                region: Some(RepairRegion {
                    sites: vec!["s1".into()],
                    widenings: 2,
                    proven_optimal: false,
                }),
            }),
        }
    }

    fn same_record(a: &PlanRecord, b: &PlanRecord) {
        assert_eq!(a.plan_id, b.plan_id);
        assert_eq!(a.network_id, b.network_id);
        assert_eq!(a.network_version, b.network_version);
        assert_eq!(a.created_at, b.created_at);
        assert_eq!(a.origin, b.origin);
        assert_eq!(a.base_plan_id, b.base_plan_id);
        assert_eq!(a.impact, b.impact);
    }

    #[test]
    fn plan_records_round_trip_with_exact_floats() {
        let mut plan = Plan::without_solution(PlanStatus::Optimal);
        plan.objective = Some(0.1 + 0.2);
        plan.bound = Some(1e-300);
        plan.gap = Some(0.0);
        plan.cost.production = std::f64::consts::PI;
        let record = plan_record(plan);
        let back = decode_plan(&encode_plan(&record).unwrap()).unwrap();
        same_record(&record, &back);
        assert_eq!(back.plan, record.plan);
        assert_eq!(
            back.plan.objective.unwrap().to_bits(),
            (0.1f64 + 0.2).to_bits()
        );
    }

    #[test]
    fn a_plan_without_a_dual_bound_keeps_it() {
        let mut plan = Plan::without_solution(PlanStatus::Feasible);
        plan.objective = Some(12.5);
        plan.bound = Some(f64::NEG_INFINITY);
        plan.gap = Some(f64::NAN);
        let json = encode_plan(&plan_record(plan)).unwrap();
        let back = decode_plan(&json).unwrap();
        assert_eq!(back.plan.objective, Some(12.5));
        assert_eq!(back.plan.bound, Some(f64::NEG_INFINITY));
        assert!(back.plan.gap.unwrap().is_nan());
    }

    #[test]
    fn a_plan_with_a_nan_quantity_is_refused_before_it_is_stored() {
        let mut plan = Plan::without_solution(PlanStatus::Optimal);
        plan.emissions = f64::NAN;
        assert!(matches!(
            encode_plan(&plan_record(plan)),
            Err(StoreError::FailedPrecondition(_))
        ));
    }

    #[test]
    fn the_owner_of_a_plan_reads_without_the_plan() {
        let json = encode_plan(&plan_record(Plan::without_solution(PlanStatus::Optimal))).unwrap();
        assert_eq!(plan_network(&json).unwrap(), "n");
    }

    #[test]
    fn allocation_versions_and_receipts_round_trip() {
        let version = AllocationVersion {
            enterprise: "acme".into(),
            version: 4,
            publish_version: 9,
            plan_id: "p1".into(),
            period_offset: 5,
            published_at: at(1_700_000_000_000_000_001),
            allocation: Allocation {
                enterprise: "acme".into(),
                entries: vec![AllocationEntry {
                    kind: AllocationKind::Ship,
                    site: "s".into(),
                    item: "gear".into(),
                    period: 3,
                    qty: 2.0 / 3.0,
                    resource: "lane".into(),
                    destination: Some("t".into()),
                }],
            },
            changes: Vec::new(),
        };
        let back =
            decode_allocation_version(&encode_allocation_version(&version).unwrap()).unwrap();
        assert_eq!(back, version);

        let receipt = PublishReceipt {
            publish_version: 9,
            published_at: at(5),
            updated: vec![("acme".into(), 4, 1)],
            unchanged: vec!["b".into()],
        };
        assert_eq!(
            decode_receipt(&encode_receipt(&receipt).unwrap()).unwrap(),
            receipt
        );
    }

    #[test]
    fn scenarios_read_with_the_plans_of_their_latest_solve() {
        let scenario = ScenarioRecord {
            scenario_id: "s1".into(),
            name: "what if".into(),
            network_id: "n".into(),
            base_version: 2,
            changes: vec![ScenarioChange::CarbonPrice { price: 80.0 }],
            created_at: at(77),
            plan_id: None,
            base_plan_id: None,
        };
        let json = encode_scenario(&scenario).unwrap();
        assert_eq!(decode_scenario(&json, None).unwrap(), scenario);
        let plans = encode_scenario_plans("p2", "p1").unwrap();
        let solved = decode_scenario(&json, Some(&plans)).unwrap();
        assert_eq!(solved.plan_id.as_deref(), Some("p2"));
        assert_eq!(solved.base_plan_id.as_deref(), Some("p1"));
    }

    #[test]
    fn policies_and_acknowledgements_round_trip() {
        let policy = ReplanPolicy {
            mode: ReplanMode::AutomaticPublish,
            freeze_until: 1,
            stability_penalty: 0.25,
            time_limit_seconds: Some(2.5),
        };
        assert_eq!(
            decode_policy(&encode_policy(&policy).unwrap()).unwrap(),
            policy
        );
        let ack = Acknowledgement {
            enterprise: "acme".into(),
            version: 2,
            accepted: false,
            text: "line down".into(),
            at: at(1),
            limits: vec![SupplyLimit {
                kind: LimitKind::Ship,
                item: "gear".into(),
                period: 3,
                qty: 0.0,
            }],
        };
        assert_eq!(decode_ack(&encode_ack(&ack).unwrap()).unwrap(), ack);
    }

    #[test]
    fn stored_enums_keep_their_spelling() {
        let json = encode_policy(&ReplanPolicy::default()).unwrap();
        assert!(json.contains("\"mode\":\"on_request\""), "{json}");
        let doc = Arc::new(NetworkDoc::empty(2));
        let json =
            encode_network_version(at(0), NetworkChange::PromoteScenario, "r", &doc).unwrap();
        assert!(json.contains("\"change\":\"promote_scenario\""), "{json}");
        let back = decode_network_version("n", 7, &json).unwrap();
        assert_eq!((back.network_id.as_str(), back.version), ("n", 7));
        assert_eq!(back.change, NetworkChange::PromoteScenario);
        assert_eq!(*back.document, *doc);
    }

    #[test]
    fn entry_ids_carry_the_version() {
        assert_eq!(entry_id(12), "12-0");
        assert_eq!(entry_version("12-0").unwrap(), 12);
        assert!(entry_version("x").is_err());
    }

    #[test]
    fn notifications_round_trip_any_id() {
        let payload = encode_appended("n\nx", "a\"b", 3).unwrap();
        assert_eq!(
            decode_appended(payload.as_bytes()).unwrap(),
            Appended {
                network_id: "n\nx".into(),
                enterprise: "a\"b".into(),
                version: 3,
            }
        );
        assert!(decode_appended(b"garbage").is_err());
    }
}

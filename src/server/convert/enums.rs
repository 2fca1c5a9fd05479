//! The enums of the document and the plan, both ways: UNSPECIFIED and
//! unknown numbers are problems.

use super::decode::{enum_value, FieldViolations};
use crate::model::{AllocationKind, PlanStatus, ResourceKind, Role};
use crate::server::pb;

// ---------------------------------------------------------------------------
// Enums
// ---------------------------------------------------------------------------

impl From<Role> for pb::EnterpriseRole {
    fn from(role: Role) -> Self {
        match role {
            Role::Leader => pb::EnterpriseRole::Leader,
            Role::Supplier => pb::EnterpriseRole::Supplier,
            Role::Customer => pb::EnterpriseRole::Customer,
            Role::Logistics => pb::EnterpriseRole::Logistics,
        }
    }
}

pub(super) fn role_from(value: i32, at: &str, errs: &mut FieldViolations) -> Role {
    match enum_value(value, at, "role", "role", errs) {
        Some(pb::EnterpriseRole::Leader) => Role::Leader,
        Some(pb::EnterpriseRole::Supplier) => Role::Supplier,
        Some(pb::EnterpriseRole::Customer) => Role::Customer,
        Some(pb::EnterpriseRole::Logistics) => Role::Logistics,
        // Reported by enum_value.
        Some(pb::EnterpriseRole::Unspecified) | None => Role::Supplier,
    }
}

impl From<PlanStatus> for pb::PlanStatus {
    fn from(status: PlanStatus) -> Self {
        match status {
            PlanStatus::Optimal => pb::PlanStatus::Optimal,
            PlanStatus::Feasible => pb::PlanStatus::Feasible,
            PlanStatus::Infeasible => pb::PlanStatus::Infeasible,
            PlanStatus::Unbounded => pb::PlanStatus::Unbounded,
            PlanStatus::NoSolution => pb::PlanStatus::NoSolution,
        }
    }
}

pub(super) fn status_from(value: i32, at: &str, errs: &mut FieldViolations) -> PlanStatus {
    match enum_value(value, at, "status", "plan status", errs) {
        Some(pb::PlanStatus::Optimal) => PlanStatus::Optimal,
        Some(pb::PlanStatus::Feasible) => PlanStatus::Feasible,
        Some(pb::PlanStatus::Infeasible) => PlanStatus::Infeasible,
        Some(pb::PlanStatus::Unbounded) => PlanStatus::Unbounded,
        Some(pb::PlanStatus::NoSolution) => PlanStatus::NoSolution,
        Some(pb::PlanStatus::Unspecified) | None => PlanStatus::NoSolution,
    }
}

impl From<AllocationKind> for pb::AllocationKind {
    fn from(kind: AllocationKind) -> Self {
        match kind {
            AllocationKind::Make => pb::AllocationKind::Make,
            AllocationKind::Ship => pb::AllocationKind::Ship,
        }
    }
}

pub(super) fn allocation_kind_from(
    value: i32,
    at: &str,
    errs: &mut FieldViolations,
) -> AllocationKind {
    match enum_value(value, at, "kind", "allocation kind", errs) {
        Some(pb::AllocationKind::Make) => AllocationKind::Make,
        Some(pb::AllocationKind::Ship) => AllocationKind::Ship,
        Some(pb::AllocationKind::Unspecified) | None => AllocationKind::Make,
    }
}

impl From<ResourceKind> for pb::ResourceKind {
    fn from(kind: ResourceKind) -> Self {
        match kind {
            ResourceKind::Line => pb::ResourceKind::Line,
            ResourceKind::Lane => pb::ResourceKind::Lane,
        }
    }
}

pub(super) fn resource_kind_from(value: i32, at: &str, errs: &mut FieldViolations) -> ResourceKind {
    match enum_value(value, at, "kind", "resource kind", errs) {
        Some(pb::ResourceKind::Line) => ResourceKind::Line,
        Some(pb::ResourceKind::Lane) => ResourceKind::Lane,
        Some(pb::ResourceKind::Unspecified) | None => ResourceKind::Line,
    }
}

//! Allocations and their changes, both ways.

use super::decode::{decode_list, map_list, Decode, FieldViolations};
use super::enums::allocation_kind_from;
use crate::model::{Allocation, AllocationChange, AllocationEntry};
use crate::server::pb;

// ---------------------------------------------------------------------------
// Allocations, both ways
// ---------------------------------------------------------------------------

impl From<Allocation> for pb::Allocation {
    fn from(allocation: Allocation) -> Self {
        let Allocation {
            enterprise,
            entries,
        } = allocation;
        pb::Allocation {
            enterprise,
            entries: map_list(entries),
        }
    }
}

impl From<AllocationEntry> for pb::AllocationEntry {
    fn from(entry: AllocationEntry) -> Self {
        let AllocationEntry {
            kind,
            site,
            item,
            period,
            qty,
            resource,
            destination,
        } = entry;
        pb::AllocationEntry {
            kind: pb::AllocationKind::from(kind) as i32,
            site,
            item,
            period,
            qty,
            resource,
            destination,
        }
    }
}

impl From<AllocationChange> for pb::AllocationChange {
    fn from(change: AllocationChange) -> Self {
        let AllocationChange {
            kind,
            site,
            item,
            period,
            resource,
            destination,
            qty_before,
            qty_after,
        } = change;
        pb::AllocationChange {
            kind: pb::AllocationKind::from(kind) as i32,
            site,
            item,
            period,
            resource,
            destination,
            qty_before,
            qty_after,
        }
    }
}

impl Decode<pb::Allocation> for Allocation {
    fn decode(msg: pb::Allocation, at: &str, errs: &mut FieldViolations) -> Self {
        let pb::Allocation {
            enterprise,
            entries,
        } = msg;
        Allocation {
            enterprise,
            entries: decode_list(entries, at, "entries", errs),
        }
    }
}

impl Decode<pb::AllocationEntry> for AllocationEntry {
    fn decode(msg: pb::AllocationEntry, at: &str, errs: &mut FieldViolations) -> Self {
        let pb::AllocationEntry {
            kind,
            site,
            item,
            period,
            qty,
            resource,
            destination,
        } = msg;
        AllocationEntry {
            kind: allocation_kind_from(kind, at, errs),
            site,
            item,
            period,
            qty,
            resource,
            destination,
        }
    }
}

impl Decode<pb::AllocationChange> for AllocationChange {
    fn decode(msg: pb::AllocationChange, at: &str, errs: &mut FieldViolations) -> Self {
        let pb::AllocationChange {
            kind,
            site,
            item,
            period,
            resource,
            destination,
            qty_before,
            qty_after,
        } = msg;
        AllocationChange {
            kind: allocation_kind_from(kind, at, errs),
            site,
            item,
            period,
            resource,
            destination,
            qty_before,
            qty_after,
        }
    }
}

/// Converts a list of allocation changes (an `AllocationDelta`'s `changes`),
/// collecting every problem under `changes[i]`.
pub fn allocation_changes_from_pb(
    changes: Vec<pb::AllocationChange>,
) -> Result<Vec<AllocationChange>, FieldViolations> {
    let mut errs = FieldViolations::default();
    let changes = decode_list(changes, "", "changes", &mut errs);
    errs.into_result(changes)
}

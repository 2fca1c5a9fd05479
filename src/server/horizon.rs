//! Where a network version sits on the chain's time line: the periods
//! rolled before a version and between two versions, a plan moved to a
//! later version's periods, and the suppliers' counter-proposals a re-plan
//! of a version must hold, moved to its periods. Reads the store; knows
//! nothing of the transport.

use crate::model::commitment::{validate_limits, CounterProposal};
use crate::model::{NetworkDoc, Plan, Role};
use crate::store::{RollRecord, Store, StoreError};
use std::sync::Arc;

/// The absolute period of `version`'s period 0: the periods every roll up
/// to it closed.
pub fn offset_at(rolls: &[RollRecord], version: u64) -> u64 {
    rolls
        .iter()
        .filter(|r| r.to_version <= version)
        .map(|r| u64::from(r.report.periods))
        .sum()
}

/// Periods rolled after version `from` up to version `to`.
pub fn rolled_between(rolls: &[RollRecord], from: u64, to: u64) -> u32 {
    let periods = offset_at(rolls, to).saturating_sub(offset_at(rolls, from));
    u32::try_from(periods).unwrap_or(u32::MAX)
}

/// `plan`, solved for version `from`, in the periods of version `to`.
pub fn plan_at(rolls: &[RollRecord], plan: &Arc<Plan>, from: u64, to: u64) -> Arc<Plan> {
    match rolled_between(rolls, from, to) {
        0 => plan.clone(),
        k => Arc::new(plan.rolled(k)),
    }
}

/// The counter-proposals a re-plan of `doc` (a version whose period 0 is
/// absolute period `offset`) holds: each supplier whose latest answer (to
/// its highest version answered) is a rejection with a counter-proposal,
/// its limits moved from that version's periods to the re-plan's. Limits
/// of closed periods are gone, and a limit the document no longer fits (an
/// item the supplier stopped making) is dropped rather than failing the
/// re-plan.
///
/// # Errors
/// The store's.
pub async fn held_counter_proposals(
    store: &dyn Store,
    network_id: &str,
    doc: &NetworkDoc,
    offset: u64,
) -> Result<Vec<CounterProposal>, StoreError> {
    let mut held = Vec::new();
    let suppliers = doc.enterprises.iter().filter(|e| e.role == Role::Supplier);
    for enterprise in suppliers.map(|e| e.id.clone()) {
        let acks = store.acknowledgements(network_id, &enterprise).await?;
        let Some(last) = acks.iter().max_by_key(|a| a.version) else {
            continue;
        };
        if last.accepted || last.limits.is_empty() {
            continue;
        }
        let answered = store
            .allocation_log(network_id, &enterprise, last.version - 1)
            .await?;
        let Some(version) = answered.first().filter(|v| v.version == last.version) else {
            continue;
        };
        let Some(shift) = offset.checked_sub(version.period_offset) else {
            continue;
        };
        let limits: Vec<_> = last
            .limits
            .iter()
            .filter_map(|l| {
                let period = u64::from(l.period).checked_sub(shift)?;
                let mut moved = l.clone();
                moved.period = u32::try_from(period).ok()?;
                validate_limits(doc, &enterprise, std::slice::from_ref(&moved))
                    .is_empty()
                    .then_some(moved)
            })
            .collect();
        if !limits.is_empty() {
            held.push(CounterProposal { enterprise, limits });
        }
    }
    Ok(held)
}

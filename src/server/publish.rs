//! Publishing a plan: it becomes the network's committed plan and every
//! supplier whose work changed gets a new version of its allocation log.

use crate::model::{Allocation, NetworkDoc, Plan, Role};
use crate::server::horizon::offset_at;
use crate::server::status::ServiceError;
use crate::store::{Publish, PublishReceipt, Store};
use std::sync::Arc;

/// The supplier enterprises of a network, in document order.
pub fn suppliers(doc: &NetworkDoc) -> Vec<String> {
    doc.enterprises
        .iter()
        .filter(|e| e.role == Role::Supplier)
        .map(|e| e.id.clone())
        .collect()
}

/// Every supplier's allocation under a plan, empty for a supplier without work.
pub fn supplier_allocations(doc: &NetworkDoc, plan: &Plan) -> Vec<Allocation> {
    suppliers(doc)
        .into_iter()
        .map(|enterprise| {
            plan.allocations
                .iter()
                .find(|a| a.enterprise == enterprise)
                .cloned()
                .unwrap_or(Allocation {
                    enterprise,
                    entries: Vec::new(),
                })
        })
        .collect()
}

/// Publishes a stored plan.
///
/// # Errors
/// NOT_FOUND for an unknown plan; FAILED_PRECONDITION for a plan without a
/// solution or one solved for a network version that is no longer the
/// latest (unless this exact publish was already applied).
pub async fn publish_plan(
    store: &Arc<dyn Store>,
    plan_id: &str,
    request_id: Option<String>,
) -> Result<PublishReceipt, ServiceError> {
    let record = store.get_plan(plan_id).await?;
    if record.origin == crate::store::PlanOrigin::Scenario {
        return Err(ServiceError::FailedPrecondition(format!(
            "plan \"{plan_id}\" belongs to a what-if scenario; promote the scenario and solve the new version"
        )));
    }
    if !record.plan.status.has_solution() {
        return Err(ServiceError::FailedPrecondition(format!(
            "plan \"{plan_id}\" has status {} and cannot be published",
            record.plan.status.as_str()
        )));
    }
    let network = store
        .get_network(&record.network_id, Some(record.network_version))
        .await?;
    let latest = store.get_network(&record.network_id, None).await?;
    let rolls = store.rolls(&record.network_id).await?;
    let publish = Publish {
        network_id: record.network_id.clone(),
        plan_id: plan_id.to_string(),
        request_id,
        allocations: supplier_allocations(&network.document, &record.plan),
        period_offset: offset_at(&rolls, record.network_version),
    };
    if latest.version != record.network_version {
        // A retry of a publish that did apply before the network moved on
        // still gets its receipt; anything else is stale.
        if let Some(request_id) = &publish.request_id {
            if let Some(receipt) = store
                .publish_receipt(&publish.network_id, request_id)
                .await?
            {
                return Ok(receipt);
            }
        }
        return Err(ServiceError::FailedPrecondition(format!(
            "plan \"{plan_id}\" was solved for version {} of network \"{}\", which is now at version {}; solve or re-plan again",
            record.network_version, record.network_id, latest.version
        )));
    }
    let receipt = store.publish(publish).await?;
    crate::metrics::metrics().published();
    Ok(receipt)
}

//! `NetworkService`: the ERP's network documents, their versions, and the
//! changes that do not resend them (orders, capacity).

use crate::model::edit::{apply_capacity_changes, apply_order_changes};
use crate::server::auth::{Caller, Need};
use crate::server::convert::records;
use crate::server::pb;
use crate::server::pb::network_service_server::NetworkService;
use crate::server::state::{AppState, ReplanStarted};
use crate::server::status::{check_id, check_text, ServiceError};
use crate::store::NetworkChange;
use std::sync::Arc;
use tonic::{Request, Response, Status};

/// Page size of `ListNetworks` when the caller gives none, and the most it may ask.
const DEFAULT_PAGE: usize = 100;
const MAX_PAGE: usize = 1000;

#[derive(Clone)]
pub struct NetworkApi {
    pub state: AppState,
}

fn trigger(r: Option<ReplanStarted>) -> Option<pb::ReplanTrigger> {
    r.map(|r| pb::ReplanTrigger {
        job_id: r.job_id,
        plan_id: r.plan_id,
    })
}

/// A network id must be usable as a key: non-empty, printable, no spaces.
///
/// # Errors
/// INVALID_ARGUMENT naming `network_id`.
pub fn check_network_id(id: &str) -> Result<(), ServiceError> {
    check_id("network_id", id)
}

fn expected(v: u64) -> Option<u64> {
    (v != 0).then_some(v)
}

#[tonic::async_trait]
impl NetworkService for NetworkApi {
    async fn put_network(
        &self,
        request: Request<pb::PutNetworkRequest>,
    ) -> Result<Response<pb::PutNetworkResponse>, Status> {
        Caller::of(&request).require(Need::Erp)?;
        let pb::PutNetworkRequest {
            network_id,
            document,
            expected_version,
        } = request.into_inner();
        check_network_id(&network_id)?;
        let document = document.ok_or_else(|| ServiceError::invalid("document", "required"))?;
        let doc = records::document_from_pb("document", document)?;
        self.state.check_document("document", &doc)?;
        let stored = self
            .state
            .store
            .put_network(
                &network_id,
                Arc::new(doc),
                NetworkChange::Put,
                "PutNetwork",
                expected(expected_version),
            )
            .await
            .map_err(ServiceError::from)?;
        Ok(Response::new(pb::PutNetworkResponse {
            network: Some(records::network_version(&stored)),
        }))
    }

    async fn get_network(
        &self,
        request: Request<pb::GetNetworkRequest>,
    ) -> Result<Response<pb::GetNetworkResponse>, Status> {
        Caller::of(&request).require(Need::ErpOrPlanner)?;
        let pb::GetNetworkRequest {
            network_id,
            version,
        } = request.into_inner();
        check_network_id(&network_id)?;
        let found = self
            .state
            .store
            .get_network(&network_id, expected(version))
            .await
            .map_err(ServiceError::from)?;
        Ok(Response::new(pb::GetNetworkResponse {
            network: Some(records::network_version(&found)),
            document: Some(records::document_to_pb(&found.document)),
        }))
    }

    async fn list_networks(
        &self,
        request: Request<pb::ListNetworksRequest>,
    ) -> Result<Response<pb::ListNetworksResponse>, Status> {
        Caller::of(&request).require(Need::ErpOrPlanner)?;
        let pb::ListNetworksRequest {
            page_size,
            page_token,
        } = request.into_inner();
        let size = match page_size as usize {
            0 => DEFAULT_PAGE,
            n => n.min(MAX_PAGE),
        };
        if !page_token.is_empty() {
            check_id("page_token", &page_token)?;
        }
        let all = self
            .state
            .store
            .list_networks()
            .await
            .map_err(ServiceError::from)?;
        // The page token is the last id of the previous page; ids are ordered.
        let rest: Vec<_> = all
            .into_iter()
            .filter(|n| page_token.is_empty() || n.latest.network_id > page_token)
            .collect();
        let more = rest.len() > size;
        let page: Vec<_> = rest.into_iter().take(size).collect();
        let next_page_token = if more {
            page.last()
                .map(|n| n.latest.network_id.clone())
                .unwrap_or_default()
        } else {
            String::new()
        };
        Ok(Response::new(pb::ListNetworksResponse {
            networks: page
                .iter()
                .map(|n| pb::NetworkSummary {
                    network_id: n.latest.network_id.clone(),
                    // A listing stays small: the reason, free text of up to
                    // 4 KiB per network, is for GetNetwork.
                    latest: Some(pb::NetworkVersion {
                        reason: String::new(),
                        ..records::network_version(&n.latest)
                    }),
                    published_plan_id: n.published_plan_id.clone().unwrap_or_default(),
                    publish_version: n.publish_version,
                    published_at: n.published_at.map(records::timestamp),
                })
                .collect(),
            next_page_token,
        }))
    }

    async fn update_orders(
        &self,
        request: Request<pb::UpdateOrdersRequest>,
    ) -> Result<Response<pb::UpdateOrdersResponse>, Status> {
        Caller::of(&request).require(Need::Erp)?;
        let pb::UpdateOrdersRequest {
            network_id,
            expected_version,
            changes,
        } = request.into_inner();
        check_network_id(&network_id)?;
        if changes.is_empty() {
            return Err(ServiceError::invalid("changes", "no changes given").into());
        }
        let changes = records::order_changes(&changes)?;
        let (stored, replan) = self
            .state
            .change_network(
                &network_id,
                expected(expected_version),
                NetworkChange::UpdateOrders,
                "UpdateOrders",
                Vec::new(),
                |doc| apply_order_changes(doc, &changes)?.validated(),
            )
            .await?;
        Ok(Response::new(pb::UpdateOrdersResponse {
            network: Some(records::network_version(&stored)),
            replan: trigger(replan),
        }))
    }

    async fn update_capacity(
        &self,
        request: Request<pb::UpdateCapacityRequest>,
    ) -> Result<Response<pb::UpdateCapacityResponse>, Status> {
        Caller::of(&request).require(Need::ErpOrPlanner)?;
        let pb::UpdateCapacityRequest {
            network_id,
            expected_version,
            changes,
            reason,
        } = request.into_inner();
        check_network_id(&network_id)?;
        if changes.is_empty() {
            return Err(ServiceError::invalid("changes", "no changes given").into());
        }
        check_text("reason", &reason)?;
        let changes = records::capacity_changes(&changes)?;
        let current = self
            .state
            .store
            .get_network(&network_id, None)
            .await
            .map_err(ServiceError::from)?;
        let causes = line_owners(&current.document, changes.iter().map(|c| c.line.as_str()));
        let reason = if reason.is_empty() {
            "UpdateCapacity".to_string()
        } else {
            reason
        };
        let (stored, replan) = self
            .state
            .change_network(
                &network_id,
                expected(expected_version),
                NetworkChange::UpdateCapacity,
                &reason,
                causes,
                |doc| apply_capacity_changes(doc, &changes)?.validated(),
            )
            .await?;
        Ok(Response::new(pb::UpdateCapacityResponse {
            network: Some(records::network_version(&stored)),
            replan: trigger(replan),
        }))
    }
}

/// The enterprises owning the given lines (unknown lines are skipped; the
/// edit reports them).
pub fn line_owners<'a>(
    doc: &crate::model::NetworkDoc,
    lines: impl Iterator<Item = &'a str>,
) -> Vec<String> {
    let mut owners: Vec<String> = lines
        .filter_map(|l| doc.lines.iter().find(|x| x.id == l))
        .filter_map(|l| doc.sites.iter().find(|s| s.id == l.site))
        .map(|s| s.enterprise.clone())
        .collect();
    owners.sort();
    owners.dedup();
    owners
}

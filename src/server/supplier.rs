//! `SupplierService`: a supplier's allocation stream, its acknowledgements
//! and its capacity reports. Every call acts for the caller's own enterprise
//! only (see `auth.rs`); asking for another is PERMISSION_DENIED and says
//! nothing about it.

use crate::model::edit::{apply_capacity_changes, CapacityChange, CapacityEdit};
use crate::model::Role;
use crate::server::auth::Caller;
use crate::server::pb;
use crate::server::pb::supplier_service_server::SupplierService;
use crate::server::records;
use crate::server::state::AppState;
use crate::server::status::ServiceError;
use crate::store::{Acknowledgement, NetworkChange};
use std::pin::Pin;
use std::time::SystemTime;
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::Stream;
use tonic::{Request, Response, Status};

pub struct SupplierApi {
    pub state: AppState,
}

/// Messages buffered per stream before the sender waits for the client.
const STREAM_BUFFER: usize = 32;

impl SupplierApi {
    /// Checks that `enterprise` is a supplier of the network's latest version.
    /// For a supplier caller it always is (its token says so); an unknown one
    /// is NOT_FOUND for the ERP and planners, who may know the network.
    async fn check_supplier(&self, network_id: &str, enterprise: &str) -> Result<(), ServiceError> {
        crate::server::network::check_network_id(network_id)?;
        let network = self.state.store.get_network(network_id, None).await?;
        let known = network
            .document
            .enterprises
            .iter()
            .any(|e| e.id == enterprise && e.role == Role::Supplier);
        if known {
            Ok(())
        } else {
            Err(ServiceError::NotFound(format!(
                "no supplier \"{enterprise}\" in network \"{network_id}\""
            )))
        }
    }
}

type UpdateStream =
    Pin<Box<dyn Stream<Item = Result<pb::WatchAllocationsResponse, Status>> + Send>>;

#[tonic::async_trait]
impl SupplierService for SupplierApi {
    type WatchAllocationsStream = UpdateStream;

    async fn watch_allocations(
        &self,
        request: Request<pb::WatchAllocationsRequest>,
    ) -> Result<Response<Self::WatchAllocationsStream>, Status> {
        let caller = Caller::of(&request);
        let pb::WatchAllocationsRequest {
            network_id,
            enterprise,
            after_version,
        } = request.into_inner();
        let enterprise = caller.supplier_watch(&enterprise)?;
        self.check_supplier(&network_id, &enterprise).await?;
        let store = self.state.store.clone();
        // Subscribe before reading the log, so a version appended in between
        // still wakes the stream; versions are sent by number, never twice.
        let mut latest = store
            .watch_allocations(&network_id, &enterprise)
            .await
            .map_err(ServiceError::from)?;
        let mut shutdown = self.state.shutdown.clone();
        let (tx, rx) = tokio::sync::mpsc::channel(STREAM_BUFFER);
        tokio::spawn(async move {
            let mut sent = after_version;
            // A fresh watcher (after_version 0) gets the current allocation
            // whole, then deltas; a resuming one gets every version it missed.
            let mut first = after_version == 0;
            loop {
                latest.borrow_and_update();
                let log = match store.allocation_log(&network_id, &enterprise, sent).await {
                    Ok(log) => log,
                    Err(e) => {
                        let _ = tx.send(Err(Status::from(ServiceError::from(e)))).await;
                        return;
                    }
                };
                let log: &[_] = if first && log.len() > 1 {
                    &log[log.len() - 1..]
                } else {
                    &log
                };
                for version in log {
                    let update = records::allocation_update(version, first);
                    first = false;
                    sent = version.version;
                    let message = pb::WatchAllocationsResponse {
                        update: Some(update),
                    };
                    if tx.send(Ok(message)).await.is_err() {
                        return; // the supplier went away
                    }
                }
                tokio::select! {
                    changed = latest.changed() => if changed.is_err() { return },
                    _ = shutdown.changed() => {
                        let _ = tx.send(Err(Status::unavailable("the server is shutting down; resume with after_version"))).await;
                        return;
                    }
                    _ = tx.closed() => return,
                }
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }

    async fn acknowledge(
        &self,
        request: Request<pb::AcknowledgeRequest>,
    ) -> Result<Response<pb::AcknowledgeResponse>, Status> {
        let caller = Caller::of(&request);
        let pb::AcknowledgeRequest {
            network_id,
            enterprise,
            version,
            decision,
        } = request.into_inner();
        let enterprise = caller.supplier_write(&enterprise)?;
        self.check_supplier(&network_id, &enterprise).await?;
        let (accepted, text) = match decision {
            Some(pb::acknowledge_request::Decision::Accept(a)) => (true, a.note),
            Some(pb::acknowledge_request::Decision::Reject(r)) => {
                if r.reason.trim().is_empty() {
                    return Err(ServiceError::invalid(
                        "reject.reason",
                        "a rejection needs a reason",
                    )
                    .into());
                }
                (false, r.reason)
            }
            None => {
                return Err(
                    ServiceError::invalid("decision", "accept or reject is required").into(),
                )
            }
        };
        if version == 0 {
            return Err(
                ServiceError::invalid("version", "required (versions count from 1)").into(),
            );
        }
        let (ack, latest) = self
            .state
            .store
            .acknowledge(
                &network_id,
                Acknowledgement {
                    enterprise,
                    version,
                    accepted,
                    text,
                    at: SystemTime::now(),
                },
            )
            .await
            .map_err(ServiceError::from)?;
        Ok(Response::new(pb::AcknowledgeResponse {
            version: ack.version,
            acknowledged_at: Some(records::timestamp(ack.at)),
            current: ack.version == latest,
        }))
    }

    async fn report_capacity(
        &self,
        request: Request<pb::ReportCapacityRequest>,
    ) -> Result<Response<pb::ReportCapacityResponse>, Status> {
        let caller = Caller::of(&request);
        let pb::ReportCapacityRequest {
            network_id,
            enterprise,
            line,
            periods,
            capacity,
            reason,
        } = request.into_inner();
        let enterprise = caller.supplier_write(&enterprise)?;
        self.check_supplier(&network_id, &enterprise).await?;
        let current = self
            .state
            .store
            .get_network(&network_id, None)
            .await
            .map_err(ServiceError::from)?;
        // A line of another enterprise is refused exactly like an unknown
        // one, so a supplier learns nothing about others' lines.
        let owns = current.document.lines.iter().any(|l| {
            l.id == line
                && current
                    .document
                    .sites
                    .iter()
                    .any(|s| s.id == l.site && s.enterprise == enterprise)
        });
        if !owns {
            return Err(ServiceError::PermissionDenied(
                "line: not a line of your enterprise".into(),
            )
            .into());
        }
        let periods = records::periods("periods", periods.as_ref())?;
        let change = CapacityChange {
            line: line.clone(),
            periods,
            edit: CapacityEdit::Set(capacity),
        };
        let reason = format!(
            "ReportCapacity by {enterprise}{}",
            if reason.is_empty() {
                String::new()
            } else {
                format!(": {reason}")
            }
        );
        let (stored, replan) = self
            .state
            .change_network(
                &network_id,
                Some(current.version),
                NetworkChange::ReportCapacity,
                &reason,
                vec![enterprise],
                |doc| {
                    apply_capacity_changes(doc, std::slice::from_ref(&change)).map_err(|problems| {
                        problems
                            .into_iter()
                            .map(|mut p| {
                                // The request has one change: drop its index.
                                p.path = p.path.trim_start_matches("changes[0].").to_string();
                                p
                            })
                            .collect()
                    })
                },
            )
            .await?;
        Ok(Response::new(pb::ReportCapacityResponse {
            network_version: stored.version,
            replan: replan.map(|r| pb::ReplanTrigger {
                job_id: r.job_id,
                plan_id: r.plan_id,
            }),
        }))
    }
}

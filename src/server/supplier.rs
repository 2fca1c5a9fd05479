//! `SupplierService`: a supplier's allocation stream, its acknowledgements
//! and its capacity reports. Every call acts for the caller's own enterprise
//! only (see `auth.rs`); asking for another is PERMISSION_DENIED and says
//! nothing about it.

use crate::metrics::{metrics, OpenStream};
use crate::model::commitment::validate_limits;
use crate::model::edit::{
    apply_capacity_changes, CapacityChange, CapacityEdit, EditProblem, Edited,
};
use crate::model::text::echo;
use crate::model::{Problem, Role};
use crate::server::auth::Caller;
use crate::server::convert::{execution, records};
use crate::server::pb;
use crate::server::pb::supplier_service_server::SupplierService;
use crate::server::state::AppState;
use crate::server::status::{check_id, check_text, ServiceError};
use crate::store::{Acknowledgement, NetworkChange, NetworkVersion, StoreError};
use std::pin::Pin;
use std::time::SystemTime;
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::Stream;
use tonic::{Request, Response, Status};

#[derive(Clone)]
pub struct SupplierApi {
    pub state: AppState,
}

/// Messages buffered per stream before the sender waits for the client.
const STREAM_BUFFER: usize = 32;

impl SupplierApi {
    async fn check_supplier(
        &self,
        caller: &Caller,
        network_id: &str,
        enterprise: &str,
    ) -> Result<NetworkVersion, ServiceError> {
        supplier_network(&self.state, caller, network_id, enterprise).await
    }
}

/// Checks that `enterprise` is a supplier of the network's latest version,
/// and returns that version. A supplier caller gets the same NOT_FOUND for
/// a network that does not exist and for one it is not part of, so it
/// cannot learn which network ids exist; the ERP and planners, who may list
/// networks, are told which it is.
///
/// # Errors
/// NOT_FOUND as above; the store's.
pub async fn supplier_network(
    state: &AppState,
    caller: &Caller,
    network_id: &str,
    enterprise: &str,
) -> Result<NetworkVersion, ServiceError> {
    crate::server::network::check_network_id(network_id)?;
    let hidden = || ServiceError::NotFound(format!("network \"{}\" not found", echo(network_id)));
    let network = match state.store.get_network(network_id, None).await {
        Ok(n) => n,
        Err(StoreError::NotFound { .. }) if caller.is_supplier() => return Err(hidden()),
        Err(e) => return Err(e.into()),
    };
    let known = network
        .document
        .enterprises
        .iter()
        .any(|e| e.id == enterprise && e.role == Role::Supplier);
    if known {
        Ok(network)
    } else if caller.is_supplier() {
        Err(hidden())
    } else {
        Err(ServiceError::NotFound(format!(
            "no supplier \"{}\" in network \"{}\"",
            echo(enterprise),
            echo(network_id)
        )))
    }
}

/// A problem of a capacity report at the report's own fields: the request
/// holds one change, so `changes[0].capacity` is `capacity`. A rule of the
/// chain's document that the report would break is named without its place
/// in that document, which is not the supplier's to see.
fn report_problem(problem: EditProblem) -> EditProblem {
    let unknown = matches!(problem, EditProblem::Unknown(_));
    let p = problem.into_problem();
    let p = match p.path.strip_prefix("changes[0].") {
        Some(field) => Problem::new(field, p.reason),
        None => Problem::new(
            "capacity",
            "the report would break a rule of the chain's network; ask the chain leader",
        ),
    };
    if unknown {
        EditProblem::Unknown(p)
    } else {
        EditProblem::Invalid(p)
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
        self.check_supplier(&caller, &network_id, &enterprise)
            .await?;
        let store = self.state.store.clone();
        // Subscribe before reading the log, so a version appended in between
        // still wakes the stream; versions are sent by number, never twice.
        let mut latest = store
            .watch_allocations(&network_id, &enterprise)
            .await
            .map_err(ServiceError::from)?;
        let current = *latest.borrow();
        if after_version > current {
            // A stream waiting for a version the log may never reach would
            // hang until the caller's deadline; a supplier that holds a
            // version the server does not has a bug to hear about now.
            return Err(ServiceError::invalid(
                "after_version",
                format!("is beyond the current version {current}"),
            )
            .into());
        }
        let mut shutdown = self.state.shutdown.clone();
        let (tx, rx) = tokio::sync::mpsc::channel(STREAM_BUFFER);
        tokio::spawn(async move {
            let _open = OpenStream::open();
            // Versions read after the first wait arrived while the stream was
            // open: their delay since publication is what a supplier sees.
            let mut live = false;
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
                    if live {
                        if let Ok(after) = version.published_at.elapsed() {
                            metrics().update_received(after);
                        }
                    }
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
                live = true;
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
        let (accepted, text, counter_proposal) = match decision {
            Some(pb::acknowledge_request::Decision::Accept(a)) => {
                check_text("accept.note", &a.note)?;
                (true, a.note, Vec::new())
            }
            Some(pb::acknowledge_request::Decision::Reject(r)) => {
                if r.reason.trim().is_empty() {
                    return Err(ServiceError::invalid(
                        "reject.reason",
                        "a rejection needs a reason",
                    )
                    .into());
                }
                check_text("reject.reason", &r.reason)?;
                (false, r.reason, r.counter_proposal)
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
        let limits = execution::supply_limits("reject.counter_proposal", &counter_proposal)?;
        let network = self
            .check_supplier(&caller, &network_id, &enterprise)
            .await?;
        let problems = validate_limits(&network.document, &enterprise, &limits);
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(
                problems
                    .into_iter()
                    .map(|p| {
                        let field = p.path.strip_prefix("limits").unwrap_or(&p.path);
                        Problem::new(format!("reject.counter_proposal{field}"), p.reason)
                    })
                    .collect(),
            )
            .into());
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
                    limits,
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
        check_id("line", &line)?;
        if reason.trim().is_empty() {
            return Err(
                ServiceError::invalid("reason", "required: say why the capacity changed").into(),
            );
        }
        check_text("reason", &reason)?;
        let current = self
            .check_supplier(&caller, &network_id, &enterprise)
            .await?;
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
        let reason = format!("ReportCapacity by {enterprise}: {reason}");
        let (stored, replan) = self
            .state
            .change_network(
                &network_id,
                Some(current.version),
                NetworkChange::ReportCapacity,
                &reason,
                vec![enterprise],
                |doc| {
                    apply_capacity_changes(doc, std::slice::from_ref(&change))
                        .and_then(Edited::validated)
                        .map_err(|problems| problems.into_iter().map(report_problem).collect())
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

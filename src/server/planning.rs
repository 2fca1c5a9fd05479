//! `PlanningService`: solves (waited for, or as jobs to watch), plans,
//! publishing, explanations, re-plans and the re-plan policy.

use crate::model::number::nonnegative_problem;
use crate::model::text::echo;
use crate::model::{NetworkDoc, Plan, PlanStatus};
use crate::planning::renovation;
use crate::planning::size::over_budget;
use crate::planning::SolveOptions;
use crate::server::auth::{Caller, Need};
use crate::server::convert::records;
use crate::server::impact::outcome;
use crate::server::jobs::{
    CancelFlag, CancelOnDrop, Job, JobFailureKind, JobKind, JobSpec, JobState,
};
use crate::server::pb;
use crate::server::pb::planning_service_server::PlanningService;
use crate::server::publish::publish_plan;
use crate::server::replan::{start_replan, ReplanRequest};
use crate::server::state::{grpc_timeout, AppState};
use crate::server::status::{check_id, ServiceError};
use crate::store::{NetworkVersion, PlanRecord};
use std::pin::Pin;
use std::sync::Arc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::Stream;
use tonic::{Request, Response, Status};

#[derive(Clone)]
pub struct PlanningApi {
    pub state: AppState,
}

impl PlanningApi {
    /// The network version a solve plans, refused at once when its model
    /// is over this server's memory budget (stored before the budget was
    /// lowered, or by another replica), rather than by the job.
    async fn network(
        &self,
        network_id: &str,
        version: u64,
    ) -> Result<NetworkVersion, ServiceError> {
        crate::server::network::check_network_id(network_id)?;
        let network = self
            .state
            .store
            .get_network(network_id, (version != 0).then_some(version))
            .await?;
        if let Some(reason) = over_budget(&network.document, self.state.limits.max_model_mb) {
            return Err(ServiceError::invalid("network_id", reason));
        }
        Ok(network)
    }

    /// Submits a plain solve of a network version.
    async fn submit_solve(
        &self,
        network: NetworkVersion,
        options: SolveOptions,
    ) -> Result<Arc<Job>, ServiceError> {
        let spec = JobSpec::new(
            &network.network_id,
            network.version,
            &options,
            JobKind::Solve,
        );
        self.state.pool.submit(spec).await
    }

    /// A stored plan and the network version it was solved for.
    async fn plan_with_network(
        &self,
        plan_id: &str,
    ) -> Result<(PlanRecord, NetworkVersion), ServiceError> {
        let record = self.state.store.get_plan(plan_id).await?;
        let network = self
            .state
            .store
            .get_network(&record.network_id, Some(record.network_version))
            .await?;
        Ok((record, network))
    }

    async fn plan_info(&self, record: &PlanRecord) -> Result<pb::PlanInfo, ServiceError> {
        let published = self
            .state
            .store
            .list_networks()
            .await?
            .into_iter()
            .find(|n| n.latest.network_id == record.network_id);
        let published = published.as_ref().and_then(|n| {
            n.published_plan_id
                .as_deref()
                .map(|id| (id, n.publish_version))
        });
        Ok(records::plan_info(record, published))
    }

    /// Why a plan id names no stored plan: its job is still solving, or
    /// ended without storing one (FAILED_PRECONDITION with the job's
    /// failure), or there is no such plan (NOT_FOUND).
    async fn plan_not_stored(&self, plan_id: &str) -> ServiceError {
        let shown = echo(plan_id);
        let job_id = format!("job-{}", plan_id.trim_start_matches("plan-"));
        let job = match self.state.pool.job(&job_id).await {
            Ok(Some(job)) => job,
            Ok(None) => return ServiceError::NotFound(format!("plan \"{shown}\" not found")),
            Err(e) => return e,
        };
        let state = job.subscribe().borrow().clone();
        match state {
            JobState::Done(Err(failure)) => {
                // An internal failure's cause is for the log, not the caller.
                let why = match failure.kind {
                    JobFailureKind::Internal => "the solver failed".to_string(),
                    _ => failure.message,
                };
                ServiceError::FailedPrecondition(format!(
                    "plan \"{shown}\" was not made: its solve failed: {why}"
                ))
            }
            // Stored between the read above and now.
            JobState::Done(Ok(_)) => match self.state.store.get_plan(plan_id).await {
                Ok(_) => ServiceError::Aborted(format!(
                    "plan \"{shown}\" was stored just now; read it again"
                )),
                Err(e) => e.into(),
            },
            JobState::Queued | JobState::Running(_) => {
                ServiceError::FailedPrecondition(format!("plan \"{shown}\" is still being solved"))
            }
        }
    }

    /// Waits for a job the caller is waiting on; the caller going away
    /// drops this future, and with it the guard that cancels the job.
    async fn wait(&self, job: Arc<Job>) -> Result<(PlanRecord, pb::PlanInfo), ServiceError> {
        let guard = CancelOnDrop(Some(job.clone()));
        let result = job.finished().await;
        std::mem::forget(guard);
        let (plan_id, plan) = result?;
        if plan.status == PlanStatus::NoSolution {
            return Err(ServiceError::DeadlineExceeded(format!(
                "no plan found within the time limit (plan \"{plan_id}\" records the attempt)"
            )));
        }
        let record = self.state.store.get_plan(&plan_id).await?;
        let info = self.plan_info(&record).await?;
        Ok((record, info))
    }
}

type EventStream = Pin<Box<dyn Stream<Item = Result<pb::WatchSolveResponse, Status>> + Send>>;

fn progress_event(job: &Job, state: &JobState) -> Option<pb::WatchSolveResponse> {
    let (phase, p) = match state {
        JobState::Queued => (pb::SolvePhase::Queued, None),
        JobState::Running(p) => (records::solve_phase(p.phase), Some(p)),
        JobState::Done(_) => return None,
    };
    Some(pb::WatchSolveResponse {
        event: Some(pb::watch_solve_response::Event::Progress(
            pb::SolveProgress {
                phase: phase as i32,
                elapsed_seconds: job.elapsed_seconds(),
                best_objective: p.and_then(|p| p.best_objective),
                bound: p.and_then(|p| p.bound),
                gap: p.and_then(|p| p.gap),
            },
        )),
    })
}

#[tonic::async_trait]
impl PlanningService for PlanningApi {
    async fn solve(
        &self,
        request: Request<pb::SolveRequest>,
    ) -> Result<Response<pb::SolveResponse>, Status> {
        Caller::of(&request).require(Need::ErpOrPlanner)?;
        let deadline = grpc_timeout(&request);
        let pb::SolveRequest {
            network_id,
            network_version,
            options,
        } = request.into_inner();
        let mut options = records::solve_options("options", options.as_ref())?;
        options.time_limit_seconds =
            Some(self.state.time_limit(options.time_limit_seconds, deadline));
        let network = self.network(&network_id, network_version).await?;
        let job = self
            .submit_solve(network, self.state.bounded(options))
            .await?;
        let (record, info) = self.wait(job).await?;
        Ok(Response::new(pb::SolveResponse {
            info: Some(info),
            plan: Some(records::plan_to_pb(&record.plan)),
        }))
    }

    async fn submit_solve(
        &self,
        request: Request<pb::SubmitSolveRequest>,
    ) -> Result<Response<pb::SubmitSolveResponse>, Status> {
        Caller::of(&request).require(Need::ErpOrPlanner)?;
        let pb::SubmitSolveRequest {
            network_id,
            network_version,
            options,
        } = request.into_inner();
        let mut options = records::solve_options("options", options.as_ref())?;
        options.time_limit_seconds = Some(self.state.time_limit(options.time_limit_seconds, None));
        let network = self.network(&network_id, network_version).await?;
        let version = network.version;
        let job = self
            .submit_solve(network, self.state.bounded(options))
            .await?;
        Ok(Response::new(pb::SubmitSolveResponse {
            job_id: job.id.clone(),
            plan_id: job.plan_id.clone(),
            network_version: version,
        }))
    }

    type WatchSolveStream = EventStream;

    async fn watch_solve(
        &self,
        request: Request<pb::WatchSolveRequest>,
    ) -> Result<Response<Self::WatchSolveStream>, Status> {
        Caller::of(&request).require(Need::ErpOrPlanner)?;
        let pb::WatchSolveRequest { job_id } = request.into_inner();
        check_id("job_id", &job_id)?;
        let job = self.state.pool.job(&job_id).await?.ok_or_else(|| {
            ServiceError::NotFound(format!("job \"{}\" not found", echo(&job_id)))
        })?;
        let (tx, rx) = tokio::sync::mpsc::channel(16);
        let mut states = job.subscribe();
        let mut shutdown = self.state.shutdown.clone();
        tokio::spawn(async move {
            loop {
                let state = states.borrow_and_update().clone();
                if let JobState::Done(result) = state {
                    let last = match result {
                        Ok((_, plan)) => Ok(pb::WatchSolveResponse {
                            event: Some(pb::watch_solve_response::Event::Plan(
                                records::plan_to_pb(&plan),
                            )),
                        }),
                        Err(failure) => Err(Status::from(ServiceError::from(failure))),
                    };
                    let _ = tx.send(last).await;
                    return;
                }
                if let Some(event) = progress_event(&job, &state) {
                    if tx.send(Ok(event)).await.is_err() {
                        return; // the watcher went away; the job goes on
                    }
                }
                tokio::select! {
                    changed = states.changed() => if changed.is_err() { return },
                    _ = shutdown.changed() => {
                        let _ = tx.send(Err(Status::unavailable("the server is shutting down"))).await;
                        return;
                    }
                }
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }

    async fn get_plan(
        &self,
        request: Request<pb::GetPlanRequest>,
    ) -> Result<Response<pb::GetPlanResponse>, Status> {
        Caller::of(&request).require(Need::ErpOrPlanner)?;
        let pb::GetPlanRequest { plan_id } = request.into_inner();
        check_id("plan_id", &plan_id)?;
        let record = match self.state.store.get_plan(&plan_id).await {
            Ok(r) => r,
            Err(crate::store::StoreError::NotFound { .. }) => {
                return Err(self.plan_not_stored(&plan_id).await.into())
            }
            Err(e) => return Err(ServiceError::from(e).into()),
        };
        let info = self.plan_info(&record).await?;
        Ok(Response::new(pb::GetPlanResponse {
            info: Some(info),
            plan: Some(records::plan_to_pb(&record.plan)),
            replan: record.impact.as_ref().map(records::replan_impact),
        }))
    }

    async fn publish_plan(
        &self,
        request: Request<pb::PublishPlanRequest>,
    ) -> Result<Response<pb::PublishPlanResponse>, Status> {
        Caller::of(&request).require(Need::Erp)?;
        let pb::PublishPlanRequest {
            plan_id,
            request_id,
        } = request.into_inner();
        check_id("plan_id", &plan_id)?;
        check_id("request_id", &request_id)?;
        let receipt = publish_plan(&self.state.store, &plan_id, Some(request_id)).await?;
        Ok(Response::new(pb::PublishPlanResponse {
            publish_version: receipt.publish_version,
            published_at: Some(records::timestamp(receipt.published_at)),
            updated_suppliers: receipt
                .updated
                .iter()
                .map(|(enterprise, version, changed)| pb::SupplierVersion {
                    enterprise: enterprise.clone(),
                    version: *version,
                    changed_entries: u32::try_from(*changed).unwrap_or(u32::MAX),
                })
                .collect(),
            unchanged_suppliers: receipt.unchanged,
        }))
    }

    async fn explain_plan(
        &self,
        request: Request<pb::ExplainPlanRequest>,
    ) -> Result<Response<pb::ExplainPlanResponse>, Status> {
        Caller::of(&request).require(Need::ErpOrPlanner)?;
        let pb::ExplainPlanRequest { plan_id } = request.into_inner();
        check_id("plan_id", &plan_id)?;
        let (record, network) = self.plan_with_network(&plan_id).await?;
        Ok(Response::new(explain(&network.document, &record.plan)))
    }

    async fn explain_renovations(
        &self,
        request: Request<pb::ExplainRenovationsRequest>,
    ) -> Result<Response<pb::ExplainRenovationsResponse>, Status> {
        Caller::of(&request).require(Need::ErpOrPlanner)?;
        let deadline = grpc_timeout(&request);
        let pb::ExplainRenovationsRequest {
            plan_id,
            budget_step,
        } = request.into_inner();
        check_id("plan_id", &plan_id)?;
        if let Some(step) = budget_step {
            if !(step.is_finite() && step > 0.0) {
                return Err(ServiceError::invalid(
                    "budget_step",
                    format!("must be a positive amount, got {step}"),
                )
                .into());
            }
        }
        let (record, network) = self.plan_with_network(&plan_id).await?;
        if !record.plan.status.has_solution() {
            return Err(ServiceError::FailedPrecondition(format!(
                "plan \"{plan_id}\" has status {} and no renovation schedule",
                record.plan.status.as_str()
            ))
            .into());
        }
        let doc = network.document.clone();
        let answers = renovation::renovation_answers(&doc, &record.plan);
        let step = budget_step.or_else(|| renovation::default_budget_step(&doc, &record.plan));
        let step_answer = match step {
            Some(step) if doc.policy.renovation_budget.is_some() => {
                // The re-solve takes a place in the solve queue like any solve.
                let _permit = self.state.pool.admit()?;
                let cancel = CancelFlag::new();
                let options = self.state.bounded(SolveOptions {
                    time_limit_seconds: Some(self.state.time_limit(None, deadline)),
                    cancel: Some(cancel.flag()),
                    ..SolveOptions::default()
                });
                let plan = record.plan.clone();
                // The caller going away drops this future and `cancel`
                // with it, which stops the solve.
                tokio::task::spawn_blocking(move || {
                    renovation::budget_step(&doc, &plan, step, &options)
                })
                .await
                .map_err(|e| ServiceError::Internal(format!("the solver thread failed: {e}")))?
                .map_err(ServiceError::from)?
            }
            _ => None,
        };
        Ok(Response::new(records::renovation_answers(
            &answers,
            step_answer.as_ref(),
        )))
    }

    async fn replan(
        &self,
        request: Request<pb::ReplanRequest>,
    ) -> Result<Response<pb::ReplanResponse>, Status> {
        Caller::of(&request).require(Need::ErpOrPlanner)?;
        let deadline = grpc_timeout(&request);
        let pb::ReplanRequest {
            network_id,
            network_version,
            base_plan_id,
            freeze_until,
            stability_penalty,
            options,
        } = request.into_inner();
        if let Some(reason) = nonnegative_problem(stability_penalty) {
            return Err(ServiceError::invalid("stability_penalty", reason).into());
        }
        let mut options = records::solve_options("options", options.as_ref())?;
        options.time_limit_seconds =
            Some(self.state.time_limit(options.time_limit_seconds, deadline));
        let options = self.state.bounded(options);
        let network = self.network(&network_id, network_version).await?;
        check_freeze("freeze_until", freeze_until, &network)?;
        if !base_plan_id.is_empty() {
            check_id("base_plan_id", &base_plan_id)?;
        }
        let base = if base_plan_id.is_empty() {
            self.state
                .store
                .published_plan(&network_id)
                .await
                .map_err(ServiceError::from)?
                .ok_or_else(|| {
                    ServiceError::FailedPrecondition(format!(
                        "network \"{network_id}\" has no published plan; name base_plan_id"
                    ))
                })?
        } else {
            self.state
                .store
                .get_plan(&base_plan_id)
                .await
                .map_err(ServiceError::from)?
        };
        if base.network_id != network_id {
            return Err(ServiceError::invalid(
                "base_plan_id",
                format!(
                    "plan \"{}\" belongs to network \"{}\"",
                    base.plan_id, base.network_id
                ),
            )
            .into());
        }
        let job = start_replan(
            &self.state.pool,
            ReplanRequest {
                network,
                base,
                freeze_until,
                stability_penalty,
                options,
                automatic: false,
                publish_when_done: false,
                causes: Vec::new(),
            },
            None,
        )
        .await?;
        let (record, info) = self.wait(job).await?;
        Ok(Response::new(pb::ReplanResponse {
            info: Some(info),
            plan: Some(records::plan_to_pb(&record.plan)),
            impact: record.impact.as_ref().map(records::replan_impact),
        }))
    }

    async fn set_replan_policy(
        &self,
        request: Request<pb::SetReplanPolicyRequest>,
    ) -> Result<Response<pb::SetReplanPolicyResponse>, Status> {
        Caller::of(&request).require(Need::Erp)?;
        let pb::SetReplanPolicyRequest { network_id, policy } = request.into_inner();
        crate::server::network::check_network_id(&network_id)?;
        let policy = records::replan_policy_from_pb(policy.as_ref())?;
        let network = self
            .state
            .store
            .get_network(&network_id, None)
            .await
            .map_err(ServiceError::from)?;
        check_freeze("policy.freeze_until", policy.freeze_until, &network)?;
        self.state
            .store
            .set_replan_policy(&network_id, policy.clone())
            .await
            .map_err(ServiceError::from)?;
        Ok(Response::new(pb::SetReplanPolicyResponse {
            policy: Some(records::replan_policy_to_pb(&policy)),
        }))
    }

    async fn get_replan_policy(
        &self,
        request: Request<pb::GetReplanPolicyRequest>,
    ) -> Result<Response<pb::GetReplanPolicyResponse>, Status> {
        Caller::of(&request).require(Need::ErpOrPlanner)?;
        let pb::GetReplanPolicyRequest { network_id } = request.into_inner();
        crate::server::network::check_network_id(&network_id)?;
        let policy = self
            .state
            .store
            .replan_policy(&network_id)
            .await
            .map_err(ServiceError::from)?;
        Ok(Response::new(pb::GetReplanPolicyResponse {
            policy: Some(records::replan_policy_to_pb(&policy)),
        }))
    }
}

/// Checks a re-plan fence against a network version's horizon: the fence
/// freezes periods `0..freeze_until`, so it may be at most the horizon.
///
/// # Errors
/// INVALID_ARGUMENT naming `field`.
fn check_freeze(
    field: &str,
    freeze_until: u32,
    network: &NetworkVersion,
) -> Result<(), ServiceError> {
    let periods = network.document.horizon.periods;
    if freeze_until > periods {
        return Err(ServiceError::invalid(
            field,
            format!(
                "must be at most the horizon's {periods} periods (version {} of the network), got {freeze_until}",
                network.version
            ),
        ));
    }
    Ok(())
}

/// Bottlenecks, and every late or unmet demand with the binding capacities
/// upstream of it (the lines and lanes that can reach it), largest first.
pub fn explain(doc: &NetworkDoc, plan: &Plan) -> pb::ExplainPlanResponse {
    let graph = crate::planning::graph::ChainGraph::build(doc);
    let mut demands = Vec::new();
    for d in &doc.demands {
        let o = outcome(doc, plan, &d.id);
        if o.late <= 1e-9 && o.unmet <= 1e-9 {
            continue;
        }
        let late_by = plan
            .deliveries
            .iter()
            .filter(|x| x.demand == d.id)
            .map(|x| x.late_by)
            .max()
            .unwrap_or(0);
        let upstream = graph.upstream_sites(&d.site);
        let binding = plan
            .bottlenecks
            .iter()
            .filter(|b| match b.kind {
                crate::model::ResourceKind::Line => doc
                    .lines
                    .iter()
                    .find(|l| l.id == b.id)
                    .is_some_and(|l| l.site == d.site || upstream.contains(&l.site.as_str())),
                crate::model::ResourceKind::Lane => doc
                    .lanes
                    .iter()
                    .find(|l| l.id == b.id)
                    .is_some_and(|l| l.to == d.site || upstream.contains(&l.to.as_str())),
            })
            .map(records::bottleneck_to_pb)
            .collect();
        demands.push(pb::DemandExplanation {
            demand: d.id.clone(),
            site: d.site.clone(),
            item: d.item.clone(),
            period: d.period,
            qty: d.qty,
            outcome: Some(records::outcome(&o)),
            late_by,
            binding,
        });
    }
    pb::ExplainPlanResponse {
        status: records::plan_status_to_pb(plan.status) as i32,
        bottlenecks: plan
            .bottlenecks
            .iter()
            .map(records::bottleneck_to_pb)
            .collect(),
        demands,
    }
}

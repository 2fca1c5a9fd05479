//! `ScenarioService`: what-if scenarios for planners. A scenario is stored as
//! its changes over a base network version; solving builds the changed
//! document, solves it against the base plan (the committed plan of that
//! version, or a fresh solve of it) and stores the plan as a scenario plan,
//! which is never published. Nothing here touches the live network or its
//! plan, except `PromoteScenario`, which makes the changed document a new
//! live version.

use crate::model::adherence::Adherence;
use crate::model::scenario::{apply_changes, PeriodRange, ScenarioChange};
use crate::model::text::echo;
use crate::model::Problem;
use crate::model::{NetworkDoc, Plan};
use crate::planning::{
    compare, criticality, rank, rank_by_reliability, solve, solve_batch, ScenarioProgress,
    SolveOptions,
};
use crate::server::auth::{Caller, Need};
use crate::server::convert::records::{network_version, plan_to_pb, solve_phase};
use crate::server::convert::scenario_records::{
    changes_from_pb, comparison_to_pb, criticality_to_pb, kpi_from_pb, request_path, scenario_to_pb,
};
use crate::server::jobs::CancelFlag;
use crate::server::pb;
use crate::server::pb::scenario_service_server::ScenarioService;
use crate::server::state::{grpc_timeout, solving_ends_by, AppState};
use crate::server::status::{check_id, check_text, ServiceError};
use crate::store::{NetworkChange, NetworkVersion, PlanOrigin, PlanRecord, ScenarioRecord};
use std::collections::HashMap;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::Stream;
use tonic::{Request, Response, Status};

#[derive(Clone)]
pub struct ScenarioApi {
    pub state: AppState,
}

/// The most scenarios a network may have at once.
pub const MAX_SCENARIOS_PER_NETWORK: usize = 1000;

/// The most scenarios one call may solve or compare.
const MAX_SCENARIOS_PER_CALL: usize = 100;

type EventStream = Pin<Box<dyn Stream<Item = Result<pb::SolveScenariosResponse, Status>> + Send>>;

/// A problem of applying changes, put under the request's fields: change
/// problems at the change's proto path (`changes[0].outage.site`, see
/// [`request_path`]), problems of the changed document under
/// `scenario_document`.
fn change_problems(
    changes: &[ScenarioChange],
) -> impl FnOnce(Vec<crate::model::Problem>) -> ServiceError + '_ {
    move |problems| {
        ServiceError::Invalid(
            problems
                .into_iter()
                .map(|p| {
                    let field = request_path(changes, &p.path)
                        .unwrap_or_else(|| crate::model::join_path("scenario_document", &p.path));
                    Problem::new(field, p.reason)
                })
                .collect(),
        )
    }
}

impl ScenarioApi {
    /// Each supplier's reliability over every rolled period, by enterprise;
    /// empty before the first roll.
    async fn reliability(&self, network_id: &str) -> Result<HashMap<String, f64>, ServiceError> {
        let rolls = self.state.store.rolls(network_id).await?;
        let mut figures = Adherence::default();
        for a in rolls.iter().filter_map(|r| r.adherence.as_ref()) {
            figures.add(a);
        }
        Ok(figures
            .suppliers
            .iter()
            .map(|s| (s.enterprise.clone(), s.reliability()))
            .collect())
    }

    /// The options of each solve of a batch or sweep: `time_limit` (each
    /// scenario's) checked and bounded like a solve's, and the whole call
    /// ending by the caller's `deadline`, each solve giving the best plan
    /// it has by then and the scenarios not started by then reported so.
    fn options(
        &self,
        time_limit: Option<f64>,
        deadline: Option<Duration>,
    ) -> Result<SolveOptions, ServiceError> {
        if let Some(t) = time_limit {
            if !t.is_finite() || t <= 0.0 {
                return Err(ServiceError::invalid(
                    "time_limit_seconds",
                    format!("must be a positive number of seconds, got {t}"),
                ));
            }
        }
        Ok(self.state.bounded(SolveOptions {
            time_limit_seconds: Some(self.state.time_limit(time_limit, deadline)),
            ends_by: solving_ends_by(deadline),
            ..SolveOptions::default()
        }))
    }

    /// The plan scenarios of a version are compared against: the network's
    /// committed plan when it was solved for that version, else a plan of
    /// the version solved (and stored) now. The caller holds a place in the
    /// solve queue for it; its going away stops the solve.
    async fn base_plan(
        &self,
        network: &NetworkVersion,
        options: &SolveOptions,
    ) -> Result<PlanRecord, ServiceError> {
        if let Some(committed) = self.state.store.published_plan(&network.network_id).await? {
            if committed.network_version == network.version {
                return Ok(committed);
            }
        }
        let doc = network.document.clone();
        let cancel = CancelFlag::new();
        let mut opts = options.clone();
        opts.cancel = Some(cancel.flag());
        let plan = tokio::task::spawn_blocking(move || solve(&doc, &opts))
            .await
            .map_err(|e| ServiceError::Internal(format!("base solve failed: {e}")))??;
        let record = PlanRecord {
            plan_id: format!("plan-{}", uuid::Uuid::new_v4()),
            network_id: network.network_id.clone(),
            network_version: network.version,
            created_at: SystemTime::now(),
            origin: PlanOrigin::Solve,
            base_plan_id: None,
            plan: Arc::new(plan),
            impact: None,
        };
        self.state.store.put_plan(record.clone()).await?;
        Ok(record)
    }

    async fn scenarios(&self, ids: &[String]) -> Result<Vec<ScenarioRecord>, ServiceError> {
        if ids.is_empty() {
            return Err(ServiceError::invalid("scenario_ids", "no scenarios given"));
        }
        if ids.len() > MAX_SCENARIOS_PER_CALL {
            return Err(ServiceError::invalid(
                "scenario_ids",
                format!(
                    "at most {MAX_SCENARIOS_PER_CALL} scenarios per call, got {}",
                    ids.len()
                ),
            ));
        }
        for (i, id) in ids.iter().enumerate() {
            check_id(&format!("scenario_ids[{i}]"), id)?;
        }
        let mut found = Vec::new();
        for id in ids {
            found.push(self.state.store.get_scenario(id).await?);
        }
        let first = &found[0];
        let mut violations = Vec::new();
        for (i, s) in found.iter().enumerate().skip(1) {
            if s.network_id != first.network_id || s.base_version != first.base_version {
                violations.push(Problem::new(
                    format!("scenario_ids[{i}]"),
                    format!(
                        "branches from {}@{}, not {}@{} like the first",
                        s.network_id, s.base_version, first.network_id, first.base_version
                    ),
                ));
            }
        }
        if violations.is_empty() {
            Ok(found)
        } else {
            Err(ServiceError::Invalid(violations))
        }
    }
}

#[tonic::async_trait]
impl ScenarioService for ScenarioApi {
    async fn create_scenario(
        &self,
        request: Request<pb::CreateScenarioRequest>,
    ) -> Result<Response<pb::CreateScenarioResponse>, Status> {
        Caller::of(&request).require(Need::ErpOrPlanner)?;
        let pb::CreateScenarioRequest {
            network_id,
            base_version,
            name,
            changes,
        } = request.into_inner();
        crate::server::network::check_network_id(&network_id)?;
        check_text("name", &name)?;
        let changes = changes_from_pb(&changes)?;
        let base = self
            .state
            .store
            .get_network(&network_id, (base_version != 0).then_some(base_version))
            .await
            .map_err(ServiceError::from)?;
        // Checked now, so a stored scenario always applies to its base.
        apply_changes(&base.document, &changes).map_err(change_problems(&changes))?;
        // Scenarios are kept until deleted; their number is what bounds them.
        let existing = self
            .state
            .store
            .list_scenarios(&network_id)
            .await
            .map_err(ServiceError::from)?
            .len();
        if existing >= MAX_SCENARIOS_PER_NETWORK {
            return Err(ServiceError::ResourceExhausted(format!(
                "network \"{}\" has {existing} scenarios, the most kept; delete some first",
                echo(&network_id)
            ))
            .into());
        }
        let record = ScenarioRecord {
            scenario_id: format!("scenario-{}", uuid::Uuid::new_v4()),
            name,
            network_id,
            base_version: base.version,
            changes,
            created_at: SystemTime::now(),
            plan_id: None,
            base_plan_id: None,
        };
        self.state
            .store
            .put_scenario(record.clone())
            .await
            .map_err(ServiceError::from)?;
        Ok(Response::new(pb::CreateScenarioResponse {
            scenario: Some(scenario_to_pb(&record)),
        }))
    }

    async fn list_scenarios(
        &self,
        request: Request<pb::ListScenariosRequest>,
    ) -> Result<Response<pb::ListScenariosResponse>, Status> {
        Caller::of(&request).require(Need::ErpOrPlanner)?;
        let pb::ListScenariosRequest { network_id } = request.into_inner();
        crate::server::network::check_network_id(&network_id)?;
        let found = self
            .state
            .store
            .list_scenarios(&network_id)
            .await
            .map_err(ServiceError::from)?;
        Ok(Response::new(pb::ListScenariosResponse {
            scenarios: found.iter().map(scenario_to_pb).collect(),
        }))
    }

    async fn get_scenario(
        &self,
        request: Request<pb::GetScenarioRequest>,
    ) -> Result<Response<pb::GetScenarioResponse>, Status> {
        Caller::of(&request).require(Need::ErpOrPlanner)?;
        let pb::GetScenarioRequest { scenario_id } = request.into_inner();
        check_id("scenario_id", &scenario_id)?;
        let found = self
            .state
            .store
            .get_scenario(&scenario_id)
            .await
            .map_err(ServiceError::from)?;
        Ok(Response::new(pb::GetScenarioResponse {
            scenario: Some(scenario_to_pb(&found)),
        }))
    }

    async fn delete_scenario(
        &self,
        request: Request<pb::DeleteScenarioRequest>,
    ) -> Result<Response<pb::DeleteScenarioResponse>, Status> {
        Caller::of(&request).require(Need::ErpOrPlanner)?;
        let pb::DeleteScenarioRequest { scenario_id } = request.into_inner();
        check_id("scenario_id", &scenario_id)?;
        self.state
            .store
            .delete_scenario(&scenario_id)
            .await
            .map_err(ServiceError::from)?;
        Ok(Response::new(pb::DeleteScenarioResponse {}))
    }

    type SolveScenariosStream = EventStream;

    async fn solve_scenarios(
        &self,
        request: Request<pb::SolveScenariosRequest>,
    ) -> Result<Response<Self::SolveScenariosStream>, Status> {
        Caller::of(&request).require(Need::ErpOrPlanner)?;
        let deadline = grpc_timeout(&request);
        let pb::SolveScenariosRequest {
            scenario_ids,
            time_limit_seconds,
        } = request.into_inner();
        let scenarios = self.scenarios(&scenario_ids).await?;
        let mut options = self.options(time_limit_seconds, deadline)?;
        // The batch takes one place in the solve queue and at most one
        // thread per solver worker.
        let admission = self.state.pool.admit()?;
        let network = self
            .state
            .store
            .get_network(&scenarios[0].network_id, Some(scenarios[0].base_version))
            .await
            .map_err(ServiceError::from)?;
        let base = self.base_plan(&network, &options).await?;
        // MILP scenarios start from the base plan's solution.
        options.warm_start = Some(base.plan.clone());
        let cancel = Arc::new(AtomicBool::new(false));
        options.cancel = Some(cancel.clone());
        let workers = self.state.pool.workers();
        let store = self.state.store.clone();
        let (tx, rx) = tokio::sync::mpsc::channel(64);
        let mut shutdown = self.state.shutdown.clone();
        // The server stopping cancels the batch; the caller going away
        // does too, seen by the progress callback when its send fails.
        let watch_cancel = cancel.clone();
        let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            tokio::select! {
                _ = shutdown.changed() => watch_cancel.store(true, Ordering::Relaxed),
                _ = done_rx => {},
            }
        });
        tokio::spawn(async move {
            let _admission = admission;
            let started = Instant::now();
            let doc: Arc<NetworkDoc> = network.document.clone();
            let named: Vec<(String, Vec<_>)> = scenarios
                .iter()
                .map(|s| (s.scenario_id.clone(), s.changes.clone()))
                .collect();
            let progress_tx = tx.clone();
            let gone = cancel.clone();
            let solved = tokio::task::spawn_blocking(move || {
                solve_batch(&doc, &named, &options, workers, |id, event| {
                    let phase = match &event {
                        ScenarioProgress::Started => pb::SolvePhase::Build,
                        ScenarioProgress::Solving(p) => solve_phase(p.phase),
                        ScenarioProgress::Solved(_) | ScenarioProgress::Failed => {
                            pb::SolvePhase::Extract
                        }
                    };
                    let sent = progress_tx.blocking_send(Ok(pb::SolveScenariosResponse {
                        event: Some(pb::solve_scenarios_response::Event::Progress(
                            pb::ScenarioProgress {
                                scenario_id: id.to_string(),
                                phase: phase as i32,
                                elapsed_seconds: started.elapsed().as_secs_f64(),
                            },
                        )),
                    }));
                    if sent.is_err() {
                        gone.store(true, Ordering::Relaxed);
                    }
                })
            })
            .await;
            let _ = done_tx.send(());
            let results = match solved {
                Ok(r) => r,
                Err(e) => {
                    let _ = tx
                        .send(Err(Status::from(ServiceError::Internal(format!(
                            "batch failed: {e}"
                        )))))
                        .await;
                    return;
                }
            };
            for (scenario_id, result) in results {
                let event = match result {
                    Ok((_, plan)) => {
                        let plan_id = format!("plan-{}", uuid::Uuid::new_v4());
                        let stored = store_scenario_plan(
                            &*store,
                            &scenario_id,
                            &plan_id,
                            &base,
                            plan.clone(),
                        )
                        .await;
                        match stored {
                            Ok(()) => pb::ScenarioResult {
                                scenario_id,
                                plan_id,
                                plan: Some(plan_to_pb(&plan)),
                            },
                            Err(e) => {
                                let _ = tx.send(Err(Status::from(e))).await;
                                return;
                            }
                        }
                    }
                    // Stored scenarios always apply, so this is a solver
                    // failure or a cancel: a result without a plan.
                    Err(err) => {
                        tracing::warn!(%scenario_id, %err, "scenario without a plan");
                        pb::ScenarioResult {
                            scenario_id,
                            plan_id: String::new(),
                            plan: None,
                        }
                    }
                };
                let message = pb::SolveScenariosResponse {
                    event: Some(pb::solve_scenarios_response::Event::Result(event)),
                };
                if tx.send(Ok(message)).await.is_err() {
                    return;
                }
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }

    async fn compare_scenarios(
        &self,
        request: Request<pb::CompareScenariosRequest>,
    ) -> Result<Response<pb::CompareScenariosResponse>, Status> {
        Caller::of(&request).require(Need::ErpOrPlanner)?;
        let pb::CompareScenariosRequest {
            scenario_ids,
            rank_by,
        } = request.into_inner();
        let kpi = kpi_from_pb(rank_by)?;
        let scenarios = self.scenarios(&scenario_ids).await?;
        let network = self
            .state
            .store
            .get_network(&scenarios[0].network_id, Some(scenarios[0].base_version))
            .await
            .map_err(ServiceError::from)?;
        let mut comparisons = Vec::new();
        for (i, s) in scenarios.iter().enumerate() {
            let (Some(plan_id), Some(base_id)) = (&s.plan_id, &s.base_plan_id) else {
                return Err(ServiceError::FailedPrecondition(format!(
                    "scenario_ids[{i}]: scenario \"{}\" is not solved yet",
                    s.scenario_id
                ))
                .into());
            };
            let plan = self
                .state
                .store
                .get_plan(plan_id)
                .await
                .map_err(ServiceError::from)?;
            let base = self
                .state
                .store
                .get_plan(base_id)
                .await
                .map_err(ServiceError::from)?;
            let doc = apply_changes(&network.document, &s.changes)
                .map_err(change_problems(&s.changes))?;
            comparisons.push((
                s.scenario_id.clone(),
                compare(&network.document, &base.plan, &doc, &plan.plan),
            ));
        }
        let ranking = rank(&comparisons, kpi)
            .into_iter()
            .map(|(scenario_id, delta)| pb::RankedScenario { scenario_id, delta })
            .collect();
        Ok(Response::new(pb::CompareScenariosResponse {
            comparisons: comparisons
                .iter()
                .map(|(id, c)| comparison_to_pb(id, c))
                .collect(),
            ranking,
        }))
    }

    async fn sweep_criticality(
        &self,
        request: Request<pb::SweepCriticalityRequest>,
    ) -> Result<Response<pb::SweepCriticalityResponse>, Status> {
        Caller::of(&request).require(Need::ErpOrPlanner)?;
        let deadline = grpc_timeout(&request);
        let pb::SweepCriticalityRequest {
            network_id,
            network_version,
            periods,
            time_limit_seconds,
            rank_by,
        } = request.into_inner();
        crate::server::network::check_network_id(&network_id)?;
        let by_reliability = match pb::CriticalityRank::try_from(rank_by) {
            Ok(pb::CriticalityRank::Unspecified | pb::CriticalityRank::Impact) => false,
            Ok(pb::CriticalityRank::Reliability) => true,
            Err(_) => {
                return Err(ServiceError::invalid(
                    "rank_by",
                    format!("{rank_by} is not a CriticalityRank"),
                )
                .into())
            }
        };
        let periods = periods.ok_or_else(|| ServiceError::invalid("periods", "required"))?;
        let network = self
            .state
            .store
            .get_network(
                &network_id,
                (network_version != 0).then_some(network_version),
            )
            .await
            .map_err(ServiceError::from)?;
        if periods.first > periods.last || periods.last >= network.document.horizon.periods {
            return Err(ServiceError::invalid(
                "periods",
                format!(
                    "must satisfy first <= last <= {}",
                    network.document.horizon.periods.saturating_sub(1)
                ),
            )
            .into());
        }
        let mut options = self.options(time_limit_seconds, deadline)?;
        // The sweep runs many solves on the pool's workers: it takes a
        // place in the solve queue like a scenario batch, and stops when
        // its caller goes away.
        let _admission = self.state.pool.admit()?;
        let base = self.base_plan(&network, &options).await?;
        let cancel = CancelFlag::new();
        options.cancel = Some(cancel.flag());
        let workers = self.state.pool.workers();
        let doc = network.document.clone();
        let window = PeriodRange {
            first: periods.first,
            last: periods.last,
        };
        let plan: Arc<Plan> = base.plan.clone();
        let mut swept = tokio::task::spawn_blocking(move || {
            criticality(&doc, &plan, window, &options, workers)
        })
        .await
        .map_err(|e| ServiceError::Internal(format!("sweep failed: {e}")))?;
        let reliability = self.reliability(&network_id).await?;
        if by_reliability {
            rank_by_reliability(&mut swept, &reliability);
        }
        Ok(Response::new(criticality_to_pb(&swept, &reliability)))
    }

    async fn promote_scenario(
        &self,
        request: Request<pb::PromoteScenarioRequest>,
    ) -> Result<Response<pb::PromoteScenarioResponse>, Status> {
        Caller::of(&request).require(Need::Promote)?;
        let pb::PromoteScenarioRequest {
            scenario_id,
            expected_version,
        } = request.into_inner();
        check_id("scenario_id", &scenario_id)?;
        let scenario = self
            .state
            .store
            .get_scenario(&scenario_id)
            .await
            .map_err(ServiceError::from)?;
        let latest = self
            .state
            .store
            .get_network(&scenario.network_id, None)
            .await
            .map_err(ServiceError::from)?;
        // The scenario's document is its base version with its changes: a
        // network that has moved on since holds changes (orders, capacity
        // reports) that storing it would silently undo.
        if latest.version != scenario.base_version {
            return Err(ServiceError::Aborted(format!(
                "network \"{}\" is at version {}, and scenario \"{}\" branches from version {}: \
                 promoting it would undo the changes since; create the scenario again on the latest version",
                echo(&scenario.network_id),
                latest.version,
                echo(&scenario.scenario_id),
                scenario.base_version
            ))
            .into());
        }
        if expected_version != 0 && expected_version != latest.version {
            return Err(ServiceError::Aborted(format!(
                "network \"{}\" is at version {}, not {expected_version}",
                echo(&scenario.network_id),
                latest.version
            ))
            .into());
        }
        let doc = apply_changes(&latest.document, &scenario.changes)
            .map_err(change_problems(&scenario.changes))?;
        self.state.check_limits("scenario_document", &doc)?;
        // Conditional on the base version: a change stored meanwhile makes
        // this ABORTED too.
        let expected = scenario.base_version;
        let stored = self
            .state
            .store
            .put_network(
                &scenario.network_id,
                Arc::new(doc),
                NetworkChange::PromoteScenario,
                &format!(
                    "promoted scenario {} ({})",
                    scenario.scenario_id, scenario.name
                ),
                Some(expected),
            )
            .await
            .map_err(ServiceError::from)?;
        Ok(Response::new(pb::PromoteScenarioResponse {
            network: Some(network_version(&stored)),
        }))
    }
}

/// Stores a scenario's plan and records it on the scenario.
async fn store_scenario_plan(
    store: &dyn crate::store::Store,
    scenario_id: &str,
    plan_id: &str,
    base: &PlanRecord,
    plan: Plan,
) -> Result<(), ServiceError> {
    store
        .put_plan(PlanRecord {
            plan_id: plan_id.to_string(),
            network_id: base.network_id.clone(),
            network_version: base.network_version,
            created_at: SystemTime::now(),
            origin: PlanOrigin::Scenario,
            base_plan_id: Some(base.plan_id.clone()),
            plan: Arc::new(plan),
            impact: None,
        })
        .await?;
    store
        .set_scenario_plans(scenario_id, plan_id, &base.plan_id)
        .await?;
    Ok(())
}

//! What every service shares: the store, the solver pool, the solve limits
//! and the shutdown signal, plus the flows more than one service runs:
//! committing a network change (and re-planning after it, by policy).

use crate::model::edit::EditProblem;
use crate::model::text::{echo, text_problem};
use crate::model::{join_path, Problem};
use crate::model::{validate, NetworkDoc};
use crate::planning::size::over_budget;
use crate::planning::SolveOptions;
use crate::server::jobs::{Reservation, SolvePool};
use crate::server::replan::{start_replan, ReplanRequest};
use crate::server::status::ServiceError;
use crate::store::{NetworkChange, NetworkVersion, PlanRecord, ReplanMode, ReplanPolicy, Store};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tonic::Request;

/// Bounds on what a caller may ask of the solver.
#[derive(Debug, Clone, Copy)]
pub struct SolveLimits {
    /// Time limit of a solve whose caller gives neither a limit nor a deadline.
    pub default_time_limit: Duration,
    /// The most any solve may take.
    pub max_time_limit: Duration,
    /// The memory one solve's model may take, in MiB, as estimated from
    /// its document (see [`crate::planning::size`]); a larger document is
    /// refused when it is stored and when it is solved.
    pub max_model_mb: u64,
}

/// The memory budget of one solve when none is configured, in MiB.
pub const DEFAULT_MAX_MODEL_MB: u64 = 4096;

impl Default for SolveLimits {
    fn default() -> Self {
        SolveLimits {
            default_time_limit: Duration::from_secs(300),
            max_time_limit: Duration::from_secs(3600),
            max_model_mb: DEFAULT_MAX_MODEL_MB,
        }
    }
}

/// The state behind every service.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub pool: SolvePool,
    pub limits: SolveLimits,
    /// Becomes true when the server shuts down: streams end.
    pub shutdown: watch::Receiver<bool>,
}

/// Time kept back from the caller's deadline for building the model before
/// the solver and the answer after it: this much, plus a fifth of the deadline.
const DEADLINE_MARGIN: Duration = Duration::from_millis(250);

/// The caller's deadline from the `grpc-timeout` header, if it sent one.
pub fn grpc_timeout<T>(request: &Request<T>) -> Option<Duration> {
    let text = request.metadata().get("grpc-timeout")?.to_str().ok()?;
    let (digits, unit) = text.split_at(text.len().checked_sub(1)?);
    let n: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(n.saturating_mul(3600)),
        "M" => Duration::from_secs(n.saturating_mul(60)),
        "S" => Duration::from_secs(n),
        "m" => Duration::from_millis(n),
        "u" => Duration::from_micros(n),
        "n" => Duration::from_nanos(n),
        _ => return None,
    })
}

/// The time of a deadline `d` left for solving, after [`DEADLINE_MARGIN`].
fn solving_share(d: Duration) -> Duration {
    d.saturating_sub(DEADLINE_MARGIN + d / 5)
}

/// When the solving of a call with deadline `deadline` (from now) must
/// end, so that its answer still reaches the caller in time.
pub fn solving_ends_by(deadline: Option<Duration>) -> Option<Instant> {
    deadline.map(|d| Instant::now() + solving_share(d))
}

/// A re-plan that a change started.
#[derive(Debug, Clone)]
pub struct ReplanStarted {
    pub job_id: String,
    pub plan_id: String,
}

impl AppState {
    /// Applies `edit` to the latest document of a network (or fails with
    /// ABORTED when `expected_version` is not the latest) and stores the
    /// result as a new version. When the network's policy re-plans after
    /// changes and a plan is published, a place on the solve queue is held
    /// before anything is stored and the re-plan goes into it, with the
    /// `causes` (enterprises or lines) named as the reason: a full queue
    /// refuses the change whole, it never stores a change without its
    /// re-plan.
    ///
    /// `edit` returns the validated result, its problems at the request's
    /// paths (see [`crate::model::edit::Edited::validated`]).
    ///
    /// # Errors
    /// NOT_FOUND for an unknown network, or when every problem of the edit
    /// is a change naming a record the network does not have;
    /// INVALID_ARGUMENT with the paths of every problem otherwise; ABORTED
    /// when another writer got there first; RESOURCE_EXHAUSTED when the
    /// re-plan finds the solve queue full.
    pub async fn change_network(
        &self,
        network_id: &str,
        expected_version: Option<u64>,
        change: NetworkChange,
        reason: &str,
        causes: Vec<String>,
        edit: impl FnOnce(&NetworkDoc) -> Result<NetworkDoc, Vec<EditProblem>>,
    ) -> Result<(NetworkVersion, Option<ReplanStarted>), ServiceError> {
        let current = self.store.get_network(network_id, None).await?;
        if let Some(expected) = expected_version {
            if expected != current.version {
                return Err(ServiceError::Aborted(format!(
                    "network \"{}\" is at version {}, not {expected}",
                    echo(network_id),
                    current.version
                )));
            }
        }
        let next = edit(&current.document).map_err(edit_error)?;
        // The edit validated the result; what is left are this server's
        // own limits, which a change can cross (a longer horizon).
        self.check_limits("document", &next)?;
        let pending = self.reserve_replan(network_id).await?;
        // Conditional on the version read above, so two concurrent edits
        // never both apply to the same base.
        let stored = self
            .store
            .put_network(
                network_id,
                Arc::new(next),
                change,
                reason,
                Some(current.version),
            )
            .await?;
        let started = match pending {
            Some(pending) => Some(self.start_pending(&stored, pending, causes).await?),
            None => None,
        };
        Ok((stored, started))
    }

    /// The re-plan a change of the network is to start under its policy, if
    /// any, with its place in the solve queue held: taken before the change
    /// is stored, so a full queue refuses the change whole.
    ///
    /// # Errors
    /// RESOURCE_EXHAUSTED when the queue is full; the store's.
    pub async fn reserve_replan(
        &self,
        network_id: &str,
    ) -> Result<Option<PendingReplan>, ServiceError> {
        let Some((policy, base)) = self.replan_due(network_id).await? else {
            return Ok(None);
        };
        let reservation = self.pool.reserve().await?;
        Ok(Some(PendingReplan {
            policy,
            base,
            reservation,
        }))
    }

    /// Starts a reserved re-plan of the stored change.
    ///
    /// # Errors
    /// The pool's.
    pub async fn start_pending(
        &self,
        stored: &NetworkVersion,
        pending: PendingReplan,
        causes: Vec<String>,
    ) -> Result<ReplanStarted, ServiceError> {
        let PendingReplan {
            policy,
            base,
            reservation,
        } = pending;
        self.start_replan(stored, policy, base, causes, reservation)
            .await
    }

    /// The policy and the base plan of the re-plan a change of the network
    /// starts, if it starts one.
    async fn replan_due(
        &self,
        network_id: &str,
    ) -> Result<Option<(ReplanPolicy, PlanRecord)>, ServiceError> {
        let policy = self.store.replan_policy(network_id).await?;
        if policy.mode == ReplanMode::OnRequest {
            return Ok(None);
        }
        Ok(self
            .store
            .published_plan(network_id)
            .await?
            .map(|base| (policy, base)))
    }

    async fn start_replan(
        &self,
        network: &NetworkVersion,
        policy: ReplanPolicy,
        base: PlanRecord,
        causes: Vec<String>,
        reservation: Reservation,
    ) -> Result<ReplanStarted, ServiceError> {
        let options = SolveOptions {
            time_limit_seconds: Some(
                policy
                    .time_limit_seconds
                    .unwrap_or(self.limits.default_time_limit.as_secs_f64())
                    .min(self.limits.max_time_limit.as_secs_f64()),
            ),
            ..SolveOptions::default()
        };
        // The policy's fence was checked against the horizon when it was
        // set; a later document with a shorter horizon freezes all of it.
        let freeze_until = policy.freeze_until.min(network.document.horizon.periods);
        let job = start_replan(
            &self.pool,
            ReplanRequest {
                network: network.clone(),
                base,
                freeze_until,
                stability_penalty: policy.stability_penalty,
                options,
                automatic: true,
                publish_when_done: policy.mode == ReplanMode::AutomaticPublish,
                causes,
            },
            Some(reservation),
        )
        .await?;
        Ok(ReplanStarted {
            job_id: job.id.clone(),
            plan_id: job.plan_id.clone(),
        })
    }
}

/// A re-plan a change is to start, its place in the solve queue held.
pub struct PendingReplan {
    policy: ReplanPolicy,
    base: PlanRecord,
    reservation: Reservation,
}

/// The error of an edit: NOT_FOUND when every problem is a change naming a
/// record the network does not have, INVALID_ARGUMENT with every problem
/// otherwise.
pub fn edit_error(problems: Vec<EditProblem>) -> ServiceError {
    if problems
        .iter()
        .all(|p| matches!(p, EditProblem::Unknown(_)))
    {
        if let Some(first) = problems.first().map(EditProblem::problem) {
            let more = problems.len() - 1;
            let tail = if more > 0 {
                format!(" (and {more} more)")
            } else {
                String::new()
            };
            return ServiceError::NotFound(format!("{}: {}{tail}", first.path, first.reason));
        }
    }
    ServiceError::Invalid(
        problems
            .into_iter()
            .map(|p| {
                let p = p.into_problem();
                Problem::new(p.path, p.reason)
            })
            .collect(),
    )
}

impl AppState {
    /// Validates a document and checks it against this server's limits,
    /// its problems put under `prefix`.
    ///
    /// # Errors
    /// INVALID_ARGUMENT listing every problem.
    pub fn check_document(&self, prefix: &str, doc: &NetworkDoc) -> Result<(), ServiceError> {
        let report = validate(doc);
        if !report.is_valid() {
            return Err(ServiceError::Invalid(
                report
                    .errors
                    .into_iter()
                    .map(|p| Problem::new(join_path(prefix, &p.path), p.reason))
                    .collect(),
            ));
        }
        self.check_limits(prefix, doc)
    }

    /// This server's limits on a valid document: a name of bounded length,
    /// and a model within the memory budget.
    ///
    /// # Errors
    /// INVALID_ARGUMENT naming `prefix.name` or `prefix`.
    pub fn check_limits(&self, prefix: &str, doc: &NetworkDoc) -> Result<(), ServiceError> {
        if let Some(reason) = doc.name.as_deref().and_then(text_problem) {
            return Err(ServiceError::invalid(join_path(prefix, "name"), reason));
        }
        if let Some(reason) = over_budget(doc, self.limits.max_model_mb) {
            return Err(ServiceError::invalid(prefix, reason));
        }
        Ok(())
    }

    /// The time limit of a solve: the caller's option, bounded by its
    /// deadline and by the server's maximum; the server default otherwise.
    pub fn time_limit(&self, asked: Option<f64>, deadline: Option<Duration>) -> f64 {
        let limits = self.limits;
        let mut limit = asked.unwrap_or(limits.default_time_limit.as_secs_f64());
        if let Some(d) = deadline {
            limit = limit.min(solving_share(d).as_secs_f64().max(0.05));
        }
        limit.min(limits.max_time_limit.as_secs_f64())
    }

    /// Solve options held to this server's memory budget.
    pub fn bounded(&self, mut options: SolveOptions) -> SolveOptions {
        options.max_model_mb = Some(self.limits.max_model_mb);
        options
    }
}

//! What every service shares: the store, the solver pool, the solve limits
//! and the shutdown signal, plus the flows more than one service runs:
//! committing a network change (and re-planning after it, by policy).

use crate::model::{validate, NetworkDoc, Problem};
use crate::planning::SolveOptions;
use crate::server::jobs::SolvePool;
use crate::server::replan::{start_replan, ReplanRequest};
use crate::server::status::{join_path, ServiceError, Violation};
use crate::store::{NetworkChange, NetworkVersion, ReplanMode, Store};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Bounds on what a caller may ask of the solver.
#[derive(Debug, Clone, Copy)]
pub struct SolveLimits {
    /// Time limit of a solve whose caller gives neither a limit nor a deadline.
    pub default_time_limit: Duration,
    /// The most any solve may take.
    pub max_time_limit: Duration,
}

impl Default for SolveLimits {
    fn default() -> Self {
        SolveLimits {
            default_time_limit: Duration::from_secs(300),
            max_time_limit: Duration::from_secs(3600),
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

/// A re-plan that a change started.
#[derive(Debug, Clone)]
pub struct ReplanStarted {
    pub job_id: String,
    pub plan_id: String,
}

impl AppState {
    /// Applies `edit` to the latest document of a network (or fails with
    /// ABORTED when `expected_version` is not the latest), validates the
    /// result and stores it as a new version. Then, when the network's
    /// policy says so and a plan is published, starts a re-plan with the
    /// `causes` (enterprises or lines) named as the reason.
    ///
    /// # Errors
    /// NOT_FOUND for an unknown network; INVALID_ARGUMENT with the paths of
    /// every problem of the edit or of the resulting document; ABORTED when
    /// another writer got there first.
    pub async fn change_network(
        &self,
        network_id: &str,
        expected_version: Option<u64>,
        change: NetworkChange,
        reason: &str,
        causes: Vec<String>,
        edit: impl FnOnce(&NetworkDoc) -> Result<NetworkDoc, Vec<Problem>>,
    ) -> Result<(NetworkVersion, Option<ReplanStarted>), ServiceError> {
        let current = self.store.get_network(network_id, None).await?;
        if let Some(expected) = expected_version {
            if expected != current.version {
                return Err(ServiceError::Aborted(format!(
                    "network \"{network_id}\" is at version {}, not {expected}",
                    current.version
                )));
            }
        }
        let next = edit(&current.document).map_err(|problems| {
            ServiceError::Invalid(
                problems
                    .into_iter()
                    .map(|p| Violation::new(p.path, p.reason))
                    .collect(),
            )
        })?;
        check_document("document", &next)?;
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
        let replan = self.replan_by_policy(&stored, causes).await?;
        Ok((stored, replan))
    }

    async fn replan_by_policy(
        &self,
        network: &NetworkVersion,
        causes: Vec<String>,
    ) -> Result<Option<ReplanStarted>, ServiceError> {
        let policy = self.store.replan_policy(&network.network_id).await?;
        if policy.mode == ReplanMode::OnRequest {
            return Ok(None);
        }
        let Some(base) = self.store.published_plan(&network.network_id).await? else {
            return Ok(None);
        };
        let options = SolveOptions {
            time_limit_seconds: Some(
                policy
                    .time_limit_seconds
                    .unwrap_or(self.limits.default_time_limit.as_secs_f64())
                    .min(self.limits.max_time_limit.as_secs_f64()),
            ),
            ..SolveOptions::default()
        };
        let job = start_replan(
            self,
            ReplanRequest {
                network: network.clone(),
                base,
                freeze_until: policy.freeze_until,
                stability_penalty: policy.stability_penalty,
                options,
                automatic: true,
                publish_when_done: policy.mode == ReplanMode::AutomaticPublish,
                causes,
            },
        )
        .await?;
        Ok(Some(ReplanStarted {
            job_id: job.id.clone(),
            plan_id: job.plan_id.clone(),
        }))
    }
}

/// Validates a document, its problems put under `prefix`.
///
/// # Errors
/// INVALID_ARGUMENT listing every problem.
pub fn check_document(prefix: &str, doc: &NetworkDoc) -> Result<(), ServiceError> {
    let report = validate(doc);
    if report.is_valid() {
        return Ok(());
    }
    Err(ServiceError::Invalid(
        report
            .errors
            .into_iter()
            .map(|p| Violation::new(join_path(prefix, &p.path), p.reason))
            .collect(),
    ))
}

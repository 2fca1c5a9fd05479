//! Running one job spec to a stored plan, with nothing but the store: read
//! the network version (and the base plan of a re-plan), solve on a blocking
//! thread, store the plan with its impact, publish it when the spec says so.
//! The in-process pool and the Redis workers both run jobs through here, so
//! a job means the same wherever it runs.

use super::job::{failure, plan_failure, JobFailure, JobFailureKind};
use super::spec::{JobKind, JobSpec};
use crate::metrics::metrics;
use crate::model::{NetworkDoc, Plan};
use crate::planning::{solve, Baseline, PlanError, SolveOptions};
use crate::server::horizon::{held_counter_proposals, offset_at, plan_at, rolled_between};
use crate::server::impact::{counter_proposal_cost, replan_impact};
use crate::server::publish::publish_plan;
use crate::server::status::ServiceError;
use crate::store::{PlanOrigin, PlanRecord, Store, StoreError};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Instant, SystemTime};

/// Solves `spec` with `options` (cancel flag and progress set by the
/// caller), stores the plan under the spec's plan id and returns it.
///
/// Running a spec whose plan is already stored (a worker died after storing
/// it) returns the stored plan, so a job run twice stores one plan. When
/// `abandon` is set by the time the solver returns (a worker shutting down
/// hands the job back to the queue), nothing is stored.
///
/// # Errors
/// The job's failure: an invalid document, a cancelled solve, or a store
/// that failed.
pub async fn run_job(
    store: &Arc<dyn Store>,
    spec: &JobSpec,
    mut options: SolveOptions,
    abandon: Option<&AtomicBool>,
) -> Result<Arc<Plan>, JobFailure> {
    if let Ok(done) = store.get_plan(&spec.plan_id).await {
        return Ok(done.plan);
    }
    let network = store
        .get_network(&spec.network_id, Some(spec.network_version))
        .await
        .map_err(store_failure)?;
    let base = match &spec.kind {
        JobKind::Solve => None,
        JobKind::Replan {
            base_plan_id,
            freeze_until,
            stability_penalty,
            causes,
            ..
        } => {
            let mut base = store.get_plan(base_plan_id).await.map_err(store_failure)?;
            // After a roll the base plan is held in this version's periods.
            let rolls = store.rolls(&spec.network_id).await.map_err(store_failure)?;
            let periods_rolled = rolled_between(&rolls, base.network_version, spec.network_version);
            base.plan = plan_at(
                &rolls,
                &base.plan,
                base.network_version,
                spec.network_version,
            );
            let limits = held_counter_proposals(
                store.as_ref(),
                &spec.network_id,
                &network.document,
                offset_at(&rolls, spec.network_version),
            )
            .await
            .map_err(store_failure)?;
            options.baseline = Some(Baseline {
                production: base.plan.production.clone(),
                shipments: base.plan.shipments.clone(),
                freeze_until: *freeze_until,
                stability_penalty: *stability_penalty,
                causes: causes.clone(),
                region: None,
                limits,
            });
            Some((base, periods_rolled))
        }
    };
    let held = options
        .baseline
        .as_ref()
        .map(|b| b.limits.clone())
        .unwrap_or_default();
    let doc = network.document.clone();
    let asked = options.strategy.as_str();
    let started = Instant::now();
    let solved = tokio::task::spawn_blocking(move || solve_held(&doc, &options))
        .await
        .map_err(|join| {
            failure(
                JobFailureKind::Internal,
                format!("the solver thread failed: {join}"),
            )
        })?;
    match &solved {
        Ok((plan, _)) => metrics().solve_finished(
            &plan.stats.strategy,
            plan.status.as_str(),
            started.elapsed(),
        ),
        Err(_) => metrics().solve_finished(asked, "failed", started.elapsed()),
    }
    let (plan, free) = solved.map_err(plan_failure)?;
    if abandon.is_some_and(|a| a.load(Ordering::Relaxed)) {
        return Err(failure(
            JobFailureKind::Cancelled,
            "abandoned by a worker that is shutting down",
        ));
    }
    let plan = Arc::new(plan);
    let mut record = PlanRecord {
        plan_id: spec.plan_id.clone(),
        network_id: spec.network_id.clone(),
        network_version: spec.network_version,
        created_at: SystemTime::now(),
        origin: PlanOrigin::Solve,
        base_plan_id: None,
        plan: plan.clone(),
        impact: None,
    };
    let mut publish = false;
    if let (
        Some((base, periods_rolled)),
        JobKind::Replan {
            freeze_until,
            stability_penalty,
            automatic,
            publish_when_done,
            causes,
            ..
        },
    ) = (&base, &spec.kind)
    {
        record.origin = if *automatic {
            PlanOrigin::AutomaticReplan
        } else {
            PlanOrigin::Replan
        };
        record.base_plan_id = Some(base.plan_id.clone());
        let mut impact = replan_impact(
            &network.document,
            base,
            &plan,
            *freeze_until,
            *stability_penalty,
            causes,
        );
        impact.periods_rolled = *periods_rolled;
        impact.counter_proposals =
            free.map(|free| counter_proposal_cost(&network.document, &plan, &free, held));
        record.impact = Some(impact);
        publish = *publish_when_done && plan.status.has_solution();
    }
    match store.put_plan(record).await {
        Ok(()) => {}
        // Another run of the same job stored it first: that plan stands.
        Err(StoreError::Conflict(_)) => {
            return store
                .get_plan(&spec.plan_id)
                .await
                .map(|r| r.plan)
                .map_err(store_failure)
        }
        Err(e) => return Err(store_failure(e)),
    }
    if publish {
        // The request id makes a second run of the job publish nothing new.
        publish_plan(store, &spec.plan_id, Some(format!("auto-{}", spec.plan_id)))
            .await
            .map_err(|e| publish_failure(&spec.plan_id, e))?;
    }
    Ok(plan)
}

/// Why an automatic publish after a re-plan failed. The plan is stored
/// either way; a network that moved on while it was solved, or a plan that
/// cannot be published, is the caller's to see as such, not an internal
/// error.
fn publish_failure(plan_id: &str, e: ServiceError) -> JobFailure {
    let kind = match &e {
        ServiceError::FailedPrecondition(_) | ServiceError::Aborted(_) => {
            JobFailureKind::FailedPrecondition
        }
        ServiceError::Unavailable(_) => JobFailureKind::Unavailable,
        _ => JobFailureKind::Internal,
    };
    failure(
        kind,
        format!("plan {plan_id} is stored but was not published: {e}"),
    )
}

fn store_failure(e: StoreError) -> JobFailure {
    let kind = match e {
        StoreError::Unavailable(_) => JobFailureKind::Unavailable,
        _ => JobFailureKind::Internal,
    };
    failure(kind, e.to_string())
}

/// Solves with `options`; when its baseline holds counter-proposals, solves
/// again without them, so the re-plan can say what they cost the chain.
fn solve_held(doc: &NetworkDoc, options: &SolveOptions) -> Result<(Plan, Option<Plan>), PlanError> {
    let plan = solve(doc, options)?;
    let Some(baseline) = options.baseline.as_ref().filter(|b| !b.limits.is_empty()) else {
        return Ok((plan, None));
    };
    if !plan.status.has_solution() {
        return Ok((plan, None));
    }
    let free = SolveOptions {
        baseline: Some(Baseline {
            limits: Vec::new(),
            ..baseline.clone()
        }),
        ..options.clone()
    };
    let free = solve(doc, &free)?;
    Ok((plan, free.status.has_solution().then_some(free)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_automatic_publish_is_a_failed_precondition_naming_the_stored_plan() {
        for refused in [
            ServiceError::FailedPrecondition("the network moved on".into()),
            ServiceError::Aborted("version 3 is not the latest".into()),
        ] {
            let failed = publish_failure("plan-7", refused);
            assert_eq!(failed.kind, JobFailureKind::FailedPrecondition);
            assert!(
                failed.message.contains("plan-7 is stored"),
                "{}",
                failed.message
            );
            let status = ServiceError::from(failed);
            assert!(
                matches!(status, ServiceError::FailedPrecondition(_)),
                "{status:?}"
            );
        }
        let away = publish_failure("plan-7", ServiceError::Unavailable("redis".into()));
        assert_eq!(away.kind, JobFailureKind::Unavailable);
        let other = publish_failure("plan-7", ServiceError::Internal("bug".into()));
        assert_eq!(other.kind, JobFailureKind::Internal);
    }
}

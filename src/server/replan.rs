//! Starting a re-plan against the committed plan: a solve job of the new
//! network version with the published plan as its baseline (frozen fence
//! plus stability penalty). What the re-plan changed is `impact`'s.

use crate::planning::SolveOptions;
use crate::server::jobs::{Job, JobKind, JobSpec, Reservation, SolvePool};
use crate::server::status::ServiceError;
use crate::store::{NetworkVersion, PlanRecord};
use std::sync::Arc;

/// A re-plan to start.
#[derive(Debug, Clone)]
pub struct ReplanRequest {
    /// The network version to plan.
    pub network: NetworkVersion,
    /// The plan to hold on to (normally the published one).
    pub base: PlanRecord,
    pub freeze_until: u32,
    pub stability_penalty: f64,
    pub options: SolveOptions,
    /// Started by a change under an automatic policy, not by a caller.
    pub automatic: bool,
    /// Publish the re-plan as soon as it has a solution.
    pub publish_when_done: bool,
    /// Enterprises whose change caused the re-plan; their reachable demands
    /// are reported. Empty: every demand is a candidate.
    pub causes: Vec<String>,
}

/// Submits a re-plan as a solve job, into the place `reservation` holds
/// when given; the plan is stored with its impact (and published, if asked)
/// when the job ends.
///
/// # Errors
/// RESOURCE_EXHAUSTED when the solve queue is full (never with a
/// reservation).
pub async fn start_replan(
    pool: &SolvePool,
    req: ReplanRequest,
    reservation: Option<Reservation>,
) -> Result<Arc<Job>, ServiceError> {
    let spec = JobSpec::new(
        &req.network.network_id,
        req.network.version,
        &req.options,
        JobKind::Replan {
            base_plan_id: req.base.plan_id,
            freeze_until: req.freeze_until,
            stability_penalty: req.stability_penalty,
            automatic: req.automatic,
            publish_when_done: req.publish_when_done,
            causes: req.causes,
        },
    );
    match reservation {
        Some(held) => pool.submit_reserved(spec, held).await,
        None => pool.submit(spec).await,
    }
}

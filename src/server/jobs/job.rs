//! A solve job as the service sees it: its state (queued, running with
//! progress, done with a plan or a failure) on a watch channel any number of
//! watchers follow, its cancel flag, and the guards that cancel a solve when
//! its caller goes away.

use super::spec::JobSpec;
use crate::model::Plan;
use crate::planning::{Phase, PlanError, Progress};
use crate::server::status::ServiceError;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::SystemTime;
use tokio::sync::watch;

/// Where a job is.
#[derive(Debug, Clone)]
pub enum JobState {
    /// Admitted, waiting for a worker.
    Queued,
    /// On a worker.
    Running(JobProgress),
    /// Finished: the stored plan's id and the plan, or why there is none.
    Done(Result<(String, Arc<Plan>), JobFailure>),
}

/// A failure that any number of watchers can receive.
#[derive(Debug, Clone)]
pub struct JobFailure {
    pub kind: JobFailureKind,
    pub message: String,
}

/// The kinds of [`JobFailure`], which become status codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobFailureKind {
    Invalid,
    Cancelled,
    /// The store could not be reached.
    Unavailable,
    /// The job's plan is stored, but what was to follow it could not be
    /// done in the state the network is in now (an automatic publish after
    /// the network moved on).
    FailedPrecondition,
    Internal,
}

impl From<JobFailure> for ServiceError {
    fn from(f: JobFailure) -> ServiceError {
        match f.kind {
            JobFailureKind::Invalid => ServiceError::invalid("document", f.message),
            JobFailureKind::Cancelled => ServiceError::Cancelled(f.message),
            JobFailureKind::Unavailable => ServiceError::Unavailable(f.message),
            JobFailureKind::FailedPrecondition => ServiceError::FailedPrecondition(f.message),
            JobFailureKind::Internal => ServiceError::Internal(f.message),
        }
    }
}

/// The progress a running job last reported.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobProgress {
    pub phase: Phase,
    pub elapsed_seconds: f64,
    pub best_objective: Option<f64>,
    pub bound: Option<f64>,
    pub gap: Option<f64>,
}

impl From<&Progress> for JobProgress {
    fn from(p: &Progress) -> JobProgress {
        JobProgress {
            phase: p.phase,
            elapsed_seconds: p.elapsed_seconds,
            best_objective: p.best_objective,
            bound: p.bound,
            gap: p.gap,
        }
    }
}

/// A solve job, shared by the pool and its watchers.
#[derive(Debug)]
pub struct Job {
    pub id: String,
    pub plan_id: String,
    pub network_id: String,
    pub network_version: u64,
    pub(crate) state: watch::Sender<JobState>,
    pub(crate) cancel: Arc<AtomicBool>,
    /// When the job was submitted (by whichever replica).
    submitted: SystemTime,
}

impl Job {
    pub(crate) fn new(spec: &JobSpec, state: JobState, submitted: SystemTime) -> Job {
        Job {
            id: spec.job_id.clone(),
            plan_id: spec.plan_id.clone(),
            network_id: spec.network_id.clone(),
            network_version: spec.network_version,
            state: watch::channel(state).0,
            cancel: Arc::new(AtomicBool::new(false)),
            submitted,
        }
    }

    /// Follows the job's state.
    pub fn subscribe(&self) -> watch::Receiver<JobState> {
        self.state.subscribe()
    }

    /// Asks the solver to stop; the job then ends with what it has.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// Seconds since the job was submitted.
    pub fn elapsed_seconds(&self) -> f64 {
        SystemTime::now()
            .duration_since(self.submitted)
            .unwrap_or_default()
            .as_secs_f64()
    }

    /// Waits for the end of the job.
    pub async fn finished(&self) -> Result<(String, Arc<Plan>), JobFailure> {
        let mut rx = self.subscribe();
        loop {
            if let JobState::Done(result) = &*rx.borrow_and_update() {
                return result.clone();
            }
            if rx.changed().await.is_err() {
                return Err(JobFailure {
                    kind: JobFailureKind::Internal,
                    message: "the job was dropped".into(),
                });
            }
        }
    }
}

/// Cancels a job when dropped, unless disarmed: a unary `Solve` holds one so
/// that a caller who goes away stops its solve.
pub struct CancelOnDrop(pub Option<Arc<Job>>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(job) = self.0.take() {
            job.cancel();
        }
    }
}

/// A cancel flag owned by the future that waits for a solve run outside
/// the job queue (a scenario's base plan, a criticality sweep, a budget
/// step): when the caller goes away its future is dropped, and with it this
/// guard, which stops the solve. Dropped after the solve, it changes nothing.
#[derive(Debug, Default)]
pub struct CancelFlag(Arc<AtomicBool>);

impl CancelFlag {
    pub fn new() -> CancelFlag {
        CancelFlag::default()
    }

    /// The flag to put into [`crate::planning::SolveOptions::cancel`].
    pub fn flag(&self) -> Arc<AtomicBool> {
        self.0.clone()
    }
}

impl Drop for CancelFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

pub(crate) fn failure(kind: JobFailureKind, message: impl Into<String>) -> JobFailure {
    JobFailure {
        kind,
        message: message.into(),
    }
}

pub(crate) fn plan_failure(err: PlanError) -> JobFailure {
    match err {
        PlanError::Document(_) | PlanError::Option { .. } | PlanError::TooLarge(_) => {
            failure(JobFailureKind::Invalid, err.to_string())
        }
        PlanError::Cancelled => failure(JobFailureKind::Cancelled, "the solve was cancelled"),
        other => failure(JobFailureKind::Internal, other.to_string()),
    }
}

/// RESOURCE_EXHAUSTED for a full solve queue (this process's or the shared
/// one), counted in the metrics.
pub fn queue_full() -> ServiceError {
    crate::metrics::metrics().queue_rejected();
    ServiceError::ResourceExhausted("the solve queue is full; retry later".into())
}

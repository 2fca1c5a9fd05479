//! Solves off the async runtime. A job is a [`JobSpec`] (data: what to
//! solve, how), run by [`run_job`] on a blocking thread; its state (queued,
//! running with progress, done) goes out on a watch channel, so any number
//! of `WatchSolve` streams can follow it. A job is cancelled when every
//! caller waiting on it has gone away, or when the server shuts down.
//!
//! Where jobs run is the pool's choice: on this process's bounded pool of
//! solver workers in front of a bounded queue (the embedded default), or on
//! a queue in Redis that every replica and `chainplan worker` takes from
//! ([`queue`]), so that any replica can follow any job.

pub mod queue;
pub mod run;
pub mod spec;

pub use queue::RedisQueue;
pub use run::run_job;
pub use spec::{JobKind, JobOptions, JobSpec};

use crate::model::Plan;
use crate::planning::{Phase, PlanError, Progress};
use crate::server::status::ServiceError;
use crate::store::Store;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};

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
    Internal,
}

impl From<JobFailure> for ServiceError {
    fn from(f: JobFailure) -> ServiceError {
        match f.kind {
            JobFailureKind::Invalid => ServiceError::invalid("document", f.message),
            JobFailureKind::Cancelled => ServiceError::Cancelled(f.message),
            JobFailureKind::Unavailable => ServiceError::Unavailable(f.message),
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
    state: watch::Sender<JobState>,
    cancel: Arc<AtomicBool>,
    /// When the job was submitted (by whichever replica).
    submitted: SystemTime,
}

impl Job {
    fn new(spec: &JobSpec, state: JobState, submitted: SystemTime) -> Job {
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

/// How long a finished job stays for `WatchSolve` callers that come late;
/// its plan stays in the store for good.
const KEEP_FINISHED: Duration = Duration::from_secs(600);

/// The solver pool.
#[derive(Clone)]
pub struct SolvePool {
    worker_count: usize,
    workers: Arc<Semaphore>,
    admitted: Arc<Semaphore>,
    jobs: Arc<Mutex<HashMap<String, Arc<Job>>>>,
    shutting_down: Arc<AtomicBool>,
    store: Arc<dyn Store>,
    /// The shared queue, when jobs run wherever a worker takes them.
    shared: Option<Arc<RedisQueue>>,
}

impl std::fmt::Debug for SolvePool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SolvePool")
            .field("workers", &self.worker_count)
            .field("shared", &self.shared.is_some())
            .finish_non_exhaustive()
    }
}

impl SolvePool {
    /// A pool of `workers` concurrent solves and `queue` more waiting, run
    /// in this process against `store`.
    pub fn new(store: Arc<dyn Store>, workers: usize, queue: usize) -> SolvePool {
        let workers = workers.max(1);
        SolvePool {
            worker_count: workers,
            workers: Arc::new(Semaphore::new(workers)),
            admitted: Arc::new(Semaphore::new(workers + queue)),
            jobs: Arc::new(Mutex::new(HashMap::new())),
            shutting_down: Arc::new(AtomicBool::new(false)),
            store,
            shared: None,
        }
    }

    /// Sends solve jobs to a shared queue instead: workers of any process
    /// take them, and any replica can follow them. `workers` and `queue`
    /// still bound the scenario batches, which run here.
    pub fn with_shared_queue(mut self, queue: Arc<RedisQueue>) -> SolvePool {
        self.shared = Some(queue);
        self
    }

    /// The shared queue, if jobs go to one.
    pub fn shared_queue(&self) -> Option<&Arc<RedisQueue>> {
        self.shared.as_ref()
    }

    /// How many solves run at once.
    pub fn workers(&self) -> usize {
        self.worker_count
    }

    /// Admits work that runs its own solver threads (a scenario batch) as
    /// one queued job: the permit holds its place until dropped.
    ///
    /// # Errors
    /// RESOURCE_EXHAUSTED when the queue is full, UNAVAILABLE once shutdown began.
    pub fn admit(&self) -> Result<OwnedSemaphorePermit, ServiceError> {
        self.check_open()?;
        self.admitted.clone().try_acquire_owned().map_err(|_| {
            ServiceError::ResourceExhausted("the solve queue is full; retry later".into())
        })
    }

    fn check_open(&self) -> Result<(), ServiceError> {
        if self.shutting_down.load(Ordering::Relaxed) {
            return Err(ServiceError::Unavailable(
                "the server is shutting down".into(),
            ));
        }
        Ok(())
    }

    /// A job by id: one of this process's, or one on the shared queue.
    ///
    /// # Errors
    /// UNAVAILABLE when the shared queue cannot be reached.
    pub async fn job(&self, id: &str) -> Result<Option<Arc<Job>>, ServiceError> {
        if let Some(queue) = &self.shared {
            return Ok(queue.follow(id, self.store.clone()).await?);
        }
        Ok(self.lock().get(id).cloned())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Job>>> {
        self.jobs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Holds a place for a job that will be submitted once something it
    /// depends on is stored (a network change that re-plans), so that the
    /// change can be refused, rather than stored without its job, when the
    /// queue is full.
    ///
    /// # Errors
    /// RESOURCE_EXHAUSTED when the queue is full (UNAVAILABLE once shutdown
    /// began, or when the shared queue cannot be reached).
    pub async fn reserve(&self) -> Result<Reservation, ServiceError> {
        self.check_open()?;
        if let Some(queue) = &self.shared {
            let token = queue.reserve().await?;
            return Ok(Reservation(Held::Shared(queue.clone(), Some(token))));
        }
        let permit = self.admitted.clone().try_acquire_owned().map_err(|_| {
            ServiceError::ResourceExhausted("the solve queue is full; retry later".into())
        })?;
        Ok(Reservation(Held::Local(permit)))
    }

    /// Admits a job, or refuses it with RESOURCE_EXHAUSTED when the queue is
    /// full (UNAVAILABLE once shutdown began, or when the shared queue
    /// cannot be reached).
    ///
    /// # Errors
    /// As above.
    pub async fn submit(&self, spec: JobSpec) -> Result<Arc<Job>, ServiceError> {
        let reservation = self.reserve().await?;
        self.submit_reserved(spec, reservation).await
    }

    /// Submits a job into the place `reservation` holds for it.
    ///
    /// # Errors
    /// UNAVAILABLE when the shared queue cannot be reached.
    pub async fn submit_reserved(
        &self,
        spec: JobSpec,
        mut reservation: Reservation,
    ) -> Result<Arc<Job>, ServiceError> {
        if let Held::Shared(queue, token) = &mut reservation.0 {
            // Submitted with its token, the hold is taken; failing, it is
            // released when the reservation drops.
            let queue = queue.clone();
            queue.submit(&spec, token.as_deref()).await?;
            *token = None;
            return Ok(queue.follow_submitted(&spec, self.store.clone()));
        }
        let admission = reservation;
        let job = Arc::new(Job::new(&spec, JobState::Queued, SystemTime::now()));
        self.lock().insert(job.id.clone(), job.clone());
        let mut options = spec.options.to_solve_options();
        options.cancel = Some(job.cancel.clone());
        let progress_job = job.clone();
        options.progress = Some(Arc::new(move |p: &Progress| {
            progress_job.state.send_replace(JobState::Running(p.into()));
        }));
        let workers = self.workers.clone();
        let run_job_handle = job.clone();
        let jobs = self.jobs.clone();
        let store = self.store.clone();
        tokio::spawn(async move {
            let job = run_job_handle;
            let result = match workers.acquire_owned().await {
                Err(_) => Err(failure(JobFailureKind::Cancelled, "the pool is closed")),
                Ok(_worker) if job.cancel.load(Ordering::Relaxed) => Err(failure(
                    JobFailureKind::Cancelled,
                    "cancelled before it started",
                )),
                Ok(_worker) => {
                    job.state.send_replace(JobState::Running(JobProgress {
                        phase: Phase::Build,
                        ..JobProgress::default()
                    }));
                    run_job(&store, &spec, options, None)
                        .await
                        .map(|plan| (spec.plan_id.clone(), plan))
                }
            };
            job.state.send_replace(JobState::Done(result));
            drop(admission);
            tokio::time::sleep(KEEP_FINISHED).await;
            jobs.lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&job.id);
        });
        Ok(job)
    }

    /// Stops admitting jobs and cancels every running or queued one of this
    /// process (jobs on a shared queue stay there for other workers).
    pub fn shutdown(&self) {
        self.shutting_down.store(true, Ordering::Relaxed);
        for job in self.lock().values() {
            job.cancel();
        }
    }
}

/// A place held on the solve queue by [`SolvePool::reserve`]; dropped
/// unused, it is given back.
pub struct Reservation(Held);

enum Held {
    /// A permit of this process's queue, held until the job ends.
    Local(#[allow(dead_code)] OwnedSemaphorePermit),
    /// A place held on the shared queue, with its token until submitted.
    Shared(Arc<RedisQueue>, Option<String>),
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if let Held::Shared(queue, Some(token)) = &mut self.0 {
            let (queue, token) = (queue.clone(), std::mem::take(token));
            // Dropped outside a runtime only at exit, when the hold can
            // simply expire.
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(async move { queue.release(&token).await });
            }
        }
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

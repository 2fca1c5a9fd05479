//! Solves off the async runtime: a bounded pool of solver workers in front
//! of a bounded queue. A job runs the planning core on a blocking thread,
//! publishes its progress on a watch channel (so any number of `WatchSolve`
//! streams can follow it) and stores the plan when it ends. A job is
//! cancelled when every caller waiting on it has gone away, or when the
//! server shuts down.

use crate::model::Plan;
use crate::planning::{PlanError, Progress, SolveOptions};
use crate::server::status::ServiceError;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobFailureKind {
    Invalid,
    Cancelled,
    Internal,
}

impl From<JobFailure> for ServiceError {
    fn from(f: JobFailure) -> ServiceError {
        match f.kind {
            JobFailureKind::Invalid => ServiceError::invalid("document", f.message),
            JobFailureKind::Cancelled => ServiceError::Cancelled(f.message),
            JobFailureKind::Internal => ServiceError::Internal(f.message),
        }
    }
}

/// The progress a running job last reported.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobProgress {
    pub phase: &'static str,
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
    started: Instant,
}

impl Job {
    /// Follows the job's state.
    pub fn subscribe(&self) -> watch::Receiver<JobState> {
        self.state.subscribe()
    }

    /// Asks the solver to stop; the job then ends with what it has.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// Seconds since the job was admitted.
    pub fn elapsed_seconds(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
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

/// What a job computes, and what it does with the plan: run on a blocking
/// thread with the options (cancel flag and progress already set).
pub type SolveWork = Box<dyn FnOnce(&SolveOptions) -> Result<Plan, PlanError> + Send>;
/// Stores a finished plan under the job's plan id (the first argument);
/// runs on the runtime.
pub type StorePlan = Box<
    dyn FnOnce(String, Arc<Plan>) -> Pin<Box<dyn Future<Output = Result<(), ServiceError>> + Send>>
        + Send,
>;

/// How long a finished job stays for `WatchSolve` callers that come late;
/// its plan stays in the store for good.
const KEEP_FINISHED: Duration = Duration::from_secs(600);

/// The solver pool.
#[derive(Debug, Clone)]
pub struct SolvePool {
    worker_count: usize,
    workers: Arc<Semaphore>,
    admitted: Arc<Semaphore>,
    jobs: Arc<Mutex<HashMap<String, Arc<Job>>>>,
    shutting_down: Arc<AtomicBool>,
}

impl SolvePool {
    /// A pool of `workers` concurrent solves and `queue` more waiting.
    pub fn new(workers: usize, queue: usize) -> SolvePool {
        let workers = workers.max(1);
        SolvePool {
            worker_count: workers,
            workers: Arc::new(Semaphore::new(workers)),
            admitted: Arc::new(Semaphore::new(workers + queue)),
            jobs: Arc::new(Mutex::new(HashMap::new())),
            shutting_down: Arc::new(AtomicBool::new(false)),
        }
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
        if self.shutting_down.load(Ordering::Relaxed) {
            return Err(ServiceError::Unavailable(
                "the server is shutting down".into(),
            ));
        }
        self.admitted.clone().try_acquire_owned().map_err(|_| {
            ServiceError::ResourceExhausted("the solve queue is full; retry later".into())
        })
    }

    /// A job by id.
    pub fn job(&self, id: &str) -> Option<Arc<Job>> {
        self.lock().get(id).cloned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Job>>> {
        self.jobs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Admits a job, or refuses it with RESOURCE_EXHAUSTED when the queue is
    /// full (UNAVAILABLE once shutdown began).
    ///
    /// # Errors
    /// As above.
    pub fn submit(
        &self,
        network_id: &str,
        network_version: u64,
        mut options: SolveOptions,
        work: SolveWork,
        store_plan: StorePlan,
    ) -> Result<Arc<Job>, ServiceError> {
        if self.shutting_down.load(Ordering::Relaxed) {
            return Err(ServiceError::Unavailable(
                "the server is shutting down".into(),
            ));
        }
        let admission: OwnedSemaphorePermit =
            self.admitted.clone().try_acquire_owned().map_err(|_| {
                ServiceError::ResourceExhausted("the solve queue is full; retry later".into())
            })?;
        let id = uuid::Uuid::new_v4().to_string();
        let job = Arc::new(Job {
            id: format!("job-{id}"),
            plan_id: format!("plan-{id}"),
            network_id: network_id.to_string(),
            network_version,
            state: watch::channel(JobState::Queued).0,
            cancel: Arc::new(AtomicBool::new(false)),
            started: Instant::now(),
        });
        self.lock().insert(job.id.clone(), job.clone());
        options.cancel = Some(job.cancel.clone());
        let progress_job = job.clone();
        options.progress = Some(Arc::new(move |p: &Progress| {
            progress_job.state.send_replace(JobState::Running(p.into()));
        }));
        let workers = self.workers.clone();
        let run_job = job.clone();
        let jobs = self.jobs.clone();
        tokio::spawn(async move {
            let result = match workers.acquire_owned().await {
                Err(_) => Err(failure(JobFailureKind::Cancelled, "the pool is closed")),
                Ok(_worker) if run_job.cancel.load(Ordering::Relaxed) => Err(failure(
                    JobFailureKind::Cancelled,
                    "cancelled before it started",
                )),
                Ok(_worker) => {
                    run_job.state.send_replace(JobState::Running(JobProgress {
                        phase: "build",
                        ..JobProgress::default()
                    }));
                    let solved = tokio::task::spawn_blocking(move || work(&options)).await;
                    match solved {
                        Ok(Ok(plan)) => {
                            let plan = Arc::new(plan);
                            match store_plan(run_job.plan_id.clone(), plan.clone()).await {
                                Ok(()) => Ok((run_job.plan_id.clone(), plan)),
                                Err(e) => Err(failure(JobFailureKind::Internal, e.to_string())),
                            }
                        }
                        Ok(Err(err)) => Err(plan_failure(err)),
                        Err(join) => Err(failure(
                            JobFailureKind::Internal,
                            format!("the solver thread failed: {join}"),
                        )),
                    }
                }
            };
            run_job.state.send_replace(JobState::Done(result));
            drop(admission);
            tokio::time::sleep(KEEP_FINISHED).await;
            jobs.lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&run_job.id);
        });
        Ok(job)
    }

    /// Stops admitting jobs and cancels every running or queued one.
    pub fn shutdown(&self) {
        self.shutting_down.store(true, Ordering::Relaxed);
        for job in self.lock().values() {
            job.cancel();
        }
    }
}

fn failure(kind: JobFailureKind, message: impl Into<String>) -> JobFailure {
    JobFailure {
        kind,
        message: message.into(),
    }
}

fn plan_failure(err: PlanError) -> JobFailure {
    match err {
        PlanError::Document(_) | PlanError::Option { .. } => {
            failure(JobFailureKind::Invalid, err.to_string())
        }
        PlanError::Cancelled => failure(JobFailureKind::Cancelled, "the solve was cancelled"),
        other => failure(JobFailureKind::Internal, other.to_string()),
    }
}

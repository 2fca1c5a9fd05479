//! The solver pool: where jobs run. In this process on a bounded set of
//! workers behind a bounded queue (the embedded default), or on the queue
//! shared through Redis ([`super::queue`]); either way a place is taken (or
//! held ahead, [`Reservation`]) before a job is admitted.

use super::job::{failure, queue_full, Job, JobFailureKind, JobProgress, JobState};
use super::queue::SharedQueue;
use super::run::run_job;
use super::spec::JobSpec;
use crate::metrics::metrics;
use crate::planning::{Phase, Progress};
use crate::server::status::ServiceError;
use crate::store::Store;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

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
    shared: Option<Arc<SharedQueue>>,
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
    pub fn with_shared_queue(mut self, queue: Arc<SharedQueue>) -> SolvePool {
        self.shared = Some(queue);
        self
    }

    /// The shared queue, if jobs go to one.
    pub fn shared_queue(&self) -> Option<&Arc<SharedQueue>> {
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
        self.admitted
            .clone()
            .try_acquire_owned()
            .map_err(|_| queue_full())
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
        let permit = self
            .admitted
            .clone()
            .try_acquire_owned()
            .map_err(|_| queue_full())?;
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
        metrics().queue_moved(1);
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
            metrics().queue_moved(-1);
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
    Shared(Arc<SharedQueue>, Option<String>),
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

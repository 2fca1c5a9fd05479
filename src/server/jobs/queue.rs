//! The solve queue shared by several replicas and `chainplan worker`
//! processes, over the store's [`JobQueue`] (Redis): submitting and
//! following jobs from any replica, and the workers that take and run them.
//!
//! - A job's spec and its state go on the queue as JSON.
//! - A worker takes a new job or one whose worker went quiet, and while it
//!   solves a heartbeat keeps the job claimed every [`HEARTBEAT`], writes
//!   the solver's progress and picks up a cancel request. When the job ends
//!   it writes the final state and takes the job off the queue: a worker
//!   that dies before that leaves it for another, which runs it again
//!   ([`run_job`] stores one plan however often a job runs). A job begun
//!   [`MAX_ATTEMPTS`] times without finishing fails.
//! - Any replica follows any job by polling its state ([`POLL`]), and asks a
//!   job to stop through the queue.

use super::job::{failure, Job, JobFailure, JobFailureKind, JobProgress, JobState};
use super::run::run_job;
use super::spec::JobSpec;
use crate::planning::{Phase, Progress};
use crate::server::status::ServiceError;
use crate::store::{JobConsumer, JobQueue, RedisJobQueue, Store, StoreError, TakenJob};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How often a running job's worker proves it is alive.
pub const HEARTBEAT: Duration = Duration::from_secs(1);
/// How often a follower reads a job's state.
const POLL: Duration = Duration::from_millis(200);
/// A job begun this many times without finishing fails: it is the job that
/// kills its workers.
const MAX_ATTEMPTS: u64 = 3;

/// A job's state as the shared queue holds it (JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
enum StoredState {
    Queued,
    Running {
        phase: String,
        elapsed_seconds: f64,
        best_objective: Option<f64>,
        bound: Option<f64>,
        gap: Option<f64>,
    },
    Done {
        plan_id: String,
    },
    Failed {
        kind: JobFailureKind,
        message: String,
    },
}

impl StoredState {
    fn running(p: &JobProgress) -> StoredState {
        StoredState::Running {
            phase: p.phase.to_string(),
            elapsed_seconds: p.elapsed_seconds,
            best_objective: p.best_objective,
            bound: p.bound,
            gap: p.gap,
        }
    }

    fn encode(&self) -> String {
        // A derived Serialize of strings and options cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    fn is_final(&self) -> bool {
        matches!(self, StoredState::Done { .. } | StoredState::Failed { .. })
    }
}

/// The phase of a stored name; a name this version does not know (written
/// by a newer worker) reads as `solve`.
fn phase(name: &str) -> Phase {
    Phase::from_name(name).unwrap_or(Phase::Solve)
}

fn full() -> ServiceError {
    super::job::queue_full()
}

/// The shared solve queue as the server uses it.
#[derive(Clone)]
pub struct SharedQueue {
    backend: Arc<dyn JobQueue>,
}

impl std::fmt::Debug for SharedQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedQueue").finish_non_exhaustive()
    }
}

impl SharedQueue {
    pub fn new(backend: Arc<dyn JobQueue>) -> SharedQueue {
        SharedQueue { backend }
    }

    /// The queue in the Redis at `url` under `prefix`, full at `capacity`
    /// jobs waiting or running.
    ///
    /// # Errors
    /// A malformed URL.
    pub fn open_redis(url: &str, prefix: &str, capacity: usize) -> Result<SharedQueue, StoreError> {
        Ok(SharedQueue::new(Arc::new(RedisJobQueue::open(
            url, prefix, capacity,
        )?)))
    }

    /// Queues a job, in the place `hold` holds for it when given.
    ///
    /// # Errors
    /// RESOURCE_EXHAUSTED when the queue is full (never with a hold);
    /// UNAVAILABLE when it cannot be reached.
    pub async fn submit(&self, spec: &JobSpec, hold: Option<&str>) -> Result<(), ServiceError> {
        let text = serde_json::to_string(spec)
            .map_err(|e| ServiceError::Internal(format!("encoding job: {e}")))?;
        let added = self
            .backend
            .submit(&spec.job_id, &text, &StoredState::Queued.encode(), hold)
            .await?;
        if added {
            Ok(())
        } else {
            Err(full())
        }
    }

    /// Holds a place for a job that will be submitted once a change it
    /// depends on is stored (see [`JobQueue::reserve`]).
    ///
    /// # Errors
    /// RESOURCE_EXHAUSTED when the queue is full; UNAVAILABLE when it
    /// cannot be reached.
    pub async fn reserve(&self) -> Result<String, ServiceError> {
        self.backend.reserve().await?.ok_or_else(full)
    }

    /// Gives back a held place.
    pub async fn release(&self, hold: &str) {
        self.backend.release(hold).await;
    }

    /// A handle on a job just submitted through this replica.
    pub fn follow_submitted(&self, spec: &JobSpec, store: Arc<dyn Store>) -> Arc<Job> {
        let job = Arc::new(Job::new(spec, JobState::Queued, SystemTime::now()));
        self.spawn_follower(&job, store);
        job
    }

    /// A handle on any job of the queue, or `None` for an unknown (or long
    /// finished) one.
    ///
    /// # Errors
    /// UNAVAILABLE when the queue cannot be reached.
    pub async fn follow(
        &self,
        job_id: &str,
        store: Arc<dyn Store>,
    ) -> Result<Option<Arc<Job>>, StoreError> {
        let Some((spec, submitted)) = self.backend.spec(job_id).await? else {
            return Ok(None);
        };
        let Ok(spec) = serde_json::from_str::<JobSpec>(&spec) else {
            return Ok(None);
        };
        let job = Arc::new(Job::new(&spec, JobState::Queued, submitted));
        self.spawn_follower(&job, store);
        Ok(Some(job))
    }

    /// Mirrors a job's stored state into its handle until it is final, and
    /// passes a cancel of the handle on to the job. Ends when the job is
    /// final or nobody holds the handle any more.
    fn spawn_follower(&self, job: &Arc<Job>, store: Arc<dyn Store>) {
        let backend = self.backend.clone();
        let weak = Arc::downgrade(job);
        let cancel = job.cancel.clone();
        let job_id = job.id.clone();
        tokio::spawn(async move {
            let mut cancel_sent = false;
            let mut last: Option<StoredState> = None;
            loop {
                if cancel.load(Ordering::Relaxed) && !cancel_sent {
                    cancel_sent = backend.request_cancel(&job_id).await.is_ok();
                }
                let Some(job) = weak.upgrade() else {
                    if cancel_sent || !cancel.load(Ordering::Relaxed) {
                        return;
                    }
                    tokio::time::sleep(POLL).await;
                    continue;
                };
                let state = match backend.state(&job_id).await {
                    Ok(Some(text)) => serde_json::from_str::<StoredState>(&text).ok(),
                    Ok(None) => Some(StoredState::Failed {
                        kind: JobFailureKind::Internal,
                        message: "the job is no longer on the queue".into(),
                    }),
                    // The queue is away: keep the last state and look again.
                    Err(_) => None,
                };
                if let Some(state) = state.filter(|s| last.as_ref() != Some(s)) {
                    let final_state = state.is_final();
                    job.state.send_replace(to_job_state(&state, &store).await);
                    last = Some(state);
                    if final_state {
                        return;
                    }
                }
                drop(job);
                tokio::time::sleep(POLL).await;
            }
        });
    }

    /// Starts `count` workers taking jobs from the queue until `shutdown`
    /// turns true. A job a worker is solving when shutdown comes is handed
    /// back (not finished, nothing stored) for another worker.
    pub fn spawn_workers(
        &self,
        count: usize,
        store: Arc<dyn Store>,
        shutdown: watch::Receiver<bool>,
    ) -> Vec<JoinHandle<()>> {
        let base = uuid::Uuid::new_v4().simple().to_string();
        (0..count)
            .map(|n| {
                let worker = Worker {
                    queue: self.backend.clone(),
                    store: store.clone(),
                    consumer: format!("worker-{}-{n}", &base[..12]),
                    shutdown: shutdown.clone(),
                };
                tokio::spawn(worker.run())
            })
            .collect()
    }
}

/// The handle's view of a stored state; a finished job's plan comes from
/// the store.
async fn to_job_state(state: &StoredState, store: &Arc<dyn Store>) -> JobState {
    match state {
        StoredState::Queued => JobState::Queued,
        StoredState::Running {
            phase: name,
            elapsed_seconds,
            best_objective,
            bound,
            gap,
        } => JobState::Running(JobProgress {
            phase: phase(name),
            elapsed_seconds: *elapsed_seconds,
            best_objective: *best_objective,
            bound: *bound,
            gap: *gap,
        }),
        StoredState::Done { plan_id } => JobState::Done(match store.get_plan(plan_id).await {
            Ok(record) => Ok((plan_id.clone(), record.plan)),
            Err(e) => Err(failure(JobFailureKind::Unavailable, e.to_string())),
        }),
        StoredState::Failed { kind, message } => JobState::Done(Err(JobFailure {
            kind: *kind,
            message: message.clone(),
        })),
    }
}

/// One worker loop.
struct Worker {
    queue: Arc<dyn JobQueue>,
    store: Arc<dyn Store>,
    consumer: String,
    shutdown: watch::Receiver<bool>,
}

impl Worker {
    async fn run(mut self) {
        let mut backoff = Duration::from_millis(100);
        let mut consumer: Option<Box<dyn JobConsumer>> = None;
        while !*self.shutdown.borrow() {
            let taken = match &mut consumer {
                Some(c) => c.take().await,
                None => match self.queue.consumer(&self.consumer).await {
                    Ok(c) => {
                        consumer = Some(c);
                        continue;
                    }
                    Err(e) => Err(e),
                },
            };
            match taken {
                Ok(Some(taken)) => {
                    backoff = Duration::from_millis(100);
                    self.work(taken).await;
                }
                Ok(None) => backoff = Duration::from_millis(100),
                Err(e) => {
                    tracing::warn!(consumer = %self.consumer, error = %e, "solve queue unreachable; retrying");
                    consumer = None;
                    tokio::select! {
                        () = tokio::time::sleep(backoff) => {}
                        _ = self.shutdown.changed() => {}
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            }
        }
    }

    /// Runs one job to its end (or hands it back at shutdown).
    async fn work(&mut self, taken: TakenJob) {
        let begun = match self.queue.begin(&taken.job_id).await {
            Ok(b) => b,
            // Left pending: it is taken again once the queue is back.
            Err(e) => {
                tracing::warn!(job = %taken.job_id, error = %e, "cannot read the job");
                return;
            }
        };
        let state = begun
            .state
            .and_then(|s| serde_json::from_str::<StoredState>(&s).ok());
        let final_state = match (
            begun
                .spec
                .and_then(|s| serde_json::from_str::<JobSpec>(&s).ok()),
            state,
        ) {
            (None, _) => StoredState::Failed {
                kind: JobFailureKind::Internal,
                message: "the job's spec is missing or unreadable".into(),
            },
            (Some(_), Some(s)) if s.is_final() => s,
            (Some(_), _) if begun.cancel_requested => StoredState::Failed {
                kind: JobFailureKind::Cancelled,
                message: "cancelled before it started".into(),
            },
            (Some(_), _) if begun.attempts > MAX_ATTEMPTS => StoredState::Failed {
                kind: JobFailureKind::Internal,
                message: format!(
                    "{} workers ended while solving this job",
                    begun.attempts - 1
                ),
            },
            (Some(spec), _) => match self.solve(&taken, &spec).await {
                Some(s) => s,
                None => return, // handed back at shutdown
            },
        };
        if let Err(e) = self.queue.finish(&taken, &final_state.encode()).await {
            // The plan is stored; the job runs again once the queue is back
            // and finds it there.
            tracing::warn!(job = %taken.job_id, error = %e, "cannot record the end of the job");
        }
    }

    /// Solves with a heartbeat; `None` when the job was handed back.
    async fn solve(&mut self, taken: &TakenJob, spec: &JobSpec) -> Option<StoredState> {
        let cancel = Arc::new(AtomicBool::new(false));
        let abandon = Arc::new(AtomicBool::new(false));
        let latest = Arc::new(Mutex::new(JobProgress {
            phase: Phase::Build,
            ..JobProgress::default()
        }));
        let mut options = spec.options.to_solve_options();
        options.cancel = Some(cancel.clone());
        let sink = latest.clone();
        options.progress = Some(Arc::new(move |p: &Progress| {
            *sink.lock().unwrap_or_else(|e| e.into_inner()) = p.into();
        }));
        tracing::info!(consumer = %self.consumer, job = %spec.job_id, "solving");
        let heartbeat = tokio::spawn(heartbeat(
            Beat {
                queue: self.queue.clone(),
                consumer: self.consumer.clone(),
                taken: taken.clone(),
            },
            latest,
            Stops {
                cancel: cancel.clone(),
                abandon: abandon.clone(),
            },
            self.shutdown.clone(),
        ));
        let result = run_job(&self.store, spec, options, Some(&abandon)).await;
        heartbeat.abort();
        if abandon.load(Ordering::Relaxed) && result.is_err() {
            tracing::info!(job = %spec.job_id, "handed back to the queue at shutdown");
            return None;
        }
        Some(match result {
            Ok(_) => StoredState::Done {
                plan_id: spec.plan_id.clone(),
            },
            Err(f) => StoredState::Failed {
                kind: f.kind,
                message: f.message,
            },
        })
    }
}

/// Whose job a heartbeat keeps claimed.
struct Beat {
    queue: Arc<dyn JobQueue>,
    consumer: String,
    taken: TakenJob,
}

/// The flags a heartbeat sets: stop the solver, and hand the job back.
struct Stops {
    cancel: Arc<AtomicBool>,
    abandon: Arc<AtomicBool>,
}

/// Keeps a running job claimed, its state current and its cancel flag read,
/// until aborted. At shutdown it stops the solver and marks the job
/// abandoned.
async fn heartbeat(
    beat: Beat,
    latest: Arc<Mutex<JobProgress>>,
    stops: Stops,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut written: Option<JobProgress> = None;
    loop {
        if *shutdown.borrow() {
            stops.abandon.store(true, Ordering::Relaxed);
            stops.cancel.store(true, Ordering::Relaxed);
            return;
        }
        let progress = latest.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let state =
            (written.as_ref() != Some(&progress)).then(|| StoredState::running(&progress).encode());
        let beaten = beat
            .queue
            .beat(&beat.consumer, &beat.taken, state.as_deref())
            .await;
        if let Ok(cancel) = beaten {
            written = Some(progress);
            if cancel {
                stops.cancel.store(true, Ordering::Relaxed);
            }
        }
        tokio::select! {
            () = tokio::time::sleep(HEARTBEAT) => {}
            _ = shutdown.changed() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_states_round_trip_and_know_when_they_are_final() {
        let states = [
            StoredState::Queued,
            StoredState::running(&JobProgress {
                phase: Phase::Solve,
                elapsed_seconds: 1.5,
                best_objective: Some(10.0),
                bound: None,
                gap: Some(0.25),
            }),
            StoredState::Done {
                plan_id: "plan-1".into(),
            },
            StoredState::Failed {
                kind: JobFailureKind::Cancelled,
                message: "stop".into(),
            },
        ];
        for s in &states {
            let back: StoredState = serde_json::from_str(&s.encode()).unwrap();
            assert_eq!(&back, s);
        }
        let finals: Vec<bool> = states.iter().map(StoredState::is_final).collect();
        assert_eq!(finals, [false, false, true, true]);
    }

    #[test]
    fn unknown_phase_names_read_as_solve() {
        assert_eq!(phase("duals"), Phase::Duals);
        assert_eq!(phase("warp"), Phase::Solve);
    }
}

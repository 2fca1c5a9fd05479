//! The solve queue several processes share: the small interface the
//! server's job runner uses, kept by a backend (`redis::RedisJobQueue`) that
//! owns how jobs wait, are taken, stay claimed while they run and end. A
//! job is opaque here: a spec and a state, both text the server writes and
//! reads.

use super::error::StoreError;
use async_trait::async_trait;
use std::time::SystemTime;

/// A job as the queue holds it when a worker begins it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueuedJob {
    /// The spec as submitted; `None` when it is gone or was never written.
    pub spec: Option<String>,
    pub state: Option<String>,
    /// Someone asked the job to stop.
    pub cancel_requested: bool,
    /// How many workers have begun it, this one included.
    pub attempts: u64,
}

/// A job a worker took: its entry on the queue and its id.
#[derive(Debug, Clone, PartialEq)]
pub struct TakenJob {
    pub entry: String,
    pub job_id: String,
}

/// The shared solve queue.
#[async_trait]
pub trait JobQueue: Send + Sync + 'static {
    /// Queues a job, in the place `hold` holds for it when given (see
    /// [`JobQueue::reserve`]); `false` when the queue is full (never with a
    /// hold).
    async fn submit(
        &self,
        job_id: &str,
        spec: &str,
        state: &str,
        hold: Option<&str>,
    ) -> Result<bool, StoreError>;

    /// Holds a place for a job that will be submitted once a change it
    /// depends on is stored; `None` when the queue is full. The place is
    /// taken by [`JobQueue::submit`] with the token, given back by
    /// [`JobQueue::release`], or freed after a while.
    async fn reserve(&self) -> Result<Option<String>, StoreError>;

    /// Gives back a held place; a failure only leaves it held until it expires.
    async fn release(&self, hold: &str);

    /// A job's spec and when it was submitted; `None` for an unknown (or
    /// long finished) job.
    async fn spec(&self, job_id: &str) -> Result<Option<(String, SystemTime)>, StoreError>;

    /// A job's state; `None` when the job is no longer on the queue.
    async fn state(&self, job_id: &str) -> Result<Option<String>, StoreError>;

    /// Asks a job to stop; its worker sees it at its next heartbeat.
    async fn request_cancel(&self, job_id: &str) -> Result<(), StoreError>;

    /// A worker's own connection for taking jobs.
    async fn consumer(&self, name: &str) -> Result<Box<dyn JobConsumer>, StoreError>;

    /// Begins a taken job: its spec, state and cancel flag, with one more
    /// attempt counted.
    async fn begin(&self, job_id: &str) -> Result<QueuedJob, StoreError>;

    /// Keeps a running job claimed by `consumer` (so nobody takes it over)
    /// and writes its state when given; `true` when a cancel was asked for.
    async fn beat(
        &self,
        consumer: &str,
        taken: &TakenJob,
        state: Option<&str>,
    ) -> Result<bool, StoreError>;

    /// Writes a job's final state (kept a while for followers) and takes it
    /// off the queue.
    async fn finish(&self, taken: &TakenJob, state: &str) -> Result<(), StoreError>;
}

/// A worker's end of the queue.
#[async_trait]
pub trait JobConsumer: Send {
    /// A job whose worker went quiet, else a new one, waiting a moment for
    /// one; `None` when there is none.
    async fn take(&mut self) -> Result<Option<TakenJob>, StoreError>;
}

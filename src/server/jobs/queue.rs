//! The solve queue shared through Redis, for several replicas and
//! `chainplan worker` processes on one Redis.
//!
//! - A job is a hash `<prefix>:{jobs}:job:<id>` (its spec, its state as
//!   JSON, a cancel flag, how often a worker took it) plus an entry in the
//!   stream `<prefix>:{jobs}:stream`, read by the consumer group `solvers`.
//!   Every key carries the hash tag `{jobs}`, so the submit script touches
//!   one Redis Cluster slot.
//! - A worker takes a new entry (XREADGROUP) or one whose worker went quiet
//!   (XAUTOCLAIM after [`CLAIM_AFTER`]). While it solves, a heartbeat
//!   re-claims its entry every [`HEARTBEAT`] (so the entry never looks idle),
//!   copies the solver's progress into the job's state and picks up a cancel
//!   request. When the job ends it writes the final state, then acknowledges
//!   and deletes the entry: a worker that dies before that leaves the entry
//!   pending, and another worker runs the job again ([`run_job`] stores one
//!   plan however often a job runs).
//! - Any replica follows any job by polling its hash ([`POLL`]), and asks a
//!   job to stop by setting its cancel flag.

use super::job::{failure, Job, JobFailure, JobFailureKind, JobProgress, JobState};
use super::run::run_job;
use super::spec::JobSpec;
use crate::planning::{Phase, Progress};
use crate::store::{Store, StoreError};
use redis::aio::{ConnectionManager, ConnectionManagerConfig, MultiplexedConnection};
use redis::streams::{StreamAutoClaimReply, StreamReadReply};
use redis::{AsyncConnectionConfig, Client, RedisError, RedisResult, Script};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The consumer group of the solver workers.
const GROUP: &str = "solvers";
/// How often a running job's worker proves it is alive.
pub const HEARTBEAT: Duration = Duration::from_secs(1);
/// How long an entry may go without a heartbeat before another worker
/// takes the job over.
pub const CLAIM_AFTER: Duration = Duration::from_secs(10);
/// How often a follower reads a job's state.
const POLL: Duration = Duration::from_millis(200);
/// How long a worker blocks on the stream before it looks again for
/// abandoned entries and for shutdown.
const BLOCK: Duration = Duration::from_secs(1);
/// A job taken this many times without finishing fails: it is the job
/// that kills its workers.
const MAX_ATTEMPTS: u64 = 3;
/// How long a finished job's state stays readable; its plan stays for good.
const KEEP_FINISHED_SECONDS: u64 = 600;
/// Time for one Redis call before it counts as a failure.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a place held for a job (see [`RedisQueue::reserve`]) stays
/// held when the replica that holds it never submits the job (it died).
const HOLD: Duration = Duration::from_secs(30);

/// Adds a job unless the queue holds `capacity` jobs already, counting the
/// places held for jobs about to come. With a hold token (ARGV[6], `""` for
/// none) the job takes the place held for it and is not counted again.
///
/// KEYS: stream, job hash, held places (a sorted set of tokens by expiry).
/// ARGV: capacity, spec, state, submitted ms, job id, hold token, now ms.
static SUBMIT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[7])
        if ARGV[6] ~= '' and redis.call('ZREM', KEYS[3], ARGV[6]) == 1 then
          -- the place was held for this job
        elseif redis.call('XLEN', KEYS[1]) + redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[1]) then
          if ARGV[6] == '' then return 0 end
          -- A hold that expired: the change it was held for is stored
          -- already, so the job goes in even over capacity.
        end
        redis.call('HSET', KEYS[2], 'spec', ARGV[2], 'state', ARGV[3], 'submitted_ms', ARGV[4])
        redis.call('XADD', KEYS[1], '*', 'job', ARGV[5])
        return 1
        ",
    )
});

/// Holds a place for a job about to come, unless the queue is full.
///
/// KEYS: stream, held places. ARGV: capacity, token, expiry ms, now ms.
static RESERVE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[4])
        if redis.call('XLEN', KEYS[1]) + redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[1]) then
          return 0
        end
        redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
        return 1
        ",
    )
});

/// Writes a job's final state, then acknowledges and deletes its entry.
static FINISH: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        redis.call('HSET', KEYS[2], 'state', ARGV[1])
        redis.call('EXPIRE', KEYS[2], ARGV[2])
        redis.call('XACK', KEYS[1], ARGV[3], ARGV[4])
        redis.call('XDEL', KEYS[1], ARGV[4])
        return 1
        ",
    )
});

/// A job's state as stored in its hash.
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

/// Whether a call failed on a connection that broke (Redis restarted, say),
/// so that the same call on the reconnected manager may succeed.
fn dropped(e: &RedisError) -> bool {
    e.is_connection_dropped() || e.is_io_error()
}

fn unavailable(e: RedisError) -> StoreError {
    StoreError::Unavailable(format!("solve queue: {e}"))
}

/// The shared solve queue.
pub struct RedisQueue {
    client: Client,
    conn: ConnectionManager,
    stream: String,
    job_prefix: String,
    /// Places held for jobs about to be submitted (see [`RedisQueue::reserve`]).
    held: String,
    /// Jobs waiting or running, over all workers, before RESOURCE_EXHAUSTED.
    capacity: usize,
}

impl std::fmt::Debug for RedisQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisQueue")
            .field("stream", &self.stream)
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

impl RedisQueue {
    /// The queue under `prefix` on the Redis at `url`, refusing jobs beyond
    /// `capacity` waiting or running. Connects lazily: a Redis that is down
    /// makes calls fail with UNAVAILABLE until it is back.
    ///
    /// # Errors
    /// A malformed URL.
    pub fn open(url: &str, prefix: &str, capacity: usize) -> Result<RedisQueue, StoreError> {
        let client = Client::open(url)
            .map_err(|e| StoreError::Unavailable(format!("redis url \"{url}\": {e}")))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(RESPONSE_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_secs(2));
        let conn =
            ConnectionManager::new_lazy_with_config(client.clone(), config).map_err(unavailable)?;
        Ok(RedisQueue {
            client,
            conn,
            stream: format!("{prefix}:{{jobs}}:stream"),
            job_prefix: format!("{prefix}:{{jobs}}:job:"),
            held: format!("{prefix}:{{jobs}}:held"),
            capacity: capacity.max(1),
        })
    }

    fn job_key(&self, job_id: &str) -> String {
        format!("{}{job_id}", self.job_prefix)
    }

    /// Creates the stream and its consumer group if they are missing.
    async fn ensure_group(
        &self,
        conn: &mut impl redis::aio::ConnectionLike,
    ) -> Result<(), StoreError> {
        let created: Result<(), RedisError> = redis::cmd("XGROUP")
            .arg("CREATE")
            .arg(&self.stream)
            .arg(GROUP)
            .arg("0")
            .arg("MKSTREAM")
            .query_async(conn)
            .await;
        match created {
            Err(e) if e.code() == Some("BUSYGROUP") => Ok(()),
            other => other.map_err(unavailable),
        }
    }

    /// Queues a job, in the place `hold` holds for it when given (see
    /// [`RedisQueue::reserve`]).
    ///
    /// # Errors
    /// RESOURCE_EXHAUSTED when the queue holds `capacity` jobs already (never
    /// with a hold); UNAVAILABLE when Redis cannot be reached.
    pub async fn submit(
        &self,
        spec: &JobSpec,
        hold: Option<&str>,
    ) -> Result<(), crate::server::status::ServiceError> {
        use crate::server::status::ServiceError;
        // No group needed yet: a worker creates it from id 0, so it still
        // sees the entries added before.
        let mut conn = self.conn.clone();
        let text = serde_json::to_string(spec)
            .map_err(|e| ServiceError::Internal(format!("encoding job: {e}")))?;
        let now = unix_ms(SystemTime::now());
        let mut submit = SUBMIT.prepare_invoke();
        submit
            .key(&self.stream)
            .key(self.job_key(&spec.job_id))
            .key(&self.held)
            .arg(self.capacity)
            .arg(text)
            .arg(StoredState::Queued.encode())
            .arg(now)
            .arg(&spec.job_id)
            .arg(hold.unwrap_or(""))
            .arg(now);
        let mut added: RedisResult<i64> = submit.invoke_async(&mut conn).await;
        if added.as_ref().is_err_and(dropped) {
            // The first call after Redis came back finds the old connection
            // broken; the manager reconnects for the next. Submitting twice
            // is harmless: a job run twice stores one plan.
            added = submit.invoke_async(&mut conn).await;
        }
        let added = added.map_err(unavailable)?;
        if added == 0 {
            return Err(ServiceError::ResourceExhausted(
                "the solve queue is full; retry later".into(),
            ));
        }
        Ok(())
    }

    /// Holds a place on the queue for a job that will be submitted once a
    /// change it depends on is stored, so that the change is refused,
    /// rather than stored without its job, when the queue is full. The
    /// place is given back by [`RedisQueue::release`], taken by
    /// [`RedisQueue::submit`] with the token, or freed after [`HOLD`].
    ///
    /// # Errors
    /// RESOURCE_EXHAUSTED when the queue is full; UNAVAILABLE when Redis
    /// cannot be reached.
    pub async fn reserve(&self) -> Result<String, crate::server::status::ServiceError> {
        use crate::server::status::ServiceError;
        let token = uuid::Uuid::new_v4().to_string();
        let now = unix_ms(SystemTime::now());
        let expiry = now.saturating_add(u64::try_from(HOLD.as_millis()).unwrap_or(u64::MAX));
        let mut conn = self.conn.clone();
        let mut reserve = RESERVE.prepare_invoke();
        reserve
            .key(&self.stream)
            .key(&self.held)
            .arg(self.capacity)
            .arg(&token)
            .arg(expiry)
            .arg(now);
        let mut held: RedisResult<i64> = reserve.invoke_async(&mut conn).await;
        if held.as_ref().is_err_and(dropped) {
            held = reserve.invoke_async(&mut conn).await;
        }
        if held.map_err(unavailable)? == 0 {
            return Err(ServiceError::ResourceExhausted(
                "the solve queue is full; retry later".into(),
            ));
        }
        Ok(token)
    }

    /// Gives back a place held by [`RedisQueue::reserve`]; a failure only
    /// leaves it held until it expires.
    pub async fn release(&self, token: &str) {
        let released: RedisResult<i64> = redis::cmd("ZREM")
            .arg(&self.held)
            .arg(token)
            .query_async(&mut self.conn.clone())
            .await;
        if let Err(err) = released {
            tracing::debug!(%err, "a held place on the solve queue expires instead");
        }
    }

    /// A handle on a job just submitted through this replica.
    pub fn follow_submitted(self: &Arc<Self>, spec: &JobSpec, store: Arc<dyn Store>) -> Arc<Job> {
        let job = Arc::new(Job::new(spec, JobState::Queued, SystemTime::now()));
        self.spawn_follower(&job, store);
        job
    }

    /// A handle on any job of the queue, or `None` for an unknown (or long
    /// finished) one.
    ///
    /// # Errors
    /// UNAVAILABLE when Redis cannot be reached.
    pub async fn follow(
        self: &Arc<Self>,
        job_id: &str,
        store: Arc<dyn Store>,
    ) -> Result<Option<Arc<Job>>, StoreError> {
        let mut conn = self.conn.clone();
        let mut read = redis::cmd("HMGET");
        read.arg(self.job_key(job_id))
            .arg("spec")
            .arg("submitted_ms");
        let mut fields: RedisResult<(Option<String>, Option<u64>)> =
            read.query_async(&mut conn).await;
        if fields.as_ref().is_err_and(dropped) {
            fields = read.query_async(&mut conn).await;
        }
        let (spec, submitted) = fields.map_err(unavailable)?;
        let Some(spec) = spec.and_then(|s| serde_json::from_str::<JobSpec>(&s).ok()) else {
            return Ok(None);
        };
        let submitted = UNIX_EPOCH + Duration::from_millis(submitted.unwrap_or(0));
        let job = Arc::new(Job::new(&spec, JobState::Queued, submitted));
        self.spawn_follower(&job, store);
        Ok(Some(job))
    }

    /// Mirrors a job's stored state into its handle until it is final, and
    /// passes a cancel of the handle on to the job. Ends when the job is
    /// final or nobody holds the handle any more.
    fn spawn_follower(self: &Arc<Self>, job: &Arc<Job>, store: Arc<dyn Store>) {
        let queue = self.clone();
        let weak = Arc::downgrade(job);
        let cancel = job.cancel.clone();
        let key = self.job_key(&job.id);
        tokio::spawn(async move {
            let mut conn = queue.conn.clone();
            let mut cancel_sent = false;
            let mut last: Option<StoredState> = None;
            loop {
                if cancel.load(Ordering::Relaxed) && !cancel_sent {
                    let sent: Result<(), RedisError> = redis::cmd("HSET")
                        .arg(&key)
                        .arg("cancel")
                        .arg(1)
                        .query_async(&mut conn)
                        .await;
                    cancel_sent = sent.is_ok();
                }
                let Some(job) = weak.upgrade() else {
                    if cancel_sent || !cancel.load(Ordering::Relaxed) {
                        return;
                    }
                    tokio::time::sleep(POLL).await;
                    continue;
                };
                let read: Result<Option<String>, RedisError> = redis::cmd("HGET")
                    .arg(&key)
                    .arg("state")
                    .query_async(&mut conn)
                    .await;
                let state = match read {
                    Ok(Some(text)) => serde_json::from_str::<StoredState>(&text).ok(),
                    Ok(None) => Some(StoredState::Failed {
                        kind: JobFailureKind::Internal,
                        message: "the job is no longer on the queue".into(),
                    }),
                    // Redis is away: keep the last state and look again.
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
    /// back (not acknowledged, nothing stored) for another worker.
    pub fn spawn_workers(
        self: &Arc<Self>,
        count: usize,
        store: Arc<dyn Store>,
        shutdown: watch::Receiver<bool>,
    ) -> Vec<JoinHandle<()>> {
        let base = uuid::Uuid::new_v4().simple().to_string();
        (0..count)
            .map(|n| {
                let worker = Worker {
                    queue: self.clone(),
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

fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// One worker loop.
struct Worker {
    queue: Arc<RedisQueue>,
    store: Arc<dyn Store>,
    consumer: String,
    shutdown: watch::Receiver<bool>,
}

/// A job's spec, state and cancel flag, as read from its hash.
type JobFields = (Option<String>, Option<String>, Option<String>);

/// A stream entry taken by a worker.
struct Taken {
    entry_id: String,
    job_id: String,
}

impl Worker {
    async fn run(mut self) {
        let mut backoff = Duration::from_millis(100);
        let mut conn: Option<MultiplexedConnection> = None;
        while !*self.shutdown.borrow() {
            match self.next(&mut conn).await {
                Ok(Some(taken)) => {
                    backoff = Duration::from_millis(100);
                    self.work(taken).await;
                }
                Ok(None) => backoff = Duration::from_millis(100),
                Err(e) => {
                    tracing::warn!(consumer = %self.consumer, error = %e, "solve queue unreachable; retrying");
                    conn = None;
                    tokio::select! {
                        () = tokio::time::sleep(backoff) => {}
                        _ = self.shutdown.changed() => {}
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            }
        }
    }

    /// An abandoned entry, else a new one (waiting up to [`BLOCK`]).
    async fn next(
        &self,
        conn: &mut Option<MultiplexedConnection>,
    ) -> Result<Option<Taken>, StoreError> {
        if conn.is_none() {
            // Its own connection: a blocking read would hold up every other
            // call on a shared one.
            let config = AsyncConnectionConfig::new()
                .set_connection_timeout(Some(RESPONSE_TIMEOUT))
                .set_response_timeout(Some(RESPONSE_TIMEOUT + BLOCK));
            let mut fresh = self
                .queue
                .client
                .get_multiplexed_async_connection_with_config(&config)
                .await
                .map_err(unavailable)?;
            self.queue.ensure_group(&mut fresh).await?;
            *conn = Some(fresh);
        }
        let Some(c) = conn.as_mut() else {
            return Ok(None);
        };
        let stale: StreamAutoClaimReply = redis::cmd("XAUTOCLAIM")
            .arg(&self.queue.stream)
            .arg(GROUP)
            .arg(&self.consumer)
            .arg(u64::try_from(CLAIM_AFTER.as_millis()).unwrap_or(u64::MAX))
            .arg("0-0")
            .arg("COUNT")
            .arg(1)
            .query_async(c)
            .await
            .map_err(unavailable)?;
        if let Some(entry) = stale.claimed.into_iter().next() {
            if let Some(job_id) = entry.get::<String>("job") {
                tracing::info!(consumer = %self.consumer, job = %job_id, "taking over a job whose worker went quiet");
                return Ok(Some(Taken {
                    entry_id: entry.id,
                    job_id,
                }));
            }
        }
        let read: Option<StreamReadReply> = redis::cmd("XREADGROUP")
            .arg("GROUP")
            .arg(GROUP)
            .arg(&self.consumer)
            .arg("COUNT")
            .arg(1)
            .arg("BLOCK")
            .arg(u64::try_from(BLOCK.as_millis()).unwrap_or(1000))
            .arg("STREAMS")
            .arg(&self.queue.stream)
            .arg(">")
            .query_async(c)
            .await
            .map_err(unavailable)?;
        Ok(read
            .into_iter()
            .flat_map(|r| r.keys)
            .flat_map(|k| k.ids)
            .find_map(|entry| {
                let job_id = entry.get::<String>("job")?;
                Some(Taken {
                    entry_id: entry.id,
                    job_id,
                })
            }))
    }

    /// Runs one job to its end (or hands it back at shutdown).
    async fn work(&mut self, taken: Taken) {
        let queue = self.queue.clone();
        let key = queue.job_key(&taken.job_id);
        let mut conn = queue.conn.clone();
        let read: Result<(JobFields, u64), RedisError> = redis::pipe()
            .cmd("HMGET")
            .arg(&key)
            .arg("spec")
            .arg("state")
            .arg("cancel")
            .cmd("HINCRBY")
            .arg(&key)
            .arg("attempts")
            .arg(1)
            .query_async(&mut conn)
            .await;
        let ((spec, state, cancel), attempts) = match read {
            Ok(r) => r,
            // Left pending: it is taken again once Redis is back.
            Err(e) => {
                tracing::warn!(job = %taken.job_id, error = %e, "cannot read the job");
                return;
            }
        };
        let state = state.and_then(|s| serde_json::from_str::<StoredState>(&s).ok());
        let final_state = match (
            spec.and_then(|s| serde_json::from_str::<JobSpec>(&s).ok()),
            state,
        ) {
            (None, _) => Some(StoredState::Failed {
                kind: JobFailureKind::Internal,
                message: "the job's spec is missing or unreadable".into(),
            }),
            (Some(_), Some(s)) if s.is_final() => Some(s),
            (Some(_), _) if cancel.as_deref() == Some("1") => Some(StoredState::Failed {
                kind: JobFailureKind::Cancelled,
                message: "cancelled before it started".into(),
            }),
            (Some(_), _) if attempts > MAX_ATTEMPTS => Some(StoredState::Failed {
                kind: JobFailureKind::Internal,
                message: format!("{} workers ended while solving this job", attempts - 1),
            }),
            (Some(spec), _) => match self.solve(&taken, &spec).await {
                Some(s) => Some(s),
                None => return, // handed back at shutdown
            },
        };
        if let Some(state) = final_state {
            let finished: Result<i64, RedisError> = FINISH
                .key(&queue.stream)
                .key(&key)
                .arg(state.encode())
                .arg(KEEP_FINISHED_SECONDS)
                .arg(GROUP)
                .arg(&taken.entry_id)
                .invoke_async(&mut conn)
                .await;
            if let Err(e) = finished {
                // The plan is stored; the job runs again once Redis is back
                // and finds it there.
                tracing::warn!(job = %taken.job_id, error = %e, "cannot record the end of the job");
            }
        }
    }

    /// Solves with a heartbeat; `None` when the job was handed back.
    async fn solve(&mut self, taken: &Taken, spec: &JobSpec) -> Option<StoredState> {
        let key = self.queue.job_key(&taken.job_id);
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
            self.queue.clone(),
            self.consumer.clone(),
            taken.entry_id.clone(),
            key,
            latest,
            cancel.clone(),
            abandon.clone(),
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

/// Keeps a running job's entry claimed, its state current and its cancel
/// flag read, until aborted. At shutdown it stops the solver and marks the
/// job abandoned.
#[allow(clippy::too_many_arguments)]
async fn heartbeat(
    queue: Arc<RedisQueue>,
    consumer: String,
    entry_id: String,
    key: String,
    latest: Arc<Mutex<JobProgress>>,
    cancel: Arc<AtomicBool>,
    abandon: Arc<AtomicBool>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut conn = queue.conn.clone();
    let mut written: Option<JobProgress> = None;
    loop {
        if *shutdown.borrow() {
            abandon.store(true, Ordering::Relaxed);
            cancel.store(true, Ordering::Relaxed);
            return;
        }
        let progress = latest.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let mut pipe = redis::pipe();
        pipe.cmd("XCLAIM")
            .arg(&queue.stream)
            .arg(GROUP)
            .arg(&consumer)
            .arg(0)
            .arg(&entry_id)
            .arg("JUSTID")
            .ignore()
            .cmd("HGET")
            .arg(&key)
            .arg("cancel");
        if written.as_ref() != Some(&progress) {
            pipe.cmd("HSET")
                .arg(&key)
                .arg("state")
                .arg(StoredState::running(&progress).encode())
                .ignore();
        }
        let beat: Result<(Option<String>,), RedisError> = pipe.query_async(&mut conn).await;
        if let Ok((flag,)) = beat {
            written = Some(progress);
            if flag.as_deref() == Some("1") {
                cancel.store(true, Ordering::Relaxed);
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

//! The shared solve queue in Redis ([`JobQueue`]), for several replicas and
//! `chainplan worker` processes on one Redis.
//!
//! - A job is a hash `<prefix>:{jobs}:job:<id>` (its spec, its state, a
//!   cancel flag, how often a worker took it) plus an entry in the stream
//!   `<prefix>:{jobs}:stream`, read by the consumer group `solvers`. Places
//!   held for jobs about to come are a sorted set `<prefix>:{jobs}:held` of
//!   tokens by expiry. Every key carries the hash tag `{jobs}`, so each
//!   script touches one Redis Cluster slot.
//! - A consumer takes a new entry (XREADGROUP) or one whose worker went
//!   quiet (XAUTOCLAIM after [`CLAIM_AFTER`]). A beat re-claims the entry
//!   (so it never looks idle), writes the state and reads the cancel flag.
//!   Finishing writes the final state, then acknowledges and deletes the
//!   entry: a worker that dies before that leaves the entry pending, and
//!   another takes the job over.

use crate::store::error::StoreError;
use crate::store::jobs::{JobConsumer, JobQueue, QueuedJob, TakenJob};
use async_trait::async_trait;
use redis::aio::{ConnectionManager, ConnectionManagerConfig, MultiplexedConnection};
use redis::streams::{StreamAutoClaimReply, StreamReadReply};
use redis::{AsyncConnectionConfig, Client, RedisError, RedisResult, Script};
use std::sync::LazyLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The consumer group of the solver workers.
const GROUP: &str = "solvers";
/// How long an entry may go without a beat before another worker takes the
/// job over.
pub const CLAIM_AFTER: Duration = Duration::from_secs(10);
/// How long a consumer blocks on the stream before it looks again for
/// abandoned entries (and its worker for shutdown).
const BLOCK: Duration = Duration::from_secs(1);
/// How long a finished job's state stays readable.
const KEEP_FINISHED_SECONDS: u64 = 600;
/// Time for one Redis call before it counts as a failure.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a place held for a job (see [`JobQueue::reserve`]) stays
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

/// Whether a call failed on a connection that broke (Redis restarted, say),
/// so that the same call on the reconnected manager may succeed.
fn dropped(e: &RedisError) -> bool {
    e.is_connection_dropped() || e.is_io_error()
}

fn unavailable(e: RedisError) -> StoreError {
    super::reply::note_broken(&e);
    StoreError::Unavailable(format!("solve queue: {e}"))
}

fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// The shared solve queue in Redis.
pub struct RedisJobQueue {
    client: Client,
    conn: ConnectionManager,
    stream: String,
    job_prefix: String,
    held: String,
    /// Jobs waiting or running, over all workers, before the queue is full.
    capacity: usize,
}

impl std::fmt::Debug for RedisJobQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisJobQueue")
            .field("stream", &self.stream)
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

impl RedisJobQueue {
    /// The queue under `prefix` on the Redis at `url`, full at `capacity`
    /// jobs waiting or running. Connects lazily: a Redis that is down makes
    /// calls fail with `Unavailable` until it is back.
    ///
    /// # Errors
    /// A malformed URL.
    pub fn open(url: &str, prefix: &str, capacity: usize) -> Result<RedisJobQueue, StoreError> {
        let client = Client::open(url)
            .map_err(|e| StoreError::Unavailable(format!("redis url \"{url}\": {e}")))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(RESPONSE_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_secs(2));
        let conn =
            ConnectionManager::new_lazy_with_config(client.clone(), config).map_err(unavailable)?;
        Ok(RedisJobQueue {
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
}

#[async_trait]
impl JobQueue for RedisJobQueue {
    async fn submit(
        &self,
        job_id: &str,
        spec: &str,
        state: &str,
        hold: Option<&str>,
    ) -> Result<bool, StoreError> {
        // No group needed yet: a worker creates it from id 0, so it still
        // sees the entries added before.
        let mut conn = self.conn.clone();
        let now = unix_ms(SystemTime::now());
        let mut submit = SUBMIT.prepare_invoke();
        submit
            .key(&self.stream)
            .key(self.job_key(job_id))
            .key(&self.held)
            .arg(self.capacity)
            .arg(spec)
            .arg(state)
            .arg(now)
            .arg(job_id)
            .arg(hold.unwrap_or(""))
            .arg(now);
        let mut added: RedisResult<i64> = submit.invoke_async(&mut conn).await;
        if added.as_ref().is_err_and(dropped) {
            // The first call after Redis came back finds the old connection
            // broken; the manager reconnects for the next. Submitting twice
            // is harmless: a job run twice stores one plan.
            added = submit.invoke_async(&mut conn).await;
        }
        Ok(added.map_err(unavailable)? == 1)
    }

    async fn reserve(&self) -> Result<Option<String>, StoreError> {
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
        Ok((held.map_err(unavailable)? == 1).then_some(token))
    }

    async fn release(&self, hold: &str) {
        let released: RedisResult<i64> = redis::cmd("ZREM")
            .arg(&self.held)
            .arg(hold)
            .query_async(&mut self.conn.clone())
            .await;
        if let Err(err) = released {
            tracing::debug!(%err, "a held place on the solve queue expires instead");
        }
    }

    async fn spec(&self, job_id: &str) -> Result<Option<(String, SystemTime)>, StoreError> {
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
        Ok(spec.map(|s| {
            (
                s,
                UNIX_EPOCH + Duration::from_millis(submitted.unwrap_or(0)),
            )
        }))
    }

    async fn state(&self, job_id: &str) -> Result<Option<String>, StoreError> {
        redis::cmd("HGET")
            .arg(self.job_key(job_id))
            .arg("state")
            .query_async(&mut self.conn.clone())
            .await
            .map_err(unavailable)
    }

    async fn request_cancel(&self, job_id: &str) -> Result<(), StoreError> {
        redis::cmd("HSET")
            .arg(self.job_key(job_id))
            .arg("cancel")
            .arg(1)
            .query_async::<()>(&mut self.conn.clone())
            .await
            .map_err(unavailable)
    }

    async fn consumer(&self, name: &str) -> Result<Box<dyn JobConsumer>, StoreError> {
        // Its own connection: a blocking read would hold up every other
        // call on a shared one.
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(RESPONSE_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT + BLOCK));
        let mut conn = self
            .client
            .get_multiplexed_async_connection_with_config(&config)
            .await
            .map_err(unavailable)?;
        self.ensure_group(&mut conn).await?;
        Ok(Box::new(RedisConsumer {
            conn,
            stream: self.stream.clone(),
            name: name.to_string(),
        }))
    }

    async fn begin(&self, job_id: &str) -> Result<QueuedJob, StoreError> {
        let key = self.job_key(job_id);
        let ((spec, state, cancel), attempts): (
            (Option<String>, Option<String>, Option<String>),
            u64,
        ) = redis::pipe()
            .cmd("HMGET")
            .arg(&key)
            .arg("spec")
            .arg("state")
            .arg("cancel")
            .cmd("HINCRBY")
            .arg(&key)
            .arg("attempts")
            .arg(1)
            .query_async(&mut self.conn.clone())
            .await
            .map_err(unavailable)?;
        Ok(QueuedJob {
            spec,
            state,
            cancel_requested: cancel.as_deref() == Some("1"),
            attempts,
        })
    }

    async fn beat(
        &self,
        consumer: &str,
        taken: &TakenJob,
        state: Option<&str>,
    ) -> Result<bool, StoreError> {
        let key = self.job_key(&taken.job_id);
        let mut pipe = redis::pipe();
        pipe.cmd("XCLAIM")
            .arg(&self.stream)
            .arg(GROUP)
            .arg(consumer)
            .arg(0)
            .arg(&taken.entry)
            .arg("JUSTID")
            .ignore()
            .cmd("HGET")
            .arg(&key)
            .arg("cancel");
        if let Some(state) = state {
            pipe.cmd("HSET").arg(&key).arg("state").arg(state).ignore();
        }
        let (flag,): (Option<String>,) = pipe
            .query_async(&mut self.conn.clone())
            .await
            .map_err(unavailable)?;
        Ok(flag.as_deref() == Some("1"))
    }

    async fn finish(&self, taken: &TakenJob, state: &str) -> Result<(), StoreError> {
        FINISH
            .key(&self.stream)
            .key(self.job_key(&taken.job_id))
            .arg(state)
            .arg(KEEP_FINISHED_SECONDS)
            .arg(GROUP)
            .arg(&taken.entry)
            .invoke_async::<i64>(&mut self.conn.clone())
            .await
            .map(|_| ())
            .map_err(unavailable)
    }
}

/// A worker's connection to the stream.
struct RedisConsumer {
    conn: MultiplexedConnection,
    stream: String,
    name: String,
}

#[async_trait]
impl JobConsumer for RedisConsumer {
    async fn take(&mut self) -> Result<Option<TakenJob>, StoreError> {
        let stale: StreamAutoClaimReply = redis::cmd("XAUTOCLAIM")
            .arg(&self.stream)
            .arg(GROUP)
            .arg(&self.name)
            .arg(u64::try_from(CLAIM_AFTER.as_millis()).unwrap_or(u64::MAX))
            .arg("0-0")
            .arg("COUNT")
            .arg(1)
            .query_async(&mut self.conn)
            .await
            .map_err(unavailable)?;
        if let Some(entry) = stale.claimed.into_iter().next() {
            if let Some(job_id) = entry.get::<String>("job") {
                tracing::info!(consumer = %self.name, job = %job_id, "taking over a job whose worker went quiet");
                return Ok(Some(TakenJob {
                    entry: entry.id,
                    job_id,
                }));
            }
        }
        let read: Option<StreamReadReply> = redis::cmd("XREADGROUP")
            .arg("GROUP")
            .arg(GROUP)
            .arg(&self.name)
            .arg("COUNT")
            .arg(1)
            .arg("BLOCK")
            .arg(u64::try_from(BLOCK.as_millis()).unwrap_or(1000))
            .arg("STREAMS")
            .arg(&self.stream)
            .arg(">")
            .query_async(&mut self.conn)
            .await
            .map_err(unavailable)?;
        Ok(read
            .into_iter()
            .flat_map(|r| r.keys)
            .flat_map(|k| k.ids)
            .find_map(|entry| {
                let job_id = entry.get::<String>("job")?;
                Some(TakenJob {
                    entry: entry.id,
                    job_id,
                })
            }))
    }
}

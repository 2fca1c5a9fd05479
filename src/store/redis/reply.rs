//! Redis replies and failures in the store's terms: a failure is
//! `Unavailable`, a reply of an unexpected shape too, and a network without
//! a version is `NotFound`.

use crate::store::error::StoreError;
use redis::{FromRedisValue, RedisError, Value};

/// A Redis failure as the store reports it: the backing service could not
/// do what was asked.
pub(super) fn redis_error(e: RedisError) -> StoreError {
    note_broken(&e);
    StoreError::Unavailable(format!("redis: {e}"))
}

/// Counts a connection found broken: the connection manager opens it again
/// for the next call (`chainplan_redis_reconnects_total`).
pub(super) fn note_broken(e: &RedisError) {
    if e.is_connection_dropped() || e.is_io_error() {
        crate::metrics::metrics().redis_reconnected();
    }
}

/// A reply of an unexpected shape.
pub(super) fn reply_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("unexpected reply from redis: {e}"))
}

pub(super) fn parse<T: FromRedisValue>(value: Value) -> Result<T, StoreError> {
    redis::from_redis_value(value).map_err(reply_error)
}

pub(super) fn parse_version(s: &str) -> Result<u64, StoreError> {
    s.parse()
        .map_err(|_| reply_error(format!("\"{s}\" is not a version")))
}

/// The JSON of a log entry, stored under field `v`.
pub(super) fn entry_json(fields: &[String]) -> Result<&str, StoreError> {
    fields
        .chunks_exact(2)
        .find(|pair| pair[0] == "v")
        .map(|pair| pair[1].as_str())
        .ok_or_else(|| reply_error("allocation log entry without a version"))
}

/// A stream entry as XRANGE returns it: id and field/value list.
pub(super) type Entry = (String, Vec<String>);

/// A network's latest version from its meta hash, or `NotFound`.
pub(super) fn present(network_id: &str, latest: Option<u64>) -> Result<u64, StoreError> {
    latest
        .filter(|&v| v > 0)
        .ok_or_else(|| StoreError::not_found("network", network_id))
}

//! Why a store call failed: the one error type of every backend.

use super::records::Acknowledgement;
use thiserror::Error;

/// Why a store call failed.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The named network, version, plan or allocation version does not exist.
    #[error("{kind} \"{id}\" not found")]
    NotFound { kind: &'static str, id: String },
    /// A conditional write lost: the state moved on since the caller read it.
    #[error("{0}")]
    Conflict(String),
    /// The request cannot apply to the state as it is (publishing a plan
    /// without a solution, say).
    #[error("{0}")]
    FailedPrecondition(String),
    /// The backing service cannot be reached.
    #[error("store unavailable: {0}")]
    Unavailable(String),
}

/// The error for an answer that contradicts the one recorded.
pub(crate) fn contradicts(recorded: &Acknowledgement) -> StoreError {
    StoreError::FailedPrecondition(format!(
        "version {} was already {}; the first answer stands",
        recorded.version,
        if recorded.accepted {
            "accepted"
        } else {
            "rejected"
        }
    ))
}

/// `Conflict` for actuals counted in `version`'s periods when the network
/// rolled at `rolled_to` (they are closed) or is only at `latest`.
pub(crate) fn stale_report(
    network_id: &str,
    version: u64,
    rolled_to: u64,
    latest: u64,
) -> StoreError {
    if version < rolled_to {
        StoreError::Conflict(format!(
            "network \"{network_id}\" rolled its horizon at version {rolled_to}; version {version} counts periods that are closed"
        ))
    } else {
        StoreError::Conflict(format!(
            "network \"{network_id}\" is at version {latest}, not {version}"
        ))
    }
}

impl StoreError {
    pub(crate) fn not_found(kind: &'static str, id: impl Into<String>) -> StoreError {
        StoreError::NotFound {
            kind,
            id: id.into(),
        }
    }
}

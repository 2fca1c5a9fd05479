//! The one place that picks gRPC status codes: every error of the store, the
//! planning core and the services becomes a [`ServiceError`], and that
//! becomes a `tonic::Status` as in the house table. INVALID_ARGUMENT carries
//! every field violation as a `BadRequest` detail; INTERNAL says nothing of
//! its cause to the caller and logs it instead.

use crate::model::DocError;
use crate::planning::PlanError;
use crate::store::StoreError;
use thiserror::Error;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

/// A field of a request and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Path into the request: `document.lanes[4].to`.
    pub field: String,
    pub reason: String,
}

impl Violation {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Violation {
        Violation {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// Why a call failed, in the terms of the status table.
#[derive(Debug, Error)]
pub enum ServiceError {
    #[error("invalid request: {}", summary(.0))]
    Invalid(Vec<Violation>),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Aborted(String),
    #[error("{0}")]
    FailedPrecondition(String),
    #[error("{0}")]
    PermissionDenied(String),
    #[error("{0}")]
    ResourceExhausted(String),
    #[error("{0}")]
    DeadlineExceeded(String),
    #[error("{0}")]
    Cancelled(String),
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    Internal(String),
}

fn summary(violations: &[Violation]) -> String {
    let shown: Vec<String> = violations
        .iter()
        .take(5)
        .map(|v| format!("{}: {}", v.field, v.reason))
        .collect();
    let more = violations.len().saturating_sub(shown.len());
    if more > 0 {
        format!("{} (and {more} more)", shown.join("; "))
    } else {
        shown.join("; ")
    }
}

impl ServiceError {
    /// One violation.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> ServiceError {
        ServiceError::Invalid(vec![Violation::new(field, reason)])
    }

    /// Document problems, their paths put under `prefix` (`document`).
    pub fn from_doc(prefix: &str, err: DocError) -> ServiceError {
        ServiceError::Invalid(
            err.problems()
                .into_iter()
                .map(|p| Violation::new(join_path(prefix, &p.path), p.reason))
                .collect(),
        )
    }
}

/// `prefix.path`, where `$` (the whole document) is the prefix itself.
pub fn join_path(prefix: &str, path: &str) -> String {
    match (prefix.is_empty(), path) {
        (true, _) => path.to_string(),
        (false, "$" | "") => prefix.to_string(),
        (false, p) if p.starts_with('[') => format!("{prefix}{p}"),
        (false, p) => format!("{prefix}.{p}"),
    }
}

impl From<StoreError> for ServiceError {
    fn from(err: StoreError) -> ServiceError {
        match err {
            StoreError::NotFound { .. } => ServiceError::NotFound(err.to_string()),
            StoreError::Conflict(m) => ServiceError::Aborted(m),
            StoreError::FailedPrecondition(m) => ServiceError::FailedPrecondition(m),
            StoreError::Unavailable(m) => ServiceError::Unavailable(m),
        }
    }
}

impl From<PlanError> for ServiceError {
    fn from(err: PlanError) -> ServiceError {
        match err {
            PlanError::Document(doc) => ServiceError::from_doc("document", doc),
            PlanError::Option { field, reason } => {
                ServiceError::invalid(join_path("options", field), reason)
            }
            PlanError::Cancelled => ServiceError::Cancelled("the solve was cancelled".into()),
            other => ServiceError::Internal(other.to_string()),
        }
    }
}

impl From<ServiceError> for Status {
    fn from(err: ServiceError) -> Status {
        match err {
            ServiceError::Invalid(violations) => {
                let message = format!("invalid request: {}", summary(&violations));
                let details = ErrorDetails::with_bad_request(
                    violations
                        .into_iter()
                        .map(|v| tonic_types::FieldViolation::new(v.field, v.reason))
                        .collect::<Vec<_>>(),
                );
                Status::with_error_details(Code::InvalidArgument, message, details)
            }
            ServiceError::NotFound(m) => Status::not_found(m),
            ServiceError::Aborted(m) => Status::aborted(m),
            ServiceError::FailedPrecondition(m) => Status::failed_precondition(m),
            ServiceError::PermissionDenied(m) => Status::permission_denied(m),
            ServiceError::ResourceExhausted(m) => Status::resource_exhausted(m),
            ServiceError::DeadlineExceeded(m) => Status::deadline_exceeded(m),
            ServiceError::Cancelled(m) => Status::cancelled(m),
            ServiceError::Unavailable(m) => Status::unavailable(m),
            ServiceError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                Status::internal("internal error")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_join_under_their_prefix() {
        assert_eq!(join_path("document", "$"), "document");
        assert_eq!(join_path("document", "lanes[4].to"), "document.lanes[4].to");
        assert_eq!(join_path("changes", "[2].qty"), "changes[2].qty");
        assert_eq!(join_path("", "x"), "x");
    }

    #[test]
    fn invalid_arguments_carry_every_violation() {
        let err = ServiceError::Invalid(vec![
            Violation::new("document.lanes[0].to", "unknown site \"x\""),
            Violation::new("document.horizon.periods", "must be at least 1"),
        ]);
        let status = Status::from(err);
        assert_eq!(status.code(), Code::InvalidArgument);
        let bad = status.get_details_bad_request().expect("BadRequest detail");
        assert_eq!(bad.field_violations.len(), 2);
        assert_eq!(bad.field_violations[0].field, "document.lanes[0].to");
    }

    #[test]
    fn store_errors_map_to_the_table() {
        let s = Status::from(ServiceError::from(StoreError::not_found("plan", "p1")));
        assert_eq!(s.code(), Code::NotFound);
        let s = Status::from(ServiceError::from(StoreError::Conflict("stale".into())));
        assert_eq!(s.code(), Code::Aborted);
        let s = Status::from(ServiceError::Internal("secret cause".into()));
        assert_eq!(s.code(), Code::Internal);
        assert!(!s.message().contains("secret"));
    }
}

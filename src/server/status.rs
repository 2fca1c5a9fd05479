//! The one place that picks status codes: every error of the store, the
//! planning core and the services becomes a [`ServiceError`], and that
//! becomes a `tonic::Status` as in the house table; [`http_status`] gives
//! the HTTP status of each gRPC code for the JSON API. INVALID_ARGUMENT carries
//! every field violation as a `BadRequest` detail; INTERNAL says nothing of
//! its cause to the caller and logs it instead.

use crate::metrics::{metrics, StoreErrorKind};
use crate::model::text::{clip_chars, id_problem, text_problem};
use crate::model::{join_path, DocError, Problem};
use crate::planning::PlanError;
use crate::store::StoreError;
use thiserror::Error;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

/// Why a call failed, in the terms of the status table.
#[derive(Debug, Error)]
pub enum ServiceError {
    #[error("invalid request: {}", summary(.0))]
    Invalid(Vec<Problem>),
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
    Unauthenticated(String),
    /// Bytes that are not the call's request message at all.
    #[error("{0}")]
    Malformed(String),
    #[error("{0}")]
    Internal(String),
}

/// Violations named in a message; the rest are counted.
const MESSAGE_VIOLATIONS: usize = 3;
/// Violations carried as `BadRequest` details; the rest are counted in the message.
const DETAIL_VIOLATIONS: usize = 10;
/// The longest field path and reason carried in details, in characters.
const MAX_FIELD_CHARS: usize = 200;
const MAX_REASON_CHARS: usize = 300;
/// The same in the message, where three must fit with room to spare.
const MESSAGE_FIELD_CHARS: usize = 100;
const MESSAGE_REASON_CHARS: usize = 180;
/// The longest message, in characters. With the details this keeps an error
/// well inside the 8-16 KiB of metadata that common gRPC clients accept,
/// whatever the caller sent (a 10,000-character id, 2,000 bad lanes).
const MAX_MESSAGE_CHARS: usize = 1024;

fn summary(violations: &[Problem]) -> String {
    let shown: Vec<String> = violations
        .iter()
        .take(MESSAGE_VIOLATIONS)
        .map(|v| {
            format!(
                "{}: {}",
                clip_chars(&v.path, MESSAGE_FIELD_CHARS),
                clip_chars(&v.reason, MESSAGE_REASON_CHARS)
            )
        })
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
        ServiceError::Invalid(vec![Problem::new(field, reason)])
    }

    /// Document problems, their paths put under `prefix` (`document`).
    pub fn from_doc(prefix: &str, err: DocError) -> ServiceError {
        ServiceError::Invalid(
            err.problems()
                .into_iter()
                .map(|p| p.under(prefix))
                .collect(),
        )
    }
}

/// Checks an id a request names (see [`crate::model::text::id_problem`]).
///
/// # Errors
/// INVALID_ARGUMENT naming `field`.
pub fn check_id(field: &str, id: &str) -> Result<(), ServiceError> {
    match id_problem(id) {
        Some(reason) => Err(ServiceError::invalid(field, reason)),
        None => Ok(()),
    }
}

/// Checks a free text a request carries (see
/// [`crate::model::text::text_problem`]).
///
/// # Errors
/// INVALID_ARGUMENT naming `field`.
pub fn check_text(field: &str, text: &str) -> Result<(), ServiceError> {
    match text_problem(text) {
        Some(reason) => Err(ServiceError::invalid(field, reason)),
        None => Ok(()),
    }
}

impl From<StoreError> for ServiceError {
    fn from(err: StoreError) -> ServiceError {
        match err {
            StoreError::NotFound { .. } => ServiceError::NotFound(err.to_string()),
            StoreError::Conflict(m) => {
                metrics().store_error(StoreErrorKind::Conflict);
                ServiceError::Aborted(m)
            }
            StoreError::FailedPrecondition(m) => ServiceError::FailedPrecondition(m),
            StoreError::Unavailable(m) => {
                metrics().store_error(StoreErrorKind::Unavailable);
                ServiceError::Unavailable(m)
            }
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
            PlanError::TooLarge(reason) => ServiceError::invalid("document", reason),
            PlanError::Cancelled => ServiceError::Cancelled("the solve was cancelled".into()),
            other => ServiceError::Internal(other.to_string()),
        }
    }
}

/// A message cut to [`MAX_MESSAGE_CHARS`].
fn bounded(message: String) -> String {
    if message.len() <= MAX_MESSAGE_CHARS {
        message
    } else {
        clip_chars(&message, MAX_MESSAGE_CHARS)
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
                        .take(DETAIL_VIOLATIONS)
                        .map(|v| {
                            tonic_types::FieldViolation::new(
                                clip_chars(&v.path, MAX_FIELD_CHARS),
                                clip_chars(&v.reason, MAX_REASON_CHARS),
                            )
                        })
                        .collect::<Vec<_>>(),
                );
                Status::with_error_details(Code::InvalidArgument, bounded(message), details)
            }
            ServiceError::NotFound(m) => Status::not_found(bounded(m)),
            ServiceError::Aborted(m) => Status::aborted(bounded(m)),
            ServiceError::FailedPrecondition(m) => Status::failed_precondition(bounded(m)),
            ServiceError::PermissionDenied(m) => Status::permission_denied(bounded(m)),
            ServiceError::ResourceExhausted(m) => Status::resource_exhausted(bounded(m)),
            ServiceError::DeadlineExceeded(m) => Status::deadline_exceeded(bounded(m)),
            ServiceError::Cancelled(m) => Status::cancelled(bounded(m)),
            ServiceError::Unavailable(m) => Status::unavailable(bounded(m)),
            ServiceError::Unauthenticated(m) => Status::unauthenticated(bounded(m)),
            ServiceError::Malformed(m) => Status::invalid_argument(bounded(m)),
            ServiceError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                Status::internal("internal error")
            }
        }
    }
}

/// The HTTP status the JSON API answers for a gRPC code: the mapping of
/// `google.rpc.Code`, so HTTP and gRPC callers read the same table.
pub fn http_status(code: Code) -> u16 {
    match code {
        Code::Ok => 200,
        Code::InvalidArgument | Code::FailedPrecondition | Code::OutOfRange => 400,
        Code::Unauthenticated => 401,
        Code::PermissionDenied => 403,
        Code::NotFound => 404,
        Code::AlreadyExists | Code::Aborted => 409,
        Code::ResourceExhausted => 429,
        Code::Cancelled => 499,
        Code::Unimplemented => 501,
        Code::Unavailable => 503,
        Code::DeadlineExceeded => 504,
        Code::Unknown | Code::Internal | Code::DataLoss => 500,
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
            Problem::new("document.lanes[0].to", "unknown site \"x\""),
            Problem::new("document.horizon.periods", "must be at least 1"),
        ]);
        let status = Status::from(err);
        assert_eq!(status.code(), Code::InvalidArgument);
        let bad = status.get_details_bad_request().expect("BadRequest detail");
        assert_eq!(bad.field_violations.len(), 2);
        assert_eq!(bad.field_violations[0].field, "document.lanes[0].to");
    }

    #[test]
    fn errors_stay_small_whatever_the_caller_sent() {
        let long = "x".repeat(20_000);
        let violations = (0..2000)
            .map(|i| Problem::new(format!("document.lanes[{i}].{long}"), long.clone()))
            .collect();
        let status = Status::from(ServiceError::Invalid(violations));
        assert!(status.message().chars().count() <= MAX_MESSAGE_CHARS);
        assert!(status.message().ends_with("(and 1997 more)"));
        let bad = status.get_details_bad_request().expect("BadRequest detail");
        assert_eq!(bad.field_violations.len(), DETAIL_VIOLATIONS);
        assert!(bad.field_violations[0].field.chars().count() <= MAX_FIELD_CHARS + 1);
        assert!(bad.field_violations[0].description.chars().count() <= MAX_REASON_CHARS + 1);
        let status = Status::from(ServiceError::NotFound(long));
        assert!(status.message().chars().count() <= MAX_MESSAGE_CHARS + 1);
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

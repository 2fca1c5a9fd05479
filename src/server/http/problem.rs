//! Errors of the JSON API as problem documents (RFC 9457): the HTTP status
//! from [`crate::server::status::http_status`], the gRPC code's name, the
//! message, and for an invalid request every field violation with the same
//! path a gRPC caller reads in its `BadRequest` detail. Nothing here picks
//! a code: a problem is made from a `tonic::Status` the services gave.

use crate::server::status::{http_status, ServiceError};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tonic::Status;
use tonic_types::StatusExt;

/// The body of an error answer.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// Always `about:blank`: the status and `code` say what went wrong.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The HTTP status' reason phrase.
    pub title: String,
    pub status: u16,
    /// The gRPC code, as named in `google.rpc.Code` (`INVALID_ARGUMENT`).
    pub code: &'static str,
    pub detail: String,
    /// Every field violation of an invalid request.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// One field violation.
#[derive(Debug, Clone, Serialize)]
pub struct FieldError {
    pub field: String,
    pub reason: String,
}

impl Problem {
    /// The problem a service's status stands for.
    pub fn from_status(status: &Status) -> Problem {
        let code = status.code();
        let http = http_status(code);
        let errors = status
            .get_details_bad_request()
            .map(|bad| {
                bad.field_violations
                    .into_iter()
                    .map(|v| FieldError {
                        field: v.field,
                        reason: v.description,
                    })
                    .collect()
            })
            .unwrap_or_default();
        Problem {
            kind: "about:blank",
            title: StatusCode::from_u16(http)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("Error")
                .to_string(),
            status: http,
            code: code_name(code),
            detail: status.message().to_string(),
            errors,
        }
    }

    /// The problem of an error raised by the HTTP face itself.
    pub fn from_error(err: ServiceError) -> Problem {
        Problem::from_status(&Status::from(err))
    }

    /// A body over the route's limit: 413, with the gRPC code a caller over
    /// the same limit on gRPC gets.
    pub fn too_large(limit: usize) -> Problem {
        let mut problem = Problem::from_error(ServiceError::ResourceExhausted(format!(
            "the request is larger than this call accepts ({limit} bytes)"
        )));
        problem.status = StatusCode::PAYLOAD_TOO_LARGE.as_u16();
        problem.title = "Payload Too Large".into();
        problem
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, axum::Json(self)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        response
    }
}

/// The name `google.rpc.Code` gives a code.
fn code_name(code: tonic::Code) -> &'static str {
    use tonic::Code::*;
    match code {
        Ok => "OK",
        Cancelled => "CANCELLED",
        Unknown => "UNKNOWN",
        InvalidArgument => "INVALID_ARGUMENT",
        DeadlineExceeded => "DEADLINE_EXCEEDED",
        NotFound => "NOT_FOUND",
        AlreadyExists => "ALREADY_EXISTS",
        PermissionDenied => "PERMISSION_DENIED",
        ResourceExhausted => "RESOURCE_EXHAUSTED",
        FailedPrecondition => "FAILED_PRECONDITION",
        Aborted => "ABORTED",
        OutOfRange => "OUT_OF_RANGE",
        Unimplemented => "UNIMPLEMENTED",
        Internal => "INTERNAL",
        Unavailable => "UNAVAILABLE",
        DataLoss => "DATA_LOSS",
        Unauthenticated => "UNAUTHENTICATED",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Problem as FieldProblem;

    #[test]
    fn an_invalid_request_keeps_its_field_paths() {
        let status = Status::from(ServiceError::Invalid(vec![
            FieldProblem::new("options.time_limit_seconds", "must be positive"),
            FieldProblem::new("network_id", "empty"),
        ]));
        let p = Problem::from_status(&status);
        assert_eq!((p.status, p.code), (400, "INVALID_ARGUMENT"));
        assert_eq!(p.errors.len(), 2);
        assert_eq!(p.errors[0].field, "options.time_limit_seconds");
        assert_eq!(p.errors[1].reason, "empty");
    }

    #[test]
    fn codes_map_to_the_http_table() {
        let denied = Problem::from_error(ServiceError::PermissionDenied("no".into()));
        assert_eq!((denied.status, denied.title.as_str()), (403, "Forbidden"));
        let full = Problem::from_error(ServiceError::ResourceExhausted("full".into()));
        assert_eq!(full.status, 429);
        assert_eq!(Problem::too_large(10).status, 413);
        let hidden = Problem::from_error(ServiceError::Internal("secret".into()));
        assert_eq!(hidden.status, 500);
        assert!(!hidden.detail.contains("secret"));
    }
}

//! One JSON API call made into the gRPC method behind it: the request
//! message read from the JSON body with the route's path and query fields
//! set in it, the caller told by the same interceptor the gRPC services
//! have, and the answer rendered as JSON, as a problem, or (for a streaming
//! method) as server-sent events. The services themselves decide
//! everything: roles, isolation, validation, limits on what is asked.

use crate::server::auth::Authenticator;
use crate::server::http::problem::Problem;
use crate::server::status::ServiceError;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use std::convert::Infallible;
use std::future::Future;
use tokio_stream::{Stream, StreamExt};
use tonic::Status;

/// Headers carried over to the gRPC request: the bearer token, and the
/// caller's deadline in gRPC's own form (`grpc-timeout: 30S`), which the
/// services read as a gRPC caller's.
const CARRIED_HEADERS: [&str; 2] = ["authorization", "grpc-timeout"];

/// What a route hands to [`unary`] or [`streaming`].
pub struct CallInput {
    pub headers: HeaderMap,
    /// The route's path parameters and query parameters, by field name.
    pub fields: Vec<(String, String)>,
    pub body: Result<Bytes, BytesRejection>,
    /// The route's body limit, for the problem a larger body gets.
    pub limit: usize,
}

/// Calls a unary method and renders its answer.
pub async fn unary<Req, Resp, F, Fut>(auth: &Authenticator, input: CallInput, method: F) -> Response
where
    Req: DeserializeOwned,
    Resp: Serialize,
    F: FnOnce(tonic::Request<Req>) -> Fut,
    Fut: Future<Output = Result<tonic::Response<Resp>, Status>>,
{
    let request = match grpc_request(auth, input) {
        Ok(request) => request,
        Err(problem) => return problem.into_response(),
    };
    match method(request).await {
        Ok(response) => axum::Json(response.into_inner()).into_response(),
        Err(status) => Problem::from_status(&status).into_response(),
    }
}

/// Calls a server-streaming method: an error before the stream starts is a
/// problem answer; after that each message is an SSE event `message` whose
/// data is the message's JSON, and an error ends the stream with an event
/// `error` whose data is the problem.
pub async fn streaming<Req, Resp, S, F, Fut>(
    auth: &Authenticator,
    input: CallInput,
    method: F,
) -> Response
where
    Req: DeserializeOwned,
    Resp: Serialize + Send + 'static,
    S: Stream<Item = Result<Resp, Status>> + Send + 'static,
    F: FnOnce(tonic::Request<Req>) -> Fut,
    Fut: Future<Output = Result<tonic::Response<S>, Status>>,
{
    let request = match grpc_request(auth, input) {
        Ok(request) => request,
        Err(problem) => return problem.into_response(),
    };
    let stream = match method(request).await {
        Ok(response) => response.into_inner(),
        Err(status) => return Problem::from_status(&status).into_response(),
    };
    let events = stream
        .map(|item| match item {
            Ok(message) => Event::default().event("message").json_data(message),
            Err(status) => Event::default()
                .event("error")
                .json_data(Problem::from_status(&status)),
        })
        .map(|event| Ok::<Event, Infallible>(event.unwrap_or_else(|_| Event::default())));
    Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// A request with no message yet, its caller checked by the interceptor
/// from the carried headers.
///
/// # Errors
/// UNAUTHENTICATED as the gRPC services answer it; a header that is not
/// valid metadata.
pub fn authenticate(
    auth: &Authenticator,
    headers: &HeaderMap,
) -> Result<tonic::Request<()>, Problem> {
    let mut probe = tonic::Request::new(());
    for name in CARRIED_HEADERS {
        if let Some(value) = headers.get(name) {
            let value = value
                .to_str()
                .ok()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| {
                    Problem::from_error(ServiceError::Malformed(format!(
                        "the {name} header is not valid"
                    )))
                })?;
            probe.metadata_mut().insert(name, value);
        }
    }
    auth.intercept(probe).map_err(Problem::from_error)
}

/// The gRPC request for an HTTP one: the caller checked, the message read.
fn grpc_request<Req: DeserializeOwned>(
    auth: &Authenticator,
    input: CallInput,
) -> Result<tonic::Request<Req>, Problem> {
    let probe = authenticate(auth, &input.headers)?;
    let body = input.body.map_err(|rejection| {
        if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            Problem::too_large(input.limit)
        } else {
            Problem::from_error(ServiceError::Malformed(format!(
                "the request body could not be read: {rejection}"
            )))
        }
    })?;
    let message = read_message(&body, input.fields).map_err(Problem::from_error)?;
    let (metadata, extensions, ()) = probe.into_parts();
    Ok(tonic::Request::from_parts(metadata, extensions, message))
}

/// The request message: the body's JSON object (none: `{}`) with each path
/// and query field set in it. A body that names the same field with another
/// value is refused rather than silently overridden.
///
/// # Errors
/// INVALID_ARGUMENT naming the field at fault, as the proto names it.
pub fn read_message<Req: DeserializeOwned>(
    body: &[u8],
    fields: Vec<(String, String)>,
) -> Result<Req, ServiceError> {
    let mut object = if body.iter().all(u8::is_ascii_whitespace) {
        Map::new()
    } else {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(object)) => object,
            Ok(_) => {
                return Err(ServiceError::invalid(
                    "$",
                    "the request body must be a JSON object",
                ))
            }
            Err(err) => {
                return Err(ServiceError::invalid(
                    "$",
                    format!("the request body is not JSON: {err}"),
                ))
            }
        }
    };
    for (name, value) in fields {
        match object.get(&name) {
            Some(Value::String(given)) if *given == value => {}
            Some(_) => {
                return Err(ServiceError::invalid(
                    name,
                    "given in the body differs from the one in the URL",
                ))
            }
            None => {
                object.insert(name, Value::String(value));
            }
        }
    }
    serde_path_to_error::deserialize(Value::Object(object)).map_err(|err| {
        let path = err.path().to_string();
        let field = if path == "." { "$".to_string() } else { path };
        ServiceError::invalid(field, err.into_inner().to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::pb;

    fn reason_at(err: ServiceError) -> (String, String) {
        match err {
            ServiceError::Invalid(v) => (v[0].path.clone(), v[0].reason.clone()),
            other => panic!("not invalid: {other:?}"),
        }
    }

    #[test]
    fn path_fields_fill_the_message_and_may_not_be_contradicted() {
        let req: pb::SolveRequest = read_message(
            br#"{"options":{"time_limit_seconds":5}}"#,
            vec![("network_id".into(), "demo".into())],
        )
        .unwrap();
        assert_eq!(req.network_id, "demo");
        assert_eq!(req.options.unwrap().time_limit_seconds, Some(5.0));
        let err = read_message::<pb::SolveRequest>(
            br#"{"network_id":"other"}"#,
            vec![("network_id".into(), "demo".into())],
        )
        .unwrap_err();
        assert_eq!(reason_at(err).0, "network_id");
    }

    #[test]
    fn numbers_come_as_strings_from_the_query_and_errors_name_the_field() {
        let req: pb::GetNetworkRequest = read_message(
            b"",
            vec![
                ("network_id".into(), "demo".into()),
                ("version".into(), "3".into()),
            ],
        )
        .unwrap();
        assert_eq!(req.version, 3);
        let err = read_message::<pb::SolveRequest>(
            br#"{"options":{"time_limit_seconds":"soon"}}"#,
            vec![],
        )
        .unwrap_err();
        assert_eq!(reason_at(err).0, "options.time_limit_seconds");
        let err = read_message::<pb::SolveRequest>(br#"{"optoins":{}}"#, vec![]).unwrap_err();
        assert!(reason_at(err).1.contains("optoins"));
        let err = read_message::<pb::SolveRequest>(b"[1]", vec![]).unwrap_err();
        assert_eq!(reason_at(err).0, "$");
    }
}

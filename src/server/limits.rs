//! The largest request each service accepts, and the answers to requests
//! that break the gRPC framing. tonic checks a message's length before it
//! reads it (OUT_OF_RANGE) and reports broken framing as INTERNAL; neither
//! is this server's fault nor, for the length, the code a client expects
//! for "too large" (RESOURCE_EXHAUSTED, as every gRPC implementation sends
//! for a message over its limit). [`StatusRewrite`] turns those answers,
//! which tonic gives before any service runs, into the conventional codes.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use tonic::codegen::http;
use tonic::codegen::Service;

/// NetworkService takes whole documents.
pub const NETWORK_REQUEST_BYTES: usize = 64 * 1024 * 1024;
/// ScenarioService takes change lists.
pub const SCENARIO_REQUEST_BYTES: usize = 16 * 1024 * 1024;
/// PlanningService and SupplierService take ids, options and small edits.
/// The largest actuals report or roll request: a week of a large chain's
/// production and shipments.
pub const ACTUALS_REQUEST_BYTES: usize = 16 * 1024 * 1024;
pub const SMALL_REQUEST_BYTES: usize = 1024 * 1024;

/// tonic's messages for the answers rewritten, as (code, message prefix,
/// new code, new message). Pinned by the hostile-caller tests, so a tonic
/// that words them otherwise fails a test rather than a caller.
const REWRITES: [(&str, &str, &str, &str); 4] = [
    (
        "11",
        "Error, decoded message length too large",
        "8",
        "the request is larger than this service accepts",
    ),
    (
        "13",
        "protocol error:",
        "3",
        "the request is not a well-formed gRPC message",
    ),
    (
        "13",
        "Unexpected EOF decoding stream",
        "3",
        "the request ended inside a message",
    ),
    (
        "13",
        "Missing request message",
        "3",
        "the request carries no message",
    ),
];

/// A tower layer's service that rewrites those answers.
#[derive(Debug, Clone)]
pub struct StatusRewrite<S> {
    inner: S,
}

impl<S> StatusRewrite<S> {
    pub fn new(inner: S) -> StatusRewrite<S> {
        StatusRewrite { inner }
    }
}

/// Rewrites a trailers-only answer's status in `headers`, if it is one of
/// [`REWRITES`]. tonic keeps the limit in its message ("found N bytes, the
/// limit is: L bytes"), which is kept.
fn rewrite(headers: &mut http::HeaderMap) {
    let Some(code) = headers.get("grpc-status").and_then(|v| v.to_str().ok()) else {
        return;
    };
    let message = headers
        .get("grpc-message")
        .and_then(|v| v.to_str().ok())
        .map(percent_decode)
        .unwrap_or_default();
    let Some((_, _, new_code, new_message)) = REWRITES
        .iter()
        .find(|(c, prefix, _, _)| *c == code && message.starts_with(prefix))
    else {
        return;
    };
    let detail = message
        .split_once(": found ")
        .map(|(_, rest)| format!(" (found {rest})"))
        .unwrap_or_default();
    let text = format!("{new_message}{detail}");
    headers.insert("grpc-status", http::HeaderValue::from_static(new_code));
    if let Ok(value) = http::HeaderValue::from_str(&percent_encode(&text)) {
        headers.insert("grpc-message", value);
    }
}

/// The grpc-message encoding: bytes outside printable ASCII, and `%`, as
/// `%XX`.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if (0x20..0x7f).contains(&b) && b != b'%' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl<S, ReqBody, ResBody> Service<http::Request<ReqBody>> for StatusRewrite<S>
where
    S: Service<http::Request<ReqBody>, Response = http::Response<ResBody>>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    ResBody: Send + 'static,
{
    type Response = http::Response<ResBody>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<ReqBody>) -> Self::Future {
        let answer = self.inner.call(request);
        Box::pin(async move {
            let mut response = answer.await?;
            rewrite(response.headers_mut());
            Ok(response)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(code: &str, message: &str) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        h.insert("grpc-status", http::HeaderValue::from_str(code).unwrap());
        h.insert(
            "grpc-message",
            http::HeaderValue::from_str(&percent_encode(message)).unwrap(),
        );
        h
    }

    #[test]
    fn an_oversized_request_is_resource_exhausted_with_its_size() {
        let mut h = answer(
            "11",
            "Error, decoded message length too large: found 68157440 bytes, the limit is: 67108864 bytes",
        );
        rewrite(&mut h);
        assert_eq!(h["grpc-status"], "8");
        let message = percent_decode(h["grpc-message"].to_str().unwrap());
        assert!(
            message.contains("68157440") && message.contains("67108864"),
            "{message}"
        );
    }

    #[test]
    fn other_answers_are_left_alone() {
        let mut h = answer("13", "internal error");
        rewrite(&mut h);
        assert_eq!(h["grpc-status"], "13");
        let mut h = answer("11", "some other range");
        rewrite(&mut h);
        assert_eq!(h["grpc-status"], "11");
    }

    #[test]
    fn messages_round_trip_through_the_encoding() {
        let text = "100% sure: é";
        assert_eq!(percent_decode(&percent_encode(text)), text);
    }
}

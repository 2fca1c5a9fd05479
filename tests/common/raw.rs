//! gRPC calls as raw HTTP/2: a body of any bytes to any method, and the
//! status that comes back. For requests no generated client can send
//! (garbage, broken framing) and for calls built from reflection alone.

use http_body_util::BodyExt;
use std::net::SocketAddr;
use tonic::codegen::http;
use tonic::codegen::Bytes;
use tonic::transport::Channel;
use tonic::Code;
use tower::ServiceExt;

/// A gRPC frame: compression flag, big-endian length, message.
pub fn frame(message: &[u8]) -> Vec<u8> {
    let mut out = vec![0];
    out.extend_from_slice(&(message.len() as u32).to_be_bytes());
    out.extend_from_slice(message);
    out
}

/// Sends `body` as the whole request body of `method`, returning the
/// status code and message (from the headers of a trailers-only answer,
/// else from the trailers).
pub async fn send(
    channel: &Channel,
    addr: SocketAddr,
    method: &str,
    token: Option<&str>,
    body: Vec<u8>,
) -> (Code, String) {
    let mut request = http::Request::builder()
        .method("POST")
        .uri(format!("http://{addr}/{method}"))
        .header("content-type", "application/grpc")
        .header("te", "trailers");
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let request = request
        .body(tonic::body::Body::new(http_body_util::Full::new(
            Bytes::from(body),
        )))
        .unwrap();
    let response = channel.clone().oneshot(request).await.unwrap();
    let mut headers = response.headers().clone();
    if headers.get("grpc-status").is_none() {
        let collected = response.into_body().collect().await.unwrap();
        headers = collected.trailers().cloned().unwrap_or_default();
    }
    let code = headers
        .get("grpc-status")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i32>().ok())
        .map(Code::from)
        .expect("a grpc-status");
    let message = headers
        .get("grpc-message")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (code, message)
}

//! What a Rust client of chainplan needs beside the generated stubs: a
//! channel to the server and the interceptor that carries its bearer token.
//! Used by the examples; the generated clients live in [`crate::server::pb`].

use tonic::metadata::MetadataValue;
use tonic::transport::Channel;
use tonic::{Request, Status};

/// Why a client could not connect.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("not a server address: {0}")]
    Address(String),
    #[error("connecting to {addr}: {source} (is the server running?)")]
    Connect {
        addr: String,
        source: tonic::transport::Error,
    },
}

/// Connects to a chainplan server (`http://127.0.0.1:50051`).
///
/// # Errors
/// A malformed address, or no server answering there.
pub async fn connect(addr: &str) -> Result<Channel, ConnectError> {
    let endpoint = Channel::from_shared(addr.to_string())
        .map_err(|e| ConnectError::Address(format!("{addr}: {e}")))?;
    endpoint
        .connect()
        .await
        .map_err(|source| ConnectError::Connect {
            addr: addr.to_string(),
            source,
        })
}

/// An interceptor that adds `authorization: Bearer <token>` to every call,
/// or nothing without a token (a server without an auth file).
pub fn bearer(
    token: Option<String>,
) -> impl FnMut(Request<()>) -> Result<Request<()>, Status> + Clone {
    move |mut request: Request<()>| {
        if let Some(token) = &token {
            let value: MetadataValue<_> = format!("Bearer {token}")
                .parse()
                .map_err(|_| Status::invalid_argument("the token is not a valid header value"))?;
            request.metadata_mut().insert("authorization", value);
        }
        Ok(request)
    }
}

/// The token of the `CHAINPLAN_TOKEN` environment variable, if set.
pub fn token_from_env() -> Option<String> {
    std::env::var("CHAINPLAN_TOKEN")
        .ok()
        .filter(|t| !t.is_empty())
}

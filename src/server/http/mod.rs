//! The HTTP face of the server, on a port of its own beside gRPC and over
//! the same state: the planner console and the supplier portal (`/`,
//! `/portal`), the JSON API (`/api/v1`, each route a gRPC method: see
//! docs/http.md) and the Prometheus figures (`/metrics`). Everything a call
//! may do is decided by the gRPC services it reaches; this module only
//! translates.

pub mod api;
pub mod call;
pub mod console;
pub mod problem;

use crate::metrics::metrics;
use crate::server::auth::{Authenticator, Caller, Need};
use crate::server::http::api::Services;
use crate::server::http::problem::Problem;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::future::Future;
use tokio::net::TcpListener;

/// The whole HTTP router.
pub fn router(services: Services) -> Router {
    let auth = services.auth.clone();
    Router::new()
        .nest("/api/v1", api::router(services))
        .route("/", get(console::index))
        .route("/portal", get(console::portal))
        .route("/{file}", get(console::asset))
        .route(
            "/metrics",
            get(move |headers: HeaderMap| async move { metrics_text(&auth, &headers) }),
        )
        // A plan of a large chain is tens of megabytes of JSON and a tenth of
        // that gzipped; event streams are left alone (the default predicate).
        .layer(tower_http::compression::CompressionLayer::new())
}

/// `/metrics` alone, open, for a `chainplan worker`: its figures count
/// solves and Redis errors, and name no enterprise.
pub fn metrics_router() -> Router {
    Router::new().route(
        "/metrics",
        get(|| async { metrics_text(&Authenticator::new(None), &HeaderMap::new()) }),
    )
}

/// The figures, for the ERP's or a planner's token (or anyone on an open
/// server): they count solves and streams of every enterprise, which a
/// supplier may not learn.
fn metrics_text(auth: &Authenticator, headers: &HeaderMap) -> Response {
    let allowed = call::authenticate(auth, headers).and_then(|request| {
        Caller::of(&request)
            .require(Need::ErpOrPlanner)
            .map_err(Problem::from_error)
    });
    if let Err(problem) = allowed {
        return problem.into_response();
    }
    let mut response = metrics().render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    response
}

/// Serves `router` on `listener` until `shutdown` resolves, then lets the
/// calls in flight finish (open event streams end with the services').
///
/// # Errors
/// The listener failed.
pub async fn serve(
    router: Router,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}

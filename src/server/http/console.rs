//! The console's files (`console/`), embedded in the binary so a server
//! needs nothing beside it and loads nothing from elsewhere. Each answer
//! carries a content security policy that lets a page load only this
//! server's own scripts, styles and API.
//!
//! `CHAINPLAN_CONSOLE_DIR` serves the files from that folder instead, read
//! on every request, so the pages can be worked on without rebuilding.

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// One console file: its name, its content type and its text.
macro_rules! embed {
    ($kind:expr, $name:literal) => {
        ($name, $kind, include_str!(concat!("console/", $name)))
    };
}

/// Every file of the console, by name: (name, content type, text).
const FILES: [(&str, &str, &str); 32] = [
    embed!(HTML, "index.html"),
    embed!(HTML, "portal.html"),
    embed!(CSS, "style.css"),
    embed!(JS, "api.js"),
    embed!(JS, "charts.js"),
    embed!(JS, "common.js"),
    embed!(JS, "compare.js"),
    embed!(JS, "console.js"),
    embed!(JS, "criticality.js"),
    embed!(JS, "dialogs.js"),
    embed!(JS, "docs.js"),
    embed!(JS, "map-layout.js"),
    embed!(JS, "map-panels.js"),
    embed!(JS, "map.js"),
    embed!(JS, "network-execution.js"),
    embed!(JS, "network-replan.js"),
    embed!(JS, "network.js"),
    embed!(JS, "networks.js"),
    embed!(JS, "plan-cards.js"),
    embed!(JS, "plan-header.js"),
    embed!(JS, "plan-metrics.js"),
    embed!(JS, "plan-tables.js"),
    embed!(JS, "plan.js"),
    embed!(JS, "portal.js"),
    embed!(JS, "portal-execution.js"),
    embed!(JS, "scenario-changes.js"),
    embed!(JS, "scenario-form.js"),
    embed!(JS, "scenario-list.js"),
    embed!(JS, "scenario-solve.js"),
    embed!(JS, "scenarios.js"),
    embed!(JS, "shell.js"),
    embed!(JS, "solve.js"),
];

const HTML: &str = "text/html; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

/// Scripts and styles from this origin only (inline styles allowed, which
/// the SVG charts use), no frames, no other connections.
const POLICY: &str = "default-src 'self'; style-src 'self' 'unsafe-inline'; \
                      img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; \
                      base-uri 'none'; form-action 'none'";

/// The planner console's page.
pub async fn index() -> Response {
    file("index.html")
}

/// The supplier portal's page.
pub async fn portal() -> Response {
    file("portal.html")
}

/// Any file of the console by its name.
pub async fn asset(Path(name): Path<String>) -> Response {
    file(&name)
}

fn file(name: &str) -> Response {
    let Some((name, kind, embedded)) = FILES.iter().find(|(n, _, _)| *n == name) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let body = match std::env::var_os("CHAINPLAN_CONSOLE_DIR") {
        Some(dir) => match std::fs::read_to_string(std::path::Path::new(&dir).join(name)) {
            Ok(text) => text,
            Err(err) => {
                tracing::warn!(%err, name, "CHAINPLAN_CONSOLE_DIR: cannot read the file");
                return (StatusCode::NOT_FOUND, "not found").into_response();
            }
        },
        None => (*embedded).to_string(),
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

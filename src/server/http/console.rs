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

/// Every file of the console, by name: (name, content type, text).
const FILES: [(&str, &str, &str); 30] = [
    ("index.html", HTML, include_str!("console/index.html")),
    ("portal.html", HTML, include_str!("console/portal.html")),
    ("style.css", CSS, include_str!("console/style.css")),
    ("api.js", JS, include_str!("console/api.js")),
    ("charts.js", JS, include_str!("console/charts.js")),
    ("common.js", JS, include_str!("console/common.js")),
    ("compare.js", JS, include_str!("console/compare.js")),
    ("console.js", JS, include_str!("console/console.js")),
    ("criticality.js", JS, include_str!("console/criticality.js")),
    ("dialogs.js", JS, include_str!("console/dialogs.js")),
    ("docs.js", JS, include_str!("console/docs.js")),
    ("map-layout.js", JS, include_str!("console/map-layout.js")),
    ("map-panels.js", JS, include_str!("console/map-panels.js")),
    ("map.js", JS, include_str!("console/map.js")),
    (
        "network-replan.js",
        JS,
        include_str!("console/network-replan.js"),
    ),
    ("network.js", JS, include_str!("console/network.js")),
    ("networks.js", JS, include_str!("console/networks.js")),
    ("plan-cards.js", JS, include_str!("console/plan-cards.js")),
    ("plan-header.js", JS, include_str!("console/plan-header.js")),
    (
        "plan-metrics.js",
        JS,
        include_str!("console/plan-metrics.js"),
    ),
    ("plan-tables.js", JS, include_str!("console/plan-tables.js")),
    ("plan.js", JS, include_str!("console/plan.js")),
    ("portal.js", JS, include_str!("console/portal.js")),
    (
        "scenario-changes.js",
        JS,
        include_str!("console/scenario-changes.js"),
    ),
    (
        "scenario-form.js",
        JS,
        include_str!("console/scenario-form.js"),
    ),
    (
        "scenario-list.js",
        JS,
        include_str!("console/scenario-list.js"),
    ),
    (
        "scenario-solve.js",
        JS,
        include_str!("console/scenario-solve.js"),
    ),
    ("scenarios.js", JS, include_str!("console/scenarios.js")),
    ("shell.js", JS, include_str!("console/shell.js")),
    ("solve.js", JS, include_str!("console/solve.js")),
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

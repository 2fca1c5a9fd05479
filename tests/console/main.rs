//! The planner console and the supplier portal in a real browser: a server
//! on port 0 with its HTTP face, headless Chromium driven over WebDriver,
//! each test saving a screenshot of its page under `target/screenshots/`.
//! The pages are driven through their `data-testid` hooks only.

#[path = "../common/mod.rs"]
mod common;

mod browser;
mod planner;
mod portal;

use chainplan::server::auth::Tokens;
use chainplan::server::ServerConfig;
use chainplan::store::MemoryStore;
use common::http::Api;
use common::{gearbox, pb_doc, TestServer, NET};
use reqwest::Method;
use serde_json::json;
use std::sync::Arc;

/// A server with its HTTP face, the demo network stored as `NET`.
async fn demo_server(tokens: Option<Tokens>, erp_token: Option<&str>) -> (TestServer, Api) {
    let mut config = ServerConfig::new(Arc::new(MemoryStore::new()));
    config.tokens = tokens;
    config.solve_workers = 1;
    config.solve_queue = 8;
    let server = TestServer::start_http(config).await;
    let erp = Api::new(server.http.unwrap(), erp_token);
    erp.call(
        Method::PUT,
        &format!("/api/v1/networks/{NET}"),
        Some(json!({ "document": serde_json::to_value(pb_doc(&gearbox())).unwrap() })),
    )
    .await
    .ok();
    (server, erp)
}

fn url(server: &TestServer, path: &str) -> String {
    format!("http://{}{path}", server.http.unwrap())
}

//! A JSON API client for the tests: requests with or without a bearer
//! token, problem bodies, and server-sent event streams read event by event.

use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::net::SocketAddr;
use std::time::Duration;
use tokio_stream::StreamExt;

/// A caller of one server's HTTP face, with one token (or none).
#[derive(Clone)]
pub struct Api {
    base: String,
    token: Option<String>,
    client: reqwest::Client,
}

/// An answer: status and JSON body (`Null` when the body is not JSON).
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: StatusCode,
    pub content_type: String,
    pub body: Value,
}

impl Answer {
    /// The field paths of a problem body's violations.
    pub fn fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| e["field"].as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or_default()
    }

    /// The body, for an answer that must have succeeded.
    pub fn ok(self) -> Value {
        assert!(self.status.is_success(), "{} {}", self.status, self.body);
        self.body
    }
}

impl Api {
    pub fn new(addr: SocketAddr, token: Option<&str>) -> Api {
        Api {
            base: format!("http://{addr}"),
            token: token.map(str::to_string),
            client: reqwest::Client::new(),
        }
    }

    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        request
    }

    /// Sends `body` (JSON, or nothing) and reads the answer.
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        Answer::read(request.send().await.expect("the server answers")).await
    }

    /// Sends raw bytes as the body.
    pub async fn call_raw(&self, method: Method, path: &str, body: Vec<u8>) -> Answer {
        let request = self
            .request(method, path)
            .header("content-type", "application/json")
            .body(body);
        Answer::read(request.send().await.expect("the server answers")).await
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.call(Method::POST, path, Some(body)).await
    }

    /// Opens an event stream; a refusal comes back as the answer.
    pub async fn events(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Events, Answer> {
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the server answers");
        let is_stream = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"));
        if !response.status().is_success() || !is_stream {
            return Err(Answer::read(response).await);
        }
        Ok(Events {
            bytes: Box::pin(response.bytes_stream()),
            buffer: String::new(),
        })
    }

    /// The raw text of a GET, with its status and content type.
    pub async fn text(&self, path: &str) -> (StatusCode, String, String) {
        let response = self.request(Method::GET, path).send().await.unwrap();
        let status = response.status();
        let kind = content_type(&response);
        (status, kind, response.text().await.unwrap())
    }
}

fn content_type(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

impl Answer {
    async fn read(response: reqwest::Response) -> Answer {
        let status = response.status();
        let content_type = content_type(&response);
        let text = response.text().await.unwrap_or_default();
        Answer {
            status,
            content_type,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        }
    }
}

type ByteStream =
    std::pin::Pin<Box<dyn tokio_stream::Stream<Item = reqwest::Result<axum::body::Bytes>> + Send>>;

/// A server-sent event stream.
pub struct Events {
    bytes: ByteStream,
    buffer: String,
}

impl Events {
    /// The next event as (name, JSON data), skipping keep-alive comments;
    /// `None` when the stream ends or nothing comes within `wait`.
    pub async fn next(&mut self, wait: Duration) -> Option<(String, Value)> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut name = "message".to_string();
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        name = v.trim().to_string();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if data.is_empty() {
                    continue; // a comment (keep-alive)
                }
                return Some((
                    name,
                    serde_json::from_str(&data).expect("event data is JSON"),
                ));
            }
            let chunk = tokio::time::timeout_at(deadline, self.bytes.next())
                .await
                .ok()??
                .ok()?;
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

//! A test server handler, a raw HTTP client with an SSE event reader, and setup helpers.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use oxmcp_core::role::Server as ServerRole;
use oxmcp_core::{
    Handler, HandlerResult, IncomingRequest, RequestContext, ServerConfig, serve_server, to_result,
};
use oxmcp_http::{HttpServerConfig, McpService, Server, serve_with};
use oxmcp_types::{ErrorData, Implementation};
use serde_json::{Value, json};

/// What the test server saw.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    pub(crate) cancelled: AtomicUsize,
    pub(crate) completed: AtomicUsize,
    /// Engine sessions the service's factory started.
    pub(crate) sessions_started: AtomicUsize,
}

struct DropFlag(Arc<Seen>, bool);

impl Drop for DropFlag {
    fn drop(&mut self) {
        if !self.1 {
            self.0.cancelled.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// The server handler of these tests.
#[derive(Debug, Clone, Default)]
pub(crate) struct TestServer {
    pub(crate) seen: Arc<Seen>,
}

fn internal(e: impl std::fmt::Display) -> ErrorData {
    ErrorData::internal_error(e.to_string())
}

/// The params of the `n`th test notification: `{"n": n}`, with the request's `tag` if any.
fn numbered(params: &Value, n: u64) -> Value {
    match params.get("tag") {
        Some(tag) => json!({ "n": n, "tag": tag }),
        None => json!({ "n": n }),
    }
}

/// Sleeps `pauseMs` after every `pauseEvery` notifications (when both are given).
async fn pause(params: &Value, n: u64) {
    let every = params["pauseEvery"].as_u64().unwrap_or(0);
    let ms = params["pauseMs"].as_u64().unwrap_or(0);
    if every > 0 && ms > 0 && (n + 1).is_multiple_of(every) {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
}

impl Handler<ServerRole> for TestServer {
    async fn handle_request(
        &self,
        req: IncomingRequest,
        cx: RequestContext<ServerRole>,
    ) -> HandlerResult {
        let params: Value = req.params()?;
        match req.method.as_str() {
            "echo" => to_result(&params),
            "sleep" => {
                let mut flag = DropFlag(self.seen.clone(), false);
                let ms = params["ms"].as_u64().unwrap_or(0);
                tokio::time::sleep(Duration::from_millis(ms)).await;
                flag.1 = true;
                self.seen.completed.fetch_add(1, Ordering::SeqCst);
                to_result(&json!({ "slept": ms }))
            }
            "progress" => {
                let steps = params["steps"].as_u64().unwrap_or(3);
                let every = params["everyMs"].as_u64().unwrap_or(0);
                for i in 1..=steps {
                    cx.progress(i as f64, Some(steps as f64), None)
                        .await
                        .map_err(internal)?;
                    if every > 0 {
                        tokio::time::sleep(Duration::from_millis(every)).await;
                    }
                }
                to_result(&json!({ "steps": steps }))
            }
            "notify" => {
                // `count` related notifications, then the result.
                let count = params["count"].as_u64().unwrap_or(1);
                let every = params["everyMs"].as_u64().unwrap_or(0);
                for i in 0..count {
                    let p =
                        serde_json::value::to_raw_value(&numbered(&params, i)).map_err(internal)?;
                    cx.peer()
                        .notify_raw("notifications/test", Some(p))
                        .await
                        .map_err(internal)?;
                    if every > 0 {
                        tokio::time::sleep(Duration::from_millis(every)).await;
                    }
                    pause(&params, i).await;
                }
                to_result(&json!({ "sent": count }))
            }
            "notify_unrelated" => {
                let count = params["count"].as_u64().unwrap_or(1);
                for i in 0..count {
                    let p =
                        serde_json::value::to_raw_value(&numbered(&params, i)).map_err(internal)?;
                    cx.peer()
                        .unrelated()
                        .notify_raw("notifications/unrelated", Some(p))
                        .await
                        .map_err(internal)?;
                    pause(&params, i).await;
                }
                to_result(&json!({ "sent": count }))
            }
            "ask_client" => {
                let method = params["method"].as_str().unwrap_or("roots/list").to_owned();
                let answer = cx
                    .peer()
                    .request_raw(&method, None, Default::default())
                    .await
                    .map_err(internal)?;
                to_result(
                    &json!({ "answer": serde_json::from_str::<Value>(answer.get()).map_err(internal)? }),
                )
            }
            "headers" => {
                // The names of the HTTP headers the handler can see.
                let names: Vec<String> = cx
                    .extensions()
                    .get::<http::request::Parts>()
                    .map(|p| p.headers.keys().map(ToString::to_string).collect())
                    .unwrap_or_default();
                to_result(&json!({ "headers": names }))
            }
            other => Err(ErrorData::method_not_found(other)),
        }
    }
}

pub(crate) fn server_config() -> ServerConfig {
    ServerConfig::new(Implementation::new("http-test-server", "1.0"))
}

/// A service serving [`TestServer`].
pub(crate) fn service(config: HttpServerConfig) -> (McpService, Arc<Seen>) {
    let handler = TestServer::default();
    let seen = handler.seen.clone();
    let server = server_config();
    let service = McpService::new(
        move |t| {
            handler.seen.sessions_started.fetch_add(1, Ordering::SeqCst);
            serve_server(t, server.clone(), handler.clone())
        },
        config,
    );
    (service, seen)
}

/// A running server on 127.0.0.1 with a free port.
pub(crate) async fn start(config: HttpServerConfig) -> (Server, Arc<Seen>) {
    let (service, seen) = service(config);
    let server = serve_with("127.0.0.1:0".parse().unwrap(), service, "/mcp")
        .await
        .unwrap();
    (server, seen)
}

pub(crate) fn http() -> reqwest::Client {
    // rustls with no roots: plain HTTP only, and built in microseconds (loading the
    // platform's roots takes tens of milliseconds, enough to let short idle timeouts pass).
    reqwest::Client::builder()
        .tls_backend_rustls()
        .tls_certs_only(Vec::new())
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap()
}

pub(crate) fn init_body(version: &str) -> String {
    json!({
        "jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": { "protocolVersion": version, "capabilities": { "roots": {} },
                    "clientInfo": { "name": "raw", "version": "0" } }
    })
    .to_string()
}

/// The protocol version of each session [`initialize`] made, by session id: the
/// `MCP-Protocol-Version` header the helpers send with it (the server refuses another).
static VERSIONS: std::sync::LazyLock<std::sync::Mutex<HashMap<String, String>>> =
    std::sync::LazyLock::new(Default::default);

/// `req` with the session's `Mcp-Session-Id`, and its `MCP-Protocol-Version` when
/// [`initialize`] made it (none otherwise: the server then assumes the session's).
fn with_session(req: reqwest::RequestBuilder, session: &str) -> reqwest::RequestBuilder {
    let version = VERSIONS.lock().unwrap().get(session).cloned();
    let req = req.header("mcp-session-id", session);
    match version {
        Some(v) => req.header("mcp-protocol-version", v),
        None => req,
    }
}

/// A POST with the right headers, and a session id (and its protocol version) if given.
pub(crate) async fn post(url: &str, session: Option<&str>, body: &str) -> reqwest::Response {
    let mut req = http()
        .post(url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(s) = session {
        req = with_session(req, s);
    }
    req.send().await.unwrap()
}

/// Initializes a session (with `initialized`) and returns its id.
pub(crate) async fn initialize(url: &str, version: &str) -> String {
    let resp = post(url, None, &init_body(version)).await;
    assert_eq!(resp.status(), 200);
    let id = resp.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["result"]["protocolVersion"], version);
    VERSIONS
        .lock()
        .unwrap()
        .insert(id.clone(), version.to_owned());
    let resp = post(
        url,
        Some(&id),
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
    )
    .await;
    assert_eq!(resp.status(), 202);
    id
}

#[expect(
    clippy::needless_pass_by_value,
    reason = "callers pass `json!` literals"
)]
pub(crate) fn request(id: u64, method: &str, params: Value) -> String {
    json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }).to_string()
}

/// One raw SSE event block as the server wrote it.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RawEvent {
    pub(crate) event: Option<String>,
    pub(crate) id: Option<String>,
    pub(crate) data: Option<String>,
    pub(crate) retry: Option<u64>,
    pub(crate) comment: bool,
}

impl RawEvent {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(self.data.as_deref().unwrap_or("null")).unwrap()
    }
}

/// Reads an SSE response block by block.
pub(crate) struct Events {
    resp: reqwest::Response,
    buf: String,
}

impl Events {
    pub(crate) fn new(resp: reqwest::Response) -> Self {
        assert_eq!(resp.headers()["content-type"], "text/event-stream");
        Self {
            resp,
            buf: String::new(),
        }
    }

    /// The next event block (comments skipped), or `None` at the end of the body.
    pub(crate) async fn next(&mut self) -> Option<RawEvent> {
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut event = RawEvent::default();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id: ") {
                        event.id = Some(v.to_owned());
                    } else if let Some(v) = line.strip_prefix("event: ") {
                        event.event = Some(v.to_owned());
                    } else if let Some(v) = line.strip_prefix("data:") {
                        event.data = Some(v.trim_start().to_owned());
                    } else if let Some(v) = line.strip_prefix("retry: ") {
                        event.retry = v.parse().ok();
                    } else if line.starts_with(':') {
                        event.comment = true;
                    }
                }
                if event.comment {
                    continue;
                }
                return Some(event);
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.resp.chunk())
                .await
                .expect("SSE event within 10 s")
                .ok()??;
            self.buf.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }

    /// Every remaining event.
    pub(crate) async fn rest(&mut self) -> Vec<RawEvent> {
        let mut all = Vec::new();
        while let Some(e) = self.next().await {
            all.push(e);
        }
        all
    }
}

/// A GET on the endpoint with a session, and `Last-Event-ID` if given.
pub(crate) async fn get(
    url: &str,
    session: &str,
    last_event_id: Option<&str>,
) -> reqwest::Response {
    let mut req = with_session(
        http().get(url).header("accept", "text/event-stream"),
        session,
    );
    if let Some(id) = last_event_id {
        req = req.header("last-event-id", id);
    }
    req.send().await.unwrap()
}

/// Waits until `f` holds, up to 5 s.
pub(crate) async fn eventually(mut f: impl FnMut() -> bool) {
    for _ in 0..500 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("condition not reached within 5 s");
}

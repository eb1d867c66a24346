//! Messages crossing instances over the `RedisBus`: two oxmcp-http servers in this process
//! on one Redis (sessions, events, bus). A server-to-client request sent by a handler on A
//! is answered by a POST to B; a notification sent on A reaches the GET stream held by B;
//! a cancellation POSTed to B stops the request running on A.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use oxmcp_core::role::Server as ServerRole;
use oxmcp_core::{
    Handler, HandlerResult, IncomingRequest, RequestContext, ServerConfig, serve_server, to_result,
};
use oxmcp_http::{Bus, HttpServerConfig, McpService, Server, SessionStore, serve_with};
use oxmcp_store_redis::{RedisBus, RedisOptions, RedisSessionStore};
use oxmcp_types::{ErrorData, Implementation};
use serde_json::{Value, json};

use crate::server::RedisServer;
use crate::support::{event_store, fresh_options};

#[derive(Debug, Clone, Default)]
struct Crossing {
    cancelled: Arc<AtomicUsize>,
}

struct Flag(Arc<AtomicUsize>, bool);

impl Drop for Flag {
    fn drop(&mut self) {
        if !self.1 {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
}

fn internal(e: impl std::fmt::Display) -> ErrorData {
    ErrorData::internal_error(e.to_string())
}

impl Handler<ServerRole> for Crossing {
    async fn handle_request(
        &self,
        req: IncomingRequest,
        cx: RequestContext<ServerRole>,
    ) -> HandlerResult {
        match req.method.as_str() {
            "ask" => {
                let answer = cx
                    .peer()
                    .request_raw("roots/list", None, Default::default())
                    .await
                    .map_err(internal)?;
                let answer: Value = serde_json::from_str(answer.get()).map_err(internal)?;
                to_result(&json!({ "answer": answer }))
            }
            "announce" => {
                let params = serde_json::value::to_raw_value(&json!({"from": "a"})).unwrap();
                cx.peer()
                    .unrelated()
                    .notify_raw("notifications/announce", Some(params))
                    .await
                    .map_err(internal)?;
                to_result(&json!({}))
            }
            "sleep" => {
                let mut flag = Flag(self.cancelled.clone(), false);
                tokio::time::sleep(Duration::from_secs(20)).await;
                flag.1 = true;
                to_result(&json!({}))
            }
            other => Err(ErrorData::method_not_found(other)),
        }
    }
}

async fn instance(options: &RedisOptions, handler: Crossing) -> (Server, String) {
    let sessions: Arc<dyn SessionStore> =
        Arc::new(RedisSessionStore::connect(options).await.unwrap());
    let bus = RedisBus::connect(options).await.unwrap();
    let name = bus.instance().to_owned();
    let config = HttpServerConfig::default()
        .with_session_store(Some(sessions))
        .with_bus(Some(Arc::new(bus)))
        .with_event_store(Some(Arc::new(event_store(options).await)));
    let server_config = ServerConfig::new(Implementation::new("redis-routing", "1"));
    let service = McpService::new(
        move |t| serve_server(t, server_config.clone(), handler.clone()),
        config,
    );
    let server = serve_with("127.0.0.1:0".parse().unwrap(), service, "/mcp")
        .await
        .unwrap();
    (server, name)
}

fn url(server: &Server) -> String {
    format!("http://{}/mcp", server.local_addr())
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

async fn post(url: &str, session: Option<&str>, body: Value) -> reqwest::Response {
    let mut req = http()
        .post(url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(s) = session {
        req = req
            .header("mcp-session-id", s)
            .header("mcp-protocol-version", "2025-11-25");
    }
    req.send().await.unwrap()
}

async fn initialize(url: &str) -> String {
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {"roots": {}},
        "clientInfo": {"name": "raw", "version": "0"}}});
    let resp = post(url, None, init).await;
    assert_eq!(resp.status(), 200);
    let session = resp.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    assert_eq!(post(url, Some(&session), initialized).await.status(), 202);
    session
}

/// The JSON messages of an SSE response, one at a time.
struct Messages {
    resp: reqwest::Response,
    buf: String,
}

impl Messages {
    fn new(resp: reqwest::Response) -> Self {
        assert_eq!(resp.headers()["content-type"], "text/event-stream");
        Self {
            resp,
            buf: String::new(),
        }
    }

    /// The next message, or `None` when the stream ends.
    async fn next(&mut self) -> Option<Value> {
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let data = block.lines().find_map(|l| l.strip_prefix("data:"));
                if let Some(data) = data.map(str::trim).filter(|d| !d.is_empty()) {
                    return Some(serde_json::from_str(data).unwrap());
                }
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.resp.chunk())
                .await
                .expect("an SSE chunk within 10 s")
                .unwrap()?;
            self.buf.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_sent_on_one_instance_is_answered_through_another() {
    let redis = RedisServer::start().await;
    let options = fresh_options(&redis);
    let (a, name_a) = instance(&options, Crossing::default()).await;
    let (b, _) = instance(&options, Crossing::default()).await;
    let session = initialize(&url(&a)).await;
    let call = json!({"jsonrpc": "2.0", "id": 1, "method": "ask"});
    let mut on_a = Messages::new(post(&url(&a), Some(&session), call).await);
    let asked = on_a.next().await.unwrap();
    assert_eq!(asked["method"], "roots/list");
    // The request's id names the instance that sent it.
    let id = asked["id"].as_str().unwrap();
    assert!(id.starts_with(&format!("{name_a}~")), "{id}");
    let roots = json!({"jsonrpc": "2.0", "id": id, "result": {"roots": [{"uri": "file:///b"}]}});
    assert_eq!(post(&url(&b), Some(&session), roots).await.status(), 202);
    let result = on_a.next().await.unwrap();
    assert_eq!(result["id"], 1);
    assert_eq!(result["result"]["answer"]["roots"][0]["uri"], "file:///b");
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notification_sent_on_one_instance_reaches_the_stream_held_by_another() {
    let redis = RedisServer::start().await;
    let options = fresh_options(&redis);
    let (a, _) = instance(&options, Crossing::default()).await;
    let (b, _) = instance(&options, Crossing::default()).await;
    let session = initialize(&url(&a)).await;
    let get = http()
        .get(url(&b))
        .header("accept", "text/event-stream")
        .header("mcp-session-id", &session)
        .header("mcp-protocol-version", "2025-11-25")
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), 200);
    let mut on_b = Messages::new(get);
    let call = json!({"jsonrpc": "2.0", "id": 1, "method": "announce"});
    let done = post(&url(&a), Some(&session), call).await;
    assert_eq!(done.status(), 200);
    let note = on_b.next().await.unwrap();
    assert_eq!(note["method"], "notifications/announce");
    assert_eq!(note["params"]["from"], "a");
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancellation_posted_to_one_instance_stops_the_request_on_another() {
    let redis = RedisServer::start().await;
    let options = fresh_options(&redis);
    let on_a = Crossing::default();
    let cancelled = on_a.cancelled.clone();
    let (a, _) = instance(&options, on_a).await;
    let (b, _) = instance(&options, Crossing::default()).await;
    let session = initialize(&url(&a)).await;
    let (url_a, s) = (url(&a), session.clone());
    let running = tokio::spawn(async move {
        let call = json!({"jsonrpc": "2.0", "id": 7, "method": "sleep"});
        post(&url_a, Some(&s), call).await.text().await.unwrap()
    });
    // Once the request runs on A, B gets the cancellation.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let cancel = json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
        "params": {"requestId": 7, "reason": "changed my mind"}});
    assert_eq!(post(&url(&b), Some(&session), cancel).await.status(), 202);
    let body = tokio::time::timeout(Duration::from_secs(5), running)
        .await
        .expect("the cancelled request's POST ends within 5 s")
        .unwrap();
    assert!(!body.contains("\"result\""), "{body}");
    assert_eq!(cancelled.load(Ordering::SeqCst), 1);
    a.shutdown().await;
    b.shutdown().await;
}

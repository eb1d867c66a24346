//! The Streamable HTTP server of oxmcp-http with the Redis event store: a client whose
//! response stream is cut mid-way resumes it with `Last-Event-ID` and gets every remaining
//! message once, in order, read back from Redis.

use std::sync::Arc;
use std::time::Duration;

use oxmcp_core::role::Server as ServerRole;
use oxmcp_core::{
    Handler, HandlerResult, IncomingRequest, RequestContext, ServerConfig, serve_server, to_result,
};
use oxmcp_http::{HttpServerConfig, McpService, serve_with};
use oxmcp_types::{ErrorData, Implementation};
use serde_json::{Value, json};

use crate::server::RedisServer;
use crate::support::{event_store, fresh_options};

/// `notify`: `count` notifications `{"n": i}`, `everyMs` apart, then `{"sent": count}`.
#[derive(Debug, Clone)]
struct Notifier;

impl Handler<ServerRole> for Notifier {
    async fn handle_request(
        &self,
        req: IncomingRequest,
        cx: RequestContext<ServerRole>,
    ) -> HandlerResult {
        let params: Value = req.params()?;
        if req.method != "notify" {
            return Err(ErrorData::method_not_found(&req.method));
        }
        let count = params["count"].as_u64().unwrap_or(1);
        let every = params["everyMs"].as_u64().unwrap_or(0);
        for n in 0..count {
            let p = serde_json::value::to_raw_value(&json!({ "n": n })).unwrap();
            cx.peer()
                .notify_raw("notifications/test", Some(p))
                .await
                .map_err(|e| ErrorData::internal_error(e.to_string()))?;
            tokio::time::sleep(Duration::from_millis(every)).await;
        }
        to_result(&json!({ "sent": count }))
    }
}

/// The `id:` and `data:` of the SSE events of `body` (the priming event has no data).
fn events(body: &str) -> Vec<(String, Option<Value>)> {
    body.split("\n\n")
        .filter_map(|block| {
            let id = block.lines().find_map(|l| l.strip_prefix("id: "))?;
            let data = block.lines().find_map(|l| l.strip_prefix("data:"));
            let data = data.map(str::trim).filter(|d| !d.is_empty());
            Some((
                id.to_owned(),
                data.map(|d| serde_json::from_str(d).unwrap()),
            ))
        })
        .collect()
}

/// Reads `resp` until `want` events with data came, then drops it (a cut connection).
async fn read_some(mut resp: reqwest::Response, want: usize) -> Vec<(String, Option<Value>)> {
    let mut text = String::new();
    loop {
        let chunk = tokio::time::timeout(Duration::from_secs(10), resp.chunk())
            .await
            .expect("an SSE chunk within 10 s")
            .unwrap()
            .expect("the stream goes on");
        text.push_str(std::str::from_utf8(&chunk).unwrap());
        let complete = &text[..text.rfind("\n\n").map_or(0, |i| i + 2)];
        let seen = events(complete);
        if seen.iter().filter(|e| e.1.is_some()).count() >= want {
            return seen;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_response_stream_resumes_from_redis() {
    let redis = RedisServer::start().await;
    let store = Arc::new(event_store(&fresh_options(&redis)).await);
    let config = HttpServerConfig::default().with_event_store(Some(store.clone()));
    let server_config = ServerConfig::new(Implementation::new("redis-events", "1"));
    let service = McpService::new(
        move |t| serve_server(t, server_config.clone(), Notifier),
        config,
    );
    let server = serve_with("127.0.0.1:0".parse().unwrap(), service, "/mcp")
        .await
        .unwrap();
    let url = format!("http://{}/mcp", server.local_addr());
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let post = |session: Option<&str>, body: Value| {
        let mut req = http
            .post(&url)
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(s) = session {
            req = req
                .header("mcp-session-id", s)
                .header("mcp-protocol-version", "2025-11-25");
        }
        req.send()
    };
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "raw", "version": "0"}}});
    let resp = post(None, init).await.unwrap();
    assert_eq!(resp.status(), 200);
    let session = resp.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    assert_eq!(
        post(Some(&session), initialized).await.unwrap().status(),
        202
    );

    let call = json!({"jsonrpc": "2.0", "id": 1, "method": "notify",
        "params": {"count": 20, "everyMs": 10}});
    let resp = post(Some(&session), call).await.unwrap();
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    let first = read_some(resp, 5).await;
    let last_id = first.last().unwrap().0.clone();
    let resumed = http
        .get(&url)
        .header("accept", "text/event-stream")
        .header("mcp-session-id", &session)
        .header("mcp-protocol-version", "2025-11-25")
        .header("last-event-id", &last_id)
        .send()
        .await
        .unwrap();
    assert_eq!(resumed.status(), 200);
    let rest = tokio::time::timeout(Duration::from_secs(10), resumed.text())
        .await
        .expect("the resumed stream ends with the response")
        .unwrap();
    let mut numbers = Vec::new();
    let mut answer = None;
    for (_, data) in first.into_iter().chain(events(&rest)) {
        match data {
            Some(message) if message["method"] == "notifications/test" => {
                numbers.push(message["params"]["n"].as_u64().unwrap());
            }
            Some(message) if message["id"] == 1 => answer = Some(message),
            _ => {}
        }
    }
    assert_eq!(
        numbers,
        (0..20).collect::<Vec<u64>>(),
        "lost, repeated or reordered"
    );
    assert_eq!(answer.expect("the response")["result"]["sent"], 20);
    server.shutdown().await;
}

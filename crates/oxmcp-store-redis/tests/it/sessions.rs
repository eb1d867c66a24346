//! Two oxmcp-http servers in this process sharing one Redis (sessions and events): a
//! session made on one is served by the other without a new `initialize`, a DELETE on
//! either ends it on both, and a Redis that is down gives 503 in bounded time, then
//! service again once it is back.

use std::sync::Arc;
use std::time::{Duration, Instant};

use oxmcp_core::role::Server as ServerRole;
use oxmcp_core::{
    Handler, HandlerResult, IncomingRequest, RequestContext, ServerConfig, serve_server, to_result,
};
use oxmcp_http::{HttpServerConfig, McpService, Server, SessionStore, serve_with};
use oxmcp_store_redis::{RedisOptions, RedisSessionStore};
use oxmcp_types::{ErrorData, Implementation};
use serde_json::{Value, json};

use crate::server::RedisServer;
use crate::support::{event_store, fresh_options};

/// `echo`: its params, with the client's name as this instance knows it.
#[derive(Debug, Clone)]
struct Echo;

impl Handler<ServerRole> for Echo {
    async fn handle_request(
        &self,
        req: IncomingRequest,
        cx: RequestContext<ServerRole>,
    ) -> HandlerResult {
        if req.method != "echo" {
            return Err(ErrorData::method_not_found(&req.method));
        }
        let params: Value = req.params()?;
        let client = cx.peer().session().map(|s| s.peer_info.name.clone());
        to_result(&json!({ "params": params, "client": client }))
    }
}

/// A server on 127.0.0.1 whose sessions and events are in the Redis of `options`.
async fn instance(options: &RedisOptions) -> Server {
    instance_with(options, HttpServerConfig::default()).await
}

/// [`instance`] with `config`'s other settings.
async fn instance_with(options: &RedisOptions, config: HttpServerConfig) -> Server {
    let sessions: Arc<dyn SessionStore> =
        Arc::new(RedisSessionStore::connect(options).await.unwrap());
    let config = config
        .with_session_store(Some(sessions))
        .with_event_store(Some(Arc::new(event_store(options).await)));
    let server_config = ServerConfig::new(Implementation::new("redis-sessions", "1"));
    let service = McpService::new(
        move |t| serve_server(t, server_config.clone(), Echo),
        config,
    );
    serve_with("127.0.0.1:0".parse().unwrap(), service, "/mcp")
        .await
        .unwrap()
}

/// Every write on disk before it is acknowledged.
const PERSISTENT: &[&str] = &[
    "--appendonly",
    "yes",
    "--appendfsync",
    "always",
    "--save",
    "",
];

fn url(server: &Server) -> String {
    format!("http://{}/mcp", server.local_addr())
}

async fn post(url: &str, session: Option<&str>, body: Value) -> reqwest::Response {
    let mut req = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
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

/// DELETE of `session` at `url`.
async fn delete(url: &str, session: &str) -> reqwest::Response {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .delete(url)
        .header("mcp-session-id", session)
        .header("mcp-protocol-version", "2025-11-25")
        .send()
        .await
        .unwrap()
}

async fn initialize(url: &str) -> String {
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "raw-client", "version": "0"}}});
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

fn echo(id: u64) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "echo", "params": {"n": id}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initialize_on_one_instance_call_on_another_delete_anywhere() {
    let redis = RedisServer::start().await;
    let options = fresh_options(&redis);
    let (a, b) = (instance(&options).await, instance(&options).await);
    let session = initialize(&url(&a)).await;
    for (n, server) in [&b, &a, &b].into_iter().enumerate() {
        let resp = post(&url(server), Some(&session), echo(n as u64 + 1)).await;
        assert_eq!(resp.status(), 200);
        let body: Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
        assert_eq!(body["result"]["params"]["n"], n + 1);
        // B knows who the client is without having seen its `initialize`.
        assert_eq!(body["result"]["client"], "raw-client");
    }
    let deleted = delete(&url(&b), &session).await;
    assert_eq!(deleted.status(), 200);
    assert_eq!(post(&url(&a), Some(&session), echo(9)).await.status(), 404);
    assert_eq!(post(&url(&b), Some(&session), echo(9)).await.status(), 404);
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refreshed_once_an_hour_a_delete_still_ends_the_session_everywhere_through_the_bus() {
    let redis = RedisServer::start().await;
    let options = fresh_options(&redis);
    let config = || async {
        let bus = oxmcp_store_redis::RedisBus::connect(&options)
            .await
            .unwrap();
        HttpServerConfig::default()
            .with_bus(Some(Arc::new(bus)))
            .with_session_touch_interval(Duration::from_secs(3600))
    };
    let a = instance_with(&options, config().await).await;
    let b = instance_with(&options, config().await).await;
    let session = initialize(&url(&a)).await;
    for (n, server) in [&b, &a, &b, &a].into_iter().enumerate() {
        let resp = post(&url(server), Some(&session), echo(n as u64 + 1)).await;
        assert_eq!(resp.status(), 200);
    }
    let deleted = delete(&url(&b), &session).await;
    assert_eq!(deleted.status(), 200);
    // A has not asked the store for an hour's worth of requests; the bus tells it.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let status = post(&url(&a), Some(&session), echo(9)).await.status();
        if status == 404 {
            break;
        }
        assert_eq!(status, 200);
        assert!(Instant::now() < deadline, "the deletion never reached A");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(post(&url(&b), Some(&session), echo(10)).await.status(), 404);
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_gives_503_in_bounded_time_then_service_resumes() {
    let mut redis = RedisServer::start_with(PERSISTENT).await;
    let options = fresh_options(&redis);
    let (a, b) = (instance(&options).await, instance(&options).await);
    let session = initialize(&url(&a)).await;
    redis.kill();
    for server in [&a, &b] {
        let started = Instant::now();
        let resp = post(&url(server), Some(&session), echo(1)).await;
        assert_eq!(resp.status(), 503);
        assert!(resp.headers().contains_key("retry-after"));
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    }
    let init = post(
        &url(&b),
        None,
        json!({"jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                   "clientInfo": {"name": "c", "version": "0"}}}),
    )
    .await;
    assert_eq!(init.status(), 503);
    // Persisted with `appendfsync always`: the session record survives the restart.
    redis.restart(PERSISTENT).await;
    let mut status = 0;
    for _ in 0..100 {
        status = post(&url(&b), Some(&session), echo(2))
            .await
            .status()
            .as_u16();
        if status != 503 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, 200, "service resumes once Redis is back");
    a.shutdown().await;
    b.shutdown().await;
}

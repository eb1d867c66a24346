//! The legacy HTTP+SSE endpoints (2024-11-05 transport) of the server.

use std::time::Duration;

use oxmcp_http::{HttpServerConfig, LegacySseConfig, Server};
use serde_json::{Value, json};

use crate::support::*;

fn legacy() -> HttpServerConfig {
    HttpServerConfig::default().with_legacy_sse(Some(LegacySseConfig::default()))
}

fn base(server: &Server) -> String {
    format!("http://{}", server.local_addr())
}

/// GET on the SSE path.
async fn open_sse(server: &Server) -> reqwest::Response {
    http()
        .get(format!("{}/sse", base(server)))
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap()
}

/// Opens a legacy session: its stream (past the endpoint event) and its POST URL.
async fn connect(server: &Server) -> (Events, String) {
    let resp = open_sse(server).await;
    assert_eq!(resp.status(), 200);
    let mut events = Events::new(resp);
    let endpoint = events.next().await.expect("the endpoint event");
    assert_eq!(endpoint.event.as_deref(), Some("endpoint"));
    assert_eq!(endpoint.id, None);
    let path = endpoint.data.unwrap();
    let id = path
        .strip_prefix("/messages?sessionId=")
        .unwrap_or_else(|| panic!("{path}"));
    assert_eq!(id.len(), 32);
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    (events, format!("{}{path}", base(server)))
}

async fn send(url: &str, body: &str) -> reqwest::Response {
    http()
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

/// POSTs a message: 202 with no body.
async fn accepted(url: &str, body: &str) {
    let resp = send(url, body).await;
    assert_eq!(resp.status(), 202);
    assert!(resp.bytes().await.unwrap().is_empty());
}

/// The next event, which must be a `message`.
async fn message(events: &mut Events) -> Value {
    let event = events.next().await.expect("a message event");
    assert_eq!(event.event.as_deref(), Some("message"));
    event.json()
}

async fn initialize_legacy(events: &mut Events, url: &str, version: &str) {
    accepted(url, &init_body(version)).await;
    let answer = message(events).await;
    assert_eq!(answer["id"], 0);
    assert_eq!(answer["result"]["protocolVersion"], version);
    accepted(
        url,
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
    )
    .await;
}

#[tokio::test]
async fn a_legacy_session_from_endpoint_event_to_results() {
    let (server, _) = start(legacy()).await;
    let resp = open_sse(&server).await;
    assert_eq!(resp.headers()["cache-control"], "no-cache");
    drop(resp);
    let (mut events, url) = connect(&server).await;
    initialize_legacy(&mut events, &url, "2024-11-05").await;
    accepted(&url, &request(1, "notify", json!({"count": 2}))).await;
    assert_eq!(message(&mut events).await["params"]["n"], 0);
    assert_eq!(message(&mut events).await["params"]["n"], 1);
    assert_eq!(
        message(&mut events).await,
        json!({"jsonrpc":"2.0","id":1,"result":{"sent":2}})
    );
    // A request of the server to the client, answered by POST.
    accepted(&url, &request(2, "ask_client", json!({}))).await;
    let ask = message(&mut events).await;
    assert_eq!(ask["method"], "roots/list");
    let answer = json!({"jsonrpc":"2.0","id":ask["id"],"result":{"roots":[]}});
    accepted(&url, &answer.to_string()).await;
    assert_eq!(
        message(&mut events).await,
        json!({"jsonrpc":"2.0","id":2,"result":{"answer":{"roots":[]}}})
    );
    server.shutdown().await;
}

#[tokio::test]
async fn legacy_endpoints_are_off_by_default() {
    let (server, _) = start(HttpServerConfig::default()).await;
    assert_eq!(open_sse(&server).await.status(), 404);
    let resp = send(&format!("{}/messages?sessionId=ab", base(&server)), "{}").await;
    assert_eq!(resp.status(), 404);
    server.shutdown().await;
}

#[tokio::test]
async fn refusals_have_exact_statuses() {
    let config = legacy().with_max_body_bytes(1024);
    let (server, _) = start(config).await;
    let sse = format!("{}/sse", base(&server));
    let messages = format!("{}/messages", base(&server));
    // Wrong methods, with Allow.
    let resp = http().post(&sse).send().await.unwrap();
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.headers()["allow"], "GET");
    let resp = http().get(&messages).send().await.unwrap();
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.headers()["allow"], "POST");
    // Host, Origin, Accept.
    let resp = http()
        .get(&sse)
        .header("accept", "text/event-stream")
        .header("host", "evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let resp = http()
        .get(&sse)
        .header("accept", "text/event-stream")
        .header("origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let resp = http()
        .get(&sse)
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 406);
    // POST: no session, an unknown one, a streamable session's id, bad bodies.
    let (mut events, url) = connect(&server).await;
    let resp = send(&messages, &request(1, "ping", json!({}))).await;
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body["error"]["message"],
        "bad request: missing sessionId query parameter"
    );
    let unknown = format!("{messages}?sessionId=0123456789abcdef0123456789abcdef");
    let resp = send(&unknown, &request(1, "ping", json!({}))).await;
    assert_eq!(resp.status(), 404);
    let streamable = initialize(&server.url(), "2025-11-25").await;
    let resp = send(
        &format!("{messages}?sessionId={streamable}"),
        &request(1, "ping", json!({})),
    )
    .await;
    assert_eq!(resp.status(), 404);
    let resp = send(&url, &"x".repeat(2000)).await;
    assert_eq!(resp.status(), 413);
    let resp = http()
        .post(&url)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 415);
    let resp = send(&url, "{not json").await;
    assert_eq!(resp.status(), 400);
    assert_eq!(resp.json::<Value>().await.unwrap()["error"]["code"], -32700);
    // The session still works.
    initialize_legacy(&mut events, &url, "2025-11-25").await;
    server.shutdown().await;
}

#[tokio::test]
async fn legacy_and_streamable_sessions_do_not_mix() {
    let (server, _) = start(legacy()).await;
    let (_events, url) = connect(&server).await;
    let id = url.rsplit('=').next().unwrap().to_owned();
    // The legacy session's id means nothing to the Streamable HTTP endpoint.
    let resp = post(&server.url(), Some(&id), &request(1, "ping", json!({}))).await;
    assert_eq!(resp.status(), 404);
    assert_eq!(get(&server.url(), &id, None).await.status(), 404);
    server.shutdown().await;
}

#[tokio::test]
async fn closing_the_stream_ends_the_session() {
    let (server, seen) = start(legacy()).await;
    let (mut events, url) = connect(&server).await;
    initialize_legacy(&mut events, &url, "2024-11-05").await;
    assert_eq!(server.service().session_count(), 1);
    drop(events);
    let service = server.service().clone();
    eventually(|| service.session_count() == 0).await;
    let resp = send(&url, &request(1, "ping", json!({}))).await;
    assert_eq!(resp.status(), 404);
    assert_eq!(
        seen.sessions_started
            .load(std::sync::atomic::Ordering::SeqCst),
        1
    );
    server.shutdown().await;
}

#[tokio::test]
async fn the_session_cap_applies_with_retry_after() {
    let (server, _) = start(legacy().with_max_sessions(1)).await;
    let (_events, _url) = connect(&server).await;
    let resp = open_sse(&server).await;
    assert_eq!(resp.status(), 503);
    assert_eq!(resp.headers()["retry-after"], "5");
    assert_eq!(
        post(&server.url(), None, &init_body("2025-11-25"))
            .await
            .status(),
        503
    );
    server.shutdown().await;
}

#[tokio::test]
async fn uninitialized_sessions_are_reaped_initialized_ones_with_a_stream_are_not() {
    let config = legacy().with_idle_timeout(Duration::from_millis(100));
    let (server, _) = start(config).await;
    let (mut kept, kept_url) = connect(&server).await;
    initialize_legacy(&mut kept, &kept_url, "2024-11-05").await;
    let (mut idle, _) = connect(&server).await;
    // The reaper ends the session that never initialized, and its stream with it.
    assert!(idle.rest().await.is_empty());
    let service = server.service().clone();
    eventually(|| service.session_count() == 1).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    accepted(&kept_url, &request(1, "ping", json!({}))).await;
    assert_eq!(
        message(&mut kept).await,
        json!({"jsonrpc":"2.0","id":1,"result":{}})
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_slow_reader_loses_its_session_not_the_servers_memory() {
    let (server, _) = start(legacy().with_sse_queue(4)).await;
    let (mut events, url) = connect(&server).await;
    initialize_legacy(&mut events, &url, "2024-11-05").await;
    // 2,000 notifications of 16 KiB (32 MiB), far beyond what the sockets hold, while
    // the client reads nothing.
    let tag = "x".repeat(16 << 10);
    accepted(
        &url,
        &request(1, "notify", json!({"count": 2000, "tag": tag})),
    )
    .await;
    let service = server.service().clone();
    eventually(|| service.session_count() == 0).await;
    let rest = events.rest().await;
    assert!(rest.len() < 2000, "{} events", rest.len());
    assert!(rest.iter().all(|e| e.json().get("result").is_none()));
    server.shutdown().await;
}

#[tokio::test]
async fn batches_follow_the_negotiated_version() {
    let (server, _) = start(legacy()).await;
    let (mut events, url) = connect(&server).await;
    initialize_legacy(&mut events, &url, "2025-03-26").await;
    let batch = format!(
        "[{},{}]",
        request(1, "echo", json!({"a": 1})),
        request(2, "echo", json!({"a": 2}))
    );
    accepted(&url, &batch).await;
    let mut answers = [message(&mut events).await, message(&mut events).await];
    answers.sort_by_key(|m| m["id"].as_i64());
    assert_eq!(answers[0], json!({"jsonrpc":"2.0","id":1,"result":{"a":1}}));
    assert_eq!(answers[1], json!({"jsonrpc":"2.0","id":2,"result":{"a":2}}));
    server.shutdown().await;
}

/// Findings 3 and 10: a legacy batch meets the checks of a Streamable HTTP batch (the
/// limit, no `initialize`, the version the engine negotiated), and its elements are
/// forwarded one by one (a bad one gets its error on the stream).
#[tokio::test]
async fn legacy_batches_meet_the_streamable_checks() {
    let (server, _) = start(legacy().with_max_batch_messages(2)).await;
    let (mut events, url) = connect(&server).await;
    initialize_legacy(&mut events, &url, "2025-03-26").await;
    let ten = format!("[{}]", vec![request(1, "ping", json!({})); 10].join(","));
    let resp = send(&url, &ten).await;
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body["error"]["message"],
        "bad request: a batch of more than 2 messages; the limit is 2"
    );
    let with_init = format!("[{}]", init_body("2025-03-26"));
    let resp = send(&url, &with_init).await;
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body["error"]["message"],
        "bad request: initialize may not be part of a JSON-RPC batch"
    );
    // Nothing of the refused batches reached the engine: the next message on the stream
    // answers the next request.
    accepted(
        &url,
        &format!(r#"[{{"foo":1}},{}]"#, request(7, "echo", json!({"a": 7}))),
    )
    .await;
    let mut answers = [message(&mut events).await, message(&mut events).await];
    answers.sort_by_key(|m| m["id"].as_i64());
    assert_eq!(answers[0]["id"], Value::Null);
    assert_eq!(answers[0]["error"]["code"], -32600);
    assert_eq!(answers[1], json!({"jsonrpc":"2.0","id":7,"result":{"a":7}}));
    server.shutdown().await;
}

#[tokio::test]
async fn a_2024_11_05_legacy_session_refuses_batches_with_400() {
    let (server, _) = start(legacy()).await;
    let (mut events, url) = connect(&server).await;
    initialize_legacy(&mut events, &url, "2024-11-05").await;
    let batch = format!("[{}]", request(1, "ping", json!({})));
    let resp = send(&url, &batch).await;
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body["error"]["message"],
        "bad request: JSON-RPC batches are accepted only on sessions with protocol version \
         2025-03-26; this session uses 2024-11-05"
    );
    accepted(&url, &request(2, "ping", json!({}))).await;
    assert_eq!(
        message(&mut events).await,
        json!({"jsonrpc":"2.0","id":2,"result":{}})
    );
    server.shutdown().await;
}

/// Finding 4: `notifications/initialized` without an `initialize` the engine accepted does
/// not make a session initialized: its open stream does not keep it from the reaper.
#[tokio::test]
async fn an_initialized_notification_alone_does_not_keep_a_session() {
    let config = legacy().with_idle_timeout(Duration::from_millis(100));
    let (server, _) = start(config).await;
    let (mut events, url) = connect(&server).await;
    accepted(
        &url,
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
    )
    .await;
    // A guard against a hang only: the reaper ends the stream well before.
    let rest = tokio::time::timeout(Duration::from_secs(20), events.rest())
        .await
        .expect("the reaper ends the session");
    assert!(rest.is_empty(), "{rest:?}");
    assert_eq!(server.service().session_count(), 0);
    server.shutdown().await;
}

/// Finding 9: the MCP path and the two legacy paths must differ; serving refuses a clash.
#[tokio::test]
async fn serving_refuses_paths_given_twice() {
    let addr: std::net::SocketAddr = "127.0.0.1:0".parse().unwrap();
    for (legacy, path, clash) in [
        (LegacySseConfig::new("/sse", "/sse"), "/mcp", "/sse"),
        (LegacySseConfig::new("/mcp", "/messages"), "/mcp", "/mcp"),
        (LegacySseConfig::new("/sse", "/mcp"), "/mcp", "/mcp"),
    ] {
        let (service, _) = service(HttpServerConfig::default().with_legacy_sse(Some(legacy)));
        let refused = oxmcp_http::serve_with(addr, service, path).await;
        match refused {
            Err(oxmcp_http::ServeError::PathClash { path }) => assert_eq!(path, clash),
            other => panic!("{other:?}"),
        }
    }
    let (service, _) = service(legacy());
    let server = oxmcp_http::serve_with(addr, service, "/mcp").await.unwrap();
    server.shutdown().await;
}

//! Status codes and headers of the server: checks, sessions, limits, modes.

use std::time::Duration;

use oxmcp_http::{AllowedHosts, HttpServerConfig, ResponseMode};
use serde_json::{Value, json};

use crate::support::*;

#[tokio::test]
async fn initialize_creates_a_session_with_a_secure_id() {
    let (server, _) = start(HttpServerConfig::default()).await;
    let url = server.url();
    let resp = post(&url, None, &init_body("2025-11-25")).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/json");
    let id = resp.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(id.len(), 32);
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["id"], 0);
    assert_eq!(body["result"]["serverInfo"]["name"], "http-test-server");
    let other = initialize(&url, "2025-06-18").await;
    assert_ne!(id, other);
    assert_eq!(server.service().session_count(), 2);
    server.shutdown().await;
}

#[tokio::test]
async fn requests_notifications_and_session_errors() {
    let (server, _) = start(HttpServerConfig::default()).await;
    let url = server.url();
    let id = initialize(&url, "2025-11-25").await;
    let resp = post(&url, Some(&id), &request(1, "ping", json!({}))).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/json");
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        json!({"jsonrpc":"2.0","id":1,"result":{}})
    );
    // A notification or a response gets 202 with no body.
    let resp = post(
        &url,
        Some(&id),
        r#"{"jsonrpc":"2.0","method":"notifications/x"}"#,
    )
    .await;
    assert_eq!(resp.status(), 202);
    assert!(resp.bytes().await.unwrap().is_empty());
    let resp = post(&url, Some(&id), r#"{"jsonrpc":"2.0","id":77,"result":{}}"#).await;
    assert_eq!(resp.status(), 202);
    // No session id: 400. Unknown: 404.
    let resp = post(&url, None, &request(2, "ping", json!({}))).await;
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["id"], Value::Null);
    assert_eq!(body["error"]["code"], -32600);
    let resp = post(
        &url,
        Some("0123456789abcdef0123456789abcdef"),
        &request(2, "ping", json!({})),
    )
    .await;
    assert_eq!(resp.status(), 404);
    assert_eq!(server.service().session_count(), 1);
    server.shutdown().await;
}

#[tokio::test]
async fn header_checks_refuse_before_any_session_exists() {
    let (server, _) = start(HttpServerConfig::default()).await;
    let url = server.url();
    let client = http();
    let send = |accept: &'static str, ctype: &'static str| {
        client
            .post(&url)
            .header("accept", accept)
            .header("content-type", ctype)
            .body(init_body("2025-11-25"))
            .send()
    };
    let resp = send("application/json", "application/json").await.unwrap();
    assert_eq!(resp.status(), 406);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["jsonrpc"], "2.0");
    assert_eq!(body["id"], Value::Null);
    assert_eq!(
        send("application/json, text/event-stream", "text/plain")
            .await
            .unwrap()
            .status(),
        415
    );
    // An unsupported protocol version header: 400.
    let resp = client
        .post(&url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("mcp-protocol-version", "1999-01-01")
        .body(init_body("2025-11-25"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    // DNS rebinding: a foreign Host or Origin is 403.
    let resp = client
        .post(&url)
        .header("host", "evil.example")
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .body(init_body("2025-11-25"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let resp = client
        .post(&url)
        .header("origin", "http://evil.example")
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .body(init_body("2025-11-25"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let resp = client
        .post(&url)
        .header("origin", "http://localhost:3000")
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .body(init_body("2025-11-25"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // Malformed JSON: 400 with -32700. A first message that is not initialize: 400.
    let resp = post(&url, None, "{not json").await;
    assert_eq!(resp.status(), 400);
    assert_eq!(resp.json::<Value>().await.unwrap()["error"]["code"], -32700);
    let resp = post(&url, None, &request(1, "tools/list", json!({}))).await;
    assert_eq!(resp.status(), 400);
    // initialize with bad params: 400, no session.
    let resp = post(
        &url,
        None,
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"x":1}}"#,
    )
    .await;
    assert_eq!(resp.status(), 400);
    assert_eq!(server.service().session_count(), 1);
    let resp = client.put(&url).send().await.unwrap();
    assert_eq!(resp.status(), 405);
    server.shutdown().await;
}

#[tokio::test]
async fn host_allow_list_is_configurable() {
    let config = HttpServerConfig::default()
        .with_allowed_hosts(AllowedHosts::List(vec!["mcp.example".into()]));
    let (server, _) = start(config).await;
    let resp = http()
        .post(server.url())
        .header("host", "mcp.example:8443")
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .body(init_body("2025-11-25"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    server.shutdown().await;
}

#[tokio::test]
async fn body_limit_is_413_before_parsing() {
    let (server, _) = start(HttpServerConfig::default().with_max_body_bytes(1000)).await;
    let url = server.url();
    let big = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"initialize","params":{{"pad":"{}"}}}}"#,
        "x".repeat(2000)
    );
    let resp = post(&url, None, &big).await;
    assert_eq!(resp.status(), 413);
    // Chunked, without Content-Length: still 413.
    let chunks: Vec<Result<String, std::io::Error>> = vec![Ok(big.clone())];
    let resp = http()
        .post(&url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    assert_eq!(server.service().session_count(), 0);
    server.shutdown().await;
}

#[tokio::test]
async fn delete_ends_the_session() {
    let (server, _) = start(HttpServerConfig::default()).await;
    let url = server.url();
    let id = initialize(&url, "2025-11-25").await;
    let resp = http()
        .delete(&url)
        .header("mcp-session-id", &id)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        post(&url, Some(&id), &request(1, "ping", json!({})))
            .await
            .status(),
        404
    );
    assert_eq!(get(&url, &id, None).await.status(), 404);
    assert_eq!(
        http()
            .delete(&url)
            .header("mcp-session-id", &id)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(http().delete(&url).send().await.unwrap().status(), 400);
    assert_eq!(server.service().session_count(), 0);
    server.shutdown().await;
}

#[tokio::test]
async fn idle_sessions_are_reaped_and_the_count_is_capped() {
    let config = HttpServerConfig::default()
        .with_idle_timeout(Duration::from_millis(200))
        .with_max_sessions(2);
    let (server, _) = start(config).await;
    let url = server.url();
    let a = initialize(&url, "2025-11-25").await;
    initialize(&url, "2025-11-25").await;
    let resp = post(&url, None, &init_body("2025-11-25")).await;
    assert_eq!(resp.status(), 503);
    assert_eq!(resp.headers()["retry-after"], "5");
    assert!(resp.headers().get("mcp-session-id").is_none());
    let service = server.service().clone();
    eventually(|| service.session_count() == 0).await;
    assert_eq!(
        post(&url, Some(&a), &request(1, "ping", json!({})))
            .await
            .status(),
        404
    );
    initialize(&url, "2025-11-25").await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_session_with_a_request_in_flight_is_not_idle() {
    let config = HttpServerConfig::default().with_idle_timeout(Duration::from_millis(100));
    let (server, seen) = start(config).await;
    let url = server.url();
    let id = initialize(&url, "2025-11-25").await;
    let resp = post(&url, Some(&id), &request(1, "sleep", json!({"ms": 600}))).await;
    assert_eq!(resp.json::<Value>().await.unwrap()["result"]["slept"], 600);
    assert_eq!(seen.completed.load(std::sync::atomic::Ordering::SeqCst), 1);
    server.shutdown().await;
}

#[tokio::test]
async fn stateless_mode_serves_each_post_with_a_fresh_initialized_session() {
    let (server, _) = start(HttpServerConfig::default().with_stateless(true)).await;
    let url = server.url();
    let resp = post(&url, None, &init_body("2025-11-25")).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().get("mcp-session-id").is_none());
    let resp = http()
        .post(&url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("mcp-protocol-version", "2025-06-18")
        .body(request(5, "echo", json!({"a": 1})))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        json!({"jsonrpc":"2.0","id":5,"result":{"a":1}})
    );
    let resp = post(
        &url,
        None,
        r#"{"jsonrpc":"2.0","method":"notifications/x"}"#,
    )
    .await;
    assert_eq!(resp.status(), 202);
    // Progress before the result: an SSE answer (no ids: nothing to resume).
    let resp = post(
        &url,
        None,
        &request(
            6,
            "progress",
            json!({"steps": 2, "_meta": {"progressToken": "t"}}),
        ),
    )
    .await;
    let events = Events::new(resp).rest().await;
    assert_eq!(events.len(), 3);
    assert!(events.iter().all(|e| e.id.is_none()));
    assert_eq!(events[2].json()["result"]["steps"], 2);
    let resp = http()
        .get(&url)
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);
    assert_eq!(http().delete(&url).send().await.unwrap().status(), 405);
    assert_eq!(server.service().session_count(), 0);
    server.shutdown().await;
}

#[tokio::test]
async fn duplicate_request_ids_in_flight_are_refused() {
    let (server, _) = start(HttpServerConfig::default()).await;
    let url = server.url();
    let id = initialize(&url, "2025-11-25").await;
    let slow = tokio::spawn({
        let (url, id) = (url.clone(), id.clone());
        async move { post(&url, Some(&id), &request(9, "sleep", json!({"ms": 300}))).await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let resp = post(&url, Some(&id), &request(9, "echo", json!({}))).await;
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["id"], 9);
    assert_eq!(body["error"]["code"], -32600);
    let slow: Value = slow.await.unwrap().json().await.unwrap();
    assert_eq!(slow["result"]["slept"], 300);
    server.shutdown().await;
}

#[tokio::test]
async fn json_mode_puts_related_messages_on_the_get_stream() {
    let config = HttpServerConfig::default().with_response_mode(ResponseMode::Json);
    let (server, _) = start(config).await;
    let url = server.url();
    let id = initialize(&url, "2025-11-25").await;
    let mut stream = Events::new(get(&url, &id, None).await);
    assert_eq!(stream.next().await.unwrap().data.as_deref(), Some(""));
    let resp = post(&url, Some(&id), &request(1, "notify", json!({"count": 2}))).await;
    assert_eq!(resp.headers()["content-type"], "application/json");
    assert_eq!(resp.json::<Value>().await.unwrap()["result"]["sent"], 2);
    for n in 0..2 {
        let event = stream.next().await.unwrap();
        assert_eq!(event.json()["params"]["n"], n);
    }
    server.shutdown().await;
}

#[tokio::test]
async fn mounts_as_a_tower_service() {
    use tower::ServiceExt;
    let (service, _) = service(HttpServerConfig::default());
    let request = http::Request::post("/mcp")
        .header("host", "localhost")
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .body(http_body_util::Full::new(bytes::Bytes::from(init_body(
            "2025-03-26",
        ))))
        .unwrap();
    let response = service.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("mcp-session-id"));
    assert_eq!(service.session_count(), 1);
    service.close_all().await;
    assert_eq!(service.session_count(), 0);
}

#[tokio::test]
async fn mounts_in_axum() {
    let (service, _) = service(HttpServerConfig::default());
    let app = axum::Router::new().route_service("/mcp", service.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move { axum::serve(listener, app).await });
    let url = format!("http://{addr}/mcp");
    let id = initialize(&url, "2025-11-25").await;
    let resp = post(&url, Some(&id), &request(1, "echo", json!({"x": "y"}))).await;
    assert_eq!(resp.json::<Value>().await.unwrap()["result"]["x"], "y");
    task.abort();
}

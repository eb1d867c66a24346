//! With `strict_version_header`, the `MCP-Protocol-Version` header of a request on a
//! session must name the session's version (when given at all); by default another
//! supported version is served under the session's (the official conformance suite sends
//! one), an unsupported one never.

use oxmcp_http::HttpServerConfig;
use serde_json::{Value, json};

use crate::support::*;

#[tokio::test]
async fn a_header_naming_another_supported_version_gets_400_when_strict() {
    let (server, _) = start(HttpServerConfig::default().with_strict_version_header(true)).await;
    let url = server.url();
    let id = initialize(&url, "2025-06-18").await;
    let client = http();
    let with = |method: reqwest::Method, version: &str| {
        client
            .request(method, &url)
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json")
            .header("mcp-session-id", &id)
            .header("mcp-protocol-version", version)
    };
    let ping = request(1, "ping", json!({}));
    let resp = with(reqwest::Method::POST, "2025-11-25")
        .body(ping.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2025-06-18"),
        "{body}"
    );
    let batch = format!("[{ping}]");
    let resp = with(reqwest::Method::POST, "2025-03-26")
        .body(batch)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let resp = with(reqwest::Method::GET, "2025-11-25")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let resp = with(reqwest::Method::DELETE, "2025-03-26")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    // The session's own version, or none, is served; the session is still there.
    let resp = with(reqwest::Method::POST, "2025-06-18")
        .body(ping)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let resp = post(&url, Some(&id), &request(2, "ping", json!({}))).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(server.service().session_count(), 1);
    server.shutdown().await;
}

#[tokio::test]
async fn by_default_another_supported_version_is_served_an_unsupported_one_not() {
    let (server, _) = start(HttpServerConfig::default()).await;
    let url = server.url();
    let id = initialize(&url, "2025-11-25").await;
    let send = |version: &'static str| {
        http()
            .post(&url)
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json")
            .header("mcp-session-id", &id)
            .header("mcp-protocol-version", version)
            .body(request(1, "ping", json!({})))
            .send()
    };
    assert_eq!(send("2025-03-26").await.unwrap().status(), 200);
    assert_eq!(send("2024-01-01").await.unwrap().status(), 400);
    server.shutdown().await;
}

//! JSON-RPC batches over Streamable HTTP: accepted on sessions on 2025-03-26 only.

use oxmcp_http::{HttpServerConfig, ResponseMode};
use serde_json::{Value, json};

use crate::support::*;

/// A POST with the session's own protocol version.
async fn post_as(url: &str, session: Option<&str>, version: &str, body: &str) -> reqwest::Response {
    let mut req = http()
        .post(url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("mcp-protocol-version", version)
        .body(body.to_owned());
    if let Some(s) = session {
        req = req.header("mcp-session-id", s);
    }
    req.send().await.unwrap()
}

/// The responses of a JSON array body, sorted by id (nulls first).
async fn sorted_array(resp: reqwest::Response) -> Vec<Value> {
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/json");
    let body: Value = resp.json().await.unwrap();
    let mut items = body.as_array().expect("a JSON array").clone();
    items.sort_by_key(|v| v["id"].as_i64().unwrap_or(-1));
    items
}

const NOTIFICATION: &str = r#"{"jsonrpc":"2.0","method":"notifications/x"}"#;

#[tokio::test]
async fn json_mode_answers_a_batch_with_one_array() {
    let config = HttpServerConfig::default().with_response_mode(ResponseMode::Json);
    let (server, _) = start(config).await;
    let url = server.url();
    let id = initialize(&url, "2025-03-26").await;
    let batch = format!(
        "[{},{NOTIFICATION},{}]",
        request(1, "echo", json!({"a": 1})),
        request(2, "sleep", json!({"ms": 20}))
    );
    let items = sorted_array(post_as(&url, Some(&id), "2025-03-26", &batch).await).await;
    assert_eq!(
        items,
        vec![
            json!({"jsonrpc":"2.0","id":1,"result":{"a":1}}),
            json!({"jsonrpc":"2.0","id":2,"result":{"slept":20}}),
        ]
    );
    server.shutdown().await;
}

#[tokio::test]
async fn bad_elements_and_repeated_ids_get_their_own_errors() {
    let config = HttpServerConfig::default().with_response_mode(ResponseMode::Json);
    let (server, _) = start(config).await;
    let url = server.url();
    let id = initialize(&url, "2025-03-26").await;
    let batch = format!(
        r#"[{},{{"foo":1}},{}]"#,
        request(1, "echo", json!({"a": 1})),
        request(1, "echo", json!({"a": 2}))
    );
    let items = sorted_array(post_as(&url, Some(&id), "2025-03-26", &batch).await).await;
    assert_eq!(items.len(), 3, "{items:?}");
    assert_eq!(items[0]["id"], Value::Null);
    assert_eq!(items[0]["error"]["code"], -32600);
    let (ok, dup): (Vec<_>, Vec<_>) = items[1..].iter().partition(|v| v.get("result").is_some());
    assert_eq!(ok, vec![&json!({"jsonrpc":"2.0","id":1,"result":{"a":1}})]);
    assert_eq!(dup[0]["id"], 1);
    assert_eq!(dup[0]["error"]["code"], -32600);
    server.shutdown().await;
}

#[tokio::test]
async fn auto_mode_answers_a_batch_on_one_sse_stream() {
    let (server, _) = start(HttpServerConfig::default()).await;
    let url = server.url();
    let id = initialize(&url, "2025-03-26").await;
    let batch = format!(
        "[{},{}]",
        request(1, "notify", json!({"count": 2})),
        request(2, "echo", json!({"b": 2}))
    );
    let resp = post_as(&url, Some(&id), "2025-03-26", &batch).await;
    assert_eq!(resp.status(), 200);
    // The stream ends after the last response: `rest` returns.
    let events = Events::new(resp).rest().await;
    let messages: Vec<Value> = events.iter().map(RawEvent::json).collect();
    let notes = messages
        .iter()
        .filter(|m| m["method"] == "notifications/test")
        .count();
    assert_eq!(notes, 2, "{messages:?}");
    let mut results: Vec<_> = messages
        .iter()
        .filter(|m| m.get("result").is_some())
        .collect();
    results.sort_by_key(|m| m["id"].as_i64());
    assert_eq!(
        results[0],
        &json!({"jsonrpc":"2.0","id":1,"result":{"sent":2}})
    );
    assert_eq!(
        results[1],
        &json!({"jsonrpc":"2.0","id":2,"result":{"b":2}})
    );
    assert_eq!(messages.len(), 4);
    server.shutdown().await;
}

#[tokio::test]
async fn a_batch_of_notifications_and_responses_gets_202() {
    let (server, _) = start(HttpServerConfig::default()).await;
    let url = server.url();
    let id = initialize(&url, "2025-03-26").await;
    let batch = format!(r#"[{NOTIFICATION},{{"jsonrpc":"2.0","id":9,"result":{{}}}}]"#);
    let resp = post_as(&url, Some(&id), "2025-03-26", &batch).await;
    assert_eq!(resp.status(), 202);
    assert!(resp.bytes().await.unwrap().is_empty());
    server.shutdown().await;
}

#[tokio::test]
async fn refusals_have_exact_statuses_and_bodies() {
    let config = HttpServerConfig::default().with_max_batch_messages(2);
    let (server, _) = start(config).await;
    let url = server.url();
    let id = initialize(&url, "2025-03-26").await;
    // An empty array: the JSON-RPC invalid-request error.
    let resp = post_as(&url, Some(&id), "2025-03-26", " [ ] ").await;
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["id"], Value::Null);
    assert_eq!(body["error"]["code"], -32600);
    // Past the limit.
    let three = format!("[{NOTIFICATION},{NOTIFICATION},{NOTIFICATION}]");
    let resp = post_as(&url, Some(&id), "2025-03-26", &three).await;
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], -32600);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("a batch of more than 2 messages; the limit is 2"),
        "{body}"
    );
    // `initialize` in a batch, with or without a session.
    let with_init = format!("[{}]", init_body("2025-03-26"));
    for session in [None, Some(id.as_str())] {
        let resp = post_as(&url, session, "2025-03-26", &with_init).await;
        assert_eq!(resp.status(), 400);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(
            body["error"]["message"],
            "bad request: initialize may not be part of a JSON-RPC batch"
        );
    }
    // No session id, and an unknown one.
    let one = format!("[{NOTIFICATION}]");
    assert_eq!(post_as(&url, None, "2025-03-26", &one).await.status(), 400);
    let unknown = "0123456789abcdef0123456789abcdef";
    assert_eq!(
        post_as(&url, Some(unknown), "2025-03-26", &one)
            .await
            .status(),
        404
    );
    assert_eq!(server.service().session_count(), 1);
    server.shutdown().await;
}

/// Finding 1: a long batch is refused by counting, before any element is decoded (and
/// before the session is looked up): the elements past the limit are not even valid JSON.
#[tokio::test]
async fn the_limit_is_checked_before_any_element_is_decoded() {
    let config = HttpServerConfig::default().with_max_batch_messages(2);
    let (server, _) = start(config).await;
    let url = server.url();
    let unknown = "0123456789abcdef0123456789abcdef";
    let mut long = String::from("[");
    long.push_str(&"0,".repeat(500_000));
    long.push_str("{not json");
    for session in [None, Some(unknown)] {
        let resp = post_as(&url, session, "2025-03-26", &long).await;
        assert_eq!(resp.status(), 400);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["code"], -32600, "{body}");
        assert_eq!(
            body["error"]["message"],
            "bad request: a batch of more than 2 messages; the limit is 2"
        );
    }
    server.shutdown().await;
}

#[tokio::test]
async fn sessions_on_other_versions_keep_the_400() {
    let (server, _) = start(HttpServerConfig::default()).await;
    let url = server.url();
    for version in ["2025-06-18", "2025-11-25"] {
        let id = initialize(&url, version).await;
        let batch = format!("[{}]", request(1, "ping", json!({})));
        let resp = post_as(&url, Some(&id), version, &batch).await;
        assert_eq!(resp.status(), 400);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["code"], -32600);
        assert_eq!(
            body["error"]["message"],
            format!(
                "bad request: JSON-RPC batches are accepted only on sessions with protocol \
                 version 2025-03-26; this session uses {version}"
            )
        );
    }
    server.shutdown().await;
}

#[tokio::test]
async fn stateless_batches_follow_the_header_version() {
    let (server, _) = start(HttpServerConfig::default().with_stateless(true)).await;
    let url = server.url();
    let batch = format!(
        "[{},{}]",
        request(1, "echo", json!({"a": 1})),
        request(2, "echo", json!({"a": 2}))
    );
    let resp = post_as(&url, None, "2025-03-26", &batch).await;
    assert_eq!(resp.status(), 200);
    let mut results: Vec<Value> = Events::new(resp)
        .rest()
        .await
        .iter()
        .map(RawEvent::json)
        .collect();
    results.sort_by_key(|m| m["id"].as_i64());
    assert_eq!(
        results,
        vec![
            json!({"jsonrpc":"2.0","id":1,"result":{"a":1}}),
            json!({"jsonrpc":"2.0","id":2,"result":{"a":2}}),
        ]
    );
    let resp = post_as(&url, None, "2025-03-26", &format!("[{NOTIFICATION}]")).await;
    assert_eq!(resp.status(), 202);
    let resp = post_as(&url, None, "2025-06-18", &batch).await;
    assert_eq!(resp.status(), 400);
    server.shutdown().await;
}

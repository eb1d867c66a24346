//! Byte budgets of the SSE side: a connection's queue and the standalone backlog.

use std::time::Duration;

use oxmcp_http::HttpServerConfig;
use serde_json::{Value, json};

use crate::support::*;

/// A `notify` request of `count` related notifications of about 2 KiB each.
fn big_notifications(count: u64) -> String {
    request(
        1,
        "notify",
        json!({ "count": count, "tag": "x".repeat(2000) }),
    )
}

#[tokio::test]
async fn a_byte_budget_closes_a_slow_stream_which_resumes_without_loss() {
    // The message count (256) would take all 200 notifications; 16 KiB takes about 8.
    let config = HttpServerConfig::default().with_sse_queue_bytes(16 << 10);
    let (server, _) = start(config).await;
    let url = server.url();
    let id = initialize(&url, "2025-11-25").await;
    let resp = post(&url, Some(&id), &big_notifications(200)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let first = Events::new(resp).rest().await;
    assert!(first.len() < 201, "the connection was closed early");
    let mut last_id = first.last().unwrap().id.clone().unwrap();
    let mut seen: Vec<Value> = first.iter().skip(1).map(RawEvent::json).collect();
    while seen.last().is_none_or(|m| m.get("id").is_none()) {
        let more = Events::new(get(&url, &id, Some(&last_id)).await)
            .rest()
            .await;
        if let Some(e) = more.last() {
            last_id = e.id.clone().unwrap();
        }
        seen.extend(more.iter().map(RawEvent::json));
    }
    assert_eq!(seen.len(), 201);
    for (n, m) in seen[..200].iter().enumerate() {
        assert_eq!(m["params"]["n"], n, "no loss, no duplicate, in order");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn without_an_event_store_a_slow_stream_ends_early_and_says_so() {
    let config = HttpServerConfig::default()
        .with_sse_queue_bytes(16 << 10)
        .with_event_store(None);
    let (server, _) = start(config).await;
    let url = server.url();
    let id = initialize(&url, "2025-11-25").await;
    let resp = post(&url, Some(&id), &big_notifications(200)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let got = Events::new(resp).rest().await;
    assert!(got.len() < 200, "closed early: {} events", got.len());
    // The stream ended without the response: the client knows it did not get it.
    assert!(got.iter().all(|e| e.json().get("result").is_none()));
    // The session goes on.
    let resp = post(&url, Some(&id), &request(2, "ping", json!({}))).await;
    assert_eq!(resp.status(), 200);
    server.shutdown().await;
}

#[tokio::test]
async fn the_standalone_backlog_is_bounded_in_bytes() {
    // Room for 64 messages, but only about two of 2 KiB.
    let config = HttpServerConfig::default().with_standalone_backlog(64, 5000);
    let (server, _) = start(config).await;
    let url = server.url();
    let id = initialize(&url, "2025-11-25").await;
    let body = request(
        1,
        "notify_unrelated",
        json!({ "count": 10, "tag": "x".repeat(2000) }),
    );
    assert_eq!(post(&url, Some(&id), &body).await.status(), 200);
    let mut events = Events::new(get(&url, &id, None).await);
    let mut numbers = Vec::new();
    while let Ok(Some(event)) =
        tokio::time::timeout(Duration::from_millis(300), events.next()).await
    {
        if event.data.as_deref().is_some_and(|d| !d.is_empty()) {
            numbers.push(event.json()["params"]["n"].as_u64().unwrap());
        }
    }
    assert_eq!(numbers, [8, 9], "the newest kept, in order");
    server.shutdown().await;
}

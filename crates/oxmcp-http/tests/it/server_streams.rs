//! SSE answers, the standalone GET stream, resumption, slow readers and SSE polling.

use std::sync::Arc;
use std::time::Duration;

use oxmcp_http::{EventStore, HttpServerConfig, MemoryEventStore, SsePolling};
use serde_json::{Value, json};

use crate::support::*;

fn progress_request(id: u64, steps: u64, every_ms: u64) -> String {
    request(
        id,
        "progress",
        json!({"steps": steps, "everyMs": every_ms, "_meta": {"progressToken": id}}),
    )
}

#[tokio::test]
async fn related_messages_switch_the_answer_to_sse_with_a_priming_event() {
    let (server, _) = start(HttpServerConfig::default()).await;
    let url = server.url();
    let id = initialize(&url, "2025-11-25").await;
    let resp = post(&url, Some(&id), &progress_request(1, 3, 0)).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["cache-control"], "no-cache");
    let events = Events::new(resp).rest().await;
    assert_eq!(events.len(), 5, "{events:?}");
    let priming = &events[0];
    assert_eq!(priming.data.as_deref(), Some(""));
    let stream = priming
        .id
        .as_deref()
        .unwrap()
        .strip_suffix("-0")
        .unwrap()
        .to_owned();
    for (i, event) in events.iter().enumerate().skip(1) {
        assert_eq!(event.id.as_deref(), Some(format!("{stream}-{i}").as_str()));
    }
    for (i, event) in events[1..4].iter().enumerate() {
        assert_eq!(event.json()["method"], "notifications/progress");
        assert_eq!(event.json()["params"]["progress"], i as f64 + 1.0);
    }
    assert_eq!(events[4].json()["id"], 1);
    assert_eq!(events[4].json()["result"]["steps"], 3);
    // Another request's stream has another stream id.
    let events = Events::new(post(&url, Some(&id), &progress_request(2, 1, 0)).await)
        .rest()
        .await;
    assert_ne!(
        events[0].id.as_deref().unwrap().split('-').next().unwrap(),
        stream
    );
    server.shutdown().await;
}

#[tokio::test]
async fn older_clients_get_no_priming_event() {
    let (server, _) = start(HttpServerConfig::default()).await;
    let url = server.url();
    let id = initialize(&url, "2025-06-18").await;
    let events = Events::new(post(&url, Some(&id), &progress_request(1, 2, 0)).await)
        .rest()
        .await;
    assert_eq!(events.len(), 3);
    assert!(
        events
            .iter()
            .all(|e| e.data.as_deref().is_some_and(|d| !d.is_empty()))
    );
    assert!(events.iter().all(|e| e.id.is_some()));
    server.shutdown().await;
}

#[tokio::test]
async fn get_stream_carries_unrelated_messages_only() {
    let (server, _) = start(HttpServerConfig::default()).await;
    let url = server.url();
    let id = initialize(&url, "2025-11-25").await;
    let resp = http()
        .get(&url)
        .header("accept", "application/json")
        .header("mcp-session-id", &id)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 406);
    let mut stream = Events::new(get(&url, &id, None).await);
    let priming = stream.next().await.unwrap();
    assert_eq!(priming.data.as_deref(), Some(""));
    let resp = post(
        &url,
        Some(&id),
        &request(1, "notify_unrelated", json!({"count": 3})),
    )
    .await;
    // The POST's own answer is plain JSON: nothing related was sent.
    assert_eq!(resp.json::<Value>().await.unwrap()["result"]["sent"], 3);
    for n in 0..3 {
        let event = stream.next().await.unwrap();
        assert_eq!(event.json()["method"], "notifications/unrelated");
        assert_eq!(event.json()["params"]["n"], n);
    }
    server.shutdown().await;
}

#[tokio::test]
async fn unrelated_messages_wait_in_a_backlog_until_a_get_stream_opens() {
    let (server, _) = start(HttpServerConfig::default()).await;
    let url = server.url();
    let id = initialize(&url, "2025-11-25").await;
    post(
        &url,
        Some(&id),
        &request(1, "notify_unrelated", json!({"count": 2})),
    )
    .await;
    let mut stream = Events::new(get(&url, &id, None).await);
    stream.next().await.unwrap();
    assert_eq!(stream.next().await.unwrap().json()["params"]["n"], 0);
    assert_eq!(stream.next().await.unwrap().json()["params"]["n"], 1);
    server.shutdown().await;
}

#[tokio::test]
async fn get_stream_can_be_disabled() {
    let (server, _) = start(HttpServerConfig::default().with_standalone_stream(false)).await;
    let url = server.url();
    let id = initialize(&url, "2025-11-25").await;
    assert_eq!(get(&url, &id, None).await.status(), 405);
    server.shutdown().await;
}

#[tokio::test]
async fn resumption_replays_exactly_the_rest_of_that_stream() {
    let (server, _) = start(HttpServerConfig::default()).await;
    let url = server.url();
    let id = initialize(&url, "2025-11-25").await;
    // Another stream runs at the same time; none of its events may show up.
    let other = tokio::spawn({
        let (url, id) = (url.clone(), id.clone());
        async move {
            Events::new(post(&url, Some(&id), &progress_request(7, 10, 20)).await)
                .rest()
                .await
        }
    });
    let mut events = Events::new(post(&url, Some(&id), &progress_request(1, 10, 20)).await);
    let priming = events.next().await.unwrap();
    let first = events.next().await.unwrap();
    let stream = priming
        .id
        .clone()
        .unwrap()
        .split('-')
        .next()
        .unwrap()
        .to_owned();
    drop(events); // the connection is cut
    tokio::time::sleep(Duration::from_millis(100)).await;
    let resumed = Events::new(get(&url, &id, first.id.as_deref()).await)
        .rest()
        .await;
    for (expected_seq, event) in (2..).zip(&resumed) {
        assert_eq!(
            event.id.as_deref(),
            Some(format!("{stream}-{expected_seq}").as_str())
        );
    }
    let last = resumed.last().unwrap().json();
    assert_eq!(
        last["id"], 1,
        "the resumed stream ends with its own response"
    );
    assert_eq!(
        resumed.len(),
        10,
        "9 progress notifications and the response"
    );
    let other = other.await.unwrap();
    assert_eq!(other.last().unwrap().json()["id"], 7);
    // Resuming a completed stream again replays it and ends.
    let again = Events::new(get(&url, &id, priming.id.as_deref()).await)
        .rest()
        .await;
    assert_eq!(again.len(), 11);
    server.shutdown().await;
}

#[tokio::test]
async fn unknown_or_evicted_event_ids_are_refused() {
    let store: Arc<dyn EventStore> = Arc::new(MemoryEventStore::new(4, 1 << 20));
    let (server, _) = start(HttpServerConfig::default().with_event_store(Some(store))).await;
    let url = server.url();
    let id = initialize(&url, "2025-11-25").await;
    let events = Events::new(post(&url, Some(&id), &progress_request(1, 8, 0)).await)
        .rest()
        .await;
    let stream = events[0]
        .id
        .clone()
        .unwrap()
        .split('-')
        .next()
        .unwrap()
        .to_owned();
    for bad in ["garbage", "1", "x-1"] {
        assert_eq!(get(&url, &id, Some(bad)).await.status(), 400, "{bad}");
    }
    // A stream or an event this session never issued.
    assert_eq!(get(&url, &id, Some("999-1")).await.status(), 400);
    assert_eq!(
        get(&url, &id, Some(&format!("{stream}-99"))).await.status(),
        400
    );
    // Only the last 4 of 9 events are kept: resuming from the start is 410 Gone.
    let resp = get(&url, &id, Some(&format!("{stream}-0"))).await;
    assert_eq!(resp.status(), 410);
    assert_eq!(resp.json::<Value>().await.unwrap()["error"]["code"], -32600);
    // From the fifth on, everything is still there.
    let rest = Events::new(get(&url, &id, Some(&format!("{stream}-5"))).await)
        .rest()
        .await;
    assert_eq!(rest.len(), 4);
    // Another session cannot resume this session's stream.
    let other = initialize(&url, "2025-11-25").await;
    assert_eq!(
        get(&url, &other, Some(&format!("{stream}-5")))
            .await
            .status(),
        400
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_slow_reader_is_disconnected_and_resumes_from_the_store() {
    let config = HttpServerConfig::default().with_sse_queue(4);
    let (server, _) = start(config).await;
    let url = server.url();
    let id = initialize(&url, "2025-11-25").await;
    let resp = post(
        &url,
        Some(&id),
        &request(1, "notify", json!({"count": 200})),
    )
    .await;
    // Read nothing for a while: the queue fills, the server closes the connection.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut events = Events::new(resp);
    let first = events.rest().await;
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
async fn sse_polling_closes_connections_with_a_retry_hint() {
    let polling = SsePolling::new(Duration::from_millis(100), Duration::from_millis(20));
    let (server, _) = start(HttpServerConfig::default().with_sse_polling(Some(polling))).await;
    let url = server.url();
    let id = initialize(&url, "2025-11-25").await;
    let mut events = Events::new(post(&url, Some(&id), &progress_request(1, 5, 60)).await);
    let mut got = events.rest().await;
    let retry = got.pop().unwrap();
    assert_eq!(retry.retry, Some(20));
    assert!(got.len() < 6);
    let mut last = got.last().unwrap().id.clone().unwrap();
    let mut messages: Vec<Value> = got.iter().skip(1).map(RawEvent::json).collect();
    while messages.last().is_none_or(|m| m.get("id").is_none()) {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let more = Events::new(get(&url, &id, Some(&last)).await).rest().await;
        for e in more {
            if let Some(i) = e.id.clone() {
                last = i;
                messages.push(e.json());
            }
        }
    }
    assert_eq!(messages.len(), 6);
    assert_eq!(messages[5]["result"]["steps"], 5);
    server.shutdown().await;
}

#[tokio::test]
async fn cancellation_ends_the_request_stream() {
    let (server, seen) = start(HttpServerConfig::default()).await;
    let url = server.url();
    let id = initialize(&url, "2025-11-25").await;
    let pending = tokio::spawn({
        let (url, id) = (url.clone(), id.clone());
        async move { post(&url, Some(&id), &request(3, "sleep", json!({"ms": 10_000}))).await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let cancel = r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":3}}"#;
    assert_eq!(post(&url, Some(&id), cancel).await.status(), 202);
    let resp = tokio::time::timeout(Duration::from_secs(5), pending)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(Events::new(resp).rest().await.is_empty());
    eventually(|| seen.cancelled.load(std::sync::atomic::Ordering::SeqCst) == 1).await;
    server.shutdown().await;
}

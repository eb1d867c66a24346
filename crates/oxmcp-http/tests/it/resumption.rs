//! The client's streams are cut 100 times (mid-event, by a proxy) while 10,000 notifications
//! flow on three streams of one session (two request streams and the GET stream): the oxmcp
//! client resumes each with `Last-Event-ID`, and gets every notification once, in order,
//! on the stream it belongs to.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use oxmcp_http::{HttpClientConfig, HttpServerConfig, MemoryEventStore};
use serde_json::json;

use crate::client_e2e::{call, connect_to};
use crate::proxy::CuttingProxy;
use crate::support::*;

const CUTS: usize = 100;
/// Notifications per stream: two request streams and the GET stream, 10,000 in all.
const STREAMS: [(&str, &str, u64); 3] = [
    ("notify", "a", 4_000),
    ("notify", "b", 4_000),
    ("notify_unrelated", "c", 2_000),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_cuts_during_ten_thousand_notifications_lose_and_repeat_nothing() {
    let store = Arc::new(MemoryEventStore::new(100_000, 256 << 20));
    let config = HttpServerConfig::default()
        .with_event_store(Some(store))
        // The connections are cut by the proxy only, never for reading slowly.
        .with_sse_queue(100_000);
    let (server, _) = start(config).await;
    // Every 90 notifications that pass (replays included), one connection is cut.
    let proxy = CuttingProxy::start(
        server.local_addr(),
        b"\"method\":\"notifications/",
        90,
        CUTS,
    )
    .await;
    let mut client_config = HttpClientConfig::default();
    client_config.default_retry = Duration::from_millis(5);
    let (client, handler, _) = connect_to(&proxy.url(), client_config).await;
    let client = Arc::new(client);
    let calls = STREAMS.map(|(method, tag, count)| {
        let client = client.clone();
        tokio::spawn(async move {
            let params = json!({ "count": count, "tag": tag, "pauseEvery": 50, "pauseMs": 1 });
            call(&client, method, params).await.unwrap()
        })
    });
    for (answer, (_, _, count)) in futures_util::future::join_all(calls)
        .await
        .iter()
        .zip(STREAMS)
    {
        assert_eq!(answer.as_ref().unwrap()["sent"], count);
    }
    let total: u64 = STREAMS.iter().map(|s| s.2).sum();
    let notes = handler.notifications.clone();
    tokio::time::timeout(Duration::from_secs(30), async {
        while (notes.lock().unwrap().len() as u64) < total {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .unwrap_or_else(|_| {
        let notes = notes.lock().unwrap();
        let mut counts = BTreeMap::new();
        for (_, p) in notes.iter() {
            *counts.entry(p["tag"].to_string()).or_insert(0) += 1;
        }
        panic!("after 30 s: {counts:?}, {} cuts", proxy.cuts());
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut by_tag: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for (method, params) in notes.lock().unwrap().iter() {
        let tag = params["tag"].as_str().unwrap_or("?").to_owned();
        let expected_method = if tag == "c" {
            "notifications/unrelated"
        } else {
            "notifications/test"
        };
        assert_eq!(method, expected_method, "{params}");
        by_tag
            .entry(tag)
            .or_default()
            .push(params["n"].as_u64().unwrap_or(u64::MAX));
    }
    assert_eq!(by_tag.len(), STREAMS.len(), "{:?}", by_tag.keys());
    for (_, tag, count) in STREAMS {
        let got = &by_tag[tag];
        let lost = (0..count).filter(|n| !got.contains(n)).count();
        assert_eq!(got.len() as u64, count, "stream {tag}: {lost} lost");
        assert!(
            got.iter().copied().eq(0..count),
            "stream {tag}: duplicated or out of order"
        );
    }
    assert_eq!(proxy.cuts(), CUTS);
    let answer = call(&client, "echo", json!({ "still": "alive" }))
        .await
        .unwrap();
    assert_eq!(answer, json!({ "still": "alive" }));
    server.shutdown().await;
}

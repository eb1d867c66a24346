//! `subscriptions/listen` (2026-07-28) over HTTP: acknowledged first, then the changes the
//! filter names, each tagged with the subscription id; ended by the server with a result,
//! by the client by closing the stream; bounded per client and in bytes queued.

use oxmcp_core::McpServer;
use oxmcp_core::server::prompts::PromptRoute;
use oxmcp_core::server::resources::ResourceRoute;
use oxmcp_core::server::tools::{NoArguments, ToolRoute};
use std::time::Duration;

use oxmcp_http::{HttpServerConfig, McpService, Server, SsePolling, serve_with};
use oxmcp_types::Implementation;
use oxmcp_types::prompts::{GetPromptResult, Prompt};
use oxmcp_types::resources::Resource;
use serde_json::{Value, json};

use crate::modern::{modern, post_modern};
use crate::support::*;

const SUBSCRIPTION_ID: &str = "io.modelcontextprotocol/subscriptionId";

async fn listen_server(config: HttpServerConfig) -> (Server, McpServer) {
    let resource = Resource::new("file:///a", "a");
    let mcp = McpServer::builder(Implementation::new("listen", "1"))
        .tool(ToolRoute::new("noop", |_: NoArguments, _cx| async { "ok" }))
        .resource(ResourceRoute::text(resource, "a"))
        .declare_prompts()
        .build()
        .unwrap();
    let served = mcp.clone();
    let service = McpService::new(move |t| served.serve(t), config);
    let server = serve_with("127.0.0.1:0".parse().unwrap(), service, "/mcp")
        .await
        .unwrap();
    (server, mcp)
}

/// Opens a listen stream (request id `id`) asking for `notifications`.
async fn listen(url: &str, id: u64, notifications: Value) -> reqwest::Response {
    let body = modern(
        id,
        "subscriptions/listen",
        json!({ "notifications": notifications }),
    );
    post_modern(url, body, &[]).await
}

fn prompt(name: &str) -> PromptRoute {
    PromptRoute::new(Prompt::new(name), |_args, _cx| async {
        Ok(GetPromptResult::new(Vec::new()))
    })
}

#[tokio::test]
async fn acknowledged_then_what_the_filter_names_tagged() {
    let (server, mcp) = listen_server(HttpServerConfig::default()).await;
    let resp = listen(
        &server.url(),
        7,
        json!({
            "toolsListChanged": true,
            "resourceSubscriptions": ["file:///a", "file:///a"],
            "taskIds": ["t1"]
        }),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let mut events = Events::new(resp);
    let ack = events.next().await.unwrap().json();
    assert_eq!(ack["method"], "notifications/subscriptions/acknowledged");
    assert_eq!(ack["params"]["_meta"][SUBSCRIPTION_ID], 7);
    // Duplicates once, extension members not honoured.
    assert_eq!(
        ack["params"]["notifications"],
        json!({ "toolsListChanged": true, "resourceSubscriptions": ["file:///a"] })
    );
    assert_eq!(mcp.listen_stream_count(), 1);

    // Not asked for: a prompt list change, an update of another resource.
    mcp.add_prompt(prompt("p")).unwrap();
    assert_eq!(mcp.notify_resource_updated("file:///b"), 0);
    mcp.add_tool(ToolRoute::new("other", |_: NoArguments, _cx| async {
        "ok"
    }))
    .unwrap();
    let changed = events.next().await.unwrap().json();
    assert_eq!(changed["method"], "notifications/tools/list_changed");
    assert_eq!(changed["params"]["_meta"][SUBSCRIPTION_ID], 7);
    assert_eq!(mcp.notify_resource_updated("file:///a/part"), 1);
    let updated = events.next().await.unwrap().json();
    assert_eq!(updated["method"], "notifications/resources/updated");
    assert_eq!(updated["params"]["uri"], "file:///a/part");
    assert_eq!(updated["params"]["_meta"][SUBSCRIPTION_ID], 7);

    // The server ends it: a result naming the subscription, then the end of the stream.
    assert_eq!(mcp.end_subscriptions(), 1);
    let end = events.next().await.unwrap().json();
    assert_eq!(end["id"], 7);
    assert_eq!(end["result"]["resultType"], "complete");
    assert_eq!(end["result"]["_meta"][SUBSCRIPTION_ID], 7);
    assert!(events.next().await.is_none());
    eventually(|| mcp.listen_stream_count() == 0).await;
    server.shutdown().await;
}

#[tokio::test]
async fn only_what_the_server_offers_is_acknowledged() {
    let (server, mcp) = listen_server(HttpServerConfig::default()).await;
    let url = server.url();
    let resp = listen(&url, 1, json!({ "promptsListChanged": true })).await;
    let mut events = Events::new(resp);
    let ack = events.next().await.unwrap().json();
    assert_eq!(
        ack["params"]["notifications"],
        json!({ "promptsListChanged": true })
    );
    // A tool list change does not reach a stream that asked for prompts only.
    mcp.add_tool(ToolRoute::new("other", |_: NoArguments, _cx| async {
        "ok"
    }))
    .unwrap();
    mcp.add_prompt(prompt("p")).unwrap();
    let next = events.next().await.unwrap().json();
    assert_eq!(next["method"], "notifications/prompts/list_changed");
    drop(events);

    // A server without subscriptions acknowledges no resource URI.
    let bare = McpServer::builder(Implementation::new("bare", "1"))
        .declare_resources()
        .resource_subscriptions(false)
        .build()
        .unwrap();
    assert!(bare.capabilities().tools.is_none());
    let service = McpService::new(move |t| bare.serve(t), HttpServerConfig::default());
    let other = serve_with("127.0.0.1:0".parse().unwrap(), service, "/mcp")
        .await
        .unwrap();
    let resp = listen(
        &other.url(),
        2,
        json!({ "toolsListChanged": true, "resourceSubscriptions": ["file:///a"] }),
    )
    .await;
    let ack = Events::new(resp).next().await.unwrap().json();
    assert_eq!(ack["params"]["notifications"], json!({}));
    other.shutdown().await;
    server.shutdown().await;
}

#[tokio::test]
async fn closing_the_stream_ends_the_subscription() {
    let (server, mcp) = listen_server(HttpServerConfig::default()).await;
    let resp = listen(&server.url(), 1, json!({ "toolsListChanged": true })).await;
    let mut events = Events::new(resp);
    events.next().await.unwrap();
    assert_eq!(mcp.listen_stream_count(), 1);
    drop(events);
    eventually(|| mcp.listen_stream_count() == 0).await;

    // Shutting the server down ends the streams still open.
    let mut open = Events::new(listen(&server.url(), 2, json!({ "toolsListChanged": true })).await);
    open.next().await.unwrap();
    tokio::time::timeout(Duration::from_secs(10), server.shutdown())
        .await
        .expect("shutdown does not wait for listen streams");
    assert!(open.next().await.is_none());
    eventually(|| mcp.listen_stream_count() == 0).await;
}

#[tokio::test]
async fn listen_streams_are_capped_per_client_and_server_wide() {
    let config = HttpServerConfig::default().with_max_listen_streams_per_client(1);
    let (server, mcp) = listen_server(config).await;
    let url = server.url();
    let mut first = Events::new(listen(&url, 1, json!({ "toolsListChanged": true })).await);
    first.next().await.unwrap();
    let refused = listen(&url, 2, json!({ "toolsListChanged": true })).await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().get("retry-after").is_some());
    let answer: Value = refused.json().await.unwrap();
    assert_eq!(answer["id"], 2);
    assert!(answer["error"]["code"].is_i64(), "{answer}");
    // Other modern requests are not counted.
    let list = post_modern(&url, modern(3, "tools/list", json!({})), &[]).await;
    assert_eq!(list.status(), 200);
    drop(first);
    eventually(|| mcp.listen_stream_count() == 0).await;
    let mut again = Events::new(listen(&url, 4, json!({ "toolsListChanged": true })).await);
    assert_eq!(
        again.next().await.unwrap().json()["params"]["_meta"][SUBSCRIPTION_ID],
        4
    );
    server.shutdown().await;

    // Server-wide, over all clients: the engine's cap.
    let resource = Resource::new("file:///a", "a");
    let capped = McpServer::builder(Implementation::new("capped", "1"))
        .resource(ResourceRoute::text(resource, "a"))
        .max_listen_streams(1)
        .build()
        .unwrap();
    let served = capped.clone();
    let service = McpService::new(move |t| served.serve(t), HttpServerConfig::default());
    let server = serve_with("127.0.0.1:0".parse().unwrap(), service, "/mcp")
        .await
        .unwrap();
    let url = server.url();
    let mut open = Events::new(listen(&url, 1, json!({ "resourcesListChanged": true })).await);
    open.next().await.unwrap();
    let refused = listen(&url, 2, json!({ "resourcesListChanged": true })).await;
    let answer: Value = refused.json().await.unwrap();
    assert_eq!(answer["error"]["code"], -32603, "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("limit is 1"),
        "{answer}"
    );
    drop(open);
    server.shutdown().await;
}

/// Sends 100 distinct updates of about 450 bytes each (sub-resources of `file:///a`).
fn burst(mcp: &McpServer, round: usize) {
    let long = "x".repeat(400);
    for i in 0..100 {
        mcp.notify_resource_updated(&format!("file:///a/{round}/{i}/{long}"));
    }
}

#[tokio::test]
async fn a_stream_with_too_many_bytes_waiting_is_closed() {
    // Bounded in bytes only (room for a million messages).
    let bounded = |bytes| {
        HttpServerConfig::default()
            .with_sse_queue(1 << 20)
            .with_listen_queue_bytes(bytes)
    };
    let filter = json!({ "resourceSubscriptions": ["file:///a"] });
    // Within the default budget (256 KiB), a burst of 45 KB reaches a reading client.
    let (server, mcp) = listen_server(bounded(256 << 10)).await;
    let mut events = Events::new(listen(&server.url(), 1, filter.clone()).await);
    events.next().await.unwrap();
    burst(&mcp, 0);
    for _ in 0..100 {
        let updated = events.next().await.unwrap().json();
        assert_eq!(updated["method"], "notifications/resources/updated");
    }
    assert_eq!(mcp.listen_stream_count(), 1);
    drop(events);
    server.shutdown().await;

    // With 4 KiB, the stream is closed while the client still holds its response, which
    // ends the subscription; what was queued before still arrives, then the stream ends.
    let (server, mcp) = listen_server(bounded(4096)).await;
    let mut events = Events::new(listen(&server.url(), 1, filter).await);
    events.next().await.unwrap();
    let mut round = 0;
    while mcp.listen_stream_count() == 1 {
        assert!(round < 1000, "the stream was never closed");
        burst(&mcp, round);
        round += 1;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let rest = events.rest().await;
    assert!(
        rest.len() < 100 * round,
        "{} of {}",
        rest.len(),
        100 * round
    );
    server.shutdown().await;
}

#[tokio::test]
async fn sse_polling_leaves_modern_streams_open() {
    // SSE polling closes 2025-11-25 streams early for the client to resume; the modern era
    // has no resumption, so its streams stay open.
    let polling = SsePolling::new(Duration::from_millis(20), Duration::from_millis(10));
    let config = HttpServerConfig::default().with_sse_polling(Some(polling));
    let (server, mcp) = listen_server(config).await;
    let resp = listen(&server.url(), 1, json!({ "toolsListChanged": true })).await;
    let mut events = Events::new(resp);
    let ack = events.next().await.unwrap();
    assert_eq!(ack.id, None, "no event ids: nothing to resume");
    tokio::time::sleep(Duration::from_millis(100)).await;
    mcp.add_tool(ToolRoute::new("other", |_: NoArguments, _cx| async {
        "ok"
    }))
    .unwrap();
    let changed = events.next().await.unwrap();
    assert_eq!(changed.retry, None);
    assert_eq!(changed.json()["method"], "notifications/tools/list_changed");
    drop(events);
    server.shutdown().await;
}

#[tokio::test]
async fn listen_is_not_a_method_of_legacy_sessions() {
    let (server, _mcp) = listen_server(HttpServerConfig::default()).await;
    let url = server.url();
    let session = initialize(&url, "2025-11-25").await;
    let body = request(
        2,
        "subscriptions/listen",
        json!({ "notifications": { "toolsListChanged": true } }),
    );
    let answer: Value = post(&url, Some(&session), &body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(answer["error"]["code"], -32601, "{answer}");
    server.shutdown().await;
}

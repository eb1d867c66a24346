//! The engine sessions modern (2026-07-28) requests are served on: an idle one an earlier
//! request left is reused, unless something of that request is still in it (a kept `Peer`,
//! a session extension); at most `idle_modern_sessions` wait.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use oxmcp_core::role::Server as ServerRole;
use oxmcp_core::server::tools::{ToolError, ToolRoute};
use oxmcp_core::{McpServer, Peer};
use oxmcp_http::{HttpServerConfig, McpService, Server, serve_with};
use oxmcp_types::{CallToolResult, Implementation, Tool};
use serde_json::{Value, json};
use tokio::sync::Barrier;

use crate::modern::{modern, post_modern};
use crate::modern_inline::{modern_call, result_text};
use crate::support::eventually;

/// A value a request leaves in its session's extensions.
struct Left;

struct Pooled {
    server: Server,
    mcp: McpServer,
    /// How many engine sessions the factory started.
    starts: Arc<AtomicUsize>,
    /// The `Peer` the `keep` tool kept.
    kept: Arc<Mutex<Option<Peer<ServerRole>>>>,
}

async fn pooled(config: HttpServerConfig) -> Pooled {
    let kept: Arc<Mutex<Option<Peer<ServerRole>>>> = Arc::default();
    let keeper = kept.clone();
    let barrier = Arc::new(Barrier::new(2));
    let tools = [
        ToolRoute::from_tool(Tool::without_arguments("who"), |_args, cx| async move {
            let who = cx.session().peer_info.name.clone();
            let left = cx.session_extensions().get::<Left>().is_some();
            Ok::<_, ToolError>(CallToolResult::text(format!("{who} {left}")))
        }),
        ToolRoute::from_tool(Tool::without_arguments("keep"), move |_args, cx| {
            let keeper = keeper.clone();
            async move {
                *keeper.lock().unwrap() = Some(cx.peer().clone());
                Ok::<_, ToolError>(CallToolResult::text("kept"))
            }
        }),
        ToolRoute::from_tool(Tool::without_arguments("leave"), |_args, cx| async move {
            cx.session_extensions().insert(Left);
            Ok::<_, ToolError>(CallToolResult::text("left"))
        }),
        ToolRoute::from_tool(Tool::without_arguments("meet"), move |_args, _cx| {
            let barrier = barrier.clone();
            async move {
                barrier.wait().await;
                Ok::<_, ToolError>(CallToolResult::text("met"))
            }
        }),
    ];
    let mut builder = McpServer::builder(Implementation::new("pooled", "1"));
    for tool in tools {
        builder = builder.tool(tool);
    }
    let mcp = builder.build().unwrap();
    let starts = Arc::new(AtomicUsize::new(0));
    let (server_for_factory, counter) = (mcp.clone(), starts.clone());
    let service = McpService::new(
        move |t| {
            counter.fetch_add(1, Ordering::SeqCst);
            server_for_factory.serve(t)
        },
        config,
    );
    let server = serve_with("127.0.0.1:0".parse().unwrap(), service, "/mcp")
        .await
        .unwrap();
    Pooled {
        server,
        mcp,
        starts,
        kept,
    }
}

/// Calls `tool` as the modern client `client`, with request id 1; the result's text.
async fn call(url: &str, tool: &str, client: &str) -> String {
    let mut body: Value = serde_json::from_str(&modern(
        1,
        "tools/call",
        json!({ "name": tool, "arguments": {} }),
    ))
    .unwrap();
    body["params"]["_meta"]["io.modelcontextprotocol/clientInfo"]["name"] = json!(client);
    let headers = [("mcp-method", "tools/call"), ("mcp-name", tool)];
    let resp = post_modern(url, body.to_string(), &headers).await;
    assert_eq!(resp.status(), 200);
    result_text(&resp.json().await.unwrap())
}

#[tokio::test]
async fn modern_requests_reuse_idle_engine_sessions() {
    let p = pooled(HttpServerConfig::default()).await;
    let url = p.server.url();
    for i in 0..8 {
        // Each request is served with its own `_meta`, whichever session serves it.
        let client = format!("client-{i}");
        assert_eq!(call(&url, "who", &client).await, format!("{client} false"));
    }
    // One session served them all (two at most: a request's task may still be finishing
    // when the next request comes, and then that session is not taken).
    assert!(p.starts.load(Ordering::SeqCst) <= 2, "{:?}", p.starts);
    assert!(p.mcp.session_count() <= 2);
    p.server.shutdown().await;
}

#[tokio::test]
async fn without_idle_sessions_each_request_has_its_own() {
    let p = pooled(HttpServerConfig::default().with_idle_modern_sessions(0)).await;
    let url = p.server.url();
    for _ in 0..3 {
        assert_eq!(call(&url, "who", "c").await, "c false");
    }
    assert_eq!(p.starts.load(Ordering::SeqCst), 3);
    eventually(|| p.mcp.session_count() == 0).await;
    p.server.shutdown().await;
}

#[tokio::test]
async fn nothing_of_an_earlier_request_reaches_the_next() {
    let p = pooled(HttpServerConfig::default()).await;
    let url = p.server.url();
    // A request that keeps its peer: its session is not reused, and ends.
    assert_eq!(call(&url, "keep", "a").await, "kept");
    let before = p.starts.load(Ordering::SeqCst);
    assert_eq!(call(&url, "who", "b").await, "b false");
    assert_eq!(p.starts.load(Ordering::SeqCst), before + 1, "a new session");
    let kept = p.kept.lock().unwrap().take().expect("kept");
    eventually(|| kept.is_closed()).await;
    drop(kept);
    // A request that leaves a value in its session's extensions: the next one does not
    // see it.
    assert_eq!(call(&url, "leave", "c").await, "left");
    assert_eq!(call(&url, "who", "d").await, "d false");
    assert_eq!(call(&url, "who", "e").await, "e false");
    p.server.shutdown().await;
}

#[tokio::test]
async fn at_most_idle_modern_sessions_wait() {
    let p = pooled(HttpServerConfig::default().with_idle_modern_sessions(1)).await;
    let url = p.server.url();
    // Two requests at once need two sessions; one stays idle, the other ends.
    let (a, b) = tokio::join!(call(&url, "meet", "a"), call(&url, "meet", "b"));
    assert_eq!((a.as_str(), b.as_str()), ("met", "met"));
    assert_eq!(p.starts.load(Ordering::SeqCst), 2);
    eventually(|| p.mcp.session_count() == 1).await;
    assert_eq!(call(&url, "who", "c").await, "c false");
    assert!(p.starts.load(Ordering::SeqCst) <= 3);
    // Closing the service ends the idle one too.
    p.server.shutdown().await;
    eventually(|| p.mcp.session_count() == 0).await;
}

#[tokio::test]
async fn a_dropped_service_ends_its_idle_sessions() {
    let mcp = McpServer::builder(Implementation::new("dropped", "1"))
        .tool(ToolRoute::from_tool(
            Tool::without_arguments("hi"),
            |_args, _cx| async move { Ok::<_, ToolError>(CallToolResult::text("hi")) },
        ))
        .build()
        .unwrap();
    let server = mcp.clone();
    let service = McpService::new(move |t| server.serve(t), HttpServerConfig::default());
    let request = modern_call("hi", None);
    let response = service.handle(request).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        mcp.session_count(),
        1,
        "its session waits for the next request"
    );
    drop(response);
    drop(service);
    eventually(|| mcp.session_count() == 0).await;
}

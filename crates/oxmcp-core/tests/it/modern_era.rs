//! The 2026-07-28 era in the engine: a session under `ModernContext` needs no
//! `initialize`, takes each request's version, capabilities and client info from its
//! `_meta` (`server/discover` included), answers `server/discover`, refuses versions it does not speak with -32022 and
//! requests without `_meta` with -32602, and shapes results for the request's revision.

use std::sync::{Arc, Mutex};

use oxmcp_core::server::tools::{ToolError, ToolRoute};
use oxmcp_core::session::ModernContext;
use oxmcp_core::transport::memory;
use oxmcp_core::{McpServer, serve_server};
use oxmcp_types::{CallToolResult, Implementation, Tool};
use serde_json::{Value, json};

use crate::support::RawPeer;

fn meta(version: &str) -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": version,
        "io.modelcontextprotocol/clientCapabilities": { "elicitation": {} },
        "io.modelcontextprotocol/clientInfo": { "name": "modern-client", "version": "2" }
    })
}

fn server(seen: Arc<Mutex<Vec<String>>>) -> McpServer {
    let whoami = ToolRoute::from_tool(Tool::without_arguments("whoami"), move |_args, cx| {
        let seen = seen.clone();
        async move {
            let session = cx.session();
            let elicits = session.peer_capabilities.elicitation.is_some();
            let line = format!(
                "{} {} {elicits}",
                cx.protocol_version(),
                session.peer_info.name
            );
            seen.lock().unwrap().push(line);
            Ok::<_, ToolError>(CallToolResult::text("ok"))
        }
    });
    McpServer::builder(Implementation::new("modern", "1.0"))
        .instructions("be brief")
        .tool(whoami)
        .build()
        .unwrap()
}

async fn modern_peer(server: &McpServer) -> RawPeer<memory::MemoryTransport> {
    let config = server
        .server_config()
        .with_context_source(Arc::new(ModernContext));
    let (a, b) = memory::duplex(16);
    serve_server(a, config, server.clone());
    RawPeer::new(b)
}

async fn ask(
    raw: &mut RawPeer<memory::MemoryTransport>,
    id: u64,
    method: &str,
    params: Value,
) -> Value {
    raw.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
        .await;
    raw.recv().await
}

#[tokio::test(start_paused = true)]
async fn requests_carry_their_own_state_and_results_their_type() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let server = server(seen.clone());
    let mut raw = modern_peer(&server).await;
    let listed = ask(
        &mut raw,
        1,
        "tools/list",
        json!({ "_meta": meta("2026-07-28") }),
    )
    .await;
    let result = &listed["result"];
    assert_eq!(result["tools"][0]["name"], "whoami", "{listed}");
    assert_eq!(result["resultType"], "complete");
    let called = ask(
        &mut raw,
        2,
        "tools/call",
        json!({ "name": "whoami", "arguments": {}, "_meta": meta("2026-07-28") }),
    )
    .await;
    assert_eq!(called["result"]["resultType"], "complete", "{called}");
    assert_eq!(called["result"]["content"][0]["text"], "ok");
    assert_eq!(
        seen.lock().unwrap().as_slice(),
        ["2026-07-28 modern-client true"]
    );
}

#[tokio::test(start_paused = true)]
async fn discover_lists_both_eras_and_needs_meta_as_any_request() {
    let server = server(Arc::default());
    let mut raw = modern_peer(&server).await;
    let answer = ask(&mut raw, 9, "server/discover", json!({})).await;
    assert_eq!(answer["error"]["code"], -32602, "{answer}");
    let answer = ask(
        &mut raw,
        1,
        "server/discover",
        json!({ "_meta": meta("2026-07-28") }),
    )
    .await;
    let result = &answer["result"];
    assert_eq!(
        result["supportedVersions"],
        json!([
            "2026-07-28",
            "2025-11-25",
            "2025-06-18",
            "2025-03-26",
            "2024-11-05"
        ]),
        "{answer}"
    );
    assert_eq!(result["instructions"], "be brief");
    assert_eq!(
        result["_meta"]["io.modelcontextprotocol/serverInfo"]["name"],
        "modern"
    );
    assert!(result["capabilities"]["tools"].is_object());
    assert_eq!(result["resultType"], "complete");
    // With a version it does not speak: -32022, naming what it does.
    let answer = ask(
        &mut raw,
        2,
        "server/discover",
        json!({ "_meta": meta("2099-01-01") }),
    )
    .await;
    assert_eq!(answer["error"]["code"], -32022, "{answer}");
    assert_eq!(answer["error"]["data"]["supported"], json!(["2026-07-28"]));
}

#[tokio::test(start_paused = true)]
async fn unsupported_versions_and_missing_meta_are_refused() {
    let server = server(Arc::default());
    let mut raw = modern_peer(&server).await;
    for (id, version) in [(1, "2099-01-01"), (2, "2025-11-25")] {
        let answer = ask(
            &mut raw,
            id,
            "tools/list",
            json!({ "_meta": meta(version) }),
        )
        .await;
        assert_eq!(answer["error"]["code"], -32022, "{answer}");
        assert_eq!(answer["error"]["data"]["requested"], version);
    }
    let answer = ask(&mut raw, 3, "tools/list", json!({})).await;
    assert_eq!(answer["error"]["code"], -32602, "{answer}");
    let no_caps = json!({ "_meta": { "io.modelcontextprotocol/protocolVersion": "2026-07-28" } });
    let answer = ask(&mut raw, 4, "tools/list", no_caps).await;
    assert_eq!(answer["error"]["code"], -32602, "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("clientCapabilities"),
        "{answer}"
    );
}

#[tokio::test(start_paused = true)]
async fn log_messages_only_for_requests_that_opted_in() {
    use oxmcp_types::LoggingLevel;
    let logs = ToolRoute::from_tool(Tool::without_arguments("logs"), |_args, cx| async move {
        let sent = cx
            .log(LoggingLevel::Info, None, json!("hello"))
            .await
            .unwrap_or(false);
        Ok::<_, ToolError>(CallToolResult::text(sent.to_string()))
    });
    let server = McpServer::builder(Implementation::new("modern", "1.0"))
        .logging(true)
        .tool(logs)
        .build()
        .unwrap();
    let mut raw = modern_peer(&server).await;
    let call = json!({ "name": "logs", "arguments": {}, "_meta": meta("2026-07-28") });
    let answer = ask(&mut raw, 1, "tools/call", call).await;
    assert_eq!(answer["result"]["content"][0]["text"], "false", "{answer}");
    let mut opted = meta("2026-07-28");
    opted["io.modelcontextprotocol/logLevel"] = json!("info");
    let call = json!({ "name": "logs", "arguments": {}, "_meta": opted });
    raw.send(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": call}))
        .await;
    let note = raw.recv().await;
    assert_eq!(note["method"], "notifications/message", "{note}");
    let answer = raw.recv().await;
    assert_eq!(answer["result"]["content"][0]["text"], "true", "{answer}");
}

#[tokio::test(start_paused = true)]
async fn an_unknown_resource_is_invalid_params_in_2026() {
    let server = McpServer::builder(Implementation::new("modern", "1.0"))
        .resource(oxmcp_core::server::resources::ResourceRoute::text(
            oxmcp_types::Resource::new("test://known", "known"),
            "here",
        ))
        .build()
        .unwrap();
    let mut raw = modern_peer(&server).await;
    let read = json!({ "uri": "test://nowhere", "_meta": meta("2026-07-28") });
    let answer = ask(&mut raw, 1, "resources/read", read).await;
    assert_eq!(answer["error"]["code"], -32602, "{answer}");
}

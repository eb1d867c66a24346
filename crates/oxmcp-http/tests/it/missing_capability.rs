//! A request whose processing needs a client capability it did not declare: in 2026-07-28
//! the engine's refusal, passed on with `?`, answers -32021 (400 over HTTP) naming the
//! capability; a legacy session gets what it always got (a tool execution error).

use oxmcp_core::McpServer;
use oxmcp_core::server::tools::{NoArguments, ToolError, ToolRoute};
use oxmcp_http::{HttpServerConfig, McpService, serve_with};
use oxmcp_types::sampling::CreateMessageRequestParams;
use oxmcp_types::{Implementation, SamplingMessage};
use serde_json::{Value, json};

use crate::modern::{modern, post_modern};
use crate::support::*;

#[tokio::test]
async fn a_missing_client_capability_is_32021_in_modern_requests() {
    let ask = ToolRoute::new("ask", |_: NoArguments, cx| async move {
        let params = CreateMessageRequestParams::new(vec![SamplingMessage::user_text("hi")], 8);
        cx.create_message(params).await?;
        Ok::<_, ToolError>("answered")
    });
    let server = McpServer::builder(Implementation::new("caps", "1"))
        .tool(ask)
        .build()
        .unwrap();
    let service = McpService::new(move |t| server.serve(t), HttpServerConfig::default());
    let server = serve_with("127.0.0.1:0".parse().unwrap(), service, "/mcp")
        .await
        .unwrap();
    let url = server.url();
    let body = modern(1, "tools/call", json!({ "name": "ask", "arguments": {} }));
    let resp = post_modern(&url, body, &[("mcp-name", "ask")]).await;
    assert_eq!(resp.status(), 400);
    let answer: Value = resp.json().await.unwrap();
    assert_eq!(answer["error"]["code"], -32021, "{answer}");
    assert_eq!(
        answer["error"]["data"]["requiredCapabilities"],
        json!({ "sampling": {} })
    );

    let session = initialize(&url, "2025-11-25").await;
    let body = request(2, "tools/call", json!({ "name": "ask", "arguments": {} }));
    let answer: Value = post(&url, Some(&session), &body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(answer["result"]["isError"], true, "{answer}");
    let text = answer["result"]["content"][0]["text"].as_str().unwrap();
    assert!(text.contains("sampling"), "{text}");
    server.shutdown().await;
}

//! `Mcp-Param-*` headers (2026-07-28, SEP-2243): a modern `tools/call` of a tool whose
//! parameter is marked `x-mcp-header` must carry it in the header too (400, -32020
//! otherwise); legacy sessions are not checked.

use oxmcp_core::McpServer;
use oxmcp_core::server::tools::{ToolError, ToolRoute};
use oxmcp_http::{HttpServerConfig, McpService, Server, serve_with};
use oxmcp_types::{CallToolResult, Implementation, JsonObject, Tool};
use serde_json::{Value, json};

use crate::modern::{modern, post_modern};
use crate::support::*;

async fn region_server() -> Server {
    let Value::Object(schema) = json!({
        "type": "object",
        "properties": {
            "region": { "type": "string", "x-mcp-header": "Region" },
            "rows": { "type": "integer", "x-mcp-header": "Rows" }
        }
    }) else {
        panic!("an object literal");
    };
    let tool = Tool::new("query", schema);
    let route = ToolRoute::from_tool(tool, |args: JsonObject, _cx| async move {
        Ok::<_, ToolError>(CallToolResult::text(format!("{}", Value::Object(args))))
    });
    let server = McpServer::builder(Implementation::new("params", "1"))
        .tool(route)
        .build()
        .unwrap();
    let service = McpService::new(move |t| server.serve(t), HttpServerConfig::default());
    serve_with("127.0.0.1:0".parse().unwrap(), service, "/mcp")
        .await
        .unwrap()
}

async fn call(url: &str, arguments: Value, headers: &[(&str, &str)]) -> (u16, Value) {
    let body = modern(
        1,
        "tools/call",
        json!({ "name": "query", "arguments": arguments }),
    );
    let mut all = vec![("mcp-name", "query")];
    all.extend_from_slice(headers);
    let resp = post_modern(url, body, &all).await;
    (resp.status().as_u16(), resp.json().await.unwrap())
}

#[tokio::test]
async fn marked_parameters_must_travel_in_their_headers() {
    let server = region_server().await;
    let url = server.url();
    let args = json!({ "region": "Hello, 世界", "rows": 42 });
    let encoded = "=?base64?SGVsbG8sIOS4lueVjA==?=";
    let (status, ok) = call(
        &url,
        args.clone(),
        &[("mcp-param-region", encoded), ("Mcp-Param-Rows", "42.0")],
    )
    .await;
    assert_eq!(status, 200, "{ok}");
    assert!(ok["result"].is_object(), "{ok}");
    for headers in [
        &[("mcp-param-rows", "42")][..],
        &[("mcp-param-region", "Hello"), ("mcp-param-rows", "42")],
        &[
            ("mcp-param-region", "=?base64?SGVsbG8?="),
            ("mcp-param-rows", "42"),
        ],
        &[("mcp-param-region", encoded), ("mcp-param-rows", "43")],
    ] {
        let (status, refused) = call(&url, args.clone(), headers).await;
        assert_eq!(status, 400, "{headers:?}: {refused}");
        assert_eq!(refused["error"]["code"], -32020, "{refused}");
        assert_eq!(refused["id"], 1);
    }
    // No value, no header: nothing to check; a header without a value is refused.
    assert_eq!(call(&url, json!({}), &[]).await.0, 200);
    let (status, refused) = call(&url, json!({}), &[("mcp-param-region", "x")]).await;
    assert_eq!((status, &refused["error"]["code"]), (400, &json!(-32020)));
    // A legacy session does not mirror parameters.
    let session = initialize(&url, "2025-11-25").await;
    let body = request(
        2,
        "tools/call",
        json!({ "name": "query", "arguments": { "region": "eu" } }),
    );
    let answer: Value = post(&url, Some(&session), &body)
        .await
        .json()
        .await
        .unwrap();
    assert!(answer["result"].is_object(), "{answer}");
    server.shutdown().await;
}

#[test]
fn tools_with_invalid_annotations_are_refused() {
    let Value::Object(schema) = json!({
        "type": "object",
        "properties": { "n": { "type": "number", "x-mcp-header": "N" } }
    }) else {
        panic!("an object literal");
    };
    let route = ToolRoute::from_tool(Tool::new("bad", schema), |_: JsonObject, _cx| async {
        Ok::<_, ToolError>(CallToolResult::text("never"))
    });
    let err = McpServer::builder(Implementation::new("s", "1"))
        .tool(route)
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("x-mcp-header"), "{err}");
}

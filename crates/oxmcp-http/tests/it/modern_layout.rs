//! Modern requests written the usual ways (`name` first and `_meta` last, or `_meta` first
//! and `name` next) whose `_meta` the server read before are served without reading it again (`ModernStateCache::by_text`),
//! and answered exactly as the requests the server reads whole: the same results, the same
//! refusals (headers that disagree, a repeated member, a marked parameter without its
//! header), with the memo on and off.

use oxmcp_core::McpServer;
use oxmcp_core::server::tools::{ToolError, ToolRoute};
use oxmcp_http::{HttpServerConfig, Server};
use oxmcp_types::{CallToolResult, Implementation, JsonObject, Tool};
use serde_json::{Value, json};

use crate::modern::{hello, post_modern, serve_server};

const META: &str = r#"{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"layout-client","version":"1"}}"#;

async fn server(config: HttpServerConfig) -> Server {
    let Value::Object(schema) = json!({
        "type": "object",
        "properties": { "region": { "type": "string", "x-mcp-header": "Region" } }
    }) else {
        panic!("an object literal");
    };
    let query = ToolRoute::from_tool(
        Tool::new("query", schema),
        |args: JsonObject, _cx| async move {
            Ok::<_, ToolError>(CallToolResult::text(Value::Object(args).to_string()))
        },
    );
    let server = McpServer::builder(Implementation::new("layout", "1"))
        .tool(hello())
        .tool(query)
        .build()
        .unwrap();
    serve_server(server, config).await
}

/// A `tools/call` with its params written as `params` (raw JSON text).
fn call(id: u64, params: &str) -> String {
    format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{params}}}"#)
}

async fn answer(url: &str, body: String, headers: &[(&str, &str)]) -> (u16, Value) {
    let resp = post_modern(url, body, headers).await;
    (resp.status().as_u16(), resp.json().await.unwrap())
}

#[tokio::test]
async fn a_meta_read_before_is_answered_as_one_read_whole() {
    for config in [
        HttpServerConfig::default(),
        HttpServerConfig::default().with_modern_states(0, 4096),
        HttpServerConfig::default().with_modern_states(1, 64),
    ] {
        let server = server(config).await;
        let url = server.url();
        let usual = format!(r#"{{"name":"hello","arguments":{{}},"_meta":{META}}}"#);
        // The first read fills the memo; the next ones find it.
        for id in 1..=3 {
            let (status, body) = answer(&url, call(id, &usual), &[("mcp-name", "hello")]).await;
            assert_eq!(status, 200, "{body}");
            assert_eq!(body["id"], id);
            assert_eq!(body["result"]["content"][0]["text"], "hello layout-client");
        }
        // `_meta` first: read whole, the same answer.
        let first = format!(r#"{{"_meta":{META},"name":"hello","arguments":{{}}}}"#);
        let (status, body) = answer(&url, call(4, &first), &[("mcp-name", "hello")]).await;
        assert_eq!(
            (status, &body["result"]["content"][0]["text"]),
            (200, &json!("hello layout-client"))
        );
        // Headers that disagree with the body.
        for headers in [
            &[("mcp-name", "other")][..],
            &[][..],
            &[("mcp-name", "hello"), ("mcp-method", "tools/list")],
        ] {
            let (status, body) = answer(&url, call(5, &usual), headers).await;
            assert_eq!(
                (status, &body["error"]["code"]),
                (400, &json!(-32020)),
                "{headers:?} {body}"
            );
        }
        let resp = post_with_version(&url, call(6, &usual), "2025-11-25").await;
        assert_eq!(resp.0, 400, "{}", resp.1);
        assert_eq!(resp.1["error"]["code"], -32020);
        // A repeated `name` after the one the header matches: the call's params refuse it.
        let repeated =
            format!(r#"{{"name":"hello","arguments":{{}},"name":"query","_meta":{META}}}"#);
        let (status, body) = answer(&url, call(7, &repeated), &[("mcp-name", "hello")]).await;
        assert_eq!(
            (status, &body["error"]["code"]),
            (400, &json!(-32602)),
            "{body}"
        );
        // A marked parameter without its header: refused on this path too.
        let marked = format!(r#"{{"name":"query","arguments":{{"region":"eu"}},"_meta":{META}}}"#);
        for _ in 0..2 {
            let (status, body) = answer(&url, call(8, &marked), &[("mcp-name", "query")]).await;
            assert_eq!(
                (status, &body["error"]["code"]),
                (400, &json!(-32020)),
                "{body}"
            );
        }
        let (status, body) = answer(
            &url,
            call(9, &marked),
            &[("mcp-name", "query"), ("mcp-param-region", "eu")],
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["result"]["content"][0]["text"], r#"{"region":"eu"}"#);
        server.shutdown().await;
    }
}

/// A modern POST whose `MCP-Protocol-Version` header is `version`.
async fn post_with_version(url: &str, body: String, version: &str) -> (u16, Value) {
    let resp = crate::support::http()
        .post(url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("mcp-protocol-version", version)
        .header("mcp-method", "tools/call")
        .header("mcp-name", "hello")
        .body(body)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

//! Modern (2026-07-28) requests beside sessions on one endpoint: no `initialize`, each
//! POST's request carries its state in `_meta`; headers must agree with the body (-32020);
//! a modern header makes a request modern; on a request of a legacy session it is 400.

use oxmcp_core::McpServer;
use oxmcp_core::server::tools::{ToolError, ToolRoute};
use oxmcp_http::{HttpServerConfig, McpService, Server, serve_with};
use oxmcp_types::{CallToolResult, Implementation, Tool};
use serde_json::{Value, json};

use crate::support::*;

/// `hello`: greets the client by the name its request carries.
pub(crate) fn hello() -> ToolRoute {
    ToolRoute::from_tool(Tool::without_arguments("hello"), |_args, cx| async move {
        let who = cx.session().peer_info.name.clone();
        Ok::<_, ToolError>(CallToolResult::text(format!("hello {who}")))
    })
}

/// `server`'s service at `/mcp` of a port of 127.0.0.1.
pub(crate) async fn serve_server(server: McpServer, config: HttpServerConfig) -> Server {
    let service = McpService::new(move |t| server.serve(t), config);
    serve_with("127.0.0.1:0".parse().unwrap(), service, "/mcp")
        .await
        .unwrap()
}

async fn modern_server(config: HttpServerConfig) -> Server {
    let server = McpServer::builder(Implementation::new("both-eras", "1"))
        .tool(hello())
        .build()
        .unwrap();
    serve_server(server, config).await
}

pub(crate) fn modern(id: u64, method: &str, mut params: Value) -> String {
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": { "name": "modern-client", "version": "1" }
    });
    request(id, method, params)
}

/// A modern POST with `headers` (and `Mcp-Method` from the body unless given).
pub(crate) async fn post_modern(
    url: &str,
    body: String,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let method: Value = serde_json::from_str(&body).unwrap();
    let mut req = http()
        .post(url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("mcp-protocol-version", "2026-07-28");
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("mcp-method"))
    {
        req = req.header("mcp-method", method["method"].as_str().unwrap());
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.body(body).send().await.unwrap()
}

#[tokio::test]
async fn modern_requests_and_sessions_share_the_endpoint() {
    for stateless in [false, true] {
        let server = modern_server(HttpServerConfig::default().with_stateless(stateless)).await;
        let url = server.url();
        let body = modern(1, "tools/call", json!({ "name": "hello", "arguments": {} }));
        let resp = post_modern(
            &url,
            body,
            &[("mcp-method", "tools/call"), ("mcp-name", "hello")],
        )
        .await;
        assert_eq!(resp.status(), 200);
        assert!(resp.headers().get("mcp-session-id").is_none());
        let answer: Value = resp.json().await.unwrap();
        assert_eq!(
            answer["result"]["content"][0]["text"],
            "hello modern-client"
        );
        assert_eq!(answer["result"]["resultType"], "complete");
        let resp = post_modern(&url, modern(2, "server/discover", json!({})), &[]).await;
        let answer: Value = resp.json().await.unwrap();
        assert_eq!(
            answer["result"]["supportedVersions"][0], "2026-07-28",
            "{answer}"
        );
        if !stateless {
            // A legacy session on the same endpoint, as before.
            let session = initialize(&url, "2025-11-25").await;
            let resp = post(&url, Some(&session), &request(3, "tools/list", json!({}))).await;
            let answer: Value = resp.json().await.unwrap();
            assert_eq!(answer["result"]["tools"][0]["name"], "hello");
            assert!(answer["result"].get("resultType").is_none(), "{answer}");
        }
        server.shutdown().await;
    }
}

#[tokio::test]
async fn headers_must_agree_with_the_body() {
    let server = modern_server(HttpServerConfig::default()).await;
    let url = server.url();
    let call = || modern(1, "tools/call", json!({ "name": "hello", "arguments": {} }));
    for headers in [
        &[("mcp-method", "tools/list")][..],
        &[("mcp-method", "tools/call"), ("mcp-name", "other")],
    ] {
        let resp = post_modern(&url, call(), headers).await;
        assert_eq!(resp.status(), 400);
        let answer: Value = resp.json().await.unwrap();
        assert_eq!(answer["error"]["code"], -32020, "{answer}");
        assert_eq!(answer["id"], 1);
    }
    // A version header other than the body's.
    let resp = http()
        .post(&url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("mcp-protocol-version", "2025-11-25")
        .body(call())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let answer: Value = resp.json().await.unwrap();
    assert_eq!(answer["error"]["code"], -32020, "{answer}");
    // An unsupported version in `_meta`: -32022 with what the server speaks.
    let old = request(
        2,
        "tools/list",
        json!({ "_meta": {
            "io.modelcontextprotocol/protocolVersion": "2099-01-01",
            "io.modelcontextprotocol/clientCapabilities": {} } }),
    );
    let resp = http()
        .post(&url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("mcp-protocol-version", "2099-01-01")
        .header("mcp-method", "tools/list")
        .body(old)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let answer: Value = resp.json().await.unwrap();
    assert_eq!(answer["error"]["code"], -32022, "{answer}");
    assert_eq!(answer["error"]["data"]["supported"], json!(["2026-07-28"]));
    server.shutdown().await;
}

#[tokio::test]
async fn required_headers_meta_and_removed_methods() {
    let server = modern_server(HttpServerConfig::default()).await;
    let url = server.url();
    let expect = async |resp: reqwest::Response, status: u16, code: i64| {
        assert_eq!(resp.status(), status);
        let answer: Value = resp.json().await.unwrap();
        assert_eq!(answer["error"]["code"], code, "{answer}");
        assert_eq!(answer["id"], 1, "every error names its request");
    };
    // Mcp-Method, and Mcp-Name where the method has one, are required.
    let list = modern(1, "tools/list", json!({}));
    let resp = http()
        .post(&url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("mcp-protocol-version", "2026-07-28")
        .body(list)
        .send()
        .await
        .unwrap();
    expect(resp, 400, -32020).await;
    let call = modern(1, "tools/call", json!({ "name": "hello", "arguments": {} }));
    expect(post_modern(&url, call, &[]).await, 400, -32020).await;
    // A modern header and no `_meta`: -32602 with the request's id.
    let bare = request(1, "tools/list", json!({}));
    expect(post_modern(&url, bare, &[]).await, 400, -32602).await;
    // Methods 2026-07-28 removed, and unknown ones: 404 with -32601.
    for method in ["ping", "logging/setLevel", "resources/subscribe", "no/such"] {
        let body = modern(1, method, json!({}));
        expect(post_modern(&url, body, &[]).await, 404, -32601).await;
    }
    server.shutdown().await;
}

#[tokio::test]
async fn a_modern_header_makes_a_request_modern() {
    let server = modern_server(HttpServerConfig::default()).await;
    let url = server.url();
    // `initialize` is not part of 2026-07-28: as a modern request it is 404 with -32601.
    let resp = post_modern(&url, init_body("2025-11-25"), &[]).await;
    assert_eq!(resp.status(), 404);
    let answer: Value = resp.json().await.unwrap();
    assert_eq!(answer["error"]["code"], -32601, "{answer}");
    // Without the header, the same initialize opens a session; a request of that
    // session with a modern header is refused (400).
    let session = initialize(&url, "2025-11-25").await;
    let resp = http()
        .post(&url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("mcp-session-id", &session)
        .header("mcp-protocol-version", "2026-07-28")
        .body(request(2, "tools/list", json!({})))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    server.shutdown().await;
}

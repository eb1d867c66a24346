//! 200 clients at once, each counting its request ids from 0, call tools that echo a
//! per-client nonce: every answer and every notification reaches only the session that made
//! the request, in stateful and in stateless mode.

use std::time::Duration;

use oxmcp_core::server::McpServer;
use oxmcp_core::server::tools::{ToolError, ToolRoute};
use oxmcp_http::{HttpClientConfig, HttpServerConfig, McpService, serve_with};
use oxmcp_types::{CallToolResult, Implementation, JsonObject, Tool};
use serde_json::{Value, json};

use crate::client_e2e::{call, connect_to};
use crate::support::eventually;

const CLIENTS: usize = 200;
const CALLS: usize = 4;

fn nonce_schema() -> JsonObject {
    serde_json::from_value(json!({
        "type": "object",
        "properties": { "nonce": { "type": "string" } },
        "required": ["nonce"]
    }))
    .unwrap()
}

fn nonce_of(args: &JsonObject) -> String {
    args.get("nonce")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// `echo` answers the nonce; `notify` first sends it in a notification related to the
/// request and in one unrelated to any request (the session's GET stream), then answers it.
fn nonce_server() -> McpServer {
    let echo = ToolRoute::from_tool(Tool::new("echo", nonce_schema()), |args, _cx| async move {
        Ok::<_, ToolError>(CallToolResult::text(nonce_of(&args)))
    });
    let notify = ToolRoute::from_tool(Tool::new("notify", nonce_schema()), |args, cx| async move {
        let nonce = nonce_of(&args);
        let raw =
            |kind: &str| serde_json::value::to_raw_value(&json!({ "nonce": nonce, "kind": kind }));
        let related = raw("related").map_err(ToolError::execution)?;
        let unrelated = raw("unrelated").map_err(ToolError::execution)?;
        cx.peer()
            .notify_raw("notifications/nonce", Some(related))
            .await
            .map_err(ToolError::execution)?;
        cx.peer()
            .unrelated()
            .notify_raw("notifications/nonce", Some(unrelated))
            .await
            .map_err(ToolError::execution)?;
        Ok(CallToolResult::text(nonce))
    });
    McpServer::builder(Implementation::new("isolation", "1.0"))
        .tool(echo)
        .tool(notify)
        .build()
        .unwrap()
}

fn text_of(result: &Value) -> &str {
    result["content"][0]["text"].as_str().unwrap_or_default()
}

async fn isolation(config: HttpServerConfig) {
    let stateless = config.stateless;
    let server = nonce_server();
    let service = McpService::new(move |t| server.serve(t), config);
    let http = serve_with("127.0.0.1:0".parse().unwrap(), service, "/mcp")
        .await
        .unwrap();
    let url = http.url();
    let clients = (0..CLIENTS).map(|c| {
        let url = url.clone();
        async move {
            let (client, handler, _) = connect_to(&url, HttpClientConfig::default()).await;
            for call_no in 0..CALLS {
                let nonce = format!("client-{c}-call-{call_no}");
                let tool = if call_no % 2 == 0 { "echo" } else { "notify" };
                let params = json!({ "name": tool, "arguments": { "nonce": nonce } });
                let answer = call(&client, "tools/call", params).await.unwrap();
                assert_eq!(
                    text_of(&answer),
                    nonce,
                    "an answer reached the wrong client"
                );
            }
            // Related notifications came before their answers; unrelated ones (stateful
            // mode only: a stateless server has no GET stream) come on the GET stream.
            let expected = if stateless { CALLS / 2 } else { CALLS };
            let notes = handler.notifications.clone();
            eventually(|| notes.lock().unwrap().len() >= expected).await;
            tokio::time::sleep(Duration::from_millis(50)).await;
            let notes = handler.notifications.lock().unwrap().clone();
            assert_eq!(notes.len(), expected, "{notes:?}");
            let prefix = format!("client-{c}-");
            for (method, params) in &notes {
                assert_eq!(method, "notifications/nonce");
                let nonce = params["nonce"].as_str().unwrap_or_default();
                assert!(
                    nonce.starts_with(&prefix),
                    "client {c} got another session's notification: {params}"
                );
            }
            let related = notes.iter().filter(|(_, p)| p["kind"] == "related").count();
            assert_eq!(related, CALLS / 2);
            client.close().await;
        }
    });
    futures_util::future::join_all(clients).await;
    http.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_clients_with_identical_request_ids_get_only_their_own_messages() {
    isolation(HttpServerConfig::default()).await;
    isolation(HttpServerConfig::default().with_stateless(true)).await;
}

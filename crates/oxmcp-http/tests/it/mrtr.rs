//! Multi round-trip requests (2026-07-28) over Streamable HTTP: the first round of a
//! `tools/call` answered by one server process, the retry by another sharing its
//! `requestState` keys; a state it cannot verify is 400 with -32602.

use oxmcp_core::McpServer;
use oxmcp_core::server::client_requests::ElicitOutcome;
use oxmcp_core::server::mrtr::{RequestStateKey, RequestStateKeys, RoundTripConfig};
use oxmcp_core::server::tools::{NoArguments, ToolError, ToolRoute};
use oxmcp_http::{HttpServerConfig, McpService, Server, serve_with};
use oxmcp_types::Implementation;
use serde_json::{Value, json};

use crate::support::*;

/// The answer of a form.
#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Name {
    name: String,
}

async fn instance(keys: RequestStateKeys, stateless: bool) -> Server {
    let greet = ToolRoute::new("greet", |_: NoArguments, cx| async move {
        match cx.elicit::<Name>("What is your name?").await? {
            ElicitOutcome::Accepted(n) => Ok::<_, ToolError>(format!("Hello, {}!", n.name)),
            _ => Ok("Hello!".to_owned()),
        }
    });
    let server = McpServer::builder(Implementation::new("instance", "1"))
        .tool(greet)
        .round_trips(RoundTripConfig::default().with_keys(keys))
        .build()
        .unwrap();
    let config = HttpServerConfig::default().with_stateless(stateless);
    let service = McpService::new(move |t| server.serve(t), config);
    serve_with("127.0.0.1:0".parse().unwrap(), service, "/mcp")
        .await
        .unwrap()
}

/// A modern `tools/call` of `greet` with `extra` params; the status and the answer.
async fn greet(url: &str, id: u64, extra: Value) -> (u16, Value) {
    let mut params = json!({
        "name": "greet",
        "arguments": {},
        "_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": { "elicitation": {} }
        }
    });
    params
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let resp = http()
        .post(url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "tools/call")
        .header("mcp-name", "greet")
        .body(request(id, "tools/call", params))
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

#[tokio::test]
async fn a_retry_is_answered_by_another_instance_sharing_the_keys() {
    let key = || RequestStateKey::new("shared", [5u8; 32]).unwrap();
    let a = instance(RequestStateKeys::new(key()), false).await;
    let b = instance(RequestStateKeys::new(key()), true).await;
    let stranger = instance(RequestStateKeys::random(), true).await;
    let (status, first) = greet(&a.url(), 1, json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(first["result"]["resultType"], "input_required", "{first}");
    let question = &first["result"]["inputRequests"]["elicitation-1"];
    assert_eq!(question["method"], "elicitation/create", "{first}");
    assert_eq!(question["params"]["message"], "What is your name?");
    let state = first["result"]["requestState"].as_str().unwrap().to_owned();
    let retry = json!({
        "inputResponses": { "elicitation-1": { "action": "accept", "content": { "name": "Ada" } } },
        "requestState": state,
    });
    let (status, done) = greet(&b.url(), 2, retry.clone()).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(
        done["result"]["content"][0]["text"], "Hello, Ada!",
        "{done}"
    );
    assert_eq!(done["result"]["resultType"], "complete");
    let (status, refused) = greet(&stranger.url(), 3, retry).await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["error"]["code"], -32602);
    assert_eq!(refused["error"]["data"]["requestState"], "unknown_key");
}

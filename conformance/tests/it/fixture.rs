//! The fixture server through the oxmcp HTTP client and raw HTTP: what the suite's scenarios
//! rely on, checked here at the 2025-11-25 wire without the suite.

use std::time::Duration;

use oxmcp_core::client::ClientHandler;
use oxmcp_core::{ClientConfig, McpClient};
use oxmcp_http::HttpClientTransport;
use oxmcp_types::{CallToolRequestParams, Implementation};
use serde_json::{Value, json};

use crate::support::*;

async fn client(url: &str) -> McpClient {
    let transport = HttpClientTransport::new(url).unwrap();
    let config = ClientConfig::new(Implementation::new("fixture-test", "1.0"));
    McpClient::connect(transport, config, ClientHandler::new())
        .await
        .unwrap()
}

#[tokio::test]
async fn the_fixture_offers_what_the_server_scenarios_call() {
    let server = fixture().await;
    let client = client(&server.url()).await;
    let tools = client.peer().list_tools().collect_all().await.unwrap();
    let mut names: Vec<_> = tools.iter().map(|t| t.name.clone()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            // The tasks extension's scenarios (2026-07-28, --force).
            "confirm_delete",
            "failing_job",
            "greet",
            "json_schema_2020_12_tool",
            "multi_input",
            "protocol_error_job",
            "slow_compute",
            "test_audio_content",
            "test_elicitation",
            "test_elicitation_sep1034_defaults",
            "test_elicitation_sep1330_enums",
            "test_embedded_resource",
            "test_error_handling",
            "test_header_param",
            "test_image_content",
            "test_input_required_result_capabilities",
            "test_input_required_result_elicitation",
            "test_input_required_result_list_roots",
            "test_input_required_result_multi_round",
            "test_input_required_result_multiple_inputs",
            "test_input_required_result_request_state",
            "test_input_required_result_sampling",
            "test_input_required_result_tampered_state",
            "test_logging_tool",
            "test_missing_capability",
            "test_multiple_content_types",
            "test_reconnection",
            "test_sampling",
            "test_simple_text",
            "test_streaming_elicitation",
            "test_tool_with_logging",
            "test_tool_with_progress",
            "test_tool_with_task",
            "test_trigger_prompt_change",
            "test_trigger_tool_change",
        ]
    );
    let schema = &tools
        .iter()
        .find(|t| t.name == "json_schema_2020_12_tool")
        .unwrap()
        .input_schema;
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(schema["additionalProperties"], false);
    assert!(schema["$defs"]["address"].is_object());
    let resources = client.peer().list_resources().collect_all().await.unwrap();
    assert_eq!(resources.len(), 3);
    let prompts = client.peer().list_prompts().collect_all().await.unwrap();
    assert_eq!(prompts.len(), 5);
    client.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn the_oxmcp_client_resumes_test_reconnection() {
    let server = fixture().await;
    let client = client(&server.url()).await;
    let result = client
        .peer()
        .call_tool(CallToolRequestParams::new("test_reconnection"))
        .await
        .unwrap();
    let text = result.content[0].as_text().unwrap().to_owned();
    assert!(
        text.starts_with("Reconnection test completed successfully"),
        "{text}"
    );
    client.close().await;
    server.shutdown().await;
}

fn post(url: &str, session: Option<&str>, body: &Value) -> reqwest::RequestBuilder {
    let mut request = reqwest::Client::new()
        .post(url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(session) = session {
        request = request
            .header("mcp-session-id", session)
            .header("mcp-protocol-version", "2025-11-25");
    }
    request
}

/// `test_reconnection` at the 2025-11-25 wire (SEP-1699): the POST is answered with SSE whose
/// first event is a priming event (an id, empty data), then a `retry` hint, then the
/// connection ends before the result; GET with `Last-Event-ID` delivers the result.
#[tokio::test]
async fn test_reconnection_primes_closes_with_retry_and_resumes() {
    let server = fixture().await;
    let url = server.url();
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "raw", "version": "0"}}});
    let response = post(&url, None, &init).send().await.unwrap();
    let session = response.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    let response = post(&url, Some(&session), &initialized)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);

    let call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                      "params": {"name": "test_reconnection", "arguments": {}}});
    let response = post(&url, Some(&session), &call).send().await.unwrap();
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let body = tokio::time::timeout(Duration::from_secs(5), response.text())
        .await
        .expect("the server ends the POST stream early")
        .unwrap();
    let blocks: Vec<&str> = body.split("\n\n").filter(|b| !b.is_empty()).collect();
    assert_eq!(blocks.len(), 2, "{body:?}");
    let priming = blocks[0];
    let id = priming
        .lines()
        .find_map(|l| l.strip_prefix("id: "))
        .expect("the priming event has an id")
        .to_owned();
    assert!(priming.lines().any(|l| l == "data:"), "{priming:?}");
    assert_eq!(blocks[1], "retry: 100");

    let resumed = reqwest::Client::new()
        .get(&url)
        .header("accept", "text/event-stream")
        .header("mcp-session-id", &session)
        .header("mcp-protocol-version", "2025-11-25")
        .header("last-event-id", &id)
        .send()
        .await
        .unwrap();
    assert_eq!(resumed.status(), 200);
    let rest = tokio::time::timeout(Duration::from_secs(5), resumed.text())
        .await
        .expect("the resumed stream ends after the result")
        .unwrap();
    let data: Vec<Value> = rest
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .map(|d| serde_json::from_str(d).unwrap())
        .collect();
    assert_eq!(data.len(), 1, "{rest:?}");
    assert_eq!(data[0]["id"], 1);
    let text = data[0]["result"]["content"][0]["text"].as_str().unwrap();
    assert!(
        text.starts_with("Reconnection test completed successfully"),
        "{text}"
    );
    server.shutdown().await;
}

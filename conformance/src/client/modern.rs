//! The client scenarios of 2026-07-28 (the suite's pre-release, run with
//! `MCP_CONFORMANCE_PROTOCOL_VERSION=2026-07-28`): the client speaks the modern era, and
//! each scenario makes the requests whose shape the mock server checks.

use oxmcp_core::McpClient;
use oxmcp_core::client::{ClientHandler, FormElicitation};
use oxmcp_types::elicitation::ElicitValue;
use oxmcp_types::{ElicitResult, ErrorData, GetPromptRequestParams, JsonObject};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ScenarioError, call, list_tools};

/// The version the suite asks a client to speak.
pub const PROTOCOL_VERSION_VAR: &str = "MCP_CONFORMANCE_PROTOCOL_VERSION";

/// Whether the suite asks for the 2026-07-28 revision.
pub fn asked() -> bool {
    std::env::var(PROTOCOL_VERSION_VAR).is_ok_and(|v| v == "2026-07-28")
}

/// A host that accepts every form: each field's default, `true` for a boolean without one.
pub(crate) fn accepting(handler: ClientHandler) -> ClientHandler {
    handler.with_form_elicitation(|form: FormElicitation| async move {
        let mut answer = super::elicitation::defaults(&form.params.requested_schema);
        for (name, field) in &form.params.requested_schema.properties {
            let field = serde_json::to_value(field).unwrap_or_default();
            if field["type"] == "boolean" {
                answer
                    .entry(name.clone())
                    .or_insert(ElicitValue::Boolean(true));
            }
        }
        Ok::<_, ErrorData>(ElicitResult::accept(answer))
    })
}

/// `request-metadata`: requests whose `_meta` and headers the server checks (it refuses the
/// first with -32022, which the client retries): `server/discover` at connection, again as
/// `ping`, and `tools/list` if the server has tools.
pub(crate) async fn request_metadata(client: &McpClient) -> Result<(), ScenarioError> {
    client.peer().ping().await?;
    let has_tools = client
        .peer()
        .session()
        .is_some_and(|s| s.peer_capabilities.tools.is_some());
    if has_tools {
        list_tools(client).await?;
    }
    Ok(())
}

/// `sep-2322-client-request-state`: the four tools of the multi round-trip request mock, in
/// order (two ask for input, one runs between, one answers without `resultType`).
pub(crate) async fn request_state(client: &McpClient) -> Result<(), ScenarioError> {
    list_tools(client).await?;
    for tool in [
        "test_mrtr_echo_state",
        "test_mrtr_unrelated",
        "test_mrtr_no_state",
        "test_mrtr_no_result_type",
    ] {
        call(client, tool, JsonObject::new()).await?;
    }
    Ok(())
}

/// `http-standard-headers`: one request of each kind that has `Mcp-Method` and `Mcp-Name`.
pub(crate) async fn standard_headers(client: &McpClient) -> Result<(), ScenarioError> {
    for tool in list_tools(client).await? {
        call(client, &tool, JsonObject::new()).await?;
    }
    let resources = client.peer().list_resources().collect_all().await?;
    for resource in resources {
        client.peer().read_resource(resource.uri).await?;
    }
    let prompts = client.peer().list_prompts().collect_all().await?;
    for prompt in prompts {
        client
            .peer()
            .get_prompt(GetPromptRequestParams::new(prompt.name))
            .await?;
    }
    Ok(())
}

/// The calls a scenario's context asks for.
#[derive(Deserialize)]
struct Calls {
    #[serde(rename = "toolCalls", default)]
    tool_calls: Vec<ToolCall>,
}

#[derive(Deserialize)]
struct ToolCall {
    name: String,
    #[serde(default)]
    arguments: JsonObject,
}

/// `http-custom-headers`: the calls of the context, after `tools/list` (which tells the
/// transport which arguments go into `Mcp-Param-*` headers).
pub(crate) async fn custom_headers(client: &McpClient) -> Result<(), ScenarioError> {
    let context = std::env::var("MCP_CONFORMANCE_CONTEXT")
        .map_err(|_| ScenarioError::Context("MCP_CONFORMANCE_CONTEXT is not set".into()))?;
    let calls: Calls = serde_json::from_str(&context)
        .map_err(|e| ScenarioError::Context(format!("MCP_CONFORMANCE_CONTEXT: {e}")))?;
    list_tools(client).await?;
    for tool_call in calls.tool_calls {
        call(client, &tool_call.name, tool_call.arguments).await?;
    }
    Ok(())
}

/// `http-invalid-tool-headers`: call every tool the client keeps (those with invalid
/// `x-mcp-header` annotations are left out of its list), with a string for each required
/// argument.
pub(crate) async fn invalid_tool_headers(client: &McpClient) -> Result<(), ScenarioError> {
    let tools = client.peer().list_tools().collect_all().await?;
    for tool in tools {
        let required = tool.input_schema.get("required").and_then(Value::as_array);
        let arguments: JsonObject = required
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(|name| (name.to_owned(), json!("us-west1")))
            .collect();
        call(client, &tool.name, arguments).await?;
    }
    Ok(())
}

/// `json-schema-2020-12-preservation`: hands the focal tool's `inputSchema` back to the
/// echo tool as it was received.
pub(crate) async fn schema_preservation(client: &McpClient) -> Result<(), ScenarioError> {
    let tools = client.peer().list_tools().collect_all().await?;
    let focal = tools
        .iter()
        .find(|t| t.name == "json_schema_2020_12_tool")
        .ok_or_else(|| ScenarioError::Unexpected("no json_schema_2020_12_tool".into()))?;
    let mut arguments = JsonObject::new();
    arguments.insert(
        "schema".to_owned(),
        Value::Object(focal.input_schema.clone()),
    );
    call(client, "json_schema_echo", arguments).await.map(drop)
}

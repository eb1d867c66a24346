//! `ask_model`: sampling with tools. The server offers the client's model a `get_weather`
//! tool; when the model asks for it, the server runs it, sends the result back in a second
//! `sampling/createMessage`, and returns the model's final answer.

use oxmcp::RequestContext;
use oxmcp::ToolError;
use oxmcp::role::Server;
use oxmcp::types::sampling::{SamplingContent, ToolChoice, ToolChoiceMode};
use oxmcp::types::{
    ContentBlock, CreateMessageRequestParams, JsonObject, ProtocolVersion, Role, SamplingMessage,
    SamplingMessageContentBlock, Tool, ToolResultContent, ToolUseContent,
};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

/// Arguments of `ask_model`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct AskArgs {
    /// The question for the model.
    pub question: String,
}

const SYSTEM_PROMPT: &str = "You are a helpful assistant. Use tools when they help.";

/// The tool offered to the model.
pub fn weather_tool() -> Tool {
    let schema = json!({
        "type": "object",
        "properties": { "city": { "type": "string", "description": "The city." } },
        "required": ["city"]
    });
    let schema: JsonObject = serde_json::from_value(schema)
        .unwrap_or_else(|e| unreachable!("a static object schema: {e}"));
    Tool::new("get_weather", schema).with_description("The current weather in a city.")
}

/// What `get_weather` says (deterministic, for the examples).
pub fn weather_in(city: &str) -> String {
    format!("sunny, 21 °C in {city}")
}

fn text_of(content: &SamplingContent) -> String {
    content
        .blocks()
        .iter()
        .filter_map(|b| match b {
            SamplingMessageContentBlock::Text(t) => Some(t.text.as_str()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn failed(e: impl std::fmt::Display) -> ToolError {
    ToolError::execution(format_args!("sampling failed: {e}"))
}

/// The `ask_model` tool.
pub async fn ask_model(args: AskArgs, cx: RequestContext<Server>) -> Result<String, ToolError> {
    let with_tools = cx.protocol_version() >= ProtocolVersion::V2025_11_25
        && cx
            .peer_capabilities()
            .sampling
            .as_ref()
            .is_some_and(|s| s.tools.is_some());
    let mut messages = vec![SamplingMessage::user_text(args.question)];
    let mut params =
        CreateMessageRequestParams::new(messages.clone(), 200).with_system_prompt(SYSTEM_PROMPT);
    if with_tools {
        params = params.with_tools(
            vec![weather_tool()],
            Some(ToolChoice::new(ToolChoiceMode::Auto)),
        );
    }
    let first = cx.create_message(params).await.map_err(failed)?;
    let uses: Vec<ToolUseContent> = first
        .content
        .blocks()
        .iter()
        .filter_map(|b| match b {
            SamplingMessageContentBlock::ToolUse(u) => Some(u.clone()),
            _ => None,
        })
        .collect();
    if uses.is_empty() {
        let mode = if with_tools {
            "with tools"
        } else {
            "without tools"
        };
        return Ok(format!(
            "model {} answered ({mode}, no tool call): {}",
            first.model,
            text_of(&first.content)
        ));
    }
    // Run the tools the model asked for and give it the results.
    let results: Vec<SamplingMessageContentBlock> = uses
        .iter()
        .map(|u| {
            let city = u
                .input
                .get("city")
                .and_then(|c| c.as_str())
                .unwrap_or("nowhere");
            let answer = if u.name == "get_weather" {
                ToolResultContent::new(u.id.clone(), vec![ContentBlock::text(weather_in(city))])
            } else {
                let mut r = ToolResultContent::new(
                    u.id.clone(),
                    vec![ContentBlock::text(format!("unknown tool {}", u.name))],
                );
                r.is_error = Some(true);
                r
            };
            SamplingMessageContentBlock::ToolResult(answer)
        })
        .collect();
    messages.push(SamplingMessage::new(Role::Assistant, first.content.clone()));
    messages.push(SamplingMessage::new(
        Role::User,
        SamplingContent::Multiple(results),
    ));
    let params = CreateMessageRequestParams::new(messages, 200)
        .with_system_prompt(SYSTEM_PROMPT)
        .with_tools(
            vec![weather_tool()],
            Some(ToolChoice::new(ToolChoiceMode::None)),
        );
    let last = cx.create_message(params).await.map_err(failed)?;
    let calls: Vec<String> = uses
        .iter()
        .map(|u| format!("{}({})", u.name, serde_json::Value::Object(u.input.clone())))
        .collect();
    Ok(format!(
        "model {} answered (with tools, tool calls: {}): {}",
        last.model,
        calls.join(", "),
        text_of(&last.content)
    ))
}

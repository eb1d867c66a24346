//! The tools the server scenarios call (`tools-*`, `elicitation-*`, `json-schema-2020-12`,
//! `server-sse-polling`).

use std::time::Duration;

use oxmcp_core::RequestContext;
use oxmcp_core::role::Server;
use oxmcp_core::server::tools::{NoArguments, ToolError, ToolRoute};
use oxmcp_types::content::{
    AudioContent, EmbeddedResource, ImageContent, SamplingMessageContentBlock, TextResourceContents,
};
use oxmcp_types::sampling::CreateMessageRequestParams;
use oxmcp_types::{CallToolResult, ContentBlock, JsonObject, LoggingLevel, SamplingMessage, Tool};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use super::StreamRegistry;
use super::elicitation;

/// A 1x1 PNG, base64.
pub(crate) const PNG_BASE64: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";

/// A WAV header with two bytes of samples, base64.
const WAV_BASE64: &str = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

/// How long `test_tool_with_logging` and `test_tool_with_progress` wait between messages.
const STEP: Duration = Duration::from_millis(50);

/// Arguments of `test_sampling`.
#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct SamplingArgs {
    /// The prompt to send to the LLM.
    pub(crate) prompt: String,
}

/// Arguments of `test_elicitation`.
#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct ElicitationArgs {
    /// The message to show the user.
    pub(crate) message: String,
}

fn image() -> ContentBlock {
    ContentBlock::Image(ImageContent::new(PNG_BASE64, "image/png"))
}

fn embedded_text(uri: &str, mime_type: &str, text: &str) -> ContentBlock {
    let contents = TextResourceContents::new(uri, text).with_mime_type(mime_type);
    ContentBlock::Resource(EmbeddedResource::new(contents))
}

/// Every tool of the fixture.
pub(crate) fn routes(streams: StreamRegistry) -> Vec<ToolRoute> {
    vec![
        ToolRoute::new("test_simple_text", |_: NoArguments, _cx| async {
            "This is a simple text response for testing."
        })
        .with_description("Returns a simple text block."),
        ToolRoute::new("test_image_content", |_: NoArguments, _cx| async {
            image()
        })
        .with_description("Returns a PNG image block."),
        ToolRoute::new("test_audio_content", |_: NoArguments, _cx| async {
            ContentBlock::Audio(AudioContent::new(WAV_BASE64, "audio/wav"))
        })
        .with_description("Returns a WAV audio block."),
        ToolRoute::new("test_embedded_resource", |_: NoArguments, _cx| async {
            embedded_text(
                "test://embedded-resource",
                "text/plain",
                "This is an embedded resource content.",
            )
        })
        .with_description("Returns an embedded text resource."),
        ToolRoute::new("test_multiple_content_types", |_: NoArguments, _cx| async {
            vec![
                ContentBlock::text("Multiple content types test:"),
                image(),
                embedded_text(
                    "test://mixed-content-resource",
                    "application/json",
                    r#"{"test":"data","value":123}"#,
                ),
            ]
        })
        .with_description("Returns text, an image and an embedded resource."),
        ToolRoute::new("test_tool_with_logging", with_logging)
            .with_description("Sends three info log messages, 50 ms apart, while it runs."),
        ToolRoute::new("test_logging_tool", with_logging).with_description(
            "Sends three info log messages, 50 ms apart (a 2026-07-28 request gets them only \
             when its _meta sets a log level).",
        ),
        ToolRoute::new("test_missing_capability", needs_sampling).with_description(
            "Needs the client's sampling capability: a 2026-07-28 request that did not \
             declare it gets -32021 (MissingRequiredClientCapability).",
        ),
        ToolRoute::new("test_tool_with_progress", with_progress)
            .with_description("Reports progress 0, 50 and 100 of 100, 50 ms apart."),
        ToolRoute::new("test_error_handling", |_: NoArguments, _cx| async {
            Err::<String, _>(ToolError::execution(
                "This tool intentionally returns an error for testing",
            ))
        })
        .with_description("Always fails with a tool execution error (isError: true)."),
        ToolRoute::new("test_sampling", sampling).with_description(
            "Asks the client's LLM (sampling/createMessage) and returns its answer.",
        ),
        ToolRoute::new("test_elicitation", elicit_user)
            .with_description("Asks the user for a username and an email (form elicitation)."),
        ToolRoute::new(
            "test_elicitation_sep1034_defaults",
            |_: NoArguments, cx: RequestContext<Server>| async move {
                elicitation::ask(&cx, elicitation::defaults_form()).await
            },
        )
        .with_description("Elicits a form whose fields all have defaults (SEP-1034)."),
        ToolRoute::new(
            "test_elicitation_sep1330_enums",
            |_: NoArguments, cx: RequestContext<Server>| async move {
                elicitation::ask(&cx, elicitation::enums_form()).await
            },
        )
        .with_description("Elicits a form with the five enum forms of SEP-1330."),
        json_schema_2020_12_tool(),
        reconnection(streams),
    ]
}

/// `test_missing_capability`: asks the client's LLM for one short answer. The engine
/// refuses the sampling request when the client did not declare `sampling`; passed on with
/// `?`, the refusal answers a 2026-07-28 request with -32021 naming the capability.
async fn needs_sampling(_: NoArguments, cx: RequestContext<Server>) -> Result<String, ToolError> {
    let params = CreateMessageRequestParams::new(vec![SamplingMessage::user_text("Say hi")], 16);
    cx.create_message(params).await?;
    Ok("the client answered a sampling request".to_owned())
}

async fn with_logging(_: NoArguments, cx: RequestContext<Server>) -> Result<String, ToolError> {
    let steps = [
        "Tool execution started",
        "Tool processing data",
        "Tool execution completed",
    ];
    for (i, step) in steps.into_iter().enumerate() {
        if i > 0 {
            tokio::time::sleep(STEP).await;
        }
        cx.log(LoggingLevel::Info, Some("conformance"), json!(step))
            .await
            .map_err(|e| ToolError::execution(format_args!("logging failed: {e}")))?;
    }
    Ok("Tool with logging executed successfully".to_owned())
}

async fn with_progress(_: NoArguments, cx: RequestContext<Server>) -> Result<String, ToolError> {
    for (i, progress) in [0.0, 50.0, 100.0].into_iter().enumerate() {
        if i > 0 {
            tokio::time::sleep(STEP).await;
        }
        let message = format!("Completed step {progress} of 100");
        cx.progress(progress, Some(100.0), Some(message))
            .await
            .map_err(|e| ToolError::execution(format_args!("progress failed: {e}")))?;
    }
    let token = cx
        .progress_token()
        .map_or_else(|| "no progress token".to_owned(), |t| t.to_string());
    Ok(token)
}

async fn sampling(args: SamplingArgs, cx: RequestContext<Server>) -> Result<String, ToolError> {
    let params =
        CreateMessageRequestParams::new(vec![SamplingMessage::user_text(args.prompt)], 100);
    let result = cx
        .create_message(params)
        .await
        .map_err(|e| ToolError::execution(format_args!("sampling failed: {e}")))?;
    let text = result
        .content
        .blocks()
        .iter()
        .find_map(|block| match block {
            SamplingMessageContentBlock::Text(t) => Some(t.text.clone()),
            _ => None,
        });
    Ok(format!(
        "LLM response: {}",
        text.as_deref().unwrap_or("(no text in the answer)")
    ))
}

async fn elicit_user(
    args: ElicitationArgs,
    cx: RequestContext<Server>,
) -> Result<String, ToolError> {
    let form = elicitation::user_form(args.message).map_err(ToolError::execution)?;
    let result = cx
        .peer()
        .elicit_form(form)
        .await
        .map_err(|e| ToolError::execution(format_args!("elicitation failed: {e}")))?;
    Ok(elicitation::describe("User response", &result))
}

/// `json_schema_2020_12_tool`: a hand-written input schema with `$schema`, `$defs` (with an
/// `$anchor`), `$ref`, `additionalProperties: false`, composition (`allOf` around `anyOf`)
/// and conditionals (`if`/`then`/`else`), listed as it is written (SEP-1613, SEP-2106).
fn json_schema_2020_12_tool() -> ToolRoute {
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "$defs": {
            "address": {
                "$anchor": "address",
                "type": "object",
                "properties": {
                    "street": { "type": "string" },
                    "city": { "type": "string" }
                }
            }
        },
        "properties": {
            "name": { "type": "string" },
            "address": { "$ref": "#/$defs/address" }
        },
        "additionalProperties": false,
        "allOf": [{ "anyOf": [{ "required": ["name"] }, { "required": ["address"] }] }],
        "if": { "properties": { "name": { "const": "admin" } }, "required": ["name"] },
        "then": { "required": ["address"] },
        "else": {}
    });
    let schema = match schema {
        serde_json::Value::Object(object) => object,
        _ => JsonObject::new(),
    };
    let tool = Tool::new("json_schema_2020_12_tool", schema).with_description(
        "Takes arguments described with JSON Schema 2020-12 keywords (SEP-1613).",
    );
    ToolRoute::from_tool(tool, |args: JsonObject, _cx| async move {
        Ok(CallToolResult::text(format!(
            "JSON Schema 2020-12 tool called with: {}",
            serde_json::Value::Object(args)
        )))
    })
}

/// How long clients are asked to wait before resuming `test_reconnection`'s stream.
const RECONNECT_RETRY: Duration = Duration::from_millis(100);

/// `test_reconnection`: ends its own SSE connection with a `retry` hint, then answers on the
/// stream the client resumes with `Last-Event-ID` (SEP-1699).
fn reconnection(streams: StreamRegistry) -> ToolRoute {
    ToolRoute::new(
        "test_reconnection",
        move |_: NoArguments, cx: RequestContext<Server>| {
            let streams = streams.get(cx.peer().session_id());
            async move {
                let closed =
                    streams.is_some_and(|s| s.close_request_stream(cx.id(), RECONNECT_RETRY));
                tokio::time::sleep(Duration::from_millis(100)).await;
                if closed {
                    "Reconnection test completed successfully. If you received this, the client properly reconnected after stream closure."
                } else {
                    "Reconnection test completed without closing the stream (the session cannot resume: no event store, or a version before 2025-11-25)."
                }
            }
        },
    )
    .with_description(
        "Closes its SSE stream mid-call and answers after the client reconnects (SEP-1699).",
    )
}

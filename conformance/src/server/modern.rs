//! The tools only the 2026-07-28 scenarios call: the triggers of list changes that
//! `server-stateless` watches on its `subscriptions/listen` streams, and a tool with a
//! parameter mirrored into an `Mcp-Param-*` header (`http-custom-header-server-validation`).

use oxmcp_core::server::WeakMcpServer;
use oxmcp_core::server::prompts::PromptRoute;
use oxmcp_core::server::tools::{NoArguments, ToolError, ToolRoute};
use oxmcp_types::prompts::{GetPromptResult, Prompt};
use oxmcp_types::{CallToolResult, JsonObject, Tool};
use serde_json::{Value, json};

/// The tool `test_trigger_tool_change` adds and removes again.
const DYNAMIC_TOOL: &str = "test_dynamic_tool";
/// The prompt `test_trigger_prompt_change` adds and removes again.
const DYNAMIC_PROMPT: &str = "test_dynamic_prompt";

/// The tools of this module; `server` is the server they are registered on.
pub(crate) fn routes(server: &WeakMcpServer) -> Vec<ToolRoute> {
    vec![
        trigger_tool_change(server.clone()),
        trigger_prompt_change(server.clone()),
        header_param_tool(),
    ]
}

fn gone() -> ToolError {
    ToolError::execution("the server is shutting down")
}

/// `test_trigger_tool_change`: adds a tool and removes it again (two tool list changes;
/// the list ends as it was).
fn trigger_tool_change(server: WeakMcpServer) -> ToolRoute {
    ToolRoute::new("test_trigger_tool_change", move |_: NoArguments, _cx| {
        let server = server.upgrade();
        async move {
            let server = server.ok_or_else(gone)?;
            let dynamic = ToolRoute::new(DYNAMIC_TOOL, |_: NoArguments, _cx| async { "dynamic" })
                .with_description("Exists only while test_trigger_tool_change runs.");
            server
                .add_tool(dynamic)
                .map_err(|e| ToolError::execution(format_args!("adding a tool: {e}")))?;
            server.remove_tool(DYNAMIC_TOOL);
            Ok::<_, ToolError>("Tool list changed")
        }
    })
    .with_description("Changes the tool list (notifications/tools/list_changed).")
}

/// `test_trigger_prompt_change`: adds a prompt and removes it again.
fn trigger_prompt_change(server: WeakMcpServer) -> ToolRoute {
    ToolRoute::new("test_trigger_prompt_change", move |_: NoArguments, _cx| {
        let server = server.upgrade();
        async move {
            let server = server.ok_or_else(gone)?;
            let prompt = Prompt::new(DYNAMIC_PROMPT)
                .with_description("Exists only while test_trigger_prompt_change runs.");
            let route = PromptRoute::new(prompt, |_args, _cx| async {
                Ok(GetPromptResult::new(Vec::new()))
            });
            server
                .add_prompt(route)
                .map_err(|e| ToolError::execution(format_args!("adding a prompt: {e}")))?;
            server.remove_prompt(DYNAMIC_PROMPT);
            Ok::<_, ToolError>("Prompt list changed")
        }
    })
    .with_description("Changes the prompt list (notifications/prompts/list_changed).")
}

/// `test_header_param`: its `region` parameter is mirrored into `Mcp-Param-Region`
/// (`x-mcp-header`), which the server checks against the body.
fn header_param_tool() -> ToolRoute {
    let schema = json!({
        "type": "object",
        "properties": {
            "region": {
                "type": "string",
                "description": "Where to run; sent as the Mcp-Param-Region header too",
                "x-mcp-header": "Region"
            },
            "query": { "type": "string", "description": "What to run" }
        },
        "required": ["region"]
    });
    let schema = match schema {
        Value::Object(object) => object,
        _ => JsonObject::new(),
    };
    let tool = Tool::new("test_header_param", schema)
        .with_description("Echoes its region, which also travels in Mcp-Param-Region.");
    ToolRoute::from_tool(tool, |args: JsonObject, _cx| async move {
        let region = args.get("region").and_then(Value::as_str).unwrap_or("");
        Ok(CallToolResult::text(format!("region: {region}")))
    })
}

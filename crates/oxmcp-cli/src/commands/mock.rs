//! `serve mock FILE`: canned tools, resources and prompts from a JSON or TOML file, for
//! testing hosts.
//!
//! ```json
//! {
//!   "server": {"name": "weather-mock", "version": "1.0"},
//!   "instructions": "Canned answers.",
//!   "tools": [{"name": "forecast", "description": "The forecast.",
//!              "inputSchema": {"type": "object", "properties": {"city": {"type": "string"}}},
//!              "text": "Sunny in {{city}}"}],
//!   "resources": [{"uri": "file:///readme", "name": "readme", "text": "Hello"}],
//!   "prompts": [{"name": "greet", "arguments": [{"name": "who", "required": true}],
//!                "text": "Say hello to {{who}}"}]
//! }
//! ```
//!
//! A tool answers with `result` (a whole `CallToolResult`) or `text`; a resource has `text`
//! or `blob` (base64); a prompt has `messages` or `text`. `{{name}}` in a text is replaced
//! with the argument `name` (absent: empty). Everything else of an entry is its definition
//! as the protocol has it (`inputSchema` defaults to an object without properties).

use std::path::Path;

use base64::Engine as _;
use oxmcp_core::McpServer;
use oxmcp_core::server::prompts::PromptRoute;
use oxmcp_core::server::resources::ResourceRoute;
use oxmcp_core::server::tools::{ToolError, ToolRoute};
use oxmcp_types::{
    CallToolResult, GetPromptResult, Implementation, Prompt, PromptMessage, Resource, Role,
    TextContent, Tool,
};
use serde_json::{Map, Value};

/// Builds the server the file describes.
pub(crate) fn load(file: &Path) -> Result<McpServer, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let doc: Value = if file.extension().is_some_and(|e| e == "toml") {
        toml::from_str(&text).map_err(|e| format!("{} is not TOML: {e}", file.display()))?
    } else {
        serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", file.display()))?
    };
    build(&doc).map_err(|e| format!("{}: {e}", file.display()))
}

/// Builds the server `doc` describes.
pub(crate) fn build(doc: &Value) -> Result<McpServer, String> {
    let doc = doc.as_object().ok_or("the file is not an object")?;
    if let Some(unknown) = doc.keys().find(|k| {
        !["server", "instructions", "tools", "resources", "prompts"].contains(&k.as_str())
    }) {
        return Err(format!(
            "unknown key `{unknown}` (server, instructions, tools, resources, prompts)"
        ));
    }
    let server = doc.get("server").and_then(Value::as_object);
    let field = |k: &str, default: &str| {
        server
            .and_then(|s| s.get(k))
            .and_then(Value::as_str)
            .unwrap_or(default)
            .to_owned()
    };
    let mut builder = McpServer::builder(Implementation::new(
        field("name", "oxmcp-mock"),
        field("version", "0.0.0"),
    ));
    if let Some(text) = doc.get("instructions").and_then(Value::as_str) {
        builder = builder.instructions(text);
    }
    for entry in entries(doc, "tools")? {
        builder = builder.tool(tool(entry)?);
    }
    for entry in entries(doc, "resources")? {
        builder = builder.resource(resource(entry)?);
    }
    for entry in entries(doc, "prompts")? {
        builder = builder.prompt(prompt(entry)?);
    }
    builder.build().map_err(|e| e.to_string())
}

fn entries(doc: &Map<String, Value>, key: &str) -> Result<Vec<Map<String, Value>>, String> {
    match doc.get(key) {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v.as_object()
                    .cloned()
                    .ok_or(format!("{key}[{i}] is not an object"))
            })
            .collect(),
        Some(_) => Err(format!("`{key}` is not an array")),
    }
}

fn tool(mut entry: Map<String, Value>) -> Result<ToolRoute, String> {
    let result = entry.remove("result");
    let text = entry.remove("text");
    entry
        .entry("inputSchema")
        .or_insert_with(|| serde_json::json!({"type": "object"}));
    let name = entry
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("?")
        .to_owned();
    let tool: Tool =
        serde_json::from_value(Value::Object(entry)).map_err(|e| format!("tool `{name}`: {e}"))?;
    let answer = match (result, text) {
        (Some(result), None) => Answer::Result(
            serde_json::from_value::<CallToolResult>(result.clone())
                .map(|_| result)
                .map_err(|e| format!("tool `{name}`: `result` is not a CallToolResult: {e}"))?,
        ),
        (None, Some(Value::String(text))) => Answer::Text(text),
        (None, None) => return Err(format!("tool `{name}` has neither `result` nor `text`")),
        _ => {
            return Err(format!(
                "tool `{name}`: give `result` or `text` (a string), not both"
            ));
        }
    };
    Ok(ToolRoute::from_tool(tool, move |args, _cx| {
        let answer = answer.clone();
        async move {
            Ok::<_, ToolError>(match answer {
                Answer::Text(text) => CallToolResult::text(fill(&text, &args)),
                Answer::Result(result) => serde_json::from_value(fill_value(&result, &args))
                    .map_err(ToolError::execution)?,
            })
        }
    }))
}

#[derive(Debug, Clone)]
enum Answer {
    Text(String),
    Result(Value),
}

fn resource(mut entry: Map<String, Value>) -> Result<ResourceRoute, String> {
    let text = entry.remove("text");
    let blob = entry.remove("blob");
    let resource: Resource =
        serde_json::from_value(Value::Object(entry)).map_err(|e| format!("resource: {e}"))?;
    match (text, blob) {
        (Some(Value::String(text)), None) => Ok(ResourceRoute::text(resource, text)),
        (None, Some(Value::String(blob))) => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(blob)
                .map_err(|e| format!("resource `{}`: `blob` is not base64: {e}", resource.uri))?;
            Ok(ResourceRoute::blob(resource, bytes))
        }
        _ => Err(format!(
            "resource `{}`: give `text` or `blob` (strings), one of them",
            resource.uri
        )),
    }
}

fn prompt(mut entry: Map<String, Value>) -> Result<PromptRoute, String> {
    let messages = entry.remove("messages");
    let text = entry.remove("text");
    let prompt: Prompt =
        serde_json::from_value(Value::Object(entry)).map_err(|e| format!("prompt: {e}"))?;
    let name = prompt.name.clone();
    let template = match (messages, text) {
        (Some(messages), None) => {
            serde_json::from_value::<Vec<PromptMessage>>(messages.clone())
                .map_err(|e| format!("prompt `{name}`: `messages`: {e}"))?;
            messages
        }
        (None, Some(Value::String(text))) => {
            serde_json::to_value(vec![PromptMessage::new(Role::User, TextContent::new(text))])
                .map_err(|e| e.to_string())?
        }
        _ => {
            return Err(format!(
                "prompt `{name}`: give `messages` or `text` (a string), one of them"
            ));
        }
    };
    Ok(PromptRoute::new(prompt, move |args, _cx| {
        let args: Map<String, Value> = args
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        let messages = fill_value(&template, &args);
        async move {
            let messages: Vec<PromptMessage> = serde_json::from_value(messages)
                .map_err(|e| oxmcp_types::ErrorData::internal_error(e.to_string()))?;
            Ok(GetPromptResult::new(messages))
        }
    }))
}

/// Replaces `{{name}}` with the argument `name` (strings as they are, others as JSON).
pub(crate) fn fill(text: &str, args: &Map<String, Value>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start + 2..].find("}}") else {
            break;
        };
        out.push_str(&rest[..start]);
        let key = rest[start + 2..start + 2 + len].trim();
        match args.get(key) {
            Some(Value::String(s)) => out.push_str(s),
            Some(other) => out.push_str(&other.to_string()),
            None => {}
        }
        rest = &rest[start + 4 + len..];
    }
    out.push_str(rest);
    out
}

/// [`fill`] in every string of `value`.
fn fill_value(value: &Value, args: &Map<String, Value>) -> Value {
    match value {
        Value::String(s) => Value::String(fill(s, args)),
        Value::Array(items) => Value::Array(items.iter().map(|v| fill_value(v, args)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), fill_value(v, args)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn placeholders() {
        let args = json!({"city": "Oslo", "n": 3}).as_object().unwrap().clone();
        assert_eq!(fill("{{city}} x{{ n }} {{none}}.", &args), "Oslo x3 .");
        assert_eq!(fill("open {{ only", &args), "open {{ only");
    }

    #[test]
    fn bad_files_are_refused_with_the_reason() {
        for (doc, needle) in [
            (json!([]), "not an object"),
            (json!({"toolz": []}), "unknown key `toolz`"),
            (
                json!({"tools": [{"name": "t"}]}),
                "neither `result` nor `text`",
            ),
            (
                json!({"tools": [{"name": "t", "text": "a", "result": {}}]}),
                "not both",
            ),
            (
                json!({"tools": [{"name": "t", "result": {"content": 1}}]}),
                "not a CallToolResult",
            ),
            (
                json!({"resources": [{"uri": "x:y", "name": "y"}]}),
                "give `text` or `blob`",
            ),
            (
                json!({"resources": [{"uri": "x:y", "name": "y", "blob": "!!"}]}),
                "not base64",
            ),
            (
                json!({"prompts": [{"name": "p"}]}),
                "give `messages` or `text`",
            ),
            (json!({"prompts": 3}), "not an array"),
        ] {
            let e = build(&doc).map(drop).unwrap_err();
            assert!(e.contains(needle), "{doc}: {e}");
        }
        assert!(build(&json!({"tools": [{"name": "t", "text": "hi"}]})).is_ok());
    }
}

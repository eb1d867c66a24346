//! The host side of the everything client: a deterministic fake model for sampling, a form
//! filler for elicitation, a URL consent hook that prints the URL and accepts without
//! opening it, and roots. Requests that come for a task (with the related-task `_meta`)
//! are shown with their task and remembered ([`asked_for_task`]).

use oxmcp::tasks::TasksClientExt as _;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, PoisonError};

use oxmcp::client::{ClientHandler, FormElicitation, SamplingRequest, UrlElicitation};
use oxmcp::types::elicitation::{ElicitAction, ElicitValue};
use oxmcp::types::sampling::{ToolChoiceMode, stop_reason};
use oxmcp::types::{
    CreateMessageResult, ElicitResult, ErrorData, JsonObject, Role, Root,
    SamplingMessageContentBlock, Tool, ToolUseContent,
};
use serde_json::{Value, json};

/// The name the fake model reports.
pub const MODEL: &str = "fake-model-1";

/// The tasks the server asked this host something for (by elicitation or sampling).
static TASKS_ASKED_FOR: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

fn remember_task(task: Option<&String>) -> String {
    match task {
        Some(id) => {
            TASKS_ASKED_FOR
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(id.clone());
            format!(" for task {id}")
        }
        None => String::new(),
    }
}

/// Whether a request of the server for task `task_id` reached this host (in this process).
pub fn asked_for_task(task_id: &str) -> bool {
    TASKS_ASKED_FOR
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .contains(task_id)
}

/// The roots the client offers first.
pub fn initial_roots() -> Vec<Root> {
    vec![Root::new("file:///tmp/everything-client/project").with_name("project")]
}

/// The roots the client switches to (sending `notifications/roots/list_changed`).
pub fn changed_roots() -> Vec<Root> {
    vec![
        Root::new("file:///tmp/everything-client/project").with_name("project"),
        Root::new("file:///tmp/everything-client/docs").with_name("docs"),
    ]
}

/// The handler: sampling (with tools), form and URL elicitation, roots; task-augmented
/// sampling and elicitation are received as tasks (kept in memory).
pub fn handler() -> ClientHandler {
    ClientHandler::new()
        .with_roots(initial_roots())
        .with_sampling(|request| async move { fake_model(&request) })
        .with_sampling_tools(true)
        .with_form_elicitation(|form| async move { fill_form(&form) })
        .with_url_elicitation(|url| async move { consent(&url) })
        .with_task_receipt()
}

fn text_blocks(blocks: &[SamplingMessageContentBlock]) -> Vec<&str> {
    blocks
        .iter()
        .filter_map(|b| match b {
            SamplingMessageContentBlock::Text(t) => Some(t.text.as_str()),
            _ => None,
        })
        .collect()
}

/// Arguments for `tool`: every required string property gets "Paris", other required
/// properties a neutral value of their type.
fn tool_input(tool: &Tool) -> JsonObject {
    let schema = &tool.input_schema;
    let required = schema.get("required").and_then(Value::as_array);
    let properties = schema.get("properties").and_then(Value::as_object);
    let mut input = JsonObject::new();
    for name in required.into_iter().flatten().filter_map(Value::as_str) {
        let kind = properties
            .and_then(|p| p.get(name))
            .and_then(|p| p.get("type"))
            .and_then(Value::as_str);
        let value = match kind {
            Some("number" | "integer") => json!(1),
            Some("boolean") => json!(true),
            _ => json!("Paris"),
        };
        input.insert(name.to_owned(), value);
    }
    input
}

/// A deterministic model: after tool results it answers with their text; when tools are
/// offered (and allowed) it calls the first one; otherwise it echoes the last user text.
pub fn fake_model(request: &SamplingRequest) -> Result<CreateMessageResult, ErrorData> {
    let params = &request.params;
    let last = params
        .messages
        .last()
        .ok_or_else(|| ErrorData::invalid_params("no messages to answer"))?;
    let results: Vec<String> = last
        .content
        .blocks()
        .iter()
        .filter_map(|b| match b {
            SamplingMessageContentBlock::ToolResult(r) => Some(
                r.content
                    .iter()
                    .filter_map(|c| c.as_text())
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            _ => None,
        })
        .collect();
    let tools_allowed = params
        .tool_choice
        .as_ref()
        .is_none_or(|c| c.mode != Some(ToolChoiceMode::None));
    let offered = params.tools.as_ref().and_then(|t| t.first());
    let (content, reason, what) = if !results.is_empty() {
        let text = format!("The tool says: {}.", results.join("; "));
        (
            SamplingMessageContentBlock::text(text.clone()),
            stop_reason::END_TURN,
            text,
        )
    } else if let (Some(tool), true) = (offered, tools_allowed) {
        let use_ = ToolUseContent::new("call-1", tool.name.clone(), tool_input(tool));
        let what = format!("tool_use {}", tool.name);
        (
            SamplingMessageContentBlock::ToolUse(use_),
            stop_reason::TOOL_USE,
            what,
        )
    } else {
        let said = text_blocks(last.content.blocks()).join(" ");
        let text = format!("You said: {said}");
        (
            SamplingMessageContentBlock::text(text.clone()),
            stop_reason::END_TURN,
            text,
        )
    };
    let tools: Vec<&str> = params
        .tools
        .iter()
        .flatten()
        .map(|t| t.name.as_str())
        .collect();
    let task = remember_task(request.related_task_id.as_ref());
    println!(
        "  <- sampling/createMessage from {}{task}: {} message(s), tools {tools:?}; the fake model answers: {what}",
        request.server.name,
        params.messages.len()
    );
    Ok(CreateMessageResult::new(Role::Assistant, content, MODEL).with_stop_reason(reason))
}

/// A deterministic answer for one form field, from its JSON Schema.
fn field_value(schema: &Value) -> Option<Value> {
    if let Some(default) = schema.get("default") {
        return Some(default.clone());
    }
    let first_choice = |list: &Value| -> Option<Value> {
        let first = list.as_array()?.first()?;
        Some(first.get("const").cloned().unwrap_or_else(|| first.clone()))
    };
    let value = match schema.get("type").and_then(Value::as_str)? {
        "boolean" => json!(true),
        "integer" | "number" => schema.get("minimum").cloned().unwrap_or(json!(1)),
        "array" => {
            let items = schema.get("items")?;
            let choice = items
                .get("enum")
                .and_then(first_choice)
                .or_else(|| items.get("anyOf").and_then(first_choice))?;
            json!([choice])
        }
        _ => {
            if let Some(choice) = schema.get("enum").and_then(first_choice) {
                choice
            } else if let Some(choice) = schema.get("oneOf").and_then(first_choice) {
                choice
            } else {
                match schema.get("format").and_then(Value::as_str) {
                    Some("email") => json!("ada@example.com"),
                    Some("uri") => json!("https://example.com/ada"),
                    Some("date") => json!("1990-12-10"),
                    Some("date-time") => json!("1990-12-10T09:00:00Z"),
                    _ => json!("Ada"),
                }
            }
        }
    };
    Some(value)
}

/// Fills every field of the form with `field_value` and accepts.
pub fn fill_form(form: &FormElicitation) -> Result<ElicitResult, ErrorData> {
    let schema = serde_json::to_value(&form.params.requested_schema)
        .map_err(|e| ErrorData::internal_error(e.to_string()))?;
    let mut answer = serde_json::Map::new();
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        for (name, field) in properties {
            if let Some(value) = field_value(field) {
                answer.insert(name.clone(), value);
            }
        }
    }
    let content: BTreeMap<String, ElicitValue> = serde_json::from_value(Value::Object(answer))
        .map_err(|e| ErrorData::internal_error(format!("cannot answer the form: {e}")))?;
    let names: Vec<&String> = content.keys().collect();
    let task = remember_task(form.related_task_id.as_ref());
    println!(
        "  <- elicitation/create (form) from {}{task}: \"{}\"; filling {names:?} and accepting",
        form.server.name, form.params.message
    );
    Ok(ElicitResult::accept(content))
}

/// Shows the full URL and the server, then accepts without opening anything.
pub fn consent(url: &UrlElicitation) -> ElicitAction {
    println!(
        "  <- URL elicitation {} from {} ({:?}): \"{}\"\n     URL: {} (host {}); consenting without opening it",
        url.params.elicitation_id,
        url.server.name,
        url.source,
        url.params.message,
        url.params.url,
        url.host().unwrap_or_else(|| "?".to_owned())
    );
    ElicitAction::Accept
}

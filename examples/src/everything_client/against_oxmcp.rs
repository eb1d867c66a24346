//! The checks against the oxmcp everything server: every method and notification, in both
//! directions.

use std::time::Duration;

use oxmcp::client::{McpClient, Subscription, SubscriptionError};
use oxmcp::types::{CallToolRequestParams, CallToolResult, ErrorCode, JsonObject, LoggingLevel};
use serde_json::{Value, json};

use super::{Outcome, Report, ensure, failed, host};

mod features;
pub mod tasks;

/// How long a check waits for a notification.
pub const NOTIFICATION_TIMEOUT: Duration = Duration::from_secs(10);

/// The tools the oxmcp everything server lists.
pub const TOOLS: [&str; 16] = [
    "echo",
    "add",
    "progress",
    "log",
    "slow",
    "cancelled_count",
    "ask_model",
    "elicit_profile",
    "elicit_url",
    "connect_account",
    "list_roots",
    "update_note",
    "toggle_extras",
    "long_running",
    "confirm_task",
    "failing_task",
];

/// Calls tool `name` with `arguments` (a JSON object).
pub async fn call(
    client: &McpClient,
    name: &str,
    arguments: Value,
) -> Result<CallToolResult, String> {
    let arguments: JsonObject = serde_json::from_value(arguments).map_err(failed)?;
    client
        .peer()
        .call_tool(CallToolRequestParams::new(name).with_arguments(arguments))
        .await
        .map_err(|e| format!("{name}: {e}"))
}

/// The text blocks of a result, joined; an error if the result has `isError: true`.
pub fn text(result: &CallToolResult) -> Result<String, String> {
    let joined = result
        .content
        .iter()
        .filter_map(|c| c.as_text())
        .collect::<Vec<_>>()
        .join("\n");
    ensure(result.is_error != Some(true), || {
        format!("tool error: {joined}")
    })?;
    Ok(joined)
}

/// The next item of `sub` that `accept` takes, within [`NOTIFICATION_TIMEOUT`].
pub async fn next_matching<T: Clone + Send + 'static>(
    sub: &mut Subscription<T>,
    what: &str,
    mut accept: impl FnMut(&T) -> bool,
) -> Result<T, String> {
    let wait = async {
        loop {
            match sub.recv().await {
                Ok(item) if accept(&item) => return Ok(item),
                Ok(_) | Err(SubscriptionError::Lagged(_)) => {}
                Err(e) => return Err(format!("no {what}: {e}")),
            }
        }
    };
    tokio::time::timeout(NOTIFICATION_TIMEOUT, wait)
        .await
        .map_err(|_| format!("no {what} within {NOTIFICATION_TIMEOUT:?}"))?
}

/// Every check, in order.
pub async fn run(client: &McpClient, report: &mut Report) {
    list_everything(client, report).await;
    report.check("ping", ping(client)).await;
    report.check("tools/call echo", echo(client)).await;
    report.check("tools/call add", add(client)).await;
    report
        .check("invalid arguments", invalid_arguments(client))
        .await;
    report.check("unknown tool", unknown_tool(client)).await;
    report.check("progress", features::progress(client)).await;
    report.check("logging", features::logging(client)).await;
    report
        .check("cancellation", features::cancellation(client))
        .await;
    report
        .check("sampling with tools", features::sampling(client))
        .await;
    report
        .check("elicitation (form)", features::elicit_form(client))
        .await;
    report
        .check("elicitation (url)", features::elicit_url(client))
        .await;
    report
        .check("url elicitation -32042", features::url_required(client))
        .await;
    report.check("roots", features::roots(client)).await;
    report
        .check("resources/read", features::read_resources(client))
        .await;
    report
        .check("resource subscriptions", features::subscriptions(client))
        .await;
    report.check("prompts/get", features::prompts(client)).await;
    report
        .check("completion/complete", features::completion(client))
        .await;
    report
        .check("list_changed", features::list_changed(client))
        .await;
    report
        .check("task: long_running", tasks::long_running(client))
        .await;
    report
        .check("task: input_required", tasks::input_required(client))
        .await;
    report.check("task: failed", tasks::failing(client)).await;
    report.check("task: cancel", tasks::cancel(client)).await;
    report
        .check("task: required", tasks::required(client))
        .await;
    report.check("tasks/list", tasks::list(client)).await;
}

/// Lists what the server offers, by capability (for any server).
pub async fn list_everything(client: &McpClient, report: &mut Report) {
    let caps = client.running().session().peer_capabilities.clone();
    let peer = client.peer();
    if caps.tools.is_some() {
        report
            .check("tools/list", async {
                let tools = peer.list_tools().collect_all().await.map_err(failed)?;
                let names: Vec<&str> = tools.iter().map(|t| t.name.as_str()).collect();
                let is_ours = client.running().session().peer_info.name
                    == crate::everything_server::SERVER_NAME;
                if is_ours {
                    let missing: Vec<&&str> = TOOLS.iter().filter(|t| !names.contains(t)).collect();
                    ensure(missing.is_empty(), || format!("missing tools {missing:?}"))?;
                    let add = tools.iter().find(|t| t.name == "add");
                    ensure(add.is_some_and(|t| t.output_schema.is_some()), || {
                        "`add` has no outputSchema".to_owned()
                    })?;
                }
                Ok(format!("{} tools: {}", names.len(), names.join(", ")))
            })
            .await;
    }
    if caps.resources.is_some() {
        report
            .check("resources/list", async {
                let resources = peer.list_resources().collect_all().await.map_err(failed)?;
                let uris: Vec<&str> = resources.iter().map(|r| r.uri.as_str()).collect();
                Ok(format!("{} resources: {}", uris.len(), uris.join(", ")))
            })
            .await;
        report
            .check("resources/templates/list", async {
                let templates = peer
                    .list_resource_templates()
                    .collect_all()
                    .await
                    .map_err(failed)?;
                let uris: Vec<&str> = templates.iter().map(|t| t.uri_template.as_str()).collect();
                Ok(format!("{} templates: {}", uris.len(), uris.join(", ")))
            })
            .await;
    }
    if caps.prompts.is_some() {
        report
            .check("prompts/list", async {
                let prompts = peer.list_prompts().collect_all().await.map_err(failed)?;
                let names: Vec<&str> = prompts.iter().map(|p| p.name.as_str()).collect();
                Ok(format!("{} prompts: {}", names.len(), names.join(", ")))
            })
            .await;
    }
    if caps.logging.is_some() {
        report
            .check("logging/setLevel", async {
                peer.set_logging_level(LoggingLevel::Debug)
                    .await
                    .map_err(failed)?;
                Ok("level set to debug".to_owned())
            })
            .await;
    }
}

async fn ping(client: &McpClient) -> Outcome {
    client.peer().ping().await.map_err(failed)?;
    Ok("pong".to_owned())
}

async fn echo(client: &McpClient) -> Outcome {
    let said = text(&call(client, "echo", json!({ "text": "hello, everything" })).await?)?;
    ensure(said == "hello, everything", || format!("echoed {said:?}"))?;
    Ok(format!("echoed {said:?}"))
}

async fn add(client: &McpClient) -> Outcome {
    let result = call(client, "add", json!({ "a": 2, "b": 3.5 })).await?;
    let structured = result.structured_content.clone().unwrap_or_default();
    ensure(structured.get("sum") == Some(&json!(5.5)), || {
        format!("structuredContent {structured:?}")
    })?;
    Ok(format!(
        "structuredContent {}, text {}",
        Value::Object(structured),
        text(&result)?
    ))
}

async fn invalid_arguments(client: &McpClient) -> Outcome {
    let result = call(client, "add", json!({ "a": "two" })).await?;
    ensure(result.is_error == Some(true), || {
        "no isError for invalid arguments".to_owned()
    })?;
    let said = result
        .content
        .iter()
        .filter_map(|c| c.as_text())
        .collect::<String>();
    Ok(format!("isError: {said}"))
}

async fn unknown_tool(client: &McpClient) -> Outcome {
    let outcome = client
        .peer()
        .call_tool(CallToolRequestParams::new("no_such_tool"))
        .await;
    let code = outcome.err().and_then(|e| e.as_remote().map(|r| r.code));
    ensure(code == Some(ErrorCode::INVALID_PARAMS), || {
        format!("got {code:?}")
    })?;
    Ok("-32602".to_owned())
}

/// The roots the host offers at first, as `list_roots` prints them.
pub fn initial_roots_text() -> String {
    let roots = host::initial_roots();
    let listed: Vec<String> = roots
        .iter()
        .map(|r| format!("{} ({})", r.uri, r.name.as_deref().unwrap_or_default()))
        .collect();
    format!("{} root(s): {}", roots.len(), listed.join(", "))
}

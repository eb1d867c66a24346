//! The interop fixture server, written against the engine's raw [`Handler`] API (the typed
//! tool router comes in the features layer).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use oxmcp::role::Server;
use oxmcp::types::{ErrorData, Implementation, LoggingLevel, ServerCapabilities};
use oxmcp::{Handler, HandlerResult, IncomingRequest, RequestContext, ServerConfig, to_result};
use serde_json::{Value, json};

/// The instructions the fixture contract expects.
pub const INSTRUCTIONS: &str = "Interop fixture for oxmcp.";

/// The server's configuration: `serverInfo`, capabilities (tools, logging), instructions.
pub fn config() -> ServerConfig {
    let capabilities: ServerCapabilities =
        serde_json::from_value(json!({ "tools": {}, "logging": {} }))
            .unwrap_or_else(|e| unreachable!("static capabilities: {e}"));
    ServerConfig::new(
        Implementation::new("oxmcp-interop-server", env!("CARGO_PKG_VERSION"))
            .with_title("oxmcp interop server"),
    )
    .with_capabilities(capabilities)
    .with_instructions(INSTRUCTIONS)
}

/// The fixture's tools, as `tools/list` returns them.
fn tools() -> Value {
    let object = |props: Value, required: Value| json!({ "type": "object", "properties": props, "required": required });
    json!([
        { "name": "echo", "description": "Returns its text.", "inputSchema": object(json!({"text": {"type": "string"}}), json!(["text"])) },
        { "name": "add", "description": "Adds two numbers.", "inputSchema": object(json!({"a": {"type": "number"}, "b": {"type": "number"}}), json!(["a", "b"])),
          "outputSchema": object(json!({"sum": {"type": "number"}}), json!(["sum"])) },
        { "name": "progress", "description": "Reports progress `steps` times.", "inputSchema": object(json!({"steps": {"type": "integer"}}), json!(["steps"])) },
        { "name": "log", "description": "Sends a log message.", "inputSchema": object(json!({"level": {"type": "string"}, "message": {"type": "string"}}), json!(["level", "message"])) },
        { "name": "slow", "description": "Waits `seconds` unless cancelled.", "inputSchema": object(json!({"seconds": {"type": "number"}}), json!(["seconds"])) },
        { "name": "cancelled_count", "description": "How many requests the client cancelled.", "inputSchema": object(json!({}), json!([])) },
        { "name": "ping_client", "description": "Pings the client.", "inputSchema": object(json!({}), json!([])) },
        { "name": "fail", "description": "Fails with a JSON-RPC error.", "inputSchema": object(json!({}), json!([])) },
    ])
}

fn text(s: impl Into<String>) -> HandlerResult {
    to_result(&json!({ "content": [{ "type": "text", "text": s.into() }] }))
}

fn internal(e: impl std::fmt::Display) -> ErrorData {
    ErrorData::internal_error(e.to_string())
}

/// Counts the client's cancelled requests when dropped unfinished.
struct CancelCounter(Arc<AtomicU64>, bool);

impl Drop for CancelCounter {
    fn drop(&mut self) {
        if !self.1 {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// The fixture handler.
#[derive(Debug, Clone, Default)]
pub struct FixtureServer {
    cancelled: Arc<AtomicU64>,
}

impl Handler<Server> for FixtureServer {
    async fn handle_request(
        &self,
        request: IncomingRequest,
        cx: RequestContext<Server>,
    ) -> HandlerResult {
        match request.method.as_str() {
            "tools/list" => to_result(&json!({ "tools": tools() })),
            "tools/call" => {
                let params: Value = request.params()?;
                let name = params["name"].as_str().unwrap_or_default().to_owned();
                self.call(&name, &params["arguments"], &cx).await
            }
            other => Err(ErrorData::method_not_found(other)),
        }
    }
}

impl FixtureServer {
    async fn call(&self, name: &str, args: &Value, cx: &RequestContext<Server>) -> HandlerResult {
        let number = |key: &str| {
            args[key]
                .as_f64()
                .ok_or_else(|| ErrorData::invalid_params(format!("`{key}` must be a number")))
        };
        match name {
            "echo" => text(args["text"].as_str().unwrap_or_default()),
            "add" => {
                let sum = number("a")? + number("b")?;
                to_result(&json!({
                    "content": [{ "type": "text", "text": format_number(sum) }],
                    "structuredContent": { "sum": sum },
                }))
            }
            "progress" => {
                let steps = number("steps")?;
                let mut step = 1.0;
                while step <= steps {
                    cx.progress(step, Some(steps), None)
                        .await
                        .map_err(internal)?;
                    step += 1.0;
                }
                text("done")
            }
            "log" => {
                let level: LoggingLevel = serde_json::from_value(args["level"].clone())
                    .map_err(|e| ErrorData::invalid_params(format!("`level`: {e}")))?;
                cx.log(level, Some("interop"), args["message"].clone())
                    .await
                    .map_err(internal)?;
                text("logged")
            }
            "slow" => {
                let mut counter = CancelCounter(self.cancelled.clone(), false);
                tokio::time::sleep(Duration::from_secs_f64(number("seconds")?.max(0.0))).await;
                counter.1 = true;
                text("finished")
            }
            "cancelled_count" => text(self.cancelled.load(Ordering::SeqCst).to_string()),
            "ping_client" => {
                cx.peer().ping().await.map_err(internal)?;
                text("pong")
            }
            "fail" => Err(ErrorData::internal_error("deliberate failure")),
            other => Err(ErrorData::invalid_params(format!("unknown tool: {other}"))),
        }
    }
}

/// `5` for 5.0, `2.5` for 2.5.
fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

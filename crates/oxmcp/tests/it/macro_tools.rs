//! `#[tool_router]` end to end: a server built from the generated routes, called by a client
//! over the memory transport.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use oxmcp::prelude::*;
use oxmcp::types::{ErrorCode, ErrorData, Icon};
use serde_json::{Value, json};

use crate::macro_support::{open, recording_progress};

/// Arguments of `add`, through the facade's re-exports only (no direct serde or schemars
/// dependency needed).
#[derive(oxmcp::serde::Deserialize, oxmcp::schemars::JsonSchema)]
#[serde(crate = "oxmcp::serde")]
#[schemars(crate = "oxmcp::schemars")]
struct AddArgs {
    /// The first number.
    a: f64,
    /// The second number.
    b: f64,
}

#[derive(serde::Serialize, schemars::JsonSchema)]
struct Sum {
    sum: f64,
}

#[derive(serde::Serialize, schemars::JsonSchema)]
struct Quotient {
    quotient: f64,
}

struct Calculator {
    offset: f64,
    calls: AtomicU64,
}

#[tool_router]
impl Calculator {
    /// Adds two numbers
    /// (and the calculator's offset).
    #[tool(
        title = "Add",
        annotations(read_only, idempotent = true, open_world = false)
    )]
    async fn add(&self, args: AddArgs) -> Json<Sum> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        Json(Sum {
            sum: args.a + args.b + self.offset,
        })
    }

    /// Echoes text.
    #[tool]
    async fn echo(
        &self,
        /// The text to echo.
        text: String,
        /// How many times (default 1).
        #[serde(default)]
        times: Option<u32>,
    ) -> String {
        text.repeat(usize::try_from(times.unwrap_or(1)).unwrap_or(1))
    }

    /// Divides `a` by `b`.
    #[tool(description = "Divides two numbers.")]
    async fn divide(a: f64, b: f64) -> Result<Json<Quotient>, ToolError> {
        if b == 0.0 {
            return Err(ToolError::execution("division by zero"));
        }
        Ok(Json(Quotient { quotient: a / b }))
    }

    /// Counts to `steps`, reporting progress.
    #[tool]
    async fn count(&self, cx: RequestContext<Server>, steps: u32) -> Result<String, ToolError> {
        for step in 1..=steps {
            cx.progress(f64::from(step), Some(f64::from(steps)), None)
                .await
                .map_err(|e| ToolError::execution(e.to_string()))?;
        }
        Ok(format!("counted to {steps}"))
    }

    /// How many calls `add` served, and the request's protocol version.
    #[tool(name = "stats.calls")]
    async fn calls(self: Arc<Self>, cx: &RequestContext<Server>) -> String {
        format!(
            "{} calls, {}",
            self.calls.load(Ordering::Relaxed),
            cx.protocol_version()
        )
    }

    /// Needs an authorization the client does not have.
    #[tool(
        name = "admin.reset",
        task_support = "optional",
        icons = vec![Icon::new("https://example.com/reset.png")],
        meta = json!({"example.com/tier": "admin"}).as_object().cloned().unwrap_or_default(),
        annotations(title = "Reset", destructive),
        scopes = ["admin", "tools:reset"]
    )]
    async fn reset(&self) -> Result<(), ErrorData> {
        Err(ErrorData::new(
            ErrorCode::URL_ELICITATION_REQUIRED,
            "authorize first",
        ))
    }

    /// A keyword as an argument name.
    #[tool]
    async fn kind(&self, r#type: String) -> String {
        r#type
    }

    /// Not a tool: `#[tool_router]` leaves other methods alone.
    fn offset(&self) -> f64 {
        self.offset
    }
}

fn calculator() -> Arc<Calculator> {
    Arc::new(Calculator {
        offset: 0.5,
        calls: AtomicU64::new(0),
    })
}

#[test]
fn scopes_reach_the_route() {
    let routes = calculator().tool_routes();
    let scopes = |name: &str| routes.iter().find(|r| r.name() == name).unwrap().scopes();
    assert_eq!(scopes("admin.reset"), ["admin", "tools:reset"]);
    assert!(scopes("kind").is_empty());
}

#[tokio::test]
async fn the_generated_definitions_are_listed() {
    let calc = calculator();
    assert!((calc.offset() - 0.5).abs() < f64::EPSILON);
    let session = open(calc.tool_routes()).await;
    let tools = session.tools().await;
    let names: Vec<&str> = tools.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "add",
            "admin.reset",
            "count",
            "divide",
            "echo",
            "kind",
            "stats.calls"
        ]
    );

    let add = &tools["add"];
    assert_eq!(
        add["description"],
        "Adds two numbers\n(and the calculator's offset)."
    );
    assert_eq!(add["title"], "Add");
    assert_eq!(
        add["annotations"],
        json!({"readOnlyHint": true, "idempotentHint": true, "openWorldHint": false})
    );
    assert_eq!(add["inputSchema"]["type"], "object");
    assert_eq!(add["inputSchema"]["required"], json!(["a", "b"]));
    assert_eq!(
        add["inputSchema"]["properties"]["a"]["description"],
        "The first number."
    );
    assert_eq!(add["outputSchema"]["properties"]["sum"]["type"], "number");

    let echo = &tools["echo"];
    assert_eq!(echo["description"], "Echoes text.");
    assert_eq!(echo["inputSchema"]["required"], json!(["text"]));
    let properties = &echo["inputSchema"]["properties"];
    assert_eq!(properties["text"]["description"], "The text to echo.");
    assert_eq!(
        properties["times"]["description"],
        "How many times (default 1)."
    );
    assert!(echo.get("outputSchema").is_none());

    assert_eq!(tools["divide"]["description"], "Divides two numbers.");
    assert_eq!(tools["kind"]["inputSchema"]["required"], json!(["type"]));

    let stats = &tools["stats.calls"];
    assert_eq!(
        stats["inputSchema"],
        json!({"type": "object", "additionalProperties": false})
    );

    let reset = &tools["admin.reset"];
    assert_eq!(reset["execution"], json!({"taskSupport": "optional"}));
    assert_eq!(
        reset["icons"],
        json!([{"src": "https://example.com/reset.png"}])
    );
    assert_eq!(reset["_meta"], json!({"example.com/tier": "admin"}));
    assert_eq!(
        reset["annotations"],
        json!({"title": "Reset", "destructiveHint": true})
    );
}

#[tokio::test]
async fn calls_reach_the_methods() {
    let calc = calculator();
    let session = open(calc.tool_routes()).await;

    let added = session.call("add", json!({"a": 1, "b": 2})).await;
    assert_eq!(added["structuredContent"], json!({"sum": 3.5}));
    assert_eq!(added["content"][0]["type"], "text");

    let echoed = session
        .call("echo", json!({"text": "ab", "times": 3}))
        .await;
    assert_eq!(echoed["content"][0]["text"], "ababab");
    let once = session.call("echo", json!({"text": "ab"})).await;
    assert_eq!(once["content"][0]["text"], "ab");

    let kind = session.call("kind", json!({"type": "k"})).await;
    assert_eq!(kind["content"][0]["text"], "k");

    let stats = session.call("stats.calls", json!({})).await;
    assert_eq!(stats["content"][0]["text"], "1 calls, 2025-11-25");
    assert_eq!(calc.calls.load(Ordering::Relaxed), 1);
}

#[tokio::test]
async fn invalid_arguments_are_tool_errors() {
    let session = open(calculator().tool_routes()).await;

    let missing = session.call("add", json!({"a": 1})).await;
    assert_eq!(missing["isError"], true);
    let text = missing["content"][0]["text"].as_str().unwrap_or_default();
    assert!(text.contains("\"b\" is a required property"), "{text}");

    let wrong_type = session.call("echo", json!({"text": 5})).await;
    assert_eq!(wrong_type["isError"], true);

    let extra = session.call("stats.calls", json!({"surprise": 1})).await;
    assert_eq!(extra["isError"], true);
}

#[tokio::test]
async fn errors_are_mapped() {
    let session = open(calculator().tool_routes()).await;

    let divided = session.call("divide", json!({"a": 1, "b": 4})).await;
    assert_eq!(divided["structuredContent"], json!({"quotient": 0.25}));
    let by_zero = session.call("divide", json!({"a": 1, "b": 0})).await;
    assert_eq!(by_zero["isError"], true);
    assert_eq!(by_zero["content"][0]["text"], "division by zero");

    let reset = session
        .call_with("admin.reset", json!({}), oxmcp::RequestOptions::new())
        .await;
    match reset {
        Err(oxmcp::RequestError::Remote(error)) => {
            assert_eq!(error.code, ErrorCode::URL_ELICITATION_REQUIRED);
            assert_eq!(error.message, "authorize first");
        }
        other => panic!("expected a protocol error, got {other:?}"),
    }
}

#[tokio::test]
async fn the_context_reports_progress() {
    let session = open(calculator().tool_routes()).await;
    let (options, progress) = recording_progress();
    let answer = session
        .call_with("count", json!({"steps": 3}), options)
        .await
        .map_err(|e| e.to_string());
    let answer: Value = answer.unwrap_or_else(|e| panic!("count: {e}"));
    assert_eq!(answer["content"][0]["text"], "counted to 3");
    let seen: Vec<f64> = progress
        .lock()
        .expect("not poisoned")
        .iter()
        .map(|p| p.progress)
        .collect();
    assert_eq!(seen, [1.0, 2.0, 3.0]);
}

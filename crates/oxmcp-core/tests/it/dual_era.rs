//! One server session, both eras (2026-07-28, "Versioning: backward compatibility"), as a
//! stdio server is: a request whose `_meta` names a modern revision is served statelessly
//! in the modern era, before or after an `initialize`; `initialize` opens the legacy
//! session, whose requests are handled as always. `SessionConfig::modern_requests` turns
//! the modern side off.

use oxmcp_core::McpServer;
use oxmcp_core::server::client_requests::ElicitOutcome;
use oxmcp_core::server::tools::{NoArguments, ToolError, ToolRoute};
use oxmcp_core::transport::memory;
use oxmcp_core::{RequestContext, SessionConfig, role::Server};
use oxmcp_types::{CallToolResult, Implementation, LoggingLevel, Tool};
use serde_json::{Value, json};

use crate::support::RawPeer;

type Raw = RawPeer<memory::MemoryTransport>;

fn meta(version: &str) -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": version,
        "io.modelcontextprotocol/clientCapabilities": { "elicitation": {} },
        "io.modelcontextprotocol/clientInfo": { "name": "modern-client", "version": "2" },
        "io.modelcontextprotocol/logLevel": "info"
    })
}

/// The answer the user gives in a form.
#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Name {
    name: String,
}

fn server(session: SessionConfig) -> McpServer {
    let era = ToolRoute::from_tool(Tool::without_arguments("era"), |_args, cx| async move {
        let _ = cx.log(LoggingLevel::Info, None, json!("working")).await;
        let version = cx.protocol_version().to_string();
        Ok::<_, ToolError>(CallToolResult::text(version))
    });
    let greet = ToolRoute::new(
        "greet",
        |_: NoArguments, cx: RequestContext<Server>| async move {
            match cx.elicit::<Name>("Name?").await? {
                ElicitOutcome::Accepted(n) => Ok::<_, ToolError>(format!("Hello, {}!", n.name)),
                _ => Ok("Hello!".to_owned()),
            }
        },
    );
    McpServer::builder(Implementation::new("dual", "1.0"))
        .logging(true)
        .session_config(session)
        .tool(era)
        .tool(greet)
        .build()
        .unwrap()
}

fn connect(server: &McpServer) -> Raw {
    let (a, b) = memory::duplex(16);
    let _running = server.serve(a);
    RawPeer::new(b)
}

async fn ask(raw: &mut Raw, id: u64, method: &str, params: Value) -> Value {
    raw.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
        .await;
    raw.recv().await
}

/// Calls `era` and returns its answer, after the log message it sends (the legacy session
/// logs at `info` by default, the modern request opted in to `info`).
async fn call_era(raw: &mut Raw, id: u64, meta: Option<Value>) -> Value {
    let mut params = json!({ "name": "era", "arguments": {} });
    if let Some(meta) = meta {
        params["_meta"] = meta;
    }
    let log = ask(raw, id, "tools/call", params).await;
    if log.get("id").is_some() {
        return log;
    }
    assert_eq!(log["method"], "notifications/message", "{log}");
    raw.recv().await
}

#[tokio::test(start_paused = true)]
async fn a_modern_client_needs_no_initialize() {
    let server = server(SessionConfig::default());
    let mut raw = connect(&server);
    let probe = ask(
        &mut raw,
        1,
        "server/discover",
        json!({ "_meta": meta("2026-07-28") }),
    )
    .await;
    assert_eq!(
        probe["result"]["supportedVersions"][0], "2026-07-28",
        "{probe}"
    );
    // Its opted-in log message, then its answer, shaped for 2026-07-28.
    let answer = call_era(&mut raw, 2, Some(meta("2026-07-28"))).await;
    assert_eq!(
        answer["result"]["content"][0]["text"], "2026-07-28",
        "{answer}"
    );
    assert_eq!(answer["result"]["resultType"], "complete");
    // Multi round-trip: the question comes back in the result, no request is sent.
    let greet = json!({ "name": "greet", "arguments": {}, "_meta": meta("2026-07-28") });
    let answer = ask(&mut raw, 3, "tools/call", greet).await;
    assert_eq!(answer["id"], 3, "{answer}");
    assert_eq!(answer["result"]["resultType"], "input_required", "{answer}");
    // Requests without `_meta` still need a session.
    let answer = call_era(&mut raw, 4, None).await;
    assert_eq!(answer["error"]["code"], -32600, "{answer}");
}

#[tokio::test(start_paused = true)]
async fn modern_errors_before_initialize() {
    let server = server(SessionConfig::default());
    let mut raw = connect(&server);
    for (id, version) in [(1, "2099-01-01"), (2, "2025-11-25")] {
        let answer = call_era(&mut raw, id, Some(meta(version))).await;
        assert_eq!(answer["error"]["code"], -32022, "{answer}");
        assert_eq!(answer["error"]["data"]["supported"], json!(["2026-07-28"]));
    }
    let no_caps = json!({ "_meta": { "io.modelcontextprotocol/protocolVersion": "2026-07-28" } });
    let answer = ask(&mut raw, 3, "tools/list", no_caps).await;
    assert_eq!(answer["error"]["code"], -32602, "{answer}");
    // The session is still open for a legacy client.
    let init = raw.initialize("2025-11-25").await;
    assert_eq!(init["result"]["protocolVersion"], "2025-11-25", "{init}");
}

#[tokio::test(start_paused = true)]
async fn initialize_opens_a_legacy_session_beside_modern_requests() {
    let server = server(SessionConfig::default());
    let mut raw = connect(&server);
    let init = raw.initialize("2025-06-18").await;
    assert_eq!(init["result"]["protocolVersion"], "2025-06-18", "{init}");
    let legacy = call_era(&mut raw, 1, None).await;
    assert_eq!(
        legacy["result"]["content"][0]["text"], "2025-06-18",
        "{legacy}"
    );
    assert!(legacy["result"].get("resultType").is_none(), "{legacy}");
    // A modern request on the same connection is served in its own era.
    let modern = call_era(&mut raw, 2, Some(meta("2026-07-28"))).await;
    assert_eq!(
        modern["result"]["content"][0]["text"], "2026-07-28",
        "{modern}"
    );
    assert_eq!(modern["result"]["resultType"], "complete");
    // After `initialize`, a version in `_meta` that is no modern one leaves the request in
    // the legacy session (whose clients are not bound by the modern keys).
    let legacy = call_era(&mut raw, 3, Some(meta("2025-06-18"))).await;
    assert_eq!(
        legacy["result"]["content"][0]["text"], "2025-06-18",
        "{legacy}"
    );
    // The legacy session asks the client itself: this one declared no elicitation, so the
    // tool fails as a legacy tool does (no `input_required` round).
    let greet = json!({ "name": "greet", "arguments": {} });
    let answer = ask(&mut raw, 4, "tools/call", greet).await;
    assert_eq!(answer["result"]["isError"], true, "{answer}");
    assert!(answer["result"].get("resultType").is_none(), "{answer}");
}

#[tokio::test(start_paused = true)]
async fn modern_requests_can_be_turned_off() {
    let mut session = SessionConfig::default();
    session.modern_requests = false;
    let server = server(session);
    let mut raw = connect(&server);
    let answer = call_era(&mut raw, 1, Some(meta("2026-07-28"))).await;
    assert_eq!(answer["error"]["code"], -32600, "{answer}");
    let init = raw.initialize("2025-11-25").await;
    assert_eq!(init["result"]["protocolVersion"], "2025-11-25", "{init}");
    let answer = call_era(&mut raw, 2, Some(meta("2026-07-28"))).await;
    assert_eq!(
        answer["result"]["content"][0]["text"], "2025-11-25",
        "{answer}"
    );
}

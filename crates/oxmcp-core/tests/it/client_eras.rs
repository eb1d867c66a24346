//! The client in the 2026-07-28 era over memory: the `server/discover` probe against a
//! modern server, the same `McpClient` API there (tools, ping, the log level in `_meta`,
//! multi round-trip requests answered by the host's handlers), and the fallback rules
//! against stand-in servers driven by hand: a legacy server (an error or silence) gets
//! `initialize`, -32022 is retried with a listed version, the input rounds are bounded.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use oxmcp_core::client::{ClientHandler, McpClient};
use oxmcp_core::server::client_requests::ElicitOutcome;
use oxmcp_core::server::tools::{NoArguments, ToolError, ToolRoute};
use oxmcp_core::session::ModernContext;
use oxmcp_core::transport::memory::{self, MemoryTransport};
use oxmcp_core::{ClientConfig, InitializeError, McpServer, RequestContext, RequestError};
use oxmcp_core::{role::Server, serve_server};
use oxmcp_types::elicitation::{ElicitResult, ElicitValue};
use oxmcp_types::sampling::{CreateMessageRequestParams, CreateMessageResult};
use oxmcp_types::{
    CallToolRequestParams, ContentBlock, Era, Implementation, LoggingLevel, Role, Root,
    SamplingMessage, SamplingMessageContentBlock,
};
use serde_json::{Value, json};

use crate::support::RawPeer;

type Raw = RawPeer<MemoryTransport>;

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Name {
    name: String,
}

/// Asks a name, then a greeting from the model and the roots.
async fn onboard(cx: RequestContext<Server>) -> Result<String, ToolError> {
    let name = match cx.elicit::<Name>("What is your name?").await? {
        ElicitOutcome::Accepted(n) => n.name,
        _ => "stranger".to_owned(),
    };
    let ask = SamplingMessage::user_text(format!("Greet {name}"));
    let sampled = cx
        .create_message(CreateMessageRequestParams::new(vec![ask], 50))
        .await?;
    let roots = cx.list_roots().await?;
    let text = match sampled.content.blocks().first() {
        Some(SamplingMessageContentBlock::Text(t)) => t.text.clone(),
        _ => String::new(),
    };
    let first = roots.first().map(|r| r.uri.clone()).unwrap_or_default();
    Ok(format!("{name} / {text} / {first}"))
}

fn modern_server() -> McpServer {
    let level = ToolRoute::new(
        "level",
        |_: NoArguments, cx: RequestContext<Server>| async move {
            Ok::<_, ToolError>(format!("{:?}", cx.session().log_level))
        },
    );
    McpServer::builder(Implementation::new("modern-server", "2.0"))
        .instructions("be brief")
        .tool(level)
        .tool(ToolRoute::new("onboard", |_: NoArguments, cx| onboard(cx)))
        .build()
        .unwrap()
}

/// The client end of a memory transport to a modern-only server.
fn to_modern_server() -> MemoryTransport {
    let server = modern_server();
    let config = server
        .server_config()
        .with_context_source(Arc::new(ModernContext));
    let (a, b) = memory::duplex(16);
    serve_server(a, config, server);
    b
}

/// A host answering elicitation, sampling and roots, counting the questions.
fn host(asked: Arc<AtomicUsize>) -> ClientHandler {
    let (a, b) = (asked.clone(), asked);
    ClientHandler::new()
        .with_roots(vec![Root::new("file:///work")])
        .with_form_elicitation(move |form| {
            a.fetch_add(1, Ordering::SeqCst);
            assert_eq!(form.server.name, "modern-server");
            let content = BTreeMap::from([("name".to_owned(), ElicitValue::String("Ada".into()))]);
            async move { Ok(ElicitResult::accept(content)) }
        })
        .with_sampling(move |request| {
            b.fetch_add(1, Ordering::SeqCst);
            let text = match &request.params.messages[0].content.blocks()[0] {
                SamplingMessageContentBlock::Text(t) => t.text.replace("Greet", "Hello"),
                _ => String::new(),
            };
            async move {
                Ok(CreateMessageResult::new(
                    Role::Assistant,
                    SamplingMessageContentBlock::text(text),
                    "model",
                ))
            }
        })
}

fn config() -> ClientConfig {
    ClientConfig::new(Implementation::new("eras-client", "1.0")).with_era_probe()
}

fn text_of(result: &oxmcp_types::CallToolResult) -> String {
    match result.content.first() {
        Some(ContentBlock::Text(t)) => t.text.clone(),
        other => panic!("not text: {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn a_probing_client_speaks_the_modern_era_to_a_modern_server() {
    let asked = Arc::new(AtomicUsize::new(0));
    let client = McpClient::connect(to_modern_server(), config(), host(asked.clone()))
        .await
        .unwrap();
    let running = client.running();
    assert_eq!(running.era(), Era::Modern);
    assert_eq!(running.initialize_result().protocol_version, "2026-07-28");
    assert_eq!(
        running.initialize_result().server_info.name,
        "modern-server"
    );
    assert_eq!(running.session().instructions.as_deref(), Some("be brief"));
    let discovered = running.discover_result().unwrap();
    assert!(discovered.supported_versions.contains(&"2026-07-28".into()));

    let tools = client.peer().list_tools().collect_all().await.unwrap();
    let names: Vec<_> = tools.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["level", "onboard"]);
    client.peer().ping().await.unwrap();

    // The log level travels with each request, from the moment it is set.
    let level = CallToolRequestParams::new("level");
    let before = client.peer().call_tool(level.clone()).await.unwrap();
    assert_eq!(text_of(&before), "None");
    client
        .peer()
        .set_logging_level(LoggingLevel::Debug)
        .await
        .unwrap();
    let after = client.peer().call_tool(level).await.unwrap();
    assert_eq!(text_of(&after), "Some(Debug)");

    // Nothing to send: the server asks for the roots when it needs them.
    client
        .set_roots(vec![Root::new("file:///else")])
        .await
        .unwrap();
    client.close().await;
}

#[tokio::test(start_paused = true)]
async fn input_requests_are_answered_by_the_hosts_handlers() {
    let asked = Arc::new(AtomicUsize::new(0));
    let client = McpClient::connect(to_modern_server(), config(), host(asked.clone()))
        .await
        .unwrap();
    let result = client
        .peer()
        .call_tool(CallToolRequestParams::new("onboard"))
        .await
        .unwrap();
    assert_eq!(text_of(&result), "Ada / Hello Ada / file:///work");
    assert_eq!(
        asked.load(Ordering::SeqCst),
        2,
        "one elicitation, one sampling"
    );
    client.close().await;
}

#[tokio::test(start_paused = true)]
async fn an_input_request_the_host_cannot_answer_fails_the_call() {
    // Only roots: elicitation is not declared, so the server's question is not answered.
    let handler = ClientHandler::new().with_roots(vec![]);
    let (client_end, mut raw) = stub();
    let client = tokio::spawn(McpClient::connect(client_end, config(), handler));
    answer_discover(&mut raw).await;
    let client = client.await.unwrap().unwrap();
    let call = tokio::spawn({
        let client = client.clone();
        async move {
            client
                .peer()
                .call_tool(CallToolRequestParams::new("t"))
                .await
        }
    });
    let request = raw.recv().await;
    let ask = json!({"method": "elicitation/create", "params": {
        "message": "?", "requestedSchema": {"type": "object", "properties": {}}}});
    reply(
        &mut raw,
        &request,
        json!({"resultType": "input_required",
        "inputRequests": {"who": ask}}),
    )
    .await;
    let error = call.await.unwrap().unwrap_err();
    match error {
        RequestError::InputFailed { method, key, .. } => {
            assert_eq!(
                (method.as_str(), key.as_str()),
                ("elicitation/create", "who")
            );
        }
        other => panic!("unexpected {other}"),
    }
}

/// A client transport and the raw server end.
fn stub() -> (MemoryTransport, Raw) {
    let (a, b) = memory::duplex(16);
    (b, RawPeer::new(a))
}

async fn reply(raw: &mut Raw, request: &Value, result: Value) {
    raw.send(json!({"jsonrpc": "2.0", "id": request["id"], "result": result}))
        .await;
}

async fn refuse(raw: &mut Raw, request: &Value, error: Value) {
    raw.send(json!({"jsonrpc": "2.0", "id": request["id"], "error": error}))
        .await;
}

fn discover_result() -> Value {
    json!({"supportedVersions": ["2026-07-28"], "capabilities": {"tools": {}},
        "ttlMs": 0, "cacheScope": "private", "resultType": "complete",
        "_meta": {"io.modelcontextprotocol/serverInfo": {"name": "stub", "version": "1"}}})
}

/// Reads the probe and answers it as a modern server.
async fn answer_discover(raw: &mut Raw) -> Value {
    let probe = raw.recv().await;
    assert_eq!(probe["method"], "server/discover");
    reply(raw, &probe, discover_result()).await;
    probe
}

/// Answers `initialize` as a 2025-11-25 server, and reads `notifications/initialized`.
async fn answer_initialize(raw: &mut Raw) {
    let init = raw.recv().await;
    assert_eq!(init["method"], "initialize", "{init}");
    let result = json!({"protocolVersion": "2025-11-25", "capabilities": {"tools": {}},
        "serverInfo": {"name": "legacy", "version": "1"}});
    reply(raw, &init, result).await;
    assert_eq!(raw.recv().await["method"], "notifications/initialized");
}

#[tokio::test(start_paused = true)]
async fn a_legacy_server_gets_initialize_after_an_error_or_silence() {
    for silent in [false, true] {
        let (client_end, mut raw) = stub();
        let mut config = config();
        config.discover_timeout = std::time::Duration::from_millis(500);
        let client = tokio::spawn(oxmcp_core::connect(
            client_end,
            config,
            oxmcp_core::NoHandler,
        ));
        let probe = raw.recv().await;
        assert_eq!(probe["method"], "server/discover");
        let meta = &probe["params"]["_meta"];
        assert_eq!(
            meta["io.modelcontextprotocol/protocolVersion"],
            "2026-07-28"
        );
        assert_eq!(
            meta["io.modelcontextprotocol/clientInfo"]["name"],
            "eras-client"
        );
        assert!(meta["io.modelcontextprotocol/clientCapabilities"].is_object());
        if silent {
            let cancelled = raw.recv().await;
            assert_eq!(cancelled["method"], "notifications/cancelled");
            assert_eq!(cancelled["params"]["requestId"], probe["id"]);
        } else {
            // Any error that is not a modern one, whatever its code.
            refuse(
                &mut raw,
                &probe,
                json!({"code": -32600, "message": "not initialized"}),
            )
            .await;
        }
        answer_initialize(&mut raw).await;
        let client = client.await.unwrap().unwrap();
        assert_eq!(client.era(), Era::Legacy);
        assert!(client.discover_result().is_none());
    }
}

#[tokio::test(start_paused = true)]
async fn pinned_eras() {
    // Pinned to legacy: `initialize` comes first.
    let (client_end, mut raw) = stub();
    let legacy = ClientConfig::new(Implementation::new("c", "1")).with_era(Era::Legacy);
    let client = tokio::spawn(oxmcp_core::connect(
        client_end,
        legacy,
        oxmcp_core::NoHandler,
    ));
    answer_initialize(&mut raw).await;
    assert_eq!(client.await.unwrap().unwrap().era(), Era::Legacy);

    // Pinned to modern: a legacy server is an error, not a fallback.
    let (client_end, mut raw) = stub();
    let modern = config().with_era(Era::Modern);
    let client = tokio::spawn(oxmcp_core::connect(
        client_end,
        modern,
        oxmcp_core::NoHandler,
    ));
    let probe = raw.recv().await;
    refuse(
        &mut raw,
        &probe,
        json!({"code": -32601, "message": "Method not found"}),
    )
    .await;
    let error = client.await.unwrap().unwrap_err();
    assert!(matches!(error, InitializeError::NotModern(_)), "{error}");
}

fn unsupported(supported: &[&str]) -> Value {
    json!({"code": -32022, "message": "Unsupported protocol version",
        "data": {"supported": supported, "requested": "2026-07-28"}})
}

#[tokio::test(start_paused = true)]
async fn unsupported_protocol_version_is_retried_with_a_listed_version() {
    let (client_end, mut raw) = stub();
    let client = tokio::spawn(oxmcp_core::connect(
        client_end,
        config(),
        oxmcp_core::NoHandler,
    ));
    let first = raw.recv().await;
    refuse(&mut raw, &first, unsupported(&["2025-11-25", "2026-07-28"])).await;
    let second = answer_discover(&mut raw).await;
    assert_ne!(first["id"], second["id"], "a retry is a new request");
    let client = client.await.unwrap().unwrap();
    assert_eq!(client.era(), Era::Modern);

    // Mid-session too, once per request.
    let call = tokio::spawn({
        let peer = client.peer().clone();
        async move { peer.call_tool(CallToolRequestParams::new("t")).await }
    });
    let first = raw.recv().await;
    refuse(&mut raw, &first, unsupported(&["2026-07-28"])).await;
    let second = raw.recv().await;
    assert_eq!(second["method"], "tools/call");
    assert_eq!(second["params"]["name"], "t");
    reply(
        &mut raw,
        &second,
        json!({"content": [], "resultType": "complete"}),
    )
    .await;
    call.await.unwrap().unwrap();

    let call = tokio::spawn({
        let peer = client.peer().clone();
        async move { peer.call_tool(CallToolRequestParams::new("t")).await }
    });
    for _ in 0..2 {
        let request = raw.recv().await;
        refuse(&mut raw, &request, unsupported(&["2026-07-28"])).await;
    }
    let error = call.await.unwrap().unwrap_err();
    assert_eq!(
        error.as_remote().unwrap().code.0,
        -32022,
        "given up after one retry"
    );
}

#[tokio::test(start_paused = true)]
async fn a_server_listing_only_legacy_versions_gets_initialize_unless_pinned() {
    let (client_end, mut raw) = stub();
    let client = tokio::spawn(oxmcp_core::connect(
        client_end,
        config(),
        oxmcp_core::NoHandler,
    ));
    let probe = raw.recv().await;
    refuse(&mut raw, &probe, unsupported(&["2025-11-25"])).await;
    answer_initialize(&mut raw).await;
    assert_eq!(client.await.unwrap().unwrap().era(), Era::Legacy);

    let (client_end, mut raw) = stub();
    let modern = config().with_era(Era::Modern);
    let client = tokio::spawn(oxmcp_core::connect(
        client_end,
        modern,
        oxmcp_core::NoHandler,
    ));
    let probe = raw.recv().await;
    refuse(&mut raw, &probe, unsupported(&["2025-11-25"])).await;
    let error = client.await.unwrap().unwrap_err();
    assert!(
        matches!(&error, InitializeError::NoCommonVersion { supported } if supported == &["2025-11-25"]),
        "{error}"
    );
}

#[tokio::test(start_paused = true)]
async fn input_rounds_are_bounded() {
    let (client_end, mut raw) = stub();
    let limited = config().with_max_input_rounds(2);
    let client = tokio::spawn(oxmcp_core::connect(
        client_end,
        limited,
        oxmcp_core::NoHandler,
    ));
    answer_discover(&mut raw).await;
    let client = client.await.unwrap().unwrap();
    let call = tokio::spawn({
        let peer = client.peer().clone();
        async move { peer.call_tool(CallToolRequestParams::new("t")).await }
    });
    let mut states = Vec::new();
    for round in 0..3 {
        let request = raw.recv().await;
        states.push(request["params"]["requestState"].clone());
        assert!(request["params"].get("inputResponses").is_none());
        let state = format!("state-{round}");
        reply(
            &mut raw,
            &request,
            json!({"resultType": "input_required", "requestState": state}),
        )
        .await;
    }
    let error = call.await.unwrap().unwrap_err();
    assert!(
        matches!(error, RequestError::TooManyInputRounds { limit: 2, .. }),
        "{error}"
    );
    // Each retry echoes the state of the answer before, exactly.
    assert_eq!(states, [Value::Null, json!("state-0"), json!("state-1")]);
}

#[tokio::test(start_paused = true)]
async fn tools_with_invalid_header_annotations_are_left_out() {
    let (client_end, mut raw) = stub();
    let client = tokio::spawn(oxmcp_core::connect(
        client_end,
        config(),
        oxmcp_core::NoHandler,
    ));
    // A discover answer without cache hints, its server info outside `_meta`.
    let probe = raw.recv().await;
    reply(
        &mut raw,
        &probe,
        json!({"supportedVersions": ["2026-07-28"],
        "capabilities": {"tools": {}}, "serverInfo": {"name": "terse", "version": "1"}}),
    )
    .await;
    let client = client.await.unwrap().unwrap();
    assert_eq!(client.initialize_result().server_info.name, "terse");
    let listing = tokio::spawn({
        let peer = client.peer().clone();
        async move { peer.list_tools().collect_all().await }
    });
    let request = raw.recv().await;
    let schema = |header: &str, kind: &str| json!({"type": "object", "properties": {"p": {"type": kind, "x-mcp-header": header}}});
    reply(
        &mut raw,
        &request,
        json!({"resultType": "complete", "ttlMs": 0,
        "cacheScope": "private", "tools": [
            {"name": "good", "inputSchema": schema("Region", "string")},
            {"name": "empty", "inputSchema": schema("", "string")},
            {"name": "float", "inputSchema": schema("Score", "number")},
            {"name": "spaced", "inputSchema": schema("My Region", "string")},
            {"name": "plain", "inputSchema": {"type": "object"}}
        ]}),
    )
    .await;
    let tools = listing.await.unwrap().unwrap();
    let names: Vec<_> = tools.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["good", "plain"]);
}

//! The client in both eras over real HTTP: a probing client speaks 2026-07-28 to oxmcp's
//! server (no session, the required headers, multi round-trip requests answered by the
//! host's elicitation, sampling and roots handlers), falls back to `initialize` with a
//! stand-in 2025-11-25 server that refuses session-less POSTs with a plain 400, and pinned
//! clients keep to their era; both eras interleave on one oxmcp server.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use oxmcp_core::client::{ClientHandler, McpClient};
use oxmcp_core::server::client_requests::ElicitOutcome;
use oxmcp_core::server::tools::{NoArguments, ToolError, ToolRoute};
use oxmcp_core::{ClientConfig, InitializeError, McpServer, RequestContext, role::Server};
use oxmcp_http::{HttpClientTransport, HttpServerConfig, McpService, serve_with};
use oxmcp_types::elicitation::{ElicitResult, ElicitValue};
use oxmcp_types::sampling::{CreateMessageRequestParams, CreateMessageResult};
use oxmcp_types::{
    CallToolRequestParams, ContentBlock, Era, Implementation, Role, Root, SamplingMessage,
    SamplingMessageContentBlock,
};
use serde_json::{Value, json};

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Name {
    name: String,
}

/// A name (elicitation), a greeting (sampling), the first root.
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

/// oxmcp's server (both eras on one endpoint); its URL.
async fn oxmcp_server() -> (oxmcp_http::Server, String) {
    let server = McpServer::builder(Implementation::new("dual", "1.0"))
        .tool(ToolRoute::new("onboard", |_: NoArguments, cx| onboard(cx)))
        .tool(ToolRoute::new(
            "era",
            |_: NoArguments, cx: RequestContext<Server>| async move {
                Ok::<_, ToolError>(cx.protocol_version().as_str().to_owned())
            },
        ))
        .build()
        .unwrap();
    let service = McpService::new(move |t| server.serve(t), HttpServerConfig::default());
    let running = serve_with("127.0.0.1:0".parse().unwrap(), service, "/mcp")
        .await
        .unwrap();
    let url = running.url();
    (running, url)
}

fn host() -> ClientHandler {
    ClientHandler::new()
        .with_roots(vec![Root::new("file:///work")])
        .with_form_elicitation(|_| async {
            let content = BTreeMap::from([("name".to_owned(), ElicitValue::String("Ada".into()))]);
            Ok(ElicitResult::accept(content))
        })
        .with_sampling(|request| {
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

async fn call(client: &McpClient, tool: &str) -> String {
    let result = client
        .peer()
        .call_tool(CallToolRequestParams::new(tool))
        .await
        .unwrap();
    text_of(&result)
}

#[tokio::test]
async fn a_probing_client_speaks_the_modern_era_to_an_oxmcp_server() {
    let (_server, url) = oxmcp_server().await;
    let transport = HttpClientTransport::new(&url).unwrap();
    let session = transport.session_id_handle();
    let client = McpClient::connect(transport, config(), host())
        .await
        .unwrap();
    assert_eq!(client.running().era(), Era::Modern);
    assert_eq!(
        client.running().initialize_result().server_info.name,
        "dual"
    );
    assert_eq!(session.get(), None, "no session in the modern era");
    // `tools/call` needs `Mcp-Name`: the server checks it against the body.
    assert_eq!(call(&client, "era").await, "2026-07-28");
    assert_eq!(
        call(&client, "onboard").await,
        "Ada / Hello Ada / file:///work"
    );
    let tools = client.peer().list_tools().collect_all().await.unwrap();
    assert_eq!(tools.len(), 2);
    client.peer().ping().await.unwrap();
    client.close().await;
}

#[tokio::test]
async fn both_eras_interleave_on_one_server() {
    let (_server, url) = oxmcp_server().await;
    let modern = McpClient::connect(HttpClientTransport::new(&url).unwrap(), config(), host())
        .await
        .unwrap();
    let legacy_transport = HttpClientTransport::new(&url).unwrap();
    let session = legacy_transport.session_id_handle();
    let legacy_config = config().with_era(Era::Legacy);
    let legacy = McpClient::connect(legacy_transport, legacy_config, host())
        .await
        .unwrap();
    assert!(session.get().is_some(), "a legacy session has an id");
    for _ in 0..5 {
        let (a, b) = tokio::join!(call(&modern, "onboard"), call(&legacy, "onboard"));
        assert_eq!(a, b);
        let (a, b) = tokio::join!(call(&modern, "era"), call(&legacy, "era"));
        assert_eq!((a.as_str(), b.as_str()), ("2026-07-28", "2025-11-25"));
    }
    modern.close().await;
    legacy.close().await;
}

/// What the stand-in legacy server saw: each POST's method, and its `Mcp-Method` header.
type Log = Arc<Mutex<Vec<(String, Option<String>)>>>;

/// A 2025-11-25 server as the official SDKs' are: `initialize` opens a session, any other
/// POST without `Mcp-Session-Id` is a plain-text 400.
async fn legacy_stub() -> (String, Log) {
    let log = Log::default();
    let seen = log.clone();
    let app = Router::new().route(
        "/mcp",
        post(move |headers: HeaderMap, body: String| {
            let seen = seen.clone();
            async move { legacy_answer(&seen, &headers, &body) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, log)
}

fn legacy_answer(log: &Log, headers: &HeaderMap, body: &str) -> Response {
    let message: Value = serde_json::from_str(body).unwrap();
    let method = message["method"].as_str().unwrap_or("").to_owned();
    let header = headers
        .get("mcp-method")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    log.lock().unwrap().push((method.clone(), header));
    let reply = |result: Value| {
        let body = json!({"jsonrpc": "2.0", "id": message["id"], "result": result});
        (
            [
                ("content-type", "application/json"),
                ("mcp-session-id", "s-1"),
            ],
            body.to_string(),
        )
            .into_response()
    };
    if method == "initialize" {
        return reply(json!({"protocolVersion": "2025-11-25",
            "capabilities": {"tools": {}}, "serverInfo": {"name": "legacy", "version": "1"}}));
    }
    if headers.get("mcp-session-id").is_none() {
        return (
            StatusCode::BAD_REQUEST,
            "Bad Request: No valid session ID provided",
        )
            .into_response();
    }
    match message.get("id") {
        None => StatusCode::ACCEPTED.into_response(),
        Some(_) if method == "tools/list" => reply(json!({"tools": []})),
        Some(_) => reply(json!({})),
    }
}

#[tokio::test]
async fn a_probing_client_falls_back_to_initialize_on_a_plain_400() {
    let (url, log) = legacy_stub().await;
    let mut transport_config = oxmcp_http::HttpClientConfig::default();
    transport_config.standalone_stream = false;
    let transport = HttpClientTransport::with_config(&url, transport_config).unwrap();
    let client = McpClient::connect(transport, config(), host())
        .await
        .unwrap();
    assert_eq!(client.running().era(), Era::Legacy);
    let tools = client.peer().list_tools().collect_all().await.unwrap();
    assert!(tools.is_empty());
    let log = log.lock().unwrap().clone();
    let methods: Vec<_> = log.iter().map(|(m, _)| m.as_str()).collect();
    assert_eq!(
        methods,
        [
            "server/discover",
            "initialize",
            "notifications/initialized",
            "tools/list"
        ]
    );
    assert_eq!(
        log[0].1.as_deref(),
        Some("server/discover"),
        "the probe has Mcp-Method"
    );
    assert!(
        log[1..].iter().all(|(_, h)| h.is_none()),
        "legacy requests have no modern headers"
    );
}

#[tokio::test]
async fn a_client_pinned_to_modern_refuses_a_legacy_server() {
    let (url, log) = legacy_stub().await;
    let transport = HttpClientTransport::new(&url).unwrap();
    let pinned = config().with_era(Era::Modern);
    let error = McpClient::connect(transport, pinned, host())
        .await
        .unwrap_err();
    assert!(matches!(error, InitializeError::NotModern(_)), "{error}");
    assert_eq!(log.lock().unwrap().len(), 1, "nothing but the probe");
}

/// oxmcp's server with a tool whose `region` and `rows` go in `Mcp-Param-*` headers (the
/// server refuses a call whose headers do not match its arguments).
async fn region_server() -> (oxmcp_http::Server, String) {
    let Value::Object(schema) = json!({
        "type": "object",
        "properties": {
            "region": { "type": "string", "x-mcp-header": "Region" },
            "rows": { "type": "integer", "x-mcp-header": "Rows" },
            "note": { "type": "string" }
        }
    }) else {
        panic!("an object literal");
    };
    let route = ToolRoute::from_tool(
        oxmcp_types::Tool::new("query", schema),
        |args: oxmcp_types::JsonObject, _cx| async move {
            Ok::<_, ToolError>(oxmcp_types::CallToolResult::text(
                Value::Object(args).to_string(),
            ))
        },
    );
    let server = McpServer::builder(Implementation::new("params", "1"))
        .tool(route)
        .build()
        .unwrap();
    let service = McpService::new(move |t| server.serve(t), HttpServerConfig::default());
    let running = serve_with("127.0.0.1:0".parse().unwrap(), service, "/mcp")
        .await
        .unwrap();
    let url = running.url();
    (running, url)
}

#[tokio::test]
async fn marked_arguments_travel_in_their_headers_once_the_tools_are_listed() {
    let (_server, url) = region_server().await;
    let transport = HttpClientTransport::new(&url).unwrap();
    let client = McpClient::connect(transport, config(), ClientHandler::new())
        .await
        .unwrap();
    let call = |arguments: Value| {
        let params = CallToolRequestParams::new("query")
            .with_arguments(arguments.as_object().unwrap().clone());
        let peer = client.peer().clone();
        async move { peer.call_tool(params).await }
    };
    let arguments = json!({ "region": "Hello, 世界", "rows": 42, "note": "n" });
    // Before `tools/list` the transport does not know the tool's headers: refused.
    let refused = call(arguments.clone()).await.unwrap_err();
    assert_eq!(refused.as_remote().unwrap().code.0, -32020, "{refused}");
    client.peer().list_tools().collect_all().await.unwrap();
    let result = call(arguments).await.unwrap();
    assert!(text_of(&result).contains("世界"));
    // An absent argument has no header, which matches.
    call(json!({ "rows": 1 })).await.unwrap();
    client.close().await;
}

//! The engine's extension points: middleware (refusing a tool, adding a field to every
//! result, over stdio framing), the fallback, capability contributions, a principal given
//! to a stdio session, a fixed context without `initialize`, outbound hooks, notification
//! taps and session extensions.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use oxmcp_core::middleware::{Middleware, Next, NextNotification};
use oxmcp_core::role::Server;
use oxmcp_core::server::tools::{ToolError, ToolRoute};
use oxmcp_core::session::{FixedContext, OutboundHook, SessionInfo};
use oxmcp_core::transport::{LineTransport, memory};
use oxmcp_core::{
    ClientConfig, ClientHandler, HandlerResult, IncomingNotification, IncomingRequest, McpClient,
    McpServer, NotificationContext, Principal, RequestContext, RunningClient, ServerConfig,
    connect, serve_server, to_result,
};
use oxmcp_types::{
    CallToolResult, ClientCapabilities, ErrorData, Implementation, LoggingLevel, ProtocolVersion,
    ServerCapabilities, Tool,
};
use serde_json::value::RawValue;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

/// Refuses the tool `shutdown` with -32602.
struct RefuseShutdown;

impl Middleware<Server> for RefuseShutdown {
    async fn handle_request(
        &self,
        request: IncomingRequest,
        cx: RequestContext<Server>,
        next: Next<Server>,
    ) -> HandlerResult {
        if request.method == "tools/call" {
            let params: Value = request.params()?;
            if params["name"] == "shutdown" {
                return Err(ErrorData::invalid_params("the tool `shutdown` is disabled"));
            }
        }
        next.run(request, cx).await
    }
}

/// Adds `"stamped": <its name>` to every result, counts the notifications it passes on,
/// and declares itself under `extensions`.
struct Stamp {
    name: &'static str,
    notifications: Arc<AtomicUsize>,
}

impl Middleware<Server> for Stamp {
    async fn handle_request(
        &self,
        request: IncomingRequest,
        cx: RequestContext<Server>,
        next: Next<Server>,
    ) -> HandlerResult {
        let raw = next.run(request, cx).await?;
        let mut object: serde_json::Map<String, Value> = serde_json::from_str(raw.get())
            .map_err(|e| ErrorData::internal_error(e.to_string()))?;
        object.insert("stamped".into(), json!(self.name));
        to_result(&object)
    }

    async fn handle_notification(
        &self,
        notification: IncomingNotification,
        cx: NotificationContext<Server>,
        next: NextNotification<Server>,
    ) {
        self.notifications.fetch_add(1, Ordering::SeqCst);
        next.run(notification, cx).await;
    }

    fn capabilities(&self, own: &mut ServerCapabilities) {
        let extensions = own.extensions.get_or_insert_with(Default::default);
        extensions.insert("example.com/stamp".into(), json!({ "by": self.name }));
    }
}

fn text_tool(name: &'static str) -> ToolRoute {
    ToolRoute::from_tool(
        Tool::without_arguments(name),
        move |_args, _cx| async move { Ok::<_, ToolError>(CallToolResult::text(format!("{name} ran"))) },
    )
}

/// Who the caller is, as the handler sees it.
fn whoami() -> ToolRoute {
    ToolRoute::from_tool(Tool::without_arguments("whoami"), |_args, cx| async move {
        let who = cx
            .principal()
            .map_or_else(|| "anonymous".to_owned(), |p| p.subject.clone());
        Ok::<_, ToolError>(CallToolResult::text(who))
    })
}

fn server(notifications: &Arc<AtomicUsize>) -> McpServer {
    McpServer::builder(Implementation::new("layered", "1.0"))
        .tool(text_tool("echo"))
        .tool(text_tool("shutdown"))
        .tool(whoami())
        .layer(RefuseShutdown)
        .layer(Stamp {
            name: "outer",
            notifications: notifications.clone(),
        })
        .build()
        .unwrap()
}

async fn call(client: &RunningClient, method: &str, params: Value) -> Result<Value, String> {
    let raw = serde_json::value::to_raw_value(&params).unwrap();
    match client
        .peer()
        .request_raw(method, Some(raw), Default::default())
        .await
    {
        Ok(answer) => Ok(serde_json::from_str(answer.get()).unwrap()),
        Err(e) => Err(e.to_string()),
    }
}

/// A client and a server over newline-delimited JSON on a pipe pair: the stdio framing.
async fn over_lines(server: &McpServer, config: ServerConfig) -> RunningClient {
    let (client_io, server_io) = tokio::io::duplex(64 * 1024);
    let (server_read, server_write) = tokio::io::split(server_io);
    let (client_read, client_write) = tokio::io::split(client_io);
    let config = config
        .with_capabilities(server.capabilities())
        .with_session_config(Default::default());
    serve_server(
        LineTransport::new(server_read, server_write),
        config,
        server.clone(),
    );
    let client = ClientConfig::new(Implementation::new("test-client", "1.0"));
    connect(
        LineTransport::new(client_read, client_write),
        client,
        oxmcp_core::NoHandler,
    )
    .await
    .unwrap()
}

fn config() -> ServerConfig {
    ServerConfig::new(Implementation::new("layered", "1.0"))
}

#[tokio::test(start_paused = true)]
async fn middleware_refuses_a_tool_and_stamps_every_result_over_stdio_framing() {
    let notifications = Arc::new(AtomicUsize::new(0));
    let server = server(&notifications);
    let client = over_lines(&server, config()).await;
    let echo = call(&client, "tools/call", json!({"name": "echo"})).await;
    let echo = echo.unwrap();
    assert_eq!(echo["content"][0]["text"], "echo ran");
    assert_eq!(echo["stamped"], "outer");
    let refused = call(&client, "tools/call", json!({"name": "shutdown"})).await;
    let refused = refused.unwrap_err();
    assert!(refused.contains("`shutdown` is disabled"), "{refused}");
    let list = call(&client, "tools/list", json!({})).await.unwrap();
    assert_eq!(list["stamped"], "outer");
    assert_eq!(list["tools"].as_array().unwrap().len(), 3);
    // The engine answers ping itself: no middleware sees it, nothing is stamped.
    client.peer().ping().await.unwrap();
    // Notifications pass through the middleware too (`initialized` was the first).
    assert!(notifications.load(Ordering::SeqCst) >= 1);
    client.close().await;
}

#[tokio::test(start_paused = true)]
async fn middleware_declares_what_it_adds_under_extensions() {
    let notifications = Arc::new(AtomicUsize::new(0));
    let server = server(&notifications);
    let caps = serde_json::to_value(server.capabilities()).unwrap();
    assert_eq!(caps["extensions"]["example.com/stamp"]["by"], "outer");
    let client = over_lines(&server, config()).await;
    let declared = serde_json::to_value(&client.initialize_result().capabilities).unwrap();
    assert_eq!(declared["extensions"]["example.com/stamp"]["by"], "outer");
    client.close().await;
}

#[tokio::test(start_paused = true)]
async fn the_fallback_answers_methods_the_router_does_not_know() {
    struct Custom;
    impl oxmcp_core::Handler<Server> for Custom {
        async fn handle_request(
            &self,
            request: IncomingRequest,
            _cx: RequestContext<Server>,
        ) -> HandlerResult {
            match request.method.as_str() {
                "example/hello" => to_result(&json!({ "hello": "world" })),
                other => Err(ErrorData::method_not_found(other)),
            }
        }
    }
    let with = McpServer::builder(Implementation::new("s", "1"))
        .fallback(Custom)
        .build()
        .unwrap();
    let without = McpServer::builder(Implementation::new("s", "1"))
        .build()
        .unwrap();
    let client = over_lines(&with, config()).await;
    let hello = call(&client, "example/hello", json!({})).await.unwrap();
    assert_eq!(hello, json!({ "hello": "world" }));
    let other = call(&client, "example/other", json!({})).await.unwrap_err();
    assert!(other.contains("-32601"), "{other}");
    client.close().await;
    let client = over_lines(&without, config()).await;
    let hello = call(&client, "example/hello", json!({})).await.unwrap_err();
    assert!(hello.contains("-32601"), "{hello}");
    client.close().await;
}

#[tokio::test(start_paused = true)]
async fn a_stdio_session_given_a_principal_hands_it_to_every_request() {
    let notifications = Arc::new(AtomicUsize::new(0));
    let server = server(&notifications);
    let alice = Principal::new("alice").with_issuer("local");
    let client = over_lines(&server, config().with_principal(alice)).await;
    let who = call(&client, "tools/call", json!({"name": "whoami"})).await;
    assert_eq!(who.unwrap()["content"][0]["text"], "alice");
    client.close().await;
    let client = over_lines(&server, config()).await;
    let who = call(&client, "tools/call", json!({"name": "whoami"})).await;
    assert_eq!(who.unwrap()["content"][0]["text"], "anonymous");
    client.close().await;
}

#[tokio::test(start_paused = true)]
async fn a_fixed_context_handles_requests_without_initialize() {
    let info = SessionInfo::new(
        ProtocolVersion::V2025_06_18,
        ClientCapabilities::default(),
        Implementation::new("nobody", "0"),
        None,
    );
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let probe = ToolRoute::from_tool(Tool::without_arguments("probe"), move |_args, cx| {
        let record = record.clone();
        async move {
            let line = format!("{} {}", cx.protocol_version(), cx.session().peer_info.name);
            record.lock().unwrap().push(line);
            Ok::<_, ToolError>(CallToolResult::text("ok"))
        }
    });
    let server = McpServer::builder(Implementation::new("fixed", "1"))
        .tool(probe)
        .build()
        .unwrap();
    let config = server
        .server_config()
        .with_context_source(Arc::new(FixedContext::new(info)));
    let (a, b) = memory::duplex(16);
    let running = serve_server(a, config, server.clone());
    assert_eq!(
        running.session().map(|s| s.protocol_version),
        Some(ProtocolVersion::V2025_06_18),
        "the session reports its fixed context before any request"
    );
    let mut raw = crate::support::RawPeer::new(b);
    let mut request = async |id: u64, method: &str, params: Value| {
        raw.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        raw.recv().await
    };
    let answer = request(1, "tools/call", json!({ "name": "probe" })).await;
    assert_eq!(answer["result"]["content"][0]["text"], "ok");
    // `initialize` is answered, and changes nothing.
    let init = json!({
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": { "name": "late", "version": "1" }
    });
    let answer = request(2, "initialize", init).await;
    assert_eq!(answer["result"]["protocolVersion"], "2025-11-25");
    let answer = request(3, "tools/call", json!({ "name": "probe" })).await;
    assert!(answer["result"].is_object(), "{answer}");
    assert_eq!(
        *seen.lock().unwrap(),
        vec!["2025-06-18 nobody", "2025-06-18 nobody"]
    );
    running.handle().close();
    running.wait().await;
}

/// Marks every message of a piece of work with `_meta["example.com/job"]`.
struct Job(&'static str);

impl OutboundHook for Job {
    fn params(
        &self,
        _method: &str,
        params: Option<Box<RawValue>>,
    ) -> Result<Option<Box<RawValue>>, serde_json::Error> {
        let mut object: serde_json::Map<String, Value> = match params {
            Some(raw) => serde_json::from_str(raw.get())?,
            None => serde_json::Map::new(),
        };
        object.insert("_meta".into(), json!({ "example.com/job": self.0 }));
        serde_json::value::to_raw_value(&object).map(Some)
    }

    fn label(&self) -> Option<&str> {
        Some(self.0)
    }
}

#[tokio::test(start_paused = true)]
async fn work_under_an_outbound_hook_sends_decorated_messages() {
    let work = ToolRoute::from_tool(Tool::without_arguments("work"), |_args, cx| async move {
        let job = cx.for_work(CancellationToken::new(), Some(Arc::new(Job("nightly"))));
        assert_eq!(job.peer().hook().and_then(|h| h.label()), Some("nightly"));
        job.log(LoggingLevel::Info, None, json!("from the job"))
            .await
            .map_err(|e| ToolError::execution(e.to_string()))?;
        cx.log(LoggingLevel::Info, None, json!("from the call"))
            .await
            .map_err(|e| ToolError::execution(e.to_string()))?;
        Ok::<_, ToolError>(CallToolResult::text("done"))
    });
    let server = McpServer::builder(Implementation::new("hooks", "1"))
        .tool(work)
        .build()
        .unwrap();
    let (a, b) = memory::duplex(16);
    let _running = server.serve(a);
    let client = McpClient::connect(
        b,
        ClientConfig::new(Implementation::new("c", "1")),
        ClientHandler::new(),
    )
    .await
    .unwrap();
    let mut logs = client.notifications().logs();
    let params = oxmcp_types::CallToolRequestParams::new("work");
    client.peer().call_tool(params).await.unwrap();
    let first = logs.recv().await.unwrap();
    let second = logs.recv().await.unwrap();
    assert_eq!(first.data, json!("from the job"));
    let meta = serde_json::to_value(&first.meta).unwrap();
    assert_eq!(meta["example.com/job"], "nightly");
    assert_eq!(second.data, json!("from the call"));
    assert!(second.meta.is_none(), "the request's own peer has no hook");
    client.close().await;
}

#[tokio::test(start_paused = true)]
async fn taps_and_session_extensions_follow_one_session() {
    #[derive(Default)]
    struct Calls(AtomicUsize);
    let tapped = Arc::new(Mutex::new(Vec::new()));
    let record = tapped.clone();
    let count = ToolRoute::from_tool(Tool::without_arguments("count"), move |_args, cx| {
        let record = record.clone();
        async move {
            let calls = cx.session_extensions().get_or_insert_with(Calls::default);
            if calls.0.fetch_add(1, Ordering::SeqCst) == 0 {
                // The first call taps the session's notifications.
                cx.peer().tap_notifications(move |n| {
                    record.lock().unwrap().push(n.method.clone());
                });
            }
            let n = calls.0.load(Ordering::SeqCst);
            Ok::<_, ToolError>(CallToolResult::text(n.to_string()))
        }
    });
    let server = McpServer::builder(Implementation::new("taps", "1"))
        .tool(count)
        .build()
        .unwrap();
    let one = over_lines(&server, config()).await;
    let two = over_lines(&server, config()).await;
    let count = |client| async move {
        let answer = call(client, "tools/call", json!({"name": "count"})).await;
        answer.unwrap()["content"][0]["text"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(count(&one).await, "1");
    assert_eq!(count(&one).await, "2");
    assert_eq!(count(&two).await, "1", "another session has its own value");
    one.peer()
        .notify_raw("notifications/roots/list_changed", None)
        .await
        .unwrap_or_default();
    let raw = serde_json::value::to_raw_value(&json!({})).unwrap();
    one.peer()
        .notify_raw("example/ping", Some(raw))
        .await
        .unwrap();
    one.peer().ping().await.unwrap();
    let seen = tapped.lock().unwrap().clone();
    assert!(seen.contains(&"example/ping".to_owned()), "{seen:?}");
    one.close().await;
    two.close().await;
}

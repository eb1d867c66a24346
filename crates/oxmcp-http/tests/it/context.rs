//! What a request carries into its context over HTTP: middleware that refuses a tool and
//! stamps every result, a handler reading the HTTP request and the principal, task
//! ownership by principal, and the stateless mode without sessions or `initialize`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use http::request::Parts;
use oxmcp_core::middleware::{Middleware, Next};
use oxmcp_core::role::Server as ServerRole;
use oxmcp_core::server::tools::{ToolError, ToolRoute};
use oxmcp_core::{HandlerResult, IncomingRequest, McpServer, Principal, RequestContext, to_result};
use oxmcp_http::event_store::BoxFuture;
use oxmcp_http::{
    AuthHook, AuthRejection, HttpServerConfig, McpService, RemoteAddr, Server, serve_with,
};
use oxmcp_tasks::{MemoryTaskStore, TaskConfig, TasksServerBuilderExt as _};
use oxmcp_types::tools::TaskSupport;
use oxmcp_types::{CallToolResult, ErrorData, Implementation, Tool};
use serde_json::{Value, json};

use crate::support::*;

/// `Authorization: Bearer <name>` names `<name>` (issued by `https://issuer.test`).
struct Bearer;

impl AuthHook for Bearer {
    fn authorize<'a>(&'a self, _parts: &'a Parts) -> BoxFuture<'a, Result<(), AuthRejection>> {
        Box::pin(async { Ok(()) })
    }

    fn authenticate<'a>(
        &'a self,
        parts: &'a Parts,
    ) -> BoxFuture<'a, Result<Option<Principal>, AuthRejection>> {
        let name = parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|name| {
                Principal::new(name)
                    .with_issuer("https://issuer.test")
                    .with_scopes(["tools"])
            });
        Box::pin(async move { Ok(name) })
    }
}

/// Refuses the tool `shutdown`.
struct RefuseShutdown;

impl Middleware<ServerRole> for RefuseShutdown {
    async fn handle_request(
        &self,
        request: IncomingRequest,
        cx: RequestContext<ServerRole>,
        next: Next<ServerRole>,
    ) -> HandlerResult {
        if request.method == "tools/call" && request.params::<Value>()?["name"] == "shutdown" {
            return Err(ErrorData::invalid_params("the tool `shutdown` is disabled"));
        }
        next.run(request, cx).await
    }
}

/// Adds `"stamped": true` to every result.
struct Stamp;

impl Middleware<ServerRole> for Stamp {
    async fn handle_request(
        &self,
        request: IncomingRequest,
        cx: RequestContext<ServerRole>,
        next: Next<ServerRole>,
    ) -> HandlerResult {
        let raw = next.run(request, cx).await?;
        let mut object: serde_json::Map<String, Value> = serde_json::from_str(raw.get())
            .map_err(|e| ErrorData::internal_error(e.to_string()))?;
        object.insert("stamped".into(), json!(true));
        to_result(&object)
    }
}

fn text_tool(name: &'static str) -> ToolRoute {
    ToolRoute::from_tool(
        Tool::without_arguments(name),
        move |_args, _cx| async move { Ok::<_, ToolError>(CallToolResult::text(format!("{name} ran"))) },
    )
}

/// `<subject>|<issuer>|<x-tenant header>|<loopback or not>`, from the request's context.
fn whoami() -> ToolRoute {
    ToolRoute::from_tool(Tool::without_arguments("whoami"), |_args, cx| async move {
        let principal = cx.principal();
        let subject = principal
            .as_ref()
            .map_or("anonymous", |p| p.subject.as_str());
        let issuer = principal
            .as_ref()
            .and_then(|p| p.issuer.as_deref())
            .unwrap_or("-");
        let parts = cx.extensions().get::<Parts>();
        let tenant = parts
            .and_then(|p| p.headers.get("x-tenant"))
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-");
        let remote = cx.extensions().get::<RemoteAddr>();
        let loopback = remote.is_some_and(|r| r.0.ip().is_loopback());
        let text = format!("{subject}|{issuer}|{tenant}|{loopback}");
        Ok::<_, ToolError>(CallToolResult::text(text))
    })
}

/// A tool that runs as a task for a while.
fn slow() -> ToolRoute {
    ToolRoute::from_tool(Tool::without_arguments("slow"), |_args, _cx| async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        Ok::<_, ToolError>(CallToolResult::text("slow done"))
    })
    .with_task_support(TaskSupport::Optional)
}

fn mcp_server() -> McpServer {
    McpServer::builder(Implementation::new("context", "1.0"))
        .tool(text_tool("echo"))
        .tool(text_tool("shutdown"))
        .tool(whoami())
        .tool(slow())
        .layer(RefuseShutdown)
        .layer(Stamp)
        .task_store(MemoryTaskStore::new(), TaskConfig::default())
        .build()
        .unwrap()
}

pub(crate) async fn start(config: HttpServerConfig) -> (Server, McpServer) {
    let server = mcp_server();
    let serving = server.clone();
    let service = McpService::new(move |t| serving.serve(t), config).with_auth(Bearer);
    let running = serve_with("127.0.0.1:0".parse().unwrap(), service, "/mcp")
        .await
        .unwrap();
    (running, server)
}

/// A POST as `who` (a bearer name, or nobody) on `session`, with extra headers.
pub(crate) async fn post_as(
    url: &str,
    who: Option<&str>,
    session: Option<&str>,
    headers: &[(&str, &str)],
    body: &str,
) -> reqwest::Response {
    let mut req = http()
        .post(url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("mcp-protocol-version", "2025-11-25")
        .body(body.to_owned());
    if let Some(who) = who {
        req = req.header("authorization", format!("Bearer {who}"));
    }
    if let Some(session) = session {
        req = req.header("mcp-session-id", session);
    }
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    req.send().await.unwrap()
}

/// Opens a session as `who` and returns its id.
async fn open_as(url: &str, who: Option<&str>) -> String {
    let resp = post_as(url, who, None, &[], &init_body("2025-11-25")).await;
    assert_eq!(resp.status(), 200);
    let id = resp.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let initialized = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;
    let resp = post_as(url, who, Some(&id), &[], initialized).await;
    assert_eq!(resp.status(), 202);
    id
}

/// A request's JSON answer.
async fn ask(url: &str, who: Option<&str>, session: &str, method: &str, params: Value) -> Value {
    let body = request(7, method, params);
    let resp = post_as(url, who, Some(session), &[], &body).await;
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

#[tokio::test]
async fn middleware_refuses_a_tool_and_stamps_every_result_over_http() {
    let (running, _) = start(HttpServerConfig::default()).await;
    let url = running.url();
    let session = open_as(&url, None).await;
    let echo = ask(&url, None, &session, "tools/call", json!({"name": "echo"})).await;
    assert_eq!(echo["result"]["content"][0]["text"], "echo ran");
    assert_eq!(echo["result"]["stamped"], true);
    let list = ask(&url, None, &session, "tools/list", json!({})).await;
    assert_eq!(list["result"]["stamped"], true);
    let refused = ask(
        &url,
        None,
        &session,
        "tools/call",
        json!({"name": "shutdown"}),
    )
    .await;
    assert_eq!(refused["error"]["code"], -32602);
    assert!(refused["result"].is_null());
    running.shutdown().await;
}

#[tokio::test]
async fn a_handler_reads_the_http_request_and_the_principal() {
    let (running, _) = start(HttpServerConfig::default()).await;
    let url = running.url();
    let session = open_as(&url, Some("alice")).await;
    let body = request(3, "tools/call", json!({"name": "whoami"}));
    let headers = [("x-tenant", "acme")];
    let resp = post_as(&url, Some("alice"), Some(&session), &headers, &body).await;
    let answer: Value = resp.json().await.unwrap();
    assert_eq!(
        answer["result"]["content"][0]["text"],
        "alice|https://issuer.test|acme|true"
    );
    // Without a principal the same session is not found (it belongs to alice).
    let resp = post_as(&url, None, Some(&session), &headers, &body).await;
    assert_eq!(resp.status(), 404);
    let anonymous = open_as(&url, None).await;
    let answer = ask(
        &url,
        None,
        &anonymous,
        "tools/call",
        json!({"name": "whoami"}),
    )
    .await;
    assert_eq!(answer["result"]["content"][0]["text"], "anonymous|-|-|true");
    running.shutdown().await;
}

#[tokio::test]
async fn each_principal_sees_only_its_own_tasks_across_its_sessions() {
    let (running, _) = start(HttpServerConfig::default()).await;
    let url = running.url();
    let alice = open_as(&url, Some("alice")).await;
    let bob = open_as(&url, Some("bob")).await;
    let call = json!({"name": "slow", "task": {"ttl": 60000}});
    let created = ask(&url, Some("alice"), &alice, "tools/call", call).await;
    let task_id = created["result"]["task"]["taskId"]
        .as_str()
        .unwrap()
        .to_owned();
    let get = json!({ "taskId": task_id });

    let listed = ask(&url, Some("bob"), &bob, "tasks/list", json!({})).await;
    assert_eq!(listed["result"]["tasks"], json!([]), "{listed}");
    let foreign = ask(&url, Some("bob"), &bob, "tasks/get", get.clone()).await;
    assert_eq!(foreign["error"]["code"], -32602, "{foreign}");

    let own = ask(&url, Some("alice"), &alice, "tasks/get", get.clone()).await;
    assert_eq!(own["result"]["taskId"], task_id);
    // The task belongs to alice, not to her session: her second session reads it too.
    let again = open_as(&url, Some("alice")).await;
    let result = ask(&url, Some("alice"), &again, "tasks/result", get).await;
    assert_eq!(
        result["result"]["content"][0]["text"], "slow done",
        "{result}"
    );
    let listed = ask(&url, Some("alice"), &again, "tasks/list", json!({})).await;
    assert_eq!(listed["result"]["tasks"][0]["taskId"], task_id);
    running.shutdown().await;
}

/// Counts the engine's "initialize answered" events.
#[derive(Clone, Default)]
struct Initializes(Arc<AtomicUsize>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Initializes {
    fn on_event(&self, event: &tracing::Event<'_>, _cx: tracing_subscriber::layer::Context<'_, S>) {
        struct Message(bool);
        impl tracing::field::Visit for Message {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                if field.name() == "message" {
                    self.0 |= format!("{value:?}").starts_with("initialize answered");
                }
            }
        }
        let mut message = Message(false);
        event.record(&mut message);
        if message.0 {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
}

#[test]
fn the_stateless_mode_serves_a_thousand_posts_without_sessions_or_initialize() {
    use tracing_subscriber::layer::SubscriberExt as _;

    let initializes = Initializes::default();
    let subscriber = tracing_subscriber::registry().with(initializes.clone());
    // One thread: every task of the server and the client sees this subscriber.
    let _guard = tracing::subscriber::set_default(subscriber);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (running, server) = start(HttpServerConfig::default().with_stateless(true)).await;
        let url = running.url();
        for id in 0..1000u64 {
            let body = request(id, "tools/call", json!({"name": "whoami"}));
            let resp = post_as(&url, Some("carol"), None, &[], &body).await;
            assert_eq!(resp.status(), 200);
            let answer: Value = resp.json().await.unwrap();
            let text = &answer["result"]["content"][0]["text"];
            assert_eq!(text, "carol|https://issuer.test|-|true", "{answer}");
        }
        assert_eq!(initializes.0.load(Ordering::SeqCst), 0);
        // An initialize POSTed to the stateless endpoint is answered, without state.
        let resp = post_as(&url, None, None, &[], &init_body("2025-06-18")).await;
        assert!(resp.headers().get("mcp-session-id").is_none());
        let answer: Value = resp.json().await.unwrap();
        assert_eq!(answer["result"]["protocolVersion"], "2025-06-18");
        assert_eq!(initializes.0.load(Ordering::SeqCst), 1);
        assert_eq!(running.service().session_count(), 0);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while server.session_count() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(
            server.session_count(),
            0,
            "no engine session is left behind"
        );
        running.shutdown().await;
    });
}

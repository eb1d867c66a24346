//! A hand-written server for the client tests: lists in pages, resources, prompts,
//! completion, and tools that call back into the client (sampling, elicitation, roots).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use oxmcp_core::client::{ClientHandler, McpClient};
use oxmcp_core::role::Server;
use oxmcp_core::server::client_requests::ElicitOutcome;
use oxmcp_core::transport::memory;
use oxmcp_core::{
    ClientConfig, Handler, HandlerResult, IncomingNotification, IncomingRequest,
    NotificationContext, Peer, RequestContext, RunningServer, ServerConfig, serve_server,
    to_result,
};
use oxmcp_types::elicitation::{ElicitRequestUrlParams, UrlElicitationRequiredData};
use oxmcp_types::sampling::CreateMessageRequestParams;
use oxmcp_types::{ErrorData, Implementation, ProtocolVersion, ServerCapabilities, Tool};
use serde_json::{Value, json};

/// A form the server asks for.
#[derive(Debug, PartialEq, schemars::JsonSchema, serde::Deserialize)]
pub(crate) struct Profile {
    /// Your name.
    #[schemars(length(min = 1))]
    pub(crate) name: String,
    #[schemars(range(min = 0, max = 150))]
    pub(crate) age: Option<u8>,
    #[schemars(email)]
    pub(crate) email: String,
}

/// What the fake server saw and can be told.
#[derive(Debug, Default)]
pub(crate) struct FakeState {
    pub(crate) tools: Mutex<Vec<Tool>>,
    pub(crate) notifications: Mutex<Vec<String>>,
    pub(crate) authorized: AtomicBool,
    pub(crate) peers: Mutex<Vec<Peer<Server>>>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct FakeServer {
    pub(crate) state: Arc<FakeState>,
}

fn tool(name: &str) -> Tool {
    Tool::without_arguments(name).with_description(format!("the {name} tool"))
}

fn page(items_key: &str, items: &Value, next: Option<&str>) -> HandlerResult {
    let mut page = json!({ items_key: items });
    if let Some(next) = next {
        page["nextCursor"] = json!(next);
    }
    to_result(&page)
}

impl FakeServer {
    pub(crate) fn new() -> Self {
        let server = Self::default();
        *server.state.tools.lock().unwrap() = (1..=5).map(|i| tool(&format!("t{i}"))).collect();
        server
    }

    /// Tools in pages of two: cursors "2" and "4".
    fn list_tools(&self, params: &Value) -> HandlerResult {
        let tools = self.state.tools.lock().unwrap().clone();
        let start: usize = params["cursor"].as_str().map_or(0, |c| c.parse().unwrap());
        let end = (start + 2).min(tools.len());
        let next = (end < tools.len()).then(|| end.to_string());
        page("tools", &json!(tools[start..end]), next.as_deref())
    }

    async fn call_tool(&self, params: Value, cx: RequestContext<Server>) -> HandlerResult {
        let args = &params["arguments"];
        let text =
            |v: Value| to_result(&json!({ "content": [{"type": "text", "text": v.to_string()}] }));
        let fail = |e: &dyn std::fmt::Display| {
            to_result(&json!({
                "content": [{"type": "text", "text": e.to_string()}], "isError": true
            }))
        };
        match params["name"].as_str().unwrap_or_default() {
            "echo" => text(args.clone()),
            "sample" => {
                let p: CreateMessageRequestParams = serde_json::from_value(args.clone()).unwrap();
                match cx.create_message(p).await {
                    Ok(r) => text(serde_json::to_value(r).unwrap()),
                    Err(e) => fail(&e),
                }
            }
            "profile" => match cx.elicit::<Profile>("Who are you?").await {
                Ok(ElicitOutcome::Accepted(p)) => text(json!({"accepted": p.name, "age": p.age})),
                Ok(ElicitOutcome::Declined) => text(json!("declined")),
                Ok(ElicitOutcome::Cancelled) => text(json!("cancelled")),
                Err(e) => fail(&e),
            },
            "progress" => {
                for i in 1..=3 {
                    cx.progress(f64::from(i), Some(3.0), None).await.unwrap();
                }
                text(json!("done"))
            }
            "calendar" => self.calendar(&cx),
            other => Err(ErrorData::invalid_params(format!("unknown tool {other}"))),
        }
    }

    /// Needs a URL elicitation the first time; the test's consent hook authorizes it.
    fn calendar(&self, cx: &RequestContext<Server>) -> HandlerResult {
        if self.state.authorized.load(Ordering::SeqCst) {
            return to_result(&json!({ "content": [{"type": "text", "text": "3 meetings"}] }));
        }
        let e = ElicitRequestUrlParams::new(
            "Connect your calendar",
            "cal-1",
            "https://auth.example.com/connect?session=cal-1",
        );
        Err(cx
            .peer()
            .url_elicitation_required("calendar access needed", vec![e])?)
    }
}

impl Handler<Server> for FakeServer {
    async fn handle_request(
        &self,
        req: IncomingRequest,
        cx: RequestContext<Server>,
    ) -> HandlerResult {
        self.state.peers.lock().unwrap().push(cx.peer().unrelated());
        let params: Value = req.params()?;
        match req.method.as_str() {
            "tools/list" => self.list_tools(&params),
            "tools/call" => self.call_tool(params, cx).await,
            "resources/list" => match params["cursor"].as_str() {
                None => page(
                    "resources",
                    &json!([{"uri": "file:///a", "name": "a"}]),
                    Some("r2"),
                ),
                Some("r2") => page(
                    "resources",
                    &json!([{"uri": "file:///b", "name": "b"}]),
                    None,
                ),
                Some(_) => Err(ErrorData::invalid_params("invalid cursor")),
            },
            "resources/templates/list" => page(
                "resourceTemplates",
                &json!([{"uriTemplate": "file:///{path}", "name": "files"}]),
                None,
            ),
            "resources/read" => to_result(&json!({
                "contents": [{"uri": params["uri"], "mimeType": "text/plain", "text": "hello"}]
            })),
            "resources/subscribe" | "resources/unsubscribe" => {
                self.state
                    .notifications
                    .lock()
                    .unwrap()
                    .push(format!("{} {}", req.method, params["uri"]));
                to_result(&json!({}))
            }
            // Always the same cursor: a client that follows it would loop forever.
            "prompts/list" => page("prompts", &json!([{"name": "p"}]), Some("again")),
            "prompts/get" => to_result(&json!({
                "description": "a prompt",
                "messages": [{"role": "user", "content": {"type": "text", "text": params["arguments"]["topic"]}}]
            })),
            "completion/complete" => to_result(&json!({
                "completion": {"values": [format!("{}-1", params["argument"]["value"].as_str().unwrap_or(""))], "hasMore": false}
            })),
            other => Err(ErrorData::method_not_found(other)),
        }
    }

    async fn handle_notification(&self, n: IncomingNotification, _cx: NotificationContext<Server>) {
        self.state.notifications.lock().unwrap().push(n.method);
    }
}

pub(crate) fn server_config() -> ServerConfig {
    let caps: ServerCapabilities = serde_json::from_value(json!({
        "tools": {"listChanged": true},
        "resources": {"subscribe": true, "listChanged": true},
        "prompts": {"listChanged": true},
        "completions": {},
        "logging": {},
    }))
    .unwrap();
    ServerConfig::new(Implementation::new("fake-server", "1.0")).with_capabilities(caps)
}

/// A fake server and a client with `handler`, speaking `version`.
pub(crate) async fn connect_with(
    handler: ClientHandler,
    version: ProtocolVersion,
) -> (FakeServer, RunningServer, McpClient) {
    let (a, b) = memory::duplex(64);
    let fake = FakeServer::new();
    let server = serve_server(a, server_config(), fake.clone());
    let config =
        ClientConfig::new(Implementation::new("host", "1.0")).with_protocol_version(version);
    let client = McpClient::connect(b, config, handler)
        .await
        .expect("connect");
    // Once the server answered this, it has seen `notifications/initialized`.
    client.peer().ping().await.expect("ping");
    (fake, server, client)
}

pub(crate) async fn connect(handler: ClientHandler) -> (FakeServer, RunningServer, McpClient) {
    connect_with(handler, ProtocolVersion::LATEST).await
}

/// The text of the first content block of a tool result.
pub(crate) fn first_text(result: &oxmcp_types::CallToolResult) -> String {
    result.content[0].as_text().unwrap_or_default().to_owned()
}

/// Reads the -32042 data of an error (for assertions).
pub(crate) fn elicitations_of(e: &ErrorData) -> Vec<String> {
    UrlElicitationRequiredData::from_error(e)
        .map(|d| {
            d.elicitations
                .into_iter()
                .map(|e| e.elicitation_id)
                .collect()
        })
        .unwrap_or_default()
}

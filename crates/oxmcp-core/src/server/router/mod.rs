//! [`McpServer`]: the shared server object that routes the feature requests of every
//! session to the registered tools, resources, prompts and completers.

mod call_params;
mod catalog;
mod changes;
mod input_first;
mod listen;
mod prompts;
mod resources;
mod tools;
mod weak;

pub use changes::ServerChange;
pub use weak::WeakMcpServer;

use std::sync::{Arc, Weak};

use oxmcp_types::capabilities::{PromptsCapability, ResourcesCapability, ToolsCapability};
use oxmcp_types::{
    AdaptToVersion, ErrorCode, ErrorData, Implementation, JsonObject, ProtocolVersion,
    ServerCapabilities,
};
use serde::Serialize;

use self::catalog::Shared as SharedCatalog;
use super::listen::{DEFAULT_MAX_LISTEN_STREAMS, Listeners};
use super::mrtr::{self, RoundTripConfig};
use super::pagination::{CursorCodec, DEFAULT_PAGE_SIZE, ListKind};
use super::prompts::{PromptRegistrationError, PromptRoute};
use super::resources::{
    RegisteredTemplate, ResourceRegistrationError, ResourceRoute, ResourceTemplateRoute,
};
use super::sessions::Sessions;
use super::tools::{RegisteredTool, ToolNamePolicy, ToolRegistrationError, ToolRoute};
use super::tracing_bridge;
use super::{RunningServer, ServerConfig, serve_server};
use crate::config::SessionConfig;
use crate::context::{NotificationContext, RequestContext};
use crate::extensions::Extensions;
use crate::handler::{
    BoxFuture, DynHandler, Handler, HandlerResult, IncomingNotification, IncomingRequest, to_result,
};
use crate::middleware::{Middleware, MiddlewareStack};
use crate::role::Server;
use crate::transport::Transport;

/// Why a server could not be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistrationError {
    /// A tool was refused.
    #[error(transparent)]
    Tool(#[from] ToolRegistrationError),
    /// A resource or resource template was refused.
    #[error(transparent)]
    Resource(#[from] ResourceRegistrationError),
    /// A prompt was refused.
    #[error(transparent)]
    Prompt(#[from] PromptRegistrationError),
}

/// Settings fixed when the server is built.
#[derive(Debug, Clone)]
struct Options {
    page_size: usize,
    tool_name_policy: ToolNamePolicy,
    logging: bool,
    resource_subscriptions: bool,
    max_subscriptions: usize,
    max_listen_streams: usize,
    declare_tools: bool,
    declare_resources: bool,
    declare_prompts: bool,
    declare_completions: bool,
    hide_unauthorized: bool,
}

/// The default of [`McpServerBuilder::max_subscriptions_per_session`].
pub const DEFAULT_MAX_SUBSCRIPTIONS: usize = 1024;

#[derive(Debug)]
struct Inner {
    info: Implementation,
    instructions: Option<String>,
    session: SessionConfig,
    options: Options,
    tools: SharedCatalog<RegisteredTool>,
    resources: SharedCatalog<ResourceRoute>,
    templates: SharedCatalog<RegisteredTemplate>,
    prompts: SharedCatalog<PromptRoute>,
    sessions: Sessions,
    /// The open `subscriptions/listen` streams.
    listeners: Listeners,
    cursors: CursorCodec,
    notification_hook: Option<NotificationHook>,
    /// Server-wide values of extensions (see [`McpServer::extension`]).
    extensions: Extensions,
    /// Middleware in front of the router.
    layers: MiddlewareStack<Server>,
    /// The router itself, as the end of the middleware chain (it holds the server weakly).
    router: HandlerRef,
    /// What answers the methods the router does not know.
    fallback: Option<HandlerRef>,
    /// Multi round-trip requests (2026-07-28).
    round_trips: RoundTripConfig,
    /// What carries changes to the other processes (see [`McpServer::relay_changes`]).
    relay: changes::Relay,
}

/// A shared handler (the router, or what [`McpServerBuilder::fallback`] stores).
#[derive(Clone)]
struct HandlerRef(Arc<dyn DynHandler<Server>>);

impl std::fmt::Debug for HandlerRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Handler")
    }
}

/// The router behind the middleware: the end of the chain.
struct Router(Weak<Inner>);

impl Handler<Server> for Router {
    async fn handle_request(
        &self,
        request: IncomingRequest,
        cx: RequestContext<Server>,
    ) -> HandlerResult {
        match self.0.upgrade() {
            Some(shared) => McpServer { shared }.dispatch(request, cx).await,
            None => Err(ErrorData::internal_error("the server is shutting down")),
        }
    }

    async fn handle_notification(
        &self,
        notification: IncomingNotification,
        cx: NotificationContext<Server>,
    ) {
        if let Some(shared) = self.0.upgrade() {
            McpServer { shared }.on_notification(notification, cx).await;
        }
    }
}

type HookFn = dyn Fn(IncomingNotification, NotificationContext<Server>) -> BoxFuture<'static, ()>
    + Send
    + Sync;

/// What [`McpServerBuilder::on_notification`] stores.
#[derive(Clone)]
struct NotificationHook(Arc<HookFn>);

impl std::fmt::Debug for NotificationHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NotificationHook")
    }
}

/// A server shared by all its sessions: tools, resources, prompts and completions
/// registered once, changeable while serving, with `list_changed` notifications to every
/// session. Cheap to clone (one `Arc`).
///
/// Build it with [`McpServer::builder`], then [`serve`](McpServer::serve) each connection.
/// It implements [`Handler<Server>`], and answers the feature methods itself; results are
/// adapted to each session's negotiated protocol version.
///
/// ```
/// use oxmcp_core::server::McpServer;
/// use oxmcp_core::server::tools::ToolRoute;
/// use oxmcp_core::{ClientConfig, NoHandler, connect, transport::memory};
/// use oxmcp_types::Implementation;
///
/// #[derive(serde::Deserialize, schemars::JsonSchema)]
/// struct EchoArgs { text: String }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let server = McpServer::builder(Implementation::new("demo", "1.0"))
///     .instructions("Call `echo`.")
///     .tool(ToolRoute::new("echo", |a: EchoArgs, _cx| async move { a.text }).with_description("Echoes."))
///     .build()
///     .unwrap();
/// assert!(server.capabilities().tools.is_some());
///
/// let (a, b) = memory::duplex(16);
/// let running = server.serve(a);
/// let client = connect(b, ClientConfig::new(Implementation::new("me", "1.0")), NoHandler).await.unwrap();
/// let params = serde_json::value::to_raw_value(&serde_json::json!({"name": "echo", "arguments": {"text": "hi"}})).unwrap();
/// let answer = client.peer().request_raw("tools/call", Some(params), Default::default()).await.unwrap();
/// assert_eq!(answer.get(), r#"{"content":[{"type":"text","text":"hi"}]}"#);
/// client.close().await;
/// running.wait().await;
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct McpServer {
    shared: Arc<Inner>,
}

/// Builds an [`McpServer`].
#[derive(Debug)]
#[must_use]
pub struct McpServerBuilder {
    info: Implementation,
    instructions: Option<String>,
    session: SessionConfig,
    options: Options,
    tools: Vec<ToolRoute>,
    resources: Vec<ResourceRoute>,
    templates: Vec<ResourceTemplateRoute>,
    prompts: Vec<PromptRoute>,
    notification_hook: Option<NotificationHook>,
    extensions: Extensions,
    layers: MiddlewareStack<Server>,
    fallback: Option<HandlerRef>,
    round_trips: RoundTripConfig,
}

impl McpServer {
    /// Starts building a server that introduces itself as `info`.
    pub fn builder(info: Implementation) -> McpServerBuilder {
        McpServerBuilder {
            info,
            instructions: None,
            session: SessionConfig::default(),
            options: Options {
                page_size: DEFAULT_PAGE_SIZE,
                tool_name_policy: ToolNamePolicy::default(),
                logging: true,
                resource_subscriptions: true,
                max_subscriptions: DEFAULT_MAX_SUBSCRIPTIONS,
                max_listen_streams: DEFAULT_MAX_LISTEN_STREAMS,
                hide_unauthorized: false,
                declare_tools: false,
                declare_resources: false,
                declare_prompts: false,
                declare_completions: false,
            },
            tools: Vec::new(),
            resources: Vec::new(),
            templates: Vec::new(),
            prompts: Vec::new(),
            notification_hook: None,
            extensions: Extensions::new(),
            layers: MiddlewareStack::new(),
            fallback: None,
            round_trips: RoundTripConfig::default(),
        }
    }

    /// What a new session is told the server supports, computed from what is registered
    /// now (and what the builder declared): `tools` with `listChanged`, `resources` with
    /// `listChanged` (and `subscribe` unless disabled), `prompts` with `listChanged`,
    /// `completions` when a completer exists, `logging` unless disabled, and what each
    /// [middleware](McpServerBuilder::layer) adds (the task extension adds `tasks`).
    pub fn capabilities(&self) -> ServerCapabilities {
        let shared = &self.shared;
        let mut caps = ServerCapabilities::default();
        if shared.options.declare_tools || !shared.tools.snapshot().is_empty() {
            let mut tools = ToolsCapability::default();
            tools.list_changed = Some(true);
            caps.tools = Some(tools);
        }
        let templates = shared.templates.snapshot();
        let options = &shared.options;
        if options.declare_resources
            || !templates.is_empty()
            || !shared.resources.snapshot().is_empty()
        {
            let mut resources = ResourcesCapability::default();
            resources.list_changed = Some(true);
            resources.subscribe = Some(options.resource_subscriptions);
            caps.resources = Some(resources);
        }
        let prompts = shared.prompts.snapshot();
        if options.declare_prompts || !prompts.is_empty() {
            let mut capability = PromptsCapability::default();
            capability.list_changed = Some(true);
            caps.prompts = Some(capability);
        }
        let has_completers = prompts.iter().any(|p| !p.completers.is_empty())
            || templates.iter().any(|t| !t.route.completers.is_empty());
        if options.declare_completions || has_completers {
            caps.completions = Some(JsonObject::new());
        }
        if options.logging {
            caps.logging = Some(JsonObject::new());
        }
        shared.layers.capabilities(&mut caps);
        caps
    }

    /// The configuration a session of this server starts with: info, instructions, the
    /// current [`capabilities`](Self::capabilities) and the session settings. For transports
    /// that create sessions themselves; [`serve`](Self::serve) uses it.
    pub fn server_config(&self) -> ServerConfig {
        let mut config = ServerConfig::new(self.shared.info.clone())
            .with_capabilities(self.capabilities())
            .with_session_config(self.shared.session.clone());
        config.instructions = self.shared.instructions.clone();
        config
    }

    /// Serves one client over `transport`. The session is registered for `list_changed`
    /// and resource update notifications, and forgotten when it ends.
    pub fn serve<T: Transport>(&self, transport: T) -> RunningServer {
        let running = serve_server(transport, self.server_config(), self.clone());
        self.shared.sessions.register(running.peer());
        running
    }

    /// The server-wide value of type `T` an extension registered with
    /// [`McpServerBuilder::extension`] (the task extension keeps its engine there).
    pub fn extension<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.shared.extensions.get::<T>()
    }

    /// How many sessions are registered (sessions that ended are forgotten).
    pub fn session_count(&self) -> usize {
        self.shared.sessions.len()
    }

    fn decode_cursor(
        &self,
        kind: ListKind,
        cursor: Option<&str>,
    ) -> Result<Option<u64>, ErrorData> {
        cursor
            .map(|c| {
                self.shared
                    .cursors
                    .decode(kind, c)
                    .map_err(|e| ErrorData::invalid_params(format!("invalid cursor: {e}")))
            })
            .transpose()
    }

    fn next_cursor(&self, kind: ListKind, after: Option<u64>) -> Option<String> {
        after.map(|a| self.shared.cursors.encode(kind, a))
    }

    async fn dispatch(
        &self,
        request: IncomingRequest,
        cx: RequestContext<Server>,
    ) -> HandlerResult {
        match request.method.as_str() {
            "tools/list" => self.list_tools(&request, &cx),
            "tools/call" | "resources/read" | "prompts/get" => {
                self.dispatch_rounds(&request, cx).await
            }
            "resources/list" => self.list_resources(&request, &cx),
            "resources/templates/list" => self.list_resource_templates(&request, &cx),
            "resources/subscribe" => self.subscribe(&request, &cx),
            "subscriptions/listen" if cx.protocol_version().is_modern() => {
                self.listen(&request, cx).await
            }
            "resources/unsubscribe" => self.unsubscribe(&request, &cx),
            "prompts/list" => self.list_prompts(&request, &cx),
            "completion/complete" => self.complete(&request, cx).await,
            _ => match &self.shared.fallback {
                Some(fallback) => fallback.0.handle_request(request, cx).await,
                None => Err(ErrorData::method_not_found(&request.method)),
            },
        }
    }

    /// The requests that may end `input_required` (see [`mrtr`]), which the router reads by
    /// reference.
    async fn dispatch_rounds(
        &self,
        request: &IncomingRequest,
        cx: RequestContext<Server>,
    ) -> HandlerResult {
        match request.method.as_str() {
            "tools/call" => self.call_tool(request, cx).await,
            "prompts/get" => self.get_prompt(request, cx).await,
            "resources/read" => {
                let modern = cx.protocol_version().is_modern();
                self.read_resource(request, cx).await.map_err(|mut e| {
                    // 2026-07-28 reports an unknown resource as invalid params (SEP-2164).
                    if modern && e.code == ErrorCode::RESOURCE_NOT_FOUND {
                        e.code = ErrorCode::INVALID_PARAMS;
                    }
                    e
                })
            }
            _ => Err(ErrorData::method_not_found(&request.method)),
        }
    }

    /// A notification, after the middleware.
    async fn on_notification(
        &self,
        notification: IncomingNotification,
        cx: NotificationContext<Server>,
    ) {
        if let Some(hook) = &self.shared.notification_hook {
            (hook.0)(notification, cx).await;
        }
    }
}

impl Handler<Server> for McpServer {
    async fn handle_request(
        &self,
        request: IncomingRequest,
        cx: RequestContext<Server>,
    ) -> HandlerResult {
        // Sessions started by other means than `serve` are registered on first use.
        self.shared.sessions.register(cx.peer());
        let shared = &self.shared;
        // A modern request that may end `input_required` runs with an input recorder.
        let rounds = mrtr::begin(&shared.round_trips, &request, &cx)?;
        let cx = match &rounds {
            Some(started) => {
                let peer = cx.peer().clone().with_rounds(started.handle());
                cx.with_peer(peer)
            }
            None => cx,
        };
        let peer = cx.peer().clone();
        let Some(started) = rounds else {
            return if shared.layers.is_empty() {
                tracing_bridge::scope(peer, self.dispatch(request, cx)).await
            } else {
                let chain = shared
                    .layers
                    .run_request(shared.router.0.clone(), request, cx);
                tracing_bridge::scope(peer, chain).await
            };
        };
        // A state written at the end is bound to the params: the router reads them by
        // reference, middleware takes the request and so works on a copy.
        let (params, result) = if shared.layers.is_empty() {
            let work = tracing_bridge::scope(peer, self.dispatch_rounds(&request, cx));
            let result = started.run(std::pin::pin!(work)).await;
            (request.params, result)
        } else {
            let params = request.params.clone();
            let chain = shared
                .layers
                .run_request(shared.router.0.clone(), request, cx);
            let result = started
                .run(std::pin::pin!(tracing_bridge::scope(peer, chain)))
                .await;
            (params, result)
        };
        started.finish(&shared.round_trips, result, params.as_deref())
    }

    async fn handle_notification(
        &self,
        notification: IncomingNotification,
        cx: NotificationContext<Server>,
    ) {
        let shared = &self.shared;
        if shared.layers.is_empty() {
            return self.on_notification(notification, cx).await;
        }
        shared
            .layers
            .run_notification(shared.router.0.clone(), notification, cx)
            .await;
    }
}

impl McpServerBuilder {
    /// Sets the `instructions` sent in `initialize`.
    pub fn instructions(mut self, instructions: impl Into<String>) -> Self {
        self.instructions = Some(instructions.into());
        self
    }

    /// Sets how many items a page of a list holds (default 100, at least 1).
    pub fn page_size(mut self, size: usize) -> Self {
        self.options.page_size = size.max(1);
        self
    }

    /// Sets what happens to tool names that break the spec's rule (default: warn).
    pub fn tool_name_policy(mut self, policy: ToolNamePolicy) -> Self {
        self.options.tool_name_policy = policy;
        self
    }

    /// Whether the lists leave out the tools, prompts, resources and resource templates
    /// the caller's principal lacks a scope for
    /// ([`ToolRoute::with_scopes`](crate::server::tools::ToolRoute::with_scopes) and the
    /// like), and a use of one is answered as for an unknown one (default false: every
    /// caller sees everything, and a use without the scopes is refused naming them). With
    /// hiding on, the filter runs on each page, so a page may hold fewer items than the
    /// page size.
    pub fn hide_unauthorized(mut self, hide: bool) -> Self {
        self.options.hide_unauthorized = hide;
        self
    }

    /// Sets the limits and timeouts of each session.
    pub fn session_config(mut self, session: SessionConfig) -> Self {
        self.session = session;
        self
    }

    /// Whether to declare `logging` (default true).
    pub fn logging(mut self, enabled: bool) -> Self {
        self.options.logging = enabled;
        self
    }

    /// Declares `tools` even while no tool is registered, so that sessions started before
    /// the first [`McpServer::add_tool`] hear about it.
    pub fn declare_tools(mut self) -> Self {
        self.options.declare_tools = true;
        self
    }

    /// Declares `resources` even while none is registered.
    pub fn declare_resources(mut self) -> Self {
        self.options.declare_resources = true;
        self
    }

    /// Declares `prompts` even while none is registered.
    pub fn declare_prompts(mut self) -> Self {
        self.options.declare_prompts = true;
        self
    }

    /// Declares `completions` even while no completer is registered.
    pub fn declare_completions(mut self) -> Self {
        self.options.declare_completions = true;
        self
    }

    /// Whether to declare `resources.subscribe` and accept `resources/subscribe` (default
    /// true when resources are declared).
    pub fn resource_subscriptions(mut self, enabled: bool) -> Self {
        self.options.resource_subscriptions = enabled;
        self
    }

    /// Sets how many resource subscriptions one session may hold (default 1024); past it,
    /// `resources/subscribe` is answered with -32603. A `subscriptions/listen` stream
    /// (2026-07-28) honours as many distinct URIs at most: the first ones it asks for.
    pub fn max_subscriptions_per_session(mut self, limit: usize) -> Self {
        self.options.max_subscriptions = limit;
        self
    }

    /// Sets how many `subscriptions/listen` streams (2026-07-28) the server keeps open at
    /// once, over all its clients (default [`DEFAULT_MAX_LISTEN_STREAMS`]); past it, a new
    /// one is answered with -32603. Transports may bound them per client too (over HTTP:
    /// `HttpServerConfig::max_listen_streams_per_client`).
    pub fn max_listen_streams(mut self, limit: usize) -> Self {
        self.options.max_listen_streams = limit;
        self
    }

    /// Adds a static resource.
    pub fn resource(mut self, route: ResourceRoute) -> Self {
        self.resources.push(route);
        self
    }

    /// Adds a resource template.
    pub fn resource_template(mut self, route: ResourceTemplateRoute) -> Self {
        self.templates.push(route);
        self
    }

    /// Adds resource templates (for example those a `#[resource_router]` impl generates),
    /// tried in this order after the templates added before.
    pub fn resource_templates(
        mut self,
        routes: impl IntoIterator<Item = ResourceTemplateRoute>,
    ) -> Self {
        self.templates.extend(routes);
        self
    }

    /// Adds a prompt.
    pub fn prompt(mut self, route: PromptRoute) -> Self {
        self.prompts.push(route);
        self
    }

    /// Adds a tool.
    pub fn tool(mut self, route: ToolRoute) -> Self {
        self.tools.push(route);
        self
    }

    /// Adds prompts (for example those a `#[prompt_router]` impl generates).
    pub fn prompts(mut self, routes: impl IntoIterator<Item = PromptRoute>) -> Self {
        self.prompts.extend(routes);
        self
    }

    /// Calls `hook` for every notification the client sends after initialization (such as
    /// `notifications/roots/list_changed`), one at a time, in arrival order. The engine's
    /// own notifications (cancellation, progress) are handled before this. Keep the hook
    /// short: spawn anything that waits on the client.
    ///
    /// ```
    /// use oxmcp_core::server::McpServer;
    /// use oxmcp_types::Implementation;
    ///
    /// let server = McpServer::builder(Implementation::new("s", "1"))
    ///     .on_notification(|n, cx| async move {
    ///         if n.method == "notifications/roots/list_changed" {
    ///             // Requests to the client go in a task of their own: awaiting them here
    ///             // would hold up the notifications behind this one.
    ///             let peer = cx.peer().clone();
    ///             tokio::spawn(async move { peer.list_roots().await });
    ///         }
    ///     })
    ///     .build()
    ///     .unwrap();
    /// # let _ = server;
    /// ```
    pub fn on_notification<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(IncomingNotification, NotificationContext<Server>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.notification_hook = Some(NotificationHook(Arc::new(move |n, cx| {
            Box::pin(hook(n, cx))
        })));
        self
    }

    /// Adds tools (for example those a `#[tool_router]` impl generates).
    pub fn tools(mut self, routes: impl IntoIterator<Item = ToolRoute>) -> Self {
        self.tools.extend(routes);
        self
    }

    /// Puts `middleware` in front of the router: it sees every request and notification
    /// of every session (all but `initialize`, `ping` and `logging/setLevel`, which the
    /// engine answers) before the router, and may answer, refuse or pass them on. The first
    /// added sees a request first. Its [`capabilities`](Middleware::capabilities) are added
    /// to what the server declares.
    pub fn layer(mut self, middleware: impl Middleware<Server>) -> Self {
        self.layers = self.layers.with(middleware);
        self
    }

    /// Keeps a server-wide value for extensions (one per type), readable with
    /// [`McpServer::extension`].
    pub fn extension<T: Send + Sync + 'static>(mut self, value: T) -> Self {
        self.extensions.insert(value);
        self
    }

    /// Answers the requests of methods the router does not know with `handler`, instead of
    /// -32601: custom methods, for example. (Notifications go to
    /// [`on_notification`](Self::on_notification).) Methods the server did not declare the
    /// capability of are refused before any handler sees them.
    pub fn fallback(mut self, handler: impl Handler<Server>) -> Self {
        self.fallback = Some(HandlerRef(Arc::new(handler)));
        self
    }

    /// Sets how multi round-trip requests run (2026-07-28): the keys that sign
    /// `requestState` (share them between the instances behind one endpoint), its lifetime
    /// and its size limit. See [`mrtr`](crate::server::mrtr).
    pub fn round_trips(mut self, config: RoundTripConfig) -> Self {
        self.round_trips = config;
        self
    }

    /// Checks and compiles everything registered and builds the server.
    pub fn build(self) -> Result<McpServer, RegistrationError> {
        let max_listen_streams = self.options.max_listen_streams;
        let shared = Arc::new_cyclic(|me: &Weak<Inner>| {
            let router = HandlerRef(Arc::new(Router(me.clone())));
            Inner {
                info: self.info,
                instructions: self.instructions,
                session: self.session,
                options: self.options,
                tools: SharedCatalog::default(),
                resources: SharedCatalog::default(),
                templates: SharedCatalog::default(),
                prompts: SharedCatalog::default(),
                sessions: Sessions::default(),
                listeners: Listeners::new(max_listen_streams),
                cursors: CursorCodec::random(),
                notification_hook: self.notification_hook,
                extensions: self.extensions,
                layers: self.layers,
                router,
                fallback: self.fallback,
                round_trips: self.round_trips,
                relay: changes::Relay::default(),
            }
        });
        let server = McpServer { shared };
        server.add_tools(self.tools)?;
        server.add_resources(self.resources)?;
        server.add_resource_templates(self.templates)?;
        server.add_prompts(self.prompts)?;
        Ok(server)
    }
}

/// Adapts a result to the session's negotiated version and serializes it.
fn reply<T: Serialize + AdaptToVersion>(value: T, cx: &RequestContext<Server>) -> HandlerResult {
    reply_version(value, cx.protocol_version())
}

fn reply_version<T: Serialize + AdaptToVersion>(
    mut value: T,
    version: ProtocolVersion,
) -> HandlerResult {
    value.adapt_to(version);
    to_result(&value)
}

//! The Streamable HTTP server: [`McpService`], a tower `Service` for one MCP endpoint.
//!
//! Every request goes through the same steps, in this order: Host and Origin checks (400
//! for two `Host` or `Origin` headers, a malformed one, or a `Host` that disagrees with an
//! absolute-form request-target; 403 for a host or origin not allowed),
//! size limits (413, before any parsing), the [`AuthHook`], the Accept / Content-Type /
//! `MCP-Protocol-Version` checks (406, 415, 400), parsing (400 with a JSON-RPC error), and
//! only then the session lookup (400 without `Mcp-Session-Id`, 404 for an unknown or ended
//! session; with [`HttpServerConfig::strict_version_header`], 400 when
//! `MCP-Protocol-Version` names another version than the session's). A session is created
//! only for a valid `initialize`.
//!
//! A POSTed JSON array is a JSON-RPC batch, accepted only on sessions that negotiated
//! 2025-03-26 (the one revision with batches; others get 400). The legacy HTTP+SSE
//! endpoints of 2024-11-05 are off by default ([`LegacySseConfig`]); their sessions share the
//! registry, the cap, the reaper and the checks.

mod authority;
mod batch;
mod body;
mod client;
mod config;
mod connections;
mod guard;
mod inbound;
mod inbox;
mod legacy;
mod listen;
mod mcp_headers;
mod modern;
mod param_headers;
mod post;
mod queue;
mod refusal;
mod registered;
mod registry;
mod serve;
mod session;
mod shared;
mod stream;

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::request::Parts;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use oxmcp_core::RunningServer;
use oxmcp_core::session::ModernStateCache;
use tokio::time::Instant;

pub use body::McpBody;
pub use config::{
    AllowedHosts, AllowedOrigins, HttpServerConfig, LegacySseConfig, ResponseMode, SsePolling,
};
pub use guard::{LAST_EVENT_ID_HEADER, PROTOCOL_VERSION_HEADER, SESSION_ID_HEADER};
pub use inbound::RemoteAddr;
/// Who an accepted request comes from, as the [`AuthHook`] names it: the engine's
/// `Principal`, which handlers read with
/// [`RequestContext::principal`](oxmcp_core::RequestContext::principal).
pub use oxmcp_core::Principal;
pub use serve::{DEFAULT_PATH, ServeError, Server, serve, serve_with};
pub use session::{HttpSessionReader, HttpSessionTransport, HttpSessionWriter, SessionStreams};

use crate::event_store::BoxFuture;
use registry::Registry;

/// Starts the engine session of each new MCP session on the transport it is given.
///
/// Any `Fn(HttpSessionTransport) -> RunningServer` is a factory:
///
/// ```
/// use oxmcp_core::{NoHandler, ServerConfig, serve_server};
/// use oxmcp_http::{HttpServerConfig, McpService};
/// use oxmcp_types::Implementation;
///
/// let config = ServerConfig::new(Implementation::new("demo", "1.0"));
/// let service = McpService::new(
///     move |t| serve_server(t, config.clone(), NoHandler),
///     HttpServerConfig::default(),
/// );
/// # drop(service);
/// ```
pub trait SessionFactory: Send + Sync + 'static {
    /// Starts serving one session over `transport`.
    fn start(&self, transport: HttpSessionTransport) -> RunningServer;
}

impl<F> SessionFactory for F
where
    F: Fn(HttpSessionTransport) -> RunningServer + Send + Sync + 'static,
{
    fn start(&self, transport: HttpSessionTransport) -> RunningServer {
        self(transport)
    }
}

/// A refusal by the [`AuthHook`]: the status (401 or 403) and the `WWW-Authenticate`
/// challenge, if any.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AuthRejection {
    /// The HTTP status.
    pub status: StatusCode,
    /// The `WWW-Authenticate` header value.
    pub www_authenticate: Option<HeaderValue>,
}

impl AuthRejection {
    /// A refusal with this status and challenge.
    pub fn new(status: StatusCode, www_authenticate: Option<HeaderValue>) -> Self {
        Self {
            status,
            www_authenticate,
        }
    }
}

/// Authenticates each request after the Host/Origin and size checks, before parsing.
///
/// A hook that knows who is calling implements [`authenticate`](Self::authenticate) too:
/// the [`Principal`] it names reaches every handler of the request
/// ([`RequestContext::principal`](oxmcp_core::RequestContext::principal)) and owns the
/// tasks the request creates; a session is bound to the principal of the request that
/// created it, and every later request for it (POST, GET and DELETE, and POSTs to a legacy
/// session) must come from the same caller (same issuer and subject), or gets 404 as if the
/// session did not exist; a leaked session id is no use to another caller.
pub trait AuthHook: Send + Sync + 'static {
    /// Accepts or refuses a request from its headers.
    fn authorize<'a>(&'a self, parts: &'a Parts) -> BoxFuture<'a, Result<(), AuthRejection>>;

    /// Accepts or refuses a request, naming its principal when the hook knows it. The
    /// default calls [`authorize`](Self::authorize) and names none (sessions are then
    /// bound to no one: any accepted caller with the session id may use it).
    fn authenticate<'a>(
        &'a self,
        parts: &'a Parts,
    ) -> BoxFuture<'a, Result<Option<Principal>, AuthRejection>> {
        Box::pin(async move { self.authorize(parts).await.map(|()| None) })
    }

    /// Accepts or refuses one decoded JSON-RPC request of an accepted caller, before it
    /// reaches the engine: permissions per operation (the scopes a tool needs, for
    /// example). A refusal answers the whole POST (a batch with one refused request is
    /// refused). The default accepts every request.
    fn authorize_request(
        &self,
        principal: Option<&Principal>,
        request: &oxmcp_types::jsonrpc::Request,
    ) -> Result<(), AuthRejection> {
        let _ = (principal, request);
        Ok(())
    }

    /// A JSON document this hook serves with `GET` at `path` beside the MCP endpoint,
    /// without authentication (the protected resource metadata at its well-known URIs).
    /// [`serve`](fn@serve) answers it; a service mounted elsewhere routes these paths itself.
    /// The default serves nothing.
    fn document(&self, path: &str) -> Option<bytes::Bytes> {
        let _ = path;
        None
    }
}

/// The [`AuthHook`] that accepts every request (the default).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoAuth;

impl AuthHook for NoAuth {
    fn authorize<'a>(&'a self, _parts: &'a Parts) -> BoxFuture<'a, Result<(), AuthRejection>> {
        Box::pin(std::future::ready(Ok(())))
    }

    fn authenticate<'a>(
        &'a self,
        _parts: &'a Parts,
    ) -> BoxFuture<'a, Result<Option<Principal>, AuthRejection>> {
        // One boxed future per request rather than the default's two.
        Box::pin(std::future::ready(Ok(None)))
    }
}

/// What every session of a service shares.
pub(crate) struct Settings {
    pub(crate) config: HttpServerConfig,
    epoch: Instant,
}

impl Settings {
    /// Milliseconds since the service was made.
    pub(crate) fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

pub(crate) struct ServiceInner {
    pub(crate) settings: Arc<Settings>,
    pub(crate) registry: Arc<Registry>,
    pub(crate) factory: Arc<dyn SessionFactory>,
    pub(crate) auth: Arc<dyn AuthHook>,
    /// The `subscriptions/listen` streams each client has open.
    pub(crate) listens: listen::ListenStreams,
    /// The idle engine sessions of modern requests.
    pub(crate) modern_pool: session::ModernPool,
    /// The states of modern requests, by the `_meta` they were read from.
    pub(crate) modern_states: Arc<ModernStateCache>,
}

/// The MCP endpoint as a tower `Service<http::Request<B>>`: mount it in axum
/// (`Router::route_service("/mcp", service)`), in plain hyper (through
/// `hyper_util::service::TowerToHyperService`), or use [`serve`](fn@serve). Cheap to clone; clones
/// share their sessions.
#[derive(Clone)]
pub struct McpService {
    inner: Arc<ServiceInner>,
}

impl std::fmt::Debug for McpService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpService")
            .field("config", &self.inner.settings.config)
            .field("sessions", &self.inner.registry.len())
            .finish()
    }
}

impl McpService {
    /// A service that starts each session's engine with `factory`.
    pub fn new(factory: impl SessionFactory, config: HttpServerConfig) -> Self {
        let modern_states = Arc::new(ModernStateCache::new(
            config.modern_states,
            config.modern_state_bytes,
        ));
        let settings = Arc::new(Settings {
            config,
            epoch: Instant::now(),
        });
        Self {
            inner: Arc::new(ServiceInner {
                registry: Arc::new(Registry::new(settings.clone())),
                settings,
                factory: Arc::new(factory),
                auth: Arc::new(NoAuth),
                listens: listen::ListenStreams::default(),
                modern_pool: session::ModernPool::default(),
                modern_states,
            }),
        }
    }

    /// The same service with `auth` checking every request.
    #[must_use]
    pub fn with_auth(self, auth: impl AuthHook) -> Self {
        Self {
            inner: Arc::new(ServiceInner {
                settings: self.inner.settings.clone(),
                registry: self.inner.registry.clone(),
                factory: self.inner.factory.clone(),
                auth: Arc::new(auth),
                listens: self.inner.listens.clone(),
                modern_pool: self.inner.modern_pool.clone(),
                modern_states: self.inner.modern_states.clone(),
            }),
        }
    }

    /// The settings.
    pub fn config(&self) -> &HttpServerConfig {
        &self.inner.settings.config
    }

    /// Whether `path` is one of the legacy HTTP+SSE endpoints, when they are on.
    pub(crate) fn is_legacy_path(&self, path: &str) -> bool {
        self.inner
            .settings
            .config
            .legacy_sse
            .as_ref()
            .is_some_and(|l| l.sse_path == path || l.messages_path == path)
    }

    /// The document the [`AuthHook`] serves at `path`, if any (see
    /// [`AuthHook::document`]).
    pub fn document(&self, path: &str) -> Option<bytes::Bytes> {
        self.inner.auth.document(path)
    }

    /// How many sessions are live.
    pub fn session_count(&self) -> usize {
        self.inner.registry.len()
    }

    /// Ends every session (for a graceful shutdown), and every `subscriptions/listen`
    /// stream (to end them with a result instead, call the server's
    /// `McpServer::end_subscriptions` first).
    pub async fn close_all(&self) {
        self.inner.listens.close_all();
        self.inner.modern_pool.close_all();
        for session in self.inner.registry.all() {
            session.end().await;
        }
    }

    /// Answers one HTTP request (a [`RemoteAddr`] in its HTTP extensions names its client).
    pub async fn handle<B>(&self, request: Request<B>) -> Response<McpBody>
    where
        B: http_body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        self.handle_from(request, None).await
    }

    /// Answers one HTTP request from `remote` ([`serve`] knows it per connection, so that
    /// no request pays for an HTTP extensions map), else from the [`RemoteAddr`] in the
    /// request's HTTP extensions.
    pub(crate) async fn handle_from<B>(
        &self,
        request: Request<B>,
        remote: Option<Arc<RemoteAddr>>,
    ) -> Response<McpBody>
    where
        B: http_body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let (parts, body) = request.into_parts();
        let remote = remote.or_else(|| parts.extensions.get::<RemoteAddr>().copied().map(Arc::new));
        let config = &self.inner.settings.config;
        if let Err(refusal) = guard::check_host(&parts, &config.allowed_hosts)
            .and_then(|()| guard::check_origin(&parts.headers, &config.allowed_origins))
        {
            return refusal.response();
        }
        if let Some(legacy_sse) = &config.legacy_sse {
            // The paths other than a POST are boxed: what a future holds for the await it
            // is in counts for every request (hyper moves it whole).
            if parts.uri.path() == legacy_sse.sse_path {
                let messages = &legacy_sse.messages_path;
                return Box::pin(legacy::open(&self.inner, parts, messages, remote)).await;
            }
            if parts.uri.path() == legacy_sse.messages_path {
                return Box::pin(legacy::message(&self.inner, parts, body, remote)).await;
            }
        }
        match parts.method {
            Method::POST => post::post(&self.inner, parts, body, remote).await,
            Method::GET => Box::pin(stream::get(&self.inner, parts)).await,
            Method::DELETE => Box::pin(stream::delete(&self.inner, parts)).await,
            _ => refusal::method_not_allowed("GET, POST, DELETE"),
        }
    }
}

impl<B> tower_service::Service<Request<B>> for McpService
where
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Response = Response<McpBody>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<McpBody>, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let this = self.clone();
        Box::pin(async move { Ok(this.handle(request).await) })
    }
}

/// The first request of `messages` the [`AuthHook`] refuses, as the response to send.
pub(crate) fn refused_request<'m>(
    inner: &ServiceInner,
    principal: Option<&Principal>,
    messages: impl IntoIterator<Item = &'m oxmcp_types::Message>,
) -> Option<Response<McpBody>> {
    messages.into_iter().find_map(|message| match message {
        oxmcp_types::Message::Request(request) => inner
            .auth
            .authorize_request(principal, request)
            .err()
            .map(rejected),
        _ => None,
    })
}

/// Refuses a request the [`AuthHook`] did not accept.
pub(crate) fn rejected(rejection: AuthRejection) -> Response<McpBody> {
    let mut response = body::invalid(rejection.status, "unauthorized");
    if let Some(challenge) = rejection.www_authenticate {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, challenge);
    }
    response
}

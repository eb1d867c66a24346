//! Settings of the Streamable HTTP server, each with its default.

use std::sync::Arc;
use std::time::Duration;

use crate::bus::Bus;
use crate::event_store::{EventStore, MemoryEventStore};
use crate::session_store::SessionStore;

/// How the server answers a POSTed request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ResponseMode {
    /// A plain JSON body when the handler's only message is its result; an SSE stream as
    /// soon as the handler sends anything related to the request (progress, logs, requests
    /// to the client) before its result. The default. (A JSON-RPC batch with requests is
    /// answered on one SSE stream.)
    #[default]
    Auto,
    /// Always a JSON body. Messages a handler sends before its result go to the session's
    /// standalone GET stream instead (they are not lost, but no longer on the request's
    /// stream).
    Json,
    /// Always an SSE stream.
    Sse,
}

/// Which `Host` header values are accepted (DNS-rebinding protection).
///
/// Whatever the setting, a request must name its host once: two `Host` headers, a
/// malformed one (IPv6 literals are parsed: `[::1].evil.com` is no loopback name), or an
/// absolute-form request-target whose authority disagrees with `Host` get 400 (RFC 9112,
/// section 3.2). The host checked is that of the request-target when it has one (and of
/// HTTP/2's `:authority`), else that of `Host`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AllowedHosts {
    /// `localhost`, `127.0.0.1` and `[::1]`, with any port. The default, right for a server
    /// bound to a loopback address.
    #[default]
    Loopback,
    /// These host names (compared without the port, ASCII case-insensitively), plus the
    /// loopback names.
    List(Vec<String>),
    /// Any host: turns the check off (for a server behind a proxy that checks it).
    Any,
}

/// Which `Origin` header values are accepted. Requests without `Origin` (not from a
/// browser) are always accepted; requests with two get 400, whatever the setting.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AllowedOrigins {
    /// `http` or `https` origins on `localhost`, `127.0.0.1` or `[::1]`, any port. The default.
    #[default]
    Loopback,
    /// These exact origins (`scheme://host[:port]`, ASCII case-insensitively), plus the
    /// loopback ones.
    List(Vec<String>),
    /// Any origin: turns the check off.
    Any,
}

/// SSE polling (SEP-1699): the server ends each SSE connection after a while, with a `retry`
/// hint, and the client comes back with `Last-Event-ID`. Only for clients on 2025-11-25 or
/// later, and only when an event store is configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SsePolling {
    /// How long a connection stays open before the server closes it.
    pub close_after: Duration,
    /// The `retry` hint sent before closing: how long the client waits to reconnect.
    pub retry: Duration,
}

impl SsePolling {
    /// Close connections after `close_after`, asking clients to wait `retry`.
    pub fn new(close_after: Duration, retry: Duration) -> Self {
        Self { close_after, retry }
    }
}

/// The legacy HTTP+SSE endpoints (the 2024-11-05 transport), for clients that predate
/// Streamable HTTP: `GET` on [`sse_path`](Self::sse_path) opens a session's SSE stream,
/// whose first event (`event: endpoint`) names the URL to POST messages to
/// ([`messages_path`](Self::messages_path) with a `sessionId` query parameter); every
/// message from the server, responses included, comes on that stream as `event: message`.
///
/// The paths are compared with the request's path as the service sees it, and
/// `messages_path` is announced as it is: [`serve_with`](crate::serve_with) routes both,
/// and in axum mount the service on each (`route_service`). They must differ from each
/// other and from the Streamable HTTP endpoint's path.
///
/// ```
/// use oxmcp_http::{HttpServerConfig, LegacySseConfig};
///
/// let config = HttpServerConfig::default().with_legacy_sse(Some(LegacySseConfig::default()));
/// let legacy = config.legacy_sse.unwrap();
/// assert_eq!((legacy.sse_path.as_str(), legacy.messages_path.as_str()), ("/sse", "/messages"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LegacySseConfig {
    /// Where `GET` opens a legacy session (default `/sse`).
    pub sse_path: String,
    /// Where the client POSTs its messages (default `/messages`). The two paths and the
    /// MCP endpoint's path must all differ ([`serve_with`](crate::serve_with) checks).
    pub messages_path: String,
}

impl Default for LegacySseConfig {
    fn default() -> Self {
        Self::new("/sse", "/messages")
    }
}

impl LegacySseConfig {
    /// The legacy endpoints at these two paths.
    pub fn new(sse_path: impl Into<String>, messages_path: impl Into<String>) -> Self {
        Self {
            sse_path: sse_path.into(),
            messages_path: messages_path.into(),
        }
    }
}

/// Settings of the Streamable HTTP server.
///
/// ```
/// use std::time::Duration;
/// use oxmcp_http::{HttpServerConfig, ResponseMode};
///
/// let config = HttpServerConfig::default()
///     .with_response_mode(ResponseMode::Sse)
///     .with_idle_timeout(Duration::from_secs(60))
///     .with_max_sessions(100);
/// assert_eq!(config.max_body_bytes, 4 << 20);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HttpServerConfig {
    /// JSON or SSE answers (default [`ResponseMode::Auto`]).
    pub response_mode: ResponseMode,
    /// Without sessions: each POST is served by a short-lived session that is already
    /// initialized; no `Mcp-Session-Id`, no GET stream, no resumption (default false).
    pub stateless: bool,
    /// Whether GET opens a standalone stream for server-initiated messages; 405 when false
    /// (default true).
    pub standalone_stream: bool,
    /// Whether DELETE ends a session; 405 when false (default true).
    pub allow_delete: bool,
    /// Accepted `Host` values (default loopback names).
    pub allowed_hosts: AllowedHosts,
    /// Accepted `Origin` values (default loopback origins).
    pub allowed_origins: AllowedOrigins,
    /// The largest request body; larger ones get 413 before parsing (default 4 MiB).
    pub max_body_bytes: usize,
    /// How long reading a request body may take; 408 past it (default 30 s).
    pub body_read_timeout: Duration,
    /// How long reading a request's headers may take, for [`serve`](crate::serve) (default 30 s).
    pub header_read_timeout: Duration,
    /// Whether a request on a session whose `MCP-Protocol-Version` header names a supported
    /// version other than the session's gets 400 (default false: such a request is served
    /// under the session's version). An unsupported version always gets 400. Off by
    /// default because the official conformance suite sends `2025-03-26` on sessions of
    /// 2025-11-25 and expects them served (scenario `server-sse-multiple-streams`).
    pub strict_version_header: bool,
    /// The most connections open at once, for [`serve`](crate::serve) (default 1,024; keep
    /// it under the process's file-descriptor limit). Near it, and when the process runs out
    /// of descriptors, a new connection is taken by closing an idle one: first one that has
    /// not sent a whole request header, oldest first, then the one idle longest between
    /// requests. Connections with a request or an SSE stream in flight are never closed for
    /// room; when all are busy, the new connection is closed.
    pub max_connections: usize,
    /// The most of those connections one client (an address; IPv6 by its /64) may hold
    /// (default 512, half the default cap: one client behind a NAT or a gateway may well
    /// hold hundreds, a POST and a GET stream per user): past it, its new connection takes the
    /// place of one of its own idle connections, or is closed when all of them are busy,
    /// so that one client's long calls and SSE streams cannot take every connection.
    /// Behind a reverse proxy every client has the proxy's address: raise it to
    /// `max_connections`.
    pub max_connections_per_client: usize,
    /// Requests one HTTP/2 connection may have open at once (its
    /// `SETTINGS_MAX_CONCURRENT_STREAMS`, default 100), for [`serve`](crate::serve), which
    /// speaks HTTP/1.1 and HTTP/2 with prior knowledge (h2c) on one port. Every stream also
    /// counts against the client's requests in flight, as an HTTP/1.1 connection's request
    /// does.
    pub max_streams_per_connection: u32,
    /// How deep JSON may nest in a request body (default 64).
    pub max_json_depth: usize,
    /// The most messages in one JSON-RPC batch (sessions on 2025-03-26 only); a longer
    /// batch gets 400 (default 64).
    pub max_batch_messages: usize,
    /// Messages queued for one SSE connection. When a slow reader lets the queue fill up, the
    /// server closes that connection; the messages stay in the event store and the client
    /// gets them by resuming (default 256).
    pub sse_queue: usize,
    /// Bytes queued for one SSE connection (default 4 MiB): past it the connection is closed
    /// as when [`sse_queue`](Self::sse_queue) is full. With an event store the client
    /// resumes with `Last-Event-ID` and loses nothing; without one the rest of that stream
    /// is dropped (logged as a warning) and the client sees its stream end without the
    /// response. One event larger than the budget still goes out, alone.
    pub sse_queue_bytes: usize,
    /// Unrelated messages kept while no GET stream is open, delivered when one opens; past
    /// it the oldest are dropped (default 64).
    pub standalone_backlog: usize,
    /// Bytes of unrelated messages kept while no GET stream is open; past it the oldest are
    /// dropped, the newest message always kept (default 1 MiB).
    pub standalone_backlog_bytes: usize,
    /// A comment line sent on idle SSE connections this often, so dead ones are noticed
    /// (default 15 s; `None` for never).
    pub sse_keep_alive: Option<Duration>,
    /// SSE polling (default off).
    pub sse_polling: Option<SsePolling>,
    /// The event store for resumption (default a [`MemoryEventStore`]); `None` turns
    /// resumption off (no event ids, no priming events).
    pub event_store: Option<Arc<dyn EventStore>>,
    /// Where sessions are shared with the other instances of a scaled-out server (see
    /// [`session_store`](crate::session_store)); default `None`: sessions live in this
    /// service only. Share an [`event_store`](Self::event_store) too, so that streams can
    /// be resumed on any instance.
    pub session_store: Option<Arc<dyn SessionStore>>,
    /// How the instances sharing the [`session_store`](Self::session_store) reach each
    /// other (see [`bus`](crate::bus)); default `None`. Without one, a shared session's
    /// server-to-client requests must be answered, its cancellations sent, and its
    /// standalone stream opened on the instance concerned.
    pub bus: Option<Arc<dyn Bus>>,
    /// The longest session record kept in the [`session_store`](Self::session_store), in
    /// bytes of JSON (default 64 KiB): an `initialize` whose record would be longer is
    /// refused, as is a `resources/subscribe` that would make it longer.
    pub max_session_record_bytes: usize,
    /// How many times a request that changes a session record (`logging/setLevel`,
    /// `resources/subscribe`, `unsubscribe`) reads and replaces it while other requests keep
    /// changing it in between ([`SessionStore::replace`](crate::SessionStore::replace)),
    /// before it is refused with 503 and `Retry-After` (default 16, at least 1).
    pub session_record_attempts: usize,
    /// How long a request of a shared session may go without refreshing the session's
    /// expiry in the [`session_store`](Self::session_store) (default zero: every request
    /// refreshes it, one store round trip each, and so also learns at once of a DELETE on
    /// another instance). With an interval, a busy session costs one round trip per
    /// interval instead; its record may expire up to that much earlier than
    /// [`idle_timeout`](Self::idle_timeout) after its last request, and a DELETE on
    /// another instance reaches this one through the [`bus`](Self::bus) (or, without one,
    /// at this instance's next refresh, at most an interval later). Taken as at most half
    /// the [`idle_timeout`](Self::idle_timeout), so that a record in use never expires.
    pub session_touch_interval: Duration,
    /// Completed streams remembered per session for resumption (default 64).
    pub completed_streams: usize,
    /// Sessions with no request, no open stream and no activity for this long are ended
    /// (default 10 min).
    pub idle_timeout: Duration,
    /// The most sessions at once; past it `initialize` gets 503 with `Retry-After`
    /// (default 10,000).
    pub max_sessions: usize,
    /// The most sessions one client may have at once; past it `initialize` gets 429 with
    /// `Retry-After` (default 1,024, a tenth of the default table). A client is the [`Principal`](crate::Principal) the
    /// [`AuthHook`](crate::AuthHook) names, else the remote address (IPv6 by its /64) that
    /// [`serve`](crate::serve) knows as a [`RemoteAddr`](crate::RemoteAddr). Behind another
    /// server (axum, hyper), insert a `RemoteAddr` into the HTTP request's extensions yourself (e.g. from axum's `ConnectInfo`); requests without one share
    /// no per-client bucket and only `max_sessions` applies. Behind a reverse proxy every
    /// anonymous client has the proxy's address: raise this cap, or authenticate.
    pub max_sessions_per_client: usize,
    /// The most requests one client (counted as for `max_sessions_per_client`) may have in
    /// flight over all its Streamable HTTP sessions (default 1,024); past it a request (or
    /// a batch without room for all its requests) gets 429 with `Retry-After` and a
    /// JSON-RPC error. Each session's engine also caps its own
    /// ([`SessionConfig::max_in_flight_requests`](oxmcp_core::SessionConfig)). Stateless
    /// POSTs and legacy SSE sessions are bounded by the connection caps and the engine.
    pub max_requests_per_client: usize,
    /// Sessions whose client has not finished initializing (sent neither
    /// `notifications/initialized` nor any request after `initialize`) this long after
    /// they were made are ended (default 10 s), so unused sessions do not hold the table.
    pub init_timeout: Duration,
    /// The `Retry-After` value of a 503 or 429 (default 5 s).
    pub retry_after: Duration,
    /// The most `subscriptions/listen` streams (2026-07-28) one client (counted as for
    /// `max_sessions_per_client`) may have open at once (default 16); past it a new one
    /// gets 429 with `Retry-After` and a JSON-RPC error. The engine also caps them over all
    /// clients ([`McpServerBuilder::max_listen_streams`](oxmcp_core::server::McpServerBuilder::max_listen_streams)).
    pub max_listen_streams_per_client: usize,
    /// The byte budget of a `subscriptions/listen` stream's connection queue (default
    /// 256 KiB; other streams have `sse_queue_bytes`): a client that stops reading has its
    /// stream closed once this much waits, which ends the subscription.
    pub listen_queue_bytes: usize,
    /// The most idle engine sessions kept for modern (2026-07-28) requests (default 64). A
    /// modern request carries its whole context in its `_meta`, so it is served on an
    /// engine session an earlier one left, when nothing of that request is left in it (see
    /// [`SessionHandle::is_reusable`](oxmcp_core::SessionHandle::is_reusable)), instead of
    /// starting and ending one of its own; past this many idle ones, a session ends after
    /// its request. 0 starts one per request. `subscriptions/listen` always has its own.
    pub idle_modern_sessions: usize,
    /// The most modern request states kept by the text of the `_meta` they were read from
    /// (default 256; see [`ModernStateCache`](oxmcp_core::session::ModernStateCache)).
    /// Clients send the same capabilities and info with every request, so a request whose
    /// `_meta` was seen before is handled without reading it again. 0 reads every one.
    pub modern_states: usize,
    /// The longest `_meta` text (its version, client capabilities, client info and log
    /// level members together) whose state is kept (default 4 KiB): a longer one is read
    /// every time.
    pub modern_state_bytes: usize,
    /// The legacy HTTP+SSE endpoints for 2024-11-05 clients (default off). Their sessions
    /// share the cap, the idle timeout, the checks and the limits above; they have no
    /// resumption.
    pub legacy_sse: Option<LegacySseConfig>,
}

impl Default for HttpServerConfig {
    fn default() -> Self {
        Self {
            response_mode: ResponseMode::Auto,
            stateless: false,
            standalone_stream: true,
            allow_delete: true,
            allowed_hosts: AllowedHosts::Loopback,
            allowed_origins: AllowedOrigins::Loopback,
            max_body_bytes: 4 << 20,
            body_read_timeout: Duration::from_secs(30),
            header_read_timeout: Duration::from_secs(30),
            strict_version_header: false,
            max_connections: 1024,
            max_connections_per_client: 512,
            max_streams_per_connection: 100,
            max_json_depth: oxmcp_types::jsonrpc::DEFAULT_MAX_DEPTH,
            max_batch_messages: 64,
            sse_queue: 256,
            sse_queue_bytes: 4 << 20,
            standalone_backlog: 64,
            standalone_backlog_bytes: 1 << 20,
            sse_keep_alive: Some(Duration::from_secs(15)),
            sse_polling: None,
            event_store: Some(Arc::new(MemoryEventStore::default())),
            session_store: None,
            bus: None,
            max_session_record_bytes: 64 << 10,
            session_record_attempts: 16,
            session_touch_interval: Duration::ZERO,
            completed_streams: 64,
            idle_timeout: Duration::from_secs(600),
            max_sessions: 10_000,
            max_sessions_per_client: 1024,
            max_requests_per_client: 1024,
            init_timeout: Duration::from_secs(10),
            retry_after: Duration::from_secs(5),
            max_listen_streams_per_client: 16,
            listen_queue_bytes: 256 << 10,
            idle_modern_sessions: 64,
            modern_states: 256,
            modern_state_bytes: 4 << 10,
            legacy_sse: None,
        }
    }
}

impl HttpServerConfig {
    /// Sets the response mode.
    #[must_use]
    pub fn with_response_mode(mut self, mode: ResponseMode) -> Self {
        self.response_mode = mode;
        self
    }

    /// Turns the stateless mode on or off.
    #[must_use]
    pub fn with_stateless(mut self, stateless: bool) -> Self {
        self.stateless = stateless;
        self
    }

    /// Sets the accepted hosts.
    #[must_use]
    pub fn with_allowed_hosts(mut self, hosts: AllowedHosts) -> Self {
        self.allowed_hosts = hosts;
        self
    }

    /// Sets the accepted origins.
    #[must_use]
    pub fn with_allowed_origins(mut self, origins: AllowedOrigins) -> Self {
        self.allowed_origins = origins;
        self
    }

    /// Sets the body size limit.
    #[must_use]
    pub fn with_max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// Sets the event store (`None` turns resumption off).
    #[must_use]
    pub fn with_event_store(mut self, store: Option<Arc<dyn EventStore>>) -> Self {
        self.event_store = store;
        self
    }

    /// Sets the session store (`None`: sessions live in this service only).
    #[must_use]
    pub fn with_session_store(mut self, store: Option<Arc<dyn SessionStore>>) -> Self {
        self.session_store = store;
        self
    }

    /// Sets the bus between instances (`None`: none).
    #[must_use]
    pub fn with_bus(mut self, bus: Option<Arc<dyn Bus>>) -> Self {
        self.bus = bus;
        self
    }

    /// Sets the bound on the length of a session record.
    #[must_use]
    pub fn with_max_session_record_bytes(mut self, bytes: usize) -> Self {
        self.max_session_record_bytes = bytes;
        self
    }

    /// Sets [`session_touch_interval`](Self::session_touch_interval).
    #[must_use]
    pub fn with_session_touch_interval(mut self, interval: Duration) -> Self {
        self.session_touch_interval = interval;
        self
    }

    /// Sets [`session_record_attempts`](Self::session_record_attempts).
    #[must_use]
    pub fn with_session_record_attempts(mut self, attempts: usize) -> Self {
        self.session_record_attempts = attempts;
        self
    }

    /// Sets SSE polling.
    #[must_use]
    pub fn with_sse_polling(mut self, polling: Option<SsePolling>) -> Self {
        self.sse_polling = polling;
        self
    }

    /// Sets the per-connection SSE queue.
    #[must_use]
    pub fn with_sse_queue(mut self, messages: usize) -> Self {
        self.sse_queue = messages;
        self
    }

    /// Sets the per-connection SSE queue's byte budget.
    #[must_use]
    pub fn with_sse_queue_bytes(mut self, bytes: usize) -> Self {
        self.sse_queue_bytes = bytes;
        self
    }

    /// Sets the standalone backlog's bounds, in messages and in bytes.
    #[must_use]
    pub fn with_standalone_backlog(mut self, messages: usize, bytes: usize) -> Self {
        self.standalone_backlog = messages;
        self.standalone_backlog_bytes = bytes;
        self
    }

    /// Sets the idle timeout of sessions.
    #[must_use]
    pub fn with_idle_timeout(mut self, idle: Duration) -> Self {
        self.idle_timeout = idle;
        self
    }

    /// Sets the session cap.
    #[must_use]
    pub fn with_max_sessions(mut self, max: usize) -> Self {
        self.max_sessions = max;
        self
    }

    /// Turns the strict `MCP-Protocol-Version` check on or off.
    #[must_use]
    pub fn with_strict_version_header(mut self, strict: bool) -> Self {
        self.strict_version_header = strict;
        self
    }

    /// Sets the connection cap of [`serve`](crate::serve).
    #[must_use]
    pub fn with_max_connections(mut self, max: usize) -> Self {
        self.max_connections = max;
        self
    }

    /// Sets how many requests one HTTP/2 connection of [`serve`](crate::serve) may have
    /// open at once.
    #[must_use]
    pub fn with_max_streams_per_connection(mut self, max: u32) -> Self {
        self.max_streams_per_connection = max;
        self
    }

    /// Sets the per-client connection cap of [`serve`](crate::serve).
    #[must_use]
    pub fn with_max_connections_per_client(mut self, max: usize) -> Self {
        self.max_connections_per_client = max;
        self
    }

    /// Sets the per-client cap on requests in flight.
    #[must_use]
    pub fn with_max_requests_per_client(mut self, max: usize) -> Self {
        self.max_requests_per_client = max;
        self
    }

    /// Sets the per-client session cap.
    #[must_use]
    pub fn with_max_sessions_per_client(mut self, max: usize) -> Self {
        self.max_sessions_per_client = max;
        self
    }

    /// Sets the per-client cap on open `subscriptions/listen` streams.
    #[must_use]
    pub fn with_max_listen_streams_per_client(mut self, max: usize) -> Self {
        self.max_listen_streams_per_client = max;
        self
    }

    /// Sets the byte budget of a `subscriptions/listen` stream's connection queue.
    #[must_use]
    pub fn with_listen_queue_bytes(mut self, bytes: usize) -> Self {
        self.listen_queue_bytes = bytes;
        self
    }

    /// Sets how many idle engine sessions are kept for modern requests.
    #[must_use]
    pub fn with_idle_modern_sessions(mut self, max: usize) -> Self {
        self.idle_modern_sessions = max;
        self
    }

    /// Sets how many modern request states are kept, and the longest `_meta` text one is
    /// kept for.
    #[must_use]
    pub fn with_modern_states(mut self, max: usize, max_bytes: usize) -> Self {
        self.modern_states = max;
        self.modern_state_bytes = max_bytes;
        self
    }

    /// Sets how long a session may stay uninitialized.
    #[must_use]
    pub fn with_init_timeout(mut self, timeout: Duration) -> Self {
        self.init_timeout = timeout;
        self
    }

    /// Turns the legacy HTTP+SSE endpoints on (`Some`) or off.
    #[must_use]
    pub fn with_legacy_sse(mut self, legacy: Option<LegacySseConfig>) -> Self {
        self.legacy_sse = legacy;
        self
    }

    /// Sets the most messages in one JSON-RPC batch.
    #[must_use]
    pub fn with_max_batch_messages(mut self, max: usize) -> Self {
        self.max_batch_messages = max;
        self
    }

    /// Turns the standalone GET stream on or off.
    #[must_use]
    pub fn with_standalone_stream(mut self, enabled: bool) -> Self {
        self.standalone_stream = enabled;
        self
    }
}

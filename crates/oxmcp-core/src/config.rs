//! Session settings: every limit and timeout of the engine, with its default.

use std::time::Duration;

use oxmcp_types::LoggingLevel;
use oxmcp_types::jsonrpc::DEFAULT_MAX_DEPTH;

/// Limits and timeouts of one session. Every field has a default; change what you need.
///
/// ```
/// use std::time::Duration;
/// use oxmcp_core::SessionConfig;
///
/// let mut config = SessionConfig::default();
/// config.request_timeout = Duration::from_secs(10);
/// assert_eq!(config.max_in_flight_requests, 1024);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SessionConfig {
    /// How deep arrays and objects may nest in an incoming message (default 64).
    pub max_depth: usize,
    /// How many messages a batch (accepted only under 2025-03-26) may hold; a longer one is
    /// refused whole with -32600 before any element is decoded (default 64).
    pub max_batch_messages: usize,
    /// How many of the peer's requests may run at once; past it a request is answered with
    /// -32603 at once (default 1024).
    pub max_in_flight_requests: usize,
    /// How many outgoing messages may wait for the transport before senders wait (default 1024).
    pub outbound_queue: usize,
    /// How many bytes of outgoing messages may wait for the transport before senders wait
    /// (default 16 MiB; a single larger message still goes out, alone).
    pub max_outbound_bytes: usize,
    /// How many of our requests may wait for the peer's answers at once; past it a new
    /// request fails at once with [`RequestError::TooManyOutgoing`](crate::RequestError)
    /// (default 256).
    pub max_outgoing_requests: usize,
    /// The longest identifier the peer may hand us, in bytes of its JSON: a request id
    /// (longer: -32600, answered with a `null` id) or a progress token (longer: -32602)
    /// (default 256).
    pub max_id_bytes: usize,
    /// Whether a server refuses requests other than `ping` (-32600) between its answer to
    /// `initialize` and `notifications/initialized`, as the lifecycle orders (default true).
    pub strict_lifecycle: bool,
    /// Whether a server session that negotiates in `initialize` also serves modern requests
    /// (2026-07-28), as a dual-era server over stdio does: a request whose `_meta` names a
    /// protocol version is handled statelessly under what its `_meta` declares (see
    /// [`ModernContext`](crate::session::ModernContext)), before or after an `initialize`,
    /// which still opens a legacy session. False: only `initialize`-based sessions (a
    /// modern request before `initialize` is refused as uninitialized). Default true; unused
    /// by clients and by sessions with a context source.
    pub modern_requests: bool,
    /// How many incoming notifications may wait for in-order handling before reading pauses
    /// (default 1024).
    pub notification_queue: usize,
    /// Default timeout of an outgoing request (default 60 s).
    pub request_timeout: Duration,
    /// Hard maximum of an outgoing request's total time, even when progress keeps extending
    /// its timeout (default 10 min).
    pub max_request_timeout: Duration,
    /// When the peer closes its side, how long requests already accepted may run to
    /// completion before they are cancelled (default 10 s).
    pub drain_timeout: Duration,
    /// The least severe level a server sends to a client that never called `logging/setLevel`
    /// (default `info`).
    pub default_log_level: LoggingLevel,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            max_depth: DEFAULT_MAX_DEPTH,
            max_batch_messages: 64,
            max_in_flight_requests: 1024,
            outbound_queue: 1024,
            max_outbound_bytes: 16 * 1024 * 1024,
            max_outgoing_requests: 256,
            max_id_bytes: 256,
            strict_lifecycle: true,
            modern_requests: true,
            notification_queue: 1024,
            request_timeout: Duration::from_secs(60),
            max_request_timeout: Duration::from_secs(600),
            drain_timeout: Duration::from_secs(10),
            default_log_level: LoggingLevel::Info,
        }
    }
}

//! The Streamable HTTP client transport: [`HttpClientTransport`], for `oxmcp_core::connect`.
//!
//! Each outgoing message is a POST with `Accept: application/json, text/event-stream`.
//! Requests run concurrently (one task each), their answers come as a JSON body or an SSE
//! stream; notifications and responses are POSTed in order and expect 202. After
//! `notifications/initialized` a GET stream receives the server's unrelated messages; the
//! next message waits (up to 2 s) until the server answered that GET (a 405,
//! or any other 4xx but a 404 for a live session, means the server offers none). A 404 ends
//! the session only when the client has a session id. A stream that drops (or that the server closes, SSE
//! polling) is resumed with GET and `Last-Event-ID` after the server's `retry` delay. A
//! request whose stream cannot be resumed fails with a JSON-RPC error instead of hanging.
//! Every error the transport makes itself carries an [`HttpFailure`] tag in its `data`.
//! Redirects are never followed. `close` sends DELETE.
//!
//! A 404 to a message that carried `Mcp-Session-Id` means the server ended the session
//! (it was deleted, reaped, or the server restarted). Unless
//! [`reinitialize`](HttpClientConfig::reinitialize) is off, the transport then starts a new
//! session by itself: it sends the `initialize` the engine sent first again (with a fresh
//! id, without the session id), checks that the server still agrees on the protocol
//! version, sends `notifications/initialized`, and sends the refused message again, once.
//! The engine above never sees that exchange. What the server kept for the old session is
//! lost: resource subscriptions, the log level set with `logging/setLevel`, and requests
//! that were running (they fail rather than run twice).
//!
//! When the server answers the first POST (the `initialize`) with 404 or 405, or with 400
//! and a body that is not a JSON-RPC error response (such an error is the server's real
//! answer, and the `initialize` fails with it), the transport falls back to the legacy HTTP+SSE transport of 2024-11-05 (unless
//! [`legacy_fallback`](HttpClientConfig::legacy_fallback) is off): it GETs the URL
//! expecting an SSE stream whose first event is `endpoint`, POSTs every message to the URL
//! that event names (it must have the server URL's origin), and reads every message of the
//! server from that stream. Legacy sessions cannot be resumed or renewed: when the stream
//! ends, the session ends. Each legacy POST is awaited (until its `202`) before the next
//! message is sent, which keeps them in order: one slow POST holds up the ones after it.

pub mod auth;
mod exchange;
mod failure;
mod legacy;
mod modern;
mod renew;
mod tls;

pub use auth::{AccessToken, AuthError, AuthProvider, Challenge, ChallengeOutcome, StaticToken};
pub use failure::HttpFailure;
pub use tls::{TlsConfig, TlsError};

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use bytes::Bytes;

use http::{HeaderMap, HeaderValue};
use oxmcp_core::transport::{
    Frame, OutboundMessage, Transport, TransportError, TransportReader, TransportWriter,
};
use oxmcp_types::{Message, RequestId};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Settings of the HTTP client transport.
///
/// ```
/// use oxmcp_http::HttpClientConfig;
///
/// let mut config = HttpClientConfig::default();
/// config.headers.insert("x-tenant", "blue".parse().unwrap());
/// assert!(config.standalone_stream);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HttpClientConfig {
    /// Headers sent with every request (for example `Authorization`).
    pub headers: HeaderMap,
    /// The largest SSE event accepted (default 4 MiB); a larger one ends the stream.
    pub max_event_bytes: usize,
    /// The largest JSON response body accepted (default 4 MiB).
    pub max_body_bytes: usize,
    /// Whether to open the GET stream after initialization (default true).
    pub standalone_stream: bool,
    /// How long to wait before reconnecting when the server gave no `retry` (default 1 s).
    pub default_retry: Duration,
    /// How many reconnections in a row may fail before a stream is given up (default 5).
    pub max_reconnects: usize,
    /// Whether `close` sends DELETE to end the session (default true).
    pub delete_on_close: bool,
    /// Whether a 404 for the session starts a new session transparently (default true; see
    /// the [module docs](self) for what is lost).
    pub reinitialize: bool,
    /// The deadline for starting a new session after a 404 (default 30 s): the new
    /// `initialize`, its answer and `notifications/initialized`. Past it the session made
    /// for nothing is ended (DELETE) and the transport fails as if renewal were off; other
    /// messages meeting the 404 meanwhile wait at most this long.
    pub reinitialize_timeout: Duration,
    /// Whether a server that refuses the first POST with 404 or 405, or with 400 and a body
    /// that is not a JSON-RPC error response, is tried with the legacy HTTP+SSE transport
    /// (default true).
    pub legacy_fallback: bool,
    /// How long the legacy fallback waits for the server's SSE stream and its `endpoint`
    /// event (default 10 s).
    pub legacy_endpoint_timeout: Duration,
    /// TLS settings: extra root certificates, a client certificate, the backend.
    pub tls: TlsConfig,
    /// The source of bearer tokens (none by default); see [`auth`].
    pub auth: Option<Arc<dyn AuthProvider>>,
    /// How many times one request may be sent again after the provider answered a
    /// challenge (401, or 403 `insufficient_scope`) (default 3).
    pub max_auth_rounds: usize,
}

impl Default for HttpClientConfig {
    fn default() -> Self {
        Self {
            headers: HeaderMap::new(),
            max_event_bytes: 4 << 20,
            max_body_bytes: 4 << 20,
            standalone_stream: true,
            default_retry: Duration::from_secs(1),
            max_reconnects: 5,
            delete_on_close: true,
            reinitialize: true,
            reinitialize_timeout: Duration::from_secs(30),
            legacy_fallback: true,
            legacy_endpoint_timeout: Duration::from_secs(10),
            tls: TlsConfig::default(),
            auth: None,
            max_auth_rounds: 3,
        }
    }
}

/// Why the transport could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HttpClientError {
    /// The URL is not an `http` or `https` URL.
    #[error("invalid MCP endpoint URL `{0}`")]
    InvalidUrl(String),
    /// The HTTP client could not be built.
    #[error("could not build the HTTP client: {0}")]
    Build(#[source] reqwest::Error),
    /// A TLS setting could not be used, or the URL is `https:` and no TLS backend is
    /// compiled in.
    #[error(transparent)]
    Tls(#[from] TlsError),
}

impl HttpClientConfig {
    /// A reqwest client with these TLS settings that follows no redirects, as the transport
    /// uses (other crates, such as oxmcp-auth, build theirs with it to share the TLS
    /// settings).
    pub fn build_http_client(&self) -> Result<reqwest::Client, HttpClientError> {
        let builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .tcp_nodelay(true);
        self.tls
            .apply(builder)?
            .build()
            .map_err(HttpClientError::Build)
    }
}

type Inbound = Result<Frame, TransportError>;

/// How long the writer waits for the server to answer the standalone GET before it sends
/// the message after `notifications/initialized`.
const GET_STREAM_WAIT: Duration = Duration::from_secs(2);

/// What the tasks of one transport share.
pub(crate) struct Shared {
    pub(crate) http: reqwest::Client,
    pub(crate) url: reqwest::Url,
    pub(crate) config: HttpClientConfig,
    pub(crate) session_id: Mutex<Option<HeaderValue>>,
    pub(crate) protocol_version: Mutex<Option<HeaderValue>>,
    /// The version of the last 2026-07-28 request, for the notifications after it.
    pub(crate) modern_version: Mutex<Option<HeaderValue>>,
    /// The 2026-07-28 requests under way: cancelling one closes its stream.
    pub(crate) modern_streams: Mutex<HashMap<RequestId, CancellationToken>>,
    /// The tools' `Mcp-Param-*` headers, from the `tools/list` answers seen.
    pub(crate) param_headers: modern::ParamHeaders,
    pub(crate) initialize_id: Mutex<Option<RequestId>>,
    /// The `initialize` the engine sent, sent again to start a new session after a 404.
    pub(crate) initialize_body: Mutex<Option<Bytes>>,
    /// One new session at a time.
    pub(crate) renewing: tokio::sync::Mutex<()>,
    /// How many new sessions were started (for their `initialize` ids).
    pub(crate) renewals: AtomicU64,
    /// The URL messages are POSTed to once the transport fell back to legacy HTTP+SSE.
    pub(crate) legacy: OnceLock<reqwest::Url>,
    pub(crate) cancelled: Mutex<HashSet<RequestId>>,
    pub(crate) inbound: mpsc::Sender<Inbound>,
    pub(crate) closed: CancellationToken,
    pub(crate) tasks: TaskTracker,
    pub(crate) get_started: AtomicBool,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The Streamable HTTP client transport.
///
/// ```no_run
/// use oxmcp_core::{ClientConfig, NoHandler, connect};
/// use oxmcp_http::HttpClientTransport;
/// use oxmcp_types::Implementation;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let transport = HttpClientTransport::new("http://127.0.0.1:8080/mcp").unwrap();
/// let client = connect(transport, ClientConfig::new(Implementation::new("me", "1.0")), NoHandler)
///     .await
///     .unwrap();
/// client.peer().ping().await.unwrap();
/// client.close().await;
/// # }
/// ```
#[derive(Debug)]
pub struct HttpClientTransport {
    reader: HttpClientReader,
    writer: HttpClientWriter,
}

impl HttpClientTransport {
    /// A transport to the MCP endpoint at `url`, with the default settings.
    pub fn new(url: &str) -> Result<Self, HttpClientError> {
        Self::with_config(url, HttpClientConfig::default())
    }

    /// A transport with these settings.
    pub fn with_config(url: &str, config: HttpClientConfig) -> Result<Self, HttpClientError> {
        let http = config.build_http_client()?;
        Self::with_client(url, http, config)
    }

    /// A transport that sends through `http` (which should not follow redirects).
    pub fn with_client(
        url: &str,
        http: reqwest::Client,
        config: HttpClientConfig,
    ) -> Result<Self, HttpClientError> {
        let url = reqwest::Url::parse(url).map_err(|_| HttpClientError::InvalidUrl(url.into()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(HttpClientError::InvalidUrl(url.to_string()));
        }
        if url.scheme() == "https" && !tls::HAS_TLS {
            return Err(TlsError::NoBackend.into());
        }
        let (tx, rx) = mpsc::channel(256);
        let shared = Arc::new(Shared {
            http,
            url,
            config,
            session_id: Mutex::new(None),
            protocol_version: Mutex::new(None),
            modern_version: Mutex::new(None),
            modern_streams: Mutex::new(HashMap::new()),
            param_headers: modern::ParamHeaders::default(),
            initialize_id: Mutex::new(None),
            initialize_body: Mutex::new(None),
            renewing: tokio::sync::Mutex::new(()),
            renewals: AtomicU64::new(0),
            legacy: OnceLock::new(),
            cancelled: Mutex::new(HashSet::new()),
            inbound: tx,
            closed: CancellationToken::new(),
            tasks: TaskTracker::new(),
            get_started: AtomicBool::new(false),
        });
        Ok(Self {
            reader: HttpClientReader {
                rx,
                closed: shared.closed.clone(),
            },
            writer: HttpClientWriter { shared },
        })
    }

    /// The session id the server assigned, once initialized.
    pub fn session_id(&self) -> Option<String> {
        session_id_of(&self.writer.shared)
    }

    /// A handle that reads the session id later (the transport itself moves into the engine).
    pub fn session_id_handle(&self) -> SessionIdHandle {
        SessionIdHandle {
            shared: self.writer.shared.clone(),
        }
    }
}

fn session_id_of(shared: &Shared) -> Option<String> {
    lock(&shared.session_id)
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Reads the session id of a transport that moved into the engine.
#[derive(Clone)]
pub struct SessionIdHandle {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for SessionIdHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionIdHandle")
            .field("session_id", &self.get())
            .finish()
    }
}

impl SessionIdHandle {
    /// The session id, once the server assigned one (the current one, after a new session
    /// was started).
    pub fn get(&self) -> Option<String> {
        session_id_of(&self.shared)
    }

    /// The URL messages are POSTed to, once the transport fell back to the legacy HTTP+SSE
    /// transport.
    pub fn legacy_endpoint(&self) -> Option<String> {
        self.shared.legacy.get().map(ToString::to_string)
    }
}

impl Transport for HttpClientTransport {
    type Reader = HttpClientReader;
    type Writer = HttpClientWriter;

    fn split(self) -> (HttpClientReader, HttpClientWriter) {
        (self.reader, self.writer)
    }
}

/// The receiving half of an [`HttpClientTransport`]: messages from every stream.
#[derive(Debug)]
pub struct HttpClientReader {
    rx: mpsc::Receiver<Inbound>,
    closed: CancellationToken,
}

impl TransportReader for HttpClientReader {
    async fn read(&mut self) -> Result<Option<Frame>, TransportError> {
        tokio::select! {
            biased;
            item = self.rx.recv() => item.transpose(),
            () = self.closed.cancelled() => Ok(None),
        }
    }
}

/// The sending half of an [`HttpClientTransport`]: one POST per message.
pub struct HttpClientWriter {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for HttpClientWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClientWriter")
            .field("url", &self.shared.url.as_str())
            .finish()
    }
}

impl TransportWriter for HttpClientWriter {
    async fn write(&mut self, message: OutboundMessage) -> Result<(), TransportError> {
        if self.shared.closed.is_cancelled() {
            return Err(TransportError::Closed);
        }
        let bytes = Bytes::from(message.bytes);
        let decoded = oxmcp_types::jsonrpc::decode(&bytes, usize::MAX);
        if self.shared.legacy.get().is_some() {
            return legacy::send(&self.shared, bytes, decoded.ok()).await;
        }
        match decoded {
            Ok(Message::Request(request)) => {
                if request.method == "initialize" {
                    *lock(&self.shared.initialize_id) = Some(request.id.clone());
                    *lock(&self.shared.initialize_body) = Some(bytes.clone());
                }
                let headers = modern::request_headers(&self.shared, &request);
                let shared = self.shared.clone();
                let tracked = modern::track(&self.shared, &headers, request.id.clone());
                let exchange = exchange::request(shared, bytes, request.id, headers);
                match tracked {
                    None => drop(self.shared.tasks.spawn(exchange)),
                    Some(tracked) => drop(self.shared.tasks.spawn(tracked.run(exchange))),
                }
                Ok(())
            }
            Ok(Message::Notification(n)) => {
                if n.method == "notifications/cancelled"
                    && let Some(id) = n
                        .params
                        .as_deref()
                        .and_then(|p| {
                            serde_json::from_str::<oxmcp_types::CancelledNotificationParams>(
                                p.get(),
                            )
                            .ok()
                        })
                        .and_then(|p| p.request_id)
                {
                    // A modern request is cancelled by closing its stream.
                    if modern::close(&self.shared, &id) {
                        return Ok(());
                    }
                    lock(&self.shared.cancelled).insert(id);
                }
                let headers = modern::notification_headers(&self.shared, &n.method);
                exchange::post_one_way(&self.shared, bytes, &headers).await?;
                if n.method == "notifications/initialized"
                    && let Some(answered) = exchange::start_get_stream(&self.shared)
                {
                    // Nothing more is sent until the server answered the GET (or a while
                    // passed): a server that drops its unrelated messages while no GET
                    // stream is open (as the spec allows) then has it open before the
                    // client's first request, whose handler may ask the client something.
                    let _ = tokio::time::timeout(GET_STREAM_WAIT, answered).await;
                }
                Ok(())
            }
            _ => exchange::post_one_way(&self.shared, bytes, &HeaderMap::new()).await,
        }
    }

    async fn flush(&mut self) -> Result<(), TransportError> {
        Ok(())
    }

    async fn close(&mut self) -> Result<(), TransportError> {
        if self.shared.closed.is_cancelled() {
            return Ok(());
        }
        if self.shared.config.delete_on_close {
            exchange::delete(&self.shared).await;
        }
        self.shared.closed.cancel();
        self.shared.tasks.close();
        Ok(())
    }
}

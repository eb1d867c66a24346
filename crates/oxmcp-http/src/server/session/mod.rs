//! One MCP session over HTTP: the transport handed to the engine, and the routing of each
//! outgoing message to exactly one stream.
//!
//! A session is one of three kinds ([`SessionKind`]); what they share is here: the engine's
//! input, the state behind one lock, idleness, the end. The rest is by topic:
//!
//! - [`streams`]: the SSE streams (sequence numbers, the event store, resumption), which
//!   Streamable HTTP and legacy sessions share;
//! - [`streamable`]: the exchanges of Streamable HTTP, each POSTed request answered on its
//!   own POST, each outgoing message routed to exactly one stream;
//! - [`stateless`]: the short-lived session of one stateless POST, and the sessions
//!   modern requests are served on;
//! - [`pool`]: the idle sessions of modern requests;
//! - [`legacy`]: the legacy HTTP+SSE session (2024-11-05) and its one stream;
//! - [`transport`]: the public face, the [`HttpSessionTransport`] the engine runs on.

mod exchanges;
mod inline;
mod legacy;
mod pool;
mod stateless;
mod streamable;
mod streams;
mod transport;

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, Weak};

use bytes::Bytes;
use oxmcp_core::SessionHandle;
use oxmcp_core::transport::{Frame, FrameSink, OutboundMessage, Route, TransportError};
use oxmcp_types::{Message, ProtocolVersion};

use super::queue::QueueTx;
use super::registry::Registry;
use super::{Principal, Settings};

pub(crate) use exchanges::ClientBudget;
pub(crate) use legacy::LegacyState;
pub(crate) use pool::ModernPool;
pub(crate) use stateless::{modern_session, stateless_session};
pub(crate) use streamable::{Answer, BatchAnswers, NotRegistered};
pub(crate) use streams::{OpenStream, ResumeError};
pub use transport::{HttpSessionReader, HttpSessionTransport, HttpSessionWriter, SessionStreams};

use exchanges::Exchanges;

/// A push that may hand its request's answer back (see [`Session::push_for_answer`]).
pub(crate) type Pushed =
    oxmcp_core::BoxFuture<'static, Result<Option<OutboundMessage>, TransportError>>;
use streams::StreamRecord;

/// What kind of session this is.
#[derive(Debug)]
pub(crate) enum SessionKind {
    /// A Streamable HTTP session with an `Mcp-Session-Id`.
    Streamable,
    /// The short-lived session of one stateless POST: its input ends once its requests are
    /// answered.
    Stateless,
    /// A session for modern (2026-07-28) requests, one at a time, kept in the
    /// [`ModernPool`] between them.
    Pooled,
    /// A legacy HTTP+SSE session (2024-11-05): every message goes on its one SSE stream as
    /// an `event: message`. Until the engine answered an `initialize` with a result, its
    /// open stream does not keep it from being reaped.
    Legacy(LegacyState),
}

/// What a session keeps behind its one lock.
#[derive(Default)]
struct State {
    /// The open requests, by id.
    exchanges: Exchanges,
    /// The streams, live and recently completed (kept for resumption).
    streams: HashMap<u64, StreamRecord>,
    /// The completed streams still kept, oldest first.
    completed: VecDeque<u64>,
    /// The id of the next stream.
    next_stream: u64,
    /// The id of the first stream (see [`Session::set_first_stream`]).
    first_stream: u64,
    /// The standalone stream: of the latest GET, or a legacy session's one stream.
    standalone: Option<u64>,
    /// Unrelated messages waiting for a GET to open a standalone stream.
    backlog: VecDeque<Bytes>,
    /// Whether the session has ended.
    closed: bool,
}

/// One MCP session.
pub(crate) struct Session {
    /// The `Mcp-Session-Id` (a legacy session's `sessionId`; empty when stateless).
    pub(crate) id: Arc<str>,
    /// The version negotiated when the session was made (see
    /// [`protocol_version`](Self::protocol_version) for legacy sessions).
    pub(crate) version: ProtocolVersion,
    /// What every session of the service shares.
    pub(crate) settings: Arc<Settings>,
    /// Where POSTed messages go: the engine's sink, from its start until the input ends.
    inbound: Mutex<Option<FrameSink>>,
    /// The streams and open requests.
    state: Mutex<State>,
    /// The engine session, once started (closed when the session ends).
    pub(crate) handle: OnceLock<SessionHandle>,
    /// When the session was last used, in milliseconds of [`Settings::now_ms`].
    last_active: AtomicU64,
    /// When the session was made, in milliseconds of [`Settings::now_ms`].
    created_ms: u64,
    /// When its record's expiry was last refreshed in the session store, in milliseconds of
    /// [`Settings::now_ms`] plus one (0: never).
    touched_ms: AtomicU64,
    /// Whether the client finished initializing: it sent `notifications/initialized`, or a
    /// request other than `initialize`.
    established: AtomicBool,
    /// The registry the session leaves when it ends (none when stateless).
    registry: Weak<Registry>,
    /// Streamable, stateless or legacy.
    kind: SessionKind,
    /// Whom the session belongs to (see [`AuthHook::authenticate`](super::AuthHook)).
    principal: OnceLock<Arc<Principal>>,
    /// The byte budget of its connection queues (`sse_queue_bytes` unless set otherwise).
    queue_bytes: AtomicUsize,
    /// Its record in the session store, when the service has one (see
    /// [`shared`](crate::server::shared)).
    pub(crate) record: OnceLock<Box<Mutex<crate::session_store::SessionRecord>>>,
}

/// Locks `m`, poisoned or not (a panic elsewhere does not take the session down with it).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Session {
    /// A session and the transport its engine runs on.
    pub(crate) fn new(
        id: Arc<str>,
        version: ProtocolVersion,
        settings: Arc<Settings>,
        registry: Weak<Registry>,
        kind: SessionKind,
    ) -> (Arc<Self>, HttpSessionTransport) {
        let session = Arc::new(Self {
            id,
            version,
            last_active: AtomicU64::new(settings.now_ms()),
            queue_bytes: AtomicUsize::new(settings.config.sse_queue_bytes),
            created_ms: settings.now_ms(),
            touched_ms: AtomicU64::new(0),
            established: AtomicBool::new(false),
            settings,
            inbound: Mutex::new(None),
            state: Mutex::new(State {
                next_stream: 1,
                first_stream: 1,
                ..State::default()
            }),
            handle: OnceLock::new(),
            registry,
            kind,
            principal: OnceLock::new(),
            record: OnceLock::new(),
        });
        let transport = HttpSessionTransport::new(&session);
        (session, transport)
    }

    /// Whether this is a Streamable HTTP session (with an `Mcp-Session-Id`).
    pub(crate) fn is_streamable(&self) -> bool {
        matches!(self.kind, SessionKind::Streamable)
    }

    /// Whether the session keeps its events for resumption: a Streamable HTTP session with
    /// an event store.
    fn resumable(&self) -> bool {
        matches!(self.kind, SessionKind::Streamable) && self.settings.config.event_store.is_some()
    }

    /// Sets the byte budget of the connection queues of streams opened from now on.
    pub(crate) fn set_queue_bytes(&self, bytes: usize) {
        self.queue_bytes.store(bytes, Ordering::Relaxed);
    }

    /// Counts the session's requests in flight against its client's `budget`.
    pub(crate) fn set_budget(&self, budget: Arc<ClientBudget>) {
        lock(&self.state).exchanges.set_budget(budget);
    }

    /// Binds the session to the principal of the request that created it, if any.
    pub(crate) fn bind(&self, principal: Option<&Arc<Principal>>) {
        if let Some(principal) = principal {
            let _ = self.principal.set(principal.clone());
        }
    }

    /// Whether a request from `principal` may use the session: the same caller (issuer
    /// and subject) it was bound to, or none on both sides.
    pub(crate) fn belongs_to(&self, principal: Option<&Principal>) -> bool {
        match (self.principal.get(), principal) {
            (Some(bound), Some(caller)) => bound.same_caller(caller),
            (None, None) => true,
            _ => false,
        }
    }

    /// The protocol version of the session: for a legacy session, the one the engine
    /// negotiated (2024-11-05 until then).
    pub(crate) fn protocol_version(&self) -> ProtocolVersion {
        match &self.kind {
            SessionKind::Legacy(legacy) => legacy.negotiated().unwrap_or(self.version),
            _ => self.version,
        }
    }

    /// Marks activity (for idle reaping).
    pub(crate) fn touch(&self) {
        self.last_active
            .store(self.settings.now_ms(), Ordering::Relaxed);
    }

    /// Whether the session has had nothing going on for `idle_ms` (at `now_ms`).
    pub(crate) fn is_idle(&self, now_ms: u64, idle_ms: u64) -> bool {
        if now_ms.saturating_sub(self.last_active.load(Ordering::Relaxed)) < idle_ms {
            return false;
        }
        if self.legacy_uninitialized() {
            return true;
        }
        let state = lock(&self.state);
        state.exchanges.is_empty()
            && state
                .streams
                .values()
                .all(|s| s.conn.as_ref().is_none_or(QueueTx::is_closed))
    }

    /// Whether the session was made `init_ms` ago (at `now_ms`) or more and the client has
    /// not finished initializing it, with no request in flight (its `initialize` answered).
    pub(crate) fn never_initialized(&self, now_ms: u64, init_ms: u64) -> bool {
        !self.established.load(Ordering::Relaxed)
            && now_ms.saturating_sub(self.created_ms) >= init_ms
            && lock(&self.state).exchanges.is_empty()
    }

    /// Notes that the client finished initializing elsewhere (a session rebuilt from the
    /// session store).
    pub(crate) fn set_established(&self) {
        self.established.store(true, Ordering::Relaxed);
    }

    /// Whether the client finished initializing (as far as this instance saw).
    pub(crate) fn is_established(&self) -> bool {
        self.established.load(Ordering::Relaxed)
    }

    /// Notes that the client finished initializing, when `frame` shows it.
    fn note_established(&self, frame: &Frame) {
        if self.established.load(Ordering::Relaxed) {
            return;
        }
        let (Frame::Decoded(message) | Frame::DecodedWith { message, .. }) = frame else {
            return;
        };
        let established = match message {
            Message::Notification(n) => n.method == "notifications/initialized",
            Message::Request(r) => r.method != "initialize",
            _ => false,
        };
        if established {
            self.established.store(true, Ordering::Relaxed);
        }
    }

    /// Hands one incoming message to the engine, in this task (no queue, no task switch).
    pub(crate) async fn forward(&self, frame: Frame) -> Result<(), TransportError> {
        self.note_established(&frame);
        let sink = lock(&self.inbound).clone().ok_or(TransportError::Closed)?;
        sink.push(frame).await
    }

    /// The push of `frame` to the engine, as [`forward`](Self::forward) makes it, taking
    /// back an answer the engine hands over directly (see
    /// [`forward_inline`](Self::forward_inline)).
    pub(crate) fn push_for_answer(&self, frame: Frame) -> Result<Pushed, TransportError> {
        self.note_established(&frame);
        let sink = lock(&self.inbound).clone().ok_or(TransportError::Closed)?;
        Ok(sink.push_for_answer(frame))
    }

    /// Ends the engine's input: it finishes what it has and ends the session.
    pub(crate) fn close_input(&self) {
        lock(&self.inbound).take();
    }

    /// Routes one outgoing message.
    async fn route(&self, message: OutboundMessage) {
        if let SessionKind::Legacy(legacy) = &self.kind {
            // The legacy transport has one stream for everything.
            self.route_legacy(legacy, message).await;
            return;
        }
        let bytes = Bytes::from(message.bytes);
        match message.route {
            Route::Response(id) => self.respond(&id, bytes).await,
            Route::Related(id) => self.related(&id, bytes).await,
            _ => self.unrelated(bytes).await,
        }
    }

    /// Ends the session: drops its streams and waiting requests, closes the engine. With a
    /// session store, only here: the record and the events stay for the other instances
    /// (a DELETE removes them first, see [`shared::delete`](crate::server::shared::delete)).
    pub(crate) async fn end(&self) {
        {
            let mut state = lock(&self.state);
            if state.closed {
                return;
            }
            state.closed = true;
            state.exchanges.clear();
            state.streams.clear();
            state.backlog.clear();
        }
        lock(&self.inbound).take();
        if let Some(handle) = self.handle.get() {
            handle.close();
        }
        if let Some(registry) = self.registry.upgrade() {
            registry.remove(&self.id);
        }
        if self.resumable()
            && self.settings.config.session_store.is_none()
            && let Some(store) = &self.settings.config.event_store
        {
            store.remove_session(&self.id).await;
        }
    }

    /// Numbers the session's streams from `first` on (the instances sharing a session
    /// number theirs apart, so their events never mix in the shared event store).
    pub(crate) fn set_first_stream(&self, first: u64) {
        let mut state = lock(&self.state);
        state.next_stream = first.max(1);
        state.first_stream = first.max(1);
    }

    /// Whether its record's expiry was refreshed less than `interval` ago.
    pub(crate) fn touched_within(&self, interval: std::time::Duration) -> bool {
        let touched = self.touched_ms.load(Ordering::Relaxed);
        touched != 0
            && u128::from(self.settings.now_ms().saturating_sub(touched - 1)) < interval.as_millis()
    }

    /// Notes that its record's expiry was refreshed now.
    pub(crate) fn mark_touched(&self) {
        self.touched_ms
            .store(self.settings.now_ms().saturating_add(1), Ordering::Relaxed);
    }

    /// Whether the session is kept in the session store.
    pub(crate) fn is_shared(&self) -> bool {
        self.record.get().is_some()
    }

    /// Whether the session has ended.
    pub(crate) fn is_closed(&self) -> bool {
        lock(&self.state).closed
    }
}

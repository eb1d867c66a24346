//! One MCP session over HTTP: the transport handed to the engine, and the routing of each
//! outgoing message to exactly one stream.
//!
//! Streams: every SSE response (to a POST, or a GET) is a stream with an id unique in the
//! session. Messages of a stream get sequence numbers 1, 2, ...; with an event store they
//! carry the SSE id `<stream>-<seq>` and are appended to the store before they are queued
//! for the connection, so a client that lost the connection resumes with `Last-Event-ID`.
//! The connection queue is bounded: when a slow reader lets it fill up, the connection is
//! closed (its body ends after what is queued) and later messages of the stream only go to
//! the store, from where the client gets them by resuming.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, Weak};
use std::time::Duration;

use bytes::Bytes;
use oxmcp_core::SessionHandle;
use oxmcp_core::transport::{
    Frame, FrameSink, OutboundMessage, Route, Transport, TransportError, TransportReader,
    TransportWriter,
};
use oxmcp_types::{ProtocolVersion, RequestId};
use tokio::sync::{mpsc, oneshot};

use super::body::SseItem;
use super::registry::Registry;
use super::{Principal, Settings};
use crate::event_store::EventId;
use crate::sse;

/// `initialize` requests of a legacy session remembered until the engine answers them.
const MAX_PENDING_INITIALIZE: usize = 4;

/// What a POST waiting for its request's first message gets.
#[derive(Debug)]
pub(crate) enum Answer {
    /// The result came first: a JSON body.
    Json(Bytes),
    /// A related message came first (or the mode is SSE): an SSE stream.
    Sse(OpenStream),
    /// The client cancelled the request: the stream ends without a result.
    Cancelled,
}

/// A stream just opened for a connection.
#[derive(Debug)]
pub(crate) struct OpenStream {
    pub(crate) first: VecDeque<Bytes>,
    pub(crate) rx: mpsc::Receiver<SseItem>,
    /// The sequence number of the last event in `first` (live events up to it are dropped).
    pub(crate) last_seq: u64,
}

enum Exchange {
    Waiting(oneshot::Sender<Answer>),
    Stream(u64),
    /// One request of a JSON-RPC batch answered on a stream shared by the batch: the stream
    /// ends with the last of their responses.
    Batch(u64),
}

/// How the requests of a batch are answered.
#[derive(Debug)]
pub(crate) enum BatchAnswers {
    /// One waiting answer per accepted request (JSON mode).
    Json(Vec<oneshot::Receiver<Answer>>),
    /// One SSE stream for all of them.
    Sse(OpenStream),
}

/// What kind of session this is.
#[derive(Debug)]
pub(crate) enum SessionKind {
    /// A Streamable HTTP session with an `Mcp-Session-Id`.
    Streamable,
    /// The short-lived session of one stateless POST: its input ends once its requests are
    /// answered.
    Stateless,
    /// A legacy HTTP+SSE session (2024-11-05): every message goes on its one SSE stream as
    /// an `event: message`. Until the engine answered an `initialize` with a result, its
    /// open stream does not keep it from being reaped.
    Legacy(LegacyState),
}

impl SessionKind {
    /// A legacy session, not initialized yet.
    pub(crate) fn legacy() -> Self {
        Self::Legacy(LegacyState::default())
    }
}

/// What a legacy session learns from its engine.
#[derive(Debug, Default)]
pub(crate) struct LegacyState {
    /// Whether the engine answered an `initialize` with a result.
    initialized: AtomicBool,
    /// The ids of the `initialize` requests POSTed and not answered yet.
    initializing: Mutex<Vec<RequestId>>,
    /// The protocol version the engine negotiated.
    negotiated: OnceLock<ProtocolVersion>,
}

impl LegacyState {
    /// Notes the engine's answer to request `id`: a result to one of the `initialize`
    /// requests makes the session initialized, at the version it carries.
    fn answered(&self, id: &RequestId, bytes: &[u8]) {
        let mut initializing = lock(&self.initializing);
        let Some(at) = initializing.iter().position(|i| i == id) else {
            return;
        };
        initializing.swap_remove(at);
        drop(initializing);
        #[derive(serde::Deserialize)]
        struct VersionOnly {
            #[serde(rename = "protocolVersion")]
            protocol_version: String,
        }
        if let Ok(oxmcp_types::Message::Response(response)) =
            oxmcp_types::Message::from_slice(bytes)
        {
            if let Ok(v) = serde_json::from_str::<VersionOnly>(response.result.get()) {
                let _ = self
                    .negotiated
                    .set(ProtocolVersion::negotiate(&v.protocol_version));
            }
            self.initialized.store(true, Ordering::Release);
        }
    }
}

struct StreamRecord {
    /// The last sequence number assigned.
    last_seq: u64,
    /// The last sequence number whose event is in the store and was offered to the
    /// connection (at most one event, the one being delivered, lies between the two).
    stored_seq: u64,
    complete: bool,
    conn: Option<mpsc::Sender<SseItem>>,
}

#[derive(Default)]
struct State {
    exchanges: HashMap<RequestId, Exchange>,
    streams: HashMap<u64, StreamRecord>,
    completed: VecDeque<u64>,
    next_stream: u64,
    standalone: Option<u64>,
    backlog: VecDeque<Bytes>,
    closed: bool,
}

/// Why a resumption was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ResumeError {
    /// The id names no stream or event this session issued.
    Unknown,
    /// The events after the id are no longer kept.
    Gone,
    /// Resumption is off (no event store).
    Unsupported,
}

/// One MCP session.
pub(crate) struct Session {
    pub(crate) id: Arc<str>,
    pub(crate) version: ProtocolVersion,
    settings: Arc<Settings>,
    /// Where POSTed messages go: the engine's sink, from its start until the input ends.
    inbound: Mutex<Option<FrameSink>>,
    state: Mutex<State>,
    pub(crate) handle: OnceLock<SessionHandle>,
    last_active: AtomicU64,
    registry: Weak<Registry>,
    kind: SessionKind,
    /// Whom the session belongs to (see [`AuthHook::authenticate`](super::AuthHook)).
    principal: OnceLock<Principal>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Whether a request of the batch answered on `stream` is still waiting for its response.
fn batch_open(state: &State, stream: u64) -> bool {
    state
        .exchanges
        .values()
        .any(|e| matches!(e, Exchange::Batch(s) if *s == stream))
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
            settings,
            inbound: Mutex::new(None),
            state: Mutex::new(State {
                next_stream: 1,
                ..State::default()
            }),
            handle: OnceLock::new(),
            registry,
            kind,
            principal: OnceLock::new(),
        });
        let transport = HttpSessionTransport {
            reader: HttpSessionReader {
                session: Arc::downgrade(&session),
            },
            writer: HttpSessionWriter {
                session: session.clone(),
            },
        };
        (session, transport)
    }

    fn resumable(&self) -> bool {
        matches!(self.kind, SessionKind::Streamable) && self.settings.config.event_store.is_some()
    }

    fn is_stateless(&self) -> bool {
        matches!(self.kind, SessionKind::Stateless)
    }

    /// Binds the session to the principal of the request that created it, if any.
    pub(crate) fn bind(&self, principal: Option<Principal>) {
        if let Some(principal) = principal {
            let _ = self.principal.set(principal);
        }
    }

    /// Whether a request from `principal` may use the session: the same principal it was
    /// bound to, or none on both sides.
    pub(crate) fn belongs_to(&self, principal: Option<&str>) -> bool {
        self.principal.get().map(|p| &**p) == principal
    }

    /// Whether this is a legacy HTTP+SSE session.
    pub(crate) fn is_legacy(&self) -> bool {
        matches!(self.kind, SessionKind::Legacy { .. })
    }

    /// A legacy session's client POSTed `initialize` request `id`: the engine's result to it
    /// makes the session initialized.
    pub(crate) fn legacy_initialize(&self, id: &RequestId) {
        if let SessionKind::Legacy(legacy) = &self.kind {
            let mut initializing = lock(&legacy.initializing);
            // A client that keeps sending initialize without reading answers gains nothing.
            if initializing.len() < MAX_PENDING_INITIALIZE {
                initializing.push(id.clone());
            }
        }
    }

    /// The protocol version of the session: for a legacy session, the one the engine
    /// negotiated (2024-11-05 until then).
    pub(crate) fn protocol_version(&self) -> ProtocolVersion {
        match &self.kind {
            SessionKind::Legacy(legacy) => legacy.negotiated.get().copied().unwrap_or(self.version),
            _ => self.version,
        }
    }

    /// Puts a message of the server's own (an error to a batch element the HTTP layer
    /// refused) on a legacy session's stream.
    pub(crate) async fn legacy_send(&self, bytes: Bytes) {
        let stream = lock(&self.state).standalone;
        if let Some(stream) = stream {
            self.deliver(stream, bytes, false).await;
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
        if let SessionKind::Legacy(legacy) = &self.kind
            && !legacy.initialized.load(Ordering::Acquire)
        {
            return true;
        }
        let state = lock(&self.state);
        state.exchanges.is_empty()
            && state
                .streams
                .values()
                .all(|s| s.conn.as_ref().is_none_or(mpsc::Sender::is_closed))
    }

    /// Hands one incoming message to the engine, in this task (no queue, no task switch).
    pub(crate) async fn forward(&self, frame: Frame) -> Result<(), TransportError> {
        let sink = lock(&self.inbound).clone().ok_or(TransportError::Closed)?;
        sink.push(frame).await
    }

    /// Ends the engine's input: it finishes what it has and ends the session.
    pub(crate) fn close_input(&self) {
        lock(&self.inbound).take();
    }

    /// Registers a POSTed request before it is forwarded. `None` when a request with the
    /// same id is still running (the caller answers that itself).
    pub(crate) fn begin_exchange(&self, id: RequestId) -> Option<oneshot::Receiver<Answer>> {
        let mut state = lock(&self.state);
        if state.closed || state.exchanges.contains_key(&id) {
            return None;
        }
        let (tx, rx) = oneshot::channel();
        if self.settings.config.response_mode == super::ResponseMode::Sse {
            let (stream, open) = self.open_stream(&mut state);
            state.exchanges.insert(id, Exchange::Stream(stream));
            let _ = tx.send(Answer::Sse(open));
        } else {
            state.exchanges.insert(id, Exchange::Waiting(tx));
        }
        Some(rx)
    }

    /// The client cancelled request `id`: its POST ends without a result.
    pub(crate) fn cancelled(&self, id: &RequestId) {
        let mut state = lock(&self.state);
        match state.exchanges.remove(id) {
            Some(Exchange::Waiting(tx)) => {
                let _ = tx.send(Answer::Cancelled);
            }
            Some(Exchange::Stream(stream)) => self.finish_stream(&mut state, stream),
            Some(Exchange::Batch(stream)) if !batch_open(&state, stream) => {
                self.finish_stream(&mut state, stream);
            }
            Some(Exchange::Batch(_)) | None => {}
        }
    }

    /// Forgets requests whose POST went away before their answers came (see
    /// [`Registered`](super::registered::Registered)). A stateless session with nothing left to answer ends its input.
    pub(crate) fn abandon(&self, ids: &[RequestId]) {
        let mut state = lock(&self.state);
        for id in ids {
            match state.exchanges.remove(id) {
                Some(Exchange::Stream(stream)) => self.finish_stream(&mut state, stream),
                Some(Exchange::Batch(stream)) if !batch_open(&state, stream) => {
                    self.finish_stream(&mut state, stream);
                }
                _ => {}
            }
        }
        let ended = self.is_stateless() && state.exchanges.is_empty();
        drop(state);
        if ended {
            lock(&self.inbound).take();
        }
    }

    /// Registers the requests of a JSON-RPC batch before they are forwarded: one waiting
    /// answer each in JSON mode, otherwise one SSE stream for the whole batch. Returns, in
    /// the order of `ids`, whether each was accepted (an id in flight, or repeated in the
    /// batch, is not); `None` once the session has ended.
    pub(crate) fn begin_batch(&self, ids: &[RequestId]) -> Option<(BatchAnswers, Vec<bool>)> {
        let mut state = lock(&self.state);
        if state.closed {
            return None;
        }
        let accepted: Vec<bool> = {
            let mut seen = std::collections::HashSet::new();
            ids.iter()
                .map(|id| !state.exchanges.contains_key(id) && seen.insert(id))
                .collect()
        };
        let mut taken = ids.iter().zip(&accepted).filter(|(_, ok)| **ok);
        if self.settings.config.response_mode == super::ResponseMode::Json
            || !accepted.contains(&true)
        {
            let mut answers = Vec::new();
            for (id, _) in taken {
                let (tx, rx) = oneshot::channel();
                state.exchanges.insert(id.clone(), Exchange::Waiting(tx));
                answers.push(rx);
            }
            return Some((BatchAnswers::Json(answers), accepted));
        }
        let (stream, open) = self.open_stream(&mut state);
        for (id, _) in &mut taken {
            state.exchanges.insert(id.clone(), Exchange::Batch(stream));
        }
        Some((BatchAnswers::Sse(open), accepted))
    }

    fn open_stream(&self, state: &mut State) -> (u64, OpenStream) {
        let stream = state.next_stream;
        state.next_stream += 1;
        let (tx, rx) = mpsc::channel(self.settings.config.sse_queue.max(1));
        state.streams.insert(
            stream,
            StreamRecord {
                last_seq: 0,
                stored_seq: 0,
                complete: false,
                conn: Some(tx),
            },
        );
        let mut first = VecDeque::new();
        if self.resumable() && self.version >= ProtocolVersion::V2025_11_25 {
            let id = EventId::new(stream, 0).to_string();
            first.push_back(sse::event(Some(&id), b""));
        }
        (
            stream,
            OpenStream {
                first,
                rx,
                last_seq: 0,
            },
        )
    }

    /// Ends a stream: no more messages go to it, its connection ends after what is queued.
    fn finish_stream(&self, state: &mut State, stream: u64) {
        if let Some(record) = state.streams.get_mut(&stream) {
            record.complete = true;
            record.conn = None;
        }
        if !self.resumable() {
            state.streams.remove(&stream);
            return;
        }
        state.completed.push_back(stream);
        while state.completed.len() > self.settings.config.completed_streams {
            if let Some(old) = state.completed.pop_front() {
                state.streams.remove(&old);
            }
        }
    }

    /// Opens the standalone stream of a GET, replacing the previous one (whose undelivered
    /// messages stay resumable by its own event ids).
    pub(crate) async fn open_standalone(&self) -> Option<OpenStream> {
        let (stream, open, backlog) = {
            let mut state = lock(&self.state);
            if state.closed {
                return None;
            }
            if let Some(old) = state.standalone.take() {
                self.finish_stream(&mut state, old);
            }
            let (stream, open) = self.open_stream(&mut state);
            state.standalone = Some(stream);
            let backlog = std::mem::take(&mut state.backlog);
            (stream, open, backlog)
        };
        for message in backlog {
            self.deliver(stream, message, false).await;
        }
        Some(open)
    }

    /// Routes one outgoing message.
    async fn route(&self, message: OutboundMessage) {
        let bytes = Bytes::from(message.bytes);
        if let SessionKind::Legacy(legacy) = &self.kind {
            if let Route::Response(id) = &message.route {
                legacy.answered(id, &bytes);
            }
            // The legacy transport has one stream for everything.
            self.legacy_send(bytes).await;
            return;
        }
        match message.route {
            Route::Response(id) => self.respond(&id, bytes).await,
            Route::Related(id) => self.related(&id, bytes).await,
            _ => self.unrelated(bytes).await,
        }
    }

    async fn respond(&self, id: &RequestId, bytes: Bytes) {
        let (exchange, batch_done) = {
            let mut state = lock(&self.state);
            let exchange = state.exchanges.remove(id);
            let done = match exchange {
                Some(Exchange::Batch(stream)) => !batch_open(&state, stream),
                _ => false,
            };
            (exchange, done)
        };
        let answered = exchange.is_some();
        match exchange {
            Some(Exchange::Waiting(tx)) => {
                if tx.send(Answer::Json(bytes)).is_err() {
                    tracing::debug!(%id, "the client left before the response");
                }
            }
            Some(Exchange::Stream(stream)) => self.deliver(stream, bytes, true).await,
            Some(Exchange::Batch(stream)) => self.deliver(stream, bytes, batch_done).await,
            None => tracing::debug!(%id, "dropping a response to no open request"),
        }
        if self.is_stateless() && answered && lock(&self.state).exchanges.is_empty() {
            // The POST's last request is answered: end the engine's input. Not on the
            // answer to the built-in `initialize` (no exchange): the POST's own messages
            // still have to come in.
            lock(&self.inbound).take();
        }
    }

    /// The stream of request `id`, switching a POST still waiting for its first message to
    /// SSE (unless the mode is JSON). `None` when the request has no open exchange.
    fn stream_of(&self, state: &mut State, id: &RequestId) -> Option<u64> {
        match state.exchanges.get(id) {
            Some(Exchange::Stream(stream) | Exchange::Batch(stream)) => Some(*stream),
            Some(Exchange::Waiting(_))
                if self.settings.config.response_mode != super::ResponseMode::Json =>
            {
                let (stream, open) = self.open_stream(state);
                if let Some(Exchange::Waiting(tx)) =
                    state.exchanges.insert(id.clone(), Exchange::Stream(stream))
                {
                    let _ = tx.send(Answer::Sse(open));
                }
                Some(stream)
            }
            _ => None,
        }
    }

    async fn related(&self, id: &RequestId, bytes: Bytes) {
        let stream = self.stream_of(&mut lock(&self.state), id);
        match stream {
            Some(stream) => self.deliver(stream, bytes, false).await,
            None => self.unrelated(bytes).await,
        }
    }

    async fn unrelated(&self, bytes: Bytes) {
        let target = {
            let mut state = lock(&self.state);
            let live = state.standalone.filter(|s| {
                self.resumable()
                    || state
                        .streams
                        .get(s)
                        .is_some_and(|r| r.conn.as_ref().is_some_and(|c| !c.is_closed()))
            });
            if live.is_none() {
                if state.backlog.len() >= self.settings.config.standalone_backlog {
                    state.backlog.pop_front();
                    tracing::debug!("standalone backlog full: dropped the oldest message");
                }
                if self.settings.config.standalone_backlog > 0 {
                    state.backlog.push_back(bytes.clone());
                }
            }
            live
        };
        if let Some(stream) = target {
            self.deliver(stream, bytes, false).await;
        }
    }

    /// Puts a message on a stream: event store first, then the connection if one is open.
    async fn deliver(&self, stream: u64, bytes: Bytes, last: bool) {
        let seq = {
            let mut state = lock(&self.state);
            let Some(record) = state.streams.get_mut(&stream) else {
                return;
            };
            record.last_seq += 1;
            record.last_seq
        };
        let id = EventId::new(stream, seq);
        let resumable = self.resumable();
        if resumable
            && let Some(store) = &self.settings.config.event_store
            && let Err(e) = store.append(&self.id, id, bytes.clone()).await
        {
            tracing::warn!(error = %e, "could not keep an event for resumption");
        }
        let event_id = resumable.then(|| id.to_string());
        let item = SseItem {
            seq: if resumable { seq } else { 0 },
            bytes: if self.is_legacy() {
                sse::named_event("message", &bytes)
            } else {
                sse::event(event_id.as_deref(), &bytes)
            },
        };
        let mut state = lock(&self.state);
        if let Some(record) = state.streams.get_mut(&stream) {
            record.stored_seq = seq;
        }
        if let Some(record) = state.streams.get_mut(&stream)
            && let Some(conn) = &record.conn
        {
            match conn.try_send(item) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(_)) => {
                    tracing::debug!(stream, "slow SSE reader: closing its connection");
                    record.conn = None;
                }
                Err(mpsc::error::TrySendError::Closed(_)) => record.conn = None,
            }
        }
        if last {
            self.finish_stream(&mut state, stream);
        }
    }

    /// Ends the connection that carries request `id`'s stream after a `retry` hint, while
    /// the request goes on: the client resumes with `Last-Event-ID` and gets the rest of
    /// the stream (SEP-1699). A POST still waiting for its first message is answered with
    /// an SSE stream (its priming event, then the hint). Only for resumable sessions on
    /// 2025-11-25 or later (clients before that are not told they may resume); false when
    /// the request has no open exchange or the response mode is JSON.
    pub(crate) fn close_request_stream(&self, id: &RequestId, retry: Duration) -> bool {
        if !self.resumable() || self.version < ProtocolVersion::V2025_11_25 {
            return false;
        }
        let mut state = lock(&self.state);
        let Some(stream) = self.stream_of(&mut state, id) else {
            return false;
        };
        let Some(record) = state.streams.get_mut(&stream) else {
            return false;
        };
        if let Some(conn) = record.conn.take() {
            let millis = u64::try_from(retry.as_millis()).unwrap_or(u64::MAX);
            // The hint has no sequence number: it is never replayed.
            let hint = SseItem {
                seq: 0,
                bytes: sse::retry(millis),
            };
            if conn.try_send(hint).is_err() {
                tracing::debug!(stream, "the retry hint did not fit the connection queue");
            }
        }
        true
    }

    /// Attaches a new connection to stream `after.stream` and returns the events after
    /// `after`, then everything that follows live.
    pub(crate) async fn resume(&self, after: EventId) -> Result<OpenStream, ResumeError> {
        let Some(store) = self
            .settings
            .config
            .event_store
            .as_ref()
            .filter(|_| self.resumable())
        else {
            return Err(ResumeError::Unsupported);
        };
        let (stored_seq, rx) = {
            let mut state = lock(&self.state);
            if after.stream == 0 || after.stream >= state.next_stream {
                return Err(ResumeError::Unknown);
            }
            let queue = self.settings.config.sse_queue.max(1);
            let Some(record) = state.streams.get_mut(&after.stream) else {
                return Err(ResumeError::Gone);
            };
            if after.seq > record.last_seq {
                return Err(ResumeError::Unknown);
            }
            let rx = if record.complete {
                None
            } else {
                let (tx, rx) = mpsc::channel(queue);
                record.conn = Some(tx);
                Some(rx)
            };
            (record.stored_seq, rx)
        };
        let events = match store.replay(&self.id, after.stream, after.seq).await {
            Ok(events) => events,
            Err(e) => {
                tracing::warn!(error = %e, "event store failed during a resumption");
                return Err(ResumeError::Gone);
            }
        };
        // Every event stored before the connection was attached must be there; the one being
        // delivered meanwhile (if any) comes live, and may be in the replay too: the body
        // drops live events up to the last one replayed.
        let replayed: Vec<_> = events
            .into_iter()
            .enumerate()
            .take_while(|(i, (seq, _))| *seq == after.seq + 1 + *i as u64)
            .map(|(_, event)| event)
            .collect();
        let last_seq = replayed.last().map_or(after.seq, |(seq, _)| *seq);
        if last_seq < stored_seq {
            return Err(ResumeError::Gone);
        }
        let first = replayed
            .into_iter()
            .map(|(seq, bytes)| {
                sse::event(Some(&EventId::new(after.stream, seq).to_string()), &bytes)
            })
            .collect();
        // A stream that was complete ends after its replay.
        let rx = rx.unwrap_or_else(|| mpsc::channel(1).1);
        Ok(OpenStream {
            first,
            rx,
            last_seq,
        })
    }

    /// Ends the session: drops its streams and waiting requests, closes the engine.
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
            && let Some(store) = &self.settings.config.event_store
        {
            store.remove_session(&self.id).await;
        }
    }

    /// Whether the session has ended.
    pub(crate) fn is_closed(&self) -> bool {
        lock(&self.state).closed
    }
}

/// The transport of one HTTP session, handed to the [`SessionFactory`](crate::SessionFactory)
/// that starts its engine session.
#[derive(Debug)]
pub struct HttpSessionTransport {
    reader: HttpSessionReader,
    writer: HttpSessionWriter,
}

impl HttpSessionTransport {
    /// The `Mcp-Session-Id` of the session (empty in stateless mode).
    pub fn session_id(&self) -> &str {
        &self.writer.session.id
    }

    /// The protocol version the session speaks. A legacy HTTP+SSE session negotiates its
    /// version through the engine after it started: until the engine answered `initialize`
    /// (so always, when the factory asks), this is 2024-11-05;
    /// [`SessionStreams::protocol_version`] gives the negotiated one later.
    pub fn protocol_version(&self) -> ProtocolVersion {
        self.writer.session.protocol_version()
    }

    /// A handle on the session's streams, for the code that serves it (see
    /// [`SessionStreams`]).
    pub fn streams(&self) -> SessionStreams {
        SessionStreams {
            session: Arc::downgrade(&self.writer.session),
        }
    }
}

/// A handle on the SSE streams of one HTTP session, taken from its
/// [`HttpSessionTransport`] before the engine starts. It does not keep the session alive.
///
/// A handler finds its session's handle by the engine's session id
/// (`cx.peer().session_id()`) and closes its own stream with
/// `close_request_stream(cx.id(), retry)`:
///
/// ```
/// use std::collections::HashMap;
/// use std::sync::{Arc, Mutex};
/// use oxmcp_core::{NoHandler, ServerConfig, serve_server};
/// use oxmcp_http::{HttpServerConfig, HttpSessionTransport, McpService, SessionStreams};
/// use oxmcp_types::Implementation;
///
/// let by_session: Arc<Mutex<HashMap<u64, SessionStreams>>> = Arc::default();
/// let config = ServerConfig::new(Implementation::new("demo", "1.0"));
/// let map = by_session.clone();
/// let service = McpService::new(
///     move |t: HttpSessionTransport| {
///         let streams = t.streams();
///         let running = serve_server(t, config.clone(), NoHandler);
///         map.lock().unwrap().insert(running.peer().session_id(), streams);
///         running
///     },
///     HttpServerConfig::default(),
/// );
/// # drop(service);
/// ```
#[derive(Debug, Clone)]
pub struct SessionStreams {
    session: Weak<Session>,
}

impl SessionStreams {
    /// Closes the connection that carries the answer of request `id` (SSE polling,
    /// SEP-1699): the server sends a `retry` hint and ends the HTTP response while the
    /// request goes on; the client reconnects with GET and `Last-Event-ID` after `retry`
    /// and receives the rest of the stream, the result included. A request that has sent
    /// nothing yet is first switched to an SSE answer (priming event, then the hint).
    ///
    /// Returns false, and changes nothing, when the session has ended, does not keep events
    /// (no event store, stateless mode), speaks a version before 2025-11-25, answers in
    /// [`ResponseMode::Json`](crate::ResponseMode::Json), or has no open request `id`.
    pub fn close_request_stream(&self, id: &RequestId, retry: Duration) -> bool {
        self.session
            .upgrade()
            .is_some_and(|session| !session.is_closed() && session.close_request_stream(id, retry))
    }

    /// The protocol version of the session, while it lives: for a legacy HTTP+SSE session,
    /// the one its engine negotiated (2024-11-05 until then).
    pub fn protocol_version(&self) -> Option<ProtocolVersion> {
        self.session.upgrade().map(|s| s.protocol_version())
    }

    /// The `Mcp-Session-Id` of the session, while it lives.
    pub fn session_id(&self) -> Option<String> {
        self.session.upgrade().map(|s| s.id.to_string())
    }
}

impl Transport for HttpSessionTransport {
    type Reader = HttpSessionReader;
    type Writer = HttpSessionWriter;

    fn split(self) -> (HttpSessionReader, HttpSessionWriter) {
        (self.reader, self.writer)
    }
}

/// The receiving half of an [`HttpSessionTransport`]: the messages POSTed to the session.
///
/// It pushes each message into the engine from the task serving its POST (see
/// [`TransportReader::attach`]), so a session needs no reader task and no queue; it is not
/// meant to be polled (`read` fails).
#[derive(Debug)]
pub struct HttpSessionReader {
    session: Weak<Session>,
}

impl TransportReader for HttpSessionReader {
    async fn read(&mut self) -> Result<Option<Frame>, TransportError> {
        Err(TransportError::Io(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "an HTTP session pushes its messages to the engine's FrameSink; it cannot be read",
        )))
    }

    fn attach(&mut self, sink: &FrameSink) -> bool {
        match self.session.upgrade() {
            Some(session) => {
                *lock(&session.inbound) = Some(sink.clone());
                true
            }
            None => false,
        }
    }
}

/// The sending half of an [`HttpSessionTransport`]: puts each message on its stream.
pub struct HttpSessionWriter {
    session: Arc<Session>,
}

impl std::fmt::Debug for HttpSessionWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpSessionWriter")
            .field("session", &self.session.id)
            .finish()
    }
}

impl TransportWriter for HttpSessionWriter {
    async fn write(&mut self, message: OutboundMessage) -> Result<(), TransportError> {
        self.session.route(message).await;
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), TransportError> {
        Ok(())
    }

    async fn close(&mut self) -> Result<(), TransportError> {
        // The engine session ended (for whatever reason): so does the HTTP session.
        self.session.end().await;
        Ok(())
    }
}

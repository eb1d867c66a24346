//! Starting a session, reading its transport (or taking the frames it pushes), and shutdown.
//!
//! A session owns as few tasks as its transport needs. A transport that is read by polling
//! gets one reader task; a transport that pushes its frames (see
//! [`TransportReader::attach`]) gets none. Writing needs no task (see [`super::outbound`]),
//! nor do notifications while none is being handled (see [`super::notifications`]). Shutdown
//! runs in the reader task, or in a task started when a push-driven session ends.

use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

use oxmcp_types::jsonrpc::ErrorResponse;
use oxmcp_types::{ErrorData, Message};
use tokio_util::sync::CancellationToken;

use super::dispatch;
use super::notifications;
use super::outbound::Control;
use super::state::{Inner, InnerParts, lock};
use super::{FixedContext, SessionInfo};
use crate::extensions::Extensions;
use crate::handler::BoxFuture;
use crate::role::Role;
use crate::transport::{
    Frame, FrameSink, OutboundMessage, PushTarget, Route, Transport, TransportError,
    TransportReader,
};

/// Why a session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionEnd {
    /// The peer closed its side (end of stream).
    PeerClosed,
    /// This side closed the session.
    Closed,
    /// The transport failed.
    TransportError(String),
}

type EndCallback = Box<dyn FnOnce() + Send>;

/// The part of a session its handles share: why it ended, and who waits for that.
pub(crate) struct Life {
    closed: CancellationToken,
    done: CancellationToken,
    end: OnceLock<SessionEnd>,
    /// Run once the session has ended (`None` after that: later ones run at once).
    on_end: Mutex<Option<Vec<EndCallback>>>,
}

impl fmt::Debug for Life {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Life")
            .field("end", &self.end.get())
            .finish_non_exhaustive()
    }
}

impl Life {
    pub(crate) fn new(closed: CancellationToken) -> Arc<Self> {
        Arc::new(Self {
            closed,
            done: CancellationToken::new(),
            end: OnceLock::new(),
            on_end: Mutex::new(Some(Vec::new())),
        })
    }

    /// Records why the session ends (the first reason given wins).
    pub(crate) fn record(&self, end: SessionEnd) {
        let _ = self.end.set(end);
    }

    /// Runs `callback` once the session has ended (at once if it already has).
    pub(crate) fn on_end(&self, callback: impl FnOnce() + Send + 'static) {
        let mut callbacks = lock(&self.on_end);
        match callbacks.as_mut() {
            Some(list) => list.push(Box::new(callback)),
            None => {
                drop(callbacks);
                callback();
            }
        }
    }

    /// The session has ended: wakes the waiters, runs the callbacks.
    fn finish(&self) {
        self.done.cancel();
        let callbacks = lock(&self.on_end).take().unwrap_or_default();
        for callback in callbacks {
            callback();
        }
    }
}

/// Controls a running session: wait for its end, or close it.
#[derive(Clone)]
pub struct SessionHandle {
    life: Arc<Life>,
    control: std::sync::Weak<dyn Control>,
}

impl fmt::Debug for SessionHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionHandle")
            .field("closed", &self.life.closed.is_cancelled())
            .field("ended", &self.life.done.is_cancelled())
            .finish()
    }
}

impl SessionHandle {
    /// Closes the session: stops reading, cancels the requests in flight and the pending
    /// outgoing ones, flushes what is queued, and closes the transport.
    pub fn close(&self) {
        match self.control.upgrade() {
            Some(control) => control.end_session(SessionEnd::Closed),
            None => {
                self.life.record(SessionEnd::Closed);
                self.life.closed.cancel();
            }
        }
    }

    /// Waits until the session has ended and its transport is closed.
    pub async fn wait(&self) -> SessionEnd {
        self.life.done.cancelled().await;
        self.life.end.get().cloned().unwrap_or(SessionEnd::Closed)
    }

    /// Whether the session has ended (or is ending).
    pub fn is_closed(&self) -> bool {
        self.life.closed.is_cancelled()
    }

    /// Whether the session could serve a request of another client next without anything
    /// of its earlier requests reaching that request: a session whose transport pushes its
    /// frames, still open, with no request in flight, no handle on it alive but its
    /// transport's input (no [`Peer`](super::Peer) of an earlier request kept by a handler
    /// or a task it started, no [`RunningServer`](crate::RunningServer) kept), and its
    /// [`SessionExtensions`](crate::SessionExtensions) as they started.
    ///
    /// A transport that serves self-contained requests (2026-07-28, whose context is in
    /// each request's `_meta`) keeps such sessions for later requests instead of starting
    /// one per request.
    pub fn is_reusable(&self) -> bool {
        self.control
            .upgrade()
            .is_some_and(|control| !self.is_closed() && control.is_reusable())
    }
}

/// Starts a session over `transport`: a reader task if the transport must be polled, no task
/// at all if it pushes its frames.
pub(crate) fn start<R: Role, T: Transport>(
    transport: T,
    mut parts: InnerParts<R>,
) -> (Arc<Inner<R>>, SessionHandle) {
    let mut restored = None;
    if let (None, Some(mut fixed)) = (&parts.source, transport.negotiated()) {
        // Initialized elsewhere: the session starts as an initialized one, with no source.
        restored = fixed.initialized.take();
        if restored.is_none() {
            parts.source = match fixed.per_request.then(R::per_request_source).flatten() {
                Some(per_request) => Some(per_request),
                None => {
                    let info = SessionInfo::new(
                        fixed.protocol_version,
                        R::PeerCapabilities::default(),
                        fixed.peer_info,
                        None,
                    );
                    Some(Arc::new(FixedContext::new(info)))
                }
            };
        }
    }
    let id_prefix = transport.request_id_prefix();
    let inline = transport.runs_requests_inline();
    let (mut reader, writer) = transport.split();
    let inner = Inner::with_writer(parts, Box::new(writer));
    if let Some(prefix) = id_prefix {
        inner.set_id_prefix(prefix);
    }
    if let Some(params) = restored {
        inner.restore(&params);
    }
    inner.set_inline(inline);
    let control: Arc<dyn Control> = inner.clone();
    let handle = SessionHandle {
        life: inner.life.clone(),
        control: Arc::downgrade(&control),
    };
    inner.set_push(true);
    let sink = FrameSink::new(Arc::new(PushInput {
        inner: inner.clone(),
    }));
    if !reader.attach(&sink) {
        inner.set_push(false);
        tokio::spawn(run(inner.clone(), reader));
    }
    drop(sink);
    (inner, handle)
}

/// The reader task of a polled transport: reads until the end, then shuts the session down.
async fn run<R: Role, Rd: TransportReader>(inner: Arc<Inner<R>>, mut reader: Rd) {
    let end = read_loop(&inner, &mut reader).await;
    drop(reader);
    inner.life.record(end);
    shutdown(inner).await;
}

async fn read_loop<R: Role, Rd: TransportReader>(
    inner: &Arc<Inner<R>>,
    reader: &mut Rd,
) -> SessionEnd {
    loop {
        if inner.closed.is_cancelled() {
            return SessionEnd::Closed;
        }
        // The read first: a frame already buffered never registers a waiter on `closed`.
        let frame = tokio::select! {
            biased;
            frame = reader.read() => frame,
            () = inner.closed.cancelled() => return SessionEnd::Closed,
        };
        match frame {
            Ok(Some(frame)) => {
                on_frame(inner, frame, false).await;
            }
            Ok(None) => return SessionEnd::PeerClosed,
            Err(e) => return SessionEnd::TransportError(e.to_string()),
        }
    }
}

/// What the reader (or a pushing transport) does with one frame.
///
/// With `direct`, the answer of a request run inline may come back instead of going to the
/// writer (see [`FrameSink::push_for_answer`](crate::transport::FrameSink::push_for_answer)).
async fn on_frame<R: Role>(
    inner: &Arc<Inner<R>>,
    frame: Frame,
    direct: bool,
) -> Option<OutboundMessage> {
    match frame {
        Frame::Message(bytes) => dispatch::on_bytes(inner, &bytes, direct).await,
        Frame::Decoded(message) => {
            dispatch::on_decoded(inner, Ok(message), Extensions::new(), direct).await
        }
        Frame::DecodedWith {
            message,
            extensions,
        } => dispatch::on_decoded(inner, Ok(message), extensions, direct).await,
        Frame::Oversized { limit } => {
            let e =
                ErrorData::invalid_request(format!("message exceeds the limit of {limit} bytes"));
            let message = Message::Error(ErrorResponse::new(None, e));
            let out = OutboundMessage::new(message.to_vec(), Route::Unrelated);
            let _ = inner.outbound.send_detached(out).await;
            None
        }
    }
}

/// Ends a session whose input has ended: fails the outgoing requests, lets the accepted
/// requests and queued notifications finish (each within the drain time), then flushes and
/// closes the transport.
async fn shutdown<R: Role>(inner: Arc<Inner<R>>) {
    tracing::debug!(role = R::NAME, end = ?inner.life.end.get(), "session ending");
    // Nobody will answer our requests any more.
    inner.fail_pending();
    // Requests already accepted may finish (the transport still takes their answers).
    inner.tasks.close();
    let drain = inner.config.drain_timeout;
    if tokio::time::timeout(drain, inner.tasks.wait())
        .await
        .is_err()
    {
        tracing::warn!(
            role = R::NAME,
            "requests still running after {drain:?}; cancelling them"
        );
        // A handler stuck sending to a transport that takes nothing gives up too.
        inner.close_now();
        inner.tasks.wait().await;
    }
    notifications::close(&inner, drain).await;
    inner.close_now();
    inner.outbound.close(drain).await;
    inner.life.finish();
}

impl<R: Role> Control for Inner<R> {
    fn end_session(self: Arc<Self>, end: SessionEnd) {
        self.life.record(end);
        self.close_now();
        self.end_input();
    }

    fn is_reusable(self: Arc<Self>) -> bool {
        // The handles: the transport's input (its one `PushInput`) and `self`. A request's
        // task, a `Peer` kept from one, a running notification handler each hold another.
        const HANDLES: usize = 2;
        self.is_push()
            && !self.input_ended()
            && Arc::strong_count(&self) == HANDLES
            && lock(&self.in_flight).is_empty()
            && self.extensions.len() == self.initial_extensions
    }
}

impl<R: Role> Inner<R> {
    /// A push-driven session's input has ended: shut it down (once). A polled session's
    /// reader does that itself when it stops.
    fn end_input(self: &Arc<Self>) {
        if !self.is_push() || !self.take_input_end() {
            return;
        }
        match &self.runtime {
            Some(runtime) => {
                runtime.spawn(shutdown(self.clone()));
            }
            None => {
                // No runtime left to drain on: end at once.
                self.fail_pending();
                self.close_now();
                self.life.finish();
            }
        }
    }
}

/// The engine's end of a push-driven transport: the [`FrameSink`] it was given.
struct PushInput<R: Role> {
    inner: Arc<Inner<R>>,
}

impl<R: Role> PushTarget for PushInput<R> {
    fn push(
        self: Arc<Self>,
        frame: Frame,
        direct: bool,
    ) -> BoxFuture<'static, Result<Option<OutboundMessage>, TransportError>> {
        Box::pin(async move {
            // Shutdown waits for frames being handed over.
            let _busy = self.inner.tasks.token();
            if self.is_closed() {
                return Err(TransportError::Closed);
            }
            Ok(on_frame(&self.inner, frame, direct).await)
        })
    }

    fn end(&self) {
        if self.inner.is_push() {
            self.inner.life.record(SessionEnd::PeerClosed);
            self.inner.end_input();
        }
    }

    fn is_closed(&self) -> bool {
        self.inner.input_ended() || self.inner.closed.is_cancelled()
    }
}

impl<R: Role> Drop for PushInput<R> {
    fn drop(&mut self) {
        self.end();
    }
}

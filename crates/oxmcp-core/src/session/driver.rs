//! The tasks that drive a session: reader, writer, in-order notifications, and shutdown.

use std::sync::{Arc, OnceLock};

use oxmcp_types::jsonrpc::ErrorResponse;
use oxmcp_types::{ErrorData, Message};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::dispatch;
use super::peer::send_on;
use super::state::{Inner, InnerParts};
use crate::context::NotificationContext;
use crate::handler::IncomingNotification;
use crate::role::Role;
use crate::session::Peer;
use crate::transport::{
    Frame, OutboundMessage, Route, Transport, TransportReader, TransportWriter,
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

/// Controls a running session: wait for its end, or close it.
#[derive(Debug, Clone)]
pub struct SessionHandle {
    closed: CancellationToken,
    done: CancellationToken,
    end: Arc<OnceLock<SessionEnd>>,
}

impl SessionHandle {
    /// Closes the session: stops reading, cancels the requests in flight and the pending
    /// outgoing ones, flushes what is queued, and closes the transport.
    pub fn close(&self) {
        self.closed.cancel();
    }

    /// Waits until the session has ended and its transport is closed.
    pub async fn wait(&self) -> SessionEnd {
        self.done.cancelled().await;
        self.end.get().cloned().unwrap_or(SessionEnd::Closed)
    }

    /// Whether the session has ended (or is ending).
    pub fn is_closed(&self) -> bool {
        self.closed.is_cancelled()
    }
}

/// Starts the tasks of a session over `transport`.
pub(crate) fn start<R: Role, T: Transport>(
    transport: T,
    parts: InnerParts<R>,
) -> (Arc<Inner<R>>, SessionHandle) {
    let (reader, writer) = transport.split();
    let (out_tx, out_rx) = mpsc::channel(parts.config.outbound_queue.max(1));
    let inner = Inner::new(parts, out_tx);
    let (notify_tx, notify_rx) = mpsc::channel(inner.config.notification_queue.max(1));
    let writer = tokio::spawn(write_loop(writer, out_rx, inner.closed.clone()));
    let notifier = tokio::spawn(notification_loop(inner.clone(), notify_rx));
    let handle = SessionHandle {
        closed: inner.closed.clone(),
        done: CancellationToken::new(),
        end: Arc::new(OnceLock::new()),
    };
    tokio::spawn(run(
        inner.clone(),
        reader,
        notify_tx,
        writer,
        notifier,
        handle.clone(),
    ));
    (inner, handle)
}

async fn run<R: Role, Rd: TransportReader>(
    inner: Arc<Inner<R>>,
    mut reader: Rd,
    notify_tx: mpsc::Sender<IncomingNotification>,
    writer: JoinHandle<()>,
    notifier: JoinHandle<()>,
    handle: SessionHandle,
) {
    let end = read_loop(&inner, &mut reader, &notify_tx).await;
    drop(notify_tx);
    drop(reader);
    tracing::debug!(role = R::NAME, ?end, "session ending");
    // Nobody will answer our requests any more.
    inner.fail_pending();
    // Requests already accepted may finish (the writer is still running), within a bound.
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
        inner.cancel_in_flight();
        inner.tasks.wait().await;
    }
    let mut notifier = notifier;
    if tokio::time::timeout(drain, &mut notifier).await.is_err() {
        tracing::warn!(
            role = R::NAME,
            "a notification handler is still running after {drain:?}; aborting it"
        );
        notifier.abort();
    }
    inner.closed.cancel();
    // The writer flushes what is queued; a transport that accepts nothing more is abandoned.
    let mut writer = writer;
    if tokio::time::timeout(drain, &mut writer).await.is_err() {
        tracing::warn!(
            role = R::NAME,
            "the transport did not close within {drain:?}"
        );
        writer.abort();
    }
    let _ = handle.end.set(end);
    handle.done.cancel();
}

async fn read_loop<R: Role, Rd: TransportReader>(
    inner: &Arc<Inner<R>>,
    reader: &mut Rd,
    notify_tx: &mpsc::Sender<IncomingNotification>,
) -> SessionEnd {
    loop {
        let frame = tokio::select! {
            biased;
            () = inner.closed.cancelled() => return SessionEnd::Closed,
            frame = reader.read() => frame,
        };
        match frame {
            Ok(Some(Frame::Message(bytes))) => dispatch::on_bytes(inner, &bytes, notify_tx).await,
            Ok(Some(Frame::Decoded(message))) => {
                dispatch::on_decoded(inner, Ok(message), notify_tx).await;
            }
            Ok(Some(Frame::Oversized { limit })) => {
                let e = ErrorData::invalid_request(format!(
                    "message exceeds the limit of {limit} bytes"
                ));
                let _ = send_on(
                    inner,
                    &Message::Error(ErrorResponse::new(None, e)),
                    Route::Unrelated,
                )
                .await;
            }
            Ok(None) => return SessionEnd::PeerClosed,
            Err(e) => return SessionEnd::TransportError(e.to_string()),
        }
    }
}

async fn notification_loop<R: Role>(
    inner: Arc<Inner<R>>,
    mut rx: mpsc::Receiver<IncomingNotification>,
) {
    while let Some(notification) = rx.recv().await {
        let context = NotificationContext::new(Peer::new(inner.clone(), Route::Unrelated));
        let method = notification.method.clone();
        let work =
            std::panic::AssertUnwindSafe(inner.handler.handle_notification(notification, context));
        if futures_util::FutureExt::catch_unwind(work).await.is_err() {
            tracing::error!(role = R::NAME, %method, "notification handler panicked");
        }
    }
}

/// Writes queued messages, flushing once per burst. Ends when the session closes, after
/// writing what was already queued.
async fn write_loop<W: TransportWriter>(
    mut writer: W,
    mut rx: mpsc::Receiver<OutboundMessage>,
    closed: CancellationToken,
) {
    loop {
        let first = tokio::select! {
            biased;
            message = rx.recv() => message,
            () = closed.cancelled() => None,
        };
        let Some(first) = first else { break };
        if let Err(e) = write_burst(&mut writer, first, &mut rx).await {
            tracing::debug!(error = %e, "transport write failed; closing the session");
            closed.cancel();
            return;
        }
    }
    let mut healthy = true;
    while let Ok(message) = rx.try_recv() {
        if writer.write(message).await.is_err() {
            healthy = false;
            break;
        }
    }
    if healthy {
        let _ = writer.flush().await;
    }
    let _ = writer.close().await;
}

async fn write_burst<W: TransportWriter>(
    writer: &mut W,
    first: OutboundMessage,
    rx: &mut mpsc::Receiver<OutboundMessage>,
) -> Result<(), crate::transport::TransportError> {
    writer.write(first).await?;
    while let Ok(message) = rx.try_recv() {
        writer.write(message).await?;
    }
    writer.flush().await
}

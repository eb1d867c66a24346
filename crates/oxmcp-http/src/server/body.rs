//! The response body of the MCP endpoint: a whole JSON body, or an SSE stream fed by the
//! session's writer through a bounded queue.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body::{Body, Frame, SizeHint};
use oxmcp_types::jsonrpc::ErrorResponse;
use oxmcp_types::{ErrorData, Message};
use tokio::time::{Instant, Sleep};
use tokio_util::sync::DropGuard;

use super::queue::QueueRx;
use crate::sse;

/// One encoded SSE event on its way to a connection. `seq` is its place in the stream
/// (0 when the stream has no ids), used to drop duplicates when a replay and live delivery
/// overlap.
#[derive(Debug)]
pub(crate) struct SseItem {
    pub(crate) seq: u64,
    pub(crate) bytes: Bytes,
}

/// The body of a response from [`McpService`](crate::McpService).
pub struct McpBody {
    kind: Kind,
}

enum Kind {
    Full(Option<Bytes>),
    Sse(Box<SseBody>),
}

impl fmt::Debug for McpBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Full(b) => f
                .debug_struct("McpBody")
                .field("len", &b.as_ref().map_or(0, Bytes::len))
                .finish(),
            Kind::Sse(_) => f.debug_struct("McpBody").field("sse", &true).finish(),
        }
    }
}

struct SseBody {
    /// Sent first: the priming event, replayed events.
    pending: VecDeque<Bytes>,
    rx: Option<QueueRx>,
    last_seq: u64,
    keep_alive: Option<(Duration, Pin<Box<Sleep>>)>,
    /// When the server closes the connection (SSE polling), and the `retry` hint it sends.
    close: Option<(Pin<Box<Sleep>>, Bytes)>,
    /// Cancelled when the body is dropped (the connection ended, however it ended).
    _guard: Option<DropGuard>,
    /// Values that live as long as the body (dropped when the connection ends).
    _held: Vec<Box<dyn std::any::Any + Send + Sync>>,
}

impl McpBody {
    /// An empty body.
    pub fn empty() -> Self {
        Self {
            kind: Kind::Full(None),
        }
    }

    /// A whole body.
    pub fn full(bytes: impl Into<Bytes>) -> Self {
        let bytes = bytes.into();
        Self {
            kind: Kind::Full((!bytes.is_empty()).then_some(bytes)),
        }
    }

    /// The bytes of a whole body (not an SSE stream).
    pub(crate) fn json_bytes(&self) -> Option<&[u8]> {
        match &self.kind {
            Kind::Full(Some(bytes)) => Some(bytes),
            _ => None,
        }
    }

    pub(crate) fn sse(
        first: VecDeque<Bytes>,
        rx: Option<QueueRx>,
        last_seq: u64,
        keep_alive: Option<Duration>,
        close: Option<(Duration, Duration)>,
    ) -> Self {
        let keep_alive = keep_alive.map(|d| (d, Box::pin(tokio::time::sleep(d))));
        let close = close.map(|(after, retry)| {
            let millis = u64::try_from(retry.as_millis()).unwrap_or(u64::MAX);
            (Box::pin(tokio::time::sleep(after)), sse::retry(millis))
        });
        Self {
            kind: Kind::Sse(Box::new(SseBody {
                pending: first,
                rx,
                last_seq,
                keep_alive,
                close,
                _guard: None,
                _held: Vec::new(),
            })),
        }
    }

    /// The same body, keeping `value` until it is dropped (an SSE body only; a whole body
    /// drops `value` at once).
    pub(crate) fn holding(mut self, value: impl std::any::Any + Send + Sync) -> Self {
        if let Kind::Sse(body) = &mut self.kind {
            body._held.push(Box::new(value));
        }
        self
    }

    /// Whether this is an SSE stream.
    pub(crate) fn is_sse(&self) -> bool {
        matches!(self.kind, Kind::Sse(_))
    }

    /// The same body, cancelling `guard`'s token when it is dropped (an SSE body only).
    pub(crate) fn on_drop(mut self, guard: DropGuard) -> Self {
        if let Kind::Sse(body) = &mut self.kind {
            body._guard = Some(guard);
        }
        self
    }
}

impl SseBody {
    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Bytes>> {
        loop {
            if let Some(bytes) = self.pending.pop_front() {
                return Poll::Ready(Some(bytes));
            }
            let Some(rx) = &mut self.rx else {
                return Poll::Ready(None);
            };
            if let Some((deadline, retry)) = &mut self.close
                && deadline.as_mut().poll(cx).is_ready()
            {
                let retry = retry.clone();
                self.rx = None;
                self.close = None;
                return Poll::Ready(Some(retry));
            }
            match rx.poll_recv(cx) {
                Poll::Ready(Some(item)) => {
                    if item.seq != 0 {
                        if item.seq <= self.last_seq {
                            continue;
                        }
                        self.last_seq = item.seq;
                    }
                    if let Some((every, sleep)) = &mut self.keep_alive {
                        sleep.as_mut().reset(Instant::now() + *every);
                    }
                    return Poll::Ready(Some(item.bytes));
                }
                Poll::Ready(None) => {
                    self.rx = None;
                    return Poll::Ready(None);
                }
                Poll::Pending => {}
            }
            if let Some((every, sleep)) = &mut self.keep_alive
                && sleep.as_mut().poll(cx).is_ready()
            {
                sleep.as_mut().reset(Instant::now() + *every);
                return Poll::Ready(Some(Bytes::from_static(sse::KEEP_ALIVE)));
            }
            return Poll::Pending;
        }
    }
}

impl Body for McpBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match &mut self.get_mut().kind {
            Kind::Full(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            Kind::Sse(body) => body.poll_next(cx).map(|b| b.map(|b| Ok(Frame::data(b)))),
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(&self.kind, Kind::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Full(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            Kind::Sse(_) => SizeHint::default(),
        }
    }
}

pub(crate) const APPLICATION_JSON: HeaderValue = HeaderValue::from_static("application/json");
pub(crate) const TEXT_EVENT_STREAM: HeaderValue = HeaderValue::from_static("text/event-stream");

/// How many headers a response's map has room for. hyper keeps a response's header map,
/// emptied, to parse the next request of the connection into: with room for a client's
/// usual headers (an MCP request has seven or more), that parse does not grow it, which
/// would cost two allocations per request.
const HEADER_ROOM: usize = 12;

/// A response with `body` and a header map with [`HEADER_ROOM`].
fn response(body: McpBody) -> Response<McpBody> {
    let mut response = Response::new(body);
    *response.headers_mut() = http::HeaderMap::with_capacity(HEADER_ROOM);
    response
}

/// A response with a JSON body.
pub(crate) fn json(status: StatusCode, bytes: impl Into<Bytes>) -> Response<McpBody> {
    let mut response = response(McpBody::full(bytes));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, APPLICATION_JSON);
    response
}

/// A public JSON document (metadata): 200, readable by browser-based clients of any
/// origin (it holds nothing secret), cacheable for an hour.
pub(crate) fn document(bytes: Bytes) -> Response<McpBody> {
    let mut response = json(StatusCode::OK, bytes);
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}

/// An HTTP error with a JSON-RPC error body without id.
pub(crate) fn error(status: StatusCode, error: ErrorData) -> Response<McpBody> {
    json(
        status,
        Message::Error(ErrorResponse::new(None, error)).to_vec(),
    )
}

/// An HTTP error with an "invalid request" JSON-RPC body.
pub(crate) fn invalid(status: StatusCode, message: impl Into<String>) -> Response<McpBody> {
    error(status, ErrorData::invalid_request(message))
}

/// A response with no body.
pub(crate) fn status(status: StatusCode) -> Response<McpBody> {
    let mut response = response(McpBody::empty());
    *response.status_mut() = status;
    response
}

/// The headers of an SSE response.
pub(crate) fn sse_response(body: McpBody) -> Response<McpBody> {
    let mut response = response(body);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, TEXT_EVENT_STREAM);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

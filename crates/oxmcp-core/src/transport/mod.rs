//! Transports: how encoded JSON-RPC messages move between two peers.
//!
//! A transport splits into a [`TransportReader`] that yields one [`Frame`] per incoming
//! message and a [`TransportWriter`] that takes [`OutboundMessage`]s. The engine owns framing
//! decisions above this line (decoding, errors for bad frames); transports own bytes and
//! delimiters. Outbound messages carry a [`Route`] so that transports with several streams
//! (Streamable HTTP) can put each message on the right one; single-stream transports ignore it.
//!
//! Included here: [`stdio()`] (the server side of stdio, on the reactor), [`child`] (the client
//! side: a server run as a child process), [`memory`] (two connected in-process ends), and
//! [`LineTransport`] (newline-delimited framing over any byte-stream pair).

use std::fmt;
use std::future::Future;
use std::io;
use std::sync::Arc;

use oxmcp_types::{Implementation, InitializeRequestParams, Message, ProtocolVersion, RequestId};

use crate::extensions::Extensions;
use crate::handler::BoxFuture;

pub mod child;
pub mod lines;
pub mod memory;
pub mod stdio;

pub use child::{ChildHandle, ChildProcess, ChildTransport, SpawnError, StderrMode};
pub use lines::{DEFAULT_MAX_LINE_LENGTH, LineConfig, LineReader, LineTransport, LineWriter};
pub use memory::{MemoryReader, MemoryTransport, MemoryWriter};
pub use stdio::{StdioTransport, stdio};

/// One message's worth of input, as the transport delimited it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Frame {
    /// The bytes of one message (for stdio: one line, without its newline).
    Message(Vec<u8>),
    /// One message the transport already decoded (Streamable HTTP parses each POST body to
    /// route it): the engine takes it as it is, without parsing it a second time.
    Decoded(Message),
    /// One decoded message with what the transport knows of it (Streamable HTTP: the HTTP
    /// request's parts and the authenticated [`Principal`](crate::Principal)): the context
    /// of the request (or notification) carries them as its
    /// [extensions](crate::RequestContext::extensions).
    DecodedWith {
        /// The message.
        message: Message,
        /// What the transport attaches to it.
        extensions: Extensions,
    },
    /// A message longer than the transport's limit; its bytes were discarded and the stream
    /// continues with the next message. The engine answers it with -32600.
    Oversized {
        /// The configured limit in bytes.
        limit: usize,
    },
}

/// Frames are equal when they carry the same bytes, the same limit, or messages with the
/// same encoding.
impl PartialEq for Frame {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Message(a), Self::Message(b)) => a == b,
            (Self::Decoded(a), Self::Decoded(b)) => a.to_vec() == b.to_vec(),
            (Self::DecodedWith { message: a, .. }, Self::DecodedWith { message: b, .. }) => {
                a.to_vec() == b.to_vec()
            }
            (Self::Oversized { limit: a }, Self::Oversized { limit: b }) => a == b,
            _ => false,
        }
    }
}

impl Eq for Frame {}

/// Where an outbound message belongs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Route {
    /// The response to the peer's request with this id.
    Response(RequestId),
    /// A request or notification sent while handling the peer's request with this id.
    Related(RequestId),
    /// Anything else.
    Unrelated,
}

/// One encoded message on its way out.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OutboundMessage {
    /// Compact JSON of one message, without a trailing newline.
    pub bytes: Vec<u8>,
    /// Where it belongs.
    pub route: Route,
}

impl OutboundMessage {
    /// A message and its route.
    pub fn new(bytes: Vec<u8>, route: Route) -> Self {
        Self { bytes, route }
    }
}

/// Errors of a transport.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The underlying I/O failed.
    #[error("transport I/O error: {0}")]
    Io(#[from] io::Error),
    /// The other side is gone.
    #[error("transport closed")]
    Closed,
}

/// The receiving half of a transport.
///
/// The engine either polls [`read`](Self::read) from a task of its own (the default), or, if
/// the reader accepts a [`FrameSink`] in [`attach`](Self::attach), lets the transport push
/// each frame itself from the task that received it: no reader task and no queue per
/// session, which suits transports whose frames arrive on tasks they already run (one HTTP
/// request per message).
pub trait TransportReader: Send + 'static {
    /// The next frame, or `Ok(None)` at the end of the stream.
    fn read(&mut self) -> impl Future<Output = Result<Option<Frame>, TransportError>> + Send;

    /// Called once, before anything is read. A reader that delivers its frames itself keeps
    /// `sink` (and its clones), pushes every frame into it, and returns true: the engine then
    /// never calls [`read`](Self::read). Dropping the last clone of the sink ends the input,
    /// like the end of a stream. The default returns false: the engine polls `read`.
    fn attach(&mut self, sink: &FrameSink) -> bool {
        let _ = sink;
        false
    }
}

/// Where a push-driven transport hands its incoming frames (see [`TransportReader::attach`]).
/// Cheap to clone. The input ends when the last clone is dropped, or at [`end`](Self::end).
#[derive(Clone)]
pub struct FrameSink {
    target: Arc<dyn PushTarget>,
}

impl fmt::Debug for FrameSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FrameSink").finish_non_exhaustive()
    }
}

impl FrameSink {
    pub(crate) fn new(target: Arc<dyn PushTarget>) -> Self {
        Self { target }
    }

    /// Hands one frame to the session, in the caller's task, as a reader task would: a
    /// request starts running in a task of its own, a notification joins the in-order queue
    /// (waiting for room when it is full), a response reaches its waiting requester.
    /// Fails with [`TransportError::Closed`] once the session's input has ended.
    pub async fn push(&self, frame: Frame) -> Result<(), TransportError> {
        self.target.clone().push(frame, false).await.map(|_| ())
    }

    /// Hands one frame to the session as [`push`](Self::push) does, and takes the answer
    /// back when the engine can hand it over directly: the frame is a request of a
    /// transport that [runs requests inline](Transport::runs_requests_inline), its handler
    /// answered in this call, and nothing of the session was waiting to be written then (so
    /// the answer overtakes nothing). The caller then delivers the answer itself, as the
    /// writer would have; otherwise (`None`) it went to the writer as usual.
    ///
    /// The push is a future of its own (it borrows nothing), so that a caller may poll it
    /// for a while and then hand what is left of it to a task.
    pub fn push_for_answer(
        &self,
        frame: Frame,
    ) -> BoxFuture<'static, Result<Option<OutboundMessage>, TransportError>> {
        self.target.clone().push(frame, true)
    }

    /// Ends the input now (the end of the stream), even while clones remain.
    pub fn end(&self) {
        self.target.end();
    }

    /// Whether the session no longer takes frames.
    pub fn is_closed(&self) -> bool {
        self.target.is_closed()
    }
}

/// The engine's side of a [`FrameSink`].
pub(crate) trait PushTarget: Send + Sync {
    /// Pushes `frame`; with `direct`, an answer ready at once may come back (see
    /// [`FrameSink::push_for_answer`]).
    fn push(
        self: Arc<Self>,
        frame: Frame,
        direct: bool,
    ) -> BoxFuture<'static, Result<Option<OutboundMessage>, TransportError>>;
    fn end(&self);
    fn is_closed(&self) -> bool;
}

/// The sending half of a transport.
pub trait TransportWriter: Send + 'static {
    /// Queues one message. May buffer until [`flush`](Self::flush).
    fn write(
        &mut self,
        message: OutboundMessage,
    ) -> impl Future<Output = Result<(), TransportError>> + Send;

    /// Pushes buffered messages out. The engine calls it once per burst of writes.
    fn flush(&mut self) -> impl Future<Output = Result<(), TransportError>> + Send;

    /// Flushes and closes the sending direction (for stdio: closes the pipe).
    fn close(&mut self) -> impl Future<Output = Result<(), TransportError>> + Send;
}

/// The name of a session shared by several server processes (the `Mcp-Session-Id` of a
/// scaled-out HTTP server, whose instances each run their own engine session for it): a
/// transport puts it in the extensions of every message of such a session, so that what
/// outlives one process (the tasks a session owns, for one) is keyed by it rather than by
/// the engine's per-process session id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SharedSessionName(pub Arc<str>);

/// What a transport fixes for every request of its session, when the session has no
/// `initialize` of its own (see [`Transport::negotiated`]).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Negotiated {
    /// The version every request is handled under.
    pub protocol_version: ProtocolVersion,
    /// Who the peer is, as far as the transport can say.
    pub peer_info: Implementation,
    /// Whether each request declares its own state in its `_meta` instead (the 2026-07-28
    /// revision): the session then runs under a
    /// [`ModernContext`](crate::session::ModernContext), and the two members above only
    /// describe the session before any request.
    pub per_request: bool,
    /// The `initialize` this session already answered elsewhere (see
    /// [`initialized`](Self::initialized)): when set, the session starts initialized, as if
    /// it had answered these params itself, and the two members above are ignored.
    pub initialized: Option<Arc<InitializeRequestParams>>,
}

impl Negotiated {
    /// Requests are handled under `protocol_version`, from a peer that declared nothing.
    pub fn new(protocol_version: ProtocolVersion, peer_info: Implementation) -> Self {
        Self {
            protocol_version,
            peer_info,
            per_request: false,
            initialized: None,
        }
    }

    /// The session was initialized elsewhere with `params` (by another instance of a
    /// scaled-out server sharing a session store): it starts in the state answering them
    /// would have left it in (the version they negotiate, the client's capabilities and
    /// info), without an `initialize` of its own. It then behaves as any initialized
    /// session: a second `initialize` is refused, and nothing is fixed per request.
    pub fn initialized(params: InitializeRequestParams) -> Self {
        Self {
            protocol_version: ProtocolVersion::negotiate(&params.protocol_version),
            peer_info: params.client_info.clone(),
            per_request: false,
            initialized: Some(Arc::new(params)),
        }
    }

    /// Each request declares its version, the peer's capabilities and info in its `_meta`
    /// (2026-07-28): no `initialize`, and nothing kept from one request to the next.
    pub fn per_request() -> Self {
        Self {
            protocol_version: ProtocolVersion::LATEST_MODERN,
            peer_info: Implementation::new(crate::session::UNNAMED_CLIENT, "0"),
            per_request: true,
            initialized: None,
        }
    }
}

/// A bidirectional transport that splits into its two halves.
pub trait Transport: Send + 'static {
    /// The receiving half.
    type Reader: TransportReader;
    /// The sending half.
    type Writer: TransportWriter;

    /// What this transport fixes for every request of its session, if anything: a
    /// transport whose sessions never see an `initialize` of their own (the stateless
    /// Streamable HTTP mode, one short session per POST) returns the version to handle its
    /// requests under, and the session then runs under a
    /// [`FixedContext`](crate::session::FixedContext) with a peer that declared no
    /// capabilities, from the start. The default, `None`, negotiates in `initialize`.
    fn negotiated(&self) -> Option<Negotiated> {
        None
    }

    /// What the ids of the requests sent over this transport start with, if anything:
    /// they are then strings `<prefix><n>` instead of numbers. A scaled-out HTTP server
    /// names its instance this way, so that the instance that receives the answer knows
    /// which one asked. The default, `None`, numbers them.
    fn request_id_prefix(&self) -> Option<Arc<str>> {
        None
    }

    /// Whether a request's handler runs in the task that pushes the request's frame (the
    /// push then ends once the request is answered) instead of in a task of its own.
    ///
    /// For a transport that pushes its frames ([`TransportReader::attach`]) one request at
    /// a time per session and waits for each answer in the task that pushed it, as
    /// Streamable HTTP does for 2026-07-28 requests: a task spawned and a wake-up saved per
    /// request. Such a transport polls the push together with the answer, and moves what is
    /// left of the push to a task of its own if the answer comes first (a stream). The
    /// default, `false`, spawns a task per request; a polled transport's reader never runs
    /// handlers, whatever this says.
    fn runs_requests_inline(&self) -> bool {
        false
    }

    /// Splits the transport.
    fn split(self) -> (Self::Reader, Self::Writer);
}

impl<R: TransportReader, W: TransportWriter> Transport for (R, W) {
    type Reader = R;
    type Writer = W;

    fn split(self) -> (R, W) {
        self
    }
}

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

use std::future::Future;
use std::io;

use oxmcp_types::{Message, RequestId};

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
pub trait TransportReader: Send + 'static {
    /// The next frame, or `Ok(None)` at the end of the stream.
    fn read(&mut self) -> impl Future<Output = Result<Option<Frame>, TransportError>> + Send;
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

/// A bidirectional transport that splits into its two halves.
pub trait Transport: Send + 'static {
    /// The receiving half.
    type Reader: TransportReader;
    /// The sending half.
    type Writer: TransportWriter;

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

//! The public face of a session: the [`HttpSessionTransport`] handed to the
//! [`SessionFactory`](crate::SessionFactory), its two halves, and [`SessionStreams`].

use std::sync::{Arc, Weak};
use std::time::Duration;

use oxmcp_core::transport::{
    Frame, FrameSink, Negotiated, OutboundMessage, Transport, TransportError, TransportReader,
    TransportWriter,
};
use oxmcp_types::{ProtocolVersion, RequestId};

use super::{Session, lock};

/// The transport of one HTTP session, handed to the [`SessionFactory`](crate::SessionFactory)
/// that starts its engine session.
#[derive(Debug)]
pub struct HttpSessionTransport {
    reader: HttpSessionReader,
    writer: HttpSessionWriter,
    /// What a stateless session's requests are handled under.
    negotiated: Option<Negotiated>,
}

impl HttpSessionTransport {
    /// The transport of `session`: the reader pushes into it, the writer routes out of it.
    pub(super) fn new(session: &Arc<Session>) -> Self {
        Self {
            reader: HttpSessionReader {
                session: Arc::downgrade(session),
            },
            writer: HttpSessionWriter {
                session: session.clone(),
            },
            negotiated: None,
        }
    }

    /// This transport, fixing what its session's requests are handled under.
    pub(crate) fn with_negotiated(mut self, negotiated: Negotiated) -> Self {
        self.negotiated = Some(negotiated);
        self
    }

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

    fn negotiated(&self) -> Option<Negotiated> {
        self.negotiated.clone()
    }

    fn request_id_prefix(&self) -> Option<Arc<str>> {
        let session = &self.writer.session;
        let config = &session.settings.config;
        config
            .bus
            .as_ref()
            .filter(|_| config.session_store.is_some() && session.is_streamable())
            .map(|bus| bus.request_id_prefix())
    }

    fn runs_requests_inline(&self) -> bool {
        // A pooled (2026-07-28) session serves one request at a time, whose POST waits for
        // its answer (`Session::forward_inline`).
        self.writer.session.is_pooled()
    }

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

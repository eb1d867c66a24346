//! The session engine: one per connection, generic over the [`Role`].
//!
//! Each incoming request runs in a task of its own with its own cancellation token. Apart
//! from those, a session owns as few tasks as it can: a reader task only for a transport that
//! must be polled (a transport that pushes its frames, like Streamable HTTP, has none); no
//! writer task (whichever task sends writes the queue, flushing once per burst); and a task
//! for the peer's notifications only while some wait to be handled, one at a time, in order.
//! An idle session is a few hundred bytes of state and no task.

mod dispatch;
mod driver;
mod exchange;
mod hook;
pub(crate) mod modern;
mod modern_cache;
mod modern_fast;
mod notifications;
mod outbound;
mod peer;
mod request;
mod source;
pub(crate) mod state;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use oxmcp_types::{Implementation, LoggingLevel, ProtocolVersion};

pub(crate) use driver::start;
pub use driver::{SessionEnd, SessionHandle};
pub(crate) use exchange::Exchange;
pub use hook::{OutboundHook, Release, WaitHold};
pub use modern::{ModernContext, UNNAMED_CLIENT};
pub use modern_cache::{ModernState, ModernStateCache};
pub use peer::{Peer, ProgressCallback, RequestOptions, WeakPeer};
pub use source::{ContextSource, FixedContext, RequestHead};
pub(crate) use state::{Phase, RequestState};

use crate::role::Role;

/// What both sides agreed on: in `initialize` for a legacy session, in each request's
/// `_meta` in the 2026-07-28 revision (see [`ModernContext`]). The state a handler needs to
/// know what it may send.
#[derive(Debug)]
#[non_exhaustive]
pub struct SessionInfo<R: Role> {
    /// The negotiated protocol version.
    pub protocol_version: ProtocolVersion,
    /// What the peer declared.
    pub peer_capabilities: R::PeerCapabilities,
    /// Who the peer is.
    pub peer_info: Implementation,
    /// The server's `instructions` (on the client side), if it sent any.
    pub instructions: Option<String>,
    /// In the 2026-07-28 revision, the log level the request opted in to (its `_meta`
    /// `io.modelcontextprotocol/logLevel`): without one, the server sends it no log
    /// messages. Unused by legacy sessions (their level is set by `logging/setLevel`).
    pub log_level: Option<LoggingLevel>,
}

impl<R: Role> SessionInfo<R> {
    /// Negotiated state.
    pub fn new(
        protocol_version: ProtocolVersion,
        peer_capabilities: R::PeerCapabilities,
        peer_info: Implementation,
        instructions: Option<String>,
    ) -> Arc<Self> {
        Arc::new(Self {
            protocol_version,
            peer_capabilities,
            peer_info,
            instructions,
            log_level: None,
        })
    }

    /// This state, with the request's opted-in log level (2026-07-28).
    #[must_use]
    pub fn with_log_level(mut self: Arc<Self>, level: Option<LoggingLevel>) -> Arc<Self> {
        match Arc::get_mut(&mut self) {
            Some(info) => info.log_level = level,
            None => {
                return Arc::new(Self {
                    protocol_version: self.protocol_version,
                    peer_capabilities: self.peer_capabilities.clone(),
                    peer_info: self.peer_info.clone(),
                    instructions: self.instructions.clone(),
                    log_level: level,
                });
            }
        }
        self
    }
}

//! The two roles of an MCP session. The engine is generic over [`Role`], so client and server
//! share one implementation and differ only in what this trait says.

use std::fmt::Debug;

use std::sync::Arc;

use oxmcp_types::{
    AdaptToVersion, ClientCapabilities, Implementation, InitializeRequestParams, InitializeResult,
    ProtocolVersion, ServerCapabilities, modern::DiscoverResult,
};

use crate::capability::{self, Support};
use crate::session::{ContextSource, ModernContext, SessionInfo};

/// A side of the session: [`Server`] or [`Client`].
pub trait Role: Debug + Send + Sync + 'static + sealed::Sealed {
    /// `"server"` or `"client"`, for logs and errors.
    const NAME: &'static str;
    /// Whether this side answers `initialize` (the server).
    const ANSWERS_INITIALIZE: bool;
    /// The capabilities this side declares.
    type OwnCapabilities: Debug + Clone + Send + Sync + 'static;
    /// The capabilities the other side declares.
    type PeerCapabilities: Debug + Clone + Default + Send + Sync + 'static;

    /// Whether this side handles the incoming request `method`, given what it declared.
    fn handles(method: &str, own: &Self::OwnCapabilities) -> Support;
    /// Whether the peer handles the outgoing request `method`, given what it declared.
    fn peer_handles(method: &str, peer: &Self::PeerCapabilities) -> Support;
    /// Whether this side may send the notification `method`.
    fn may_notify(
        method: &str,
        own: &Self::OwnCapabilities,
        peer: &Self::PeerCapabilities,
    ) -> Support;

    /// Answers `initialize` (servers only; clients return `None`): negotiates the version and
    /// returns the result and the session's negotiated state.
    #[doc(hidden)]
    fn answer_initialize(
        own_info: &Implementation,
        own: &Self::OwnCapabilities,
        instructions: Option<&str>,
        params: InitializeRequestParams,
    ) -> Option<(InitializeResult, Arc<SessionInfo<Self>>)>
    where
        Self: Sized;

    /// Answers `server/discover` (servers only; clients return `None`).
    #[doc(hidden)]
    fn answer_discover(
        own_info: &Implementation,
        own: &Self::OwnCapabilities,
        instructions: Option<&str>,
    ) -> Option<DiscoverResult>;

    /// The context source of a session whose every request declares its own state in its
    /// `_meta` (the 2026-07-28 revision; servers only: clients return `None`).
    #[doc(hidden)]
    fn per_request_source() -> Option<Arc<dyn ContextSource<Self>>>
    where
        Self: Sized;
}

/// The server role: answers `initialize`, offers tools, resources and prompts.
#[derive(Debug, Clone, Copy)]
pub struct Server;

/// The client role: sends `initialize`, may answer sampling, roots and elicitation.
#[derive(Debug, Clone, Copy)]
pub struct Client;

impl Role for Server {
    const NAME: &'static str = "server";
    const ANSWERS_INITIALIZE: bool = true;
    type OwnCapabilities = ServerCapabilities;
    type PeerCapabilities = ClientCapabilities;

    fn handles(method: &str, own: &ServerCapabilities) -> Support {
        capability::server_supports(method, own)
    }

    fn peer_handles(method: &str, peer: &ClientCapabilities) -> Support {
        capability::client_supports(method, peer)
    }

    fn may_notify(method: &str, own: &ServerCapabilities, peer: &ClientCapabilities) -> Support {
        capability::server_may_notify(method, own, peer)
    }

    fn answer_initialize(
        own_info: &Implementation,
        own: &ServerCapabilities,
        instructions: Option<&str>,
        params: InitializeRequestParams,
    ) -> Option<(InitializeResult, Arc<SessionInfo<Self>>)> {
        let version = ProtocolVersion::negotiate(&params.protocol_version);
        let mut result = InitializeResult::new(version.as_str(), own.clone(), own_info.clone());
        result.instructions = instructions.map(str::to_owned);
        // Nothing newer than the negotiated revision goes on the wire.
        result.adapt_to(version);
        let info = SessionInfo::new(version, params.capabilities, params.client_info, None);
        Some((result, info))
    }

    fn answer_discover(
        own_info: &Implementation,
        own: &ServerCapabilities,
        instructions: Option<&str>,
    ) -> Option<DiscoverResult> {
        Some(crate::session::modern::discover(
            own_info,
            own,
            instructions,
        ))
    }

    fn per_request_source() -> Option<Arc<dyn ContextSource<Self>>> {
        Some(Arc::new(ModernContext))
    }
}

impl Role for Client {
    const NAME: &'static str = "client";
    const ANSWERS_INITIALIZE: bool = false;
    type OwnCapabilities = ClientCapabilities;
    type PeerCapabilities = ServerCapabilities;

    fn handles(method: &str, own: &ClientCapabilities) -> Support {
        capability::client_supports(method, own)
    }

    fn peer_handles(method: &str, peer: &ServerCapabilities) -> Support {
        capability::server_supports(method, peer)
    }

    fn may_notify(method: &str, own: &ClientCapabilities, _peer: &ServerCapabilities) -> Support {
        capability::client_may_notify(method, own)
    }

    fn answer_initialize(
        _: &Implementation,
        _: &ClientCapabilities,
        _: Option<&str>,
        _: InitializeRequestParams,
    ) -> Option<(InitializeResult, Arc<SessionInfo<Self>>)> {
        None
    }

    fn answer_discover(
        _: &Implementation,
        _: &ClientCapabilities,
        _: Option<&str>,
    ) -> Option<DiscoverResult> {
        None
    }

    fn per_request_source() -> Option<Arc<dyn ContextSource<Self>>> {
        None
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Server {}
    impl Sealed for super::Client {}
}
